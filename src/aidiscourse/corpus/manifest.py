"""The corpus manifest (``data/corpus.yml``) and the provenance of raw files.

The manifest is validated against ``schemas/corpus.schema.json`` with ``jsonschema``;
every raw file is checked against the SHA-256 the manifest records before it is read,
and its text is taken out by :mod:`aidiscourse.corpus.extract` (plain text, Markdown,
web pages, PDF and Word files). Raw files are written by :func:`add_document` only.
"""
from __future__ import annotations

import functools
import hashlib
import json
import os
import tempfile
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any, Callable

import fastjsonschema
import jsonschema
import yaml

from aidiscourse.config import Paths
from aidiscourse.corpus.extract import (DEFAULT_SOURCE_TYPE, STORED_SUFFIX, TEXT_FORMATS, Extraction, ExtractedText,
                                        cached_extract, decode_text, detect_format, extract)
from aidiscourse.errors import fail

SOURCE_TYPES = ("interview", "article", "web_page", "pdf_extraction")
SPEAKING_ROLES = ("interviewer", "interviewee", "moderator", "panelist")


@dataclass(frozen=True)
class Person:
    """A person named in a document: author or speaker."""

    name: str
    role: str
    tag: str | None = None
    name_en: str | None = None
    affiliation: str | None = None


@dataclass(frozen=True)
class Document:
    """One manifest entry. ``record`` keeps the entry exactly as written."""

    id: str
    file: str
    sha256: str
    title: str
    script: str
    source_type: str
    people: tuple[Person, ...]
    record: dict[str, Any] = field(repr=False, compare=False, hash=False)

    @property
    def speakers(self) -> tuple[Person, ...]:
        """People who speak in turns (interviewers, interviewees, moderators, panelists)."""
        return tuple(p for p in self.people if p.role in SPEAKING_ROLES)

    @property
    def authors(self) -> tuple[Person, ...]:
        return tuple(p for p in self.people if p.role == "author")


def sha256_file(path: str | os.PathLike) -> str:
    """Return the hex SHA-256 of a file's bytes."""
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def _schema() -> dict:
    text = resources.files("aidiscourse").joinpath("schemas/corpus.schema.json").read_text("utf-8")
    return json.loads(text)


@functools.cache
def _compiled_schema():
    """The schema compiled to Python (fastjsonschema): a manifest of thousands of documents
    validates in milliseconds, against a second with jsonschema."""
    return fastjsonschema.compile(_schema())


def _describe(error: jsonschema.ValidationError, data: dict) -> str:
    """Name the entry (by id where possible) and the field of a schema error."""
    path = list(error.absolute_path)
    where = "manifest"
    if len(path) >= 2 and path[0] == "documents" and isinstance(path[1], int):
        docs = data.get("documents") or []
        entry = docs[path[1]] if path[1] < len(docs) else {}
        ident = entry.get("id") if isinstance(entry, dict) else None
        where = f"document {ident!r}" if ident else f"document #{path[1] + 1}"
        path = path[2:]
    if error.validator == "required":
        missing = error.message.split("'")[1] if "'" in error.message else error.message
        field_name = ".".join(str(p) for p in [*path, missing])
        return f"{where}: field {field_name!r} is missing"
    if error.validator == "additionalProperties":
        return f"{where}: {error.message}"
    field_name = ".".join(str(p) for p in path) or "(top level)"
    return f"{where}: field {field_name!r}: {error.message}"


def validate_manifest(data: Any, *, source: str = "data/corpus.yml") -> None:
    """Validate parsed manifest data; raise with a message naming the entry and field.

    Also checks what a schema cannot: ids and files are unique.
    """
    if not isinstance(data, dict):
        raise fail(f"{source}: the manifest must be a mapping with a 'documents' list")
    try:
        _compiled_schema()(data)
        errors = []
    except fastjsonschema.JsonSchemaException:
        # jsonschema finds every problem and says where: worth its time only on a bad manifest
        validator = jsonschema.Draft202012Validator(_schema())
        errors = sorted(validator.iter_errors(data), key=lambda e: [str(p) for p in e.absolute_path])
    if errors:
        first = errors[0]
        more = f" (and {len(errors) - 1} more problem(s))" if len(errors) > 1 else ""
        raise fail(f"{source}: {_describe(first, data)}{more}")
    for key in ("id", "file"):
        seen: set[str] = set()
        for entry in data["documents"]:
            if entry[key] in seen:
                raise fail(f"{source}: document {entry['id']!r}: {key} {entry[key]!r} is used twice")
            seen.add(entry[key])


def _to_document(entry: dict) -> Document:
    people = tuple(
        Person(
            name=p["name"],
            role=p["role"],
            tag=p.get("tag"),
            name_en=p.get("name_en"),
            affiliation=p.get("affiliation"),
        )
        for p in entry["people"]
    )
    return Document(
        id=entry["id"],
        file=entry["file"],
        sha256=entry["sha256"],
        title=entry["title"],
        script=entry["script"],
        source_type=entry["source_type"],
        people=people,
        record=dict(entry),
    )


