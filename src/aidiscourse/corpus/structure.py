"""From cleaned text to paragraphs with a section, a speaker and a role.

Sections: ``front_matter`` (title, masthead, licence lines), ``contributors`` (bylines,
blurbs and affiliation lists), ``editor_note``, ``abstract``, ``heading`` (headings set
by an editor in turn-based texts), ``body`` (the argument), ``footnotes``,
``references``, ``author_note`` and ``back_matter``. Analyses use :data:`ARGUMENT_SECTIONS`.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field

from aidiscourse.corpus.markers import SECTION_MARK_RE
from aidiscourse.corpus.manifest import Document, Person
from aidiscourse.corpus.normalize import CJK, to_simplified

#: The sections whose sentences the analyses read by default.
ARGUMENT_SECTIONS = ("body",)

SECTIONS = (
    "front_matter", "contributors", "editor_note", "abstract", "heading", "body",
    "footnotes", "references", "author_note", "back_matter",
)

_TURN = re.compile(
    rf"^\*{{0,2}}(?P<name>[{CJK}]{{1,4}})"
    rf"(?:[（(](?:以下简称[“\"]?(?P<short>[{CJK}]{{1,4}})[”\"]?|(?P<hint>主持人|嘉宾|记者))[）)])?"
    r"\*{0,2}[：:]\*{0,2}\s*"
)
_EDITOR_NOTE = re.compile(r"^\*{0,2}(?:编按|编者按|导语|导读)\*{0,2}[：:]\*{0,2}\s*")
_CONTRIBUTOR_HEAD = re.compile(r"^(?:与谈人|嘉宾|作者简介|本期嘉宾)[：:]?$")
_BYLINE = re.compile(r"^(?:本文作者|作者|文)[：:]")
_READING_META = re.compile(r"^(?:正文\d+字|全文\d+字|阅读时间|读完约需)")
_DISCLAIMER = re.compile(r"^\*?(?:以上内容|本文仅代表|本文观点)")
_MARKDOWN_HEADING = re.compile(r"^#{1,6}\s*")
_TERMINAL = "。！？!?…；：:"
_PROSE = re.compile("[。！？，；：]")


@dataclass
class Paragraph:
    """One paragraph of a document, ready to be split into sentences."""

    section: str
    text: str
    speaker: str = ""
    role: str = ""
    turn: int = 0
    notes: list[str] = field(default_factory=list)
    opens_turn: bool = False


def _speaker_index(doc: Document) -> dict[str, Person]:
    index: dict[str, Person] = {}
    for person in doc.speakers:
        # a Traditional text is matched after conversion, which may change a name
        for form in (person.name, person.tag):
            if form:
                index[form] = person
                index[to_simplified(form)] = person
    return index


def _match_turn(text: str, index: dict[str, Person]) -> tuple[Person, str, str | None] | None:
    """Return (person, text after the tag, short form introduced) if ``text`` opens a turn."""
    m = _TURN.match(text)
    if m and m.group("name") in index:
        return index[m.group("name")], text[m.end():], m.group("short")
    return None


def _starts_with_name(text: str, index: dict[str, Person]) -> Person | None:
    for name in sorted((n for n in index if len(n) >= 2), key=len, reverse=True):
        if text.startswith(name):
            return index[name]
    return None


def _is_blurb(text: str) -> bool:
    """A contributor line: a name with a title, short and without a full stop."""
    return len(text) <= 60 and not any(ch in text for ch in "。！？")


def split_paragraphs(cleaned: str, doc: Document) -> list[Paragraph]:
    """Assign each paragraph of a cleaned text to a section, a speaker and a role.

    Turn-based documents (those whose manifest lists interviewers, interviewees,
    moderators or panelists) are split into speaker turns. A turn opens with a tag:
    ``**钟：**``, ``许：``, ``**钟伟锋（以下简称钟）：**`` (which also teaches the short
    form), ``张心旖（主持人）：``, or a known full name directly followed by speech without
    a colon (``李品保我主要讨论…``, recorded in the paragraph's notes). Paragraphs without
    a tag continue the current turn. In documents without speakers every body paragraph
    is attributed to the authors.

    Parameters
    ----------
    cleaned : str
        Output of :func:`aidiscourse.corpus.cleaning.clean_text`.
    doc : Document

    Returns
    -------
    list of Paragraph
    """
    index = _speaker_index(doc)
    turn_based = bool(index)
    authors = "、".join(p.name for p in doc.authors)
    section = "front_matter" if turn_based else "body"
    explicit = False  # a section marker from cleaning is in force
    speaker: Person | None = None
    turn = 0
    out: list[Paragraph] = []

    for raw in cleaned.split("\n"):
        text = raw.strip()
        if not text:
            continue
        marker = SECTION_MARK_RE.match(text)
        if marker:
            section, explicit, speaker = marker.group(1), True, None
            continue
        text = _MARKDOWN_HEADING.sub("", text)
        if explicit:
            out.append(Paragraph(section, text.replace("**", "")))
            continue
        notes: list[str] = []

        hit = _match_turn(text, index) if turn_based else None
        if hit is None and turn_based and section in ("body", "editor_note", "front_matter", "contributors", "back_matter"):
            person = _starts_with_name(text, index)
            if person is not None:
                rest = text[len(next(n for n in index if index[n] is person and text.startswith(n) and len(n) >= 2)):]
                if section == "body" and not rest.startswith((" ", "，")) and not _is_blurb(text):
                    hit = (person, rest, None)
                    notes.append("turn tag without colon")
                elif section != "body" or _is_blurb(text):
                    out.append(Paragraph("contributors", text.replace("**", "")))
                    continue

        if hit is not None:
            speaker, text, short = hit
            if short:
                index[short] = speaker
            section = "body"
            turn += 1
        elif _EDITOR_NOTE.match(text):
            section, speaker = "editor_note", None
            text = _EDITOR_NOTE.sub("", text)
        elif _CONTRIBUTOR_HEAD.match(text):
            section, speaker = "contributors", None
            out.append(Paragraph("contributors", text))
            continue
        elif _BYLINE.match(text):
            out.append(Paragraph("contributors", text.replace("**", "")))
            continue
        elif _READING_META.match(text):
            out.append(Paragraph("front_matter", text))
            continue
        elif _DISCLAIMER.match(text):
            out.append(Paragraph("editor_note", text.lstrip("*")))
            section, speaker = "back_matter", None
            continue
        elif turn_based and section == "body" and len(text) < 40 and not _PROSE.search(text):
            out.append(Paragraph("heading", text.replace("**", "")))
            continue

        text = text.replace("**", "").strip()
        if not text:
            continue
        if section == "body" and turn_based and speaker is not None:
            para = Paragraph("body", text, speaker.name, speaker.role, turn, notes, opens_turn=hit is not None)
        elif section == "body":
            para = Paragraph("body", text, authors, "author", 0, notes)
        else:
            para = Paragraph(section, text)
        prev = out[-1] if out else None
        if (
            hit is None
            and turn_based
            and prev is not None
            and prev.section == para.section == "body"
            and prev.speaker == para.speaker
            and len(prev.text) > 15
            and re.search(rf"[{CJK}A-Za-z0-9]$", prev.text)
        ):
            prev.text += para.text  # a paragraph broken in the middle of a sentence
            prev.notes.append("rejoined broken paragraph")
            continue
        out.append(para)
    if turn_based:
        _mark_headings_before_turns(out)
    return out


def _mark_headings_before_turns(paragraphs: list[Paragraph]) -> None:
    """A short line without a full stop or comma just before a new speaker's turn is a
    heading set by the editor (``AI热潮是另一个科技泡沫吗？``), not speech."""
    for para, nxt in zip(paragraphs, paragraphs[1:]):
        if (
            para.section == "body"
            and not para.opens_turn
            and nxt.section == "body"
            and nxt.turn != para.turn
            and len(para.text) < 30
            and not re.search("[。，；]", para.text)
        ):
            para.section, para.speaker, para.role, para.turn = "heading", "", "", 0
