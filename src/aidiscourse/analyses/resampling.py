"""Resampling: the one cluster bootstrap behind every interval in the book.

The unit of sampling is the speaker turn in documents with enough turns, else the
paragraph (:func:`sampling_units`); :func:`cluster_draws` is the one resampling plan;
:func:`cluster_bootstrap`, :func:`ratio_interval` and :func:`mean_interval` give an estimate
and its percentile interval; :func:`group_rng` gives each group its own random stream.
"""
from __future__ import annotations

import hashlib
from collections.abc import Sequence

import numpy as np
import pandas as pd

from aidiscourse.config import SEED
from aidiscourse.errors import fail


#: No interval is reported from fewer resampling units than this.
MIN_UNITS = 10


def group_rng(random_state: int, *keys: object) -> np.random.Generator:
    """A random stream of its own for one group, seeded from ``random_state`` and the keys.

    Adding or removing a group leaves every other group's draws unchanged.

    >>> float(group_rng(1, "a").random()) == float(group_rng(1, "a").random())
    True
    """
    digest = hashlib.sha256("\x1f".join(map(str, keys)).encode("utf-8")).digest()
    return np.random.default_rng([random_state, int.from_bytes(digest[:8], "little")])


def cluster_draws(n_clusters: int, *, n_boot: int = 2000,
                  random_state: int | np.random.Generator = SEED) -> np.ndarray:
    """The resampling plan of :func:`cluster_bootstrap`: how often each cluster is drawn.

    Returns
    -------
    ndarray of shape (n_boot, n_clusters), int
        Row ``b`` counts how many times each cluster enters draw ``b`` (rows sum to
        ``n_clusters``).
    """
    rng = random_state if isinstance(random_state, np.random.Generator) else np.random.default_rng(random_state)
    picks = rng.integers(0, n_clusters, size=(n_boot, n_clusters))
    counts = np.zeros((n_boot, n_clusters), dtype=np.int64)
    np.add.at(counts, (np.arange(n_boot)[:, None], picks), 1)
    return counts


def _interval(estimate: float, draws: np.ndarray, level: float) -> tuple[float, float, float]:
    draws = draws[np.isfinite(draws)]
    if len(draws) == 0:
        return estimate, float("nan"), float("nan")
    lo, hi = np.quantile(draws, [(1 - level) / 2, (1 + level) / 2])
    return estimate, float(lo), float(hi)


def cluster_bootstrap(clusters: Sequence, statistic, *, n_boot: int = 2000, level: float = 0.95,
                      random_state: int | np.random.Generator = SEED, min_units: int = MIN_UNITS
                      ) -> tuple[float, float, float]:
    """A statistic and its percentile interval from resampling whole clusters.

    The unit of sampling is the cluster (a paragraph, or a speaker turn), not the row: rows
    of one paragraph share its topic and its speaker's voice, so resampling rows would
    treat them as independent and give intervals that are too narrow.

    Parameters
    ----------
    clusters : sequence, shape (n_rows,)
        The cluster of every row (any hashable labels).
    statistic : callable
        ``statistic(weights) -> float`` for an array of row weights, shape (n_rows,): how
        many times each row enters the sample (all ones for the estimate itself).
    n_boot : int
        Number of draws.
    level : float
        Coverage of the interval.
    random_state : int or Generator
        Seed (default :data:`aidiscourse.config.SEED`) or a generator, e.g. :func:`group_rng`.
    min_units : int
        With fewer clusters than this the interval is NaN: no interval is reported.

    Returns
    -------
    (estimate, low, high) : tuple of float
    """
    codes, first = pd.factorize(pd.Series(list(clusters)), sort=False)
    estimate = float(statistic(np.ones(len(codes))))
    if len(first) < min_units:
        return estimate, float("nan"), float("nan")
    counts = cluster_draws(len(first), n_boot=n_boot, random_state=random_state)
    draws = np.array([statistic(row[codes].astype(float)) for row in counts])
    return _interval(estimate, draws, level)


