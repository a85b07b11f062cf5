"""Domain terms the segmenter splits: candidates for the user dictionary.

jieba splits words its dictionaries lack (修昔底德陷阱 -> 修昔底 / 德 / 陷阱), and a
split term is counted as its pieces in every chapter. :func:`suggest_terms` finds such
terms in any collection of texts by the standard unsupervised method for Chinese new
words: a character n-gram is a word candidate when it is frequent, *cohesive* (its
parts occur together far more often than chance: the smallest pointwise mutual
information over its two-part splits) and *free* (varied characters on both sides:
the smaller of its left and right branching entropies). Candidates that the segmenter
already keeps whole, that the user dictionary lists, or that begin or end with a
function character are skipped.

References: Church, K. W. and Hanks, P. (1990). Word association norms, mutual
information, and lexicography. *Computational Linguistics* 16(1), 22-29. Huang, J. H.
and Powers, D. (2003). Chinese word segmentation based on contextual entropy. *PACLIC
17*, 152-158. Jin, Z. and Tanaka-Ishii, K. (2006). Unsupervised segmentation of Chinese
text by use of branching entropy. *COLING/ACL 2006*, 428-435.
"""
from __future__ import annotations

import datetime as _dt
import math
import re
from collections import Counter, defaultdict
from pathlib import Path
from typing import Iterable, Sequence

import pandas as pd

from aidiscourse.errors import fail

_CJK_RUN = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff]+")
#: Characters a term does not begin with: particles, conjunctions, prepositions,
#: pronouns, modal verbs and measure words that attach to the word after them (和市场,
#: 会带来, 占全球), and 年/月/日/次/条 after a number (2000年前后, 第二次, 第三条).
START_CHARS = frozenset("的了着过是在和与及或也都就而被把将对为以之其这那有个们地得所从向于让给还又再很更最不没并且但则即却该各每某此些等会要能可占年月日号次条章款项")
#: Characters a term does not end with: the same particles and words, and localisers
#: (历史上, 程度上, 发展中).
END_CHARS = frozenset("的了着过是在和与及或也都就而被把将对为以之其这那有个们地得所从向于让给还又再很更最不没并且但则即却该各每某此些等上下中里内时后前")
#: Columns of :func:`suggest_terms`'s table.
COLUMNS = ["term", "frequency", "pmi", "left_entropy", "right_entropy", "score", "split_as", "context"]
#: The comment that precedes terms appended by :func:`append_terms`.
ADDED_MARK = "added with `aidiscourse terms suggest --add`"


def _ngram_counts(runs: Sequence[str], max_len: int, min_freq: int) -> Counter:
    """Counts of the n-grams of ``runs`` up to ``max_len`` characters that can matter: every
    n-gram whose prefix or suffix of n-1 characters is seen ``min_freq`` times (an n-gram
    whose prefix and suffix are both rarer is rarer still, and neighbours nothing frequent).
    Counting only these keeps memory in proportion to the frequent n-grams."""
    counts: Counter = Counter()
    for size in range(1, max_len + 1):
        layer: Counter = Counter()
        for run in runs:
            grams = (run[i : i + size] for i in range(len(run) - size + 1))
            if size <= 2:
                layer.update(grams)
            else:
                layer.update(g for g in grams if counts[g[:-1]] >= min_freq or counts[g[1:]] >= min_freq)
        if not layer:
            break
        counts.update(layer)
    return counts


def _entropy(counter: Counter, boundary: int) -> float:
    """Entropy (bits) of a neighbour distribution; each text boundary counts as a
    neighbour seen once (a term at the edge of a clause is free on that side)."""
    total = sum(counter.values()) + boundary
    if total == 0:
        return 0.0
    h = -sum(c / total * math.log2(c / total) for c in counter.values())
    return h + boundary * (math.log2(total) / total)


