"""Term frequencies, keyness, dispersion, formulaic phrases, concept families and contexts.

All functions take the sentence table of :func:`aidiscourse.corpus.sentences` (one row per
sentence, ``tokens`` space-separated) and return tidy DataFrames with a ``doc_id`` column, in
manifest order and then sorted by a stated key. Nothing here depends on how many documents
there are or what they are called.

Units
-----
*word tokens*
    Tokens that hold a Chinese character, a Latin letter or a digit (punctuation dropped,
    stop words kept). They are the denominator of every rate ("per 10,000 tokens") and the
    corpus sizes of the keyness tables, as in corpus linguistics' "running words".
*terms*
    Content terms (:func:`aidiscourse.segment.terms`: stop words, numbers and punctuation
    removed). They are what is counted.

References
----------
Dunning, T. (1993). Accurate methods for the statistics of surprise and coincidence.
    *Computational Linguistics* 19(1), 61-74.
Hardie, A. (2014). Log Ratio: an informal introduction. ESRC Centre for Corpus Approaches
    to Social Science (CASS), Lancaster University.
Monroe, B. L., Colaresi, M. P. and Quinn, K. M. (2008). Fightin' words: lexical feature
    selection and evaluation for identifying the content of political conflict.
    *Political Analysis* 16(4), 372-403.
Gries, S. Th. (2008). Dispersions and adjusted frequencies in corpora.
    *International Journal of Corpus Linguistics* 13(4), 403-437.
Lijffijt, J. and Gries, S. Th. (2012). Correction to Gries (2008). *IJCL* 17(1), 147-149.
Covington, M. A. and McFall, J. D. (2010). Cutting the Gordian knot: the moving-average
    type-token ratio (MATTR). *Journal of Quantitative Linguistics* 17(2), 94-100.
Benjamini, Y. and Hochberg, Y. (1995). Controlling the false discovery rate.
    *JRSS B* 57(1), 289-300.
"""
from __future__ import annotations

import html
import re
import zlib
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import Iterable, Literal, Sequence

import numpy as np
import pandas as pd

from .config import SEED, Paths, project_paths
from .errors import fail
from .normalize import CJK
from .segment import Segmenter, get_segmenter, load_stopwords, terms

_WORD = re.compile(rf"[{CJK}A-Za-z0-9]")

#: Tokens per rate unit.
PER = 10_000


# --- tokens ---------------------------------------------------------------------------


def is_word(token: str) -> bool:
    """True for a word token: it holds a Chinese character, a Latin letter or a digit.

    >>> [t for t in ["人工智能", "，", "2025", "的", "《"] if is_word(t)]
    ['人工智能', '2025', '的']
    """
    return bool(_WORD.search(token))


def with_terms(df: pd.DataFrame, *, paths: Paths | None = None, stopwords: Iterable[str] | None = None) -> pd.DataFrame:
    """Return a copy of a sentence table with list columns ``words`` and ``terms``.

    Parameters
    ----------
    df : DataFrame
        Sentence table with a ``tokens`` column (space-separated tokens).
    paths : Paths, optional
        The project, for its stop-word additions.
    stopwords : iterable of str, optional
        Stop words to use instead of the project's list.

    Returns
    -------
    DataFrame
        ``df`` plus ``words`` (word tokens, see :func:`is_word`) and ``terms`` (content terms).
    """
    if stopwords is None:
        paths = paths or project_paths()
        stopwords = load_stopwords(str(paths.stopwords_extra))
    stop = frozenset(stopwords)
    out = df.copy()
    toks = out["tokens"].fillna("").map(str.split)
    out["words"] = toks.map(lambda ts: [t for t in ts if is_word(t)])
    out["terms"] = toks.map(lambda ts: terms(ts, stop))
    return out


def _ensure_terms(df: pd.DataFrame) -> pd.DataFrame:
    return df if {"words", "terms"} <= set(df.columns) else with_terms(df)


def doc_order(df: pd.DataFrame) -> list[str]:
    """Document ids in the order they first appear (manifest order)."""
    return list(dict.fromkeys(df["doc_id"]))


def resegment(df: pd.DataFrame, segmenter: Segmenter, *, spellings: Segmenter | None = None) -> pd.DataFrame:
    """Return a copy of ``df`` whose ``tokens`` are recut from ``text`` by ``segmenter``.

    Used to measure how much the findings depend on segmentation, e.g. with
    ``Segmenter(None)`` (jieba's dictionary only, no user dictionary).

    Parameters
    ----------
    spellings : Segmenter, optional
        Fold Latin words to this segmenter's spellings (:meth:`Segmenter.fold`), so that only
        the segmentation differs, not the case of DeepSeek or AI.
    """
    out = df.drop(columns=[c for c in ("words", "terms") if c in df.columns]).copy()
    fold = spellings.fold if spellings is not None else (lambda t: t)
    out["tokens"] = out["text"].map(lambda t: " ".join(fold(w) for w in segmenter.cut(t)))
    return out


