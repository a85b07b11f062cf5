"""Statistics shared by the analyses: distances between profiles, and table ordering.

Small functions of arrays and tables, with no knowledge of the corpus, so every analysis
computes a thing one way.
"""
from __future__ import annotations

import hashlib
from collections.abc import Iterable, Sequence

import numpy as np
import pandas as pd
from scipy.spatial.distance import jensenshannon

from aidiscourse.config import SEED
from aidiscourse.errors import fail


def order_by_appearance(df: pd.DataFrame, key: str | Sequence[str], *, order: Sequence | None = None,
                        then: Sequence[str] = (), ascending: Sequence[bool] = ()) -> pd.DataFrame:
    """Sort rows by the position of their ``key`` in ``order``, then by ``then`` (stable).

    Parameters
    ----------
    df : DataFrame
    key : str or sequence of str
        Column(s) whose values are ranked; several columns rank by tuples.
    order : sequence, optional
        The values (tuples for several columns) in the wanted order; by default their
        order of first appearance in ``df``.
    then : sequence of str
        Further sort columns, each ascending unless ``ascending`` says otherwise.
    ascending : sequence of bool
        One flag per column of ``then``.

    Returns
    -------
    DataFrame
        Sorted, with a fresh 0..n-1 index.
    """
    cols = [key] if isinstance(key, str) else list(key)
    values = df[cols[0]].tolist() if len(cols) == 1 else [tuple(r) for r in df[cols].to_numpy().tolist()]
    if order is None:
        order = list(dict.fromkeys(values))
    rank = {v: i for i, v in enumerate(order)}
    flags = list(ascending) or [True] * len(then)
    out = df.assign(__rank=[rank.get(v, len(rank)) for v in values])
    out = out.sort_values(["__rank", *then], ascending=[True, *flags], kind="mergesort")
    return out.drop(columns="__rank").reset_index(drop=True)


def distance_matrix(profiles: pd.DataFrame, *, metric: str = "jensenshannon") -> pd.DataFrame:
    """Pairwise distances between the rows of a documents x features table.

    ``"jensenshannon"``: Jensen-Shannon distance (base 2, in [0, 1]) between the rows
    normalised to sum to one, computed as scipy's ``jensenshannon`` does, except that the
    divergence is clipped at 0 before its square root: for identical rows (a document
    added twice) rounding can leave a tiny negative number. ``"euclidean"``: Euclidean
    distance between raw rows.

    >>> distance_matrix(pd.DataFrame([[0.1, 0.7, 0.2], [0.1, 0.7, 0.2]], index=["a", "b"])).loc["a", "b"]
    np.float64(0.0)
    """
    from scipy.special import rel_entr

    X = profiles.to_numpy(dtype=float)
    n = len(X)
    D = np.zeros((n, n))
    for i in range(n):
        for j in range(i + 1, n):
            if metric == "jensenshannon":
                p, q = X[i] / X[i].sum(), X[j] / X[j].sum()
                p, q = p / np.sum(p), q / np.sum(q)  # as scipy normalises, so results stay identical
                m = (p + q) / 2.0
                js = (np.sum(rel_entr(p, m)) + np.sum(rel_entr(q, m))) / np.log(2)
                d = float(np.sqrt(max(js / 2.0, 0.0)))
            elif metric == "euclidean":
                d = float(np.linalg.norm(X[i] - X[j]))
            else:
                raise fail(f"unknown distance metric {metric!r}; use jensenshannon or euclidean")
            D[i, j] = D[j, i] = d
    return pd.DataFrame(D, index=profiles.index, columns=profiles.index)




def appearance_order(df: pd.DataFrame, key: str | Sequence[str]) -> list:
    """The values of ``key`` in order of first appearance: the default ``order`` of
    :func:`order_by_appearance` (scalars for one column, tuples for several).

    >>> appearance_order(pd.DataFrame({"doc_id": ["b", "a", "b"]}), "doc_id")
    ['b', 'a']
    """
    cols = [key] if isinstance(key, str) else list(key)
    values = df[cols[0]].tolist() if len(cols) == 1 else [tuple(r) for r in df[cols].to_numpy().tolist()]
    return list(dict.fromkeys(values))


# --- keyness: two corpora compared term by term ---------------------------------------------
# References: Dunning, T. (1993). Accurate methods for the statistics of surprise and
# coincidence. *Computational Linguistics* 19(1), 61-74. Hardie, A. (2014). Log Ratio: an
# informal introduction. CASS, Lancaster University. Benjamini, Y. and Hochberg, Y. (1995).
# Controlling the false discovery rate. *JRSS B* 57(1), 289-300.


