"""Fair share through a real uvicorn server with the guarded protocol: one party's flood
(streams, requests, bytes, slow connections) meets a 429/408/503 and the others go on."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import replace
from typing import Any

import httpx
import orjson
import pytest
import uvicorn
from tests.conftest import PARTY_KEYS, Clock, free_port, wait_until

from interlock.api import create_app
from interlock.api.server import server_config
from interlock.client import Client
from interlock.errors import InvalidInput
from interlock.model.server_limits import DEFAULT_SERVER_LIMITS
from interlock.model.server_limits import server_limits_from_dict as parse_limits
from interlock.service.auth import issue_tokens
from interlock.service.root import Services

# Refill so slow (one request per 1,000 s) that no test depends on timing.
SLOW = 0.001


class Guarded:
    """A real server (guarded protocol, the given limits) over the test's services."""

    def __init__(self, url: str, tokens: dict[str, str], clock: Clock) -> None:
        self.url, self.tokens, self.clock = url, tokens, clock
        self.port = int(url.rsplit(":", 1)[1])
        self._stack = ExitStack()

    def http(self, party: str | None) -> httpx.Client:
        headers = {"Authorization": f"Bearer {self.tokens[party]}"} if party else {}
        return self._stack.enter_context(
            httpx.Client(base_url=self.url, headers=headers, timeout=10.0)
        )

    def party(self, party: str) -> Client:
        c = Client(self.url, self.tokens[party], party, PARTY_KEYS[party], clock=self.clock)
        self._stack.callback(c.close)
        return c

    def raw(self, timeout: float = 10.0) -> socket.socket:
        s = socket.create_connection(("127.0.0.1", self.port), timeout=timeout)
        self._stack.callback(s.close)
        return s


@pytest.fixture
def guarded(services: Services, clock: Clock) -> Iterator[Callable[..., Guarded]]:
    with ExitStack() as stack:

        def start(**limits: Any) -> Guarded:
            chosen = replace(DEFAULT_SERVER_LIMITS, **limits)
            tokens, hashes = issue_tokens(services.agreement.party_ids)
            services.store.set_token_hashes(hashes)
            app = create_app(services, tick_s=0.05, keepalive_s=0.5, limits=chosen)
            url = stack.enter_context(
                _serve(server_config(app, chosen, "127.0.0.1", free_port(), log_level="error"))
            )
            g = Guarded(url, tokens, clock)
            stack.callback(g._stack.close)
            return g

        yield start


@contextmanager
def _serve(config: uvicorn.Config) -> Iterator[str]:
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    wait_until(lambda: server.started, 10)
    try:
        yield f"http://127.0.0.1:{config.port}"
    finally:
        server.should_exit = True
        thread.join(timeout=10)


def _is_429(r: httpx.Response, error: str) -> None:
    assert r.status_code == 429, r.text
    assert int(r.headers["retry-after"]) >= 1
    body = r.json()
    assert body["error"] == error and body["detail"], body


@contextmanager
def _open_stream(http: httpx.Client) -> Iterator[httpx.Response]:
    with http.stream("GET", "/stream") as r:
        yield r


# ---- the config home ------------------------------------------------------------------


def test_server_table_defaults_and_refusals() -> None:
    assert parse_limits({}) == DEFAULT_SERVER_LIMITS
    got = parse_limits({"server": {"streams_per_party": 2, "header_timeout_s": 0.5}})
    assert got.streams_per_party == 2 and got.header_timeout_s == 0.5
    for bad, field in [
        ({"server": {"streams_per_party": 0}}, "server.streams_per_party"),
        ({"server": {"streams_per_party": 1.5}}, "server.streams_per_party"),
        ({"server": {"requests_per_s": 0}}, "server.requests_per_s"),
        ({"server": {"body_timeout_s": True}}, "server.body_timeout_s"),
        ({"server": {"max_conections": 9}}, "server"),
        ({"server": 3}, "server"),
    ]:
        with pytest.raises(InvalidInput) as err:
            parse_limits(bad)
        assert err.value.field == field


