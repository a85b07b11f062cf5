"""aidiscourse: a reproducible comparison of Chinese texts on AI, innovation and institutions.

The package follows the data's path (see the README's architecture section):

- :mod:`aidiscourse.corpus`: raw files -> the processed sentence table (manifest,
  normalisation, cleaning, structure, segmentation, build, load, passages);
- :mod:`aidiscourse.analyses`: processed corpus -> findings (frequency, keyness,
  dispersion, phrases, contexts, topics, sentiment, synthesis, shared statistics);
- :mod:`aidiscourse.report`: findings -> the book (result tables, charts, glosses, word
  clouds, the Sphinx extension and the build cache).

:mod:`aidiscourse.config` holds the paths and the seed, :mod:`aidiscourse.errors` the one
user-facing error, :mod:`aidiscourse.cache` fingerprints and safe writes, and
:mod:`aidiscourse.cli` every subcommand.
"""
import os
import platform
from importlib.metadata import PackageNotFoundError, version

# One OpenBLAS kernel set on every x86-64 processor (its default picks by processor, and
# kernels round differently, which moved the tone findings between machines); effective
# when this package is imported before numpy, as by the command line. The Makefile sets it too.
if platform.machine().lower() in ("x86_64", "amd64"):
    os.environ.setdefault("OPENBLAS_CORETYPE", "Haswell")

try:
    __version__ = version("aidiscourse")
except PackageNotFoundError:  # running from a source tree without installation
    __version__ = "0+unknown"
