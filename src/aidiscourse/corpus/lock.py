"""The project lock: one writer at a time.

Every command that writes the manifest, ``data/raw``, ``data/processed`` or the
lexicons (``add``, ``prepare``, ``terms suggest --add``) runs inside
:func:`project_lock`, an exclusive lock on a file in ``data/processed`` held with
``filelock`` (``flock`` on Unix). A second command waits, saying so, and re-reads the
manifest once it holds the lock, so that twelve ``aidiscourse add`` run at once record
twelve documents.
"""
from __future__ import annotations

import sys
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator

from aidiscourse.config import Paths
from aidiscourse.errors import fail

#: Seconds a command waits for another before giving up.
DEFAULT_TIMEOUT = 1800.0


def lock_path(paths: Paths) -> Path:
    """The lock file (derived data: git-ignored and outside every fingerprint)."""
    return paths.processed / ".aidiscourse.lock"


@contextmanager
def project_lock(paths: Paths, *, timeout: float = DEFAULT_TIMEOUT, quiet: bool = False) -> Iterator[None]:
    """Hold the project's lock for the duration of a ``with`` block.

    Parameters
    ----------
    paths : Paths
    timeout : float
        Seconds to wait for another command to finish before failing.
    quiet : bool
        Do not say on standard error that the command waits.

    Raises
    ------
    AidiscourseError
        If the lock is still held by another command after ``timeout`` seconds.

    Examples
    --------
    >>> with project_lock(paths):  # doctest: +SKIP
    ...     add_document(paths, "new.pdf", doc_id="new-2026")
    """
    from filelock import FileLock, Timeout

    path = lock_path(paths)
    path.parent.mkdir(parents=True, exist_ok=True)
    lock = FileLock(path)
    try:
        lock.acquire(timeout=0)
    except Timeout:
        if not quiet:
            print(f"aidiscourse: waiting for another aidiscourse command to finish ({path.relative_to(paths.root)})",
                  file=sys.stderr, flush=True)
        try:
            lock.acquire(timeout=timeout)
        except Timeout:
            raise fail(f"another aidiscourse command has held {path.relative_to(paths.root)} for over "
                       f"{timeout:.0f} s; wait for it to finish, or end it") from None
    try:
        yield
    finally:
        lock.release()
