"""Word clouds: Chinese drawn with a font that covers it, the same way every time."""
from __future__ import annotations

import numpy as np
import pytest

from aidiscourse import wordclouds as wcs
from aidiscourse.figures import uncovered_characters

WEIGHTS = {"人工智能": 58, "新质生产力": 52, "泡沫": 39, "制度": 81, "DeepSeek": 12, "钱": 5, "卡脖子": 3}


def test_cloud_is_deterministic_for_a_seed():
    a = wcs.make_cloud(WEIGHTS, random_state=1).to_array()
    b = wcs.make_cloud(dict(reversed(list(WEIGHTS.items()))), random_state=1).to_array()
    assert np.array_equal(a, b)
    assert a.shape == (wcs.HEIGHT, wcs.WIDTH, 3)


def test_cloud_draws_every_term_including_one_character_words():
    cloud = wcs.make_cloud(WEIGHTS)
    assert set(wcs.drawn_words(cloud)) == set(WEIGHTS)


def test_font_covers_the_characters_drawn():
    cloud = wcs.make_cloud(WEIGHTS)
    assert wcs.uncovered_in_cloud(cloud) == set()


def test_coverage_check_can_fail():
    # a private-use character is in no font: the check must report it
    assert uncovered_characters("制度\ue000") == {"\ue000"}


def test_only_positive_weights_are_drawn():
    cloud = wcs.make_cloud({"市场": 3, "政府": 0, "泡沫": -2})
    assert wcs.drawn_words(cloud) == ["市场"]
    with pytest.raises(ValueError):
        wcs.make_cloud({"政府": 0})


def test_real_clouds_are_covered_by_the_font(paths):
    from aidiscourse import termfreq as tf
    from aidiscourse.corpus import sentences

    freq = tf.frequency_table(tf.with_terms(sentences(paths), paths=paths), min_count=2)
    for doc, g in freq.groupby("doc_id", sort=False):
        cloud = wcs.make_cloud(dict(zip(g.term, g.per_10k)), max_words=80)
        assert wcs.uncovered_in_cloud(cloud) == set(), doc


def test_grid_is_a_png():
    png = wcs.cloud_grid([wcs.make_cloud(WEIGHTS)] * 3, ["a", "b", "中文"], ncols=2)
    assert png[:8] == b"\x89PNG\r\n\x1a\n"
