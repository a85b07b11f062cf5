"""Contexts: what a count means where the word is used.

A keyword-in-context concordance (:func:`kwic`), rendered as HTML with every piece of
document text escaped (:class:`Concordance`), and the collocates of a term per document
(:func:`collocations`).
"""
from __future__ import annotations

import html
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import Sequence

import numpy as np
import pandas as pd
import yaml

from aidiscourse.analyses.frequency import sentence_terms
from aidiscourse.analyses.keyness import term_lists
from aidiscourse.analyses.stats import appearance_order, log_likelihood, order_by_appearance
from aidiscourse.config import SEED, Paths, project_paths
from aidiscourse.errors import fail

KWIC_COLUMNS = ["doc_id", "speaker", "role", "paragraph", "sentence", "term", "left", "keyword", "right", "hits"]


# --- which terms ----------------------------------------------------------------------------


@dataclass(frozen=True)
class ContextTerms:
    """Terms read in context: the concordance's and the collocation nodes."""

    concordance: tuple[str, ...]
    collocations: tuple[str, ...]


def context_terms_path(paths: Paths | None = None) -> Path:
    """``data/lexicons/contexts.yml`` of the project."""
    return (paths or project_paths()).lexicons / "contexts.yml"


def load_context_terms(path: str | Path) -> ContextTerms:
    """Read the terms of the concordance and of the collocations from one YAML file.

    Parameters
    ----------
    path : path-like
        YAML with two lists of terms, ``concordance`` and ``collocations``.

    Raises
    ------
    AidiscourseError
        If the file is missing, a list is missing or empty, or a term is not a non-empty string.
    """
    path = Path(path)
    if not path.is_file():
        raise fail(f"{path} not found: it lists the terms of the concordance and the collocations")
    data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    lists = {}
    for key in ("concordance", "collocations"):
        terms = data.get(key) if isinstance(data, dict) else None
        if not isinstance(terms, list) or not terms or not all(isinstance(t, str) and t.strip() for t in terms):
            raise fail(f"{path.name}: '{key}' must be a non-empty list of terms")
        lists[key] = tuple(dict.fromkeys(t.strip() for t in terms))
    return ContextTerms(**lists)


def with_key_terms(terms: Sequence[str], key_terms: pd.DataFrame, *, n: int = 1) -> list[str]:
    """``terms`` followed by the first ``n`` key terms of each document not already listed.

    Parameters
    ----------
    key_terms : DataFrame
        :func:`~aidiscourse.analyses.keyness.key_terms` (columns doc_id, term, ranked).
    """
    top = key_terms.groupby("doc_id", sort=False).head(n).term
    return list(dict.fromkeys([*terms, *top]))


# --- keyword in context ------------------------------------------------------------------


def token_spans(text: str, tokens: Sequence[str]) -> list[tuple[int, int]]:
    """Where each token lies in the sentence as written: ``(start, end)`` offsets into ``text``.

    Tokens are the sentence's characters with whitespace dropped and Latin words folded
    (lower case, or the user dictionary's spelling), so each is found in ``text`` by a
    case-insensitive search from the end of the previous one. A token that cannot be found
    (a table whose ``text`` and ``tokens`` disagree) gets an empty span at the current
    position, so that the contexts around it are still cut from the text as written.

    >>> token_spans("以Open AI为例", ["以", "open", "AI", "为", "例"])
    [(0, 1), (1, 5), (6, 8), (8, 9), (9, 10)]
    """
    folded = text.casefold() if len(text.casefold()) == len(text) else text.lower()
    spans, at = [], 0
    for tok in tokens:
        i = folded.find(tok.casefold(), at)
        if i < 0 or folded[at:i].strip():  # not found, or found past text that is not whitespace
            spans.append((at, at))
            continue
        spans.append((i, i + len(tok)))
        at = i + len(tok)
    return spans


def _context(text: str, spans: list[tuple[int, int]], i: int, window: int) -> tuple[str, str, str]:
    """Left context, keyword and right context of token ``i``, cut from ``text`` as written."""
    start, end = spans[i]
    left_from = spans[max(0, i - window)][0]
    right_to = spans[min(len(spans), i + 1 + window) - 1][1] if i + 1 < len(spans) else end
    return text[left_from:start].strip(), text[start:end], text[end:right_to].strip()


def kwic(df: pd.DataFrame, term: str, *, window: int = 10, max_per_doc: int | None = 5,
         random_state: int = SEED) -> pd.DataFrame:
    """Keyword in context: occurrences of ``term`` as a token, with tokens either side.

    The occurrences are found among the sentence's tokens (folded for counting), but the
    keyword and its contexts are cut from the sentence's ``text``, as written: case,
    spaces and spellings are the document's (:func:`token_spans`). Context stays within the
    sentence. If a document has more than ``max_per_doc`` occurrences, a random sample
    (seeded) is shown, in text order.

    Returns
    -------
    DataFrame
        Columns doc_id, speaker, role, paragraph, sentence, term (as counted), left, keyword
        (as written), right, hits (the document's total number of occurrences).
    """
    rows = []
    for doc, g in df.groupby("doc_id", sort=False):
        found = []
        for r in g.itertuples(index=False):
            toks = r.tokens.split()
            if term not in toks:
                continue
            spans = token_spans(str(r.text), toks)
            for i, t in enumerate(toks):
                if t == term:
                    found.append((doc, r.speaker, r.role, r.paragraph, r.sentence, term,
                                  *_context(str(r.text), spans, i, window)))
        hits = len(found)
        if max_per_doc is not None and hits > max_per_doc:
            rng = np.random.default_rng([random_state, hits])
            found = [found[i] for i in sorted(rng.choice(hits, size=max_per_doc, replace=False))]
        rows += [(*f, hits) for f in found]
    return pd.DataFrame(rows, columns=KWIC_COLUMNS)


