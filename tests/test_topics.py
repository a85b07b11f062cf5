"""Topic models: the measures on constructed inputs with known answers, the vectoriser,
labels, proportions and the determinism of fits."""
from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from scipy.spatial.distance import jensenshannon

from aidiscourse.analyses.topics.inspect import (
    distance_spread, group_proportions, js_distances, proportion_spread, stopword_sensitivity, topic_map,
)
from aidiscourse.analyses.topics.labels import UNLABELLED, apply_labels, label_stub, load_labels
from aidiscourse.analyses.topics.model import MODELS, Fit, fit_topics, term_matrix, top_term_indices
from aidiscourse.analyses.topics.search_cache import read_fits, search_key
from aidiscourse.analyses.topics.selection import (
    aligned_runs, choose, match_topics, npmi_coherence, search, seeds, topic_stability,
)
from aidiscourse.config import SEED
from aidiscourse.corpus.passages import load_passages

# Two themes that never meet: passages 0-3 speak of chips, 4-7 of democracy.
THEMES = [
    ["芯片", "算力", "英伟达", "芯片"], ["芯片", "算力", "英伟达"], ["算力", "芯片", "英伟达", "华为"], ["芯片", "华为", "算力"],
    ["民主", "宪政", "制度"], ["民主", "制度", "宪政", "自由"], ["宪政", "民主", "自由"], ["制度", "民主", "宪政"],
]


def test_one_character_words_survive_the_vectoriser():
    tm = term_matrix([["人", "国", "人工智能"], ["人", "国"], ["钱", "人"]], min_df=1, max_df=1.0)
    assert {"人", "国", "钱"} <= set(tm.vocabulary)
    col = list(tm.vocabulary).index("人")
    assert tm.counts[:, col].toarray().ravel().tolist() == [1, 1, 1]


def test_document_frequency_filter():
    tm = term_matrix([["a", "b"], ["a", "c"], ["a", "b"], ["d"]], min_df=2, max_df=0.7)
    assert list(tm.vocabulary) == ["b"]  # a is in 3/4 passages (> 0.7), c and d in one


def test_tfidf_rows_are_unit_length():
    tm = term_matrix(THEMES, min_df=1, max_df=1.0)
    norms = np.sqrt(np.asarray(tm.tfidf.multiply(tm.tfidf).sum(axis=1)).ravel())
    assert np.allclose(norms, 1)


@pytest.mark.parametrize(
    "occurrence, topic, expected",
    [
        # always together -> 1
        ([[1, 1], [1, 1], [0, 0], [0, 0]], [0, 1], 1.0),
        # never together -> -1
        ([[1, 0], [1, 0], [0, 1], [0, 1]], [0, 1], -1.0),
        # independent: P(a)=P(b)=1/2, P(ab)=1/4 -> 0
        ([[1, 1], [1, 0], [0, 1], [0, 0]], [0, 1], 0.0),
        # b only where a is: P(a)=1/2, P(b)=P(ab)=1/4 -> log 2 / log 4 = 0.5
        ([[1, 1], [1, 0], [0, 0], [0, 0]], [0, 1], 0.5),
    ],
)
def test_npmi_known_values(occurrence, topic, expected):
    assert npmi_coherence([topic], np.array(occurrence))[0] == pytest.approx(expected)


def test_unrelated_term_sets_have_low_npmi_and_themes_high():
    tm = term_matrix(THEMES, min_df=1, max_df=1.0)
    idx = {t: i for i, t in enumerate(tm.vocabulary)}
    coherent = [[idx["芯片"], idx["算力"], idx["英伟达"]], [idx["民主"], idx["宪政"], idx["制度"]]]
    mixed = [[idx["芯片"], idx["民主"], idx["宪政"]], [idx["算力"], idx["制度"], idx["英伟达"]]]
    high = npmi_coherence(coherent, tm.counts)
    low = npmi_coherence(mixed, tm.counts)
    assert (high > 0.5).all()
    assert (low < 0).all()
    # a topic of two terms that never share a passage
    assert npmi_coherence([[idx["芯片"], idx["民主"]]], tm.counts)[0] == -1.0


def test_stability_of_identical_topics_is_one_in_any_order():
    rng = np.random.default_rng(0)
    a = rng.random((5, 30))
    assert topic_stability([a, a, a]) == pytest.approx(1.0)
    assert topic_stability([a, a[[3, 1, 4, 0, 2]]]) == pytest.approx(1.0)


