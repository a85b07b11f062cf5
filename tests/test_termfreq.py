"""Term frequencies, keyness, dispersion, phrases and contexts: statistics against
hand-computed values, then the real corpus."""
from __future__ import annotations

from math import log, log2
import re

import numpy as np
import pandas as pd
import pytest

from aidiscourse.analyses import contexts, dispersion, frequency, keyness, phrases, segmentation, stats
from aidiscourse.config import Paths
from aidiscourse.corpus.load import content_terms
from aidiscourse.corpus.segment import Segmenter
from aidiscourse.errors import AidiscourseError
from conftest import ROOT

# --- tiny constructed corpora ------------------------------------------------------------


def _table(rows):
    """A sentence table from (doc_id, paragraph, role, tokens) tuples, with the project's content terms."""
    df = pd.DataFrame(rows, columns=["doc_id", "paragraph", "role", "tokens"])
    df["speaker"] = df["role"]
    df["turn"] = 0
    df["sentence"] = range(1, len(df) + 1)
    df["text"] = df["tokens"].str.replace(" ", "", regex=False)
    return df.assign(terms=content_terms(df, Paths(ROOT)))


TINY = _table([
    ("a", 1, "author", "市场 的 泡沫 是 泡沫 。"),
    ("a", 2, "author", "政府 规划 市场 ， 2025 年"),
    ("b", 1, "author", "政府 政府 制度 。"),
    ("b", 1, "author", "制度 与 市场"),
])


# --- G2 and log ratio ----------------------------------------------------------------------

def _g2_by_hand(a, b, c, d):
    """Four-cell G2 written out cell by cell, 0 ln 0 = 0."""
    n = c + d
    cells = [(a, (a + b) * c / n), (b, (a + b) * d / n), (c - a, (n - a - b) * c / n), (d - b, (n - a - b) * d / n)]
    return 2 * sum(o * log(o / e) for o, e in cells if o > 0)


@pytest.mark.parametrize(
    "a, b, c, d, expected",
    [
        # E = 5, 5, 95, 95: 2 * (10 ln 2 + 90 ln(90/95) + 100 ln(100/95))
        (10, 0, 100, 100, 14.389502660059355),
        (0, 10, 100, 100, 14.389502660059355),  # zero in the target: same table mirrored
        # E = 10, 20, 990, 1980
        (20, 10, 1000, 2000, 14.014715780952885),
        (5, 10, 100, 200, 0.0),  # same relative frequency: no evidence
        (0, 0, 100, 200, 0.0),  # unseen term
    ],
)
def test_log_likelihood_matches_hand_computed_tables(a, b, c, d, expected):
    assert stats.log_likelihood(a, b, c, d) == pytest.approx(expected, abs=1e-9)
    assert stats.log_likelihood(a, b, c, d) == pytest.approx(_g2_by_hand(a, b, c, d), abs=1e-9)


def test_log_likelihood_is_the_g_test_of_the_2x2_table():
    from scipy.stats import chi2_contingency

    for a, b, c, d in [(3, 7, 50, 400), (12, 1, 300, 900), (1, 40, 60, 5000)]:
        stat = chi2_contingency([[a, b], [c - a, d - b]], correction=False, lambda_="log-likelihood")[0]
        assert stats.log_likelihood(a, b, c, d) == pytest.approx(stat, rel=1e-10)


def test_log_likelihood_is_vectorised():
    g2 = stats.log_likelihood([10, 20], [0, 10], [100, 1000], [100, 2000])
    assert g2 == pytest.approx([14.389502660059355, 14.014715780952885])


@pytest.mark.parametrize(
    "a, b, c, d, expected",
    [
        (20, 10, 1000, 2000, 2.0),  # 2 % vs 0.5 %: four times as frequent
        (10, 10, 100, 100, 0.0),
        (5, 20, 100, 100, -2.0),
        (4, 0, 100, 100, log2(4 / 0.5)),  # zero in the reference -> 0.5 (Hardie)
        (0, 4, 100, 100, log2(0.5 / 4)),  # zero in the target
    ],
)
def test_log_ratio_matches_hand_computed_values(a, b, c, d, expected):
    assert stats.log_ratio(a, b, c, d) == pytest.approx(expected)


