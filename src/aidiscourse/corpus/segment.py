"""Sentences and tokens.

Sentences are split on Chinese sentence-final punctuation (keeping closing quotes with
their sentence). Tokens come from jieba's dictionary and the project's user dictionary,
with HMM switched off, so that segmentation depends only on the dictionaries
(deterministic); the default backend is ``rjieba``, the Rust port, which gives the same
tokens as jieba several times faster. Latin words are folded to one spelling.
"""
from __future__ import annotations

import re
import threading
from contextlib import contextmanager
from functools import lru_cache
from pathlib import Path
from typing import Iterable, Iterator, Literal, Sequence

from aidiscourse.config import SEGMENTER_BACKEND
from aidiscourse.corpus.normalize import CJK
from aidiscourse.errors import fail

# each branch consumes the sign that ends a sentence and looks around it afterwards, so
# that the engine searches for signs instead of trying look-behinds at every character;
# a match's end is where a sentence ends
_SENTENCE_END = re.compile(
    r"[。！？…](?![。！？!?…”’」』）)\"'])"
    # a half-width ! or ? ends a sentence only before a space, a Chinese character or the
    # end: not in "<!--", "Yahoo!News", "x.cn/a?b=1"
    r"|[!?](?<!<[!?])(?![\x21-\x7e。！？…”’」』）])"
    r"|[。！？!?…][”’」』）)\"'](?![”’」』）)\"'])"
)


def split_sentences(paragraph: str) -> list[str]:
    """Split a paragraph into sentences after 。！？ and ellipses, keeping closing quotes.

    A sentence never ends inside markup (an HTML comment or tag, a Markdown link,
    image or inline code; see :func:`aidiscourse.corpus.markup.markup_spans`), which
    cleaning removes but a text typed on the command line may still hold.

    Examples
    --------
    >>> split_sentences("他说：“创新能被规划吗？”我认为不能。真的！")
    ['他说：“创新能被规划吗？”', '我认为不能。', '真的！']
    >>> split_sentences("<!-- INFO END -->见[报告！](https://x.cn/a?b=1)。完")
    ['<!-- INFO END -->见[报告！](https://x.cn/a?b=1)。', '完']
    """
    from aidiscourse.corpus.markup import markup_spans

    spans = markup_spans(paragraph)
    cuts = [m.end() for m in _SENTENCE_END.finditer(paragraph)]
    if spans:
        cuts = [c for c in cuts if not any(start < c < end for start, end in spans)]
    bounds = zip([0, *cuts], [*cuts, len(paragraph)])
    return [s.strip() for s in (paragraph[a:b] for a, b in bounds) if s.strip()]


Backend = Literal["jieba", "rjieba"]


def read_user_dict(path: str | Path | None) -> tuple[tuple[str, int, str | None], ...]:
    """The entries of a jieba user dictionary: ``(word, freq, tag)``; freq 30000 and tag
    None where the line omits them; ``#`` lines skipped. Empty for a missing file."""
    if path is None or not Path(path).is_file():
        return ()
    entries = []
    for line in Path(path).read_text(encoding="utf-8").splitlines():
        parts = line.split()
        if not parts or parts[0].startswith("#"):
            continue
        freq = int(parts[1]) if len(parts) > 1 and parts[1].isdigit() else 30000
        tag = parts[2] if len(parts) > 2 else None
        entries.append((parts[0], freq, tag))
    return tuple(entries)