def test_stability_of_disjoint_topics_is_zero_and_partial_in_between():
    a = np.array([[1.0, 1, 0, 0, 0, 0], [0, 0, 1, 1, 0, 0]])
    b = np.array([[0, 0, 0, 0, 1.0, 0], [0, 0, 0, 0, 0, 1.0]])
    assert topic_stability([a, b]) == pytest.approx(0.0)
    c = np.array([[1.0, 0, 0, 0, 0, 0], [0, 0, 1, 1, 0, 0]])  # first topic half-shared
    assert topic_stability([a, c]) == pytest.approx((1 / np.sqrt(2) + 1) / 2)


def test_match_topics_is_one_to_one():
    a = np.array([[1.0, 0.9, 0], [1.0, 1.0, 0.1]])
    b = np.array([[1.0, 1.0, 0], [0, 0, 1.0]])
    match, sim = match_topics(a, b)
    assert sorted(match) == [0, 1]  # greedy best-match would send both to b[0]


@pytest.mark.parametrize(
    "selection, expected",
    [
        ({"model": ["lda", "nmf"], "k": [5, 5], "coherence_npmi": [0.1, 0.2], "stability": [0.7, 0.9]}, ("nmf", 5)),
        ({"model": ["lda", "lda"], "k": [4, 6], "coherence_npmi": [0.1, 0.1], "stability": [0.8, 0.8]}, ("lda", 4)),
        ({"model": ["nmf", "lda"], "k": [4, 4], "coherence_npmi": [0.1, 0.1], "stability": [0.8, 0.8]}, ("lda", 4)),
    ],
)
def test_choose(selection, expected):
    assert choose(pd.DataFrame(selection)) == expected


@pytest.mark.parametrize("model", MODELS)
def test_fits_recover_constructed_themes_and_are_deterministic(model):
    tm = term_matrix(THEMES * 3, min_df=1, max_df=1.0)
    fit = fit_topics(tm, 2, model=model, random_state=7, max_iter=200)
    again = fit_topics(tm, 2, model=model, random_state=7, max_iter=200)
    assert np.array_equal(fit.topic_term, again.topic_term)
    assert np.allclose(fit.topic_term.sum(axis=1), 1)
    top = [set(tm.vocabulary[i] for i in idx) for idx in top_term_indices(fit.topic_term, 3)]
    assert {"芯片", "算力"} <= top[0] or {"芯片", "算力"} <= top[1]
    assert {"民主", "宪政"} <= top[0] or {"民主", "宪政"} <= top[1]


