"""The command line, run as a user runs it, on copies of the project where it writes."""
import hashlib
from pathlib import Path

import pytest
import yaml

from conftest import ROOT, run_cli


def tree_digest(folder: Path) -> dict[str, str]:
    """SHA-256 of every file under ``folder``, derived data (``processed``, which also
    holds the project lock) left out."""
    return {str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest() for p in sorted(folder.rglob("*"))
            if p.is_file() and "processed" not in p.relative_to(folder).parts}


def test_tokenize_is_line_for_line_and_normalises():
    result = run_cli("tokenize", cwd=ROOT, input="隨著產業數字化轉型\n\n发展新质生产力与DeepSeek\n")
    assert result.returncode == 0, result.stderr
    assert result.stdout.split("\n")[:3] == ["随着 产业 数字化 转型", "", "发展 新质生产力 与 DeepSeek"]


def test_help_loads_no_analysis_code():
    import subprocess
    import sys

    code = "import sys; from aidiscourse.cli import build_parser; build_parser().format_help(); print('pandas' in sys.modules)"
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert result.stdout.strip() == "False", result.stderr
    assert "sentiment" in run_cli("--help", cwd=ROOT).stdout


@pytest.mark.parametrize("command", ["tokenize", "sentiment"])
def test_line_commands_refuse_text_that_is_not_utf8(tmp_path, command):
    import subprocess
    import sys

    bad = tmp_path / "gbk.txt"
    bad.write_bytes("人工智能的发展。\n".encode("gb18030"))
    from_file = run_cli(command, "--input", str(bad), cwd=ROOT)
    from_stdin = subprocess.run([sys.executable, "-m", "aidiscourse.cli", command], cwd=ROOT, input=bad.read_bytes(),
                                capture_output=True, timeout=300)
    assert from_file.returncode == 1 and from_file.stderr == f"aidiscourse: {bad}: not UTF-8 text\n"
    assert from_stdin.returncode == 1 and from_stdin.stderr == b"aidiscourse: standard input: not UTF-8 text\n"
    missing = run_cli(command, "--input", str(tmp_path / "nope.txt"), cwd=ROOT)
    assert missing.returncode == 1 and "no such file" in missing.stderr and "Traceback" not in missing.stderr


def test_sentences_prints_a_tsv_table():
    result = run_cli("sentences", cwd=ROOT)
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert lines[0].split("\t") == ["doc_id", "section", "paragraph", "sentence", "speaker", "role", "turn", "flag", "text", "tokens"]
    assert len(lines) > 1000
    assert all(line.count("\t") == 9 for line in lines)


def test_errors_are_one_line_without_traceback(tmp_path):
    result = run_cli("sentences", cwd=tmp_path)
    assert result.returncode != 0
    assert result.stderr.strip().count("\n") == 0
    assert result.stderr.startswith("aidiscourse: no project found")


NEW_TEXT = "人工智能的发展需要制度保障。市场与政府的关系决定了创新的方向。\n" * 20


def test_add_then_prepare_processes_only_the_new_document(project_copy):
    first = run_cli("prepare", "--quiet", cwd=project_copy)
    assert first.returncode == 0, first.stderr
    assert "5 documents (5 processed)" in first.stdout
    again = run_cli("prepare", "--quiet", cwd=project_copy)
    assert "(0 processed)" in again.stdout

    source = project_copy.parent / "new.txt"
    source.write_text(NEW_TEXT, encoding="utf-8")
    added = run_cli("add", str(source), "--id", "new-2026", "--title", "新文", "--source-type", "article",
                    "--person", "某作者:author", "--date", "2026-01", cwd=project_copy)
    assert added.returncode == 0, added.stderr
    raw = project_copy / "data" / "raw" / "new-2026.txt"
    assert raw.read_bytes() == source.read_bytes()
    entry = yaml.safe_load((project_copy / "data" / "corpus.yml").read_text(encoding="utf-8"))["documents"][-1]
    assert entry["id"] == "new-2026" and entry["sha256"] == hashlib.sha256(raw.read_bytes()).hexdigest()

    after = run_cli("prepare", "--quiet", cwd=project_copy)
    assert "6 documents (1 processed)" in after.stdout
    table = run_cli("sentences", cwd=project_copy).stdout
    assert "new-2026\tbody" in table


