"""Charts of the topics chapter (Altair; render them with :func:`aidiscourse.report.render.show`).

Each function takes the tables of :mod:`aidiscourse.analyses.topics` and the topics' display
names (:func:`aidiscourse.analyses.topics.labels.topic_names`), and returns a chart.
"""
from __future__ import annotations

import altair as alt
import pandas as pd

from aidiscourse.analyses.topics.model import MODELS
from aidiscourse.report.charts import (
    FACET_COLUMNS, Selection, binned_counts, facet_columns, panel_width, select_documents, spread_selection, titled,
)

#: Topic colours: Tableau 10 (colour-blind safe), then black and a light green, which differ
#: from all ten; beyond twelve topics colours repeat and the topic number tells them apart.
TOPIC_COLOURS = ["#4e79a7", "#f28e2b", "#e15759", "#76b7b2", "#59a14f", "#edc948", "#b07aa1", "#ff9da7",
                 "#9c755f", "#bab0ac", "#000000", "#8cd17d"]


def _name_order(names: dict[int, str]) -> list[str]:
    """Display names in topic order (1, 2, ...)."""
    return [names[t] for t in sorted(names)]


def _topic_color(names: dict[int, str], *, title: str = "topic"):
    order = _name_order(names)
    colours = [TOPIC_COLOURS[i % len(TOPIC_COLOURS)] for i in range(len(order))]
    return alt.Color("name:N", sort=order, scale=alt.Scale(domain=order, range=colours), title=title,
                     legend=alt.Legend(orient="bottom", columns=2, labelLimit=320, symbolType="square"))


#: Width of each panel of the selection chart: two a row, with their axes and the legend, in a page.
SELECTION_PANEL = 250


def selection_chart(selection: pd.DataFrame, chosen: tuple[str, int], runner_up: tuple[str, int] | None = None):
    """Coherence (mean +- 1 sd over seeds) and stability against K, one line per model; the
    chosen (model, K) ringed, the runner-up ringed with a dashed line, degenerate solutions
    crossed; with held-out coherence, a third panel compares it with the coherence on the
    half the model was fitted on.

    Parameters
    ----------
    selection : DataFrame
        Columns model, k, coherence_npmi, coherence_sd, stability; optionally degenerate,
        coherence_fitted_half and coherence_heldout
        (:func:`aidiscourse.analyses.topics.selection.solution_table`,
        :func:`~aidiscourse.analyses.topics.selection.heldout_coherence`).
    chosen, runner_up : (str, int)
        The chosen and the runner-up model and K.
    """
    runner_up = runner_up or chosen
    data = selection.assign(
        low=selection.coherence_npmi - selection.coherence_sd.fillna(0),
        high=selection.coherence_npmi + selection.coherence_sd.fillna(0),
        chosen=(selection.model == chosen[0]) & (selection.k == chosen[1]),
        runner_up=(selection.model == runner_up[0]) & (selection.k == runner_up[1]),
        degenerate=selection["degenerate"] if "degenerate" in selection else False,
    )
    base = alt.Chart(data).encode(
        x=alt.X("k:O", title="number of topics K", axis=alt.Axis(labelAngle=0)),
        color=alt.Color("model:N", sort=list(MODELS), title="model"),
    )
    marks = alt.Chart(data).encode(x="k:O")
    ring = marks.transform_filter("datum.chosen").mark_point(size=320, filled=False, strokeWidth=2, color="black")
    second = marks.transform_filter("datum.runner_up && !datum.chosen").mark_point(
        size=320, filled=False, strokeWidth=1.5, strokeDash=[3, 2], color="black")
    cross = marks.transform_filter("datum.degenerate").mark_point(shape="cross", size=160, color="black", angle=45)
    tooltip = ["model", "k", alt.Tooltip("coherence_npmi:Q", format=".3f"), alt.Tooltip("coherence_sd:Q", format=".3f"),
               alt.Tooltip("stability:Q", format=".3f"), "degenerate"]
    coherence = (
        base.mark_line(point=True).encode(y=alt.Y("coherence_npmi:Q", title="coherence (mean NPMI of top-term pairs)"),
                                          tooltip=tooltip)
        + base.mark_errorbar().encode(y=alt.Y("low:Q", title=None), y2="high:Q")
        + ring.encode(y="coherence_npmi:Q") + second.encode(y="coherence_npmi:Q") + cross.encode(y="coherence_npmi:Q")
    ).properties(width=SELECTION_PANEL, height=220, title="Coherence")
    stability = (
        base.mark_line(point=True).encode(y=alt.Y("stability:Q", title="stability (matched cosine across seeds)",
                                                  scale=alt.Scale(zero=False)), tooltip=tooltip)
        + ring.encode(y="stability:Q") + second.encode(y="stability:Q") + cross.encode(y="stability:Q")
    ).properties(width=SELECTION_PANEL, height=220, title="Stability")
    if "coherence_heldout" not in data:
        return alt.hconcat(coherence, stability).configure_legend(orient="bottom")
    halves = data.melt(id_vars=["model", "k"], value_vars=["coherence_fitted_half", "coherence_heldout"],
                       var_name="measured", value_name="npmi")
    halves["measured"] = halves.measured.map({"coherence_fitted_half": "fitted half", "coherence_heldout": "other half"})
    heldout = alt.Chart(halves).mark_line(point=True).encode(
        x=alt.X("k:O", title="number of topics K", axis=alt.Axis(labelAngle=0)),
        y=alt.Y("npmi:Q", title="coherence (mean NPMI)"),
        color=alt.Color("model:N", sort=list(MODELS), title="model"),
        strokeDash=alt.StrokeDash("measured:N", sort=["fitted half", "other half"], title="passages"),
        tooltip=["model", "k", "measured", alt.Tooltip("npmi:Q", format=".3f")],
    ).properties(width=SELECTION_PANEL, height=220, title="Coherence on unseen passages")
    # two panels a row keeps the chart inside a 1,000 px page
    return alt.vconcat(alt.hconcat(coherence, stability), heldout).configure_legend(orient="bottom")


