"""``aidiscourse add`` with the formats people bring, duplicates, missing metadata, the
project lock (twelve adds at once, two prepares at once), orphaned raw files and
``terms suggest``; each test writes into its own copy of the project."""
from __future__ import annotations

import hashlib
import io
import re
import subprocess
import sys
import time
from pathlib import Path

import pandas as pd
import pytest
import yaml

from conftest import ROOT, run_cli
from test_cli import tree_digest
from test_extract import PARAGRAPHS, article_html, print_pdf, write_docx
from test_markup import LAW, SIMPLE_PAGE

from aidiscourse.config import Paths


def manifest(root: Path) -> list[dict]:
    return yaml.safe_load((root / "data" / "corpus.yml").read_text(encoding="utf-8"))["documents"]


def one_line_error(result: subprocess.CompletedProcess) -> str:
    assert result.returncode == 1, result.stdout + result.stderr
    assert len(result.stderr.strip().splitlines()) == 1 and "Traceback" not in result.stderr, result.stderr
    return result.stderr


META = ["--person", "某作者:author", "--date", "2026-03", "--venue", "某刊"]


def test_each_format_is_added_in_one_command_and_prepared(project_copy):
    folder = project_copy.parent
    files = {
        "pdf-doc": (folder / "report.pdf", print_pdf(article_html("新质生产力报告", PARAGRAPHS), folder)),
        "word-doc": (folder / "report.docx", write_docx(["市场与国家的边界需要法律来划定，而不是由行政命令随意改变。",
                                                          "技术竞争最终取决于制度能否保护创新者的收益。"], title="制度与创新")),
        "web-doc": (folder / "page.html", SIMPLE_PAGE.encode("utf-8")),
        "law-doc": (folder / "law.md", LAW.read_bytes()),
    }
    for doc_id, (path, data) in files.items():
        path.write_bytes(data)
        added = run_cli("add", str(path), "--id", doc_id, *META, cwd=project_copy)
        assert added.returncode == 0, added.stderr
        assert added.stderr == ""  # every field given, nothing repeated
    entries = {e["id"]: e for e in manifest(project_copy)}
    expected = {"pdf-doc": ("pdf", "pdf_extraction", "新质生产力报告"), "word-doc": ("docx", "article", "制度与创新"),
                "web-doc": ("html", "web_page", "人工智能与市场"), "law-doc": ("markdown", "article", "中华人民共和国反恐怖主义法")}
    for doc_id, (fmt, source_type, title) in expected.items():
        entry = entries[doc_id]
        raw = project_copy / "data" / "raw" / entry["file"]
        assert (entry["format"], entry["source_type"], entry["title"]) == (fmt, source_type, title)
        assert raw.read_bytes() == files[doc_id][0].read_bytes()  # kept byte for byte
        assert entry["sha256"] == hashlib.sha256(raw.read_bytes()).hexdigest()

    prepared = run_cli("prepare", "--quiet", cwd=project_copy)
    assert prepared.returncode == 0 and "9 documents (9 processed)" in prepared.stdout, prepared.stderr
    table = pd.read_csv(io.StringIO(run_cli("sentences", cwd=project_copy).stdout), sep="\t", keep_default_na=False)
    body = {doc_id: "".join(table[table.doc_id == doc_id].text) for doc_id in files}
    for paragraph in PARAGRAPHS:
        assert paragraph in body["pdf-doc"]
    assert "技术竞争最终取决于制度能否保护创新者的收益。" in body["word-doc"]
    assert body["web-doc"] == "人工智能的发展需要市场。政府的作用在于提供制度保障，而不是替代市场。监管应当跟上技术的变化，同时为创新留出空间。"
    assert "第一条为了防范和惩治恐怖活动" in body["law-doc"] and "INFO" not in body["law-doc"]
    audit = pd.read_parquet(project_copy / "data" / "processed" / "cleaning_audit.parquet")
    first = audit[audit.order == 1].set_index("doc_id")
    assert (first.step == "extract_text").all()
    assert first.loc["pdf-doc", "examples"].startswith("pdf, pypdf ")
    assert first.loc["word-doc", "examples"].startswith("docx, python-docx ")
    assert first.loc["web-doc", "examples"].startswith("html, trafilatura ")
    assert first.loc["law-doc", "examples"].startswith("markdown, markdown-it-py ")


