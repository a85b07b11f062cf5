"""Cleaning, per source type, as small named ``str -> str`` steps.

:func:`clean_text` runs the steps a document's source type needs and records an
audit row per step (what it removed or changed, with examples), which the corpus
chapter shows; the audit opens with the extraction of the text from the raw file
(:mod:`aidiscourse.corpus.extract`). Every pipeline starts by removing markup (HTML and
Markdown, :mod:`aidiscourse.corpus.markup`), so that no tag, script, comment or Markdown
sign reaches the analyses. Steps that move text into its own section (abstract, references ...)
write a marker line ``⟦section:NAME⟧`` that :mod:`aidiscourse.corpus.structure` reads.
Lines damaged by encoding errors are not deleted: :func:`flag_mojibake` marks them with
``⟦mojibake⟧`` so the sentences that hold them are kept out of the analyses but stay
visible in the sentence table.
"""
from __future__ import annotations

import hashlib
import re
from collections import Counter
from dataclasses import dataclass
from typing import Callable, Literal

from aidiscourse.corpus.clean_pdf import (CITATION_MARK, drop_running_headers, drop_vertical_text, join_pdf_lines,
                                          mark_pdf_sections, remove_citation_marks)
from aidiscourse.corpus.clean_web import (TAG, drop_about_widgets, drop_footer, drop_image_captions,
                                          drop_portal_navigation, drop_related_headlines, drop_spam_lines, strip_html)
from aidiscourse.corpus.markers import MOJIBAKE_MARK
from aidiscourse.corpus.markup import strip_markup
from aidiscourse.corpus.normalize import collapse_whitespace, count_changed_chars, normalize_unicode, to_simplified
from aidiscourse.errors import fail


# (the look-behind follows the @, so that the engine searches for the sign first)
MOJIBAKE = re.compile(r"[\ue000-\uf8ff\ufffd€]|\?[;,!！/]|\?\?|/p>|@(?<=[\u4e00-\u9fff]@)")


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




# --- the pipeline ------------------------------------------------------------------


StepKind = Literal["lines", "matches", "edit"]


@dataclass(frozen=True)
class Step:
    """A named cleaning step and how its effect is audited.

    ``kind`` says what the audit counts: ``"lines"`` the lines the step removed,
    ``"matches"`` the matches of ``pattern`` in its input, ``"edit"`` changed characters.
    ``redact`` keeps the removed text out of the audit: its examples name the category and
    give a short hash of each removed line (:func:`line_hash`), never the words.
    """

    name: str
    func: Callable[[str], str]
    kind: StepKind
    description: str
    pattern: re.Pattern | None = None
    redact: bool = False


#: What the audit of :func:`strip_markup` counts (one match per comment, code element,
#: tag, entity, image, heading sign, bold sign or code fence).
_MARKUP_COUNTED = re.compile(
    r"<!--.*?(?:-->|\Z)|<(?:script|style|noscript|template)\b.*?(?:</(?:script|style|noscript|template)\s*>|\Z)"
    r"|</?[A-Za-z][A-Za-z0-9:_-]*(?:\s[^<>]{0,1000})?/?>|&(?:#[0-9]{1,7}|#[xX][0-9A-Fa-f]{1,6}|[A-Za-z][A-Za-z0-9]{1,31});"
    r"|!\[[^\]\n]*\]\([^)\n]*\)|^[ \t]{0,3}#{1,6}[ \t]|\*\*|^[ \t]{0,3}```",
    re.S | re.I | re.M,
)


def _extracted(text: str) -> str:
    """Placeholder of the extraction step: its audit row comes from the extraction."""
    return text


STEPS: dict[str, Step] = {
    s.name: s
    for s in (
        Step("extract_text", _extracted, "edit", "text taken from the raw file (format, library, size in the examples)"),
        Step("strip_markup", strip_markup, "matches", "HTML comments, scripts, styles, tags, entities and Markdown signs", _MARKUP_COUNTED),
        Step("strip_html", strip_html, "matches", "HTML tags and entities", TAG),
        Step("flag_mojibake", flag_mojibake, "matches", "encoding damage flagged (sentences kept out of analyses)", MOJIBAKE),
        Step("normalize_unicode", normalize_unicode, "edit", "full-/half-width letters and punctuation made consistent"),
        Step("to_simplified", to_simplified, "edit", "Traditional to Simplified characters (OpenCC t2s, 著 -> 着)"),
        Step("drop_footer", drop_footer, "lines", "portal footer, recommendations and follow widgets"),
        Step("drop_related_headlines", drop_related_headlines, "lines", "related-article headlines and their dates"),
        Step("drop_about_widgets", drop_about_widgets, "lines", "'about us' widget"),
        Step("drop_image_captions", drop_image_captions, "lines", "image captions"),
        Step("drop_portal_navigation", drop_portal_navigation, "lines", "portal navigation and share widgets"),
        Step("drop_spam_lines", drop_spam_lines, "lines", "spam keyword lines (shown as SHA-256 prefixes, not their words)",
             redact=True),
        Step("drop_vertical_text", drop_vertical_text, "lines", "journal name and page number set vertically"),
        Step("drop_running_headers", drop_running_headers, "lines", "running page headers"),
        Step("mark_pdf_sections", mark_pdf_sections, "edit", "abstract, editor's note, footnotes, references, author note made sections"),
        Step("join_pdf_lines", join_pdf_lines, "edit", "hard line breaks rejoined into paragraphs"),
        Step("remove_citation_marks", remove_citation_marks, "matches", "citation marks like [1] and footnote signs", CITATION_MARK),
        Step("collapse_whitespace", collapse_whitespace, "edit", "whitespace collapsed, spaces between Chinese characters removed"),
    )
}

_COMMON_HEAD = ("strip_markup", "flag_mojibake", "normalize_unicode", "to_simplified")
PIPELINES: dict[str, tuple[str, ...]] = {
    "web_page": ("strip_markup", "strip_html", *_COMMON_HEAD[1:], "drop_footer", "drop_related_headlines", "drop_about_widgets",
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


def line_hash(line: str) -> str:
    """The first 12 hex digits of the SHA-256 of a removed line (whitespace-trimmed, UTF-8).

    >>> line_hash("正文")
    'd661c3d96d53'
    """
    return hashlib.sha256(line.strip().encode("utf-8")).hexdigest()[:12]


def audit_step(step: Step, before: str, after: str) -> dict:
    """Describe what one step did: characters before and after, items, examples.

    The examples of a step with ``redact`` set are ``spam line sha256:HASH`` for every
    removed line, so that the audit can be checked against the raw file without
    reprinting what the line says.
    """
    if step.kind == "lines":
        items = _removed_lines(before, after)
        if step.redact:
            examples = [f"{step.name.removeprefix('drop_').removesuffix('_lines')} line sha256:{line_hash(i)}"
                        for i in items]
        else:
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
        The raw text, as read from ``data/raw`` by
        :func:`aidiscourse.corpus.manifest.read_raw`; when it carries its extraction
        (an :class:`~aidiscourse.corpus.extract.ExtractedText`), the audit opens with it.
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
        raise fail(f"unknown source type {source_type!r}; known: {', '.join(sorted(PIPELINES))}")
    extraction = getattr(text, "extraction", None)
    audit = [extraction.audit_row()] if extraction is not None else []
    text = str(text)
    for name in PIPELINES[source_type]:
        step = STEPS[name]
        after = text if (name == "to_simplified" and script == "simplified") else step.func(text)
        audit.append(audit_step(step, text, after))
        text = after
    return text, audit
