"""Validation of tone methods against the hand labels, leave one document out.

Every method is fitted or tuned on the labels of all documents but one and scored on the
held-out document: what a reader who adds a new document gets. Methods: ``model`` (the
tone model on sentence embeddings and lexicon scores), ``rules`` (the lexicon scorer with
rules, parameters and thresholds tuned on the training documents), ``count`` (the plain
lexicon count, neutral band tuned), ``snownlp`` (SnowNLP, neutral band tuned) and
``majority`` (the training documents' most frequent label). Intervals and paired
differences resample the sentences' sampling units (turns or paragraphs) with
:func:`aidiscourse.analyses.resampling.cluster_bootstrap`.
"""
from __future__ import annotations

import itertools
from typing import Sequence

import numpy as np
import pandas as pd
from sklearn.metrics import accuracy_score, cohen_kappa_score, f1_score

from aidiscourse.analyses.sentiment.lexicon import Lexicon, load_lexicon
from aidiscourse.analyses.sentiment.model import fit_model
from aidiscourse.analyses.sentiment.rules import Rules, load_rules
from aidiscourse.analyses.sentiment.scorer import LABELS, label_score, score_texts, score_tokens, snownlp_scores, tokenize
from aidiscourse.analyses.resampling import cluster_bootstrap, group_rng
from aidiscourse.config import SEED, Paths, project_paths

#: The methods compared, in the order tables list them.
METHODS = ("model", "rules", "count", "snownlp", "majority")


def auc(gold: Sequence[str], score: Sequence[float], weights: Sequence[float] | None = None) -> float:
    """Area under the ROC curve of ``score`` separating positive from negative sentences
    (neutral ones left out), with optional sentence weights; NaN when either is absent.

    The weighted Mann-Whitney statistic (ties count one half), computed by sorting.

    >>> auc(["positive", "negative", "neutral"], [0.9, -0.2, 0.0])
    1.0
    """
    g, s = np.asarray(gold), np.asarray(score, dtype=float)
    w = np.ones(len(g)) if weights is None else np.asarray(weights, dtype=float)
    pos, neg = (g == "positive") & (w > 0), (g == "negative") & (w > 0)
    w_pos, w_neg = w[pos].sum(), w[neg].sum()
    if w_pos == 0 or w_neg == 0:
        return float("nan")
    values = np.unique(s[pos | neg])
    neg_at = np.bincount(np.searchsorted(values, s[neg]), weights=w[neg], minlength=len(values))
    pos_at = np.bincount(np.searchsorted(values, s[pos]), weights=w[pos], minlength=len(values))
    below = np.cumsum(neg_at) - neg_at  # negative weight strictly below each value
    return float((pos_at * (below + 0.5 * neg_at)).sum() / (w_pos * w_neg))


def weighted_macro_f1(gold: np.ndarray, predicted: np.ndarray, weights: np.ndarray) -> float:
    """Macro-F1 over the three labels with sentence weights (a label absent from both
    gold and predictions scores 0, as scikit-learn's ``zero_division=0``)."""
    f1s = []
    for lab in LABELS:
        g, p = gold == lab, predicted == lab
        denom = weights[g].sum() + weights[p].sum()
        f1s.append(0.0 if denom == 0 else 2 * weights[g & p].sum() / denom)
    return float(np.mean(f1s))


