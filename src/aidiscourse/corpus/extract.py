"""Text from the files people bring: plain text, Markdown, web pages, PDF and Word.

The raw file stays in ``data/raw`` as received; its text is taken out by
:func:`extract`, a recorded step (format, library and version, pages or paragraphs)
whose result is cached under ``data/processed/extracted`` and whose audit row opens the
document's cleaning audit. Each format uses a well-kept library:

=========  ===========================================================================
format     extraction
=========  ===========================================================================
text       UTF-8, GB18030/GBK or Big5, detected (:func:`decode_text`)
markdown   ``markdown-it-py``: the prose of paragraphs, headings, lists and tables;
           code, HTML blocks, images and front matter left out; links keep their text
html       ``trafilatura``: the main text of the page, without navigation, scripts,
           comments and boilerplate (precision favoured over recall)
pdf        ``pypdf``: the text layer of each page, in the layout ``pdf_extraction``
           cleaning repairs (hard line breaks, running headers, citation marks)
docx       ``python-docx``: paragraphs and table rows in document order
=========  ===========================================================================

A scanned PDF (no text layer), an encrypted or corrupt file is refused with one line.
"""
from __future__ import annotations

import hashlib
import io
import json
import logging
import re
from dataclasses import asdict, dataclass, field
from importlib.metadata import version
from pathlib import Path
from typing import Literal

from aidiscourse.corpus.radicals import repair_radicals
from aidiscourse.errors import AidiscourseError, fail

Format = Literal["text", "markdown", "html", "pdf", "docx"]

#: File name endings accepted by ``aidiscourse add`` and the format each means.
SUFFIXES: dict[str, Format] = {
    ".txt": "text", ".text": "text", ".md": "markdown", ".markdown": "markdown",
    ".html": "html", ".htm": "html", ".pdf": "pdf", ".docx": "docx",
}
#: The ending a raw file of each format is stored with.
STORED_SUFFIX: dict[str, str] = {"text": ".txt", "markdown": ".md", "html": ".html", "pdf": ".pdf", "docx": ".docx"}
#: The source type (cleaning pipeline) a format implies when none is given.
DEFAULT_SOURCE_TYPE: dict[str, str] = {
    "text": "article", "markdown": "article", "html": "web_page", "pdf": "pdf_extraction", "docx": "article",
}
#: Formats whose raw copy is their text re-encoded as UTF-8 (the others are kept as bytes).
TEXT_FORMATS = ("text", "markdown")

_OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"  # encrypted Office files and old .doc
_FULL_HTML = re.compile(rb"^\s*(?:<\?xml[^>]*>\s*)?(?:<!--.*?-->\s*)*<(?:!doctype\s+html|html)\b", re.I | re.S)


@dataclass(frozen=True)
class Extraction:
    """The text taken out of a file, and how.

    Attributes
    ----------
    text : str
        Lines of text; paragraphs on lines of their own.
    format : str
        One of ``text``, ``markdown``, ``html``, ``pdf``, ``docx``.
    tool : str
        The library and version that extracted it (``"pypdf 7.1.0"``).
    units : int
        Pages (PDF), paragraphs (Word, Markdown, web page) or lines (text).
    chars_in : int
        Characters of the source before extraction (for PDF and Word: of the text).
    metadata : dict
        Title, author and date the file itself states, where it does (may be empty).
    """

    text: str
    format: str
    tool: str
    units: int
    chars_in: int
    metadata: dict = field(default_factory=dict)

    def audit_row(self) -> dict:
        """The extraction as the first row of a document's cleaning audit."""
        unit = {"pdf": "pages", "text": "lines"}.get(self.format, "paragraphs")
        return {
            "step": "extract_text",
            "description": "text taken from the raw file (format, library, size in the examples)",
            "chars_before": self.chars_in,
            "chars_after": len(self.text),
            "items": self.units,
            "examples": f"{self.format}, {self.tool}, {self.units} {unit}",
        }


