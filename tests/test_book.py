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

def _browser():
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
                 "--window-size=1280,2000", "--allow-file-access-from-files"):
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