# --- frequencies -----------------------------------------------------------------------


def document_sizes(df: pd.DataFrame) -> pd.DataFrame:
    """Sentences, word tokens and content terms per document.

    Returns
    -------
    DataFrame
        Columns doc_id, sentences, words, terms; in manifest order.
    """
    df = _ensure_terms(df)
    g = df.groupby("doc_id", sort=False)
    return pd.DataFrame(
        {
            "sentences": g.size(),
            "words": g["words"].agg(lambda s: sum(map(len, s))),
            "terms": g["terms"].agg(lambda s: sum(map(len, s))),
        }
    ).reset_index()


def term_counts(df: pd.DataFrame, *, by: Sequence[str] = ("doc_id",)) -> pd.DataFrame:
    """Counts of content terms per group.

    Returns
    -------
    DataFrame
        Columns ``*by``, term, count (long format, zero counts omitted), sorted by the groups
        in order of appearance, then count descending, then term.
    """
    df = _ensure_terms(df)
    by = list(by)
    rows = []
    for key, g in df.groupby(by, sort=False):
        key = key if isinstance(key, tuple) else (key,)
        c = Counter(t for ts in g["terms"] for t in ts)
        rows += [(*key, t, n) for t, n in c.items()]
    out = pd.DataFrame(rows, columns=[*by, "term", "count"])
    order = {k: i for i, k in enumerate(dict.fromkeys(map(tuple, df[by].to_numpy().tolist())))}
    out["_o"] = [order[tuple(r)] for r in out[by].to_numpy().tolist()]
    out = out.sort_values(["_o", "count", "term"], ascending=[True, False, True], kind="mergesort")
    return out.drop(columns="_o").reset_index(drop=True)


def frequency_table(df: pd.DataFrame, *, min_count: int = 1) -> pd.DataFrame:
    """Counts and rates of content terms per document.

    Parameters
    ----------
    df : DataFrame
        Sentence table.
    min_count : int
        Keep terms with at least this count in a document.

    Returns
    -------
    DataFrame
        Columns doc_id, term, count, per_10k (count per 10,000 word tokens of the document),
        sorted by document (manifest order), count descending, term.
    """
    df = _ensure_terms(df)
    sizes = document_sizes(df).set_index("doc_id")["words"]
    out = term_counts(df)
    out = out[out["count"] >= min_count].reset_index(drop=True)
    out["per_10k"] = out["count"] / out["doc_id"].map(sizes).to_numpy() * PER
    return out


def top_terms(freq: pd.DataFrame, *, n: int = 15) -> pd.DataFrame:
    """The ``n`` most frequent terms of each document (ties broken by term)."""
    return freq.groupby("doc_id", sort=False, group_keys=False).head(n).reset_index(drop=True)


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
    df = _ensure_terms(df)
    rows = []
    for doc, g in df.groupby("doc_id", sort=False):
        toks = [t for ts in g["words"] for t in ts]
        rows.append({"doc_id": doc, "words": len(toks), "types": len(set(toks)),
                     "ttr": len(set(toks)) / len(toks) if toks else float("nan"),
                     "mattr": mattr(toks, window=window)})
    return pd.DataFrame(rows)


# --- keyness statistics ------------------------------------------------------------------


def log_likelihood(a, b, c, d) -> np.ndarray:
    """Log-likelihood G2 of a term's frequency in a target against a reference corpus.

    The full 2x2 contingency form (Dunning 1993): with the table

    ============  ========  ==========
    ..            target    reference
    ============  ========  ==========
    term          a         b
    other words   c - a     d - b
    ============  ========  ==========

    ``G2 = 2 * sum(O * ln(O / E))`` over the four cells, with ``E`` the expected counts under
    independence and ``0 * ln 0 = 0``. This is the G test of independence of the table
    (``scipy.stats.chi2_contingency(..., correction=False, lambda_="log-likelihood")``). The
    two-cell shortcut of Rayson and Garside (2000), which drops the "other words" row, gives
    slightly smaller values. G2 is never negative; the direction is in :func:`log_ratio`.

    Parameters
    ----------
    a, b : array-like of int
        Count of the term in the target and in the reference.
    c, d : array-like of int
        Sizes (word tokens) of the target and the reference.

    Returns
    -------
    ndarray of float

    Examples
    --------
    >>> round(float(log_likelihood(10, 0, 100, 100)), 4)  # 2*(10 ln 2 + 90 ln(90/95) + 100 ln(100/95))
    14.3895
    """
    a, b, c, d = np.broadcast_arrays(*(np.asarray(x, dtype=float) for x in (a, b, c, d)))
    n = c + d
    obs = np.stack([a, b, c - a, d - b])
    rows = np.stack([a + b, a + b, n - a - b, n - a - b])
    cols = np.stack([c, d, c, d])
    with np.errstate(divide="ignore", invalid="ignore"):
        exp = rows * cols / n
        terms_ = np.where(obs > 0, obs * np.log(obs / exp), 0.0)
    return 2 * terms_.sum(axis=0)


