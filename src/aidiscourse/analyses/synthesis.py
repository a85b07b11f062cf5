"""Bringing the chapters together: document maps and distances from each method, and how
far the methods agree about which documents are alike.

All functions take the result tables the chapters write (``results/*.csv``) as
DataFrames, so they can be tested on small constructed tables.
"""
from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np
import pandas as pd
from scipy.cluster.hierarchy import leaves_list, linkage
from scipy.spatial.distance import squareform
from scipy.stats import spearmanr

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
    """One row per method and unordered pair of documents: method, doc_a, doc_b, distance."""
    rows = []
    for method, D in matrices.items():
        ids = list(D.index)
        for i, a in enumerate(ids):
            for b in ids[i + 1 :]:
                x, y = sorted((a, b))
                rows.append((method, x, y, float(D.loc[a, b])))
    return pd.DataFrame(rows, columns=["method", "doc_a", "doc_b", "distance"])


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


# --- from the chapters' result tables ------------------------------------------------

#: Tables each method's document profile is read from, and what is compared.
METHOD_SOURCES = {
    "vocabulary": "term_frequency.csv",
    "concepts": "termfreq_concepts.csv",
    "topics": "doc_topics.csv",
    "tone": "sentiment_by_target.csv",
}


def method_profiles(read) -> dict[str, pd.DataFrame]:
    """Document profiles per method, from the result tables.

    Parameters
    ----------
    read : callable
        ``read(name) -> DataFrame`` for a file in ``results/``
        (:func:`aidiscourse.results.read_table`).

    Returns
    -------
    dict
        ``vocabulary``: term counts; ``concepts``: concept-family rates per 10,000 words;
        ``topics``: topic proportions; ``tone``: mean tone towards each target family
        (a target a document never mentions takes the document's overall mean tone,
        so that absence does not count as a tone).
    """
    tf = read(METHOD_SOURCES["vocabulary"])
    concepts = read(METHOD_SOURCES["concepts"])
    topics = read(METHOD_SOURCES["topics"])
    by_target = read(METHOD_SOURCES["tone"])
    by_doc = read("sentiment_by_document.csv").set_index("doc_id")["mean"]
    tone = by_target.pivot_table(index="doc_id", columns="target", values="mean", aggfunc="first")
    tone = tone.apply(lambda row: row.fillna(by_doc.get(row.name, 0.0)), axis=1)
    tone.insert(0, "overall", by_doc.reindex(tone.index))
    return {
        "vocabulary": profile_table(tf, index="doc_id", columns="term", values="count"),
        "concepts": profile_table(concepts, index="doc_id", columns="family", values="per_10k"),
        "topics": profile_table(topics, index="doc_id", columns="topic", values="proportion"),
        "tone": tone.sort_index().sort_index(axis=1).astype(float),
    }


def method_distances(profiles: Mapping[str, pd.DataFrame]) -> dict[str, pd.DataFrame]:
    """Distance matrices between documents, one per method: Jensen-Shannon distance for
    the distributions (vocabulary, concepts, topics), Euclidean distance for tone."""
    return {
        name: distance_matrix(p, metric="euclidean" if name == "tone" else "jensenshannon")
        for name, p in profiles.items()
    }


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


def square(long: pd.DataFrame, method: str) -> pd.DataFrame:
    """Back from :func:`long_distances` rows to a square matrix for one method."""
    sub = long[long.method == method]
    ids = sorted(set(sub.doc_a) | set(sub.doc_b))
    D = pd.DataFrame(0.0, index=ids, columns=ids)
    for row in sub.itertuples():
        D.loc[row.doc_a, row.doc_b] = D.loc[row.doc_b, row.doc_a] = row.distance
    return D