def ratio_interval(numerator: Sequence[float], denominator: Sequence[float], clusters: Sequence, *,
                   scale: float = 1.0, n_boot: int = 2000, level: float = 0.95,
                   random_state: int | np.random.Generator = SEED, min_units: int = MIN_UNITS
                   ) -> tuple[float, float, float]:
    """``scale * sum(numerator) / sum(denominator)`` with its :func:`cluster_bootstrap` interval.

    Computed from per-cluster sums, so it is fast; the draws are those of
    :func:`cluster_draws`, as for every interval in the book.

    >>> est, lo, hi = ratio_interval([1] * 20, [2] * 20, range(20))
    >>> est, lo == hi == 0.5
    (0.5, True)
    """
    a, b = np.asarray(numerator, dtype=float), np.asarray(denominator, dtype=float)
    codes, first = pd.factorize(pd.Series(list(clusters)), sort=False)
    total_b = b.sum()
    estimate = float(scale * a.sum() / total_b) if total_b > 0 else float("nan")
    if len(first) < min_units:
        return estimate, float("nan"), float("nan")
    sums_a = np.bincount(codes, weights=a, minlength=len(first))
    sums_b = np.bincount(codes, weights=b, minlength=len(first))
    counts = cluster_draws(len(first), n_boot=n_boot, random_state=random_state)
    with np.errstate(invalid="ignore", divide="ignore"):
        draws = scale * (counts @ sums_a) / (counts @ sums_b)
    return _interval(estimate, draws, level)


