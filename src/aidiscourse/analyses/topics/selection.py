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
:mod:`aidiscourse.analyses.topics.search_cache`), and :func:`choose` applies the rule:
solutions that are degenerate (:func:`degenerate`) are set aside, the two measures are
ranked over the rest and the best mean rank wins (:func:`aggregate`); :func:`runner_up`
is the second. :func:`alternative_choices` shows what other aggregations would choose.
:func:`heldout_coherence`, run after the search, measures coherence on passages the model
did not see.
"""
from __future__ import annotations

import itertools
import json
import os
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd
from scipy import sparse

from aidiscourse.analyses.topics.model import (
    MODELS, N_TOP, Fit, TermMatrix, fit_topics, order_by_prevalence, term_matrix, top_term_indices,
    topic_prevalence,
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
#: The degeneracy rule (:func:`degenerate`): every seed the same solution ...
DEGENERATE_STABILITY = 0.9999
DEGENERATE_COHERENCE_SD = 1e-6
#: ... or a topic with less than this fraction of an even share (1/K) of the modelled terms.
DEGENERATE_PREVALENCE_SHARE = 0.1
#: Ways to combine coherence and stability (:func:`aggregate`); the first is the rule.
AGGREGATIONS: tuple[str, ...] = ("rank", "zscore", "minmax")

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


def solution_table(result: Search) -> pd.DataFrame:
    """The search's measures per (model, K) with what the degeneracy rule and the reader need.

    Returns
    -------
    DataFrame
        ``result.selection`` (model, k, coherence_npmi, stability, coherence_sd) plus
        ``min_prevalence`` (the smallest share of modelled terms any topic takes in any
        seed, :func:`~aidiscourse.analyses.topics.model.topic_prevalence`) and
        ``iterations_median``, ``iterations_max`` (iterations the fits used over seeds).
    """
    lengths = result.tm.lengths
    extra = []
    for m, k in result.selection[["model", "k"]].itertuples(index=False):
        runs = result.runs(m, k)
        extra.append({"model": m, "k": k,
                      "min_prevalence": float(min(topic_prevalence(f, lengths).min() for f in runs)),
                      "iterations_median": float(np.median([f.n_iter for f in runs])),
                      "iterations_max": int(max(f.n_iter for f in runs))})
    return result.selection.merge(pd.DataFrame(extra), on=["model", "k"], how="left")


def fit_iterations(result: Search) -> pd.DataFrame:
    """Iterations each fit of the search used: columns model, k, seed, iterations."""
    return pd.DataFrame([{"model": m, "k": k, "seed": s, "iterations": int(f.n_iter)}
                         for (m, k, s), f in result.fits.items()])


def degenerate(selection: pd.DataFrame, *, stability_above: float = DEGENERATE_STABILITY,
               sd_below: float = DEGENERATE_COHERENCE_SD,
               prevalence_share: float = DEGENERATE_PREVALENCE_SHARE) -> pd.Series:
    """Which (model, K) solutions are degenerate and take no part in the choice.

    A solution is degenerate when either

    * every seed finds the same topics: stability above ``stability_above`` and the
      coherence's standard deviation over seeds below ``sd_below``. The random start then
      changes nothing, so the stability measure, which exists to compare how much the
      start matters, has nothing to measure; or
    * a topic is nearly empty: in some seed, one topic takes less than
      ``prevalence_share`` of an even share (``1/K``) of the modelled terms, a
      factorisation artefact rather than a theme.

    A criterion whose column (``coherence_sd``, ``min_prevalence``) is missing is not applied.

    Parameters
    ----------
    selection : DataFrame
        Columns model, k, stability; optionally coherence_sd and min_prevalence
        (:func:`solution_table`).

    Returns
    -------
    Series of bool, aligned with ``selection``.

    Examples
    --------
    >>> sel = pd.DataFrame({"k": [4, 5, 6], "stability": [1.0, 0.8, 0.9], "coherence_sd": [0.0, 0.01, 0.02],
    ...                     "min_prevalence": [0.2, 0.1, 0.01]})
    >>> degenerate(sel).tolist()
    [True, False, True]
    """
    flags = pd.Series(False, index=selection.index)
    if "coherence_sd" in selection:
        flags |= (selection.stability > stability_above) & (selection.coherence_sd.fillna(0) < sd_below)
    if "min_prevalence" in selection:
        flags |= selection.min_prevalence < prevalence_share / selection.k
    return flags


def _rank_score(values: pd.Series) -> pd.Series:
    """Rank 1 for the highest value (ties share the mean rank)."""
    return values.rank(ascending=False, method="average")


def aggregate(selection: pd.DataFrame, *, method: str = "rank", coherence: str = "coherence_npmi",
              include_degenerate: bool = False) -> pd.DataFrame:
    """Combine coherence and stability into one order of the (model, K) solutions.

    Parameters
    ----------
    selection : DataFrame
        Columns model, k, stability and the ``coherence`` column (optionally the columns
        :func:`degenerate` reads).
    method : {"rank", "zscore", "minmax"}
        ``"rank"`` (the rule): each measure ranked over the pool (1 = best, ties share the
        mean rank), the solutions ordered by the mean of the two ranks; ``"zscore"``: the
        mean of the two standardised measures; ``"minmax"``: the mean of the two measures
        rescaled to [0, 1], which lets the two extreme solutions set the scale.
    coherence : str
        The coherence column (training or held-out).
    include_degenerate : bool
        Rank the degenerate solutions too.

    Returns
    -------
    DataFrame
        ``selection`` plus ``degenerate``; ``coherence_rank``, ``stability_rank`` and
        ``mean_rank`` (method ``"rank"``) or ``score`` (the others, higher is better);
        ``rank`` (1 = chosen, 2 = runner-up, ...; missing outside the pool); rows in the
        input order. Ties go to the smaller K, then to the model listed first in
        :data:`~aidiscourse.analyses.topics.model.MODELS`.
    """
    if method not in AGGREGATIONS:
        raise fail(f"unknown aggregation {method!r}; use one of {', '.join(AGGREGATIONS)}")
    out = selection.copy()
    out["degenerate"] = degenerate(out)
    pool = out if include_degenerate else out[~out.degenerate]
    if pool.empty:
        raise fail("every topic solution is degenerate: widen the range of K or check the passages")
    c, s = pool[coherence], pool.stability
    if method == "rank":
        out["coherence_rank"], out["stability_rank"] = _rank_score(c), _rank_score(s)
        out["mean_rank"] = (out.coherence_rank + out.stability_rank) / 2
        badness = out.mean_rank
    else:
        if method == "zscore":
            scaled = [(x - x.mean()) / x.std(ddof=0) if x.std(ddof=0) > 0 else x * 0.0 for x in (c, s)]
        else:
            scaled = [(x - x.min()) / (x.max() - x.min()) if x.max() > x.min() else x * 0.0 for x in (c, s)]
        out["score"] = (scaled[0] + scaled[1]) / 2
        badness = -out.score
    order = (out.assign(_bad=badness, _model=out.model.map({m: i for i, m in enumerate(MODELS)}).fillna(len(MODELS)))
             .loc[pool.index].sort_values(["_bad", "k", "_model"], kind="mergesort").index)
    out["rank"] = pd.Series(range(1, len(order) + 1), index=order, dtype="Int64")
    return out


def selection_scores(selection: pd.DataFrame) -> pd.DataFrame:
    """The rule's table: :func:`aggregate` by rank over the solutions that are not degenerate,
    with ``choice`` = ``"chosen"``, ``"runner-up"`` or ``""``."""
    out = aggregate(selection)
    out["choice"] = out["rank"].map({1: "chosen", 2: "runner-up"}).fillna("").astype(str)
    return out


def ranked(selection: pd.DataFrame, *, n: int = 2, **options) -> list[tuple[str, int]]:
    """The first ``n`` solutions of :func:`aggregate` (``options`` are passed to it), best first."""
    scored = aggregate(selection, **options).dropna(subset=["rank"]).sort_values("rank")
    return [(str(m), int(k)) for m, k in scored[["model", "k"]].head(n).itertuples(index=False)]


def choose(selection: pd.DataFrame, **options) -> tuple[str, int]:
    """The (model, K) with the best balance of coherence and stability.

    The rule (:func:`aggregate` with its defaults): solutions that are degenerate
    (:func:`degenerate`) are set aside; coherence and stability are ranked over the rest,
    both model families together (so that a model cannot win by being compared only with
    itself); the best mean rank wins, ties going to the smaller K, then to the model listed
    first in :data:`~aidiscourse.analyses.topics.model.MODELS`. Ranks, unlike a min-max
    rescaling, give an extreme solution no more weight than the next one.

    Parameters
    ----------
    selection : DataFrame
        Columns model, k, coherence_npmi, stability (and optionally coherence_sd,
        min_prevalence for the degeneracy rule).
    **options
        Passed to :func:`aggregate` (another method or coherence column).

    Examples
    --------
    >>> sel = pd.DataFrame({"model": ["lda", "lda", "nmf"], "k": [4, 5, 4],
    ...                     "coherence_npmi": [0.1, 0.3, 0.2], "stability": [0.9, 0.8, 0.5]})
    >>> choose(sel)
    ('lda', 5)
    """
    return ranked(selection, n=1, **options)[0]


def runner_up(selection: pd.DataFrame, **options) -> tuple[str, int]:
    """The solution ranked second by the rule of :func:`choose` (the chosen one if it is alone)."""
    best = ranked(selection, n=2, **options)
    return best[-1]


def alternative_choices(selection: pd.DataFrame) -> pd.DataFrame:
    """What other reasonable aggregation rules would choose.

    Returns
    -------
    DataFrame
        Columns rule, model, k, runner_up_model, runner_up_k; the first row is the rule.
        Held-out coherence is used when the table has ``coherence_heldout``.
    """
    rules = [("rank, without degenerate solutions (the rule)", {}),
             ("rank, all solutions", {"include_degenerate": True}),
             ("z-score, without degenerate solutions", {"method": "zscore"}),
             ("min-max, all solutions (the earlier rule)", {"method": "minmax", "include_degenerate": True})]
    if "coherence_heldout" in selection:
        rules.append(("rank with held-out coherence", {"coherence": "coherence_heldout"}))
    rows = []
    for name, options in rules:
        (m, k), (m2, k2) = ranked(selection, n=2, **options)
        rows.append({"rule": name, "model": m, "k": k, "runner_up_model": m2, "runner_up_k": k2})
    return pd.DataFrame(rows)


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


def heldout_coherence(
    terms: Sequence[Sequence[str]],
    groups: Sequence,
    *,
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

    terms = [list(map(str, t)) for t in terms]
    options = [list(ks), list(models), min_df, max_df, n_top, random_state, sklearn.__version__, np.__version__]
    key = fingerprint(TOPICS_CODE, extra=[json.dumps([terms, list(map(str, groups)), options], ensure_ascii=False)])
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