def test_benjamini_hochberg_adjustment():
    # p sorted: 0.01, 0.02, 0.03, 0.5 with m = 4 -> 0.04, 0.04, 0.04, 0.5 (step-up minimum)
    assert stats.adjust_bh([0.03, 0.01, 0.5, 0.02]) == pytest.approx([0.04, 0.04, 0.5, 0.04])


def test_keyness_on_a_tiny_corpus():
    k = keyness.keyness(TINY, min_count=1)
    assert list(k.columns) == ["doc_id", "term", "count_doc", "count_rest", "g2", "p_adj", "log_ratio", "p_adj_paragraph"]
    assert k.p_adj_paragraph.isna().all()  # two paragraphs per document: too few units for that test
    # sizes in word tokens: a = 市场 的 泡沫 是 泡沫 政府 规划 市场 2025 年 = 10, b = 政府 政府 制度 制度 与 市场 = 6
    row = k[(k.doc_id == "a") & (k.term == "泡沫")].iloc[0]
    assert (row.count_doc, row.count_rest) == (2, 0)
    assert row.g2 == pytest.approx(_g2_by_hand(2, 0, 10, 6))
    assert row.log_ratio == pytest.approx(log2((2 / 10) / (0.5 / 6)))
    gov_b = k[(k.doc_id == "b") & (k.term == "政府")].iloc[0]
    assert (gov_b.count_doc, gov_b.count_rest) == (2, 1)
    # stop words and numbers are not terms
    assert not k.term.isin(["的", "是", "2025"]).any()
    # within a document rows are ordered by G2
    for _, g in k.groupby("doc_id"):
        assert list(g.g2) == sorted(g.g2, reverse=True)


def test_keyness_min_count_filters_the_total_count():
    k = keyness.keyness(TINY, min_count=2)
    assert ((k.count_doc + k.count_rest) >= 2).all()
    # 泡沫 (2 in a, 0 in b) is tested for b too: under-used terms are tested
    assert set(k.loc[k.doc_id == "b", "term"]) == {"市场", "泡沫", "政府", "制度"}
    row = k[(k.doc_id == "b") & (k.term == "泡沫")].iloc[0]
    assert row.count_doc == 0 and row.log_ratio < 0


def test_the_terms_column_is_required():
    with pytest.raises(AidiscourseError, match="content_terms"):
        frequency.frequency_table(TINY.drop(columns="terms"))


def test_word_tokens_keep_stop_words_and_drop_punctuation():
    words = frequency.word_tokens(TINY)
    assert words.iloc[0] == ["市场", "的", "泡沫", "是", "泡沫"]
    sizes = frequency.document_sizes(TINY).set_index("doc_id")
    assert list(sizes.words) == [10, 6] and list(sizes.sentences) == [2, 2]


def test_frequency_rates_use_word_tokens():
    f = frequency.frequency_table(TINY)
    row = f[(f.doc_id == "a") & (f.term == "市场")].iloc[0]
    assert row["count"] == 2 and row.per_10k == pytest.approx(2 / 10 * 10_000)


def test_one_character_words_survive_tfidf():
    df = _table([("a", 1, "author", "钱 钱 市场"), ("b", 1, "author", "市场 政府")])
    top = keyness.tfidf_terms(df, n=5)
    assert "钱" in set(top.loc[top.doc_id == "a", "term"])
    assert top.loc[top.doc_id == "a", "term"].iloc[0] == "钱"


