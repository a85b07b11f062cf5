"""Build the processed corpus: raw texts -> cleaned, structured, segmented sentences.

:func:`prepare` runs cleaning -> structure -> segmentation for every document in the
manifest and caches each document as Parquet under ``data/processed/docs`` with a key made
of its raw file's SHA-256, its manifest entry and a fingerprint of the corpus code and
lexicons, so that adding a document processes only that document. Reading the result is
:mod:`aidiscourse.corpus.load`'s job.

The per-document work (:func:`process_text`) is a pure function of the document's text,
its manifest entry and the user dictionary's entries, returning two Arrow tables, which
the worker encodes as the cache's Parquet files (:func:`process_encoded`). A local
worker writes them itself; a cluster's worker sends the compact columnar bytes back and the
driver writes them. Only the driver reads raw files, so the work runs alike in this
process, in local worker processes or on a Dask cluster (:mod:`aidiscourse.parallel`), with
no shared disk, and gives the same files wherever it ran.
"""
from __future__ import annotations

import hashlib
import json
from pathlib import Path

import pyarrow as pa

from aidiscourse.cache import atomic_write, fingerprint, parquet_bytes, parquet_key, read_table, write_table
from aidiscourse.config import SEGMENTER_BACKEND, Paths, project_paths
from aidiscourse.corpus.cleaning import clean_text
from aidiscourse.corpus.markers import MOJIBAKE_MARK
from aidiscourse.corpus.manifest import Document, load_manifest, read_raw, verify_raw
from aidiscourse.corpus.segment import document_segmenter, get_segmenter_for_entries, read_user_dict, split_sentences
from aidiscourse.corpus.structure import ARGUMENT_SECTIONS, split_paragraphs

SENTENCE_COLUMNS = ["doc_id", "section", "paragraph", "sentence", "speaker", "role", "turn", "flag", "text", "tokens"]
AUDIT_COLUMNS = ["doc_id", "order", "step", "description", "chars_before", "chars_after", "items", "examples"]
SENTENCE_SCHEMA = pa.schema([(c, pa.int64() if c in ("paragraph", "sentence", "turn") else pa.large_string())
                             for c in SENTENCE_COLUMNS])
AUDIT_SCHEMA = pa.schema([(c, pa.int64() if c in ("order", "chars_before", "chars_after", "items") else pa.large_string())
                          for c in AUDIT_COLUMNS])
#: Below this many characters to process, ``prepare`` works in this process. Local
#: workers are forked from it (on Linux) and start in milliseconds, but they still cost the
#: dictionary's build here and the round trips of the results: two workers break even near
#: 0.6 million characters (0.63 s either way) and pay at 1.5 million (0.88 s against 1.2 s),
#: measured on two cores.
IN_PROCESS_BELOW_CHARS = 800_000
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


def process_document(paths: Paths, doc: Document, *, backend: str = SEGMENTER_BACKEND) -> tuple[pa.Table, pa.Table]:
    """Clean, structure and segment one document of the project (see :func:`process_text`)."""
    return process_text(doc, read_raw(paths, doc), read_user_dict(paths.user_dict), backend)


