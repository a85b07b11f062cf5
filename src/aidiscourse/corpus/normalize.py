"""Normalisation shared by every document and by the command line.

Each step is a pure ``str -> str`` function. :func:`normalize_text` composes them in
the order the pipeline uses, so text typed on the command line is treated exactly like
a document.
"""
from __future__ import annotations

import operator
import re
import unicodedata
from functools import lru_cache

CJK = "\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff"
#: Chinese (full-width) punctuation.
CJK_PUNCT = "，。、；：？！“”‘’（）《》〈〉【】「」『』—…·～"

# Full-width ASCII letters, digits and signs (U+FF01..FF5E) become their half-width
# forms, except the punctuation Chinese prose uses full-width.
_KEEP_FULLWIDTH = set("，；：？！（）")
_FULLWIDTH_TABLE = {
    cp: cp - 0xFEE0 for cp in range(0xFF01, 0xFF5F) if chr(cp) not in _KEEP_FULLWIDTH
}
_FULLWIDTH_TABLE[0x3000] = 0x20  # ideographic space
_FULLWIDTH_TABLE.update({0xA0: 0x20, 0x200B: None})  # non-breaking space, zero-width space
# one pass finds the runs to translate; translating the whole text looks up every character
_TO_TRANSLATE = re.compile("[" + "".join(re.escape(chr(cp)) for cp in sorted(_FULLWIDTH_TABLE)) + "]+")

# Half-width punctuation that touches a CJK character becomes full-width, with the
# spaces between them dropped: 中国 , 美国 -> 中国，美国.
_HALF_TO_FULL = {",": "，", ";": "；", ":": "：", "?": "？", "!": "！", "(": "（", ")": "）"}
_HALF_SIGN = re.compile("[,;:?!()]")
_CJK_OR_PUNCT = re.compile(f"[{CJK}{CJK_PUNCT}]")


def _half_to_full(text: str) -> str:
    """Turn each half-width sign that touches Chinese text into its full-width form.

    A sign preceded by a CJK character or Chinese punctuation (spaces between allowed)
    takes the spaces before it; otherwise a sign followed (after spaces) by one takes
    the spaces after it. This is what the substitution
    ``(?<=[CJK])\\s*([,;:?!()])|([,;:?!()])\\s*(?=[CJK])`` does, scanning from the signs,
    which are few, instead of trying the pattern at every character.
    """
    out, last, n, cjk = [], 0, len(text), _CJK_OR_PUNCT.match
    for m in _HALF_SIGN.finditer(text):
        j = m.start()
        w = j
        while w > 0 and text[w - 1].isspace():
            w -= 1
        if w > 0 and cjk(text, w - 1):
            out += (text[last:w], _HALF_TO_FULL[text[j]])
            last = j + 1
            continue
        e = j + 1
        while e < n and text[e].isspace():
            e += 1
        if e < n and cjk(text, e):
            out += (text[last:j], _HALF_TO_FULL[text[j]])
            last = e
    if not out:
        return text
    out.append(text[last:])
    return "".join(out)


def normalize_unicode(text: str) -> str:
    """Make punctuation and Latin letters consistent.

    NFC composition; full-width Latin letters and digits to half-width; half-width
    punctuation next to Chinese characters to full-width (``中国,美国`` -> ``中国，美国``);
    non-breaking and ideographic spaces to plain spaces.

    Examples
    --------
    >>> normalize_unicode("ＡＩ泡沫,要爆了?")
    'AI泡沫，要爆了？'
    """
    if not unicodedata.is_normalized("NFC", text):
        text = unicodedata.normalize("NFC", text)
    text = _TO_TRANSLATE.sub(lambda m: m.group().translate(_FULLWIDTH_TABLE), text)
    return _half_to_full(text)


@lru_cache(maxsize=1)
def _t2s():
    import opencc

    # t2s, not tw2sp: the Taiwan phrase table turns this Mainland prose's 核心 into 内核.
    return opencc.OpenCC("t2s")


#: Words in which 著 is read zhù and stays 著 in Simplified Chinese.
ZHU_WORDS = (
    "著作", "著名", "著述", "著称", "著书", "著者", "著录", "著有", "显著", "卓著", "昭著",
    "名著", "原著", "论著", "专著", "巨著", "编著", "合著", "译著", "遗著", "新著", "土著",
    "拙著", "大著", "著作权",
)
_ZHE = re.compile("著")


