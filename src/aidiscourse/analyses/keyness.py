"""Keyness: the terms that set a document (or a speaker role) apart from the rest.

Four measures, each answering its own question: log-likelihood G2 (how sure), log ratio (how
large), the weighted log odds with an informative Dirichlet prior (how large after shrinking
uncertain estimates) and TF-IDF (how rare across documents). G2 is paired with a test at the
level of sampling units (paragraphs or speaker turns), which does not count the repetitions
of a term inside one passage as independent evidence. The statistics themselves are in
:mod:`aidiscourse.analyses.stats`; inputs are sentence tables with ``terms``
(see :mod:`aidiscourse.analyses.frequency`).

References
----------
Dunning, T. (1993). Accurate methods for the statistics of surprise and coincidence.
    *Computational Linguistics* 19(1), 61-74.
Hardie, A. (2014). Log Ratio: an informal introduction. ESRC Centre for Corpus Approaches
    to Social Science (CASS), Lancaster University.
Monroe, B. L., Colaresi, M. P. and Quinn, K. M. (2008). Fightin' words: lexical feature
    selection and evaluation for identifying the content of political conflict.
    *Political Analysis* 16(4), 372-403.
Lijffijt, J., Nevalainen, T., Säily, T., Papapetrou, P., Puolamäki, K. and Mannila, H. (2016).
    Significance testing of word frequencies in corpora. *Digital Scholarship in the
    Humanities* 31(2), 374-397.
"""
from __future__ import annotations

from collections import Counter
from typing import Literal, Sequence

import numpy as np
import pandas as pd

from aidiscourse.analyses.frequency import sentence_terms, speaker_docs, term_counts, word_tokens
from aidiscourse.analyses.resampling import resampling_units
from aidiscourse.analyses.stats import (adjust_bh, appearance_order, jaccard, log_likelihood, log_ratio,
                                        order_by_appearance, p_values, quasi_poisson_p_from_sums, unit_sums)

KEYNESS_COLUMNS = ["term", "count_doc", "count_rest", "g2", "p_adj", "log_ratio", "p_adj_paragraph"]


def counts_matrix(df: pd.DataFrame, group: str) -> tuple[pd.DataFrame, pd.Series]:
    """Term x group count matrix and group sizes in word tokens.

    Returns
    -------
    counts : DataFrame, shape (terms, groups)
        Content-term counts; rows sorted by term, columns in order of appearance.
    sizes : Series, shape (groups,)
        Word tokens per group, in the same order.
    """
    counts = term_counts(df, by=[group]).pivot_table(index="term", columns=group, values="count", fill_value=0,
                                                     aggfunc="sum")
    order = appearance_order(df, group)
    counts = counts.reindex(columns=order, fill_value=0).sort_index()
    sizes = word_tokens(df).map(len).groupby(df[group], sort=False).sum().reindex(order)
    return counts, sizes


def unit_counts(df: pd.DataFrame, terms: Sequence[str], *, group: str = "doc_id",
                unit: str = "sampling") -> tuple[np.ndarray, np.ndarray, pd.Series]:
    """Occurrences of chosen terms in every resampling unit, with the units' sizes and groups.

    Parameters
    ----------
    df : DataFrame
        Sentence table with ``terms`` (doc_id, paragraph, turn and ``group``).
    terms : sequence of str
        The terms (columns of the result).
    group : str
        A unit never crosses a group: a unit that spans two groups is split in two.
    unit : {"sampling", "paragraph", "sentence"}
        See :func:`~aidiscourse.analyses.resampling.resampling_units`.

    Returns
    -------
    counts : scipy.sparse.csr_array, shape (units, terms)
        Units in order of appearance; units without a word token are left out.
    sizes : ndarray, shape (units,)
        Word tokens of each unit.
    groups : Series, shape (units,)
        The group of each unit.
    """
    from scipy import sparse

    words = word_tokens(df).map(len).to_numpy()
    labels = resampling_units(df, unit=unit).astype(str) + "\x1f" + df[group].astype(str)
    codes, uniq = pd.factorize(labels, sort=False)
    col = {t: j for j, t in enumerate(terms)}
    rows, cols = [], []
    for code, ts in zip(codes, sentence_terms(df)):
        for t in ts:
            j = col.get(t)
            if j is not None:
                rows.append(code)
                cols.append(j)
    # sparse: a fork's units x terms matrix is mostly zeros and too large to hold dense
    counts = sparse.csr_array((np.ones(len(rows)), (rows, cols)), shape=(len(uniq), len(col)))
    size = np.bincount(codes, weights=words, minlength=len(uniq))
    group_of = pd.Series(df[group].to_numpy()).groupby(codes).first().reindex(range(len(uniq))).to_numpy()
    keep = size > 0
    return counts[np.flatnonzero(keep)], size[keep], pd.Series(group_of[keep])


