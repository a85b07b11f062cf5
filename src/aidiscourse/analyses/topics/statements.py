"""The chapter's statements about documents, and whether they hold under a second fit.

From one fit: each document's dominant topic (:func:`dominant_topics`), the topic of a
focus term (:func:`term_topic`), each document's nearest document and the closest and
farthest pairs (:func:`nearest_documents`, :func:`extreme_pairs`), gathered by
:func:`statements`; :func:`check_statements` compares them with the runner-up solution.
"""
from __future__ import annotations

import numpy as np
import pandas as pd

from aidiscourse.analyses.topics.inspect import group_proportions, js_distances
from aidiscourse.analyses.topics.model import Fit
from aidiscourse.analyses.topics.selection import cosine_matrix


def term_topic(fit: Fit, vocabulary: np.ndarray, term: str) -> int | None:
    """The topic (1..K) in which ``term`` weighs most, or None if the term is not modelled.

    Examples
    --------
    >>> fit = Fit("nmf", 2, 0, np.array([[0.9, 0.1], [0.2, 0.8]]), np.eye(2))
    >>> term_topic(fit, np.array(["泡沫", "芯片"], dtype=object), "芯片"), term_topic(fit, np.array(["a", "b"]), "c")
    (2, None)
    """
    where = np.flatnonzero(np.asarray(vocabulary).astype(str) == term)
    return int(np.argmax(fit.topic_term[:, where[0]])) + 1 if where.size else None


def dominant_topics(proportions: pd.DataFrame, *, by: str = "doc_id") -> pd.DataFrame:
    """Each group's largest topic (ties: the lower topic number).

    Parameters
    ----------
    proportions : DataFrame
        Columns ``by``, topic, proportion (:func:`group_proportions`).

    Returns
    -------
    DataFrame
        Columns ``by``, topic, proportion; groups in order of first appearance.
    """
    ordered = proportions.sort_values([by, "proportion", "topic"], ascending=[True, False, True], kind="mergesort")
    top = ordered.groupby(by, sort=False).head(1).set_index(by)
    return top.loc[list(dict.fromkeys(proportions[by]))].reset_index()[[by, "topic", "proportion"]]


def nearest_documents(distances: pd.DataFrame, *, by: str = "doc_id") -> pd.Series:
    """Each group's nearest other group by :func:`js_distances` (ties: the first in order)."""
    others = distances[distances[f"{by}_a"] != distances[f"{by}_b"]]
    best = others.sort_values([f"{by}_a", "distance"], kind="mergesort").groupby(f"{by}_a", sort=False).head(1)
    return best.set_index(f"{by}_a")[f"{by}_b"]


def _pair(row) -> str:
    return " and ".join(sorted([str(row.iloc[0]), str(row.iloc[1])]))


def extreme_pairs(distances: pd.DataFrame, *, by: str = "doc_id") -> tuple[str, str]:
    """The closest and the farthest pair of different groups, as ``"a and b"``."""
    pairs = distances[distances[f"{by}_a"] < distances[f"{by}_b"]].reset_index(drop=True)
    pairs = pairs.sort_values("distance", kind="mergesort")
    return _pair(pairs.iloc[0]), _pair(pairs.iloc[-1])


def statements(fit: Fit, passages: pd.DataFrame, lengths: np.ndarray, vocabulary: np.ndarray, *,
               focus_term: str, share_cut: float = 0.10) -> dict:
    """The chapter's statements about documents, computed from one fit.

    Returns
    -------
    dict
        ``proportions`` (:func:`group_proportions` by document), ``dominant``
        (:func:`dominant_topics`), ``focus_topic`` (:func:`term_topic` of ``focus_term``),
        ``focus_share`` (each document's share of it, Series), ``above_cut`` (shares above
        ``share_cut``), ``most_concentrated``, ``nearest`` (:func:`nearest_documents`),
        ``closest`` and ``farthest`` (:func:`extreme_pairs`).
    """
    props = group_proportions(fit, passages, lengths, by=["doc_id"])
    dominant = dominant_topics(props)
    distances = js_distances(props)
    focus = term_topic(fit, vocabulary, focus_term)
    wide = props.pivot(index="doc_id", columns="topic", values="proportion").loc[list(dict.fromkeys(props.doc_id))]
    share = wide[focus] if focus is not None else pd.Series(np.nan, index=wide.index)
    closest, farthest = extreme_pairs(distances)
    return {"proportions": props, "dominant": dominant.set_index("doc_id"), "focus_topic": focus,
            "focus_share": share, "above_cut": share > share_cut,
            "most_concentrated": str(dominant.loc[dominant.proportion.idxmax(), "doc_id"]),
            "nearest": nearest_documents(distances), "closest": closest, "farthest": farthest}


