"""Keyness against ordinary Chinese: each document's terms beside a general frequency list.

Keyness in :mod:`~aidiscourse.analyses.keyness` compares each document with the others, so
"key" means "key among these texts". This module gives the second reference point a reader
asks for: how much more often a document uses a term than written Chinese at large, read
from the frequency list of the ``wordfreq`` package (its ``large`` Chinese list: a blend of
web text, Wikipedia, subtitles, news and social media up to 2021, segmented with jieba).

The list gives rates, not counts, so the measure is the ratio of smoothed rates per
million words (Kilgarriff's "simple maths", 2009):

    ratio = (rate in the document + k) / (rate in the reference + k),  k = 1 per million,

where k keeps a term absent from the list from getting an infinite ratio and favours
frequent terms over rare ones. A term the list does not hold as one word gets the rate
``wordfreq`` estimates from its parts. The interval of the document's rate resamples its sampling
units (:func:`~aidiscourse.analyses.resampling.ratio_interval`); the list's rate is taken
as known. A term absent from the list is either newer than 2021 (新质生产力 was coined in
2023) or a compound the project's user dictionary keeps whole and the list splits.
"""
from __future__ import annotations

from collections.abc import Iterable
from functools import lru_cache

import numpy as np
import pandas as pd

from aidiscourse.analyses.frequency import document_sizes, term_counts
from aidiscourse.analyses.keyness import unit_counts
from aidiscourse.analyses.resampling import group_rng, ratio_intervals
from aidiscourse.analyses.stats import order_by_appearance
from aidiscourse.config import SEED

#: The frequency list: ``wordfreq``'s ``large`` list for Chinese.
REFERENCE_LANGUAGE, REFERENCE_WORDLIST = "zh", "large"
#: Smoothing constant k of the rate ratio, per million words.
SMOOTHING_PER_MILLION = 1.0


@lru_cache(maxsize=1)
def _frequency_dict() -> dict[str, float]:
    import jieba
    import wordfreq

    jieba.setLogLevel(60)  # wordfreq segments estimated phrases with jieba, which logs to stderr

    return wordfreq.get_frequency_dict(REFERENCE_LANGUAGE, wordlist=REFERENCE_WORDLIST)


def reference_source() -> str:
    """The frequency list named for readers, e.g. ``"wordfreq 3.1.1, large list for zh"``."""
    from importlib.metadata import version

    return f"wordfreq {version('wordfreq')}, {REFERENCE_WORDLIST} list for {REFERENCE_LANGUAGE}"


def reference_rates(terms: Iterable[str]) -> pd.Series:
    """Rates per million words of ``terms`` in ordinary Chinese (the reference list).

    A term the list holds is read directly (Latin letters case-folded, as the list is);
    one it does not hold as a word is estimated by ``wordfreq`` from the parts its
    tokenizer splits it into (0 when a part is absent), an estimate that errs high for
    compounds of common words.

    Examples
    --------
    >>> rates = reference_rates(["制度", "AI", "新质生产力"])
    >>> bool(rates["制度"] > 100), bool(rates["AI"] > 1), bool(0 < rates["新质生产力"] < 1)
    (True, True, True)
    """
    import wordfreq

    freq = _frequency_dict()
    terms = list(terms)
    values = [freq[t.lower()] if t.lower() in freq else
              wordfreq.word_frequency(t, REFERENCE_LANGUAGE, wordlist=REFERENCE_WORDLIST, minimum=0.0)
              for t in terms]
    return pd.Series(values, index=terms, dtype=float) * 1e6


def listed(terms: Iterable[str]) -> pd.Series:
    """Whether the reference list holds each term as one word (else its rate is estimated)."""
    freq = _frequency_dict()
    terms = list(terms)
    return pd.Series([t.lower() in freq for t in terms], index=terms, dtype=bool)


