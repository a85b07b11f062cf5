"""Hand labels of sentence tone: the labelled set, its audit trail, the double coding and
the agreement between annotators, and samples for labelling new documents.

Files in ``data/annotations`` (see its README): ``labels.csv`` (doc_id, sentence, text,
label, source), ``double_coding.csv`` (the sentences labelled twice, independently, with
the adjudicated label and its reason) and ``label_audit.csv`` (every label of the first
version of the set, with its new label and the reason for any change), and
``outside_labels.csv`` (labelled sentences from outside the corpus, which train the tone
model and never evaluate it).
"""
from __future__ import annotations

import numpy as np
import pandas as pd

from aidiscourse.analyses.sentiment.scorer import LABELS
from aidiscourse.analyses.resampling import group_rng
from aidiscourse.config import SEED, Paths, project_paths
from aidiscourse.errors import fail

#: Numeric value of each label: the mean of these over sentences is a document's tone.
LABEL_VALUES = {"positive": 1.0, "neutral": 0.0, "negative": -1.0}
LABEL_COLUMNS = ["doc_id", "sentence", "text", "label", "source"]
OUTSIDE_COLUMNS = ["id", "register", "script", "text", "label", "source"]


def annotations_dir(paths: Paths | None = None):
    """``data/annotations`` of the project."""
    return (paths or project_paths()).root / "data" / "annotations"


def _read(path, columns: list[str]) -> pd.DataFrame:
    if not path.is_file():
        raise fail(f"{path}: file missing")
    df = pd.read_csv(path, dtype=str, keep_default_na=False)
    missing = set(columns) - set(df.columns)
    if missing:
        raise fail(f"{path}: columns missing: {', '.join(sorted(missing))}")
    if "sentence" in df:
        if not df["sentence"].str.fullmatch(r"\d+").all():
            raise fail(f"{path}: sentence must be a whole number")
        df["sentence"] = df["sentence"].astype(int)
    return df


def _check_labels(df: pd.DataFrame, path) -> pd.DataFrame:
    bad = sorted(set(df.label) - set(LABELS))
    if bad:
        raise fail(f"{path}: unknown labels {bad}; use {', '.join(LABELS)}")
    return df


def load_labels(paths: Paths | None = None) -> pd.DataFrame:
    """The labelled sentences: doc_id, sentence, text, label, source.

    Raises
    ------
    AidiscourseError
        If the file is missing, a column is missing, a label is unknown or a sentence is
        labelled twice.
    """
    path = annotations_dir(paths) / "labels.csv"
    df = _check_labels(_read(path, LABEL_COLUMNS), path)
    if df.duplicated(["doc_id", "sentence"]).any():
        first = df[df.duplicated(["doc_id", "sentence"])].iloc[0]
        raise fail(f"{path}: {first.doc_id} sentence {first.sentence} is labelled twice")
    return df[LABEL_COLUMNS]


def load_outside_labels(paths: Paths | None = None) -> pd.DataFrame:
    """Labelled sentences from outside the corpus: id, register, script, text (as written,
    Simplified or Traditional), label, source; empty when ``outside_labels.csv`` is absent.

    They train the tone model beside the corpus's labels, so that it learns the genre
    from more than the corpus's few documents, and never evaluate it.

    Raises
    ------
    AidiscourseError
        If a column is missing, a label is unknown or an id repeats.
    """
    path = annotations_dir(paths) / "outside_labels.csv"
    if not path.is_file():
        return pd.DataFrame(columns=OUTSIDE_COLUMNS)
    df = _check_labels(_read(path, OUTSIDE_COLUMNS), path)
    if df["id"].duplicated().any():
        raise fail(f"{path}: id {df.loc[df['id'].duplicated(), 'id'].iloc[0]} repeats")
    return df[OUTSIDE_COLUMNS]


def load_double_coding(paths: Paths | None = None) -> pd.DataFrame:
    """doc_id, sentence, annotator_a, annotator_b, adjudicated, adjudication_reason."""
    return _read(annotations_dir(paths) / "double_coding.csv",
                 ["doc_id", "sentence", "annotator_a", "annotator_b", "adjudicated", "adjudication_reason"])


