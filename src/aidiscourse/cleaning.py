"""Cleaning, per source type, as small named ``str -> str`` steps.

:func:`clean_document` runs the steps a document's source type needs and records an
audit row per step (what it removed or changed, with examples), which the corpus
chapter shows. Steps that move text into its own section (abstract, references ...)
write a marker line ``⟦section:NAME⟧`` that :mod:`aidiscourse.structure` reads.
Lines damaged by encoding errors are not deleted: :func:`flag_mojibake` marks them with
``⟦mojibake⟧`` so the sentences that hold them are kept out of the analyses but stay
visible in the sentence table.
"""
from __future__ import annotations

import html
import re
import statistics
from collections import Counter
from dataclasses import dataclass
from typing import Callable, Literal

from .normalize import CJK, collapse_whitespace, count_changed_chars, normalize_unicode, to_simplified

SECTION_MARK = "⟦section:{}⟧"
SECTION_MARK_RE = re.compile(r"^⟦section:([a-z_]+)⟧$")
MOJIBAKE_MARK = "⟦mojibake⟧"

# --- web pages ---------------------------------------------------------------------

_TAG = re.compile(r"<[^<>\n]{0,500}>")


def strip_html(text: str) -> str:
    """Remove HTML tags and decode entities (``&amp;`` -> ``&``).

    Examples
    --------
    >>> strip_html('<cite id="a"></cite>AI&amp;制度<li></li>')
    'AI&制度'
    """
    return html.unescape(_TAG.sub("", text))


#: Words of the pornographic keyword spam some portals inject at the top of a page.
SPAM_WORDS = ("色婷婷", "激情", "无码", "成人", "久久", "av", "a片", "精品", "国产", "亚洲", "视频")


def _is_spam(line: str) -> bool:
    items = [i for i in re.split(r"[,，、\s]+", line.strip()) if i]
    hits = sum(any(w in item.lower() for w in SPAM_WORDS) for item in items)
    return len(items) >= 3 and hits >= 2


def drop_spam_lines(text: str) -> str:
    """Drop lines of comma-separated spam keywords (three or more items, two spam words).

    Examples
    --------
    >>> drop_spam_lines("色婷婷久,激情色播,久久久无码专区\\n正文")
    '正文'
    """
    return "\n".join(line for line in text.split("\n") if not _is_spam(line))


#: Whole lines that are portal navigation or share widgets.
PORTAL_LINES = (
    r"网易首页\s*>.*",
    r"分享至",
    r"申请入驻",
    r"\d{1,6}",  # share and comment counters
    r"无障碍浏览.*",
    r"进入关怀版",
)
_PORTAL = re.compile("^(?:" + "|".join(PORTAL_LINES) + r")$")


def drop_portal_navigation(text: str) -> str:
    """Drop lines of portal navigation (breadcrumbs, share buttons, counters)."""
    return "\n".join(line for line in text.split("\n") if not _PORTAL.match(line.strip()))


#: Image captions: a line naming a picture source, or a short line naming a scene.
CAPTION_PATTERNS = (r"图源[：:]", r"^.{0,30}(?:现场|合影|图为)$")
_CAPTION = re.compile("|".join(CAPTION_PATTERNS))


def drop_image_captions(text: str) -> str:
    """Drop image captions (``…。图源：路透社``, ``研讨会现场``)."""
    return "\n".join(line for line in text.split("\n") if not _CAPTION.search(line.strip()))


_RELATED_HEAD = re.compile(r"^.{0,20}(?:热门文章|相关阅读|延伸阅读|往期回顾|推荐阅读)$")
_ABOUT_HEAD = re.compile(rf"^关于[A-Za-z{CJK}]{{1,12}}$")
_DATETIME = re.compile(r"^\d{4}-\d{2}-\d{2}(?: \d{2}:\d{2}(?::\d{2})?)?$")


