"""The findings page: the book's questions, the robust claims that answer them, quoted
passages with the project's English translations, and the fragile claims named as such.

Everything is generated from ``results/claims_robustness.csv`` and the tone tables, so the
page cannot state what the ledger does not keep. Text from the documents is escaped.
"""
from __future__ import annotations

import html
from collections.abc import Sequence

import pandas as pd

from aidiscourse.analyses.sentiment.summaries import Target, mentions
from aidiscourse.config import Paths

#: The book's questions (the introduction's), in English and Chinese, and the claim tags
#: that bear on each.
QUESTIONS = (
    ("planning", "Can a state plan innovation?", "国家能否规划创新？", ("planning",)),
    ("party", "Does AI strengthen or strain a one-party system?", "人工智能会加强还是削弱一党体制？", ("party",)),
    ("bubble", "Is the AI boom a bubble, and whose?", "人工智能投资热潮是不是泡沫？是谁的泡沫？", ("bubble",)),
    ("voice", "How do the texts differ in tone and language?", "这些文本在语气和用语上有何不同？",
     ("tone", "language", "closeness", "topics")),
)
TRANSLATIONS_FILE = ("data", "translations.csv")
#: Above this many claims of one kind (robust or fragile) under a question, the page shows
#: the most robust ones and counts the rest: a corpus of hundreds of documents has a
#: claim per document for several analyses.
MAX_CLAIMS_SHOWN = 12


def load_translations(paths: Paths) -> pd.DataFrame:
    """The project's own English translations of quoted sentences: doc_id, sentence, text, english."""
    path = paths.root.joinpath(*TRANSLATIONS_FILE)
    if not path.is_file():
        return pd.DataFrame(columns=["doc_id", "sentence", "text", "english"])
    df = pd.read_csv(path, dtype=str, keep_default_na=False)
    return df.assign(sentence=df["sentence"].astype(int))


def quote_candidates(tone: pd.DataFrame, targets: Sequence[Target], *, n: int = 3) -> pd.DataFrame:
    """Sentences a findings page may quote: per document and target, the ``n`` most
    negative and most positive labelled sentences that mention it (by label, then by the
    model's score), and per document its ``n`` most negative and positive sentences.

    Parameters
    ----------
    tone : DataFrame
        ``results/sentiment_sentences.csv`` joined with the sentence text.

    Returns
    -------
    DataFrame
        doc_id, sentence, paragraph, text, label, target ("" for the document's own), end.
    """
    parts = []
    groups = [("", tone)] + [(t.key, tone[tone["text"].map(lambda s, t=t: mentions(s, t))]) for t in targets]
    for key, g in groups:
        for doc_id, d in g.groupby("doc_id", sort=False):
            for end, label, ascending in (("negative", "negative", True), ("positive", "positive", False)):
                pick = d[d["label"] == label].sort_values(["model_score", "sentence"], ascending=[ascending, True]).head(n)
                parts.append(pick.assign(target=key, end=end))
    cols = ["doc_id", "sentence", "paragraph", "text", "label", "target", "end"]
    return pd.concat(parts, ignore_index=True)[cols] if parts else pd.DataFrame(columns=cols)


def escape(text: str) -> str:
    """Text from a document or the manifest, safe in HTML."""
    return html.escape(str(text), quote=True)


def claim_quotes(claim_id: str, claims: pd.DataFrame, candidates: pd.DataFrame) -> pd.DataFrame:
    """Up to two sentences that show a claim: for a target contrast, the more negative
    document's most negative sentence on the target and the other's most positive; for a
    tone claim, the document's most negative or positive sentence."""
    row = claims.set_index("claim_id").loc[claim_id]
    if claim_id.startswith("target_"):
        target = claim_id.removeprefix("target_")
        low, high = _contrast_docs(row["claim"])
        picks = [candidates[(candidates.target == target) & (candidates.doc_id == low) & (candidates.end == "negative")].head(1),
                 candidates[(candidates.target == target) & (candidates.doc_id == high) & (candidates.end == "positive")].head(1)]
    elif claim_id.startswith("tone_"):
        doc = row["claim"].split(" ", 1)[0]
        end = "positive" if claim_id == "tone_highest" else "negative"
        picks = [candidates[(candidates.target == "") & (candidates.doc_id == doc) & (candidates.end == end)].head(2)]
    else:
        return candidates.iloc[:0]
    return pd.concat(picks, ignore_index=True)


