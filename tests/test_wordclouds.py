"""Word clouds: Chinese drawn with a font that covers it, the same way every time."""
from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from aidiscourse.errors import AidiscourseError
from aidiscourse.report import wordclouds
from aidiscourse.report.render import uncovered_characters

WEIGHTS = {"人工智能": 58, "新质生产力": 52, "泡沫": 39, "制度": 81, "DeepSeek": 12, "钱": 5, "卡脖子": 3}


def test_cloud_is_deterministic_for_a_seed():
    a = wordclouds.make_cloud(WEIGHTS, random_state=1).to_array()
    b = wordclouds.make_cloud(dict(reversed(list(WEIGHTS.items()))), random_state=1).to_array()
    assert np.array_equal(a, b)
    assert a.shape == (wordclouds.HEIGHT, wordclouds.WIDTH, 3)


def test_cloud_draws_every_term_including_one_character_words():
    cloud = wordclouds.make_cloud(WEIGHTS)
    assert set(wordclouds.drawn_words(cloud)) == set(WEIGHTS)


def test_font_covers_the_characters_drawn():
    cloud = wordclouds.make_cloud(WEIGHTS)
    assert wordclouds.uncovered_in_cloud(cloud) == set()


def test_coverage_check_can_fail():
    # a private-use character is in no font: the check must report it
    assert uncovered_characters("制度\ue000") == {"\ue000"}


def test_only_positive_weights_are_drawn():
    cloud = wordclouds.make_cloud({"市场": 3, "政府": 0, "泡沫": -2})
    assert wordclouds.drawn_words(cloud) == ["市场"]
    with pytest.raises(AidiscourseError, match="positive weight"):
        wordclouds.make_cloud({"政府": 0})


def test_real_clouds_are_covered_by_the_font(paths):
    from aidiscourse.analyses.frequency import frequency_table
    from aidiscourse.corpus.load import content_terms, load_sentences

    sentences = load_sentences(paths)
    freq = frequency_table(sentences.assign(terms=content_terms(sentences, paths)), min_count=2)
    for doc, g in freq.groupby("doc_id", sort=False):
        cloud = wordclouds.make_cloud(dict(zip(g.term, g.per_10k)), max_words=80)
        assert wordclouds.uncovered_in_cloud(cloud) == set(), doc


def test_grid_is_a_png():
    png = wordclouds.cloud_grid([wordclouds.make_cloud(WEIGHTS)] * 3, ["a", "b", "中文"], ncols=2)
    assert png[:8] == b"\x89PNG\r\n\x1a\n"


def test_document_clouds_draw_one_cloud_per_document():
    table = pd.DataFrame({"doc_id": ["a", "a", "b"], "term": ["市场", "政府", "泡沫"], "g2": [3.0, 1.0, 2.0]})
    png = wordclouds.document_clouds(table, "g2", max_words=10)
    assert png[:8] == b"\x89PNG\r\n\x1a\n"
    assert png == wordclouds.document_clouds(table, "g2", max_words=10)  # same seed, same pixels
