"""Speaker turns and sections."""
import pytest

from aidiscourse.corpus.manifest import Document, Person
from aidiscourse.corpus.structure import split_paragraphs


def _interview(*people):
    return Document(id="t", file="t.txt", sha256="0" * 64, title="t", script="simplified",
                    source_type="interview", people=tuple(people), record={})


ZHONG = Person("钟伟锋", "interviewee", tag="钟")
LI = Person("李聿脩", "interviewer", tag="李")


@pytest.mark.parametrize(
    "line, speaker, text",
    [
        ("**钟：**我认为原创并不是因为借鉴。", "钟伟锋", "我认为原创并不是因为借鉴。"),
        ("**钟:**有关美国对华科技围堵。", "钟伟锋", "有关美国对华科技围堵。"),
        ("钟：是。", "钟伟锋", "是。"),
        ("**钟伟锋（以下简称钟）：**这是一个很有趣的问题。", "钟伟锋", "这是一个很有趣的问题。"),
        ("**李聿脩（以下简称李）：**中共政府对科技的重视。", "李聿脩", "中共政府对科技的重视。"),
    ],
)
def test_turn_tags(line, speaker, text):
    paras = split_paragraphs("**编按：**导语。\n" + line, _interview(ZHONG, LI))
    body = [p for p in paras if p.section == "body"]
    assert [(p.speaker, p.text) for p in body] == [(speaker, text)]


def test_short_form_is_learned_and_untagged_paragraphs_continue_the_turn():
    text = "\n".join([
        "**王天成（以下简称“王”）：**第一问。",
        "**许：**第一答。",
        "第一答的第二段。",
        "王：第二问？",
    ])
    doc = _interview(Person("许成钢", "interviewee", tag="许"), Person("王天成", "interviewer"))
    body = [(p.speaker, p.turn) for p in split_paragraphs(text, doc) if p.section == "body"]
    assert body == [("王天成", 1), ("许成钢", 2), ("许成钢", 2), ("王天成", 3)]


def test_turn_without_colon_and_panel_roles():
    people = (Person("张心旖", "moderator"), Person("李品保", "panelist"))
    doc = Document(id="p", file="p.txt", sha256="0" * 64, title="p", script="traditional",
                   source_type="web_page", people=people, record={})
    text = "\n".join([
        "与谈人", "李品保", "IPP助理研究员",
        "张心旖（主持人）：近期媒体上关于泡沫的讨论持续升温。",
        "AI热潮是另一个科技泡沫吗？",
        "李品保我主要讨论两个问题：第一，当前AI热潮是否符合历史上科技泡沫的标准配方？",
    ])
    paras = split_paragraphs(text, doc)
    assert [p.section for p in paras] == ["contributors", "contributors", "contributors", "body", "heading", "body"]
    assert (paras[3].speaker, paras[3].role) == ("张心旖", "moderator")
    assert (paras[5].speaker, paras[5].role, paras[5].text[:6]) == ("李品保", "panelist", "我主要讨论两")
    assert "turn tag without colon" in paras[5].notes


def test_broken_paragraph_is_rejoined():
    text = "**李：**美国在过去几年曾对中国进行科技围堵（尤其是围堵高级AI芯片对\n华出口）。今年7月，特朗普政府推出计划。"
    body = [p for p in split_paragraphs(text, _interview(ZHONG, LI)) if p.section == "body"]
    assert len(body) == 1 and "芯片对华出口" in body[0].text


@pytest.mark.parametrize("doc_id", ["zhong-2025", "xu-2026"])
def test_every_interview_turn_is_attributed(all_sentences, doc_id):
    body = all_sentences[(all_sentences.doc_id == doc_id) & (all_sentences.section == "body")]
    assert len(body) > 100
    assert (body.speaker != "").all()
    assert set(body.role) == {"interviewer", "interviewee"}
    assert body.groupby("turn").speaker.nunique().max() == 1


def test_seminar_speakers(all_sentences):
    ipp = all_sentences[(all_sentences.doc_id == "ipp-2025") & (all_sentences.section == "body")]
    assert (ipp.speaker != "").all()
    assert set(ipp.speaker) == {"张心旖", "戴明洁", "李品保", "区富祝", "庄文越", "蒋余浩"}
    assert set(ipp[ipp.speaker == "张心旖"].role) == {"moderator"}
    assert ipp[ipp.speaker == "李品保"].text.iloc[0].startswith("我主要讨论两个问题")


def test_articles_are_attributed_to_their_authors(all_sentences):
    tian = all_sentences[(all_sentences.doc_id == "tian-2025") & (all_sentences.section == "body")]
    assert set(zip(tian.speaker, tian.role)) == {("田堃", "author")}
    assert tian.text.iloc[0].startswith("中国AI初创企业DeepSeek")
