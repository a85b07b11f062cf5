"""Run the grid: every claim in every universe and with each document left out.

The expensive analyses (:data:`PARALLEL`: topic models, vocabulary distances, key terms
and the per-document shares) are computed in parallel by
:func:`aidiscourse.parallel.map_tasks`, once per distinct setting of the choices they
depend on; set ``AIDISCOURSE_SCHEDULER`` to a Dask scheduler address to run them on a
cluster. Everything else is memoised in-process. The ledger (``claims_robustness.csv``)
has one row per claim.
"""
from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import numpy as np
import pandas as pd

from aidiscourse.analyses.robustness import components as comp
from aidiscourse.analyses.robustness.claims import Claim, build_claims, holds, share
from aidiscourse.analyses.robustness.grid import CHOICES, baseline, n_universes, settings
from aidiscourse.analyses.stats import distance_matrix
from aidiscourse.analyses.synthesis import DISTANCE_METHODS, combined_distance
from aidiscourse.config import SEED
from aidiscourse.parallel import map_tasks

#: A claim is a finding when it holds in at least this share of universes and of
#: leave-one-document-out fits; below, it is fragile.
ROBUST_SHARE = 0.9
#: Up to this many documents each is left out in turn. Above it, the documents are left out
#: in :data:`LEAVE_OUT_GROUPS` seeded groups (a delete-d jackknife): leaving out one of
#: hundreds of documents barely moves a claim and would cost a topic fit per document.
LEAVE_ONE_OUT_MAX = 30
#: Groups of the grouped leave-out above :data:`LEAVE_ONE_OUT_MAX` documents.
LEAVE_OUT_GROUPS = 10

#: Choices each component depends on (its memo key).
DEPENDS = {
    "terms": ("user_dictionary", "stopwords"),
    "term_counts": ("user_dictionary", "stopwords", "min_count"),
    "key_terms": ("user_dictionary", "stopwords", "min_count", "logodds_prior"),
    "formulaic": ("user_dictionary", "resampling_unit"),
    "concepts": ("user_dictionary",),
    "tone": ("tone_method", "resampling_unit"),
    "target_tone": ("tone_method", "resampling_unit"),
    "tone_profile": ("tone_method",),
    "topic_fit": ("user_dictionary", "stopwords", "passages", "topic_k", "topic_family"),
    "distance_vocabulary": ("user_dictionary", "stopwords", "min_count"),
    "distance_concepts": ("user_dictionary",),
    "distance_topics": ("user_dictionary", "stopwords", "passages", "topic_k", "topic_family"),
    "distance_tone": ("tone_method",),
    "distance_combined": ("user_dictionary", "stopwords", "min_count", "passages", "topic_k", "topic_family",
                          "tone_method"),
}


#: The costly components the ledger computes in parallel, in every setting of the choices
#: they depend on and, at baseline, with each leave-out.
PARALLEL = ("topic_fit", "distance_vocabulary", "key_terms", "concepts", "formulaic", "tone", "target_tone")


class Components:
    """Memoised analyses: ``get(name, setting, drop)``.

    Parameters
    ----------
    inputs : Inputs
    precomputed : dict, optional
        Precomputed results by memo key (from :func:`compute_parallel`).
    """

    def __init__(self, inputs: comp.Inputs, precomputed: dict | None = None):
        self.inputs = inputs
        self.memo = dict(precomputed or {})

    @staticmethod
    def key(name: str, setting: dict, drop: str | None) -> tuple:
        return (name, tuple(setting[c] for c in DEPENDS[name]), drop)

    def get(self, name: str, setting: dict, drop: str | None = None):
        k = self.key(name, setting, drop)
        if k not in self.memo:
            self.memo[k] = self._compute(name, setting, drop)
        return self.memo[k]

    def _compute(self, name, s, drop):
        i = self.inputs
        if name == "distance_vocabulary":
            return comp.rarefied_distance(self.get("term_counts", s, drop))
        if name == "distance_concepts":
            return distance_matrix(self.get("concepts", s, drop))
        if name == "distance_topics":
            return comp.topic_distance(self.get("topic_fit", s, drop))
        if name == "distance_tone":
            return distance_matrix(self.get("tone_profile", s, drop), metric="euclidean")
        if name == "distance_combined":
            return combined_distance({m: self.get(f"distance_{m}", s, drop) for m in DISTANCE_METHODS})
        if name == "concepts":
            return comp.concept_profile(i, s, drop)
        return getattr(comp, name if name != "terms" else "sentence_terms")(i, s, drop)


def _compute_one(inputs: comp.Inputs, name: str, setting: dict, drop: str | None):
    return Components(inputs).get(name, setting, drop)


def compute_parallel(inputs: comp.Inputs, jobs: Sequence[tuple[str, dict, str | None]], *, n_jobs: int | None = None,
                     scheduler: str | None = None) -> dict:
    """Compute the components of ``jobs`` (name, setting, drop), each once, with
    :func:`aidiscourse.parallel.map_tasks` (local processes, or a Dask cluster given by
    ``scheduler`` or ``AIDISCOURSE_SCHEDULER``); returns memo keys -> results.

    The ledger sends its costly independent components here (:data:`PARALLEL`); a result
    is the same wherever it is computed.
    """
    unique = {}
    for name, s, drop in jobs:
        unique.setdefault(Components.key(name, s, drop), (name, s, drop))
    keys, items = list(unique), list(unique.values())
    results = dict(map_tasks(_compute_one, items, n_jobs=n_jobs, scheduler=scheduler, in_process_below=2,
                             shared=(inputs,)))
    return {keys[i]: results[i] for i in range(len(keys))}


