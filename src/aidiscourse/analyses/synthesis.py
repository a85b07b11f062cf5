"""Bringing the chapters together: document maps and distances from each method, and how
far the methods agree about which documents are alike.

All functions take the result tables the chapters write (``results/*.csv``) as
DataFrames, so they can be tested on small constructed tables.
"""
from __future__ import annotations

from collections.abc import Mapping

import numpy as np
import pandas as pd
from scipy.cluster.hierarchy import leaves_list, linkage
from scipy.spatial.distance import squareform
from scipy.stats import spearmanr

from aidiscourse.analyses.robustness.components import RAREFACTION_DRAWS, RAREFACTION_DRAWS_MANY, RAREFACTION_MANY_DOCS
from aidiscourse.analyses.stats import distance_matrix
from aidiscourse.config import SEED
from aidiscourse.errors import fail


def profile_table(df: pd.DataFrame, *, index: str, columns: str, values: str) -> pd.DataFrame:
    """Pivot a long result table into a documents x features table (missing -> 0).

    Rows and columns are sorted, so the output does not depend on input order.
    """
    wide = df.pivot_table(index=index, columns=columns, values=values, aggfunc="sum", fill_value=0)
    return wide.sort_index().sort_index(axis=1).astype(float)


def correspondence_analysis(table: pd.DataFrame, *, n_components: int = 2) -> tuple[pd.DataFrame, pd.DataFrame, np.ndarray]:
    """Correspondence analysis of a contingency table (rows: documents, columns: terms).

    Computed by the SVD of the matrix of standardised residuals
    :math:`S = D_r^{-1/2}(P - r c^T)D_c^{-1/2}`; principal coordinates are
    :math:`F = D_r^{-1/2} U \\Sigma` for rows and :math:`G = D_c^{-1/2} V \\Sigma` for
    columns (Greenacre 2007). Signs are fixed so that the largest row coordinate of each
    dimension is positive, which makes the output deterministic.

    Parameters
    ----------
    table : DataFrame of shape (n_rows, n_cols)
        Non-negative counts.
    n_components : int

    Returns
    -------
    rows : DataFrame of shape (n_rows, n_components)
    cols : DataFrame of shape (n_cols, n_components)
    inertia_share : ndarray of shape (n_components,)
        Share of the total inertia each dimension explains.
    """
    N = table.to_numpy(dtype=float)
    if (N < 0).any() or N.sum() == 0:
        raise fail("correspondence analysis needs non-negative counts with a positive total")
    P = N / N.sum()
    r, c = P.sum(axis=1), P.sum(axis=0)
    keep_c = c > 0
    P, c = P[:, keep_c], c[keep_c]
    S = (P - np.outer(r, c)) / np.sqrt(np.outer(r, c))
    U, sigma, Vt = np.linalg.svd(S, full_matrices=False)
    k = min(n_components, len(sigma))
    for j in range(k):  # deterministic signs
        if U[np.argmax(np.abs(U[:, j])), j] < 0:
            U[:, j] *= -1
            Vt[j, :] *= -1
    F = (U[:, :k] * sigma[:k]) / np.sqrt(r)[:, None]
    G = (Vt[:k, :].T * sigma[:k]) / np.sqrt(c)[:, None]
    total = (sigma ** 2).sum()
    share = (sigma[:k] ** 2) / total if total > 0 else np.zeros(k)
    names = [f"dim{j + 1}" for j in range(k)]
    rows = pd.DataFrame(F, index=table.index, columns=names)
    cols = pd.DataFrame(G, index=table.columns[keep_c], columns=names)
    return rows, cols, share


def long_distances(matrices: Mapping[str, pd.DataFrame]) -> pd.DataFrame:
    """One row per method and unordered pair of documents: method, doc_a, doc_b, distance
    (``doc_a`` before ``doc_b`` alphabetically).

    >>> D = pd.DataFrame([[0.0, 0.3], [0.3, 0.0]], index=["b", "a"], columns=["b", "a"])
    >>> long_distances({"m": D}).values.tolist()
    [['m', 'a', 'b', 0.3]]
    """
    frames = []
    for method, D in matrices.items():
        ids = np.asarray(D.index, dtype=object)
        i, j = np.triu_indices(len(ids), k=1)
        swap = ids[i] > ids[j]
        frames.append(pd.DataFrame({"method": method, "doc_a": np.where(swap, ids[j], ids[i]),
                                    "doc_b": np.where(swap, ids[i], ids[j]), "distance": D.to_numpy()[i, j]}))
    if not frames:
        return pd.DataFrame(columns=["method", "doc_a", "doc_b", "distance"])
    return pd.concat(frames, ignore_index=True)