def _drop_heading_with_next(text: str, head: re.Pattern) -> str:
    lines = text.split("\n")
    out, skip_next = [], False
    for line in lines:
        stripped = line.strip()
        if skip_next and stripped:
            skip_next = False
            continue
        if head.match(stripped):
            skip_next = True
            continue
        out.append(line)
    return "\n".join(out)


def drop_related_headlines(text: str) -> str:
    """Drop related-article widgets (a ``…热门文章`` heading and its headline line) and
    lines that are only a date and time."""
    text = _drop_heading_with_next(text, _RELATED_HEAD)
    return "\n".join(line for line in text.split("\n") if not _DATETIME.match(line.strip()))


def drop_about_widgets(text: str) -> str:
    """Drop an ``关于IPP`` heading and the self-description paragraph after it."""
    return _drop_heading_with_next(text, _ABOUT_HEAD)


#: The first line of a portal's footer; it and everything after it are dropped.
FOOTER_START = re.compile(r"^(?:特别声明[：:]|Notice:|相关推荐$|热点推荐$)")


def drop_footer(text: str) -> str:
    """Cut the page at the portal's footer (legal notice, recommendations, follow widgets)."""
    lines = text.split("\n")
    for i, line in enumerate(lines):
        if FOOTER_START.match(line.strip()):
            return "\n".join(lines[:i])
    return text


#: Signs of text decoded with the wrong encoding: private-use characters, replacement
#: characters, a euro sign, or a question mark where a character was lost.
MOJIBAKE = re.compile(r"[\ue000-\uf8ff\ufffd€]|\?[;,!！/]|\?\?|/p>|(?<=[\u4e00-\u9fff])@")


def flag_mojibake(text: str) -> str:
    """Mark each place where the text shows encoding damage with ``⟦mojibake⟧``.

    A question mark that stands for a lost character becomes U+FFFD, the replacement
    character, so that it does not end a sentence.

    Examples
    --------
    >>> flag_mojibake("碾压??梢钥吹剑恼麄€发展")
    '碾压⟦mojibake⟧\ufffd\ufffd梢钥吹剑恼麄⟦mojibake⟧€发展'
    """
    return MOJIBAKE.sub(lambda m: MOJIBAKE_MARK + m.group(0).replace("?", "\ufffd"), text)


# --- PDF extractions -----------------------------------------------------------------


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


# --- the pipeline ------------------------------------------------------------------

StepKind = Literal["lines", "matches", "edit"]


@dataclass(frozen=True)
class Step:
    """A named cleaning step and how its effect is audited.

    ``kind`` says what the audit counts: ``"lines"`` the lines the step removed,
    ``"matches"`` the matches of ``pattern`` in its input, ``"edit"`` changed characters.
    """

    name: str
    func: Callable[[str], str]
    kind: StepKind
    description: str
    pattern: re.Pattern | None = None


STEPS: dict[str, Step] = {
    s.name: s
    for s in (
        Step("strip_html", strip_html, "matches", "HTML tags and entities", _TAG),
        Step("flag_mojibake", flag_mojibake, "matches", "encoding damage flagged (sentences kept out of analyses)", MOJIBAKE),
        Step("normalize_unicode", normalize_unicode, "edit", "full-/half-width letters and punctuation made consistent"),
        Step("to_simplified", to_simplified, "edit", "Traditional to Simplified characters (OpenCC t2s, 著 -> 着)"),
        Step("drop_footer", drop_footer, "lines", "portal footer, recommendations and follow widgets"),
        Step("drop_related_headlines", drop_related_headlines, "lines", "related-article headlines and their dates"),
        Step("drop_about_widgets", drop_about_widgets, "lines", "'about us' widget"),
        Step("drop_image_captions", drop_image_captions, "lines", "image captions"),
        Step("drop_portal_navigation", drop_portal_navigation, "lines", "portal navigation and share widgets"),
        Step("drop_spam_lines", drop_spam_lines, "lines", "spam keyword lines"),
        Step("drop_vertical_text", drop_vertical_text, "lines", "journal name and page number set vertically"),
        Step("drop_running_headers", drop_running_headers, "lines", "running page headers"),
        Step("mark_pdf_sections", mark_pdf_sections, "edit", "abstract, editor's note, footnotes, references, author note made sections"),
        Step("join_pdf_lines", join_pdf_lines, "edit", "hard line breaks rejoined into paragraphs"),
        Step("remove_citation_marks", remove_citation_marks, "matches", "citation marks like [1] and footnote signs", CITATION_MARK),
        Step("collapse_whitespace", collapse_whitespace, "edit", "whitespace collapsed, spaces between Chinese characters removed"),
    )
}