def candidate_table(
    texts: Iterable[str],
    *,
    min_len: int = 2,
    max_len: int = 8,
    min_freq: int = 3,
) -> pd.DataFrame:
    """Every CJK n-gram of ``min_len``..``max_len`` characters seen ``min_freq`` times,
    with its cohesion and freedom.

    Parameters
    ----------
    texts : iterable of str
        Sentences or lines; n-grams never cross a non-Chinese character.
    min_len, max_len : int
        Lengths of the n-grams considered, in characters.
    min_freq : int
        Minimum frequency of a candidate.

    Returns
    -------
    DataFrame
        Columns ``term``, ``frequency``, ``pmi`` (bits: the smallest
        log2 p(w) / (p(a) p(b)) over the splits w = ab, with p the frequency of an
        n-gram among the n-grams of its length), ``left_entropy``, ``right_entropy``
        (bits).
    """
    runs = [m.group(0) for t in texts for m in _CJK_RUN.finditer(t)]
    counts = _ngram_counts(runs, max_len + 1, min_freq)
    totals = {size: sum(max(0, len(run) - size + 1) for run in runs) for size in range(1, max_len + 1)}
    candidates = {g for g, c in counts.items() if min_len <= len(g) <= max_len and c >= min_freq}
    left: dict[str, Counter] = defaultdict(Counter)
    right: dict[str, Counter] = defaultdict(Counter)
    left_edge: Counter = Counter()
    right_edge: Counter = Counter()
    # neighbours from the (n+1)-grams, edges from where runs begin and end
    for gram, c in counts.items():
        if len(gram) < 2:
            continue
        head, tail = gram[:-1], gram[1:]
        if head in candidates:
            right[head][gram[-1]] += c
        if tail in candidates:
            left[tail][gram[0]] += c
    for run in runs:
        for size in range(min_len, min(max_len, len(run)) + 1):
            if run[:size] in candidates:
                left_edge[run[:size]] += 1
            if run[-size:] in candidates:
                right_edge[run[-size:]] += 1
    rows = []
    for gram in candidates:
        p = counts[gram] / totals[len(gram)]
        pmi = min(
            math.log2(p / ((counts[gram[:k]] / totals[k]) * (counts[gram[k:]] / totals[len(gram) - k])))
            for k in range(1, len(gram))
        )
        rows.append((gram, counts[gram], pmi, _entropy(left[gram], left_edge[gram]), _entropy(right[gram], right_edge[gram])))
    return pd.DataFrame(rows, columns=COLUMNS[:5])


def suggest_terms(
    texts: Sequence[str],
    *,
    segmenter=None,
    known: Iterable[str] = (),
    min_len: int = 2,
    max_len: int = 8,
    min_freq: int = 3,
    min_pmi: float = 3.0,
    min_entropy: float = 1.0,
    top: int | None = 30,
) -> pd.DataFrame:
    """User-dictionary candidates: cohesive, free n-grams that the segmenter splits.

    Parameters
    ----------
    texts : sequence of str
        The sentences to search (for the corpus: the analysed sentences).
    segmenter : Segmenter, optional
        Terms it already returns as one token in most of their occurrences are
        skipped; without one, nothing is skipped on that ground.
    known : iterable of str
        Terms to skip (the user dictionary), and compounds the segmenter splits into a
        known term and other words.
    min_len, max_len, min_freq : int
        See :func:`candidate_table`.
    min_pmi : float
        Minimum cohesion, in bits.
    min_entropy : float
        Minimum of the left and right branching entropies, in bits.
    top : int or None
        Keep the best ``top`` candidates.

    Returns
    -------
    DataFrame
        Columns :data:`COLUMNS`, best first. ``score`` is
        ``log2(frequency) * min(left_entropy, right_entropy) * pmi`` scaled to 0-100 for
        the best candidate; ``split_as`` shows the segmenter's tokens for the term alone;
        ``context`` is the shortest sentence holding the term.
        A candidate is dropped when a longer candidate holds it in most of its
        occurrences (修昔底德 inside 修昔底德陷阱).

    Examples
    --------
    >>> text = ["修昔底德陷阱是一个比喻。", "中美能否避免修昔底德陷阱？", "所谓修昔底德陷阱，", "修昔底德陷阱不是宿命。"]
    >>> suggest_terms(text, min_freq=3, min_entropy=0.5).term.tolist()
    ['修昔底德陷阱']
    """
    table = candidate_table(texts, min_len=min_len, max_len=max_len, min_freq=min_freq)
    known = set(known)
    free = table[["left_entropy", "right_entropy"]].min(axis=1)
    keep = (
        (table.pmi >= min_pmi)
        & (free >= min_entropy)
        & ~table.term.isin(known)
        & ~table.term.str[0].isin(START_CHARS)
        & ~table.term.str[-1].isin(END_CHARS)
        & ~table.term.str.contains("的", regex=False)  # 人工智能的发展 is a phrase
    )
    table = table[keep].assign(free=free[keep])
    table = _drop_contained(table)
    if segmenter is not None and len(table):
        whole = _kept_whole(table.term.tolist(), texts, segmenter)
        table = table[~table.term.isin(whole) & ~table.term.map(lambda t: _extends_known(t, segmenter, known))]
    raw = table.frequency.map(math.log2) * table.free * table.pmi
    table = table.assign(score=(100 * raw / raw.max()).round(1) if len(raw) else raw)
    table = table.sort_values(["score", "term"], ascending=[False, True])
    if top is not None:
        table = table.head(top)
    table = table.assign(split_as=[" / ".join(segmenter.cut(t)) if segmenter is not None else "" for t in table.term],
                         context=[_context(t, texts) for t in table.term])
    for col in ("pmi", "left_entropy", "right_entropy"):
        table[col] = table[col].round(2)
    return table[COLUMNS].reset_index(drop=True)