class ExtractedText(str):
    """A raw document's text that remembers how it was extracted (``.extraction``).

    It is an ordinary string everywhere; :func:`aidiscourse.corpus.cleaning.clean_text`
    reads ``.extraction`` to put the extraction step at the head of the audit.
    """

    extraction: Extraction

    def __new__(cls, extraction: Extraction):
        obj = super().__new__(cls, extraction.text)
        obj.extraction = extraction
        return obj

    def __reduce__(self):
        # sent to worker processes: rebuilt from its extraction, not from the plain string
        return (ExtractedText, (self.extraction,))


# --- formats -----------------------------------------------------------------------

def detect_format(name: str | Path, data: bytes) -> Format:
    """The format of a file from its name, checked against its first bytes.

    A ``.txt`` file that holds a whole HTML document is read as a web page.

    Raises
    ------
    AidiscourseError
        For an unknown ending, or content that contradicts it.
    """
    suffix = Path(name).suffix.lower()
    if suffix not in SUFFIXES:
        known = ", ".join(sorted(SUFFIXES))
        raise fail(f"{name}: unknown file type {suffix or '(no ending)'!r}; add one of: {known}")
    fmt = SUFFIXES[suffix]
    if fmt == "pdf" and not data.lstrip()[:5] == b"%PDF-":
        raise fail(f"{name}: not a PDF file (it does not start with %PDF-)")
    if fmt == "docx" and data[:8] == _OLE_MAGIC:
        raise fail(f"{name}: an encrypted Word file or an old .doc file; save it as an unencrypted .docx first")
    if fmt == "docx" and data[:4] != b"PK\x03\x04":
        raise fail(f"{name}: not a Word .docx file (it is not a zip package)")
    if fmt == "text" and _FULL_HTML.match(data[:4096]):
        return "html"
    return fmt


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


def _tool(package: str) -> str:
    return f"{package} {version(package)}"


_WORDS = re.compile(r"[\u3400-\u9fffA-Za-z]")


def _require_text(text: str, name: str, what: str) -> None:
    if not _WORDS.search(text):
        raise fail(f"{name}: {what}")


def extract_text(data: bytes, *, name: str = "file") -> Extraction:
    """Plain text: decoded (see :func:`decode_text`), otherwise unchanged."""
    text, encoding = decode_text(data, name=name)
    meta = {} if encoding == "utf-8" else {"original_encoding": encoding}
    return Extraction(text, "text", f"{encoding} decoding", text.count("\n") + 1, len(text), meta)


def extract_markdown(data: bytes, *, name: str = "file") -> Extraction:
    """Markdown rendered to its prose with ``markdown-it-py`` (CommonMark with tables).

    Paragraphs, headings, list items and table rows become lines; soft line breaks
    inside a paragraph are joined; links keep their text; code blocks, inline HTML,
    HTML blocks (comments included), images and YAML front matter are left out.
    """
    from markdown_it import MarkdownIt
    from mdit_py_plugins.front_matter import front_matter_plugin

    source, encoding = decode_text(data, name=name)
    md = MarkdownIt("commonmark", {"html": True}).enable(["table", "strikethrough"]).use(front_matter_plugin)
    blocks: list[str] = []
    cells: list[str] | None = None  # the cells of the table row being read
    meta: dict = {} if encoding == "utf-8" else {"original_encoding": encoding}
    heading_level = None
    for tok in md.parse(source):
        if tok.type == "front_matter":
            meta.update(_front_matter(tok.content))
        elif tok.type == "heading_open":
            heading_level = tok.tag
        elif tok.type == "tr_open":
            cells = []
        elif tok.type == "tr_close":
            if cells and any(c.strip() for c in cells):
                blocks.append(" ".join(c.strip() for c in cells if c.strip()))
            cells = None
        elif tok.type == "inline":
            line = _inline_text(tok.children or []).strip()
            if cells is not None:
                cells.append(line)
            elif line:
                blocks.append(line)
                if heading_level == "h1" and "title" not in meta:
                    meta["title"] = line
            heading_level = None
    text = "\n\n".join(blocks)
    _require_text(text, name, "no text in this Markdown file")
    return Extraction(text, "markdown", _tool("markdown-it-py"), len(blocks), len(source), meta)


