"""Inference that respects the text's structure: the block bootstrap of the term-frequency
chapter, the paragraph-level keyness test, the dispersion null and the log-odds prior rule,
on constructed corpora whose answer is known."""
from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from aidiscourse.analyses import dispersion, keyness, phrases, resampling, stats
from aidiscourse.config import Paths
from aidiscourse.corpus.load import content_terms
from aidiscourse.errors import AidiscourseError
from conftest import ROOT

FILLER = "市场 政府 制度 技术 经济 企业 社会 国家 科技 投资"


def _corpus(rows):
    """A sentence table from (doc_id, paragraph, tokens) tuples, with content terms."""
    df = pd.DataFrame(rows, columns=["doc_id", "paragraph", "tokens"])
    df = df.assign(role="author", speaker="author", turn=0, sentence=range(1, len(df) + 1),
                   text=df["tokens"].str.replace(" ", "", regex=False))
    return df.assign(terms=content_terms(df, Paths(ROOT)))


# --- the block bootstrap ---------------------------------------------------------------------

def _clustered(*, clustered: bool, seed: int = 0):
    """One document of 40 paragraphs of 10 sentences; 泡沫 in 200 of the 400 sentences, either
    in every sentence of half the paragraphs (clustered) or in random sentences."""
    rng = np.random.default_rng(seed)
    has = np.repeat(rng.permutation([True] * 20 + [False] * 20), 10) if clustered else rng.permutation(
        [True] * 200 + [False] * 200)
    rows = [("a", i // 10, FILLER + (" 泡沫" if h else "")) for i, h in enumerate(has)]
    return _corpus(rows)


def _width(rates):
    row = rates.iloc[0]
    return row.ci_high - row.ci_low


def test_clustering_widens_the_interval():
    bubble = [phrases.Concept("bubble", "Bubble", "a bubble", ("泡沫",))]
    df = _clustered(clustered=True)
    unit = phrases.concept_rates(df, bubble, random_state=1)
    sentence = phrases.concept_rates(df, bubble, unit="sentence", random_state=1)
    assert unit.per_10k.iloc[0] == sentence.per_10k.iloc[0]  # same estimate, different uncertainty
    # the design effect of whole paragraphs of 10 alike sentences is about sqrt(10)
    assert _width(unit) > 2.5 * _width(sentence)
    ratio = resampling.interval_widening(unit, sentence, on=["doc_id", "family"]).ratio.iloc[0]
    assert ratio == pytest.approx(_width(unit) / _width(sentence))


def test_without_clustering_the_unit_interval_is_not_wider():
    bubble = [phrases.Concept("bubble", "Bubble", "a bubble", ("泡沫",))]
    df = _clustered(clustered=False)
    unit = phrases.concept_rates(df, bubble, random_state=1)
    sentence = phrases.concept_rates(df, bubble, unit="sentence", random_state=1)
    assert _width(unit) < 1.5 * _width(sentence)


def test_ratio_interval_over_units_is_the_block_bootstrap():
    # 30 units of 10 rows: the interval from ratio_interval equals a direct resampling of units
    rng = np.random.default_rng(3)
    hits = np.repeat(rng.poisson(3, 30), 10).astype(float)
    sizes = np.full(300, 20.0)
    clusters = np.repeat(np.arange(30), 10)
    est, lo, hi = resampling.ratio_interval(hits, sizes, clusters, n_boot=500, random_state=9)
    counts = resampling.cluster_draws(30, n_boot=500, random_state=9)
    per_unit = hits.reshape(30, 10).sum(1) / sizes.reshape(30, 10).sum(1)
    draws = counts @ (per_unit * 200) / (counts @ np.full(30, 200.0))
    assert est == pytest.approx(hits.sum() / sizes.sum())
    assert (lo, hi) == pytest.approx(tuple(np.quantile(draws, [0.025, 0.975])))


def test_formulaic_density_draws_from_the_block_bootstrap_and_is_reproducible(paths):
    df = _clustered(clustered=True)
    table = pd.DataFrame({"phrase": ["泡沫"], "gloss": ["bubble"]})
    a = phrases.formulaic_density(df, table, paths=paths, random_state=4)
    b = phrases.formulaic_density(df, table, paths=paths, random_state=4)
    naive = phrases.formulaic_density(df, table, paths=paths, unit="sentence", random_state=4)
    pd.testing.assert_frame_equal(a, b)
    assert a.share.iloc[0] == pytest.approx(100 * 200 / (400 * 10 + 200))
    assert _width(a) > 2.5 * _width(naive)


def test_too_few_units_give_no_interval():
    rows = [("a", p, FILLER + " 泡沫") for p in range(9)]  # nine paragraphs
    rates = phrases.concept_rates(_corpus(rows), [phrases.Concept("b", "B", "b", ("泡沫",))])
    assert rates.per_10k.iloc[0] > 0 and np.isnan(rates.ci_low.iloc[0]) and np.isnan(rates.ci_high.iloc[0])


def test_resampling_units():
    df = pd.DataFrame({"doc_id": ["a"] * 3 + ["b"] * 12, "paragraph": [1, 1, 2] + [1] * 12,
                       "turn": [0, 0, 0] + list(range(1, 13))})
    assert list(resampling.resampling_units(df, unit="paragraph")[:3]) == ["a/p1", "a/p1", "a/p2"]
    assert resampling.resampling_units(df, unit="sentence").nunique() == 15
    # b has 12 turns: it is sampled by turn; a has none: by paragraph
    assert list(resampling.resampling_units(df)) == list(resampling.sampling_units(df))
    assert resampling.resampling_units(df).iloc[-1] == "b/t12"
    with pytest.raises(AidiscourseError, match="unknown resampling unit"):
        resampling.resampling_units(df, unit="word")


def test_concept_leaders_need_intervals_that_do_not_overlap():
    rates = pd.DataFrame({"doc_id": ["a", "b", "c"] * 2, "family": ["x"] * 3 + ["y"] * 3, "label": ["X"] * 3 + ["Y"] * 3,
                          "per_10k": [10.0, 8.0, 1.0, 10.0, 5.0, 1.0],
                          "ci_low": [7.0, 6.0, 0.5, 7.0, 3.0, 0.5], "ci_high": [13.0, 11.0, 2.0, 13.0, 6.5, 2.0]})
    leaders = phrases.concept_leaders(rates).set_index("family")
    assert leaders.loc["x", "leader"] == "a" and leaders.loc["x", "runner_up"] == "b"
    assert not leaders.loc["x", "separated"]  # 7 < 11
    assert leaders.loc["y", "separated"]  # 7 > 6.5


# --- keyness at the level of paragraphs -------------------------------------------------------

def _keyness_corpus():
    """Two documents of 20 paragraphs. In a, 泡沫 is used 30 times, all in one paragraph, and
    翻墙 twice in every paragraph; in b, each is used once in two paragraphs."""
    rows = []
    for p in range(20):
        rows.append(("a", p, FILLER + (" 泡沫" * 30 if p == 0 else "") + " 翻墙 翻墙"))
        rows.append(("b", p, FILLER + (" 泡沫 翻墙" if p < 2 else "")))
    return _corpus(rows)


def test_a_term_packed_into_one_paragraph_is_key_for_g2_only():
    k = keyness.keyness(_keyness_corpus(), min_count=5).set_index(["doc_id", "term"])
    packed, spread = k.loc[("a", "泡沫")], k.loc[("a", "翻墙")]
    assert packed.g2 > 20 and packed.p_adj < 1e-4  # G2: highly significant
    assert packed.p_adj_paragraph > 0.05  # one paragraph is one piece of evidence
    assert spread.p_adj < 0.05 and spread.p_adj_paragraph < 0.05  # spread: key at both levels
    both = keyness.key_terms(k.reset_index(), alpha=0.05, both_levels=True)
    assert set(both.loc[both.doc_id == "a", "term"]) == {"翻墙"}
    sizes = pd.DataFrame({"doc_id": ["a", "b"], "words": [0, 0]})
    counts = keyness.key_term_counts(k.reset_index(), sizes).set_index("doc_id")
    assert counts.loc["a", "key_terms"] == 2 and counts.loc["a", "key_terms_both"] == 1


def test_quasi_poisson_p_matches_statsmodels():
    # reference: statsmodels 0.14 GLM(Poisson, offset=log(size)).fit(scale="X2"), likelihood ratio
    # of the two-rate model against one rate, divided by max(scale, 1), against F(1, 24)
    sizes = np.array([40, 55, 60, 35, 80, 45, 50, 65, 70, 30, 42, 58, 50, 61, 39, 44, 70, 52, 48, 66, 57, 33, 75, 41,
                      62, 49], dtype=float)
    spread = [2, 3, 2, 1, 4, 2, 3, 3, 4, 1, 2, 3, 1, 1, 0, 1, 2, 1, 1, 2, 1, 0, 2, 1, 1, 1]
    bursty = [0, 0, 14, 0, 0, 0, 0, 9, 0, 0, 0, 0, 0, 1, 0, 0, 1, 0, 0, 1, 0, 0, 0, 1, 0, 0]
    p = stats.quasi_poisson_p(np.c_[spread, bursty], sizes, np.arange(26) < 12)
    assert p == pytest.approx([0.009377568402261947, 0.057430029944531634], rel=1e-9)
    # the bursty term's token-level G2 (18.2) alone would give p ~ 2e-5
    assert stats.p_values(18.210039816014458) < 1e-4


def test_quasi_poisson_p_ignores_units_of_a_side_without_the_term():
    from math import log

    from scipy.stats import f

    # 10 target units of 100 words hold the term 18 + 3 times; 20 other units never do
    target = np.arange(30) < 10
    counts = np.zeros(30)
    counts[0], counts[1] = 18, 3
    p = stats.quasi_poisson_p(counts[:, None], np.full(30, 100.0), target)[0]
    g2 = 2 * 21 * log(21 / (1000 * 21 / 3000))
    fitted = 100 * 21 / 1000
    pearson = (18 - fitted) ** 2 / fitted + (3 - fitted) ** 2 / fitted + 8 * fitted
    # degrees of freedom: 10 target units - 1 rate; the rest's 20 exactly fitted zeros add none
    assert p == pytest.approx(f.sf(g2 / (pearson / 9), 1, 9))
    assert p > 0.05 and f.sf(g2 / (pearson / 28), 1, 28) < 0.01  # counting them would make it significant
    assert np.isnan(stats.quasi_poisson_p(counts[:, None], np.full(30, 100.0), np.arange(30) < 5)[0])  # < 10 units


def test_unit_counts_follow_the_sampling_units():
    df = _keyness_corpus()
    counts, sizes, groups = keyness.unit_counts(df, ["泡沫", "翻墙"])
    assert counts.shape == (40, 2) and list(pd.unique(groups)) == ["a", "b"]
    assert counts[:, 0].sum() == 32 and counts[0, 0] == 30
    assert sizes.sum() == sum(len(t.split()) for t in df.tokens)


# --- dispersion against the null's quantile ---------------------------------------------------

def test_concentrated_means_above_the_null_95th_percentile():
    # 20 paragraphs of 30 word tokens each; every term below is used 10 times
    uses = {"甲": {0: 10},                                     # all in one paragraph: DP 0.95
            "乙": {p: 1 for p in range(1, 20, 2)},             # once in ten paragraphs: DP 0.50
            "丙": {0: 2, 1: 2, 2: 2, 3: 1, 4: 1, 5: 1, 6: 1},  # seven paragraphs: DP 0.65
            "丁": {0: 4, 1: 3, 2: 2, 3: 1}}                    # four paragraphs: DP 0.80
    rows = []
    for p in range(20):
        words = [t for t, where in uses.items() for _ in range(where.get(p, 0))]
        rows.append(("a", p, " ".join(words + ["经济"] * (30 - len(words)))))
    d = dispersion.dispersion(_corpus(rows), {"a": list(uses)}, n_sim=2000, random_state=2).set_index("term")
    assert list(d.dp.round(2)) == [0.95, 0.5, 0.65, 0.8]
    # the null of 10 uses on 20 equal parts, simulated independently: mean about 0.60, 95th percentile 0.70
    share = np.full(20, 0.05)
    null = 0.5 * np.abs(np.random.default_rng(123).multinomial(10, share, size=20_000) / 10 - share).sum(axis=1)
    assert list(d.dp_random_upper) == pytest.approx([np.quantile(null, 0.95)] * 4, abs=0.02)
    assert list(d.dp_random) == pytest.approx([null.mean()] * 4, abs=0.01)
    # 丙 lies above the random mean but inside the null's 95%: not concentrated
    assert d.loc["丙", "dp"] > d.loc["丙", "dp_random"] and not d.loc["丙", "concentrated"]
    assert list(d.concentrated) == [True, False, False, True]


# --- the log-odds prior rule ------------------------------------------------------------------

def test_the_log_odds_prior_is_the_mean_document_size():
    df = _keyness_corpus()
    counts, _ = keyness.counts_matrix(df, "doc_id")
    prior = keyness.prior_size_rule(counts)
    n_terms = sum(len(t) for t in df.terms)
    assert prior == pytest.approx(n_terms / 2)
    pd.testing.assert_frame_equal(keyness.log_odds_dirichlet(df), keyness.log_odds_dirichlet(df, prior_size=prior))
    # a larger prior shrinks more: the packed term's log odds move towards zero
    small = keyness.log_odds_dirichlet(df, prior_size=prior / 10).set_index(["doc_id", "term"])
    large = keyness.log_odds_dirichlet(df, prior_size=prior * 10).set_index(["doc_id", "term"])
    assert abs(large.loc[("a", "泡沫"), "delta"]) < abs(small.loc[("a", "泡沫"), "delta"])


def test_log_odds_min_count_is_the_total_count():
    lo = keyness.log_odds_dirichlet(_keyness_corpus(), min_count=5)
    assert ((lo.count_doc + lo.count_rest) >= 5).all()
    assert {"a", "b"} == set(lo.loc[lo.term == "泡沫", "doc_id"])


def test_top_term_overlap():
    a = pd.DataFrame({"doc_id": ["x"] * 3, "term": ["p", "q", "r"], "z": [3.0, 2.0, -1.0]})
    b = pd.DataFrame({"doc_id": ["x"] * 3, "term": ["p", "r", "q"], "z": [3.0, 2.0, 1.0]})
    assert keyness.top_term_overlap(a, b, n=2).jaccard.iloc[0] == pytest.approx(1 / 3)
