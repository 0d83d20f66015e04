"""The push stream: Server-Sent Events per party, resumable from the last sequence seen.

Events are the ledger entries addressed to the party (its inbox), so the stream and the
record are one thing: the SSE id of each event is its ledger sequence number, and a
client that reconnects with ``Last-Event-ID`` (or ``?after=``) gets everything it missed.
Nothing is held in memory: a commit only wakes the waiting streams, which read the store.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable
from typing import Any

import orjson
from starlette.concurrency import run_in_threadpool
from starlette.responses import StreamingResponse
from starlette.types import Receive, Scope, Send

KEEPALIVE_S = 15.0
BATCH = 500


class Broadcaster:
    """Wakes every waiting stream after a commit; safe to call from any thread."""

    def __init__(self) -> None:
        self._loop: asyncio.AbstractEventLoop | None = None
        self._event = asyncio.Event()

    def attach(self, loop: asyncio.AbstractEventLoop) -> None:
        self._loop = loop

    def wake_threadsafe(self) -> None:
        loop = self._loop
        if loop is not None and not loop.is_closed():
            loop.call_soon_threadsafe(self._wake)

    def _wake(self) -> None:
        event, self._event = self._event, asyncio.Event()
        event.set()

    def waiter(self) -> asyncio.Event:
        """Take BEFORE reading the store: a commit after that sets it, so none is missed."""
        return self._event


def sse(entry: dict[str, Any]) -> bytes:
    data = orjson.dumps(entry)
    return b"id: %d\nevent: %s\ndata: %s\n\n" % (
        entry["seq"],
        entry["event"].get("type", "event").encode(),
        data,
    )


class StreamGate:
    """Each party's share of the push streams: at most `per_party` open at once, and one
    store read at a time across all of them, so a party's streams cost the thread pool
    (which every other party's requests share) one thread however many it opens."""

    def __init__(self, per_party: int) -> None:
        self.per_party = per_party
        self._open: dict[str, int] = {}
        self._reads: dict[str, asyncio.Semaphore] = {}

    def open_count(self, party: str) -> int:
        return self._open.get(party, 0)

    def try_open(self, party: str) -> bool:
        if self._open.get(party, 0) >= self.per_party:
            return False
        self._open[party] = self._open.get(party, 0) + 1
        return True

    def close(self, party: str) -> None:
        left = self._open.get(party, 0) - 1
        if left > 0:
            self._open[party] = left
        else:
            self._open.pop(party, None)

    def read_slot(self, party: str) -> asyncio.Semaphore:
        slot = self._reads.get(party)
        if slot is None:
            slot = self._reads[party] = asyncio.Semaphore(1)
        return slot


class GatedStream(StreamingResponse):
    """A stream that gives its party's slot back however it ends (even never started)."""

    def __init__(self, gate: StreamGate, party: str, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._gate, self._party = gate, party

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        try:
            await super().__call__(scope, receive, send)
        finally:
            self._gate.close(self._party)


async def party_stream(
    read: Callable[[int, int], list[dict[str, Any]]],
    after: int,
    broadcaster: Broadcaster,
    keepalive_s: float = KEEPALIVE_S,
    read_slot: asyncio.Semaphore | None = None,
) -> AsyncIterator[bytes]:
    """Entries from `read(after, limit)` as SSE, then each new one as it is committed.
    Reads take `read_slot` (the party's, shared by its streams) when given."""
    slot = read_slot or asyncio.Semaphore(1)
    yield b"retry: 1000\n\n"
    while True:
        waiter = broadcaster.waiter()
        async with slot:
            batch = await run_in_threadpool(read, after, BATCH)
        if batch:
            after = batch[-1]["seq"]
            yield b"".join(sse(e) for e in batch)
            if len(batch) == BATCH:
                continue  # more may be stored already: read on at once
        # Caught up as of the read. A commit since `waiter` was taken (before the read)
        # has set it, so waiting on it misses none, and a short batch costs one read (and
        # one thread hop) a wake instead of two (py-spy: the hotline's streams' reads).
        try:
            await asyncio.wait_for(waiter.wait(), keepalive_s)
        except TimeoutError:
            yield b": keepalive\n\n"
