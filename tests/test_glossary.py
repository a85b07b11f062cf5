"""Glosses and pinyin of the terms the book shows: right, short, free of dictionary markup."""
from __future__ import annotations

import pandas as pd
import pytest
import yaml

from aidiscourse.config import Paths
from aidiscourse.errors import AidiscourseError
from aidiscourse.report import glossary
from aidiscourse.report.glossary import MAX_GLOSS, annotate, gloss, gloss_cells, load_glossary, pinyin, split_terms

from conftest import ROOT

RESULTS = ROOT / "results"


def _displayed_terms() -> set[str]:
    """Every term a table or chart of the book shows, read from the committed results."""
    read = lambda name: pd.read_csv(RESULTS / name, keep_default_na=False)  # noqa: E731
    terms: set[str] = set()
    for name in ("keyness.csv", "termfreq_logodds.csv", "termfreq_tfidf.csv", "termfreq_speakers.csv",
                 "termfreq_dispersion.csv", "topics.csv"):
        terms |= set(read(name).term)
    coll = read("termfreq_collocations.csv")
    terms |= set(coll.node) | set(coll.collocate)
    terms |= {t for cell in read("topics_runner_up.csv").top_terms for t in split_terms(cell)}
    freq = read("term_frequency.csv")  # the chart shows each document's 12 most frequent terms
    terms |= set(freq.sort_values("per_10k", ascending=False, kind="mergesort").groupby("doc_id").head(12).term)
    concepts = yaml.safe_load((ROOT / "data" / "lexicons" / "concepts.yml").read_text(encoding="utf-8"))
    terms |= {t for family in concepts["families"].values() for t in family["terms"]}  # the concept table
    return {str(t) for t in terms}


DISPLAYED = sorted(_displayed_terms())


def test_every_displayed_term_has_a_short_clean_gloss():
    assert len(DISPLAYED) > 500
    problems = {t: glossary.clean_problem(gloss(t)) for t in DISPLAYED}
    assert {t: p for t, p in problems.items() if p} == {}
    assert all(len(gloss(t)) <= MAX_GLOSS for t in DISPLAYED)


def test_every_displayed_chinese_term_has_pinyin_grouped_by_word():
    han = [t for t in DISPLAYED if glossary._HAN.search(t)]
    for t in han:
        p = pinyin(t)
        assert p and "|" not in p, t
        assert len(p.split()) == len(glossary.words(t)) or t in glossary._curated(str(ROOT / "data/lexicons/glossary.csv")), t


@pytest.mark.parametrize("term, expected", [
    ("民主资本主义", "mínzhǔ zīběn zhǔyì"),
    ("人工智能", "réngōng zhìnéng"),
    ("新质生产力", "xīnzhì shēngchǎnlì"),
    ("人类命运共同体", "rénlèi mìngyùn gòngtóngtǐ"),
    ("产业革命", "chǎnyè gémìng"),
    ("AI泡沫", "AI pàomò"),
    ("中国", "Zhōngguó"),  # a proper noun is capitalised
    ("跑", "pǎo"),
    ("西安", "Xī'ān"),  # an apostrophe where a syllable starts with a vowel
    ("AI", ""),
])
def test_pinyin_groups_syllables_by_word(term, expected):
    assert pinyin(term) == expected


@pytest.mark.parametrize("term, expected", [
    ("革命", "revolution"),  # CC-CEDICT's first sense is the mandate of heaven
    ("英国", "Britain; UK"),  # CC-CEDICT's senses carry cross-references
    ("AI泡沫", "AI bubble"),
    ("跑", "to run; to run away; to escape"),  # the entry read pǎo, not páo "to paw"
    ("泡沫", "bubble (economic); foam"),
])
def test_curated_and_dictionary_glosses(term, expected):
    assert gloss(term) == expected


def test_dictionary_markup_is_removed_from_senses():
    assert glossary._clean_sense("United Kingdom 聯合王國|联合王国[Lian2 he2 wang2 guo2]") == "United Kingdom"
    assert glossary._clean_sense("CL:個|个[ge4]") == ""
    assert glossary._clean_sense("Europe (abbr. for 歐羅巴洲|欧罗巴洲[Ou1 luo2 ba1 Zhou1])") == "Europe"
    assert glossary._clean_sense("to withdraw the mandate of heaven (original meaning)") == ""
    assert all(glossary.clean_problem(gloss(t)) == "" for t in ["欧洲", "技术", "政府", "钱"])


def test_a_long_sense_is_cut_at_a_boundary():
    assert glossary._shorten("Donald Trump, American businessman and politician", 40) == "Donald Trump"
    cut = glossary._shorten("a very long sense that goes on and on well past the limit of forty", 40)
    assert len(cut) <= 40 and cut.endswith("…") and not cut[:-1].endswith(" ")


def test_terms_without_an_entry_are_composed_from_their_words():
    assert "民主制度" not in glossary._cedict()
    assert gloss("专制政府") == "autocracy government"  # two words CC-CEDICT knows, no entry for the pair


def _project(tmp_path, text: str) -> Paths:
    (tmp_path / "data" / "lexicons").mkdir(parents=True)
    (tmp_path / "data" / "lexicons" / "glossary.csv").write_text(text, encoding="utf-8")
    return Paths(tmp_path)


def test_the_curated_glossary_overrides_the_dictionary(tmp_path):
    paths = _project(tmp_path, "term,pinyin,gloss,reason\n泡沫,pàomò,speculative bubble,test\n制度,,institution,test\n")
    assert gloss("泡沫", paths=paths) == "speculative bubble" and gloss("泡沫") != "speculative bubble"
    assert pinyin("泡沫", paths=paths) == "pàomò" and pinyin("制度", paths=paths) == "zhìdù"
    table = annotate(pd.DataFrame({"term": ["制度"], "n": [1]}), paths=paths)
    assert list(table.columns) == ["term", "pinyin", "gloss", "n"] and table.gloss[0] == "institution"
    cells = gloss_cells(pd.DataFrame({"top_terms": ["泡沫 制度"], "n": [1]}), ["top_terms"], paths=paths)
    assert cells.top_terms[0] == "泡沫 pàomò ‘speculative bubble’ · 制度 zhìdù ‘institution’" and cells.n[0] == 1


@pytest.mark.parametrize("row, message", [
    ("英国,,United Kingdom 聯合王國|联合王国[Lian2],x", "markup"),
    ("革命,,to withdraw the mandate of heaven and found a dynasty,x", "longer than 40"),
    ("革命,,,x", "empty"),
])
def test_a_bad_curated_gloss_is_refused_in_one_line(tmp_path, row, message):
    path = _project(tmp_path, f"term,pinyin,gloss,reason\n{row}\n").lexicons / "glossary.csv"
    with pytest.raises(AidiscourseError, match=message) as err:
        load_glossary(path)
    assert "\n" not in str(err.value)


def test_the_project_glossary_is_valid_and_has_reasons():
    table = load_glossary(ROOT / "data" / "lexicons" / "glossary.csv")
    assert len(table) > 50 and (table.reason.str.strip() != "").all()
