"""Choosing the model family and K: coherence, stability, the search, the rule.

The number of topics K is chosen by two measures computed here:

* :func:`npmi_coherence`: the mean normalised pointwise mutual information of the
  pairs of a topic's top terms, from their co-occurrence in passages (Bouma 2009;
  Aletras and Stevenson 2013; Röder et al. 2015 call it C_NPMI). The C_V measure is not
  used: its author advises against it.
* :func:`topic_stability`: the mean cosine similarity of topics matched one-to-one
  (Hungarian algorithm) between fits from different random seeds, averaged over all
  pairs of seeds (in the spirit of Greene, O'Callaghan and Cunningham 2014).

:func:`search` fits every family for every K and seed (independent fits run in parallel
processes, or on a Dask cluster when ``AIDISCOURSE_SCHEDULER`` names one, which does not
change any of them; the fits are kept by
:mod:`aidiscourse.analyses.topics.search_cache`), and :func:`choose` applies the rule.
"""
from __future__ import annotations

import itertools
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd
from scipy import sparse

from aidiscourse.analyses.topics.model import (
    MODELS, N_TOP, Fit, TermMatrix, fit_topics, order_by_prevalence, top_term_indices,
)
from aidiscourse.analyses.topics.search_cache import read_fits, write_fits
from aidiscourse.config import SEED
from aidiscourse.errors import fail

#: The range of K searched.
K_RANGE: tuple[int, ...] = tuple(range(4, 15))
#: Number of random seeds per (model, K) for the stability measure.
N_SEEDS = 5
#: Above this many passages the grid of K x seeds x families is fitted on a random sample
#: of this many passages, and only the chosen K on all of them. An LDA fit costs time in
#: proportion to the passages (about 6 ms a passage: a minute for 9,000), and the grid
#: holds over a hundred fits; on a sample its cost stops growing with the corpus. 800 is
#: more than twice the seed corpus's passages, which are all used.
SEARCH_SAMPLE = 800
#: Seeds per (model, K) when the grid is sampled: stability from three pairs of runs
#: rather than ten, which keeps the refit of the chosen K on every passage affordable.
N_SEEDS_AT_SCALE = 3

Task = tuple[str, int, int]  # (model, k, seed)


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


def seeds(n: int = N_SEEDS, *, random_state: int = SEED) -> list[int]:
    """The seeds of the runs: ``random_state, random_state + 1, ...`` (default: the project seed).

    Examples
    --------
    >>> seeds(3, random_state=7)
    [7, 8, 9]
    """
    return [random_state + i for i in range(n)]


@dataclass
class Search:
    """All fits of a search over models, K and seeds, with their measures.

    Attributes
    ----------
    tm : TermMatrix
        The matrix every fit was made on.
    fits : dict of (model, k, seed) -> Fit
    per_seed : DataFrame
        Columns model, k, seed, coherence_npmi.
    selection : DataFrame
        Columns model, k, coherence_npmi, stability, coherence_sd.
    seeds : list of int
        The seeds, the reference seed first.
    sample : ndarray of int or None
        Rows of ``tm`` the grid was fitted on when it was sampled (see
        :data:`SEARCH_SAMPLE`); then ``fits`` holds only the chosen K's fits, made on all
        rows. None when every fit used every row.
    """

    tm: TermMatrix
    fits: dict[Task, Fit] = field(repr=False)
    per_seed: pd.DataFrame
    selection: pd.DataFrame
    seeds: list[int]
    sample: np.ndarray | None = None

    def runs(self, model: str, k: int) -> list[Fit]:
        """The fits of one (model, K), in seed order."""
        return [self.fits[(model, k, s)] for s in self.seeds]


def _fit_task(tm: TermMatrix, model: str, k: int, seed: int) -> Fit:
    return fit_topics(tm, k, model=model, random_state=seed)


def _fit_all(tm: TermMatrix, tasks: list[Task], n_jobs: int | None, scheduler: str | None = None) -> dict[Task, Fit]:
    from aidiscourse.parallel import map_tasks

    # the slow fits (LDA, large K) first so that the workers finish together
    ordered = sorted(tasks, key=lambda t: (t[0] != "lda", -t[1], t[2]))
    done = {ordered[i]: fit for i, fit in map_tasks(_fit_task, ordered, n_jobs=n_jobs, scheduler=scheduler, shared=(tm,))}
    return {task: done[task] for task in tasks}


