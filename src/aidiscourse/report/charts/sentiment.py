"""Charts of the Tone chapter (``notebooks/04_sentiment.md``).

Each function takes the tables the chapter writes to ``results/`` and returns an Altair
chart; the chapter passes it to :func:`aidiscourse.report.render.show`.
"""
from __future__ import annotations

from typing import Sequence

import altair as alt
import pandas as pd

from aidiscourse.analyses.sentiment.scorer import LABELS
from aidiscourse.analyses.sentiment.summaries import MIN_SENTENCES, Target
from aidiscourse.analyses.sentiment.validation import METHODS
from aidiscourse.report.charts import (
    MAX_CHART_ROWS, PAGE_WIDTH, distribution_strip, panel_width, select_documents, spread_selection, titled,
)

#: Colours of the positive, neutral and negative labels.
LABEL_COLOURS = ["#59a14f", "#bab0ac", "#e15759"]



def method_agreement(validation: pd.DataFrame, agreement: pd.DataFrame, *, chosen: str) -> alt.LayerChart:
    """Each method's agreement with the hand labels (Cohen's kappa, held-out documents),
    against the agreement of two annotators with each other: the ceiling.

    Parameters
    ----------
    validation : DataFrame
        From :func:`aidiscourse.analyses.sentiment.validation.validation_table`.
    agreement : DataFrame
        From :func:`aidiscourse.analyses.sentiment.labels.agreement_table`.
    chosen : str
        The method the chapter uses.
    """
    pooled = validation[validation.document == "all"]
    bars = alt.Chart(pooled).mark_bar().encode(
        x=alt.X("kappa:Q", title="Cohen's kappa with the hand labels", scale=alt.Scale(domain=[0, 1]),
                axis=alt.Axis(values=[i / 10 for i in range(11)], format=".1f")),
        y=alt.Y("method:N", sort=list(METHODS), title=None),
        color=alt.condition(alt.datum.method == chosen, alt.value("#4e79a7"), alt.value("#bab0ac")),
        tooltip=["method", "n", alt.Tooltip("kappa:Q", format=".2f"), alt.Tooltip("macro_f1:Q", format=".2f"),
                 alt.Tooltip("auc:Q", format=".2f")],
    )
    ceiling = alt.Chart(agreement).mark_rule(color="black", strokeDash=[4, 3], size=2).encode(
        x="kappa:Q", tooltip=[alt.Tooltip("kappa:Q", format=".2f", title="two annotators' kappa"), "n"])
    label = alt.Chart(agreement).mark_text(align="right", dx=-4, dy=-8, fontSize=11).encode(
        x="kappa:Q", y=alt.value(0), text=alt.value("two annotators"))
    return alt.layer(bars, ceiling, label).properties(
        width=PAGE_WIDTH - 100, height=alt.Step(26), title="Agreement with the hand labels, documents held out")


def confusion_matrices(confusion: pd.DataFrame) -> alt.FacetChart:
    """One confusion matrix per method (gold label by predicted label, with counts).

    Parameters
    ----------
    confusion : DataFrame
        From :func:`aidiscourse.analyses.sentiment.validation.confusion_table`.
    """
    cells = alt.Chart(confusion).mark_rect().encode(
        x=alt.X("predicted:N", sort=list(LABELS), title="predicted"),
        y=alt.Y("gold:N", sort=list(LABELS), title="hand label"),
        color=alt.Color("n:Q", scale=alt.Scale(scheme="blues"), legend=None),
        tooltip=["method", "gold", "predicted", "n"],
    ).properties(width=140, height=140)
    counts = cells.mark_text(fontSize=11).encode(
        text="n:Q", color=alt.condition("datum.n > 150", alt.value("white"), alt.value("black")))
    # each panel draws its own axes, so a short last row leaves no axis under an empty slot
    return (alt.layer(cells, counts).facet(facet=alt.Facet("method:N", sort=list(METHODS), title=None), columns=3)
            .resolve_axis(x="independent", y="independent").properties(title="Confusion matrices, each document scored by a method fitted without it"))


