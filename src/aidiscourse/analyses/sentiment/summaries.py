"""Corpus-level summaries of sentence tone: per document, per label, per speaker role,
per target family, along each document, the extreme sentences, and the agreement of
lexicon variants.

Every interval is a percentile bootstrap that resamples whole paragraphs; each group
draws from its own random stream, seeded by ``SEED`` and a hash of the group's keys, so
adding a document leaves every other document's interval unchanged.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Sequence

import numpy as np
import pandas as pd
import yaml
from scipy.stats import pearsonr, spearmanr

from aidiscourse.analyses.sentiment.lexicon import load_lexicon, sentiment_dir
from aidiscourse.analyses.sentiment.rules import Rules, load_rules
from aidiscourse.analyses.sentiment.scorer import LABELS, score_texts, score_tokens, tokenize
from aidiscourse.analyses.sentiment.validation import doc_seed
from aidiscourse.config import SEED, Paths, project_paths
from aidiscourse.errors import fail


def bootstrap_mean_ci(values: Sequence[float], *, clusters: Sequence | None = None, n_boot: int = 2000,
                      level: float = 0.95, random_state: int | Sequence[int] = SEED) -> tuple[float, float, float]:
    """Mean and percentile bootstrap confidence interval.

    With ``clusters`` (for example the paragraph of each sentence), whole clusters are
    resampled, which respects the dependence of neighbouring sentences.

    Returns
    -------
    (mean, low, high); low and high are NaN for fewer than two values (or clusters).

    Examples
    --------
    >>> m, lo, hi = bootstrap_mean_ci([0.0, 1.0, 0.0, 1.0], random_state=1)
    >>> m, 0 <= lo <= m <= hi <= 1
    (0.5, True)
    """
    x = np.asarray(values, dtype=float)
    if len(x) == 0:
        return float("nan"), float("nan"), float("nan")
    mean = float(x.mean())
    if len(x) < 2:
        return mean, float("nan"), float("nan")
    rng = np.random.default_rng(random_state)
    if clusters is None:
        idx = rng.integers(0, len(x), size=(n_boot, len(x)))
        boots = x[idx].mean(axis=1)
    else:
        codes, uniq = pd.factorize(pd.Series(list(clusters)), sort=True)
        if len(uniq) < 2:
            return mean, float("nan"), float("nan")
        sums = np.bincount(codes, weights=x, minlength=len(uniq))
        counts = np.bincount(codes, minlength=len(uniq)).astype(float)
        idx = rng.integers(0, len(uniq), size=(n_boot, len(uniq)))
        boots = sums[idx].sum(axis=1) / counts[idx].sum(axis=1)
    alpha = (1 - level) / 2
    lo, hi = np.quantile(boots, [alpha, 1 - alpha])
    return mean, float(lo), float(hi)


def _group_seed(random_state: int, *keys: str) -> list[int]:
    """The seed of one group's own random stream: ``random_state`` and a hash of each key."""
    return [random_state, *(doc_seed(str(k)) for k in keys)]


def score_corpus(sentences: pd.DataFrame, paths: Paths | None = None, *, rules: Rules | None = None) -> pd.DataFrame:
    """Score every sentence of the corpus with the scorer and with the lexicon variants.

    Returns
    -------
    DataFrame
        The sentence table plus ``position`` (0-based index within the document),
        ``score``, ``label``, ``hits``, ``rules`` and ``score_hownet``, ``score_dutir``
        (the same rules with one general lexicon each, domain add-on included),
        ``score_count`` (plain count), and ``scorer_tokens`` (the scorer's tokens of each
        sentence, reused by :func:`by_target`).
    """
    paths = paths or project_paths()
    rules = rules or load_rules(paths)
    df = sentences.reset_index(drop=True).copy()
    toks = tokenize(df["text"], paths)
    scored = score_texts(df["text"], rules=rules, tokens=toks, paths=paths)
    df["position"] = df.groupby("doc_id", sort=False).cumcount()
    for col in ("score", "label", "hits", "rules"):
        df[col] = scored[col].to_numpy()
    for source in ("hownet", "dutir"):
        lex = load_lexicon(paths, source=source, domain=False)
        df[f"score_{source}"] = score_texts(df["text"], lexicon=lex, rules=rules, tokens=toks, paths=paths)["score"].to_numpy()
    df["score_count"] = score_texts(df["text"], rules=rules, use_rules=False, tokens=toks, paths=paths)["score"].to_numpy()
    df["scorer_tokens"] = pd.Series(toks, index=df.index, dtype=object)
    return df


