"""Findings -> the book: result tables, charts, glosses, word clouds and the Sphinx extension."""
