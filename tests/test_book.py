"""The built book (``_build/html``): findings regenerated identically, no network needed,
charts and clouds drawn in a real browser. ``make test`` builds the book first."""
from __future__ import annotations

import csv
import io
import os
import re
import shutil
import subprocess
import time
from html.parser import HTMLParser
from pathlib import Path

import pytest
import yaml

from conftest import ROOT

pytestmark = pytest.mark.book
HTML = ROOT / "_build" / "html"


def _require_build():
    if not (HTML / "index.html").is_file():
        pytest.skip("the book is not built: run `make book` (make test does)")


def chapter_pages() -> list[Path]:
    toc = yaml.safe_load((ROOT / "_toc.yml").read_text(encoding="utf-8"))
    files = [toc["root"]] + [c["file"] for part in toc.get("parts", []) for c in part["chapters"]]
    return [HTML / f"{f}.html" for f in files]


# --- the findings --------------------------------------------------------------------

def _committed(path: str) -> str | None:
    out = subprocess.run(["git", "show", f"HEAD:{path}"], cwd=ROOT, capture_output=True)
    return out.stdout.decode("utf-8") if out.returncode == 0 else None


def first_difference(old: str, new: str) -> str:
    old_rows, new_rows = list(csv.reader(io.StringIO(old))), list(csv.reader(io.StringIO(new)))
    for i, (a, b) in enumerate(zip(old_rows, new_rows)):
        if a != b:
            return f"row {i}: committed {a} != regenerated {b}"
    return f"committed has {len(old_rows)} rows, regenerated {len(new_rows)}"


def test_results_match_the_committed_findings():
    _require_build()
    if shutil.which("git") is None or _committed("pyproject.toml") is None:
        pytest.skip("not a git checkout")
    files = sorted((ROOT / "results").glob("*.csv"))
    assert files, "the build wrote no result tables"
    problems = []
    for path in files:
        rel = path.relative_to(ROOT).as_posix()
        committed = _committed(rel)
        regenerated = path.read_text(encoding="utf-8")
        if committed is None:
            problems.append(f"{rel}: not committed")
        elif committed != regenerated:
            problems.append(f"{rel}: {first_difference(committed, regenerated)}")
    assert not problems, "results/ differ from the committed findings:\n" + "\n".join(problems)


def test_result_tables_carry_no_timestamps():
    for path in sorted((ROOT / "results").glob("*.csv")):
        text = path.read_text(encoding="utf-8")
        assert not re.search(r"\d{4}-\d{2}-\d{2}[ T]\d{2}:\d{2}", text), path.name


# --- offline -------------------------------------------------------------------------

class _Refs(HTMLParser):
    def __init__(self):
        super().__init__()
        self.external = []

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        url = None
        if tag == "script" and attrs.get("src"):
            url = attrs["src"]
        elif tag == "link" and attrs.get("href") and attrs.get("rel") in ("stylesheet", "preload", "modulepreload"):
            url = attrs["href"]
        elif tag in ("img", "iframe") and attrs.get("src"):
            url = attrs["src"]
        if url and re.match(r"^(https?:)?//", url):
            self.external.append(f"<{tag}> {url}")


def test_pages_load_nothing_from_the_network():
    _require_build()
    for page in sorted(HTML.rglob("*.html")):
        parser = _Refs()
        parser.feed(page.read_text(encoding="utf-8"))
        assert not parser.external, f"{page.relative_to(HTML)} loads {parser.external}"
        text = page.read_text(encoding="utf-8")
        assert not re.search(r'"url": ?"(https?:)?//', text)  # chart data is inline
        assert "cdn.jsdelivr.net/npm/vega" not in text


def test_every_chapter_is_built_and_links_to_its_data():
    _require_build()
    for page in chapter_pages():
        assert page.is_file(), f"{page.relative_to(HTML)} was not built"
        text = page.read_text(encoding="utf-8")
        for link in re.findall(r'class="aid-data-link" href="([^"]+)"', text):
            assert (page.parent / link).resolve().is_file(), f"{page.name}: data link {link} is broken"


