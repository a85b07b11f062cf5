"""The passage-term matrix, one topic-model fit, and the prevalence of its topics.

The units are passages (:mod:`aidiscourse.corpus.passages`); their content terms (stop words
removed, one-character words kept) are counted by a scikit-learn vectoriser that takes
the term lists as they are (``analyzer=`` a function), so nothing is re-tokenised and no
``token_pattern`` can drop a one-character Chinese word.

Two model families are fitted on the same passage-term matrix:

* ``"lda"``: :class:`~sklearn.decomposition.LatentDirichletAllocation` on counts, batch
  variational Bayes, priors ``1/K``, run until the perplexity of the training passages
  changes by less than :data:`LDA_PERP_TOL` between checks every
  :data:`LDA_EVALUATE_EVERY` iterations (at most :data:`LDA_MAX_ITER`); from
  :data:`LDA_ONLINE_MIN_PASSAGES` passages, online variational Bayes instead
  (:func:`lda_fitting_note`);
* ``"nmf"``: :class:`~sklearn.decomposition.NMF` on TF-IDF (smooth idf, rows
  l2-normalised), Frobenius loss, coordinate descent, random initialisation (so that
  different seeds give different starts, as for LDA; the deterministic NNDSVD start
  would make a stability measure meaningless). A passage's topic proportions are its
  share of the reconstructed TF-IDF mass per topic, ``W diag(rowsums(H))``
  (:func:`nmf_proportions`), not the rows of ``W`` alone, whose scale is arbitrary.

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
#: The range of K searched.
K_RANGE: tuple[int, ...] = tuple(range(4, 15))
#: Top terms per topic.
N_TOP = 10
#: Iteration caps: LDA (batch EM steps) and NMF (coordinate-descent sweeps). Both stop
#: earlier on their convergence tolerance; :attr:`Fit.n_iter` records the iterations used.
LDA_MAX_ITER = 1000
NMF_MAX_ITER = 1000
#: LDA's convergence check: the perplexity of the training passages every
#: ``LDA_EVALUATE_EVERY`` iterations; it stops when two checks differ by less than
#: ``LDA_PERP_TOL`` (perplexities here are in the hundreds, so about 0.01%).
LDA_EVALUATE_EVERY = 5
LDA_PERP_TOL = 0.1
#: From this many passages LDA is fitted online (mini-batch variational Bayes, Hoffman,
#: Blei and Bach 2010) for :data:`LDA_ONLINE_PASSES` passes over mini-batches of
#: :data:`LDA_BATCH_SIZE` passages: a batch iteration is a pass over every passage and
#: batch fits need dozens, which at thousands of passages makes the ledger's and the
#: search's refits the slowest step of the book.
LDA_ONLINE_MIN_PASSAGES = 2000
LDA_ONLINE_PASSES = 10
LDA_BATCH_SIZE = 512
#: NMF's convergence tolerance (relative decrease of the reconstruction error).
NMF_TOL = 1e-4


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
        with no modelled term are 0 for NMF; NMF: :func:`nmf_proportions`).
    n_iter : int
        Iterations the estimator ran (its ``n_iter_``; 0 when not known).
    """

    model: str
    k: int
    seed: int
    topic_term: np.ndarray
    passage_topic: np.ndarray
    n_iter: int = 0

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


def nmf_proportions(W: np.ndarray, H: np.ndarray) -> np.ndarray:
    """Topic proportions of the rows of an NMF ``X ~ W H``: ``W diag(rowsums(H))``, rows normalised.

    Row ``p`` of ``W H`` sums to ``sum_t W[p, t] * rowsum(H[t])``, so topic ``t`` carries
    the share ``W[p, t] * rowsum(H[t])`` of the passage's reconstructed mass. Normalising
    ``W`` alone would ignore that scale, which NMF sets arbitrarily per topic (``W D`` and
    ``D^-1 H`` fit equally well), so the proportions would move with it.

    Parameters
    ----------
    W : ndarray (n_rows, k)
        Row weights (``fit_transform``).
    H : ndarray (k, n_terms)
        Topic-term weights (``components_``).

    Returns
    -------
    ndarray (n_rows, k)
        Rows sum to 1 (0 for a row of ``W`` that is all zero).

    Examples
    --------
    >>> W = np.array([[1.0, 1.0]]); H = np.array([[3.0, 0.0], [0.0, 1.0]])
    >>> nmf_proportions(W, H).tolist()
    [[0.75, 0.25]]
    """
    W = np.asarray(W, dtype=float)
    scale = np.asarray(H, dtype=float).sum(axis=1)
    return normalise_rows(W * scale[None, :])


