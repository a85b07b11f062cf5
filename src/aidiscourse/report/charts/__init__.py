"""Altair charts, one module per chapter; notebooks call these and :func:`aidiscourse.report.render.show`.

Every chart fits a 1,000 px page: at most :data:`FACET_COLUMNS` panels a row, single views as
wide as their container. A chart with one panel, bar or row per document draws at most
:data:`MAX_DOCUMENT_PANELS` documents; above that it shows a stated selection of documents
(:func:`select_documents`) beside a summary of all of them, and says so in its subtitle. Data
are aggregated before they reach a chart, so none carries more rows than Altair embeds
(:data:`MAX_CHART_ROWS`).
"""
from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import altair as alt
import numpy as np
import pandas as pd

#: Most documents drawn as separate panels, bars or rows; above it charts summarise.
MAX_DOCUMENT_PANELS = 12
#: Most panels in a row of a faceted chart.
FACET_COLUMNS = 3
#: Rows Altair embeds in a spec before it refuses (its default ``max_rows``).
MAX_CHART_ROWS = 5000
#: Width in pixels a chart may use: a chapter's output area is 724 px wide at a 1,000 px
#: window and 676 px at 1,280 px (where the page's contents column appears).
PAGE_WIDTH = 660


@dataclass(frozen=True)
class Selection:
    """The documents a chart draws one by one.

    Attributes
    ----------
    documents : list of str
        The documents drawn, in display order.
    total : int
        The number of documents there are.
    note : str
        A sentence saying which documents were selected; empty when all are drawn.
    """

    documents: list[str]
    total: int
    note: str

    @property
    def partial(self) -> bool:
        """True when only some documents are drawn."""
        return len(self.documents) < self.total


def select_documents(scores: pd.Series, *, criterion: str, order: Sequence[str] | None = None,
                     n: int = MAX_DOCUMENT_PANELS, ascending: bool = False) -> Selection:
    """Every document when there are at most ``n``, else the ``n`` with the highest score.

    Parameters
    ----------
    scores : Series
        One score per document, indexed by doc_id.
    criterion : str
        What the score ranks, for the note ("with the most word tokens").
    order : sequence of str, optional
        Display order of the documents (default: the order of ``scores``).
    n : int
        Most documents to draw.
    ascending : bool
        Select the lowest scores instead.

    Returns
    -------
    Selection
    """
    order = list(dict.fromkeys(order if order is not None else scores.index))
    order = [d for d in order if d in scores.index] or list(scores.index)
    if len(order) <= n:
        return Selection(order, len(order), "")
    # ties broken by doc_id so that the selection does not depend on row order
    ranked = (scores.rename("score").rename_axis("doc_id").reset_index()
              .sort_values(["score", "doc_id"], ascending=[ascending, True]))
    chosen = set(ranked.doc_id.head(n))
    return Selection([d for d in order if d in chosen], len(order),
                     f"Shown: the {n} of {len(order):,} documents {criterion}.")


def spread_selection(values: pd.Series, *, criterion: str, n: int = MAX_DOCUMENT_PANELS) -> Selection:
    """The ``n`` documents with the lowest and highest values (half each), lowest first.

    Parameters
    ----------
    values : Series
        One value per document, indexed by doc_id.
    criterion : str
        What the value is, for the note ("mean tone").
    n : int
    """
    ranked = values.rename("value").rename_axis("doc_id").reset_index().sort_values(["value", "doc_id"])
    if len(ranked) <= n:
        return Selection(list(ranked.doc_id), len(ranked), "")
    low, high = ranked.head(n // 2), ranked.tail(n - n // 2)
    return Selection(list(low.doc_id) + list(high.doc_id), len(ranked),
                     f"Shown: the {n // 2} documents with the lowest and the {n - n // 2} with the highest "
                     f"{criterion}, of {len(ranked):,}.")


def titled(title: str, selection: Selection | None = None, *, extra: str = "") -> alt.Title:
    """A chart title whose subtitle says which documents are drawn.

    Parameters
    ----------
    title : str
    selection : Selection, optional
    extra : str
        A further sentence for the subtitle (what the summary shows).
    """
    lines = [s for s in ((selection.note if selection else ""), extra) if s]
    return alt.Title(title, subtitle=lines or alt.Undefined, anchor="start")


def panel_width(columns: int, *, gap: int = 70, total: int = PAGE_WIDTH) -> int:
    """Width of one panel so that ``columns`` panels, with axes and gaps, fit ``total`` px."""
    return max(120, total // max(columns, 1) - gap)


def facet_columns(n_panels: int) -> int:
    """Panels a row: at most :data:`FACET_COLUMNS`, never more than there are panels, so
    that no row ends in empty panels when fewer panels would fill it evenly."""
    if n_panels <= FACET_COLUMNS:
        return max(n_panels, 1)
    # 4 panels read better as 2 x 2 than as 3 + 1
    return 2 if n_panels == 4 else FACET_COLUMNS


def distribution_strip(values: pd.DataFrame, *, x: str, title: str, fmt: str = ".2f", width="container") -> alt.Chart:
    """Every document as one tick on a shared axis: the summary above a selection.

    Parameters
    ----------
    values : DataFrame
        doc_id and the column ``x``, one row per document.
    x : str
        The value column.
    title : str
        Axis title.
    fmt : str
        Number format of the tooltip.
    """
    return alt.Chart(values[["doc_id", x]]).mark_tick(opacity=0.5, thickness=1.5).encode(
        x=alt.X(f"{x}:Q", title=title),
        tooltip=["doc_id", alt.Tooltip(f"{x}:Q", format=fmt)],
    ).properties(width=width, height=24)


def binned_counts(values: pd.Series, *, bins: int = 30, value_range: tuple[float, float] | None = None) -> pd.DataFrame:
    """A histogram computed here (bin start, bin end, count), so that a chart of many
    values carries ``bins`` rows instead of one per value."""
    finite = values.dropna().to_numpy(dtype=float)
    if value_range is None:
        value_range = (float(finite.min()), float(finite.max())) if len(finite) else (0.0, 1.0)
    if value_range[0] == value_range[1]:
        value_range = (value_range[0] - 0.5, value_range[1] + 0.5)
    counts, edges = np.histogram(finite, bins=bins, range=value_range)
    return pd.DataFrame({"start": edges[:-1], "end": edges[1:], "count": counts})
