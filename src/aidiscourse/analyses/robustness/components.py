"""Each analysis of the ledger, computed under a setting of the choices it depends on.

Every function takes the :class:`Inputs` (the corpus read once, its tokens under both
dictionaries, the tone of every sentence by each method) and a setting, and may leave one
document out (``drop``). Results are small tables; :class:`Components` memoises them, so a
result shared by many universes is computed once.
"""
from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from aidiscourse.analyses import phrases
from aidiscourse.analyses.keyness import log_odds_dirichlet
from aidiscourse.analyses.sentiment.summaries import Target, mentions
from aidiscourse.analyses.stats import distance_matrix
from aidiscourse.analyses.resampling import MIN_UNITS, group_rng, mean_interval, ratio_interval
from aidiscourse.config import SEED
from aidiscourse.corpus.passages import build_passages
from aidiscourse.corpus.segment import terms as content_terms

#: Rarefaction draws of the length-robust vocabulary distance.
RAREFACTION_DRAWS = 50
#: Above this many documents, :data:`RAREFACTION_DRAWS_MANY` draws: one draw costs
#: O(documents squared) and the ledger needs the distances in every setting and
#: leave-out (the synthesis chapter states the number it used).
RAREFACTION_MANY_DOCS = 100
RAREFACTION_DRAWS_MANY = 5
#: Bootstrap draws of the ledger's intervals (fewer than the chapters': thousands of universes).
LEDGER_BOOT = 400


@dataclass
class Inputs:
    """Everything the grid varies over, read once.

    Attributes
    ----------
    sentences : DataFrame
        The sentence table with ``unit_turn_or_paragraph`` and ``unit_paragraph``.
    tokens : dict
        ``{"on": Series, "off": Series}``: the tokens of every sentence with and without the
        user dictionary.
    stopwords : dict
        ``{"project": frozenset, "packaged": frozenset}``.
    tone : dict
        ``{"labels": ndarray, "model": ndarray, "rules": ndarray}``: every sentence's tone.
    targets : list of Target
    topic_k : dict
        ``{"chosen": K, "runner_up": K}``.
    topic_family : dict
        ``{"chosen": "nmf", "other": "lda"}`` (or the reverse).
    word_counts : dict
        ``{"on": ndarray, "off": ndarray}``: word tokens per sentence.
    phrase_seqs, concept_seqs : dict
        Per dictionary setting, the formulaic phrases and each concept family's terms as
        token sequences (segmented like the text).
    """

    sentences: pd.DataFrame
    tokens: dict
    stopwords: dict
    tone: dict
    targets: list[Target]
    topic_k: dict
    topic_family: dict
    word_counts: dict
    phrase_seqs: dict
    concept_seqs: dict
    docs: list[str] = field(default_factory=list)

    def __post_init__(self):
        self.docs = list(dict.fromkeys(self.sentences["doc_id"]))


def _rows(inputs: Inputs, drop: str | tuple | None) -> np.ndarray:
    # ``drop``: a document id, or a group of them (see ``ledger.leave_out_sets``)
    if isinstance(drop, tuple):
        return (~inputs.sentences["doc_id"].isin(drop)).to_numpy()
    return (inputs.sentences["doc_id"] != drop).to_numpy()


def sentence_terms(inputs: Inputs, s: dict, drop: str | None = None) -> pd.Series:
    """Content terms of every kept sentence under the setting's dictionary and stop words."""
    keep = _rows(inputs, drop)
    stop = inputs.stopwords[s["stopwords"]]
    return inputs.tokens[s["user_dictionary"]][keep].map(lambda t: content_terms(t.split(), stop))


def term_counts(inputs: Inputs, s: dict, drop: str | None = None) -> pd.DataFrame:
    """Documents x terms counts, terms with a total count of at least ``min_count``."""
    keep = _rows(inputs, drop)
    return _counts(inputs.sentences["doc_id"][keep].to_numpy(), sentence_terms(inputs, s, drop).to_numpy(), s["min_count"])


def _counts(docs: np.ndarray, terms: np.ndarray, min_count: int) -> pd.DataFrame:
    long = pd.DataFrame({"doc_id": docs, "terms": terms}).explode("terms").dropna()
    wide = long.groupby(["doc_id", "terms"]).size().unstack(fill_value=0)
    wide = wide.loc[:, wide.sum(axis=0) >= min_count]
    return wide.sort_index().sort_index(axis=1).astype(float)