def combined_distance(matrices: Mapping[str, pd.DataFrame]) -> pd.DataFrame:
    """Mean of the distance matrices after scaling each to a maximum of one, on the
    documents they share."""
    common = sorted(set.intersection(*(set(D.index) for D in matrices.values())))
    scaled = []
    for D in matrices.values():
        D = D.loc[common, common]
        top = D.to_numpy().max()
        scaled.append(D / top if top > 0 else D)
    return sum(scaled) / len(scaled)


def agreement(a: pd.DataFrame, b: pd.DataFrame) -> tuple[float, int]:
    """Spearman correlation between two distance matrices over their shared pairs.

    Returns ``(rho, n_pairs)``; with five documents there are only ten pairs, so read
    rho as a description, not a test.
    """
    common = sorted(set(a.index) & set(b.index))
    va = squareform(a.loc[common, common].to_numpy(), checks=False)
    vb = squareform(b.loc[common, common].to_numpy(), checks=False)
    if len(va) < 3 or np.ptp(va) == 0 or np.ptp(vb) == 0:
        return float("nan"), len(va)
    return float(spearmanr(va, vb).statistic), len(va)


def cluster_order(D: pd.DataFrame) -> list[str]:
    """Order of documents from average-linkage hierarchical clustering of ``D``."""
    if len(D) < 3:
        return list(D.index)
    Z = linkage(squareform(D.to_numpy(), checks=False), method="average")
    return [D.index[i] for i in leaves_list(Z)]


def merge_steps(D: pd.DataFrame) -> pd.DataFrame:
    """The merges of average-linkage clustering: step, cluster_a, cluster_b, distance."""
    ids = list(D.index)
    if len(ids) < 2:
        return pd.DataFrame(columns=["step", "cluster_a", "cluster_b", "distance"])
    Z = linkage(squareform(D.to_numpy(), checks=False), method="average")
    members = {i: [x] for i, x in enumerate(ids)}
    rows = []
    for step, (i, j, dist, _) in enumerate(Z, start=1):
        a, b = members[int(i)], members[int(j)]
        members[len(ids) + step - 1] = sorted(a + b)
        rows.append((step, " + ".join(sorted(a)), " + ".join(sorted(b)), float(dist)))
    return pd.DataFrame(rows, columns=["step", "cluster_a", "cluster_b", "distance"])


def nearest_pairs(long: pd.DataFrame) -> pd.DataFrame:
    """For each method, the closest pair of documents."""
    best = long.sort_values(["method", "distance", "doc_a", "doc_b"]).groupby("method", sort=True).head(1)
    return best.reset_index(drop=True)


# --- the distances of the book's own analyses ----------------------------------------

#: What each method compares, for the chapter's table.
METHOD_DESCRIPTIONS = {
    "vocabulary": ("content-term counts, each document subsampled to the shortest's size "
                   f"({RAREFACTION_DRAWS} draws, {RAREFACTION_DRAWS_MANY} above {RAREFACTION_MANY_DOCS} documents), "
                   "Jensen-Shannon"),
    "concepts": "concept-family rates per 10,000 words, Jensen-Shannon",
    "topics": "topic proportions of the chosen model, Jensen-Shannon",
    "tone": "mean tone overall and towards each target (cells of at least 10 sentences), Euclidean",
    "combined": "the four, each scaled to a maximum of 1, averaged",
}
#: The methods the combined distance averages.
DISTANCE_METHODS = ("vocabulary", "concepts", "topics", "tone")