def test_version_and_commit_on_every_page():
    _require_build()
    for page in sorted(HTML.rglob("*.html")):
        if page.name in ("genindex.html", "search.html", "index.html") or "_static" in page.parts:
            continue
        assert "aid-version" in page.read_text(encoding="utf-8"), page.name


# --- in a browser ----------------------------------------------------------------------

def _browser(window: str = "1280,2000"):
    chromium = shutil.which("chromium") or shutil.which("chromium-browser")
    driver_path = shutil.which("chromedriver")
    if not chromium or not driver_path:
        pytest.skip("Chromium and ChromeDriver are not installed (CI installs Debian's chromium and chromium-driver)")
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = chromium
    for flag in ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync",
                 f"--window-size={window}", "--allow-file-access-from-files"):
        options.add_argument(flag)
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    return webdriver.Chrome(service=Service(driver_path), options=options)


@pytest.fixture(scope="module")
def browser():
    _require_build()
    driver = _browser()
    yield driver
    driver.quit()


CHART_STATE = """
const charts = [...document.querySelectorAll('.aid-chart')];
const drawn = charts.filter(c => c.querySelector('svg, canvas'));
const imgs = [...document.querySelectorAll('main img, .bd-article img')];
const broken = imgs.filter(i => !(i.complete && i.naturalWidth > 0)).map(i => i.src.slice(0, 80));
return [charts.length, drawn.length, imgs.length, broken];
"""


@pytest.mark.parametrize("page", chapter_pages(), ids=lambda p: p.stem)
def test_chapter_renders_in_a_browser(browser, page):
    browser.get(page.as_uri())
    deadline = time.time() + 30
    while True:
        n_charts, n_drawn, n_imgs, broken = browser.execute_script(CHART_STATE)
        if (n_drawn == n_charts and not broken) or time.time() > deadline:
            break
        time.sleep(0.5)
    shots = ROOT / "_build" / "screenshots"
    shots.mkdir(parents=True, exist_ok=True)
    browser.save_screenshot(str(shots / f"{page.stem}.png"))
    assert n_drawn == n_charts, f"{page.name}: {n_charts - n_drawn} of {n_charts} charts not drawn"
    assert not broken, f"{page.name}: images not loaded: {broken}"
    errors = [e["message"] for e in browser.get_log("browser") if e["level"] == "SEVERE"]
    assert not errors, f"{page.name}: console errors: {errors}"


# --- the texts: reader pages, links to them, downloads, search ------------------------------

class _Ids(HTMLParser):
    def __init__(self):
        super().__init__()
        self.ids, self.hrefs = set(), []

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if attrs.get("id"):
            self.ids.add(attrs["id"])
        if tag == "a" and attrs.get("href"):
            self.hrefs.append(attrs["href"])


def _parsed(page: Path) -> _Ids:
    parser = _Ids()
    parser.feed(page.read_text(encoding="utf-8"))
    return parser


def _documents():
    from aidiscourse.config import Paths
    from aidiscourse.corpus.manifest import load_manifest

    return load_manifest(Paths(ROOT))


def _sentence_table():
    from aidiscourse.corpus.load import load_sentences

    return load_sentences(sections=None, include_flagged=True)


def test_every_text_has_a_reader_page_with_its_anchors():
    _require_build()
    from aidiscourse.report.links import reader_page

    sentences = _sentence_table()
    for doc in _documents():
        page = HTML / f"{reader_page(doc.id)}.html"
        assert page.is_file(), f"no reader page for {doc.id}"
        rows = sentences[sentences.doc_id == doc.id]
        ids = _parsed(page).ids
        missing = [f"p-{p}" for p in rows.paragraph.unique() if f"p-{p}" not in ids]
        missing += [f"s-{s}" for s in rows.sentence if f"s-{s}" not in ids]
        assert not missing, f"{page.name}: anchors missing: {missing[:5]}"
    index = (HTML / "texts" / "index.html").read_text(encoding="utf-8")
    for doc in _documents():
        assert f'href="read/{doc.id}.html"' in index, f"the Texts page does not link {doc.id}"