def test_key_terms_keep_the_group_order_of_the_keyness_table():
    keys = pd.DataFrame({"doc_id": ["b", "a", "b", "a"], "term": ["x", "y", "z", "w"], "g2": [1.0, 5.0, 9.0, 7.0],
                         "p_adj": [0.01] * 4, "log_ratio": [1.0, 1.0, 1.0, -1.0]})
    top = keyness.key_terms(keys, n=5)
    assert list(top.doc_id) == ["b", "b", "a"] and list(top.term) == ["z", "x", "y"]


def test_role_keyness_compares_roles_within_a_document():
    df = _table([("a", 1, "host", "泡沫 泡沫 泡沫 市场"), ("a", 2, "guest", "市场 市场 市场 泡沫"),
                 ("b", 1, "author", "市场")])
    assert frequency.speaker_docs(df) == ["a"]
    k = keyness.role_keyness(df, min_count=3)
    assert set(zip(k.role, k.term)) == {(r, t) for r in ("host", "guest") for t in ("泡沫", "市场")}
    over = keyness.key_terms(k, group=["doc_id", "role"], alpha=None)
    assert set(zip(over.role, over.term)) == {("host", "泡沫"), ("guest", "市场")}
    roles = frequency.role_sizes(df)
    assert list(roles.words) == [4, 4] and list(roles.word_share) == [0.5, 0.5]


def test_log_odds_prior_shrinks_rare_terms():
    df = _table([("a", 1, "author", "甲 " * 20 + "乙"), ("b", 1, "author", "丙 " * 20 + "甲 " * 5)])
    lo = keyness.log_odds_dirichlet(df, prior_size=10)
    a = lo[lo.doc_id == "a"].set_index("term")
    # 甲 is frequent and over-used in a; 乙 is seen once: its z is far smaller
    assert a.loc["甲", "z"] > 2 > a.loc["乙", "z"] > 0


# --- diversity, dispersion, sharing --------------------------------------------------------

@pytest.mark.parametrize(
    "tokens, window, expected",
    [
        (list("abab"), 2, 1.0),
        (list("aaab"), 2, (0.5 + 0.5 + 1.0) / 3),
        (list("abcabc"), 3, 1.0),
        (list("aab"), 10, 2 / 3),  # shorter than the window: plain TTR
    ],
)
def test_mattr(tokens, window, expected):
    assert frequency.mattr(tokens, window=window) == pytest.approx(expected)


def test_mattr_does_not_fall_with_length_like_ttr():
    rng = np.random.default_rng(1)
    vocab = [f"w{i}" for i in range(300)]
    short = list(rng.choice(vocab, 600))
    long = list(rng.choice(vocab, 6000))
    assert frequency.mattr(long, window=200) == pytest.approx(frequency.mattr(short, window=200), abs=0.02)
    assert len(set(long)) / len(long) < 0.5 * len(set(short)) / len(short)


@pytest.mark.parametrize(
    "counts, sizes, dp, dp_norm",
    [
        ([1, 1], [10, 10], 0.0, 0.0),
        ([2, 0], [10, 10], 0.5, 1.0),
        # parts of 18, 20, 20, 20, 22 % of the text; the term's shares 1/15 ... 5/15
        ([1, 2, 3, 4, 5], [9, 10, 10, 10, 11], 0.5 * (abs(1 / 15 - .18) + abs(2 / 15 - .2) + abs(3 / 15 - .2) + abs(4 / 15 - .2) + abs(5 / 15 - .22)), None),
    ],
)
def test_gries_dp(counts, sizes, dp, dp_norm):
    got = stats.gries_dp(counts, sizes)
    assert got[0] == pytest.approx(dp)
    if dp_norm is not None:
        assert got[1] == pytest.approx(dp_norm)


def test_dispersion_counts_passages():
    d = dispersion.dispersion(TINY, {"a": ["泡沫", "市场"]}).set_index("term")
    assert d.loc["泡沫", "passages"] == 1 and d.loc["市场", "passages"] == 2
    assert d.loc["市场", "dp"] < d.loc["泡沫", "dp"]