def load_label_audit(paths: Paths | None = None) -> pd.DataFrame:
    """doc_id, sentence, text, old_label, new_label, changed, reason."""
    df = _read(annotations_dir(paths) / "label_audit.csv",
               ["doc_id", "sentence", "text", "old_label", "new_label", "changed", "reason"])
    return df.assign(changed=df["changed"].str.lower() == "true")


def check_labels(labels: pd.DataFrame, sentences: pd.DataFrame) -> pd.DataFrame:
    """Compare the labelled texts with the corpus as it is now.

    Returns
    -------
    DataFrame
        doc_id, sentence, status (``match``, ``changed`` or ``missing``) per label; a
        change to cleaning or sentence splitting shows here.
    """
    current = dict(zip(zip(sentences["doc_id"], sentences["sentence"].astype(int)), sentences["text"]))
    status = ["missing" if (d, int(s)) not in current else "match" if current[(d, int(s))] == t else "changed"
              for d, s, t in labels[["doc_id", "sentence", "text"]].itertuples(index=False)]
    return labels[["doc_id", "sentence"]].assign(status=status)


def krippendorff_alpha(a, b) -> float:
    """Krippendorff's alpha for two annotators and nominal labels (no missing values)."""
    import krippendorff

    codes = {lab: i for i, lab in enumerate(LABELS)}
    data = np.array([[codes[x] for x in a], [codes[x] for x in b]], dtype=float)
    return float(krippendorff.alpha(reliability_data=data, level_of_measurement="nominal"))


def agreement_table(double: pd.DataFrame) -> pd.DataFrame:
    """Agreement of the two independent annotators: annotator_a, annotator_b, n, kappa, alpha.

    Cohen's kappa and Krippendorff's alpha (nominal), on the sentences both labelled
    before adjudication.
    """
    from sklearn.metrics import cohen_kappa_score

    a, b = double["annotator_a"].tolist(), double["annotator_b"].tolist()
    return pd.DataFrame([{"annotator_a": "annotator_a", "annotator_b": "annotator_b", "n": len(a),
                          "kappa": float(cohen_kappa_score(a, b, labels=list(LABELS))),
                          "alpha": krippendorff_alpha(a, b)}])


def draw_labelling_sample(sentences: pd.DataFrame, labels: pd.DataFrame, *, n: int,
                          doc_ids: list[str] | None = None, random_state: int = SEED) -> pd.DataFrame:
    """A simple random sample of unlabelled sentences to label, per document.

    Hand labels of a random sample let the tone of documents the labels do not cover be
    estimated without the scorer's bias (see :func:`aidiscourse.analyses.sentiment.summaries.tone_values`).
    Each document's draw has its own random stream, so adding documents changes no
    other document's sample.

    Parameters
    ----------
    sentences : DataFrame
        The sentence table (doc_id, sentence, text).
    labels : DataFrame
        Sentences already labelled (skipped).
    n : int
        Sentences per document (all unlabelled ones if fewer).
    doc_ids : list of str, optional
        Documents to sample; by default those with no label yet.

    Returns
    -------
    DataFrame
        doc_id, sentence, text, label (empty, to fill in), source ("sample").
    """
    done = set(zip(labels["doc_id"], labels["sentence"].astype(int)))
    if doc_ids is None:
        doc_ids = [d for d in dict.fromkeys(sentences["doc_id"]) if d not in set(labels["doc_id"])]
    unknown = sorted(set(doc_ids) - set(sentences["doc_id"]))
    if unknown:
        raise fail(f"unknown document(s): {', '.join(unknown)}")
    rows = []
    for doc_id in doc_ids:
        g = sentences[(sentences["doc_id"] == doc_id)]
        g = g[[(doc_id, int(s)) not in done for s in g["sentence"]]]
        pick = np.sort(group_rng(random_state, "labelling-sample", doc_id).permutation(len(g))[:n])
        rows.append(g.iloc[pick][["doc_id", "sentence", "text"]])
    out = pd.concat(rows, ignore_index=True) if rows else pd.DataFrame(columns=["doc_id", "sentence", "text"])
    return out.assign(label="", source="sample")
