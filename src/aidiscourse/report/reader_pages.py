"""The texts in the book: a reader page per document, the Texts page, the concordance.

A Sphinx extension (set up from :mod:`aidiscourse.report.sphinxext`). When the build
starts it writes, under the git-ignored folder ``texts/`` (see
:mod:`aidiscourse.report.links` for the page names and anchors):

* ``texts/read/<doc_id>.md``: the document as cleaned, from the processed sentence table
  (every section, in text order), with section headings, speaker turns, a numbered anchor
  on every paragraph (``#p-12``) and sentence (``#s-40``);
* ``texts/index.md``: the list of texts, each text's licence and what a reader may do with
  it, and the downloads;
* ``texts/concordance.md``: a search box over every sentence, answered in the browser.

When the build ends it writes beside the pages the sentence table as
``texts/sentences.csv`` and ``texts/sentences.parquet``, and into the static files the
concordance's data, ``_static/aid-sentences.js`` (a JSON object).

Document text reaches a page only through :func:`~aidiscourse.report.escape.html_text` (in HTML) or
:func:`~aidiscourse.report.escape.md_text` (in Markdown); the concordance script inserts it with ``textContent``.
"""
from __future__ import annotations

import html
import json
from pathlib import Path

import pandas as pd

from aidiscourse.config import Paths
from aidiscourse.corpus.build import SENTENCE_COLUMNS
from aidiscourse.corpus.manifest import Document, load_manifest
from aidiscourse.corpus.structure import ARGUMENT_SECTIONS
from aidiscourse.report import links
from aidiscourse.report.escape import html_text, md_text
from aidiscourse.report.licences import licence_markdown

#: How each section of :mod:`aidiscourse.corpus.structure` is headed on a reader page.
SECTION_LABELS = {
    "front_matter": "Front matter",
    "contributors": "Contributors",
    "editor_note": "Editor's note",
    "abstract": "Abstract",
    "heading": "Heading",
    "body": "Text",
    "footnotes": "Notes",
    "references": "References",
    "author_note": "About the author",
    "back_matter": "Back matter",
}

#: What each column of the downloadable sentence table holds.
SENTENCE_COLUMN_DOCS = {
    "doc_id": "document id, as in the manifest (`data/corpus.yml`)",
    "section": "part of the document: " + ", ".join(f"`{s}`" for s in SECTION_LABELS)
               + f"; the analyses read {', '.join(f'`{s}`' for s in ARGUMENT_SECTIONS)}",
    "paragraph": "paragraph number, from 1 over the whole document (anchor `#p-<n>` of the reader page)",
    "sentence": "sentence number, from 1 over the whole document (anchor `#s-<n>` of the reader page)",
    "speaker": "who speaks: the speaker of a turn in interviews and seminars, the author in a single-author text; empty outside the argument",
    "role": "the speaker's role: author, interviewer, interviewee, moderator or panelist; empty where `speaker` is",
    "turn": "number of the speaker turn, from 1; 0 outside turns",
    "flag": "`mojibake` for a sentence damaged by encoding errors in the source (left out of the analyses), else empty",
    "text": "the sentence as cleaned (furniture removed, width normalised, Traditional characters converted to Simplified)",
    "tokens": "the sentence segmented into words by jieba with the project's user dictionary, separated by spaces, Latin letters lower-cased",
}

#: Where the downloads and the concordance's data are written in the built site.
DOWNLOAD_CSV = f"{links.TEXTS_FOLDER}/sentences.csv"
DOWNLOAD_PARQUET = f"{links.TEXTS_FOLDER}/sentences.parquet"
CONCORDANCE_DATA = "_static/aid-sentences.js"

_STATIC = Path(__file__).parent / "static"

#: Above this many documents the sidebar lists the Texts page but not each reader page: a
#: list of hundreds of links helps no reader, and the theme rebuilds it for every page (at
#: 500 documents that was most of the build's time outside the notebooks).
SIDEBAR_MAX_DOCUMENTS = 50
_ROLES = ("author", "interviewer", "interviewee", "moderator", "panelist")


