"""The synthesis's claims as code: each a small function of the analyses that says whether
the claim holds.

Claims are stated from the book's own (baseline) results, then tested in every universe
and with each document left out. A claim that names a document cannot be tested when that
document is left out (the test returns None).
"""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from aidiscourse.analyses.robustness import components as comp

#: ``get(name, setting, drop)`` returns a memoised component (see :class:`Components`).
Getter = Callable[..., object]


@dataclass(frozen=True)
class Claim:
    """A statement, the choices it depends on, and its test.

    Attributes
    ----------
    claim_id : str
    text : str
        The statement, in English, as the book would make it.
    text_zh : str
        The same statement in Chinese.
    question : str
        The book's question it bears on (``tone``, ``planning``, ``bubble``, ``language``,
        ``closeness``).
    depends_on : tuple of str
        The choices of :data:`~aidiscourse.analyses.robustness.grid.CHOICES` that can move it.
    test : callable
        ``test(get, setting, drop) -> bool | None``.
    """

    claim_id: str
    text: str
    question: str
    depends_on: tuple[str, ...]
    test: Callable
    text_zh: str = ""


#: Chinese names of the target families, for the Chinese statements.
TARGET_ZH = {"state": "国家与规划", "market": "市场与企业", "west": "美国与西方", "china": "中国",
             "ai": "人工智能与技术", "bubble": "泡沫与风险"}


def _named(drop, *docs) -> bool:
    """Whether the left-out document (or group, a tuple) takes away one of ``docs``."""
    if isinstance(drop, tuple):
        return any(d in drop for d in docs)
    return drop is not None and drop in docs


def tone_extreme(doc: str, *, lowest: bool) -> Claim:
    """``doc`` has the lowest (or highest) mean tone of all documents."""
    def test(get, s, drop):
        if _named(drop, doc):
            return None
        t = get("tone", s, drop).set_index("doc_id")["mean"]
        return (t.idxmin() if lowest else t.idxmax()) == doc
    word = "most critical text: the lowest" if lowest else "most approving text: the highest"
    zh = "批评性最强：平均语气最低" if lowest else "最为肯定：平均语气最高"
    return Claim(f"tone_{'lowest' if lowest else 'highest'}", f"{doc} is the {word} mean tone of the documents.",
                 "tone", ("tone_method",), test, f"{doc}在各文本中{zh}。")


def tone_negative(doc: str) -> Claim:
    """The interval of ``doc``'s mean tone lies below zero."""
    def test(get, s, drop):
        if _named(drop, doc):
            return None
        row = get("tone", s, drop).set_index("doc_id").loc[doc]
        return bool(row["ci_high"] < 0)
    return Claim(f"tone_negative_{doc}", f"{doc} leans negative: the 95% interval of its mean tone lies below zero.",
                 "tone", ("tone_method", "resampling_unit"), test, f"{doc}整体偏负面：其平均语气的95%区间完全低于零。")


def target_contrast(target: str, label: str, low: str, high: str, question: str) -> Claim:
    """``low`` speaks of ``target`` more negatively than ``high``, intervals separated."""
    def test(get, s, drop):
        if _named(drop, low, high):
            return None
        cells = get("target_tone", s, drop)
        cells = cells[cells.target == target].set_index("doc_id")
        if low not in cells.index or high not in cells.index:
            return False
        return bool(cells.loc[low, "ci_high"] < cells.loc[high, "ci_low"])
    return Claim(f"target_{target}", f"In sentences that mention {label}, {low} is more negative than {high}, "
                 "beyond both intervals.", question, ("tone_method", "resampling_unit"), test,
                 f"在提及“{TARGET_ZH.get(target, label)}”的句子中，{low}比{high}更负面，两者的区间不重叠。")


def formulaic_densest(doc: str, *, separated: bool) -> Claim:
    """``doc`` has the densest formulaic language (and, if ``separated``, beyond the runner-up's interval)."""
    def test(get, s, drop):
        if _named(drop, doc):
            return None
        f = get("formulaic", s, drop).sort_values("share")
        if f.iloc[-1]["doc_id"] != doc:
            return False
        return bool(f.iloc[-1]["ci_low"] > f.iloc[-2]["ci_high"]) if separated else True
    if separated:
        return Claim("formulaic_separated", f"{doc}'s formulaic density is above every other document's interval.",
                     "language", ("user_dictionary", "resampling_unit"), test, f"{doc}的固定提法密度高于其他所有文本的区间。")
    return Claim("formulaic_densest", f"{doc} uses the densest formulaic political language.",
                 "language", ("user_dictionary",), test, f"{doc}使用的政治固定提法最为密集。")


