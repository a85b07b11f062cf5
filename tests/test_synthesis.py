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