def test_files_that_yield_no_text_are_refused_and_nothing_is_added(project_copy):
    folder = project_copy.parent
    scan = folder / "scan.pdf"
    scan.write_bytes(print_pdf('<html><body><div style="width:10cm;height:10cm;background:#444"></div></body></html>', folder, "scan"))
    broken = folder / "broken.docx"
    broken.write_bytes(write_docx(PARAGRAPHS)[:3000])
    untitled = folder / "untitled.txt"
    untitled.write_text("\n".join(PARAGRAPHS), encoding="utf-8")
    before = tree_digest(project_copy / "data")
    cases = [(scan, "a scanned PDF"), (broken, "not a readable Word file"), (untitled, "states no title; give one with --title")]
    for path, message in cases:
        assert message in one_line_error(run_cli("add", str(path), "--id", "new-doc", *META, cwd=project_copy))
    assert tree_digest(project_copy / "data") == before


def test_duplicates_are_named_and_need_allow_duplicate(project_copy):
    raw = project_copy / "data" / "raw"
    copy = project_copy.parent / "repost.txt"
    copy.write_bytes((raw / "tian-2025.txt").read_bytes())
    before = tree_digest(project_copy / "data")
    refused = one_line_error(run_cli("add", str(copy), "--id", "tian-repost", "--title", "转载", *META, cwd=project_copy))
    assert "the same text as document 'tian-2025'" in refused and "--allow-duplicate" in refused
    assert tree_digest(project_copy / "data") == before

    lines = (raw / "xu-2026.txt").read_text(encoding="utf-8").splitlines()
    version = project_copy.parent / "second-version.txt"
    version.write_text("\n".join(lines[: int(len(lines) * 0.8)] + PARAGRAPHS), encoding="utf-8")
    refused = one_line_error(run_cli("add", str(version), "--id", "xu-version", "--title", "另一版本", *META, cwd=project_copy))
    share = re.search(r"(\d+)% of its sentences are in document 'xu-2026' \((\d+)% of that document's", refused)
    assert share and int(share.group(1)) >= 90 and 50 <= int(share.group(2)) < 100, refused

    allowed = run_cli("add", str(copy), "--id", "tian-repost", "--title", "转载", *META, "--allow-duplicate", cwd=project_copy)
    assert allowed.returncode == 0 and "warning: " in allowed.stderr and "'tian-2025'" in allowed.stderr
    assert [e["id"] for e in manifest(project_copy)][-1] == "tian-repost"


def test_missing_metadata_is_named_and_shown_as_unknown(project_copy):
    from aidiscourse.report.sphinxext import documents_markdown

    source = project_copy.parent / "anon.txt"
    source.write_text("\n".join(PARAGRAPHS), encoding="utf-8")
    added = run_cli("add", str(source), "--id", "anon-doc", "--title", "无名文章", cwd=project_copy)
    assert added.returncode == 0, added.stderr
    assert "aidiscourse: warning: anon-doc: people, date, venue unknown" in added.stderr
    assert "--person, --date, --venue" in added.stderr
    row = next(line for line in documents_markdown(project_copy).splitlines() if line.startswith("| anon\\-doc"))
    cells = [c.strip() for c in row.strip("|").split(" | ")]
    assert cells[2] == "unknown" and cells[3] == "unknown, unknown" and cells[5] == "not stated"
    assert all(cells), row  # no empty cell


def test_twelve_adds_at_once_record_twelve_documents(project_copy):
    sources = []
    for i in range(12):
        path = project_copy.parent / f"par-{i:02d}.txt"
        path.write_text(f"第{i}篇：" + "。".join(f"这是第{i}篇文章的第{j}句话，讨论人工智能与制度的关系" for j in range(30)) + "。",
                        encoding="utf-8")
        sources.append(path)
    procs = [subprocess.Popen([sys.executable, "-m", "aidiscourse.cli", "add", str(p), "--id", p.stem, "--title", p.stem, *META],
                              cwd=project_copy, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True) for p in sources]
    results = [(p.wait(timeout=600), p.stderr.read()) for p in procs]
    for p in procs:
        p.stdout.close(), p.stderr.close()
    assert all(code == 0 for code, _ in results), results
    ids = [e["id"] for e in manifest(project_copy)]
    assert sorted(i for i in ids if i.startswith("par-")) == [p.stem for p in sources]  # twelve entries
    raw = sorted(p.name for p in (project_copy / "data" / "raw").iterdir())
    assert [n for n in raw if n.startswith("par-")] == [p.name for p in sources]  # twelve files, no orphan
    assert len(raw) == len(ids)


def test_two_prepares_at_once_leave_a_valid_cache(project_copy):
    procs = [subprocess.Popen([sys.executable, "-m", "aidiscourse.cli", "prepare", "--quiet"], cwd=project_copy,
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True) for _ in range(2)]
    outputs = [p.communicate(timeout=600) for p in procs]
    assert all(p.returncode == 0 for p in procs), outputs
    assert sorted(out.split(" (")[1].split(")")[0] for out, _ in outputs) == ["0 processed", "5 processed"]
    again = run_cli("prepare", "--quiet", cwd=project_copy)
    assert "5 documents (0 processed)" in again.stdout
    from aidiscourse.corpus.load import load_sentences

    assert len(load_sentences(Paths(project_copy))) > 1000


