"""A fork that brings its own files builds: a PDF, a Word file, a web page, a Markdown
file and a plain-text op-ed with HTML-looking fragments, each added in one command, a
document added twice, and metadata carrying HTML, an ``onerror`` attribute and MyST roles,
all in one build of the book (one build serves every check, to keep the suite short). Slow: it builds a
copy of the book."""
from __future__ import annotations

import re
import shutil
from html.parser import HTMLParser

import pytest
import yaml

from conftest import run_cli
from test_extend import build_book, check_sixth_document, copy_project, corpus_sentences, sixth_document
from test_extract import article_html, print_pdf, write_docx
from test_markup import LAW

pytestmark = pytest.mark.slow

HOSTILE_TITLE = '<script>alert("title")</script>制度与创新 {sub}`2`'
HOSTILE_PERSON = "<img src=x onerror=alert(2)>张三"
HOSTILE_VENUE = "{download}`../data/corpus.yml` <b>某刊</b> $x^2$"


def paragraphs(seed: int, n: int = 40, per: int = 4) -> list[str]:
    lines = corpus_sentences(n, seed=seed)
    return ["".join(lines[i : i + per]) for i in range(0, n, per)]


def web_page(title: str, paras: list[str]) -> str:
    body = "".join(f"<p>{p}</p>" for p in paras)
    return (f'<!DOCTYPE html><html><head><meta charset="utf-8"><title>{title}</title><script>var tracker = 1;</script>'
            f'</head><body><nav><a href="/">首页</a> | <a href="/n">新闻</a></nav><article><h1>{title}</h1>{body}'
            f'</article><footer>版权所有</footer></body></html>')


class LiveMarkup(HTMLParser):
    """Collect elements a page would run or render from the hostile metadata."""

    def __init__(self):
        super().__init__()
        self.found: list[str] = []
        self._script = False

    def handle_starttag(self, tag, attrs):
        names = {k for k, _ in attrs}
        if "onerror" in names:
            self.found.append(f"<{tag} onerror>")
        if tag == "img" and dict(attrs).get("src") == "x":
            self.found.append("<img src=x>")
        self._script = tag == "script"

    def handle_endtag(self, tag):
        self._script = False

    def handle_data(self, data):
        # the book's own scripts may carry the metadata as JSON data (inert); a script
        # element made from the metadata would start with its code
        if self._script and data.lstrip().startswith("alert("):
            self.found.append(f"script: {data[:40]}")


def test_a_fork_with_every_format_a_duplicate_and_hostile_metadata_builds(tmp_path):
    root = copy_project(tmp_path / "fork")
    files = tmp_path / "incoming"
    files.mkdir()
    pdf = files / "report.pdf"
    pdf.write_bytes(print_pdf(article_html("新质生产力报告", paragraphs(seed=11)), files, "report"))
    docx = files / "essay.docx"
    docx.write_bytes(write_docx(paragraphs(seed=12), title="原题"))
    html = files / "page.html"
    html.write_text(web_page("网页文章", paragraphs(seed=13)), encoding="utf-8")
    md = files / "law.md"
    md.write_bytes(LAW.read_bytes())
    repost = files / "repost.txt"
    shutil.copy2(root / "data" / "raw" / "tian-2025.txt", repost)
    oped = files / "new-oped.txt"
    sixth_document(oped)  # an op-ed whose text carries HTML-looking fragments

    adds = [
        [str(pdf), "--id", "pdf-2026", "--person", "某作者:author", "--date", "2026", "--venue", "某刊"],
        [str(docx), "--id", "word-2026", "--title", HOSTILE_TITLE, "--person", f"{HOSTILE_PERSON}:author",
         "--venue", HOSTILE_VENUE, "--date", "2026-02", "--licence", "<i>CC</i> {sup}`x`"],
        [str(html), "--id", "web-2026", "--person", "某记者:author", "--date", "2026-01", "--venue", "某网站"],
        [str(md), "--id", "law-2018", "--person", "全国人民代表大会常务委员会:author", "--date", "2018-04-27", "--venue", "法律"],
        [str(oped), "--id", "fork-2026", "--title", "人工智能与制度：一篇新评论", "--source-type", "article",
         "--person", "某作者:author", "--date", "2026-03"],
        [str(repost), "--id", "tian-repost", "--title", "转载", "--person", "田堃:author", "--date", "2025", "--venue", "转载",
         "--allow-duplicate"],
    ]
    for args in adds:
        added = run_cli("add", *args, cwd=root)
        assert added.returncode == 0, added.stderr
    refused = run_cli("add", str(repost), "--id", "tian-again", "--title", "再转", "--person", "田堃:author", cwd=root)
    assert refused.returncode == 1 and "the same text as document 'tian-2025'" in refused.stderr

    built = build_book(root)
    assert built.returncode == 0, built.stdout[-3000:] + built.stderr[-3000:]
    assert "RuntimeWarning" not in built.stdout + built.stderr

    check_sixth_document(root, "fork-2026")
    new_ids = ["pdf-2026", "word-2026", "web-2026", "law-2018", "tian-repost", "fork-2026"]
    toc = yaml.safe_load((root / "_toc.yml").read_text(encoding="utf-8"))
    chapters = [c["file"] for part in toc["parts"] for c in part["chapters"] if c["file"].startswith("notebooks/")]
    out = root / "_build" / "html"
    for chapter in chapters:
        page = (out / f"{chapter}.html").read_text(encoding="utf-8")
        for doc_id in new_ids:
            assert doc_id in page, f"{chapter} does not show {doc_id}"
        assert "Warning" not in re.sub(r"<script.*?</script>", "", page, flags=re.S), f"a warning reached {chapter}"
    # the findings page counts the fork's texts, in both languages
    n_docs = len(yaml.safe_load((root / "data" / "corpus.yml").read_text(encoding="utf-8"))["documents"])
    findings_text = re.sub(r"<[^>]+>", "", (out / "notebooks" / "06_findings.html").read_text(encoding="utf-8"))
    assert n_docs > 10 and f"three questions of {n_docs} Chinese texts" in findings_text
    assert f"本书向{n_docs}篇中文文本" in findings_text

    for page in out.rglob("*.html"):
        parser = LiveMarkup()
        parser.feed(page.read_text(encoding="utf-8"))
        assert parser.found == [], f"{page.relative_to(out)}: {parser.found}"
    intro = (out / "book" / "intro.html").read_text(encoding="utf-8")
    # the metadata is shown as text: markup escaped, MyST roles and math not interpreted
    for shown in ("&lt;script&gt;alert(", "{sub}", "&lt;img src=x onerror=alert(2)&gt;张三", "{download}", "$x^2$",
                  "&lt;b&gt;某刊&lt;/b&gt;", "&lt;i&gt;CC&lt;/i&gt;"):
        assert shown in intro, shown
    assert "<sub>2</sub>" not in intro and "<sup>x</sup>" not in intro
    assert "\\(x^2\\)" not in intro and "reference download" not in intro
    table = run_cli("sentences", cwd=root).stdout.splitlines()
    web = "\n".join(line for line in table if line.startswith("web-2026\t"))
    assert web and "tracker" not in web and "首页" not in web and "版权所有" not in web  # script, navigation, footer
    assert not any("INFO END" in line for line in table if line.startswith("law-2018\t"))
