"""Links from any page of the book to the texts themselves.

Every document has a reader page, generated at build time by
:mod:`aidiscourse.report.reader_pages`, at ``texts/read/<doc_id>.html``. On it

* paragraph ``n`` of the document (the ``paragraph`` column of the sentence table,
  counted from 1 over the whole document, every section included) carries the anchor
  ``#p-<n>``;
* sentence ``m`` (the ``sentence`` column, also counted from 1 over the whole document,
  not within its paragraph) carries the anchor ``#s-<m>``.

Chapters turn a reference into a link with :func:`passage_url` (a URL) or
:func:`passage_link` (an ``<a>`` element, escaped, for HTML tables), and a term into a
search of the concordance with :func:`concordance_url`. Every function takes the page
that shows the link as ``from_page`` (its path in the book without suffix, e.g.
``"notebooks/02_term_frequency"``; a chapter in ``notebooks/`` by default), because the
book is read from files and every link must be relative.

Examples
--------
>>> passage_url("zhong-2025", 12)
'../texts/read/zhong-2025.html#p-12'
>>> passage_url("zhong-2025", 12, 40)
'../texts/read/zhong-2025.html#s-40'
>>> passage_url("xu-2026", 3, from_page="book/findings")
'../texts/read/xu-2026.html#p-3'
>>> passage_url("xu-2026", 3, from_page="intro")
'texts/read/xu-2026.html#p-3'
>>> passage_link("xu-2026", 3, 7)
'<a class="aid-passage" href="../texts/read/xu-2026.html#s-7">xu-2026 ¶3</a>'
"""
from __future__ import annotations

import html
import posixpath
import re
from urllib.parse import quote

from aidiscourse.errors import fail

#: The folder of generated pages (git-ignored; rewritten by every build).
TEXTS_FOLDER = "texts"
#: The page listing the texts, their licences and the downloads.
TEXTS_INDEX = f"{TEXTS_FOLDER}/index"
#: The searchable concordance.
CONCORDANCE_PAGE = f"{TEXTS_FOLDER}/concordance"
#: The folder of the reader pages, one per document.
READER_FOLDER = f"{TEXTS_FOLDER}/read"
#: Where chapters live: the default ``from_page``.
CHAPTER_FOLDER = "notebooks"

_DOC_ID = re.compile(r"^[a-z0-9][a-z0-9-]{1,63}$")  # as in the manifest's schema


def paragraph_anchor(paragraph: int) -> str:
    """The id of paragraph ``paragraph`` on a reader page, e.g. ``"p-12"``."""
    return f"p-{_positive(paragraph, 'paragraph')}"


def sentence_anchor(sentence: int) -> str:
    """The id of sentence ``sentence`` (numbered over the whole document), e.g. ``"s-40"``."""
    return f"s-{_positive(sentence, 'sentence')}"


def reader_page(doc_id: str) -> str:
    """The page name (path without suffix) of a document's reader page."""
    if not isinstance(doc_id, str) or not _DOC_ID.match(doc_id):
        raise fail(f"{doc_id!r} is not a document id (lower-case letters, digits and hyphens)")
    return f"{READER_FOLDER}/{doc_id}"


def page_url(page: str, *, from_page: str | None = None) -> str:
    """The relative URL of page ``page`` (a path without suffix) from page ``from_page``.

    Parameters
    ----------
    page : str
        Target page, e.g. ``"texts/index"``.
    from_page : str, optional
        The page that shows the link, e.g. ``"book/intro"``; by default a chapter in
        ``notebooks/``.

    Examples
    --------
    >>> page_url("texts/index")
    '../texts/index.html'
    >>> page_url("texts/read/feng-2024", from_page="texts/concordance")
    'read/feng-2024.html'
    """
    here = posixpath.dirname(from_page if from_page is not None else f"{CHAPTER_FOLDER}/page") or "."
    return posixpath.relpath(f"{page}.html", here)