def concordance_html(table: pd.DataFrame) -> str:
    """HTML of a :func:`kwic` table: right-aligned left context, the keyword marked.

    Where the table has ``pinyin`` and ``gloss`` columns (see
    :func:`aidiscourse.report.glossary.annotate`), they are shown under the keyword. Every
    value is passed through :func:`html.escape`, so text such as ``<script>`` in a document
    is shown, never run.
    """
    e = html.escape
    glossed = {"pinyin", "gloss"} <= set(table.columns)
    head = "<tr><th>document</th><th>speaker</th><th style='text-align:right'>left</th><th>keyword</th><th>right</th></tr>"
    body = []
    for r in table.itertuples(index=False):
        who = e(str(r.speaker)) + (f" ({e(str(r.role))})" if r.role else "")
        body.append(
            f"<tr><td>{e(str(r.doc_id))} ¶{e(str(r.paragraph))}</td><td>{who}</td>"
            f"<td style='text-align:right;white-space:nowrap'>{e(str(r.left))}</td>"
            f"<td style='text-align:center'><mark>{e(str(r.keyword))}</mark>"
            + (f"<br><small>{e(str(r.pinyin))} ‘{e(str(r.gloss))}’</small>" if glossed else "") + "</td>"
            f"<td style='text-align:left;white-space:nowrap'>{e(str(r.right))}</td></tr>"
        )
    return "<table class='aid-kwic'>" + head + "".join(body) + "</table>"


class Concordance:
    """A KWIC table that renders as HTML with every piece of document text escaped."""

    def __init__(self, table: pd.DataFrame):
        self.table = table

    def _repr_html_(self) -> str:
        return concordance_html(self.table)

    def __repr__(self) -> str:
        return self.table.to_string()


def concordance(df: pd.DataFrame, terms: Sequence[str], *, window: int = 10, max_per_doc: int | None = 5,
                random_state: int = SEED) -> Concordance:
    """One :class:`Concordance` of several terms, term by term (see :func:`kwic`)."""
    frames = [kwic(df, t, window=window, max_per_doc=max_per_doc, random_state=random_state) for t in terms]
    return Concordance(pd.concat(frames, ignore_index=True))


# --- collocations ------------------------------------------------------------------------


def collocations(df: pd.DataFrame, node: str, *, window: int = 5, min_count: int = 3) -> pd.DataFrame:
    """Collocates of ``node`` per document: content terms within ``window`` terms of it.

    The window spans ``window`` content terms on each side, within the sentence. For each
    candidate ``w`` the 2x2 table is: w inside / outside the node's windows, against all
    other term positions inside / outside them; G2 is
    :func:`~aidiscourse.analyses.stats.log_likelihood` of that table and ``PMI = log2(O / E)``
    with ``O`` the co-occurrences and ``E = W * f(w) / N`` (``W`` positions inside the windows,
    ``N`` term tokens of the document).

    Parameters
    ----------
    df : DataFrame
        Sentence table with ``terms``.

    Returns
    -------
    DataFrame
        Columns doc_id, node, collocate, o, e, pmi, g2 for collocates seen at least ``min_count``
        times and more often than expected; sorted by document, g2 descending, collocate.
    """
    rows = []
    for doc, sentences in sentence_terms(df).groupby(df["doc_id"], sort=False):
        freq = Counter(t for ts in sentences for t in ts)
        n = sum(freq.values())
        co: Counter = Counter()
        w_total = 0
        for ts in sentences:
            for i, t in enumerate(ts):
                if t != node:
                    continue
                span = [x for j, x in enumerate(ts[max(0, i - window):i + window + 1], start=max(0, i - window)) if j != i]
                co.update(span)
                w_total += len(span)
        if not w_total:
            continue
        cand = sorted(w for w, o in co.items() if o >= min_count and w != node)
        if not cand:
            continue
        o = np.array([co[w] for w in cand], dtype=float)
        f = np.array([freq[w] for w in cand], dtype=float)
        e = w_total * f / n
        g2 = log_likelihood(o, f - o, w_total, n - w_total)
        for w, oi, ei, gi in zip(cand, o, e, g2):
            if oi > ei:
                rows.append((doc, node, w, int(oi), ei, float(np.log2(oi / ei)), float(gi)))
    out = pd.DataFrame(rows, columns=["doc_id", "node", "collocate", "o", "e", "pmi", "g2"])
    return order_by_appearance(out, "doc_id", order=appearance_order(df, "doc_id"), then=["g2", "collocate"],
                               ascending=[False, True])


def collocation_summary(coll: pd.DataFrame, *, n: int = 6) -> pd.DataFrame:
    """One row per document and node term with its ``n`` strongest collocates (by G2)."""
    return term_lists(coll, by=["doc_id", "node"], column="collocate", n=n).rename(columns={"collocate": "collocates"})


def collocate_grid(coll: pd.DataFrame, nodes: Sequence[str], *, docs: Sequence[str], n: int = 6) -> pd.DataFrame:
    """Documents x node terms, each cell the ``n`` strongest collocates ("" where none).

    Parameters
    ----------
    coll : DataFrame
        :func:`collocations` of one or more nodes.
    nodes : sequence of str
        The columns, in this order.
    docs : sequence of str
        Document order; documents without any collocate are left out.
    """
    summary = collocation_summary(coll, n=n).pivot(index="doc_id", columns="node", values="collocates")
    present = set(coll["doc_id"])
    return summary.reindex(index=[d for d in docs if d in present], columns=list(nodes)).fillna("")
