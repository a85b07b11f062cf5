"""Writing the book's findings to ``results/`` as CSV files that diff cleanly.

Rows are sorted, floats are rounded to a fixed number of significant digits, line
endings are ``\\n`` and a file is rewritten only when its content changes. No timestamp
is ever written into a result table.
"""
from __future__ import annotations

from pathlib import Path
from typing import Sequence

import numpy as np
import pandas as pd

from aidiscourse.config import Paths, project_paths

#: Significant digits kept for floats in result tables.
FLOAT_DIGITS = 6


def _round(series: pd.Series, digits: int) -> pd.Series:
    values = series.to_numpy(dtype=float)
    with np.errstate(divide="ignore", invalid="ignore"):
        mags = np.where(values == 0, 0, np.floor(np.log10(np.abs(values))))
    mags = np.nan_to_num(mags, nan=0.0, posinf=0.0, neginf=0.0)
    decimals = (digits - 1 - mags).astype(int)
    rounded = [round(v, d) if np.isfinite(v) else v for v, d in zip(values, decimals)]
    return pd.Series(rounded, index=series.index, dtype=float)


def format_table(df: pd.DataFrame, *, sort_by: Sequence[str], digits: int = FLOAT_DIGITS) -> str:
    """Return a result table as CSV text: sorted by ``sort_by``, floats rounded.

    Parameters
    ----------
    df : DataFrame
    sort_by : sequence of str
        Columns that order the rows (ties keep no meaning: list enough columns to make
        the order total).
    digits : int
        Significant digits for float columns.
    """
    out = df.copy()
    for col in out.columns:
        if pd.api.types.is_float_dtype(out[col]):
            out[col] = _round(out[col], digits)
    out = out.sort_values(list(sort_by), kind="mergesort").reset_index(drop=True)
    return out.to_csv(index=False, lineterminator="\n", float_format=f"%.{digits}g")


def write_table(df: pd.DataFrame, name: str, *, sort_by: Sequence[str], paths: Paths | None = None,
                digits: int = FLOAT_DIGITS) -> Path:
    """Write ``results/<name>`` (see :func:`format_table`); return its path."""
    paths = paths or project_paths()
    target = paths.results / name
    target.parent.mkdir(parents=True, exist_ok=True)
    text = format_table(df, sort_by=sort_by, digits=digits)
    if not target.is_file() or target.read_text(encoding="utf-8") != text:
        target.write_text(text, encoding="utf-8")
    return target


def read_table(name: str, paths: Paths | None = None) -> pd.DataFrame:
    """Read a result table back."""
    paths = paths or project_paths()
    return pd.read_csv(paths.results / name, keep_default_na=False)


def data_link(name: str) -> str:
    """The link, from a chapter page, to a result file published with the book."""
    return f"../results/{name}"


def glue_values(values: dict[str, object]) -> None:
    """Glue every ``name: value`` pair for the prose (myst-nb), without displaying it.

    One call per cell keeps bookkeeping out of the chapters' code.
    """
    from myst_nb import glue

    for name, value in values.items():
        glue(name, value, display=False)
