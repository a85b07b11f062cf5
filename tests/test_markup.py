"""Markup never reaches the analyses: HTML and Markdown are removed by every pipeline,
and the sentence splitter never splits inside them. The cases are the ones found when
other people's files were added: a simple web page, a public law text in Markdown, a page
that shows a script in its body text."""
from pathlib import Path

import pytest

from aidiscourse.corpus.cleaning import PIPELINES, clean_text
from aidiscourse.corpus.extract import extract_html, extract_markdown
from aidiscourse.corpus.markup import remove_html, remove_markdown, strip_markup
from aidiscourse.corpus.segment import Segmenter, split_sentences

LAW = Path(__file__).parent / "data" / "law-anti-terrorism-ch1-2.md"

#: A simple web page: a title, a script, a style, a navigation bar and two paragraphs.
SIMPLE_PAGE = """<!DOCTYPE html>
<html><head><meta charset="utf-8"><title>人工智能与市场</title>
<script>var a=1;</script><style>p{color:red}</style></head>
<body><nav><a href="/">首页</a> | <a href="/news">新闻</a></nav>
<p>人工智能的发展需要市场。政府的作用在于提供制度保障，而不是替代市场。</p>
<p>监管应当跟上技术的变化，同时为创新留出空间。</p>
</body></html>
"""
#: A page that shows code in its body text (escaped in the HTML, as a browser shows it).
SCRIPT_IN_TEXT = """<html><head><title>安全</title></head><body><article>
<p>有读者在评论里贴了&lt;script&gt;alert(1)&lt;/script&gt;这样的代码，但技术的方向仍然由竞争决定。</p>
<p>网站应当把用户输入当作文本显示，而不是当作程序执行。</p>
<p>这一原则同样适用于研究者发布的数据与图表。</p>
</article></body></html>
"""


def sentences(cleaned: str) -> list[str]:
    return [s for line in cleaned.split("\n") for s in split_sentences(line)]


@pytest.mark.parametrize(
    "func, text, expected",
    [
        (remove_html, "正文<!-- INFO END -->继续", "正文继续"),
        (remove_html, "正文<!-- 跨\n行 -->继续", "正文继续"),
        (remove_html, "<script type='text/javascript'>var a = 1 < 2;</script>正文", "正文"),
        (remove_html, "<STYLE>p{}</STYLE>正文", "正文"),
        (remove_html, "A&amp;B&nbsp;市场", "A&B\xa0市场"),
        (remove_html, "&lt;script&gt;alert(1)&lt;/script&gt;正文", "正文"),
        (remove_html, "《关于修改<中华人民共和国国境卫生检疫法>等六部法律的决定》", "《关于修改<中华人民共和国国境卫生检疫法>等六部法律的决定》"),
        (remove_html, "当x<3且y>2时", "当x<3且y>2时"),
        (remove_markdown, "## 第一章 总则", "第一章 总则"),
        (remove_markdown, "**钟：** 我认为*创新*不能被__规划__。", "钟： 我认为创新不能被规划。"),
        (remove_markdown, "见[报告](https://example.cn/a?b=1 \"标题\")与![图一](a.png)。", "见报告与。"),
        (remove_markdown, "```python\nprint('x')\n```\n正文", "\n正文"),
        (remove_markdown, "使用`DeepSeek-R1`模型", "使用DeepSeek-R1模型"),
        (remove_markdown, "引文[1][2]与注释", "引文[1][2]与注释"),
        (remove_markdown, "snake_case_name 与 2*3*4", "snake_case_name 与 2*3*4"),
    ],
)
def test_markup_step(func, text, expected):
    assert func(text) == expected