def keyness(df: pd.DataFrame, *, group: str = "doc_id", min_count: int = 5, unit_test: bool = True) -> pd.DataFrame:
    """Keyness of each group (document) against the rest of the corpus, at two levels.

    Every term used at least ``min_count`` times in the whole table (in the group or not,
    so that under-used terms are tested too) is tested for every group:

    * token level: log-likelihood G2 (full 2x2 form,
      :func:`~aidiscourse.analyses.stats.log_likelihood`), its p-value (chi-squared, 1 d.f.)
      adjusted with Benjamini-Hochberg over the group's tests (``p_adj``), and the log ratio
      effect size (:func:`~aidiscourse.analyses.stats.log_ratio`); sizes are word tokens.
      G2 treats every token as an independent draw;
    * unit level, after the argument of Lijffijt et al. (2016) that the unit of sampling is
      the passage, not the word: the same comparison with the term's counts in each sampling
      unit (speaker turns or paragraphs, :func:`~aidiscourse.analyses.resampling.sampling_units`)
      and their overdispersion (:func:`~aidiscourse.analyses.stats.quasi_poisson_p`),
      adjusted with Benjamini-Hochberg over the group's tests (``p_adj_paragraph``; NaN for
      a group of fewer than :data:`~aidiscourse.analyses.resampling.MIN_UNITS` units). A term
      that is frequent in one paragraph only is significant for G2 but not here.

    Parameters
    ----------
    df : DataFrame
        Sentence table with ``terms`` (or a subset, e.g. one document's sentences with
        ``group="role"``).
    group : str
        Column whose values are compared each against all others.
    min_count : int
        Minimum total frequency of a term for it to be tested.
    unit_test : bool
        Run the unit-level test (``p_adj_paragraph`` is NaN otherwise).

    Returns
    -------
    DataFrame
        Columns ``group``, term, count_doc, count_rest, g2, p_adj, log_ratio, p_adj_paragraph,
        sorted by group (order of appearance), then g2 descending, then term. Terms used less
        in the group than in the rest have negative log ratio.

    References
    ----------
    Lijffijt, J., Nevalainen, T., Säily, T., Papapetrou, P., Puolamäki, K. and Mannila, H.
    (2016). Significance testing of word frequencies in corpora. *Digital Scholarship in
    the Humanities* 31(2), 374-397.
    """
    counts, sizes = counts_matrix(df, group)
    total = counts.sum(axis=1)
    tested = total.index[total >= min_count]
    if unit_test:
        unit_n, unit_size, unit_group = unit_counts(df, list(tested), group=group)
        # one pass for the whole corpus; each group's rest is the totals minus the group
        y_all, q_all, n_all, m_all = unit_sums(unit_n, unit_size)
    frames = []
    for g in counts.columns:
        a = counts.loc[tested, g]
        b = total[tested] - a
        c = sizes[g]
        d = sizes.sum() - c
        g2 = log_likelihood(a, b, c, d)
        p_unit = np.full(len(tested), np.nan)
        if unit_test:
            rows = np.flatnonzero((unit_group == g).to_numpy())
            y_t, q_t, n_t, m_t = unit_sums(unit_n[rows], unit_size[rows])
            p_unit = quasi_poisson_p_from_sums(y_t, q_t, n_t, m_t, y_all - y_t, q_all - q_t, n_all - n_t, m_all - m_t)
            p_unit = p_unit if np.isnan(p_unit).all() else adjust_bh(p_unit)
        frames.append(pd.DataFrame({
            group: g, "term": tested, "count_doc": a.to_numpy(), "count_rest": b.to_numpy(),
            "g2": g2, "p_adj": adjust_bh(p_values(g2)), "log_ratio": log_ratio(a, b, c, d),
            "p_adj_paragraph": p_unit,
        }))
    out = pd.concat(frames, ignore_index=True) if frames else pd.DataFrame(columns=[group, *KEYNESS_COLUMNS])
    return order_by_appearance(out, group, order=list(counts.columns), then=["g2", "term"], ascending=[False, True])


