"""Benchmark of the pipeline: prints one figure per line as ``name: value unit``.

Figures
-------
- ``cores``, ``load_average_start`` / ``load_average_end``: the machine, and how busy it
  was (other work on the machine slows every figure down).
- ``prepare_<S>x_<W>w_chars_per_s``: throughput of ``aidiscourse prepare`` (cleaning,
  normalisation, structure, segmentation with the default backend, rjieba) on the corpus
  replicated S times, with W workers, from an empty cache, in a fresh process
  (dictionary loading included).
- ``jieba_ratio``: single-worker ``prepare`` time over bare ``jieba.lcut`` of the same raw
  text at the largest scale (target <= 0.35, goal 0.25), the median of :data:`REPEATS`
  ratios of runs made one after the other; ``jieba_ratio_jieba_backend`` the same with
  ``--backend jieba`` (one run, against the last bare run).
- ``jieba_ratio_cpu``: the same ratio of CPU times (both runs are one process), which
  other work on the machine disturbs less than wall time.
- ``speedup_2_workers``: 1-worker time over 2-worker time at the largest scale (target >= 1.7),
  the median of :data:`REPEATS` pairs of runs (one worker, then two), with their
  ``_min`` and ``_max``; the ``prepare_<S>x_<W>w`` figures at that scale are medians too.
- ``peak_mem_mb_100x``: peak resident memory of ``prepare`` with its workers at the largest scale.
- ``growth_10x_to_100x_*``: how time grows from 10x to 100x (10 means linear).
- ``build_clean_s`` / ``build_nochange_s``: executing every notebook and building the book
  in a copy of the project from a clean cache, then again with nothing changed.
- ``book_50_s`` / ``book_500_s`` / ``peak_mem_mb_book_500``: the whole book (prepare and
  every chapter) for a synthetic fork of 50 and 500 documents of about 3,000 characters,
  cut from the seed corpus's paragraphs and recombined (seeded from ``config.SEED``), from
  empty caches, with every sentence- or paragraph-keyed cache switched off
  (``AIDISCOURSE_NO_SENTENCE_CACHE=1``); ``book_growth_50_to_500`` their ratio (target <= 12).
  ``book_500_<chapter>_s`` gives each chapter's execution time.

Run with ``make bench``; ``--quick`` uses scales 1 and 10 and skips the book builds;
``--no-book`` skips the builds of the seed book; ``--no-forks`` the synthetic forks.
"""
from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[1]


LINES: list[str] = []


def emit(name: str, value: float, unit: str = "") -> None:
    line = f"{name}: {value:.6g}{' ' + unit if unit else ''}"
    LINES.append(line)
    print(line, flush=True)


def replicate(target: Path, scale: int) -> int:
    """Make a project in ``target`` whose corpus is the real one repeated ``scale`` times.

    Returns the number of raw characters.
    """
    manifest = yaml.safe_load((ROOT / "data" / "corpus.yml").read_text(encoding="utf-8"))
    (target / "data" / "raw").mkdir(parents=True)
    shutil.copytree(ROOT / "data" / "lexicons", target / "data" / "lexicons")
    docs, chars = [], 0
    for copy in range(scale):
        for entry in manifest["documents"]:
            new = dict(entry, id=f"{entry['id']}-r{copy:03d}", file=f"{entry['id']}-r{copy:03d}.txt")
            shutil.copyfile(ROOT / "data" / "raw" / entry["file"], target / "data" / "raw" / new["file"])
            chars += len((ROOT / "data" / "raw" / entry["file"]).read_text(encoding="utf-8"))
            docs.append(new)
    (target / "data" / "corpus.yml").write_text(
        yaml.safe_dump({"schema_version": 1, "documents": docs}, allow_unicode=True, sort_keys=False), encoding="utf-8")
    return chars


PREPARE = """
import json, sys, time
from aidiscourse.config import Paths
from aidiscourse.corpus.build import prepare
t, cpu = time.perf_counter(), time.process_time()
prepare(Paths(sys.argv[1]), n_jobs=int(sys.argv[2]), backend=sys.argv[3], progress=False, force=True)
print(json.dumps({"seconds": time.perf_counter() - t, "cpu": time.process_time() - cpu}))
"""

JIEBA = """
import json, sys, time
from pathlib import Path
import jieba
jieba.setLogLevel(60)
text = "".join(p.read_text(encoding="utf-8") for p in sorted(Path(sys.argv[1]).glob("data/raw/*.txt")))
t, cpu = time.perf_counter(), time.process_time()
jieba.initialize()
jieba.lcut(text)
print(json.dumps({"seconds": time.perf_counter() - t, "cpu": time.process_time() - cpu}))
"""


CPU: dict[tuple[str, ...], float] = {}


