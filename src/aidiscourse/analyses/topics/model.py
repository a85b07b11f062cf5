"""The passage-term matrix, one topic-model fit, and the prevalence of its topics.

The units are passages (:mod:`aidiscourse.corpus.passages`); their content terms (stop words
removed, one-character words kept) are counted by a scikit-learn vectoriser that takes
the term lists as they are (``analyzer=`` a function), so nothing is re-tokenised and no
``token_pattern`` can drop a one-character Chinese word.

Two model families are fitted on the same passage-term matrix:

* ``"lda"``: :class:`~sklearn.decomposition.LatentDirichletAllocation` on counts, batch
  variational Bayes, priors ``1/K``;
* ``"nmf"``: :class:`~sklearn.decomposition.NMF` on TF-IDF (smooth idf, rows
  l2-normalised), Frobenius loss, coordinate descent, random initialisation (so that
  different seeds give different starts, as for LDA; the deterministic NNDSVD start
  would make a stability measure meaningless).

Every fit is single-threaded (``n_jobs=1`` and BLAS limited to one thread with
``threadpoolctl``) with a fixed ``random_state``, so a second run gives the same numbers.
"""
from __future__ import annotations

import warnings
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from typing import Literal

import numpy as np
from scipy import sparse

from aidiscourse.config import SEED
from aidiscourse.errors import fail

ModelName = Literal["lda", "nmf"]
#: The model families, in the order used for ties and tables.
MODELS: tuple[str, ...] = ("lda", "nmf")
#: Top terms per topic used for coherence, labels and tables.
N_TOP = 10
#: Iterations: LDA (batch EM steps) and NMF (coordinate-descent sweeps).
LDA_MAX_ITER = 20
NMF_MAX_ITER = 500


def identity_analyzer(terms: Iterable[str]) -> list[str]:
    """The vectoriser's analyzer: the passage's content terms, unchanged."""
    return list(terms)


@dataclass(frozen=True)
class TermMatrix:
    """Counts and TF-IDF of the passages over one vocabulary.

    Attributes
    ----------
    counts : scipy.sparse.csr_matrix (n_passages, n_terms)
        Raw counts (LDA's input).
    tfidf : scipy.sparse.csr_matrix (n_passages, n_terms)
        The same, TF-IDF weighted with smooth idf and l2-normalised rows (NMF's input).
    vocabulary : ndarray of str (n_terms,)
        Column labels, sorted.
    """

    counts: sparse.csr_matrix
    tfidf: sparse.csr_matrix
    vocabulary: np.ndarray

    @property
    def lengths(self) -> np.ndarray:
        """Modelled terms per passage (row sums of ``counts``), shape (n_passages,)."""
        return np.asarray(self.counts.sum(axis=1)).ravel()

    def input_for(self, model: str) -> sparse.csr_matrix:
        """The matrix a model family reads: counts for LDA, TF-IDF for NMF."""
        return self.counts if model == "lda" else self.tfidf


def term_matrix(terms: Iterable[Sequence[str]], *, min_df: int | float = 3, max_df: float = 0.5) -> TermMatrix:
    """Count the passages' content terms, keeping terms within a document-frequency range.

    Parameters
    ----------
    terms : iterable of list of str
        Content terms of each passage.
    min_df : int or float
        Keep terms found in at least this many passages (a float: this share).
    max_df : float
        Drop terms found in more than this share of passages.

    Returns
    -------
    TermMatrix

    Examples
    --------
    >>> tm = term_matrix([["人", "工智能"], ["人", "国"], ["国", "人"]], min_df=2, max_df=1.0)
    >>> list(tm.vocabulary)
    ['人', '国']
    """
    from sklearn.feature_extraction.text import CountVectorizer, TfidfTransformer

    vectorizer = CountVectorizer(analyzer=identity_analyzer, lowercase=False, min_df=min_df, max_df=max_df)
    counts = vectorizer.fit_transform(list(terms)).tocsr().astype(np.float64)
    tfidf = TfidfTransformer(norm="l2", use_idf=True, smooth_idf=True).fit_transform(counts).tocsr()
    return TermMatrix(counts, tfidf, np.asarray(vectorizer.get_feature_names_out(), dtype=object))


