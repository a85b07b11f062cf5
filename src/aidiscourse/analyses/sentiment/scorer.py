"""Score sentences: tokenise, look up each token, apply the rules, squash, label.

The weighted sum ``s`` of polarities is mapped into [-1, 1] by ``s / sqrt(s**2 + alpha)``
(the normalisation of VADER: Hutto and Gilbert 2014) and labelled with two thresholds.
:func:`score_tokens` is the scorer; :func:`score_texts` scores many sentences,
:func:`score_line` one line of user input; :func:`snownlp_scores` is a baseline.
"""
from __future__ import annotations

import math
import re
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Iterable, Sequence

import numpy as np
import pandas as pd

from aidiscourse.analyses.sentiment.lexicon import Lexicon, load_lexicon, read_word_list, sentiment_dir
from aidiscourse.analyses.sentiment.rules import Rules, load_rules
from aidiscourse.config import Paths, project_paths
from aidiscourse.corpus.manifest import load_manifest
from aidiscourse.corpus.normalize import normalize_text
from aidiscourse.corpus.segment import get_segmenter

#: The three labels, in the order tables and confusion matrices use.
LABELS = ("positive", "neutral", "negative")

_QUESTION_END = re.compile(r"[？?][”」』\"']*\s*$")


@dataclass
class Scored:
    """The score of one sentence and how it came about.

    Attributes
    ----------
    score : float
        In [-1, 1].
    label : str
        positive, negative or neutral.
    raw : float
        The weighted sum of polarities before squashing.
    hits : list of str
        One entry per evaluative word: the word, its polarity and the factors applied,
        for example ``民主(+1 ×-0.5 没有)``.
    rules : list of str
        Sentence-level rules applied (contrast, concessive, question, rhetorical).
    """

    score: float
    label: str
    raw: float = 0.0
    hits: list[str] = field(default_factory=list)
    rules: list[str] = field(default_factory=list)


def label_score(score: float, *, threshold_positive: float, threshold_negative: float) -> str:
    """Label a score: positive if ``score >= threshold_positive``, negative if
    ``score <= -threshold_negative``, else neutral (a score of 0 is always neutral).

    >>> label_score(0.4, threshold_positive=0.3, threshold_negative=0.3)
    'positive'
    >>> label_score(-0.2, threshold_positive=0.3, threshold_negative=0.3)
    'neutral'
    """
    if score > 0 and score >= threshold_positive:
        return "positive"
    if score < 0 and score <= -threshold_negative:
        return "negative"
    return "neutral"


def squash(total: float, alpha: float) -> float:
    """Map a sum of polarities into (-1, 1): ``s / sqrt(s**2 + alpha)`` (VADER).

    >>> round(squash(1.0, 3.0), 3), squash(0.0, 3.0)
    (0.5, 0.0)
    """
    if total == 0:
        return 0.0
    return total / math.sqrt(total * total + alpha)


def score_tokens(tokens: Sequence[str], lexicon: Lexicon, rules: Rules, *, ignore: frozenset[str] = frozenset(),
                 use_rules: bool = True) -> Scored:
    """Score one tokenised sentence.

    Parameters
    ----------
    tokens : sequence of str
        The sentence's tokens, punctuation included.
    lexicon : Lexicon
    rules : Rules
    ignore : frozenset of str
        Tokens not scored even if they are in the lexicon (the terms of a target family).
    use_rules : bool
        With ``False``, the plain lexicon count: every hit counts +1 or -1 and the score is
        ``(pos - neg) / (pos + neg)``, labelled by its sign.

    Returns
    -------
    Scored
    """
    tokens = list(tokens)
    if not use_rules:
        pos = sum(1 for t in tokens if t not in ignore and lexicon.polarity(t) > 0)
        neg = sum(1 for t in tokens if t not in ignore and lexicon.polarity(t) < 0)
        score = 0.0 if pos + neg == 0 else (pos - neg) / (pos + neg)
        hits = [f"{t}({lexicon.polarity(t):+d})" for t in tokens if t not in ignore and lexicon.polarity(t)]
        return Scored(score, "positive" if score > 0 else "negative" if score < 0 else "neutral", float(pos - neg), hits)

    n = len(tokens)
    weights = [1.0] * n
    sentence_rules: list[str] = []
    punct = rules.clause_punctuation
    # contrast: the last contrast marker splits the sentence
    contrast_at = max((i for i, t in enumerate(tokens) if t in rules.contrast), default=None)
    if contrast_at is not None:
        for i in range(n):
            weights[i] = rules.contrast_before if i < contrast_at else rules.contrast_after
        sentence_rules.append(f"contrast {tokens[contrast_at]}")
    # concessive clause: from the marker to the next clause boundary (if not already before a contrast)
    for i, t in enumerate(tokens):
        if t in rules.concessive and (contrast_at is None or i > contrast_at):
            j = i
            while j < n and tokens[j] not in punct:
                weights[j] = rules.contrast_before
                j += 1
            sentence_rules.append(f"concessive {t}")

    total = 0.0
    hits = []
    for i, tok in enumerate(tokens):
        if tok in ignore or tok in rules.negators or tok in rules.degree:
            continue
        pol = lexicon.polarity(tok)
        if not pol:
            continue
        factor = 1.0
        notes = []
        negations = 0
        for j in range(i - 1, max(-1, i - 1 - rules.window), -1):
            prev = tokens[j]
            if prev in punct or lexicon.polarity(prev) and prev not in rules.negators:
                break
            if prev in rules.negators:
                negations += 1
                notes.append(prev)
            elif prev in rules.degree:
                factor *= rules.degree[prev]
                notes.append(f"{prev}×{rules.degree[prev]:g}")
        if negations % 2:
            factor *= rules.negation
        elif negations:
            notes.append("double negation")
        w = weights[i]
        value = pol * factor * w
        total += value
        detail = f" ×{factor:g}" if factor != 1 else ""
        detail += f" w{w:g}" if w != 1 else ""
        detail += (" " + ",".join(reversed(notes))) if notes else ""
        hits.append(f"{tok}({pol:+d}{detail})")

    text = "".join(tokens)
    if _QUESTION_END.search(text):
        if any(marker in text for marker in rules.rhetorical):
            total = total * rules.rhetorical_factor + rules.rhetorical_base
            sentence_rules.append(f"rhetorical question ×{rules.rhetorical_factor:g} {rules.rhetorical_base:+g}")
        else:
            total *= rules.question
            sentence_rules.append(f"question ×{rules.question:g}")
    score = squash(total, rules.alpha)
    label = label_score(score, threshold_positive=rules.threshold_positive, threshold_negative=rules.threshold_negative)
    return Scored(score, label, total, hits, sentence_rules)


