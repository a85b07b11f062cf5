"""Cleaning steps on constructed inputs, and the whole pipeline on the real seeds."""
import re

import pytest

from aidiscourse.corpus import clean_pdf, clean_web, cleaning
from aidiscourse.corpus.normalize import looks_traditional


@pytest.mark.parametrize(
    "func, text, expected",
    [
        (clean_web.strip_html, '<cite id="ffb66"></cite><legend><li id="x"></li></legend>正文&nbsp;A&amp;B', "正文\xa0A&B"),
        (clean_web.drop_spam_lines, "色婷婷久,激情色播,久久久无码专区,亚洲中文字幕av\n正文，而不是广告。", "正文，而不是广告。"),
        (clean_web.drop_spam_lines, "资本，国家，产业", "资本，国家，产业"),
        (clean_web.drop_image_captions, "第一段。\n工人在生产线上生产。图源：新华社\n第二段。", "第一段。\n第二段。"),
        (clean_web.drop_portal_navigation, "网易首页 > 网易号 > 正文 申请入驻\n0\n分享至\n正文", "正文"),
        (clean_web.drop_footer, "正文。\n特别声明：以上内容为用户上传\n相关推荐\n标题", "正文。"),
        (clean_web.drop_related_headlines, "正文。\nIPP评论热门文章\n余荔：某某\n2026-02-25 18:13:04\n结尾。", "正文。\n结尾。"),
        (clean_pdf.remove_citation_marks, "占全球的32.3%[1]，见[2,3]与风险①。", "占全球的32.3%，见与风险。"),
        (clean_pdf.join_pdf_lines, "人\n\n工智能是一项通用技术，将引领人类各方面技术出现颠覆性的创新和变化\n\n的先进生产力。", "人工智能是一项通用技术，将引领人类各方面技术出现颠覆性的创新和变化的先进生产力。"),
    ],
)
def test_step(func, text, expected):
    assert func(text) == expected


def test_vertical_text_and_running_headers_are_dropped():
    page = "\n".join(["5", "", "特", "区", "实", "践", "", "正文第一行很长很长很长很长。", "标题标题标题", "正文。", "标题标题标题", "正文二。", "标题标题标题"])
    out = clean_pdf.drop_running_headers(clean_pdf.drop_vertical_text(page))
    assert "特" not in out.split("\n") and "标题标题标题" not in out
    assert "正文第一行很长很长很长很长。" in out and "正文二。" in out


def test_mojibake_is_flagged_not_deleted():
    out = cleaning.flag_mojibake("原因非?,F实：第一")
    assert cleaning.MOJIBAKE_MARK in out and "F实：第一" in out


# --- the real seeds ------------------------------------------------------------------

def _doc_text(all_sentences, doc_id, sections=None):
    df = all_sentences[all_sentences.doc_id == doc_id]
    if sections:
        df = df[df.section.isin(sections)]
    return "\n".join(df.text)


@pytest.mark.parametrize(
    "residue",
    ["色婷婷", "无码", "网易首页", "申请入驻", "分享至", "图源", "相关推荐", "热点推荐", "特别声明", "Notice:",
     "IPP评论热门文章", "incentive-icons", "关注度", "往期回顾", "无障碍浏览", "李小璐", "<cite", "</p>", "&nbsp;"],
)
def test_no_web_residue_survives_in_ipp(all_sentences, residue):
    assert residue not in _doc_text(all_sentences, "ipp-2025")


def test_ipp_related_dates_and_captions_are_gone(all_sentences):
    text = _doc_text(all_sentences, "ipp-2025")
    assert not re.search(r"\d{4}-\d{2}-\d{2} \d{2}:\d{2}", text)
    assert "研讨会现场" not in text


def test_ipp_mojibake_is_flagged(all_sentences):
    flagged = all_sentences[(all_sentences.doc_id == "ipp-2025") & (all_sentences.flag == "mojibake")]
    assert flagged.text.str.contains("梢钥吹剑.{0,3}恼麄€").any()
    assert (flagged.tokens == "").all()
    body = all_sentences[(all_sentences.flag == "") & (all_sentences.section == "body")]
    assert not body.text.str.contains("€|\ufffd|梢钥吹剑").any()


