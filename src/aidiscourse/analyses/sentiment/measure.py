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
from aidiscourse.analyses.resampling import sampling_units
from aidiscourse.config import SEED, Paths
from aidiscourse.errors import fail


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


def corpus_model_scores(sentences: pd.DataFrame, X: np.ndarray, labelled: pd.DataFrame, X_labelled: np.ndarray
                        ) -> tuple[np.ndarray, np.ndarray]:
    """The model's tone and label of every sentence, never from a model that saw its
    document's labels.

    Sentences of a labelled document are scored by a model fitted on the other documents'
    labels (as in validation); sentences of documents without labels by a model fitted
    on all labels.

    Returns
    -------
    (scores, labels) : ndarray of shape (n_sentences,) each
    """
    scores = np.zeros(len(sentences))
    predicted = np.empty(len(sentences), dtype=object)
    docs = labelled["doc_id"].to_numpy()
    for doc_id in dict.fromkeys(sentences["doc_id"]):
        rows = (sentences["doc_id"] == doc_id).to_numpy()
        train = docs != doc_id
        model = tone_model.fit_model(X_labelled[train], labelled["label"][train])
        scores[rows], predicted[rows] = model.score(X[rows]), model.predict(X[rows])
    return scores, predicted


def measure_tone(sentences: pd.DataFrame, *, paths: Paths, n_boot: int = 2000, random_state: int = SEED
                 ) -> ToneMeasurement:
    """Validate the tone methods and measure tone with the labels and the chosen method.

    Parameters
    ----------
    sentences : DataFrame
        The sentence table (argument sections, no flagged sentences).
    paths : Paths
    n_boot : int
        Bootstrap draws of the tone intervals.

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
    cache = embedding_cache(paths)
    X_all = tone_model.features(sentences["text"], cache=cache, paths=paths)
    index = {(d, int(s)): i for i, (d, s) in enumerate(zip(sentences["doc_id"], sentences["sentence"]))}
    X_labelled = X_all[[index[(d, int(s))] for d, s in zip(labelled["doc_id"], labelled["sentence"])]]
    predictions = validation.loo_predictions(labelled, X_labelled, paths=paths)
    table = validation.validation_table(predictions, random_state=random_state)
    chosen = validation.best_method(table)
    model_scores, model_labels = corpus_model_scores(sentences, X_all, labelled, X_labelled)
    tone = summaries.tone_values(sentences, current, model_scores)
    tone["model_label"] = model_labels
    tone["rules_score"] = score_texts(sentences["text"], paths=paths)["score"].to_numpy()
    return ToneMeasurement(
        labels=labels, label_check=check,
        agreement=hand_labels.agreement_table(hand_labels.load_double_coding(paths)),
        audit=hand_labels.load_label_audit(paths), predictions=predictions, validation=table,
        differences=validation.paired_differences(predictions, reference=chosen, random_state=random_state),
        confusion=validation.confusion_table(predictions), chosen=chosen, tone=tone,
    )


def sentence_table(measurement: ToneMeasurement) -> pd.DataFrame:
    """Every sentence's tone by each method: doc_id, sentence, paragraph, label, basis,
    tone (the measurement), model_score (never from a model that saw the document's
    labels) and rules_score (the lexicon scorer)."""
    return measurement.tone[["doc_id", "sentence", "paragraph", "label", "basis", "tone", "model_score", "rules_score"]]