def _contrast_docs(text: str) -> tuple[str, str]:
    # "In sentences that mention X, LOW is more negative than HIGH, beyond both intervals."
    body = text.split(", ", 1)[1]
    low, rest = body.split(" is more negative than ", 1)
    return low, rest.split(",", 1)[0]


def quote_html(quote: pd.Series, translations: pd.DataFrame, link) -> str:
    """One quoted sentence: Chinese text, the project's English translation, and a link to
    its place in the document's reader page."""
    key = translations.set_index(["doc_id", "sentence"])["english"]
    english = key.get((quote["doc_id"], int(quote["sentence"])), "")
    href = link(quote["doc_id"], int(quote["paragraph"]), int(quote["sentence"]))
    en = (f'<span class="aid-translation">“{escape(english)}” <em>(translation: the project&#39;s own)</em></span>'
          if english else '<span class="aid-translation"><em>(no translation yet)</em></span>')
    return (f'<blockquote class="aid-quote"><span lang="zh">{escape(quote["text"])}</span><br>{en}<br>'
            f'<a href="{escape(href)}">{escape(quote["doc_id"])}, paragraph {int(quote["paragraph"])}, '
            f'sentence {int(quote["sentence"])}</a> · hand label: {escape(quote["label"])}</blockquote>')


def most_robust(claims: pd.DataFrame, n: int = MAX_CLAIMS_SHOWN) -> tuple[pd.DataFrame, int]:
    """At most ``n`` claims: those holding in the largest share of universes (then of
    leave-outs, then by id), kept in their table order; and how many were left out.

    >>> ledger = pd.DataFrame({"claim_id": list("abc"), "share_holding": [0.5, 1.0, 0.9],
    ...                        "loo_share_holding": [1.0, 1.0, None]})
    >>> shown, rest = most_robust(ledger, 2)
    >>> list(shown.claim_id), rest
    (['b', 'c'], 1)
    """
    if len(claims) <= n:
        return claims, 0
    ranked = claims.assign(_loo=claims["loo_share_holding"].fillna(1.0)).sort_values(
        ["share_holding", "_loo", "claim_id"], ascending=[False, False, True], kind="mergesort")
    return claims[claims.index.isin(ranked.index[:n])], len(claims) - n


def _more(n_more: int, kind: str) -> str:
    return (f"<p><small>And {n_more:,} more {kind} claims of this kind, all in "
            f"<code>results/claims_robustness.csv</code>.</small></p>" if n_more else "")


def question_html(question: tuple, claims: pd.DataFrame, candidates: pd.DataFrame, translations: pd.DataFrame,
                  link) -> str:
    """The section of one question: its robust claims (English and Chinese) with quotes and
    their ledger figures, then its fragile claims with what breaks them."""
    key, en, zh, tags = question
    mine = claims[claims.question.isin(tags)]
    robust, fragile = mine[mine.robust], mine[~mine.robust]
    parts = [f'<h2 id="q-{key}">{escape(en)} <span lang="zh">{escape(zh)}</span></h2>']
    if robust.empty:
        parts.append("<p><strong>No robust finding answers this question in these texts.</strong> "
                     "<span lang=\"zh\">这些文本中没有稳健的发现能回答这个问题。</span></p>")
    robust, more_robust = most_robust(robust)
    fragile, more_fragile = most_robust(fragile)
    for row in robust.itertuples():
        parts.append(f'<p class="aid-finding"><strong>{escape(row.claim)}</strong><br><span lang="zh">{escape(row.claim_zh)}</span>'
                     f'<br><small>Holds in {row.share_holding:.0%} of universes and '
                     f'{_share(row.loo_share_holding)} of leave-one-document-out fits '
                     f'(claim <code>{escape(row.claim_id)}</code>).</small></p>')
        for _, q in claim_quotes(row.claim_id, claims, candidates).iterrows():
            parts.append(quote_html(q, translations, link))
    parts.append(_more(more_robust, "robust"))
    if not fragile.empty:
        items = "".join(f"<li>{escape(r.claim)} <small>(holds in {r.share_holding:.0%} of universes; breaks when "
                        f"{escape(r.breaks_when or 'documents are left out')})</small></li>" for r in fragile.itertuples())
        parts.append(f'<p><em>Fragile, not stated as findings</em> <span lang="zh">（不稳健，不作为结论）</span>:</p><ul>{items}</ul>')
    parts.append(_more(more_fragile, "fragile"))
    return "\n".join(p for p in parts if p)


def _share(value) -> str:
    return "all" if pd.isna(value) else f"{value:.0%}"