# --- the reader page -----------------------------------------------------------------------

def _people_html(doc: Document) -> str:
    rows = []
    for p in doc.people:
        name = html_text(p.name) + (f" ({html_text(p.name_en)})" if p.name_en else "")
        rows.append(f"<li>{name}, {html_text(p.role)}" + (f"; {html_text(p.affiliation)}" if p.affiliation else "") + "</li>")
    return "<ul class=\"aid-people\">" + "".join(rows) + "</ul>"


def _speaker_label(doc: Document, speaker: str, role: str) -> str:
    person = next((p for p in doc.people if p.name == speaker), None)
    name = html_text(speaker) + (f" <span class=\"aid-name-en\">{html_text(person.name_en)}</span>" if person and person.name_en else "")
    return f"<div class=\"aid-speaker\">{name}<span class=\"aid-role\">{html_text(role)}</span></div>"


def _join_sentences(texts: list[str]) -> list[str]:
    # Chinese sentences follow each other without a space; Latin ones need one
    out = []
    for i, t in enumerate(texts):
        if i and texts[i - 1] and texts[i - 1][-1].isascii() and t[:1].isascii():
            out.append(" ")
        out.append(t)
    return out


def paragraph_html(rows: pd.DataFrame) -> str:
    """One paragraph as ``<p id="p-N">`` with a ``<span id="s-M">`` per sentence.

    Parameters
    ----------
    rows : DataFrame
        The sentence-table rows of one paragraph, in order (columns ``paragraph``,
        ``sentence``, ``flag``, ``text``).
    """
    n = int(rows.paragraph.iloc[0])
    anchor = links.paragraph_anchor(n)
    spans = []
    texts = _join_sentences([str(t) for t in rows.text])
    k = 0
    for piece in texts:
        if piece == " ":
            spans.append(" ")
            continue
        r = rows.iloc[k]
        k += 1
        flagged = ' aid-flagged" title="damaged by encoding errors in the source; left out of the analyses' if r.flag else ""
        spans.append(f'<span class="aid-s{flagged}" id="{links.sentence_anchor(r.sentence)}">{html_text(piece)}</span>')
    return (f'<p class="aid-par" id="{anchor}"><a class="aid-pnum" href="#{anchor}" '
            f'title="paragraph {n}">¶{n}</a> ' + "".join(spans) + "</p>")


#: The page's own headings: the argument, and what stands before and after it.
REGION_LABELS = {"before": "Before the text", "text": "Text", "after": "After the text"}


def _region(section: str, n: int, first: int | None, last: int | None) -> str:
    if first is None or n < first:
        return "before"
    return "after" if n > last else "text"


def _blocks(doc: Document, sentences: pd.DataFrame) -> list[str]:
    """Markdown blocks of the text, in order.

    Three headings at most: what comes before the argument (front matter, contributors,
    an editor's note...), the argument (``Text``) and what follows it (notes, references...).
    A run of paragraphs outside the argument is labelled with its section; a speaker turn
    is one raw HTML block opened by the speaker's name and role; the text's own headings
    are ``###`` headings.
    """
    blocks: list[str] = []
    argument = sentences.paragraph[sentences.section.isin(ARGUMENT_SECTIONS)]
    first, last = (int(argument.min()), int(argument.max())) if len(argument) else (None, None)
    region = section_open = None
    run: list[str] = []
    run_key = None

    def flush():
        nonlocal run, run_key
        if run:
            outside = "" if section_open in ARGUMENT_SECTIONS else " aid-outside"
            if run_key:
                speaker, role, _ = run_key
                blocks.append(f'<div class="aid-turn aid-role-{role if role in _ROLES else "other"}{outside}">'
                              + _speaker_label(doc, speaker, role) + "".join(run) + "</div>")
            else:
                blocks.append(f'<div class="aid-text{outside}">' + "".join(run) + "</div>")
        run, run_key = [], None

    for n, rows in sentences.groupby("paragraph", sort=False):
        section = rows.section.iloc[0]
        here = _region(section, int(n), first, last)
        if here != region:
            flush()
            region = here
            section_open = None
            blocks.append(f"## {REGION_LABELS[here]}")
        if section == "heading":  # a heading of the text itself
            flush()
            ids = "".join(f'<span id="{links.sentence_anchor(s)}"></span>' for s in rows.sentence)
            blocks.append(f'<div class="aid-anchor" id="{links.paragraph_anchor(n)}">{ids}</div>')
            blocks.append("### " + md_text("".join(rows.text)))
            continue
        if section != section_open:
            flush()
            section_open = section
            if section not in ARGUMENT_SECTIONS:
                label = SECTION_LABELS.get(section, section.replace("_", " ").capitalize())
                blocks.append(f'<p class="aid-section-label">{html_text(label)} <span>\u00b7 not analysed</span></p>')
        key = (rows.speaker.iloc[0], rows.role.iloc[0], int(rows.turn.iloc[0])) if int(rows.turn.iloc[0]) else None
        if key != run_key:
            flush()
            run_key = key
        run.append(paragraph_html(rows))
    flush()
    return blocks


