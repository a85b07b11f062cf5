"""Shared fixtures: the real project, and throw-away copies of it for commands that write."""
from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from aidiscourse.config import Paths

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="session")
def paths() -> Paths:
    return Paths(ROOT)


@pytest.fixture(scope="session", autouse=True)
def prepared(paths) -> None:
    """The processed corpus, brought up to date once: reading it never prepares."""
    from aidiscourse.corpus.build import prepare

    prepare(paths, progress=False)


@pytest.fixture(scope="session")
def all_sentences(paths):
    """The whole sentence table (all sections, flagged sentences included)."""
    from aidiscourse.corpus.load import load_sentences as sentences

    return sentences(paths, sections=None, include_flagged=True)


@pytest.fixture()
def project_copy(tmp_path) -> Path:
    """A copy of the project's data (manifest, raw texts, lexicons) to write into."""
    root = tmp_path / "project"
    (root / "data").mkdir(parents=True)
    shutil.copy2(ROOT / "data" / "corpus.yml", root / "data" / "corpus.yml")
    shutil.copytree(ROOT / "data" / "raw", root / "data" / "raw")
    shutil.copytree(ROOT / "data" / "lexicons", root / "data" / "lexicons")
    return root


def run_cli(*args: str, cwd: Path, input: str | None = None) -> subprocess.CompletedProcess:
    """Run ``aidiscourse ARGS`` in ``cwd`` as a user would."""
    return subprocess.run(
        [sys.executable, "-m", "aidiscourse.cli", *args],
        cwd=cwd,
        input=input,
        capture_output=True,
        text=True,
        encoding="utf-8",
        timeout=300,
    )