def test_lda_on_many_passages_is_online_and_still_recovers_the_themes():
    from aidiscourse.analyses.topics import model as topic_model

    tm = term_matrix(THEMES * (topic_model.LDA_ONLINE_MIN_PASSAGES // len(THEMES) + 1), min_df=1, max_df=1.0)
    fit = fit_topics(tm, 2, model="lda", random_state=7)
    assert fit.n_iter == topic_model.LDA_ONLINE_PASSES  # passes, not batch iterations
    assert np.array_equal(fit.topic_term, fit_topics(tm, 2, model="lda", random_state=7).topic_term)
    top = [set(tm.vocabulary[i] for i in idx) for idx in top_term_indices(fit.topic_term, 3)]
    assert {"芯片", "算力"} <= top[0] or {"芯片", "算力"} <= top[1]
    assert {"民主", "宪政"} <= top[0] or {"民主", "宪政"} <= top[1]
    assert "online" in topic_model.lda_fitting_note(tm.counts.shape[0])


def test_group_proportions_are_length_weighted_and_sum_to_one():
    fit = Fit("lda", 2, 0, np.array([[0.5, 0.5], [0.5, 0.5]]),
                     np.array([[1.0, 0.0], [0.0, 1.0], [0.5, 0.5]]))
    passages = pd.DataFrame({"doc_id": ["a", "a", "b"]})
    out = group_proportions(fit, passages, np.array([30, 10, 0]))
    a = out[out.doc_id == "a"].set_index("topic").proportion
    assert a[1] == pytest.approx(0.75) and a[2] == pytest.approx(0.25)
    # a group with no modelled terms gets zeros, not NaN
    assert out[out.doc_id == "b"].proportion.tolist() == [0.0, 0.0]


def test_js_distance_of_identical_and_disjoint_documents():
    props = pd.DataFrame({"doc_id": ["a", "a", "b", "b", "c", "c"], "topic": [1, 2] * 3,
                          "proportion": [1.0, 0.0, 1.0, 0.0, 0.0, 1.0]})
    d = js_distances(props).set_index(["doc_id_a", "doc_id_b"]).distance
    assert d[("a", "b")] == pytest.approx(0.0)
    assert d[("a", "c")] == pytest.approx(1.0)


def test_topic_map_keeps_distances_of_three_topics():
    topic_term = np.array([[1.0, 0, 0], [0, 1.0, 0], [0.5, 0.5, 0]])
    fit = Fit("nmf", 3, 0, topic_term, np.eye(3))
    m = topic_map(fit, np.ones(3))
    xy = m[["x", "y"]].to_numpy()
    assert np.linalg.norm(xy[0] - xy[1]) == pytest.approx(jensenshannon(topic_term[0], topic_term[1], base=2))
    assert m.prevalence.sum() == pytest.approx(1.0)


def _terms_table(model, tops):
    return pd.DataFrame([{"model": model, "topic": t, "rank": r + 1, "term": w, "weight": 0.1}
                         for t, words in tops.items() for r, w in enumerate(words)])


def test_labels_apply_only_to_matching_topics():
    tops = {1: list("abcdefghij"), 2: list("klmnopqrst")}
    labels = [
        {"model": "nmf", "k": 2, "top_terms": list("abcdefghiz"), "label": "first", "rationale": "r1"},  # 9 of 10
        {"model": "nmf", "k": 2, "top_terms": list("klmnouvwxy"), "label": "second", "rationale": "r2"},  # 5 of 10
        {"model": "lda", "k": 2, "top_terms": list("klmnopqrst"), "label": "other model", "rationale": "r3"},
        {"model": "nmf", "k": 3, "top_terms": list("klmnopqrst"), "label": "other k", "rationale": "r4"},
    ]
    out = apply_labels(_terms_table("nmf", tops), labels, k=2).set_index("topic")
    assert out.loc[1, "label"] == "first" and out.loc[1, "labelled"]
    assert out.loc[2, "label"] == UNLABELLED and not out.loc[2, "labelled"]


def test_a_label_is_used_once(tmp_path):
    tops = {1: list("abcdefghij"), 2: list("abcdefghik")}
    path = tmp_path / "labels.yml"
    path.write_text(label_stub(_terms_table("lda", {1: tops[1]}), 2).replace('label: \'\'', "label: x"),
                    encoding="utf-8")
    labels = load_labels(path)
    out = apply_labels(_terms_table("lda", tops), labels, k=2)
    assert out.labelled.sum() == 1
    assert load_labels(tmp_path / "missing.yml") == []


@pytest.fixture(scope="module")
def small_search():
    tm = term_matrix(THEMES * 3, min_df=1, max_df=1.0)
    return search(tm, ks=(2, 3), n_seeds=3, random_state=1, n_jobs=1)


def test_search_table_and_alignment(small_search, tmp_path):
    sel = small_search.selection
    assert list(sel.columns[:4]) == ["model", "k", "coherence_npmi", "stability"]
    assert len(sel) == 4 and sel.stability.between(0, 1 + 1e-9).all()
    # two clean themes: K=2 is recovered by every seed
    assert sel.set_index(["model", "k"]).loc[("nmf", 2), "stability"] == pytest.approx(1.0, abs=1e-3)
    runs = aligned_runs(small_search, "nmf", 2)
    assert all(sim > 0.99 for _, sim in runs)
    passages = pd.DataFrame({"doc_id": ["a"] * 12 + ["b"] * 12})
    spread = proportion_spread(small_search, "nmf", 2, passages)
    assert (spread.low <= spread.proportion + 1e-12).all() and (spread.proportion <= spread.high + 1e-12).all()
    # parallel workers and the cache give the same fits
    again = search(small_search.tm, ks=(2, 3), n_seeds=3, random_state=1, n_jobs=2, cache_dir=tmp_path)
    cached = search(small_search.tm, ks=(2, 3), n_seeds=3, random_state=1, n_jobs=1, cache_dir=tmp_path)
    for key, fit in small_search.fits.items():
        assert np.array_equal(fit.topic_term, again.fits[key].topic_term)
        assert np.array_equal(fit.passage_topic, cached.fits[key].passage_topic)
    # one search kept, as plain arrays and JSON: no pickle
    assert sorted(p.suffix for p in tmp_path.glob("search-*")) == [".json", ".npz"]
    with np.load(next(tmp_path.glob("search-*.npz")), allow_pickle=False) as arrays:
        assert len(arrays.files) == 2 * len(small_search.fits)


def test_search_cache_key_and_damaged_entries(small_search, tmp_path):
    tm = small_search.tm
    tasks = list(small_search.fits)
    assert search_key(tm, tasks) != search_key(tm, tasks[:-1])
    assert read_fits(tmp_path, tm, tasks) is None  # nothing stored yet
    search(tm, ks=(2, 3), n_seeds=3, random_state=1, n_jobs=1, cache_dir=tmp_path)
    assert read_fits(tmp_path, tm, tasks[:-1]) is None  # another task list is another entry
    next(tmp_path.glob("search-*.npz")).write_bytes(b"not a zip file")
    assert read_fits(tmp_path, tm, tasks) is None  # a damaged entry is refitted, not trusted
    again = search(tm, ks=(2, 3), n_seeds=3, random_state=1, n_jobs=1, cache_dir=tmp_path)
    assert read_fits(tmp_path, tm, tasks) is not None
    assert again.selection.equals(small_search.selection)


def test_seeds_default_to_the_project_seed():
    assert seeds(3) == [SEED, SEED + 1, SEED + 2]


def test_stopword_sensitivity_without_change_is_identity_and_themes_survive_a_drop():
    docs = THEMES * 3
    tm = term_matrix(docs, min_df=1, max_df=1.0)
    fit = fit_topics(tm, 2, model="nmf", random_state=3, max_iter=300)
    same = stopword_sensitivity(docs, fit, tm.vocabulary, [], min_df=1, max_df=1.0, max_iter=300)
    assert np.allclose(same.similarity, 1.0)
    assert sorted(same.refit_topic) == [1, 2]
    dropped = stopword_sensitivity(docs, fit, tm.vocabulary, ["芯片", "民主"], min_df=1, max_df=1.0, max_iter=300)
    assert (dropped.similarity > 0.5).all()  # the two themes survive without one term each


def test_distance_spread_covers_the_reference(small_search):
    passages = pd.DataFrame({"doc_id": ["a"] * 12 + ["b"] * 12})
    d = distance_spread(small_search, "nmf", 3, passages)
    assert len(d) == 4
    assert (d.low <= d.distance + 1e-12).all() and (d.distance <= d.high + 1e-12).all()
    assert d[d.doc_id_a == d.doc_id_b].distance.eq(0).all()


def test_one_character_words_survive_on_the_real_passages(paths):
    tm = term_matrix(load_passages(paths).terms, min_df=3, max_df=0.5)
    vocab = set(tm.vocabulary)
    assert {"钱", "新", "高"} <= vocab
    assert sum(len(t) == 1 for t in vocab) >= 20


def test_topics_labels_writes_a_template_for_a_model_and_k(tmp_path):
    """`aidiscourse topics labels` on the real corpus: the chapter's topics, glossed, with passages."""
    import pandas as pd
    import yaml

    from conftest import ROOT, run_cli

    shown = pd.read_csv(ROOT / "results" / "topics.csv")
    shown = shown[shown.model == "nmf"]  # both families at the chapter's K
    k = shown.topic.nunique()
    out = tmp_path / "labels.yml"
    result = run_cli("topics", "labels", "--model", "nmf", "--k", str(k), "--output", str(out), cwd=ROOT)
    assert result.returncode == 0, result.stderr
    entries = yaml.safe_load(out.read_text(encoding="utf-8"))["labels"]
    assert [e["top_terms"] for e in entries] == [list(g.sort_values("rank").term) for _, g in shown.groupby("topic")]
    assert [e["topic"] for e in entries] == list(range(1, k + 1))
    for e in entries:
        assert e["model"] == "nmf" and e["k"] == k and e["label"] == "" and e["rationale"] == ""
        assert len(e["glosses"]) == len(e["top_terms"]) and all(g.startswith(t) for g, t in zip(e["glosses"], e["top_terms"]))
        assert all("‘" in g and "|" not in g for g in e["glosses"])
        assert len(e["passages"]) == 2 and all(p["id"].count("/") == 1 and p["text"] for p in e["passages"])
    # the file reads as a labels file, and its empty labels label nothing
    assert not apply_labels(shown, load_labels(out), k=k).labelled.any()
    again = run_cli("topics", "labels", "--model", "nmf", "--k", str(k), "--output", str(out), cwd=ROOT)
    assert again.returncode == 1 and again.stderr.strip().count("\n") == 0 and "--force" in again.stderr
    forced = run_cli("topics", "labels", "--model", "nmf", "--k", "4", "--output", str(out), "--force", cwd=ROOT)
    assert forced.returncode == 0 and "k: 4" in out.read_text(encoding="utf-8")
