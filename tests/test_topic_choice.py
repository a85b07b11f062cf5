"""The topic choice: NMF proportions with H's row scale, LDA run to its tolerance, the
rank rule and its degenerate solutions, the held-out coherence split, and the statements
checked on a second fit."""
from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from aidiscourse.analyses.topics.inspect import group_proportions
from aidiscourse.analyses.topics.statements import check_statements, dominant_topics, term_topic
from aidiscourse.analyses.topics.model import (
    LDA_MAX_ITER, Fit, fit_topics, nmf_proportions, term_matrix, topic_prevalence,
)
from aidiscourse.analyses.topics.selection import (
    aggregate, alternative_choices, choose, degenerate, heldout_coherence, occurrence_matrix, runner_up,
    search, selection_scores, solution_table, split_passages,
)
from aidiscourse.errors import AidiscourseError

THEMES = [
    ["芯片", "算力", "英伟达", "芯片"], ["芯片", "算力", "英伟达"], ["算力", "芯片", "英伟达", "华为"], ["芯片", "华为", "算力"],
    ["民主", "宪政", "制度"], ["民主", "制度", "宪政", "自由"], ["宪政", "民主", "自由"], ["制度", "民主", "宪政"],
]


def test_nmf_proportions_carry_the_row_scale_of_h():
    # topic 1's terms are ten times heavier in H than topic 2's; a passage with equal W
    # weights therefore holds ten times more of topic 1 in its reconstruction W @ H
    W = np.array([[1.0, 1.0], [2.0, 0.0], [0.0, 0.0]])
    H = np.array([[5.0, 5.0, 0.0], [0.0, 0.5, 0.5]])
    props = nmf_proportions(W, H)
    reconstruction = W @ H
    assert props[0] == pytest.approx([10 / 11, 1 / 11])
    # each topic's share equals its part of the row sum of W @ H
    part = W[0, 0] * H[0].sum() / reconstruction[0].sum()
    assert props[0, 0] == pytest.approx(part)
    assert props[1].tolist() == [1.0, 0.0] and props[2].tolist() == [0.0, 0.0]
    # rescaling a topic between W and H (W D, D^-1 H) leaves the proportions unchanged,
    # while the rows of W alone would move
    D = np.diag([0.1, 4.0])
    assert np.allclose(nmf_proportions(W @ D, np.linalg.inv(D) @ H), props)
    W_only = W[0] / W[0].sum()
    assert not np.allclose(W_only, props[0])


def test_nmf_fit_uses_the_scaled_proportions():
    from sklearn.decomposition import NMF

    tm = term_matrix(THEMES * 3, min_df=1, max_df=1.0)
    fit = fit_topics(tm, 3, model="nmf", random_state=5)
    est = NMF(n_components=3, init="random", solver="cd", max_iter=1000, tol=1e-4, random_state=5)
    W = est.fit_transform(tm.tfidf)
    assert np.allclose(fit.passage_topic, nmf_proportions(W, est.components_))
    assert 0 < fit.n_iter < 1000


def test_lda_stops_on_its_tolerance_and_reports_iterations():
    tm = term_matrix(THEMES * 3, min_df=1, max_df=1.0)
    fit = fit_topics(tm, 2, model="lda", random_state=3)
    assert 0 < fit.n_iter < LDA_MAX_ITER  # converged before the cap
    capped = fit_topics(tm, 2, model="lda", random_state=3, max_iter=2)
    assert capped.n_iter == 2
    again = fit_topics(tm, 2, model="lda", random_state=3)
    assert again.n_iter == fit.n_iter and np.array_equal(again.topic_term, fit.topic_term)


def _sel(rows):
    return pd.DataFrame(rows, columns=["model", "k", "coherence_npmi", "stability", "coherence_sd", "min_prevalence"])


def test_degenerate_rule():
    sel = _sel([("nmf", 4, 0.10, 0.999999, 0.0, 0.20),    # every seed the same solution
                ("nmf", 5, 0.12, 0.999999, 0.004, 0.10),  # stable but seeds differ in coherence: kept
                ("nmf", 6, 0.14, 0.80, 0.01, 0.005),      # a topic with 0.5% < 1/60 of the terms
                ("lda", 6, 0.02, 0.70, 0.01, 0.05)])
    assert degenerate(sel).tolist() == [True, False, True, False]


