"""Text extraction from the formats people bring, on files made here from text: PDF
printed by Chromium, Word files written by python-docx, web pages and Markdown."""
from __future__ import annotations

import io
import shutil
import subprocess
from pathlib import Path

import pytest

from aidiscourse.corpus.extract import cached_extract, detect_format, extract, extract_docx, extract_pdf
from aidiscourse.corpus.radicals import repair_radicals
from aidiscourse.errors import AidiscourseError

PARAGRAPHS = [
    "新质生产力是以人工智能为核心技术的先进生产力，人工智能技术作为一项通用技术，将引领新一轮科技革命和产业变革。",
    "政府应当为人工智能创新提供制度保障，而不是替代市场。民营企业在开放的环境中同样可以取得突破。",
]
CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser") or shutil.which("google-chrome")


def print_pdf(html: str, folder: Path, name: str = "page") -> bytes:
    """Print an HTML page to PDF with headless Chromium; return the PDF's bytes."""
    if CHROMIUM is None:
        pytest.skip("Chromium is not installed")
    page, pdf = folder / f"{name}.html", folder / f"{name}.pdf"
    page.write_text(html, encoding="utf-8")
    subprocess.run([CHROMIUM, "--headless", "--no-sandbox", "--disable-gpu", "--no-pdf-header-footer",
                    f"--print-to-pdf={pdf}", page.as_uri()], capture_output=True, timeout=120, check=True)
    return pdf.read_bytes()


def article_html(title: str, paragraphs: list[str]) -> str:
    body = "".join(f"<p>{p}</p>" for p in paragraphs)
    return f'<html><head><meta charset="utf-8"><title>{title}</title></head><body><h1>{title}</h1>{body}</body></html>'


def write_docx(paragraphs: list[str], *, title: str = "", table: list[list[str]] | None = None) -> bytes:
    import docx

    document = docx.Document()
    document.core_properties.title = title
    document.add_heading(title or "无题", level=1)
    for text in paragraphs:
        document.add_paragraph(text)
    if table:
        grid = document.add_table(rows=len(table), cols=len(table[0]))
        for row, values in zip(grid.rows, table):
            for cell, value in zip(row.cells, values):
                cell.text = value
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()


@pytest.fixture(scope="module")
def pdf_bytes(tmp_path_factory) -> bytes:
    return print_pdf(article_html("发展新质生产力", PARAGRAPHS), tmp_path_factory.mktemp("pdf"))


def test_pdf_text_layer_is_extracted_with_its_characters_repaired(pdf_bytes):
    result = extract_pdf(pdf_bytes)
    flat = result.text.replace("\n", "").replace(" ", "")
    for paragraph in PARAGRAPHS:
        assert paragraph.replace(" ", "") in flat  # 生产力, 人工, 民营: ideographs, not Kangxi radicals
    assert not any("\u2e80" <= ch <= "\u2fdf" for ch in result.text)
    assert result.units == 1 and result.tool.startswith("pypdf ") and result.metadata["title"] == "发展新质生产力"


def test_radicals_are_mapped_to_the_ideographs_they_stand_for():
    assert repair_radicals("⼈⼯智能，⺠营企业，⻓期，⻔槛") == "人工智能，民营企业，长期，门槛"
    assert repair_radicals("没有部首的文字") == "没有部首的文字"


def test_docx_paragraphs_and_tables_are_extracted_in_order():
    data = write_docx(PARAGRAPHS, title="制度与创新", table=[["国家", "投资"], ["美国", "市场主导"]])
    result = extract_docx(data)
    assert result.text.split("\n") == ["制度与创新", *PARAGRAPHS, "国家 投资", "美国 市场主导"]
    assert result.metadata["title"] == "制度与创新" and result.tool.startswith("python-docx ")