def key_terms(inputs: Inputs, s: dict, drop: str | None = None, *, n: int = 10) -> dict[str, list[str]]:
    """Each document's ``n`` terms of highest log-odds z-score (informative Dirichlet prior)."""
    keep = _rows(inputs, drop)
    df = pd.DataFrame({"doc_id": inputs.sentences["doc_id"][keep].to_numpy(),
                       "tokens": inputs.tokens[s["user_dictionary"]][keep].to_numpy(),
                       "terms": sentence_terms(inputs, s, drop).to_numpy()})
    counts = _counts(df["doc_id"].to_numpy(), df["terms"].to_numpy(), s["min_count"])
    vocabulary = set(counts.columns)
    df = df.assign(terms=df["terms"].map(lambda ts: [t for t in ts if t in vocabulary]))
    prior = float(counts.sum(axis=1).mean()) if s["logodds_prior"] == "rule" else 1000.0
    z = log_odds_dirichlet(df, prior_size=prior, top=n)
    return {d: g["term"].tolist() for d, g in z.groupby("doc_id", sort=False)}


def rarefaction_draws(n_docs: int) -> int:
    """Rarefaction draws for ``n_docs`` documents.

    >>> rarefaction_draws(5), rarefaction_draws(500)
    (50, 5)
    """
    return RAREFACTION_DRAWS if n_docs <= RAREFACTION_MANY_DOCS else RAREFACTION_DRAWS_MANY


def rarefied_distance(counts: pd.DataFrame, *, draws: int | None = None, random_state: int = SEED) -> pd.DataFrame:
    """Jensen-Shannon distances between documents after subsampling every document to the
    size of the shortest, averaged over ``draws`` subsamples (repeated rarefaction).

    Without it a short document is far from every other only because its rare terms are
    missing: its counts are a smaller sample of the same language.

    Parameters
    ----------
    counts : DataFrame of shape (n_docs, n_terms)
        Term counts.
    draws : int, optional
        Default from :func:`rarefaction_draws`.

    Returns
    -------
    DataFrame of shape (n_docs, n_docs)
    """
    X = counts.to_numpy(dtype=np.int64)
    if draws is None:
        draws = rarefaction_draws(len(X))
    size = int(X.sum(axis=1).min())
    # Up to RAREFACTION_MANY_DOCS documents every draw takes whole rows, zero counts too (the
    # published distances' random stream); above, each document's own terms only: the same
    # distribution, at the cost of the document's size instead of the vocabulary's.
    own_terms = len(X) > RAREFACTION_MANY_DOCS
    present = [np.flatnonzero(row) if own_terms else slice(None) for row in X]
    total = np.zeros((len(X), len(X)))
    for b in range(draws):
        rng = group_rng(random_state, "rarefaction", b)
        sub = np.zeros_like(X)
        for i, cols in enumerate(present):
            sub[i, cols] = rng.multivariate_hypergeometric(X[i, cols], size)
        total += distance_matrix(pd.DataFrame(sub, index=counts.index)).to_numpy()
    return pd.DataFrame(total / draws, index=counts.index, columns=counts.index)


def _units(inputs: Inputs, s: dict, keep: np.ndarray) -> pd.Series:
    return inputs.sentences[f"unit_{s['resampling_unit']}"][keep]


def formulaic(inputs: Inputs, s: dict, drop: str | None = None) -> pd.DataFrame:
    """Share of word tokens in formulaic phrases per document (percent), with its interval."""
    keep = _rows(inputs, drop)
    toks = inputs.tokens[s["user_dictionary"]][keep]
    covered = np.array([phrases.match_phrases(t.split(), inputs.phrase_seqs[s["user_dictionary"]])[1] for t in toks])
    words = inputs.word_counts[s["user_dictionary"]][keep]
    docs, units = inputs.sentences["doc_id"][keep].to_numpy(), _units(inputs, s, keep).to_numpy()
    rows = []
    for d in dict.fromkeys(docs):
        m = docs == d
        est, lo, hi = ratio_interval(covered[m], words[m], units[m], scale=100, n_boot=LEDGER_BOOT,
                                     random_state=group_rng(SEED, "ledger-formulaic", d))
        rows.append({"doc_id": d, "share": est, "ci_low": lo, "ci_high": hi})
    return pd.DataFrame(rows)


def concept_profile(inputs: Inputs, s: dict, drop: str | None = None) -> pd.DataFrame:
    """Documents x concept families: rate per 10,000 word tokens."""
    keep = _rows(inputs, drop)
    toks = inputs.tokens[s["user_dictionary"]][keep]
    docs = inputs.sentences["doc_id"][keep].to_numpy()
    words = pd.Series(inputs.word_counts[s["user_dictionary"]][keep]).groupby(docs).sum()
    out = {}
    for family, seqs in inputs.concept_seqs[s["user_dictionary"]].items():
        hits = np.array([sum(phrases.match_phrases(t.split(), seqs)[0].values()) for t in toks])
        out[family] = pd.Series(hits).groupby(docs).sum() / words * 10_000
    return pd.DataFrame(out).sort_index()