def by_document(scored: pd.DataFrame, *, n_boot: int = 2000, random_state: int = SEED) -> pd.DataFrame:
    """Mean sentence tone per document with a paragraph-cluster bootstrap 95% interval.

    Returns doc_id, mean, ci_low, ci_high, n.
    """
    rows = []
    for doc_id, g in scored.groupby("doc_id", sort=False):
        m, lo, hi = bootstrap_mean_ci(g["score"], clusters=g["paragraph"], n_boot=n_boot,
                                      random_state=_group_seed(random_state, doc_id))
        rows.append({"doc_id": doc_id, "mean": m, "ci_low": lo, "ci_high": hi, "n": len(g)})
    return pd.DataFrame(rows, columns=["doc_id", "mean", "ci_low", "ci_high", "n"])


def label_shares(scored: pd.DataFrame) -> pd.DataFrame:
    """Share of positive, neutral and negative sentences per document (long form)."""
    counts = scored.groupby(["doc_id", "label"], sort=False).size().unstack(fill_value=0)
    counts = counts.reindex(columns=list(LABELS), fill_value=0)
    shares = counts.div(counts.sum(axis=1), axis=0)
    out = shares.stack().rename("share").reset_index()
    out["n"] = counts.stack().to_numpy()
    return out


def by_group(scored: pd.DataFrame, column: str, *, n_boot: int = 2000, random_state: int = SEED) -> pd.DataFrame:
    """Mean tone per document and value of ``column`` (for example ``role``), with a
    paragraph-cluster bootstrap 95% interval."""
    rows = []
    for (doc_id, value), g in scored.groupby(["doc_id", column], sort=False):
        m, lo, hi = bootstrap_mean_ci(g["score"], clusters=g["paragraph"], n_boot=n_boot,
                                      random_state=_group_seed(random_state, doc_id, value))
        rows.append({"doc_id": doc_id, column: value, "mean": m, "ci_low": lo, "ci_high": hi, "n": len(g)})
    return pd.DataFrame(rows, columns=["doc_id", column, "mean", "ci_low", "ci_high", "n"])


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


