"""Topic models of the passages: LDA on counts and NMF on TF-IDF, K chosen by measures.

The units are passages (:mod:`aidiscourse.passages`); their content terms (stop words
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

The number of topics K is chosen by two measures computed here:

* :func:`npmi_coherence`: the mean normalised pointwise mutual information of the
  pairs of a topic's top terms, from their co-occurrence in passages (Bouma 2009;
  Aletras and Stevenson 2013; Röder et al. 2015 call it C_NPMI). The C_V measure is not
  used: its author advises against it.
* :func:`topic_stability`: the mean cosine similarity of topics matched one-to-one
  (Hungarian algorithm) between fits from different random seeds, averaged over all
  pairs of seeds (in the spirit of Greene, O'Callaghan and Cunningham 2014).

Every fit is single-threaded (``n_jobs=1`` and BLAS limited to one thread with
``threadpoolctl``) with a fixed ``random_state``, so a second run gives the same numbers;
independent fits run in parallel processes, which does not change any of them.
"""
from __future__ import annotations

import itertools
import os
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Iterable, Literal, Sequence

import numpy as np
import pandas as pd
from scipy import sparse

ModelName = Literal["lda", "nmf"]
#: The model families, in the order used for ties and tables.
MODELS: tuple[str, ...] = ("lda", "nmf")
#: The range of K searched.
K_RANGE: tuple[int, ...] = tuple(range(4, 15))
#: Number of random seeds per (model, K) for the stability measure.
N_SEEDS = 5
#: Top terms per topic used for coherence, labels and tables.
N_TOP = 10
#: Iterations: LDA (batch EM steps) and NMF (coordinate-descent sweeps).
LDA_MAX_ITER = 20
NMF_MAX_ITER = 500

UNLABELLED = "(unlabelled)"


def identity_analyzer(terms: Iterable[str]) -> list[str]:
    """The vectoriser's analyzer: the passage's content terms, unchanged."""
    return list(terms)


# ---------------------------------------------------------------------------
# The passage-term matrix


@dataclass(frozen=True)
class TermMatrix:
    """Counts and TF-IDF of the passages over one vocabulary.

    Attributes
    ----------
    counts : scipy.sparse.csr_matrix
        Passages x terms, raw counts (LDA's input).
    tfidf : scipy.sparse.csr_matrix
        The same, TF-IDF weighted with smooth idf and l2-normalised rows (NMF's input).
    vocabulary : ndarray of str
        Column labels, sorted.
    """

    counts: sparse.csr_matrix
    tfidf: sparse.csr_matrix
    vocabulary: np.ndarray

    @property
    def lengths(self) -> np.ndarray:
        """Modelled terms per passage (row sums of ``counts``)."""
        return np.asarray(self.counts.sum(axis=1)).ravel()

    def input_for(self, model: str) -> sparse.csr_matrix:
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


# ---------------------------------------------------------------------------
# Fitting


@dataclass(frozen=True)
class Fit:
    """One fitted topic model, reduced to what the analyses read.

    Attributes
    ----------
    model : str
    k : int
    seed : int
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


def _normalise_rows(a: np.ndarray) -> np.ndarray:
    sums = a.sum(axis=1, keepdims=True)
    return np.divide(a, sums, out=np.zeros_like(a, dtype=float), where=sums > 0)


def fit_topics(tm: TermMatrix, k: int, *, model: ModelName = "lda", random_state: int = 0,
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
    max_iter : int, optional
        Defaults: :data:`LDA_MAX_ITER`, :data:`NMF_MAX_ITER`.

    Returns
    -------
    Fit
        Topics in the estimator's order.
    """
    import warnings

    from sklearn.decomposition import NMF, LatentDirichletAllocation
    from sklearn.exceptions import ConvergenceWarning
    from threadpoolctl import threadpool_limits

    X = tm.input_for(model)
    with threadpool_limits(limits=1):
        if model == "lda":
            est = LatentDirichletAllocation(
                n_components=k, learning_method="batch", max_iter=max_iter or LDA_MAX_ITER,
                random_state=random_state, n_jobs=1,
            )
            doc_topic = est.fit_transform(X)
            topic_term = est.components_
        elif model == "nmf":
            est = NMF(n_components=k, init="random", solver="cd", beta_loss="frobenius",
                      max_iter=max_iter or NMF_MAX_ITER, tol=1e-4, random_state=random_state)
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", ConvergenceWarning)
                doc_topic = est.fit_transform(X)
            topic_term = est.components_
        else:
            from .errors import fail

            raise fail(f"unknown topic model {model!r}; use one of {', '.join(MODELS)}")
    return Fit(model, k, random_state, _normalise_rows(np.asarray(topic_term, dtype=float)),
               _normalise_rows(np.asarray(doc_topic, dtype=float)))


def order_by_prevalence(fit: Fit, lengths: np.ndarray) -> Fit:
    """Renumber topics from the most to the least prevalent (ties: estimator order)."""
    prevalence = topic_prevalence(fit, lengths)
    order = sorted(range(fit.k), key=lambda t: (-round(float(prevalence[t]), 12), t))
    return fit.permuted(order)


def topic_prevalence(fit: Fit, lengths: np.ndarray) -> np.ndarray:
    """Share of all modelled terms given to each topic (passage weights x passage lengths)."""
    mass = (fit.passage_topic * np.asarray(lengths, dtype=float)[:, None]).sum(axis=0)
    total = mass.sum()
    return mass / total if total > 0 else mass