class Segmenter:
    """A word segmenter holding its dictionary, built once and reused.

    Parameters
    ----------
    user_dict : path-like or None
        jieba user dictionary (``word freq tag`` per line).
    extra_words : sequence of str
        More words to keep whole (for example the names of people in the manifest).
    backend : {"rjieba", "jieba"}
        ``rjieba`` is the Rust port; with HMM off it gives jieba's tokens, faster.
    entries : sequence of (word, freq, tag), optional
        User dictionary entries given directly (instead of, or beside, ``user_dict``).

    Examples
    --------
    >>> Segmenter(None, extra_words=["新质生产力"]).cut("发展新质生产力")
    ['发展', '新质生产力']
    """

    def __init__(self, user_dict=None, *, extra_words: Sequence[str] = (), backend: Backend = SEGMENTER_BACKEND,
                 entries: Sequence[tuple[str, int, str | None]] = ()):
        self.backend = backend
        entries = [*read_user_dict(user_dict), *entries]
        entries += [(w, 30000, "nr") for w in extra_words if w]
        self.words = tuple(entries)
        #: casefolded Latin word -> the spelling the dictionary uses
        self.spellings = {w.casefold(): w for w, _, _ in entries if re.search("[A-Za-z]", w)}
        if backend == "jieba":
            self._tk = _fresh_jieba_tokenizer()
            for word, freq, tag in entries:
                replaced = self._tk.FREQ.get(word, 0)
                self._tk.add_word(word, freq, tag)
                # jieba adds the new frequency to the total without removing the word's
                # old one; keep the total the sum of frequencies (as rjieba does), so
                # that near-ties are broken the same way by both backends
                self._tk.total -= replaced
            self._cut = lambda text: self._tk.lcut(text, HMM=False)
        elif backend == "rjieba":
            import rjieba

            self._tk = rjieba.Jieba()
            for word, freq, tag in entries:
                self._tk.add_word(word, freq, tag)
            self._cut = lambda text: self._tk.cut(text, False)
        else:
            raise fail(f"unknown segmentation backend {backend!r}; use jieba or rjieba")
        self._lock = threading.Lock()
        self._neutral: set[str] = set()  # words lent to a document and given back

    def can_lend(self, words: Sequence[str]) -> bool:
        """Whether :meth:`lent` can add ``words`` for a while and take them back exactly.

        Only the rjieba backend, and only words of two or more characters that its
        dictionary lacks (or that were lent before): such a word, given back at frequency
        0, never wins a segmentation, and the dictionary's total returns to what it was.
        """
        return self.backend == "rjieba" and all(
            len(w) >= 2 and (w in self._neutral or not self._tk.has_word(w)) for w in words)

    @contextmanager
    def lent(self, words: Sequence[str]) -> Iterator["Segmenter"]:
        """This segmenter with ``words`` added (as ``extra_words`` would add them) until
        the block ends. Building an rjieba dictionary takes a good part of a second, so a
        corpus whose documents each name other people would otherwise spend more time
        building dictionaries than segmenting. Threads take turns.
        """
        if not self.can_lend(words):
            raise ValueError("these words cannot be lent; build a Segmenter with extra_words")
        with self._lock:
            spellings = dict(self.spellings)
            for word in words:
                self._tk.add_word(word, 30000, "nr")
                if re.search("[A-Za-z]", word):
                    self.spellings[word.casefold()] = word
            try:
                yield self
            finally:
                for word in words:
                    self._tk.add_word(word, 0, None)
                    self._neutral.add(word)
                self.spellings = spellings

    def cut(self, text: str) -> list[str]:
        """Return the tokens of ``text``, whitespace dropped, Latin words folded."""
        # a token is either whitespace or holds none (jieba splits blocks at whitespace),
        # so joining and splitting drops the whitespace tokens in one pass in C
        tokens = " ".join(self._cut(text)).split()
        if not _LATIN_LETTER.search(text):
            return tokens  # nothing to fold
        fold = self.fold
        return [fold(t) if t.isascii() else t for t in tokens]

    def tokens(self, text: str) -> str:
        """The tokens of ``text`` as one space-separated string (see :meth:`cut`).

        >>> Segmenter(None, extra_words=["DeepSeek"]).tokens("deepseek 发布了 新模型")
        'DeepSeek 发布 了 新 模型'
        """
        return " ".join(self.cut(text))

    def fold(self, token: str) -> str:
        """Fold a Latin word to one spelling: the dictionary's if listed, else lower case.

        >>> Segmenter(None, extra_words=["DeepSeek"]).fold("Deepseek")
        'DeepSeek'
        """
        if token.isascii() and any(c.isalpha() for c in token):
            return self.spellings.get(token.casefold(), token.lower())
        return token


