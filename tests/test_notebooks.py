"""Notebooks are stored without outputs and are all part of the book."""
import json

import yaml

from conftest import ROOT


def _toc_files(node) -> list[str]:
    found = []
    if isinstance(node, dict):
        if "file" in node:
            found.append(node["file"])
        if "root" in node:
            found.append(node["root"])
        for value in node.values():
            found += _toc_files(value)
    elif isinstance(node, list):
        for value in node:
            found += _toc_files(value)
    return found


def test_ipynb_notebooks_have_no_outputs():
    for path in sorted((ROOT / "notebooks").glob("*.ipynb")):
        nb = json.loads(path.read_text(encoding="utf-8"))
        for cell in nb["cells"]:
            if cell["cell_type"] == "code":
                assert not cell.get("outputs") and not cell.get("execution_count"), f"{path.name} has stored outputs"


def test_markdown_notebooks_are_text_notebooks_in_the_toc():
    toc = yaml.safe_load((ROOT / "_toc.yml").read_text(encoding="utf-8"))
    listed = set(_toc_files(toc))
    notebooks = sorted((ROOT / "notebooks").glob("*.md")) + sorted((ROOT / "notebooks").glob("*.ipynb"))
    assert notebooks
    for path in notebooks:
        assert f"notebooks/{path.stem}" in listed, f"{path.name} is not in _toc.yml"
        if path.suffix == ".md":
            head = path.read_text(encoding="utf-8").split("---")[1]
            assert "format_name: myst" in head and "kernelspec" in head
            assert "<output>" not in path.read_text(encoding="utf-8")


def test_notebooks_are_numbered_in_execution_order():
    """Sphinx executes notebooks in the order of their names: a notebook that reads a
    result table is numbered after the one that writes it (the findings page, shown first,
    reads the chapters' tables and is numbered last); the analyses appear in book order."""
    import re

    writers, readers = {}, []
    for path in sorted((ROOT / "notebooks").glob("*.md")):
        text = path.read_text(encoding="utf-8")
        # the table's name is the first .csv literal of the call (on its line or the next)
        for call in re.split(r"\bwrite_table\(", text)[1:]:
            writers[re.search(r'"([\w.]+\.csv)"', call).group(1)] = path.stem
        readers += [(path.stem, table) for table in re.findall(r'read_table\("([\w.]+\.csv)"', text)]
    assert readers, "no notebook reads a result table: the check below would be empty"
    for reader, table in readers:
        assert table in writers, f"{reader} reads {table}, which no notebook writes"
        assert writers[table] < reader, f"{reader} reads {table} but executes before {writers[table]} writes it"
    toc = yaml.safe_load((ROOT / "_toc.yml").read_text(encoding="utf-8"))
    chapters = [f for f in _toc_files(toc) if f.startswith("notebooks/")]
    answers = {reader for reader, _ in readers if reader > max(writers.values())}  # read every chapter
    analyses = [c for c in chapters if c.removeprefix("notebooks/") not in answers]
    assert analyses == sorted(analyses)


def test_every_chart_links_to_its_data():
    import re

    for path in sorted((ROOT / "notebooks").glob("*.md")):
        text = path.read_text(encoding="utf-8")
        calls = re.findall(r"\bshow\((.*?)\n```", text, flags=re.S)
        for call in calls:
            assert "data_link=" in call, f"{path.name}: a chart without a link to its data: show({call[:80]}…"


def _code_cells(text: str) -> list[tuple[int, list[str]]]:
    """(line number, code lines) of every ``{code-cell}`` of a MyST notebook, options excluded."""
    import re

    cells = []
    for match in re.finditer(r"^```\{code-cell\}[^\n]*\n(.*?)^```", text, flags=re.S | re.M):
        body = [line for line in match.group(1).splitlines() if not line.startswith(":")]
        code = [line for line in body if line.strip() and not line.lstrip().startswith("#")]
        cells.append((text[: match.start()].count("\n") + 1, code))
    return cells


def test_notebook_cells_are_short_and_define_nothing():
    for path in sorted((ROOT / "notebooks").glob("*.md")):
        cells = _code_cells(path.read_text(encoding="utf-8"))
        assert cells, f"{path.name}: no code cells found"
        for line, code in cells:
            assert len(code) <= 15, f"{path.name}:{line}: a cell of {len(code)} code lines (at most 15)"
            assert not any(c.startswith(("def ", "class ", "lambda")) for c in code), f"{path.name}:{line}: defines a function"
