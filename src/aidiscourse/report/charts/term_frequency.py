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

from aidiscourse.report.charts import (
    FACET_COLUMNS, MAX_DOCUMENT_PANELS, PAGE_WIDTH, Selection, binned_counts, distribution_strip, facet_columns,
    panel_width, select_documents, spread_selection, titled,
)
from aidiscourse.report.render import PALETTE

#: Colour of what is not highlighted (grey of the palette).
GREY = "#bab0ac"
#: Two colours beyond the palette's ten, distinct from them, so that twelve documents differ.
EXTRA_COLOURS = ["#000000", "#8cd17d"]


def doc_colours(docs: Sequence[str]) -> alt.Scale:
    """One colour per document, in ``docs`` order (the palette, then two more, then again)."""
    colours = PALETTE + EXTRA_COLOURS
    return alt.Scale(domain=list(docs), range=[colours[i % len(colours)] for i in range(len(docs))])


def _words_from_rates(table: pd.DataFrame) -> pd.Series:
    """Word tokens per document, recovered from a count and its rate per 10,000 word tokens."""
    rows = table[table["per_10k"] > 0]
    return (rows["count"] * 10_000 / rows["per_10k"]).groupby(rows["doc_id"], sort=False).max()


def top_terms_chart(top: pd.DataFrame, docs: Sequence[str], *, n: int, columns: int = FACET_COLUMNS):
    """Bars of the most frequent terms of each document, one panel per document.

    Above :data:`~aidiscourse.report.charts.MAX_DOCUMENT_PANELS` documents the panels show
    the longest documents, under a summary of all of them: the terms that are among the
    ``n`` most frequent in the most documents.

    Parameters
    ----------
    top : DataFrame
        :func:`~aidiscourse.analyses.frequency.top_terms` with pinyin and gloss
        (:func:`~aidiscourse.report.glossary.annotate`).
    docs : sequence of str
        Documents in manifest order.
    n : int
        Terms per document, for the title.
    columns : int
        Most panels a row.
    """
    selection = select_documents(_words_from_rates(top), criterion="with the most word tokens", order=docs)
    shown = top[top.doc_id.isin(selection.documents)]
    cols = min(columns, facet_columns(len(selection.documents)))
    panels = alt.Chart(shown).mark_bar().encode(
        x=alt.X("per_10k:Q", title="per 10,000 word tokens"),
        y=alt.Y("term:N", sort="-x", title=None),
        color=alt.Color("doc_id:N", scale=doc_colours(selection.documents), legend=None),
        tooltip=["doc_id", "term", "pinyin", "gloss", "count", alt.Tooltip("per_10k:Q", format=".1f", title="per 10k")],
    ).properties(width=panel_width(cols, gap=95), height=14 * n).facet(
        facet=alt.Facet("doc_id:N", sort=selection.documents, title=None), columns=cols
    ).resolve_scale(y="independent").resolve_axis(x="independent")
    title = f"The {n} most frequent terms of each document"
    if not selection.partial:
        return panels.properties(title=titled(title))
    leaders = (top.groupby("term").agg(documents=("doc_id", "nunique"), gloss=("gloss", "first"))
               .reset_index().sort_values(["documents", "term"], ascending=[False, True]).head(15))
    summary = alt.Chart(leaders).mark_bar(color=GREY).encode(
        x=alt.X("documents:Q", title=f"documents with the term among their {n} most frequent"),
        y=alt.Y("term:N", sort="-x", title=None), tooltip=["term", "gloss", "documents"],
    ).properties(width=PAGE_WIDTH - 160, height=alt.Step(16), title=f"Over all {selection.total:,} documents")
    return alt.vconcat(summary, panels).properties(title=titled(title, selection))


def diversity_chart(div: pd.DataFrame, docs: Sequence[str], *, window: int = 500) -> alt.Chart:
    """Raw TTR and MATTR of each document on one axis; with more documents than
    :data:`~aidiscourse.report.charts.MAX_DOCUMENT_PANELS`, both against document length,
    one point per document.

    Parameters
    ----------
    div : DataFrame
        :func:`~aidiscourse.analyses.frequency.lexical_diversity` output.
    window : int
        The MATTR window, for the title.
    """
    long = div.melt(id_vars=["doc_id", "words"], value_vars=["ttr", "mattr"], var_name="measure", value_name="value")
    encoding = dict(
        shape=alt.Shape("measure:N", title="measure"),
        color=alt.Color("measure:N", scale=alt.Scale(range=[PALETTE[0], PALETTE[1]])),
        tooltip=["doc_id", "measure", alt.Tooltip("value:Q", format=".3f"), "words"],
    )
    title = f"Raw TTR and MATTR (window {window})"
    if div.doc_id.nunique() <= MAX_DOCUMENT_PANELS:
        return alt.Chart(long).mark_point(filled=True, size=90).encode(
            x=alt.X("value:Q", title="types per token", scale=alt.Scale(zero=False)),
            y=alt.Y("doc_id:N", sort=list(docs), title=None), **encoding,
        ).properties(width="container", title=titled(title))
    note = f"Each of the {div.doc_id.nunique():,} documents twice, by its length: raw TTR falls with length, MATTR should not."
    return alt.Chart(long).mark_point(filled=True, size=30, opacity=0.6).encode(
        x=alt.X("words:Q", title="word tokens", scale=alt.Scale(type="log")),
        y=alt.Y("value:Q", title="types per token", scale=alt.Scale(zero=False)), **encoding,
    ).properties(width="container", height=300, title=titled(title, extra=note))


