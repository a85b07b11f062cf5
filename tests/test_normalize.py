import pytest

from aidiscourse.corpus.normalize import collapse_whitespace, fix_zhe, looks_traditional, normalize_text, normalize_unicode, to_simplified


@pytest.mark.parametrize(
    "text, expected",
    [
        ("随著技术进步", "随着技术进步"),
        ("存在著结构性风险", "存在着结构性风险"),
        ("意味著", "意味着"),
        ("许成钢教授著述丰富", "许成钢教授著述丰富"),
        ("成效显著，著名学者的著作", "成效显著，著名学者的著作"),
    ],
)
def test_fix_zhe(text, expected):
    assert fix_zhe(text) == expected


@pytest.mark.parametrize(
    "text, expected",
    [
        # t2s, not tw2sp: Mainland words must not become Taiwan IT idioms
        ("核心指標", "核心指标"),
        ("華南理工大學公共政策研究院", "华南理工大学公共政策研究院"),
        ("隨著中國產業數字化轉型", "随着中国产业数字化转型"),
    ],
)
def test_to_simplified(text, expected):
    assert to_simplified(text) == expected


@pytest.mark.parametrize(
    "text, expected",
    [
        ("ＡＩ泡沫,要爆了?", "AI泡沫，要爆了？"),
        ("中国AI初创企业DeepSeek开发的低成本开源模型,便在", "中国AI初创企业DeepSeek开发的低成本开源模型，便在"),
        ("张心旖(主持人):近期", "张心旖（主持人）：近期"),
        ("GDP 3.5%, 2.8%", "GDP 3.5%, 2.8%"),  # Latin context keeps half-width
    ],
)
def test_normalize_unicode(text, expected):
    assert normalize_unicode(text) == expected


def test_collapse_whitespace_removes_spaces_inside_chinese():
    assert collapse_whitespace("增 长 2.8%， 民 间 固 定 资 产 投 资") == "增长2.8%，民间固定资产投资"
    assert collapse_whitespace("Policy  Change Index 的 创建者") == "Policy Change Index的创建者"


def test_looks_traditional():
    assert looks_traditional("隨著中國產業數字化轉型不斷深化，我們又該如何辨識真正的發力點")
    assert not looks_traditional("随着中国产业数字化转型不断深化，我们又该如何辨识真正的发力点")


def test_normalize_text_is_idempotent():
    once = normalize_text(" 隨著 AI 發展,存在著風險 ")
    assert once == "随着AI发展，存在着风险"
    assert normalize_text(once) == once
