"""Read once what the grid varies over: tokens under both dictionaries, stop words, the
tone of every sentence by each method, the topic sizes to compare."""
from __future__ import annotations

import numpy as np
import pandas as pd

from aidiscourse.analyses import phrases
from aidiscourse.analyses.frequency import word_tokens
from aidiscourse.analyses.robustness.components import Inputs
from aidiscourse.analyses.segmentation import resegment
from aidiscourse.analyses.sentiment.summaries import load_targets
from aidiscourse.analyses.resampling import resampling_units, sampling_units
from aidiscourse.config import Paths
from aidiscourse.corpus.segment import Segmenter, get_segmenter, load_stopwords
from aidiscourse.errors import fail


def sentence_tone(sentences: pd.DataFrame, tone_table: pd.DataFrame) -> dict[str, np.ndarray]:
    """Every sentence's tone by each method, aligned with ``sentences``; NaN for a sentence
    the tone chapter did not score (a large corpus is scored on a sample of each
    document's units: :func:`~aidiscourse.analyses.sentiment.measure.tone_sample`).

    Parameters
    ----------
    tone_table : DataFrame
        ``results/sentiment_sentences.csv``: doc_id, sentence, tone, model_score, rules_score.

    Raises
    ------
    AidiscourseError
        If a document has no scored sentence at all (the table is older than the corpus).
    """
    unscored = sorted(set(sentences["doc_id"]) - set(tone_table["doc_id"]))
    if unscored:
        raise fail(f"{len(unscored)} documents ({', '.join(unscored[:3])}) have no tone in sentiment_sentences.csv: "
                   "rebuild the tone chapter")
    key = tone_table.set_index(["doc_id", "sentence"])
    idx = pd.MultiIndex.from_arrays([sentences["doc_id"], sentences["sentence"].astype(int)])
    rows = key.reindex(idx)
    return {"labels": rows["tone"].to_numpy(float), "model": rows["model_score"].to_numpy(float),
            "rules": rows["rules_score"].to_numpy(float)}


def build_inputs(sentences: pd.DataFrame, tone_table: pd.DataFrame, *, topic_k: dict[str, int], paths: Paths,
                 topic_family: str = "nmf") -> Inputs:
    """The :class:`Inputs` of the ledger.

    Parameters
    ----------
    sentences : DataFrame
        The sentence table (argument sections).
    tone_table : DataFrame
        Per-sentence tone (see :func:`sentence_tone`).
    topic_k : dict
        ``{"chosen": K, "runner_up": K}``.
    topic_family : str
        The chosen topic model family ("nmf" or "lda").
    """
    s = sentences.reset_index(drop=True)
    s = s.assign(unit_turn_or_paragraph=sampling_units(s).to_numpy(),
                 unit_paragraph=resampling_units(s, unit="paragraph").to_numpy())
    with_dict = get_segmenter(str(paths.user_dict), (), "jieba")
    # jieba's dictionary alone; Latin words spelled as with the user dictionary, so that
    # only the segmentation differs
    plain = Segmenter(None)
    off = resegment(s, plain, spellings=with_dict, paths=paths)
    tokens = {"on": s["tokens"], "off": off["tokens"]}
    phrase_list = phrases.load_phrases(paths.lexicons / phrases.PHRASES_FILE).table["phrase"]
    concepts = phrases.load_concepts(paths.lexicons / phrases.CONCEPTS_FILE)
    segmenters = {"on": with_dict, "off": plain}
    return Inputs(
        sentences=s, tokens=tokens,
        stopwords={"project": load_stopwords(str(paths.stopwords_extra)), "packaged": load_stopwords(None)},
        tone=sentence_tone(s, tone_table), targets=load_targets(paths), topic_k=dict(topic_k),
        topic_family={"chosen": topic_family, "other": "lda" if topic_family == "nmf" else "nmf"},
        word_counts={k: word_tokens(s.assign(tokens=v)).map(len).to_numpy() for k, v in tokens.items()},
        phrase_seqs={k: phrases.phrase_tokens(phrase_list, segmenter=seg) for k, seg in segmenters.items()},
        concept_seqs={k: {c.name: phrases.phrase_tokens(c.terms, segmenter=seg) for c in concepts}
                      for k, seg in segmenters.items()},
    )


def topic_choices(selection: pd.DataFrame) -> tuple[str, dict[str, int]]:
    """The chosen topic family and the chosen and runner-up K, from the topics chapter's
    selection table (``results/topic_selection.csv``).

    With a ``choice`` column (``chosen``, ``runner_up``) it is read as is; otherwise the
    chosen (model, K) is :func:`aidiscourse.analyses.topics.selection.choose`'s and the
    runner-up K the best-scoring other K of the same family.

    Returns
    -------
    (family, {"chosen": K, "runner_up": K})
    """
    if "choice" in selection:
        chosen = selection[selection["choice"] == "chosen"].iloc[0]
        runner = selection[selection["choice"].isin(["runner_up", "runner-up"])].iloc[0]
        return str(chosen["model"]), {"chosen": int(chosen["k"]), "runner_up": int(runner["k"])}
    from aidiscourse.analyses.topics.selection import choose, selection_scores

    model, k = choose(selection)
    same = selection_scores(selection)
    same = same[(same["model"] == model) & (same["k"] != k)].sort_values(["score", "k"], ascending=[False, True])
    return model, {"chosen": k, "runner_up": int(same.iloc[0]["k"])}