def test_every_link_into_the_texts_lands_on_an_anchor():
    """Links into the texts' pages (from chapters, made with aidiscourse.report.links, and within
    the texts' pages) point at a page and an id that exist."""
    _require_build()
    texts = (HTML / "texts").resolve()
    checked, broken = 0, []
    cache: dict[Path, set[str]] = {}
    for page in sorted(HTML.rglob("*.html")):
        if "_static" in page.parts:
            continue
        for href in _parsed(page).hrefs:
            target, _, anchor = href.partition("#")
            if re.match(r"^[a-z]+:", href) or not anchor:
                continue
            file = (page.parent / target).resolve() if target else page.resolve()
            if texts not in file.parents:
                continue
            checked += 1
            if file not in cache:
                cache[file] = _parsed(file).ids if file.is_file() else set()
            if anchor not in cache[file]:
                broken.append(f"{page.relative_to(HTML)} -> {href}")
    assert checked > 0, "no link into the texts was found"
    assert not broken, f"{len(broken)} links into the texts are broken: {broken[:5]}"


def test_sentence_table_downloads_hold_the_sentence_table():
    _require_build()
    import pandas as pd

    from aidiscourse.corpus.build import SENTENCE_COLUMNS

    expected = _sentence_table()[SENTENCE_COLUMNS].reset_index(drop=True)
    from_csv = pd.read_csv(HTML / "texts" / "sentences.csv", keep_default_na=False, dtype=str)
    from_parquet = pd.read_parquet(HTML / "texts" / "sentences.parquet")
    assert list(from_csv.columns) == SENTENCE_COLUMNS
    pd.testing.assert_frame_equal(from_csv, expected.astype(str), check_dtype=False)
    pd.testing.assert_frame_equal(from_parquet.reset_index(drop=True), expected, check_dtype=False)
    index = (HTML / "texts" / "index.html").read_text(encoding="utf-8")
    assert 'href="sentences.csv"' in index and 'href="sentences.parquet"' in index


def _dictionary_term_in_texts() -> str:
    """A long entry of the project's user dictionary that the texts use (新质生产力 here)."""
    text = "".join(_sentence_table().text)
    for line in (ROOT / "data" / "lexicons" / "userdict.txt").read_text(encoding="utf-8").splitlines():
        word = line.split(" ")[0].strip()
        if len(word) >= 4 and not line.startswith("#") and word in text:
            return word
    pytest.skip("no entry of the user dictionary occurs in the texts")


def test_search_index_holds_chinese_words():
    _require_build()
    import json

    raw = (HTML / "searchindex.js").read_text(encoding="utf-8")
    index = json.loads(raw[raw.index("(") + 1: raw.rindex(")")])
    term = _dictionary_term_in_texts()
    def pages(entry):  # one page is stored as a number, several as a list
        return {entry} if isinstance(entry, int) else set(entry or [])

    names = {index["docnames"][i] for i in pages(index["terms"].get(term)) | pages(index["titleterms"].get(term))}
    readers = {f"texts/read/{d}" for d in _sentence_table().loc[lambda t: t.text.str.contains(term, regex=False)].doc_id}
    assert readers and readers <= names, f"the search index misses {sorted(readers - names)} for {term}"


# --- in a browser, at 1,000 px -----------------------------------------------------------------

@pytest.fixture(scope="module")
def narrow_browser():
    _require_build()
    driver = _browser(window="1000,1200")
    yield driver
    driver.quit()


