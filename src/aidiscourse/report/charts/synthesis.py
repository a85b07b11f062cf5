"""Charts of the synthesis chapter: distance heatmaps and the correspondence map."""
from __future__ import annotations

from collections.abc import Sequence

import altair as alt
import pandas as pd

from aidiscourse.report.charts import MAX_DOCUMENT_PANELS, Selection, spread_selection, titled
from aidiscourse.report.charts.term_frequency import doc_colours

#: Size of the correspondence map in pixels (fixed, so that labels can be placed without overlap).
MAP_WIDTH, MAP_HEIGHT = 600, 440
#: Font size of the term labels on the map.
TERM_FONT = 11


def document_colours(docs: Sequence[str]) -> alt.Scale:
    """One colour per document (the palette of :func:`~aidiscourse.report.charts.term_frequency.doc_colours`)."""
    return doc_colours(docs)


def distance_heatmaps(long: pd.DataFrame, *, order: Sequence[str], methods: Sequence[str]) -> alt.FacetChart:
    """One heatmap per method of the pairwise distances, each scaled to its maximum.

    Above :data:`~aidiscourse.report.charts.MAX_DOCUMENT_PANELS` documents, the heatmaps
    show the most typical and the most distinct documents (smallest and largest mean
    combined distance to the others).

    Parameters
    ----------
    long : DataFrame
        method, doc_a, doc_b, distance (one row per unordered pair).
    order : sequence of str
        Document order on both axes.
    methods : sequence of str
        Panel order.
    """
    both = pd.concat([long, long.rename(columns={"doc_a": "doc_b", "doc_b": "doc_a"})], ignore_index=True)
    reference = both[both.method == ("combined" if "combined" in set(both.method) else list(methods)[0])]
    selection = spread_selection(reference.groupby("doc_a").distance.mean(), criterion="mean combined distance to the others")
    shown = [d for d in order if d in set(selection.documents)]
    both = both[both.doc_a.isin(shown) & both.doc_b.isin(shown)]
    scaled = both.assign(scaled=both.groupby("method").distance.transform(lambda d: d / d.max()))
    side = 150 if len(shown) <= 6 else 200
    return alt.Chart(scaled).mark_rect().encode(
        x=alt.X("doc_a:N", sort=shown, title=None),
        y=alt.Y("doc_b:N", sort=shown, title=None),
        color=alt.Color("scaled:Q", scale=alt.Scale(scheme="blues", reverse=True), title="distance / max"),
        tooltip=["method", "doc_a", "doc_b", alt.Tooltip("distance:Q", format=".3f")],
    ).properties(width=side, height=side).facet(
        facet=alt.Facet("method:N", sort=list(methods), title=None), columns=3
    ).resolve_axis(x="independent").properties(
        title=titled("Distances between documents, by method (darker = closer)", selection))


def _text_width(text: str, size: float) -> float:
    """Approximate width in pixels of ``text`` at font ``size`` (CJK characters are 1 em)."""
    return sum(size if ord(ch) > 0x2E80 else 0.6 * size for ch in text)