def test_markdown_keeps_prose_and_drops_code_images_and_html():
    source = ("---\ntitle: 前言\n---\n# 标题\n\n第一段**强调**与[链接](http://x.cn)，\n第二行接着写。\n\n"
              "![图](a.png)\n\n```\ncode()\n```\n\n<div>块</div>\n\n| 甲 | 乙 |\n|---|---|\n| 一 | 二 |\n")
    result = extract(source.encode("utf-8"), "markdown")
    assert result.text.split("\n\n") == ["标题", "第一段强调与链接， 第二行接着写。", "甲 乙", "一 二"]
    assert result.metadata["title"] == "前言"


@pytest.mark.parametrize(
    "name, data, fmt",
    [
        ("a.txt", "正文".encode(), "text"),
        ("a.TXT", b"<!DOCTYPE html><html><body><p>x</p></body></html>", "html"),
        ("a.md", b"# x", "markdown"),
        ("a.htm", b"<p>x</p>", "html"),
        ("a.pdf", b"%PDF-1.7\n", "pdf"),
        ("a.docx", b"PK\x03\x04rest", "docx"),
    ],
)
def test_formats_are_detected_from_name_and_content(name, data, fmt):
    assert detect_format(name, data) == fmt


@pytest.mark.parametrize(
    "name, data, message",
    [
        ("a.doc", b"x", "unknown file type '.doc'"),
        ("a.pdf", b"PK\x03\x04", "not a PDF file"),
        ("a.docx", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(504), "encrypted Word file or an old .doc"),
        ("a.docx", b"%PDF-1.4", "not a Word .docx file"),
    ],
)
def test_formats_that_contradict_their_name_are_refused(name, data, message):
    with pytest.raises(AidiscourseError, match=message):
        detect_format(name, data)


def _encrypted(pdf: bytes, *, user: str, owner: str) -> bytes:
    import pypdf

    writer = pypdf.PdfWriter(clone_from=io.BytesIO(pdf))
    writer.encrypt(user_password=user, owner_password=owner, algorithm="RC4-128")
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def test_a_pdf_without_a_text_layer_is_refused(tmp_path):
    scanned = print_pdf('<html><body><div style="width:12cm;height:16cm;background:#555"></div></body></html>', tmp_path)
    with pytest.raises(AidiscourseError, match=r"no text layer in its 1 page\(s\) \(a scanned PDF\?\)"):
        extract_pdf(scanned, name="scan.pdf")


def test_encrypted_and_corrupt_pdfs_are_refused_and_owner_locked_ones_read(pdf_bytes):
    with pytest.raises(AidiscourseError, match="encrypted with a password"):
        extract_pdf(_encrypted(pdf_bytes, user="secret", owner="owner"))
    assert PARAGRAPHS[1][:10] in extract_pdf(_encrypted(pdf_bytes, user="", owner="owner")).text
    with pytest.raises(AidiscourseError, match="not a readable PDF"):
        extract_pdf(pdf_bytes[: len(pdf_bytes) // 3])


def test_a_corrupt_word_file_is_refused():
    data = write_docx(PARAGRAPHS)
    with pytest.raises(AidiscourseError, match="not a readable Word file"):
        extract_docx(data[: len(data) // 2])


def test_extractions_are_cached_by_raw_hash_format_and_tool(tmp_path, monkeypatch):
    data = write_docx(PARAGRAPHS)
    first = cached_extract(data, "docx", sha256="a" * 64, cache_dir=tmp_path, name="x.docx")
    assert (tmp_path / "x.docx.json").is_file()
    import aidiscourse.corpus.extract as module

    calls = []
    monkeypatch.setattr(module, "extract", lambda *a, **k: calls.append(1) or first)
    assert cached_extract(data, "docx", sha256="a" * 64, cache_dir=tmp_path, name="x.docx") == first
    assert calls == []  # read from the cache
    cached_extract(data, "docx", sha256="b" * 64, cache_dir=tmp_path, name="x.docx")
    assert calls == [1]  # another raw file: extracted again
