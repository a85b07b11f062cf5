"""Keep the notebook execution cache honest.

jupyter-cache re-executes a notebook only when its code cells change. The chapters'
results also depend on the package code, the raw texts, the manifest and the lexicons, so
``python -m aidiscourse.buildcache`` (run by ``make book`` before building) clears the
cache whenever any of those inputs changed since the last build. An unchanged project
keeps its cache and rebuilds in seconds.
"""
from __future__ import annotations

import hashlib
import shutil
import sys
from pathlib import Path

#: Inputs of the notebooks besides their own code, relative to the project root.
INPUT_GLOBS = ("src/aidiscourse/**/*.py", "src/aidiscourse/**/*.json", "data/**/*")
EXCLUDE_PARTS = ("processed", "__pycache__")


def inputs_fingerprint(root: Path) -> str:
    """SHA-256 over the paths and contents of every notebook input."""
    digest = hashlib.sha256()
    files = sorted({p for pattern in INPUT_GLOBS for p in root.glob(pattern)
                    if p.is_file() and not any(part in EXCLUDE_PARTS for part in p.relative_to(root).parts)})
    for path in files:
        digest.update(path.relative_to(root).as_posix().encode("utf-8") + b"\0")
        digest.update(hashlib.sha256(path.read_bytes()).digest())
    return digest.hexdigest()


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
    from .config import find_root

    root = find_root()
    if refresh(root, root / "_build" / ".jupyter_cache"):
        print("notebook inputs changed: every chapter will be executed", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