def mantel(a: pd.DataFrame, b: pd.DataFrame, *, n_permutations: int = 9999, random_state: int = SEED) -> tuple[float, float, int]:
    """Mantel test of two distance matrices: Spearman rho of their pairs and a one-sided
    permutation p-value (permuting the documents of ``b``).

    With at most eight documents every permutation is enumerated, so the p-value is
    exact; with five documents the smallest attainable p is 1/120.

    Returns
    -------
    rho, p_value, n_permutations_used
    """
    import itertools

    common = sorted(set(a.index) & set(b.index))
    A = a.loc[common, common].to_numpy()
    B = b.loc[common, common].to_numpy()
    va = squareform(A, checks=False)
    rho_obs = spearmanr(va, squareform(B, checks=False)).statistic
    n = len(common)
    if n <= 8:
        perms = itertools.permutations(range(n))
        total = 0
        hits = 0
        for perm in perms:
            perm = list(perm)
            rho = spearmanr(va, squareform(B[np.ix_(perm, perm)], checks=False)).statistic
            hits += rho >= rho_obs - 1e-12
            total += 1
        return float(rho_obs), hits / total, total
    rng = np.random.default_rng(random_state)
    hits = 1
    for _ in range(n_permutations):
        perm = rng.permutation(n)
        rho = spearmanr(va, squareform(B[np.ix_(perm, perm)], checks=False)).statistic
        hits += rho >= rho_obs - 1e-12
    return float(rho_obs), hits / (n_permutations + 1), n_permutations + 1


def mantel_table(matrices: Mapping[str, pd.DataFrame], *, random_state: int = SEED) -> pd.DataFrame:
    """Mantel tests for every pair of methods: method_a, method_b, rho, p_value, n_pairs."""
    names = list(matrices)
    rows = []
    for i, x in enumerate(names):
        for y in names[i + 1 :]:
            rho, p, _ = mantel(matrices[x], matrices[y], random_state=random_state)
            n_docs = len(set(matrices[x].index) & set(matrices[y].index))
            rows.append((x, y, rho, p, n_docs * (n_docs - 1) // 2))
    return pd.DataFrame(rows, columns=["method_a", "method_b", "rho", "p_value", "n_pairs"])


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


def claims_table(read, *, steps: pd.DataFrame, mantel: pd.DataFrame, doc_map: pd.DataFrame,
                 share: Sequence[float]) -> pd.DataFrame:
    """The chapter's claims, each generated from the tables, with the evidence behind it.

    Parameters
    ----------
    read : callable
        ``read(name) -> DataFrame`` for a file in ``results/``.
    steps, mantel, doc_map : DataFrame
        Merge steps, Mantel table and document coordinates of this chapter.
    share : sequence of float
        Inertia share of the map's dimensions.

    Returns
    -------
    DataFrame
        claim, evidence; numbered from 1.
    """
    tone = read("sentiment_by_document.csv").sort_values("mean")
    formulaic = read("termfreq_formulaic.csv").sort_values("share")
    strongest, weakest = mantel.loc[mantel.rho.idxmax()], mantel.loc[mantel.rho.idxmin()]
    densest, pos, neg = formulaic.iloc[-1], tone.iloc[-1], tone.iloc[0]
    claims = [
        (f"By combined distance, {steps.iloc[0].cluster_a} and {steps.iloc[0].cluster_b} are the closest pair of documents.",
         "results/synthesis_distances.csv; heatmap above"),
        (f"Of the four methods, {strongest.method_a} and {strongest.method_b} rank the pairs of documents most alike "
         f"(Mantel rho {strongest.rho:.2f}, exact p {strongest.p_value:.3f}); {weakest.method_a} and {weakest.method_b} least "
         f"(rho {weakest.rho:.2f}).", "results/synthesis_agreement.csv"),
        (f"{densest.doc_id} uses the densest formulaic political language "
         f"({densest.share:.2f}% of word tokens, 95% CI {densest.ci_low:.2f}-{densest.ci_high:.2f}).",
         "results/termfreq_formulaic.csv; Term frequency chapter"),
        (f"{pos.doc_id} has the most positive mean sentence tone ({pos['mean']:.2f}, "
         f"95% CI {pos.ci_low:.2f} to {pos.ci_high:.2f}), {neg.doc_id} the least "
         f"({neg['mean']:.2f}, {neg.ci_low:.2f} to {neg.ci_high:.2f}).",
         "results/sentiment_by_document.csv; Tone chapter"),
        (f"The correspondence map's first dimension separates {doc_map.loc[doc_map.dim1.idxmin(), 'doc_id']} from "
         f"{doc_map.loc[doc_map.dim1.idxmax(), 'doc_id']} and carries {share[0]:.0%} of the inertia.",
         "results/synthesis_map.csv; map above"),
    ]
    ledger = pd.DataFrame(claims, columns=["claim", "evidence"])
    ledger.index = range(1, len(ledger) + 1)
    return ledger