CHART_WIDTHS = """
const seen = {};
return [...document.querySelectorAll('.aid-chart')].map(c => {
  const svg = c.querySelector('svg');
  const column = c.parentElement;  // the cell's output area: what a reader sees without scrolling
  const section = c.closest('section[id]');
  const key = section ? section.id : '';
  seen[key] = (seen[key] || 0) + 1;
  return [key + '#' + seen[key], svg ? svg.getBoundingClientRect().width : -1, column.clientWidth];
});
"""


def _wait_for_charts(driver, timeout=30):
    deadline = time.time() + timeout
    while True:
        n_charts, n_drawn, _, _ = driver.execute_script(CHART_STATE)
        if n_drawn == n_charts or time.time() > deadline:
            return n_charts, n_drawn
        time.sleep(0.5)


def _open(driver, uri: str, timeout: float = 15) -> None:
    """Load ``uri`` and wait until the browser shows it (chromedriver may return from a
    navigation to a URL with a fragment while the previous page is still shown)."""
    driver.get(uri)
    deadline = time.time() + timeout
    while time.time() < deadline:
        if driver.execute_script("return document.readyState === 'complete' && window.location.href === arguments[0]", uri):
            return
        time.sleep(0.1)
    raise AssertionError(f"{uri} did not load")


def _assert_charts_fit(driver, page):
    _open(driver, page.as_uri())
    n_charts, n_drawn = _wait_for_charts(driver)
    assert n_drawn == n_charts, f"{page.name}: {n_charts - n_drawn} charts not drawn"
    wide = {f"{page.stem}/{key}": (round(width), column)
            for key, width, column in driver.execute_script(CHART_WIDTHS) if width > column + 1}
    assert not wide, f"charts wider than their column (width, column px): {wide}"


@pytest.mark.parametrize("page", chapter_pages(), ids=lambda p: p.stem)
def test_charts_fit_a_1000px_column(narrow_browser, page):
    _assert_charts_fit(narrow_browser, page)


@pytest.mark.parametrize("page", chapter_pages(), ids=lambda p: p.stem)
def test_charts_fit_the_column_at_1280px(browser, page):
    """At 1,280 px the page's contents column takes room: the output area is narrower than
    at 1,000 px, and a chart of the column's width must be drawn after that layout."""
    _assert_charts_fit(browser, page)


def _anchor_state(driver, anchor):
    return driver.execute_script("""
const el = document.getElementById(arguments[0]);
if (!el) return null;
const r = el.getBoundingClientRect();
return [el.matches(':target'), r.top, r.bottom, window.innerHeight,
        document.documentElement.scrollWidth, document.documentElement.clientWidth];""", anchor)


