"""Term frequencies and keyness: statistics against hand-computed values, then the real corpus."""
from __future__ import annotations

from math import log, log2

import numpy as np
import pandas as pd
import pytest

from aidiscourse import termfreq as tf
from aidiscourse.segment import Segmenter

# --- tiny constructed corpora ------------------------------------------------------------

STOP = frozenset({"的", "是"})


def _table(rows):
    """A sentence table from (doc_id, paragraph, role, tokens) tuples."""
    df = pd.DataFrame(rows, columns=["doc_id", "paragraph", "role", "tokens"])
    df["speaker"] = df["role"]
    df["sentence"] = range(1, len(df) + 1)
    df["text"] = df["tokens"].str.replace(" ", "", regex=False)
    return tf.with_terms(df, stopwords=STOP)


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
    assert tf.log_likelihood(a, b, c, d) == pytest.approx(expected, abs=1e-9)
    assert tf.log_likelihood(a, b, c, d) == pytest.approx(_g2_by_hand(a, b, c, d), abs=1e-9)


def test_log_likelihood_is_the_g_test_of_the_2x2_table():
    from scipy.stats import chi2_contingency

    for a, b, c, d in [(3, 7, 50, 400), (12, 1, 300, 900), (1, 40, 60, 5000)]:
        stat = chi2_contingency([[a, b], [c - a, d - b]], correction=False, lambda_="log-likelihood")[0]
        assert tf.log_likelihood(a, b, c, d) == pytest.approx(stat, rel=1e-10)


def test_log_likelihood_is_vectorised():
    g2 = tf.log_likelihood([10, 20], [0, 10], [100, 1000], [100, 2000])
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
    assert tf.log_ratio(a, b, c, d) == pytest.approx(expected)


def test_benjamini_hochberg_adjustment():
    # p sorted: 0.01, 0.02, 0.03, 0.5 with m = 4 -> 0.04, 0.04, 0.04, 0.5 (step-up minimum)
    assert tf.adjust_bh([0.03, 0.01, 0.5, 0.02]) == pytest.approx([0.04, 0.04, 0.5, 0.04])


def test_keyness_on_a_tiny_corpus():
    k = tf.keyness(TINY, min_count=1)
    assert list(k.columns) == ["doc_id", "term", "count_doc", "count_rest", "g2", "p_adj", "log_ratio"]
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


def test_keyness_min_count_filters_the_target_count():
    k = tf.keyness(TINY, min_count=2)
    assert (k.count_doc >= 2).all()
    assert set(k.loc[k.doc_id == "b", "term"]) == {"政府", "制度"}


def test_frequency_rates_use_word_tokens():
    f = tf.frequency_table(TINY)
    row = f[(f.doc_id == "a") & (f.term == "市场")].iloc[0]
    assert row["count"] == 2 and row.per_10k == pytest.approx(2 / 10 * 10_000)


def test_one_character_words_survive_tfidf():
    df = _table([("a", 1, "author", "钱 钱 市场"), ("b", 1, "author", "市场 政府")])
    top = tf.tfidf_terms(df, n=5)
    assert "钱" in set(top.loc[top.doc_id == "a", "term"])
    assert top.loc[top.doc_id == "a", "term"].iloc[0] == "钱"


def test_log_odds_prior_shrinks_rare_terms():
    df = _table([("a", 1, "author", "甲 " * 20 + "乙"), ("b", 1, "author", "丙 " * 20 + "甲 " * 5)])
    lo = tf.log_odds_dirichlet(df, prior_size=10)
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
    assert tf.mattr(tokens, window=window) == pytest.approx(expected)


def test_mattr_does_not_fall_with_length_like_ttr():
    rng = np.random.default_rng(1)
    vocab = [f"w{i}" for i in range(300)]
    short = list(rng.choice(vocab, 600))
    long = list(rng.choice(vocab, 6000))
    assert tf.mattr(long, window=200) == pytest.approx(tf.mattr(short, window=200), abs=0.02)
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
    got = tf.gries_dp(counts, sizes)
    assert got[0] == pytest.approx(dp)
    if dp_norm is not None:
        assert got[1] == pytest.approx(dp_norm)