def key_terms(keys: pd.DataFrame, *, n: int = 20, group: str | Sequence[str] = "doc_id", alpha: float | None = 0.05,
              rank_by: Literal["g2", "log_ratio"] = "g2", both_levels: bool = False) -> pd.DataFrame:
    """The top ``n`` positive key terms of each group (log ratio > 0).

    Parameters
    ----------
    keys : DataFrame
        Output of :func:`keyness` (or :func:`role_keyness`).
    group : str or sequence of str
        Column(s) that define a group, e.g. ``["doc_id", "role"]``.
    alpha : float or None
        Keep terms with ``p_adj < alpha``; ``None`` keeps all positive terms.
    rank_by : {"g2", "log_ratio"}
        Order by significance or by effect size (ties by the other, then term).
    both_levels : bool
        Also require ``p_adj_paragraph < alpha``: key at the level of tokens and of units.

    Returns
    -------
    DataFrame
        Rows of ``keys``, groups in their order in ``keys``.
    """
    by = [group] if isinstance(group, str) else list(group)
    k = keys[keys["log_ratio"] > 0]
    if alpha is not None:
        k = k[k["p_adj"] < alpha]
        if both_levels:
            k = k[k["p_adj_paragraph"] < alpha]
    other = "log_ratio" if rank_by == "g2" else "g2"
    k = order_by_appearance(k, by, order=appearance_order(keys, by), then=[rank_by, other, "term"],
                            ascending=[False, False, True])
    return k.groupby(by, sort=False, group_keys=False).head(n).reset_index(drop=True)


def term_lists(table: pd.DataFrame, *, by: str | Sequence[str] = "doc_id", column: str = "term",
               n: int | None = None) -> pd.DataFrame:
    """Collapse a ranked table to one row per group with its first ``n`` terms joined by 、."""
    by = [by] if isinstance(by, str) else list(by)
    g = table.groupby(by, sort=False)[column]
    return g.agg(lambda s: "、".join(list(s)[:n] if n else list(s))).reset_index()


def key_term_counts(keys: pd.DataFrame, sizes: pd.DataFrame, *, alpha: float = 0.05) -> pd.DataFrame:
    """Terms tested and significant key terms (``p_adj < alpha``, log ratio > 0) per document,
    and how many of those are also significant at the level of units (``p_adj_paragraph < alpha``).

    Parameters
    ----------
    keys : DataFrame
        :func:`keyness` output.
    sizes : DataFrame
        :func:`~aidiscourse.analyses.frequency.document_sizes` output.

    Returns
    -------
    DataFrame
        Columns doc_id, words, tested, key_terms, key_terms_both; one row per document of ``sizes``.
    """
    sig = keys[(keys["p_adj"] < alpha) & (keys["log_ratio"] > 0)]
    both = sig[sig["p_adj_paragraph"] < alpha]

    def per_doc(table: pd.DataFrame) -> pd.Series:
        return sizes["doc_id"].map(table.groupby("doc_id").size()).fillna(0).astype(int)

    return sizes[["doc_id", "words"]].assign(tested=per_doc(keys), key_terms=per_doc(sig), key_terms_both=per_doc(both))


def prior_size_rule(counts: pd.DataFrame) -> float:
    """The size ``a0`` of the log-odds prior: the mean size of a group, in content terms.

    The prior then weighs as much as one typical document of the corpus: it shrinks the
    estimates of a short document noticeably and those of a long one little, and it does
    not change with an arbitrary constant. Monroe et al. (2008) leave ``a0`` to the
    analyst; a prior as large as the whole corpus shrinks far more, a prior of a few
    hundred pseudo-counts hardly at all.

    Parameters
    ----------
    counts : DataFrame, shape (terms, groups)
        :func:`counts_matrix` counts.

    Returns
    -------
    float

    >>> prior_size_rule(pd.DataFrame({"a": [3, 1], "b": [0, 4]}))
    4.0
    """
    return float(counts.to_numpy().sum() / counts.shape[1])


