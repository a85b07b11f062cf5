"""Tables as readers see them: human column labels, readable numbers, no index column."""
from __future__ import annotations

import math
from collections.abc import Mapping

import pandas as pd


def format_number(value, *, digits: int = 3) -> str:
    """A number with ``digits`` significant digits, integers as integers, NaN as a dash.

    >>> format_number(0.567191), format_number(1234.0), format_number(float("nan"))
    ('0.567', '1,234', '–')
    """
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "–"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, int) or (isinstance(value, float) and value.is_integer() and abs(value) >= 1):
        return f"{int(value):,}"
    return f"{value:.{digits}g}" if abs(value) < 1000 else f"{value:,.0f}"


def format_p(p: float) -> str:
    """A p-value as readers expect it.

    >>> format_p(3.171045e-22), format_p(0.0412), format_p(0.5)
    ('< 0.001', '0.041', '0.50')
    """
    if p is None or (isinstance(p, float) and math.isnan(p)):
        return "–"
    if p < 0.001:
        return "< 0.001"
    return f"{p:.3f}" if p < 0.1 else f"{p:.2f}"


def readable(df: pd.DataFrame, labels: Mapping[str, str], *, digits: int = 3, p_columns=(), percent_columns=()):
    """The columns of ``labels`` (in that order, renamed), numbers formatted, no index.

    Parameters
    ----------
    df : DataFrame
    labels : mapping of str to str
        Column -> heading shown to readers.
    digits : int
        Significant digits of floats.
    p_columns : iterable of str
        Columns holding p-values (shown as ``< 0.001``, ``0.041`` ...).
    percent_columns : iterable of str
        Columns holding shares in [0, 1] (shown as ``67%``).

    Returns
    -------
    pandas.io.formats.style.Styler
    """
    out = df[list(labels)].copy()
    for col in out.columns:
        if col in set(p_columns):
            out[col] = out[col].map(format_p)
        elif col in set(percent_columns):
            out[col] = out[col].map(lambda v: "–" if pd.isna(v) else f"{v:.0%}")
        elif pd.api.types.is_numeric_dtype(out[col]) and not pd.api.types.is_bool_dtype(out[col]):
            out[col] = out[col].map(lambda v: format_number(v, digits=digits))
        elif pd.api.types.is_bool_dtype(out[col]):
            out[col] = out[col].map(lambda v: "yes" if v else "no")
    # text from the documents must never become markup
    return out.rename(columns=dict(labels)).style.format(escape="html").hide(axis="index")