def reader_markdown(doc: Document, sentences: pd.DataFrame) -> str:
    """The reader page of one document, as MyST Markdown.

    Parameters
    ----------
    doc : Document
    sentences : DataFrame
        This document's rows of the sentence table, every section and flagged sentences
        included, in text order (columns :data:`~aidiscourse.corpus.build.SENTENCE_COLUMNS`).

    Returns
    -------
    str
        A page whose document text is escaped; every paragraph and sentence has its anchor.
    """
    r = doc.record
    page = links.reader_page(doc.id)
    facts = [
        f"<p class=\"aid-doc-title-en\">{html_text(r['title_en'])}</p>" if r.get("title_en") else "",
        _people_html(doc),
        f"<p>{html_text(r.get('venue', ''))}, {html_text(r.get('date', ''))}. {html_text(doc.source_type.replace('_', ' ').capitalize())}"
        + ("; written in Traditional characters, shown in Simplified" if doc.script == "traditional" else "")
        + f". Licence: {html_text(r.get('licence', ''))} (<a href=\"{html_text(links.page_url(links.TEXTS_INDEX, from_page=page))}#licences\">"
        "what you may do with it</a>).</p>",
        f"<p class=\"aid-doc-note\">{html_text(r['notes'])}</p>" if r.get("notes") else "",
        f"<p class=\"aid-reader-help\">{sentences.paragraph.nunique()} paragraphs, {len(sentences)} sentences, shown as cleaned "
        f"for the analyses (the file as received: <code>data/raw/{html_text(doc.file)}</code>). Each paragraph is numbered "
        "(¶); a link to a paragraph (<code>#p-12</code>) or a sentence (<code>#s-40</code>) "
        "highlights it. <a href=\""
        + html_text(links.page_url(links.CONCORDANCE_PAGE, from_page=page)) + "\">Search every text</a>.</p>",
    ]
    head = [f"# {md_text(doc.id)}: {md_text(doc.title)}", "",
            '<div class="aid-doc-facts">' + "".join(f for f in facts if f) + "</div>"]
    return "\n\n".join(head + _blocks(doc, sentences)) + "\n"


# --- the Texts page and the concordance page -------------------------------------------------