def search(
    tm: TermMatrix,
    *,
    ks: Sequence[int] = K_RANGE,
    models: Sequence[str] = MODELS,
    n_seeds: int | None = None,
    random_state: int = SEED,
    n_top: int = N_TOP,
    n_jobs: int | None = None,
    cache_dir: str | Path | None = None,
    scheduler: str | None = None,
    sample: int = SEARCH_SAMPLE,
) -> Search:
    """Fit every model for every K and seed; measure coherence and stability.

    Parameters
    ----------
    tm : TermMatrix
    ks : sequence of int
    models : sequence of {"lda", "nmf"}
    n_seeds : int, optional
        Runs per (model, K); seeds from :func:`seeds`. Default :data:`N_SEEDS`, or
        :data:`N_SEEDS_AT_SCALE` when the grid is sampled.
    random_state : int
        First seed (default: the project seed); also draws the sample.
    n_top : int
        Top terms per topic for coherence.
    n_jobs : int, optional
        Worker processes (default: one per core). Each fit is single-threaded and
        seeded, so the number of workers does not change the results.
    cache_dir : path, optional
        Keep the fits in this folder (:mod:`~aidiscourse.analyses.topics.search_cache`,
        keyed by the topic code, the input matrix and the tasks); a later call with the
        same key reads them instead of refitting. The fits read back are the ones a refit gives.
    scheduler : str, optional
        Address of a Dask scheduler that runs the fits (default: the environment variable
        ``AIDISCOURSE_SCHEDULER``, else local processes); the fits are the same.
    sample : int
        With more passages than this, the grid is fitted on a random sample of this many
        passages and the chosen (model, K) (by :func:`choose`) is refitted, for every
        family and seed, on all passages.

    Returns
    -------
    Search
        ``per_seed``: model, k, seed, coherence_npmi (mean over topics);
        ``selection``: model, k, coherence_npmi (mean over seeds), stability,
        coherence_sd (standard deviation over seeds); both measured on the rows the
        grid was fitted on.
    """
    rows = None
    if tm.counts.shape[0] > sample:
        rng = np.random.default_rng(random_state)
        rows = np.sort(rng.choice(tm.counts.shape[0], size=sample, replace=False))
    run_seeds = seeds(n_seeds or (N_SEEDS if rows is None else N_SEEDS_AT_SCALE), random_state=random_state)
    grid_tm = tm if rows is None else TermMatrix(tm.counts[rows], tm.tfidf[rows], tm.vocabulary)
    tasks = [(m, k, s) for m in models for k in ks for s in run_seeds]
    fits = _cached_fits(grid_tm, tasks, n_jobs, scheduler, cache_dir)

    rows_out = []
    for m, k, s in tasks:
        coherence = npmi_coherence(top_term_indices(fits[(m, k, s)].topic_term, n_top), grid_tm.counts)
        rows_out.append({"model": m, "k": k, "seed": s, "coherence_npmi": float(np.nanmean(coherence))})
    per_seed = pd.DataFrame(rows_out)
    summary = []
    for m in models:
        for k in ks:
            runs = [fits[(m, k, s)].topic_term for s in run_seeds]
            values = per_seed[(per_seed.model == m) & (per_seed.k == k)].coherence_npmi
            summary.append({"model": m, "k": k, "coherence_npmi": float(values.mean()),
                            "stability": topic_stability(runs) if len(runs) > 1 else np.nan,
                            "coherence_sd": float(values.std(ddof=1)) if len(values) > 1 else np.nan})
    selection = pd.DataFrame(summary)
    if rows is not None:  # the chosen K, every family and seed, on every passage
        _, k_chosen = choose(selection)
        chosen = [(m, k_chosen, s) for m in models for s in run_seeds]
        fits = _cached_fits(tm, chosen, n_jobs, scheduler, None if cache_dir is None else Path(cache_dir) / "chosen")
    return Search(tm, fits, per_seed, selection, run_seeds, rows)