def method_distances(get, setting: dict, drop: str | None = None) -> dict[str, pd.DataFrame]:
    """Distance matrices between documents, one per method and combined, computed by the
    robustness ledger's components (so that the chapter and the ledger agree).

    Parameters
    ----------
    get : callable
        ``Components.get`` of :mod:`aidiscourse.analyses.robustness.ledger`.
    setting : dict
        The universe (usually the baseline).
    """
    mats = {m: get(f"distance_{m}", setting, drop) for m in DISTANCE_METHODS}
    common = sorted(set.intersection(*(set(m.index) for m in mats.values())))
    mats = {k: m.loc[common, common] for k, m in mats.items()}
    mats["combined"] = combined_distance(mats)
    return mats


def agreement_statement(mantel_rows: pd.DataFrame, *, alpha: float = 0.05) -> str:
    """What the Mantel table says, in words generated from it (so it cannot contradict it).

    >>> rows = pd.DataFrame({"method_a": ["a"], "method_b": ["b"], "rho": [0.5], "p_value": [0.2],
    ...                      "p_adj": [0.4], "n_pairs": [10]})
    >>> agreement_statement(rows)
    'The strongest agreement is between a and b (rho 0.50, Holm-adjusted p 0.40); no pair of methods agrees beyond chance once the 1 tests are corrected for multiplicity.'
    """
    best = mantel_rows.loc[mantel_rows["rho"].idxmax()]
    n_sig = int((mantel_rows["p_adj"] < alpha).sum())
    text = (f"The strongest agreement is between {best.method_a} and {best.method_b} (rho {best.rho:.2f}, "
            f"Holm-adjusted p {best.p_adj:.2f}); ")
    if n_sig == 0:
        return text + (f"no pair of methods agrees beyond chance once the {len(mantel_rows)} tests are corrected "
                       "for multiplicity.")
    return text + f"{n_sig} of {len(mantel_rows)} pairs agree beyond chance after correction."


def agreement_table(matrices: Mapping[str, pd.DataFrame]) -> pd.DataFrame:
    """Spearman agreement of every pair of methods' distance matrices:
    method_a, method_b, rho, n_pairs."""
    names = list(matrices)
    rows = []
    for i, a in enumerate(names):
        for b in names[i + 1 :]:
            rho, n = agreement(matrices[a], matrices[b])
            rows.append((a, b, rho, n))
    return pd.DataFrame(rows, columns=["method_a", "method_b", "rho", "n_pairs"])


#: Up to this many documents the Mantel test enumerates every permutation (exact p-values).
MANTEL_EXACT_MAX = 8
#: Random permutations of the Mantel test above :data:`MANTEL_EXACT_MAX` documents.
MANTEL_PERMUTATIONS = 9999
#: Above this many documents, :data:`MANTEL_PERMUTATIONS_MANY` permutations: each costs
#: O(documents squared), and 999 still resolve p to 0.001, far below any Holm-adjusted
#: threshold of the ten method pairs.
MANTEL_MANY_DOCS = 100
MANTEL_PERMUTATIONS_MANY = 999


def mantel_permutations(n_docs: int) -> int:
    """Permutations behind a Mantel p-value for ``n_docs`` documents: all of them up to
    :data:`MANTEL_EXACT_MAX`, else the seeded random ones plus the observed order.

    >>> mantel_permutations(5), mantel_permutations(40), mantel_permutations(500)
    (120, 10000, 1000)
    """
    import math

    if n_docs <= MANTEL_EXACT_MAX:
        return math.factorial(n_docs)
    return (MANTEL_PERMUTATIONS if n_docs <= MANTEL_MANY_DOCS else MANTEL_PERMUTATIONS_MANY) + 1