def by_target(scored: pd.DataFrame, targets: Sequence[Target], paths: Paths | None = None, *,
              rules: Rules | None = None, n_boot: int = 2000, random_state: int = SEED) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Tone of the sentences that mention each target family, per document.

    The family's own terms are not scored (tokens containing a term are ignored), so the
    tone is that of what is said about the target.

    Parameters
    ----------
    scored : DataFrame
        From :func:`score_corpus` (its ``scorer_tokens`` are reused; a table without
        them is tokenised again).
    targets : sequence of Target
        From :func:`load_targets`.
    paths : Paths, optional
    rules : Rules, optional
        Default: :func:`~aidiscourse.analyses.sentiment.rules.load_rules`.
    n_boot, random_state : int
        Bootstrap draws and the seed of every group's stream.

    Returns
    -------
    (summary, sentences)
        summary: doc_id, target, mean, ci_low, ci_high, n (paragraph-cluster bootstrap);
        sentences: doc_id, sentence, paragraph, target, score_target for every mention.
    """
    paths = paths or project_paths()
    rules = rules or load_rules(paths)
    lexicon = load_lexicon(paths)
    toks = scored["scorer_tokens"] if "scorer_tokens" in scored else tokenize(scored["text"], paths)
    rows, mention_rows = [], []
    for target in targets:
        for i, (text, t) in enumerate(zip(scored["text"], toks)):
            if not mentions(text, target):
                continue
            ignore = frozenset(tok for tok in t if any(term in tok for term in target.terms))
            s = score_tokens(t, lexicon, rules, ignore=ignore).score
            r = scored.iloc[i]
            mention_rows.append({"doc_id": r["doc_id"], "sentence": int(r["sentence"]), "paragraph": r["paragraph"],
                                 "target": target.key, "score_target": s})
    mention_df = pd.DataFrame(mention_rows, columns=["doc_id", "sentence", "paragraph", "target", "score_target"])
    for (doc_id, key), g in mention_df.groupby(["doc_id", "target"], sort=False):
        m, lo, hi = bootstrap_mean_ci(g["score_target"], clusters=g["paragraph"], n_boot=n_boot,
                                      random_state=_group_seed(random_state, doc_id, key))
        rows.append({"doc_id": doc_id, "target": key, "mean": m, "ci_low": lo, "ci_high": hi, "n": len(g)})
    return pd.DataFrame(rows, columns=["doc_id", "target", "mean", "ci_low", "ci_high", "n"]), mention_df


def rolling_tone(scored: pd.DataFrame, *, window: int = 15) -> pd.DataFrame:
    """Centred rolling mean of sentence tone along each document.

    Returns doc_id, position, rolling (the mean over up to ``window`` sentences), role, turn.
    """
    parts = []
    for doc_id, g in scored.groupby("doc_id", sort=False):
        roll = g["score"].rolling(window, center=True, min_periods=max(3, window // 3)).mean()
        parts.append(pd.DataFrame({"doc_id": doc_id, "position": g["position"].to_numpy(), "rolling": roll.to_numpy(),
                                   "role": g["role"].to_numpy(), "turn": g["turn"].to_numpy()}))
    return pd.concat(parts, ignore_index=True)


def arc_markers(scored: pd.DataFrame, all_sections: pd.DataFrame) -> pd.DataFrame:
    """Where speaker turns begin and where section headings stand along each document.

    Returns doc_id, position (the first analysed sentence after the marker), kind
    (``turn`` or ``heading``), label (the speaker's role, or the heading's text).
    """
    rows = []
    for doc_id, g in scored.groupby("doc_id", sort=False):
        if g["turn"].nunique() > 1:
            starts = g[g["turn"] != g["turn"].shift()]
            for _, r in starts.iloc[1:].iterrows():
                rows.append({"doc_id": doc_id, "position": int(r["position"]), "kind": "turn", "label": f"{r['role']}"})
        heads = all_sections[(all_sections["doc_id"] == doc_id) & (all_sections["section"] == "heading")]
        for _, h in heads.iterrows():
            after = g[g["paragraph"] > h["paragraph"]]
            if len(after):
                rows.append({"doc_id": doc_id, "position": int(after["position"].iloc[0]), "kind": "heading", "label": h["text"]})
    return pd.DataFrame(rows, columns=["doc_id", "position", "kind", "label"])


def extreme_sentences(scored: pd.DataFrame, *, n: int = 5) -> pd.DataFrame:
    """The ``n`` most positive and ``n`` most negative sentences of each document, with
    the lexicon hits and rules behind each score (ties broken by sentence number)."""
    parts = []
    for doc_id, g in scored.groupby("doc_id", sort=False):
        pos = g[g["score"] > 0].sort_values(["score", "sentence"], ascending=[False, True]).head(n).assign(end="most positive")
        neg = g[g["score"] < 0].sort_values(["score", "sentence"], ascending=[True, True]).head(n).assign(end="most negative")
        parts += [pos, neg]
    cols = ["doc_id", "end", "sentence", "score", "text", "hits", "rules"]
    return pd.concat(parts, ignore_index=True)[cols]


def lexicon_agreement(scored: pd.DataFrame, *, pairs: Sequence[tuple[str, str]] = (
        ("score_hownet", "score_dutir"), ("score_hownet", "score"), ("score_dutir", "score"),
        ("score_count", "score"))) -> pd.DataFrame:
    """Sentence-level Pearson and Spearman correlation between score variants, and the
    share of sentences where both have the same sign, per pair."""
    rows = []
    for a, b in pairs:
        x, y = scored[a].to_numpy(float), scored[b].to_numpy(float)
        rows.append({"a": a, "b": b, "n": len(x), "pearson": float(pearsonr(x, y)[0]),
                     "spearman": float(spearmanr(x, y)[0]), "same_sign": float(np.mean(np.sign(x) == np.sign(y)))})
    return pd.DataFrame(rows)
