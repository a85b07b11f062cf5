"""Read the processed corpus. Reading never writes: when the processed tables are missing
or older than the raw texts, manifest, code or lexicons, the error says to run
``aidiscourse prepare``.
"""
from __future__ import annotations

import pandas as pd

from aidiscourse.cache import parquet_key, read_parquet
from aidiscourse.config import Paths, project_paths
from aidiscourse.corpus.build import AUDIT_FILE, SENTENCES_FILE, expected_keys
from aidiscourse.corpus.manifest import verify_raw
from aidiscourse.corpus.segment import load_stopwords, terms
from aidiscourse.corpus.structure import ARGUMENT_SECTIONS
from aidiscourse.errors import fail


def _read_checked(paths: Paths, name: str) -> pd.DataFrame:
    docs, _, key = expected_keys(paths)
    for doc in docs:  # every read checks the raw files against the manifest
        verify_raw(paths, doc)
    path = paths.processed / name
    stored = parquet_key(path)
    if stored is None:
        raise fail(f"{path.relative_to(paths.root)} is missing: run `aidiscourse prepare` first")
    if stored != key:
        raise fail(f"{path.relative_to(paths.root)} is out of date (the texts, manifest, code or lexicons changed): "
                   "run `aidiscourse prepare`")
    return read_parquet(path)


def load_sentences(
    paths: Paths | None = None,
    *,
    sections: tuple[str, ...] | None = ARGUMENT_SECTIONS,
    include_flagged: bool = False,
) -> pd.DataFrame:
    """The sentence table of the processed corpus.

    Parameters
    ----------
    paths : Paths, optional
        The project; found from the current directory by default.
    sections : tuple of str or None
        Keep these sections (default: the argument, ``ARGUMENT_SECTIONS``);
        ``None`` keeps all.
    include_flagged : bool
        Keep sentences flagged as encoding-damaged.

    Returns
    -------
    DataFrame
        Columns ``SENTENCE_COLUMNS`` of :mod:`aidiscourse.corpus.build`, in manifest and
        text order.

    Raises
    ------
    AidiscourseError
        If the processed corpus is missing or stale.
    """
    paths = paths or project_paths()
    df = _read_checked(paths, SENTENCES_FILE)
    if sections is not None:
        df = df[df.section.isin(sections)]
    if not include_flagged:
        df = df[df.flag == ""]
    return df.reset_index(drop=True)


def load_cleaning_audit(paths: Paths | None = None) -> pd.DataFrame:
    """The cleaning audit: one row per document and step (see ``process_document``)."""
    return _read_checked(paths or project_paths(), AUDIT_FILE)


def content_terms(df: pd.DataFrame, paths: Paths | None = None) -> pd.Series:
    """Content terms of each sentence (stop words, numbers, punctuation removed).

    Parameters
    ----------
    df : DataFrame
        A sentence table (needs ``tokens``, space-separated).

    Returns
    -------
    Series of list of str
        Aligned with ``df``'s index.
    """
    paths = paths or project_paths()
    stop = load_stopwords(str(paths.stopwords_extra))
    return df["tokens"].map(lambda s: terms(s.split(), stop))