def place_labels(points: pd.DataFrame, *, label: str, x: str, y: str, domain_x: tuple[float, float],
                 domain_y: tuple[float, float], width: int, height: int, font: float = TERM_FONT,
                 taken: list[tuple[float, float, float, float]] | None = None, always: bool = False) -> pd.DataFrame:
    """Positions for labels that neither overlap each other nor leave the plot.

    Labels are placed in row order (the most important first): centred on the point,
    then right, left, above or below it; a label that fits nowhere is left out (its point
    stays, with a tooltip).

    Parameters
    ----------
    points : DataFrame
        One row per point, with columns ``label``, ``x`` and ``y`` (data units).
    domain_x, domain_y : (float, float)
        The scales' domains; ``width`` and ``height`` the plot's size in pixels.
    taken : list of (x0, y0, x1, y1), optional
        Boxes in pixels already occupied (other labels, marks).
    always : bool
        Never leave a label out: one that fits nowhere goes above its point.

    Returns
    -------
    DataFrame
        ``points`` with label_x, label_y (data units; NaN where left out) and placed (bool).
    """
    boxes = list(taken or [])
    sx = width / (domain_x[1] - domain_x[0])
    sy = height / (domain_y[1] - domain_y[0])
    out_x, out_y = [], []
    for text, px, py in zip(points[label], (points[x] - domain_x[0]) * sx, height - (points[y] - domain_y[0]) * sy):
        w, h = _text_width(str(text), font) + 2, font + 2
        spot = None
        candidates = [(px, py), (px + w / 2 + 8, py), (px - w / 2 - 8, py), (px, py - h), (px, py + h),
                      (px + w / 2 + 8, py - h), (px - w / 2 - 8, py - h), (px + w / 2 + 8, py + h),
                      (px - w / 2 - 8, py + h), (px, py - 2 * h), (px, py + 2 * h)]
        for cx, cy in candidates:
            box = (cx - w / 2, cy - h / 2, cx + w / 2, cy + h / 2)
            inside = box[0] >= 0 and box[1] >= 0 and box[2] <= width and box[3] <= height
            if inside and not any(box[0] < b[2] and b[0] < box[2] and box[1] < b[3] and b[1] < box[3] for b in boxes):
                spot = (cx, cy, box)
                break
        if spot is None and always:
            cx, cy = px, max(h / 2, py - h)
            spot = (cx, cy, (cx - w / 2, cy - h / 2, cx + w / 2, cy + h / 2))
        if spot is None:
            out_x.append(float("nan"))
            out_y.append(float("nan"))
            continue
        boxes.append(spot[2])
        out_x.append(domain_x[0] + spot[0] / sx)
        out_y.append(domain_y[0] + (height - spot[1]) / sy)
    return points.assign(label_x=out_x, label_y=out_y, placed=[v == v for v in out_x])


def _padded(values: pd.Series, share: float = 0.08) -> tuple[float, float]:
    low, high = float(values.min()), float(values.max())
    pad = (high - low) * share or 1.0
    return low - pad, high + pad


def correspondence_map(doc_map: pd.DataFrame, term_map: pd.DataFrame, share: Sequence[float]) -> alt.LayerChart:
    """Documents (points, labelled) and their most contributing terms on the first two
    dimensions of a correspondence analysis.

    Labels never overlap: document labels are placed first, then term labels in order of
    contribution; a term whose label finds no free place is a small dot with a tooltip.
    Above :data:`~aidiscourse.report.charts.MAX_DOCUMENT_PANELS` documents, every document
    is a grey point and only those farthest from the centre are coloured and labelled.

    Parameters
    ----------
    doc_map : DataFrame
        doc_id, dim1, dim2.
    term_map : DataFrame
        term, dim1, dim2 (most contributing first).
    share : sequence of float
        Share of inertia of each dimension.
    """
    both = pd.concat([doc_map[["dim1", "dim2"]], term_map[["dim1", "dim2"]]])
    dx, dy = _padded(both.dim1), _padded(both.dim2)
    # above the threshold, the documents farthest from the centre: they are the ones that shape the map
    spread = (doc_map.dim1 ** 2 + doc_map.dim2 ** 2) ** 0.5
    named = doc_map.loc[spread.sort_values(ascending=False).index[:MAX_DOCUMENT_PANELS]].sort_values("doc_id")
    selection = Selection(list(named.doc_id), len(doc_map), "" if len(named) == len(doc_map) else
                          f"Coloured and labelled: the {len(named)} of {len(doc_map):,} documents farthest from the centre.")
    size = dict(domain_x=dx, domain_y=dy, width=MAP_WIDTH, height=MAP_HEIGHT)
    sx, sy = MAP_WIDTH / (dx[1] - dx[0]), MAP_HEIGHT / (dy[1] - dy[0])
    dots = [((x - dx[0]) * sx - 7, MAP_HEIGHT - (y - dy[0]) * sy - 7, (x - dx[0]) * sx + 7, MAP_HEIGHT - (y - dy[0]) * sy + 7)
            for x, y in zip(named.dim1, named.dim2)]
    doc_labels = place_labels(named, label="doc_id", x="dim1", y="dim2", font=12, taken=dots, always=True, **size)
    taken = dots + [((x - dx[0]) * sx - _text_width(t, 12) / 2 - 1, MAP_HEIGHT - (y - dy[0]) * sy - 7,
                     (x - dx[0]) * sx + _text_width(t, 12) / 2 + 1, MAP_HEIGHT - (y - dy[0]) * sy + 7)
                    for t, x, y in zip(doc_labels.doc_id, doc_labels.label_x, doc_labels.label_y) if x == x]
    terms = place_labels(term_map, label="term", x="dim1", y="dim2", taken=taken, **size)
    xs = alt.Scale(domain=list(dx), nice=False, zero=False)
    ys = alt.Scale(domain=list(dy), nice=False, zero=False)
    x = alt.X("dim1:Q", title=f"dimension 1 ({share[0]:.0%} of inertia)", scale=xs)
    y = alt.Y("dim2:Q", title=f"dimension 2 ({share[1]:.0%} of inertia)", scale=ys)
    term_tip = ["term", alt.Tooltip("dim1:Q", format=".2f"), alt.Tooltip("dim2:Q", format=".2f")]
    term_dots = alt.Chart(terms).mark_point(size=12, filled=True, color="#999").encode(x=x, y=y, tooltip=term_tip)
    term_text = alt.Chart(terms[terms.placed]).mark_text(color="#555", fontSize=TERM_FONT).encode(
        x=alt.X("label_x:Q", scale=xs), y=alt.Y("label_y:Q", scale=ys), text="term:N", tooltip=term_tip)
    layers = [term_dots, term_text]
    if selection.partial:
        layers.append(alt.Chart(doc_map).mark_circle(size=40, color="#bab0ac").encode(
            x=x, y=y, tooltip=["doc_id", alt.Tooltip("dim1:Q", format=".2f"), alt.Tooltip("dim2:Q", format=".2f")]))
    layers.append(alt.Chart(named).mark_circle(size=160, opacity=0.9).encode(
        x=x, y=y, color=alt.Color("doc_id:N", scale=document_colours(sorted(named.doc_id)), legend=None),
        tooltip=["doc_id", alt.Tooltip("dim1:Q", format=".2f"), alt.Tooltip("dim2:Q", format=".2f")]))
    layers.append(alt.Chart(doc_labels[doc_labels.placed]).mark_text(fontWeight="bold", fontSize=12).encode(
        x=alt.X("label_x:Q", scale=xs), y=alt.Y("label_y:Q", scale=ys), text="doc_id:N"))
    left_out = int((~terms.placed).sum())
    extra = (f"Grey dots without a label: {left_out} of the {len(terms)} terms, whose labels would overlap (tooltip)."
             if left_out else "")
    return alt.layer(*layers).properties(width=MAP_WIDTH, height=MAP_HEIGHT, title=titled(
        "Correspondence analysis of term counts", selection, extra=extra))


