"""Figures: offline Altair charts, the CJK font, shared colours.

Charts in the book are small JSON specs drawn by ``vegaEmbed`` from one JavaScript
bundle (vega, vega-lite, vega-embed) that the build writes into ``_static/`` with
:func:`write_vega_bundle`; no page loads chart code from a CDN. :func:`show` renders a
chart that way and links to the data behind it.
"""
from __future__ import annotations

import hashlib
import html
import importlib.util
import json
from functools import lru_cache
from pathlib import Path

from aidiscourse.errors import fail

#: Static file name of the vega bundle inside the book's ``_static`` folder.
VEGA_BUNDLE = "vega-bundle.js"

#: One categorical palette for documents across all chapters (colour-blind safe, Tableau 10).
PALETTE = ["#4e79a7", "#f28e2b", "#e15759", "#76b7b2", "#59a14f", "#edc948", "#b07aa1", "#ff9da7", "#9c755f", "#bab0ac"]

FONT_FAMILY = "Noto Sans CJK SC, Source Han Sans SC, Microsoft YaHei, PingFang SC, sans-serif"


def vega_lite_version() -> str:
    """The vega-lite major.minor version that Altair writes specs for."""
    import altair as alt

    return ".".join(alt.SCHEMA_VERSION.lstrip("v").split(".")[:2])


def write_vega_bundle(static_dir: str | Path) -> Path:
    """Write the vega + vega-lite + vega-embed bundle into ``static_dir``; return its path.

    The bundle comes from ``vl-convert-python`` (about 0.9 MB) and defines
    ``window.vegaEmbed``. It is rewritten only when its content changes.
    """
    import vl_convert

    static_dir = Path(static_dir)
    static_dir.mkdir(parents=True, exist_ok=True)
    target = static_dir / VEGA_BUNDLE
    # wrapped in a function: the bundle's top-level `const` names would otherwise clash
    # with other scripts of the page, which share one global scope
    bundle = "(function(){\n" + vl_convert.javascript_bundle(vl_version=vega_lite_version()) + "\n})();\n"
    if not target.is_file() or target.read_text(encoding="utf-8") != bundle:
        target.write_text(bundle, encoding="utf-8")
    return target


class Chart:
    """An Altair chart rendered for the book: a div and a ``vegaEmbed`` call.

    In the built book the HTML output is used; in Jupyter the Vega-Lite output is, so
    the chart also works in a notebook opened on its own.
    """

    def __init__(self, chart, *, data_link: str | None = None, caption: str | None = None):
        self.chart = chart
        self.spec = chart.to_dict()
        self.data_link = data_link
        self.caption = caption

    def _html(self) -> str:
        spec = json.dumps(self.spec, sort_keys=True, ensure_ascii=False)
        div_id = "vis-" + hashlib.sha256(spec.encode("utf-8")).hexdigest()[:12]
        spec_js = spec.replace("</", "<\\/")  # keep text such as </script> inert
        parts = [f'<div class="aid-chart" id="{div_id}"></div>']
        # drawn once the page is laid out: a chart of width "container" takes the column's
        # width when it is drawn, and before the sidebars are placed the column is wider
        parts.append(
            "<script>(function(){var el=document.getElementById(%s);function draw(){"
            "if(window.vegaEmbed){window.vegaEmbed(el,%s,{actions:false,renderer:'svg'})"
            ".catch(function(e){el.textContent='Chart error: '+e;console.error(e);});}"
            "else{el.textContent='This chart needs %s, which the book loads.';}}"
            "if(document.readyState==='complete'){draw();}else{window.addEventListener('load',draw);}})();</script>"
            % (json.dumps(div_id), spec_js, VEGA_BUNDLE)
        )
        links = []
        if self.caption:
            links.append(html.escape(self.caption))
        if self.data_link:
            name = html.escape(Path(self.data_link).name)
            links.append(f'Data behind this chart: <a class="aid-data-link" href="{html.escape(self.data_link)}">{name}</a>')
        if links:
            parts.append('<p class="aid-chart-note">' + " ".join(links) + "</p>")
        return "\n".join(parts)

    def _repr_mimebundle_(self, include=None, exclude=None):
        return {
            "text/html": self._html(),
            f"application/vnd.vegalite.v{vega_lite_version().split('.')[0]}+json": self.spec,
            "text/plain": f"<Chart {self.spec.get('title', '')}>",
        }


def show(chart, *, data_link: str | None = None, caption: str | None = None) -> Chart:
    """Return a displayable, offline-rendering wrapper of an Altair chart.

    Parameters
    ----------
    chart : altair.Chart (or layered / concatenated chart)
    data_link : str, optional
        Relative link to the CSV behind the chart, shown under it.
    caption : str, optional
        A sentence saying what to look for.
    """
    return Chart(chart, data_link=data_link, caption=caption)


def cjk_font_path() -> Path:
    """Path of a CJK font installed with the package (Noto Sans CJK SC from ``mplfonts``,
    SIL Open Font Licence). Located without importing ``mplfonts``."""
    spec = importlib.util.find_spec("mplfonts")
    if spec is None or spec.origin is None:
        raise fail("the CJK font package 'mplfonts' is not installed; run `make install`")
    return Path(spec.origin).parent / "fonts" / "NotoSansCJKsc-Regular.otf"


@lru_cache(maxsize=1)
def font_codepoints() -> frozenset[int]:
    """Code points the CJK font can draw (from its cmap table)."""
    from fontTools.ttLib import TTFont

    with TTFont(str(cjk_font_path()), lazy=True) as font:
        return frozenset(font.getBestCmap().keys())


def uncovered_characters(text: str) -> set[str]:
    """Characters of ``text`` (other than whitespace) that the CJK font cannot draw."""
    cps = font_codepoints()
    return {ch for ch in text if not ch.isspace() and ord(ch) not in cps}


def configure_matplotlib() -> None:
    """Make matplotlib draw Chinese with the packaged CJK font."""
    import matplotlib as mpl
    from matplotlib import font_manager

    path = cjk_font_path()
    font_manager.fontManager.addfont(str(path))
    name = font_manager.FontProperties(fname=str(path)).get_name()
    mpl.rcParams["font.family"] = [name, "sans-serif"]
    mpl.rcParams["axes.unicode_minus"] = False
