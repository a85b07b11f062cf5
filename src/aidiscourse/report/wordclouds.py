"""Word clouds in Chinese, drawn the same way for every document.

Every cloud has the same size, the same colour map and the same seed, and draws with the
CJK font the package installs (:func:`aidiscourse.report.render.cjk_font_path`), so clouds compare
across documents and two runs give the same pixels. A cloud is a picture for orientation;
the numbers behind it are in the chapter's tables.
"""
from __future__ import annotations

import io
from typing import Mapping, Sequence

import numpy as np
import pandas as pd

from aidiscourse.config import SEED
from aidiscourse.errors import fail
from aidiscourse.report.charts import MAX_DOCUMENT_PANELS, Selection
from aidiscourse.report.render import cjk_font_path, configure_matplotlib, uncovered_characters

#: Size of every cloud in pixels.
WIDTH, HEIGHT = 640, 400
#: One sequential colour map for all clouds: the dark 70 % of matplotlib's cividis
#: (perceptually uniform, colour-blind safe), so that no word is pale on white.
COLORMAP = "cividis"
COLORMAP_RANGE = (0.0, 0.7)


def cloud_colormap(name: str = COLORMAP, value_range: tuple[float, float] = COLORMAP_RANGE):
    """The clouds' colour map: ``name`` restricted to ``value_range``."""
    from matplotlib import colormaps
    from matplotlib.colors import ListedColormap

    base = colormaps[name]
    return ListedColormap(base(np.linspace(*value_range, 256)), name=f"{name}_dark")


def make_cloud(frequencies: Mapping[str, float], *, max_words: int = 80, width: int = WIDTH, height: int = HEIGHT,
               colormap: str = COLORMAP, random_state: int = SEED):
    """Lay out a word cloud from term weights.

    Parameters
    ----------
    frequencies : mapping of str to float
        Term -> weight (count, rate or keyness score); only positive weights are drawn.
    max_words : int
        Draw at most this many terms, the heaviest first (ties broken by term, so the
        input order does not matter).
    width, height : int
        Canvas size in pixels.
    colormap : str
        Matplotlib colour map name (restricted to :data:`COLORMAP_RANGE`).
    random_state : int
        Seed of the layout and colours.

    Returns
    -------
    wordcloud.WordCloud
        The fitted cloud; ``.layout_`` lists the words drawn, ``.to_array()`` the pixels.

    Raises
    ------
    AidiscourseError
        If no term has a positive weight.
    """
    from wordcloud import WordCloud

    items = sorted(((w, float(v)) for w, v in frequencies.items() if v > 0), key=lambda x: (-x[1], x[0]))[:max_words]
    if not items:
        raise fail("a word cloud needs at least one term with a positive weight")
    wc = WordCloud(
        font_path=str(cjk_font_path()), width=width, height=height, background_color="white",
        colormap=cloud_colormap(colormap), random_state=random_state, max_words=max_words, prefer_horizontal=1.0,
        collocations=False, normalize_plurals=False, include_numbers=True, margin=4,
    )
    return wc.generate_from_frequencies(dict(items))


def drawn_words(cloud) -> list[str]:
    """The words a fitted cloud actually placed on the canvas."""
    return [item[0][0] for item in cloud.layout_]


def uncovered_in_cloud(cloud) -> set[str]:
    """Characters of the drawn words that the CJK font cannot render (should be empty)."""
    return uncovered_characters("".join(drawn_words(cloud)))


def cloud_grid(clouds: Sequence, titles: Sequence[str], *, ncols: int = 2, dpi: int = 100, note: str = "") -> bytes:
    """Arrange fitted clouds in a grid with titles and return it as PNG bytes.

    Parameters
    ----------
    clouds : sequence of wordcloud.WordCloud
    titles : sequence of str
        One title per cloud (Latin or Chinese; drawn with the CJK font).
    ncols : int
        Clouds per row.
    dpi : int
    note : str
        A line above the grid (which documents are shown), if any.

    Returns
    -------
    bytes
        A PNG image; show it with ``IPython.display.Image(data=...)``.
    """
    import matplotlib

    matplotlib.use("Agg", force=False)
    import matplotlib.pyplot as plt

    configure_matplotlib()
    n = len(clouds)
    ncols = max(1, min(ncols, n))
    nrows = int(np.ceil(n / ncols))
    w, h = clouds[0].width, clouds[0].height
    top = 0.5 if note else 0.0
    fig, axes = plt.subplots(nrows, ncols, figsize=(ncols * w / dpi, nrows * (h / dpi + 0.4) + top), dpi=dpi,
                             squeeze=False)
    for ax in axes.flat:
        ax.axis("off")
    for ax, cloud, title in zip(axes.flat, clouds, titles):
        ax.imshow(cloud.to_array(), interpolation="bilinear")
        ax.set_title(title, fontsize=12)
    if note:
        fig.suptitle(note, fontsize=12)
    fig.tight_layout()
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=dpi, metadata={"Software": None})
    plt.close(fig)
    return buf.getvalue()


def document_clouds(table: pd.DataFrame, weight: str, *, max_words: int = 80, ncols: int = 2,
                    random_state: int = SEED, selection: Selection | None = None) -> bytes:
    """One cloud per document, sized by a column of a term table, in a grid (PNG bytes).

    At most :data:`~aidiscourse.report.charts.MAX_DOCUMENT_PANELS` clouds are drawn: the
    documents of ``selection``, or else the first ones of the table; the image then says
    above the grid which documents it shows.

    Parameters
    ----------
    table : DataFrame
        Columns doc_id, term and ``weight`` (e.g. a frequency table's ``per_10k`` or a
        keyness table's ``g2``).
    weight : str
        The column that sizes the terms.
    max_words, random_state
        See :func:`make_cloud`.
    ncols : int
        Clouds per row (:func:`cloud_grid`).
    selection : Selection, optional
        The documents to draw (:func:`aidiscourse.report.charts.select_documents`).

    Returns
    -------
    bytes
        A PNG image, documents in their order in ``table``, each titled with its id.
    """
    present = list(dict.fromkeys(table["doc_id"]))
    if selection is None:
        selection = Selection(present[:MAX_DOCUMENT_PANELS], len(present),
                              "" if len(present) <= MAX_DOCUMENT_PANELS else
                              f"Shown: the first {MAX_DOCUMENT_PANELS} of {len(present):,} documents.")
    chosen = [d for d in present if d in set(selection.documents)][:MAX_DOCUMENT_PANELS]
    if not chosen:
        raise fail("no document of the selection has terms to draw in a word cloud")
    groups = {doc: g for doc, g in table[table["doc_id"].isin(chosen)].groupby("doc_id", sort=False)}
    clouds = [make_cloud(dict(zip(groups[d]["term"], groups[d][weight])), max_words=max_words,
                         random_state=random_state) for d in chosen]
    return cloud_grid(clouds, chosen, ncols=ncols, note=selection.note)