@pytest.mark.parametrize("encoding", ["gb18030", "big5"])
def test_add_converts_legacy_encodings(project_copy, encoding):
    text = "中國與民主資本主義體系。產業革命與制度競爭。\n" * 10
    source = project_copy.parent / f"legacy-{encoding}.txt"
    source.write_bytes(text.encode(encoding))
    result = run_cli("add", str(source), "--id", f"legacy-{encoding}", "--title", "旧编码", "--source-type", "article", cwd=project_copy)
    assert result.returncode == 0, result.stderr
    assert (project_copy / "data" / "raw" / f"legacy-{encoding}.txt").read_text(encoding="utf-8") == text
    entry = yaml.safe_load((project_copy / "data" / "corpus.yml").read_text(encoding="utf-8"))["documents"][-1]
    assert entry["original_encoding"] == encoding
    assert entry["script"] == "traditional"


def _refusal_cases(tmp: Path):
    good = tmp / "good.txt"
    good.write_text(NEW_TEXT, encoding="utf-8")
    empty = tmp / "empty.txt"
    empty.write_bytes(b"")
    binary = tmp / "binary.txt"
    binary.write_bytes(bytes(range(256)) * 8)
    unknown = tmp / "binary.bin"
    unknown.write_bytes(bytes(range(256)) * 8)
    undecodable = tmp / "undecodable.txt"
    undecodable.write_bytes(b"\x81\x30\xff\xfe\xfd\xfc" * 50 + b"\xff" * 20)
    return {
        "existing id": (["add", str(good), "--id", "zhong-2025", "--title", "t", "--source-type", "article"], "already in the manifest"),
        "unknown source type": (["add", str(good), "--id", "x-1", "--title", "t", "--source-type", "blog"], "unknown source type 'blog'"),
        "empty file": (["add", str(empty), "--id", "x-2", "--title", "t", "--source-type", "article"], "file is empty"),
        "not text": (["add", str(binary), "--id", "x-3", "--title", "t", "--source-type", "article"], "not a text file"),
        "unknown file type": (["add", str(unknown), "--id", "x-5", "--title", "t"], "unknown file type '.bin'"),
        "undecodable": (["add", str(undecodable), "--id", "x-4", "--title", "t", "--source-type", "article"], "not a text file|cannot be decoded"),
        "bad id": (["add", str(good), "--id", "Bad Id", "--title", "t", "--source-type", "article"], "field 'id'"),
    }


@pytest.mark.parametrize("case", ["existing id", "unknown source type", "empty file", "not text", "unknown file type", "undecodable", "bad id"])
def test_add_refuses_with_one_line_and_changes_nothing(project_copy, case):
    import re

    args, message = _refusal_cases(project_copy.parent)[case]
    before = tree_digest(project_copy / "data")
    result = run_cli(*args, cwd=project_copy)
    assert result.returncode == 1
    assert re.search(message, result.stderr), result.stderr
    assert len(result.stderr.strip().splitlines()) == 1 and "Traceback" not in result.stderr
    assert tree_digest(project_copy / "data") == before


def test_prepare_refuses_a_changed_raw_file(project_copy):
    raw = project_copy / "data" / "raw" / "xu-2026.txt"
    raw.write_bytes(raw.read_bytes().replace("许".encode(), "徐".encode(), 1))
    result = run_cli("prepare", "--quiet", cwd=project_copy)
    assert result.returncode == 1
    assert "data/raw/xu-2026.txt: SHA-256" in result.stderr and "does not match" in result.stderr


def test_notebook_cache_is_cleared_when_inputs_change(project_copy):
    from aidiscourse.report.buildcache import refresh

    cache = project_copy / "_build" / ".jupyter_cache"
    cache.mkdir(parents=True)
    assert refresh(project_copy, cache) is True  # first build: no stamp yet
    cache.mkdir()
    (cache / "db").write_text("x")
    assert refresh(project_copy, cache) is False and (cache / "db").exists()  # nothing changed
    # caches that a build writes under data/processed are outputs, not inputs
    (project_copy / "data" / "processed" / "ledger").mkdir(parents=True, exist_ok=True)
    (project_copy / "data" / "processed" / "ledger" / "claims.parquet").write_bytes(b"cache")
    assert refresh(project_copy, cache) is False and (cache / "db").exists()
    with open(project_copy / "data" / "lexicons" / "userdict.txt", "a", encoding="utf-8") as fh:
        fh.write("新词 100 n\n")
    (project_copy / "_build" / ".doctrees").mkdir()
    assert refresh(project_copy, cache) is True and not cache.exists()  # a lexicon changed
    assert not (project_copy / "_build" / ".doctrees").exists()
