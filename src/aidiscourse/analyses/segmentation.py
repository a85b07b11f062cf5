"""Segmentation sensitivity: how much the key terms depend on how the text was cut into words.

Every count depends on jieba and the project's user dictionary. :func:`resegment` cuts the
same sentences again with another segmenter (e.g. jieba's own dictionary only) and
:func:`segmentation_sensitivity` compares the top key terms of the two versions.
"""
from __future__ import annotations

import pandas as pd

from aidiscourse.analyses.keyness import key_terms, keyness
from aidiscourse.analyses.stats import appearance_order, jaccard
from aidiscourse.config import Paths
from aidiscourse.corpus.load import content_terms
from aidiscourse.corpus.segment import Segmenter


def resegment(df: pd.DataFrame, segmenter: Segmenter, *, spellings: Segmenter | None = None,
              paths: Paths | None = None) -> pd.DataFrame:
    """Return a copy of ``df`` whose ``tokens`` and ``terms`` are recut from ``text`` by ``segmenter``.

    Used to measure how much the findings depend on segmentation, e.g. with
    ``Segmenter(None)`` (jieba's dictionary only, no user dictionary).

    Parameters
    ----------
    df : DataFrame
        Sentence table with ``text``.
    segmenter : Segmenter
        The other segmentation.
    spellings : Segmenter, optional
        Fold Latin words to this segmenter's spellings (:meth:`Segmenter.fold`), so that only
        the segmentation differs, not the case of DeepSeek or AI.
    paths : Paths, optional
        The project, for its stop words (:func:`aidiscourse.corpus.load.content_terms`).

    Returns
    -------
    DataFrame
        ``df`` with new ``tokens`` and ``terms`` columns.
    """
    fold = spellings.fold if spellings is not None else (lambda t: t)
    out = df.assign(tokens=df["text"].map(lambda t: " ".join(fold(w) for w in segmenter.cut(t))))
    return out.assign(terms=content_terms(out, paths))


def segmentation_sensitivity(df: pd.DataFrame, alt: pd.DataFrame, *, top_n: int = 30, min_count: int = 5) -> pd.DataFrame:
    """Overlap of each document's top key terms under two segmentations.

    Parameters
    ----------
    df, alt : DataFrame
        The same sentences segmented two ways, each with ``terms`` (e.g.
        ``alt = resegment(df, Segmenter(None))``).
    top_n : int
        Number of positive key terms compared (ranked by G2, no significance filter, so both
        lists have ``top_n`` terms where the document allows).

    Returns
    -------
    DataFrame
        Columns doc_id, top_n, jaccard, shared, only_with_dict, only_without_dict (the last
        three as 、-joined term lists in rank order).
    """
    k1 = key_terms(keyness(df, min_count=min_count), n=top_n, alpha=None)
    k2 = key_terms(keyness(alt, min_count=min_count), n=top_n, alpha=None)
    rows = []
    for doc in appearance_order(df, "doc_id"):
        a = list(k1.loc[k1["doc_id"] == doc, "term"])
        b = list(k2.loc[k2["doc_id"] == doc, "term"])
        rows.append({"doc_id": doc, "top_n": top_n, "jaccard": jaccard(a, b),
                     "shared": "、".join(t for t in a if t in b),
                     "only_with_dict": "、".join(t for t in a if t not in b),
                     "only_without_dict": "、".join(t for t in b if t not in a)})
    return pd.DataFrame(rows)
