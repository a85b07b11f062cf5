import numpy as np
import pandas as pd
import pytest

from aidiscourse.analyses.synthesis import (agreement, cluster_order, combined_distance, correspondence_analysis,
                                   distance_matrix, long_distances, merge_steps, profile_table)


def test_independent_table_has_no_structure():
    # a rank-one table (rows proportional) has zero inertia: every coordinate is 0
    table = pd.DataFrame([[10, 20, 30], [20, 40, 60], [1, 2, 3]], index=list("abc"), columns=list("xyz"))
    rows, cols, share = correspondence_analysis(table)
    assert np.allclose(rows.to_numpy(), 0) and np.allclose(cols.to_numpy(), 0)


def test_ca_separates_documents_with_disjoint_vocabularies():
    table = pd.DataFrame([[10, 10, 0, 0], [9, 11, 0, 0], [0, 0, 10, 10]], index=["a", "b", "c"], columns=list("wxyz"))
    rows, _, share = correspondence_analysis(table, n_components=2)
    assert share[0] > 0.9
    d_ab = abs(rows.loc["a", "dim1"] - rows.loc["b", "dim1"])
    d_ac = abs(rows.loc["a", "dim1"] - rows.loc["c", "dim1"])
    assert d_ab < 0.1 * d_ac
    # principal inertia of a 2-block table equals 1 (first singular value 1)
    assert np.isclose((rows["dim1"] ** 2 * table.sum(axis=1) / table.to_numpy().sum()).sum(), 1.0)


def test_jensen_shannon_distances():
    profiles = pd.DataFrame([[1, 0], [0, 1], [1, 1], [2, 2]], index=list("abcd"), columns=["x", "y"], dtype=float)
    D = distance_matrix(profiles)
    assert D.loc["a", "b"] == pytest.approx(1.0)  # disjoint distributions, base 2
    assert D.loc["c", "d"] == pytest.approx(0.0)  # same proportions
    assert np.allclose(D.to_numpy(), D.to_numpy().T) and np.allclose(np.diag(D), 0)


def test_agreement_and_combination():
    profiles = pd.DataFrame(np.random.default_rng(0).random((5, 4)), index=list("abcde"))
    D = distance_matrix(profiles, metric="euclidean")
    rho, n = agreement(D, D * 3)
    assert rho == pytest.approx(1.0) and n == 10
    assert np.allclose(combined_distance({"x": D, "y": D * 3}).to_numpy(), (D / D.to_numpy().max()).to_numpy())
    assert sorted(cluster_order(D)) == list("abcde")
    steps = merge_steps(D)
    assert len(steps) == 4 and steps.distance.is_monotonic_increasing


def test_long_distances_and_profile_table():
    long = pd.DataFrame({"doc_id": ["a", "a", "b"], "term": ["x", "y", "x"], "count": [2, 1, 5]})
    wide = profile_table(long, index="doc_id", columns="term", values="count")
    assert wide.loc["b", "y"] == 0 and wide.loc["a", "x"] == 2
    out = long_distances({"m": distance_matrix(wide, metric="euclidean")})
    assert list(out.columns) == ["method", "doc_a", "doc_b", "distance"] and len(out) == 1


def test_mantel_is_exact_for_few_documents():
    from aidiscourse.analyses.synthesis import mantel

    profiles = pd.DataFrame(np.random.default_rng(1).random((5, 3)), index=list("abcde"))
    D = distance_matrix(profiles, metric="euclidean")
    rho, p, n = mantel(D, D)
    assert rho == pytest.approx(1.0) and n == 120
    assert p == pytest.approx(2 / 120, abs=1 / 120)  # only identity (and at most a mirror) reach rho = 1
    rng = np.random.default_rng(2)
    E = distance_matrix(pd.DataFrame(rng.random((5, 3)), index=list("abcde")), metric="euclidean")
    _, p_unrelated, _ = mantel(D, E)
    assert p_unrelated > 0.05


def test_jensen_shannon_on_sparse_profiles_matches_scipy_pair_by_pair():
    # term counts as a corpus has them: mostly zeros, one document repeated, one a subset
    from scipy.spatial.distance import jensenshannon

    rng = np.random.default_rng(7)
    X = rng.poisson(1.5, (12, 400)) * (rng.random((12, 400)) < 0.15)
    X[1] = X[0]
    X[2] = X[3] * (rng.random(400) < 0.5)
    X[2, 0] += 1  # never an empty row
    D = distance_matrix(pd.DataFrame(X.astype(float), index=[f"d{i}" for i in range(12)])).to_numpy()
    expected = np.array([[jensenshannon(X[i].astype(float), X[j].astype(float), base=2) for j in range(12)]
                         for i in range(12)])
    assert np.allclose(D, np.nan_to_num(expected), atol=1e-12)
    assert D[0, 1] == 0.0 and np.array_equal(D, D.T)


def test_mantel_from_ranks_equals_spearman_of_each_permutation():
    from scipy.spatial.distance import squareform
    from scipy.stats import spearmanr

    from aidiscourse.analyses.synthesis import mantel

    rng = np.random.default_rng(3)
    ids = [f"d{i:02d}" for i in range(12)]  # already sorted, as mantel orders them
    A = distance_matrix(pd.DataFrame(rng.random((12, 4)), index=ids), metric="euclidean")
    B = distance_matrix(pd.DataFrame(rng.integers(0, 3, (12, 2)).astype(float), index=ids), metric="euclidean")  # ties
    rho, p, n = mantel(A, B, n_permutations=199, random_state=5)
    va, Bm = squareform(A.to_numpy(), checks=False), B.to_numpy()
    observed = spearmanr(va, squareform(Bm, checks=False)).statistic
    perm_rng = np.random.default_rng(5)
    hits = 1 + sum(spearmanr(va, squareform(Bm[np.ix_(q, q)], checks=False)).statistic >= observed - 1e-12
                   for q in (perm_rng.permutation(12) for _ in range(199)))
    assert (rho, p, n) == (pytest.approx(observed), hits / 200, 200)
    flat = pd.DataFrame(np.ones((12, 12)) - np.eye(12), index=ids, columns=ids)
    assert np.isnan(mantel(A, flat)[1])  # no spread, no test


def test_holm_skips_tests_that_could_not_run():
    from aidiscourse.analyses.synthesis import holm

    out = holm(np.array([0.01, np.nan, 0.04]))
    assert np.isnan(out[1]) and out[[0, 2]].tolist() == pytest.approx([0.02, 0.04])
