"""Build the processed corpus: raw texts -> cleaned, structured, segmented sentences.

:func:`prepare` runs cleaning -> structure -> segmentation for every document in the
manifest, in parallel processes (joblib), caching each document as Parquet under
``data/processed/docs`` with a key made of its raw file's SHA-256, its manifest entry and
a fingerprint of the corpus code and lexicons, so that adding a document processes only
that document. Reading the result is :mod:`aidiscourse.corpus.load`'s job.
"""
from __future__ import annotations

import hashlib
import json
import os
from pathlib import Path

import pandas as pd

from aidiscourse.cache import fingerprint, parquet_key, read_parquet, write_parquet
from aidiscourse.config import Paths, project_paths
from aidiscourse.corpus.cleaning import clean_text
from aidiscourse.corpus.markers import MOJIBAKE_MARK
from aidiscourse.corpus.manifest import Document, load_manifest, read_raw, verify_raw
from aidiscourse.corpus.segment import get_segmenter, split_sentences
from aidiscourse.corpus.structure import ARGUMENT_SECTIONS, split_paragraphs

SENTENCE_COLUMNS = ["doc_id", "section", "paragraph", "sentence", "speaker", "role", "turn", "flag", "text", "tokens"]
AUDIT_COLUMNS = ["doc_id", "order", "step", "description", "chars_before", "chars_after", "items", "examples"]
#: The combined tables, beside one file pair per document under ``docs/``.
SENTENCES_FILE = "sentences.parquet"
AUDIT_FILE = "cleaning_audit.parquet"


def code_version(paths: Paths) -> str:
    """Fingerprint of the corpus code (this whole subpackage) and the lexicons it reads."""
    return fingerprint(Path(__file__).parent, paths.user_dict, paths.stopwords_extra)


def document_key(doc: Document, version: str) -> str:
    """Cache key of one document: raw hash + manifest entry + code version."""
    payload = json.dumps({"entry": doc.record, "code": version}, sort_keys=True, ensure_ascii=False)
    return hashlib.sha256(payload.encode("utf-8")).hexdigest()[:20]


def corpus_key(docs, keys: dict[str, str]) -> str:
    """Key of the combined tables: the documents' keys in manifest order."""
    return hashlib.sha256("".join(keys[d.id] for d in docs).encode()).hexdigest()[:20]


def expected_keys(paths: Paths) -> tuple[list[Document], dict[str, str], str]:
    """The manifest's documents, each one's cache key and the combined key."""
    docs = load_manifest(paths)
    version = code_version(paths)
    keys = {d.id: document_key(d, version) for d in docs}
    return docs, keys, corpus_key(docs, keys)


def _segmenter_for(paths: Paths, doc: Document, backend: str = "jieba"):
    names = tuple(sorted({p.name for p in doc.people}))
    return get_segmenter(str(paths.user_dict), names, backend)


def process_document(paths: Paths, doc: Document, *, backend: str = "jieba") -> tuple[pd.DataFrame, pd.DataFrame]:
    """Clean, structure and segment one document.

    Returns
    -------
    sentences : DataFrame
        Columns :data:`SENTENCE_COLUMNS`; ``paragraph`` and ``sentence`` count from 1
        within the document; ``tokens`` is space-separated (empty for flagged sentences);
        ``flag`` is ``"mojibake"`` for sentences damaged by encoding errors, else empty.
    audit : DataFrame
        Columns :data:`AUDIT_COLUMNS`, one row per cleaning step plus the structure steps.
    """
    raw = read_raw(paths, doc)
    cleaned, steps = clean_text(raw, doc.source_type, script=doc.script)
    paragraphs = split_paragraphs(cleaned, doc)
    segmenter = _segmenter_for(paths, doc, backend)

    rows = []
    n_sentence = 0
    for n_par, para in enumerate(paragraphs, start=1):
        for text in split_sentences(para.text):
            flag = "mojibake" if MOJIBAKE_MARK in text else ""
            text = text.replace(MOJIBAKE_MARK, "")
            if not text.strip():
                continue
            n_sentence += 1
            tokens = "" if flag else " ".join(segmenter.cut(text))
            rows.append((doc.id, para.section, n_par, n_sentence, para.speaker, para.role, para.turn, flag, text, tokens))
    sentences = pd.DataFrame(rows, columns=SENTENCE_COLUMNS)

    notes = [(n, p.text[:40]) for p in paragraphs for n in p.notes]
    turns = sorted({p.turn for p in paragraphs if p.turn})
    chars_clean = sum(len(p.text) for p in paragraphs)
    body_chars = sum(len(p.text) for p in paragraphs if p.section in ARGUMENT_SECTIONS)
    structure_rows = [
        {"step": "split_turns", "description": "speaker turns found (turn tags without a colon repaired)",
         "chars_before": chars_clean, "chars_after": chars_clean, "items": len(turns),
         "examples": " | ".join(t for n, t in notes if n == "turn tag without colon")[:200]},
        {"step": "rejoin_paragraphs", "description": "paragraphs broken inside a sentence rejoined",
         "chars_before": chars_clean, "chars_after": chars_clean,
         "items": sum(n == "rejoined broken paragraph" for n, _ in notes), "examples": ""},
        {"step": "separate_sections", "description": "text outside the argument (front matter, contributors, notes, references) set apart",
         "chars_before": chars_clean, "chars_after": body_chars,
         "items": sum(p.section not in ARGUMENT_SECTIONS for p in paragraphs),
         "examples": " | ".join(sorted({p.section for p in paragraphs if p.section not in ARGUMENT_SECTIONS}))},
        {"step": "flag_mojibake_sentences", "description": "sentences with encoding damage kept out of the analyses",
         "chars_before": body_chars, "chars_after": body_chars - int(sentences.loc[sentences.flag != "", "text"].str.len().sum()),
         "items": int((sentences.flag != "").sum()),
         "examples": " | ".join(sentences.loc[sentences.flag != "", "text"].str.slice(0, 30))[:200]},
    ]
    audit = pd.DataFrame(steps + structure_rows)
    audit.insert(0, "order", range(1, len(audit) + 1))
    audit.insert(0, "doc_id", doc.id)
    return sentences, audit[AUDIT_COLUMNS]