# ---------------------------------------------------------------------------
# Measures


def top_term_indices(topic_term: np.ndarray, n: int = N_TOP) -> list[list[int]]:
    """Column indices of each topic's ``n`` heaviest terms (ties: lower index first)."""
    return [list(np.lexsort((np.arange(row.size), -row))[:n]) for row in np.asarray(topic_term)]


def npmi_coherence(topics: Sequence[Sequence[int]], occurrence) -> np.ndarray:
    """Topic coherence as mean NPMI of the pairs of each topic's terms.

    For terms i and j, with P estimated as the share of passages (rows) containing them,
    ``NPMI(i, j) = log(P(i, j) / (P(i) P(j))) / -log P(i, j)``; it is -1 for terms
    never seen together, 0 for independent terms and 1 for terms always seen together
    (Bouma 2009). A pair that co-occurs in every row (``-log P(i, j) = 0``) counts 1.

    Parameters
    ----------
    topics : sequence of sequence of int
        Each topic's top terms as column indices of ``occurrence``.
    occurrence : array-like or sparse matrix (n_rows, n_terms)
        Any value > 0 counts as presence.

    Returns
    -------
    ndarray
        Mean NPMI over the term pairs of each topic (NaN for a topic of fewer than two terms).

    Examples
    --------
    >>> occ = np.array([[1, 1, 0, 0], [1, 1, 0, 0], [0, 0, 1, 1], [0, 0, 1, 1]])
    >>> npmi_coherence([[0, 1], [0, 2]], occ).round(3).tolist()
    [1.0, -1.0]
    """
    occ = sparse.csc_matrix(occurrence)
    occ = (occ > 0).astype(np.float64)
    n_rows = occ.shape[0]
    out = np.full(len(topics), np.nan)
    for t, terms in enumerate(topics):
        terms = list(terms)
        if len(terms) < 2:
            continue
        sub = occ[:, terms]
        joint = (sub.T @ sub).toarray() / n_rows
        single = np.diag(joint).copy()
        values = []
        for i, j in itertools.combinations(range(len(terms)), 2):
            pij = joint[i, j]
            if pij <= 0:
                values.append(-1.0)
            elif pij >= 1:
                values.append(1.0)
            else:
                values.append(np.log(pij / (single[i] * single[j])) / -np.log(pij))
        out[t] = float(np.mean(values))
    return out


def _unit_rows(a: np.ndarray) -> np.ndarray:
    a = np.asarray(a, dtype=float)
    norms = np.linalg.norm(a, axis=1, keepdims=True)
    return np.divide(a, norms, out=np.zeros_like(a), where=norms > 0)


