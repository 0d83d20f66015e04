"""The HTTP server's own guards: request timeouts and a connection cap, under uvicorn.

uvicorn closes an idle keep-alive connection (``timeout_keep_alive``) but sets no limit on
how long a request's headers or body may take to arrive: a client that sends one header
byte at a time (slowloris), or trickles its body, holds its connection and its task for
ever. ``limit_concurrency`` answers a plain-text 503 only once a request's headers are in.
`GuardedHttpTools` is uvicorn's httptools protocol with a watchdog: the request line and
headers must arrive within `header_timeout_s` of the connection (or of the request's
first byte on a kept-alive one), the body within `body_timeout_s` of the headers; then a
408 (if no response has started) and the connection is closed. A connection beyond
`max_connections` is answered 503 with Retry-After and closed at once.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from types import FrameType
from typing import Any

import orjson
import uvicorn
from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol

from ..model.server_limits import DEFAULT_SERVER_LIMITS, ServerLimits

LIMITS_ATTR = "interlock_limits"
# Open push streams never end by themselves: give them this long to close on shutdown.
GRACEFUL_SHUTDOWN_S = 3


def _raw_response(status: str, error: str, detail: str, extra: bytes = b"") -> bytes:
    body = orjson.dumps({"error": error, "detail": detail})
    return (
        b"HTTP/1.1 %s\r\ncontent-type: application/json\r\ncontent-length: %d\r\n"
        b"connection: close\r\n%s\r\n%s" % (status.encode(), len(body), extra, body)
    )


class GuardedHttpTools(HttpToolsProtocol):
    """uvicorn's httptools protocol, with header and body timeouts and a connection cap."""

    def __init__(self, config: uvicorn.Config, *args: Any, **kwargs: Any) -> None:
        super().__init__(config, *args, **kwargs)
        # On the Config (pickled to each worker process with it), not on the class.
        self.limits: ServerLimits = getattr(config, LIMITS_ATTR, DEFAULT_SERVER_LIMITS)
        self._watchdog: asyncio.TimerHandle | None = None

    def _arm(self, seconds: float, what: str) -> None:
        self._disarm()
        self._watchdog = self.loop.call_later(seconds, self._expired, what, seconds)

    def _disarm(self) -> None:
        if self._watchdog is not None:
            self._watchdog.cancel()
            self._watchdog = None

    def _expired(self, what: str, seconds: float) -> None:
        self._watchdog = None
        if self.transport.is_closing():
            return
        if self.cycle is None or not self.cycle.response_started:
            self.transport.write(
                _raw_response(
                    "408 Request Timeout",
                    "request_timeout",
                    f"request {what} not complete within {seconds:g} s (server.{what}_timeout_s)",
                )
            )
        self.transport.close()

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        super().connection_made(transport)
        cap = self.limits.max_connections
        if len(self.connections) > cap:
            transport.write(
                _raw_response(
                    "503 Service Unavailable",
                    "too_many_connections",
                    f"the server holds its limit of {cap} connections (server.max_connections)",
                    b"retry-after: 1\r\n",
                )
            )
            transport.close()
            return
        self._arm(self.limits.header_timeout_s, "header")

    def connection_lost(self, exc: Exception | None) -> None:
        self._disarm()
        super().connection_lost(exc)

    def on_message_begin(self) -> None:
        super().on_message_begin()
        if self._watchdog is None:  # a new request on a kept-alive connection
            self._arm(self.limits.header_timeout_s, "header")

    def on_headers_complete(self) -> None:
        self._arm(self.limits.body_timeout_s, "body")
        super().on_headers_complete()

    def on_message_complete(self) -> None:
        self._disarm()
        super().on_message_complete()


def server_config(
    app: Any, limits: ServerLimits, host: str, port: int, **kwargs: Any
) -> uvicorn.Config:
    """uvicorn's configuration with every guard of `limits` applied."""
    config = uvicorn.Config(
        app,
        host=host,
        port=port,
        http=GuardedHttpTools,
        timeout_keep_alive=max(1, round(limits.keep_alive_s)),
        timeout_graceful_shutdown=GRACEFUL_SHUTDOWN_S,
        **{"log_level": "warning", **kwargs},
    )
    setattr(config, LIMITS_ATTR, limits)
    return config


def run(config: uvicorn.Config, on_exit: Callable[[], None] | None = None) -> None:
    """Serve until stopped: in this process, or in `config.workers` processes (what
    `uvicorn.run` does, with our Config and its protocol). `on_exit` (one process only) is
    called as soon as a stop is asked (Ctrl-C, SIGTERM), before open connections are waited
    for: the place to close the process's own clients of this server, which would hold the
    shutdown up until its timeout; it must not block."""
    if config.workers > 1:
        from uvicorn.supervisors import Multiprocess

        Multiprocess(config, sockets=[config.bind_socket()]).run()
        return
    server = uvicorn.Server(config)
    if on_exit is not None:
        handle_exit = server.handle_exit

        def exiting(sig: int, frame: FrameType | None) -> None:
            on_exit()
            handle_exit(sig, frame)

        server.handle_exit = exiting  # type: ignore[method-assign]
    server.run()
