"""``make lab``: JupyterLab serves the ``.md`` chapters as notebooks and opens Markdown
files with jupytext by default. Runs where ``make lab`` has installed JupyterLab."""
from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

from conftest import ROOT

BIN = Path(sys.executable).parent


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _get(url: str) -> dict:
    with urllib.request.urlopen(url, timeout=10) as response:
        return json.load(response)


def test_jupyterlab_opens_the_chapters_as_notebooks():
    if not (BIN / "jupyter-lab").exists():
        pytest.skip("JupyterLab is not installed (`make lab` installs it)")
    port, token = _free_port(), "aidiscourse-test"
    args = [str(BIN / "jupyter-lab"), "notebooks", "--no-browser", f"--port={port}", f"--IdentityProvider.token={token}"]
    if hasattr(os, "geteuid") and os.geteuid() == 0:
        args.append("--allow-root")
    server = subprocess.Popen(args, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        base = f"http://127.0.0.1:{port}"
        for _ in range(120):
            try:
                _get(f"{base}/api/status?token={token}")
                break
            except OSError:
                time.sleep(0.5)
        chapters = sorted(p.name for p in (ROOT / "notebooks").glob("*.md"))
        assert chapters
        for name in chapters:
            model = _get(f"{base}/api/contents/{name}?type=notebook&content=1&token={token}")
            cells = model["content"]["cells"]
            assert model["type"] == "notebook" and any(c["cell_type"] == "code" for c in cells), name
            assert model["content"]["metadata"]["kernelspec"]["name"] == "python3"
        settings = _get(f"{base}/lab/api/settings/@jupyterlab/docmanager-extension:plugin?token={token}")
        assert settings["schema"]["properties"]["defaultViewers"]["default"]["markdown"] == "Jupytext Notebook"
    finally:
        server.terminate()
        server.wait(timeout=30)
