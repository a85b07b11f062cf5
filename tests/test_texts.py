"""The texts in the book (reader pages, Texts page, concordance data, links) and what makes
the project citable and reusable (licences, CITATION.cff, the data dictionary of results/).
Fast: nothing here needs the built book."""
from __future__ import annotations

import csv
import re
import subprocess
import sys
from html.parser import HTMLParser
from pathlib import Path

import pandas as pd
import pytest
import yaml

from aidiscourse.corpus.build import SENTENCE_COLUMNS
from aidiscourse.corpus.manifest import load_manifest
from aidiscourse.errors import AidiscourseError
from aidiscourse.report import licences, links, reader_pages
from aidiscourse.report.escape import md_text
from conftest import ROOT

HOSTILE = '<script>alert("x")</script> {{ sub }} $x$ | *bold* [link](http://a.b) & <b>加粗</b>'


# --- links -----------------------------------------------------------------------------

def test_passage_url_points_at_the_paragraph_or_the_sentence():
    assert links.passage_url("zhong-2025", 12) == "../texts/read/zhong-2025.html#p-12"
    assert links.passage_url("zhong-2025", 12, 40) == "../texts/read/zhong-2025.html#s-40"
    assert links.passage_url("zhong-2025", None, 40) == "../texts/read/zhong-2025.html#s-40"


@pytest.mark.parametrize("from_page, expected", [
    ("notebooks/03_topics", "../texts/read/xu-2026.html#p-3"),
    ("book/findings", "../texts/read/xu-2026.html#p-3"),
    ("intro", "texts/read/xu-2026.html#p-3"),
    ("texts/concordance", "read/xu-2026.html#p-3"),
    ("texts/read/feng-2024", "xu-2026.html#p-3"),
    ("a/b/c", "../../texts/read/xu-2026.html#p-3"),
])
def test_passage_url_is_relative_to_the_page_that_shows_it(from_page, expected):
    assert links.passage_url("xu-2026", 3, from_page=from_page) == expected


def test_passage_url_accepts_numbers_from_a_dataframe(all_sentences):
    row = all_sentences.iloc[5]
    url = links.passage_url(row.doc_id, row.paragraph, row.sentence)
    assert url.endswith(f"{row.doc_id}.html#s-{int(row.sentence)}")


@pytest.mark.parametrize("args", [
    ("Zhong 2025", 1), ("../etc", 1), ("zhong-2025", 0), ("zhong-2025", -3), ("zhong-2025", 1.0),
    ("zhong-2025", True), ("zhong-2025", "12"), ("zhong-2025", None), ("zhong-2025", 2, 0),
])
def test_passage_url_refuses_what_is_not_a_reference(args):
    with pytest.raises(AidiscourseError) as err:
        links.passage_url(*args)
    assert "\n" not in str(err.value)


def test_passage_link_escapes_its_label():
    a = links.passage_link("feng-2024", 4, label='<i>"¶4"</i>', from_page="book/findings")
    assert a == '<a class="aid-passage" href="../texts/read/feng-2024.html#p-4">&lt;i&gt;&quot;¶4&quot;&lt;/i&gt;</a>'
    assert ">feng-2024 ¶4<" in links.passage_link("feng-2024", 4)


def test_concordance_url_quotes_the_term():
    assert links.concordance_url("AI 泡沫", from_page="intro") == "texts/concordance.html?term=AI%20%E6%B3%A1%E6%B2%AB"
    with pytest.raises(AidiscourseError):
        links.concordance_url("  ")


# --- the reader page -----------------------------------------------------------------------

class _Page(HTMLParser):
    """Ids, and every <script> and element with an on* attribute, in an HTML fragment."""

    def __init__(self):
        super().__init__()
        self.ids, self.scripts, self.handlers, self.tags = [], 0, [], []

    def handle_starttag(self, tag, attrs):
        self.tags.append(tag)
        attrs = dict(attrs)
        if "id" in attrs:
            self.ids.append(attrs["id"])
        self.scripts += tag == "script"
        self.handlers += [k for k in attrs if k.startswith("on")]


