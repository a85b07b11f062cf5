"""Passages: the units of the topic models, built from paragraphs.

A handful of documents is far too few for a topic model, and single sentences (a median of
about ten content terms) are too short for word co-occurrence to mean much. Paragraphs are
the natural unit of an argument, but their lengths here range from one content term to
several hundred. :func:`build_passages` therefore starts from paragraphs and

1. splits a paragraph longer than ``max_terms`` content terms at sentence boundaries
   into the fewest pieces of at most ``max_terms`` terms, balanced in length;
2. merges a piece shorter than ``min_terms`` with the following pieces of the same
   speaker turn (same document, section, speaker and turn) as long as the merged
   passage stays within ``max_terms``; a short remainder at the end of a turn joins
   the passage before it if that passage can take it.

A passage never crosses a document, section, speaker or turn, so every passage
carries exactly one document, section and speaker; every sentence lands in exactly one
passage, in text order. Short turns (a one-line question) stay short rather than be
glued onto another speaker's answer.
"""
from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from aidiscourse.config import Paths, project_paths
from aidiscourse.corpus.load import content_terms, load_sentences
from aidiscourse.errors import fail

#: Default lower bound of a passage, in content terms.
MIN_TERMS = 25
#: Default upper bound of a passage, in content terms.
MAX_TERMS = 80

PASSAGE_COLUMNS = [
    "passage_id", "doc_id", "passage", "section", "speaker", "role", "turn",
    "paragraph_first", "paragraph_last", "sentence_first", "sentence_last",
    "n_sentences", "n_tokens", "n_terms", "text", "terms",
]

_BLOCK = ["doc_id", "section", "speaker", "turn"]


@dataclass
class _Piece:
    rows: list[int] = field(default_factory=list)  # positions in the sentence table
    n_terms: int = 0

    def extend(self, other: "_Piece") -> None:
        self.rows.extend(other.rows)
        self.n_terms += other.n_terms


def split_balanced(lengths: list[int], max_terms: int) -> list[list[int]]:
    """Split a sequence of sentence lengths into contiguous groups of at most ``max_terms``.

    The number of groups is the smallest that can fit, ``ceil(sum / max_terms)``, raised
    while some group is still too long; cuts fall where the running total first reaches
    each equal share. A single sentence longer than ``max_terms`` forms its own group.

    Parameters
    ----------
    lengths : list of int
        Content terms per sentence, in text order.
    max_terms : int
        Upper bound of a group.

    Returns
    -------
    list of list of int
        Indices into ``lengths``, grouped; together they are ``range(len(lengths))``.

    Examples
    --------
    >>> split_balanced([30, 30, 30, 30], 80)
    [[0, 1], [2, 3]]
    >>> split_balanced([10, 100, 10], 80)
    [[0], [1], [2]]
    """
    total = sum(lengths)
    if total <= max_terms or len(lengths) <= 1:
        return [list(range(len(lengths)))]
    n_groups = max(2, math.ceil(total / max_terms))
    while True:
        share = total / n_groups
        groups: list[list[int]] = [[]]
        running = 0
        for i, n in enumerate(lengths):
            # open a new group when this sentence would pass the next equal share
            if groups[-1] and running + n / 2 > share * len(groups) and len(groups) < n_groups:
                groups.append([])
            groups[-1].append(i)
            running += n
        sizes = [sum(lengths[i] for i in g) for g in groups]
        too_long = [s > max_terms and len(g) > 1 for s, g in zip(sizes, groups)]
        if not any(too_long) or n_groups >= len(lengths):
            return groups
        n_groups += 1


def _merge_short(pieces: list[_Piece], min_terms: int, max_terms: int) -> list[_Piece]:
    out: list[_Piece] = []
    buffer: _Piece | None = None
    for piece in pieces:
        if buffer is None:
            buffer = _Piece(list(piece.rows), piece.n_terms)
        elif buffer.n_terms < min_terms and buffer.n_terms + piece.n_terms <= max_terms:
            buffer.extend(piece)
        else:
            out.append(buffer)
            buffer = _Piece(list(piece.rows), piece.n_terms)
    if buffer is not None:
        if buffer.n_terms < min_terms and out and out[-1].n_terms + buffer.n_terms <= max_terms:
            out[-1].extend(buffer)
        else:
            out.append(buffer)
    return out