_LATIN_LETTER = re.compile("[A-Za-z]")


@lru_cache(maxsize=1)
def _base_jieba_tokenizer():
    import jieba

    jieba.setLogLevel(60)
    base = jieba.Tokenizer()
    base.initialize()
    return base


def _fresh_jieba_tokenizer():
    """A jieba tokenizer with the main dictionary, loaded once per process and copied,
    so that each document's extra words stay its own without reloading the dictionary."""
    import jieba

    base = _base_jieba_tokenizer()
    tk = jieba.Tokenizer()
    tk.FREQ, tk.total = dict(base.FREQ), base.total
    tk.initialized = True
    return tk


@lru_cache(maxsize=8)
def get_segmenter(user_dict: str | None, extra_words: tuple[str, ...] = (), backend: Backend = SEGMENTER_BACKEND) -> Segmenter:
    """A cached :class:`Segmenter`: the dictionary is built once per process."""
    return Segmenter(user_dict, extra_words=extra_words, backend=backend)


@lru_cache(maxsize=8)
def get_segmenter_for_entries(entries: tuple[tuple[str, int, str | None], ...], extra_words: tuple[str, ...] = (),
                              backend: Backend = SEGMENTER_BACKEND) -> Segmenter:
    """A cached :class:`Segmenter` built from user dictionary entries (no file read), as a
    worker on another machine builds it."""
    return Segmenter(None, entries=entries, extra_words=extra_words, backend=backend)


@contextmanager
def document_segmenter(entries: tuple[tuple[str, int, str | None], ...], extra_words: tuple[str, ...] = (),
                       backend: Backend = SEGMENTER_BACKEND) -> Iterator[Segmenter]:
    """The segmenter of one document: the user dictionary plus the document's own words
    (its people's names), giving the tokens of
    ``Segmenter(None, entries=entries, extra_words=extra_words, backend=backend)``.

    With rjieba the process keeps one dictionary and lends it the document's words
    (:meth:`Segmenter.lent`) instead of building a dictionary per set of names.
    """
    base = get_segmenter_for_entries(entries, (), backend)
    if extra_words and base.can_lend(extra_words):
        with base.lent(extra_words) as segmenter:
            yield segmenter
    else:
        yield get_segmenter_for_entries(entries, extra_words, backend)


# --- which tokens count as terms ----------------------------------------------------

_HAS_WORD = re.compile(rf"[{CJK}A-Za-z]")
_NUMBER = re.compile(r"^[\d.,，%％\-–—~+]+$|^[\d.]+[%万亿千百]*$|^第?[一二三四五六七八九十百千万亿〇零两]+$")


@lru_cache(maxsize=4)
def load_stopwords(extra_path: str | None = None) -> frozenset[str]:
    """The packaged Chinese stop words (``stopwordsiso``) plus the project's additions."""
    import stopwordsiso

    words = set(stopwordsiso.stopwords("zh"))
    if extra_path and Path(extra_path).is_file():
        for line in Path(extra_path).read_text(encoding="utf-8").splitlines():
            line = line.strip()
            if line and not line.startswith("#"):
                words.add(line)
    return frozenset(words)


def is_term(token: str, stopwords: Iterable[str] | frozenset[str] = frozenset()) -> bool:
    """True for tokens counted in frequency work: not punctuation, not a number, not a
    stop word, not a single Latin letter.

    Examples
    --------
    >>> [t for t in ["人工智能", "，", "2.8%", "的", "AI", "x", "钱"] if is_term(t, {"的"})]
    ['人工智能', 'AI', '钱']
    """
    if not _HAS_WORD.search(token) or _NUMBER.match(token):
        return False
    if token.isascii() and len(token) == 1:
        return False
    return token not in stopwords


def terms(tokens: Iterable[str], stopwords: Iterable[str] | frozenset[str] = frozenset()) -> list[str]:
    """Keep the tokens that :func:`is_term` accepts."""
    return [t for t in tokens if is_term(t, stopwords)]
