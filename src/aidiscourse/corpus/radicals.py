"""Characters a PDF producer wrote as CJK radicals, mapped back to the ideographs meant.

Applied to the text of every PDF when it is extracted (:mod:`aidiscourse.corpus.extract`).
"""
from __future__ import annotations

import re
import unicodedata
from functools import lru_cache
from pathlib import Path

@lru_cache(maxsize=1)
def radical_table() -> dict[int, str]:
    """Map CJK radicals to the ideographs a PDF meant by them.

    PDF producers that map glyphs back to code points often pick the radical a font
    shares with an ideograph (⼈ U+2F08 for 人, ⺠ U+2EA0 for 民). Kangxi radicals have a
    Unicode compatibility mapping (NFKC); for the CJK Radicals Supplement, which has
    none, the ideograph is the one drawn with the same glyph in Noto Sans CJK SC (the
    font ``mplfonts`` ships with the project).
    """
    table = {cp: unicodedata.normalize("NFKC", chr(cp)) for cp in range(0x2F00, 0x2FD6)}
    try:
        import importlib.util

        from fontTools.ttLib import TTFont

        spec = importlib.util.find_spec("mplfonts")
        font = Path(next(iter(spec.submodule_search_locations))) / "fonts" / "NotoSansCJKsc-Regular.otf"
        cmap = TTFont(font, lazy=True).getBestCmap()
    except Exception:  # without the font only the Kangxi block is repaired
        return table
    by_glyph: dict[str, int] = {}
    for cp, glyph in sorted(cmap.items()):
        if 0x4E00 <= cp <= 0x9FFF or 0x3400 <= cp <= 0x4DBF:
            by_glyph.setdefault(glyph, cp)
    for cp in range(0x2E80, 0x2F00):
        glyph = cmap.get(cp)
        if glyph in by_glyph:
            table[cp] = chr(by_glyph[glyph])
    return table


_RADICAL = re.compile("[\u2e80-\u2eff\u2f00-\u2fd5]")


def repair_radicals(text: str) -> str:
    """Replace CJK radicals with the ideographs they stand for (see :func:`radical_table`).

    >>> repair_radicals("新质⽣产⼒，⺠营企业")
    '新质生产力，民营企业'
    """
    if not _RADICAL.search(text):
        return text
    return text.translate(radical_table())