def keyness_chart(keys: pd.DataFrame, docs: Sequence[str], *, alpha: float = 0.05, min_count: int = 5,
                  columns: int = FACET_COLUMNS):
    """The over-used terms of each document: log ratio (effect) against G2 (evidence).

    Only terms more frequent in the document than in the rest (log ratio > 0) and used at
    least ``min_count`` times in it are drawn, which keeps the chart's size bounded as
    documents are added; the table holds every tested term. Above
    :data:`~aidiscourse.report.charts.MAX_DOCUMENT_PANELS` documents the panels show the
    documents with the most key terms, under the number of key terms of every document.

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
    columns : int
        Most panels a row.
    """
    both, tokens, other = "tokens and paragraphs", "tokens only", "not significant"
    plot = keys[(keys["log_ratio"] > 0) & (keys["count_doc"] >= min_count)]
    level = np.where(plot["p_adj"] < alpha, np.where(plot["p_adj_paragraph"] < alpha, both, tokens), other)
    plot = plot.assign(significant=level)
    n_key = (plot.significant == both).groupby(plot.doc_id).sum().reindex(list(dict.fromkeys(keys.doc_id)), fill_value=0)
    selection = select_documents(n_key, criterion="with the most key terms at both levels", order=docs)
    cols = min(columns, facet_columns(len(selection.documents)))
    panels = alt.Chart(plot[plot.doc_id.isin(selection.documents)]).mark_circle(size=40, opacity=0.7).encode(
        x=alt.X("log_ratio:Q", title="log ratio (binary log of the rate ratio)"),
        y=alt.Y("g2:Q", title="log-likelihood G2", scale=alt.Scale(type="sqrt")),
        color=alt.Color("significant:N", title=f"adjusted p < {alpha:g} for",
                        scale=alt.Scale(domain=[both, tokens, other], range=[PALETTE[2], PALETTE[1], GREY]),
                        legend=alt.Legend(orient="top")),
        tooltip=["doc_id", "term", "count_doc", "count_rest", alt.Tooltip("g2:Q", format=".1f"),
                 alt.Tooltip("p_adj:Q", format=".2g"), alt.Tooltip("p_adj_paragraph:Q", format=".2g"),
                 alt.Tooltip("log_ratio:Q", format=".2f")],
    ).properties(width=panel_width(cols, gap=80), height=200).facet(
        facet=alt.Facet("doc_id:N", sort=selection.documents, title=None), columns=cols
    ).resolve_axis(x="independent", y="independent")
    title = f"Keyness of the terms each document over-uses ({min_count} uses or more)"
    if not selection.partial:
        return panels.properties(title=titled(title))
    strip = distribution_strip(n_key.rename("key_terms").rename_axis("doc_id").reset_index(), x="key_terms",
                               title="key terms at both levels, every document", fmt="d", width=PAGE_WIDTH - 60)
    return alt.vconcat(strip, panels).properties(title=titled(title, selection))