def _document(paths, doc_id):
    docs = {d.id: d for d in load_manifest(paths)}
    return docs[doc_id]


def _parse(markdown: str) -> _Page:
    """The page as MyST's Markdown parser renders it (raw HTML passed through)."""
    from markdown_it import MarkdownIt

    page = _Page()
    page.feed(MarkdownIt("commonmark").render(markdown))
    return page


def test_reader_page_anchors_every_paragraph_and_sentence_once(paths, all_sentences):
    for doc in load_manifest(paths):
        rows = all_sentences[all_sentences.doc_id == doc.id]
        page = _parse(reader_pages.reader_markdown(doc, rows))
        expected = {f"p-{p}" for p in rows.paragraph} | {f"s-{s}" for s in rows.sentence}
        assert expected <= set(page.ids), f"{doc.id}: missing {sorted(expected - set(page.ids))[:5]}"
        assert len(page.ids) == len(set(page.ids)), f"{doc.id}: an anchor is repeated"


def test_reader_page_shows_the_text_of_every_sentence(paths, all_sentences):
    import html

    doc = _document(paths, "xu-2026")
    rows = all_sentences[all_sentences.doc_id == doc.id]
    text = html.unescape(reader_pages.reader_markdown(doc, rows))
    for sentence in rows.text:
        assert sentence in text


def test_reader_page_marks_speaker_turns_and_sections(paths, all_sentences):
    doc = _document(paths, "zhong-2025")
    rows = all_sentences[all_sentences.doc_id == doc.id]
    md = reader_pages.reader_markdown(doc, rows)
    n_turns = rows[rows.turn > 0].groupby(["turn"]).ngroups
    assert md.count('<div class="aid-turn ') == n_turns
    for person in doc.speakers:
        assert f'<div class="aid-speaker">{person.name} <span class="aid-name-en">{person.name_en}</span>' in md
    headings = [line for line in md.splitlines() if line.startswith("## ")]
    assert headings == ["## Before the text", "## Text"]


def test_reader_page_headings_of_the_text_are_headings(paths, all_sentences):
    doc = _document(paths, "ipp-2025")
    rows = all_sentences[all_sentences.doc_id == doc.id]
    md = reader_pages.reader_markdown(doc, rows)
    for _, h in rows[rows.section == "heading"].groupby("paragraph"):
        assert "### " + md_text("".join(h.text)) in md.splitlines()


def test_document_text_is_escaped_on_the_reader_page(paths):
    doc = _document(paths, "tian-2025")
    rows = pd.DataFrame([
        (doc.id, "body", 1, 1, "", "", 0, "", HOSTILE, ""),
        (doc.id, "heading", 2, 2, "", "", 0, "", "标题 <img src=x onerror=alert(1)> # {{x}}", ""),
        (doc.id, "body", 3, 3, "某人", "interviewee", 1, "mojibake", "正文。\n\n<script>x</script>", ""),
    ], columns=SENTENCE_COLUMNS)
    md = reader_pages.reader_markdown(doc, rows)
    page = _parse(md)
    assert page.scripts == 0 and not page.handlers and "img" not in page.tags and "b" not in page.tags
    assert "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;" in md
    assert "{{" not in md  # no MyST substitution can be triggered by a document
    from markdown_it import MarkdownIt

    assert "<h3>标题 &lt;img src=x onerror=alert(1)&gt; # {{x}}</h3>" in MarkdownIt("commonmark").render(md)
    assert 'class="aid-s aid-flagged"' in md


def test_markdown_escape_neutralises_markup():
    from markdown_it import MarkdownIt

    rendered = MarkdownIt("commonmark").renderInline(md_text(HOSTILE))
    assert "<script>" not in rendered and "<b>" not in rendered and "<a " not in rendered and "<em>" not in rendered
    assert "alert(&quot;x&quot;)" in rendered and "加粗" in rendered


