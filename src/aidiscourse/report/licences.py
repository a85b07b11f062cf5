"""What a reader may do with each text: its licence, stated in words, with a link.

:func:`licence_terms` reads the manifest's ``licence`` field (Creative Commons, public
domain, not stated, or anything else); :func:`licence_markdown` writes the Texts page's
licence section, with :data:`NOT_STATED` for texts that state none.
"""
from __future__ import annotations

import re

from aidiscourse.corpus.manifest import Document
from aidiscourse.report import links
from aidiscourse.report.escape import code_span, md_text

#: What a reader may do with a text whose licence is not stated (on the Texts page).
NOT_STATED = (
    "**Texts whose licence is not stated** stay under their authors' and publishers' copyright. "
    "They are shown here for non-commercial research, so that every number in the book can be "
    "checked against the words it counts; that gives you no licence. You may read them here, cite "
    "them, and quote short passages with attribution for research, criticism and teaching, as "
    "copyright law allows where you are (quotation, fair use or fair dealing). To republish a text "
    "or large parts of it, translate it, or use it commercially, ask the rights holder: the "
    "publisher named above."
)


_CC = re.compile(r"^CC[\s-]*(BY(?:[\s-]+(?:NC|ND|SA))*)(?:[\s-]+(\d\.\d))?$", re.IGNORECASE)
_CC_TERMS = {
    "NC": "for non-commercial purposes only",
    "ND": "unchanged only (no adapted versions may be shared)",
    "SA": "sharing adaptations under the same licence",
}


def licence_terms(licence: str) -> tuple[str, str | None]:
    """What a licence recorded in the manifest lets a reader do, and its URL.

    Parameters
    ----------
    licence : str
        The manifest's ``licence`` field, e.g. ``"CC BY-NC-ND"`` or ``"not stated"``.

    Returns
    -------
    statement : str
        One or two sentences, plain text.
    url : str or None
        The licence's deed, for Creative Commons licences.

    Examples
    --------
    >>> licence_terms("CC-BY-NC-ND")[1]
    'https://creativecommons.org/licenses/by-nc-nd/4.0/'
    >>> licence_terms("not stated")[1] is None
    True
    """
    value = " ".join(str(licence).split())
    if value.lower() in ("", "not stated", "unknown", "none"):
        return ("No licence is stated: the text stays under its authors' and publisher's copyright, "
                "and this book grants no rights in it (see below).", None)
    if value.lower() in ("cc0", "public domain"):
        return "The text is in the public domain: you may use it freely; crediting the source is good practice.", \
            "https://creativecommons.org/publicdomain/zero/1.0/"
    m = _CC.match(value)
    if m:
        parts = re.split(r"[\s-]+", m.group(1).upper())
        version = m.group(2) or "4.0"
        conditions = [_CC_TERMS[p] for p in parts[1:] if p in _CC_TERMS]
        statement = ("You may copy and redistribute the text, crediting its authors and source"
                     + (", " + ", ".join(conditions) if conditions else "") + ".")
        if not m.group(2):
            statement += " The source names no version of the licence; the link goes to version 4.0."
        return statement, f"https://creativecommons.org/licenses/{'-'.join(parts).lower()}/{version}/"
    return f"The licence is recorded as \u201c{value}\u201d: see the source for its terms.", None


def licence_markdown(docs: list[Document]) -> str:
    """The licence statement of every document (Markdown), in manifest order."""
    lines = [
        "Each text keeps its own licence, recorded in the manifest (`data/corpus.yml`). The book "
        "shows the texts as cleaned for the analyses; the text as received is the file named "
        "below in `data/raw/` of the repository, with its SHA-256 on the "
        "[build information](../book/build_info.md) page. The downloads below hold every text in full: "
        "each text's licence applies to its rows.",
        "",
    ]
    for doc in docs:
        statement, url = licence_terms(doc.record.get("licence", ""))
        name = f"[{md_text(doc.record['licence'])}]({url})" if url else md_text(doc.record["licence"])
        credit = "; ".join(p.name_en or p.name for p in (doc.authors or doc.people))
        lines.append(
            f"- **[{md_text(doc.id)}]({links.page_source(links.reader_page(doc.id), from_page=links.TEXTS_INDEX)})** ({code_span('data/raw/' + doc.file)}), licence: {name}. "
            f"{md_text(statement)} Credit: {md_text(credit)}, {md_text(doc.record.get('venue', ''))}, "
            f"{md_text(doc.record.get('date', ''))}."
        )
    lines += [
        "",
        NOT_STATED,
        "",
        "**This book's own prose, tables and figures** are licensed under "
        "[CC BY 4.0](https://creativecommons.org/licenses/by/4.0/) (credit \u201cthe aidiscourse "
        "contributors\u201d); its code under the MIT licence (`LICENSE`). To cite the book, use "
        "`CITATION.cff` in the repository.",
    ]
    return "\n".join(lines) + "\n"