def tree_peak(proc: subprocess.Popen, *, interval: float) -> int:
    """Poll ``proc`` until it ends; return the peak resident memory (bytes) of its process tree."""
    import psutil

    ps, peak = psutil.Process(proc.pid), 0
    while proc.poll() is None:
        try:
            tree = [ps, *ps.children(recursive=True)]
            peak = max(peak, sum(p.memory_info().rss for p in tree if p.is_running()))
        except psutil.Error:
            pass
        time.sleep(interval)
    return peak


def run_measured(code: str, *args: str) -> tuple[float, float]:
    """Run ``code`` in a fresh Python; return (its reported seconds, peak MB of its process tree).

    The CPU seconds of its main process are kept in :data:`CPU` under ``args``.
    """

    proc = subprocess.Popen([sys.executable, "-c", code, *args], stdout=subprocess.PIPE, text=True)
    peak = tree_peak(proc, interval=0.05)
    out, _ = proc.communicate()
    if proc.returncode != 0:
        raise SystemExit(f"benchmark step failed: {args}")
    report = json.loads(out.strip().splitlines()[-1])
    CPU[args] = report["cpu"]
    return report["seconds"], peak / 2**20


def prepare_from_empty(project: str, workers: int, backend: str) -> tuple[float, float]:
    """:data:`PREPARE` in ``project`` from an empty processed corpus, as a first run.

    The previous run's ``data/processed`` is moved aside, not deleted (the caller's
    temporary folder removes it at the end): replacing files costs more than creating them
    (ext4 flushes a file renamed over another), and creating a thousand files just after
    deleting as many costs ext4 without a journal a scan past the recently freed inodes
    (0.3 to 0.5 s of system time here), which a first run does not pay."""
    processed = Path(project) / "data" / "processed"
    if processed.exists():
        processed.rename(Path(project) / f"processed-before-{time.monotonic_ns()}")
    return run_measured(PREPARE, project, str(workers), backend)


#: Runs of each worker count at the largest scale, one worker and two alternately: a
#: virtual machine's single-core speed can move by a quarter from one run to the next, so
#: the figures there are medians, and the speedup the median of the paired ratios.
REPEATS = 3


def bench_prepare(scales: list[int], workers: int) -> None:
    from statistics import median

    from aidiscourse.config import SEGMENTER_BACKEND

    times: dict[tuple[int, int], float] = {}
    for scale in scales:
        with tempfile.TemporaryDirectory(prefix=f"aid-bench-{scale}x-") as tmp:
            chars = replicate(Path(tmp), scale)
            emit(f"corpus_chars_{scale}x", chars, "characters")
            counts = sorted({1, min(2, workers), workers})
            runs: dict[int, list[float]] = {w: [] for w in counts}
            ratios: list[float] = []  # one worker over two, run after run
            bare: list[tuple[float, float, float]] = []  # bare jieba: seconds, ratio, CPU ratio
            peak = 0.0
            for _ in range(REPEATS if scale == max(scales) else 1):
                for w in counts:
                    seconds, run_peak = prepare_from_empty(tmp, w, SEGMENTER_BACKEND)
                    runs[w].append(seconds)
                    if w == workers:
                        peak = max(peak, run_peak)
                if 2 in runs:
                    ratios.append(runs[1][-1] / runs[2][-1])
                if scale == max(scales):
                    seconds, _ = run_measured(JIEBA, tmp)
                    # on a busy machine wall time measures the other work too; the CPU
                    # time of these single-process runs does not
                    bare.append((seconds, runs[1][-1] / seconds, CPU[tmp, "1", SEGMENTER_BACKEND] / CPU[(tmp,)]))
            for w in counts:
                times[scale, w] = median(runs[w])
                emit(f"prepare_{scale}x_{w}w_s", times[scale, w], "seconds")
                emit(f"prepare_{scale}x_{w}w_chars_per_s", chars / times[scale, w], "characters per second")
            if scale == max(scales):
                emit(f"peak_mem_mb_{scale}x", peak, "megabytes")
                emit(f"jieba_lcut_{scale}x_s", median(b[0] for b in bare), "seconds")
                emit("jieba_ratio", median(b[1] for b in bare))
                emit("jieba_ratio_cpu", median(b[2] for b in bare))
                jb, _ = prepare_from_empty(tmp, 1, "jieba")
                emit(f"prepare_{scale}x_1w_jieba_backend_s", jb, "seconds")
                emit("jieba_ratio_jieba_backend", jb / bare[-1][0])
                if ratios:
                    emit("speedup_2_workers", median(ratios), f"(median of {len(ratios)} paired runs)")
                    emit("speedup_2_workers_min", min(ratios))
                    emit("speedup_2_workers_max", max(ratios))
    if 10 in scales and 100 in scales:
        for w in sorted({1, workers}):
            emit(f"growth_10x_to_100x_{w}w", times[100, w] / times[10, w], "(10 = linear)")