@pytest.mark.parametrize("source_type", sorted(PIPELINES))
def test_every_pipeline_removes_markup(source_type):
    raw = "## 标题\n\n<!-- 注释 -->第一句话说明了问题。<script>alert(1)</script>**第二句**话给出了[答案](http://x.cn)。\n"
    cleaned, audit = clean_text(raw, source_type, script="simplified")
    assert "<" not in cleaned and "alert" not in cleaned and "**" not in cleaned and "http" not in cleaned
    assert "第一句话说明了问题。" in cleaned and "第二句话给出了答案。" in cleaned
    step = next(row for row in audit if row["step"] == "strip_markup")
    assert step["items"] >= 4 and "<!-- 注释 -->" in step["examples"]


def test_a_law_text_in_markdown_gives_no_markup_sentence():
    """Formerly: sentences ``<!`` and ``-- INFO END -->``, tokens ``info`` ``end``."""
    for text in (LAW.read_text(encoding="utf-8"), extract_markdown(LAW.read_bytes()).text):  # as .txt and as .md
        cleaned, _ = clean_text(text, "article", script="simplified")
        found = sentences(cleaned)
        assert not any("<!" in s or "-->" in s or "INFO" in s or s.startswith("#") for s in found), found[:5]
        assert "第二条国家反对一切形式的恐怖主义，依法取缔恐怖活动组织，对任何组织、策划、准备实施、实施恐怖活动，宣扬恐怖主义，" \
               "煽动实施恐怖活动，组织、领导、参加恐怖活动组织，为恐怖活动提供帮助的，依法追究法律责任。" in found
        assert "第一章总则" in found  # the heading, as its own line
        tokens = Segmenter(None).cut(cleaned)
        assert "info" not in tokens and "INFO" not in tokens


def test_a_simple_web_page_gives_its_paragraphs_only():
    """Formerly: ``tvar a=1；首页 | 新闻人工智能的发展需要市场。``"""
    page = extract_html(SIMPLE_PAGE.encode("utf-8"))
    cleaned, _ = clean_text(page.text, "web_page", script="simplified")
    assert sentences(cleaned) == ["人工智能的发展需要市场。", "政府的作用在于提供制度保障，而不是替代市场。",
                                  "监管应当跟上技术的变化，同时为创新留出空间。"]
    assert page.metadata["title"] == "人工智能与市场"


def test_the_same_page_saved_as_text_keeps_no_code():
    cleaned, _ = clean_text(SIMPLE_PAGE, "web_page", script="simplified")
    assert "var a" not in cleaned and "color" not in cleaned and "<" not in cleaned
    assert "人工智能的发展需要市场。" in sentences(cleaned)


def test_a_script_shown_in_body_text_is_neither_analysed_nor_kept_as_code():
    page = extract_html(SCRIPT_IN_TEXT.encode("utf-8"))
    assert "<script>alert(1)</script>" in page.text  # the page shows it as text
    cleaned, _ = clean_text(page.text, "web_page", script="simplified")
    assert "script" not in cleaned and "alert" not in cleaned
    assert "有读者在评论里贴了这样的代码，但技术的方向仍然由竞争决定。" in sentences(cleaned)


@pytest.mark.parametrize(
    "paragraph, expected",
    [
        ("<!-- INFO END -->正文。", ["<!-- INFO END -->正文。"]),
        ("见[报告！真的？](https://x.cn/a?b=1)。完了！", ["见[报告！真的？](https://x.cn/a?b=1)。", "完了！"]),
        ("网址是 x.cn/a?b=1 与 Yahoo!News 两处。", ["网址是 x.cn/a?b=1 与 Yahoo!News 两处。"]),
        ("真的吗?是的! 好。", ["真的吗?", "是的!", "好。"]),
        ("他说：“创新能被规划吗？”我认为不能。", ["他说：“创新能被规划吗？”", "我认为不能。"]),
    ],
)
def test_the_sentence_splitter_never_splits_inside_markup(paragraph, expected):
    assert split_sentences(paragraph) == expected


def test_strip_markup_keeps_lines():
    text = "第一行\n<b>第二行</b>\n\n## 第三行"
    assert strip_markup(text).split("\n") == ["第一行", "第二行", "", "第三行"]
