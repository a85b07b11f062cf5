"""Human labels of topics: read from YAML, attached only to the topics they were written for.

A reader labels topics after seeing them; ``data/topic_labels.yml`` keeps each label
with the model, K and top terms it was written for and a one-line rationale. A label is
shown only while its topic still has those terms (:func:`apply_labels`), so a refit that
changes the topics can never leave a label on the wrong one. :func:`label_stub` writes the
entries to fill in for a new fit; :func:`label_template` (``aidiscourse topics labels``)
fits a model and K on the project's passages and writes those entries with what a reader
needs to label them: each topic's top terms with pinyin and gloss and its two most
representative passages.
"""
from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import pandas as pd
import yaml

from aidiscourse.config import Paths, project_paths
from aidiscourse.errors import fail

UNLABELLED = "(unlabelled)"
LABEL_FIELDS = frozenset({"model", "k", "top_terms", "label", "rationale"})


def labels_path(paths: Paths | None = None) -> Path:
    """``data/topic_labels.yml`` of the project."""
    paths = paths or project_paths()
    return paths.root / "data" / "topic_labels.yml"


def load_labels(path: str | Path) -> list[dict]:
    """Read the topic labels file.

    Parameters
    ----------
    path : path-like
        YAML with a list ``labels`` of entries with model, k, topic, top_terms, label,
        rationale. A missing file gives no labels.

    Returns
    -------
    list of dict

    Raises
    ------
    AidiscourseError
        If an entry lacks one of the required fields.
    """
    path = Path(path)
    if not path.is_file():
        return []
    data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    labels = data.get("labels") or []
    for entry in labels:
        missing = LABEL_FIELDS - set(entry)
        if missing:
            raise fail(f"{path}: a label entry lacks {', '.join(sorted(missing))}: {entry}")
    return labels


def apply_labels(terms: pd.DataFrame, labels: Sequence[dict], *, k: int, min_overlap: int = 8) -> pd.DataFrame:
    """Attach stored labels to fitted topics whose top terms match.

    A stored label fits a topic when its model and K are the fitted ones and at least
    ``min_overlap`` of its stored top terms are among the topic's top terms; each label
    is used at most once (the best-overlapping topic takes it). Otherwise the topic shows
    :data:`UNLABELLED`, so a label can never sit on a topic it was not written for.

    Parameters
    ----------
    terms : DataFrame
        :func:`aidiscourse.analyses.topics.inspect.topic_terms` of one model.
    labels : sequence of dict
        From :func:`load_labels`.
    k : int
        K of the fitted model.
    min_overlap : int
        Stored top terms that must still be among the topic's top terms.

    Returns
    -------
    DataFrame
        Columns model, topic, label, rationale, labelled, overlap, top_terms.
    """
    model = str(terms.model.iloc[0])
    fitted = {t: list(g.sort_values("rank").term) for t, g in terms.groupby("topic")}
    # an entry whose label is still empty (a template not yet filled in) labels nothing
    candidates = [e for e in labels if str(e["model"]) == model and int(e["k"]) == k and str(e["label"] or "").strip()]
    pairs = []
    for ci, entry in enumerate(candidates):
        stored = set(map(str, entry["top_terms"]))
        for t, top in fitted.items():
            overlap = len(stored & set(top))
            if overlap >= min_overlap:
                pairs.append((-overlap, t, ci))
    used_topics: dict[int, tuple[int, int]] = {}
    used_labels: set[int] = set()
    for neg, t, ci in sorted(pairs):  # the largest overlaps choose first
        if t in used_topics or ci in used_labels:
            continue
        used_topics[t] = (ci, -neg)
        used_labels.add(ci)
    rows = []
    for t, top in fitted.items():
        if t in used_topics:
            ci, overlap = used_topics[t]
            rows.append({"model": model, "topic": t, "label": str(candidates[ci]["label"]),
                         "rationale": str(candidates[ci]["rationale"]), "labelled": True, "overlap": overlap,
                         "top_terms": " ".join(top)})
        else:
            rows.append({"model": model, "topic": t, "label": UNLABELLED, "rationale": "", "labelled": False,
                         "overlap": 0, "top_terms": " ".join(top)})
    return pd.DataFrame(rows)


def label_stub(terms: pd.DataFrame, k: int) -> str:
    """YAML entries for the fitted topics, with empty label and rationale, to fill in."""
    entries = [{"model": str(g.model.iloc[0]), "k": int(k), "topic": int(t),
                "top_terms": list(g.sort_values("rank").term), "label": "", "rationale": ""}
               for t, g in terms.groupby("topic")]
    return yaml.safe_dump({"labels": entries}, allow_unicode=True, sort_keys=False)


