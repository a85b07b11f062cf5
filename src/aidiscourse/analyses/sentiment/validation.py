"""Validation of the scorer against hand labels: the sample, the annotations, the
metrics, the tuning on the development part, and the tables comparing methods.

The annotated sentences (``data/annotations/sentences.csv``) are split once into a
development part, the only rows :func:`tune` and :func:`tune_threshold` may read, and a
test part used only for the report.
"""
from __future__ import annotations

import hashlib
import itertools
from typing import Sequence

import numpy as np
import pandas as pd
from sklearn.metrics import accuracy_score, cohen_kappa_score, f1_score

from aidiscourse.analyses.sentiment.lexicon import Lexicon, load_lexicon
from aidiscourse.analyses.sentiment.rules import Rules, load_rules
from aidiscourse.analyses.sentiment.scorer import (LABELS, label_score, score_texts, score_tokens, snownlp_scores,
                                                   tokenize)
from aidiscourse.config import SEED, Paths, project_paths
from aidiscourse.errors import fail


def doc_seed(doc_id: str) -> int:
    """A stable 32-bit number from a doc_id, to seed that document's own random stream.

    >>> doc_seed("zhong-2025") == doc_seed("zhong-2025")
    True
    """
    return int(hashlib.sha256(doc_id.encode("utf-8")).hexdigest()[:8], 16)


def draw_validation_sample(sentences: pd.DataFrame, *, per_document: int = 50, dev_per_document: int = 20,
                           random_state: int = SEED) -> pd.DataFrame:
    """Draw the validation sentences, stratified by document, and split them.

    Each document's draw uses its own generator, seeded by ``random_state`` and a hash
    of the doc_id, so adding a document leaves every other document's sample and split
    unchanged. Per document, ``per_document`` sentences (all, if fewer) are drawn in a
    random order; the first ``dev_per_document`` form the development part, the rest
    the test part.

    Returns
    -------
    DataFrame
        doc_id, sentence, text, split.
    """
    rows = []
    for doc_id, g in sentences.groupby("doc_id", sort=False):
        rng = np.random.default_rng([random_state, doc_seed(str(doc_id))])
        order = rng.permutation(len(g))[:per_document]
        for k, i in enumerate(order):
            r = g.iloc[int(i)]
            rows.append((doc_id, int(r["sentence"]), r["text"], "dev" if k < dev_per_document else "test"))
    return pd.DataFrame(rows, columns=["doc_id", "sentence", "text", "split"])


def load_annotations(paths: Paths | None = None) -> pd.DataFrame:
    """Read ``data/annotations/sentences.csv`` (doc_id, sentence, text, label, split) and
    check its values."""
    path = (paths or project_paths()).root / "data" / "annotations" / "sentences.csv"
    if not path.is_file():
        raise fail(f"{path}: annotation file missing")
    df = pd.read_csv(path, dtype={"doc_id": str, "text": str, "label": str, "split": str}, keep_default_na=False)
    missing = {"doc_id", "sentence", "text", "label", "split"} - set(df.columns)
    if missing:
        raise fail(f"{path}: columns missing: {', '.join(sorted(missing))}")
    bad = sorted(set(df.label) - set(LABELS))
    if bad:
        raise fail(f"{path}: unknown labels {bad}")
    if not set(df.split) <= {"dev", "test"}:
        raise fail(f"{path}: split must be dev or test")
    if df.duplicated(["doc_id", "sentence"]).any():
        raise fail(f"{path}: a sentence is listed twice")
    return df


def check_annotations(annotations: pd.DataFrame, sentences: pd.DataFrame) -> pd.DataFrame:
    """Compare the annotated texts with the corpus as it is now.

    Returns
    -------
    DataFrame
        doc_id, sentence, status (``match``, ``changed`` or ``missing``) per annotation.
    """
    current = sentences.set_index(["doc_id", "sentence"])["text"]
    status = []
    for doc_id, sent, text in annotations[["doc_id", "sentence", "text"]].itertuples(index=False):
        key = (doc_id, int(sent))
        status.append("missing" if key not in current.index else "match" if current.loc[key] == text else "changed")
    return annotations[["doc_id", "sentence"]].assign(status=status)