@lru_cache(maxsize=4)
def _scorer_segmenter(paths_root: str):
    """The corpus segmenter plus the domain words, rule words and speakers' names (cached)."""
    paths = Paths(Path(paths_root))
    folder = sentiment_dir(paths)
    rules = load_rules(paths)
    extra = set(read_word_list(folder / "domain_positive.txt")) | set(read_word_list(folder / "domain_negative.txt"))
    extra |= {w for w in rules.words if len(w) > 1}
    for doc in load_manifest(paths):
        extra |= {p.name for p in doc.people}
    return get_segmenter(str(paths.user_dict), tuple(sorted(extra)), "jieba")


def tokenize(texts: Iterable[str], paths: Paths | None = None) -> list[list[str]]:
    """Tokenise sentences for the scorer: the project's user dictionary plus the
    domain words and rule words, so that 卡脖子 and 受制于人 stay whole."""
    paths = paths or project_paths()
    seg = _scorer_segmenter(str(paths.root))
    return [seg.cut(t) if isinstance(t, str) and t else [] for t in texts]


def score_texts(texts: Iterable[str], *, lexicon: Lexicon | None = None, rules: Rules | None = None,
                use_rules: bool = True, paths: Paths | None = None, tokens: Sequence[Sequence[str]] | None = None
                ) -> pd.DataFrame:
    """Score sentences; return a frame with score, label, raw, hits and rules.

    Parameters
    ----------
    texts : iterable of str
        Normalised sentences (see :func:`aidiscourse.corpus.normalize.normalize_text`).
    lexicon : Lexicon, optional
        Default: :func:`~aidiscourse.analyses.sentiment.lexicon.load_lexicon`.
    rules : Rules, optional
        Default: :func:`~aidiscourse.analyses.sentiment.rules.load_rules`.
    use_rules : bool
        ``False`` gives the plain lexicon count.
    tokens : sequence of token lists, optional
        Pre-computed tokens (from :func:`tokenize`), to score many variants quickly.
    paths : Paths, optional

    Returns
    -------
    DataFrame
        One row per sentence: score, label, raw, hits and rules (``; ``-joined).
    """
    paths = paths or project_paths()
    texts = list(texts)
    lexicon = lexicon or load_lexicon(paths)
    rules = rules or load_rules(paths)
    toks = tokens if tokens is not None else tokenize(texts, paths)
    rows = []
    for t in toks:
        s = score_tokens(t, lexicon, rules, use_rules=use_rules)
        rows.append((s.score, s.label, s.raw, "; ".join(s.hits), "; ".join(s.rules)))
    return pd.DataFrame(rows, columns=["score", "label", "raw", "hits", "rules"])


def snownlp_scores(texts: Iterable[str]) -> np.ndarray:
    """SnowNLP's sentiment (probability of positive, trained on product reviews) as a
    score in [-1, 1]: ``2 p - 1``; empty text scores 0."""
    from snownlp import SnowNLP  # loads its model on import: only for the validation baseline

    out = []
    for t in texts:
        out.append(0.0 if not t else 2.0 * SnowNLP(t).sentiments - 1.0)
    return np.asarray(out, dtype=float)


def score_line(line: str, paths: Paths | None = None) -> tuple[float, str]:
    """Score one line of user input: normalise (Traditional → Simplified), tokenise, score.

    An empty or blank line gives ``(0.0, "neutral")``.
    """
    text = normalize_text(line or "")
    if not text:
        return 0.0, "neutral"
    paths = paths or project_paths()
    lexicon, rules = _default_scorer(str(paths.root))
    s = score_tokens(tokenize([text], paths)[0], lexicon, rules)
    return s.score, s.label


@lru_cache(maxsize=4)
def _default_scorer(root: str) -> tuple[Lexicon, Rules]:
    """The committed lexicon and rules of a project (cached: the command line scores line by line)."""
    paths = Paths(Path(root))
    return load_lexicon(paths), load_rules(paths)
