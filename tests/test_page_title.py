"""A page title with markup stays text on every part of the page, the theme's print header
included (sphinx-book-theme prints ``pagetitle`` unescaped; the book's extension escapes it)."""
from __future__ import annotations

import subprocess
import sys
from html.parser import HTMLParser


class Scripts(HTMLParser):
    def __init__(self):
        super().__init__()
        self.bodies, self._in = [], False

    def handle_starttag(self, tag, attrs):
        self._in = tag == "script"

    def handle_endtag(self, tag):
        self._in = False

    def handle_data(self, data):
        if self._in:
            self.bodies.append(data)


def test_a_hostile_page_title_is_escaped_in_the_print_header(tmp_path):
    src = tmp_path / "src"
    src.mkdir()
    (src / "conf.py").write_text(
        "html_theme = 'sphinx_book_theme'\n"
        "extensions = ['myst_parser']\n"
        "from aidiscourse.report.sphinxext import _escape_page_title\n"
        "def setup(app):\n"
        "    app.connect('html-page-context', _escape_page_title, priority=900)\n", encoding="utf-8")
    (src / "index.md").write_text("# 标题 \\<script\\>alert(1)\\</script\\>\n\ntext\n", encoding="utf-8")
    out = tmp_path / "html"
    run = subprocess.run([sys.executable, "-m", "sphinx", "-q", "-b", "html", str(src), str(out)],
                         capture_output=True, text=True)
    assert run.returncode == 0, run.stderr[-2000:]
    page = (out / "index.html").read_text(encoding="utf-8")
    assert 'id="jb-print-docs-body"' in page  # the theme's print header is there
    parser = Scripts()
    parser.feed(page)
    assert not any(body.lstrip().startswith("alert(") for body in parser.bodies)
    assert "<h1>标题 &lt;script&gt;alert(1)&lt;/script&gt;</h1>" in page