def fit_topics(tm: TermMatrix, k: int, *, model: ModelName = "lda", random_state: int = SEED,
               max_iter: int | None = None) -> Fit:
    """Fit one topic model with ``k`` topics.

    Parameters
    ----------
    tm : TermMatrix
    k : int
        Number of topics.
    model : {"lda", "nmf"}
        LDA on counts (batch learning, online from :data:`LDA_ONLINE_MIN_PASSAGES`
        passages; ``n_jobs=1``) or NMF on TF-IDF (random start).
    random_state : int
        Seed of the estimator (default: the project seed).
    max_iter : int, optional
        Iteration cap. Defaults: :data:`LDA_MAX_ITER`, :data:`NMF_MAX_ITER`; either model
        stops earlier on its tolerance (:data:`LDA_PERP_TOL`, :data:`NMF_TOL`).

    Returns
    -------
    Fit
        Topics in the estimator's order, with the iterations used.
    """
    from sklearn.decomposition import NMF, LatentDirichletAllocation
    from sklearn.exceptions import ConvergenceWarning
    from threadpoolctl import threadpool_limits

    if model not in MODELS:
        raise fail(f"unknown topic model {model!r}; use one of {', '.join(MODELS)}")
    X = tm.input_for(model)
    with threadpool_limits(limits=1):
        if model == "lda":
            if X.shape[0] >= LDA_ONLINE_MIN_PASSAGES:
                est = LatentDirichletAllocation(
                    n_components=k, learning_method="online", batch_size=LDA_BATCH_SIZE,
                    max_iter=max_iter or LDA_ONLINE_PASSES, random_state=random_state, n_jobs=1)
            else:
                est = LatentDirichletAllocation(
                    n_components=k, learning_method="batch", max_iter=max_iter or LDA_MAX_ITER,
                    evaluate_every=LDA_EVALUATE_EVERY, perp_tol=LDA_PERP_TOL, random_state=random_state, n_jobs=1,
                )
            passage_topic = normalise_rows(np.asarray(est.fit_transform(X), dtype=float))
        else:
            est = NMF(n_components=k, init="random", solver="cd", beta_loss="frobenius",
                      max_iter=max_iter or NMF_MAX_ITER, tol=NMF_TOL, random_state=random_state)
            with warnings.catch_warnings():
                # a fit that reaches the cap is reported by its n_iter, not as a warning
                warnings.simplefilter("ignore", ConvergenceWarning)
                W = est.fit_transform(X)
            passage_topic = nmf_proportions(W, est.components_)
    return Fit(model, k, random_state, normalise_rows(np.asarray(est.components_, dtype=float)), passage_topic,
               int(est.n_iter_))


def lda_fitting_note(n_passages: int) -> str:
    """How LDA is fitted on ``n_passages`` passages, in a sentence for the chapters.

    >>> lda_fitting_note(300)[:44]
    'With 300 passages every LDA fit is batch, as'
    """
    if n_passages < LDA_ONLINE_MIN_PASSAGES:
        return (f"With {n_passages:,} passages every LDA fit is batch, as described; from "
                f"{LDA_ONLINE_MIN_PASSAGES:,} passages it would be online instead.")
    return (f"With {n_passages:,} passages (at least {LDA_ONLINE_MIN_PASSAGES:,}), LDA fits on all of them are "
            f"online instead: {LDA_ONLINE_PASSES} passes over mini-batches of {LDA_BATCH_SIZE} passages "
            "(Hoffman, Blei and Bach 2010), because each batch iteration is a pass over every passage and batch fits "
            "need dozens; the iteration counts above are then passes.")


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
