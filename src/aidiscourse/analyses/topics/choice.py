"""The choice of a topic solution: degenerate solutions set aside, coherence and stability
ranked over the rest, the best mean rank chosen and the runner-up kept beside it."""
from __future__ import annotations

import pandas as pd

from aidiscourse.analyses.topics.model import (
    MODELS,
)
from aidiscourse.errors import fail

#: The degeneracy rule (:func:`degenerate`): every seed the same solution ...
DEGENERATE_STABILITY = 0.9999
DEGENERATE_COHERENCE_SD = 1e-6
#: ... or a topic with less than this fraction of an even share (1/K) of the modelled terms.
DEGENERATE_PREVALENCE_SHARE = 0.1
#: Ways to combine coherence and stability (:func:`aggregate`); the first is the rule.
AGGREGATIONS: tuple[str, ...] = ("rank", "zscore", "minmax")


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