def fix_zhe(text: str) -> str:
    """Turn the aspect particle 著 into 着, which OpenCC's ``t2s`` leaves alone.

    The particle follows verbs (随著, 存在著, 意味著); 著 stays where it is read zhù,
    in the words listed in :data:`ZHU_WORDS` (著作, 显著, 著述 ...).

    Examples
    --------
    >>> fix_zhe("随著技术进步，存在著风险；许教授著述丰富，成效显著。")
    '随着技术进步，存在着风险；许教授著述丰富，成效显著。'
    """
    if "著" not in text:
        return text
    out, last = [], 0
    for m in _ZHE.finditer(text):
        i = m.start()
        # 著 stays where some listed word containing it is written around it
        if not any(text.startswith(word, i - offset) for word, offset in _ZHU_OFFSETS if i >= offset):
            out.append(text[last:i])
            out.append("着")
            last = i + 1
    out.append(text[last:])
    return "".join(out)


#: Each word of :data:`ZHU_WORDS` with the position of its 著.
_ZHU_OFFSETS = tuple((word, word.index("著")) for word in ZHU_WORDS)


def to_simplified(text: str) -> str:
    """Convert Traditional to Simplified characters (OpenCC ``t2s`` plus :func:`fix_zhe`).

    Examples
    --------
    >>> to_simplified("隨著產業數字化轉型")
    '随着产业数字化转型'
    """
    return fix_zhe(_t2s().convert(text))


def count_changed_chars(before: str, after: str) -> int:
    """Count characters that differ between two texts of (usually) equal length."""
    if before == after:
        return 0
    if len(before) == len(after):
        return sum(map(operator.ne, before, after))
    import difflib

    matcher = difflib.SequenceMatcher(None, before, after, autojunk=False)
    return sum(max(i2 - i1, j2 - j1) for op, i1, i2, j1, j2 in matcher.get_opcodes() if op != "equal")


def looks_traditional(text: str, *, threshold: float = 0.02) -> bool:
    """Guess whether a text is written in Traditional characters.

    True when converting it to Simplified changes more than ``threshold`` of its CJK
    characters.
    """
    cjk = [ch for ch in text if "\u4e00" <= ch <= "\u9fff"]
    if not cjk:
        return False
    sample = "".join(cjk[:20000])
    return count_changed_chars(sample, _t2s().convert(sample)) > threshold * len(sample)


_SPACE_RUN = re.compile(r"[ \t]+")
_LATIN_OR_DIGIT = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789")
_OTHER_SPACE = re.compile(r"[^\S \n]")
_LINE_EDGE_SPACE = re.compile(r"^[^\S\n]+|[^\S\n]+$", re.M)
_BLANK_LINES = re.compile(r"\n\s*\n+")


def _space_run(m: re.Match) -> str:
    """What a run of spaces and tabs becomes, from the characters on either side: nothing
    between two Chinese characters (or punctuation), or between Chinese and Latin text;
    else one space."""
    text, start, end = m.string, m.start(), m.end()
    before = text[start - 1] if start else ""
    after = text[end] if end < len(text) else ""
    cjk_before = bool(before) and _CJK_OR_PUNCT.match(before) is not None
    cjk_after = bool(after) and _CJK_OR_PUNCT.match(after) is not None
    if cjk_before and (cjk_after or after in _LATIN_OR_DIGIT):
        return ""
    if cjk_after and (before in _LATIN_OR_DIGIT or before == "%"):
        return ""
    return " "


def collapse_whitespace(text: str) -> str:
    """Remove spaces between Chinese characters and between Chinese and Latin text,
    squeeze other runs of spaces to one, strip lines, and keep one blank line between
    paragraphs.

    Examples
    --------
    >>> collapse_whitespace("增 长 2.8%， 民 间 投资\\n\\n\\n下降")
    '增长2.8%，民间投资\\n\\n下降'
    """
    if "\r" in text:
        text = text.replace("\r\n", "\n").replace("\r", "\n")
    # each run of spaces is judged by its neighbours, which no other run's removal changes,
    # so one pass does what removing, then squeezing, would do
    text = _SPACE_RUN.sub(_space_run, text)
    if _OTHER_SPACE.search(text) is None:
        # the only spaces left are single ones: a line edge holds at most one (the ends
        # of the text are stripped below)
        text = text.replace("\n ", "\n").replace(" \n", "\n")
    else:
        text = _LINE_EDGE_SPACE.sub("", text)
    return _BLANK_LINES.sub("\n\n", text).strip()


def normalize_text(text: str) -> str:
    """The normalisation of text given on the command line: Unicode, script (when the
    text looks Traditional, see :func:`looks_traditional`), whitespace.

    Examples
    --------
    >>> normalize_text("  隨著 AI 發展,存在著風險 ")
    '随着AI发展，存在着风险'
    """
    text = normalize_unicode(text)
    if looks_traditional(text):
        text = to_simplified(text)
    return collapse_whitespace(text)
