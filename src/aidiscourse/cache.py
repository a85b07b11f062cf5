"""Caches: one way to fingerprint inputs and one way to write a file.

Every cache in the project (the processed corpus, the topic search, the notebook cache)
is keyed by :func:`fingerprint` over whole folders of code and data, so that moving or
splitting a module can never leave a cache that should have been invalidated. Files are
written by :func:`atomic_write` (never half-written) and tables as Parquet with their
cache key in the file's metadata (:func:`write_parquet`, :func:`read_parquet`); nothing
is pickled, because loading a pickle runs code.

A cache keyed by sentence or paragraph (one that a corpus repeating its sentences would
hit) is switched off by the environment variable ``AIDISCOURSE_NO_SENTENCE_CACHE=1``
(:func:`sentence_cache_enabled`); the benchmark of synthetic forks sets it, so that its
figures are what a corpus of real, distinct documents costs.
"""
from __future__ import annotations

import hashlib
import os
import tempfile
from collections.abc import Iterable
from pathlib import Path

import pandas as pd

#: Parts of a path that never count as inputs.
IGNORED_PARTS = frozenset({"__pycache__", "processed", ".ipynb_checkpoints"})
IGNORED_SUFFIXES = frozenset({".pyc", ".tmp"})
KEY_FIELD = b"aidiscourse.cache_key"
_UMASK = os.umask(0)
os.umask(_UMASK)


def fingerprint(*inputs: str | os.PathLike, extra: Iterable[str] = ()) -> str:
    """SHA-256 over the relative names and contents of every file under ``inputs``.

    Parameters
    ----------
    *inputs : path-like
        Files or folders (searched recursively); missing ones count as absent.
    extra : iterable of str
        Further strings that belong in the key (parameters, versions).

    Returns
    -------
    str
        64 hexadecimal digits; equal for equal inputs, whatever the order of ``inputs``.
    """
    parts = []
    for top in (Path(p) for p in inputs):
        # each input is digested on its own and the digests sorted: the key depends on
        # neither the order of the inputs nor where the project or the package lies
        files = _hashed_files(top)
        # only hashed files are counted: a cache written under an ignored folder
        # (data/processed) must not change the key of the inputs it was built from
        digest = hashlib.sha256(f"{top.name}\0{len(files)}\0".encode())
        for path in files:
            digest.update(path.relative_to(top).as_posix().encode("utf-8") + b"\0")
            digest.update(hashlib.sha256(path.read_bytes()).digest())
        parts.append(digest.digest())
    digest = hashlib.sha256(b"".join(sorted(parts)))
    for item in extra:
        digest.update(str(item).encode("utf-8") + b"\0")
    return digest.hexdigest()


def _hashed_files(top: Path) -> list[Path]:
    """The files under ``top`` that count as inputs, sorted; ignored folders are not entered."""
    if top.is_file():
        return [top]
    found = []
    for folder, subfolders, names in os.walk(top):
        subfolders[:] = [d for d in subfolders if d not in IGNORED_PARTS]
        found += [path for path in map(Path(folder).joinpath, names)
                  if path.suffix not in IGNORED_SUFFIXES and path.is_file()]
    return sorted(found)


def atomic_write(path: str | os.PathLike, data: bytes | str) -> Path:
    """Write ``data`` to ``path`` through a temporary file in the same folder.

    A reader sees the old file or the new one, never a partial one, even when two
    processes write the same path at once.
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    payload = data.encode("utf-8") if isinstance(data, str) else data
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(payload)
        os.chmod(tmp, 0o666 & ~_UMASK)  # mkstemp makes files private; keep the usual permissions
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return path


#: Set to 1 to switch off every cache keyed by sentence or paragraph.
NO_SENTENCE_CACHE_ENV = "AIDISCOURSE_NO_SENTENCE_CACHE"


def sentence_cache_enabled() -> bool:
    """False when ``$AIDISCOURSE_NO_SENTENCE_CACHE`` is set to a true value (1, true, yes).

    Every cache whose entries are keyed by a sentence's or a paragraph's text must ask
    this before reading or writing an entry.
    """
    return os.environ.get(NO_SENTENCE_CACHE_ENV, "").strip().lower() not in {"1", "true", "yes"}


def parquet_bytes(table, *, key: str, small: bool = False) -> bytes:
    """A ``pyarrow.Table`` encoded as Parquet (zstd) with ``key`` in its metadata.

    ``small=True`` (for tables of a few hundred rows, written by the thousand) compresses
    with snappy and leaves out dictionary pages and column statistics: each costs more time
    than it saves there (zstd takes about twice as long on such a table, for a file a fifth
    smaller).
    """
    import pyarrow as pa
    import pyarrow.parquet as pq

    table = table.replace_schema_metadata({**(table.schema.metadata or {}), KEY_FIELD: key.encode()})
    sink = pa.BufferOutputStream()
    pq.write_table(table, sink, compression="snappy" if small else "zstd", use_dictionary=not small,
                   write_statistics=not small)
    return sink.getvalue().to_pybytes()


def write_table(table, path: str | os.PathLike, *, key: str, small: bool = False) -> Path:
    """Write a ``pyarrow.Table`` as Parquet with ``key`` in its metadata (atomically); see
    :func:`parquet_bytes`."""
    return atomic_write(path, parquet_bytes(table, key=key, small=small))


def write_parquet(df: pd.DataFrame, path: str | os.PathLike, *, key: str) -> Path:
    """Write ``df`` as Parquet with ``key`` in the file's metadata (atomically)."""
    import pyarrow as pa

    return write_table(pa.Table.from_pandas(df, preserve_index=False), path, key=key)


def read_table(source: str | os.PathLike | bytes):
    """Read a Parquet file, or Parquet bytes, as a ``pyarrow.Table`` (its metadata kept)."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    return pq.read_table(pa.BufferReader(source) if isinstance(source, bytes) else source)


def parquet_key(path: str | os.PathLike) -> str | None:
    """The cache key stored in a Parquet file, or None if the file is missing or unreadable."""
    import pyarrow.parquet as pq

    try:
        meta = pq.read_schema(path).metadata or {}
    except (OSError, ValueError):
        return None
    key = meta.get(KEY_FIELD)
    return key.decode() if key is not None else None


def read_parquet(path: str | os.PathLike) -> pd.DataFrame:
    """Read a table written by :func:`write_parquet`."""
    return pd.read_parquet(path)