def process_text(doc: Document, raw: str, user_words: tuple, backend: str = SEGMENTER_BACKEND) -> tuple[pa.Table, pa.Table]:
    """Clean, structure and segment one document's raw text.

    Parameters
    ----------
    doc : Document
        The manifest entry (source type, script, people).
    raw : str
        The raw text, as read from ``data/raw``.
    user_words : tuple of (word, freq, tag)
        The user dictionary's entries (:func:`~aidiscourse.corpus.segment.read_user_dict`).
    backend : {"rjieba", "jieba"}

    Returns
    -------
    sentences : pyarrow.Table
        Columns :data:`SENTENCE_COLUMNS`; ``paragraph`` and ``sentence`` count from 1
        within the document; ``tokens`` is space-separated (empty for flagged sentences);
        ``flag`` is ``"mojibake"`` for sentences damaged by encoding errors, else empty.
    audit : pyarrow.Table
        Columns :data:`AUDIT_COLUMNS`, one row per cleaning step plus the structure steps.
    """
    cleaned, steps = clean_text(raw, doc.source_type, script=doc.script)
    paragraphs = split_paragraphs(cleaned, doc)
    names = tuple(sorted({p.name for p in doc.people}))
    rows: list[tuple] = []
    flagged: list[str] = []
    with document_segmenter(user_words, names, backend) as segmenter:
        tokens = segmenter.tokens
        for n_par, para in enumerate(paragraphs, start=1):
            for text in split_sentences(para.text):
                flag = ""
                if MOJIBAKE_MARK in text:
                    flag, text = "mojibake", text.replace(MOJIBAKE_MARK, "")
                    if not text.strip():
                        continue
                    flagged.append(text)
                rows.append((doc.id, para.section, n_par, len(rows) + 1, para.speaker, para.role, para.turn, flag, text,
                             "" if flag else tokens(text)))
    columns = zip(*rows) if rows else ([] for _ in SENTENCE_COLUMNS)
    sentences = pa.table(dict(zip(SENTENCE_COLUMNS, map(list, columns))), schema=SENTENCE_SCHEMA)

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
         "chars_before": body_chars, "chars_after": body_chars - sum(map(len, flagged)),
         "items": len(flagged), "examples": " | ".join(t[:30] for t in flagged)[:200]},
    ]
    rows = steps + structure_rows
    audit = {"doc_id": [doc.id] * len(rows), "order": list(range(1, len(rows) + 1))}
    audit.update({c: [row[c] for row in rows] for c in AUDIT_COLUMNS[2:]})
    return sentences, pa.table(audit, schema=AUDIT_SCHEMA)


def process_encoded(doc: Document, raw: str, user_words: tuple, backend: str, key: str,
                    folder: Path | None = None) -> tuple[pa.Table, pa.Table, list[bytes]]:
    """:func:`process_text`'s two tables, and the same encoded as the Parquet files of the
    cache (with ``key``).

    A worker does the encoding. Given the cache ``folder`` (a worker on this machine), it
    also writes the two files, so that the waits for the disk are spread over the workers,
    and returns no bytes; otherwise (a cluster's worker, which shares no disk with the
    driver) the driver writes the bytes, without decoding what it has just been sent.
    """
    sentences, audit = process_text(doc, raw, user_words, backend)
    files = [parquet_bytes(sentences, key=key, small=True), parquet_bytes(audit, key=key, small=True)]
    if folder is not None:
        for path, data in zip(cache_files(folder, doc), files):
            atomic_write(path, data)
        files = []
    return sentences, audit, files


def cache_files(folder: Path, doc: Document) -> tuple[Path, Path]:
    """The two cache files of ``doc`` in ``folder`` (``data/processed/docs``)."""
    return folder / f"{doc.id}.sentences.parquet", folder / f"{doc.id}.audit.parquet"


def _cache_files(paths: Paths, doc: Document) -> tuple[Path, Path]:
    return cache_files(paths.processed / "docs", doc)


def _is_fresh(paths: Paths, doc: Document, key: str) -> bool:
    return all(parquet_key(f) == key for f in _cache_files(paths, doc))


