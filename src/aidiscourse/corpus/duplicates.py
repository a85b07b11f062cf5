"""Duplicate documents: the same text, or most of the same sentences, twice.

Real collections hold reposts and several versions of one speech. ``aidiscourse add``
compares a new text with every document already in the manifest and asks for
``--allow-duplicate`` before it records one that repeats another.
"""
from __future__ import annotations

import re
from dataclasses import dataclass

from aidiscourse.corpus.markup import strip_markup
from aidiscourse.corpus.normalize import normalize_text
from aidiscourse.corpus.segment import split_sentences

#: A sentence counts when it holds at least this many Chinese characters (short ones
#: such as 是的。 or a heading repeat across unrelated texts).
MIN_SENTENCE_CHARS = 6
#: Share of sentences above which two documents are reported as near-duplicates.
NEAR_DUPLICATE_SHARE = 0.5

_CJK = re.compile(r"[\u3400-\u9fff]")


def sentence_set(text: str) -> frozenset[str]:
    """The distinct sentences of a text as compared for duplicates: markup removed,
    normalised (width, script, whitespace), at least :data:`MIN_SENTENCE_CHARS` Chinese
    characters.

    >>> sorted(sentence_set("隨著技術進步，風險增加。好的。\\n<b>隨著技術進步，風險增加。</b>"))
    ['随着技术进步，风险增加。']
    """
    out = set()
    for line in strip_markup(text).split("\n"):
        line = normalize_text(line)
        for sentence in split_sentences(line):
            if len(_CJK.findall(sentence)) >= MIN_SENTENCE_CHARS:
                out.add(sentence)
    return frozenset(out)


@dataclass(frozen=True)
class Overlap:
    """How much a new text repeats an existing document."""

    doc_id: str
    identical: bool
    share_new: float  # share of the new text's sentences found in the document
    share_old: float  # share of the document's sentences found in the new text

    def describe(self) -> str:
        if self.identical:
            return f"the same text as document {self.doc_id!r}"
        return (f"{self.share_new:.0%} of its sentences are in document {self.doc_id!r} "
                f"({self.share_old:.0%} of that document's sentences are in it)")


def overlaps(text: str, others: dict[str, str], *, threshold: float = NEAR_DUPLICATE_SHARE) -> list[Overlap]:
    """Documents in ``others`` (id -> text) that ``text`` equals or largely repeats.

    Parameters
    ----------
    text : str
        The new document's extracted text.
    others : dict of str to str
        The existing documents' extracted texts.
    threshold : float
        Report a document when either share of shared sentences reaches it.

    Returns
    -------
    list of Overlap
        Largest overlap first.

    Examples
    --------
    >>> a = "人工智能的发展需要市场。政府应当提供制度保障。创新不能被规划出来。"
    >>> [o.describe() for o in overlaps(a, {"x": a, "y": "完全不同的另一篇文章内容。"})]
    ["the same text as document 'x'"]
    """
    mine = sentence_set(text)
    norm = normalize_text(strip_markup(text))
    found = []
    for doc_id, other in others.items():
        theirs = sentence_set(other)
        if norm == normalize_text(strip_markup(other)):
            found.append(Overlap(doc_id, True, 1.0, 1.0))
            continue
        if not mine or not theirs:
            continue
        shared = len(mine & theirs)
        share_new, share_old = shared / len(mine), shared / len(theirs)
        if max(share_new, share_old) >= threshold:
            found.append(Overlap(doc_id, False, share_new, share_old))
    return sorted(found, key=lambda o: (-o.identical, -max(o.share_new, o.share_old), o.doc_id))