def cosine_matrix(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Cosine similarity of every row of ``a`` with every row of ``b``."""
    return _unit_rows(a) @ _unit_rows(b).T


def match_topics(a: np.ndarray, b: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Match the topics (rows) of ``a`` one-to-one to those of ``b`` by cosine similarity.

    Uses the Hungarian algorithm (:func:`scipy.optimize.linear_sum_assignment`), which
    maximises the total similarity of the matched pairs.

    Returns
    -------
    match : ndarray of int
        ``match[i]`` is the row of ``b`` matched to row ``i`` of ``a`` (-1 if ``b`` has
        fewer rows).
    similarity : ndarray
        Cosine similarity of each matched pair (NaN where unmatched).
    """
    from scipy.optimize import linear_sum_assignment

    sim = cosine_matrix(a, b)
    rows, cols = linear_sum_assignment(-sim)
    match = np.full(sim.shape[0], -1)
    match[rows] = cols
    similarity = np.full(sim.shape[0], np.nan)
    similarity[rows] = sim[rows, cols]
    return match, similarity


def topic_stability(runs: Sequence[np.ndarray]) -> float:
    """Mean best-match similarity of topics across runs.

    For every pair of runs, topics are matched one-to-one (:func:`match_topics`) and the
    cosine similarities of matched topics averaged; the result is the mean over all pairs
    of runs. Identical runs (in any topic order) give 1; runs whose topics share no
    term give 0.

    Parameters
    ----------
    runs : sequence of ndarray (k, n_terms)
        Topic-term weights of each run, on the same vocabulary.

    Examples
    --------
    >>> a = np.array([[1.0, 0, 0], [0, 1.0, 1.0]])
    >>> round(topic_stability([a, a[::-1]]), 6)
    1.0
    """
    if len(runs) < 2:
        from .errors import fail

        raise fail("topic stability needs at least two runs")
    pairs = [np.nanmean(match_topics(a, b)[1]) for a, b in itertools.combinations(runs, 2)]
    return float(np.mean(pairs))


# ---------------------------------------------------------------------------
# The search over K


def seeds(n: int = N_SEEDS, *, random_state: int | None = None) -> list[int]:
    """The seeds of the runs: ``random_state, random_state + 1, ...`` (default: the project seed)."""
    from .config import SEED

    base = SEED if random_state is None else random_state
    return [base + i for i in range(n)]


@dataclass
class Search:
    """All fits of a search over models, K and seeds, with their measures."""

    tm: TermMatrix
    fits: dict[tuple[str, int, int], Fit] = field(repr=False)
    per_seed: pd.DataFrame
    selection: pd.DataFrame
    seeds: list[int]

    def runs(self, model: str, k: int) -> list[Fit]:
        return [self.fits[(model, k, s)] for s in self.seeds]


def _fit_task(tm: TermMatrix, model: str, k: int, seed: int) -> Fit:
    return fit_topics(tm, k, model=model, random_state=seed)


def _fit_all(tm: TermMatrix, tasks: list[tuple[str, int, int]], n_jobs: int | None) -> dict[tuple[str, int, int], Fit]:
    jobs = min(n_jobs or os.cpu_count() or 1, len(tasks))
    if jobs <= 1:
        return {t: _fit_task(tm, *t) for t in tasks}
    from joblib import Parallel, delayed

    # the slow fits (LDA, large K) first so that the workers finish together
    ordered = sorted(tasks, key=lambda t: (t[0] != "lda", -t[1], t[2]))
    results = Parallel(n_jobs=jobs, backend="loky")(delayed(_fit_task)(tm, *t) for t in ordered)
    return dict(zip(ordered, results))


def _search_key(tm: TermMatrix, tasks: list[tuple[str, int, int]]) -> str:
    import hashlib

    import sklearn

    digest = hashlib.sha256()
    counts = tm.counts.tocsr()
    for part in (counts.data, counts.indices, counts.indptr):
        digest.update(np.ascontiguousarray(part).tobytes())
    digest.update("\x1f".join(map(str, tm.vocabulary)).encode("utf-8"))
    digest.update(repr((tasks, LDA_MAX_ITER, NMF_MAX_ITER, sklearn.__version__, np.__version__)).encode("utf-8"))
    digest.update(Path(__file__).read_bytes())
    return digest.hexdigest()[:20]


def _read_cache(path: Path | None):
    import pickle

    if path is None or not path.is_file():
        return None
    with open(path, "rb") as fh:
        return pickle.load(fh)


def _write_cache(path: Path | None, fits) -> None:
    import pickle

    if path is None:
        return
    path.parent.mkdir(parents=True, exist_ok=True)
    for old in path.parent.glob("search-*.pkl"):  # one search kept: the current one
        if old != path:
            old.unlink()
    tmp = path.with_suffix(".tmp")
    with open(tmp, "wb") as fh:
        pickle.dump(fits, fh, protocol=pickle.HIGHEST_PROTOCOL)
    os.replace(tmp, path)


def search(
    tm: TermMatrix,
    *,
    ks: Sequence[int] = K_RANGE,
    models: Sequence[str] = MODELS,
    n_seeds: int = N_SEEDS,
    random_state: int | None = None,
    n_top: int = N_TOP,
    n_jobs: int | None = None,
    cache_dir: str | Path | None = None,
) -> Search:
    """Fit every model for every K and seed; measure coherence and stability.

    Parameters
    ----------
    tm : TermMatrix
    ks : sequence of int
    models : sequence of {"lda", "nmf"}
    n_seeds : int
        Runs per (model, K); seeds from :func:`seeds`.
    random_state : int, optional
        First seed (default: the project seed).
    n_top : int
        Top terms per topic for coherence.
    n_jobs : int, optional
        Worker processes (default: one per core). Each fit is single-threaded and
        seeded, so the number of workers does not change the results.
    cache_dir : path, optional
        Keep the fits in this folder under a key made of the input matrix, the settings,
        the scikit-learn version and this module's code; a later call with the same key
        reads them instead of refitting. The fits read back are the ones a refit gives.

    Returns
    -------
    Search
        ``per_seed``: model, k, seed, coherence_npmi (mean over topics);
        ``selection``: model, k, coherence_npmi (mean over seeds), stability,
        coherence_sd (standard deviation over seeds).
    """
    run_seeds = seeds(n_seeds, random_state=random_state)
    tasks = [(m, k, s) for m in models for k in ks for s in run_seeds]
    cache_file = None
    if cache_dir is not None:
        cache_file = Path(cache_dir) / f"search-{_search_key(tm, tasks)}.pkl"
    fits = _read_cache(cache_file)
    if fits is None:
        fits = _fit_all(tm, tasks, n_jobs)
        _write_cache(cache_file, fits)

        from joblib import Parallel, delayed


    occurrence = tm.counts
    rows = []
    for m, k, s in tasks:
        coherence = npmi_coherence(top_term_indices(fits[(m, k, s)].topic_term, n_top), occurrence)
        rows.append({"model": m, "k": k, "seed": s, "coherence_npmi": float(np.nanmean(coherence))})
    per_seed = pd.DataFrame(rows)
    summary = []
    for m in models:
        for k in ks:
            runs = [fits[(m, k, s)].topic_term for s in run_seeds]
            values = per_seed[(per_seed.model == m) & (per_seed.k == k)].coherence_npmi
            summary.append({"model": m, "k": k, "coherence_npmi": float(values.mean()),
                            "stability": topic_stability(runs) if len(runs) > 1 else np.nan,
                            "coherence_sd": float(values.std(ddof=1)) if len(values) > 1 else np.nan})
    return Search(tm, fits, per_seed, pd.DataFrame(summary), run_seeds)


def choose(selection: pd.DataFrame) -> tuple[str, int]:
    """The (model, K) with the best balance of coherence and stability.

    Each measure is rescaled to [0, 1] over all rows (min-max, both models together, so
    that a model cannot win by being compared only with itself); the score is the mean of
    the two; the highest score wins, ties going to the smaller K, then to the model
    listed first in :data:`MODELS`.

    Parameters
    ----------
    selection : DataFrame
        Columns model, k, coherence_npmi, stability.

    Examples
    --------
    >>> sel = pd.DataFrame({"model": ["lda", "lda", "nmf"], "k": [4, 5, 4],
    ...                     "coherence_npmi": [0.1, 0.3, 0.2], "stability": [0.9, 0.8, 0.5]})
    >>> choose(sel)
    ('lda', 5)
    """
    scored = selection_scores(selection)
    scored = scored.assign(model_order=scored.model.map({m: i for i, m in enumerate(MODELS)}).fillna(len(MODELS)))
    best = scored.sort_values(["score", "k", "model_order"], ascending=[False, True, True], kind="mergesort").iloc[0]
    return str(best.model), int(best.k)


def selection_scores(selection: pd.DataFrame) -> pd.DataFrame:
    """``selection`` with the rescaled measures and their mean ``score`` (see :func:`choose`)."""

    def rescale(s: pd.Series) -> pd.Series:
        span = s.max() - s.min()
        return (s - s.min()) / span if span > 0 else s * 0.0

    out = selection.copy()
    out["coherence_scaled"] = rescale(out.coherence_npmi)
    out["stability_scaled"] = rescale(out.stability)
    out["score"] = (out.coherence_scaled + out.stability_scaled) / 2
    return out


def reference_fit(result: Search, model: str, k: int) -> Fit:
    """The fit of the first seed, topics numbered by prevalence (the model the chapter reads)."""
    return order_by_prevalence(result.fits[(model, k, result.seeds[0])], result.tm.lengths)


def aligned_runs(result: Search, model: str, k: int) -> list[tuple[Fit, float]]:
    """Every seed's fit with topics renumbered to match the reference fit's topics.

    Returns a list of (fit, mean matched similarity), the reference first.
    """
    ref = reference_fit(result, model, k)
    out = [(ref, 1.0)]
    for s in result.seeds[1:]:
        fit = result.fits[(model, k, s)]
        # ref topic i <- this run's topic match[i]
        match, sim = match_topics(ref.topic_term, fit.topic_term)
        out.append((fit.permuted(match), float(np.nanmean(sim))))
    return out


# ---------------------------------------------------------------------------
# Reading a fit


def topic_terms(fit: Fit, vocabulary: np.ndarray, *, n: int = N_TOP) -> pd.DataFrame:
    """Top terms per topic: columns model, topic (1..K), rank (1..n), term, weight."""
    rows = []
    for t, idx in enumerate(top_term_indices(fit.topic_term, n)):
        for r, j in enumerate(idx, start=1):
            rows.append({"model": fit.model, "topic": t + 1, "rank": r, "term": str(vocabulary[j]),
                         "weight": float(fit.topic_term[t, j])})
    return pd.DataFrame(rows)


def group_proportions(fit: Fit, passages: pd.DataFrame, lengths: np.ndarray, *, by: Sequence[str] = ("doc_id",)) -> pd.DataFrame:
    """Topic proportions of groups of passages, weighted by passage length.

    The proportion of topic t in group g is ``sum_p len_p * theta_pt / sum_p len_p`` over
    the passages p of g, with ``len_p`` the passage's modelled terms and ``theta_p`` its
    topic weights; each group's proportions sum to 1.

    Returns
    -------
    DataFrame
        Columns ``by`` + topic (1..K), proportion; groups in order of first appearance.
    """
    by = list(by)
    weights = np.asarray(lengths, dtype=float)[:, None] * fit.passage_topic
    frame = pd.DataFrame(weights, columns=range(1, fit.k + 1))
    frame[by] = passages[by].to_numpy()
    mass = frame.groupby(by, sort=False)[list(range(1, fit.k + 1))].sum()
    shares = mass.div(mass.sum(axis=1).where(lambda s: s > 0), axis=0).fillna(0.0)
    long = shares.reset_index().melt(id_vars=by, var_name="topic", value_name="proportion")
    long["topic"] = long["topic"].astype(int)
    order = {key: i for i, key in enumerate(mass.index)}
    keys = list(long[by].itertuples(index=False, name=None)) if len(by) > 1 else list(long[by[0]])
    long["_order"] = [order[k] for k in keys]
    return long.sort_values(["_order", "topic"], kind="mergesort").drop(columns="_order").reset_index(drop=True)


def proportion_spread(result: Search, model: str, k: int, passages: pd.DataFrame, *, by: Sequence[str] = ("doc_id",)) -> pd.DataFrame:
    """Group topic proportions of the reference fit and their range across seeds.

    Each seed's topics are matched to the reference topics (:func:`aligned_runs`); the
    table gives the reference proportion and the minimum, maximum and standard deviation
    over all seeds. A wide range means the topic, or the group's share of it, depends on
    the random start.
    """
    lengths = result.tm.lengths
    frames = []
    for i, (fit, _) in enumerate(aligned_runs(result, model, k)):
        frames.append(group_proportions(fit, passages, lengths, by=by).assign(run=i))
    allruns = pd.concat(frames, ignore_index=True)
    keys = list(by) + ["topic"]
    stats = allruns.groupby(keys, sort=False).proportion.agg(low="min", high="max", sd="std").reset_index()
    ref = frames[0].drop(columns="run")
    return ref.merge(stats, on=keys, how="left")


def speaker_proportions(fit: Fit, passages: pd.DataFrame, lengths: np.ndarray, *, min_terms: int = 150,
                        max_groups: int = 40) -> pd.DataFrame:
    """Topic proportions per speaker of each document (see :func:`group_proportions`).

    Speakers with fewer than ``min_terms`` modelled terms are left out (a few short
    questions say little about a speaker's topics), and at most ``max_groups`` speakers
    are kept, the most talkative first, so that a chart stays readable.

    Returns
    -------
    DataFrame
        Columns doc_id, speaker, role, group (``"doc_id · speaker (role)"``), terms,
        topic, proportion; speakers in text order.
    """
    by = ["doc_id", "speaker", "role"]
    props = group_proportions(fit, passages, lengths, by=by)
    size = passages[by].assign(terms=np.asarray(lengths, dtype=float)).groupby(by, sort=False).terms.sum().reset_index()
    keep = size[size.terms >= min_terms]
    keep = keep.iloc[np.argsort(-keep.terms.to_numpy(), kind="stable")[:max_groups]].sort_index()
    out = props.merge(keep, on=by, how="inner")
    out["terms"] = out["terms"].astype(int)
    out.insert(3, "group", out.doc_id + " · " + out.speaker + " (" + out.role + ")")
    return out[["doc_id", "speaker", "role", "group", "terms", "topic", "proportion"]]


def js_distances(proportions: pd.DataFrame, *, by: str = "doc_id") -> pd.DataFrame:
    """Jensen-Shannon distance (base 2, in [0, 1]) between the topic proportions of groups.

    Returns
    -------
    DataFrame
        Columns ``{by}_a``, ``{by}_b``, distance; every ordered pair, in group order.
    """
    from .synthesis import distance_matrix

    wide = proportions.pivot(index=by, columns="topic", values="proportion")
    D = distance_matrix(wide.loc[list(dict.fromkeys(proportions[by]))])
    rows = [{f"{by}_a": a, f"{by}_b": b, "distance": float(D.loc[a, b])} for a in D.index for b in D.columns]
    return pd.DataFrame(rows)


def distance_spread(result: Search, model: str, k: int, passages: pd.DataFrame, *, by: str = "doc_id") -> pd.DataFrame:
    """Jensen-Shannon distances between groups for the reference fit, with their range over seeds.

    The distance does not depend on how topics are numbered, so no matching is needed.

    Returns
    -------
    DataFrame
        Columns ``{by}_a``, ``{by}_b``, distance (reference seed), low, high (over all seeds).
    """
    lengths = result.tm.lengths
    frames = []
    for i, s in enumerate(result.seeds):
        fit = result.fits[(model, k, s)]
        frames.append(js_distances(group_proportions(fit, passages, lengths, by=[by]), by=by).assign(run=i))
    allruns = pd.concat(frames, ignore_index=True)
    keys = [f"{by}_a", f"{by}_b"]
    stats = allruns.groupby(keys, sort=False).distance.agg(low="min", high="max").reset_index()
    return frames[0].drop(columns="run").merge(stats, on=keys, how="left")


def topic_map(fit: Fit, lengths: np.ndarray) -> pd.DataFrame:
    """A 2-D map of topics, as in LDAvis: JS distances between topic-term distributions,
    scaled to two dimensions by classical multidimensional scaling (principal coordinates).

    Signs of the axes are fixed (the largest coordinate on each axis is positive), so the
    map does not flip between runs.

    Returns
    -------
    DataFrame
        Columns topic (1..K), x, y, prevalence (share of modelled terms).
    """
    from scipy.spatial.distance import jensenshannon

    k = fit.k
    d = np.zeros((k, k))
    for i in range(k):
        for j in range(i + 1, k):
            d[i, j] = d[j, i] = jensenshannon(fit.topic_term[i], fit.topic_term[j], base=2)
    centre = np.eye(k) - np.ones((k, k)) / k
    b = -0.5 * centre @ (d**2) @ centre
    values, vectors = np.linalg.eigh(b)
    order = np.argsort(values)[::-1][:2]
    coords = vectors[:, order] * np.sqrt(np.clip(values[order], 0, None))
    for axis in range(coords.shape[1]):
        pivot = np.argmax(np.abs(coords[:, axis]))
        if coords[pivot, axis] < 0:
            coords[:, axis] *= -1
    if coords.shape[1] < 2:
        coords = np.column_stack([coords, np.zeros(k)])
    return pd.DataFrame({"topic": np.arange(1, k + 1), "x": coords[:, 0], "y": coords[:, 1],
                         "prevalence": topic_prevalence(fit, lengths)})


def representative_passages(fit: Fit, passages: pd.DataFrame, *, n: int = 3, min_terms: int = 25,
                            max_chars: int = 160) -> pd.DataFrame:
    """The passages that load most on each topic.

    Passages shorter than ``min_terms`` content terms are skipped (a one-line question
    can be "all one topic" on a handful of words). Ties go to the earlier passage.

    Returns
    -------
    DataFrame
        Columns topic, rank, passage_id, speaker, weight, text (cut to ``max_chars``).
    """
    eligible = np.flatnonzero(passages["n_terms"].to_numpy() >= min_terms)
    rows = []
    for t in range(fit.k):
        w = fit.passage_topic[eligible, t]
        best = eligible[np.lexsort((eligible, -w))[:n]]
        for r, p in enumerate(best, start=1):
            text = str(passages["text"].iloc[p])
            rows.append({"topic": t + 1, "rank": r, "passage_id": passages["passage_id"].iloc[p],
                         "speaker": passages["speaker"].iloc[p], "weight": float(fit.passage_topic[p, t]),
                         "text": text if len(text) <= max_chars else text[: max_chars - 1] + "…"})
    return pd.DataFrame(rows)


def model_agreement(a: Fit, b: Fit, vocabulary: np.ndarray, *, n: int = N_TOP, threshold: float = 0.5) -> pd.DataFrame:
    """Which topics of fit ``a`` have a counterpart in fit ``b``.

    Topics are compared by the cosine similarity of their term weights (same vocabulary).
    For each topic of ``a``: its most similar topic of ``b``, the similarity, whether the
    choice is mutual (``a``'s topic is also that topic's most similar), the top terms
    they share, and ``counterpart`` = mutual and similarity >= ``threshold``.

    Returns
    -------
    DataFrame
        Columns topic_a, topic_b, similarity, mutual, shared_terms, counterpart.
    """
    sim = cosine_matrix(a.topic_term, b.topic_term)
    top_a = top_term_indices(a.topic_term, n)
    top_b = top_term_indices(b.topic_term, n)
    rows = []
    for i in range(a.k):
        j = int(np.argmax(sim[i]))
        mutual = int(np.argmax(sim[:, j])) == i
        shared = [str(vocabulary[t]) for t in top_a[i] if t in set(top_b[j])]
        rows.append({"topic_a": i + 1, "topic_b": j + 1, "similarity": float(sim[i, j]), "mutual": bool(mutual),
                     "shared_terms": " ".join(shared), "counterpart": bool(mutual and sim[i, j] >= threshold)})
    return pd.DataFrame(rows)


def stopword_sensitivity(terms: Sequence[Sequence[str]], reference: Fit, vocabulary: np.ndarray, drop: Iterable[str], *,
                         min_df: int | float = 3, max_df: float = 0.5, max_iter: int | None = None) -> pd.DataFrame:
    """Refit the reference model with some terms treated as stop words and match its topics.

    The terms in ``drop`` are removed from every passage, the matrix rebuilt with the
    same document-frequency limits, and the same model refitted with the same K and seed.
    Topics are compared on the terms both vocabularies share (weights renormalised) and
    matched one-to-one (:func:`match_topics`).

    Returns
    -------
    DataFrame
        Columns topic (reference, 1..K), refit_topic, similarity; a low similarity means
        the topic depended on the dropped terms or was redrawn around them.
    """
    drop = set(drop)
    tm = term_matrix([[t for t in doc if t not in drop] for doc in terms], min_df=min_df, max_df=max_df)
    refit = fit_topics(tm, reference.k, model=reference.model, random_state=reference.seed, max_iter=max_iter)
    common = sorted(set(map(str, vocabulary)) & set(map(str, tm.vocabulary)))
    index_a = {t: i for i, t in enumerate(map(str, vocabulary))}
    index_b = {t: i for i, t in enumerate(map(str, tm.vocabulary))}
    a = _normalise_rows(reference.topic_term[:, [index_a[t] for t in common]])
    b = _normalise_rows(refit.topic_term[:, [index_b[t] for t in common]])
    match, sim = match_topics(a, b)
    return pd.DataFrame({"topic": np.arange(1, reference.k + 1), "refit_topic": match + 1, "similarity": sim})


def similarity_table(a: Fit, b: Fit) -> pd.DataFrame:
    """Cosine similarity of every topic of ``a`` with every topic of ``b`` (long form)."""
    sim = cosine_matrix(a.topic_term, b.topic_term)
    return pd.DataFrame([{"topic_a": i + 1, "topic_b": j + 1, "similarity": float(sim[i, j])}
                         for i in range(a.k) for j in range(b.k)])


# ---------------------------------------------------------------------------
# Labels


def load_labels(path: str | Path) -> list[dict]:
    """Read the topic labels file (YAML: a list ``labels`` of model, k, topic, top_terms,
    label, rationale). A missing file gives no labels."""
    import yaml

    path = Path(path)
    if not path.is_file():
        return []
    data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    labels = data.get("labels") or []
    for entry in labels:
        missing = {"model", "k", "top_terms", "label", "rationale"} - set(entry)
        if missing:
            from .errors import fail

            raise fail(f"{path}: a label entry lacks {', '.join(sorted(missing))}: {entry}")
    return labels


def apply_labels(terms: pd.DataFrame, labels: Sequence[dict], *, k: int, min_overlap: int = 8) -> pd.DataFrame:
    """Attach stored labels to fitted topics whose top terms match.

    A stored label fits a topic when its model and K are the fitted ones and at least
    ``min_overlap`` of its stored top terms are among the topic's top terms; each label
    is used at most once (the best-overlapping topic takes it). Otherwise the topic shows
    :data:`UNLABELLED`, so a label can never sit on a topic it was not written for.

    Parameters
    ----------
    terms : DataFrame
        :func:`topic_terms` of one model.
    labels : sequence of dict
        From :func:`load_labels`.
    k : int
        K of the fitted model.

    Returns
    -------
    DataFrame
        Columns model, topic, label, rationale, labelled, overlap, top_terms.
    """
    model = str(terms.model.iloc[0])
    fitted = {t: list(g.sort_values("rank").term) for t, g in terms.groupby("topic")}
    candidates = [e for e in labels if str(e["model"]) == model and int(e["k"]) == k]
    pairs = []
    for ci, entry in enumerate(candidates):
        stored = set(map(str, entry["top_terms"]))
        for t, top in fitted.items():
            overlap = len(stored & set(top))
            if overlap >= min_overlap:
                pairs.append((-overlap, t, ci))
    used_topics: dict[int, tuple[int, int]] = {}
    used_labels: set[int] = set()
    for neg, t, ci in sorted(pairs):
        if t in used_topics or ci in used_labels:
            continue
        used_topics[t] = (ci, -neg)
        used_labels.add(ci)
    rows = []
    for t, top in fitted.items():
        if t in used_topics:
            ci, overlap = used_topics[t]
            rows.append({"model": model, "topic": t, "label": str(candidates[ci]["label"]),
                         "rationale": str(candidates[ci]["rationale"]), "labelled": True, "overlap": overlap,
                         "top_terms": " ".join(top)})
        else:
            rows.append({"model": model, "topic": t, "label": UNLABELLED, "rationale": "", "labelled": False,
                         "overlap": 0, "top_terms": " ".join(top)})
    return pd.DataFrame(rows)


def labels_path(paths=None) -> Path:
    """``data/topic_labels.yml`` of the project."""
    from .config import project_paths

    paths = paths or project_paths()
    return paths.root / "data" / "topic_labels.yml"


def label_stub(terms: pd.DataFrame, k: int) -> str:
    """YAML entries for the fitted topics, with empty label and rationale, to fill in."""
    import yaml

    entries = [{"model": str(g.model.iloc[0]), "k": int(k), "topic": int(t), "top_terms": list(g.sort_values("rank").term),
                "label": "", "rationale": ""} for t, g in terms.groupby("topic")]
    return yaml.safe_dump({"labels": entries}, allow_unicode=True, sort_keys=False)


# ---------------------------------------------------------------------------
# Charts (Altair; render them with aidiscourse.figures.show)


def topic_names(labels: pd.DataFrame, *, n_terms: int = 3) -> dict[int, str]:
    """Display names of topics: ``"3 label"``, or ``"3 (unlabelled: t1 t2 t3)"``."""
    names = {}
    for row in labels.itertuples():
        if row.labelled:
            names[int(row.topic)] = f"{row.topic} {row.label}"
        else:
            names[int(row.topic)] = f"{row.topic} {UNLABELLED[:-1]}: {' '.join(row.top_terms.split()[:n_terms])})"
    return names


def _topic_color(names: dict[int, str], title: str = "topic"):
    import altair as alt

    order = [names[t] for t in sorted(names)]
    scheme = "tableau10" if len(order) <= 10 else "tableau20"
    return alt.Color("name:N", sort=order, scale=alt.Scale(domain=order, scheme=scheme), title=title,
                     legend=alt.Legend(labelLimit=360))


def selection_chart(selection: pd.DataFrame, chosen: tuple[str, int]):
    """Coherence (mean +- 1 sd over seeds) and stability against K, one line per model;
    the chosen (model, K) ringed."""
    import altair as alt

    data = selection.assign(
        low=selection.coherence_npmi - selection.coherence_sd.fillna(0),
        high=selection.coherence_npmi + selection.coherence_sd.fillna(0),
        chosen=(selection.model == chosen[0]) & (selection.k == chosen[1]),
    )
    base = alt.Chart(data).encode(
        x=alt.X("k:O", title="number of topics K", axis=alt.Axis(labelAngle=0)),
        color=alt.Color("model:N", sort=list(MODELS), title="model"),
    )
    ring = alt.Chart(data).transform_filter("datum.chosen").mark_point(
        size=320, filled=False, strokeWidth=2, color="black").encode(x="k:O")
    tooltip = ["model", "k", alt.Tooltip("coherence_npmi:Q", format=".3f"), alt.Tooltip("coherence_sd:Q", format=".3f"),
               alt.Tooltip("stability:Q", format=".3f")]
    coherence = (
        base.mark_line(point=True).encode(y=alt.Y("coherence_npmi:Q", title="coherence (mean NPMI of top-term pairs)"),
                                          tooltip=tooltip)
        + base.mark_errorbar().encode(y=alt.Y("low:Q", title=None), y2="high:Q")
        + ring.encode(y="coherence_npmi:Q")
    ).properties(width=300, height=220, title="Coherence")
    stability = (
        base.mark_line(point=True).encode(y=alt.Y("stability:Q", title="stability (matched cosine across seeds)",
                                                  scale=alt.Scale(zero=False)), tooltip=tooltip)
        + ring.encode(y="stability:Q")
    ).properties(width=300, height=220, title="Stability")
    return alt.hconcat(coherence, stability)


def terms_chart(terms: pd.DataFrame, names: dict[int, str], *, columns: int = 5):
    """Top terms of each topic with their weights, one small panel per topic."""
    import altair as alt

    data = terms.assign(name=terms.topic.map(names))
    return (
        alt.Chart(data)
        .mark_bar()
        .encode(
            x=alt.X("weight:Q", title="weight in topic"),
            y=alt.Y("term:N", sort=alt.EncodingSortField("rank", order="ascending"), title=None),
            color=alt.Color("name:N", legend=None, sort=[names[t] for t in sorted(names)],
                            scale=alt.Scale(scheme="tableau10" if len(names) <= 10 else "tableau20")),
            tooltip=["name", "rank", "term", alt.Tooltip("weight:Q", format=".4f")],
        )
        .properties(width=150, height=160)
        .facet(facet=alt.Facet("name:N", sort=[names[t] for t in sorted(names)], title=None), columns=columns)
        .resolve_scale(y="independent")
    )


def stacked_chart(proportions: pd.DataFrame, names: dict[int, str], *, group: str = "doc_id", title: str = ""):
    """Stacked bars of topic proportions, one bar per group (rows in the table's order)."""
    import altair as alt

    data = proportions.assign(name=proportions.topic.map(names))
    order = list(dict.fromkeys(data[group]))
    return (
        alt.Chart(data)
        .mark_bar()
        .encode(
            y=alt.Y(f"{group}:N", sort=order, title=None),
            x=alt.X("proportion:Q", stack="normalize", title="share of the group's modelled terms", axis=alt.Axis(format="%")),
            color=_topic_color(names),
            order=alt.Order("topic:Q"),
            tooltip=[group, "name", alt.Tooltip("proportion:Q", format=".1%")],
        )
        .properties(width=460, height=alt.Step(22), title=title)
    )


def spread_chart(spread: pd.DataFrame, names: dict[int, str], *, group: str = "doc_id", columns: int = 5):
    """Each group's share of each topic in the reference run (dot) and its range over seeds (bar)."""
    import altair as alt

    data = spread.assign(name=spread.topic.map(names))
    order = list(dict.fromkeys(data[group]))
    base = alt.Chart().encode(y=alt.Y(f"{group}:N", sort=order, title=None))
    tooltip = [group, "name", alt.Tooltip("proportion:Q", format=".1%"), alt.Tooltip("low:Q", format=".1%"),
               alt.Tooltip("high:Q", format=".1%")]
    color = _topic_color(names).legend(None)
    layer = alt.layer(
        base.mark_rule(strokeWidth=3, opacity=0.5).encode(x=alt.X("low:Q", title="share", axis=alt.Axis(format="%")),
                                                          x2="high:Q", color=color),
        base.mark_point(filled=True, size=40).encode(x="proportion:Q", color=color, tooltip=tooltip),
    ).properties(width=150, height=alt.Step(16))
    return layer.facet(facet=alt.Facet("name:N", sort=[names[t] for t in sorted(names)], title=None,
                                       header=alt.Header(labelLimit=170, labelFontSize=11)),
                       data=data, columns=columns)


def distance_heatmap(distances: pd.DataFrame, *, by: str = "doc_id", title: str = ""):
    """Heatmap of pairwise Jensen-Shannon distances, values written in the cells."""
    import altair as alt

    order = list(dict.fromkeys(distances[f"{by}_a"]))
    base = alt.Chart(distances).encode(
        x=alt.X(f"{by}_b:N", sort=order, title=None),
        y=alt.Y(f"{by}_a:N", sort=order, title=None),
    )
    tooltip = [f"{by}_a", f"{by}_b", alt.Tooltip("distance:Q", format=".3f")]
    tooltip += [alt.Tooltip(f"{c}:Q", format=".3f") for c in ("low", "high") if c in distances.columns]
    rect = base.mark_rect().encode(
        color=alt.Color("distance:Q", scale=alt.Scale(scheme="blues", domain=[0, 1]), title="JS distance"),
        tooltip=tooltip,
    )
    chart = rect
    if len(order) <= 15:
        chart = rect + base.mark_text(fontSize=11).encode(
            text=alt.Text("distance:Q", format=".2f"),
            color=alt.condition("datum.distance > 0.5", alt.value("white"), alt.value("black")),
        )
    size = max(180, min(600, 40 * len(order)))
    return chart.properties(width=size, height=size, title=title)


def map_chart(topic_map_table: pd.DataFrame, names: dict[int, str]):
    """Topics as circles on their 2-D map, area proportional to prevalence."""
    import altair as alt

    data = topic_map_table.assign(name=topic_map_table.topic.map(names))
    base = alt.Chart(data).encode(
        x=alt.X("x:Q", title="principal coordinate 1", axis=alt.Axis(labels=False, ticks=False)),
        y=alt.Y("y:Q", title="principal coordinate 2", axis=alt.Axis(labels=False, ticks=False)),
    )
    circles = base.mark_circle(opacity=0.55, stroke="black", strokeWidth=0.5).encode(
        size=alt.Size("prevalence:Q", scale=alt.Scale(range=[150, 2500], zero=True), title="prevalence",
                      legend=alt.Legend(format=".0%", tickCount=3)),
        color=_topic_color(names),
        tooltip=["name", alt.Tooltip("prevalence:Q", format=".1%")],
    )
    text = base.mark_text(fontSize=11, dy=0).encode(text="topic:N")
    return (circles + text).properties(width=460, height=380, title="Topics by distance between their term distributions")


def agreement_chart(similarity: pd.DataFrame, names_a: dict[int, str], names_b: dict[int, str], *,
                    title_a: str = "LDA topic", title_b: str = "NMF topic"):
    """Heatmap of cosine similarity between the topics of two models."""
    import altair as alt

    data = similarity.assign(name_a=similarity.topic_a.map(names_a), name_b=similarity.topic_b.map(names_b))
    order_a = [names_a[t] for t in sorted(names_a)]
    order_b = [names_b[t] for t in sorted(names_b)]
    base = alt.Chart(data).encode(
        x=alt.X("name_b:N", sort=order_b, title=title_b, axis=alt.Axis(labelAngle=-40, labelLimit=240)),
        y=alt.Y("name_a:N", sort=order_a, title=title_a, axis=alt.Axis(labelLimit=320, titlePadding=12)),
    )
    rect = base.mark_rect().encode(
        color=alt.Color("similarity:Q", scale=alt.Scale(scheme="greens", domain=[0, 1]), title="cosine"),
        tooltip=["name_a", "name_b", alt.Tooltip("similarity:Q", format=".2f")],
    )
    text = base.mark_text(fontSize=10).encode(
        text=alt.Text("similarity:Q", format=".2f"),
        color=alt.condition("datum.similarity > 0.5", alt.value("white"), alt.value("black")),
    )
    return (rect + text).properties(width=alt.Step(34), height=alt.Step(24))
