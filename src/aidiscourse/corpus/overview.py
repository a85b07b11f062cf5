"""Tables that describe the corpus and its cleaning (the corpus chapter)."""
from __future__ import annotations

import pandas as pd

from aidiscourse.config import Paths, project_paths
from aidiscourse.corpus.load import content_terms, load_cleaning_audit, load_sentences
from aidiscourse.corpus.cleaning import STEPS
from aidiscourse.corpus.manifest import UNKNOWN, UNKNOWN_DATE, load_manifest


def manifest_table(paths: Paths | None = None) -> pd.DataFrame:
    """One row per document with its metadata, in manifest order."""
    paths = paths or project_paths()
    rows = []
    for doc in load_manifest(paths):
        r = doc.record
        rows.append(
            {
                "doc_id": doc.id,
                "title": doc.title,
                "title_en": r.get("title_en", ""),
                "people": "; ".join(f"{p.name} ({p.name_en or '-'}, {p.role})" for p in doc.people),
                "venue": r["venue"],
                "date": UNKNOWN if r["date"] == UNKNOWN_DATE else r["date"],
                "licence": r["licence"],
                "script": doc.script,
                "source_type": doc.source_type,
                "format": r.get("format", "text"),
                "sha256": doc.sha256,
            }
        )
    return pd.DataFrame(rows)


def cleaning_summary(paths: Paths | None = None) -> pd.DataFrame:
    """Characters per document from raw file to analysed text.

    Columns: doc_id, raw_chars, clean_chars (after cleaning, all sections),
    argument_chars (the sections the analyses read, without flagged sentences),
    removed_share (share of raw characters not analysed), script_changed (characters
    changed by Traditional -> Simplified conversion).
    """
    paths = paths or project_paths()
    audit = load_cleaning_audit(paths)
    rows = []
    for doc in load_manifest(paths):
        a = audit[audit.doc_id == doc.id].set_index("step")
        # characters of the raw file as extracted (a PDF or Word file has no text of its own)
        raw_chars = int(a.loc["extract_text", "chars_before"])
        argument = int(a.loc["flag_mojibake_sentences", "chars_after"])
        rows.append(
            {
                "doc_id": doc.id,
                "raw_chars": raw_chars,
                "clean_chars": int(a.loc["separate_sections", "chars_before"]),
                "argument_chars": argument,
                "removed_share": round(1 - argument / raw_chars, 3),
                "script_changed": int(a.loc["to_simplified", "items"]),
            }
        )
    return pd.DataFrame(rows)


def step_matrix(paths: Paths | None = None) -> pd.DataFrame:
    """Items each cleaning step removed or changed (rows: steps in pipeline order;
    columns: documents). Empty where a step does not apply to a document's source type."""
    audit = load_cleaning_audit(paths)


    present = set(audit.step)
    order = [s for s in STEPS if s in present] + [s for s in dict.fromkeys(audit.step) if s not in STEPS]
    docs = list(dict.fromkeys(audit.doc_id))
    matrix = audit.pivot(index="step", columns="doc_id", values="items").reindex(index=order, columns=docs)
    matrix = matrix.apply(lambda col: col.map(lambda v: "" if pd.isna(v) else str(int(v))))
    descriptions = audit.drop_duplicates("step").set_index("step").description
    matrix.insert(0, "what it does", descriptions.reindex(order))
    matrix.columns.name = None
    return matrix


def step_examples(paths: Paths | None = None) -> pd.DataFrame:
    """Examples of what the removing and flagging steps took out, per document."""
    audit = load_cleaning_audit(paths)
    audit = audit[(audit["items"] > 0) & (audit.examples != "")]
    return audit[["doc_id", "step", "items", "examples"]].reset_index(drop=True)


def section_table(paths: Paths | None = None) -> pd.DataFrame:
    """Sentences and characters per document and section (all sections)."""
    df = load_sentences(paths, sections=None, include_flagged=True)
    out = (
        df.assign(chars=df.text.str.len())
        .groupby(["doc_id", "section"], sort=False)
        .agg(sentences=("text", "size"), chars=("chars", "sum"))
        .reset_index()
    )
    return out


def speaker_table(paths: Paths | None = None) -> pd.DataFrame:
    """Turns, sentences and tokens per speaker in the argument text."""
    df = load_sentences(paths)
    df = df.assign(n_tokens=df.tokens.str.split().str.len())
    return (
        df.groupby(["doc_id", "speaker", "role"], sort=False)
        .agg(turns=("turn", "nunique"), sentences=("text", "size"), tokens=("n_tokens", "sum"))
        .reset_index()
    )


def size_table(paths: Paths | None = None) -> pd.DataFrame:
    """Sentences, tokens and content terms per document (argument text)."""
    df = load_sentences(paths)
    df = df.assign(n_tokens=df.tokens.str.split().str.len(), n_terms=content_terms(df, paths).str.len())
    return (
        df.groupby("doc_id", sort=False)
        .agg(sentences=("text", "size"), tokens=("n_tokens", "sum"), terms=("n_terms", "sum"))
        .reset_index()
    )
