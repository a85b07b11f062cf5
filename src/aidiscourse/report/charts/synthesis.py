"""Charts of the synthesis chapter: distance heatmaps and the correspondence map."""
from __future__ import annotations

from collections.abc import Sequence

import altair as alt
import pandas as pd

from aidiscourse.report.render import PALETTE

#: Above this many documents the heatmaps show the combined distance only.
MAX_HEATMAP_DOCS = 12


def document_colours(docs: Sequence[str]) -> alt.Scale:
    """One colour per document, cycling through the book's palette."""
    return alt.Scale(domain=list(docs), range=[PALETTE[i % len(PALETTE)] for i in range(len(docs))])


def distance_heatmaps(long: pd.DataFrame, *, order: Sequence[str], methods: Sequence[str]) -> alt.FacetChart:
    """One heatmap per method of the pairwise distances, each scaled to its maximum.

    Parameters
    ----------
    long : DataFrame
        method, doc_a, doc_b, distance (one row per unordered pair).
    order : sequence of str
        Document order on both axes.
    methods : sequence of str
        Panel order.
    """
    n_docs = len(order)
    # with many documents one panel (the combined distance) stays readable; five would not
    heat = long if n_docs <= MAX_HEATMAP_DOCS else long[long.method == "combined"]
    side = 150 if n_docs <= MAX_HEATMAP_DOCS else 14 * n_docs
    both = pd.concat([heat, heat.rename(columns={"doc_a": "doc_b", "doc_b": "doc_a"})], ignore_index=True)
    scaled = both.assign(scaled=both.groupby("method").distance.transform(lambda d: d / d.max()))
    return alt.Chart(scaled).mark_rect().encode(
        x=alt.X("doc_a:N", sort=list(order), title=None),
        y=alt.Y("doc_b:N", sort=list(order), title=None),
        color=alt.Color("scaled:Q", scale=alt.Scale(scheme="blues", reverse=True), title="distance / max"),
        tooltip=["method", "doc_a", "doc_b", alt.Tooltip("distance:Q", format=".3f")],
    ).properties(width=side, height=side).facet(
        facet=alt.Facet("method:N", sort=list(methods), title=None), columns=3
    ).properties(title="Distances between documents, by method (darker = closer)")


def correspondence_map(doc_map: pd.DataFrame, term_map: pd.DataFrame, share: Sequence[float]) -> alt.LayerChart:
    """Documents (points, labelled) and their most contributing terms on the first two
    dimensions of a correspondence analysis.

    Parameters
    ----------
    doc_map : DataFrame
        doc_id, dim1, dim2.
    term_map : DataFrame
        term, dim1, dim2.
    share : sequence of float
        Share of inertia of each dimension.
    """
    x = alt.X("dim1:Q", title=f"dimension 1 ({share[0]:.0%} of inertia)")
    y = alt.Y("dim2:Q", title=f"dimension 2 ({share[1]:.0%} of inertia)")
    terms = alt.Chart(term_map).mark_text(color="#777", fontSize=11).encode(
        x=x, y=y, text="term:N", tooltip=["term", alt.Tooltip("dim1:Q", format=".2f"), alt.Tooltip("dim2:Q", format=".2f")])
    docs = alt.Chart(doc_map).mark_circle(size=160).encode(
        x=x, y=y, color=alt.Color("doc_id:N", scale=document_colours(sorted(doc_map.doc_id)), title="document"),
        tooltip=["doc_id", alt.Tooltip("dim1:Q", format=".2f"), alt.Tooltip("dim2:Q", format=".2f")])
    labels = alt.Chart(doc_map).mark_text(dy=-14, fontWeight="bold").encode(x=x, y=y, text="doc_id:N")
    return (terms + docs + labels).properties(width=620, height=460, title="Correspondence analysis of term counts")
