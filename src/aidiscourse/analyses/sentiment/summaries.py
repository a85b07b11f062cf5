"""Tone of documents, speakers and targets, with intervals that carry the scorer's error.

The tone of a sentence is its label's value (positive 1, neutral 0, negative -1). Where
hand labels cover a document, its figures come from the labels: they are the
measurement, and the tone model's scores are shown beside them as a check. Where a
document's labels are a random sample of its sentences, the tone of each sentence is
the design-based supervised learning (DSL) pseudo-outcome of Egami, Hinck, Stewart and
Wei (2023), ``model + (labelled / p) * (label - model)`` with ``p`` the share of the
document's sentences labelled: its mean is unbiased whatever the model's errors, and
its interval is honest. Where a document has no label at all, the model's scores are
all there is: their mean is shifted by the model's average bias and its interval widened
by the spread of that bias across held-out documents in validation.

Every interval resamples sampling units (:func:`aidiscourse.analyses.resampling.sampling_units`);
groups with fewer than :data:`MIN_SENTENCES` sentences get no interval and are marked
``too_few``.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Sequence

import numpy as np
import pandas as pd
import yaml

from aidiscourse.analyses.sentiment.labels import LABEL_VALUES
from aidiscourse.analyses.sentiment.lexicon import sentiment_dir
from aidiscourse.analyses.sentiment.scorer import LABELS
from aidiscourse.analyses.resampling import MIN_UNITS, cluster_draws, group_rng, mean_interval
from aidiscourse.config import SEED, Paths
from aidiscourse.errors import fail

#: Groups with fewer sentences than this get no interval and are never used in a claim.
MIN_SENTENCES = 10
#: How a document's tone is measured.
BASIS = ("labels", "labels + model (DSL)", "model only")


def tone_values(sentences: pd.DataFrame, labels: pd.DataFrame, model_score: Sequence[float]) -> pd.DataFrame:
    """The tone of every sentence, from its label, the model, or both.

    Parameters
    ----------
    sentences : DataFrame
        The sentence table with a ``unit`` column (sampling units).
    labels : DataFrame
        Hand labels (doc_id, sentence, label, source). In a document that is only partly
        labelled, the labels must be a random sample (source ``sample``, drawn by
        ``aidiscourse sentiment sample``).
    model_score : sequence of float, shape (n_sentences,)
        The model's tone of each sentence (for labelled documents: from a model that did
        not see that document's labels).

    Returns
    -------
    DataFrame
        ``sentences`` plus label (empty if none), model_score, share_labelled (of the
        document), basis (one of :data:`BASIS`) and tone (the value every summary averages).
    """
    df = sentences.reset_index(drop=True).copy()
    key = labels.assign(sentence=labels["sentence"].astype(int)).set_index(["doc_id", "sentence"])["label"]
    df["label"] = [key.get((d, int(s)), "") for d, s in zip(df["doc_id"], df["sentence"])]
    df["model_score"] = np.asarray(model_score, dtype=float)
    labelled = df["label"] != ""
    df["share_labelled"] = labelled.groupby(df["doc_id"]).transform("mean")
    partial = df.loc[labelled & (df["share_labelled"] < 1), ["doc_id", "sentence"]]
    if len(partial):
        src = labels.assign(sentence=labels["sentence"].astype(int)).merge(partial, on=["doc_id", "sentence"])
        if (src["source"] != "sample").any():
            doc = src.loc[src["source"] != "sample", "doc_id"].iloc[0]
            raise fail(f"{doc}: only some sentences are labelled and not as a random sample; label all its "
                       "sentences, or draw a sample with `aidiscourse sentiment sample`")
    y = df["label"].map(LABEL_VALUES).astype(float).fillna(0.0).to_numpy()
    p = df["share_labelled"].to_numpy()
    with np.errstate(divide="ignore", invalid="ignore"):
        dsl = df["model_score"].to_numpy() + np.where(labelled, (y - df["model_score"].to_numpy()) / p, 0.0)
    df["basis"] = np.where(p >= 1, BASIS[0], np.where(p > 0, BASIS[1], BASIS[2]))
    df["tone"] = np.where(p >= 1, y, dsl)
    return df


def scorer_bias(tone: pd.DataFrame) -> np.ndarray:
    """Per-document bias of the model (mean model score minus mean label) over fully
    labelled documents: the error a document without labels may carry."""
    full = tone[tone["basis"] == BASIS[0]]
    return (full.groupby("doc_id", sort=False)["model_score"].mean()
            - full.groupby("doc_id", sort=False)["tone"].mean()).to_numpy()


def _summary(g: pd.DataFrame, bias: np.ndarray, *, n_boot: int, rng) -> dict:
    n = len(g)
    if n < MIN_SENTENCES:
        return {"mean": float(g["tone"].mean()), "ci_low": np.nan, "ci_high": np.nan, "n": n, "too_few": True}
    if (g["basis"] == BASIS[2]).all() and len(bias):
        # model only: its bias on an unseen document is unknown, so draw one per replicate
        codes, first = pd.factorize(g["unit"], sort=False)
        sums = np.bincount(codes, weights=g["tone"].to_numpy(), minlength=len(first))
        sizes = np.bincount(codes, minlength=len(first)).astype(float)
        counts = cluster_draws(len(first), n_boot=n_boot, random_state=rng)
        draws = counts @ sums / (counts @ sizes) - rng.choice(bias, size=n_boot)
        lo, hi = np.quantile(draws, [0.025, 0.975]) if len(first) >= MIN_UNITS else (np.nan, np.nan)
        return {"mean": float(g["tone"].mean() - bias.mean()), "ci_low": float(lo), "ci_high": float(hi),
                "n": n, "too_few": False}
    m, lo, hi = mean_interval(g["tone"], g["unit"], n_boot=n_boot, random_state=rng)
    return {"mean": m, "ci_low": lo, "ci_high": hi, "n": n, "too_few": False}


def by_group(tone: pd.DataFrame, columns: Sequence[str] = ("doc_id",), *, n_boot: int = 2000,
             random_state: int = SEED) -> pd.DataFrame:
    """Mean tone per group with its interval.

    Returns
    -------
    DataFrame
        the group columns, basis, mean, ci_low, ci_high, n, too_few, scorer_mean (the
        model's mean over the same sentences, a check where labels exist).
    """
    columns = list(columns)
    bias = scorer_bias(tone)
    rows = []
    for key, g in tone.groupby(columns, sort=False):
        key = key if isinstance(key, tuple) else (key,)
        stats = _summary(g, bias, n_boot=n_boot, rng=group_rng(random_state, "tone", *key))
        rows.append({**dict(zip(columns, key)), "basis": g["basis"].iloc[0], **stats,
                     "scorer_mean": float(g["model_score"].mean())})
    return pd.DataFrame(rows, columns=[*columns, "basis", "mean", "ci_low", "ci_high", "n", "too_few", "scorer_mean"])


def label_shares(tone: pd.DataFrame) -> pd.DataFrame:
    """Share of positive, neutral and negative sentences per document, from the hand labels
    where the document is labelled, else from the model's labels (``model_label``).

    Returns
    -------
    DataFrame
        doc_id, label, share, n, basis (``labels`` or ``model``).
    """
    labelled = tone["label"] != ""
    has_labels = labelled.groupby(tone["doc_id"]).transform("any")
    use_model = ~has_labels & ("model_label" in tone)
    source = tone.assign(label=np.where(use_model, tone.get("model_label", tone["label"]), tone["label"]),
                         basis=np.where(use_model, "model", "labels"))
    source = source[(source["label"] != "") & (labelled | use_model)]
    counts = source.groupby(["doc_id", "label"], sort=False).size().unstack(fill_value=0)
    counts = counts.reindex(columns=list(LABELS), fill_value=0)
    shares = counts.div(counts.sum(axis=1), axis=0)
    out = shares.stack().rename("share").reset_index()
    out["n"] = counts.stack().to_numpy()
    return out.assign(basis=out["doc_id"].map(source.groupby("doc_id")["basis"].first()))


@dataclass(frozen=True)
class Target:
    """A target family: a key, a readable label and the terms that name it."""

    key: str
    label: str
    terms: tuple[str, ...]


def load_targets(paths: Paths | None = None) -> list[Target]:
    """Read ``targets.yml``; every family must have terms."""
    path = sentiment_dir(paths) / "targets.yml"
    if not path.is_file():
        raise fail(f"{path}: target file missing")
    spec = yaml.safe_load(path.read_text(encoding="utf-8"))
    out = []
    for key, t in spec["targets"].items():
        if not t.get("terms"):
            raise fail(f"{path}: target {key} has no terms")
        out.append(Target(str(key), str(t.get("label", key)), tuple(map(str, t["terms"]))))
    return out


def mentions(text: str, target: Target) -> bool:
    """True if the text contains one of the target's terms.

    >>> mentions("美西方的打压", Target("west", "the West", ("西方",)))
    True
    """
    return any(term in text for term in target.terms)


def mentions_table(tone: pd.DataFrame, targets: Sequence[Target]) -> pd.DataFrame:
    """One row per sentence and target family it mentions: the sentence's tone rows with a
    ``target`` column."""
    parts = [tone[tone["text"].map(lambda s, t=t: mentions(s, t))].assign(target=t.key) for t in targets]
    return pd.concat(parts, ignore_index=True) if parts else tone.iloc[:0].assign(target="")


def by_target(tone: pd.DataFrame, targets: Sequence[Target], **options) -> pd.DataFrame:
    """Mean tone of the sentences that mention each target family, per document (options
    as :func:`by_group`)."""
    return by_group(mentions_table(tone, targets), ("doc_id", "target"), **options)


def rolling_tone(tone: pd.DataFrame, *, window: int = 15) -> pd.DataFrame:
    """Centred rolling mean of sentence tone along each document.

    Returns doc_id, position (0-based sentence index), rolling, role, turn.
    """
    parts = []
    for doc_id, g in tone.groupby("doc_id", sort=False):
        roll = g["tone"].rolling(window, center=True, min_periods=max(3, window // 3)).mean()
        parts.append(pd.DataFrame({"doc_id": doc_id, "position": np.arange(len(g)), "rolling": roll.to_numpy(),
                                   "role": g["role"].to_numpy(), "turn": g["turn"].to_numpy()}))
    return pd.concat(parts, ignore_index=True)


def arc_markers(tone: pd.DataFrame, all_sections: pd.DataFrame) -> pd.DataFrame:
    """Where speaker turns begin and where section headings stand along each document.

    Returns doc_id, position (the first analysed sentence after the marker), kind
    (``turn`` or ``heading``), label (the speaker's role, or the heading's text).
    """
    rows = []
    for doc_id, g in tone.groupby("doc_id", sort=False):
        g = g.reset_index(drop=True)
        if g["turn"].nunique() > 1:
            starts = g[g["turn"] != g["turn"].shift()]
            for _, r in starts.iloc[1:].iterrows():
                rows.append({"doc_id": doc_id, "position": int(g.index.get_loc(r.name)), "kind": "turn", "label": f"{r['role']}"})
        heads = all_sections[(all_sections["doc_id"] == doc_id) & (all_sections["section"] == "heading")]
        for _, h in heads.iterrows():
            after = g[g["paragraph"] > h["paragraph"]]
            if len(after):
                rows.append({"doc_id": doc_id, "position": int(g.index.get_loc(after.index[0])), "kind": "heading", "label": h["text"]})
    return pd.DataFrame(rows, columns=["doc_id", "position", "kind", "label"])


def extreme_sentences(tone: pd.DataFrame, *, n: int = 3) -> pd.DataFrame:
    """The ``n`` sentences of each document the model finds most positive and most
    negative, with their hand label where there is one (ties by sentence number)."""
    parts = []
    for doc_id, g in tone.groupby("doc_id", sort=False):
        pos = g.sort_values(["model_score", "sentence"], ascending=[False, True]).head(n).assign(end="most positive")
        neg = g.sort_values(["model_score", "sentence"], ascending=[True, True]).head(n).assign(end="most negative")
        parts += [pos, neg]
    cols = ["doc_id", "end", "paragraph", "sentence", "model_score", "label", "text"]
    return pd.concat(parts, ignore_index=True)[cols]


def target_contrasts(target_tone: pd.DataFrame) -> pd.DataFrame:
    """For each target, the documents with the lowest and the highest mean tone, and
    whether their intervals separate.

    Parameters
    ----------
    target_tone : DataFrame
        Rows of :func:`by_target` that may be compared (enough sentences, an interval).

    Returns
    -------
    DataFrame
        target, lowest, lowest_mean, highest, highest_mean, separated; targets with fewer
        than two documents are left out.
    """
    rows = []
    for target, g in target_tone.groupby("target", sort=False):
        if len(g) < 2:
            continue
        lo, hi = g.loc[g["mean"].idxmin()], g.loc[g["mean"].idxmax()]
        rows.append({"target": target, "lowest": lo["doc_id"], "lowest_mean": lo["mean"], "highest": hi["doc_id"],
                     "highest_mean": hi["mean"], "separated": bool(lo["ci_high"] < hi["ci_low"])})
    return pd.DataFrame(rows, columns=["target", "lowest", "lowest_mean", "highest", "highest_mean", "separated"])
