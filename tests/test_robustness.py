"""The robustness ledger: claim functions, the length-robust distance, the grid, and the
determinism of the components the ledger runs."""
from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from aidiscourse.analyses.robustness import claims as C
from aidiscourse.analyses.robustness import components as comp
from aidiscourse.analyses.robustness import grid
from aidiscourse.analyses.robustness.ledger import Components, compute_parallel
from aidiscourse.analyses.stats import distance_matrix


class FakeGet:
    """A getter serving fixed tables per (component, tone_method) for claim tests."""

    def __init__(self, tables):
        self.tables = tables

    def __call__(self, name, setting, drop=None):
        table = self.tables[name]
        value = table(setting) if callable(table) else table
        if drop is not None and isinstance(value, pd.DataFrame) and "doc_id" in value:
            value = value[value.doc_id != drop]
        return value


def _tone(means, lows, highs):
    return pd.DataFrame({"doc_id": list("abc"), "mean": means, "ci_low": lows, "ci_high": highs, "n": 50})


BASE = grid.baseline()


def test_tone_extreme_claim_follows_the_lowest_mean():
    get = FakeGet({"tone": lambda s: _tone([-0.3, 0.1, 0.2], [-0.4, 0, 0.1], [-0.2, 0.2, 0.3]) if s["tone_method"] == "labels"
                   else _tone([0.0, -0.1, 0.2], [-0.1, -0.2, 0.1], [0.1, 0.0, 0.3])})
    claim = C.tone_extreme("a", lowest=True)
    assert C.holds(claim, get, BASE) is True
    assert C.holds(claim, get, {**BASE, "tone_method": "rules"}) is False
    assert C.holds(claim, get, BASE, drop="a") is None  # untestable without its document
    assert C.holds(C.tone_extreme("c", lowest=False), get, BASE, drop="a") is True


def test_tone_negative_claim_needs_the_whole_interval_below_zero():
    get = FakeGet({"tone": _tone([-0.3, -0.1, 0.2], [-0.4, -0.2, 0.1], [-0.2, 0.05, 0.3])})
    assert C.holds(C.tone_negative("a"), get, BASE) is True
    assert C.holds(C.tone_negative("b"), get, BASE) is False


def test_target_contrast_claim_needs_separated_intervals_and_both_cells():
    cells = pd.DataFrame({"doc_id": ["a", "b", "c"], "target": "state", "mean": [-0.5, 0.3, 0.0],
                          "ci_low": [-0.7, 0.1, -0.4], "ci_high": [-0.3, 0.5, 0.4], "n": 20})
    get = FakeGet({"target_tone": cells})
    assert C.holds(C.target_contrast("state", "the state", "a", "b", "planning"), get, BASE) is True
    assert C.holds(C.target_contrast("state", "the state", "a", "c", "planning"), get, BASE) is False
    assert C.holds(C.target_contrast("state", "the state", "a", "z", "planning"), get, BASE) is False


def test_formulaic_claims():
    f = pd.DataFrame({"doc_id": list("abc"), "share": [1.0, 3.0, 2.5], "ci_low": [0.8, 2.6, 2.0], "ci_high": [1.2, 3.4, 2.9]})
    get = FakeGet({"formulaic": f})
    assert C.holds(C.formulaic_densest("b", separated=False), get, BASE) is True
    assert C.holds(C.formulaic_densest("b", separated=True), get, BASE) is False  # 2.6 < 2.9: overlap
    assert C.holds(C.formulaic_densest("c", separated=False), get, BASE) is False


def test_key_term_and_closest_pair_claims():
    get = FakeGet({"key_terms": {"a": ["新质生产力", "发展"], "b": ["泡沫"]},
                   "distance_vocabulary": pd.DataFrame([[0, 0.2, 0.5], [0.2, 0, 0.4], [0.5, 0.4, 0]],
                                                       index=list("abc"), columns=list("abc"))})
    assert C.holds(C.key_term("a", "新质生产力"), get, BASE) is True
    assert C.holds(C.key_term("b", "新质生产力"), get, BASE) is False
    assert C.holds(C.closest(("a", "b"), method="vocabulary"), get, BASE) is True
    assert C.holds(C.closest(("a", "c"), method="vocabulary"), get, BASE) is False


def test_dominant_topic_claim_finds_the_topic_by_its_lead_term():
    fit = {"proportions": pd.DataFrame({1: [0.7, 0.2], 2: [0.3, 0.8]}, index=["a", "b"]),
           "top_terms": [["市场", "企业"], ["泡沫", "风险", "市场"]]}
    get = FakeGet({"topic_fit": fit})
    assert C.holds(C.dominant_topic("a", "市场", "topics"), get, BASE) is True
    assert C.holds(C.dominant_topic("b", "泡沫", "bubble"), get, BASE) is True
    assert C.holds(C.dominant_topic("b", "市场", "topics"), get, BASE) is False


def test_rarefaction_makes_two_samples_of_one_source_close_whatever_their_length():
    rng = np.random.default_rng(0)
    source, other = rng.dirichlet(np.full(400, 0.1)), rng.dirichlet(np.full(400, 0.1))
    counts = pd.DataFrame([rng.multinomial(300, source), rng.multinomial(6000, source), rng.multinomial(6000, source),
                           rng.multinomial(6000, other)], index=["short", "long1", "long2", "other"])
    raw = distance_matrix(counts)
    rare = comp.rarefied_distance(counts, draws=20)
    # by raw counts the short text looks far from its own source, much farther than two long texts of it
    assert raw.loc["short", "long1"] > 2 * raw.loc["long1", "long2"]
    # rarefied, every pair is measured at the same size: the short text is as close as the long ones
    assert rare.loc["short", "long1"] < 1.2 * rare.loc["long1", "long2"]
    assert rare.loc["short", "long1"] < 0.5 * rare.loc["short", "other"]
    assert rare.equals(comp.rarefied_distance(counts, draws=20))  # seeded