def prepare(
    paths: Paths | None = None,
    *,
    n_jobs: int | None = None,
    backend: str = SEGMENTER_BACKEND,
    progress: bool = True,
    force: bool = False,
    scheduler: str | None = None,
) -> dict[str, int]:
    """Build the processed corpus, reprocessing only documents whose cache is stale.

    Parameters
    ----------
    paths : Paths, optional
        The project; found from the current directory by default.
    n_jobs : int, optional
        Local worker processes (joblib/loky); default: one per core, at most one per
        document. Fewer than :data:`IN_PROCESS_BELOW_CHARS` characters to process are
        processed in this process (a scheduler address still sends them to Dask).
    backend : {"rjieba", "jieba"}
        Segmentation backend (default :data:`aidiscourse.config.SEGMENTER_BACKEND`); both
        give the same tokens.
    progress : bool
        Show a progress bar on standard error.
    force : bool
        Reprocess every document.
    scheduler : str, optional
        Address of a Dask scheduler that runs the documents (default: the environment
        variable ``AIDISCOURSE_SCHEDULER``, else local); see :mod:`aidiscourse.parallel`.

    Returns
    -------
    dict
        ``{"documents": n, "processed": n_reprocessed, "sentences": n_rows}``.

    Writes ``data/processed/docs/<id>.sentences.parquet`` and ``<id>.audit.parquet`` per
    document and the combined :data:`SENTENCES_FILE` and :data:`AUDIT_FILE`, each with its
    cache key in the Parquet metadata; ``aidiscourse sentences`` prints the table as TSV.
    """
    from aidiscourse.parallel import map_tasks, scheduler_address

    paths = paths or project_paths()
    docs, keys, combined_key = expected_keys(paths)
    pending = [d for d in docs if force or not _is_fresh(paths, d, keys[d.id])]
    # refuse changed raw files before any work; the texts travel with the tasks, so
    # workers need no access to data/raw
    texts = {d.id: read_raw(paths, d) for d in pending}
    for doc in docs:
        if doc.id not in texts:
            verify_raw(paths, doc)
    tables: dict[str, tuple] = {}  # document -> its two tables (those processed now)
    if pending:
        user_words = read_user_dict(paths.user_dict)
        # local workers write their documents' files themselves; a cluster's send the bytes
        local = scheduler_address(scheduler) is None
        folder = paths.processed / "docs" if local else None
        items = [(d, texts.pop(d.id), user_words, backend, keys[d.id], folder) for d in pending]
        if sum(len(item[1]) for item in items) < IN_PROCESS_BELOW_CHARS:
            n_jobs = 1
        elif local:
            # local workers are forked from this process and inherit the dictionary built here
            get_segmenter_for_entries(user_words, (), backend)
        bar = None
        if progress:
            from tqdm.auto import tqdm

            bar = tqdm(total=len(pending), desc="prepare", unit="doc")
        tasks = map_tasks(process_encoded, items, n_jobs=n_jobs, scheduler=scheduler, fork=True)
        for i, (sentences, audit, files) in tasks:
            for path, data in zip(_cache_files(paths, pending[i]), files):
                atomic_write(path, data)
            tables[pending[i].id] = sentences, audit
            if bar:
                bar.update(1)
        if bar:
            bar.close()
    # drop cache files of documents no longer in the manifest
    wanted = {f.name for d in docs for f in _cache_files(paths, d)}
    for old in (paths.processed / "docs").glob("*"):
        if old.name not in wanted:
            old.unlink()

    sent_file, audit_file = paths.processed / SENTENCES_FILE, paths.processed / AUDIT_FILE
    if pending or parquet_key(sent_file) != combined_key or parquet_key(audit_file) != combined_key:
        parts = [tables.get(d.id) or tuple(map(read_table, _cache_files(paths, d))) for d in docs]
        # the combined table carries its own key, not the documents' ones
        sentences = pa.concat_tables([s for s, _ in parts]).replace_schema_metadata() if docs else SENTENCE_SCHEMA.empty_table()
        audit = pa.concat_tables([a for _, a in parts]).replace_schema_metadata() if docs else AUDIT_SCHEMA.empty_table()
        write_table(audit, audit_file, key=combined_key)
        write_table(sentences, sent_file, key=combined_key)
        n_sentences = sentences.num_rows
    else:
        import pyarrow.parquet as pq

        n_sentences = pq.read_metadata(sent_file).num_rows
    return {"documents": len(docs), "processed": len(pending), "sentences": n_sentences}