def texts_index_markdown(docs: list[Document], sentences: pd.DataFrame) -> str:
    """The Texts page: the documents with links to their reader pages, licences, downloads."""
    counts = sentences.groupby("doc_id").agg(paragraphs=("paragraph", "nunique"), sentences=("sentence", "size"))
    lines = [
        "# Texts",
        "",
        "Every document of the corpus can be read here as the analyses read it, after cleaning: "
        "with its sections, its speakers and a number on every paragraph (¶), so that a paragraph "
        "or sentence the book refers to can be read in its context. The "
        "[concordance](concordance.md) searches all of them at once.",
        "",
        "| document | title and authors | paragraphs | sentences | licence |",
        "|---|---|--:|--:|---|",
    ]
    for doc in docs:
        c = counts.loc[doc.id] if doc.id in counts.index else pd.Series({"paragraphs": 0, "sentences": 0})
        who = ", ".join(md_text(p.name_en or p.name) for p in (doc.authors or doc.people))
        title = md_text(doc.title) + (f"<br>*{md_text(doc.record['title_en'])}*" if doc.record.get("title_en") else "")
        lines.append(f"| [{md_text(doc.id)}]({links.page_source(links.reader_page(doc.id), from_page=links.TEXTS_INDEX)}) | {title}<br>{who} | {int(c.paragraphs):,} | "
                     f"{int(c.sentences):,} | {md_text(doc.record.get('licence', ''))} |")
    lines += [
        "",
        "Counts cover every section of a text (front matter, notes and references included), "
        "so they are larger than the counts of the argument that the chapters analyse.",
        "",
        "## Licences",
        "",
        licence_markdown(docs),
        "## Download the sentence table",
        "",
        "The cleaned corpus, one row per sentence, every section included:",
        f'<a class="aid-download" href="{html.escape(Path(DOWNLOAD_CSV).name)}" download>sentences.csv</a> '
        "(UTF-8, comma-separated) and "
        f'<a class="aid-download" href="{html.escape(Path(DOWNLOAD_PARQUET).name)}" download>sentences.parquet</a> '
        "(Apache Parquet, for pandas, R's arrow or DuckDB). They are written by every build from the "
        "same table the analyses read (`aidiscourse sentences` prints it too).",
        "",
        "| column | what it holds |",
        "|---|---|",
    ]
    lines += [f"| `{col}` | {SENTENCE_COLUMN_DOCS[col]} |" for col in SENTENCE_COLUMNS]
    lines += ["", "The tables of findings are defined column by column in `results/README.md`."]
    return "\n".join(lines) + "\n"


def concordance_markdown() -> str:
    """The concordance page: a search form filled in by ``aid-concordance.js``."""
    form = (
        '<form class="aid-conc-form" role="search" onsubmit="return false">'
        '<label for="aid-conc-term">Term or phrase</label> '
        '<input id="aid-conc-term" name="term" type="search" autocomplete="off" placeholder="例如 新质生产力, 泡沫, AI" size="28"> '
        '<label><input id="aid-conc-argument" type="checkbox"> only the argument (the sections the analyses read)</label>'
        "</form>"
    )
    return "\n\n".join([
        "# Concordance",
        "Type a word or phrase, in Chinese or English: every occurrence in every text is listed with "
        "its context, grouped by document, and each links to its sentence on the text's reader page. "
        "The search runs in your browser over the cleaned sentence table, with no network. It matches "
        "the characters you type anywhere in the text (so 泡沫 also finds AI泡沫), ignores the case of "
        "Latin letters and full-width forms, and does not convert Traditional characters: the texts are "
        "shown in Simplified characters.",
        form,
        '<div id="aid-conc-summary" class="aid-conc-summary" aria-live="polite">'
        "Loading the texts… (this needs JavaScript)</div>",
        '<div id="aid-conc-results" class="aid-conc-results"></div>',
        f'<script src="../{CONCORDANCE_DATA}"></script><script src="../_static/aid-concordance.js"></script>',
    ]) + "\n"


def concordance_data(docs: list[Document], sentences: pd.DataFrame) -> dict:
    """The concordance's data: documents and one row per sentence.

    Returns
    -------
    dict
        ``docs``: list of ``{id, title, title_en, page}`` (``page`` relative to the
        concordance page); ``sections``: section names; ``argument``: the sections the
        analyses read; ``columns``; ``rows``: ``[doc, paragraph, sentence, section, speaker,
        text]`` per sentence, ``doc`` and ``section`` as indexes into the lists.
    """
    order = [d.id for d in docs]
    sections = sorted(sentences.section.unique())
    rows = [
        [order.index(r.doc_id), int(r.paragraph), int(r.sentence), sections.index(r.section), r.speaker, r.text]
        for r in sentences.itertuples(index=False) if r.doc_id in order
    ]
    return {
        "docs": [{"id": d.id, "title": d.title, "title_en": d.record.get("title_en", ""),
                  "page": links.page_url(links.reader_page(d.id), from_page=links.CONCORDANCE_PAGE)} for d in docs],
        "sections": sections,
        "argument": list(ARGUMENT_SECTIONS),
        "columns": ["doc", "paragraph", "sentence", "section", "speaker", "text"],
        "rows": rows,
    }