#: Above this many claims, one bar each would be taller than a page: the chart becomes a
#: strip of ticks per kind of claim.
MAX_CLAIM_BARS = 40


def _claims_strip(data: pd.DataFrame, *, threshold: float) -> alt.LayerChart:
    tooltip = [alt.Tooltip("claim:N", title="claim"), alt.Tooltip("share_holding:Q", format=".0%", title="universes"),
               alt.Tooltip("loo_share_holding:Q", format=".0%", title="leave documents out"),
               alt.Tooltip("breaks_when:N", title="breaks when")]
    ticks = alt.Chart(data).mark_tick(thickness=2, size=22, opacity=0.5).encode(
        y=alt.Y("question:N", title=None),
        x=alt.X("share_holding:Q", title="share of universes in which the claim holds", axis=alt.Axis(format="%"),
                scale=alt.Scale(domain=[0, 1])),
        color=alt.Color("status:N", scale=alt.Scale(domain=["finding", "fragile"], range=["#1b6ca8", "#e08214"]),
                        title=None),
        tooltip=tooltip)
    rule = alt.Chart(pd.DataFrame({"x": [threshold]})).mark_rule(strokeDash=[4, 3]).encode(x="x:Q")
    return alt.layer(ticks, rule).properties(
        width=440, height=alt.Step(30),
        title=f"How robust are the {len(data):,} claims? One tick per claim, by kind (hover for the claim)")


def claims_robustness(ledger: pd.DataFrame, *, threshold: float) -> alt.LayerChart:
    """Every claim by the share of universes and of leave-one-out fits in which it holds
    (above :data:`MAX_CLAIM_BARS` claims, a strip of ticks per kind of claim).

    Parameters
    ----------
    ledger : DataFrame
        ``results/claims_robustness.csv``.
    threshold : float
        The share a finding needs in both (drawn as a line).
    """
    data = ledger.assign(status=ledger["robust"].map({True: "finding", False: "fragile"}),
                         loo=ledger["loo_share_holding"].fillna(1.0))
    if len(data) > MAX_CLAIM_BARS:
        return _claims_strip(data, threshold=threshold)
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