def log_ratio(a, b, c, d, *, zero: float = 0.5) -> np.ndarray:
    """Log ratio (Hardie 2014): ``log2((a / c) / (b / d))``, the binary log of the ratio of
    relative frequencies. 1 means twice as frequent in the target; -1 half as frequent.

    A zero count is replaced by ``zero`` (0.5, Hardie's convention), so that terms absent
    from one side get a finite, conservative value.

    Examples
    --------
    >>> float(log_ratio(20, 10, 1000, 2000))
    2.0
    >>> float(log_ratio(4, 0, 100, 100))  # 0 -> 0.5
    3.0
    """
    a, b, c, d = (np.asarray(x, dtype=float) for x in (a, b, c, d))
    a = np.where(a == 0, zero, a)
    b = np.where(b == 0, zero, b)
    return np.log2((a / c) / (b / d))


def p_values(g2) -> np.ndarray:
    """p-values of G2 statistics (chi-squared with one degree of freedom)."""
    from scipy.stats import chi2

    return chi2.sf(np.asarray(g2, dtype=float), 1)


def adjust_bh(p) -> np.ndarray:
    """Benjamini-Hochberg adjusted p-values (``scipy.stats.false_discovery_control``)."""
    from scipy.stats import false_discovery_control

    p = np.asarray(p, dtype=float)
    return false_discovery_control(p, method="bh") if len(p) else p


def _counts_matrix(df: pd.DataFrame, group: str) -> tuple[pd.DataFrame, pd.Series]:
    """Term x group count matrix and group sizes in word tokens."""
    df = _ensure_terms(df)
    counts = term_counts(df, by=[group]).pivot_table(index="term", columns=group, values="count", fill_value=0, aggfunc="sum")
    order = list(dict.fromkeys(df[group]))
    counts = counts.reindex(columns=order, fill_value=0).sort_index()
    sizes = df.groupby(group, sort=False)["words"].agg(lambda s: sum(map(len, s))).reindex(order)
    return counts, sizes


def keyness(df: pd.DataFrame, *, group: str = "doc_id", min_count: int = 5) -> pd.DataFrame:
    """Keyness of each group (document) against the rest of the corpus.

    For every term used at least ``min_count`` times in the group: log-likelihood G2 (full
    2x2 form, :func:`log_likelihood`), its p-value (chi-squared, 1 d.f.) adjusted with
    Benjamini-Hochberg over all terms tested for that group, and the log ratio effect size
    (:func:`log_ratio`). Sizes are word tokens.

    Parameters
    ----------
    df : DataFrame
        Sentence table (or a subset, e.g. one document's sentences with ``group="role"``).
    group : str
        Column whose values are compared each against all others.
    min_count : int
        Minimum frequency in the group for a term to be tested.

    Returns
    -------
    DataFrame
        Columns ``group``, term, count_doc, count_rest, g2, p_adj, log_ratio, sorted by group
        (order of appearance), then g2 descending, then term. Terms used less in the group
        than in the rest have negative log ratio.
    """
    counts, sizes = _counts_matrix(df, group)
    total = counts.sum(axis=1)
    frames = []
    for g in counts.columns:
        a = counts[g]
        keep = a >= min_count
        a = a[keep]
        b = (total - counts[g])[keep]
        c = sizes[g]
        d = sizes.sum() - c
        g2 = log_likelihood(a, b, c, d)
        frames.append(pd.DataFrame({
            group: g, "term": a.index, "count_doc": a.to_numpy(), "count_rest": b.to_numpy(),
            "g2": g2, "p_adj": adjust_bh(p_values(g2)), "log_ratio": log_ratio(a, b, c, d),
        }))
    out = pd.concat(frames, ignore_index=True) if frames else pd.DataFrame(
        columns=[group, "term", "count_doc", "count_rest", "g2", "p_adj", "log_ratio"])
    order = {g: i for i, g in enumerate(counts.columns)}
    out["_o"] = out[group].map(order)
    out = out.sort_values(["_o", "g2", "term"], ascending=[True, False, True], kind="mergesort")
    return out.drop(columns="_o").reset_index(drop=True)


