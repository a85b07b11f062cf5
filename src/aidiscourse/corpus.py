"""The cleaned, segmented corpus: one row per sentence, cached under ``data/processed``.

:func:`prepare` runs cleaning -> structure -> segmentation for every document in the
manifest, in parallel processes (joblib), caching each document under a key made of
its raw file's SHA-256, its manifest entry and the code and lexicon version, so that
adding a document processes only that document. :func:`sentences` returns the table,
preparing what is stale first.
"""
from __future__ import annotations

import hashlib
import json
import os
import pickle
from pathlib import Path

import pandas as pd

from .cleaning import MOJIBAKE_MARK, clean_text
from .config import Paths, project_paths
from .manifest import Document, load_manifest, read_raw
from .segment import get_segmenter, load_stopwords, split_sentences, terms
from .structure import ARGUMENT_SECTIONS, split_paragraphs

SENTENCE_COLUMNS = ["doc_id", "section", "paragraph", "sentence", "speaker", "role", "turn", "flag", "text", "tokens"]
AUDIT_COLUMNS = ["doc_id", "order", "step", "description", "chars_before", "chars_after", "items", "examples"]

_PIPELINE_MODULES = ("normalize.py", "cleaning.py", "structure.py", "segment.py", "corpus.py")


def code_version(paths: Paths) -> str:
    """Hash of the pipeline's code and lexicons: a change to either invalidates caches."""
    digest = hashlib.sha256()
    package = Path(__file__).parent
    for name in _PIPELINE_MODULES:
        digest.update((package / name).read_bytes())
    for lexicon in (paths.user_dict, paths.stopwords_extra):
        digest.update(lexicon.read_bytes() if lexicon.is_file() else b"-")
    return digest.hexdigest()


def document_key(doc: Document, version: str) -> str:
    """Cache key of one document: raw hash + manifest entry + code version."""
    payload = json.dumps({"entry": doc.record, "code": version}, sort_keys=True, ensure_ascii=False)
    return hashlib.sha256(payload.encode("utf-8")).hexdigest()[:20]


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


def _cache_file(paths: Paths, doc: Document, key: str) -> Path:
    return paths.processed / "docs" / f"{doc.id}.{key}.pkl"


def _process_and_cache(paths: Paths, doc: Document, key: str, backend: str) -> str:
    _write_pickle(_cache_file(paths, doc, key), process_document(paths, doc, backend=backend))
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

    Writes ``data/processed/docs/<id>.<key>.pkl`` per document and
    ``data/processed/corpus.pkl`` (sentence table and cleaning audit of all documents);
    ``aidiscourse sentences`` prints the table as TSV.
    """
    paths = paths or project_paths()
    docs = load_manifest(paths)
    version = code_version(paths)
    keys = {d.id: document_key(d, version) for d in docs}
    for doc in docs:  # refuse changed raw files before any work
        from .manifest import verify_raw

        verify_raw(paths, doc)
    pending = [d for d in docs if force or not _cache_file(paths, d, keys[d.id]).is_file()]
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
    # drop cache files of older versions and of documents no longer in the manifest
    wanted = {_cache_file(paths, d, keys[d.id]).name for d in docs}
    for old in (paths.processed / "docs").glob("*.pkl"):
        if old.name not in wanted:
            old.unlink()

    combined_key = hashlib.sha256("".join(keys[d.id] for d in docs).encode()).hexdigest()[:20]
    combined = paths.processed / "corpus.pkl"
    if pending or not combined.is_file() or _read_pickle(combined)[0] != combined_key:
        frames = [_read_pickle(_cache_file(paths, d, keys[d.id])) for d in docs]
        sentences = pd.concat([f[0] for f in frames], ignore_index=True)
        audit = pd.concat([f[1] for f in frames], ignore_index=True)
        _write_pickle(combined, (combined_key, sentences, audit))
        n_sentences = len(sentences)
    else:
        n_sentences = len(_read_pickle(combined)[1])
    return {"documents": len(docs), "processed": len(pending), "sentences": n_sentences}


def _read_pickle(path: Path):
    with open(path, "rb") as fh:
        return pickle.load(fh)


def _write_pickle(path: Path, obj) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".tmp")
    with open(tmp, "wb") as fh:
        pickle.dump(obj, fh, protocol=pickle.HIGHEST_PROTOCOL)
    os.replace(tmp, path)


def sentences(
    paths: Paths | None = None,
    *,
    sections: tuple[str, ...] | None = ARGUMENT_SECTIONS,
    include_flagged: bool = False,
) -> pd.DataFrame:
    """The sentence table, prepared first if anything changed.

    Parameters
    ----------
    sections : tuple of str or None
        Keep these sections (default: the argument, :data:`ARGUMENT_SECTIONS`);
        ``None`` keeps all.
    include_flagged : bool
        Keep sentences flagged as encoding-damaged.

    Returns
    -------
    DataFrame
        Columns :data:`SENTENCE_COLUMNS`, in manifest and text order.
    """
    paths = paths or project_paths()
    prepare(paths, progress=False)
    df = _read_pickle(paths.processed / "corpus.pkl")[1]
    if sections is not None:
        df = df[df.section.isin(sections)]
    if not include_flagged:
        df = df[df.flag == ""]
    return df.reset_index(drop=True)


def cleaning_audit(paths: Paths | None = None) -> pd.DataFrame:
    """The cleaning audit: one row per document and step (see :func:`process_document`)."""
    paths = paths or project_paths()
    prepare(paths, progress=False)
    return _read_pickle(paths.processed / "corpus.pkl")[2]


def document_terms(df: pd.DataFrame, paths: Paths | None = None) -> pd.Series:
    """Content terms of each sentence (stop words, numbers, punctuation removed).

    Returns a Series of lists aligned with ``df``'s index.
    """
    paths = paths or project_paths()
    stop = load_stopwords(str(paths.stopwords_extra))
    return df["tokens"].map(lambda s: terms(s.split(), stop))