def bench_book() -> None:
    """Build the book in a copy of the tracked files, from a clean cache, then again."""
    bin_dir = Path(sys.executable).parent
    with tempfile.TemporaryDirectory(prefix="aid-bench-book-") as tmp:
        copy_tracked(Path(tmp))
        env = dict(os.environ, PATH=f"{bin_dir}:{os.environ['PATH']}")
        env.pop("AIDISCOURSE_ROOT", None)
        for label in ("build_clean_s", "build_nochange_s"):
            t = time.perf_counter()
            for step in build_steps(bin_dir):
                subprocess.run(step, cwd=tmp, env=env, check=True, capture_output=True)
            emit(label, time.perf_counter() - t, "seconds")


# --- the whole book for a synthetic fork -------------------------------------------

#: Characters per synthetic document (a news article, a speech, a post).
SYNTH_CHARS = 3000


def seed_paragraphs() -> list[str]:
    """The argument paragraphs of the seed corpus (processed), cut to at most 600 characters."""
    from aidiscourse.config import Paths
    from aidiscourse.corpus.build import prepare
    from aidiscourse.corpus.load import load_sentences

    paths = Paths(ROOT)
    prepare(paths, progress=False)
    sentences = load_sentences(paths)
    pieces = []
    for _, group in sentences.groupby(["doc_id", "paragraph"], sort=False):
        text = ""
        for sentence in group.text:
            text += sentence
            if len(text) >= 600:  # long answers and PDF paragraphs become several pieces
                pieces.append(text)
                text = ""
        if len(text) >= 20:
            pieces.append(text)
    return pieces


def synthetic_fork(target: Path, n_docs: int, *, seed: int) -> int:
    """A copy of the project whose corpus is the seed texts plus synthetic articles of about
    :data:`SYNTH_CHARS` characters, ``n_docs`` documents in all; each synthetic article is
    a random draw of the seeds' paragraphs in a random order (so documents differ).

    The seed texts stay in, as in the thirty-document test: they hold the interviews and
    speaker turns some tables need. Returns the number of raw characters.
    """
    import hashlib
    import random

    rng = random.Random(seed)
    pieces = seed_paragraphs()
    copy_tracked(target)
    manifest = yaml.safe_load((target / "data" / "corpus.yml").read_text(encoding="utf-8"))
    docs = manifest["documents"]
    chars = sum(len((target / "data" / "raw" / d["file"]).read_text(encoding="utf-8")) for d in docs)
    for i in range(n_docs - len(docs)):
        body = []
        while sum(map(len, body)) < SYNTH_CHARS:
            body.append(rng.choice(pieces))
        text = "\n\n".join(body) + "\n"
        name = f"synth-{i:04d}"
        (target / "data" / "raw" / f"{name}.txt").write_text(text, encoding="utf-8")
        chars += len(text)
        docs.append({"id": name, "file": f"{name}.txt", "sha256": hashlib.sha256(text.encode()).hexdigest(),
                     "title": f"合成文本 {i}", "people": [{"name": f"作者{i}", "role": "author"}],
                     "venue": "synthetic", "date": f"{2020 + i % 6}", "licence": "not stated",
                     "script": "simplified", "source_type": "article"})
    (target / "data" / "corpus.yml").write_text(yaml.safe_dump(manifest, allow_unicode=True, sort_keys=False), encoding="utf-8")
    return chars


#: Run in every notebook kernel of a fork's build when ``--lift-chart-limit`` is given.
LIFT_CHART_LIMIT = "import altair\naltair.data_transformers.disable_max_rows()\n"


