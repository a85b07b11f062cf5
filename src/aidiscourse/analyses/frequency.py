"""Term frequencies: what is counted, counts and rates per document, shared vocabulary and
lexical diversity.

Every function takes the sentence table of :func:`aidiscourse.corpus.load.load_sentences`
(one row per sentence, ``tokens`` space-separated) with a ``terms`` column added by the caller
from :func:`aidiscourse.corpus.load.content_terms`::

    df = load_sentences(paths)
    df = df.assign(terms=content_terms(df, paths))

Results are tidy DataFrames with a ``doc_id`` column, in manifest order and then sorted by a
stated key. Nothing here depends on how many documents there are or what they are called.

Units
-----
*word tokens*
    Tokens that hold a Chinese character, a Latin letter or a digit (punctuation dropped,
    stop words kept; :func:`is_word`). They are the denominator of every rate ("per 10,000
    tokens") and the corpus sizes of the keyness tables, as in corpus linguistics' "running
    words".
*terms*
    Content terms (:func:`aidiscourse.corpus.segment.terms`: stop words, numbers and
    punctuation removed). They are what is counted.

References
----------
Covington, M. A. and McFall, J. D. (2010). Cutting the Gordian knot: the moving-average
    type-token ratio (MATTR). *Journal of Quantitative Linguistics* 17(2), 94-100.
"""
from __future__ import annotations

import re
from collections import Counter
from typing import Sequence

import pandas as pd

from aidiscourse.analyses.stats import order_by_appearance
from aidiscourse.corpus.normalize import CJK
from aidiscourse.errors import fail

_WORD = re.compile(rf"[{CJK}A-Za-z0-9]")

#: Tokens per rate unit.
PER = 10_000


# --- what is counted ---------------------------------------------------------------------


def is_word(token: str) -> bool:
    """True for a word token: it holds a Chinese character, a Latin letter or a digit.

    >>> [t for t in ["人工智能", "，", "2025", "的", "《"] if is_word(t)]
    ['人工智能', '2025', '的']
    """
    return bool(_WORD.search(token))


def word_tokens(df: pd.DataFrame) -> pd.Series:
    """Word tokens (:func:`is_word`) of each sentence.

    Parameters
    ----------
    df : DataFrame
        Sentence table with a ``tokens`` column (space-separated tokens).

    Returns
    -------
    Series of list of str
        Aligned with ``df``'s index.
    """
    return df["tokens"].fillna("").map(lambda s: [t for t in s.split() if is_word(t)])


def sentence_terms(df: pd.DataFrame) -> pd.Series:
    """The ``terms`` column of a sentence table (lists of content terms).

    Raises
    ------
    AidiscourseError
        If the table has no ``terms`` column.
    """
    if "terms" not in df.columns:
        raise fail("the sentence table has no 'terms' column: add it with "
                   "df.assign(terms=content_terms(df)) (aidiscourse.corpus.load)")
    return df["terms"]


def speaker_docs(df: pd.DataFrame) -> list[str]:
    """Documents with more than one speaker role (interviews, seminars), in manifest order."""
    roles = df.groupby("doc_id", sort=False)["role"].nunique()
    return [d for d in roles.index if roles[d] > 1]


# --- sizes and counts --------------------------------------------------------------------


def document_sizes(df: pd.DataFrame) -> pd.DataFrame:
    """Sentences, word tokens and content terms per document.

    Returns
    -------
    DataFrame
        Columns doc_id, sentences, words, terms; in manifest order.
    """
    work = pd.DataFrame({"doc_id": df["doc_id"], "words": word_tokens(df).map(len),
                         "terms": sentence_terms(df).map(len)})
    g = work.groupby("doc_id", sort=False)
    return pd.DataFrame({"sentences": g.size(), "words": g["words"].sum(), "terms": g["terms"].sum()}).reset_index()


def role_sizes(df: pd.DataFrame) -> pd.DataFrame:
    """Speakers, sentences and word tokens per role in documents with several roles.

    Returns
    -------
    DataFrame
        Columns doc_id, role, speakers, sentences, words, word_share (share of the
        document's word tokens).
    """
    df = df[df["doc_id"].isin(speaker_docs(df))]
    out = (df.assign(n=word_tokens(df).map(len)).groupby(["doc_id", "role"], sort=False)
           .agg(speakers=("speaker", "nunique"), sentences=("text", "size"), words=("n", "sum")).reset_index())
    out["word_share"] = out["words"] / out.groupby("doc_id")["words"].transform("sum")
    return out