def tone(inputs: Inputs, s: dict, drop: str | None = None) -> pd.DataFrame:
    """Mean tone per document with its interval, by the setting's method and unit."""
    keep = _rows(inputs, drop)
    values = inputs.tone[s["tone_method"]][keep]
    docs, units = inputs.sentences["doc_id"][keep].to_numpy(), _units(inputs, s, keep).to_numpy()
    rows = []
    for d in dict.fromkeys(docs):
        m = (docs == d) & ~np.isnan(values)  # sentences the tone chapter scored
        est, lo, hi = mean_interval(values[m], units[m], n_boot=LEDGER_BOOT, random_state=group_rng(SEED, "ledger-tone", d))
        rows.append({"doc_id": d, "mean": est, "ci_low": lo, "ci_high": hi, "n": int(m.sum())})
    return pd.DataFrame(rows)


def target_tone(inputs: Inputs, s: dict, drop: str | None = None, *, min_sentences: int = 10) -> pd.DataFrame:
    """Mean tone of the sentences mentioning each target, per document; cells under
    ``min_sentences`` sentences or ``MIN_UNITS`` units are left out."""
    keep = _rows(inputs, drop)
    sent = inputs.sentences[keep]
    values = inputs.tone[s["tone_method"]][keep]
    units = _units(inputs, s, keep).to_numpy()
    rows = []
    for t in inputs.targets:
        hit = sent["text"].map(lambda x, t=t: mentions(x, t)).to_numpy()
        for d in dict.fromkeys(sent["doc_id"]):
            m = hit & (sent["doc_id"] == d).to_numpy() & ~np.isnan(values)
            if m.sum() < min_sentences or len(set(units[m])) < MIN_UNITS:
                continue
            est, lo, hi = mean_interval(values[m], units[m], n_boot=LEDGER_BOOT,
                                        random_state=group_rng(SEED, "ledger-target", d, t.key))
            rows.append({"doc_id": d, "target": t.key, "mean": est, "ci_low": lo, "ci_high": hi, "n": int(m.sum())})
    return pd.DataFrame(rows, columns=["doc_id", "target", "mean", "ci_low", "ci_high", "n"])


def tone_profile(inputs: Inputs, s: dict, drop: str | None = None) -> pd.DataFrame:
    """Documents x (overall, targets): mean tone, from cells of at least ten sentences;
    a target a document does not discuss enough takes its overall tone."""
    overall = tone(inputs, s, drop).set_index("doc_id")["mean"]
    cells = target_tone(inputs, s, drop).pivot(index="doc_id", columns="target", values="mean")
    cells = cells.reindex(index=overall.index, columns=[t.key for t in inputs.targets])
    cells = cells.apply(lambda row: row.fillna(overall[row.name]), axis=1)
    cells.insert(0, "overall", overall)
    return cells.sort_index()


def passages(inputs: Inputs, s: dict, drop: str | None = None) -> pd.DataFrame:
    """Passages of the kept sentences under the setting's terms and bounds."""
    keep = _rows(inputs, drop)
    sent = inputs.sentences[keep].reset_index(drop=True)
    lo, hi = s["passages"]
    return build_passages(sent, sentence_terms(inputs, s, drop).reset_index(drop=True), min_terms=lo, max_terms=hi)


def topic_fit(inputs: Inputs, s: dict, drop: str | None = None) -> dict:
    """One topic model under the setting: document proportions and each topic's top terms.

    Returns
    -------
    dict
        ``proportions``: DataFrame documents x topics; ``top_terms``: list of list of str.
    """
    from aidiscourse.analyses.topics.inspect import group_proportions
    from aidiscourse.analyses.topics.model import fit_topics, term_matrix, top_term_indices

    units = passages(inputs, s, drop)
    tm = term_matrix(units["terms"], min_df=3, max_df=0.5)
    fit = fit_topics(tm, inputs.topic_k[s["topic_k"]], model=inputs.topic_family[s["topic_family"]], random_state=SEED)
    lengths = np.asarray(tm.counts.sum(axis=1)).ravel()
    props = group_proportions(fit, units, lengths).pivot(index="doc_id", columns="topic", values="proportion")
    top = [[str(tm.vocabulary[i]) for i in idx] for idx in top_term_indices(fit.topic_term, 10)]
    return {"proportions": props.sort_index(), "top_terms": top}


def topic_distance(fit: dict) -> pd.DataFrame:
    """Jensen-Shannon distances between documents' topic proportions."""
    return distance_matrix(fit["proportions"])


def closest_pair(D: pd.DataFrame) -> tuple[str, str]:
    """The two documents at the smallest distance (ties: alphabetical).

    >>> D = pd.DataFrame([[0, 2, 1], [2, 0, 1], [1, 1, 0]], index=list("cab"), columns=list("cab"))
    >>> closest_pair(D)
    ('a', 'b')
    """
    ids = np.asarray(D.index, dtype=object)
    i, j = np.triu_indices(len(ids), k=1)
    values = D.to_numpy()[i, j]
    at_min = values == np.nanmin(values)
    return tuple(sorted(min(zip(ids[i[at_min]], ids[j[at_min]]))))