def _inline_text(children) -> str:
    out = []
    for child in children:
        if child.type == "image":
            continue  # its alt text is a description, not prose
        if child.type in ("text", "code_inline"):
            out.append(child.content)
        elif child.type == "softbreak":
            out.append(" ")  # collapse_whitespace later removes it between Chinese characters
        elif child.type == "hardbreak":
            out.append("\n")
        # html_inline, link and emphasis markers: nothing (a link's text is in its children)
    return "".join(out)


def _front_matter(content: str) -> dict:
    import yaml

    try:
        data = yaml.safe_load(content)
    except yaml.YAMLError:
        return {}
    if not isinstance(data, dict):
        return {}
    return {k: str(data[k]) for k in ("title", "author", "date") if data.get(k)}


def extract_html(data: bytes, *, name: str = "file") -> Extraction:
    """The main text of a web page with ``trafilatura`` (precision favoured: navigation,
    share widgets and comments go), plus the page's title, author and date."""
    import trafilatura
    from trafilatura.utils import decode_file

    page = decode_file(data)
    if not page.strip():
        raise fail(f"{name}: file is empty")
    with _quiet("trafilatura", "htmldate", "courlan"):
        doc = trafilatura.bare_extraction(page, favor_precision=True, include_comments=False, include_tables=True,
                                          include_images=False, with_metadata=True)
    text = (getattr(doc, "text", None) or "").strip() if doc is not None else ""
    _require_text(text, name, "no main text found in this web page")
    meta = {k: str(getattr(doc, k)) for k in ("title", "author", "date") if getattr(doc, k, None)}
    lines = [line for line in text.split("\n") if line.strip()]
    return Extraction("\n".join(lines), "html", _tool("trafilatura"), len(lines), len(page), meta)


def extract_pdf(data: bytes, *, name: str = "file") -> Extraction:
    """The text layer of every page with ``pypdf``, pages joined by a line break.

    Characters some PDF producers write as Kangxi radicals (⼈ for 人, ⺠ for 民) are
    repaired (:func:`repair_radicals`). Refuses an encrypted PDF that needs a password,
    a PDF without a text layer (scanned) and a file pypdf cannot read.
    """
    import pypdf

    try:
        with _quiet("pypdf"):
            reader = pypdf.PdfReader(io.BytesIO(data))
            if reader.is_encrypted and reader.decrypt("") == pypdf.PasswordType.NOT_DECRYPTED:
                raise fail(f"{name}: the PDF is encrypted with a password; save an unencrypted copy first")
            pages = [page.extract_text() or "" for page in reader.pages]
            info = reader.metadata or {}
    except AidiscourseError:
        raise
    except Exception as exc:  # pypdf raises many kinds of error on damaged files
        raise fail(f"{name}: not a readable PDF ({type(exc).__name__}: {exc})") from None
    text = repair_radicals("\n".join(p.strip("\n") for p in pages))
    _require_text(text, name, f"no text layer in its {len(pages)} page(s) (a scanned PDF?); run OCR on it and add the text")
    meta = {f: str(info[k]).strip() for k, f in (("/Title", "title"), ("/Author", "author")) if str(info.get(k) or "").strip()}
    created = re.match(r"D:(\d{4})(\d{2})?(\d{2})?", str(info.get("/CreationDate") or ""))
    if created:
        meta["date"] = "-".join(g for g in created.groups() if g)
    return Extraction(text, "pdf", _tool("pypdf"), len(pages), len(text), meta)