# ---- push streams per party ---------------------------------------------------------------


def test_streams_under_at_and_over_the_party_cap(guarded: Callable[..., Guarded]) -> None:
    g = guarded(streams_per_party=3)
    blue = g.http("blue")
    with ExitStack() as streams:
        for _ in range(3):  # under, then at the cap: all open
            r = streams.enter_context(_open_stream(blue))
            assert r.status_code == 200
        over = blue.get("/stream")  # one over: 429, named, with Retry-After
        _is_429(over, "too_many_streams")
        assert "streams_per_party" in over.json()["detail"]
        # Another party's streams are its own: green opens its full share.
        with _open_stream(g.http("green")) as green_stream:
            assert green_stream.status_code == 200
            # ... and red's message reaches green's stream while blue is at its cap.
            sent = g.party("red").send("green", "Tanker orbit moved", priority="flash")
            lines = green_stream.iter_lines()
            assert wait_until(lambda: sent["id"] in next(lines), 10)
    # Blue's streams closed: its slots come back.
    wait_until(lambda: _opens(g), 10)


def _opens(g: Guarded) -> bool:
    with _open_stream(g.http("blue")) as r:
        return r.status_code == 200


# ---- request and byte rates -------------------------------------------------------------


def test_request_rate_just_under_at_and_over(guarded: Callable[..., Guarded]) -> None:
    g = guarded(requests_per_s=SLOW, request_burst=5)
    blue = g.http("blue")
    assert [blue.get("/me").status_code for _ in range(5)] == [200] * 5  # up to the burst
    over = blue.get("/me")
    _is_429(over, "rate_limited")
    assert "blue" in over.json()["detail"] and "other lane" in over.json()["detail"]
    assert g.http("red").get("/me").status_code == 200  # per party
    # Blue's hotline lane is a bucket of its own: its feed flood cannot silence it.
    assert g.http("blue").get("/hotline/status").status_code == 200


def test_body_bytes_rate_at_and_over(guarded: Callable[..., Guarded]) -> None:
    g = guarded(bytes_per_s=SLOW, byte_burst=2000)
    blue = g.http("blue")
    body = b"x" * 1000
    # Charged by Content-Length: 1,000 + 1,000 = the burst exactly: both pass.
    assert blue.post("/hotline/heartbeat", content=body).status_code == 200
    assert blue.post("/hotline/heartbeat", content=body).status_code == 200
    _is_429(blue.post("/hotline/heartbeat", content=b"x"), "rate_limited")
    assert g.http("red").post("/hotline/heartbeat", content=body).status_code == 200


def test_requests_without_a_token_count_per_address(guarded: Callable[..., Guarded]) -> None:
    g = guarded(anon_requests_per_s=SLOW, anon_request_burst=3)
    anon = g.http(None)
    assert [anon.get("/health").status_code for _ in range(3)] == [200] * 3
    _is_429(anon.get("/health"), "rate_limited")
    _is_429(anon.get("/me", headers={"Authorization": "Bearer il_wrong"}), "rate_limited")
    assert g.http("blue").get("/me").status_code == 200  # a known token is its party's


# ---- server timeouts and the connection cap ---------------------------------------------


def _read_until_closed(s: socket.socket, limit_s: float = 10.0) -> tuple[bytes, float]:
    """Everything the server sends until it closes the connection, and how long it took."""
    t0 = time.monotonic()
    got = b""
    while time.monotonic() - t0 < limit_s:
        try:
            chunk = s.recv(65536)
        except ConnectionResetError:
            break
        if not chunk:
            break
        got += chunk
    return got, time.monotonic() - t0


