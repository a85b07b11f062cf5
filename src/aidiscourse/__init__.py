"""aidiscourse: a reproducible comparison of Chinese texts on AI, innovation and institutions.

The package follows the data's path: :mod:`config` (project paths, seed) ->
:mod:`manifest` (the corpus manifest and raw-file provenance) -> :mod:`normalize`
(Unicode, script, whitespace) -> :mod:`cleaning` (per source type) -> :mod:`structure`
(sections, speaker turns) -> :mod:`segment` (sentences and tokens) -> :mod:`corpus` (the
cached sentence table) -> analyses -> :mod:`figures`.
"""
from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("aidiscourse")
except PackageNotFoundError:  # running from a source tree without installation
    __version__ = "0+unknown"
