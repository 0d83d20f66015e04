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


async def party_stream(
    read: Callable[[int, int], list[dict[str, Any]]],
    after: int,
    broadcaster: Broadcaster,
    keepalive_s: float = KEEPALIVE_S,
) -> AsyncIterator[bytes]:
    """Entries from `read(after, limit)` as SSE, then each new one as it is committed."""
    yield b"retry: 1000\n\n"
    while True:
        waiter = broadcaster.waiter()
        batch = await run_in_threadpool(read, after, BATCH)
        if batch:
            after = batch[-1]["seq"]
            yield b"".join(sse(e) for e in batch)
            continue
        try:
            await asyncio.wait_for(waiter.wait(), keepalive_s)
        except TimeoutError:
            yield b": keepalive\n\n"