def read_manifest_data(paths: Paths) -> dict:
    """Parse ``data/corpus.yml`` and validate it; return the plain data."""
    try:
        # libyaml's loader when present: a manifest of hundreds of documents parses 10x faster
        loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
        data = yaml.load(paths.manifest.read_text(encoding="utf-8"), Loader=loader)
    except yaml.YAMLError as exc:
        raise fail(f"{paths.manifest}: not valid YAML: {exc}") from None
    validate_manifest(data, source=str(paths.manifest.relative_to(paths.root)))
    return data


def load_manifest(paths: Paths) -> list[Document]:
    """Return the manifest's documents in manifest order.

    Parameters
    ----------
    paths : Paths
        The project (see :func:`aidiscourse.config.project_paths`).

    Returns
    -------
    list of Document
    """
    return [_to_document(e) for e in read_manifest_data(paths)["documents"]]


def raw_path(paths: Paths, doc: Document) -> Path:
    return paths.raw / doc.file


def verify_raw(paths: Paths, doc: Document) -> Path:
    """Check that a document's raw file exists and has the manifest's SHA-256.

    Raises
    ------
    AidiscourseError
        Naming the file and both hashes when they differ.
    """
    path = raw_path(paths, doc)
    if not path.is_file():
        raise fail(f"{doc.id}: raw file {path.relative_to(paths.root)} is missing")
    actual = sha256_file(path)
    if actual != doc.sha256:
        raise fail(
            f"{path.relative_to(paths.root)}: SHA-256 {actual} does not match the manifest's "
            f"{doc.sha256} for {doc.id!r}; raw files must not change (restore the file, or "
            "add it as a new document)"
        )
    return path


def raw_format(doc: Document) -> str:
    """The format of a document's raw file (``text`` unless the manifest says otherwise)."""
    return doc.record.get("format", "text")


def extraction_cache(paths: Paths) -> Path:
    """The folder of cached extractions (derived data, under ``data/processed``)."""
    return paths.processed / "extracted"


def read_raw(paths: Paths, doc: Document) -> ExtractedText:
    """Return a document's text after checking its raw file's hash (see :func:`verify_raw`).

    Plain text is decoded as UTF-8; other formats are extracted (cached, see
    :func:`aidiscourse.corpus.extract.cached_extract`). The result is a ``str`` that
    carries its :class:`~aidiscourse.corpus.extract.Extraction` for the cleaning audit.
    """
    data = verify_raw(paths, doc).read_bytes()
    fmt = raw_format(doc)
    if fmt == "text":
        text = data.decode("utf-8")
        return ExtractedText(Extraction(text, "text", "utf-8 decoding", text.count("\n") + 1, len(text)))
    return ExtractedText(cached_extract(data, fmt, sha256=doc.sha256, cache_dir=extraction_cache(paths), name=doc.file))


# --- adding a document -------------------------------------------------------------

#: What ``add`` records for metadata nobody gave (the book shows these as unknown).
UNKNOWN_PERSON = {"name": "佚名", "name_en": "unknown", "role": "author"}
UNKNOWN_DATE = "0000"
UNKNOWN = "unknown"
NOT_STATED = "not stated"


def orphan_raw_files(paths: Paths, docs: list[Document] | None = None) -> list[Path]:
    """Files in ``data/raw`` that no manifest entry names (left by an interrupted add).

    Temporary files of an interrupted write (``.NAME.XXXX.tmp``) count too.
    """
    docs = load_manifest(paths) if docs is None else docs
    named = {d.file for d in docs}
    if not paths.raw.is_dir():
        return []
    return sorted(p for p in paths.raw.iterdir() if p.is_file() and p.name not in named)