def terms_chart(terms: pd.DataFrame, names: dict[int, str], *, columns: int = FACET_COLUMNS):
    """Top terms of each topic with their weights, one small panel per topic.

    Parameters
    ----------
    terms : DataFrame
        Columns topic, rank, term, weight of one model
        (:func:`aidiscourse.analyses.topics.inspect.topic_terms`).
    names : dict of int -> str
        Display name of each topic.
    columns : int
        Most panels a row.
    """
    data = terms.assign(name=terms.topic.map(names))
    cols = min(columns, facet_columns(len(names)))
    return (
        alt.Chart(data)
        .mark_bar()
        .encode(
            x=alt.X("weight:Q", title="weight in topic"),
            y=alt.Y("term:N", sort=alt.EncodingSortField("rank", order="ascending"), title=None),
            color=_topic_color(names).legend(None),
            tooltip=["name", "rank", "term", alt.Tooltip("weight:Q", format=".4f")],
        )
        .properties(width=panel_width(cols, gap=95), height=160)
        .facet(facet=alt.Facet("name:N", sort=_name_order(names), title=None,
                               header=alt.Header(labelLimit=panel_width(cols, gap=95), labelFontSize=11)),
               columns=cols)
        # each panel draws its own axes, so a short last row leaves no axis under an empty slot
        .resolve_scale(y="independent").resolve_axis(x="independent")
    )


def _select_groups(proportions: pd.DataFrame, group: str) -> Selection:
    """The groups with the least and the most concentrated topic mixtures (largest share of
    one topic), when there are more than :data:`~aidiscourse.report.charts.MAX_DOCUMENT_PANELS`."""
    largest = proportions.groupby(group, sort=False)["proportion"].max()
    selection = spread_selection(largest, criterion="largest share of one topic")
    if not selection.partial:
        return Selection(list(largest.index), len(largest), "")
    return Selection(selection.documents, selection.total, selection.note.replace("documents", f"{_noun(group)}s"))


def _noun(group: str) -> str:
    return "document" if group == "doc_id" else "speaker" if group == "group" else group


