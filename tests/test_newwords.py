"""Term suggestion: cohesive, free n-grams the segmenter splits, on this corpus and on a
document from outside it."""
import math

import pytest

from aidiscourse.corpus.extract import extract_markdown
from aidiscourse.corpus.markup import strip_markup
from aidiscourse.corpus.newwords import accepted_terms, append_terms, candidate_table, suggest_terms, user_dict_terms
from aidiscourse.corpus.normalize import normalize_text
from aidiscourse.corpus.segment import Segmenter, split_sentences
from aidiscourse.errors import AidiscourseError
from test_markup import LAW


@pytest.fixture(scope="module")
def body(all_sentences) -> list[str]:
    df = all_sentences[(all_sentences.section == "body") & (all_sentences.flag == "")]
    return df.text.tolist()


def test_cohesion_and_freedom_are_computed_as_defined():
    texts = ["甲乙丙", "甲乙丁", "戊甲乙"]
    table = candidate_table(texts, min_freq=3, max_len=3).set_index("term")
    # 甲乙 occurs 3 times among 6 bigrams; 甲 and 乙 each 3 times among 9 characters
    assert table.loc["甲乙", "frequency"] == 3
    assert table.loc["甲乙", "pmi"] == pytest.approx(math.log2((3 / 6) / ((3 / 9) * (3 / 9))))
    # right neighbours 丙, 丁 and one text end: three outcomes of one each
    assert table.loc["甲乙", "right_entropy"] == pytest.approx(math.log2(3))
    # left neighbours: two text starts and 戊
    assert table.loc["甲乙", "left_entropy"] == pytest.approx(math.log2(3))


def test_without_a_user_dictionary_it_finds_the_dictionarys_terms(paths, body):
    """The terms this project had to add by hand, found again from the text alone."""
    plain = Segmenter(None)
    text = "\n".join(body)
    listed = [w for w in user_dict_terms(paths.user_dict)
              if text.count(w) >= 5 and len(plain.cut(w)) > 1 and all("\u4e00" <= c <= "\u9fff" for c in w)]
    assert len(listed) >= 10
    found = set(suggest_terms(body, segmenter=plain, top=60).term)
    recovered = [w for w in listed if w in found]
    assert len(recovered) >= 0.6 * len(listed), (recovered, [w for w in listed if w not in found])
    assert {"新质生产力", "民主资本主义", "英伟达"} <= found


def test_with_the_user_dictionary_listed_and_whole_terms_are_skipped(paths, body):
    seg = Segmenter(paths.user_dict)
    known = user_dict_terms(paths.user_dict)
    table = suggest_terms(body, segmenter=seg, known=known, top=None)
    assert not set(table.term) & set(known)
    assert "人工智能技术" not in set(table.term)  # a dictionary term plus a word: counted whole already
    for term, split in zip(table.term, table.split_as):
        assert split.replace(" / ", "") == term
    assert table.score.is_monotonic_decreasing and table.score.iloc[0] == 100.0


def test_it_surfaces_the_domain_terms_of_a_document_outside_the_corpus(paths):
    text = strip_markup(extract_markdown(LAW.read_bytes()).text)
    sentences = [s for line in text.split("\n") for s in split_sentences(normalize_text(line))]
    table = suggest_terms(sentences, segmenter=Segmenter(paths.user_dict), known=user_dict_terms(paths.user_dict), top=5)
    assert any("反恐怖主义" in t for t in table.term), table
    assert table.context.map(len).max() <= 24 * 2 + 12  # one context, cut around the term


def test_append_terms_writes_a_dated_reason_and_skips_listed_terms(tmp_path):
    import datetime

    path = tmp_path / "userdict.txt"
    path.write_text("新质生产力 50000 n\n", encoding="utf-8")
    added = append_terms(path, ["莫基尔", "新质生产力", "莫基尔"], reason="人名", today=datetime.date(2026, 3, 1))
    assert added == ["莫基尔"]
    assert path.read_text(encoding="utf-8").splitlines() == [
        "新质生产力 50000 n", "# 2026-03-01, added with `aidiscourse terms suggest --add`: 人名", "莫基尔 30000 n"]
    assert accepted_terms(path).to_dict("records") == [
        {"term": "莫基尔", "note": "2026-03-01, added with `aidiscourse terms suggest --add`: 人名"}]
    assert Segmenter(path).cut("莫基尔认为")[0] == "莫基尔"
    with pytest.raises(AidiscourseError, match="not a term"):
        append_terms(path, ["x"], reason="r")
    with pytest.raises(AidiscourseError, match="reason"):
        append_terms(path, ["某词"], reason=" ")