def metrics(gold: Sequence[str], predicted: Sequence[str], score: Sequence[float] | None = None) -> dict[str, float]:
    """n, accuracy, macro-F1 (over the three labels), Cohen's kappa and, with ``score``, AUC.

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
        "auc": auc(gold, score) if score is not None else float("nan"),
    }


#: The rule grid searched when tuning (thresholds are searched for each).
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
    """Choose rule parameters and thresholds on labelled sentences, by macro-F1.

    Parameters
    ----------
    dev : DataFrame
        The labelled sentences tuning may read (in leave-one-document-out evaluation,
        those of the training documents only).
    tokens : sequence of token lists
        The tokens of ``dev``'s sentences, in order.
    lexicon, rules : the lexicon and the starting rules.

    Returns
    -------
    (Rules, DataFrame)
        The rules with the chosen parameters, and the grid with each setting's best
        macro-F1 (ties keep the first setting in grid order).
    """
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
    """One symmetric neutral band for a baseline's scores, chosen on labelled sentences."""
    gold = list(dev["label"])
    best = (-1.0, THRESHOLDS[0])
    for t in THRESHOLDS:
        f1 = macro_f1(gold, _labels(np.asarray(scores, dtype=float), t, t))
        if f1 > best[0] + 1e-12:
            best = (f1, t)
    return best[1]


def loo_predictions(labelled: pd.DataFrame, X: np.ndarray, *, paths: Paths | None = None,
                    outside: tuple | None = None, settings: dict[str, float] | None = None) -> pd.DataFrame:
    """Predictions of every method for every labelled sentence, leaving its document out.

    Parameters
    ----------
    labelled : DataFrame
        doc_id, sentence, text, label, unit (the sampling unit), one row per sentence.
    X : ndarray of shape (n_sentences, n_features)
        The tone model's features of the same sentences
        (:func:`aidiscourse.analyses.sentiment.model.features`).
    outside : (ndarray, sequence of str, sequence of str) or None
        Features, labels and texts of labelled sentences from outside the corpus, added to every fit of the model
        (:func:`aidiscourse.analyses.sentiment.model.outside_training`); never scored.
    settings : dict, optional
        The model's settings (:func:`aidiscourse.analyses.sentiment.model.load_settings`),
        chosen without the corpus's labels; default the model's defaults.

    Returns
    -------
    DataFrame
        ``labelled`` with ``pred_<method>`` and ``score_<method>`` for each of :data:`METHODS`.
        No sentence of a held-out document reaches the fit or tuning that scores it.
    """
    paths = paths or project_paths()
    ann = labelled.reset_index(drop=True)
    toks = tokenize(ann["text"], paths)
    lexicon, rules = load_lexicon(paths), load_rules(paths)
    count = score_texts(ann["text"], lexicon=lexicon, rules=rules, use_rules=False, tokens=toks, paths=paths)["score"]
    snow = snownlp_scores(ann["text"])
    out = ann.copy()
    for m in METHODS:
        out[f"pred_{m}"], out[f"score_{m}"] = "", np.nan
    for doc_id in dict.fromkeys(ann["doc_id"]):
        test = (ann["doc_id"] == doc_id).to_numpy()
        train = ann[~test]
        model = fit_model(X[~test], train["label"], texts=list(train["text"]), outside=outside, **(settings or {}))
        held_out = list(ann.loc[test, "text"])
        out.loc[test, "score_model"], out.loc[test, "pred_model"] = model.score_and_label(X[test], held_out)
        tuned, _ = tune(train, tokens=[t for t, k in zip(toks, ~test) if k], lexicon=lexicon, rules=rules)
        scored = score_texts(ann.loc[test, "text"], lexicon=lexicon, rules=tuned,
                             tokens=[t for t, k in zip(toks, test) if k], paths=paths)
        out.loc[test, "score_rules"], out.loc[test, "pred_rules"] = scored["score"].to_numpy(), scored["label"].to_numpy()
        for name, scores in (("count", count.to_numpy(dtype=float)), ("snownlp", np.asarray(snow, dtype=float))):
            band = tune_threshold(train, scores[~test])
            out.loc[test, f"score_{name}"] = scores[test]
            out.loc[test, f"pred_{name}"] = [label_score(s, threshold_positive=band, threshold_negative=band)
                                             for s in scores[test]]
        out.loc[test, "score_majority"] = 0.0
        out.loc[test, "pred_majority"] = train["label"].value_counts().sort_index().idxmax()
    return out