def page_source(page: str, *, from_page: str) -> str:
    """The relative path of page ``page``'s Markdown source from ``from_page``.

    A link to the source (rather than the HTML) is checked by Sphinx when it builds.

    Examples
    --------
    >>> page_source("texts/read/feng-2024", from_page=TEXTS_INDEX)
    'read/feng-2024.md'
    """
    return posixpath.relpath(f"{page}.md", posixpath.dirname(from_page) or ".")


def passage_url(doc_id: str, paragraph: int | None, sentence: int | None = None, *,
                from_page: str | None = None) -> str:
    """The relative URL of a paragraph or sentence on its document's reader page.

    Parameters
    ----------
    doc_id : str
        A document id of the manifest.
    paragraph : int or None
        The ``paragraph`` number of the sentence table (from 1, over the whole document).
        ``None`` when only the sentence is known.
    sentence : int, optional
        The ``sentence`` number of the sentence table (from 1, over the whole document,
        not within the paragraph). When given, the link points at the sentence, which the
        reader page highlights; otherwise at the paragraph.
    from_page : str, optional
        The page that shows the link, as a path in the book without suffix
        (``"notebooks/03_topics"``, ``"book/findings"``); by default a chapter in
        ``notebooks/``.

    Returns
    -------
    str
        For example ``"../texts/read/zhong-2025.html#p-12"``.

    Raises
    ------
    AidiscourseError
        If the id is not a document id, a number is not a positive integer, or neither a
        paragraph nor a sentence is given.

    Notes
    -----
    A passage of the topic models spans ``paragraph_first`` to ``paragraph_last``: link
    its first sentence, ``passage_url(doc_id, paragraph_first, sentence_first)``. The book's
    tests check that every link into ``texts/`` lands on an existing anchor.
    """
    if paragraph is None and sentence is None:
        raise fail(f"a link to {doc_id} needs a paragraph or a sentence number")
    anchor = sentence_anchor(sentence) if sentence is not None else paragraph_anchor(paragraph)
    if paragraph is not None:
        _positive(paragraph, "paragraph")
    return f"{page_url(reader_page(doc_id), from_page=from_page)}#{anchor}"


def passage_link(doc_id: str, paragraph: int | None, sentence: int | None = None, *,
                 label: str | None = None, from_page: str | None = None) -> str:
    """An HTML ``<a>`` to a passage (see :func:`passage_url`), its label escaped.

    Parameters
    ----------
    label : str, optional
        The link text; by default ``"<doc_id> ¶<paragraph>"`` (or ``"<doc_id> s.<sentence>"``
        without a paragraph).

    Returns
    -------
    str
        ``<a class="aid-passage" href="...">label</a>``.
    """
    url = passage_url(doc_id, paragraph, sentence, from_page=from_page)
    if label is None:
        label = f"{doc_id} ¶{paragraph}" if paragraph is not None else f"{doc_id} s.{sentence}"
    return f'<a class="aid-passage" href="{html.escape(url)}">{html.escape(str(label))}</a>'


def concordance_url(term: str, *, from_page: str | None = None) -> str:
    """The relative URL of the concordance page searching for ``term``.

    Examples
    --------
    >>> concordance_url("新质生产力")
    '../texts/concordance.html?term=%E6%96%B0%E8%B4%A8%E7%94%9F%E4%BA%A7%E5%8A%9B'
    """
    if not str(term).strip():
        raise fail("a concordance link needs a term")
    return f"{page_url(CONCORDANCE_PAGE, from_page=from_page)}?term={quote(str(term).strip())}"


def _positive(value, name: str) -> int:
    # numpy integers from a DataFrame are welcome; floats and bools are mistakes
    if isinstance(value, bool) or not hasattr(value, "__index__") or int(value) < 1:
        raise fail(f"{name} must be a positive whole number, not {value!r}")
    return int(value)