def extract_docx(data: bytes, *, name: str = "file") -> Extraction:
    """Paragraphs and table rows of a Word file, in document order, with ``python-docx``
    (headers, footers and footnotes, which python-docx does not read, are left out)."""
    import docx
    from docx.table import Table

    try:
        document = docx.Document(io.BytesIO(data))
        lines: list[str] = []
        for block in document.iter_inner_content():
            if isinstance(block, Table):
                for row in block.rows:
                    cells = list(dict.fromkeys(c.text.strip() for c in row.cells))  # merged cells repeat
                    if any(cells):
                        lines.append(" ".join(c for c in cells if c))
            elif block.text.strip():
                lines.append(block.text.strip())
        props = document.core_properties
        meta = {k: str(v) for k, v in (("title", props.title), ("author", props.author)) if v and str(v).strip()}
        if props.created is not None:
            meta["date"] = props.created.date().isoformat()
    except Exception as exc:  # a damaged package fails in zipfile, lxml or python-docx
        raise fail(f"{name}: not a readable Word file ({type(exc).__name__}: {exc})") from None
    text = "\n".join(lines)
    _require_text(text, name, "no text in this Word file")
    return Extraction(text, "docx", _tool("python-docx"), len(lines), len(text), meta)


EXTRACTORS = {"text": extract_text, "markdown": extract_markdown, "html": extract_html, "pdf": extract_pdf, "docx": extract_docx}


def extract(data: bytes, fmt: str, *, name: str = "file") -> Extraction:
    """Extract the text of a file's bytes in format ``fmt`` (see the module table)."""
    if fmt not in EXTRACTORS:
        raise fail(f"{name}: unknown format {fmt!r}; known: {', '.join(EXTRACTORS)}")
    return EXTRACTORS[fmt](data, name=name)


class _quiet:
    """Keep the libraries' log messages about damaged input off standard error (the
    extraction either succeeds or fails with one line of its own)."""

    def __init__(self, *names: str):
        self.loggers = [logging.getLogger(n) for n in names]

    def __enter__(self):
        self.levels = [lg.level for lg in self.loggers]
        for lg in self.loggers:
            lg.setLevel(logging.CRITICAL)

    def __exit__(self, *exc):
        for lg, level in zip(self.loggers, self.levels):
            lg.setLevel(level)
        return False


# --- the cached, recorded step ------------------------------------------------------------

def extraction_key(sha256: str, fmt: str) -> str:
    """Cache key of one extraction: the raw file, the format, this module and the tool."""
    package = {"markdown": "markdown-it-py", "html": "trafilatura", "pdf": "pypdf", "docx": "python-docx"}.get(fmt)
    parts = [sha256, fmt, hashlib.sha256(Path(__file__).read_bytes()).hexdigest(), _tool(package) if package else ""]
    return hashlib.sha256("\0".join(parts).encode()).hexdigest()[:20]


def cached_extract(data: bytes, fmt: str, *, sha256: str, cache_dir: Path | None, name: str = "file") -> Extraction:
    """:func:`extract`, cached as JSON in ``cache_dir/<name>.json`` (no pickles).

    The cache is keyed by :func:`extraction_key`; a stale or unreadable file is
    replaced. Without ``cache_dir`` nothing is cached.
    """
    from aidiscourse.cache import atomic_write

    key = extraction_key(sha256, fmt)
    path = cache_dir / f"{Path(name).name}.json" if cache_dir is not None else None
    if path is not None and path.is_file():
        try:
            stored = json.loads(path.read_text(encoding="utf-8"))
            if stored.get("key") == key:
                return Extraction(**stored["extraction"])
        except (OSError, ValueError, TypeError, KeyError):
            pass
    result = extract(data, fmt, name=name)
    if path is not None:
        atomic_write(path, json.dumps({"key": key, "extraction": asdict(result)}, ensure_ascii=False))
    return result
