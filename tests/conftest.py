"""Shared fixtures: an agreement, a controllable clock, a service, a real server."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
import uvicorn

from interlock.api import create_app
from interlock.model.agreement import Agreement, agreement_from_dict
from interlock.service.auth import issue_tokens
from interlock.service.notices import NoticeService
from interlock.store import SqliteStore, open_store

T0 = datetime(2026, 12, 1, 8, 0, tzinfo=UTC)


class Clock:
    """A clock the test moves by hand."""

    def __init__(self, now: datetime = T0) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **kwargs: float) -> None:
        self.now += timedelta(**kwargs)


def make_agreement(**rules: Any) -> Agreement:
    return agreement_from_dict(
        {
            "agreement": {"name": "test agreement"},
            "parties": [
                {"id": "blue", "name": "Blue command"},
                {"id": "red", "name": "Red airbase"},
                {"id": "green", "name": "Green navy"},
            ],
            "rules": {"min_lead_time_min": 60, "time_buffer_min": 15, **rules},
            "visibility": {"others_see": ["callsign"]},
        }
    )


def circle(
    lon: float,
    lat: float,
    radius_m: float = 5000.0,
    *,
    start: datetime | None = None,
    hours: float = 2.0,
    lower_ft: float = 0.0,
    upper_ft: float = 10_000.0,
    **props: Any,
) -> dict[str, Any]:
    """An air notice Feature: a circle, 2 h from T0 + 2 h unless told."""
    start = start or T0 + timedelta(hours=2)
    return {
        "type": "Feature",
        "geometry": {"type": "Point", "coordinates": [lon, lat]},
        "properties": {
            "domain": "air",
            "radius_m": radius_m,
            "alt_lower_ft": lower_ft,
            "alt_upper_ft": upper_ft,
            "start": start.isoformat(),
            "end": (start + timedelta(hours=hours)).isoformat(),
            **props,
        },
    }


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def agreement() -> Agreement:
    return make_agreement()


@pytest.fixture
def store(tmp_path: Path) -> Iterator[SqliteStore]:
    s = open_store(tmp_path / "test.db")
    yield s
    s.close()


@pytest.fixture
def service(store: SqliteStore, agreement: Agreement, clock: Clock) -> NoticeService:
    return NoticeService(store, agreement, clock)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@dataclass
class LiveServer:
    url: str
    tokens: dict[str, str]
    service: NoticeService
    clock: Clock

    def client(self, party: str | None) -> httpx.Client:
        headers = {"Authorization": f"Bearer {self.tokens[party]}"} if party else {}
        return httpx.Client(base_url=self.url, headers=headers, timeout=10.0)


@pytest.fixture
def live_server(service: NoticeService, clock: Clock) -> Iterator[LiveServer]:
    """A real uvicorn server on loopback, in a thread, over the test's service."""
    tokens, hashes = issue_tokens(service.agreement.party_ids)
    service.store.set_token_hashes(hashes)
    port = free_port()
    config = uvicorn.Config(create_app(service), host="127.0.0.1", port=port, log_level="error")
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not server.started:
        if time.monotonic() > deadline:
            raise RuntimeError("uvicorn did not start")
        time.sleep(0.02)
    yield LiveServer(f"http://127.0.0.1:{port}", tokens, service, clock)
    server.should_exit = True
    thread.join(timeout=10)


@pytest.fixture
def client_for(live_server: LiveServer) -> Iterator[Callable[[str | None], httpx.Client]]:
    clients: list[httpx.Client] = []

    def make(party: str | None) -> httpx.Client:
        c = live_server.client(party)
        clients.append(c)
        return c

    yield make
    for c in clients:
        c.close()