def _share_text(found: dict, spread: pd.DataFrame | None, topic: int | None, doc: str) -> tuple[str, list[float]]:
    """A document's share of the focus topic as text, with the values a statement must hold for."""
    value = float(found["focus_share"][doc])
    if spread is None or topic is None:
        return f"{value:.0%}", [value]
    row = spread[(spread.doc_id == doc) & (spread.topic == topic)].iloc[0]
    return f"{value:.0%} ({row.low:.0%} to {row.high:.0%})", [value, float(row.low), float(row.high)]


def check_statements(chosen: Fit, other: Fit, passages: pd.DataFrame, lengths: np.ndarray,
                     vocabulary: np.ndarray, *, names_chosen: dict[int, str], names_other: dict[int, str],
                     focus_term: str, share_cut: float = 0.10, same_theme: float = 0.5,
                     seed_ranges: tuple[pd.DataFrame, pd.DataFrame] | None = None) -> pd.DataFrame:
    """Which of the chapter's statements about documents hold under another fit (the runner-up).

    The statements: each document's dominant topic; whether each document gives more than
    ``share_cut`` of its modelled terms to the topic of ``focus_term`` (the topic in which
    the term weighs most), and which document gives it most; the most concentrated
    document; each document's nearest document, and the closest and farthest pairs
    (Jensen-Shannon distance of topic proportions). A statement about a topic holds when
    the other fit's topic has the same theme: cosine similarity of the two topics' term
    weights at least ``same_theme`` (a topic split in two at a larger K keeps its theme in
    the half that carries the document). With ``seed_ranges``, a share holds only if its
    whole range over seeds, under both fits, stays on the same side of ``share_cut``.

    Parameters
    ----------
    chosen, other : Fit
        Two fits on the same passages and vocabulary (K may differ).
    passages : DataFrame
        One row per passage, with doc_id.
    lengths : ndarray (n_passages,)
    vocabulary : ndarray (n_terms,)
    names_chosen, names_other : dict of int -> str
        Display names of the two fits' topics.
    focus_term : str
        The term whose topic the chapter follows.
    seed_ranges : (DataFrame, DataFrame), optional
        :func:`proportion_spread` by document of the two fits (columns doc_id, topic, low, high).

    Returns
    -------
    DataFrame
        Columns statement, doc_id ("" for statements about the corpus), chosen, other,
        holds; values as short text.
    """
    a = statements(chosen, passages, lengths, vocabulary, focus_term=focus_term, share_cut=share_cut)
    b = statements(other, passages, lengths, vocabulary, focus_term=focus_term, share_cut=share_cut)
    sim = cosine_matrix(chosen.topic_term, other.topic_term)

    def same(ta, tb) -> bool:
        return ta is not None and tb is not None and bool(sim[int(ta) - 1, int(tb) - 1] >= same_theme)

    rows = []
    for doc in a["dominant"].index:
        ta, tb = (int(x["dominant"].loc[doc, "topic"]) for x in (a, b))
        rows.append({"statement": "dominant topic", "doc_id": doc,
                     "chosen": f"{names_chosen[ta]} ({a['dominant'].loc[doc, 'proportion']:.0%})",
                     "other": f"{names_other[tb]} ({b['dominant'].loc[doc, 'proportion']:.0%})", "holds": same(ta, tb)})
    fa, fb = a["focus_topic"], b["focus_topic"]
    rows.append({"statement": f"the topic of {focus_term}", "doc_id": "",
                 "chosen": names_chosen.get(fa, "none"), "other": names_other.get(fb, "none"), "holds": same(fa, fb)})
    ranges = seed_ranges or (None, None)
    for doc in a["focus_share"].index:
        (ta, va), (tb, vb) = _share_text(a, ranges[0], fa, doc), _share_text(b, ranges[1], fb, doc)
        side = bool(a["above_cut"][doc])
        rows.append({"statement": f"more than {share_cut:.0%} in the topic of {focus_term}", "doc_id": doc,
                     "chosen": ta, "other": tb,
                     "holds": bool(same(fa, fb) and all((v > share_cut) == side for v in va + vb))})
    lead_a, lead_b = a["focus_share"].idxmax(), b["focus_share"].idxmax()
    rows.append({"statement": f"largest share of the topic of {focus_term}", "doc_id": "", "chosen": lead_a,
                 "other": lead_b, "holds": bool(same(fa, fb) and lead_a == lead_b)})
    rows.append({"statement": "most concentrated document", "doc_id": "", "chosen": a["most_concentrated"],
                 "other": b["most_concentrated"], "holds": a["most_concentrated"] == b["most_concentrated"]})
    for doc in a["nearest"].index:
        rows.append({"statement": "nearest document", "doc_id": doc, "chosen": a["nearest"][doc],
                     "other": b["nearest"][doc], "holds": a["nearest"][doc] == b["nearest"][doc]})
    for key in ("closest", "farthest"):
        rows.append({"statement": f"{key} pair", "doc_id": "", "chosen": a[key], "other": b[key],
                     "holds": a[key] == b[key]})
    return pd.DataFrame(rows)