def _cache_files(paths: Paths, doc: Document) -> tuple[Path, Path]:
    folder = paths.processed / "docs"
    return folder / f"{doc.id}.sentences.parquet", folder / f"{doc.id}.audit.parquet"


def _is_fresh(paths: Paths, doc: Document, key: str) -> bool:
    return all(parquet_key(f) == key for f in _cache_files(paths, doc))


def _process_and_cache(paths: Paths, doc: Document, key: str, backend: str) -> str:
    sentences, audit = process_document(paths, doc, backend=backend)
    sent_file, audit_file = _cache_files(paths, doc)
    write_parquet(sentences, sent_file, key=key)
    write_parquet(audit, audit_file, key=key)
    return doc.id


def _process_batch(paths: Paths, docs: list[Document], keys: list[str], backend: str) -> list[str]:
    return [_process_and_cache(paths, d, k, backend) for d, k in zip(docs, keys)]


def prepare(
    paths: Paths | None = None,
    *,
    n_jobs: int | None = None,
    backend: str = "jieba",
    progress: bool = True,
    force: bool = False,
) -> dict[str, int]:
    """Build the processed corpus, reprocessing only documents whose cache is stale.

    Parameters
    ----------
    paths : Paths, optional
        The project; found from the current directory by default.
    n_jobs : int, optional
        Worker processes (joblib/loky); default: one per core, at most one per document.
    backend : {"jieba", "rjieba"}
    progress : bool
        Show a progress bar on standard error.
    force : bool
        Reprocess every document.

    Returns
    -------
    dict
        ``{"documents": n, "processed": n_reprocessed, "sentences": n_rows}``.

    Writes ``data/processed/docs/<id>.sentences.parquet`` and ``<id>.audit.parquet`` per
    document and the combined :data:`SENTENCES_FILE` and :data:`AUDIT_FILE`, each with its
    cache key in the Parquet metadata; ``aidiscourse sentences`` prints the table as TSV.
    """
    paths = paths or project_paths()
    docs, keys, combined_key = expected_keys(paths)
    for doc in docs:  # refuse changed raw files before any work
        verify_raw(paths, doc)
    pending = [d for d in docs if force or not _is_fresh(paths, d, keys[d.id])]
    if pending:
        jobs = n_jobs or min(len(pending), os.cpu_count() or 1)
        bar = None
        if progress:
            from tqdm.auto import tqdm

            bar = tqdm(total=len(pending), desc="prepare", unit="doc")
        if jobs == 1:
            for doc in pending:
                _process_and_cache(paths, doc, keys[doc.id], backend)
                if bar:
                    bar.update(1)
        else:
            from joblib import Parallel, delayed

            # a few documents per task: fewer round trips, still balanced across workers
            size = max(1, min(20, len(pending) // (jobs * 8)))
            batches = [pending[i : i + size] for i in range(0, len(pending), size)]
            tasks = (delayed(_process_batch)(paths, b, [keys[d.id] for d in b], backend) for b in batches)
            for done in Parallel(n_jobs=jobs, backend="loky", return_as="generator_unordered")(tasks):
                if bar:
                    bar.update(len(done))
        if bar:
            bar.close()
    # drop cache files of documents no longer in the manifest
    wanted = {f.name for d in docs for f in _cache_files(paths, d)}
    for old in (paths.processed / "docs").glob("*"):
        if old.name not in wanted:
            old.unlink()

    sent_file, audit_file = paths.processed / SENTENCES_FILE, paths.processed / AUDIT_FILE
    if pending or parquet_key(sent_file) != combined_key or parquet_key(audit_file) != combined_key:
        files = [_cache_files(paths, d) for d in docs]
        sentences = pd.concat([read_parquet(s) for s, _ in files], ignore_index=True)
        audit = pd.concat([read_parquet(a) for _, a in files], ignore_index=True)
        write_parquet(audit, audit_file, key=combined_key)
        write_parquet(sentences, sent_file, key=combined_key)
        n_sentences = len(sentences)
    else:
        import pyarrow.parquet as pq

        n_sentences = pq.read_metadata(sent_file).num_rows
    return {"documents": len(docs), "processed": len(pending), "sentences": n_sentences}