def mantel(a: pd.DataFrame, b: pd.DataFrame, *, n_permutations: int | None = None,
           random_state: int = SEED) -> tuple[float, float, int]:
    """Mantel test of two distance matrices: Spearman rho of their pairs and a one-sided
    permutation p-value (permuting the documents of ``b``).

    With at most eight documents every permutation is enumerated, so the p-value is
    exact; with five documents the smallest attainable p is 1/120. Spearman's rho is
    Pearson's r of the ranks, and permuting documents only moves ``b``'s ranks, so the
    pairs are ranked once and each permutation costs one dot product. Matrices without
    any spread give NaN.

    Parameters
    ----------
    a, b : DataFrame of shape (n_docs, n_docs)
    n_permutations : int, optional
        Random permutations; default from :func:`mantel_permutations`.

    Returns
    -------
    rho, p_value, n_permutations_used
    """
    import itertools

    from scipy.stats import rankdata

    common = sorted(set(a.index) & set(b.index))
    n = len(common)
    va = squareform(a.loc[common, common].to_numpy(), checks=False)
    vb = squareform(b.loc[common, common].to_numpy(), checks=False)
    ranks_a, ranks_b = rankdata(va), rankdata(vb)
    centred_a, centred_pairs_b = ranks_a - ranks_a.mean(), ranks_b - ranks_b.mean()
    centred_b = squareform(centred_pairs_b)  # square, zero diagonal
    scale = np.sqrt((centred_a @ centred_a) * (centred_pairs_b @ centred_pairs_b))
    if n < 3 or not scale > 0:
        return float("nan"), float("nan"), 0
    rho_obs = spearmanr(va, vb).statistic

    def rho(perm) -> float:
        return centred_a @ squareform(centred_b[np.ix_(perm, perm)], checks=False) / scale

    if n <= MANTEL_EXACT_MAX:
        rhos = [rho(list(perm)) for perm in itertools.permutations(range(n))]
        return float(rho_obs), float(np.sum(np.array(rhos) >= rho_obs - 1e-12)) / len(rhos), len(rhos)
    if n_permutations is None:
        n_permutations = mantel_permutations(n) - 1
    rng = np.random.default_rng(random_state)
    hits = 1
    for _ in range(n_permutations):
        hits += rho(rng.permutation(n)) >= rho_obs - 1e-12
    return float(rho_obs), hits / (n_permutations + 1), n_permutations + 1


def mantel_table(matrices: Mapping[str, pd.DataFrame], *, random_state: int = SEED) -> pd.DataFrame:
    """Mantel tests for every pair of methods: method_a, method_b, rho, p_value, n_pairs, and
    p_adj (Holm-adjusted over the pairs tested)."""
    names = list(matrices)
    rows = []
    for i, x in enumerate(names):
        for y in names[i + 1 :]:
            rho, p, _ = mantel(matrices[x], matrices[y], random_state=random_state)
            n_docs = len(set(matrices[x].index) & set(matrices[y].index))
            rows.append((x, y, rho, p, n_docs * (n_docs - 1) // 2))
    out = pd.DataFrame(rows, columns=["method_a", "method_b", "rho", "p_value", "n_pairs"])
    out["p_adj"] = holm(out["p_value"].to_numpy())
    return out


def holm(p: np.ndarray) -> np.ndarray:
    """Holm's step-down adjustment of p-values for multiple tests.

    >>> holm(np.array([0.01, 0.04, 0.03])).round(2).tolist()
    [0.03, 0.06, 0.06]
    """
    p = np.asarray(p, dtype=float)
    out = np.full(len(p), np.nan)
    tested = np.flatnonzero(~np.isnan(p))  # a test that could not be run is not counted
    order = tested[np.argsort(p[tested], kind="mergesort")]
    m = len(order)
    adjusted = np.maximum.accumulate((m - np.arange(m)) * p[order])
    out[order] = np.minimum(adjusted, 1.0)
    return out


def contributing_terms(profile: pd.DataFrame, cols: pd.DataFrame, *, n: int = 25) -> pd.DataFrame:
    """The ``n`` terms that contribute most to the first dimensions of a correspondence map.

    Parameters
    ----------
    profile : DataFrame of shape (n_docs, n_terms)
        The counts the map was computed from.
    cols : DataFrame of shape (n_terms, n_components)
        Column coordinates from :func:`correspondence_analysis`.

    Returns
    -------
    DataFrame
        term, then one column per dimension, most contributing first.
    """
    mass = profile.sum(axis=0) / profile.to_numpy().sum()
    contribution = (cols ** 2).mul(mass.reindex(cols.index), axis=0).sum(axis=1)
    return cols.loc[contribution.sort_values(ascending=False).index[:n]].rename_axis("term").reset_index()
