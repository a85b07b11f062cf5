"""Measures of a topic solution: NPMI coherence (on the training passages and on held-out
passages) and stability across seeds (topics matched by the Hungarian algorithm)."""
from __future__ import annotations

import itertools
import json
import os
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import pandas as pd
from scipy import sparse

from aidiscourse.analyses.topics.model import (
    K_RANGE,
    MODELS,
    N_TOP,
    fit_topics,
    term_matrix,
    top_term_indices,
)
from aidiscourse.config import SEED
from aidiscourse.errors import fail


def npmi_coherence(topics: Sequence[Sequence[int]], occurrence) -> np.ndarray:
    """Topic coherence as mean NPMI of the pairs of each topic's terms.

    For terms i and j, with P estimated as the share of passages (rows) containing them,
    ``NPMI(i, j) = log(P(i, j) / (P(i) P(j))) / -log P(i, j)``; it is -1 for terms
    never seen together, 0 for independent terms and 1 for terms always seen together
    (Bouma 2009). A pair that co-occurs in every row (``-log P(i, j) = 0``) counts 1.

    Parameters
    ----------
    topics : sequence of sequence of int
        Each topic's top terms as column indices of ``occurrence``.
    occurrence : array-like or sparse matrix (n_rows, n_terms)
        Any value > 0 counts as presence.

    Returns
    -------
    ndarray (n_topics,)
        Mean NPMI over the term pairs of each topic (NaN for a topic of fewer than two terms).

    Examples
    --------
    >>> occ = np.array([[1, 1, 0, 0], [1, 1, 0, 0], [0, 0, 1, 1], [0, 0, 1, 1]])
    >>> npmi_coherence([[0, 1], [0, 2]], occ).round(3).tolist()
    [1.0, -1.0]
    """
    occ = sparse.csc_matrix(occurrence)
    occ = (occ > 0).astype(np.float64)
    n_rows = occ.shape[0]
    out = np.full(len(topics), np.nan)
    for t, terms in enumerate(topics):
        terms = list(terms)
        if len(terms) < 2:
            continue
        sub = occ[:, terms]
        joint = (sub.T @ sub).toarray() / n_rows
        single = np.diag(joint).copy()
        values = []
        for i, j in itertools.combinations(range(len(terms)), 2):
            pij = joint[i, j]
            if pij <= 0:
                values.append(-1.0)
            elif pij >= 1:
                values.append(1.0)
            else:
                values.append(np.log(pij / (single[i] * single[j])) / -np.log(pij))
        out[t] = float(np.mean(values))
    return out


def _unit_rows(a: np.ndarray) -> np.ndarray:
    a = np.asarray(a, dtype=float)
    norms = np.linalg.norm(a, axis=1, keepdims=True)
    return np.divide(a, norms, out=np.zeros_like(a), where=norms > 0)


