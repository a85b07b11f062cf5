"""The scorer's rules: negators, degree adverbs, contrast and concessive markers,
rhetorical-question markers, and the numeric parameters, read from
``data/lexicons/sentiment/rules.yml``.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, replace
from functools import cached_property

import yaml

from aidiscourse.analyses.sentiment.lexicon import sentiment_dir
from aidiscourse.config import Paths
from aidiscourse.errors import fail


@dataclass(frozen=True)
class Rules:
    """Rule word lists and parameters of the scorer (see ``rules.yml``).

    Attributes
    ----------
    negators, contrast, concessive : frozenset of str
        Words that negate the next evaluative word, split a sentence, or open a clause
        that is weighted down.
    degree : dict of str to float
        Degree adverbs and the factor each applies.
    rhetorical : tuple of str
        Markers that make a question rhetorical.
    clause_punctuation : frozenset of str
        Punctuation that ends a clause (negation and concession stop there).
    window : int
        How many tokens before an evaluative word a negator or adverb may stand.
    alpha : float
        Normalisation constant of ``s / sqrt(s**2 + alpha)``.
    negation, contrast_before, contrast_after, question, rhetorical_factor, rhetorical_base : float
        Factors (and the offset of a rhetorical question) applied by the rules.
    threshold_positive, threshold_negative : float
        Score thresholds of the positive and negative labels.
    """

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

    @cached_property
    def _turns(self) -> tuple[re.Pattern, re.Pattern, re.Pattern]:
        def alternatives(words):
            return "|".join(re.escape(w) for w in sorted(words, key=lambda w: (-len(w), w)))

        # a marker inside a word is none: 不但 and 非但 ("not only"), 但凡 ("whenever"),
        # 却步, 冷却, 忘却, 退却; a concessive clause ends at a comma or semicolon (not at an
        # enumeration comma or a quotation mark, as the look-back's clauses do)
        return (re.compile(f"(?<![不非冷忘退])(?:{alternatives(self.contrast)})(?![凡步])"),
                re.compile(f"^(?:{alternatives(self.concessive)})"), re.compile("[，,；;]"))

    def main_clause(self, text: str, *, min_chars: int = 4) -> str:
        """The part of a sentence that carries its point, by the guideline's rule: what
        follows the last contrast marker (但, 然而, 却 ...), or, in a sentence that opens
        with a concession (虽然 ...), what follows its first clause. The whole sentence when
        neither applies or when that part has fewer than ``min_chars`` word characters.

        Examples
        --------
        >>> rules = load_rules()
        >>> rules.main_clause("华为是受了重大挫折，但不是说从此就爬不起来了。")
        '不是说从此就爬不起来了。'
        """
        contrast, concessive, boundary = self._turns
        markers = list(contrast.finditer(text))
        candidates = [text[markers[-1].end():]] if markers else []
        if concessive.match(text) and (end := boundary.search(text)):
            candidates.append(text[end.end():])
        for rest in candidates:
            if len(re.sub(r"\W", "", rest)) >= min_chars:
                return rest
        return text

    def with_parameters(self, **params) -> "Rules":
        """A copy with some parameters changed (used by the tuning grid)."""
        return replace(self, **params)


#: Tunable parameters and the names they have in ``rules.yml``.
_PARAM_NAMES = {"rhetorical": "rhetorical_factor"}


def load_rules(paths: Paths | None = None) -> Rules:
    """Read ``rules.yml``; check that every list is non-empty.

    Raises
    ------
    AidiscourseError
        If the file is missing or a word list is empty.
    """
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
