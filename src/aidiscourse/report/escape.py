"""Text from documents and the manifest, made inert wherever the book shows it.

Titles, names, venues and sentences come from files a fork brings, so they may carry
HTML, MyST roles, substitutions or math. Three forms, one per context:

* :func:`md_text`: inline content of generated MyST Markdown;
* :func:`html_text`: text inside raw HTML (elements or attribute values);
* :func:`code_span`: a Markdown code span (shown verbatim).
"""
from __future__ import annotations

import html
import re

_ASCII_PUNCTUATION = re.compile(r"([!-/:-@\[-`{-~])")


def md_text(value) -> str:
    """A value as literal text inside generated MyST Markdown.

    Every ASCII punctuation character is backslash-escaped (CommonMark lets any of them
    be), so that no HTML tag, entity, MyST role or substitution, math, link or emphasis
    in a title or a name is interpreted: the reader sees the characters as written, and
    Sphinx escapes ``<`` and ``&`` in the page. Line breaks become spaces.

    Examples
    --------
    >>> print(md_text('<b onerror="x">{sub}`2` $a$</b>'))
    \\<b onerror\\=\\"x\\"\\>\\{sub\\}\\`2\\` \\$a\\$\\<\\/b\\>
    """
    return _ASCII_PUNCTUATION.sub(r"\\\1", " ".join(str(value).split()))


def html_text(value) -> str:
    """A value as text inside raw HTML: ``& < > " '`` as entities, braces too.

    Braces are escaped so that no MyST substitution (``{{ name }}``) can be spelled by a
    document. Line breaks become spaces.

    Examples
    --------
    >>> print(html_text('<img src=x onerror="a()"> {{ x }}'))
    &lt;img src=x onerror=&quot;a()&quot;&gt; &#123;&#123; x &#125;&#125;
    """
    escaped = html.escape(" ".join(str(value).split()), quote=True)
    return escaped.replace("{", "&#123;").replace("}", "&#125;")


def code_span(value) -> str:
    """A Markdown code span: its content is shown verbatim, so it is not escaped."""
    return "``" + " ".join(str(value).replace("`", "'").split()) + "``"