def cosine_matrix(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Cosine similarity of every row of ``a`` (m, n) with every row of ``b`` (p, n): shape (m, p)."""
    return _unit_rows(a) @ _unit_rows(b).T


def match_topics(a: np.ndarray, b: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Match the topics (rows) of ``a`` one-to-one to those of ``b`` by cosine similarity.

    Uses the Hungarian algorithm (:func:`scipy.optimize.linear_sum_assignment`), which
    maximises the total similarity of the matched pairs.

    Returns
    -------
    match : ndarray of int (len(a),)
        ``match[i]`` is the row of ``b`` matched to row ``i`` of ``a`` (-1 if ``b`` has
        fewer rows).
    similarity : ndarray (len(a),)
        Cosine similarity of each matched pair (NaN where unmatched).
    """
    from scipy.optimize import linear_sum_assignment

    sim = cosine_matrix(a, b)
    rows, cols = linear_sum_assignment(-sim)
    match = np.full(sim.shape[0], -1)
    match[rows] = cols
    similarity = np.full(sim.shape[0], np.nan)
    similarity[rows] = sim[rows, cols]
    return match, similarity


def topic_stability(runs: Sequence[np.ndarray]) -> float:
    """Mean best-match similarity of topics across runs.

    For every pair of runs, topics are matched one-to-one (:func:`match_topics`) and the
    cosine similarities of matched topics averaged; the result is the mean over all pairs
    of runs. Identical runs (in any topic order) give 1; runs whose topics share no
    term give 0.

    Parameters
    ----------
    runs : sequence of ndarray (k, n_terms)
        Topic-term weights of each run, on the same vocabulary.

    Examples
    --------
    >>> a = np.array([[1.0, 0, 0], [0, 1.0, 1.0]])
    >>> round(topic_stability([a, a[::-1]]), 6)
    1.0
    """
    if len(runs) < 2:
        raise fail("topic stability needs at least two runs")
    pairs = [np.nanmean(match_topics(a, b)[1]) for a, b in itertools.combinations(runs, 2)]
    return float(np.mean(pairs))


def split_passages(groups: Sequence, *, share: float = 0.5, random_state: int = SEED) -> np.ndarray:
    """A seeded split of the passages into two parts, within each group (document).

    In every group, a random ``share`` of its passages (rounded; at least one passage on
    each side when the group has two or more) goes to the first part, so that both parts
    hold every document in about the same proportion.

    Parameters
    ----------
    groups : sequence (n_passages,)
        The group of each passage (its document).
    share : float
        Share of each group in the first part.
    random_state : int
        Seed of the draw (default: the project seed).

    Returns
    -------
    ndarray of bool (n_passages,)
        True for the first part.

    Examples
    --------
    >>> mask = split_passages(["a"] * 4 + ["b"] * 2, random_state=1)
    >>> int(mask[:4].sum()), int(mask[4:].sum())
    (2, 1)
    """
    groups = np.asarray(groups, dtype=object)
    rng = np.random.default_rng(random_state)
    first = np.zeros(len(groups), dtype=bool)
    for g in dict.fromkeys(groups):
        members = np.flatnonzero(groups == g)
        n = int(np.floor(share * len(members) + 0.5))
        if len(members) > 1:
            n = min(max(n, 1), len(members) - 1)
        first[rng.permutation(members)[:n]] = True
    return first


def occurrence_matrix(terms: Sequence[Sequence[str]], vocabulary: Sequence[str]) -> sparse.csr_matrix:
    """Which of ``vocabulary`` each passage holds (1/0), shape (n_passages, n_terms); other terms are ignored."""
    index = {t: j for j, t in enumerate(map(str, vocabulary))}
    rows, cols = [], []
    for i, doc in enumerate(terms):
        for j in sorted({index[t] for t in doc if t in index}):
            rows.append(i)
            cols.append(j)
    return sparse.csr_matrix((np.ones(len(rows)), (rows, cols)), shape=(len(terms), len(index)))


def _heldout_task(fit_terms, test_terms, model: str, k: int, seed: int, min_df, max_df,
                  n_top: int) -> tuple[float, float]:
    tm = term_matrix(fit_terms, min_df=min_df, max_df=max_df)
    fit = fit_topics(tm, k, model=model, random_state=seed)
    top = top_term_indices(fit.topic_term, n_top)
    seen = float(np.nanmean(npmi_coherence(top, tm.counts)))
    unseen = float(np.nanmean(npmi_coherence(top, occurrence_matrix(test_terms, tm.vocabulary))))
    return seen, unseen


def sample_rows(n: int, sample: int | None, *, random_state: int = SEED) -> np.ndarray | None:
    """The seeded random sample of passages a search over many passages is fitted on.

    Returns
    -------
    ndarray of int, sorted, shape (sample,); or None when ``n <= sample`` (all passages used)

    >>> sample_rows(5, 10) is None, len(sample_rows(50, 10))
    (True, 10)
    """
    if sample is None or n <= sample:
        return None
    return np.sort(np.random.default_rng(random_state).choice(n, size=sample, replace=False))


def heldout_coherence(
    terms: Sequence[Sequence[str]],
    groups: Sequence,
    *,
    sample: int | None = None,
    ks: Sequence[int] = K_RANGE,
    models: Sequence[str] = MODELS,
    min_df: int | float = 3,
    max_df: float = 0.5,
    n_top: int = N_TOP,
    random_state: int = SEED,
    n_jobs: int | None = None,
    cache_dir: str | Path | None = None,
) -> pd.DataFrame:
    """Coherence measured on passages the model did not see.

    The passages are split in two halves within each document (:func:`split_passages`,
    seeded); each (model, K) is fitted on one half, with the passage-term matrix rebuilt
    from that half alone (same document-frequency limits), and the NPMI of its top terms
    (:func:`npmi_coherence`) counted on the other half; then the halves swap. A topic
    whose terms co-occur only in the passages it was fitted on scores lower here than in
    training.

    Parameters
    ----------
    terms : sequence of list of str
        Content terms of each passage.
    groups : sequence
        The document of each passage.
    sample : int, optional
        Above this many passages, measure on a seeded random sample of this many
        (:func:`sample_rows`, the same passages as the search's grid with the same seed).
    ks, models, n_top
        As for :func:`search`.
    min_df, max_df
        As for :func:`~aidiscourse.analyses.topics.model.term_matrix`.
    random_state : int
        Seed of the split and of the fits (default: the project seed).
    n_jobs : int, optional
        Worker processes (default: one per core); the results do not depend on it.
    cache_dir : path, optional
        Keep the table in this folder (``heldout-<key>.parquet``, keyed by the topic code,
        the passages and the options) and read it back on a later call.

    Returns
    -------
    DataFrame
        Columns model, k, fold (1, 2), coherence_fitted_half (mean NPMI over topics on the half
        the model was fitted on) and coherence_heldout (on the other half). The two differ
        in what the model saw, not in the amount of text.
    """
    import sklearn

    from aidiscourse.analyses.topics.search_cache import TOPICS_CODE
    from aidiscourse.cache import fingerprint, parquet_key, read_parquet, write_parquet

    terms, groups = [list(map(str, t)) for t in terms], list(map(str, groups))
    rows = sample_rows(len(terms), sample, random_state=random_state)
    if rows is not None:  # the cost stops growing with the corpus
        terms, groups = [terms[i] for i in rows], [groups[i] for i in rows]
    options = [list(ks), list(models), min_df, max_df, n_top, random_state, sklearn.__version__, np.__version__]
    key = fingerprint(TOPICS_CODE, extra=[json.dumps([terms, groups, options], ensure_ascii=False)])
    path = Path(cache_dir) / f"heldout-{key[:20]}.parquet" if cache_dir is not None else None
    if path is not None and parquet_key(path) == key:
        return read_parquet(path)
    first = split_passages(groups, random_state=random_state)
    halves = [[t for t, f in zip(terms, first) if f], [t for t, f in zip(terms, first) if not f]]
    tasks = [(fold, m, k) for fold in (1, 2) for m in models for k in ks]
    args = [(halves[fold - 1], halves[2 - fold], m, k, random_state, min_df, max_df, n_top) for fold, m, k in tasks]
    jobs = min(n_jobs or os.cpu_count() or 1, len(tasks))
    if jobs <= 1:
        values = [_heldout_task(*a) for a in args]
    else:
        from joblib import Parallel, delayed

        values = Parallel(n_jobs=jobs, backend="loky")(delayed(_heldout_task)(*a) for a in args)
    out = pd.DataFrame([{"model": m, "k": k, "fold": fold, "coherence_fitted_half": seen, "coherence_heldout": unseen}
                        for (fold, m, k), (seen, unseen) in zip(tasks, values)])
    if path is not None:
        path.parent.mkdir(parents=True, exist_ok=True)
        for old in path.parent.glob("heldout-*.parquet"):  # one table kept: the current one
            old.unlink(missing_ok=True)
        write_parquet(out, path, key=key)
    return out


