"""The corpus manifest (``data/corpus.yml``) and the provenance of raw files.

The manifest is validated against ``schemas/corpus.schema.json`` with ``jsonschema``;
every raw file is checked against the SHA-256 the manifest records before it is read.
Raw files are written by :func:`add_document` only.
"""
from __future__ import annotations

import hashlib
import json
import os
import tempfile
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any

import jsonschema
import yaml

from aidiscourse.config import Paths
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


def read_raw(paths: Paths, doc: Document) -> str:
    """Return a document's raw text after checking its hash (see :func:`verify_raw`)."""
    return verify_raw(paths, doc).read_bytes().decode("utf-8")


# --- adding a document -------------------------------------------------------------

#: Encodings tried, in order, for a file that is not UTF-8. GB18030 is a superset of
#: GBK and GB2312; Big5 covers Traditional texts from Taiwan and Hong Kong.
FALLBACK_ENCODINGS = ("gb18030", "big5")


def decode_text(data: bytes, *, name: str = "file") -> tuple[str, str]:
    """Decode bytes of a Chinese text file, returning ``(text, encoding)``.

    UTF-8 (with or without BOM) is tried first; otherwise charset-normalizer proposes
    an encoding, restricted to GB18030 and Big5, and the candidate whose text holds the
    most CJK characters wins. Refuses empty, binary and undecodable input.
    """
    if not data.strip():
        raise fail(f"{name}: file is empty")
    if b"\x00" in data:
        raise fail(f"{name}: not a text file (it contains NUL bytes)")
    try:
        text = data.decode("utf-8-sig")
        return text, "utf-8"
    except UnicodeDecodeError:
        pass
    from charset_normalizer import from_bytes

    best = from_bytes(data, cp_isolation=list(FALLBACK_ENCODINGS)).best()
    candidates = []
    for enc in ([best.encoding] if best else []) + list(FALLBACK_ENCODINGS):
        try:
            text = data.decode(enc)
        except (UnicodeDecodeError, LookupError):
            continue
        cjk = sum("\u4e00" <= ch <= "\u9fff" for ch in text)
        candidates.append((cjk, -len(candidates), enc, text))
    if not candidates:
        raise fail(f"{name}: cannot be decoded as UTF-8, GB18030 or Big5")
    cjk, _, enc, text = max(candidates)
    if cjk == 0 or sum(ch.isprintable() or ch.isspace() for ch in text) < 0.95 * len(text):
        raise fail(f"{name}: not a text file (no readable Chinese text in any known encoding)")
    return text, "gb18030" if enc.lower().replace("_", "") in ("gb18030", "gbk", "gb2312") else enc.lower()


def add_document(
    paths: Paths,
    source: str | os.PathLike,
    *,
    doc_id: str,
    title: str,
    source_type: str,
    people: list[dict] | None = None,
    venue: str = "unknown",
    date: str | None = None,
    licence: str = "not stated",
    script: str | None = None,
    title_en: str | None = None,
) -> Document:
    """Copy a text into ``data/raw/`` and record it in the manifest, or change nothing.

    The new entry is validated together with the existing manifest before anything is
    written; the raw copy and the manifest are each written to a temporary file and
    renamed, and the raw copy is removed again if the manifest cannot be written.

    Parameters
    ----------
    paths : Paths
    source : path-like
        The text file to add (UTF-8, GB18030/GBK or Big5).
    doc_id, title, source_type : str
        Required metadata; ``source_type`` is one of :data:`SOURCE_TYPES`.
    people : list of dict, optional
        ``{"name": ..., "role": ...}`` entries; defaults to one unknown author.
    script : {"simplified", "traditional"}, optional
        Detected from the text when omitted.

    Returns
    -------
    Document
        The new manifest entry.
    """
    source = Path(source)
    data = read_manifest_data(paths)
    if source_type not in SOURCE_TYPES:
        raise fail(f"unknown source type {source_type!r}; use one of: {', '.join(SOURCE_TYPES)}")
    if any(d["id"] == doc_id for d in data["documents"]):
        raise fail(f"a document with id {doc_id!r} is already in the manifest")
    if not source.is_file():
        raise fail(f"{source}: no such file")
    text, encoding = decode_text(source.read_bytes(), name=str(source))
    target = paths.raw / f"{doc_id}.txt"
    if target.exists():
        raise fail(f"{target.relative_to(paths.root)} exists already; choose another id")
    raw_bytes = text.encode("utf-8")
    if script is None:
        from aidiscourse.corpus.normalize import looks_traditional

        script = "traditional" if looks_traditional(text) else "simplified"
    entry: dict[str, Any] = {
        "id": doc_id,
        "file": target.name,
        "sha256": hashlib.sha256(raw_bytes).hexdigest(),
        "title": title,
    }
    if title_en:
        entry["title_en"] = title_en
    entry.update(
        {
            "people": people or [{"name": "佚名", "name_en": "unknown", "role": "author"}],
            "venue": venue,
            "date": date or "0000",
            "licence": licence,
            "script": script,
            "source_type": source_type,
            "language": "zh",
            "encoding": "utf-8",
        }
    )
    if encoding != "utf-8":
        entry["original_encoding"] = encoding
    candidate = {**data, "documents": [*data["documents"], entry]}
    validate_manifest(candidate, source="new manifest entry")

    manifest_text = paths.manifest.read_text(encoding="utf-8")
    if not manifest_text.endswith("\n"):
        manifest_text += "\n"
    block = yaml.safe_dump([entry], allow_unicode=True, sort_keys=False, width=1000)
    manifest_text += "".join("  " + line + "\n" for line in block.splitlines())

    paths.raw.mkdir(parents=True, exist_ok=True)
    _atomic_write(target, raw_bytes)
    try:
        _atomic_write(paths.manifest, manifest_text.encode("utf-8"))
    except BaseException:
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