# --- writing --------------------------------------------------------------------------------

def _write_if_changed(path: Path, text: str) -> None:
    # an unchanged page keeps its time stamp, so Sphinx does not read it again
    path.parent.mkdir(parents=True, exist_ok=True)
    if not path.is_file() or path.read_text(encoding="utf-8") != text:
        path.write_text(text, encoding="utf-8")


def load_corpus(paths: Paths) -> tuple[list[Document], pd.DataFrame]:
    """The manifest's documents and the whole sentence table (every section, flagged rows too)."""
    from aidiscourse.corpus.load import load_sentences

    return load_manifest(paths), load_sentences(paths, sections=None, include_flagged=True)


def write_pages(paths: Paths) -> list[Path]:
    """Write the Texts page, the concordance page and a reader page per document.

    Pages of documents no longer in the manifest are removed. Returns the pages written.
    """
    docs, sentences = load_corpus(paths)
    folder = paths.root / links.TEXTS_FOLDER
    pages = {
        folder / "index.md": texts_index_markdown(docs, sentences),
        folder / "concordance.md": concordance_markdown(),
    }
    for doc in docs:
        pages[paths.root / f"{links.reader_page(doc.id)}.md"] = reader_markdown(doc, sentences[sentences.doc_id == doc.id])
    reader_folder = paths.root / links.READER_FOLDER
    for stale in reader_folder.glob("*.md") if reader_folder.is_dir() else []:
        if stale not in pages:
            stale.unlink()
    for path, text in pages.items():
        _write_if_changed(path, text)
    return list(pages)


def write_downloads(paths: Paths, outdir: Path) -> list[Path]:
    """Write the sentence table (CSV, Parquet) and the concordance's data into the built site."""
    docs, sentences = load_corpus(paths)
    table = sentences[SENTENCE_COLUMNS]
    csv, parquet, data = outdir / DOWNLOAD_CSV, outdir / DOWNLOAD_PARQUET, outdir / CONCORDANCE_DATA
    for path in (csv, parquet, data):
        path.parent.mkdir(parents=True, exist_ok=True)
    table.to_csv(csv, index=False, lineterminator="\n")
    table.to_parquet(parquet, index=False)
    payload = json.dumps(concordance_data(docs, sentences), ensure_ascii=False, separators=(",", ":"))
    data.write_text(f"window.AID_SENTENCES = {payload};\n", encoding="utf-8")
    return [csv, parquet, data]


# --- Sphinx --------------------------------------------------------------------------------

def _config_inited(app, config):
    paths = Paths(Path(app.srcdir))
    reader_folder = paths.root / links.READER_FOLDER
    n_reader_pages = sum(page.parent == reader_folder for page in write_pages(paths))
    if n_reader_pages > SIDEBAR_MAX_DOCUMENTS:
        config.html_theme_options = {**(config.html_theme_options or {}), "max_navbar_depth": 1}
    config.html_static_path = [*config.html_static_path, str(_STATIC)]
    # the book's own search segments Chinese with jieba; the project's dictionary keeps its terms whole
    options = dict(config.html_search_options or {})
    if options.get("dict") and not Path(options["dict"]).is_absolute():
        options["dict"] = str(paths.root / options["dict"])
        config.html_search_options = options


def _build_finished(app, exception):
    if exception is None and app.builder.format == "html":
        write_downloads(Paths(Path(app.srcdir)), Path(app.outdir))


def setup(app):
    # before sphinx-external-toc (priority 900) reads _toc.yml, which lists these pages
    app.connect("config-inited", _config_inited, priority=400)
    app.connect("build-finished", _build_finished)
    app.add_css_file("aid-texts.css")
    return {"parallel_read_safe": True, "parallel_write_safe": True}
