"""Every chart with one panel, bar or row per document stays readable at 500 documents:
it renders to a Vega-Lite spec (no MaxRowsError: data are aggregated first) that draws at
most MAX_DOCUMENT_PANELS documents one by one and says which. The inputs are the book's own
result tables with every document repeated 100 times under suffixed ids."""
from __future__ import annotations

import json
import re

import numpy as np
import pandas as pd
import pytest

from aidiscourse.config import SEED
from aidiscourse.report.charts import MAX_DOCUMENT_PANELS, sentiment, synthesis, term_frequency, topics
from conftest import ROOT

COPIES = 100
DOC_FIELDS = {"doc_id", "group", "doc_id_a", "doc_id_b", "doc_a", "doc_b"}


def result(name: str) -> pd.DataFrame:
    return pd.read_csv(ROOT / "results" / name)


def repeated(table: pd.DataFrame, copies: int = COPIES, columns=("doc_id",)) -> pd.DataFrame:
    """``table`` once per copy, document ids suffixed, numbers jittered a little (so that
    copies differ and rankings have to choose)."""
    rng = np.random.default_rng(SEED)
    parts = []
    for i in range(copies):
        part = table.copy()
        for col in columns:
            part[col] = part[col].astype(str) + f"~{i:03d}"
        parts.append(part)
    out = pd.concat(parts, ignore_index=True)
    for col in ("per_10k", "g2", "share", "mean", "dp", "rolling"):
        if col in out:
            out[col] = out[col] + rng.normal(0, 1e-3, len(out)) * out[col].abs().fillna(0)
    return out


def docs_of(table: pd.DataFrame) -> list[str]:
    return list(dict.fromkeys(table.doc_id))


def pairs(table: pd.DataFrame, a: str, b: str, copies: int = COPIES) -> pd.DataFrame:
    """Pairwise rows for every pair of the repeated documents, each pair carrying the
    value of the pair of originals."""
    ids = [(d, f"{d}~{i:03d}") for d in dict.fromkeys(table[a]) for i in range(copies)]
    frame = pd.DataFrame(ids, columns=["orig", "new"])
    grid = frame.merge(frame, how="cross", suffixes=("_a", "_b"))
    grid = grid.merge(table, left_on=["orig_a", "orig_b"], right_on=[a, b])
    return grid.drop(columns=[a, b, "orig_a", "orig_b"]).rename(columns={"new_a": a, "new_b": b})


# --- reading a spec --------------------------------------------------------------------------

def _views(node, data=None):
    """(view, its data rows) for every view of a spec, data inherited from the parents."""
    if isinstance(node, dict):
        data = node.get("data", data)
        yield node, data
        for key in ("spec", "layer", "hconcat", "vconcat", "concat"):
            children = node.get(key)
            for child in (children if isinstance(children, list) else [children] if children else []):
                yield from _views(child, data)


def documents_drawn(spec: dict) -> int:
    """The most documents any facet, row or axis of the spec draws one by one (pooled
    rows such as "all 500 documents" are not documents)."""
    datasets = spec.get("datasets", {})
    most = 0
    for view, data in _views(spec):
        rows = datasets.get(data["name"], []) if isinstance(data, dict) and "name" in data else []
        channels = dict(view.get("encoding", {}))
        facet = view.get("facet", {})
        channels.update(facet if "field" not in facet else {"facet": facet})
        for channel in ("facet", "row", "column", "y", "x"):
            field = channels.get(channel, {}).get("field") if isinstance(channels.get(channel), dict) else None
            if field in DOC_FIELDS and rows:
                values = {r[field] for r in rows if not str(r[field]).startswith(("all ", "mean of all "))}
                most = max(most, len(values))
    return most


def subtitle(spec: dict) -> str:
    title = spec.get("title", {})
    sub = title.get("subtitle", "") if isinstance(title, dict) else ""
    return " ".join(sub) if isinstance(sub, list) else sub


def check(chart, *, partial: bool = True) -> dict:
    spec = chart.to_dict()  # raises MaxRowsError above 5,000 rows
    assert documents_drawn(spec) <= MAX_DOCUMENT_PANELS
    if partial:
        assert re.search(r"(Shown|labelled): the \d+ .*of [\d,]+", subtitle(spec)), subtitle(spec)
    return spec