def log_likelihood(a, b, c, d) -> np.ndarray:
    """Log-likelihood G2 of a term's frequency in a target against a reference corpus.

    The full 2x2 contingency form (Dunning 1993): with the table

    ============  ========  ==========
    ..            target    reference
    ============  ========  ==========
    term          a         b
    other words   c - a     d - b
    ============  ========  ==========

    ``G2 = 2 * sum(O * ln(O / E))`` over the four cells, with ``E`` the expected counts under
    independence and ``0 * ln 0 = 0``. This is the G test of independence of the table
    (``scipy.stats.chi2_contingency(..., correction=False, lambda_="log-likelihood")``). The
    two-cell shortcut of Rayson and Garside (2000), which drops the "other words" row, gives
    slightly smaller values. G2 is never negative; the direction is in :func:`log_ratio`.

    Parameters
    ----------
    a, b : array-like of int
        Count of the term in the target and in the reference.
    c, d : array-like of int
        Sizes (word tokens) of the target and the reference.

    Returns
    -------
    ndarray of float
        Broadcast shape of the inputs.

    Examples
    --------
    >>> round(float(log_likelihood(10, 0, 100, 100)), 4)  # 2*(10 ln 2 + 90 ln(90/95) + 100 ln(100/95))
    14.3895
    """
    a, b, c, d = np.broadcast_arrays(*(np.asarray(x, dtype=float) for x in (a, b, c, d)))
    n = c + d
    obs = np.stack([a, b, c - a, d - b])
    rows = np.stack([a + b, a + b, n - a - b, n - a - b])
    cols = np.stack([c, d, c, d])
    with np.errstate(divide="ignore", invalid="ignore"):
        exp = rows * cols / n
        cells = np.where(obs > 0, obs * np.log(obs / exp), 0.0)
    return 2 * cells.sum(axis=0)


def log_ratio(a, b, c, d, *, zero: float = 0.5) -> np.ndarray:
    """Log ratio (Hardie 2014): ``log2((a / c) / (b / d))``, the binary log of the ratio of
    relative frequencies. 1 means twice as frequent in the target; -1 half as frequent.

    A zero count is replaced by ``zero`` (0.5, Hardie's convention), so that terms absent
    from one side get a finite, conservative value.

    Parameters
    ----------
    a, b : array-like of int
        Count of the term in the target and in the reference.
    c, d : array-like of int
        Sizes of the target and the reference.

    Returns
    -------
    ndarray of float

    Examples
    --------
    >>> float(log_ratio(20, 10, 1000, 2000))
    2.0
    >>> float(log_ratio(4, 0, 100, 100))  # 0 -> 0.5
    3.0
    """
    a, b, c, d = (np.asarray(x, dtype=float) for x in (a, b, c, d))
    a = np.where(a == 0, zero, a)
    b = np.where(b == 0, zero, b)
    return np.log2((a / c) / (b / d))


def p_values(g2) -> np.ndarray:
    """p-values of G2 statistics (chi-squared with one degree of freedom).

    Parameters
    ----------
    g2 : array-like of float, shape (n,)

    Returns
    -------
    ndarray of float, shape (n,)
    """
    from scipy.stats import chi2

    return chi2.sf(np.asarray(g2, dtype=float), 1)


def adjust_bh(p) -> np.ndarray:
    """Benjamini-Hochberg adjusted p-values (``scipy.stats.false_discovery_control``).

    Parameters
    ----------
    p : array-like of float, shape (n,)

    Returns
    -------
    ndarray of float, shape (n,)
        In the input's order; an empty input stays empty.
    """
    from scipy.stats import false_discovery_control

    p = np.asarray(p, dtype=float)
    return false_discovery_control(p, method="bh") if len(p) else p


def jaccard(a: Iterable[str], b: Iterable[str]) -> float:
    """Jaccard index ``|A & B| / |A | B|`` of two sets (1.0 for two empty sets).

    >>> jaccard("abc", "bcd")
    0.5
    """
    a, b = set(a), set(b)
    return len(a & b) / len(a | b) if a | b else 1.0


def gries_dp(counts: Sequence[float], sizes: Sequence[float]) -> tuple[float, float]:
    """Gries's deviation of proportions DP (2008) and its normalised form DP_norm.

    ``DP = 0.5 * sum(|v_i - s_i|)`` with ``v_i`` the share of the term's occurrences in part i
    and ``s_i`` the part's share of the corpus. 0 means the term is spread exactly like the
    text; values near 1 mean it is concentrated in a small part. ``DP_norm = DP / (1 - min s_i)``
    (Lijffijt and Gries 2012, *IJCL* 17(1), 147-149) rescales to [0, 1].

    Parameters
    ----------
    counts : sequence of float, shape (k,)
        Occurrences of the term in each of ``k`` parts.
    sizes : sequence of float, shape (k,)
        Sizes of the parts.

    Returns
    -------
    (float, float)
        DP and DP_norm; both NaN if the term never occurs.

    Examples
    --------
    >>> gries_dp([1, 1], [10, 10])
    (0.0, 0.0)
    >>> gries_dp([2, 0], [10, 10])
    (0.5, 1.0)
    """
    v = np.asarray(counts, dtype=float)
    s = np.asarray(sizes, dtype=float)
    if v.sum() == 0:
        return float("nan"), float("nan")
    v, s = v / v.sum(), s / s.sum()
    dp = 0.5 * float(np.abs(v - s).sum())
    denom = float(1 - s.min())
    return dp, (dp / denom if denom > 0 else float("nan"))


