"""Statistics shared by the analyses: distances between profiles, table ordering, the
keyness statistics and dispersion (resampling is :mod:`aidiscourse.analyses.resampling`).

Small functions of arrays and tables, with no knowledge of the corpus, so every analysis
computes a thing one way.
"""
from __future__ import annotations

from collections.abc import Iterable, Sequence

import numpy as np
import pandas as pd

from aidiscourse.analyses.resampling import MIN_UNITS
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
    normalised to sum to one: scipy's ``jensenshannon`` up to rounding, except that a
    divergence below eight machine epsilons counts as 0 before its square root (rows equal
    up to rounding, a document added twice, are at distance 0, never NaN).
    ``"euclidean"``: Euclidean distance between raw rows.

    >>> distance_matrix(pd.DataFrame([[0.1, 0.7, 0.2], [0.1, 0.7, 0.2]], index=["a", "b"])).loc["a", "b"]
    np.float64(0.0)
    """
    from scipy.sparse import csr_array

    if metric not in ("jensenshannon", "euclidean"):
        raise fail(f"unknown distance metric {metric!r}; use jensenshannon or euclidean")
    X = profiles.to_numpy(dtype=float)
    n = len(X)
    D = np.zeros((n, n))
    if metric == "euclidean":
        for i in range(n - 1):
            D[i, i + 1 :] = np.linalg.norm(X[i + 1 :] - X[i], axis=1)
    else:
        P = X / X.sum(axis=1, keepdims=True)
        P = P / P.sum(axis=1, keepdims=True)  # as scipy normalises
        logs = np.log(P, out=np.zeros_like(P), where=P > 0)  # each logarithm once, not per pair
        sparse = csr_array(P)
        for i in range(n - 1):
            # One row against all later rows, on the first row's support only: a term of
            # q outside it has m = q/2 and adds q*ln 2, so only its mass there is needed
            # (a sparse product, exactly 0 when there is none). Hundreds of documents of
            # thousands of terms cost seconds this way, not minutes.
            inside = P[i] > 0
            cols = np.flatnonzero(inside)
            p, log_p = P[i, cols], logs[i, cols]
            Q, log_Q = P[i + 1 :, cols], logs[i + 1 :, cols]
            log_M = np.log((p + Q) / 2.0)
            outside = sparse[i + 1 :] @ (~inside).astype(float)
            nats = (p * (log_p - log_M)).sum(axis=1) + (Q * (log_Q - log_M)).sum(axis=1) + np.log(2) * outside
            divergence = nats / np.log(2) / 2.0
            # rows equal up to rounding (a document and its repost) leave a divergence of
            # the order of machine epsilon, either sign: that is 0, not a distance of 1e-8
            D[i, i + 1 :] = np.sqrt(np.where(divergence < 8 * np.finfo(float).eps, 0.0, divergence))
    D = D + D.T
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
    counts = np.asarray(counts, dtype=float)
    sizes = np.asarray(sizes, dtype=float)
    t = np.asarray(target, dtype=bool)
    return quasi_poisson_p_from_sums(*unit_sums(counts[t], sizes[t]), *unit_sums(counts[~t], sizes[~t]),
                                     min_units=min_units)


def unit_sums(counts, sizes: np.ndarray) -> tuple[np.ndarray, np.ndarray, float, int]:
    """The sufficient statistics of :func:`quasi_poisson_p` for one side's units.

    Parameters
    ----------
    counts : ndarray or scipy.sparse array, shape (n_units, k)
    sizes : ndarray, shape (n_units,)
        All positive.

    Returns
    -------
    total : ndarray, shape (k,)
        Occurrences of each variable.
    squares : ndarray, shape (k,)
        Sum over units of ``count ** 2 / size``.
    size : float
        Sum of the sizes.
    n_units : int
    """
    from scipy import sparse

    sizes = np.asarray(sizes, dtype=float)
    counts = sparse.csr_array(counts, dtype=float)
    squares = sparse.diags_array(1 / sizes) @ counts.multiply(counts)
    return (np.asarray(counts.sum(axis=0)).ravel(), np.asarray(squares.sum(axis=0)).ravel(),
            float(sizes.sum()), len(sizes))


def quasi_poisson_p_from_sums(y_t: np.ndarray, q_t: np.ndarray, n_t: float, m_t: int,
                              y_r: np.ndarray, q_r: np.ndarray, n_r: float, m_r: int, *,
                              min_units: int = MIN_UNITS) -> np.ndarray:
    """:func:`quasi_poisson_p` from each side's :func:`unit_sums` (target first, then the rest).

    With fewer than ``min_units`` target units, or no other unit, every p-value is NaN.

    The Pearson statistic of a side with rate ``r = y / n`` is
    ``sum((count - size * r) ** 2 / (size * r)) = q / r - y``, so one pass over the units
    gives every side's statistic; comparing each of many groups with the rest then needs
    only the group's own units (the rest's sums are the totals minus the group's).
    """
    from scipy.special import xlogy
    from scipy.stats import f

    y_t, y_r, q_t, q_r = (np.asarray(v, dtype=float) for v in (y_t, y_r, q_t, q_r))
    if m_t < min_units or m_r == 0:
        return np.full(len(y_t), np.nan)
    pooled = (y_t + y_r) / (n_t + n_r)
    with np.errstate(invalid="ignore", divide="ignore"):
        g2 = 2 * (xlogy(y_t, y_t / (n_t * pooled)) + xlogy(y_r, y_r / (n_r * pooled)))
        pearson = (np.where(y_t > 0, q_t * n_t / np.where(y_t > 0, y_t, 1) - y_t, 0.0)
                   + np.where(y_r > 0, q_r * n_r / np.where(y_r > 0, y_r, 1) - y_r, 0.0))
    # a side where the term never occurs fits its units exactly: they carry no information on
    # the dispersion, so they leave the degrees of freedom too
    df_resid = (y_t > 0) * (m_t - 1) + (y_r > 0) * (m_r - 1)
    with np.errstate(invalid="ignore", divide="ignore"):
        phi = np.maximum(np.where(df_resid > 0, pearson / df_resid, np.nan), 1.0)
        p = f.sf(np.nan_to_num(g2) / phi, 1, df_resid)
    return np.where(df_resid > 0, p, np.nan)