def reference_keyness(df: pd.DataFrame, *, n: int = 15, min_count: int = 5,
                      smoothing: float = SMOOTHING_PER_MILLION, n_boot: int = 2000,
                      random_state: int = SEED) -> pd.DataFrame:
    """Each document's terms most over-used against the reference list.

    Parameters
    ----------
    df : DataFrame
        Sentence table with ``terms`` (doc_id, paragraph, turn, tokens).
    n : int
        Terms per document, ranked by the low end of the ratio's interval (by the ratio
        where a document has too few units for an interval).
    min_count : int
        A term needs this many occurrences in the document.
    smoothing : float
        k of the ratio, per million words.
    n_boot : int
        Bootstrap draws of the document's sampling units.
    random_state : int
        Seed; each document draws from its own stream (:func:`~aidiscourse.analyses.resampling.group_rng`).

    Returns
    -------
    DataFrame
        Columns doc_id, term, count, per_million (rate in the document), reference_per_million,
        in_reference (whether the list holds the term as one word), ratio, ratio_low, ratio_high (95%
        interval from the document's rate); documents in order of appearance, then the
        ranking. A document with fewer than 10 units gets no interval.
    """
    words = document_sizes(df).set_index("doc_id")["words"]
    counts = term_counts(df)
    counts = counts[counts["count"] >= min_count].copy()
    counts["per_million"] = counts["count"] / counts["doc_id"].map(words) * 1e6
    ref = reference_rates(counts["term"].unique())
    counts["reference_per_million"] = counts["term"].map(ref)
    counts["in_reference"] = counts["term"].map(listed(ref.index))
    counts["ratio"] = (counts["per_million"] + smoothing) / (counts["reference_per_million"] + smoothing)
    parts = []
    for doc_id, rows in counts.groupby("doc_id", sort=False):
        unit_terms, sizes, _ = unit_counts(df[df["doc_id"] == doc_id], rows["term"].tolist())
        unit_terms = unit_terms.toarray()
        _, lo, hi = ratio_intervals(unit_terms, sizes, np.arange(len(sizes)), scale=1e6, n_boot=n_boot,
                                    random_state=group_rng(random_state, "reference", doc_id))
        denominator = rows["reference_per_million"].to_numpy() + smoothing
        parts.append(rows.assign(ratio_low=(lo + smoothing) / denominator, ratio_high=(hi + smoothing) / denominator))
    columns = ["doc_id", "term", "count", "per_million", "reference_per_million", "in_reference",
               "ratio", "ratio_low", "ratio_high"]
    if not parts:
        return pd.DataFrame(columns=columns)
    out = pd.concat(parts, ignore_index=True)
    # ranked by the low end of the interval: a term piled into one passage does not lead
    rank = out["ratio_low"].fillna(out["ratio"])
    out = out.assign(_rank=rank).sort_values(["_rank", "term"], ascending=[False, True], kind="mergesort")
    out = out.groupby("doc_id", sort=False).head(n)
    out = order_by_appearance(out, "doc_id", order=list(dict.fromkeys(df["doc_id"])), then=["_rank", "term"],
                              ascending=[False, True])
    return out[columns].reset_index(drop=True)


def formulaic_reference(phrases: pd.DataFrame) -> pd.DataFrame:
    """The formulaic phrases' rates in ordinary Chinese, for the formula density's benchmark.

    Parameters
    ----------
    phrases : DataFrame
        ``PhraseList.table`` (column phrase).

    Returns
    -------
    DataFrame
        Columns phrase, reference_per_million (:func:`reference_rates`), in_reference; sorted
        by phrase. Their sum over 100 is the reference's occurrences per 10,000 words,
        comparable with ``per_10k`` of
        :func:`~aidiscourse.analyses.phrases.formulaic_density`.
    """
    names = sorted(set(phrases["phrase"]))
    return pd.DataFrame({"phrase": names, "reference_per_million": reference_rates(names).to_numpy(),
                         "in_reference": listed(names).to_numpy()})
