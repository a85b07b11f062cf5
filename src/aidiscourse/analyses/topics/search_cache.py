"""Keep the fits of a topic search on disk, so a second run reads instead of refitting.

A search is stored as two files in the cache folder, named by its key:

* ``search-<key>.npz``: the arrays of every fit (``<model>-<k>-<seed>-topic_term`` and
  ``...-passage_topic``), plain float arrays read back with ``allow_pickle=False``, so
  reading the cache never runs code;
* ``search-<key>.json``: the full key and, for each fit, its model, K, seed, iterations
  used and array names.
  It is written last and so marks a complete entry.

The key is :func:`aidiscourse.cache.fingerprint` over the whole
``aidiscourse/analyses/topics`` folder (any change of the topic code refits), the
passage-term matrix, the list of tasks and the numerical library versions. Only the
current search is kept: writing one removes the other ``search-*`` files of the folder.
"""
from __future__ import annotations

import hashlib
import io
import json
import zipfile
from collections.abc import Sequence
from pathlib import Path

import numpy as np

from aidiscourse.analyses.topics.model import Fit, TermMatrix
from aidiscourse.cache import atomic_write, fingerprint

#: The code whose change invalidates the cache: this whole subpackage.
TOPICS_CODE = Path(__file__).parent
FORMAT = 1


def matrix_digest(tm: TermMatrix) -> str:
    """SHA-256 of the counts (values, indices, row pointers) and the vocabulary of ``tm``."""
    digest = hashlib.sha256()
    counts = tm.counts.tocsr()
    for part in (counts.data, counts.indices, counts.indptr):
        digest.update(np.ascontiguousarray(part).tobytes())
    digest.update("\x1f".join(map(str, tm.vocabulary)).encode("utf-8"))
    return digest.hexdigest()


def search_key(tm: TermMatrix, tasks: Sequence[tuple[str, int, int]]) -> str:
    """The cache key of a search: topic code, input matrix, tasks and library versions."""
    import sklearn

    return fingerprint(TOPICS_CODE, extra=[matrix_digest(tm), json.dumps([list(t) for t in tasks]),
                                           f"sklearn {sklearn.__version__}", f"numpy {np.__version__}"])


def _paths(cache_dir: str | Path, key: str) -> tuple[Path, Path]:
    stem = Path(cache_dir) / f"search-{key[:20]}"
    return stem.with_suffix(".npz"), stem.with_suffix(".json")


def _array_name(task: tuple[str, int, int], part: str) -> str:
    model, k, seed = task
    return f"{model}-{k}-{seed}-{part}"


def read_fits(cache_dir: str | Path, tm: TermMatrix,
              tasks: Sequence[tuple[str, int, int]]) -> dict[tuple[str, int, int], Fit] | None:
    """The stored fits of exactly these tasks on ``tm``, or None if there is no complete entry.

    A missing, partial or unreadable entry gives None (the caller refits and rewrites it).
    """
    key = search_key(tm, tasks)
    npz_path, meta_path = _paths(cache_dir, key)
    if not (meta_path.is_file() and npz_path.is_file()):
        return None
    try:
        meta = json.loads(meta_path.read_text(encoding="utf-8"))
        if meta.get("key") != key or meta.get("format") != FORMAT:
            return None
        n_passages, n_terms = tm.counts.shape
        fits = {}
        with np.load(npz_path, allow_pickle=False) as arrays:
            for entry in meta["fits"]:
                task = (str(entry["model"]), int(entry["k"]), int(entry["seed"]))
                topic_term = arrays[entry["topic_term"]]
                passage_topic = arrays[entry["passage_topic"]]
                if topic_term.shape != (task[1], n_terms) or passage_topic.shape != (n_passages, task[1]):
                    return None
                fits[task] = Fit(*task, topic_term, passage_topic, int(entry.get("n_iter", 0)))
    except (OSError, ValueError, KeyError, TypeError, zipfile.BadZipFile):
        return None
    return fits if set(fits) == set(tasks) else None


def write_fits(cache_dir: str | Path, tm: TermMatrix, tasks: Sequence[tuple[str, int, int]],
               fits: dict[tuple[str, int, int], Fit]) -> Path:
    """Store ``fits`` under the key of (``tm``, ``tasks``) and drop older searches.

    Returns
    -------
    Path
        The metadata file (``search-<key>.json``).
    """
    key = search_key(tm, tasks)
    npz_path, meta_path = _paths(cache_dir, key)
    arrays, entries = {}, []
    for task in tasks:
        fit = fits[task]
        names = {part: _array_name(task, part) for part in ("topic_term", "passage_topic")}
        arrays[names["topic_term"]] = np.asarray(fit.topic_term, dtype=np.float64)
        arrays[names["passage_topic"]] = np.asarray(fit.passage_topic, dtype=np.float64)
        entries.append({"model": task[0], "k": int(task[1]), "seed": int(task[2]), "n_iter": int(fit.n_iter), **names})
    buffer = io.BytesIO()
    np.savez(buffer, **arrays)
    atomic_write(npz_path, buffer.getvalue())
    meta = {"format": FORMAT, "key": key, "fits": entries}
    atomic_write(meta_path, json.dumps(meta, indent=1) + "\n")  # last: marks the entry complete
    for old in Path(cache_dir).glob("search-*"):  # one search kept: the current one
        if old not in (npz_path, meta_path):
            old.unlink(missing_ok=True)
    return meta_path
