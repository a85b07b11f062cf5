"""The book's Chinese search language indexes exactly as Sphinx's, without a list lookup
per word (which made indexing grow with the square of the number of pages)."""
from __future__ import annotations


def index_words(lang, pages):
    """What Sphinx's IndexBuilder keeps of each page: the stems of the split words that pass the filter."""
    return [[lang.stem(w) for w in lang.split(text) if lang.word_filter(lang.stem(w))] for text in pages]


def test_chinese_search_language_gives_sphinxs_index(monkeypatch):
    from sphinx.search.zh import SearchChinese

    from aidiscourse.corpus.load import load_sentences
    from aidiscourse.report.sphinxext import chinese_search_language

    sentences = load_sentences()
    pages = ["".join(group.text) for _, group in sentences.groupby("doc_id")]
    # Latin words on some pages only: AI, GDP, DeepSeek, and acronyms a stem would shorten
    pages += ["AI 与 GDP 的关系；DeepSeek 发布了 R1。", "NVIDIA 的 GPUs 与多个 AIs 之比较，ABS 与 abs。"]
    monkeypatch.setattr(SearchChinese, "latin_terms", [])  # Sphinx's list lives on the class
    stock = SearchChinese({})
    ours = chinese_search_language()({})
    expected = index_words(stock, pages)
    assert index_words(ours, pages) == expected
    assert sum(map(len, expected)) > 10_000
    assert isinstance(ours.latin_terms, set) and "DeepSeek" in ours.latin_terms
    # a Latin word that stemming would shorten below 3 letters is kept whole
    assert ours.stem("AIs") == "ais" and ours.stem("ABS") == "abs"