def test_a_command_waits_for_the_lock(project_copy):
    from aidiscourse.corpus.lock import project_lock

    source = project_copy.parent / "later.txt"
    source.write_text("\n".join(PARAGRAPHS), encoding="utf-8")
    with project_lock(Paths(project_copy)):
        proc = subprocess.Popen([sys.executable, "-m", "aidiscourse.cli", "add", str(source), "--id", "later-doc",
                                 "--title", "稍后", *META], cwd=project_copy, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        time.sleep(4)
        assert proc.poll() is None  # still waiting
        assert "later-doc" not in (project_copy / "data" / "corpus.yml").read_text(encoding="utf-8")
    out, err = proc.communicate(timeout=300)
    assert proc.returncode == 0 and "waiting for another aidiscourse command to finish" in err, err
    assert manifest(project_copy)[-1]["id"] == "later-doc"


def test_a_failed_manifest_write_leaves_no_orphan(project_copy, monkeypatch):
    from aidiscourse.corpus import manifest as module

    source = project_copy.parent / "fails.txt"
    source.write_text("\n".join(PARAGRAPHS), encoding="utf-8")
    real = module._atomic_write

    def fail_on_manifest(path, payload):
        if path.name == "corpus.yml":
            raise OSError("disk full")
        real(path, payload)

    monkeypatch.setattr(module, "_atomic_write", fail_on_manifest)
    before = tree_digest(project_copy / "data")
    with pytest.raises(OSError):
        module.add_document(Paths(project_copy), source, doc_id="fails-doc", title="失败")
    assert tree_digest(project_copy / "data") == before


def test_prepare_reports_an_orphan_with_the_command_that_fixes_it(project_copy):
    orphan = project_copy / "data" / "raw" / "left-over.txt"
    orphan.write_text("\n".join(PARAGRAPHS), encoding="utf-8")
    result = run_cli("prepare", "--quiet", cwd=project_copy)
    assert result.returncode == 0
    warning = next(line for line in result.stderr.splitlines() if "left-over" in line)
    assert "data/raw/left-over.txt is in no manifest entry" in warning
    command = re.search(r"`aidiscourse (add [^`]+)`", warning).group(1).replace("TITLE", "遗留文章").split()
    fixed = run_cli(*command, *META, cwd=project_copy)
    assert fixed.returncode == 0, fixed.stderr
    assert manifest(project_copy)[-1]["file"] == "left-over.txt" and orphan.read_text(encoding="utf-8") == "\n".join(PARAGRAPHS)
    assert "no manifest entry" not in run_cli("prepare", "--quiet", cwd=project_copy).stderr


def test_terms_suggest_prints_candidates_and_add_records_when_and_why(project_copy):
    suggested = run_cli("terms", "suggest", "--input", str(LAW), "--top", "5", cwd=project_copy)
    assert suggested.returncode == 0, suggested.stderr
    table = pd.read_csv(io.StringIO(suggested.stdout), sep="\t")
    assert list(table.columns) == ["term", "frequency", "pmi", "left_entropy", "right_entropy", "score", "split_as", "context"]
    assert any("反恐怖主义" in t for t in table.term), table  # a domain term of a document the book does not have
    assert all(t in c for t, c in zip(table.term, table.context))

    bad = one_line_error(run_cli("terms", "suggest", "--add", "不 是", cwd=project_copy))
    assert "not a term" in bad
    added = run_cli("terms", "suggest", "--add", "反恐怖主义", "修昔底德陷阱", "--reason", "审阅后接受", cwd=project_copy)
    assert added.returncode == 0, added.stderr
    lines = (project_copy / "data" / "lexicons" / "userdict.txt").read_text(encoding="utf-8").splitlines()
    assert re.fullmatch(r"# \d{4}-\d{2}-\d{2}, added with `aidiscourse terms suggest --add`: 审阅后接受", lines[-3])
    assert lines[-2:] == ["反恐怖主义 30000 n", "修昔底德陷阱 30000 n"]
    from aidiscourse.corpus.newwords import accepted_terms

    assert accepted_terms(project_copy / "data" / "lexicons" / "userdict.txt").term.tolist() == ["反恐怖主义", "修昔底德陷阱"]
    tokens = run_cli("tokenize", cwd=project_copy, input="避免修昔底德陷阱\n").stdout.split()
    assert "修昔底德陷阱" in tokens
    again = run_cli("terms", "suggest", "--add", "修昔底德陷阱", cwd=project_copy)
    assert "already in data/lexicons/userdict.txt: 修昔底德陷阱" in again.stderr