def only_dev(annotations: pd.DataFrame) -> pd.DataFrame:
    """The development part; the only rows that tuning may read."""
    return annotations[annotations["split"] == "dev"]


def metrics(gold: Sequence[str], predicted: Sequence[str]) -> dict[str, float]:
    """Accuracy, macro-F1 (over the three labels) and Cohen's kappa.

    >>> metrics(["positive", "negative"], ["positive", "neutral"])["accuracy"]
    0.5
    """
    gold, predicted = list(gold), list(predicted)
    kappa = cohen_kappa_score(gold, predicted, labels=list(LABELS))
    return {
        "n": len(gold),
        "accuracy": float(accuracy_score(gold, predicted)),
        "macro_f1": float(f1_score(gold, predicted, labels=list(LABELS), average="macro", zero_division=0)),
        "kappa": 0.0 if not np.isfinite(kappa) else float(kappa),
    }


#: The rule grid searched on the development part (thresholds are searched for each).
RULE_GRID = {
    "negation": (-1.0, -0.5),
    "contrast_after": (1.0, 1.5, 2.0),
    "question": (1.0, 0.5, 0.0),
    "rhetorical_base": (0.0, -1.0),
}
#: Candidate thresholds (on the score scale) for positive and negative labels.
THRESHOLDS = (0.05, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7)


def macro_f1(gold: Sequence[str], predicted: Sequence[str]) -> float:
    """Macro-averaged F1 over the three labels (a label absent from both scores 0, as
    in scikit-learn with ``zero_division=0``); fast enough for a grid search.

    >>> macro_f1(["positive", "negative", "neutral"], ["positive", "negative", "negative"])
    0.5555555555555555
    """
    g = np.asarray(gold)
    p = np.asarray(predicted)
    f1s = []
    for lab in LABELS:
        tp = np.sum((g == lab) & (p == lab))
        denom = np.sum(g == lab) + np.sum(p == lab)
        f1s.append(0.0 if denom == 0 else 2 * tp / denom)
    return float(np.mean(f1s))


def _labels(scores: np.ndarray, tp: float, tn: float) -> np.ndarray:
    out = np.full(len(scores), "neutral", dtype=object)
    out[(scores > 0) & (scores >= tp)] = "positive"
    out[(scores < 0) & (scores <= -tn)] = "negative"
    return out


def _best_thresholds(gold: Sequence[str], scores: np.ndarray, grid: Sequence[float] = THRESHOLDS) -> tuple[float, float, float]:
    best = (-1.0, grid[0], grid[0])
    for tp, tn in itertools.product(grid, grid):
        f1 = macro_f1(gold, _labels(scores, tp, tn))
        if f1 > best[0] + 1e-12:
            best = (f1, tp, tn)
    return best


def tune(dev: pd.DataFrame, *, tokens: Sequence[Sequence[str]], lexicon: Lexicon, rules: Rules) -> tuple[Rules, pd.DataFrame]:
    """Choose rule parameters and thresholds on the development part, by macro-F1.

    Parameters
    ----------
    dev : DataFrame
        Annotations of the development part only (``split == "dev"``); any other row
        raises, so the test part cannot leak into the choice.
    tokens : sequence of token lists
        The tokens of ``dev``'s sentences, in order.
    lexicon, rules : the lexicon and the starting rules.

    Returns
    -------
    (Rules, DataFrame)
        The rules with the chosen parameters, and the grid with each setting's best
        macro-F1 (ties keep the first setting in grid order).
    """
    if (dev["split"] != "dev").any():
        raise fail("tuning may read the development part only")
    gold = list(dev["label"])
    rows = []
    best = None
    for values in itertools.product(*RULE_GRID.values()):
        params = dict(zip(RULE_GRID, values))
        r = rules.with_parameters(**params)
        scores = np.array([score_tokens(t, lexicon, r).score for t in tokens])
        f1, tp, tn = _best_thresholds(gold, scores)
        rows.append({**params, "threshold_positive": tp, "threshold_negative": tn, "macro_f1": f1})
        if best is None or f1 > best[0] + 1e-12:
            best = (f1, r.with_parameters(threshold_positive=tp, threshold_negative=tn))
    return best[1], pd.DataFrame(rows)