def document_tone(doc_tone: pd.DataFrame, *, order: Sequence[str]):
    """Mean tone per document with its interval (from the labels), the model's mean beside
    it as a hollow mark, and a zero line.

    Above :data:`~aidiscourse.report.charts.MAX_DOCUMENT_PANELS` documents the rows are
    those with the lowest and the highest mean tone, under a strip of every document's mean.

    Parameters
    ----------
    doc_tone : DataFrame
        From :func:`aidiscourse.analyses.sentiment.summaries.by_group`.
    order : sequence of str
        The doc_ids from top to bottom.
    """
    selection = spread_selection(doc_tone.set_index("doc_id")["mean"], criterion="mean tone")
    rows = [d for d in order if d in set(selection.documents)]
    base = alt.Chart(doc_tone[doc_tone.doc_id.isin(rows)]).encode(y=alt.Y("doc_id:N", sort=rows, title=None))
    tooltip = ["doc_id", "basis", alt.Tooltip("mean:Q", format=".2f"), alt.Tooltip("ci_low:Q", format=".2f"),
               alt.Tooltip("ci_high:Q", format=".2f"), alt.Tooltip("scorer_mean:Q", format=".2f", title="model"), "n"]
    x = alt.X("ci_low:Q", title="mean tone (-1 negative, +1 positive)", scale=alt.Scale(domain=[-1, 1]))
    chart = alt.layer(
        base.mark_rule(color="#4e79a7").encode(x=x, x2="ci_high:Q"),
        base.mark_point(filled=True, size=80, color="#4e79a7").encode(x="mean:Q", tooltip=tooltip),
        base.mark_point(shape="diamond", size=80, color="#e15759").encode(x="scorer_mean:Q", tooltip=tooltip),
        alt.Chart(pd.DataFrame({"x": [0]})).mark_rule(strokeDash=[4, 4], color="grey").encode(x="x:Q"),
    )
    title = "Mean tone per document: hand labels (dot, 95% CI) and the model (diamond)"
    if not selection.partial:
        return chart.properties(width="container", title=titled(title))
    strip = distribution_strip(doc_tone, x="mean", title="mean tone, every document", width=PAGE_WIDTH - 160)
    return alt.vconcat(strip.encode(x=alt.X("mean:Q", title="mean tone, every document", scale=alt.Scale(domain=[-1, 1]))),
                       chart.properties(width=PAGE_WIDTH - 160)).properties(title=titled(title, selection))


def label_shares(shares: pd.DataFrame, *, order: Sequence[str]) -> alt.Chart:
    """Stacked bars of the shares of positive, neutral and negative sentences per document.

    Above :data:`~aidiscourse.report.charts.MAX_DOCUMENT_PANELS` documents the bars are
    those with the lowest and the highest balance of positive over negative sentences,
    under one bar of all documents' sentences together.

    Parameters
    ----------
    shares : DataFrame
        From :func:`aidiscourse.analyses.sentiment.summaries.label_shares`.
    order : sequence of str
        The doc_ids from top to bottom.
    """
    by_label = shares.pivot_table(index="doc_id", columns="label", values="share", aggfunc="sum", fill_value=0)
    balance = by_label.get("positive", 0) - by_label.get("negative", 0)
    selection = spread_selection(pd.Series(balance, index=by_label.index), criterion="share of positive minus negative sentences")
    rows = [d for d in order if d in set(selection.documents)]
    data = shares[shares.doc_id.isin(rows)][["doc_id", "label", "share", "n"]]
    extra = ""
    if selection.partial:
        label = f"all {selection.total:,} documents"
        pooled = shares.groupby("label", as_index=False)["n"].sum().assign(doc_id=label)
        data = pd.concat([pooled.assign(share=pooled.n / pooled.n.sum()), data], ignore_index=True)
        rows, extra = [label, *rows], f"The first bar pools the sentences of {label}."
    return alt.Chart(data).mark_bar().encode(
        x=alt.X("share:Q", stack="normalize", title="share of sentences", axis=alt.Axis(format="%")),
        y=alt.Y("doc_id:N", sort=rows, title=None),
        color=alt.Color("label:N", sort=list(LABELS), scale=alt.Scale(domain=list(LABELS), range=LABEL_COLOURS)),
        order=alt.Order("order:Q"),
        tooltip=["doc_id", "label", alt.Tooltip("share:Q", format=".0%"), "n"],
    ).transform_calculate(order="indexof(['positive','neutral','negative'], datum.label)").properties(
        width="container", title=titled("Positive, neutral and negative sentences per document", selection, extra=extra))


#: Most points drawn along one document's tone arc; longer arcs are thinned (the rolling
#: mean changes slowly, so every k-th point keeps its shape).
ARC_POINTS = 300