def leave_out_sets(docs: Sequence[str], *, random_state: int = SEED) -> list:
    """What each leave-out run drops: each document (its id), or above
    :data:`LEAVE_ONE_OUT_MAX` documents a seeded group of them (a tuple of ids).

    Examples
    --------
    >>> leave_out_sets(["a", "b"])
    ['a', 'b']
    >>> groups = leave_out_sets([f"d{i}" for i in range(95)])
    >>> len(groups), sorted(len(g) for g in groups)[:2], len({d for g in groups for d in g})
    (10, [9, 9], 95)
    """
    docs = list(docs)
    if len(docs) <= LEAVE_ONE_OUT_MAX:
        return docs
    order = np.random.default_rng(random_state).permutation(len(docs))
    return [tuple(sorted(docs[i] for i in part)) for part in np.array_split(order, LEAVE_OUT_GROUPS)]


def leave_out_name(drop, index: int | None = None) -> str:
    """The universe's name: ``without <doc>``, or ``without group i (n documents)``."""
    if isinstance(drop, str):
        return f"without {drop}"
    return f"without group {index + 1 if index is not None else '?'} ({len(drop)} documents)"


def _universes(claim: Claim) -> list[dict]:
    return list(settings(claim.depends_on))


def run_ledger(inputs: comp.Inputs, *, target_labels: dict[str, str], n_jobs: int | None = None,
               scheduler: str | None = None) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Evaluate every claim in every universe and with each document left out.

    Returns
    -------
    (ledger, outcomes)
        ledger: claim_id, claim, claim_zh, question, depends_on, universes, share_holding,
        loo_share_holding, breaks_when, robust; outcomes: one row per claim and distinct
        universe (claim_id, universe, holds) and per left-out document (universe
        ``without <doc>``), for the specification chart.
    """
    base = baseline()
    drops = leave_out_sets(inputs.docs)
    jobs = [(name, s, drop) for name in PARALLEL for s in settings(DEPENDS[name])
            for drop in [None] + (drops if s == base else [])]
    components = Components(inputs, compute_parallel(inputs, jobs, n_jobs=n_jobs, scheduler=scheduler))
    claims = build_claims(components.get, base, target_labels=target_labels)
    rows, outcomes = [], []
    for claim in claims:
        results = []
        for s in _universes(claim):
            ok = holds(claim, components.get, s)
            changed = {c: s[c] for c in claim.depends_on if s[c] != base[c]}
            results.append((s, ok, changed))
            outcomes.append({"claim_id": claim.claim_id, "universe": _name(changed), "holds": ok})
        loo = [holds(claim, components.get, base, d) for d in drops]
        names = [leave_out_name(d, i) for i, d in enumerate(drops)]
        outcomes += [{"claim_id": claim.claim_id, "universe": n, "holds": ok} for n, ok in zip(names, loo)]
        in_grid = share([ok for _, ok, _ in results])
        in_loo = share(loo)
        rows.append({"claim_id": claim.claim_id, "claim": claim.text, "claim_zh": claim.text_zh, "question": claim.question,
                     "depends_on": " ".join(claim.depends_on), "universes": n_universes(CHOICES),
                     "share_holding": in_grid, "loo_share_holding": in_loo,
                     "breaks_when": _breaks(results, claim, names, loo),
                     "robust": bool(in_grid >= ROBUST_SHARE and (np.isnan(in_loo) or in_loo >= ROBUST_SHARE))})
    return pd.DataFrame(rows), pd.DataFrame(outcomes)


def _name(changed: dict) -> str:
    return ", ".join(f"{c}={'-'.join(map(str, v)) if isinstance(v, tuple) else v}" for c, v in changed.items()) or "baseline"


def _breaks(results, claim: Claim, leave_outs: Sequence[str], loo: Sequence) -> str:
    """The alternative options under which the claim fails in most universes, and the
    leave-outs (named by :func:`leave_out_name`) that break it."""
    parts = []
    for choice in claim.depends_on:
        for option in CHOICES[choice][0][1:]:
            with_option = [ok for s, ok, _ in results if s[choice] == option and ok is not None]
            if with_option and np.mean(with_option) < 0.5:
                parts.append(f"{choice}={'-'.join(map(str, option)) if isinstance(option, tuple) else option}")
    parts += [name for name, ok in zip(leave_outs, loo) if ok is False]
    return "; ".join(parts)


def cached_ledger(paths, *, key_inputs: Sequence, compute) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The ledger from ``data/processed/ledger`` when its inputs are unchanged, else ``compute()``.

    Parameters
    ----------
    paths : Paths
    key_inputs : sequence of path-like
        Everything the ledger reads besides the processed corpus (the chapters' result
        tables); the key also covers the package's code, the project's data and the
        processed corpus.
    compute : callable
        ``compute() -> (ledger, outcomes)``.
    """
    from aidiscourse.cache import fingerprint, parquet_key, read_parquet, write_parquet
    from aidiscourse.corpus.build import SENTENCES_FILE

    import aidiscourse

    key = fingerprint(Path(aidiscourse.__file__).parent, paths.root / "data", *key_inputs,
                      extra=[parquet_key(paths.processed / SENTENCES_FILE) or ""])
    folder = paths.processed / "ledger"
    files = folder / "claims.parquet", folder / "outcomes.parquet"
    if all(parquet_key(f) == key for f in files):
        return read_parquet(files[0]), read_parquet(files[1])
    claims, outcomes = compute()
    # a claim's outcome is True, False or None (untestable): stored as text
    outcomes = outcomes.assign(holds=outcomes["holds"].map({True: "yes", False: "no"}).fillna("untestable"))
    write_parquet(claims, files[0], key=key)
    write_parquet(outcomes, files[1], key=key)
    return claims, outcomes
