"""Charts of the Tone chapter (``notebooks/04_sentiment.md``).

Each function takes the tables the chapter writes to ``results/`` and returns an Altair
chart; the chapter passes it to :func:`aidiscourse.report.render.show`.
"""
from __future__ import annotations

from typing import Sequence

import altair as alt
import pandas as pd

from aidiscourse.analyses.sentiment.scorer import LABELS
from aidiscourse.analyses.sentiment.summaries import Target
from aidiscourse.analyses.sentiment.validation import METHODS

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
        x=alt.X("kappa:Q", title="Cohen's kappa with the hand labels", scale=alt.Scale(domain=[0, 1])),
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
        width=600, height=alt.Step(26), title="Agreement with the hand labels, documents held out")


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
    ).properties(width=150, height=150)
    counts = cells.mark_text(fontSize=11).encode(
        text="n:Q", color=alt.condition("datum.n > 150", alt.value("white"), alt.value("black")))
    return (alt.layer(cells, counts).facet(facet=alt.Facet("method:N", sort=list(METHODS), title=None), columns=3)
            .properties(title="Confusion matrices, each document scored by a method fitted without it"))


def document_tone(doc_tone: pd.DataFrame, *, order: Sequence[str]) -> alt.LayerChart:
    """Mean tone per document with its interval (from the labels), the model's mean beside
    it as a hollow mark, and a zero line.

    Parameters
    ----------
    doc_tone : DataFrame
        From :func:`aidiscourse.analyses.sentiment.summaries.by_group`.
    order : sequence of str
        The doc_ids from top to bottom.
    """
    base = alt.Chart(doc_tone).encode(y=alt.Y("doc_id:N", sort=list(order), title=None))
    tooltip = ["doc_id", "basis", alt.Tooltip("mean:Q", format=".2f"), alt.Tooltip("ci_low:Q", format=".2f"),
               alt.Tooltip("ci_high:Q", format=".2f"), alt.Tooltip("scorer_mean:Q", format=".2f", title="model"), "n"]
    return alt.layer(
        base.mark_rule(color="#4e79a7").encode(x=alt.X("ci_low:Q", title="mean tone (-1 negative, +1 positive)"), x2="ci_high:Q"),
        base.mark_point(filled=True, size=80, color="#4e79a7").encode(x="mean:Q", tooltip=tooltip),
        base.mark_point(shape="diamond", size=80, color="#e15759").encode(x="scorer_mean:Q", tooltip=tooltip),
        alt.Chart(pd.DataFrame({"x": [0]})).mark_rule(strokeDash=[4, 4], color="grey").encode(x="x:Q"),
    ).properties(width=600, title="Mean tone per document: hand labels (dot, 95% CI) and the model (diamond)")


def label_shares(shares: pd.DataFrame, *, order: Sequence[str]) -> alt.Chart:
    """Stacked bars of the shares of positive, neutral and negative sentences per document.

    Parameters
    ----------
    shares : DataFrame
        From :func:`aidiscourse.analyses.sentiment.summaries.label_shares`.
    order : sequence of str
        The doc_ids from top to bottom.
    """
    return alt.Chart(shares).mark_bar().encode(
        x=alt.X("share:Q", stack="normalize", title="share of sentences", axis=alt.Axis(format="%")),
        y=alt.Y("doc_id:N", sort=list(order), title=None),
        color=alt.Color("label:N", sort=list(LABELS), scale=alt.Scale(domain=list(LABELS), range=LABEL_COLOURS)),
        order=alt.Order("order:Q"),
        tooltip=["doc_id", "label", alt.Tooltip("share:Q", format=".0%"), "n"],
    ).transform_calculate(order="indexof(['positive','neutral','negative'], datum.label)").properties(
        width=460, title="Positive, neutral and negative sentences per document")


def tone_arcs(arcs: pd.DataFrame, markers: pd.DataFrame, *, documents: Sequence[str]) -> alt.FacetChart:
    """Rolling tone along each document, with speaker turns and section headings marked.

    Parameters
    ----------
    arcs : DataFrame
        From :func:`aidiscourse.analyses.sentiment.summaries.rolling_tone`.
    markers : DataFrame
        From :func:`aidiscourse.analyses.sentiment.summaries.arc_markers`.
    documents : sequence of str
        The doc_ids in reading order.
    """
    data = pd.concat([arcs.assign(kind="tone"), markers.rename(columns={"label": "marker"})], ignore_index=True)
    tone = alt.Chart().mark_line(color="#4e79a7").encode(
        x=alt.X("position:Q", title="sentence"), y=alt.Y("rolling:Q", title="rolling tone", scale=alt.Scale(domain=[-1, 1])),
    ).transform_filter(alt.datum.kind == "tone")
    turns = alt.Chart().mark_rule(opacity=0.6).encode(
        x="position:Q", color=alt.Color("marker:N", title="turn begins (role)"), tooltip=["marker:N", "position:Q"],
    ).transform_filter(alt.datum.kind == "turn")
    heads = alt.Chart().mark_rule(strokeDash=[2, 2], color="black").encode(
        x="position:Q", tooltip=[alt.Tooltip("marker:N", title="heading")],
    ).transform_filter(alt.datum.kind == "heading")
    zero = alt.Chart().mark_rule(color="grey", strokeDash=[4, 4]).encode(y=alt.datum(0))
    return alt.layer(turns, heads, zero, tone, data=data).properties(width=250, height=110).facet(
        facet=alt.Facet("doc_id:N", title=None, sort=list(documents)), columns=2,
    ).resolve_scale(x="independent").properties(title="Rolling tone along each document (15 sentences)")


def role_tone(roles: pd.DataFrame, *, documents: Sequence[str]) -> alt.FacetChart:
    """Mean tone per speaker role with its interval, one row per document.

    Parameters
    ----------
    roles : DataFrame
        From :func:`aidiscourse.analyses.sentiment.summaries.by_group` with ``"role"``,
        usually only the documents with more than one role.
    documents : sequence of str
        The doc_ids in reading order.
    """
    base = alt.Chart(roles).encode(y=alt.Y("role:N", title=None), color=alt.Color("role:N", legend=None))
    return alt.layer(
        base.mark_rule().encode(x=alt.X("ci_low:Q", title="mean sentence tone (95% CI)"), x2="ci_high:Q"),
        base.mark_point(filled=True, size=70).encode(x="mean:Q", tooltip=["doc_id", "role", alt.Tooltip("mean:Q", format=".3f"), "n"]),
    ).properties(width=420, height=50).facet(
        row=alt.Row("doc_id:N", title=None, sort=list(documents))).resolve_scale(y="independent").properties(
        title="Tone by role, in documents with more than one role")


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
    heat = target_tone.assign(target_label=target_tone.target.map(labels),
                              cell=[("too few" if few else f"{m:+.2f}") for m, few in zip(target_tone["mean"], target_tone.too_few)])
    base = alt.Chart(heat).encode(
        x=alt.X("target_label:N", sort=[t.label for t in targets], title=None, axis=alt.Axis(labelAngle=-25, labelLimit=160)),
        y=alt.Y("doc_id:N", sort=list(documents), title=None),
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
    return alt.layer(cells, text).properties(width=520, height=alt.Step(34),
                                             title="Tone of the sentences that mention each target")
