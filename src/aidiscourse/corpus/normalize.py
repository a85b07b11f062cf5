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

# Half-width punctuation that touches a CJK character becomes full-width.
_HALF_TO_FULL = {",": "，", ";": "；", ":": "：", "?": "？", "!": "！", "(": "（", ")": "）"}
_HALF_PUNCT_NEAR_CJK = re.compile(
    rf"(?<=[{CJK}{CJK_PUNCT}])\s*([,;:?!()])|([,;:?!()])\s*(?=[{CJK}{CJK_PUNCT}])"
)


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
    text = unicodedata.normalize("NFC", text).translate(_FULLWIDTH_TABLE)
    text = text.replace("\u00a0", " ").replace("\u200b", "")
    return _HALF_PUNCT_NEAR_CJK.sub(lambda m: _HALF_TO_FULL[m.group(1) or m.group(2)], text)


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
    protected = []
    for word in ZHU_WORDS:
        start = text.find(word)
        while start != -1:
            protected.extend(range(start, start + len(word)))
            start = text.find(word, start + 1)
    keep = set(protected)
    return "".join("着" if ch == "著" and i not in keep else ch for i, ch in enumerate(text))


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


_SPACE_BETWEEN = re.compile(rf"(?<=[{CJK}{CJK_PUNCT}])[ \t]+(?=[{CJK}{CJK_PUNCT}])")
_SPACE_CJK_LATIN = re.compile(rf"(?<=[{CJK}{CJK_PUNCT}])[ \t]+(?=[A-Za-z0-9])|(?<=[A-Za-z0-9%])[ \t]+(?=[{CJK}{CJK_PUNCT}])")
_RUNS_OF_SPACE = re.compile(r"[ \t]+")
_BLANK_LINES = re.compile(r"\n\s*\n+")


def collapse_whitespace(text: str) -> str:
    """Remove spaces between Chinese characters and between Chinese and Latin text,
    squeeze other runs of spaces to one, strip lines, and keep one blank line between
    paragraphs.

    Examples
    --------
    >>> collapse_whitespace("增 长 2.8%， 民 间 投资\\n\\n\\n下降")
    '增长2.8%，民间投资\\n\\n下降'
    """
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    text = _SPACE_BETWEEN.sub("", text)
    text = _SPACE_CJK_LATIN.sub("", text)
    text = _RUNS_OF_SPACE.sub(" ", text)
    text = "\n".join(line.strip() for line in text.split("\n"))
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
