"""The tone scorer: rules on constructed sentences, lexicon checks, the validation split,
the tuning's use of the development part only, and the command line."""
from __future__ import annotations

import hashlib
import pickle
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from aidiscourse.analyses.sentiment import scorer, summaries, validation
from aidiscourse.analyses.sentiment.lexicon import load_category, load_lexicon
from aidiscourse.analyses.sentiment.rules import load_rules
from aidiscourse.config import SEED
from aidiscourse.errors import AidiscourseError
from conftest import ROOT, run_cli


@pytest.fixture(scope="session")
def lexicon(paths):
    return load_lexicon(paths)


@pytest.fixture(scope="session")
def rules(paths):
    return load_rules(paths)


@pytest.fixture(scope="session")
def annotations(paths):
    return validation.load_annotations(paths)


@pytest.fixture(scope="session")
def tuned(annotations, paths):
    return validation.validation_predictions(annotations, paths)[1]


@pytest.fixture(scope="session")
def body(paths):
    from aidiscourse.corpus.load import load_sentences as sentences

    return sentences(paths)


def score(text, lexicon, rules, paths):
    return scorer.score_tokens(scorer.tokenize([text], paths)[0], lexicon, rules)


# --- rules on constructed sentences ---------------------------------------------------


@pytest.mark.parametrize("plain, negated", [
    ("这个政策成功。", "这个政策不成功。"),
    ("这个政策成功。", "这个政策并非成功。"),
    ("改革能够成功。", "改革难以成功。"),
    ("市场出现了泡沫。", "市场没有出现泡沫。"),
])
def test_negation_flips_the_next_evaluative_word(plain, negated, lexicon, rules, paths):
    a, b = score(plain, lexicon, rules, paths), score(negated, lexicon, rules, paths)
    assert a.score != 0
    assert np.sign(b.score) == -np.sign(a.score)
    assert b.raw == pytest.approx(a.raw * rules.negation)


def test_negation_does_not_cross_a_clause_boundary(lexicon, rules, paths):
    assert score("不，这个政策成功。", lexicon, rules, paths).score > 0


def test_double_negation_cancels(lexicon, rules, paths):
    assert score("这不是不成功。", lexicon, rules, paths).score == pytest.approx(score("这成功。", lexicon, rules, paths).score)


@pytest.mark.parametrize("stronger, base, weaker", [("非常成功", "成功", "稍微成功"), ("极其落后", "落后", "有点落后")])
def test_degree_adverbs_scale(stronger, base, weaker, lexicon, rules, paths):
    s, b, w = (abs(score(t + "。", lexicon, rules, paths).raw) for t in (stronger, base, weaker))
    assert s == pytest.approx(2 * b) and w == pytest.approx(0.5 * b)


def test_contrast_weights_the_clause_after_it(lexicon, rules, paths):
    # one positive and one negative word: without contrast they cancel
    assert score("技术先进，市场困难。", lexicon, rules, paths).score == 0
    assert score("技术先进，但是市场困难。", lexicon, rules, paths).score < 0
    assert score("市场困难，但是技术先进。", lexicon, rules, paths).score > 0
    assert score("市场困难，然而技术先进。", lexicon, rules, paths).score > 0


def test_concessive_clause_is_damped(lexicon, rules, paths):
    s = score("虽然有困难，前景很好。", lexicon, rules, paths)
    assert s.score > 0 and "concessive 虽然" in s.rules


def test_rhetorical_question_reverses(lexicon, rules, paths):
    s = score("难道这不是失败吗？", lexicon, rules, paths)
    assert s.score < 0 and any(r.startswith("rhetorical") for r in s.rules)
    assert score("这不是失败。", lexicon, rules, paths).score > 0


def test_domain_words_stay_whole_and_score(lexicon, rules, paths):
    for word in ("卡脖子", "受制于人", "抄袭", "围堵"):
        assert word in scorer.tokenize([f"我们仍然{word}。"], paths)[0]
        assert lexicon.polarity(word) == -1


