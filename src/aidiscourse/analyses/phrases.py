"""Formulaic phrases and concept families: reading the two lexicon files, matching their
entries as token sequences and measuring rates with block-bootstrap intervals over sampling
units (speaker turns or paragraphs, :func:`aidiscourse.analyses.resampling.sampling_units`).

``data/lexicons/formulaic_phrases.txt`` lists set phrases of the official register (提法),
``data/lexicons/concepts.yml`` groups terms into documented families. Both are matched
after segmenting each entry with the project's segmenter, so that an entry counts only where
the text holds it as whole words.
"""
from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import Iterable, Sequence

import numpy as np
import pandas as pd
import yaml

from aidiscourse.analyses.frequency import PER, is_word, word_tokens
from aidiscourse.analyses.stats import appearance_order, order_by_appearance
from aidiscourse.analyses.resampling import group_rng, ratio_interval, resampling_units
from aidiscourse.config import SEED, Paths, project_paths
from aidiscourse.corpus.segment import Segmenter, get_segmenter
from aidiscourse.errors import fail

PHRASES_FILE = "formulaic_phrases.txt"
CONCEPTS_FILE = "concepts.yml"


# --- the lexicon files -------------------------------------------------------------------


@dataclass(frozen=True, eq=False)
class PhraseList:
    """The formulaic-phrase list: its entries and the version stated in the file."""

    #: Columns phrase, gloss, in file order.
    table: pd.DataFrame
    #: The ``# version:`` of the file ("" if it states none).
    version: str


def load_phrases(path: str | Path | None = None) -> PhraseList:
    """Read the formulaic-phrase list (``phrase<TAB>gloss`` per line, ``#`` comments).

    Parameters
    ----------
    path : path-like, optional
        The list; the project's ``data/lexicons/formulaic_phrases.txt`` by default.

    Raises
    ------
    AidiscourseError
        If the file is missing, a line is not ``phrase<TAB>gloss`` or a phrase is listed twice.
    """
    path = Path(path) if path else project_paths().lexicons / PHRASES_FILE
    if not path.is_file():
        raise fail(f"phrase list not found: {path}")
    rows, version = [], ""
    for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        if line.startswith("#"):
            m = re.match(r"#\s*version:\s*(\S+)", line)
            version = m.group(1) if m else version
            continue
        if not line.strip():
            continue
        phrase, _, gloss = line.partition("\t")
        if not phrase.strip() or " " in phrase.strip():
            raise fail(f"{path.name} line {n}: expected 'phrase<TAB>gloss', got {line!r}")
        rows.append((phrase.strip(), gloss.strip()))
    table = pd.DataFrame(rows, columns=["phrase", "gloss"])
    dup = table["phrase"][table["phrase"].duplicated()]
    if len(dup):
        raise fail(f"{path.name}: phrase listed twice: {dup.iloc[0]}")
    return PhraseList(table, version)


@dataclass(frozen=True)
class Concept:
    """One concept family: a name, a label, a one-line definition and its terms."""

    name: str
    label: str
    definition: str
    terms: tuple[str, ...]


def load_concepts(path: str | Path | None = None) -> list[Concept]:
    """Read the concept families of ``data/lexicons/concepts.yml``.

    Raises
    ------
    AidiscourseError
        If a family lacks a label, definition or terms, or a term is in two families.
    """
    path = Path(path) if path else project_paths().lexicons / CONCEPTS_FILE
    if not path.is_file():
        raise fail(f"concept dictionary not found: {path}")
    data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    families = data.get("families")
    if not isinstance(families, dict) or not families:
        raise fail(f"{path.name}: expected a mapping 'families'")
    out, seen = [], {}
    for name, fam in families.items():
        for field in ("label", "definition", "terms"):
            if not fam or not fam.get(field):
                raise fail(f"{path.name}: family '{name}' has no {field}")
        words = tuple(str(t) for t in fam["terms"])
        for t in words:
            if t in seen:
                raise fail(f"{path.name}: term '{t}' is in both '{seen[t]}' and '{name}'")
            seen[t] = name
        out.append(Concept(name, str(fam["label"]), str(fam["definition"]), words))
    return out


def concept_table(concepts: Sequence[Concept]) -> pd.DataFrame:
    """The concept dictionary as a table: family, label, definition, terms (、-joined)."""
    return pd.DataFrame([(c.name, c.label, c.definition, "、".join(c.terms)) for c in concepts],
                        columns=["family", "label", "definition", "terms"])


# --- matching ----------------------------------------------------------------------------


def phrase_tokens(phrases: Iterable[str], *, segmenter: Segmenter | None = None,
                  paths: Paths | None = None) -> dict[str, tuple[str, ...]]:
    """Each phrase as the word-token sequence the project's segmenter gives it."""
    if segmenter is None:
        paths = paths or project_paths()
        segmenter = get_segmenter(str(paths.user_dict), (), "jieba")
    return {p: tuple(segmenter.cut(p)) or (p,) for p in phrases}