def build_passages(
    sentences: pd.DataFrame,
    terms: pd.Series,
    *,
    min_terms: int = MIN_TERMS,
    max_terms: int = MAX_TERMS,
) -> pd.DataFrame:
    """Group sentences into passages of about ``min_terms`` to ``max_terms`` content terms.

    Parameters
    ----------
    sentences : DataFrame
        The sentence table (:func:`aidiscourse.corpus.load.load_sentences`), in text order.
    terms : Series of list of str
        Content terms of each sentence, aligned with ``sentences``
        (:func:`aidiscourse.corpus.load.content_terms`).
    min_terms, max_terms : int
        Target range of a passage in content terms (see the module docstring for the
        rules and their exceptions: a turn shorter than ``min_terms`` stays short, a
        sentence longer than ``max_terms`` stays whole).

    Returns
    -------
    DataFrame
        Columns :data:`PASSAGE_COLUMNS`, one row per passage in manifest and text order:
        ``passage_id`` (``"<doc_id>/<n>"``), ``passage`` (1, 2, ... within the document),
        the first and last paragraph and sentence numbers, ``text`` (sentences joined),
        ``terms`` (list of content terms).
    """
    if min_terms < 1 or max_terms < min_terms:
        raise fail(f"passage range must satisfy 1 <= min_terms <= max_terms, got {min_terms}..{max_terms}")
    df = sentences.reset_index(drop=True)
    term_lists = list(terms)
    if len(term_lists) != len(df):
        raise fail(f"terms has {len(term_lists)} entries for {len(df)} sentences")
    n_terms = [len(t) for t in term_lists]

    # contiguous runs of one (document, section, speaker, turn), then paragraphs within
    # them: both are runs of rows, read as index ranges (no per-group pandas work, which
    # at hundreds of documents cost seconds per call)
    new_block = np.zeros(len(df), dtype=bool)
    for col in _BLOCK:
        values = df[col].astype(str)
        new_block |= (values != values.shift()).to_numpy()
    new_para = new_block | (df["paragraph"] != df["paragraph"].shift()).to_numpy()
    starts = np.flatnonzero(new_para)
    ends = np.append(starts[1:], len(df))

    passages: list[_Piece] = []
    pieces: list[_Piece] = []
    for a, b in zip(starts, ends):
        if new_block[a] and pieces:
            passages.extend(_merge_short(pieces, min_terms, max_terms))
            pieces = []
        lengths = n_terms[a:b]
        for group in split_balanced(lengths, max_terms):
            pieces.append(_Piece([int(a) + i for i in group], sum(lengths[i] for i in group)))
    if pieces:
        passages.extend(_merge_short(pieces, min_terms, max_terms))

    column = {c: df[c].tolist() for c in ("doc_id", "section", "speaker", "role", "turn", "paragraph", "sentence", "text")}
    n_tokens = df["tokens"].str.split().str.len().tolist()
    records = []
    counter: dict[str, int] = {}
    for piece in passages:
        first, last = piece.rows[0], piece.rows[-1]
        doc = str(column["doc_id"][first])
        counter[doc] = counter.get(doc, 0) + 1
        records.append(
            {
                "passage_id": f"{doc}/{counter[doc]}",
                "doc_id": doc,
                "passage": counter[doc],
                "section": column["section"][first],
                "speaker": column["speaker"][first],
                "role": column["role"][first],
                "turn": column["turn"][first],
                "paragraph_first": int(column["paragraph"][first]),
                "paragraph_last": int(column["paragraph"][last]),
                "sentence_first": int(column["sentence"][first]),
                "sentence_last": int(column["sentence"][last]),
                "n_sentences": len(piece.rows),
                "n_tokens": int(sum(n_tokens[r] for r in piece.rows)),
                "n_terms": piece.n_terms,
                "text": "".join(column["text"][r] for r in piece.rows),
                "terms": [t for r in piece.rows for t in term_lists[r]],
            }
        )
    return pd.DataFrame(records, columns=PASSAGE_COLUMNS)


def load_passages(paths: Paths | None = None, *, min_terms: int = MIN_TERMS,
                  max_terms: int = MAX_TERMS) -> pd.DataFrame:
    """The passages of the argument text of every document (see :func:`build_passages`).

    Parameters
    ----------
    paths : Paths, optional
        The project; found from the current directory by default.
    min_terms, max_terms : int
        Target range of a passage in content terms.

    Returns
    -------
    DataFrame
        Columns :data:`PASSAGE_COLUMNS`, one row per passage.
    """
    paths = paths or project_paths()
    df = load_sentences(paths)
    return build_passages(df, content_terms(df, paths), min_terms=min_terms, max_terms=max_terms)


def passage_summary(table: pd.DataFrame) -> pd.DataFrame:
    """Passages and their length in content terms per document (count, median, min, max)."""
    return (
        table.groupby("doc_id", sort=False)
        .agg(passages=("passage", "size"), terms=("n_terms", "sum"), median_terms=("n_terms", "median"),
             min_terms=("n_terms", "min"), max_terms=("n_terms", "max"))
        .reset_index()
    )
