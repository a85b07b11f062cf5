"""Where independent tasks run: in this process, in local worker processes, or on a Dask cluster.

The heavy steps (:func:`aidiscourse.corpus.build.prepare` per document, the topic search
per fit) are maps of a pure function over independent items. :func:`map_tasks` runs such a
map

* in this process when there is little work (starting workers costs more than it saves);
* in local worker processes otherwise: fresh interpreters (joblib / loky), or, for tasks
  that allow it (``fork=True``), processes forked from this one (``multiprocessing``),
  which start in milliseconds with this process's imports and built state;
* on a Dask distributed cluster when a scheduler address is given, or the environment
  variable ``AIDISCOURSE_SCHEDULER`` holds one (``tcp://host:8786``).

Tasks carry their inputs (texts, matrices) and return their outputs (Parquet-encoded
tables, arrays): a cluster's worker never reads or writes the project's folders, so a
cluster needs no shared disk. Each task is deterministic, so where it runs never changes a
result.
"""
from __future__ import annotations

import os
import sys
from collections.abc import Callable, Iterable, Iterator, Sequence
from typing import Any

#: Environment variable naming the Dask scheduler that prepare and the topic search use.
SCHEDULER_ENV = "AIDISCOURSE_SCHEDULER"


def scheduler_address(explicit: str | None = None) -> str | None:
    """The Dask scheduler to use: ``explicit`` if given, else ``$AIDISCOURSE_SCHEDULER``, else None.

    Examples
    --------
    >>> scheduler_address("tcp://10.0.0.5:8786")
    'tcp://10.0.0.5:8786'
    """
    address = explicit if explicit is not None else os.environ.get(SCHEDULER_ENV, "")
    return address.strip() or None


def _connect(address: str):
    from aidiscourse.errors import fail

    try:
        from distributed import Client
    except ImportError:  # pragma: no cover - distributed is a dependency
        raise fail("a scheduler address needs the `distributed` package: pip install distributed")
    try:
        return Client(address, set_as_default=False)  # timeout: dask config distributed.comm.timeouts.connect
    except (OSError, TimeoutError, ValueError) as exc:
        raise fail(f"cannot reach the Dask scheduler at {address}: {exc}") from None


def map_tasks(
    func: Callable[..., Any],
    items: Sequence[tuple],
    *,
    n_jobs: int | None = None,
    scheduler: str | None = None,
    in_process_below: int = 1,
    ordered: bool = False,
    shared: tuple = (),
    fork: bool = False,
) -> Iterator[tuple[int, Any]]:
    """Run ``func(*shared, *item)`` for every item; yield ``(index, result)`` as tasks finish.

    Parameters
    ----------
    func : callable
        A module-level function (workers import it by name).
    items : sequence of tuple
        The arguments of each task.
    n_jobs : int, optional
        Local worker processes (default: one per core, at most one per item).
    scheduler : str, optional
        Address of a Dask scheduler; see :func:`scheduler_address` for the default.
    in_process_below : int
        Run in this process when there are fewer items than this (or one local job).
    ordered : bool
        Yield in the order of ``items`` rather than as tasks finish.
    shared : tuple
        Leading arguments common to every task (a matrix), sent to each worker once.
    fork : bool
        On Linux, fork the local workers from this process instead of starting fresh
        interpreters: they inherit its imported modules and caches (a segmentation
        dictionary built before the call), ``shared`` and the items without copying (a
        task is sent as its index), and start in milliseconds instead of the ~0.7 s an
        interpreter needs to import the package and build it. Only for tasks whose
        libraries are safe after a fork: no OpenMP (a forked child cannot use an OpenMP
        runtime its parent has started) and no BLAS threads (a forked child keeps its
        parent's thread count, which loky's workers lower to one).

    Yields
    ------
    (int, object)
        The index of the item in ``items`` and ``func``'s result.
    """
    address = scheduler_address(scheduler)
    if address is not None:
        yield from _map_dask(func, items, address, ordered=ordered, shared=shared)
        return
    jobs = min(n_jobs or os.cpu_count() or 1, len(items))
    if jobs <= 1 or len(items) < in_process_below:
        for i, item in enumerate(items):
            yield i, func(*shared, *item)
        return
    if fork and sys.platform.startswith("linux"):
        yield from _map_forked(func, items, jobs, ordered=ordered, shared=shared)
        return
    from joblib import Parallel, delayed

    mode = "generator" if ordered else "generator_unordered"
    tasks = (delayed(_indexed)(i, func, shared, item) for i, item in enumerate(items))
    yield from Parallel(n_jobs=jobs, backend="loky", return_as=mode)(tasks)


def _indexed(i: int, func: Callable[..., Any], shared: tuple, item: tuple) -> tuple[int, Any]:
    return i, func(*shared, *item)


#: The ``shared`` arguments and the items of the running :func:`_map_forked`, inherited by
#: its workers: a task is sent as its index only.
_INHERITED: tuple[tuple, Sequence[tuple]] = ((), ())


def _indexed_inherited(func: Callable[..., Any], i: int) -> tuple[int, Any]:
    shared, items = _INHERITED
    return i, func(*shared, *items[i])


def _map_forked(func: Callable[..., Any], items: Sequence[tuple], jobs: int, *, ordered: bool,
                shared: tuple) -> Iterator[tuple[int, Any]]:
    import multiprocessing
    from functools import partial

    global _INHERITED
    _INHERITED = shared, items
    # a few chunks per worker: fewer round trips than one task per message, and still
    # balanced when documents differ in length
    chunk = max(1, len(items) // (8 * jobs))
    try:
        with multiprocessing.get_context("fork").Pool(jobs) as pool:
            run = pool.imap if ordered else pool.imap_unordered
            yield from run(partial(_indexed_inherited, func), range(len(items)), chunksize=chunk)
    finally:
        _INHERITED = (), ()


def _indexed_scattered(i: int, func: Callable[..., Any], item: tuple, *shared) -> tuple[int, Any]:
    return i, func(*shared, *item)


def _map_dask(func: Callable[..., Any], items: Sequence[tuple], address: str, *, ordered: bool,
              shared: tuple) -> Iterator[tuple[int, Any]]:
    from distributed import as_completed

    client = _connect(address)
    try:
        # shared arguments go to the workers once, not with every task
        scattered = client.scatter(list(shared), broadcast=True) if shared else []
        futures = [client.submit(_indexed_scattered, i, func, item, *scattered, pure=False)
                   for i, item in enumerate(items)]
        stream: Iterable = futures if ordered else as_completed(futures, loop=client.loop)
        for future in stream:
            yield future.result()
    finally:
        client.close()