def _weighted(gold, pred, score, metric):
    def statistic(w):
        return weighted_macro_f1(gold, pred, w) if metric == "macro_f1" else auc(gold, score, w)
    return statistic


def validation_table(predictions: pd.DataFrame, *, methods: Sequence[str] = METHODS, n_boot: int = 500,
                     random_state: int = SEED) -> pd.DataFrame:
    """Leave-one-document-out scores of every method, pooled and per held-out document.

    Returns
    -------
    DataFrame
        method, split (``loo``), document (``all`` when pooled), n, accuracy, macro_f1,
        macro_f1_low, macro_f1_high, kappa, auc, auc_low, auc_high; intervals resample
        sampling units (NaN from fewer than ten).
    """
    rows = []
    parts = [("all", predictions), *predictions.groupby("doc_id", sort=False)]
    for m in methods:
        for document, g in parts:
            gold, pred, score = g["label"].to_numpy(), g[f"pred_{m}"].to_numpy(), g[f"score_{m}"].to_numpy(dtype=float)
            row = {"method": m, "split": "loo", "document": document, **metrics(gold, pred, score)}
            for metric in ("macro_f1", "auc"):
                _, lo, hi = cluster_bootstrap(g["unit"], _weighted(gold, pred, score, metric), n_boot=n_boot,
                                              random_state=group_rng(random_state, "validation", document))
                row[f"{metric}_low"], row[f"{metric}_high"] = lo, hi
            rows.append(row)
    columns = ["method", "split", "document", "n", "accuracy", "macro_f1", "macro_f1_low", "macro_f1_high",
               "kappa", "auc", "auc_low", "auc_high"]
    return pd.DataFrame(rows)[columns]


def paired_differences(predictions: pd.DataFrame, *, reference: str, methods: Sequence[str] = METHODS,
                       n_boot: int = 1000, random_state: int = SEED) -> pd.DataFrame:
    """Differences in pooled macro-F1 and AUC between ``reference`` and every other method.

    Both methods are scored on the same resampled units in each draw, so the interval is
    that of the paired difference.

    Returns
    -------
    DataFrame
        method, reference, metric, difference (reference minus method), ci_low, ci_high.
    """
    gold = predictions["label"].to_numpy()
    rows = []
    for m in methods:
        if m == reference:
            continue
        for metric in ("macro_f1", "auc"):
            a = _weighted(gold, predictions[f"pred_{reference}"].to_numpy(),
                          predictions[f"score_{reference}"].to_numpy(dtype=float), metric)
            b = _weighted(gold, predictions[f"pred_{m}"].to_numpy(), predictions[f"score_{m}"].to_numpy(dtype=float), metric)
            est, lo, hi = cluster_bootstrap(predictions["unit"], lambda w: a(w) - b(w), n_boot=n_boot,
                                            random_state=group_rng(random_state, "paired", m, metric))
            rows.append({"method": m, "reference": reference, "metric": metric, "difference": est,
                         "ci_low": lo, "ci_high": hi})
    return pd.DataFrame(rows, columns=["method", "reference", "metric", "difference", "ci_low", "ci_high"])


def best_method(table: pd.DataFrame) -> str:
    """The method with the highest pooled leave-one-document-out macro-F1 (ties: table order)."""
    pooled = table[table["document"] == "all"]
    return str(pooled.loc[pooled["macro_f1"].idxmax(), "method"])


def confusion_table(predictions: pd.DataFrame, *, methods: Sequence[str] = METHODS) -> pd.DataFrame:
    """Long confusion matrices, pooled over held-out documents: method, gold, predicted, n."""
    rows = []
    for m in methods:
        for g, p in itertools.product(LABELS, LABELS):
            rows.append({"method": m, "gold": g, "predicted": p,
                         "n": int(((predictions["label"] == g) & (predictions[f"pred_{m}"] == p)).sum())})
    return pd.DataFrame(rows)
