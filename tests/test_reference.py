"""Keyness against ordinary Chinese (the wordfreq list) and the batch ratio interval."""
from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from aidiscourse.analyses import reference
from aidiscourse.analyses.resampling import ratio_interval, ratio_intervals


@pytest.fixture(scope="module")
def df(paths):
    from aidiscourse.corpus.load import content_terms, load_sentences

    sentences = load_sentences(paths)
    return sentences.assign(terms=content_terms(sentences, paths))


def test_reference_rates_read_the_list_and_estimate_compounds():
    rates = reference.reference_rates(["的", "制度", "ai", "AI", "新质生产力", "修昔底德"])
    assert rates["的"] > 10_000 > rates["制度"] > 100  # per million words
    assert rates["ai"] == rates["AI"] > 1  # the list is case-folded
    listed = reference.listed(rates.index)
    assert listed["制度"] and not listed["新质生产力"]
    assert 0 < rates["新质生产力"] < 1  # coined in 2023: estimated from its parts, and rare


def test_batch_intervals_equal_the_single_ratio_interval_column_by_column():
    rng = np.random.default_rng(3)
    counts = rng.poisson(0.4, size=(60, 4)).astype(float)
    sizes = rng.integers(20, 80, size=60).astype(float)
    clusters = np.repeat(np.arange(20), 3)
    est, lo, hi = ratio_intervals(counts, sizes, clusters, scale=1e6, random_state=11)
    for j in range(4):
        e1, l1, h1 = ratio_interval(counts[:, j], sizes, clusters, scale=1e6, random_state=11)
        assert est[j] == pytest.approx(e1) and lo[j] == pytest.approx(l1) and hi[j] == pytest.approx(h1)
    _, lo_few, hi_few = ratio_intervals(counts[:27], sizes[:27], clusters[:27])  # 9 clusters: no interval
    assert np.isnan(lo_few).all() and np.isnan(hi_few).all()


def test_reference_keyness_on_the_corpus(df):
    table = reference.reference_keyness(df, n=8, min_count=5, n_boot=500)
    assert set(table.doc_id) == set(df.doc_id)
    assert table.groupby("doc_id").size().max() <= 8 and (table["count"] >= 5).all()
    assert (table.ratio_low <= table.ratio + 1e-9).all() and (table.ratio <= table.ratio_high + 1e-9).all()
    row = table[(table.doc_id == "feng-2024") & (table.term == "新质生产力")].iloc[0]  # the formula of feng-2024
    words = sum(len([t for t in s.split() if any(c.isalnum() for c in t)]) for s in df[df.doc_id == "feng-2024"].tokens)
    assert row.per_million == pytest.approx(row["count"] / words * 1e6, rel=0.02)
    assert row.ratio == pytest.approx((row.per_million + 1) / (row.reference_per_million + 1))
    assert not row.in_reference
    # a term piled into one passage does not lead: within a document, the ranking follows the low end
    for _, g in table.groupby("doc_id", sort=False):
        assert list(g.ratio_low) == sorted(g.ratio_low, reverse=True)


def test_formulaic_reference_is_far_below_the_official_register(df, paths):
    from aidiscourse.analyses.phrases import formulaic_density, load_phrases

    phrase_list = load_phrases(paths.lexicons / "formulaic_phrases.txt")
    ref = reference.formulaic_reference(phrase_list.table)
    assert list(ref.phrase) == sorted(set(phrase_list.table.phrase))
    density = formulaic_density(df, phrase_list.table, paths=paths, n_boot=50)
    per_10k_reference = ref.reference_per_million.sum() / 100
    assert 0 < per_10k_reference < density.per_10k.max() / 10
    assert isinstance(ref, pd.DataFrame) and ref.in_reference.dtype == bool