def stacked_chart(proportions: pd.DataFrame, names: dict[int, str], *, group: str = "doc_id", title: str = ""):
    """Stacked bars of topic proportions, one bar per group (rows in the table's order).

    Above :data:`~aidiscourse.report.charts.MAX_DOCUMENT_PANELS` groups, the bars are those
    with the most mixed and the most concentrated topics, under one bar of the mean over
    all groups.

    Parameters
    ----------
    proportions : DataFrame
        Columns ``group``, topic, proportion
        (:func:`aidiscourse.analyses.topics.inspect.group_proportions`).
    names : dict of int -> str
        Display name of each topic.
    group : str
        The column with one bar per value.
    title : str
    """
    selection = _select_groups(proportions, group)
    data = proportions[proportions[group].isin(selection.documents)][[group, "topic", "proportion"]]
    extra = ""
    if selection.partial:
        label = f"mean of all {selection.total:,} {_noun(group)}s"
        mean = proportions.groupby("topic", as_index=False)["proportion"].mean().assign(**{group: label})
        data = pd.concat([mean, data], ignore_index=True)
        extra = f"The first bar is the {label}."
    data = data.assign(name=data.topic.map(names))
    order = list(dict.fromkeys(data[group]))
    return (
        alt.Chart(data)
        .mark_bar()
        .encode(
            y=alt.Y(f"{group}:N", sort=order, title=None, axis=alt.Axis(labelLimit=260)),
            x=alt.X("proportion:Q", stack="normalize", title="share of the group's modelled terms",
                    axis=alt.Axis(format="%")),
            color=_topic_color(names),
            order=alt.Order("topic:Q"),
            tooltip=[group, "name", alt.Tooltip("proportion:Q", format=".1%")],
        )
        .properties(width="container", height=alt.Step(22), title=titled(title, selection, extra=extra))
    )


def spread_chart(spread: pd.DataFrame, names: dict[int, str], *, group: str = "doc_id", columns: int = FACET_COLUMNS):
    """Each group's share of each topic in the reference run (dot) and its range over seeds (bar).

    Above :data:`~aidiscourse.report.charts.MAX_DOCUMENT_PANELS` groups, the rows are the
    groups whose shares move most over seeds (the widest range).

    Parameters
    ----------
    spread : DataFrame
        Columns ``group``, topic, proportion, low, high
        (:func:`aidiscourse.analyses.topics.inspect.proportion_spread`).
    names : dict of int -> str
        Display name of each topic (one panel each).
    group : str
    columns : int
        Most panels a row.
    """
    widest = (spread.high - spread.low).groupby(spread[group], sort=False).max()
    selection = select_documents(widest, criterion="whose shares move most over seeds")
    data = spread[spread[group].isin(selection.documents)].assign(name=lambda t: t.topic.map(names))
    cols = min(columns, facet_columns(len(names)))
    base = alt.Chart().encode(y=alt.Y(f"{group}:N", sort=selection.documents, title=None))
    tooltip = [group, "name", alt.Tooltip("proportion:Q", format=".1%"), alt.Tooltip("low:Q", format=".1%"),
               alt.Tooltip("high:Q", format=".1%")]
    color = _topic_color(names).legend(None)
    layer = alt.layer(
        base.mark_rule(strokeWidth=3, opacity=0.5).encode(x=alt.X("low:Q", title="share", axis=alt.Axis(format="%")),
                                                          x2="high:Q", color=color),
        base.mark_point(filled=True, size=40).encode(x="proportion:Q", color=color, tooltip=tooltip),
    ).properties(width=panel_width(cols, gap=110), height=alt.Step(16))
    chart = layer.facet(facet=alt.Facet("name:N", sort=_name_order(names), title=None,
                                        header=alt.Header(labelLimit=panel_width(cols, gap=110) + 40, labelFontSize=11)),
                        data=data, columns=cols).resolve_axis(x="independent")
    return chart.properties(title=titled("Topic shares over seeds", selection)) if selection.partial else chart