def _thinned(arcs: pd.DataFrame) -> pd.DataFrame:
    """Every k-th point of each arc, so that no arc has more than :data:`ARC_POINTS` points."""
    length = arcs.groupby("doc_id", sort=False).position.transform("max") + 1
    step = (length // ARC_POINTS + 1).where(length > ARC_POINTS, 1)
    return arcs[(arcs.position % step == 0) | (arcs.position == length - 1)]


def _arc_summary(arcs: pd.DataFrame, *, bins: int = 20) -> pd.DataFrame:
    """Rolling tone by relative position (twentieths of each document), over all documents:
    median and quartiles per bin."""
    length = arcs.groupby("doc_id", sort=False).position.transform("max") + 1
    where = (arcs.position / length * bins).astype(int).clip(upper=bins - 1)
    q = arcs["rolling"].groupby(where).quantile([0.25, 0.5, 0.75]).unstack()
    return q.set_axis(["q1", "median", "q3"], axis=1).rename_axis("bin").reset_index().assign(
        where=lambda t: (t["bin"] + 0.5) / bins)


def tone_arcs(arcs: pd.DataFrame, markers: pd.DataFrame, *, documents: Sequence[str]):
    """Rolling tone along each document, with speaker turns and section headings marked.

    Above :data:`~aidiscourse.report.charts.MAX_DOCUMENT_PANELS` documents the panels are
    the longest documents, under the median and quartiles of the tone of all documents
    along their length; long arcs are thinned to :data:`ARC_POINTS` points.

    Parameters
    ----------
    arcs : DataFrame
        From :func:`aidiscourse.analyses.sentiment.summaries.rolling_tone`.
    markers : DataFrame
        From :func:`aidiscourse.analyses.sentiment.summaries.arc_markers`.
    documents : sequence of str
        The doc_ids in reading order.
    """
    sentences = arcs.groupby("doc_id", sort=False).position.max() + 1
    selection = select_documents(sentences, criterion="with the most sentences", order=documents)
    shown = _thinned(arcs[arcs.doc_id.isin(selection.documents)])
    marks = markers[markers.doc_id.isin(selection.documents)].rename(columns={"label": "marker"})
    if len(shown) + len(marks) > MAX_CHART_ROWS:  # very many turns or headings: keep the headings
        marks = marks[marks.kind == "heading"].head(MAX_CHART_ROWS - len(shown))
    data = pd.concat([shown.assign(kind="tone"), marks], ignore_index=True)
    tone = alt.Chart().mark_line(color="#4e79a7").encode(
        x=alt.X("position:Q", title="sentence"), y=alt.Y("rolling:Q", title="rolling tone", scale=alt.Scale(domain=[-1, 1])),
    ).transform_filter(alt.datum.kind == "tone")
    turns = alt.Chart().mark_rule(opacity=0.6).encode(
        x="position:Q", color=alt.Color("marker:N", title="turn begins (role)", legend=alt.Legend(orient="top")),
        tooltip=["marker:N", "position:Q"],
    ).transform_filter(alt.datum.kind == "turn")
    heads = alt.Chart().mark_rule(strokeDash=[2, 2], color="black").encode(
        x="position:Q", tooltip=[alt.Tooltip("marker:N", title="heading")],
    ).transform_filter(alt.datum.kind == "heading")
    zero = alt.Chart().mark_rule(color="grey", strokeDash=[4, 4]).encode(y=alt.datum(0))
    panels = alt.layer(turns, heads, zero, tone, data=data).properties(width=panel_width(2), height=110).facet(
        facet=alt.Facet("doc_id:N", title=None, sort=selection.documents), columns=2,
    ).resolve_scale(x="independent")
    title = "Rolling tone along each document (15 sentences)"
    if not selection.partial:
        return panels.properties(title=titled(title))
    summary = _arc_summary(arcs)
    x = alt.X("where:Q", title=f"position in the document, all {selection.total:,} documents", axis=alt.Axis(format="%"),
              scale=alt.Scale(domain=[0, 1]))
    band = alt.Chart(summary).encode(x=x)
    overall = alt.layer(
        band.mark_area(opacity=0.3, color="#4e79a7").encode(y=alt.Y("q1:Q", title="rolling tone", scale=alt.Scale(domain=[-1, 1])),
                                                            y2="q3:Q"),
        band.mark_line(color="#4e79a7").encode(y="median:Q", tooltip=[alt.Tooltip("where:Q", format=".0%"),
                                                                      alt.Tooltip("median:Q", format=".2f")]),
    ).properties(width=2 * panel_width(2) + 60, height=110)
    return alt.vconcat(overall, panels).properties(
        title=titled(title, selection, extra="Top: median and quartiles of the rolling tone of every document, by position."))


def role_tone(roles: pd.DataFrame, *, documents: Sequence[str]) -> alt.FacetChart:
    """Mean tone per speaker role with its interval, one row per document.

    Above :data:`~aidiscourse.report.charts.MAX_DOCUMENT_PANELS` documents, the rows are
    the documents with the most sentences.

    Parameters
    ----------
    roles : DataFrame
        From :func:`aidiscourse.analyses.sentiment.summaries.by_group` with ``"role"``,
        usually only the documents with more than one role.
    documents : sequence of str
        The doc_ids in reading order.
    """
    selection = select_documents(roles.groupby("doc_id", sort=False)["n"].sum(), criterion="with the most sentences",
                                 order=documents)
    base = alt.Chart(roles[roles.doc_id.isin(selection.documents)]).encode(
        y=alt.Y("role:N", title=None), color=alt.Color("role:N", legend=None))
    return alt.layer(
        base.mark_rule().encode(x=alt.X("ci_low:Q", title="mean sentence tone (95% CI)"), x2="ci_high:Q"),
        base.mark_point(filled=True, size=70).encode(x="mean:Q", tooltip=["doc_id", "role", alt.Tooltip("mean:Q", format=".3f"), "n"]),
    ).properties(width=420, height=50).facet(
        row=alt.Row("doc_id:N", title=None, sort=selection.documents)).resolve_scale(y="independent").properties(
        title=titled("Tone by role, in documents with more than one role", selection))


def target_heatmap(target_tone: pd.DataFrame, targets: Sequence[Target], *, documents: Sequence[str]) -> alt.LayerChart:
    """Mean tone of the sentences that mention each target, per document, printed in the cells.

    A diverging blue-orange scale (readable with colour-blindness) centred on zero, fixed
    at [-1, 1]; cells resting on fewer than ten sentences are grey and say "too few".

    Parameters
    ----------
    target_tone : DataFrame
        From :func:`aidiscourse.analyses.sentiment.summaries.by_target`.
    targets : sequence of Target
        The target families, in column order.
    documents : sequence of str
        The doc_ids in reading order.
    """
    labels = {t.key: t.label for t in targets}
    selection = select_documents(target_tone.groupby("doc_id", sort=False)["n"].sum(),
                                 criterion="with the most sentences that mention a target", order=documents)
    rows = list(selection.documents)
    shown = target_tone[target_tone.doc_id.isin(rows)]
    extra = ""
    if selection.partial:
        label = f"all {selection.total:,} documents"
        shown = pd.concat([_pooled_targets(target_tone).assign(doc_id=label), shown], ignore_index=True)
        rows, extra = [label, *rows], f"The first row pools the sentences of {label}."
    heat = shown.assign(target_label=shown.target.map(labels),
                        cell=[("too few" if few else f"{m:+.2f}") for m, few in zip(shown["mean"], shown.too_few)])
    base = alt.Chart(heat).encode(
        x=alt.X("target_label:N", sort=[t.label for t in targets], title=None, axis=alt.Axis(labelAngle=-25, labelLimit=160)),
        y=alt.Y("doc_id:N", sort=rows, title=None),
    )
    tooltip = ["doc_id", "target_label", alt.Tooltip("mean:Q", format=".2f"), alt.Tooltip("ci_low:Q", format=".2f"),
               alt.Tooltip("ci_high:Q", format=".2f"), "n"]
    cells = base.mark_rect().encode(
        color=alt.condition(alt.datum.too_few, alt.value("#dddddd"), alt.Color(
            "mean:Q", scale=alt.Scale(scheme="blueorange", reverse=True, domain=[-1, 1], domainMid=0),
            title="mean tone")),
        tooltip=tooltip,
    )
    text = base.mark_text(fontSize=11).encode(text="cell:N", tooltip=tooltip)
    return alt.layer(cells, text).properties(width="container", height=alt.Step(34),
                                             title=titled("Tone of the sentences that mention each target", selection,
                                                          extra=extra))


def _pooled_targets(target_tone: pd.DataFrame, *, min_n: int = MIN_SENTENCES) -> pd.DataFrame:
    """Per target, the mean tone of all documents' sentences together (means weighted by
    their sentence counts); fewer than ``min_n`` sentences is "too few"."""
    weighted = target_tone.assign(total=target_tone["mean"] * target_tone["n"]).groupby("target", as_index=False)[
        ["total", "n"]].sum()
    return weighted.assign(mean=weighted.total / weighted.n.where(weighted.n > 0), too_few=weighted.n < min_n,
                           ci_low=float("nan"), ci_high=float("nan")).drop(columns="total")
