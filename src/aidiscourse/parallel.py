"""Where independent tasks run: in this process, in local worker processes, or on a Dask cluster.

The heavy steps (:func:`aidiscourse.corpus.build.prepare` per document, the topic search
per fit) are maps of a pure function over independent items. :func:`map_tasks` runs such a
map

* in this process when there is little work (starting workers costs more than it saves);
* in local worker processes (joblib / loky) otherwise;
* on a Dask distributed cluster when a scheduler address is given, or the environment
  variable ``AIDISCOURSE_SCHEDULER`` holds one (``tcp://host:8786``).

Tasks carry their inputs (texts, matrices) and return their outputs (Parquet-encoded
tables, arrays): a worker never reads or writes the project's folders, so a cluster needs no
shared disk. Each task is deterministic, so where it runs never changes a result.
"""
from __future__ import annotations

import os
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
    from joblib import Parallel, delayed

    mode = "generator" if ordered else "generator_unordered"
    tasks = (delayed(_indexed)(i, func, shared, item) for i, item in enumerate(items))
    yield from Parallel(n_jobs=jobs, backend="loky", return_as=mode)(tasks)


def _indexed(i: int, func: Callable[..., Any], shared: tuple, item: tuple) -> tuple[int, Any]:
    return i, func(*shared, *item)


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
