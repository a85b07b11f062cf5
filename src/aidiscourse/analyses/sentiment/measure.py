"""The tone chapter's measurement in one pass: labels, features, validation, and the tone
of documents, speakers and targets.

:func:`measure_tone` is what the chapter calls; each step is a function of its own module
(labels, encoder, model, validation, summaries), so a fork can rerun any of them alone.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from aidiscourse.analyses.sentiment import labels as hand_labels
from aidiscourse.analyses.sentiment import model as tone_model
from aidiscourse.analyses.sentiment import summaries, validation
from aidiscourse.analyses.sentiment.encoder import embedding_cache
from aidiscourse.analyses.sentiment.scorer import score_texts
from aidiscourse.analyses.resampling import group_rng, sampling_units
from aidiscourse.config import SEED, Paths
from aidiscourse.errors import fail

#: Above this many sentences, documents without hand labels are measured on a random sample
#: of their sampling units (see :func:`tone_sample`): the encoders score about 30 sentences a
#: second on two cores, so a corpus of 40,000 sentences would take twenty minutes.
TONE_SENTENCES_MAX = 6000


@dataclass
class ToneMeasurement:
    """Everything the tone chapter reports (see :func:`measure_tone`)."""

    labels: pd.DataFrame
    label_check: pd.DataFrame
    agreement: pd.DataFrame
    audit: pd.DataFrame
    predictions: pd.DataFrame
    validation: pd.DataFrame
    differences: pd.DataFrame
    confusion: pd.DataFrame
    chosen: str
    tone: pd.DataFrame
    #: Sentences of the corpus; ``len(tone)`` is fewer when documents were sampled.
    n_corpus_sentences: int


def corpus_model_scores(sentences: pd.DataFrame, X: np.ndarray, labelled: pd.DataFrame, X_labelled: np.ndarray,
                        *, outside: tuple | None = None,
                        settings: dict[str, float] | None = None) -> tuple[np.ndarray, np.ndarray]:
    """The model's tone and label of every sentence, never from a model that saw its
    document's labels.

    Sentences of a labelled document are scored by a model fitted on the other documents'
    labels (as in validation); sentences of documents without labels by a model fitted
    on all labels. Every fit also learns from ``outside``, the labelled sentences from
    outside the corpus (:func:`~aidiscourse.analyses.sentiment.model.outside_training`),
    with ``settings`` (:func:`~aidiscourse.analyses.sentiment.model.load_settings`).

    Returns
    -------
    (scores, labels) : ndarray of shape (n_sentences,) each
    """
    scores = np.zeros(len(sentences))
    predicted = np.empty(len(sentences), dtype=object)
    docs = labelled["doc_id"].to_numpy()
    in_sentences = sentences["doc_id"].to_numpy()
    texts, labelled_texts = sentences["text"].to_numpy(dtype=object), labelled["text"].to_numpy(dtype=object)

    def fit_and_score(train: np.ndarray, rows: np.ndarray) -> None:
        model = tone_model.fit_model(X_labelled[train], labelled["label"][train], texts=list(labelled_texts[train]),
                                     outside=outside, **(settings or {}))
        scores[rows], predicted[rows] = model.score_and_label(X[rows], list(texts[rows]))

    # one fit per labelled document, and one on all labels for every other document: a
    # fork of many documents pays for its labelled ones only
    held_out = [d for d in dict.fromkeys(in_sentences) if d in set(docs)]
    for doc_id in held_out:
        fit_and_score(docs != doc_id, in_sentences == doc_id)
    rest = ~np.isin(in_sentences, held_out)
    if rest.any():
        fit_and_score(np.ones(len(docs), dtype=bool), rest)
    return scores, predicted


def tone_sample(sentences: pd.DataFrame, labelled_docs, *, max_sentences: int = TONE_SENTENCES_MAX,
                random_state: int = SEED) -> np.ndarray:
    """Which sentences the tone chapter scores: all of them, or a stratified cluster sample.

    When the corpus holds more than ``max_sentences`` sentences, every document keeps a
    simple random sample of its sampling units (paragraphs or speaker turns), the same
    share in every document and at least one unit each, with all the sentences of the
    units drawn; documents with hand labels are kept whole. A document's mean over its
    drawn units estimates its mean over all of them, and the bootstrap over the drawn
    units gives its interval (the units are the clusters of the sample).

    Parameters
    ----------
    sentences : DataFrame, shape (n_sentences, ...)
        With doc_id and unit (:func:`~aidiscourse.analyses.resampling.sampling_units`).
    labelled_docs : collection of str
        Documents kept whole.
    max_sentences : int
    random_state : int
        Each document's draw has a stream of its own (adding a document moves no other draw).

    Returns
    -------
    ndarray of bool, shape (n_sentences,)
    """
    n = len(sentences)
    if n <= max_sentences:
        return np.ones(n, dtype=bool)
    sentences = sentences.reset_index(drop=True)  # the mask is positional
    docs = sentences["doc_id"].to_numpy()
    whole = np.isin(docs, list(labelled_docs))
    share = max(max_sentences - int(whole.sum()), 0) / max(int((~whole).sum()), 1)
    keep = whole.copy()
    for doc_id, rows in sentences[~whole].groupby("doc_id", sort=False):
        units = pd.unique(rows["unit"])
        k = min(len(units), max(1, int(round(share * len(units)))))
        drawn = group_rng(random_state, "tone sample", doc_id).choice(len(units), size=k, replace=False)
        keep[rows.index[rows["unit"].isin(units[np.sort(drawn)])]] = True
    return keep


def measure_tone(sentences: pd.DataFrame, *, paths: Paths, n_boot: int = 2000, random_state: int = SEED,
                 max_sentences: int = TONE_SENTENCES_MAX) -> ToneMeasurement:
    """Validate the tone methods and measure tone with the labels and the chosen method.

    Parameters
    ----------
    sentences : DataFrame
        The sentence table (argument sections, no flagged sentences).
    paths : Paths
    n_boot : int
        Bootstrap draws of the tone intervals.
    max_sentences : int
        Above this many sentences, documents without labels are measured on a sample of
        their units (:func:`tone_sample`); ``tone`` then holds the sampled sentences only.

    Returns
    -------
    ToneMeasurement
    """
    sentences = sentences.reset_index(drop=True).assign(unit=lambda d: sampling_units(d))
    labels = hand_labels.load_labels(paths)
    check = hand_labels.check_labels(labels, sentences)
    current = labels[check["status"].to_numpy() == "match"]
    labelled = current.merge(sentences[["doc_id", "sentence", "paragraph", "unit"]], on=["doc_id", "sentence"])
    if labelled["doc_id"].nunique() < 2:
        raise fail("tone validation needs hand labels in at least two documents (data/annotations/labels.csv)")
    n_corpus = len(sentences)
    sentences = sentences[tone_sample(sentences, set(labelled["doc_id"]), max_sentences=max_sentences,
                                      random_state=random_state)].reset_index(drop=True)
    cache = embedding_cache(paths)
    X_all = tone_model.features(sentences["text"], cache=cache, paths=paths)
    index = {(d, int(s)): i for i, (d, s) in enumerate(zip(sentences["doc_id"], sentences["sentence"]))}
    X_labelled = X_all[[index[(d, int(s))] for d, s in zip(labelled["doc_id"], labelled["sentence"])]]
    outside = tone_model.outside_training(cache=cache, paths=paths)
    settings = tone_model.load_settings(paths)
    predictions = validation.loo_predictions(labelled, X_labelled, paths=paths, outside=outside, settings=settings)
    table = validation.validation_table(predictions, random_state=random_state)
    chosen = validation.best_method(table)
    model_scores, model_labels = corpus_model_scores(sentences, X_all, labelled, X_labelled, outside=outside,
                                                     settings=settings)
    tone = summaries.tone_values(sentences, current, model_scores)
    tone["model_label"] = model_labels
    tone["rules_score"] = score_texts(sentences["text"], paths=paths)["score"].to_numpy()
    return ToneMeasurement(
        labels=labels, label_check=check,
        agreement=hand_labels.agreement_table(hand_labels.load_double_coding(paths)),
        audit=hand_labels.load_label_audit(paths), predictions=predictions, validation=table,
        differences=validation.paired_differences(predictions, reference=chosen, random_state=random_state),
        confusion=validation.confusion_table(predictions), chosen=chosen, tone=tone,
        n_corpus_sentences=n_corpus,
    )


def sampling_note(measurement: ToneMeasurement) -> str:
    """One sentence for the chapter: were all sentences scored, or a sample (and how)?"""
    n, scored = measurement.n_corpus_sentences, len(measurement.tone)
    if scored == n:
        return f"Every one of the corpus's {n:,} argument sentences is scored."
    return (f"The corpus holds {n:,} argument sentences, more than the {TONE_SENTENCES_MAX:,} the encoders score in "
            f"reasonable time, so each document without labels is measured on a random sample of its paragraphs "
            f"or speaker turns, the same share in every document and at least one each ({scored:,} sentences in "
            f"all, drawn with the configured seed); its interval resamples the drawn units.")


def sentence_table(measurement: ToneMeasurement) -> pd.DataFrame:
    """Every sentence's tone by each method: doc_id, sentence, paragraph, label, basis,
    tone (the measurement), model_score (never from a model that saw the document's
    labels) and rules_score (the lexicon scorer)."""
    return measurement.tone[["doc_id", "sentence", "paragraph", "label", "basis", "tone", "model_score", "rules_score"]]