# --- the Texts page, licences, downloads -------------------------------------------------------

def test_texts_page_lists_and_licenses_every_document(paths, all_sentences):
    docs = load_manifest(paths)
    md = reader_pages.texts_index_markdown(docs, all_sentences)
    for doc in docs:
        assert f"[{md_text(doc.id)}](read/{doc.id}.md)" in md
        assert f"``data/raw/{doc.file}``" in md
    licence_section = md.split("## Licences", 1)[1].split("## Download", 1)[0]
    for doc in docs:
        line = next(li for li in licence_section.splitlines() if li.startswith(f"- **[{md_text(doc.id)}]"))
        assert ", licence: " in line and "Credit: " in line
    assert licences.NOT_STATED in licence_section
    for words in ("quote short passages", "ask the rights holder", "non-commercial research"):
        assert words in licences.NOT_STATED
    assert 'href="sentences.csv"' in md and 'href="sentences.parquet"' in md


@pytest.mark.parametrize("licence, url, must_say", [
    ("CC BY-NC-ND", "https://creativecommons.org/licenses/by-nc-nd/4.0/", ["non-commercial", "unchanged", "crediting"]),
    ("CC-BY-SA 3.0", "https://creativecommons.org/licenses/by-sa/3.0/", ["same licence"]),
    ("CC BY", "https://creativecommons.org/licenses/by/4.0/", ["crediting"]),
    ("not stated", None, ["copyright", "grants no rights"]),
    ("All rights reserved by the publisher", None, ["see the source"]),
])
def test_licence_statements_say_what_a_reader_may_do(licence, url, must_say):
    statement, link = licences.licence_terms(licence)
    assert link == url
    for words in must_say:
        assert words in statement


def test_every_manifest_licence_has_a_known_statement(paths):
    for doc in load_manifest(paths):
        statement, _ = licences.licence_terms(doc.record["licence"])
        assert "see the source" not in statement, f"{doc.id}: licence {doc.record['licence']!r} is not understood"


def test_sentence_table_columns_are_all_defined():
    assert list(reader_pages.SENTENCE_COLUMN_DOCS) == SENTENCE_COLUMNS


def test_concordance_data_holds_every_sentence(paths, all_sentences):
    docs = load_manifest(paths)
    data = reader_pages.concordance_data(docs, all_sentences)
    assert len(data["rows"]) == len(all_sentences)
    doc, paragraph, sentence, section, speaker, text = data["rows"][100]
    row = all_sentences.iloc[100]
    assert (data["docs"][doc]["id"], paragraph, sentence, data["sections"][section], speaker, text) == \
        (row.doc_id, row.paragraph, row.sentence, row.section, row.speaker, row.text)
    assert data["docs"][0]["page"] == f"read/{docs[0].id}.html"


def test_pages_are_rewritten_only_when_they_change(tmp_path):
    page = tmp_path / "texts" / "index.md"
    reader_pages._write_if_changed(page, "one")
    stamp = page.stat().st_mtime_ns
    reader_pages._write_if_changed(page, "one")
    assert page.stat().st_mtime_ns == stamp
    reader_pages._write_if_changed(page, "two")
    assert page.read_text(encoding="utf-8") == "two"


@pytest.mark.parametrize("most, expected_depth", [(5, None), (4, 1)])
def test_sidebar_lists_each_text_only_up_to_a_limit(project_copy, monkeypatch, most, expected_depth):
    from types import SimpleNamespace

    from aidiscourse.config import Paths
    from aidiscourse.corpus.build import prepare

    prepare(Paths(project_copy), progress=False)
    n_docs = len(load_manifest(Paths(project_copy)))
    monkeypatch.setattr(reader_pages, "SIDEBAR_MAX_DOCUMENTS", most)
    config = SimpleNamespace(html_theme_options={"home_page_in_navbar": True}, html_static_path=[],
                             html_search_options={})
    reader_pages._config_inited(SimpleNamespace(srcdir=str(project_copy)), config)
    assert len(list((project_copy / "texts" / "read").glob("*.md"))) == n_docs == 5
    assert config.html_theme_options.get("max_navbar_depth") == expected_depth
    assert config.html_theme_options["home_page_in_navbar"] is True


