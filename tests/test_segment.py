import pytest

from aidiscourse.corpus.segment import Segmenter, is_term, split_sentences

DOMAIN_TERMS = ["新质生产力", "民主资本主义", "举国体制", "全要素生产率", "创造性破坏", "耐心资本", "卡脖子", "人类命运共同体", "英伟达", "一带一路"]


@pytest.fixture(scope="module")
def segmenter(paths):
    return Segmenter(paths.user_dict)


@pytest.mark.parametrize("term", DOMAIN_TERMS)
def test_user_dictionary_keeps_domain_terms_whole(segmenter, term):
    assert term in segmenter.cut(f"我们讨论{term}的问题")


def test_without_user_dictionary_some_terms_split():
    plain = Segmenter(None)
    split = [t for t in DOMAIN_TERMS if t not in plain.cut(f"我们讨论{t}的问题")]
    assert len(split) >= 3  # the dictionary matters


def test_latin_names_fold_to_one_spelling(segmenter):
    tokens = segmenter.cut("Deepseek和DEEPSEEK都是DeepSeek")
    assert [t for t in tokens if t.isascii()] == ["DeepSeek", "DeepSeek", "DeepSeek"]


def test_segmentation_is_deterministic(paths):
    text = "中国以举国体制押宝到几个特定科技产业，如果短期内看不到经济效益，有没有可能弯道超车变成弯道翻车？"
    assert Segmenter(paths.user_dict).cut(text) == Segmenter(paths.user_dict).cut(text)


def test_rjieba_backend_gives_jiebas_tokens_on_the_corpus(paths, all_sentences):
    jb = Segmenter(paths.user_dict, backend="jieba")
    rj = Segmenter(paths.user_dict, backend="rjieba")
    texts = all_sentences.text.tolist()
    differ = [t for t in texts if jb.cut(t) != rj.cut(t)]
    assert differ == []


def test_one_character_words_are_terms():
    assert is_term("钱") and is_term("党")
    assert not is_term("，") and not is_term("2.8%") and not is_term("的", {"的"}) and not is_term("x")


@pytest.mark.parametrize(
    "paragraph, expected",
    [
        ("他说：“创新能被规划吗？”我认为不能。", ["他说：“创新能被规划吗？”", "我认为不能。"]),
        ("第一句！第二句？第三句。", ["第一句！", "第二句？", "第三句。"]),
        ("没有句号的标题", ["没有句号的标题"]),
        ("省略……然后继续。", ["省略……", "然后继续。"]),
    ],
)
def test_split_sentences(paragraph, expected):
    assert split_sentences(paragraph) == expected