def _extends_known(term: str, segmenter, known: set[str]) -> bool:
    """True for a compound of a known term and other words (人工智能技术 = 人工智能 / 技术):
    the term itself is already counted whole."""
    pieces = segmenter.cut(term)
    return len(pieces) > 1 and all(len(p) > 1 for p in pieces) and any(p in known for p in pieces)


def _drop_contained(table: pd.DataFrame, *, share: float = 0.7) -> pd.DataFrame:
    """Drop a candidate whose occurrences mostly sit inside one longer candidate."""
    freq = dict(zip(table.term, table.frequency))
    by_len = sorted(freq, key=len, reverse=True)
    drop = set()
    for term in by_len:
        for longer in by_len:
            if len(longer) <= len(term):
                break
            if term in longer and freq[longer] >= share * freq[term]:
                drop.add(term)
                break
    return table[~table.term.isin(drop)]


def _kept_whole(terms: list[str], texts: Sequence[str], segmenter, *, share: float = 0.5) -> set[str]:
    """Terms the segmenter splits in fewer than ``share`` of their occurrences.

    An occurrence is split when a token boundary falls inside it; an occurrence inside
    a longer token (产业 in 产业革命) is not split.
    """
    wanted = sorted(set(terms), key=len, reverse=True)
    pattern = re.compile("|".join(map(re.escape, wanted)))
    seen: Counter = Counter()
    split: Counter = Counter()
    for text in texts:
        if not pattern.search(text):
            continue
        cuts = _token_boundaries(text, segmenter)
        for term in wanted:
            start = text.find(term)
            while start != -1:
                seen[term] += 1
                split[term] += any(start < c < start + len(term) for c in cuts)
                start = text.find(term, start + 1)
    return {t for t in wanted if seen[t] and split[t] < share * seen[t]}


def _token_boundaries(text: str, segmenter) -> set[int]:
    """Character offsets in ``text`` where the segmenter's tokens end."""
    lowered, cuts, pos = text.lower(), set(), 0
    for token in segmenter.cut(text):
        found = lowered.find(token.lower(), pos)
        if found == -1:
            continue
        pos = found + len(token)
        cuts.add(found)
        cuts.add(pos)
    return cuts


def _context(term: str, texts: Sequence[str], *, width: int = 24) -> str:
    """The shortest text holding ``term``, cut to ``width`` characters on each side."""
    holding = [t for t in texts if term in t]
    if not holding:
        return ""
    text = min(holding, key=lambda t: (len(t), t))
    i = text.index(term)
    start, end = max(0, i - width), min(len(text), i + len(term) + width)
    return ("…" if start else "") + text[start:end] + ("…" if end < len(text) else "")