# --- citable and reusable -------------------------------------------------------------------

def test_licence_files_and_statements():
    assert (ROOT / "LICENSE").read_text(encoding="utf-8").startswith("MIT License")
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    config = (ROOT / "_config.yml").read_text(encoding="utf-8")
    for text in (readme, config):
        assert "CC BY 4.0" in text and "creativecommons.org/licenses/by/4.0/" in text


def _check_cff(path: Path) -> subprocess.CompletedProcess:
    exe = Path(sys.executable).parent / "check-jsonschema"
    return subprocess.run([str(exe), "--builtin-schema", "vendor.citation-file-format", str(path)],
                          capture_output=True, text=True)


def test_citation_file_is_valid_cff_and_current(tmp_path):
    import aidiscourse

    checked = _check_cff(ROOT / "CITATION.cff")
    assert checked.returncode == 0, checked.stdout + checked.stderr
    cff = yaml.safe_load((ROOT / "CITATION.cff").read_text(encoding="utf-8"))
    assert cff["cff-version"] == "1.2.0"
    assert cff["authors"] == [{"name": "the aidiscourse contributors"}]
    assert cff["version"] == aidiscourse.__version__
    changelog = (ROOT / "CHANGELOG.md").read_text(encoding="utf-8")
    assert f"## [{cff['version']}] - {cff['date-released']}" in changelog
    # and the validator does reject a broken file
    broken = tmp_path / "CITATION.cff"
    broken.write_text("cff-version: 1.2.0\ntitle: x\nmessage: y\nauthors: []\ndate-released: 24 November\n", encoding="utf-8")
    assert _check_cff(broken).returncode != 0


def _documented_tables(readme: str) -> dict[str, list[str]]:
    tables: dict[str, list[str]] = {}
    current = None
    for line in readme.splitlines():
        heading = re.match(r"^## (\S+\.csv)\s*$", line)
        if heading:
            current = tables.setdefault(heading.group(1), [])
        elif current is not None and (cell := re.match(r"^\| `([^`]+)` \|(.*)\|$", line)):
            assert cell.group(2).strip(), f"{cell.group(1)} has an empty definition"
            current.append(cell.group(1))
    return tables


def test_results_readme_defines_every_column_of_every_table():
    documented = _documented_tables((ROOT / "results" / "README.md").read_text(encoding="utf-8"))
    problems = []
    files = sorted((ROOT / "results").glob("*.csv"))
    assert files
    for path in files:
        with path.open(encoding="utf-8", newline="") as f:
            header = next(csv.reader(f))
        if path.name not in documented:
            problems.append(f"{path.name}: not described in results/README.md")
            continue
        missing = [c for c in header if c not in documented[path.name]]
        extra = [c for c in documented[path.name] if c not in header]
        if missing:
            problems.append(f"{path.name}: columns not defined: {missing}")
        if extra:
            problems.append(f"{path.name}: defines columns the table does not have: {extra}")
    stale = sorted(set(documented) - {p.name for p in files})
    if stale:
        problems.append(f"results/README.md describes tables that do not exist: {stale}")
    assert not problems, "\n".join(problems)


def test_the_readme_parser_sees_a_missing_column():
    readme = "## a.csv\n\n| column | definition |\n|---|---|\n| `x` | one |\n| `y` |  |\n"
    with pytest.raises(AssertionError):
        _documented_tables(readme)
    assert _documented_tables("## a.csv\n| `x` | one |\n## b.csv\n| `z` | two |\n") == {"a.csv": ["x"], "b.csv": ["z"]}
