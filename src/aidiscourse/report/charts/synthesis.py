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
    return (terms + docs + labels).properties(width=540, height=440, title="Correspondence analysis of term counts")


def claims_robustness(ledger: pd.DataFrame, *, threshold: float) -> alt.LayerChart:
    """Every claim by the share of universes and of leave-one-out fits in which it holds.

    Parameters
    ----------
    ledger : DataFrame
        ``results/claims_robustness.csv``.
    threshold : float
        The share a finding needs in both (drawn as a line).
    """
    data = ledger.assign(status=ledger["robust"].map({True: "finding", False: "fragile"}),
                         loo=ledger["loo_share_holding"].fillna(1.0))
    order = list(data.sort_values(["share_holding", "loo"], ascending=False)["claim_id"])
    base = alt.Chart(data).encode(y=alt.Y("claim_id:N", sort=order, title=None, axis=alt.Axis(labelLimit=220)))
    tooltip = [alt.Tooltip("claim:N", title="claim"), alt.Tooltip("share_holding:Q", format=".0%", title="universes"),
               alt.Tooltip("loo_share_holding:Q", format=".0%", title="leave one document out"),
               alt.Tooltip("breaks_when:N", title="breaks when")]
    colour = alt.Color("status:N", scale=alt.Scale(domain=["finding", "fragile"], range=["#1b6ca8", "#e08214"]),
                       title=None)
    bars = base.mark_bar(opacity=0.85).encode(
        x=alt.X("share_holding:Q", title="share of universes in which the claim holds",
                axis=alt.Axis(format="%"), scale=alt.Scale(domain=[0, 1])), color=colour, tooltip=tooltip)
    loo = base.mark_point(shape="diamond", filled=True, size=60, color="black").encode(x="loo:Q", tooltip=tooltip)
    rule = alt.Chart(pd.DataFrame({"x": [threshold]})).mark_rule(strokeDash=[4, 3]).encode(x="x:Q")
    return alt.layer(bars, loo, rule).properties(width=440, height=alt.Step(18),
                                                 title="How robust is each claim? Bars: universes; diamonds: leave one document out")
