"""Charts of the chapter "What each text talks about" (``notebooks/02_term_frequency.md``).

Each function takes a table the chapter computes (and writes to ``results/``) and returns an
Altair chart; the chapter passes it to :func:`aidiscourse.report.render.show` with the link
to its data and a caption. Documents keep one colour each (:data:`~aidiscourse.report.render.PALETTE`)
and are listed in manifest order (``docs``).
"""
from __future__ import annotations

from typing import Sequence

import altair as alt
import numpy as np
import pandas as pd

from aidiscourse.report.render import PALETTE

#: Panels per row of the faceted charts.
FACET_COLUMNS = 3
#: Colour of what is not highlighted (grey of the palette).
GREY = "#bab0ac"


def doc_colours(docs: Sequence[str]) -> alt.Scale:
    """One palette colour per document, in ``docs`` order."""
    return alt.Scale(domain=list(docs), range=[PALETTE[i % len(PALETTE)] for i in range(len(docs))])


def top_terms_chart(top: pd.DataFrame, docs: Sequence[str], *, n: int, columns: int = FACET_COLUMNS) -> alt.FacetChart:
    """Bars of the most frequent terms of each document, one panel per document.

    Parameters
    ----------
    top : DataFrame
        :func:`~aidiscourse.analyses.frequency.top_terms` with pinyin and gloss
        (:func:`~aidiscourse.report.glossary.annotate`).
    docs : sequence of str
        Documents in manifest order.
    n : int
        Terms per document, for the title.
    """
    return alt.Chart(top).mark_bar().encode(
        x=alt.X("per_10k:Q", title="per 10,000 word tokens"),
        y=alt.Y("term:N", sort="-x", title=None),
        color=alt.Color("doc_id:N", scale=doc_colours(docs), legend=None),
        tooltip=["doc_id", "term", "pinyin", "gloss", "count", alt.Tooltip("per_10k:Q", format=".1f", title="per 10k")],
    ).properties(width=200, height=220).facet(
        facet=alt.Facet("doc_id:N", sort=list(docs), title=None), columns=columns
    ).resolve_scale(y="independent").properties(title=f"The {n} most frequent terms of each document")


def diversity_chart(div: pd.DataFrame, docs: Sequence[str], *, window: int = 500) -> alt.Chart:
    """Raw TTR and MATTR of each document on one axis.

    Parameters
    ----------
    div : DataFrame
        :func:`~aidiscourse.analyses.frequency.lexical_diversity` output.
    window : int
        The MATTR window, for the title.
    """
    long = div.melt(id_vars=["doc_id", "words"], value_vars=["ttr", "mattr"], var_name="measure", value_name="value")
    return alt.Chart(long).mark_point(filled=True, size=90).encode(
        x=alt.X("value:Q", title="types per token", scale=alt.Scale(zero=False)),
        y=alt.Y("doc_id:N", sort=list(docs), title=None),
        shape=alt.Shape("measure:N", title="measure"),
        color=alt.Color("measure:N", scale=alt.Scale(range=[PALETTE[0], PALETTE[1]])),
        tooltip=["doc_id", "measure", alt.Tooltip("value:Q", format=".3f"), "words"],
    ).properties(width=480, title=f"Raw TTR and MATTR (window {window})")


def keyness_chart(keys: pd.DataFrame, docs: Sequence[str], *, alpha: float = 0.05, min_count: int = 5,
                  columns: int = FACET_COLUMNS) -> alt.FacetChart:
    """The over-used terms of each document: log ratio (effect) against G2 (evidence).

    Only terms more frequent in the document than in the rest (log ratio > 0) and used at
    least ``min_count`` times in it are drawn, which keeps the chart's size bounded as
    documents are added; the table holds every tested term.

    Parameters
    ----------
    keys : DataFrame
        :func:`~aidiscourse.analyses.keyness.keyness` output.
    min_count : int
        Minimum count in the document for a term to be drawn.
    alpha : float
        Terms are coloured by the tests they pass at ``alpha``: both the token-level
        (``p_adj``) and the unit-level (``p_adj_paragraph``) one, the token-level one only, or
        neither.
    """
    both, tokens, other = "tokens and paragraphs", "tokens only", "not significant"
    plot = keys[(keys["log_ratio"] > 0) & (keys["count_doc"] >= min_count)]
    level = np.where(plot["p_adj"] < alpha, np.where(plot["p_adj_paragraph"] < alpha, both, tokens), other)
    plot = plot.assign(significant=level)
    return alt.Chart(plot).mark_circle(size=40, opacity=0.7).encode(
        x=alt.X("log_ratio:Q", title="log ratio (binary log of the rate ratio)"),
        y=alt.Y("g2:Q", title="log-likelihood G2", scale=alt.Scale(type="sqrt")),
        color=alt.Color("significant:N", title=f"adjusted p < {alpha:g} for",
                        scale=alt.Scale(domain=[both, tokens, other], range=[PALETTE[2], PALETTE[1], GREY])),
        tooltip=["doc_id", "term", "count_doc", "count_rest", alt.Tooltip("g2:Q", format=".1f"),
                 alt.Tooltip("p_adj:Q", format=".2g"), alt.Tooltip("p_adj_paragraph:Q", format=".2g"),
                 alt.Tooltip("log_ratio:Q", format=".2f")],
    ).properties(width=220, height=200).facet(
        facet=alt.Facet("doc_id:N", sort=list(docs), title=None), columns=columns
    ).properties(title=f"Keyness of the terms each document over-uses ({min_count} uses or more)")


