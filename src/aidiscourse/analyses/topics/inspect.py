"""Reading a chosen topic model: its terms, who uses its topics, and how firm they are.

Top terms (:func:`topic_terms`); topic proportions of documents and speakers
(:func:`group_proportions`, :func:`speaker_proportions`) and their range over seeds
(:func:`proportion_spread`, :func:`solution_spreads`); Jensen-Shannon distances between documents
(:func:`js_distances`, :func:`distance_spread`); a 2-D map of topics (:func:`topic_map`);
representative passages; the agreement of two model families (:func:`model_agreement`,
:func:`similarity_table`); and the dependence on the stop-word list
(:func:`stopword_sensitivity`). The chapter's statements about documents, checked on the
runner-up solution, are in :mod:`aidiscourse.analyses.topics.statements`.
"""
from __future__ import annotations

from collections.abc import Iterable, Sequence

import numpy as np
import pandas as pd
from scipy.spatial.distance import jensenshannon

from aidiscourse.analyses.stats import distance_matrix, order_by_appearance
from aidiscourse.analyses.topics.model import (
    N_TOP, Fit, fit_topics, normalise_rows, term_matrix, top_term_indices, topic_prevalence,
)
from aidiscourse.analyses.topics.selection import Search, aligned_runs, cosine_matrix, match_topics


def topic_terms(fit: Fit, vocabulary: np.ndarray, *, n: int = N_TOP) -> pd.DataFrame:
    """Top terms per topic: columns model, topic (1..K), rank (1..n), term, weight."""
    rows = []
    for t, idx in enumerate(top_term_indices(fit.topic_term, n)):
        for r, j in enumerate(idx, start=1):
            rows.append({"model": fit.model, "topic": t + 1, "rank": r, "term": str(vocabulary[j]),
                         "weight": float(fit.topic_term[t, j])})
    return pd.DataFrame(rows)


def group_proportions(fit: Fit, passages: pd.DataFrame, lengths: np.ndarray, *,
                      by: Sequence[str] = ("doc_id",)) -> pd.DataFrame:
    """Topic proportions of groups of passages, weighted by passage length.

    The proportion of topic t in group g is ``sum_p len_p * theta_pt / sum_p len_p`` over
    the passages p of g, with ``len_p`` the passage's modelled terms and ``theta_p`` its
    topic weights; each group's proportions sum to 1 (a group with no modelled term: 0).

    Parameters
    ----------
    fit : Fit
    passages : DataFrame
        One row per passage of the fit, with the columns ``by``.
    lengths : ndarray (n_passages,)
        Modelled terms per passage.
    by : sequence of str
        The columns that define a group.

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
    return order_by_appearance(long, by, order=list(mass.index), then=["topic"])


def proportion_spread(result: Search, model: str, k: int, passages: pd.DataFrame, *,
                      by: Sequence[str] = ("doc_id",)) -> pd.DataFrame:
    """Group topic proportions of the reference fit and their range across seeds.

    Each seed's topics are matched to the reference topics (:func:`aligned_runs`); the
    table gives the reference proportion and the minimum, maximum and standard deviation
    over all seeds. A wide range means the topic, or the group's share of it, depends on
    the random start.

    Returns
    -------
    DataFrame
        Columns ``by`` + topic, proportion, low, high, sd.
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


def solution_spreads(result: Search, solutions: dict[str, tuple[str, int]], passages: pd.DataFrame, *,
                     by: Sequence[str] = ("doc_id",)) -> pd.DataFrame:
    """:func:`proportion_spread` of several (model, K) solutions in one table.

    Parameters
    ----------
    solutions : dict of str -> (model, k)
        A name for each solution (``"chosen"``, ``"runner-up"``) and its model and K.

    Returns
    -------
    DataFrame
        Columns solution, model, k, ``by``, topic, proportion, low, high, sd.
    """
    frames = [proportion_spread(result, m, k, passages, by=by).assign(solution=name, model=m, k=k)
              for name, (m, k) in solutions.items()]
    out = pd.concat(frames, ignore_index=True)
    return out[["solution", "model", "k", *by, "topic", "proportion", "low", "high", "sd"]]


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

    Parameters
    ----------
    proportions : DataFrame
        Columns ``by``, topic, proportion (:func:`group_proportions`).

    Returns
    -------
    DataFrame
        Columns ``{by}_a``, ``{by}_b``, distance; every ordered pair, in group order.
    """
    wide = proportions.pivot(index=by, columns="topic", values="proportion")
    D = distance_matrix(wide.loc[list(dict.fromkeys(proportions[by]))])
    rows = [{f"{by}_a": a, f"{by}_b": b, "distance": float(D.loc[a, b])} for a in D.index for b in D.columns]
    return pd.DataFrame(rows)


def distance_spread(result: Search, model: str, k: int, passages: pd.DataFrame, *,
                    by: str = "doc_id") -> pd.DataFrame:
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


def model_agreement(a: Fit, b: Fit, vocabulary: np.ndarray, *, n: int = N_TOP,
                    threshold: float = 0.5) -> pd.DataFrame:
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


def similarity_table(a: Fit, b: Fit) -> pd.DataFrame:
    """Cosine similarity of every topic of ``a`` with every topic of ``b`` (long form).

    Returns
    -------
    DataFrame
        Columns topic_a, topic_b (both 1..K), similarity.
    """
    sim = cosine_matrix(a.topic_term, b.topic_term)
    return pd.DataFrame([{"topic_a": i + 1, "topic_b": j + 1, "similarity": float(sim[i, j])}
                         for i in range(a.k) for j in range(b.k)])


def stopword_sensitivity(terms: Sequence[Sequence[str]], reference: Fit, vocabulary: np.ndarray,
                         drop: Iterable[str], *, min_df: int | float = 3, max_df: float = 0.5,
                         max_iter: int | None = None) -> pd.DataFrame:
    """Refit the reference model with some terms treated as stop words and match its topics.

    The terms in ``drop`` are removed from every passage, the matrix rebuilt with the
    same document-frequency limits, and the same model refitted with the same K and seed.
    Topics are compared on the terms both vocabularies share (weights renormalised) and
    matched one-to-one (:func:`~aidiscourse.analyses.topics.selection.match_topics`).

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
    a = normalise_rows(reference.topic_term[:, [index_a[t] for t in common]])
    b = normalise_rows(refit.topic_term[:, [index_b[t] for t in common]])
    match, sim = match_topics(a, b)
    return pd.DataFrame({"topic": np.arange(1, reference.k + 1), "refit_topic": match + 1, "similarity": sim})