def test_every_document_is_simplified(all_sentences):
    for doc_id, df in all_sentences.groupby("doc_id"):
        assert not looks_traditional("".join(df.text)), doc_id
    text = "".join(all_sentences.text)
    assert "随著" not in text and "存在著" not in text


def test_pdf_words_broken_across_lines_are_rejoined(paths, all_sentences):
    raw = (paths.raw / "feng-2024.txt").read_text(encoding="utf-8")
    assert re.search(r"人\s*\n\s*工智能", raw), "the raw file breaks 人工智能 across lines"
    text = _doc_text(all_sentences, "feng-2024")
    assert "人工智能" in text
    assert not re.search(r"人\s+工智能", text)
    assert text.count("人工智能") == re.sub(r"\s", "", raw).count("人工智能")


def test_pdf_layout_residue_is_gone(all_sentences):
    body = _doc_text(all_sentences, "feng-2024", sections=["body"])
    assert "发展新质生产力的历史逻辑、理论逻辑与现实逻辑" not in body  # running header
    assert "PRACTICE" not in body and "特区实践与理论" not in body  # vertical journal name
    assert not re.search(r"\[\d+\]", body)  # citation marks
    assert "增长2.8%" in body  # spaced-out justified text rejoined


def test_pdf_sections_are_split_off(all_sentences):
    feng = all_sentences[all_sentences.doc_id == "feng-2024"]
    sections = set(feng.section)
    assert {"abstract", "editor_note", "references", "author_note", "body"} <= sections
    assert feng[feng.section == "abstract"].text.str.contains("新质生产力以人工智能为核心").any()
    assert feng[feng.section == "references"].text.str.contains(r"\[1\] 刘伟").any()
    assert not feng[feng.section == "body"].text.str.contains("编者按|摘要：|数据来源").any()


def test_contributor_blurbs_are_set_apart(all_sentences):
    body = all_sentences[all_sentences.section == "body"]
    assert not body.text.str.contains("华南理工大学公共政策研究院研究助理").any()
    assert not body.text.str.contains("太和智库研究员").any()
    assert not body.text.str.contains("CC-BY-NC-ND").any()


def test_simplified_documents_keep_variant_characters_in_names(all_sentences):
    text = "".join(all_sentences.text)
    assert "李聿脩" in text and "李聿修" not in text  # a person's name
    assert "昇腾" in text  # Huawei's Ascend chips, not 升腾


SPAM = "色婷婷久，激情色播，久久久无码专区，亚洲中文字幕av，国产成人A片"
WEB_PAGE = f"<p>网易首页 > 网易号 > 正文 申请入驻</p>\n{SPAM}\n<p>人工智能泡沫是否正在形成？</p>\n{SPAM}\n<p>这是正文。</p>"


def test_spam_lines_are_audited_by_hash_not_by_their_words():
    cleaned, audit = cleaning.clean_text(WEB_PAGE, "web_page", script="simplified")
    assert "色婷婷" not in cleaned
    row = next(r for r in audit if r["step"] == "drop_spam_lines")
    assert row["items"] == 2
    assert row["examples"].split(" | ") == [f"spam line sha256:{cleaning.line_hash(SPAM)}"] * 2
    for word in SPAM.split("，"):
        assert all(word not in str(value) for r in audit for value in r.values())


def test_the_corpus_audit_shows_no_spam_words(paths):
    from aidiscourse.corpus.load import load_cleaning_audit
    from aidiscourse.corpus.normalize import to_simplified

    raw = to_simplified((paths.raw / "ipp-2025.txt").read_text(encoding="utf-8"))
    removed = [line.strip() for line in raw.split("\n") if line.strip() and clean_web.drop_spam_lines(line) == ""]
    audit = load_cleaning_audit(paths)
    spam = audit[audit.step == "drop_spam_lines"]
    assert removed and spam["items"].sum() >= 1
    assert spam.examples.str.fullmatch(r"spam line sha256:[0-9a-f]{12}( \| spam line sha256:[0-9a-f]{12})*").all()
    text = " ".join(audit.examples)
    for line in removed:
        assert all(item not in text for item in re.split(r"[,，、\s]+", line) if len(item) > 1)
