"""Benchmarks of the analyses: the tone model's throughput and the robustness ledger.

Called by ``benchmarks/bench.py``; each function prints ``name: value unit`` lines through
the ``emit`` it is given.
"""
from __future__ import annotations

import time


def bench_sentiment(emit, *, n: int = 1000) -> None:
    """``sentiment_sentences_per_s``: sentences scored per second by the tone model, from
    text to label (normalisation, both encoders, lexicon scores, the model), no cache."""
    from aidiscourse.analyses.sentiment.model import score_lines
    from aidiscourse.config import project_paths
    from aidiscourse.corpus.load import load_sentences

    paths = project_paths()
    texts = load_sentences(paths)["text"].tolist()
    lines = (texts * (n // len(texts) + 1))[:n]
    score_lines(lines[:5], paths=paths)  # load the encoders and the model once, as a long run would
    start = time.perf_counter()
    score_lines(lines, paths=paths)
    emit("sentiment_sentences_per_s", n / (time.perf_counter() - start), "sentences per second")


def bench_multiverse(emit) -> None:
    """``multiverse_s``: the whole robustness ledger (every claim in every universe and with
    each document left out), from the processed corpus and the chapters' tables."""
    from aidiscourse.analyses.robustness.inputs import build_inputs, topic_choices
    from aidiscourse.analyses.robustness.ledger import run_ledger
    from aidiscourse.analyses.sentiment.summaries import load_targets
    from aidiscourse.config import project_paths
    from aidiscourse.corpus.load import load_sentences
    from aidiscourse.report.results import read_table

    paths = project_paths()
    start = time.perf_counter()
    family, topic_k = topic_choices(read_table("topic_selection.csv", paths))
    inputs = build_inputs(load_sentences(paths), read_table("sentiment_sentences.csv", paths), topic_k=topic_k,
                          paths=paths, topic_family=family)
    run_ledger(inputs, target_labels={t.key: t.label for t in load_targets(paths)})
    emit("multiverse_s", time.perf_counter() - start, "seconds")