def corpus_suggestions(paths=None, *, texts: Sequence[str] | None = None, top: int | None = 30, min_freq: int = 3) -> pd.DataFrame:
    """:func:`suggest_terms` for a project: its analysed sentences (or ``texts``), its
    user dictionary and the names in its manifest skipped, its segmenter.

    Parameters
    ----------
    paths : Paths, optional
        The project; found from the current directory by default.
    texts : sequence of str, optional
        Search these instead of the prepared corpus's analysed sentences.
    top, min_freq : int
        See :func:`suggest_terms`.
    """
    from aidiscourse.config import project_paths
    from aidiscourse.corpus.manifest import load_manifest
    from aidiscourse.corpus.segment import get_segmenter

    paths = paths or project_paths()
    if texts is None:
        from aidiscourse.corpus.load import load_sentences

        texts = load_sentences(paths).text.tolist()
    known = set(user_dict_terms(paths.user_dict)) | {p.name for d in load_manifest(paths) for p in d.people}
    segmenter = get_segmenter(str(paths.user_dict), (), "jieba")
    return suggest_terms([t for t in texts if t], segmenter=segmenter, known=known, top=top, min_freq=min_freq)


# --- the user dictionary ----------------------------------------------------------------

def user_dict_terms(path: Path) -> list[str]:
    """The words of a jieba user dictionary (``word freq tag`` lines, ``#`` comments)."""
    if not Path(path).is_file():
        return []
    words = []
    for line in Path(path).read_text(encoding="utf-8").splitlines():
        parts = line.split()
        if parts and not parts[0].startswith("#"):
            words.append(parts[0])
    return words


def accepted_terms(path: Path) -> pd.DataFrame:
    """Terms appended by :func:`append_terms`, with the comment recorded for them.

    Returns
    -------
    DataFrame
        Columns ``term`` and ``note`` (the comment line: when and why), in file order.
    """
    rows, note = [], None
    if Path(path).is_file():
        for line in Path(path).read_text(encoding="utf-8").splitlines():
            if line.startswith("#"):
                note = line.lstrip("# ").strip() if ADDED_MARK in line else None
            elif line.strip() and note is not None:
                rows.append((line.split()[0], note))
    return pd.DataFrame(rows, columns=["term", "note"])


def describe_accepted(accepted: pd.DataFrame) -> str:
    """One sentence on the accepted terms, for the prose of the corpus chapter.

    >>> describe_accepted(pd.DataFrame({"term": [], "note": []}))
    'None has been accepted yet.'
    """
    if accepted.empty:
        return "None has been accepted yet."
    return f"Accepted so far ({len(accepted)}): " + "、".join(accepted.term) + "."


_TERM = re.compile(r"^[\u3400-\u4dbf\u4e00-\u9fffA-Za-z0-9·\-]{2,20}$")


def append_terms(path: Path, terms: Sequence[str], *, reason: str, today: _dt.date | None = None,
                 frequency: int = 30000, tag: str = "n") -> list[str]:
    """Append reviewed terms to a jieba user dictionary, after a comment saying when and why.

    Parameters
    ----------
    path : Path
        The user dictionary (``data/lexicons/userdict.txt``).
    terms : sequence of str
        The terms to add; terms already listed are skipped.
    reason : str
        Why they were accepted (one line).
    today : date, optional
        The date written in the comment (default: today).
    frequency : int
        The jieba frequency given to each term (high enough to keep it whole).
    tag : str
        Part-of-speech tag.

    Returns
    -------
    list of str
        The terms appended.

    Raises
    ------
    AidiscourseError
        For a term that is not 2-20 Chinese characters, letters, digits, · or -, or an
        empty reason.
    """
    bad = [t for t in terms if not _TERM.match(t)]
    if bad:
        raise fail(f"not a term: {bad[0]!r} (2-20 Chinese characters, letters, digits, · or -)")
    if not reason.strip() or "\n" in reason:
        raise fail("give the reason for adding the terms as one line with --reason")
    present = set(user_dict_terms(path))
    new = [t for t in dict.fromkeys(terms) if t not in present]
    if not new:
        return []
    from aidiscourse.cache import atomic_write

    text = Path(path).read_text(encoding="utf-8") if Path(path).is_file() else ""
    if text and not text.endswith("\n"):
        text += "\n"
    day = (today or _dt.date.today()).isoformat()
    text += f"# {day}, {ADDED_MARK}: {reason.strip()}\n" + "".join(f"{t} {frequency} {tag}\n" for t in new)
    atomic_write(path, text)
    return new
