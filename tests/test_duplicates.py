"""Duplicate documents: found when added, and harmless to the analyses when allowed."""
import warnings

import numpy as np
import opencc
import pandas as pd
import pytest
from scipy.spatial.distance import jensenshannon

from aidiscourse.analyses.stats import distance_matrix
from aidiscourse.corpus.duplicates import overlaps, sentence_set


def test_identical_texts_in_another_script_or_markup_are_the_same_text(paths):
    text = (paths.raw / "tian-2025.txt").read_text(encoding="utf-8")
    traditional = opencc.OpenCC("s2t").convert(text)
    found = overlaps("<p>" + traditional.replace("\n", "</p>\n<p>") + "</p>", {"tian-2025": text, "other": "完全无关的一句话而已。"})
    assert [(o.doc_id, o.identical) for o in found] == [("tian-2025", True)]
    assert found[0].describe() == "the same text as document 'tian-2025'"


def test_a_second_version_is_reported_with_both_shares(paths):
    text = (paths.raw / "zhong-2025.txt").read_text(encoding="utf-8")
    lines = text.splitlines()
    version = "\n".join(lines[: len(lines) // 2]) + "\n编者补记：本文另有删节版本，此处补充说明其来源与背景。"
    (found,) = overlaps(version, {"zhong-2025": text})
    assert not found.identical and found.share_new > 0.9 and 0.3 < found.share_old < 0.7
    assert "of its sentences are in document 'zhong-2025'" in found.describe()


def test_unrelated_documents_of_the_corpus_do_not_overlap(paths):
    texts = {p.stem: p.read_text(encoding="utf-8") for p in sorted(paths.raw.glob("*.txt"))}
    for doc_id, text in texts.items():
        assert overlaps(text, {k: v for k, v in texts.items() if k != doc_id}) == []
    assert len(sentence_set(texts["feng-2024"])) > 100


def test_jensen_shannon_of_identical_mixtures_is_zero_without_a_warning():
    # two topic mixtures equal up to rounding (a document and its repost): scipy takes the
    # square root of a tiny negative number here
    p = np.array([0.022009809157394287, 0.001932242033562139, 0.013293776353092295, 0.04928094113828761,
                  0.01566405967874331, 1.6665167321729362e-05, 0.08714286895610754, 0.2106444554146201,
                  0.31395276144413037, 0.2097480182591609, 0.05738638996582951, 0.018928012431750237])
    q = p.copy()
    q[[1, 7, 9, 11]] = [0.0019322420335621388, 0.21064445541462007, 0.20974801825916087, 0.01892801243175024]
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        assert np.isnan(jensenshannon(p, q, base=2))
    assert caught, "scipy no longer warns here; the case is moot"
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        d = distance_matrix(pd.DataFrame([p, q, np.roll(p, 1)], index=["a", "a-repost", "b"]))
    assert d.loc["a", "a-repost"] == 0.0
    assert d.loc["a", "b"] == pytest.approx(jensenshannon(p, np.roll(p, 1), base=2), rel=1e-12)  # others as scipy
