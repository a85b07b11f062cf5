"""Cleaning steps for text extracted from PDF files: page furniture, sections, broken
lines and citation marks (``str -> str``)."""
from __future__ import annotations

import re
import statistics
from collections import Counter

from aidiscourse.corpus.markers import SECTION_MARK, SECTION_MARK_RE
def _nonblank(lines: list[str]) -> list[int]:
    return [i for i, line in enumerate(lines) if line.strip()]


def drop_vertical_text(text: str, *, max_chars: int = 3, min_run: int = 4) -> str:
    """Drop text set vertically, one or two characters per line (a journal name in the
    margin, a page number beside it).

    A run of at least ``min_run`` consecutive non-blank lines, each holding at most
    ``max_chars`` non-space characters, is removed.
    """
    lines = text.split("\n")
    idx = _nonblank(lines)
    short = [len(re.sub(r"\s", "", lines[i])) <= max_chars for i in idx]
    drop: set[int] = set()
    start = 0
    while start < len(idx):
        if not short[start]:
            start += 1
            continue
        end = start
        while end + 1 < len(idx) and short[end + 1]:
            end += 1
        if end - start + 1 >= min_run:
            drop.update(idx[start : end + 1])
        start = end + 1
    return "\n".join(line for i, line in enumerate(lines) if i not in drop)


def drop_running_headers(text: str, *, min_repeats: int = 3, max_len: int = 60) -> str:
    """Drop running page headers: short lines repeated at least ``min_repeats`` times,
    and indented fragments of such a header (a title broken over the first page)."""
    lines = text.split("\n")
    counts = Counter(line.strip() for line in lines if line.strip())
    headers = {l for l, n in counts.items() if n >= min_repeats and len(l) <= max_len and not re.fullmatch(r"[\d\W]+", l)}

    def is_header(line: str) -> bool:
        s = line.strip()
        if s in headers:
            return True
        indented = len(line) - len(line.lstrip(" ")) >= 10
        return indented and len(s) >= 6 and any(s in h for h in headers)

    return "\n".join(line for line in lines if not is_header(line))


_BLOCK_START = re.compile(r"^ (?=\S)")
_ABSTRACT = re.compile(r"^\s*摘\s*要\s*[：:]\s*")
_EDITOR_NOTE = re.compile(r"^\s*编者按\s*[：:]\s*")
_FOOTNOTE = re.compile(r"^\s*[①②③④⑤⑥⑦⑧⑨⑩]\s*")
_REFERENCES = re.compile(r"^\s*参考文献\s*[：:]?\s*$")
_AUTHOR_NOTE = re.compile(r"^\s*作者(?:简介)?\s*[：:]")


def mark_pdf_sections(text: str) -> str:
    """Move the abstract, the editor's note and footnotes of a PDF extraction into
    sections of their own, and mark the reference list and the author note.

    In the extraction a new text column starts with a line indented by one space; an
    abstract, editor's note or footnote block runs until the next such line, where the
    body resumes. The moved blocks are appended after the body under section markers.
    """
    lines = text.split("\n")
    body: list[str] = []
    moved: dict[str, list[str]] = {"abstract": [], "editor_note": [], "footnotes": []}
    current: str | None = None
    for line in lines:
        starts_block = bool(_BLOCK_START.match(line))
        if _ABSTRACT.match(line):
            current = "abstract"
            line = _ABSTRACT.sub("", line)
        elif _EDITOR_NOTE.match(line):
            current = "editor_note"
            line = _EDITOR_NOTE.sub("", line)
        elif _FOOTNOTE.match(line) and current is None:
            current = "footnotes"
            moved[current].append("")  # each footnote its own paragraph
        elif starts_block and current is not None:
            current = None
        if current is None:
            if _REFERENCES.match(line):
                body += ["", SECTION_MARK.format("references"), ""]
                continue
            if _AUTHOR_NOTE.match(line):
                body += ["", SECTION_MARK.format("author_note"), ""]
            body.append(line)
        else:
            moved[current].append(line)
    out = body
    for name, block in moved.items():
        if any(l.strip() for l in block):
            out += ["", SECTION_MARK.format(name), "", *block]
    return "\n".join(out)


_HEADING = re.compile(r"^(?:[一二三四五六七八九十]+、|（[一二三四五六七八九十]+）|\([一二三四五六七八九十]+\))")
_TERMINAL = "。！？!?”：:；"


def join_pdf_lines(text: str) -> str:
    """Rejoin a PDF extraction's hard line breaks into paragraphs.

    Lines are joined without a space (``人\\n工智能`` -> ``人工智能``), except between
    two Latin letters or digits. A paragraph ends after a line that ends with
    sentence-final punctuation and is shorter than the section's typical line; a
    numbered heading (``一、``, ``（二）``) stands alone; section markers stay on their own.

    Examples
    --------
    >>> join_pdf_lines("新质生产力是以人\\n\\n工智能为核心技术的先进生产力，人工智能技术作为一项通用技术，\\n\\n将引领创新。")
    '新质生产力是以人工智能为核心技术的先进生产力，人工智能技术作为一项通用技术，将引领创新。'
    """
    out: list[str] = []
    for chunk in re.split(r"(^⟦section:[a-z_]+⟧$)", text, flags=re.M):
        if SECTION_MARK_RE.match(chunk.strip()):
            out.append(chunk.strip())
            continue
        lines = [l.strip() for l in chunk.split("\n") if l.strip()]
        if not lines:
            continue
        typical = statistics.median(len(l) for l in lines)
        paragraphs: list[str] = []
        current = ""
        heading_open = False  # a heading that filled its line may continue on the next
        for line in lines:
            if heading_open:
                heading_open = False
                if len(line) < 0.6 * typical and line[-1] not in _TERMINAL:
                    paragraphs[-1] += line
                    continue
            if _HEADING.match(line) and len(line) < 40:
                if current:
                    paragraphs.append(current)
                paragraphs.append(line)
                current = ""
                heading_open = len(line) >= 0.85 * typical
                continue
            if current and re.search(r"[A-Za-z0-9]$", current) and re.match(r"[A-Za-z0-9]", line):
                current += " " + line
            else:
                current += line
            if line[-1] in _TERMINAL and len(line) < 0.9 * typical:
                paragraphs.append(current)
                current = ""
        if current:
            paragraphs.append(current)
        out.append("\n\n".join(paragraphs))
    return "\n\n".join(out)


CITATION_MARK = re.compile(r"\s?\[\d+(?:[,，\-–]\s?\d+)*\]|[①②③④⑤⑥⑦⑧⑨⑩](?=[。，；、）)]|$)")


def remove_citation_marks(text: str) -> str:
    """Remove bracketed citation marks (``[1]``, ``[2,3]``) and footnote signs (``①``)
    from the running text; the reference list and footnotes keep theirs.

    Examples
    --------
    >>> remove_citation_marks("占全球 GDP 总量的 32.3%[1]，风险①。")
    '占全球 GDP 总量的 32.3%，风险。'
    """
    parts = re.split(r"(^⟦section:[a-z_]+⟧$)", text, flags=re.M)
    keep_marks = {"references", "footnotes"}
    out, section = [], "body"
    for part in parts:
        m = SECTION_MARK_RE.match(part.strip())
        if m:
            section = m.group(1)
            out.append(part)
        else:
            out.append(part if section in keep_marks else CITATION_MARK.sub("", part))
    return "".join(out)