ORIGINAL = docs_of(result("termfreq_lexical_diversity.csv"))
DOCS = [f"{d}~{i:03d}" for d in ORIGINAL for i in range(COPIES)]


# --- the chapters' per-document charts ------------------------------------------------------------

def test_the_synthetic_corpus_has_500_documents():
    assert len(DOCS) == 500


def test_term_frequency_charts_at_500_documents():
    freq = result("term_frequency.csv")
    top = freq.sort_values(["doc_id", "per_10k"], ascending=[True, False]).groupby("doc_id").head(12)
    top = repeated(top.assign(pinyin="", gloss=""))
    spec = check(term_frequency.top_terms_chart(top, DOCS, n=12))
    assert "vconcat" in spec  # the summary over all documents above the panels
    check(term_frequency.diversity_chart(repeated(result("termfreq_lexical_diversity.csv")), DOCS), partial=False)
    check(term_frequency.keyness_chart(repeated(result("keyness.csv")), DOCS))
    check(term_frequency.dispersion_chart(repeated(result("termfreq_dispersion.csv")), DOCS, n_terms=15))
    check(term_frequency.formulaic_chart(repeated(result("termfreq_formulaic.csv")), DOCS))
    rates = result("termfreq_concepts.csv")
    check(term_frequency.concept_chart(repeated(rates), DOCS, labels=list(dict.fromkeys(rates.label))))
    roles = result("termfreq_concepts_by_role.csv")
    check(term_frequency.concept_role_chart(repeated(roles), DOCS, labels=list(dict.fromkeys(roles.label))))


def test_word_clouds_at_500_documents_draw_the_selection_only():
    from aidiscourse.report import wordclouds
    from aidiscourse.report.charts import select_documents

    freq = repeated(result("term_frequency.csv"))
    words = (freq["count"] * 10_000 / freq["per_10k"]).groupby(freq.doc_id).max()
    selection = select_documents(words, criterion="with the most word tokens", order=DOCS)
    assert len(selection.documents) == MAX_DOCUMENT_PANELS and "500" in selection.note
    png = wordclouds.document_clouds(freq, "per_10k", max_words=5, selection=selection)
    assert png[:8] == b"\x89PNG\r\n\x1a\n"


def test_topic_charts_at_500_documents():
    names = {t: f"topic {t}" for t in range(1, 11)}
    check(topics.stacked_chart(repeated(result("doc_topics.csv")), names, title="Topic proportions per document"))
    spread = result("topics_doc_spread.csv").query("solution == 'chosen'")
    check(topics.spread_chart(repeated(spread), names))
    speakers = result("topics_speakers.csv")
    check(topics.stacked_chart(repeated(speakers, columns=("doc_id", "group")), names, group="group"))
    check(topics.distance_heatmap(pairs(result("topics_js_distance.csv"), "doc_id_a", "doc_id_b"),
                                  title="Jensen-Shannon distance"))


def test_tone_charts_at_500_documents(paths):
    from aidiscourse.analyses.sentiment.summaries import load_targets

    check(sentiment.label_shares(repeated(result("sentiment_label_shares.csv")), order=DOCS))
    check(sentiment.document_tone(repeated(result("sentiment_by_document.csv")), order=DOCS))
    arcs = repeated(result("sentiment_arcs.csv"))
    turns = arcs[arcs.turn != arcs.groupby("doc_id").turn.shift().fillna(arcs.turn)]
    markers = turns.assign(kind="turn", label=turns.role)[["doc_id", "position", "kind", "label"]]
    spec = check(sentiment.tone_arcs(arcs, markers, documents=DOCS))
    assert "vconcat" in spec  # the tone of all documents along their length
    roles = result("sentiment_by_role.csv")
    several = roles[roles.groupby("doc_id").role.transform("nunique") > 1]
    check(sentiment.role_tone(repeated(several), documents=DOCS))
    check(sentiment.target_heatmap(repeated(result("sentiment_by_target.csv")), load_targets(paths), documents=DOCS))


