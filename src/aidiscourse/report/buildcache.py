"""Keep the notebook execution cache honest.

jupyter-cache re-executes a notebook only when its code cells change. The chapters'
results also depend on the package code, the raw texts, the manifest and the lexicons, so
``python -m aidiscourse.report.buildcache`` (run by ``make book`` before building) clears the
cache whenever any of those inputs changed since the last build. An unchanged project
keeps its cache and rebuilds in seconds.
"""
from __future__ import annotations

import shutil
import sys
from pathlib import Path

from aidiscourse.cache import fingerprint
from aidiscourse.config import find_root


def inputs_fingerprint(root: Path) -> str:
    """Fingerprint of every notebook input: the package's code and the project's data."""
    return fingerprint(root / "src" / "aidiscourse", root / "data")


def refresh(root: Path, cache: Path) -> bool:
    """Clear ``cache`` if the inputs changed since it was filled; return True if cleared."""
    stamp = cache.parent / ".notebook-inputs.sha256"
    current = inputs_fingerprint(root)
    if stamp.is_file() and stamp.read_text().strip() == current:
        return False
    # Sphinx re-reads (and myst-nb re-executes) only pages whose source changed, so its
    # saved environment goes too
    for stale in (cache, cache.parent / ".doctrees"):
        if stale.exists():
            shutil.rmtree(stale)
    stamp.parent.mkdir(parents=True, exist_ok=True)
    stamp.write_text(current + "\n")
    return True


def main() -> int:
    root = find_root()
    if refresh(root, root / "_build" / ".jupyter_cache"):
        print("notebook inputs changed: every chapter will be executed", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