def dispersion_chart(disp: pd.DataFrame, docs: Sequence[str], *, n_terms: int) -> alt.LayerChart:
    """Observed DP against the DP of randomly placed uses, with the null's upper quantile.

    Each term is a point at (mean DP under random placement, observed DP); a grey bar runs
    from that mean up to the null's upper quantile, so a point above its bar is concentrated
    (filled), a point on or below it is not (open).

    Parameters
    ----------
    disp : DataFrame
        :func:`~aidiscourse.analyses.dispersion.dispersion` output.
    n_terms : int
        Key terms measured per document, for the title.
    """
    plot = disp.assign(judged=disp["concentrated"].map({True: "concentrated", False: "not concentrated"}))
    diag = alt.Chart(pd.DataFrame({"x": [0, 1], "y": [0, 1]})).mark_line(color=GREY, strokeDash=[4, 4]).encode(
        x="x:Q", y="y:Q")
    bars = alt.Chart(plot).mark_rule(color=GREY, strokeWidth=3).encode(x="dp_random:Q", y="dp_random:Q",
                                                                       y2="dp_random_upper:Q")
    points = alt.Chart(plot).mark_point(size=70, strokeWidth=2).encode(
        x=alt.X("dp_random:Q", title="DP expected if the uses were placed at random", scale=alt.Scale(domain=[0, 1])),
        y=alt.Y("dp:Q", title="DP observed", scale=alt.Scale(domain=[0, 1])),
        color=alt.Color("doc_id:N", scale=doc_colours(docs), title="document"),
        fill=alt.condition("datum.concentrated", alt.Color("doc_id:N", scale=doc_colours(docs), legend=None),
                           alt.value("white")),
        tooltip=["doc_id", "term", "count", "passages", "n_passages", alt.Tooltip("passage_share:Q", format=".0%"),
                 alt.Tooltip("dp:Q", format=".2f"), alt.Tooltip("dp_random:Q", format=".2f"),
                 alt.Tooltip("dp_random_upper:Q", format=".2f", title="95th percentile at random"), "judged"],
    )
    title = f"Dispersion of the top {n_terms} key terms of each document"
    return (diag + bars + points).properties(width=420, height=380, title=title)


def formulaic_chart(dens: pd.DataFrame, docs: Sequence[str]) -> alt.LayerChart:
    """Share of word tokens inside formulaic phrases per document, with block-bootstrap intervals.

    Parameters
    ----------
    dens : DataFrame
        :func:`~aidiscourse.analyses.phrases.formulaic_density` output.
    """
    bars = alt.Chart(dens).mark_bar().encode(
        x=alt.X("share:Q", title="% of word tokens inside formulaic phrases"),
        y=alt.Y("doc_id:N", sort=list(docs), title=None),
        color=alt.Color("doc_id:N", scale=doc_colours(docs), legend=None),
        tooltip=["doc_id", "words", "phrase_tokens", "occurrences", alt.Tooltip("share:Q", format=".2f"),
                 alt.Tooltip("ci_low:Q", format=".2f"), alt.Tooltip("ci_high:Q", format=".2f"),
                 alt.Tooltip("per_10k:Q", format=".1f")],
    )
    intervals = alt.Chart(dens).mark_rule().encode(x="ci_low:Q", x2="ci_high:Q", y=alt.Y("doc_id:N", sort=list(docs)))
    return (bars + intervals).properties(width=480, title="Density of formulaic political phrases")


def concept_chart(rates: pd.DataFrame, docs: Sequence[str], *, labels: Sequence[str]) -> alt.FacetChart:
    """Rate of each concept family per document with its interval, one panel per family.

    Parameters
    ----------
    rates : DataFrame
        :func:`~aidiscourse.analyses.phrases.concept_rates` output (by document).
    labels : sequence of str
        Family labels in panel order.
    """
    base = alt.Chart(rates).encode(y=alt.Y("doc_id:N", sort=list(docs), title=None))
    return alt.layer(
        base.mark_rule().encode(x=alt.X("ci_low:Q", title="per 10,000 word tokens"), x2="ci_high:Q"),
        base.mark_point(filled=True, size=60).encode(
            x="per_10k:Q", color=alt.Color("doc_id:N", scale=doc_colours(docs), legend=None),
            tooltip=["doc_id", "label", "count", "words", alt.Tooltip("per_10k:Q", format=".1f"),
                     alt.Tooltip("ci_low:Q", format=".1f"), alt.Tooltip("ci_high:Q", format=".1f")]),
    ).properties(width=200, height=130).facet(
        facet=alt.Facet("label:N", sort=list(labels), title=None), columns=4
    ).resolve_scale(x="independent").properties(title="Concept families per document, with 95% block-bootstrap intervals")


def concept_role_chart(role_rates: pd.DataFrame, docs: Sequence[str], *, labels: Sequence[str]) -> alt.FacetChart:
    """Concept family rates of each speaker role, one row per document.

    Parameters
    ----------
    role_rates : DataFrame
        :func:`~aidiscourse.analyses.phrases.concept_rates` output by ``("doc_id", "role")``.
    labels : sequence of str
        Family labels in axis order.
    """
    return alt.Chart(role_rates).mark_bar().encode(
        x=alt.X("label:N", sort=list(labels), title=None, axis=alt.Axis(labelAngle=-30)),
        xOffset=alt.XOffset("role:N"),
        y=alt.Y("per_10k:Q", title="per 10,000 word tokens"),
        color=alt.Color("role:N", scale=alt.Scale(range=PALETTE[5:9]), title="role"),
        tooltip=["doc_id", "role", "label", "count", alt.Tooltip("per_10k:Q", format=".1f"),
                 alt.Tooltip("ci_low:Q", format=".1f"), alt.Tooltip("ci_high:Q", format=".1f")],
    ).properties(width=560, height=130).facet(
        row=alt.Row("doc_id:N", title=None, sort=list(docs))
    ).resolve_scale(xOffset="independent").properties(title="Concept families by speaker role")