def test_concentration_ranks_by_excess_over_the_null_quantile():
    disp = pd.DataFrame({"term": ["b", "a", "c"], "dp": [0.5, 0.5, 0.9], "dp_random_upper": [0.2, 0.2, 0.1]})
    out = dispersion.concentration(disp)
    assert list(out.term) == ["c", "a", "b"] and list(out.excess) == pytest.approx([0.8, 0.3, 0.3])


def test_dispersion_random_baseline():
    # 20 equal paragraphs; a term used 20 times in one paragraph versus once in each
    rows = [("a", p, "author", ("甲 " * 20 if p == 0 else "") + "乙 " + "丙 " * 19) for p in range(20)]
    d = dispersion.dispersion(_table(rows), {"a": ["甲", "乙"]}, n_sim=300, random_state=1).set_index("term")
    assert d.loc["乙", "dp"] < 0.05 < d.loc["乙", "dp_random"]  # spread more evenly than chance
    assert d.loc["甲", "dp"] > 0.9 > d.loc["甲", "dp_random_upper"] > d.loc["甲", "dp_random"]
    assert d.loc["甲", "concentrated"] and not d.loc["乙", "concentrated"]
    # reproducible
    again = dispersion.dispersion(_table(rows), {"a": ["甲", "乙"]}, n_sim=300, random_state=1).set_index("term")
    assert d.loc["甲", "dp_random"] == again.loc["甲", "dp_random"]


def test_shared_vocabulary():
    sv = frequency.shared_vocabulary(frequency.frequency_table(TINY)).set_index("doc_id")
    assert sv.loc["a", "shared_all"] == 2  # 市场, 政府
    assert sv.loc["a", "unique"] == 2  # 泡沫, 规划 (2025 is a number, 年 a stop word)
    assert sv.loc["b", "unique"] == 1  # 制度 (与 is a stop word)
    assert frequency.shared_terms(frequency.frequency_table(TINY))[:2] == ["市场", "政府"]


# --- phrases, concepts, bootstrap ------------------------------------------------------------

def test_match_phrases_longest_first_and_with_signs():
    seqs = {"人工智能+": ("人工智能", "+"), "人工智能": ("人工智能",), "新质生产力": ("新质", "生产力")}
    found, covered = phrases.match_phrases(["推进", "人工智能", "+", "和", "人工智能", "，", "新质", "生产力"], seqs)
    assert found == {"人工智能+": 1, "人工智能": 1, "新质生产力": 1}
    assert covered == 1 + 1 + 2  # the + sign is not a word token


def test_concept_rates_are_reproducible_and_independent_of_other_families():
    c1 = phrases.Concept("money", "Money", "cash", ("市场", "泡沫"))
    c2 = phrases.Concept("state", "State", "the state", ("政府",))
    both = phrases.concept_rates(TINY, [c1, c2], n_boot=200, random_state=3)
    again = phrases.concept_rates(TINY, [c1, c2], n_boot=200, random_state=3)
    alone = phrases.concept_rates(TINY, [c2], n_boot=200, random_state=3)
    pd.testing.assert_frame_equal(both, again)
    pd.testing.assert_frame_equal(both[both.family == "state"].reset_index(drop=True), alone)
    a_money = both[(both.doc_id == "a") & (both.family == "money")].iloc[0]
    assert a_money["count"] == 4 and a_money.per_10k == pytest.approx(4 / 10 * 10_000)


def test_load_concepts_refuses_a_term_in_two_families(tmp_path):
    p = tmp_path / "c.yml"
    p.write_text("families:\n  x: {label: X, definition: d, terms: [市场]}\n  y: {label: Y, definition: d, terms: [市场]}\n",
                 encoding="utf-8")
    with pytest.raises(AidiscourseError, match="市场"):
        phrases.load_concepts(p)