def log_odds_dirichlet(df: pd.DataFrame, *, group: str = "doc_id", prior_size: float | None = None,
                       min_count: int = 1, top: int | None = None) -> pd.DataFrame:
    """Weighted log-odds ratio with an informative Dirichlet prior ("Fightin' Words").

    Monroe, Colaresi and Quinn (2008), eq. 16-22: for group ``i`` against the rest ``j``,

    ``delta_w = log((y_iw + a_w) / (n_i + a0 - y_iw - a_w)) - log((y_jw + a_w) / (n_j + a0 - y_jw - a_w))``

    ``var(delta_w) ~= 1 / (y_iw + a_w) + 1 / (y_jw + a_w)`` and ``z = delta / sqrt(var)``.

    The prior is informative: ``a_w = a0 * pi_w`` with ``pi_w`` the term's share of all content
    terms in the corpus and ``a0 = prior_size`` pseudo-counts, by default the mean size of a
    group (:func:`prior_size_rule`). The prior shrinks the log odds of rare terms towards zero,
    so, unlike the raw log ratio, rare terms do not dominate; unlike G2, the z-score is not
    driven by document length alone. Counts and sizes are content terms.

    Parameters
    ----------
    prior_size : float, optional
        ``a0``; :func:`prior_size_rule` of the counts by default.
    min_count : int
        Minimum total frequency of a term (in all groups) for it to be listed.
    top : int, optional
        List only each group's ``top`` terms (the first rows of the full table); with
        hundreds of documents the full table has millions of rows.

    Returns
    -------
    DataFrame
        Columns ``group``, term, count_doc, count_rest, delta, z; sorted by group, z descending, term.
    """
    counts, _ = counts_matrix(df, group)
    prior_size = prior_size_rule(counts) if prior_size is None else float(prior_size)
    total = counts.sum(axis=1).astype(float)
    alpha = prior_size * total / total.sum()
    keep = total >= min_count
    terms = counts.index[keep].to_numpy()
    frames = []
    for g in counts.columns:
        yi = counts[g].astype(float)
        yj = total - yi
        ni, nj = yi.sum(), yj.sum()
        delta = (np.log((yi + alpha) / (ni + prior_size - yi - alpha))
                 - np.log((yj + alpha) / (nj + prior_size - yj - alpha)))
        var = 1 / (yi + alpha) + 1 / (yj + alpha)
        z = (delta / np.sqrt(var))[keep].to_numpy()
        rows = slice(None) if top is None else np.lexsort((terms, -z))[:top]  # z descending, then term
        frames.append(pd.DataFrame({group: g, "term": terms[rows], "count_doc": yi[keep].astype(int).to_numpy()[rows],
                                    "count_rest": yj[keep].astype(int).to_numpy()[rows],
                                    "delta": delta[keep].to_numpy()[rows], "z": z[rows]}))
    out = pd.concat(frames, ignore_index=True)
    return order_by_appearance(out, group, order=list(counts.columns), then=["z", "term"], ascending=[False, True])


def top_term_overlap(a: pd.DataFrame, b: pd.DataFrame, *, n: int = 10, score: str = "z") -> pd.DataFrame:
    """Jaccard overlap of each group's top ``n`` terms (by ``score``, positive only) in two tables.

    Parameters
    ----------
    a, b : DataFrame
        Tables with doc_id, term and ``score``, e.g. :func:`log_odds_dirichlet` under two priors.

    Returns
    -------
    DataFrame
        Columns doc_id, jaccard; documents in the order of ``a``.
    """
    def top(t: pd.DataFrame) -> dict:
        t = t[t[score] > 0].sort_values(["doc_id", score, "term"], ascending=[True, False, True], kind="mergesort")
        return {d: list(g["term"].head(n)) for d, g in t.groupby("doc_id", sort=False)}

    ta, tb = top(a), top(b)
    docs = appearance_order(a, "doc_id")
    return pd.DataFrame({"doc_id": docs, "jaccard": [jaccard(ta.get(d, []), tb.get(d, [])) for d in docs]})