def test_dispersion_counts_passages():
    d = tf.dispersion(TINY, {"a": ["泡沫", "市场"]}).set_index("term")
    assert d.loc["泡沫", "passages"] == 1 and d.loc["市场", "passages"] == 2
    assert d.loc["市场", "dp"] < d.loc["泡沫", "dp"]


def test_dispersion_random_baseline():
    # 20 equal paragraphs; a term used 20 times in one paragraph versus once in each
    rows = [("a", p, "author", ("甲 " * 20 if p == 0 else "") + "乙 " + "丙 " * 19) for p in range(20)]
    d = tf.dispersion(_table(rows), {"a": ["甲", "乙"]}, n_sim=300, random_state=1).set_index("term")
    assert d.loc["乙", "dp"] < 0.05 < d.loc["乙", "dp_random"]  # spread more evenly than chance
    assert d.loc["甲", "dp"] > 0.9 > d.loc["甲", "dp_random"]
    # reproducible
    again = tf.dispersion(_table(rows), {"a": ["甲", "乙"]}, n_sim=300, random_state=1).set_index("term")
    assert d.loc["甲", "dp_random"] == again.loc["甲", "dp_random"]


def test_shared_vocabulary():
    sv = tf.shared_vocabulary(tf.frequency_table(TINY)).set_index("doc_id")
    assert sv.loc["a", "shared_all"] == 2  # 市场, 政府
    assert sv.loc["a", "unique"] == 3  # 泡沫, 规划, 年 (2025 is a number, not a term)
    assert sv.loc["b", "unique"] == 2  # 制度, 与 (not in this test's stop list)
    assert tf.shared_terms(tf.frequency_table(TINY))[:2] == ["市场", "政府"]


# --- phrases, concepts, bootstrap ------------------------------------------------------------

def test_match_phrases_longest_first_and_with_signs():
    seqs = {"人工智能+": ("人工智能", "+"), "人工智能": ("人工智能",), "新质生产力": ("新质", "生产力")}
    found, covered = tf.match_phrases(["推进", "人工智能", "+", "和", "人工智能", "，", "新质", "生产力"], seqs)
    assert found == {"人工智能+": 1, "人工智能": 1, "新质生产力": 1}
    assert covered == 1 + 1 + 2  # the + sign is not a word token


def test_bootstrap_is_reproducible_with_a_seed():
    hits = np.array([0, 1, 3, 0, 2, 0, 0, 5])
    sizes = np.array([10, 12, 9, 20, 15, 8, 11, 14])
    r1 = tf.bootstrap_rate(hits, sizes, n_boot=500, random_state=7)
    r2 = tf.bootstrap_rate(hits, sizes, n_boot=500, random_state=7)
    r3 = tf.bootstrap_rate(hits, sizes, n_boot=500, random_state=8)
    assert r1 == r2
    assert r1 != r3
    assert r1[0] == pytest.approx(10_000 * 11 / 99)
    assert r1[1] < r1[0] < r1[2]


def test_concept_rates_are_reproducible_and_independent_of_other_families():
    c1 = tf.Concept("money", "Money", "cash", ("市场", "泡沫"))
    c2 = tf.Concept("state", "State", "the state", ("政府",))
    both = tf.concept_rates(TINY, [c1, c2], n_boot=200, random_state=3)
    again = tf.concept_rates(TINY, [c1, c2], n_boot=200, random_state=3)
    alone = tf.concept_rates(TINY, [c2], n_boot=200, random_state=3)
    pd.testing.assert_frame_equal(both, again)
    pd.testing.assert_frame_equal(both[both.family == "state"].reset_index(drop=True), alone)
    a_money = both[(both.doc_id == "a") & (both.family == "money")].iloc[0]
    assert a_money["count"] == 4 and a_money.per_10k == pytest.approx(4 / 10 * 10_000)


def test_load_concepts_refuses_a_term_in_two_families(tmp_path):
    from aidiscourse.errors import AidiscourseError

    p = tmp_path / "c.yml"
    p.write_text("families:\n  x: {label: X, definition: d, terms: [市场]}\n  y: {label: Y, definition: d, terms: [市场]}\n",
                 encoding="utf-8")
    with pytest.raises(AidiscourseError, match="市场"):
        tf.load_concepts(p)