def test_synthesis_charts_at_500_documents():
    distances = result("synthesis_distances.csv")
    long = pd.concat([pairs(g, "doc_a", "doc_b").query("doc_a < doc_b") for _, g in distances.groupby("method")])
    check(synthesis.distance_heatmaps(long, order=DOCS, methods=list(dict.fromkeys(distances.method))))
    doc_map = repeated(result("synthesis_map.csv"))
    rng = np.random.default_rng(SEED)
    doc_map[["dim1", "dim2"]] += rng.normal(0, 0.05, (len(doc_map), 2))
    terms = result("term_frequency.csv").sort_values("per_10k", ascending=False).term.drop_duplicates().head(20)
    term_map = pd.DataFrame({"term": terms, "dim1": rng.normal(0, 0.5, 20), "dim2": rng.normal(0, 0.5, 20)})
    check(synthesis.correspondence_map(doc_map, term_map, [0.3, 0.2]))


# --- the same charts with the book's five documents draw every document -------------------------

def test_with_few_documents_every_document_is_drawn():
    freq = result("term_frequency.csv")
    top = freq.sort_values(["doc_id", "per_10k"], ascending=[True, False]).groupby("doc_id").head(12)
    spec = term_frequency.top_terms_chart(top.assign(pinyin="", gloss=""), ORIGINAL, n=12).to_dict()
    assert documents_drawn(spec) == len(ORIGINAL) and "vconcat" not in spec and not subtitle(spec)
    spec = sentiment.document_tone(result("sentiment_by_document.csv"), order=ORIGINAL).to_dict()
    assert documents_drawn(spec) == len(ORIGINAL)


def test_map_labels_do_not_overlap():
    points = pd.DataFrame({"term": ["人工智能", "制度", "政府", "市场", "泡沫", "发展"],
                           "dim1": [0.0, 0.01, 0.02, 0.0, 0.5, -0.5], "dim2": [0.0, 0.0, 0.01, 0.02, 0.5, -0.5]})
    placed = synthesis.place_labels(points, label="term", x="dim1", y="dim2", domain_x=(-1, 1), domain_y=(-1, 1),
                                    width=600, height=400)
    boxes = []
    for text, x, y in zip(placed.term, placed.label_x, placed.label_y):
        if x == x:
            w = synthesis._text_width(text, synthesis.TERM_FONT) / 2
            px, py = (x + 1) * 300, 400 - (y + 1) * 200
            boxes.append((px - w, py - 6, px + w, py + 6))
    assert len(boxes) >= 4  # crowded labels move aside before any is left out
    for i, a in enumerate(boxes):
        for b in boxes[i + 1:]:
            assert not (a[0] < b[2] - 1 and b[0] < a[2] - 1 and a[1] < b[3] - 1 and b[1] < a[3] - 1), (a, b)


def test_every_document_on_the_map_keeps_its_label():
    crowded = pd.DataFrame({"doc_id": [f"doc-{i}" for i in range(8)], "dim1": [0.0] * 8, "dim2": [0.0] * 8})
    placed = synthesis.place_labels(crowded, label="doc_id", x="dim1", y="dim2", domain_x=(-1, 1), domain_y=(-1, 1),
                                    width=200, height=100, always=True)
    assert placed.placed.all()
    assert not synthesis.place_labels(crowded, label="doc_id", x="dim1", y="dim2", domain_x=(-1, 1),
                                      domain_y=(-1, 1), width=200, height=100).placed.all()


def test_claims_chart_and_findings_page_summarise_a_ledger_of_hundreds_of_claims():
    from aidiscourse.report import findings

    ledger = result("claims_robustness.csv")
    many = repeated(ledger, columns=("claim_id",))
    chart = synthesis.claims_robustness(many, threshold=0.9).to_dict()
    marks = re.findall(r'"mark": \{"type": "(\w+)"', json.dumps(chart))
    assert "tick" in marks and "bar" not in marks  # one strip per kind of claim, not a bar per claim
    assert f"{len(many):,} claims" in str(chart["title"])
    small = synthesis.claims_robustness(ledger, threshold=0.9).to_dict()
    assert "bar" in re.findall(r'"mark": \{"type": "(\w+)"', json.dumps(small))
    question = next(q for q in findings.QUESTIONS if many.question.isin(q[3]).sum() > 2 * findings.MAX_CLAIMS_SHOWN)
    no_quotes = pd.DataFrame(columns=["doc_id", "target", "end"])
    html = findings.question_html(question, many, no_quotes, pd.DataFrame(), link=lambda *a: "")
    assert html.count('class="aid-finding"') <= findings.MAX_CLAIMS_SHOWN and html.count("<li>") <= findings.MAX_CLAIMS_SHOWN
    assert "more robust claims" in html or "more fragile claims" in html