def distance_heatmap(distances: pd.DataFrame, *, by: str = "doc_id", title: str = ""):
    """Heatmap of pairwise Jensen-Shannon distances, values written in the cells.

    Above :data:`~aidiscourse.report.charts.MAX_DOCUMENT_PANELS` documents, the heatmap
    shows the most typical and the most distinct documents (smallest and largest mean
    distance to the others), beside a histogram of all pairwise distances.

    Parameters
    ----------
    distances : DataFrame
        Columns ``{by}_a``, ``{by}_b``, distance and optionally low, high
        (:func:`aidiscourse.analyses.topics.inspect.distance_spread`).
    by : str
    title : str
    """
    a, b = f"{by}_a", f"{by}_b"
    others = distances[distances[a] != distances[b]]
    selection = spread_selection(others.groupby(a, sort=False).distance.mean(), criterion="mean distance to the others")
    order = [d for d in dict.fromkeys(distances[a]) if d in set(selection.documents)]
    shown = distances[distances[a].isin(order) & distances[b].isin(order)]
    base = alt.Chart(shown).encode(
        x=alt.X(f"{b}:N", sort=order, title=None),
        y=alt.Y(f"{a}:N", sort=order, title=None),
    )
    tooltip = [a, b, alt.Tooltip("distance:Q", format=".3f")]
    tooltip += [alt.Tooltip(f"{c}:Q", format=".3f") for c in ("low", "high") if c in distances.columns]
    rect = base.mark_rect().encode(
        color=alt.Color("distance:Q", scale=alt.Scale(scheme="blues", domain=[0, 1]), title="JS distance"),
        tooltip=tooltip,
    )
    chart = rect + base.mark_text(fontSize=11).encode(
        text=alt.Text("distance:Q", format=".2f"),
        color=alt.condition("datum.distance > 0.5", alt.value("white"), alt.value("black")),
    )
    size = max(180, min(480, 40 * len(order)))
    chart = chart.properties(width=size, height=size)
    if not selection.partial:
        return chart.properties(title=titled(title))
    pairs = others[others[a] < others[b]]
    histogram = alt.Chart(binned_counts(pairs.distance, bins=25, value_range=(0.0, 1.0))).mark_bar(color="#9ecae1").encode(
        x=alt.X("start:Q", title=f"JS distance, all {len(pairs):,} pairs", scale=alt.Scale(domain=[0, 1])), x2="end:Q",
        y=alt.Y("count:Q", title="pairs"), tooltip=["start", "end", "count"],
    ).properties(width=size, height=120)
    return alt.vconcat(histogram, chart).properties(title=titled(title, selection))


def map_chart(topic_map_table: pd.DataFrame, names: dict[int, str]):
    """Topics as circles on their 2-D map, area proportional to prevalence.

    Parameters
    ----------
    topic_map_table : DataFrame
        Columns topic, x, y, prevalence (:func:`aidiscourse.analyses.topics.inspect.topic_map`).
    names : dict of int -> str
        Display name of each topic.
    """
    data = topic_map_table.assign(name=topic_map_table.topic.map(names))
    base = alt.Chart(data).encode(
        x=alt.X("x:Q", title="principal coordinate 1", axis=alt.Axis(labels=False, ticks=False)),
        y=alt.Y("y:Q", title="principal coordinate 2", axis=alt.Axis(labels=False, ticks=False)),
    )
    circles = base.mark_circle(opacity=0.55, stroke="black", strokeWidth=0.5).encode(
        size=alt.Size("prevalence:Q", scale=alt.Scale(range=[150, 2500], zero=True), title="prevalence",
                      legend=alt.Legend(format=".0%", tickCount=3)),
        color=_topic_color(names),
        tooltip=["name", alt.Tooltip("prevalence:Q", format=".1%")],
    )
    text = base.mark_text(fontSize=11, dy=0).encode(text="topic:N")
    title = "Topics by distance between their term distributions"
    return (circles + text).properties(width="container", height=360, title=title)


def agreement_chart(similarity: pd.DataFrame, names_a: dict[int, str], names_b: dict[int, str], *,
                    title_a: str = "LDA topic", title_b: str = "NMF topic"):
    """Heatmap of cosine similarity between the topics of two models.

    Parameters
    ----------
    similarity : DataFrame
        Columns topic_a, topic_b, similarity
        (:func:`aidiscourse.analyses.topics.inspect.similarity_table`).
    names_a, names_b : dict of int -> str
        Display names of the topics of each model.
    title_a, title_b : str
        Axis titles.
    """
    data = similarity.assign(name_a=similarity.topic_a.map(names_a), name_b=similarity.topic_b.map(names_b))
    order_a, order_b = _name_order(names_a), _name_order(names_b)
    base = alt.Chart(data).encode(
        x=alt.X("name_b:N", sort=order_b, title=title_b, axis=alt.Axis(labelAngle=-40, labelLimit=240)),
        y=alt.Y("name_a:N", sort=order_a, title=title_a, axis=alt.Axis(labelLimit=320, titlePadding=12)),
    )
    rect = base.mark_rect().encode(
        color=alt.Color("similarity:Q", scale=alt.Scale(scheme="greens", domain=[0, 1]), title="cosine"),
        tooltip=["name_a", "name_b", alt.Tooltip("similarity:Q", format=".2f")],
    )
    text = base.mark_text(fontSize=10).encode(
        text=alt.Text("similarity:Q", format=".2f"),
        color=alt.condition("datum.similarity > 0.5", alt.value("white"), alt.value("black")),
    )
    return (rect + text).properties(width=alt.Step(34), height=alt.Step(24))