def test_function_and_topic_words_are_not_scored(lexicon):
    for word in ("是", "其实", "和", "发展", "创新", "可能", "美"):
        assert lexicon.polarity(word) == 0, word


def test_scores_stay_in_range_and_empty_is_neutral(lexicon, rules, paths):
    long = "成功" * 200
    assert 0 < score(long, lexicon, rules, paths).score < 1
    empty = scorer.score_tokens([], lexicon, rules)
    assert (empty.score, empty.label) == (0.0, "neutral")


def test_plain_count_ignores_rules(lexicon, rules, paths):
    toks = scorer.tokenize(["这个政策不成功。"], paths)[0]
    assert scorer.score_tokens(toks, lexicon, rules, use_rules=False).score == 1.0


def test_target_terms_can_be_ignored(lexicon, rules, paths):
    toks = scorer.tokenize(["泡沫正在扩大。"], paths)[0]
    assert scorer.score_tokens(toks, lexicon, rules).score < 0
    assert scorer.score_tokens(toks, lexicon, rules, ignore=frozenset({"泡沫"})).score == 0


# --- lexicon loading ------------------------------------------------------------------


def test_lexicon_categories_are_checked(tmp_path):
    f = tmp_path / "x.pkl"
    f.write_bytes(pickle.dumps(set()))
    digest = hashlib.sha256(f.read_bytes()).hexdigest()
    with pytest.raises(AidiscourseError, match="fewer than"):
        load_category(f, sha256=digest, min_entries=1)
    with pytest.raises(AidiscourseError, match="SHA-256"):
        load_category(f, sha256="0" * 64, min_entries=0)


def test_lexicon_files_refuse_code(tmp_path):
    f = tmp_path / "x.pkl"
    f.write_bytes(pickle.dumps(Path("a")))
    with pytest.raises(pickle.UnpicklingError):
        load_category(f, sha256=hashlib.sha256(f.read_bytes()).hexdigest(), min_entries=0)


def test_both_general_lexicons_load_non_empty(paths):
    for source in ("hownet", "dutir"):
        lex = load_lexicon(paths, source=source, domain=False)
        assert len(lex.positive) > 1000 and len(lex.negative) > 1000
    raw = load_lexicon(paths, source="hownet", domain=False, clean=False)
    assert "是" in raw.positive  # the function word the cleaning removes


# --- validation set -------------------------------------------------------------------


def test_annotations_are_complete_and_match_the_corpus(annotations, body):
    assert len(annotations) >= 200
    assert set(annotations.doc_id) == set(body.doc_id)
    status = validation.check_annotations(annotations, body)
    assert (status.status == "match").all()


def test_validation_split_is_stable(annotations, body):
    drawn = validation.draw_validation_sample(body, per_document=50, dev_per_document=20, random_state=SEED)
    key = ["doc_id", "sentence"]
    a = annotations[key + ["split"]].sort_values(key).reset_index(drop=True)
    b = drawn[key + ["split"]].sort_values(key).reset_index(drop=True)
    pd.testing.assert_frame_equal(a, b, check_dtype=False)


def test_adding_a_document_changes_no_other_sample(body):
    extra = body[body.doc_id == body.doc_id.iloc[0]].assign(doc_id="zz-new-doc")
    before = validation.draw_validation_sample(body)
    after = validation.draw_validation_sample(pd.concat([body, extra]))
    pd.testing.assert_frame_equal(before, after[after.doc_id != "zz-new-doc"].reset_index(drop=True))


def test_tuning_refuses_the_test_part(annotations, lexicon, rules):
    with pytest.raises(AidiscourseError, match="development part only"):
        validation.tune(annotations, tokens=[[]] * len(annotations), lexicon=lexicon, rules=rules)
    with pytest.raises(AidiscourseError, match="development part only"):
        validation.tune_threshold(annotations, np.zeros(len(annotations)))