def term_counts(df: pd.DataFrame, *, by: Sequence[str] = ("doc_id",)) -> pd.DataFrame:
    """Counts of content terms per group.

    Returns
    -------
    DataFrame
        Columns ``*by``, term, count (long format, zero counts omitted), sorted by the groups
        in order of appearance, then count descending, then term.
    """
    by = list(by)
    work = df[by].assign(terms=sentence_terms(df))
    rows = []
    for key, g in work.groupby(by, sort=False):  # groups come in order of appearance
        key = key if isinstance(key, tuple) else (key,)
        c = Counter(t for ts in g["terms"] for t in ts)
        rows += [(*key, t, n) for t, n in c.items()]
    out = pd.DataFrame(rows, columns=[*by, "term", "count"])
    return order_by_appearance(out, by, then=["count", "term"], ascending=[False, True])


def frequency_table(df: pd.DataFrame, *, min_count: int = 1) -> pd.DataFrame:
    """Counts and rates of content terms per document.

    Parameters
    ----------
    df : DataFrame
        Sentence table with ``terms``.
    min_count : int
        Keep terms with at least this count in a document.

    Returns
    -------
    DataFrame
        Columns doc_id, term, count, per_10k (count per 10,000 word tokens of the document),
        sorted by document (manifest order), count descending, term.
    """
    sizes = document_sizes(df).set_index("doc_id")["words"]
    out = term_counts(df)
    out = out[out["count"] >= min_count].reset_index(drop=True)
    out["per_10k"] = out["count"] / out["doc_id"].map(sizes).to_numpy() * PER
    return out


def top_terms(freq: pd.DataFrame, *, n: int = 15) -> pd.DataFrame:
    """The ``n`` most frequent terms of each document (ties broken by term)."""
    return freq.groupby("doc_id", sort=False, group_keys=False).head(n).reset_index(drop=True)


# --- shared vocabulary -------------------------------------------------------------------


def shared_vocabulary(freq: pd.DataFrame) -> pd.DataFrame:
    """Vocabulary shared by all documents versus unique to one.

    Parameters
    ----------
    freq : DataFrame
        Output of :func:`frequency_table` with ``min_count=1``.

    Returns
    -------
    DataFrame
        One row per document: types, shared_all (types used in every document),
        unique (types used in this document only), unique_share (unique / types),
        unique_tokens_share (share of the document's term tokens that are unique types).
    """
    n_docs = freq["doc_id"].nunique()
    spread = freq.groupby("term")["doc_id"].nunique()
    rows = []
    for doc, g in freq.groupby("doc_id", sort=False):
        s = g["term"].map(spread)
        rows.append(
            {
                "doc_id": doc,
                "types": len(g),
                "shared_all": int((s == n_docs).sum()),
                "unique": int((s == 1).sum()),
                "unique_share": float((s == 1).mean()),
                "unique_tokens_share": float(g.loc[(s == 1).to_numpy(), "count"].sum() / g["count"].sum()),
            }
        )
    return pd.DataFrame(rows)


def shared_terms(freq: pd.DataFrame) -> list[str]:
    """Terms used in every document, most frequent (in the whole corpus) first."""
    n_docs = freq["doc_id"].nunique()
    spread = freq.groupby("term")["doc_id"].nunique()
    shared = spread[spread == n_docs].index
    total = freq[freq["term"].isin(shared)].groupby("term")["count"].sum()
    return sorted(total.index, key=lambda t: (-total[t], t))


# --- lexical diversity -------------------------------------------------------------------


def mattr(tokens: Sequence[str], *, window: int = 500) -> float:
    """Moving-average type-token ratio (Covington and McFall 2010).

    The type-token ratio of every window of ``window`` consecutive tokens, averaged. Unlike
    the raw TTR it does not fall as a text grows, so texts of different length compare.

    Parameters
    ----------
    tokens : sequence of str
    window : int
        Window length; if the text is shorter, the TTR of the whole text is returned.

    Examples
    --------
    >>> mattr(list("abab"), window=2)
    1.0
    >>> mattr(list("aaab"), window=2)  # windows aa, aa, ab
    0.6666666666666666
    """
    n = len(tokens)
    if n == 0:
        return float("nan")
    if n <= window:
        return len(set(tokens)) / n
    counts = Counter(tokens[:window])
    types = len(counts)
    total = types
    for i in range(window, n):
        out, inc = tokens[i - window], tokens[i]
        counts[out] -= 1
        if counts[out] == 0:
            types -= 1
        if counts[inc] == 0:
            types += 1
        counts[inc] += 1
        total += types
    return total / ((n - window + 1) * window)


def lexical_diversity(df: pd.DataFrame, *, window: int = 500) -> pd.DataFrame:
    """Lexical diversity per document: MATTR over word tokens and, for contrast, raw TTR.

    Returns
    -------
    DataFrame
        Columns doc_id, words, types, ttr, mattr (window ``window``).
    """
    rows = []
    for doc, words in word_tokens(df).groupby(df["doc_id"], sort=False):
        toks = [t for ts in words for t in ts]
        rows.append({"doc_id": doc, "words": len(toks), "types": len(set(toks)),
                     "ttr": len(set(toks)) / len(toks) if toks else float("nan"),
                     "mattr": mattr(toks, window=window)})
    return pd.DataFrame(rows)
