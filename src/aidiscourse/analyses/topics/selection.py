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

from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from aidiscourse.analyses.topics.model import K_RANGE  # noqa: F401
from aidiscourse.analyses.topics.choice import (AGGREGATIONS, DEGENERATE_COHERENCE_SD,  # noqa: F401
                                                DEGENERATE_PREVALENCE_SHARE, DEGENERATE_STABILITY,  # noqa: F401
    aggregate,
    alternative_choices,
    choose,
    degenerate,
    ranked,
    runner_up,
    selection_scores,
)
from aidiscourse.analyses.topics.measures import (  # noqa: F401
    cosine_matrix,
    heldout_coherence,
    sample_rows,
    match_topics,
    npmi_coherence,
    occurrence_matrix,
    split_passages,
    topic_stability,
)
from aidiscourse.analyses.topics.model import (
    MODELS,
    N_TOP,
    Fit,
    TermMatrix,
    fit_topics,
    order_by_prevalence,
    top_term_indices,
    topic_prevalence,
)
from aidiscourse.analyses.topics.search_cache import read_fits, write_fits
from aidiscourse.config import SEED

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
        :data:`SEARCH_SAMPLE`); then ``fits`` holds only the fits of the chosen and the
        runner-up K, for every family and seed, made on all rows, and ``grid`` the fits
        the measures come from. None when every fit used every row.
    grid : dict of (model, k, seed) -> Fit, or None
        The fits on the sample, when the grid was sampled.
    """

    tm: TermMatrix
    fits: dict[Task, Fit] = field(repr=False)
    per_seed: pd.DataFrame
    selection: pd.DataFrame
    seeds: list[int]
    sample: np.ndarray | None = None
    grid: dict[Task, Fit] | None = field(default=None, repr=False)

    @property
    def grid_fits(self) -> dict[Task, Fit]:
        """The fits the measures come from: on the sample, or every fit when unsampled."""
        return self.fits if self.grid is None else self.grid

    @property
    def grid_tm(self) -> TermMatrix:
        """The matrix the grid was fitted on (the sampled rows of ``tm``, or ``tm``)."""
        return self.tm if self.sample is None else _rows(self.tm, self.sample)

    def runs(self, model: str, k: int) -> list[Fit]:
        """The fits of one (model, K) on all passages, in seed order."""
        return [self.fits[(model, k, s)] for s in self.seeds]


def _rows(tm: TermMatrix, rows: np.ndarray) -> TermMatrix:
    return TermMatrix(tm.counts[rows], tm.tfidf[rows], tm.vocabulary)


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
        passages, and the chosen and the runner-up K (by :func:`ranked` over
        :func:`solution_table`, the chapter's rule) are refitted, for every family and
        seed, on all passages.

    Returns
    -------
    Search
        ``per_seed``: model, k, seed, coherence_npmi (mean over topics);
        ``selection``: model, k, coherence_npmi (mean over seeds), stability,
        coherence_sd (standard deviation over seeds); both measured on the rows the
        grid was fitted on.
    """
    rows = sample_rows(tm.counts.shape[0], sample, random_state=random_state)
    run_seeds = seeds(n_seeds or (N_SEEDS if rows is None else N_SEEDS_AT_SCALE), random_state=random_state)
    grid_tm = tm if rows is None else _rows(tm, rows)
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
    if rows is None:
        return Search(tm, fits, per_seed, selection, run_seeds)
    # the chosen and the runner-up K (by the rule the chapter applies), every family and
    # seed, on every passage
    table = _with_fit_summaries(selection, fits, grid_tm.lengths, run_seeds)
    ks_full = sorted({k for _, k in ranked(table, n=2)})
    full = [(m, k, s) for m in models for k in ks_full for s in run_seeds]
    refits = _cached_fits(tm, full, n_jobs, scheduler, None if cache_dir is None else Path(cache_dir) / "chosen")
    return Search(tm, refits, per_seed, selection, run_seeds, rows, grid=fits)


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
    >>> from scipy import sparse
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
            f"coherence (in-sample and held-out) and stability are measured on that sample; the chosen and the runner-up K "
            f"are then fitted on all {n:,} passages, for both families and every seed.")


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
    return _with_fit_summaries(result.selection, result.grid_fits, result.grid_tm.lengths, result.seeds)


def _with_fit_summaries(selection: pd.DataFrame, fits: dict[Task, Fit], lengths: np.ndarray,
                        run_seeds: Sequence[int]) -> pd.DataFrame:
    extra = []
    for m, k in selection[["model", "k"]].itertuples(index=False):
        runs = [fits[(m, k, s)] for s in run_seeds]
        extra.append({"model": m, "k": k,
                      "min_prevalence": float(min(topic_prevalence(f, lengths).min() for f in runs)),
                      "iterations_median": float(np.median([f.n_iter for f in runs])),
                      "iterations_max": int(max(f.n_iter for f in runs))})
    return selection.merge(pd.DataFrame(extra), on=["model", "k"], how="left")


def fit_iterations(result: Search) -> pd.DataFrame:
    """Iterations each fit of the grid used: columns model, k, seed, iterations."""
    return pd.DataFrame([{"model": m, "k": k, "seed": s, "iterations": int(f.n_iter)}
                         for (m, k, s), f in result.grid_fits.items()])


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