# --- contexts --------------------------------------------------------------------------------

def test_concordance_escapes_html_from_documents():
    df = _table([("a", 1, "author", "<script>alert(1)</script> 的 泡沫 <b>粗</b>")])
    df["speaker"] = "<img src=x onerror=alert(1)>"
    table = tf.kwic(df, "泡沫")
    html_out = tf.Concordance(table)._repr_html_()
    assert "<script>" not in html_out and "<b>" not in html_out and "<img" not in html_out
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html_out
    assert "<mark>泡沫</mark>" in html_out


def test_kwic_contexts_and_sampling():
    df = _table([("a", 1, "author", "甲 乙 泡沫 丙 丁")] * 8)
    k = tf.kwic(df, "泡沫", window=1, max_per_doc=3)
    assert len(k) == 3 and (k.hits == 8).all()
    assert (k.left == "乙").all() and (k.right == "丙").all()
    assert list(k.sentence) == sorted(k.sentence)
    pd.testing.assert_frame_equal(k, tf.kwic(df, "泡沫", window=1, max_per_doc=3))


def test_collocations_find_a_planted_neighbour():
    rows = [("a", i, "author", "泡沫 破裂 。") for i in range(5)] + [("a", 9, "author", "市场 政府 制度 " * 10)]
    c = tf.collocations(_table(rows), "泡沫", window=2, min_count=3)
    top = c.iloc[0]
    assert top.collocate == "破裂" and top.o == 5
    # N = 5*2 + 30 = 40 terms, W = 5 window positions, f(破裂) = 5 -> E = 5*5/40
    assert top.e == pytest.approx(25 / 40) and top.pmi == pytest.approx(log2(5 / (25 / 40)))


def test_jaccard():
    assert tf.jaccard(["a", "b"], ["b", "c"]) == pytest.approx(1 / 3)
    assert tf.jaccard([], []) == 1.0


# --- the real corpus ------------------------------------------------------------------------

@pytest.fixture(scope="session")
def corpus(paths):
    from aidiscourse.corpus import sentences

    return tf.with_terms(sentences(paths), paths=paths)


def test_every_document_has_frequencies_and_keyness(corpus):
    docs = tf.doc_order(corpus)
    f = tf.frequency_table(corpus, min_count=2)
    k = tf.keyness(corpus)
    assert tf.doc_order(f) == docs and tf.doc_order(k) == docs
    assert (k.p_adj >= 0).all() and (k.p_adj <= 1).all()
    # per document, counts of a term in the document and the rest add up to its corpus count
    total = tf.frequency_table(corpus).groupby("term")["count"].sum()
    assert ((k.count_doc + k.count_rest) == k.term.map(total)).all()


def test_user_dictionary_terms_come_out_whole(corpus):
    f = tf.frequency_table(corpus)
    assert {"新质生产力", "民主资本主义", "人工智能"} <= set(f.term)


def test_segmentation_without_user_dictionary_splits_domain_terms(corpus, paths):
    from aidiscourse.segment import get_segmenter

    sub = corpus[corpus.text.str.contains("新质生产力")].head(5)
    alt = tf.resegment(sub, Segmenter(None), spellings=get_segmenter(str(paths.user_dict), (), "jieba"))
    assert "新质生产力" not in " ".join(alt.tokens).split()
    assert "".join(alt.tokens.str.replace(" ", "")).lower() == "".join(sub.text.str.replace(" ", "")).lower()


def test_formulaic_phrases_are_found_in_the_party_line_text(corpus, paths):
    counts = tf.phrase_counts(corpus, paths=paths)
    assert (counts["count"] <= counts["count_text"]).all()
    assert counts[(counts.phrase == "新质生产力")]["count"].sum() > 10


def test_lexicons_load(paths):
    phrases = tf.load_phrases(paths.lexicons / "formulaic_phrases.txt")
    assert phrases.attrs["version"] and "新质生产力" in set(phrases.phrase)
    concepts = tf.load_concepts(paths.lexicons / "concepts.yml")
    assert len(concepts) >= 6 and all(c.definition and c.terms for c in concepts)
