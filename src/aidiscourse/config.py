"""Project paths and the one random seed.

Every command acts on the project whose root is the current directory or the nearest
parent that holds ``data/corpus.yml``, so a fork or a copy of the project works as is.
"""
from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from aidiscourse.errors import fail

#: The seed passed to every function that draws random numbers.
SEED = 20251024

#: The segmentation backend of ``prepare``: ``"rjieba"`` (the Rust port of jieba) or
#: ``"jieba"``. Both give the same tokens with the project's dictionary (a test checks the
#: whole corpus); rjieba is several times faster.
SEGMENTER_BACKEND = "rjieba"

MANIFEST_NAME = Path("data") / "corpus.yml"


def find_root(start: str | os.PathLike | None = None) -> Path:
    """Return the project root: the first directory upward that holds ``data/corpus.yml``.

    Parameters
    ----------
    start : path-like, optional
        Where to start looking; defaults to the environment variable
        ``AIDISCOURSE_ROOT`` if set, else the current directory.

    Raises
    ------
    AidiscourseError
        If no such directory exists.
    """
    start = Path(start or os.environ.get("AIDISCOURSE_ROOT") or Path.cwd()).resolve()
    for candidate in (start, *start.parents):
        if (candidate / MANIFEST_NAME).is_file():
            return candidate
    raise fail(f"no project found: neither {start} nor a parent holds {MANIFEST_NAME}")


@dataclass(frozen=True)
class Paths:
    """The folders and files of one project, all derived from its root."""

    root: Path

    def __post_init__(self):
        object.__setattr__(self, "root", Path(self.root))

    @property
    def manifest(self) -> Path:
        return self.root / MANIFEST_NAME

    @property
    def raw(self) -> Path:
        return self.root / "data" / "raw"

    @property
    def processed(self) -> Path:
        return self.root / "data" / "processed"

    @property
    def lexicons(self) -> Path:
        return self.root / "data" / "lexicons"

    @property
    def results(self) -> Path:
        return self.root / "results"

    @property
    def user_dict(self) -> Path:
        return self.lexicons / "userdict.txt"

    @property
    def stopwords_extra(self) -> Path:
        return self.lexicons / "stopwords_extra.txt"


def project_paths(start: str | os.PathLike | None = None) -> Paths:
    """Return the :class:`Paths` of the project found from ``start`` (see :func:`find_root`)."""
    return Paths(find_root(start))