# --- resampling -------------------------------------------------------------------------

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


def quasi_poisson_p(counts: np.ndarray, sizes: Sequence[float], target: Sequence[bool], *,
                    min_units: int = MIN_UNITS) -> np.ndarray:
    """Unit-level test that a rate differs between the target units and the others, allowing
    for the clustering of occurrences in units (quasi-Poisson, column by column).

    The counts of each unit are modelled as Poisson with mean ``size * rate``, one rate for
    the target and one for the rest. The likelihood-ratio statistic of the two rates against
    one (the two-cell G2) is divided by the overdispersion ``phi``, the Pearson statistic of
    the units over its degrees of freedom (McCullagh and Nelder 1989), and referred to
    F(1, degrees of freedom). Units of a side where the term never occurs are fitted exactly
    and say nothing of its dispersion, so they do not count as degrees of freedom. A term spread over the units as chance would spread it
    has ``phi`` near one and keeps its G2; a term packed into a few units has a large
    ``phi`` and loses it. ``phi`` is never taken below one, so the unit-level test is never
    more confident than the token-level one. Lijffijt et al. (2016) argue for testing at the
    level of the unit of sampling rather than the word.

    Parameters
    ----------
    counts : ndarray, shape (n_units, k)
        Occurrences of ``k`` variables (terms) in each unit.
    sizes : sequence of float, shape (n_units,)
        Size of each unit (word tokens), all positive.
    target : sequence of bool, shape (n_units,)
        The target's units.
    min_units : int
        With fewer target units than this (or no other unit) every p-value is NaN.

    Returns
    -------
    ndarray of float, shape (k,)
        NaN where no degree of freedom is left.

    Examples
    --------
    >>> target = np.arange(40) < 20                    # 20 units of 100 words against 20 others
    >>> packed = np.where(np.arange(40) == 0, 40, 0)   # 40 uses, all in one target unit
    >>> spread = np.where(target, 2, 0)                # 40 uses, two in every target unit
    >>> other = np.arange(40) % 2 * (~target)          # one use in every other unit of the rest
    >>> p = quasi_poisson_p(np.c_[packed + other, spread + other], np.full(40, 100.0), target)
    >>> bool(p[0] > 0.05), bool(p[1] < 0.001)
    (True, True)

    References
    ----------
    McCullagh, P. and Nelder, J. A. (1989). *Generalized Linear Models*, 2nd ed., ch. 4.5.
    Lijffijt, J. et al. (2016). Significance testing of word frequencies in corpora.
    *Digital Scholarship in the Humanities* 31(2), 374-397.
    """
    from scipy.special import xlogy
    from scipy.stats import f

    counts = np.asarray(counts, dtype=float)
    sizes = np.asarray(sizes, dtype=float)
    t = np.asarray(target, dtype=bool)
    if t.sum() < min_units or t.all():
        return np.full(counts.shape[1], np.nan)
    y_t, y_r = counts[t].sum(0), counts[~t].sum(0)
    n_t, n_r = sizes[t].sum(), sizes[~t].sum()
    pooled = (y_t + y_r) / (n_t + n_r)
    with np.errstate(invalid="ignore", divide="ignore"):
        g2 = 2 * (xlogy(y_t, y_t / (n_t * pooled)) + xlogy(y_r, y_r / (n_r * pooled)))
        fitted = sizes[:, None] * np.where(t[:, None], y_t / n_t, y_r / n_r)
        pearson = np.where(fitted > 0, (counts - fitted) ** 2 / fitted, 0.0).sum(0)
    # a side where the term never occurs fits its units exactly: they carry no information on
    # the dispersion, so they leave the degrees of freedom too
    df_resid = (fitted > 0).sum(0) - (y_t > 0) - (y_r > 0)
    with np.errstate(invalid="ignore", divide="ignore"):
        phi = np.maximum(np.where(df_resid > 0, pearson / df_resid, np.nan), 1.0)
        p = f.sf(np.nan_to_num(g2) / phi, 1, df_resid)
    return np.where(df_resid > 0, p, np.nan)