def key_term(doc: str, term: str) -> Claim:
    """``term`` is among ``doc``'s ten most distinctive terms."""
    def test(get, s, drop):
        if _named(drop, doc):
            return None
        return term in get("key_terms", s, drop).get(doc, [])
    return Claim(f"key_{doc}", f"{term} is among the ten most distinctive terms of {doc}.", "language",
                 ("user_dictionary", "stopwords", "min_count", "logodds_prior"), test, f"“{term}”是{doc}最具特征的十个词之一。")


def dominant_topic(doc: str, lead: str, question: str) -> Claim:
    """In ``doc`` the most prevalent topic is the one whose top terms rank ``lead`` highest."""
    def test(get, s, drop):
        if _named(drop, doc):
            return None
        fit = get("topic_fit", s, drop)
        ranks = [(terms.index(lead), i + 1) for i, terms in enumerate(fit["top_terms"]) if lead in terms]
        if not ranks or doc not in fit["proportions"].index:
            return False
        return int(fit["proportions"].loc[doc].idxmax()) == min(ranks)[1]
    return Claim(f"topic_{doc}", f"The most prevalent topic of {doc} is the one led by {lead}.", question,
                 ("user_dictionary", "stopwords", "passages", "topic_k", "topic_family"), test,
                 f"{doc}最主要的主题是以“{lead}”为首的主题。")


def closest(pair: tuple[str, str], *, method: str) -> Claim:
    """``pair`` is the closest pair of documents by ``method`` (vocabulary or combined)."""
    a, b = pair

    def test(get, s, drop):
        if _named(drop, a, b):
            return None
        return comp.closest_pair(get(f"distance_{method}", s, drop)) == (a, b)
    deps = ("user_dictionary", "stopwords", "min_count")
    if method == "combined":
        deps += ("passages", "topic_k", "topic_family", "tone_method")
    text = {"vocabulary": f"By vocabulary (length-robust), {a} and {b} are the closest pair of documents.",
            "combined": f"Combining vocabulary, concept families, topics and tone, {a} and {b} are the closest pair."}[method]
    text_zh = {"vocabulary": f"按用词（消除长度影响后），{a}与{b}最为接近。",
               "combined": f"综合用词、概念、主题与语气，{a}与{b}最为接近。"}[method]
    return Claim(f"closest_{method}", text, "closeness", deps, test, text_zh)


def build_claims(get: Getter, base: dict, *, target_labels: dict[str, str]) -> list[Claim]:
    """The synthesis's claims, stated from the baseline universe's results."""
    t = get("tone", base, None).set_index("doc_id")
    claims = [tone_extreme(t["mean"].idxmin(), lowest=True), tone_extreme(t["mean"].idxmax(), lowest=False)]
    claims += [tone_negative(d) for d in t.index[t["ci_high"] < 0]]
    cells = get("target_tone", base, None)
    questions = {"state": "planning", "market": "planning", "bubble": "bubble", "ai": "party", "china": "party",
                 "west": "party"}
    for target, g in cells.groupby("target", sort=False):
        lo, hi = g.loc[g["mean"].idxmin()], g.loc[g["mean"].idxmax()]
        if len(g) > 1 and lo["ci_high"] < hi["ci_low"]:
            claims.append(target_contrast(target, target_labels.get(target, target), lo["doc_id"], hi["doc_id"],
                                          questions.get(target, "tone")))
    f = get("formulaic", base, None).sort_values("share")
    claims += [formulaic_densest(f.iloc[-1]["doc_id"], separated=False),
               formulaic_densest(f.iloc[-1]["doc_id"], separated=True)]
    claims += [key_term(d, terms[0]) for d, terms in get("key_terms", base, None).items() if terms]
    fit = get("topic_fit", base, None)
    for doc, row in fit["proportions"].iterrows():
        lead = fit["top_terms"][int(row.idxmax()) - 1][0]
        claims.append(dominant_topic(doc, lead, "bubble" if "泡沫" in fit["top_terms"][int(row.idxmax()) - 1] else "topics"))
    claims += [closest(comp.closest_pair(get("distance_vocabulary", base, None)), method="vocabulary"),
               closest(comp.closest_pair(get("distance_combined", base, None)), method="combined")]
    return claims


def holds(claim: Claim, get: Getter, setting: dict, drop: str | None = None) -> bool | None:
    """Whether ``claim`` holds under ``setting`` (and with ``drop`` left out)."""
    result = claim.test(get, setting, drop)
    return None if result is None else bool(result)


def share(values) -> float:
    """Share of True among the values that are not None (NaN if none)."""
    v = [x for x in values if x is not None]
    return float(np.mean(v)) if v else float("nan")
