"""Forking: a copy of the project with one more document builds, and the document
reaches every table and chapter; text that looks like HTML is shown only as text; a
chapter still renders with thirty documents. Slow: each test builds in a copy."""
from __future__ import annotations

import os
import random
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest
import yaml

from conftest import ROOT, run_cli

pytestmark = pytest.mark.slow
BIN = Path(sys.executable).parent
HOSTILE = "<script>alert(1)</script>"


def copy_project(target: Path) -> Path:
    files = subprocess.run(["git", "ls-files"], cwd=ROOT, capture_output=True, text=True, check=True).stdout.split("\n")
    for name in filter(None, files):
        src = ROOT / name
        if src.is_file():
            (target / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(src, target / name)
    return target


def corpus_sentences(n: int, seed: int) -> list[str]:
    from aidiscourse.corpus.load import load_sentences as sentences

    body = sentences().text.tolist()
    return random.Random(seed).sample(body, n)


def sixth_document(path: Path) -> None:
    """A realistic op-ed: corpus sentences in a new order, with HTML-looking fragments."""
    lines = corpus_sentences(40, seed=6)
    lines.insert(3, f"有人在评论区贴出 {HOSTILE} 这样的代码，也有人写下 <b>加粗</b> 与 <a href=\"x\">链接</a>，算法与制度 & 市场的关系仍待讨论。")
    lines.insert(20, "政府应当为人工智能创新提供制度保障，而不是<i>替代</i>市场。")
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")


def build_book(root: Path) -> subprocess.CompletedProcess:
    env = dict(os.environ, PATH=f"{BIN}{os.pathsep}{os.environ.get('PATH', '')}")
    env.pop("AIDISCOURSE_ROOT", None)
    subprocess.run([str(BIN / "aidiscourse"), "prepare", "--quiet"], cwd=root, env=env, check=True, capture_output=True)
    subprocess.run([str(BIN / "python"), "-c", "from aidiscourse.report.render import write_vega_bundle; write_vega_bundle('_static')"],
                   cwd=root, env=env, check=True)
    subprocess.run([str(BIN / "python"), "-m", "aidiscourse.report.buildcache"], cwd=root, env=env, check=True)
    return subprocess.run([str(BIN / "jupyter-book"), "build", ".", "--warningiserror", "--keep-going"],
                          cwd=root, env=env, capture_output=True, text=True, timeout=1800)


def check_sixth_document(root: Path, doc_id: str) -> None:
    """A document added to a fork (by :func:`sixth_document`) reaches every table and chapter,
    and its HTML-looking text is shown as text (checked by the fork test, which builds once)."""
    for table in sorted((root / "results").glob("*.csv")):
        if re.search(r"speakers|by_role", table.name):
            continue  # tables of speaker roles hold only documents with speaker turns
        df = pd.read_csv(table, keep_default_na=False)
        if "doc_id" in df.columns:
            assert doc_id in set(df.doc_id), f"{table.name} lacks the new document"
    toc = yaml.safe_load((root / "_toc.yml").read_text(encoding="utf-8"))
    chapters = [c["file"] for part in toc["parts"] for c in part["chapters"] if c["file"].startswith("notebooks/")]
    html = root / "_build" / "html"
    for chapter in chapters:
        assert doc_id in (html / f"{chapter}.html").read_text(encoding="utf-8"), f"{chapter} does not show the new document"

    # text that looks like HTML is shown as text, never as markup
    for page in html.rglob("*.html"):
        text = page.read_text(encoding="utf-8")
        assert HOSTILE not in text, f"{page.relative_to(html)} contains a live <script> from a document"
        assert "<b>加粗</b>" not in text and "<i>替代</i>" not in text, page.name
    rows = [line.split("\t") for line in run_cli("sentences", cwd=root).stdout.splitlines()]
    header = rows[0]
    texts = "\n".join(r[header.index("text")] for r in rows[1:] if r[0] == doc_id)
    # markup is removed before analysis; the prose around it is kept
    assert "script" not in texts and "alert" not in texts and "<b>" not in texts
    assert "也有人写下加粗与链接，算法与制度" in texts


def test_the_book_builds_with_thirty_more_documents(tmp_path):
    """Thirty generated articles beside the five texts: every chapter executes, and its
    charts stay of a size a browser draws (chapters switch to summaries or small multiples)."""
    import hashlib

    root = copy_project(tmp_path / "many")
    manifest = yaml.safe_load((root / "data" / "corpus.yml").read_text(encoding="utf-8"))
    for i in range(30):
        name = f"gen-{i:02d}"
        text = "\n".join(corpus_sentences(60, seed=100 + i)) + "\n"
        (root / "data" / "raw" / f"{name}.txt").write_text(text, encoding="utf-8")
        manifest["documents"].append({
            "id": name, "file": f"{name}.txt", "sha256": hashlib.sha256(text.encode()).hexdigest(),
            "title": f"生成文本 {i}", "people": [{"name": f"作者{i}", "role": "author"}], "venue": "generated",
            "date": "2026", "licence": "not stated", "script": "simplified", "source_type": "article"})
    (root / "data" / "corpus.yml").write_text(yaml.safe_dump(manifest, allow_unicode=True, sort_keys=False), encoding="utf-8")

    built = build_book(root)
    assert built.returncode == 0, built.stdout[-3000:] + built.stderr[-3000:]
    html = root / "_build" / "html" / "notebooks"
    for page in sorted(html.glob("0*.html")):
        text = page.read_text(encoding="utf-8")
        assert "gen-29" in text, f"{page.name} does not show the generated documents"
        specs = re.findall(r"vegaEmbed\(el,(\{.*?\}),\{actions", text)
        if page.name == "06_findings.html":  # the findings page answers in words and quotes
            # executed after the chapters that write its tables, never from the last build's
            texts = re.search(r"The texts: (.*?)\. Of", re.sub(r"<[^>]+>", "", text), re.S)
            assert texts and "gen-29" in texts.group(1), "the findings page shows stale results"
            continue
        assert specs, f"{page.name} has no chart"
        assert max(len(spec) for spec in specs) < 3_000_000, f"{page.name} has an oversized chart"