def copy_tracked(target: Path) -> None:
    """Copy the files git tracks into ``target`` (a fork with empty caches)."""
    files = subprocess.run(["git", "ls-files"], cwd=ROOT, capture_output=True, text=True, check=True).stdout.split("\n")
    for name in filter(None, files):
        if (ROOT / name).is_file():
            (target / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(ROOT / name, target / name)


def build_steps(bin_dir: Path) -> list[list[str]]:
    return [[str(bin_dir / "aidiscourse"), "prepare", "--quiet"],
            [str(bin_dir / "python"), "-c", "from aidiscourse.report.render import write_vega_bundle; write_vega_bundle('_static')"],
            [str(bin_dir / "python"), "-m", "aidiscourse.report.buildcache"],
            [str(bin_dir / "jupyter-book"), "build", ".", "--warningiserror", "--keep-going"]]


def run_tree_peak(cmd: list[str], *, cwd: Path, env: dict, log) -> tuple[float, int]:
    """Run ``cmd``; return the peak resident memory (MB) of its process tree and its exit status."""
    proc = subprocess.Popen(cmd, cwd=cwd, env=env, stdout=log, stderr=subprocess.STDOUT)
    return tree_peak(proc, interval=0.1) / 2**20, proc.returncode


CHAPTER_TIME = re.compile(r"notebooks/(\d\d_\w+)\.md: Executed notebook in ([\d.]+) seconds")
CHAPTER_FAILED = re.compile(r"notebooks/(\d\d_\w+)\.md: WARNING: Executing notebook failed")


def bench_book_at(n_docs: int, *, keep: Path | None = None, lift_chart_limit: bool = False) -> float | None:
    """Build the whole book for a synthetic fork of ``n_docs`` documents from empty caches.

    Returns the seconds, or None if a step failed (the figure ``book_<n>_failed`` names it).
    """
    from aidiscourse.config import SEED

    bin_dir = Path(sys.executable).parent
    with tempfile.TemporaryDirectory(prefix=f"aid-bench-book{n_docs}-") as tmp:
        root = keep or Path(tmp)
        chars = synthetic_fork(root, n_docs, seed=SEED + n_docs)
        emit(f"book_{n_docs}_chars", chars, "characters")
        # synthetic documents repeat the seeds' sentences: a cache keyed by sentence or
        # paragraph would make the figure lower than a real corpus of this size costs
        env = dict(os.environ, PATH=f"{bin_dir}:{os.environ['PATH']}", AIDISCOURSE_NO_SENTENCE_CACHE="1")
        env.pop("AIDISCOURSE_ROOT", None)
        if lift_chart_limit:  # measure the chapters beyond a chart that refuses its rows
            startup = root / ".ipython" / "profile_default" / "startup"
            startup.mkdir(parents=True)
            (startup / "00-bench.py").write_text(LIFT_CHART_LIMIT, encoding="utf-8")
            env["IPYTHONDIR"] = str(root / ".ipython")
            emit(f"book_{n_docs}_chart_row_limit_lifted", 1)
        peak, t, failed = 0.0, time.perf_counter(), None
        log_path = root / "bench-build.log"
        with open(log_path, "w") as log:
            for step in build_steps(bin_dir):
                step_peak, status = run_tree_peak(step, cwd=root, env=env, log=log)
                peak = max(peak, step_peak)
                if status != 0:
                    failed = " ".join([Path(step[0]).name, *step[1:2]])
                    break
        seconds = time.perf_counter() - t
        text = log_path.read_text(encoding="utf-8", errors="replace")
        for chapter, secs in CHAPTER_TIME.findall(text):
            emit(f"book_{n_docs}_{chapter}_s", float(secs), "seconds")
        if failed:
            where = CHAPTER_FAILED.findall(text)
            emit(f"book_{n_docs}_failed", 1, f"({failed}{': ' + where[0] if where else ''}; after {seconds:.0f} s)")
            if keep:
                print(f"log: {log_path}", file=sys.stderr)
            return None
        emit(f"book_{n_docs}_s", seconds, "seconds")
        emit(f"peak_mem_mb_book_{n_docs}", peak, "megabytes")
        return seconds


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--scales", default="1,10,100", help="corpus replication factors")
    parser.add_argument("--quick", action="store_true", help="scales 1 and 10, no book build")
    parser.add_argument("--no-book", action="store_true", help="skip the build of the seed book")
    parser.add_argument("--no-forks", action="store_true", help="skip the synthetic forks of 50 and 500 documents")
    parser.add_argument("--forks", default="50,500", help="sizes of the synthetic forks")
    parser.add_argument("--lift-chart-limit", action="store_true",
                        help="lift Altair's 5,000-row limit in the forks' builds (to time the chapters after a chart that hits it)")
    args = parser.parse_args()
    scales = [1, 10] if args.quick else sorted(int(s) for s in args.scales.split(","))
    workers = os.cpu_count() or 1
    emit("cores", workers)
    emit("load_average_start", os.getloadavg()[0])
    bench_prepare(scales, workers)
    if not (args.quick or args.no_book):
        bench_book()
        # the analyses' own figures, on the book just built
        from analyses import bench_multiverse, bench_sentiment

        bench_sentiment(emit)
        bench_multiverse(emit)
    if not (args.quick or args.no_forks):
        sizes = sorted(int(n) for n in args.forks.split(","))
        seconds = {n: bench_book_at(n, lift_chart_limit=args.lift_chart_limit) for n in sizes}
        if len(sizes) > 1 and all(seconds.values()):
            emit(f"book_growth_{sizes[0]}_to_{sizes[-1]}", seconds[sizes[-1]] / seconds[sizes[0]], "(target <= 12)")
    emit("load_average_end", os.getloadavg()[0])
    if not args.quick:
        (ROOT / "benchmarks" / "latest.txt").write_text("\n".join(LINES) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