@pytest.mark.parametrize("doc_id", [d.id for d in _documents()])
def test_reader_page_opens_at_its_anchors(narrow_browser, doc_id):
    from aidiscourse.report.links import passage_url

    rows = _sentence_table().loc[lambda t: t.doc_id == doc_id]
    middle = rows.iloc[len(rows) // 2]
    for url in (passage_url(doc_id, middle.paragraph, from_page="book/x"),
                passage_url(doc_id, middle.paragraph, middle.sentence, from_page="book/x")):
        target, _, anchor = url.partition("#")
        _open(narrow_browser, (HTML / "book" / target).resolve().as_uri() + "#" + anchor)
        state = _anchor_state(narrow_browser, anchor)
        assert state is not None, f"{url}: no element with id {anchor}"
        is_target, top, bottom, height, scroll_width, client_width = state
        assert is_target, f"{url}: the anchor is not the page's target"
        assert 0 <= top < height, f"{url}: the browser did not scroll to the anchor (top {top})"
        assert scroll_width <= client_width + 1, f"{url}: the page is wider than the window ({scroll_width} px)"
    errors = [e["message"] for e in narrow_browser.get_log("browser") if e["level"] == "SEVERE"]
    assert not errors, f"{doc_id}: console errors: {errors}"


def _expected_hits(term: str) -> int:
    """Occurrences of ``term`` in the paragraphs, as the concordance counts them."""
    import unicodedata

    table = _sentence_table()
    paragraphs = table.groupby(["doc_id", "paragraph"], sort=False).text.agg("".join)
    pattern = re.compile(re.escape(unicodedata.normalize("NFKC", term)), re.IGNORECASE)
    return sum(len(pattern.findall(p)) for p in paragraphs)


def test_concordance_finds_a_typed_term_and_links_to_its_sentences(narrow_browser):
    from selenium.webdriver.common.by import By

    term = _dictionary_term_in_texts()
    _open(narrow_browser, (HTML / "texts" / "concordance.html").as_uri())
    box = narrow_browser.find_element(By.ID, "aid-conc-term")
    box.send_keys(term)
    deadline = time.time() + 10
    while not narrow_browser.find_elements(By.CSS_SELECTOR, ".aid-conc-hit") and time.time() < deadline:
        time.sleep(0.2)
    summary = narrow_browser.find_element(By.ID, "aid-conc-summary").text
    expected = _expected_hits(term)
    assert summary.startswith(f"{expected:,} hit"), f"summary {summary!r}, expected {expected} hits of {term}"
    links = narrow_browser.execute_script(
        "return [...document.querySelectorAll('.aid-conc-hit a')].map(a => a.href)")
    shown = sum(len(narrow_browser.find_elements(By.CSS_SELECTOR, f"#hits-{d.id} .aid-conc-hit")) for d in _documents())
    assert len(links) == shown > 0
    keywords = {e.text for e in narrow_browser.find_elements(By.CSS_SELECTOR, ".aid-conc-kw mark")}
    assert keywords == {term}
    cache: dict[str, set[str]] = {}
    for href in links:
        path, _, anchor = href.partition("#")
        file = Path(path.replace("file://", ""))
        cache.setdefault(path, _parsed(file).ids if file.is_file() else set())
        assert anchor in cache[path], f"{href}: no such anchor"
    # a click lands on the sentence, which holds the term
    _open(narrow_browser, links[-1])
    anchor = links[-1].partition("#")[2]
    assert term in narrow_browser.find_element(By.ID, anchor).text
    assert _anchor_state(narrow_browser, anchor)[0]


def test_concordance_shows_typed_markup_as_text(narrow_browser):
    from selenium.webdriver.common.by import By

    _open(narrow_browser, (HTML / "texts" / "concordance.html").as_uri() + "?term=" + "%3Cb%3E")
    summary = narrow_browser.find_element(By.ID, "aid-conc-summary")
    assert "<b>" in summary.text and not summary.find_elements(By.TAG_NAME, "b")
    errors = [e["message"] for e in narrow_browser.get_log("browser") if e["level"] == "SEVERE"]
    assert not errors, errors


def test_book_search_finds_chinese_words(narrow_browser):
    from urllib.parse import quote

    term = _dictionary_term_in_texts()
    _open(narrow_browser, (HTML / "search.html").as_uri() + "?q=" + quote(term))
    # Sphinx adds the results one by one and writes the summary line after the last one
    deadline = time.time() + 60
    finished = ""
    while time.time() < deadline and not finished:
        time.sleep(0.5)
        finished = narrow_browser.execute_script(
            "const s = document.querySelector('#search-results .search-summary'); return s ? s.textContent : ''")
    assert finished, "the search did not finish"
    found = narrow_browser.execute_script(
        "return [...document.querySelectorAll('#search-results li a')].map(a => a.getAttribute('href'))")
    readers = {f"texts/read/{d}.html" for d in _sentence_table().loc[lambda t: t.text.str.contains(term, regex=False)].doc_id}
    assert readers <= {f.split("?")[0].split("#")[0] for f in found}, f"searching {term} found {found}"
