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

#: Target cells resting on fewer sentences are drawn pale and do not set the colour range.
MIN_TARGET_SENTENCES = 10


def method_scores(validation: pd.DataFrame, *, best: str) -> alt.Chart:
    """Bars of each method's macro-F1 on the test part, the ``best`` method highlighted.

    Parameters
    ----------
    validation : DataFrame
        From :func:`aidiscourse.analyses.sentiment.validation.validation_table`.
    best : str
        The method chosen on the development part.
    """
    return alt.Chart(validation[validation.split == "test"]).mark_bar().encode(
        x=alt.X("macro_f1:Q", title="macro-F1 on the test part", scale=alt.Scale(domain=[0, 1])),
        y=alt.Y("method:N", sort=list(METHODS), title=None),
        color=alt.condition(alt.datum.method == best, alt.value("#4e79a7"), alt.value("#bab0ac")),
        tooltip=["method", "n", alt.Tooltip("accuracy:Q", format=".2f"), alt.Tooltip("macro_f1:Q", format=".2f"),
                 alt.Tooltip("kappa:Q", format=".2f")],
    ).properties(width=460, title="How well each method labels the test sentences")


def confusion_matrices(confusion: pd.DataFrame) -> alt.FacetChart:
    """One confusion matrix per method (gold label by predicted label, with counts).

    Parameters
    ----------
    confusion : DataFrame
        From :func:`aidiscourse.analyses.sentiment.validation.confusion_table`.
    """
    cells = alt.Chart(confusion).mark_rect().encode(
        x=alt.X("predicted:N", sort=list(LABELS), title="predicted"),
        y=alt.Y("gold:N", sort=list(LABELS), title="gold label"),
        color=alt.Color("n:Q", scale=alt.Scale(scheme="blues"), legend=None),
        tooltip=["method", "gold", "predicted", "n"],
    ).properties(width=110, height=110)
    counts = cells.mark_text(fontSize=11).encode(text="n:Q", color=alt.value("black"))
    return (alt.layer(cells, counts).facet(facet=alt.Facet("method:N", sort=list(METHODS), title=None), columns=5)
            .properties(title="Confusion matrices on the test part"))


def document_tone(doc_tone: pd.DataFrame, *, order: Sequence[str]) -> alt.LayerChart:
    """Mean sentence tone per document with its interval, and a zero line.

    Parameters
    ----------
    doc_tone : DataFrame
        From :func:`aidiscourse.analyses.sentiment.summaries.by_document`.
    order : sequence of str
        The doc_ids from top to bottom.
    """
    base = alt.Chart(doc_tone).encode(y=alt.Y("doc_id:N", sort=list(order), title=None))
    tooltip = ["doc_id", alt.Tooltip("mean:Q", format=".3f"), alt.Tooltip("ci_low:Q", format=".3f"),
               alt.Tooltip("ci_high:Q", format=".3f"), "n"]
    return alt.layer(
        base.mark_rule().encode(x=alt.X("ci_low:Q", title="mean sentence tone (95% CI)"), x2="ci_high:Q"),
        base.mark_point(filled=True, size=70).encode(x="mean:Q", tooltip=tooltip),
        alt.Chart(pd.DataFrame({"x": [0]})).mark_rule(strokeDash=[4, 4], color="grey").encode(x="x:Q"),
    ).properties(width=460, title="Mean sentence tone per document")


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
    return alt.layer(turns, heads, zero, tone, data=data).properties(width=330, height=110).facet(
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
    """Mean tone of the sentences that mention each target, per document, with counts.

    The colour range is symmetric around zero and set by the cells that rest on at least
    :data:`MIN_TARGET_SENTENCES` sentences (at least ±0.2); the others are drawn pale.

    Parameters
    ----------
    target_tone : DataFrame
        The summary from :func:`aidiscourse.analyses.sentiment.summaries.by_target`.
    targets : sequence of Target
        The target families, in column order.
    documents : sequence of str
        The doc_ids in reading order.
    """
    labels = {t.key: t.label for t in targets}
    heat = target_tone.assign(target_label=target_tone.target.map(labels), reliable=target_tone.n >= MIN_TARGET_SENTENCES)
    lim = float(max(0.2, heat.loc[heat.reliable, "mean"].abs().max()))
    base = alt.Chart(heat).encode(
        x=alt.X("target_label:N", sort=[t.label for t in targets], title=None, axis=alt.Axis(labelAngle=-30)),
        y=alt.Y("doc_id:N", sort=list(documents), title=None),
    )
    cells = base.mark_rect().encode(
        color=alt.Color("mean:Q", scale=alt.Scale(scheme="redyellowgreen", domain=[-lim, lim], clamp=True), title="mean tone"),
        opacity=alt.condition(alt.datum.reliable, alt.value(1.0), alt.value(0.35)),
        tooltip=["doc_id", "target_label", alt.Tooltip("mean:Q", format=".3f"), alt.Tooltip("ci_low:Q", format=".3f"),
                 alt.Tooltip("ci_high:Q", format=".3f"), "n"],
    )
    counts = base.mark_text(fontSize=10).encode(text=alt.Text("n:Q"))
    return alt.layer(cells, counts).properties(width=480, height=alt.Step(34), title="Tone of sentences that mention each target")