def test_load_phrases_reads_the_version_and_refuses_duplicates(tmp_path):
    p = tmp_path / "p.txt"
    p.write_text("# version: 3\n新质生产力\tnew productive forces\n高质量发展\thigh-quality development\n",
                 encoding="utf-8")
    phrase_list = phrases.load_phrases(p)
    assert phrase_list.version == "3" and list(phrase_list.table.phrase) == ["新质生产力", "高质量发展"]
    p.write_text("新质生产力\ta\n新质生产力\tb\n", encoding="utf-8")
    with pytest.raises(AidiscourseError, match="twice"):
        phrases.load_phrases(p)


# --- contexts --------------------------------------------------------------------------------

def test_concordance_escapes_html_from_documents():
    df = _table([("a", 1, "author", "<script>alert(1)</script> 的 泡沫 <b>粗</b>")])
    df["speaker"] = "<img src=x onerror=alert(1)>"
    table = contexts.kwic(df, "泡沫")
    html_out = contexts.Concordance(table)._repr_html_()
    assert "<script>" not in html_out and "<b>" not in html_out and "<img" not in html_out
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html_out
    assert "<mark>泡沫</mark>" in html_out


def test_kwic_contexts_and_sampling():
    df = _table([("a", 1, "author", "甲 乙 泡沫 丙 丁")] * 8)
    k = contexts.kwic(df, "泡沫", window=1, max_per_doc=3)
    assert len(k) == 3 and (k.hits == 8).all()
    assert (k.left == "乙").all() and (k.right == "丙").all()
    assert list(k.sentence) == sorted(k.sentence)
    pd.testing.assert_frame_equal(k, contexts.kwic(df, "泡沫", window=1, max_per_doc=3))


def test_kwic_shows_the_sentence_as_written():
    from aidiscourse.corpus.segment import get_segmenter

    text = "2024年Open AI和Bernie Sanders都在谈人工智能泡沫，DeepSeek则发布了新模型。"
    seg = get_segmenter(str(ROOT / "data" / "lexicons" / "userdict.txt"))
    df = pd.DataFrame({"doc_id": ["a"], "paragraph": [1], "role": ["author"], "speaker": ["x"], "turn": [0],
                       "sentence": [1], "text": [text], "tokens": [seg.tokens(text)]})
    assert "bernie" in df.tokens[0].split()  # folded for counting
    k = contexts.kwic(df, "泡沫", window=30).iloc[0]
    assert k.left + k.keyword + k.right == text
    assert k.left == "2024年Open AI和Bernie Sanders都在谈人工智能" and k.right.startswith("，DeepSeek则")
    near = contexts.kwic(df, "bernie", window=3).iloc[0]
    assert near.keyword == "Bernie" and "Open AI" in near.left and near.right == "Sanders都在"


def test_context_terms_come_from_the_config_and_the_key_terms(tmp_path):
    terms = contexts.load_context_terms(contexts.context_terms_path(Paths(ROOT)))
    assert terms.concordance and terms.collocations
    keys = pd.DataFrame({"doc_id": ["a", "a", "b"], "term": ["泡沫", "芯片", "自由"]})
    assert contexts.with_key_terms(["泡沫", "市场"], keys) == ["泡沫", "市场", "自由"]
    assert contexts.with_key_terms(["泡沫"], keys, n=2) == ["泡沫", "芯片", "自由"]
    bad = tmp_path / "contexts.yml"
    bad.write_text("concordance: [泡沫]\ncollocations: []\n", encoding="utf-8")
    with pytest.raises(AidiscourseError, match="collocations"):
        contexts.load_context_terms(bad)


def test_the_chapter_reads_its_context_terms_from_the_config():
    chapter = (ROOT / "notebooks" / "02_term_frequency.md").read_text(encoding="utf-8")
    assert "load_context_terms" in chapter and not re.search(r"(KWIC_TERMS|NODES)\s*=\s*\[", chapter)