def test_rank_rule_is_not_set_by_extremes_and_skips_degenerate_solutions():
    # min-max lets one extreme coherence (lda 4) and one extreme stability (nmf 4) set the
    # scales; ranks do not
    sel = _sel([("lda", 4, -0.50, 0.60, 0.01, 0.2),
                ("nmf", 4, 0.10, 1.00, 0.0, 0.2),
                ("nmf", 10, 0.19, 0.93, 0.01, 0.05),
                ("nmf", 12, 0.18, 0.96, 0.01, 0.05),
                ("nmf", 11, 0.185, 0.90, 0.01, 0.05)])
    scored = selection_scores(sel).set_index(["model", "k"])
    assert scored.loc[("nmf", 4), "degenerate"] and pd.isna(scored.loc[("nmf", 4), "rank"])
    assert scored.loc[("nmf", 10), "coherence_rank"] == 1 and scored.loc[("nmf", 12), "stability_rank"] == 1
    assert choose(sel) == ("nmf", 10) and runner_up(sel) == ("nmf", 12)
    assert scored.loc[("nmf", 10), "choice"] == "chosen" and scored.loc[("nmf", 12), "choice"] == "runner-up"
    assert choose(sel, method="minmax", include_degenerate=True) == ("nmf", 12)
    alternatives = alternative_choices(sel).set_index("rule")
    assert (alternatives.iloc[0].model, alternatives.iloc[0].k) == ("nmf", 10)
    assert len(alternatives) == 4


def test_rank_ties_go_to_the_smaller_k_and_all_degenerate_fails():
    sel = _sel([("nmf", 6, 0.2, 0.8, 0.01, 0.1), ("nmf", 5, 0.1, 0.9, 0.01, 0.1)])
    assert aggregate(sel).set_index("k")["mean_rank"].tolist() == [1.5, 1.5]
    assert choose(sel) == ("nmf", 5)
    with pytest.raises(AidiscourseError):
        choose(_sel([("nmf", 4, 0.1, 1.0, 0.0, 0.2)]))


def test_split_keeps_every_document_on_both_sides_and_is_seeded():
    groups = ["a"] * 7 + ["b"] * 2 + ["c"] * 10
    first = split_passages(groups, random_state=11)
    g = np.array(groups)
    for doc, n in (("a", 4), ("b", 1), ("c", 5)):
        assert first[g == doc].sum() == n
    assert np.array_equal(first, split_passages(groups, random_state=11))
    assert not np.array_equal(first, split_passages(groups, random_state=12))


def test_occurrence_matrix_ignores_unknown_terms():
    occ = occurrence_matrix([["a", "b", "a"], ["z"], ["b"]], ["a", "b"])
    assert occ.toarray().tolist() == [[1, 1], [0, 0], [0, 1]]


def test_heldout_coherence_fits_on_one_half_and_counts_on_the_other(tmp_path):
    from aidiscourse.analyses.topics.model import top_term_indices
    from aidiscourse.analyses.topics.selection import npmi_coherence

    rng = np.random.default_rng(0)
    filler = [f"w{i}" for i in range(40)]
    docs = [theme + list(rng.choice(filler, 2, replace=False)) for _ in range(4) for theme in THEMES]
    groups = [f"d{d}" for d in range(4) for _ in THEMES]
    table = heldout_coherence(docs, groups, ks=(2,), models=("nmf",), min_df=2, max_df=1.0, n_top=3,
                              random_state=9, n_jobs=1, cache_dir=tmp_path)
    assert table.fold.tolist() == [1, 2]
    assert (table.coherence_heldout > 0.5).all()  # the two themes recur in the unseen half
    # fold 1 by hand: fit on the first half's own vocabulary, count on the second half
    first = split_passages(groups, random_state=9)
    fit_docs = [d for d, f in zip(docs, first) if f]
    test_docs = [d for d, f in zip(docs, first) if not f]
    tm = term_matrix(fit_docs, min_df=2, max_df=1.0)
    fit = fit_topics(tm, 2, model="nmf", random_state=9)
    expected = np.nanmean(npmi_coherence(top_term_indices(fit.topic_term, 3), occurrence_matrix(test_docs, tm.vocabulary)))
    assert table.coherence_heldout.iloc[0] == pytest.approx(expected)
    top = top_term_indices(fit.topic_term, 3)
    assert table.coherence_fitted_half.iloc[0] == pytest.approx(np.nanmean(npmi_coherence(top, tm.counts)))
    again = heldout_coherence(docs, groups, ks=(2,), models=("nmf",), min_df=2, max_df=1.0, n_top=3,
                              random_state=9, n_jobs=2, cache_dir=tmp_path)
    assert again.equals(table) and len(list(tmp_path.glob("heldout-*.parquet"))) == 1
    parallel = heldout_coherence(docs, groups, ks=(2,), models=("nmf",), min_df=2, max_df=1.0, n_top=3,
                                 random_state=9, n_jobs=2)
    assert parallel.equals(table)


def test_solution_table_reports_prevalence_and_iterations():
    tm = term_matrix(THEMES * 3, min_df=1, max_df=1.0)
    result = search(tm, ks=(2, 3), models=("nmf",), n_seeds=2, random_state=1, n_jobs=1)
    table = solution_table(result).set_index("k")
    fit = result.fits[("nmf", 2, 1)]
    assert table.loc[2, "min_prevalence"] <= topic_prevalence(fit, tm.lengths).min() + 1e-12
    assert (table.iterations_max >= table.iterations_median).all() and (table.iterations_median > 0).all()


