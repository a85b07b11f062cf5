"""Dispersion: is a key term a theme of its document or the topic of one passage?

Gries's deviation of proportions (:func:`aidiscourse.analyses.stats.gries_dp`) over the
passages of a document, set against the DP that the same number of uses would have if they
fell on passages at random: a term is concentrated when its DP lies above the 95th percentile
of those simulated DPs.

References
----------
Gries, S. Th. (2008). Dispersions and adjusted frequencies in corpora.
    *International Journal of Corpus Linguistics* 13(4), 403-437.
Lijffijt, J. and Gries, S. Th. (2012). Correction to Gries (2008). *IJCL* 17(1), 147-149.
"""
from __future__ import annotations

from collections import Counter
from typing import Sequence

import numpy as np
import pandas as pd

from aidiscourse.analyses.frequency import sentence_terms, word_tokens
from aidiscourse.analyses.stats import gries_dp
from aidiscourse.analyses.resampling import group_rng
from aidiscourse.config import SEED

DISPERSION_COLUMNS = ["doc_id", "term", "count", "passages", "n_passages", "passage_share", "dp", "dp_norm",
                      "dp_random", "dp_random_upper", "concentrated"]


def dispersion(df: pd.DataFrame, terms_by_doc: dict[str, Sequence[str]], *, part: str = "paragraph",
               n_sim: int = 200, quantile: float = 0.95, random_state: int = SEED) -> pd.DataFrame:
    """Dispersion of chosen terms over the passages of their document.

    A term used *n* times can touch at most *n* passages, so DP of a rare term is high even
    when its uses are scattered at random. The null distribution is the DP of ``n_sim``
    simulated terms with the same count whose occurrences fall on passages in proportion to
    their size (multinomial draws, seeded): ``dp_random`` is its mean, ``dp_random_upper`` its
    ``quantile``, and a term is ``concentrated`` when its DP lies above that quantile (a
    one-sided test at level ``1 - quantile``).

    Parameters
    ----------
    df : DataFrame
        Sentence table with ``terms``.
    terms_by_doc : dict
        doc_id -> terms to measure in that document.
    part : str
        Column that defines passages (paragraphs by default; speaker turns are another choice).
    n_sim : int
        Simulated terms per observed term.
    quantile : float
        The quantile of the simulated DPs a concentrated term exceeds.
    random_state : int
        Seed of the simulation (each document and count draws from its own stream,
        :func:`~aidiscourse.analyses.resampling.group_rng`).

    Returns
    -------
    DataFrame
        Columns doc_id, term, count, passages (passages that hold the term), n_passages,
        passage_share, dp, dp_norm (see :func:`~aidiscourse.analyses.stats.gries_dp`; part
        sizes in word tokens), dp_random, dp_random_upper, concentrated.
    """
    work = df[["doc_id", part]].assign(words=word_tokens(df).map(len), terms=sentence_terms(df))
    rows = []
    for doc, g in work.groupby("doc_id", sort=False):
        wanted = list(terms_by_doc.get(doc, ()))
        if not wanted:
            continue
        parts = g.groupby(part, sort=True)
        sizes = parts["words"].sum()
        share = sizes.to_numpy(dtype=float) / sizes.sum()
        per_part = parts["terms"].agg(lambda s: Counter(t for ts in s for t in ts))
        for term in wanted:
            v = np.array([per_part[p][term] for p in sizes.index], dtype=float)
            dp, dpn = gries_dp(v, sizes.to_numpy())
            n = int(v.sum())
            sims = group_rng(random_state, "dispersion", doc, n).multinomial(n, share, size=n_sim) / max(n, 1)
            null = 0.5 * np.abs(sims - share).sum(axis=1) if n else np.full(1, np.nan)
            upper = float(np.quantile(null, quantile))
            rows.append({"doc_id": doc, "term": term, "count": n, "passages": int((v > 0).sum()),
                         "n_passages": len(sizes), "passage_share": float((v > 0).mean()), "dp": dp, "dp_norm": dpn,
                         "dp_random": float(null.mean()), "dp_random_upper": upper, "concentrated": bool(dp > upper)})
    return pd.DataFrame(rows, columns=DISPERSION_COLUMNS)


def concentration(disp: pd.DataFrame) -> pd.DataFrame:
    """Dispersion rows with ``excess = dp - dp_random_upper`` (positive for a concentrated
    term), most concentrated first (ties by term).

    Parameters
    ----------
    disp : DataFrame
        :func:`dispersion` output.
    """
    out = disp.assign(excess=disp["dp"] - disp["dp_random_upper"])
    return out.sort_values(["excess", "term"], ascending=[False, True], kind="mergesort")