def match_phrases(tokens: Sequence[str], phrases: dict[str, tuple[str, ...]]) -> tuple[Counter, int]:
    """Find non-overlapping occurrences of token sequences, longest first, left to right.

    Parameters
    ----------
    tokens : sequence of str
        Tokens of one sentence (punctuation included, so that a phrase such as 人工智能+
        matches only with its sign).
    phrases : dict
        Phrase -> its token sequence (see :func:`phrase_tokens`).

    Returns
    -------
    (Counter, int)
        Occurrences per phrase and the number of word tokens
        (:func:`~aidiscourse.analyses.frequency.is_word`) covered by them.

    Examples
    --------
    >>> match_phrases(["发展", "新质", "生产力", "和", "新质", "生产力"], {"新质生产力": ("新质", "生产力")})
    (Counter({'新质生产力': 2}), 4)
    """
    by_first: dict[str, list[tuple[tuple[str, ...], str]]] = {}
    for p, seq in phrases.items():
        by_first.setdefault(seq[0], []).append((seq, p))
    for lst in by_first.values():
        lst.sort(key=lambda x: (-len(x[0]), x[1]))
    found: Counter = Counter()
    covered = 0
    i = 0
    n = len(tokens)
    while i < n:
        for seq, p in by_first.get(tokens[i], ()):
            if tuple(tokens[i:i + len(seq)]) == seq:
                found[p] += 1
                covered += sum(map(is_word, seq))
                i += len(seq)
                break
        else:
            i += 1
    return found, covered


def sentence_matches(df: pd.DataFrame, seqs: dict[str, tuple[str, ...]]) -> tuple[list[Counter], np.ndarray]:
    """:func:`match_phrases` on every sentence of a table.

    Returns
    -------
    found : list of Counter, length n_sentences
        Occurrences per phrase in each sentence.
    covered : ndarray of int, shape (n_sentences,)
        Word tokens covered by the phrases in each sentence.
    """
    found, covered = [], []
    for toks in df["tokens"].fillna(""):
        f, c = match_phrases(toks.split(), seqs)
        found.append(f)
        covered.append(c)
    return found, np.array(covered)


# --- rates with block-bootstrap intervals ---------------------------------------------------


def _groups(df: pd.DataFrame, by: Sequence[str]):
    for key, g in df.groupby(list(by), sort=False):
        yield (key if isinstance(key, tuple) else (key,)), g


def _phrase_table(phrases: pd.DataFrame | None, paths: Paths | None) -> pd.DataFrame:
    if phrases is not None:
        return phrases
    return load_phrases(paths.lexicons / PHRASES_FILE if paths else None).table


def formulaic_density(df: pd.DataFrame, phrases: pd.DataFrame | None = None, *, by: Sequence[str] = ("doc_id",),
                      unit: str = "sampling", n_boot: int = 2000, random_state: int = SEED,
                      paths: Paths | None = None) -> pd.DataFrame:
    """Share of word tokens inside formulaic phrases, per group, with a block-bootstrap interval.

    Phrases are matched as token sequences (:func:`match_phrases`) after segmenting each phrase
    with the project's segmenter. The interval resamples the group's sampling units
    (:func:`~aidiscourse.analyses.resampling.ratio_interval`); a group with fewer than
    :data:`~aidiscourse.analyses.resampling.MIN_UNITS` units gets none.

    Parameters
    ----------
    df : DataFrame
        Sentence table (doc_id, paragraph, turn, tokens and the ``by`` columns).
    phrases : DataFrame, optional
        ``PhraseList.table`` (columns phrase, gloss); the project's list by default.
    unit : {"sampling", "paragraph", "sentence"}
        The resampling unit (:func:`~aidiscourse.analyses.resampling.resampling_units`);
        anything but the default is for comparison.
    n_boot : int
        Bootstrap draws.
    random_state : int
        Seed; each group draws from its own stream
        (:func:`~aidiscourse.analyses.resampling.group_rng`).

    Returns
    -------
    DataFrame
        Columns ``*by``, words, phrase_tokens, occurrences, share (phrase tokens / words, in
        percent), ci_low, ci_high (95% block bootstrap, percent), per_10k (occurrences per
        10,000 word tokens).
    """
    phrases = _phrase_table(phrases, paths)
    found, covered = sentence_matches(df, phrase_tokens(phrases["phrase"], paths=paths))
    work = df[list(by)].assign(covered=covered, occurrences=[sum(f.values()) for f in found],
                               words=word_tokens(df).map(len), unit=resampling_units(df, unit=unit))
    rows = []
    for key, g in _groups(work, by):
        share, lo, hi = ratio_interval(g["covered"], g["words"], g["unit"], scale=100, n_boot=n_boot,
                                       random_state=group_rng(random_state, "formulaic", *key))
        rows.append({**dict(zip(by, key)), "words": int(g["words"].sum()), "phrase_tokens": int(g["covered"].sum()),
                     "occurrences": int(g["occurrences"].sum()), "share": share, "ci_low": lo, "ci_high": hi,
                     "per_10k": PER * g["occurrences"].sum() / g["words"].sum()})
    return pd.DataFrame(rows)