def tune_threshold(dev: pd.DataFrame, scores: np.ndarray) -> float:
    """One symmetric neutral band for a baseline's scores, chosen on the development part."""
    if (dev["split"] != "dev").any():
        raise fail("tuning may read the development part only")
    gold = list(dev["label"])
    best = (-1.0, THRESHOLDS[0])
    for t in THRESHOLDS:
        f1 = macro_f1(gold, _labels(np.asarray(scores, dtype=float), t, t))
        if f1 > best[0] + 1e-12:
            best = (f1, t)
    return best[1]


def validation_predictions(annotations: pd.DataFrame, paths: Paths | None = None) -> tuple[pd.DataFrame, Rules]:
    """Score the annotated sentences with every method.

    Methods: ``majority`` (the development part's most frequent label), ``count_raw``
    (plain count with HowNet as shipped), ``count`` (plain count with the cleaned
    lexicon and domain add-on), ``snownlp`` (neutral band chosen on dev) and ``rules``
    (the scorer; parameters and thresholds chosen on dev, see :func:`tune`).

    Returns
    -------
    (DataFrame, Rules)
        The annotations with one ``pred_<method>`` column per method and ``score_rules``,
        and the tuned rules.
    """
    paths = paths or project_paths()
    ann = annotations.reset_index(drop=True)
    toks = tokenize(ann["text"], paths)
    dev_mask = (ann["split"] == "dev").to_numpy()
    dev = only_dev(ann)
    dev_toks = [t for t, d in zip(toks, dev_mask) if d]
    lexicon, rules = load_lexicon(paths), load_rules(paths)
    out = ann.copy()
    majority = dev["label"].value_counts().sort_index().idxmax()
    out["pred_majority"] = majority
    raw = load_lexicon(paths, source="hownet", clean=False, domain=False)
    out["pred_count_raw"] = score_texts(ann["text"], lexicon=raw, rules=rules, use_rules=False, tokens=toks, paths=paths)["label"].to_numpy()
    out["pred_count"] = score_texts(ann["text"], lexicon=lexicon, rules=rules, use_rules=False, tokens=toks, paths=paths)["label"].to_numpy()
    snow = snownlp_scores(ann["text"])
    t = tune_threshold(dev, snow[dev_mask])
    out["score_snownlp"] = snow
    out["pred_snownlp"] = [label_score(s, threshold_positive=t, threshold_negative=t) for s in snow]
    tuned, _ = tune(dev, tokens=dev_toks, lexicon=lexicon, rules=rules)
    scored = score_texts(ann["text"], lexicon=lexicon, rules=tuned, tokens=toks, paths=paths)
    out["score_rules"] = scored["score"].to_numpy()
    out["pred_rules"] = scored["label"].to_numpy()
    out["hits_rules"] = scored["hits"].to_numpy()
    return out, tuned


METHODS = ("majority", "count_raw", "count", "snownlp", "rules")


def validation_table(predictions: pd.DataFrame, *, methods: Sequence[str] = METHODS) -> pd.DataFrame:
    """method, split, n, accuracy, macro_f1, kappa for every method and split."""
    rows = []
    for m in methods:
        for split, g in predictions.groupby("split", sort=True):
            rows.append({"method": m, "split": split, **metrics(g["label"], g[f"pred_{m}"])})
    return pd.DataFrame(rows, columns=["method", "split", "n", "accuracy", "macro_f1", "kappa"])


def confusion_table(predictions: pd.DataFrame, *, split: str = "test", methods: Sequence[str] = METHODS) -> pd.DataFrame:
    """Long confusion matrices: method, gold, predicted, n (all 9 cells, zeros included)."""
    part = predictions[predictions["split"] == split]
    rows = []
    for m in methods:
        for g, p in itertools.product(LABELS, LABELS):
            rows.append({"method": m, "gold": g, "predicted": p,
                         "n": int(((part["label"] == g) & (part[f"pred_{m}"] == p)).sum())})
    return pd.DataFrame(rows)