def _fit(topic_term, passage_topic):
    return Fit("nmf", len(topic_term), 0, np.array(topic_term, dtype=float), np.array(passage_topic, dtype=float))


def test_statements_hold_under_a_split_topic_and_break_under_another_theme():
    vocab = np.array(["泡沫", "投资", "芯片", "制度"], dtype=object)
    passages = pd.DataFrame({"doc_id": ["a", "a", "b", "b", "c", "c"]})
    lengths = np.ones(6)
    chosen = _fit([[0.5, 0.5, 0, 0], [0, 0, 1.0, 0], [0, 0, 0, 1.0]],
                  [[1, 0, 0], [0.8, 0.2, 0], [0, 1, 0], [0, 0.9, 0.1], [0, 0, 1], [0.1, 0, 0.9]])
    # the bubble topic split into 泡沫 and 投资 halves: the documents keep their statements
    split = _fit([[0.8, 0.2, 0, 0], [0.2, 0.8, 0, 0], [0, 0, 1.0, 0], [0, 0, 0, 1.0]],
                 [[0.5, 0.5, 0, 0], [0.4, 0.4, 0.2, 0], [0, 0, 1, 0], [0, 0, 0.9, 0.1], [0, 0, 0, 1], [0.1, 0, 0, 0.9]])
    names3 = {1: "1 bubble", 2: "2 chips", 3: "3 institutions"}
    names4 = {1: "1 bubble", 2: "2 investment", 3: "3 chips", 4: "4 institutions"}
    same = check_statements(chosen, chosen, passages, lengths, vocab, names_chosen=names3, names_other=names3,
                            focus_term="泡沫")
    assert same.holds.all()
    checked = check_statements(chosen, split, passages, lengths, vocab, names_chosen=names3, names_other=names4,
                               focus_term="泡沫").set_index(["statement", "doc_id"])
    assert checked.loc[("dominant topic", "a"), "holds"]  # 泡沫 half ~ the bubble topic (cosine 0.86)
    assert checked.loc[("dominant topic", "b"), "holds"]
    assert checked.loc[("more than 10% in the topic of 泡沫", "a"), "chosen"] == "90%"
    assert checked.loc[("more than 10% in the topic of 泡沫", "a"), "other"] == "45%"
    assert checked.loc[("more than 10% in the topic of 泡沫", "a"), "holds"]
    # with the ranges over seeds: a share that dips below 10% in one seed no longer holds
    ranges = (pd.DataFrame({"doc_id": ["a", "b", "c"], "topic": [1, 1, 1], "low": [0.8, 0.0, 0.0], "high": [0.95, 0.05, 0.1]}),
              pd.DataFrame({"doc_id": ["a", "b", "c"], "topic": [1, 1, 1], "low": [0.05, 0.0, 0.0], "high": [0.5, 0.0, 0.05]}))
    ranged = check_statements(chosen, split, passages, lengths, vocab, names_chosen=names3, names_other=names4,
                              focus_term="泡沫", seed_ranges=ranges).set_index(["statement", "doc_id"])
    assert ranged.loc[("more than 10% in the topic of 泡沫", "a"), "other"] == "45% (5% to 50%)"
    assert not ranged.loc[("more than 10% in the topic of 泡沫", "a"), "holds"]
    assert ranged.loc[("more than 10% in the topic of 泡沫", "b"), "holds"]
    # a fit whose 泡沫 topic is about chips: the bubble statements do not hold
    other = _fit([[0.1, 0, 0.9, 0], [0, 1.0, 0, 0], [0, 0, 0, 1.0]],
                 [[0, 1, 0], [0, 1, 0], [1, 0, 0], [1, 0, 0], [0, 0, 1], [0, 0, 1]])
    broken = check_statements(chosen, other, passages, lengths, vocab, names_chosen=names3,
                              names_other=names3, focus_term="泡沫").set_index(["statement", "doc_id"])
    assert not broken.loc[("the topic of 泡沫", ""), "holds"]
    assert not broken.loc[("more than 10% in the topic of 泡沫", "b"), "holds"]


def test_term_topic_and_dominant_topics():
    fit = _fit([[0.9, 0.1], [0.2, 0.8]], [[1, 0], [0, 1]])
    assert term_topic(fit, np.array(["x", "y"], dtype=object), "y") == 2
    props = group_proportions(fit, pd.DataFrame({"doc_id": ["b", "a"]}), np.ones(2))
    dom = dominant_topics(props)
    assert dom.doc_id.tolist() == ["b", "a"] and dom.topic.tolist() == [1, 2]
