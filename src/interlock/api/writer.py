"""Group commit: the API's writes go through one writer thread that commits in batches.

Every durable commit costs an fsync (0.3-10 ms on this kind of disk). Requests that arrive
while a batch is being committed wait in a queue and go together into the next
transaction, each in its own savepoint, so N concurrent writers pay about one fsync
instead of N, and nobody answers 2xx before its write is on disk. A lone request is
committed at once: there is no timer and no added latency.

The writer is a thread of its own that takes batches straight from a thread-safe queue
and hands each batch's results back to the event loop in one call: no thread-pool hop a
batch (py-spy, bench/scale.py --profile: anyio's hand-offs were 7.5 % of the server's
GIL time at 640 notices/s, more than the prepare step they carried).
"""

from __future__ import annotations

import asyncio
import contextlib
import queue
import threading
from collections.abc import Sequence
from typing import Any, Protocol

from starlette.concurrency import run_in_threadpool

from ..errors import InterlockError

MAX_BATCH = 64
# A body up to this size is prepared (parsed, validated, its signature verified: about
# 0.1 ms for a signed notice or message) on the event loop: cheaper than the two thread
# hand-offs a hop to the pool costs. A larger one (a long polygon, a collection) still
# goes to the thread pool, so the loop is never held for long.
INLINE_PREPARE_BYTES = 16_384

Pending = tuple[Any, Any, "asyncio.Future[Any]"]  # op, its prepared form, its waiter
_STOP = object()


class BatchRunner(Protocol):
    def prepare(self, op: Any) -> Any: ...
    def apply_prepared(self, ops: Sequence[Any], prepared: Sequence[Any]) -> list[Any]: ...


class GroupCommitter:
    """Store-free checks (parsing, signatures) run before queueing, in the request's own
    task (small bodies) or a worker thread; only the store work is queued for the single
    writer thread."""

    def __init__(self, service: BatchRunner, max_batch: int = MAX_BATCH) -> None:
        self.service = service
        self.max_batch = max_batch
        self._queue: queue.SimpleQueue[Any] | None = None
        self._thread: threading.Thread | None = None
        self._held: list[Pending] = []  # prepared in this pass of the event loop
        self.batches = 0  # how many commits, and the largest batch (for tests and stats)
        self.largest_batch = 0

    def start(self) -> None:
        self._queue = queue.SimpleQueue()
        self._thread = threading.Thread(
            target=self._work, args=(self._queue,), name="group-commit", daemon=True
        )
        self._thread.start()

    async def stop(self) -> None:
        if self._thread is not None and self._queue is not None:
            self._queue.put(_STOP)  # after every write queued before it
            await run_in_threadpool(self._thread.join)
            self._thread = None

    async def run(self, op: Any, inline: bool = False) -> Any:
        """Queue one write; return its result once its batch is committed. `inline`:
        prepare it here, on the event loop (a small body; see INLINE_PREPARE_BYTES)."""
        if self._queue is None or self._thread is None or not self._thread.is_alive():
            self.start()
        if inline:
            prepared = self.service.prepare(op)
        else:
            prepared = await run_in_threadpool(self.service.prepare, op)
        if isinstance(prepared, InterlockError):
            raise prepared  # refused before it reached the writer: nothing to undo
        loop = asyncio.get_running_loop()
        future: asyncio.Future[Any] = loop.create_future()
        self._held.append((op, prepared, future))
        if len(self._held) == 1:
            loop.call_soon(self._release)
        return await future

    def _release(self) -> None:
        """Hand the writer every write prepared in this pass of the event loop at once
        (requests that arrived together), so that its next batch takes them all rather
        than waking for the first alone: no timer, no added wait."""
        held, self._held = self._held, []
        assert self._queue is not None
        for item in held:
            self._queue.put(item)

    def _work(self, jobs: queue.SimpleQueue[Any]) -> None:
        while True:
            first = jobs.get()
            if first is _STOP:
                return
            batch: list[Pending] = [first]
            stop = False
            while len(batch) < self.max_batch:
                try:
                    item = jobs.get_nowait()
                except queue.Empty:
                    break
                if item is _STOP:
                    stop = True
                    break
                batch.append(item)
            self.batches += 1
            self.largest_batch = max(self.largest_batch, len(batch))
            try:
                outcome: list[Any] | BaseException = self.service.apply_prepared(
                    [b[0] for b in batch], [b[1] for b in batch]
                )
            except Exception as exc:  # the whole batch failed: tell every waiter
                outcome = exc
            _settle(batch, outcome)
            if stop:
                return


def _settle(batch: list[Pending], outcome: list[Any] | BaseException) -> None:
    """Hand a batch's results to the waiters' event loops, one call a loop."""
    by_loop: dict[asyncio.AbstractEventLoop, list[tuple[asyncio.Future[Any], Any]]] = {}
    for i, (_, _, future) in enumerate(batch):
        result = outcome if isinstance(outcome, BaseException) else outcome[i]
        by_loop.setdefault(future.get_loop(), []).append((future, result))
    for loop, pairs in by_loop.items():
        with contextlib.suppress(RuntimeError):  # a closed loop: nobody waits any more
            loop.call_soon_threadsafe(_resolve, pairs)


def _resolve(pairs: list[tuple[asyncio.Future[Any], Any]]) -> None:
    for future, result in pairs:
        if future.done():
            continue
        if isinstance(result, BaseException):  # refused, or this op alone failed
            future.set_exception(result)
        else:
            future.set_result(result)