def test_grid_counts_and_settings():
    assert grid.n_universes() == np.prod([len(o) for o, _ in grid.CHOICES.values()])
    first = next(grid.settings(["tone_method", "resampling_unit"]))
    assert first == grid.baseline()
    assert len(list(grid.settings(["tone_method", "resampling_unit"]))) == 6


@pytest.fixture(scope="module")
def inputs(paths):
    from aidiscourse.analyses.robustness.inputs import build_inputs
    from aidiscourse.corpus.load import load_sentences
    from aidiscourse.report.results import read_table

    return build_inputs(load_sentences(paths), read_table("sentiment_sentences.csv", paths), topic_k={"chosen": 6, "runner_up": 8},
                        paths=paths)


@pytest.mark.book
def test_components_are_deterministic_and_respect_the_setting(inputs):
    a, b = Components(inputs), Components(inputs)
    off = {**grid.baseline(), "user_dictionary": "off"}
    for name in ("key_terms", "formulaic", "tone", "distance_vocabulary"):
        first, again = a.get(name, grid.baseline()), b.get(name, grid.baseline())
        assert (first == again) if isinstance(first, dict) else first.equals(again)
    counts_on, counts_off = a.get("term_counts", grid.baseline()), a.get("term_counts", off)
    assert "新质生产力" in counts_on.columns and "新质生产力" not in counts_off.columns
    dropped = a.get("tone", grid.baseline(), "feng-2024")
    assert "feng-2024" not in set(dropped.doc_id)
    group = a.get("tone", grid.baseline(), ("feng-2024", "xu-2026"))  # a leave-out group of a large corpus
    assert set(group.doc_id) == set(a.get("tone", grid.baseline()).doc_id) - {"feng-2024", "xu-2026"}


@pytest.mark.book
def test_tone_rests_on_the_scored_sentences_when_the_tone_chapter_sampled(paths):
    from aidiscourse.analyses.robustness.inputs import build_inputs, sentence_tone
    from aidiscourse.corpus.load import load_sentences
    from aidiscourse.errors import AidiscourseError
    from aidiscourse.report.results import read_table

    sentences, table = load_sentences(paths), read_table("sentiment_sentences.csv", paths)
    sampled = table[table.paragraph % 2 == 1]  # as if half of each document's paragraphs were drawn
    tone = sentence_tone(sentences, sampled)["labels"]
    assert np.isnan(tone).sum() == len(sentences) - len(sampled.merge(sentences[["doc_id", "sentence"]]))
    inputs = build_inputs(sentences, sampled, topic_k={"chosen": 6, "runner_up": 8}, paths=paths)
    per_doc = Components(inputs).get("tone", grid.baseline()).set_index("doc_id")
    expected = sampled.groupby("doc_id").tone.mean()
    assert per_doc["mean"].to_numpy() == pytest.approx(expected[per_doc.index].to_numpy())
    with pytest.raises(AidiscourseError, match="rebuild the tone chapter"):
        sentence_tone(sentences, table[table.doc_id != table.doc_id.iloc[0]])


def test_large_corpora_leave_documents_out_in_seeded_groups():
    from aidiscourse.analyses.robustness import ledger

    few = [f"d{i:03d}" for i in range(ledger.LEAVE_ONE_OUT_MAX)]
    assert ledger.leave_out_sets(few) == few and ledger.leave_out_name(few[0]) == "without d000"
    many = [f"d{i:03d}" for i in range(500)]
    groups = ledger.leave_out_sets(many)
    assert len(groups) == ledger.LEAVE_OUT_GROUPS and sorted(d for g in groups for d in g) == many
    assert groups == ledger.leave_out_sets(many) != ledger.leave_out_sets(many, random_state=1)  # seeded
    assert ledger.leave_out_name(groups[2], 2) == "without group 3 (50 documents)"
    assert C._named(groups[0], groups[0][3]) and not C._named(groups[0], groups[1][0])


@pytest.mark.book
@pytest.mark.slow
def test_parallel_components_equal_serial_ones(inputs):
    base = grid.baseline()
    jobs = [("topic_fit", base, None), ("topic_fit", {**base, "topic_k": "runner_up"}, "tian-2025"),
            ("distance_vocabulary", {**base, "min_count": 3}, "xu-2026"), ("key_terms", base, "feng-2024")]
    results = compute_parallel(inputs, jobs, n_jobs=2)
    assert len(results) == len(jobs)
    for name, s, drop in jobs:
        serial = Components(inputs).get(name, s, drop)
        parallel = results[Components.key(name, s, drop)]
        if name == "topic_fit":
            assert parallel["top_terms"] == serial["top_terms"]
            assert np.array_equal(parallel["proportions"].to_numpy(), serial["proportions"].to_numpy())
        elif name == "key_terms":
            assert parallel == serial and "feng-2024" not in parallel
        else:
            pd.testing.assert_frame_equal(parallel, serial)