def key_terms(keys: pd.DataFrame, *, n: int = 20, group: str | Sequence[str] = "doc_id", alpha: float | None = 0.05,
              rank_by: Literal["g2", "log_ratio"] = "g2") -> pd.DataFrame:
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
    """
    by = [group] if isinstance(group, str) else list(group)
    k = keys[keys["log_ratio"] > 0]
    if alpha is not None:
        k = k[k["p_adj"] < alpha]
    other = "log_ratio" if rank_by == "g2" else "g2"
    k = k.sort_values([rank_by, other, "term"], ascending=[False, False, True], kind="mergesort")
    order = {g: i for i, g in enumerate(dict.fromkeys(map(tuple, keys[by].to_numpy().tolist())))}
    k = k.assign(_o=[order[tuple(r)] for r in k[by].to_numpy().tolist()]).sort_values("_o", kind="mergesort")
    return k.drop(columns="_o").groupby(by, sort=False, group_keys=False).head(n).reset_index(drop=True)


def term_lists(table: pd.DataFrame, *, by: str | Sequence[str] = "doc_id", column: str = "term",
               n: int | None = None) -> pd.DataFrame:
    """Collapse a ranked table to one row per group with its first ``n`` terms joined by 、."""
    by = [by] if isinstance(by, str) else list(by)
    g = table.groupby(by, sort=False)[column]
    return g.agg(lambda s: "、".join(list(s)[:n] if n else list(s))).reset_index()


def log_odds_dirichlet(df: pd.DataFrame, *, group: str = "doc_id", prior_size: float = 1000.0,
                       min_count: int = 1) -> pd.DataFrame:
    """Weighted log-odds ratio with an informative Dirichlet prior ("Fightin' Words").

    Monroe, Colaresi and Quinn (2008), eq. 16-22: for group ``i`` against the rest ``j``,

    ``delta_w = log((y_iw + a_w) / (n_i + a0 - y_iw - a_w)) - log((y_jw + a_w) / (n_j + a0 - y_jw - a_w))``

    ``var(delta_w) ~= 1 / (y_iw + a_w) + 1 / (y_jw + a_w)`` and ``z = delta / sqrt(var)``.

    The prior is informative: ``a_w = a0 * pi_w`` with ``pi_w`` the term's share of all content
    terms in the corpus and ``a0 = prior_size`` pseudo-counts. The prior shrinks the log odds of
    rare terms towards zero, so, unlike the raw log ratio, rare terms do not dominate; unlike G2,
    the z-score is not driven by document length alone. Counts and sizes are content terms.

    Returns
    -------
    DataFrame
        Columns ``group``, term, count_doc, count_rest, delta, z; sorted by group, z descending, term.
    """
    df = _ensure_terms(df)
    counts = term_counts(df, by=[group]).pivot_table(index="term", columns=group, values="count", fill_value=0, aggfunc="sum")
    counts = counts.reindex(columns=list(dict.fromkeys(df[group])), fill_value=0).sort_index()
    total = counts.sum(axis=1).astype(float)
    alpha = prior_size * total / total.sum()
    frames = []
    for g in counts.columns:
        yi = counts[g].astype(float)
        yj = total - yi
        ni, nj = yi.sum(), yj.sum()
        delta = (np.log((yi + alpha) / (ni + prior_size - yi - alpha))
                 - np.log((yj + alpha) / (nj + prior_size - yj - alpha)))
        var = 1 / (yi + alpha) + 1 / (yj + alpha)
        keep = yi >= min_count
        frames.append(pd.DataFrame({group: g, "term": counts.index[keep], "count_doc": yi[keep].astype(int).to_numpy(),
                                    "count_rest": yj[keep].astype(int).to_numpy(), "delta": delta[keep].to_numpy(),
                                    "z": (delta / np.sqrt(var))[keep].to_numpy()}))
    out = pd.concat(frames, ignore_index=True)
    order = {g: i for i, g in enumerate(counts.columns)}
    out = out.assign(_o=out[group].map(order)).sort_values(["_o", "z", "term"], ascending=[True, False, True], kind="mergesort")
    return out.drop(columns="_o").reset_index(drop=True)


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

    df = _ensure_terms(df)
    docs = doc_order(df)
    bags = [[t for ts in df.loc[df["doc_id"] == d, "terms"] for t in ts] for d in docs]
    vec = TfidfVectorizer(analyzer=_identity, lowercase=False, token_pattern=None)
    m = vec.fit_transform(bags).toarray()
    vocab = vec.get_feature_names_out()
    rows = []
    for i, d in enumerate(docs):
        c = Counter(bags[i])
        idx = sorted(np.flatnonzero(m[i]), key=lambda j: (-m[i, j], vocab[j]))[:n]
        rows += [(d, vocab[j], c[vocab[j]], m[i, j]) for j in idx]
    return pd.DataFrame(rows, columns=["doc_id", "term", "count", "tfidf"])


# --- dispersion --------------------------------------------------------------------------


def gries_dp(counts: Sequence[float], sizes: Sequence[float]) -> tuple[float, float]:
    """Gries's deviation of proportions DP (2008) and its normalised form DP_norm.

    ``DP = 0.5 * sum(|v_i - s_i|)`` with ``v_i`` the share of the term's occurrences in part i
    and ``s_i`` the part's share of the corpus. 0 means the term is spread exactly like the
    text; values near 1 mean it is concentrated in a small part. ``DP_norm = DP / (1 - min s_i)``
    (Lijffijt and Gries 2012) rescales to [0, 1].

    Examples
    --------
    >>> gries_dp([1, 1], [10, 10])
    (0.0, 0.0)
    >>> gries_dp([2, 0], [10, 10])
    (0.5, 1.0)
    """
    v = np.asarray(counts, dtype=float)
    s = np.asarray(sizes, dtype=float)
    if v.sum() == 0:
        return float("nan"), float("nan")
    v, s = v / v.sum(), s / s.sum()
    dp = 0.5 * float(np.abs(v - s).sum())
    denom = float(1 - s.min())
    return dp, (dp / denom if denom > 0 else float("nan"))


def dispersion(df: pd.DataFrame, terms_by_doc: dict[str, Sequence[str]], *, part: str = "paragraph",
               n_sim: int = 200, random_state: int = SEED) -> pd.DataFrame:
    """Dispersion of chosen terms over the passages of their document.

    A term used *n* times can touch at most *n* passages, so DP of a rare term is high even
    when its uses are scattered at random. ``dp_random`` is the mean DP of ``n_sim`` simulated
    terms with the same count whose occurrences fall on passages in proportion to their size
    (multinomial draws, seeded); ``dp - dp_random`` is the concentration beyond that.

    Parameters
    ----------
    df : DataFrame
        Sentence table.
    terms_by_doc : dict
        doc_id -> terms to measure in that document.
    part : str
        Column that defines passages (paragraphs by default; speaker turns are another choice).
    n_sim : int
        Simulated terms per observed term for ``dp_random``.
    random_state : int
        Seed of the simulation (each document and count draws from its own stream).

    Returns
    -------
    DataFrame
        Columns doc_id, term, count, passages (passages that hold the term), n_passages,
        passage_share, dp, dp_norm (see :func:`gries_dp`; part sizes in word tokens), dp_random.
    """
    df = _ensure_terms(df)
    rows = []
    for doc, g in df.groupby("doc_id", sort=False):
        wanted = list(terms_by_doc.get(doc, ()))
        if not wanted:
            continue
        parts = g.groupby(part, sort=True)
        sizes = parts["words"].agg(lambda s: sum(map(len, s)))
        share = sizes.to_numpy(dtype=float) / sizes.sum()
        per_part = parts["terms"].agg(lambda s: Counter(t for ts in s for t in ts))
        for term in wanted:
            v = np.array([per_part[p][term] for p in sizes.index], dtype=float)
            dp, dpn = gries_dp(v, sizes.to_numpy())
            n = int(v.sum())
            rng = np.random.default_rng([random_state, zlib.crc32(str(doc).encode("utf-8")), n])
            sims = rng.multinomial(n, share, size=n_sim) / max(n, 1)
            dp_random = float(0.5 * np.abs(sims - share).sum(axis=1).mean()) if n else float("nan")
            rows.append({"doc_id": doc, "term": term, "count": n, "passages": int((v > 0).sum()),
                         "n_passages": len(sizes), "passage_share": float((v > 0).mean()), "dp": dp, "dp_norm": dpn,
                         "dp_random": dp_random})
    return pd.DataFrame(rows, columns=["doc_id", "term", "count", "passages", "n_passages", "passage_share",
                                       "dp", "dp_norm", "dp_random"])


# --- phrase lists and matching ------------------------------------------------------------


def load_phrases(path: str | Path | None = None) -> pd.DataFrame:
    """Read the formulaic-phrase list (``phrase<TAB>gloss`` per line, ``#`` comments).

    Returns
    -------
    DataFrame
        Columns phrase, gloss, in file order. The list's version is in ``df.attrs["version"]``.
    """
    path = Path(path) if path else project_paths().lexicons / "formulaic_phrases.txt"
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
    out = pd.DataFrame(rows, columns=["phrase", "gloss"])
    dup = out["phrase"][out["phrase"].duplicated()]
    if len(dup):
        raise fail(f"{path.name}: phrase listed twice: {dup.iloc[0]}")
    out.attrs["version"] = version
    return out


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
    import yaml

    path = Path(path) if path else project_paths().lexicons / "concepts.yml"
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
        Occurrences per phrase and the number of word tokens (:func:`is_word`) covered by them.

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


def _sentence_matches(df: pd.DataFrame, seqs: dict[str, tuple[str, ...]]) -> tuple[list[Counter], np.ndarray]:
    df = _ensure_terms(df)
    found, covered = [], []
    for toks in df["tokens"].fillna(""):
        f, c = match_phrases(toks.split(), seqs)
        found.append(f)
        covered.append(c)
    return found, np.array(covered)


def bootstrap_rate(hits: np.ndarray, sizes: np.ndarray, *, n_boot: int = 1000, level: float = 0.95,
                   random_state: int | np.random.Generator | None = SEED, scale: float = PER) -> tuple[float, float, float]:
    """A rate ``scale * sum(hits) / sum(sizes)`` and its percentile bootstrap interval over units.

    Units (sentences) are resampled with replacement ``n_boot`` times; the interval is the
    ``(1 - level) / 2`` and ``(1 + level) / 2`` quantiles of the resampled rates. Resampling
    whole sentences keeps the clustering of words within sentences.

    Returns
    -------
    (rate, low, high)
    """
    hits = np.asarray(hits, dtype=float)
    sizes = np.asarray(sizes, dtype=float)
    if sizes.sum() == 0:
        return float("nan"), float("nan"), float("nan")
    rate = scale * hits.sum() / sizes.sum()
    rng = np.random.default_rng(random_state)
    idx = rng.integers(0, len(hits), size=(n_boot, len(hits)))
    with np.errstate(divide="ignore", invalid="ignore"):
        boot = scale * hits[idx].sum(axis=1) / sizes[idx].sum(axis=1)
    lo, hi = np.nanquantile(boot, [(1 - level) / 2, (1 + level) / 2])
    return float(rate), float(lo), float(hi)


def _groups(df: pd.DataFrame, by: Sequence[str]):
    for key, g in df.groupby(list(by), sort=False):
        yield (key if isinstance(key, tuple) else (key,)), g


def formulaic_density(df: pd.DataFrame, phrases: pd.DataFrame | None = None, *, by: Sequence[str] = ("doc_id",),
                      n_boot: int = 1000, random_state: int = SEED, paths: Paths | None = None) -> pd.DataFrame:
    """Share of word tokens inside formulaic phrases, per group, with a bootstrap interval.

    Phrases are matched as token sequences (:func:`match_phrases`) after segmenting each phrase
    with the project's segmenter.

    Returns
    -------
    DataFrame
        Columns ``*by``, words, phrase_tokens, occurrences, share (phrase tokens / words, in
        percent), ci_low, ci_high (95% bootstrap over sentences, percent), per_10k
        (occurrences per 10,000 word tokens).
    """
    df = _ensure_terms(df)
    phrases = load_phrases(paths.lexicons / "formulaic_phrases.txt" if paths else None) if phrases is None else phrases
    seqs = phrase_tokens(phrases["phrase"], paths=paths)
    found, covered = _sentence_matches(df, seqs)
    work = df.assign(_cov=covered, _occ=[sum(f.values()) for f in found], _n=df["words"].map(len))
    rows = []
    for key, g in _groups(work, by):
        seed = [random_state, zlib.crc32("|".join(map(str, key)).encode("utf-8"))]
        share, lo, hi = bootstrap_rate(g["_cov"].to_numpy(), g["_n"].to_numpy(), n_boot=n_boot,
                                       random_state=np.random.default_rng(seed), scale=100)
        rows.append({**dict(zip(by, key)), "words": int(g["_n"].sum()), "phrase_tokens": int(g["_cov"].sum()),
                     "occurrences": int(g["_occ"].sum()), "share": share, "ci_low": lo, "ci_high": hi,
                     "per_10k": PER * g["_occ"].sum() / g["_n"].sum()})
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
    df = _ensure_terms(df)
    phrases = load_phrases(paths.lexicons / "formulaic_phrases.txt" if paths else None) if phrases is None else phrases
    gloss = dict(zip(phrases["phrase"], phrases["gloss"]))
    seqs = phrase_tokens(phrases["phrase"], paths=paths)
    found, _ = _sentence_matches(df, seqs)
    work = df.assign(_found=found)
    rows = []
    for doc, g in work.groupby("doc_id", sort=False):
        c = sum(g["_found"], Counter())
        text = "\n".join(g["text"])
        for p in phrases["phrase"]:
            n_text = text.count(p)
            if c[p] or n_text:
                rows.append((doc, p, gloss[p], c[p], n_text))
    out = pd.DataFrame(rows, columns=["doc_id", "phrase", "gloss", "count", "count_text"])
    order = {d: i for i, d in enumerate(doc_order(df))}
    out = out.assign(_o=out["doc_id"].map(order)).sort_values(["_o", "count", "phrase"], ascending=[True, False, True], kind="mergesort")
    return out.drop(columns="_o").reset_index(drop=True)


def concept_rates(df: pd.DataFrame, concepts: Sequence[Concept] | None = None, *, by: Sequence[str] = ("doc_id",),
                  n_boot: int = 1000, random_state: int = SEED, paths: Paths | None = None) -> pd.DataFrame:
    """Rate of each concept family per group, per 10,000 word tokens, with bootstrap 95% intervals.

    Family terms are matched as token sequences (:func:`match_phrases`). The interval resamples
    the group's sentences with replacement (:func:`bootstrap_rate`); each group and family draws
    from its own stream seeded from ``random_state``, so adding a family or a document leaves the
    others' intervals unchanged.

    Returns
    -------
    DataFrame
        Columns ``*by``, family, label, count, words, per_10k, ci_low, ci_high.
    """
    df = _ensure_terms(df)
    concepts = load_concepts(paths.lexicons / "concepts.yml" if paths else None) if concepts is None else concepts
    sizes = df["words"].map(len).to_numpy()
    rows = []
    for fam in concepts:
        seqs = phrase_tokens(fam.terms, paths=paths)
        found, _ = _sentence_matches(df, seqs)
        hits = np.array([sum(f.values()) for f in found])
        work = df.assign(_h=hits, _n=sizes)
        for key, g in _groups(work, by):
            seed = [random_state, zlib.crc32("|".join([*map(str, key), fam.name]).encode("utf-8"))]
            rate, lo, hi = bootstrap_rate(g["_h"].to_numpy(), g["_n"].to_numpy(), n_boot=n_boot,
                                          random_state=np.random.default_rng(seed))
            rows.append({**dict(zip(by, key)), "family": fam.name, "label": fam.label, "count": int(g["_h"].sum()),
                         "words": int(g["_n"].sum()), "per_10k": rate, "ci_low": lo, "ci_high": hi})
    out = pd.DataFrame(rows, columns=[*by, "family", "label", "count", "words", "per_10k", "ci_low", "ci_high"])
    order = {d: i for i, d in enumerate(doc_order(df))}
    fam_order = {f.name: i for i, f in enumerate(concepts)}
    out = out.assign(_o=out["doc_id"].map(order) if "doc_id" in by else 0, _f=out["family"].map(fam_order))
    return out.sort_values(["_o", "_f"], kind="mergesort").drop(columns=["_o", "_f"]).reset_index(drop=True)


def concept_table(concepts: Sequence[Concept]) -> pd.DataFrame:
    """The concept dictionary as a table: family, label, definition, terms."""
    return pd.DataFrame([(c.name, c.label, c.definition, "、".join(c.terms)) for c in concepts],
                        columns=["family", "label", "definition", "terms"])


# --- contexts ------------------------------------------------------------------------------


def _join(tokens: Sequence[str]) -> str:
    out = ""
    for t in tokens:
        if out and out[-1].isascii() and out[-1].isalnum() and t[:1].isascii() and t[:1].isalnum():
            out += " "
        out += t
    return out


def kwic(df: pd.DataFrame, term: str, *, window: int = 10, max_per_doc: int | None = 5,
         random_state: int = SEED) -> pd.DataFrame:
    """Keyword in context: occurrences of ``term`` as a token, with tokens either side.

    Context stays within the sentence. If a document has more than ``max_per_doc``
    occurrences, a random sample (seeded) is shown, in text order.

    Returns
    -------
    DataFrame
        Columns doc_id, speaker, role, paragraph, sentence, left, keyword, right, hits
        (the document's total number of occurrences).
    """
    rows = []
    for doc, g in df.groupby("doc_id", sort=False):
        found = []
        for r in g.itertuples(index=False):
            toks = r.tokens.split()
            for i, t in enumerate(toks):
                if t == term:
                    found.append((doc, r.speaker, r.role, r.paragraph, r.sentence,
                                  _join(toks[max(0, i - window):i]), t, _join(toks[i + 1:i + 1 + window])))
        hits = len(found)
        if max_per_doc is not None and hits > max_per_doc:
            rng = np.random.default_rng([random_state, hits])
            found = [found[i] for i in sorted(rng.choice(hits, size=max_per_doc, replace=False))]
        rows += [(*f, hits) for f in found]
    return pd.DataFrame(rows, columns=["doc_id", "speaker", "role", "paragraph", "sentence", "left", "keyword", "right", "hits"])


class Concordance:
    """A KWIC table that renders as HTML with every piece of document text escaped."""

    def __init__(self, table: pd.DataFrame):
        self.table = table

    def _repr_html_(self) -> str:
        return concordance_html(self.table)

    def __repr__(self) -> str:
        return self.table.to_string()


def concordance_html(table: pd.DataFrame) -> str:
    """HTML of a :func:`kwic` table: right-aligned left context, the keyword marked.

    Every value is passed through :func:`html.escape`, so text such as ``<script>`` in a
    document is shown, never run.
    """
    e = html.escape
    head = "<tr><th>document</th><th>speaker</th><th style='text-align:right'>left</th><th>keyword</th><th>right</th></tr>"
    body = []
    for r in table.itertuples(index=False):
        who = e(str(r.speaker)) + (f" ({e(str(r.role))})" if r.role else "")
        body.append(
            f"<tr><td>{e(str(r.doc_id))} ¶{e(str(r.paragraph))}</td><td>{who}</td>"
            f"<td style='text-align:right;white-space:nowrap'>{e(str(r.left))}</td>"
            f"<td style='text-align:center'><mark>{e(str(r.keyword))}</mark></td>"
            f"<td style='text-align:left;white-space:nowrap'>{e(str(r.right))}</td></tr>"
        )
    return "<table class='aid-kwic'>" + head + "".join(body) + "</table>"


def collocations(df: pd.DataFrame, node: str, *, window: int = 5, min_count: int = 3) -> pd.DataFrame:
    """Collocates of ``node`` per document: content terms within ``window`` terms of it.

    The window spans ``window`` content terms on each side, within the sentence. For each
    candidate ``w`` the 2x2 table is: w inside / outside the node's windows, against all
    other term positions inside / outside them; G2 is :func:`log_likelihood` of that table and
    ``PMI = log2(O / E)`` with ``O`` the co-occurrences and ``E = W * f(w) / N`` (``W`` positions
    inside the windows, ``N`` term tokens of the document).

    Returns
    -------
    DataFrame
        Columns doc_id, node, collocate, o, e, pmi, g2 for collocates seen at least ``min_count``
        times and more often than expected; sorted by document, g2 descending, collocate.
    """
    df = _ensure_terms(df)
    rows = []
    for doc, g in df.groupby("doc_id", sort=False):
        freq = Counter(t for ts in g["terms"] for t in ts)
        n = sum(freq.values())
        co: Counter = Counter()
        w_total = 0
        for ts in g["terms"]:
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
    order = {d: i for i, d in enumerate(doc_order(df))}
    out = out.assign(_o=out["doc_id"].map(order)).sort_values(["_o", "g2", "collocate"], ascending=[True, False, True], kind="mergesort")
    return out.drop(columns="_o").reset_index(drop=True)


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
    for doc in doc_order(keys):
        terms_ = {m: list(t.loc[t["doc_id"] == doc, "term"]) for m, t in lists.items()}
        row = {"doc_id": doc, **{m: "、".join(v) for m, v in terms_.items()}}
        for m in ("log_ratio", "log_odds_z", "tfidf"):
            row[f"jaccard_g2_{m}"] = jaccard(terms_["g2"], terms_[m])
        rows.append(row)
    return pd.DataFrame(rows)


def collocation_summary(coll: pd.DataFrame, *, n: int = 6) -> pd.DataFrame:
    """One row per document and node term with its ``n`` strongest collocates (by G2)."""
    return term_lists(coll, by=["doc_id", "node"], column="collocate", n=n).rename(columns={"collocate": "collocates"})


# --- speakers and segmentation -------------------------------------------------------------


def speaker_docs(df: pd.DataFrame) -> list[str]:
    """Documents with more than one speaker role (interviews, seminars)."""
    roles = df.groupby("doc_id", sort=False)["role"].nunique()
    return [d for d in roles.index if roles[d] > 1]


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
    cols = ["doc_id", "role", "term", "count_doc", "count_rest", "g2", "p_adj", "log_ratio"]
    return pd.concat(frames, ignore_index=True)[cols] if frames else pd.DataFrame(columns=cols)


def role_sizes(df: pd.DataFrame) -> pd.DataFrame:
    """Sentences and word tokens per role in documents with several roles."""
    df = _ensure_terms(df[df["doc_id"].isin(speaker_docs(df))])
    out = (df.assign(n=df["words"].map(len)).groupby(["doc_id", "role"], sort=False)
           .agg(speakers=("speaker", "nunique"), sentences=("text", "size"), words=("n", "sum")).reset_index())
    out["word_share"] = out["words"] / out.groupby("doc_id")["words"].transform("sum")
    return out


def jaccard(a: Iterable[str], b: Iterable[str]) -> float:
    """Jaccard index ``|A & B| / |A | B|`` of two sets (1.0 for two empty sets).

    >>> jaccard("abc", "bcd")
    0.5
    """
    a, b = set(a), set(b)
    return len(a & b) / len(a | b) if a | b else 1.0


def segmentation_sensitivity(df: pd.DataFrame, alt: pd.DataFrame, *, top_n: int = 30, min_count: int = 5) -> pd.DataFrame:
    """Overlap of each document's top key terms under two segmentations.

    Parameters
    ----------
    df, alt : DataFrame
        The same sentences segmented two ways (e.g. ``alt = resegment(df, Segmenter(None))``).
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
    for doc in doc_order(df):
        a = list(k1.loc[k1["doc_id"] == doc, "term"])
        b = list(k2.loc[k2["doc_id"] == doc, "term"])
        rows.append({"doc_id": doc, "top_n": top_n, "jaccard": jaccard(a, b),
                     "shared": "、".join(t for t in a if t in b),
                     "only_with_dict": "、".join(t for t in a if t not in b),
                     "only_without_dict": "、".join(t for t in b if t not in a)})
    return pd.DataFrame(rows)