TEMPLATE_HEADER = """\
# Labels to write for the topics of {model} with K = {k}, fitted on the project's passages
# (seed {seed}, topics numbered from the most to the least prevalent, as in
# notebooks/03_topics.md). For each topic, read its top terms and passages, then fill in
# `label` (a few words) and `rationale` (one line: which terms and passages support it),
# and copy the entries into the `labels` list of data/topic_labels.yml. `glosses` and
# `passages` are there to read; data/topic_labels.yml needs only model, k, topic,
# top_terms, label and rationale.
"""


def template_path(paths: Paths, model: str, k: int) -> Path:
    """Where ``aidiscourse topics labels`` writes by default: ``data/topic_labels_MODEL_kK.yml``."""
    return paths.root / "data" / f"topic_labels_{model}_k{k}.yml"


def label_template(paths: Paths | None = None, *, model: str, k: int, n_passages: int = 2) -> str:
    """A labels file to fill in for ``model`` at ``k`` topics, as YAML text.

    The model is fitted as the chapter fits it (the first seed of the search, the chapter's
    term matrix) on the prepared passages, so the top terms match those the chapter shows
    for that model and K. Each entry has the fields of ``data/topic_labels.yml`` (model, k,
    topic, top_terms, label and rationale left empty) and, to read while labelling,
    ``glosses`` (each top term with pinyin and gloss) and ``passages`` (id and text of the
    ``n_passages`` passages that load most on the topic).

    Raises
    ------
    AidiscourseError
        If ``model`` is unknown, ``k`` is below 2 or above the number of passages, or the
        corpus is not prepared.
    """
    from aidiscourse.analyses.topics import inspect, selection
    from aidiscourse.analyses.topics.model import MODELS, fit_topics, order_by_prevalence, term_matrix
    from aidiscourse.corpus import passages
    from aidiscourse.report.glossary import glossed

    paths = paths or project_paths()
    if model not in MODELS:
        raise fail(f"unknown model {model!r}; known: {', '.join(MODELS)}")
    units = passages.load_passages(paths)
    if not 2 <= k <= len(units):
        raise fail(f"K must be between 2 and the number of passages ({len(units)}), got {k}")
    tm = term_matrix(units.terms)
    seed = selection.seeds(1)[0]
    fit = order_by_prevalence(fit_topics(tm, k, model=model, random_state=seed), tm.lengths)
    terms = inspect.topic_terms(fit, tm.vocabulary)
    rep = inspect.representative_passages(fit, units, n=n_passages, min_terms=passages.MIN_TERMS, max_chars=400)
    entries = []
    for t, g in terms.groupby("topic"):
        top = [str(x) for x in g.sort_values("rank").term]
        shown = rep[rep.topic == t]
        entries.append({"model": model, "k": int(k), "topic": int(t), "top_terms": top, "label": "", "rationale": "",
                        "glosses": [glossed(x, paths=paths) for x in top],
                        "passages": [{"id": str(r.passage_id), "text": str(r.text)} for r in shown.itertuples()]})
    body = yaml.safe_dump({"labels": entries}, allow_unicode=True, sort_keys=False, width=100)
    return TEMPLATE_HEADER.format(model=model, k=k, seed=seed) + body


def write_label_template(path: str | Path, text: str, *, force: bool = False) -> Path:
    """Write a :func:`label_template`; an existing file is replaced only with ``force``."""
    path = Path(path)
    if path.exists() and not force:
        raise fail(f"{path} exists; pass --force to overwrite it")
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


def topic_names(labels: pd.DataFrame, *, n_terms: int = 3) -> dict[int, str]:
    """Display names of topics: ``"3 label"``, or ``"3 (unlabelled: t1 t2 t3)"``.

    Parameters
    ----------
    labels : DataFrame
        :func:`apply_labels` of one model.
    n_terms : int
        Top terms shown for an unlabelled topic.

    Examples
    --------
    >>> table = pd.DataFrame({"topic": [1, 2], "label": ["chips", UNLABELLED], "labelled": [True, False],
    ...                       "top_terms": ["芯片 算力", "民主 宪政 制度 自由"]})
    >>> topic_names(table)
    {1: '1 chips', 2: '2 (unlabelled: 民主 宪政 制度)'}
    """
    names = {}
    for row in labels.itertuples():
        if row.labelled:
            names[int(row.topic)] = f"{row.topic} {row.label}"
        else:
            names[int(row.topic)] = f"{row.topic} {UNLABELLED[:-1]}: {' '.join(row.top_terms.split()[:n_terms])})"
    return names
