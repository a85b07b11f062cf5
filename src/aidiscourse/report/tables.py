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


_WORDS_EN = ("no", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten")
_DIGITS_ZH = "零一二三四五六七八九"


def count_in_words(n: int, *, language: str = "en") -> str:
    """A count as prose writes it: words up to ten, digits above.

    >>> count_in_words(5), count_in_words(5, language="zh"), count_in_words(1200), count_in_words(30, language="zh")
    ('five', '五', '1,200', '30')
    """
    if language not in ("en", "zh"):
        raise ValueError(f"language must be 'en' or 'zh', not {language!r}")
    if not 0 <= n <= 10:
        return f"{n:,}"
    if language == "en":
        return _WORDS_EN[n]
    return "十" if n == 10 else _DIGITS_ZH[n]


def format_p(p: float) -> str:
    """A p-value as readers expect it.

    >>> format_p(3.171045e-22), format_p(0.0412), format_p(0.5)
    ('< 0.001', '0.041', '0.50')
    """
    if p is None or (isinstance(p, float) and math.isnan(p)):
        return "–"
    if isinstance(p, str):  # formatted already
        return p
    if p < 0.001:
        return "< 0.001"
    return f"{p:.3f}" if p < 0.1 else f"{p:.2f}"


#: Headings of columns that recur across the chapters' tables (others: underscores as spaces).
COLUMN_LABELS = {
    "doc_id": "document", "doc_id_a": "document", "doc_id_b": "other document", "g2": "G2",
    "log_ratio": "log ratio", "p": "p", "p_adj": "adjusted p", "p_adj_paragraph": "adjusted p (passages)",
    "ci_low": "95% low", "ci_high": "95% high", "per_10k": "per 10,000 words", "n": "n",
    "dp": "DP (dispersion)", "dp_random": "DP of random placement", "jaccard": "Jaccard", "k": "K",
    "npmi": "coherence (NPMI)", "coherence_npmi": "coherence (NPMI)", "top_n": "top N",
}


def column_label(name) -> str:
    """The heading readers see for a column (:data:`COLUMN_LABELS`, else the name with spaces).

    >>> column_label("p_adj"), column_label("only_with_dict")
    ('adjusted p', 'only with dict')
    """
    if isinstance(name, tuple):
        return " / ".join(column_label(n) for n in name if str(n))
    return COLUMN_LABELS.get(str(name), str(name).replace("_", " "))


def readable(df: pd.DataFrame, labels: Mapping[str, str] | None = None, *, digits: int = 3, p_columns=None,
             percent_columns=()):
    """The columns of ``labels`` (in that order, renamed), numbers formatted, no index.

    Parameters
    ----------
    df : DataFrame
    labels : mapping of str to str, optional
        Column -> heading shown to readers. By default every column, headed by
        :func:`column_label`, with a named index shown as columns first.
    digits : int
        Significant digits of floats.
    p_columns : iterable of str, optional
        Columns holding p-values (shown as ``< 0.001``, ``0.041`` ...); by default
        ``p`` and the columns whose names start with ``p_``.
    percent_columns : iterable of str
        Columns holding shares in [0, 1] (shown as ``67%``).

    Returns
    -------
    pandas.io.formats.style.Styler
    """
    if labels is None:
        if any(name is not None for name in df.index.names):
            df = df.reset_index()
        labels = {c: column_label(c) for c in df.columns}
    if p_columns is None:
        p_columns = [c for c in labels if str(c) == "p" or str(c).startswith("p_")]
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
    out.columns = [labels[c] for c in labels]  # also flattens two-level headings
    return out.style.format(escape="html").hide(axis="index")


def show_tables_readably() -> None:
    """Show every DataFrame a notebook cell returns through :func:`readable`.

    Registered with IPython's HTML formatter, so a chapter's tables have no index column,
    human headings and readable numbers without a call in every cell; outside IPython it
    does nothing.
    """
    from IPython import get_ipython

    shell = get_ipython()
    if shell is not None:
        shell.display_formatter.formatters["text/html"].for_type(pd.DataFrame, lambda df: readable(df).to_html())