def ratio_intervals(numerators: np.ndarray, denominator: Sequence[float], clusters: Sequence, *,
                    scale: float = 1.0, n_boot: int = 2000, level: float = 0.95,
                    random_state: int | np.random.Generator = SEED, min_units: int = MIN_UNITS
                    ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """:func:`ratio_interval` for many numerators over one denominator, with shared draws.

    Every column is resampled with the same draws of the clusters (one plan, as for a
    single ratio), so the cost is one matrix product however many columns there are.

    Parameters
    ----------
    numerators : ndarray, shape (n_rows, n_columns)
    denominator : sequence of float, shape (n_rows,)
    clusters : sequence, shape (n_rows,)

    Returns
    -------
    estimate, low, high : ndarray, shape (n_columns,)
        NaN bounds when there are fewer than ``min_units`` clusters.

    >>> est, lo, hi = ratio_intervals(np.ones((20, 2)), [2] * 20, range(20))
    >>> est.tolist(), lo.tolist() == hi.tolist() == [0.5, 0.5]
    ([0.5, 0.5], True)
    """
    a, b = np.asarray(numerators, dtype=float), np.asarray(denominator, dtype=float)
    codes, first = pd.factorize(pd.Series(list(clusters)), sort=False)
    total_b = b.sum()
    estimate = scale * a.sum(axis=0) / total_b if total_b > 0 else np.full(a.shape[1], np.nan)
    nan = np.full(a.shape[1], np.nan)
    if len(first) < min_units:
        return estimate, nan, nan.copy()
    sums_a = np.zeros((len(first), a.shape[1]))
    np.add.at(sums_a, codes, a)
    sums_b = np.bincount(codes, weights=b, minlength=len(first))
    counts = cluster_draws(len(first), n_boot=n_boot, random_state=random_state)
    with np.errstate(invalid="ignore", divide="ignore"):
        draws = scale * (counts @ sums_a) / (counts @ sums_b)[:, None]
    lo, hi = np.nanquantile(draws, [(1 - level) / 2, (1 + level) / 2], axis=0)
    return estimate, lo, hi


def mean_interval(values: Sequence[float], clusters: Sequence, **options) -> tuple[float, float, float]:
    """Mean of ``values`` with its :func:`cluster_bootstrap` interval (options as there)."""
    v = np.asarray(values, dtype=float)
    return ratio_interval(v, np.ones(len(v)), clusters, **options)


def sampling_units(df: pd.DataFrame, *, min_units: int = MIN_UNITS) -> pd.Series:
    """The resampling unit of every row: its speaker turn, or its paragraph.

    A document's rows are clustered by speaker turn when it has at least ``min_units``
    turns (an interview), else by paragraph (an essay, or a seminar of a few long
    speeches). Every interval in the book resamples these units.

    Parameters
    ----------
    df : DataFrame
        Needs doc_id, paragraph and turn (0 where a document has no turns).

    Returns
    -------
    Series of str
        ``"<doc_id>/t<turn>"`` or ``"<doc_id>/p<paragraph>"``, aligned with ``df``.
    """
    turns = df.loc[df["turn"] > 0].groupby("doc_id")["turn"].nunique()
    by_turn = df["doc_id"].map(turns).fillna(0).to_numpy() >= min_units
    doc = df["doc_id"].astype(str).to_numpy()
    turn = df["turn"].astype(int).astype(str).to_numpy()
    par = df["paragraph"].astype(int).astype(str).to_numpy()
    return pd.Series(np.where(by_turn, np.char.add(np.char.add(doc, "/t"), turn),
                              np.char.add(np.char.add(doc, "/p"), par)), index=df.index)


#: The resampling units :func:`resampling_units` knows.
UNITS = ("sampling", "paragraph", "sentence")


def resampling_units(df: pd.DataFrame, *, unit: str = "sampling") -> pd.Series:
    """The resampling unit of every row under a named choice of unit.

    ``"sampling"`` is :func:`sampling_units`, the unit of every interval in the book;
    ``"paragraph"`` ignores speaker turns; ``"sentence"`` makes every row its own unit,
    the naive bootstrap that treats sentences as independent (for comparison only).

    Parameters
    ----------
    df : DataFrame
        Needs doc_id, and paragraph and turn for the first two choices.
    unit : {"sampling", "paragraph", "sentence"}

    Returns
    -------
    Series of str
        Aligned with ``df``.

    Raises
    ------
    AidiscourseError
        For an unknown unit.

    >>> t = pd.DataFrame({"doc_id": ["a", "a"], "paragraph": [1, 1], "turn": [0, 0]})
    >>> list(resampling_units(t, unit="sentence")), list(resampling_units(t, unit="paragraph"))
    (['a/s0', 'a/s1'], ['a/p1', 'a/p1'])
    """
    if unit == "sampling":
        return sampling_units(df)
    doc = df["doc_id"].astype(str).to_numpy()
    if unit == "paragraph":
        label = np.char.add("/p", df["paragraph"].astype(int).astype(str).to_numpy())
    elif unit == "sentence":
        label = np.char.add("/s", np.arange(len(df)).astype(str))
    else:
        raise fail(f"unknown resampling unit {unit!r}; use one of {', '.join(UNITS)}")
    return pd.Series(np.char.add(doc, label), index=df.index)


def interval_widening(wide: pd.DataFrame, narrow: pd.DataFrame, *, on: Sequence[str]) -> pd.DataFrame:
    """How much wider one set of intervals is than another for the same estimates.

    Parameters
    ----------
    wide, narrow : DataFrame
        Tables with the ``on`` columns and ci_low, ci_high (e.g. the same rates
        bootstrapped over sampling units and over sentences).
    on : sequence of str
        Columns that identify an estimate.

    Returns
    -------
    DataFrame
        ``on`` columns, width (of ``wide``), width_narrow and ratio (width / width_narrow;
        NaN where either width is missing or the narrow one is zero); rows of ``wide``.
    """
    on = list(on)
    w = wide[on].assign(width=wide["ci_high"] - wide["ci_low"])
    n = narrow[on].assign(width_narrow=narrow["ci_high"] - narrow["ci_low"])
    out = w.merge(n, on=on, how="left")
    with np.errstate(divide="ignore", invalid="ignore"):
        out["ratio"] = np.where(out["width_narrow"] > 0, out["width"] / out["width_narrow"], np.nan)
    return out