def test_tuning_reads_only_the_development_part(annotations, paths, tuned):
    """Scrambling the test labels (and texts) must not change what tuning chooses."""
    scrambled = annotations.copy()
    test = scrambled.split == "test"
    scrambled.loc[test, "label"] = "positive"
    scrambled.loc[test, "text"] = "成功。"
    _, tuned2 = validation.validation_predictions(scrambled, paths)
    assert tuned == tuned2


def test_committed_parameters_are_the_tuned_ones(tuned, rules):
    for name in [*validation.RULE_GRID, "threshold_positive", "threshold_negative"]:
        assert getattr(tuned, name) == getattr(rules, name), name


def test_metrics_on_a_known_case():
    gold = ["positive", "negative", "neutral", "neutral"]
    m = validation.metrics(gold, ["positive", "negative", "neutral", "negative"])
    assert m["accuracy"] == 0.75
    assert validation.metrics(gold, ["neutral"] * 4)["kappa"] == 0.0


def test_bootstrap_interval_is_reproducible_and_covers_the_mean():
    x = np.arange(50, dtype=float)
    a = summaries.bootstrap_mean_ci(x, random_state=3)
    assert a == summaries.bootstrap_mean_ci(x, random_state=3)
    assert a[1] < a[0] < a[2]
    c = summaries.bootstrap_mean_ci(x, clusters=np.repeat(np.arange(10), 5), random_state=3)
    assert c[0] == a[0] and c[2] - c[1] > a[2] - a[1]  # clustered neighbours widen the interval


# --- corpus summaries -----------------------------------------------------------------


def test_target_tone_reuses_the_scorer_tokens(body, paths):
    """by_target reads the tokens score_corpus keeps in a column; without them it tokenises
    again and gets the same answer."""
    part = body[body.doc_id == body.doc_id.iloc[0]].head(80)
    scored = summaries.score_corpus(part, paths)
    assert [list(t) for t in scored["scorer_tokens"]] == scorer.tokenize(part["text"], paths)
    targets = summaries.load_targets(paths)
    kept = summaries.by_target(scored, targets, paths, n_boot=50)
    again = summaries.by_target(scored.drop(columns="scorer_tokens"), targets, paths, n_boot=50)
    pd.testing.assert_frame_equal(kept[0], again[0])
    pd.testing.assert_frame_equal(kept[1], again[1])


# --- command line ---------------------------------------------------------------------


def test_cli_is_line_for_line():
    lines = ["这个政策非常成功。", "", "市场困难，但是技术先进。", "   ", "卡脖子问题依然严重。"]
    result = run_cli("sentiment", cwd=ROOT, input="\n".join(lines) + "\n")
    assert result.returncode == 0, result.stderr
    out = result.stdout.split("\n")
    assert out[-1] == "" and len(out) == len(lines) + 1
    rows = [o.split("\t") for o in out[:-1]]
    assert rows[1] == ["0.0", "neutral"] and rows[3] == ["0.0", "neutral"]
    assert rows[0][1] == "positive" and rows[4][1] == "negative"
    assert all(-1 <= float(s) <= 1 and lab in scorer.LABELS for s, lab in rows)


def test_cli_normalises_traditional_input(tmp_path):
    f = tmp_path / "in.txt"
    f.write_text("這個政策並非成功，經濟衰退。\n这个政策并非成功，经济衰退。\n", encoding="utf-8")
    result = run_cli("sentiment", "--input", str(f), cwd=ROOT)
    assert result.returncode == 0, result.stderr
    trad, simp = result.stdout.splitlines()
    assert trad == simp and simp.endswith("\tnegative")


def test_cli_missing_file_is_one_line_error(tmp_path):
    result = run_cli("sentiment", "--input", str(tmp_path / "nope.txt"), cwd=ROOT)
    assert result.returncode == 1
    assert result.stderr.strip().count("\n") == 0 and "no such file" in result.stderr