def dispersion_chart(disp: pd.DataFrame, docs: Sequence[str], *, n_terms: int) -> alt.LayerChart:
    """Observed DP against the DP of randomly placed uses, with the null's upper quantile.

    Each term is a point at (mean DP under random placement, observed DP); a grey bar runs
    from that mean up to the null's upper quantile, so a point above its bar is concentrated
    (filled), a point on or below it is not (open). Above
    :data:`~aidiscourse.report.charts.MAX_DOCUMENT_PANELS` documents the points are those of
    the documents with the most concentrated terms, over grey cells that count the terms of
    all documents.

    Parameters
    ----------
    disp : DataFrame
        :func:`~aidiscourse.analyses.dispersion.dispersion` output.
    n_terms : int
        Key terms measured per document, for the title.
    """
    concentrated = disp["concentrated"].astype(bool).groupby(disp["doc_id"], sort=False).sum()
    selection = select_documents(concentrated, criterion="with the most concentrated key terms", order=docs)
    plot = disp[disp.doc_id.isin(selection.documents)]
    plot = plot.assign(judged=plot["concentrated"].map({True: "concentrated", False: "not concentrated"}))
    colours = doc_colours(selection.documents)
    diag = alt.Chart(pd.DataFrame({"x": [0, 1], "y": [0, 1]})).mark_line(color=GREY, strokeDash=[4, 4]).encode(
        x="x:Q", y="y:Q")
    bars = alt.Chart(plot).mark_rule(color=GREY, strokeWidth=3).encode(x="dp_random:Q", y="dp_random:Q",
                                                                       y2="dp_random_upper:Q")
    points = alt.Chart(plot).mark_point(size=70, strokeWidth=2).encode(
        x=alt.X("dp_random:Q", title="DP expected if the uses were placed at random", scale=alt.Scale(domain=[0, 1])),
        y=alt.Y("dp:Q", title="DP observed", scale=alt.Scale(domain=[0, 1])),
        color=alt.Color("doc_id:N", scale=colours, title="document", sort=selection.documents),
        fill=alt.condition("datum.concentrated", alt.Color("doc_id:N", scale=colours, legend=None), alt.value("white")),
        tooltip=["doc_id", "term", "count", "passages", "n_passages", alt.Tooltip("passage_share:Q", format=".0%"),
                 alt.Tooltip("dp:Q", format=".2f"), alt.Tooltip("dp_random:Q", format=".2f"),
                 alt.Tooltip("dp_random_upper:Q", format=".2f", title="95th percentile at random"), "judged"],
    )
    layers = [diag, bars, points]
    extra = ""
    if selection.partial:
        # every document's terms, counted in cells of 0.05 x 0.05, so the chart carries 400 rows at most
        cells = (disp.assign(x=(disp.dp_random.clip(0, 0.999) // 0.05) * 0.05, y=(disp.dp.clip(0, 0.999) // 0.05) * 0.05)
                 .groupby(["x", "y"]).size().rename("terms").reset_index().assign(x2=lambda t: t.x + 0.05,
                                                                                  y2=lambda t: t.y + 0.05))
        grid = alt.Chart(cells).mark_rect(opacity=0.6).encode(
            x="x:Q", x2="x2:Q", y="y:Q", y2="y2:Q",
            color=alt.Color("terms:Q", scale=alt.Scale(scheme="greys"), title="terms, all documents"),
            tooltip=["terms"])
        layers = [grid, *layers]
        extra = f"Grey cells: the key terms of all {selection.total:,} documents."
    title = titled(f"Dispersion of the top {n_terms} key terms of each document", selection, extra=extra)
    return alt.layer(*layers).resolve_scale(color="independent").properties(width="container", height=380, title=title)


def formulaic_chart(dens: pd.DataFrame, docs: Sequence[str]):
    """Share of word tokens inside formulaic phrases per document, with block-bootstrap intervals.

    Above :data:`~aidiscourse.report.charts.MAX_DOCUMENT_PANELS` documents the bars show
    those with the lowest and the highest share, under a strip of every document's share.

    Parameters
    ----------
    dens : DataFrame
        :func:`~aidiscourse.analyses.phrases.formulaic_density` output.
    """
    selection = spread_selection(dens.set_index("doc_id")["share"], criterion="share")
    order = [d for d in docs if d in selection.documents] if not selection.partial else selection.documents
    shown = dens[dens.doc_id.isin(selection.documents)]
    bars = alt.Chart(shown).mark_bar().encode(
        x=alt.X("share:Q", title="% of word tokens inside formulaic phrases"),
        y=alt.Y("doc_id:N", sort=order, title=None),
        color=alt.Color("doc_id:N", scale=doc_colours(order), legend=None),
        tooltip=["doc_id", "words", "phrase_tokens", "occurrences", alt.Tooltip("share:Q", format=".2f"),
                 alt.Tooltip("ci_low:Q", format=".2f"), alt.Tooltip("ci_high:Q", format=".2f"),
                 alt.Tooltip("per_10k:Q", format=".1f")],
    )
    intervals = alt.Chart(shown).mark_rule().encode(x="ci_low:Q", x2="ci_high:Q", y=alt.Y("doc_id:N", sort=order))
    title = "Density of formulaic political phrases"
    if not selection.partial:
        return (bars + intervals).properties(width="container", title=titled(title))
    strip = distribution_strip(dens, x="share", title="% of word tokens inside formulaic phrases, every document",
                               width=PAGE_WIDTH - 160)
    return alt.vconcat(strip, (bars + intervals).properties(width=PAGE_WIDTH - 160)).properties(
        title=titled(title, selection))


def _quartiles(rates: pd.DataFrame) -> pd.DataFrame:
    """Per family, the quartiles of the documents' rates (one row per family)."""
    q = rates.groupby("label")["per_10k"].quantile([0.25, 0.5, 0.75]).unstack()
    return q.set_axis(["q1", "median", "q3"], axis=1).reset_index()


def concept_chart(rates: pd.DataFrame, docs: Sequence[str], *, labels: Sequence[str]):
    """Rate of each concept family per document with its interval, one panel per family.

    Above :data:`~aidiscourse.report.charts.MAX_DOCUMENT_PANELS` documents the panels show
    the longest documents, under the quartiles of every family over all documents.

    Parameters
    ----------
    rates : DataFrame
        :func:`~aidiscourse.analyses.phrases.concept_rates` output (by document).
    labels : sequence of str
        Family labels in panel order.
    """
    words = rates.groupby("doc_id", sort=False)["words"].max()
    selection = select_documents(words, criterion="with the most word tokens", order=docs)
    cols = facet_columns(len(labels))
    base = alt.Chart().encode(y=alt.Y("doc_id:N", sort=selection.documents, title=None))
    panels = alt.layer(
        base.mark_rule().encode(x=alt.X("ci_low:Q", title="per 10,000 word tokens"), x2="ci_high:Q"),
        base.mark_point(filled=True, size=60).encode(
            x="per_10k:Q", color=alt.Color("doc_id:N", scale=doc_colours(selection.documents), legend=None),
            tooltip=["doc_id", "label", "count", "words", alt.Tooltip("per_10k:Q", format=".1f"),
                     alt.Tooltip("ci_low:Q", format=".1f"), alt.Tooltip("ci_high:Q", format=".1f")]),
        data=rates[rates.doc_id.isin(selection.documents)],
    ).properties(width=panel_width(cols, gap=110), height=alt.Step(16)).facet(
        facet=alt.Facet("label:N", sort=list(labels), title=None), columns=cols
    ).resolve_scale(x="independent")
    title = "Concept families per document, with 95% block-bootstrap intervals"
    if not selection.partial:
        return panels.properties(title=titled(title))
    q = _quartiles(rates)
    spread = alt.Chart(q).encode(y=alt.Y("label:N", sort=list(labels), title=None))
    summary = alt.layer(
        spread.mark_rule(strokeWidth=6, opacity=0.5, color=GREY).encode(
            x=alt.X("q1:Q", title=f"per 10,000 word tokens, quartiles over all {selection.total:,} documents"), x2="q3:Q"),
        spread.mark_tick(thickness=2, color="black").encode(
            x="median:Q", tooltip=["label", alt.Tooltip("q1:Q", format=".1f"), alt.Tooltip("median:Q", format=".1f"),
                                   alt.Tooltip("q3:Q", format=".1f")]),
    ).properties(width=PAGE_WIDTH - 260)
    return alt.vconcat(summary, panels).properties(title=titled(title, selection))


def concept_role_chart(role_rates: pd.DataFrame, docs: Sequence[str], *, labels: Sequence[str]) -> alt.FacetChart:
    """Concept family rates of each speaker role, one row per document.

    Above :data:`~aidiscourse.report.charts.MAX_DOCUMENT_PANELS` documents with speaker roles,
    the rows are the longest of them.

    Parameters
    ----------
    role_rates : DataFrame
        :func:`~aidiscourse.analyses.phrases.concept_rates` output by ``("doc_id", "role")``.
    labels : sequence of str
        Family labels in axis order.
    """
    words = role_rates.groupby(["doc_id", "role"], sort=False)["words"].max().groupby(level="doc_id", sort=False).sum()
    selection = select_documents(words, criterion="with speaker roles and the most word tokens", order=docs)
    return alt.Chart(role_rates[role_rates.doc_id.isin(selection.documents)]).mark_bar().encode(
        x=alt.X("label:N", sort=list(labels), title=None, axis=alt.Axis(labelAngle=-30)),
        xOffset=alt.XOffset("role:N"),
        y=alt.Y("per_10k:Q", title="per 10,000 word tokens"),
        color=alt.Color("role:N", scale=alt.Scale(range=PALETTE[5:9]), title="role"),
        tooltip=["doc_id", "role", "label", "count", alt.Tooltip("per_10k:Q", format=".1f"),
                 alt.Tooltip("ci_low:Q", format=".1f"), alt.Tooltip("ci_high:Q", format=".1f")],
    ).properties(width=PAGE_WIDTH - 200, height=130).facet(
        row=alt.Row("doc_id:N", title=None, sort=selection.documents)
    ).resolve_scale(xOffset="independent").properties(title=titled("Concept families by speaker role", selection))