_COMMON_HEAD = ("flag_mojibake", "normalize_unicode", "to_simplified")
PIPELINES: dict[str, tuple[str, ...]] = {
    "web_page": ("strip_html", *_COMMON_HEAD, "drop_footer", "drop_related_headlines", "drop_about_widgets",
                 "drop_image_captions", "drop_portal_navigation", "drop_spam_lines", "collapse_whitespace"),
    "pdf_extraction": (*_COMMON_HEAD, "drop_vertical_text", "drop_running_headers", "mark_pdf_sections",
                       "join_pdf_lines", "remove_citation_marks", "collapse_whitespace"),
    "interview": (*_COMMON_HEAD, "collapse_whitespace"),
    "article": (*_COMMON_HEAD, "collapse_whitespace"),
}


def _removed_lines(before: str, after: str) -> list[str]:
    remaining = Counter(l.strip() for l in after.split("\n") if l.strip())
    removed = []
    for line in (l.strip() for l in before.split("\n")):
        if not line:
            continue
        if remaining[line] > 0:
            remaining[line] -= 1
        else:
            removed.append(line)
    return removed


def _short(s: str, n: int = 60) -> str:
    s = " ".join(s.split())
    return s if len(s) <= n else s[: n - 1] + "…"


def audit_step(step: Step, before: str, after: str) -> dict:
    """Describe what one step did: characters before and after, items, examples."""
    if step.kind == "lines":
        items = _removed_lines(before, after)
        examples = [_short(i) for i in items[:3]]
        n = len(items)
    elif step.kind == "matches":
        found = step.pattern.findall(before) if step.pattern is not None else []
        n = len(found)
        examples = list(dict.fromkeys(_short(f if isinstance(f, str) else f[0], 30) for f in found))[:3]
    else:
        # characters changed in place, or, where the length changed, characters removed
        # (an alignment would be exact but costs more than the whole pipeline)
        n = count_changed_chars(before, after) if len(before) == len(after) else abs(len(before) - len(after))
        examples = []
    return {
        "step": step.name,
        "description": step.description,
        "chars_before": len(before),
        "chars_after": len(after),
        "items": n,
        "examples": " | ".join(examples),
    }


def clean_text(text: str, source_type: str, *, script: str = "traditional") -> tuple[str, list[dict]]:
    """Run the cleaning pipeline for ``source_type`` on a raw text.

    Parameters
    ----------
    text : str
        The raw text, as read from ``data/raw``.
    source_type : {"interview", "article", "web_page", "pdf_extraction"}
    script : {"traditional", "simplified"}
        The script the manifest records. Script conversion runs on Traditional texts
        only: on a Simplified text OpenCC would still rewrite proper names written with
        variant characters (李聿脩 -> 李聿修, Huawei's 昇腾 -> 升腾).

    Returns
    -------
    cleaned : str
        Paragraphs separated by blank lines, with section and mojibake markers.
    audit : list of dict
        One row per step (see :func:`audit_step`), in the order run.
    """
    if source_type not in PIPELINES:
        raise ValueError(f"unknown source type {source_type!r}")
    audit = []
    for name in PIPELINES[source_type]:
        step = STEPS[name]
        after = text if (name == "to_simplified" and script == "simplified") else step.func(text)
        audit.append(audit_step(step, text, after))
        text = after
    return text, audit