def phrase_counts(df: pd.DataFrame, phrases: pd.DataFrame | None = None, *, paths: Paths | None = None) -> pd.DataFrame:
    """Occurrences of each formulaic phrase per document, counted two ways.

    Returns
    -------
    DataFrame
        Columns doc_id, phrase, gloss, count (as a token sequence), count_text (as a character
        string in the sentence text). A phrase whose two counts differ is split differently by
        the segmenter in context, or sits inside a longer phrase. Only phrases found in a document
        are listed; sorted by document, count descending, phrase.
    """
    phrases = _phrase_table(phrases, paths)
    gloss = dict(zip(phrases["phrase"], phrases["gloss"]))
    found, _ = sentence_matches(df, phrase_tokens(phrases["phrase"], paths=paths))
    rows = []
    for doc, g in df[["doc_id", "text"]].assign(found=found).groupby("doc_id", sort=False):
        c = sum(g["found"], Counter())
        text = "\n".join(g["text"])
        for p in phrases["phrase"]:
            n_text = text.count(p)
            if c[p] or n_text:
                rows.append((doc, p, gloss[p], c[p], n_text))
    out = pd.DataFrame(rows, columns=["doc_id", "phrase", "gloss", "count", "count_text"])
    return order_by_appearance(out, "doc_id", order=appearance_order(df, "doc_id"), then=["count", "phrase"],
                               ascending=[False, True])


def concept_rates(df: pd.DataFrame, concepts: Sequence[Concept] | None = None, *, by: Sequence[str] = ("doc_id",),
                  unit: str = "sampling", n_boot: int = 2000, random_state: int = SEED,
                  paths: Paths | None = None) -> pd.DataFrame:
    """Rate of each concept family per group, per 10,000 word tokens, with block-bootstrap 95% intervals.

    Family terms are matched as token sequences (:func:`match_phrases`). The interval resamples
    the group's sampling units (:func:`~aidiscourse.analyses.resampling.ratio_interval`; none below
    :data:`~aidiscourse.analyses.resampling.MIN_UNITS` units); each group and family draws from its
    own stream (:func:`~aidiscourse.analyses.resampling.group_rng`), so adding a family or a document
    leaves the others' intervals unchanged.

    Parameters
    ----------
    unit : {"sampling", "paragraph", "sentence"}
        The resampling unit (:func:`~aidiscourse.analyses.resampling.resampling_units`).

    Returns
    -------
    DataFrame
        Columns ``*by``, family, label, count, words, per_10k, ci_low, ci_high; sorted by document
        (if ``doc_id`` is in ``by``) and family, in the order of ``concepts``.
    """
    concepts = load_concepts(paths.lexicons / CONCEPTS_FILE if paths else None) if concepts is None else concepts
    sizes = word_tokens(df).map(len).to_numpy()
    units = resampling_units(df, unit=unit)
    rows = []
    for fam in concepts:
        found, _ = sentence_matches(df, phrase_tokens(fam.terms, paths=paths))
        work = df[list(by)].assign(hits=[sum(f.values()) for f in found], words=sizes, unit=units)
        for key, g in _groups(work, by):
            rate, lo, hi = ratio_interval(g["hits"], g["words"], g["unit"], scale=PER, n_boot=n_boot,
                                          random_state=group_rng(random_state, "concept", *key, fam.name))
            rows.append({**dict(zip(by, key)), "family": fam.name, "label": fam.label, "count": int(g["hits"].sum()),
                         "words": int(g["words"].sum()), "per_10k": rate, "ci_low": lo, "ci_high": hi})
    out = pd.DataFrame(rows, columns=[*by, "family", "label", "count", "words", "per_10k", "ci_low", "ci_high"])
    families = [f.name for f in concepts]
    if "doc_id" not in by:
        return order_by_appearance(out, "family", order=families)
    order = [(d, f) for d in appearance_order(df, "doc_id") for f in families]
    return order_by_appearance(out, ["doc_id", "family"], order=order)


def concept_leaders(rates: pd.DataFrame) -> pd.DataFrame:
    """Which document leads each concept family, and whether its interval clears the runner-up's.

    Parameters
    ----------
    rates : DataFrame
        :func:`concept_rates` by document.

    Returns
    -------
    DataFrame
        One row per family (in the order of ``rates``): family, label, leader, leader_rate,
        leader_low, runner_up, runner_up_rate, runner_up_high, separated (the leader's lower
        bound lies above the runner-up's upper bound; False where either interval is missing).
    """
    rows = []
    for fam, g in rates.groupby("family", sort=False):
        g = g.sort_values(["per_10k", "doc_id"], ascending=[False, True], kind="mergesort")
        lead = g.iloc[0]
        second = g.iloc[1] if len(g) > 1 else None
        row = {"family": fam, "label": lead["label"], "leader": lead["doc_id"], "leader_rate": lead["per_10k"],
               "leader_low": lead["ci_low"],
               "runner_up": second["doc_id"] if second is not None else "",
               "runner_up_rate": second["per_10k"] if second is not None else np.nan,
               "runner_up_high": second["ci_high"] if second is not None else np.nan}
        row["separated"] = bool(row["leader_low"] > row["runner_up_high"])  # NaN compares False
        rows.append(row)
    return pd.DataFrame(rows)