def _identity(x):
    return x


def tfidf_terms(df: pd.DataFrame, *, n: int = 15) -> pd.DataFrame:
    """The ``n`` highest TF-IDF terms of each document (documents as the "corpus" of scikit-learn).

    ``TfidfVectorizer`` defaults: raw counts as tf, smoothed idf ``ln((1 + N) / (1 + df)) + 1``,
    rows L2-normalised. Tokens are passed segmented (``analyzer`` is the identity), so one-character
    words are kept. With few documents idf takes only a few values: a term used in one document
    gets the top weight however rarely the document uses it relative to its length.

    Returns
    -------
    DataFrame
        Columns doc_id, term, count, tfidf; sorted by document, tfidf descending, term.
    """
    from sklearn.feature_extraction.text import TfidfVectorizer

    terms = sentence_terms(df)
    docs = appearance_order(df, "doc_id")
    bags = [[t for ts in terms[df["doc_id"] == d] for t in ts] for d in docs]
    vec = TfidfVectorizer(analyzer=_identity, lowercase=False, token_pattern=None)
    m = vec.fit_transform(bags).toarray()
    vocab = vec.get_feature_names_out()
    rows = []
    for i, d in enumerate(docs):
        c = Counter(bags[i])
        idx = sorted(np.flatnonzero(m[i]), key=lambda j: (-m[i, j], vocab[j]))[:n]
        rows += [(d, vocab[j], c[vocab[j]], m[i, j]) for j in idx]
    return pd.DataFrame(rows, columns=["doc_id", "term", "count", "tfidf"])


def measure_comparison(keys: pd.DataFrame, logodds: pd.DataFrame, tfidf: pd.DataFrame, *, n: int = 10) -> pd.DataFrame:
    """Top ``n`` distinctive terms of each document under four measures, side by side.

    Parameters
    ----------
    keys : DataFrame
        :func:`keyness` output (ranked by G2 and, separately, by log ratio among terms with
        ``p_adj < 0.05``).
    logodds : DataFrame
        :func:`log_odds_dirichlet` output (ranked by z).
    tfidf : DataFrame
        :func:`tfidf_terms` output.

    Returns
    -------
    DataFrame
        Columns doc_id, g2, log_ratio, log_odds_z, tfidf (each a 、-joined list) and the Jaccard
        overlap of each list with the G2 list.
    """
    lists = {
        "g2": key_terms(keys, n=n, rank_by="g2"),
        "log_ratio": key_terms(keys, n=n, rank_by="log_ratio"),
        "log_odds_z": logodds[logodds["z"] > 0].groupby("doc_id", sort=False).head(n),
        "tfidf": tfidf.groupby("doc_id", sort=False).head(n),
    }
    rows = []
    for doc in appearance_order(keys, "doc_id"):
        terms = {m: list(t.loc[t["doc_id"] == doc, "term"]) for m, t in lists.items()}
        row = {"doc_id": doc, **{m: "、".join(v) for m, v in terms.items()}}
        for m in ("log_ratio", "log_odds_z", "tfidf"):
            row[f"jaccard_g2_{m}"] = jaccard(terms["g2"], terms[m])
        rows.append(row)
    return pd.DataFrame(rows)


def role_keyness(df: pd.DataFrame, *, min_count: int = 3) -> pd.DataFrame:
    """Within each document that has several speaker roles, each role against the others.

    Returns
    -------
    DataFrame
        Columns doc_id, role, term, count_doc (in the role), count_rest (other roles of the same
        document), g2, p_adj, log_ratio; see :func:`keyness`.
    """
    frames = []
    for doc in speaker_docs(df):
        k = keyness(df[df["doc_id"] == doc], group="role", min_count=min_count)
        frames.append(k.assign(doc_id=doc))
    cols = ["doc_id", "role", *KEYNESS_COLUMNS]
    return pd.concat(frames, ignore_index=True)[cols] if frames else pd.DataFrame(columns=cols)