@dataclass(frozen=True)
class Fit:
    """One fitted topic model, reduced to what the analyses read.

    Attributes
    ----------
    model : str
        ``"lda"`` or ``"nmf"``.
    k : int
        Number of topics.
    seed : int
        The ``random_state`` of the fit.
    topic_term : ndarray (k, n_terms)
        Each topic's term weights, rows normalised to sum to 1 (LDA: the topic's
        expected term distribution; NMF: the rows of H rescaled).
    passage_topic : ndarray (n_passages, k)
        Each passage's topic weights, rows normalised to sum to 1 (rows of a passage
        with no modelled term are 0 for NMF).
    """

    model: str
    k: int
    seed: int
    topic_term: np.ndarray
    passage_topic: np.ndarray

    def permuted(self, order: Sequence[int]) -> "Fit":
        """The same fit with topics reordered: new topic ``i`` is old topic ``order[i]``."""
        order = list(order)
        return replace(self, topic_term=self.topic_term[order], passage_topic=self.passage_topic[:, order])


def normalise_rows(a: np.ndarray) -> np.ndarray:
    """Rows of ``a`` (2-D) divided by their sums; rows summing to 0 stay 0.

    Examples
    --------
    >>> normalise_rows(np.array([[1.0, 3.0], [0.0, 0.0]])).tolist()
    [[0.25, 0.75], [0.0, 0.0]]
    """
    sums = a.sum(axis=1, keepdims=True)
    return np.divide(a, sums, out=np.zeros_like(a, dtype=float), where=sums > 0)


def fit_topics(tm: TermMatrix, k: int, *, model: ModelName = "lda", random_state: int = SEED,
               max_iter: int | None = None) -> Fit:
    """Fit one topic model with ``k`` topics.

    Parameters
    ----------
    tm : TermMatrix
    k : int
        Number of topics.
    model : {"lda", "nmf"}
        LDA on counts (batch learning, ``n_jobs=1``) or NMF on TF-IDF (random start).
    random_state : int
        Seed of the estimator (default: the project seed).
    max_iter : int, optional
        Defaults: :data:`LDA_MAX_ITER`, :data:`NMF_MAX_ITER`.

    Returns
    -------
    Fit
        Topics in the estimator's order.
    """
    from sklearn.decomposition import NMF, LatentDirichletAllocation
    from sklearn.exceptions import ConvergenceWarning
    from threadpoolctl import threadpool_limits

    if model not in MODELS:
        raise fail(f"unknown topic model {model!r}; use one of {', '.join(MODELS)}")
    X = tm.input_for(model)
    with threadpool_limits(limits=1):
        if model == "lda":
            est = LatentDirichletAllocation(
                n_components=k, learning_method="batch", max_iter=max_iter or LDA_MAX_ITER,
                random_state=random_state, n_jobs=1,
            )
            doc_topic = est.fit_transform(X)
        else:
            est = NMF(n_components=k, init="random", solver="cd", beta_loss="frobenius",
                      max_iter=max_iter or NMF_MAX_ITER, tol=1e-4, random_state=random_state)
            with warnings.catch_warnings():
                # the iteration budget is a choice, not a failure
                warnings.simplefilter("ignore", ConvergenceWarning)
                doc_topic = est.fit_transform(X)
    return Fit(model, k, random_state, normalise_rows(np.asarray(est.components_, dtype=float)),
               normalise_rows(np.asarray(doc_topic, dtype=float)))


def topic_prevalence(fit: Fit, lengths: np.ndarray) -> np.ndarray:
    """Share of all modelled terms given to each topic (passage weights x passage lengths).

    Parameters
    ----------
    fit : Fit
    lengths : ndarray (n_passages,)
        Modelled terms per passage (:attr:`TermMatrix.lengths`).

    Returns
    -------
    ndarray (k,)
        Sums to 1 unless no passage has a modelled term.
    """
    mass = (fit.passage_topic * np.asarray(lengths, dtype=float)[:, None]).sum(axis=0)
    total = mass.sum()
    return mass / total if total > 0 else mass


def order_by_prevalence(fit: Fit, lengths: np.ndarray) -> Fit:
    """Renumber topics from the most to the least prevalent (ties: estimator order)."""
    prevalence = topic_prevalence(fit, lengths)
    order = sorted(range(fit.k), key=lambda t: (-round(float(prevalence[t]), 12), t))
    return fit.permuted(order)


def top_term_indices(topic_term: np.ndarray, n: int = N_TOP) -> list[list[int]]:
    """Column indices of each topic's ``n`` heaviest terms (ties: lower index first).

    Examples
    --------
    >>> top_term_indices(np.array([[0.1, 0.5, 0.4], [0.3, 0.3, 0.4]]), 2)
    [[1, 2], [2, 0]]
    """
    return [[int(j) for j in np.lexsort((np.arange(row.size), -row))[:n]] for row in np.asarray(topic_term)]
