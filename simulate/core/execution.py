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
import os
import threading
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from typing import Any

from simulate.core import interrupts

IN_FLIGHT_PER_WORKER = 2

# Called once distributed is imported (it configures its own log handlers as it is imported):
# the command line registers its one-line log routing here.
after_dask_import: list[Callable[[], None]] = []


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
        workers = default_workers()
    if workers <= 1 or len(chunks) == 1:
        for blocks in chunks:
            result = task(scenario, sampler, blocks, *extra)
            interrupts.check()  # a signal a library swallowed stops the run within a chunk
            yield blocks, result
        return
    pool = ThreadPoolExecutor(max_workers=workers)
    try:
        pending: collections.deque = collections.deque()
        for blocks in chunks:
            pending.append((blocks, pool.submit(task, scenario, sampler, blocks, *extra)))
            if len(pending) >= IN_FLIGHT_PER_WORKER * workers:
                done_blocks, future = pending.popleft()
                result = future.result()
                interrupts.check()
                yield done_blocks, result
        while pending:
            done_blocks, future = pending.popleft()
            result = future.result()
            interrupts.check()
            yield done_blocks, result
    finally:
        # on an interrupt, chunks not started are dropped; the running ones end by themselves
        pool.shutdown(wait=True, cancel_futures=True)


def default_workers() -> int:
    """The cores this process may use (numbers never depend on it)."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except (AttributeError, OSError):
        return max(1, os.cpu_count() or 1)


@contextmanager
def dask_client(scheduler: str, workers: int | None = None) -> Iterator[Any]:
    """A ``distributed.Client`` for ``scheduler`` (``"local"`` starts a LocalCluster)."""
    try:
        import distributed

        for hook in after_dask_import:
            hook()
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
    client = _connect(distributed, scheduler)
    try:
        yield client
    finally:
        client.close()


# how long a scheduler has to answer; SIMULATE_DASK_HANDSHAKE_S overrides it (slow links, tests)
HANDSHAKE_SECONDS = float(os.environ.get("SIMULATE_DASK_HANDSHAKE_S", "15") or 15)


def _connect(distributed: Any, scheduler: str) -> Any:
    """A client of the scheduler at ``scheduler``, or a SchedulerError within
    HANDSHAKE_SECONDS: a listener that accepts and never answers (an HTTP server, a silent
    port) would otherwise hold the handshake forever, whatever Client's own timeout says."""
    outcome: dict[str, Any] = {}

    def attempt() -> None:
        try:
            outcome["client"] = distributed.Client(scheduler, timeout=f"{HANDSHAKE_SECONDS:g}s")
        except BaseException as exc:  # reported to the caller, whatever it is
            outcome["error"] = exc

    # a daemon thread: one stuck in a dead handshake must not keep the process alive
    thread = threading.Thread(target=attempt, name="dask-handshake", daemon=True)
    thread.start()
    thread.join(HANDSHAKE_SECONDS + 1.0)
    if thread.is_alive():
        raise SchedulerError(
            f"no Dask scheduler answered at {scheduler} within {HANDSHAKE_SECONDS:g} s "
            "(something listens there, but it does not speak Dask's protocol)"
        )
    if "error" in outcome:
        exc = outcome["error"]
        if isinstance(exc, KeyboardInterrupt | SystemExit):
            raise exc
        said = str(exc).strip().splitlines()[0][:200] if str(exc).strip() else type(exc).__name__
        raise SchedulerError(f"cannot use a Dask scheduler at {scheduler}: {said}")
    return outcome["client"]


def _on_dask(
    task: Callable[..., Any],
    scenario: Any,
    sampler: Any,
    chunks: Sequence[range],
    workers: int | None,
    scheduler: str,
    extra: tuple[Any, ...],
) -> Iterator[tuple[range, Any]]:
    import distributed

    lost = (distributed.client.FutureCancelledError, distributed.comm.CommClosedError, OSError)
    try:
        with dask_client(scheduler, workers) as client:
            # the scenario and sampler travel once; every task refers to them
            shared = client.scatter([scenario, sampler], broadcast=True)
            slots = max(1, sum(client.nthreads().values())) * IN_FLIGHT_PER_WORKER
            pending: collections.deque = collections.deque()

            def result(future: Any) -> Any:
                value = future.result()
                future.release()
                interrupts.check()
                return value

            for blocks in chunks:
                future = client.submit(task, *shared, blocks, *extra, pure=False)
                pending.append((blocks, future))
                if len(pending) >= slots:
                    done_blocks, done = pending.popleft()
                    yield done_blocks, result(done)
            while pending:
                done_blocks, done = pending.popleft()
                yield done_blocks, result(done)
    except lost as exc:  # the scheduler (or its link) went away during the run
        said = str(exc).strip().splitlines()[0][:200] if str(exc).strip() else ""
        raise SchedulerError(
            f"lost the Dask scheduler at {scheduler} during the run "
            f"({said or type(exc).__name__}); nothing was written"
        ) from None
