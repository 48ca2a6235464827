"""Where chunks run: in this process (threads), or on a Dask cluster.

:func:`map_in_order` calls ``task(scenario, sampler, blocks, *extra)`` for every chunk and
yields the results in chunk order, with only a few chunks in flight at a time so memory stays
bounded. Threads suffice on one machine: numpy and scipy release the GIL in their kernels.
With ``scheduler`` — ``"local"`` for a ``distributed.LocalCluster`` on this machine, or the
address of a running scheduler such as ``tcp://host:8786`` — each chunk is a Dask task, and
the caller merges the results exactly as it would local ones, so the numbers are the same.
"""

from __future__ import annotations

import collections
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from typing import Any

IN_FLIGHT_PER_WORKER = 2


class SchedulerError(ValueError):
    """A Dask scheduler that cannot be used (not installed, unreachable, malformed)."""


def map_in_order(
    task: Callable[..., Any],
    scenario: Any,
    sampler: Any,
    chunks: Sequence[range],
    workers: int | None,
    scheduler: str | None,
    extra: tuple[Any, ...] = (),
) -> Iterator[tuple[range, Any]]:
    """Yield ``(blocks, task(scenario, sampler, blocks, *extra))`` for each chunk, in order."""
    if scheduler:
        yield from _on_dask(task, scenario, sampler, chunks, workers, scheduler, extra)
        return
    if workers is None:
        from simulate.engine import default_workers

        workers = default_workers()
    if workers <= 1 or len(chunks) == 1:
        for blocks in chunks:
            yield blocks, task(scenario, sampler, blocks, *extra)
        return
    with ThreadPoolExecutor(max_workers=workers) as pool:
        pending: collections.deque = collections.deque()
        for blocks in chunks:
            pending.append((blocks, pool.submit(task, scenario, sampler, blocks, *extra)))
            if len(pending) >= IN_FLIGHT_PER_WORKER * workers:
                done_blocks, future = pending.popleft()
                yield done_blocks, future.result()
        while pending:
            done_blocks, future = pending.popleft()
            yield done_blocks, future.result()


@contextmanager
def dask_client(scheduler: str, workers: int | None = None) -> Iterator[Any]:
    """A ``distributed.Client`` for ``scheduler`` (``"local"`` starts a LocalCluster)."""
    try:
        import distributed
    except ImportError:
        raise SchedulerError(
            "Dask is not installed; install it with  pip install 'llm-econ-simulate[dask]'"
        ) from None
    if scheduler == "local":
        cluster = distributed.LocalCluster(
            n_workers=workers, threads_per_worker=1, processes=True, dashboard_address=None
        )
        client = distributed.Client(cluster)
        try:
            yield client
        finally:
            client.close()
            cluster.close()
        return
    if not scheduler.startswith(("tcp://", "tls://", "inproc://", "ws://", "wss://")):
        raise SchedulerError(
            f"expected 'local' or a scheduler address such as tcp://host:8786, got {scheduler!r}"
        )
    try:
        client = distributed.Client(scheduler, timeout="10s")
    except (OSError, TimeoutError) as exc:
        raise SchedulerError(f"cannot reach the Dask scheduler at {scheduler}: {exc}") from None
    try:
        yield client
    finally:
        client.close()


def _on_dask(
    task: Callable[..., Any],
    scenario: Any,
    sampler: Any,
    chunks: Sequence[range],
    workers: int | None,
    scheduler: str,
    extra: tuple[Any, ...],
) -> Iterator[tuple[range, Any]]:
    with dask_client(scheduler, workers) as client:
        # the scenario and sampler travel once; every task refers to them
        shared = client.scatter([scenario, sampler], broadcast=True)
        slots = max(1, sum(client.nthreads().values())) * IN_FLIGHT_PER_WORKER
        pending: collections.deque = collections.deque()
        for blocks in chunks:
            future = client.submit(task, *shared, blocks, *extra, pure=False)
            pending.append((blocks, future))
            if len(pending) >= slots:
                done_blocks, done = pending.popleft()
                yield done_blocks, done.result()
                done.release()
        while pending:
            done_blocks, done = pending.popleft()
            yield done_blocks, done.result()
            done.release()