def test_a_slow_header_connection_is_closed(guarded: Callable[..., Guarded]) -> None:
    g = guarded(header_timeout_s=0.5)
    s = g.raw()
    s.sendall(b"GET /health HTTP/1.1\r\nHost: x\r\nX-Slow: ")  # and never the rest
    got, took = _read_until_closed(s)
    assert got.startswith(b"HTTP/1.1 408 "), got
    assert orjson.loads(got.split(b"\r\n\r\n", 1)[1])["error"] == "request_timeout"
    assert took < 9  # closed by the server, not by our bounded wait
    # A connection that never sends a byte is closed too.
    silent = g.raw()
    got, took = _read_until_closed(silent)
    assert got.startswith(b"HTTP/1.1 408 ") and took < 9
    assert g.http(None).get("/health").status_code == 200  # a prompt client is served


def test_a_trickling_body_is_cut(guarded: Callable[..., Guarded]) -> None:
    g = guarded(body_timeout_s=0.5)
    s = g.raw()
    s.settimeout(0.2)
    s.sendall(
        b"POST /messages HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer "
        + g.tokens["blue"].encode()
        + b"\r\nContent-Length: 100\r\n\r\n"
    )
    got = b""
    t0 = time.monotonic()
    while time.monotonic() - t0 < 10:  # a byte every 0.1 s: 100 bytes would take 10 s
        try:
            s.sendall(b"x")
            chunk = s.recv(65536)
            if not chunk:
                break
            got += chunk
        except TimeoutError:
            continue
        except (BrokenPipeError, ConnectionResetError):
            break
    assert got.startswith(b"HTTP/1.1 408 "), got
    assert time.monotonic() - t0 < 9


def test_a_connection_beyond_the_cap_is_refused(guarded: Callable[..., Guarded]) -> None:
    g = guarded(max_connections=4)
    held = [g.raw() for _ in range(4)]  # at the cap (idle: the header timeout is 20 s)
    wait_until(lambda: _served(held[-1]), 10)
    extra = g.raw()
    got, _ = _read_until_closed(extra)
    assert got.startswith(b"HTTP/1.1 503 "), got
    assert b"retry-after: 1" in got.lower()
    assert orjson.loads(got.split(b"\r\n\r\n", 1)[1])["error"] == "too_many_connections"
    held[0].close()  # one goes: a new connection is served again
    wait_until(lambda: g.http(None).get("/health").status_code == 200, 10)


def _served(s: socket.socket) -> bool:
    s.sendall(b"GET /health HTTP/1.1\r\nHost: x\r\n\r\n")
    return s.recv(65536).startswith(b"HTTP/1.1 200 ")


# ---- the hotline of the others under one party's flood -----------------------------------


def test_others_messages_flow_while_one_party_floods(guarded: Callable[..., Guarded]) -> None:
    g = guarded(streams_per_party=2, requests_per_s=SLOW, request_burst=20)
    stop = threading.Event()
    refused: list[int] = []

    def flood() -> None:
        http = g.http("blue")
        while not stop.is_set():
            codes = [http.get("/me").status_code, http.get("/stream").status_code]
            refused.extend(c for c in codes if c == 429)

    with ExitStack() as streams:
        blue = g.http("blue")
        for _ in range(2):
            assert streams.enter_context(_open_stream(blue)).status_code == 200
        flooder = threading.Thread(target=flood, daemon=True)
        flooder.start()
        try:
            wait_until(lambda: len(refused) > 50, 10)
            green = g.party("green")
            got: list[dict[str, Any]] = []
            reader = threading.Thread(
                target=lambda: got.extend(
                    e
                    for e in green.events(0, stop=lambda: len(got) >= 3, retry_s=0.1)
                    if e["event"].get("type") == "message"
                ),
                daemon=True,
            )
            reader.start()
            sent = [g.party("red").send("green", f"flash {i}", priority="flash") for i in range(3)]
            wait_until(lambda: len(got) >= 3, 10)
            assert [e["event"]["id"] for e in got[:3]] == [m["id"] for m in sent]
            assert g.party("red").heartbeat()
        finally:
            stop.set()
            flooder.join(timeout=10)