def test_collocations_find_a_planted_neighbour():
    rows = [("a", i, "author", "泡沫 破裂 。") for i in range(5)] + [("a", 9, "author", "市场 政府 制度 " * 10)]
    c = contexts.collocations(_table(rows), "泡沫", window=2, min_count=3)
    top = c.iloc[0]
    assert top.collocate == "破裂" and top.o == 5
    # N = 5*2 + 30 = 40 terms, W = 5 window positions, f(破裂) = 5 -> E = 5*5/40
    assert top.e == pytest.approx(25 / 40) and top.pmi == pytest.approx(log2(5 / (25 / 40)))


def test_collocate_grid_follows_the_document_order():
    coll = pd.DataFrame({"doc_id": ["c", "a"], "node": ["x", "y"], "collocate": ["p", "q"], "g2": [1.0, 1.0]})
    grid = contexts.collocate_grid(coll, ["x", "y"], docs=["a", "b", "c"])
    assert list(grid.index) == ["a", "c"] and grid.loc["a", "x"] == "" and grid.loc["c", "x"] == "p"


def test_jaccard():
    assert stats.jaccard(["a", "b"], ["b", "c"]) == pytest.approx(1 / 3)
    assert stats.jaccard([], []) == 1.0


# --- the real corpus ------------------------------------------------------------------------

@pytest.fixture(scope="session")
def corpus(paths):
    from aidiscourse.corpus.load import load_sentences

    sentences = load_sentences(paths)
    return sentences.assign(terms=content_terms(sentences, paths))


def test_every_document_has_frequencies_and_keyness(corpus):
    docs = stats.appearance_order(corpus, "doc_id")
    f = frequency.frequency_table(corpus, min_count=2)
    k = keyness.keyness(corpus)
    assert stats.appearance_order(f, "doc_id") == docs and stats.appearance_order(k, "doc_id") == docs
    assert (k.p_adj >= 0).all() and (k.p_adj <= 1).all()
    assert (k.p_adj_paragraph >= 0).all() and (k.p_adj_paragraph <= 1).all()  # every document has >= 10 units
    # the unit-level test never claims more than G2 could: overdispersion is never taken below one
    assert ((k.p_adj_paragraph < 0.05) <= (k.p_adj < 0.05)).all()
    # per document, counts of a term in the document and the rest add up to its corpus count
    total = frequency.frequency_table(corpus).groupby("term")["count"].sum()
    assert ((k.count_doc + k.count_rest) == k.term.map(total)).all()


def test_user_dictionary_terms_come_out_whole(corpus):
    f = frequency.frequency_table(corpus)
    assert {"新质生产力", "民主资本主义", "人工智能"} <= set(f.term)


def test_segmentation_without_user_dictionary_splits_domain_terms(corpus, paths):
    from aidiscourse.corpus.segment import get_segmenter

    sub = corpus[corpus.text.str.contains("新质生产力")].head(5)
    alt = segmentation.resegment(sub, Segmenter(None), spellings=get_segmenter(str(paths.user_dict), (), "jieba"),
                                 paths=paths)
    assert "新质生产力" not in " ".join(alt.tokens).split()
    assert "新质生产力" not in {t for ts in alt.terms for t in ts}  # the terms are recut too
    assert "".join(alt.tokens.str.replace(" ", "")).lower() == "".join(sub.text.str.replace(" ", "")).lower()


def test_formulaic_phrases_are_found_in_the_party_line_text(corpus, paths):
    counts = phrases.phrase_counts(corpus, paths=paths)
    assert (counts["count"] <= counts["count_text"]).all()
    assert counts[(counts.phrase == "新质生产力")]["count"].sum() > 10


def test_lexicons_load(paths):
    phrase_list = phrases.load_phrases(paths.lexicons / "formulaic_phrases.txt")
    assert phrase_list.version and "新质生产力" in set(phrase_list.table.phrase)
    concepts = phrases.load_concepts(paths.lexicons / "concepts.yml")
    assert len(concepts) >= 6 and all(c.definition and c.terms for c in concepts)