def add_document(
    paths: Paths,
    source: str | os.PathLike,
    *,
    doc_id: str,
    title: str | None = None,
    source_type: str | None = None,
    people: list[dict] | None = None,
    venue: str | None = None,
    date: str | None = None,
    licence: str | None = None,
    script: str | None = None,
    title_en: str | None = None,
    allow_duplicate: bool = False,
    warn: Callable[[str], None] | None = None,
) -> Document:
    """Copy a file into ``data/raw/`` and record it in the manifest, or change nothing.

    The text is extracted first (a file that yields none is refused); it is compared
    with every document already recorded (see :mod:`aidiscourse.corpus.duplicates`);
    the new entry is validated together with the existing manifest before anything is
    written; the raw copy and the manifest are each written to a temporary file and
    renamed, and the raw copy is removed again if the manifest cannot be written. Call
    it under :func:`aidiscourse.corpus.lock.project_lock` when other commands may run.

    Parameters
    ----------
    paths : Paths
    source : path-like
        The file to add: ``.txt``, ``.md``, ``.html``/``.htm``, ``.pdf`` or ``.docx``.
        Text and Markdown files are stored as UTF-8 (a GB18030/GBK or Big5 file is
        converted and its encoding recorded); the other formats byte for byte. A file
        already in ``data/raw`` under the name the id gives it (an orphan of an
        interrupted add) is recorded where it is.
    doc_id : str
        Lower-case letters, digits and hyphens.
    title : str, optional
        Defaults to the title the file states (PDF, Word, web page, Markdown heading).
    source_type : str, optional
        One of :data:`SOURCE_TYPES`; defaults to the format's
        (:data:`aidiscourse.corpus.extract.DEFAULT_SOURCE_TYPE`).
    people : list of dict, optional
        ``{"name": ..., "role": ...}`` entries; unknown when omitted (with a warning).
    venue, date, licence : str, optional
        Unknown (venue, date) or "not stated" (licence) when omitted; a warning names
        the unknown fields.
    script : {"simplified", "traditional"}, optional
        Detected from the text when omitted.
    allow_duplicate : bool
        Record the file even when its text repeats a recorded document's.
    warn : callable, optional
        Receives each warning (one line) once the entry has been validated; by
        default warnings are dropped.

    Returns
    -------
    Document
        The new manifest entry.
    """
    from aidiscourse.corpus.duplicates import overlaps
    from aidiscourse.corpus.normalize import looks_traditional

    warn = warn or (lambda message: None)
    source = Path(source)
    data = read_manifest_data(paths)
    if source_type is not None and source_type not in SOURCE_TYPES:
        raise fail(f"unknown source type {source_type!r}; use one of: {', '.join(SOURCE_TYPES)}")
    if any(d["id"] == doc_id for d in data["documents"]):
        raise fail(f"a document with id {doc_id!r} is already in the manifest")
    if not source.is_file():
        raise fail(f"{source}: no such file")
    payload = source.read_bytes()
    fmt = detect_format(source, payload)
    extraction = extract(payload, fmt, name=str(source))
    text = extraction.text
    source_type = source_type or DEFAULT_SOURCE_TYPE[fmt]
    title = " ".join((title or extraction.metadata.get("title") or "").split())
    if not title:
        raise fail(f"{source}: the file states no title; give one with --title")

    target = paths.raw / f"{doc_id}{STORED_SUFFIX[fmt]}"
    # text formats are stored as UTF-8 (the Markdown source, not its prose); others as received
    raw_bytes = decode_text(payload, name=str(source))[0].encode("utf-8") if fmt in TEXT_FORMATS else payload
    adopting = target.exists() and source.resolve() == target.resolve()
    if target.exists() and not adopting:
        raise fail(f"{target.relative_to(paths.root)} exists already; choose another id")

    notes: list[str] = []  # warnings, given once the entry is known to be valid
    docs = [_to_document(e) for e in data["documents"]]
    repeats = overlaps(text, {d.id: read_raw(paths, d) for d in docs})
    if repeats:
        what = f"{source}: " + "; ".join(o.describe() for o in repeats[:3])
        if not allow_duplicate:
            raise fail(f"{what}; add --allow-duplicate to record it anyway")
        notes.append(f"{what} (recorded because of --allow-duplicate)")

    if script is None:
        script = "traditional" if looks_traditional(text) else "simplified"
    unknown = [name for name, value in (("people", people), ("date", date), ("venue", venue)) if not value]
    if unknown:
        flags = ", ".join(f"--{'person' if n == 'people' else n}" for n in unknown)
        notes.append(f"{doc_id}: {', '.join(unknown)} unknown, recorded as unknown (give {flags}, or edit data/corpus.yml)")
    entry: dict[str, Any] = {"id": doc_id, "file": target.name, "sha256": hashlib.sha256(raw_bytes).hexdigest(), "title": title}
    if title_en:
        entry["title_en"] = title_en
    entry.update(
        {
            "people": people or [dict(UNKNOWN_PERSON)],
            "venue": venue or UNKNOWN,
            "date": date or UNKNOWN_DATE,
            "licence": licence or NOT_STATED,
            "script": script,
            "source_type": source_type,
            "format": fmt,
            "language": "zh",
        }
    )
    if fmt in TEXT_FORMATS:
        entry["encoding"] = "utf-8"
        if extraction.metadata.get("original_encoding"):
            entry["original_encoding"] = extraction.metadata["original_encoding"]
    candidate = {**data, "documents": [*data["documents"], entry]}
    validate_manifest(candidate, source="new manifest entry")
    for note in notes:
        warn(note)

    manifest_text = paths.manifest.read_text(encoding="utf-8")
    if not manifest_text.endswith("\n"):
        manifest_text += "\n"
    block = yaml.safe_dump([entry], allow_unicode=True, sort_keys=False, width=1000)
    manifest_text += "".join("  " + line + "\n" for line in block.splitlines())

    paths.raw.mkdir(parents=True, exist_ok=True)
    write_raw = not (adopting and target.read_bytes() == raw_bytes)
    if write_raw:
        _atomic_write(target, raw_bytes)
    try:
        _atomic_write(paths.manifest, manifest_text.encode("utf-8"))
    except BaseException:
        if write_raw and not adopting:
            target.unlink(missing_ok=True)
        raise
    return _to_document(entry)


def _atomic_write(path: Path, payload: bytes) -> None:
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(payload)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
