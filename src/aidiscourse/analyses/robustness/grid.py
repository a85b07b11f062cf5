"""The declared grid of analytic choices; the first option of each is the book's own."""
from __future__ import annotations

import itertools
from collections.abc import Iterable, Iterator

#: Each choice, its options (the first is the book's baseline) and what it means.
CHOICES: dict[str, tuple[tuple, str]] = {
    "user_dictionary": (("on", "off"), "the project's user dictionary of domain terms, or jieba's dictionary alone"),
    "stopwords": (("project", "packaged"), "packaged stop words plus the project's list, or the packaged lists alone"),
    "min_count": ((2, 3, 5), "a term enters vocabulary profiles and key-term rankings from this total count"),
    "logodds_prior": (("rule", "fixed"), "log-odds prior of the mean document size (the rule), or a fixed 1,000"),
    "passages": (((25, 80), (15, 50)), "passage bounds in content terms for the topic models"),
    "topic_k": (("chosen", "runner_up"), "the chosen number of topics, or the runner-up's"),
    "topic_family": (("chosen", "other"), "the chosen topic model family (NMF or LDA), or the other"),
    "tone_method": (("labels", "model", "rules"), "tone from the hand labels, the validated model, or the lexicon rules"),
    "resampling_unit": (("turn_or_paragraph", "paragraph"), "the unit every interval resamples"),
}


def baseline() -> dict:
    """The book's own setting of every choice."""
    return {name: options[0] for name, (options, _) in CHOICES.items()}


def n_universes(choices: Iterable[str] = CHOICES) -> int:
    """Number of universes of the grid spanned by ``choices``."""
    n = 1
    for name in choices:
        n *= len(CHOICES[name][0])
    return n


def settings(choices: Iterable[str]) -> Iterator[dict]:
    """Every setting of ``choices`` (the others at baseline), baseline first."""
    names = list(choices)
    base = baseline()
    for values in itertools.product(*(CHOICES[n][0] for n in names)):
        yield {**base, **dict(zip(names, values))}


def label(setting: dict, changed_from: dict | None = None) -> str:
    """A short readable name of a setting: the choices that differ from baseline."""
    base = changed_from or baseline()
    diff = [f"{k}={_show(v)}" for k, v in setting.items() if v != base[k]]
    return ", ".join(diff) or "baseline"


def _show(value) -> str:
    return "-".join(map(str, value)) if isinstance(value, tuple) else str(value)
