"""Request limits applied before a route runs: the body size, and each party's fair share
of requests and body bytes (token buckets, 429 with Retry-After)."""

from __future__ import annotations

import math
import time
from collections.abc import Callable
from typing import Any

import orjson
from starlette.concurrency import run_in_threadpool

from ..errors import InterlockError
from ..model.server_limits import ServerLimits

Scope = dict[str, Any]
# The largest integer a query may carry: SQLite's INTEGER (and PostgreSQL's BIGINT) cannot
# bind a larger one, which would be a 500 instead of a 422.
MAX_INT = 2**63 - 1


class BodyLimit:
    """ASGI middleware: 413 for bodies over `max_bytes` (by header, or counted as streamed)."""

    def __init__(self, app: Any, max_bytes: int) -> None:
        self.app = app
        self.max_bytes = max_bytes

    async def _reject(self, send: Any) -> None:
        body = orjson.dumps(
            {"error": "payload_too_large", "detail": f"request body exceeds {self.max_bytes} bytes"}
        )
        await send(
            {
                "type": "http.response.start",
                "status": 413,
                "headers": [
                    (b"content-type", b"application/json"),
                    (b"content-length", str(len(body)).encode()),
                ],
            }
        )
        await send({"type": "http.response.body", "body": body})

    async def __call__(self, scope: Scope, receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        for name, value in scope.get("headers", ()):
            if name == b"content-length":
                try:
                    too_big = int(value) > self.max_bytes
                except ValueError:
                    too_big = False
                if too_big:
                    await self._reject(send)
                    return
        seen = 0

        async def limited_receive() -> Any:
            nonlocal seen
            message = await receive()
            if message["type"] == "http.request":
                seen += len(message.get("body", b""))
                if seen > self.max_bytes:
                    raise _TooLarge
            return message

        try:
            await self.app(scope, limited_receive, send)
        except _TooLarge:
            await self._reject(send)


class _TooLarge(Exception):
    pass


# ---- fair share: one party's flood must not take the server from the others -------------

HOTLINE_PATHS = ("/messages", "/hotline/", "/stream")


def too_many(limit: str, detail: str, retry_after_s: float) -> tuple[int, list[Any], bytes]:
    """A 429 naming the limit, with the whole seconds to wait (RFC 9110 §10.2.3)."""
    body = orjson.dumps({"error": limit, "detail": detail})
    wait = str(max(1, math.ceil(retry_after_s))).encode()
    headers = [
        (b"content-type", b"application/json"),
        (b"content-length", str(len(body)).encode()),
        (b"retry-after", wait),
    ]
    return 429, headers, body


class TokenBucket:
    """`rate` tokens a second up to `burst`; `take(n)` is 0 when granted, else the wait."""

    __slots__ = ("burst", "level", "rate", "stamp")

    def __init__(self, rate: float, burst: float, now: float) -> None:
        self.rate, self.burst, self.level, self.stamp = rate, burst, float(burst), now

    def take(self, n: float, now: float) -> float:
        self.level = min(self.burst, self.level + (now - self.stamp) * self.rate)
        self.stamp = now
        if n <= self.level:
            self.level -= n
            return 0.0
        return (min(n, self.burst) - self.level) / self.rate


class Buckets:
    """One bucket per key, made on first use; idle full ones are dropped now and then so
    a stream of fresh client addresses cannot grow the table without bound."""

    def __init__(self, rate: float, burst: float, clock: Callable[[], float]) -> None:
        self.rate, self.burst, self.clock = rate, burst, clock
        self._buckets: dict[Any, TokenBucket] = {}
        self._swept = clock()

    def take(self, key: Any, n: float = 1.0) -> float:
        now = self.clock()
        bucket = self._buckets.get(key)
        if bucket is None:
            bucket = self._buckets[key] = TokenBucket(self.rate, self.burst, now)
        wait = bucket.take(n, now)
        if now - self._swept > 60.0:
            self._sweep(now)
        return wait

    def _sweep(self, now: float) -> None:
        self._swept = now
        full_after = self.burst / self.rate
        self._buckets = {k: b for k, b in self._buckets.items() if now - b.stamp < full_after}


class FairShare:
    """ASGI middleware: per-party request and body-byte rates, answered 429 + Retry-After.

    The party is the bearer token's (looked up once, then from the token cache), so a
    party is never held back by anonymous traffic from its address. Requests without a
    known token count against their client address. Each party has two request
    buckets: the hotline lane (messages, receipts, heartbeat, status, stream) and the
    rest, so its own feed flood cannot silence its hotline either.
    """

    def __init__(
        self,
        app: Any,
        limits: ServerLimits,
        party_of: Callable[[str], str | None],
        resolve: Callable[[str], str],
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.app = app
        self.limits = limits
        self.party_of = party_of  # cache only: never blocks
        self.resolve = resolve  # may read the store: run in the thread pool
        self.requests = Buckets(limits.requests_per_s, limits.request_burst, clock)
        self.anon = Buckets(limits.anon_requests_per_s, limits.anon_request_burst, clock)
        self.bytes = Buckets(limits.bytes_per_s, limits.byte_burst, clock)

    async def _party(self, scope: Scope) -> tuple[str | None, float]:
        """(party or None, wait) for the request's bearer token."""
        token = _bearer(scope)
        client = scope.get("client") or ("?", 0)
        if token is None:
            return None, self.anon.take(client[0])
        party = self.party_of(token)
        if party is not None:
            return party, 0.0
        try:  # a token not in the cache yet: one indexed read, then cached
            return await run_in_threadpool(self.resolve, token), 0.0
        except InterlockError:  # unknown: the route answers 401 (or 503) if let through
            return None, self.anon.take(client[0])

    async def __call__(self, scope: Scope, receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        party, wait = await self._party(scope)
        if wait:
            await _send(
                send,
                too_many(
                    "rate_limited",
                    "too many requests from this address "
                    f"(limit {self.limits.anon_requests_per_s:g}/s)",
                    wait,
                ),
            )
            return
        if party is None:
            await self.app(scope, receive, send)
            return
        lane = "hotline" if scope["path"].startswith(HOTLINE_PATHS) else "other"
        wait = self.requests.take((party, lane))
        if wait:
            detail = f"party {party} over {self.limits.requests_per_s:g} requests/s ({lane} lane)"
            await _send(send, too_many("rate_limited", detail, wait))
            return
        declared = _content_length(scope)
        if declared:
            wait = self.bytes.take(party, declared)
            if wait:
                await _send(send, too_many("rate_limited", self._bytes_detail(party), wait))
                return
            await self.app(scope, receive, send)
            return
        await self._metered(party, scope, receive, send)

    def _bytes_detail(self, party: str) -> str:
        return f"party {party} over {self.limits.bytes_per_s:g} request body bytes/s"

    async def _metered(self, party: str, scope: Scope, receive: Any, send: Any) -> None:
        """A body without Content-Length (chunked) is charged as it arrives."""
        started = False
        over = 0.0

        async def metered_receive() -> Any:
            nonlocal over
            message = await receive()
            n = len(message.get("body", b"")) if message["type"] == "http.request" else 0
            if n:
                over = self.bytes.take(party, n)
                if over:
                    raise _OverRate
            return message

        async def watched_send(message: Any) -> None:
            nonlocal started
            started = started or message["type"] == "http.response.start"
            await send(message)

        try:
            await self.app(scope, metered_receive, watched_send)
        except _OverRate:
            if not started:
                await _send(send, too_many("rate_limited", self._bytes_detail(party), over))


class _OverRate(Exception):
    pass


def _bearer(scope: Scope) -> str | None:
    for name, value in scope.get("headers", ()):
        if name == b"authorization":
            scheme, _, token = value.decode("latin-1").partition(" ")
            return token.strip() if scheme.lower() == "bearer" and token.strip() else None
    return None


def _content_length(scope: Scope) -> int:
    for name, value in scope.get("headers", ()):
        if name == b"content-length":
            try:
                return max(0, int(value))
            except ValueError:
                return 0
    return 0


async def _send(send: Any, response: tuple[int, list[Any], bytes]) -> None:
    status, headers, body = response
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": body})