def _cached_fits(tm: TermMatrix, tasks: list[Task], n_jobs: int | None, scheduler: str | None,
                 cache_dir: str | Path | None) -> dict[Task, Fit]:
    fits = read_fits(cache_dir, tm, tasks) if cache_dir is not None else None
    if fits is None:
        fits = _fit_all(tm, tasks, n_jobs, scheduler)
        if cache_dir is not None:
            write_fits(cache_dir, tm, tasks, fits)
    return fits


def scope_note(result: Search) -> str:
    """One sentence saying which passages and how many seeds the search used.

    Examples
    --------
    >>> tm = TermMatrix(sparse.csr_matrix(np.ones((3, 2))), sparse.csr_matrix(np.ones((3, 2))), np.array(["a", "b"]))
    >>> scope_note(Search(tm, {}, pd.DataFrame(), pd.DataFrame(), [1, 2]))
    'Every fit uses all 3 passages.'
    """
    n = result.tm.counts.shape[0]
    if result.sample is None:
        return f"Every fit uses all {n:,} passages."
    return (f"With {n:,} passages, the grid of K and seeds is fitted on a random sample of "
            f"{len(result.sample):,} passages with {len(result.seeds)} seeds rather than {N_SEEDS} (a fit's "
            f"cost grows with the passages, and the grid holds {len(result.per_seed)} fits), and "
            f"coherence and stability are measured on that sample; the chosen K is then fitted "
            f"on all {n:,} passages, for both families and every seed.")


def selection_scores(selection: pd.DataFrame) -> pd.DataFrame:
    """``selection`` with the rescaled measures and their mean ``score`` (see :func:`choose`)."""

    def rescale(s: pd.Series) -> pd.Series:
        span = s.max() - s.min()
        return (s - s.min()) / span if span > 0 else s * 0.0

    out = selection.copy()
    out["coherence_scaled"] = rescale(out.coherence_npmi)
    out["stability_scaled"] = rescale(out.stability)
    out["score"] = (out.coherence_scaled + out.stability_scaled) / 2
    return out


def choose(selection: pd.DataFrame) -> tuple[str, int]:
    """The (model, K) with the best balance of coherence and stability.

    Each measure is rescaled to [0, 1] over all rows (min-max, both models together, so
    that a model cannot win by being compared only with itself); the score is the mean of
    the two; the highest score wins, ties going to the smaller K, then to the model
    listed first in :data:`~aidiscourse.analyses.topics.model.MODELS`.

    Parameters
    ----------
    selection : DataFrame
        Columns model, k, coherence_npmi, stability.

    Examples
    --------
    >>> sel = pd.DataFrame({"model": ["lda", "lda", "nmf"], "k": [4, 5, 4],
    ...                     "coherence_npmi": [0.1, 0.3, 0.2], "stability": [0.9, 0.8, 0.5]})
    >>> choose(sel)
    ('lda', 5)
    """
    scored = selection_scores(selection)
    scored = scored.assign(model_order=scored.model.map({m: i for i, m in enumerate(MODELS)}).fillna(len(MODELS)))
    best = scored.sort_values(["score", "k", "model_order"], ascending=[False, True, True], kind="mergesort").iloc[0]
    return str(best.model), int(best.k)


def reference_fit(result: Search, model: str, k: int) -> Fit:
    """The fit of the first seed, topics numbered by prevalence (the model the chapter reads)."""
    return order_by_prevalence(result.fits[(model, k, result.seeds[0])], result.tm.lengths)


def aligned_runs(result: Search, model: str, k: int) -> list[tuple[Fit, float]]:
    """Every seed's fit with topics renumbered to match the reference fit's topics.

    Returns
    -------
    list of (Fit, float)
        Each fit with the mean similarity of its matched topics, the reference first.
    """
    ref = reference_fit(result, model, k)
    out = [(ref, 1.0)]
    for s in result.seeds[1:]:
        fit = result.fits[(model, k, s)]
        # ref topic i <- this run's topic match[i]
        match, sim = match_topics(ref.topic_term, fit.topic_term)
        out.append((fit.permuted(match), float(np.nanmean(sim))))
    return out
