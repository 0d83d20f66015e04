"""Shared fixtures: an agreement, a controllable clock, a service, a real server."""

from __future__ import annotations

import hashlib
import os
import socket
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
import uvicorn
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from interlock.api import create_app
from interlock.client import Client
from interlock.codec.keys import public_text
from interlock.ledger.envelope import sign
from interlock.ledger.statements import sealed_notice
from interlock.model.agreement import Agreement, agreement_from_dict
from interlock.service.assets import AssetService
from interlock.service.auth import issue_tokens
from interlock.service.hotline import HotlineService
from interlock.service.notices import NoticeService
from interlock.service.root import Services, build_services
from interlock.store import SqliteStore, open_store

T0 = datetime(2026, 12, 1, 8, 0, tzinfo=UTC)
# One Ed25519 key per test party, listed in make_agreement()'s parties. Derived from the
# name, so every import of this module (pytest's and `tests.conftest`) has the same keys.
PARTY_KEYS: dict[str, Ed25519PrivateKey] = {
    p: Ed25519PrivateKey.from_private_bytes(hashlib.sha256(f"test key {p}".encode()).digest())
    for p in ("blue", "red", "green")
}
PUBLIC_KEYS = {p: [public_text(k.public_key())] for p, k in PARTY_KEYS.items()}


class Clock:
    """A clock the test moves by hand."""

    def __init__(self, now: datetime = T0) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **kwargs: float) -> None:
        self.now += timedelta(**kwargs)


def signed_notice(
    party: str,
    key: Ed25519PrivateKey,
    feature: dict[str, Any],
    at: datetime,
    *,
    hidden: tuple[str, ...] = ("purpose", "remarks", "unit"),
    notice_id: str | None = None,
    version: int = 1,
) -> dict[str, Any]:
    """What a party posts for a signed notice (as `Client.signed_notice` builds it): the
    envelope over the feature with its `hidden` fields committed, saying new or which
    version of which notice, and the openings beside it."""
    salts = {f: os.urandom(32) for f in hidden}
    body, openings = sealed_notice(feature, hidden, salts, notice_id, version)
    env = sign("notice", party, body, key, at)
    return {**env, "openings": openings} if openings else env


def make_agreement(hotline: dict[str, Any] | None = None, **rules: Any) -> Agreement:
    return agreement_from_dict(
        {
            "agreement": {"name": "test agreement"},
            "parties": [
                {"id": "blue", "name": "Blue command", "public_keys": PUBLIC_KEYS["blue"]},
                {"id": "red", "name": "Red airbase", "public_keys": PUBLIC_KEYS["red"]},
                {"id": "green", "name": "Green navy", "public_keys": PUBLIC_KEYS["green"]},
            ],
            "rules": {"min_lead_time_min": 60, "time_buffer_min": 15, **rules},
            "visibility": {"others_see": ["callsign"]},
            "hotline": hotline or {},
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


def emission(
    lon: float,
    lat: float,
    *,
    freq_mhz: float = 2800.0,
    eirp_dbm: float = 60.0,
    start: datetime | None = None,
    hours: float = 2.0,
    **props: Any,
) -> dict[str, Any]:
    """An emission notice Feature: a 1 MHz S-band emitter at a site, 2 h from T0 + 2 h."""
    start = start or T0 + timedelta(hours=2)
    return {
        "type": "Feature",
        "geometry": {"type": "Point", "coordinates": [lon, lat]},
        "properties": {
            "domain": "emission",
            "centre_freq_mhz": freq_mhz,
            "bandwidth_mhz": 1.0,
            "eirp_dbm": eirp_dbm,
            "antenna_height_m": 20.0,
            "start": start.isoformat(),
            "end": (start + timedelta(hours=hours)).isoformat(),
            **props,
        },
    }


def radar(lon: float, lat: float, *, freq_mhz: float = 2800.0, **receiver: Any) -> dict[str, Any]:
    """A radar asset with a protected S-band receiver (safety of life: -10 dB I/N)."""
    return {
        "type": "Feature",
        "geometry": {"type": "Point", "coordinates": [lon, lat]},
        "properties": {
            "kind": "radar",
            "name": "border radar",
            "radius_m": 1000,
            "receiver": {
                "freq_mhz": freq_mhz,
                "bandwidth_mhz": 2.0,
                "antenna_height_m": 30.0,
                "gain_dbi": 30.0,
                "noise_figure_db": 3.0,
                "safety_of_life": True,
                **receiver,
            },
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
def services(store: SqliteStore, agreement: Agreement, clock: Clock) -> Services:
    return build_services(store, agreement, clock)


@pytest.fixture
def service(services: Services) -> NoticeService:
    return services.notices


@pytest.fixture
def assets(services: Services) -> AssetService:
    return services.assets


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
    hotline: HotlineService

    def client(self, party: str | None) -> httpx.Client:
        headers = {"Authorization": f"Bearer {self.tokens[party]}"} if party else {}
        return httpx.Client(base_url=self.url, headers=headers, timeout=10.0)

    def party_client(self, party: str, key: Ed25519PrivateKey | None = None) -> Client:
        """The signing client of `party` (its test key), on the test's clock."""
        return Client(
            self.url, self.tokens[party], party, key or PARTY_KEYS[party], clock=self.clock
        )


# The app's ticker, for a test that ticks by hand (LiveServer.hotline.tick(), the job the
# ticker runs): a first tick a day away, so none comes during a test.
MANUAL_TICKS_S = 86_400.0


@pytest.fixture
def live_server(
    request: pytest.FixtureRequest, services: Services, clock: Clock
) -> Iterator[LiveServer]:
    """A real uvicorn server on loopback, in a thread, over the test's services. Its ticker
    runs every 0.05 s, or never for a test marked `manual_ticks`."""
    tokens, hashes = issue_tokens(services.agreement.party_ids)
    services.store.set_token_hashes(hashes)
    tick_s = MANUAL_TICKS_S if request.node.get_closest_marker("manual_ticks") else 0.05
    with serve_in_thread(create_app(services, tick_s=tick_s, keepalive_s=0.5)) as url:
        yield LiveServer(url, tokens, services.notices, clock, services.hotline)


@contextmanager
def serve_in_thread(app: Any) -> Iterator[str]:
    """A real uvicorn server for `app` on a free loopback port, in a thread; its URL."""
    port = free_port()
    config = uvicorn.Config(
        app, host="127.0.0.1", port=port, log_level="error", timeout_graceful_shutdown=2
    )
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not server.started:
        if time.monotonic() > deadline:
            raise RuntimeError("uvicorn did not start")
        time.sleep(0.02)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=10)


def wait_until(check: Callable[[], Any], timeout_s: float = 10.0, every_s: float = 0.05) -> Any:
    """Poll `check` until it returns something true (returned), or fail after `timeout_s`."""
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        value = check()
        if value:
            return value
        time.sleep(every_s)
    raise AssertionError(f"not true within {timeout_s} s: {check}")


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


@pytest.fixture(scope="session")
def _pg_template() -> Iterator[None]:
    from tests import pg

    if pg.ENGINE != "postgresql":
        yield
        return
    if not pg.ADMIN_URL:
        raise RuntimeError(pg.NO_PG)
    pg.ensure_template()
    yield
    pg.drop_test_databases()


@pytest.fixture(autouse=True)
def _engine_under_test(
    request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch
) -> Iterator[None]:
    """With INTERLOCK_TEST_ENGINE=postgresql the whole suite runs on PostgreSQL: every store
    a test opens by file path (or :memory:) is a database of its own on the test cluster,
    the same one each time the test opens the same path. An `engine_free` test uses no
    such store (the guard below checks it), so nothing is redirected for it."""
    from tests import pg

    if pg.ENGINE != "postgresql" or request.node.get_closest_marker("engine_free"):
        yield
        return
    request.getfixturevalue("_pg_template")
    tmp_path: Path = request.getfixturevalue("tmp_path")
    import itertools

    import interlock.store

    sqlite_target = interlock.store.store_url
    made: list[str] = []
    fresh = itertools.count()

    def redirected(target: str | Path) -> str:
        url = sqlite_target(target)
        if not url.startswith("sqlite"):
            return url
        key = f"{tmp_path}:{url}" if url != "sqlite://" else f"{tmp_path}:memory:{next(fresh)}"
        db, new = pg.database_for(key)
        if new:
            made.append(db)
        return db

    monkeypatch.setattr(interlock.store, "store_url", redirected)
    yield
    for db in made:
        pg.give_back(db)


@pytest.fixture
def pg_url() -> Iterator[str]:
    """A fresh, empty PostgreSQL database on the test cluster (its URL), dropped afterwards."""
    from tests import pg

    if not pg.ADMIN_URL:
        pytest.skip(pg.NO_PG)
    url = pg.create_database()
    yield url
    pg.drop_database(url)


def deployment_env(directory: Path) -> dict[str, str]:
    """Environment for a child `interlock` process on `directory`'s store: when the suite
    runs on PostgreSQL, INTERLOCK_DB names the database that stands for its file."""
    from tests import pg

    pg.note_engine_use(f"deployment_env({directory})")
    if pg.ENGINE != "postgresql":
        return {}
    import interlock.store

    return {"INTERLOCK_DB": interlock.store.store_url(directory / "interlock.db")}


# ---- tests that run once: those that use no store of the engine under test ----------------
# scripts/test runs the suite on SQLite and on PostgreSQL, and these only once (see LANE
# below): pure code (geo, model, detect, spectrum, feeds, the ledger's core), tests
# that reach PostgreSQL by a URL of their own (pg_url), and child processes that are never
# put on the engine under test (bench/, offline CLI commands) run the same on both passes.
# An entry is a directory (ending in "/"), a file, or a file::test, relative to tests/.
# The guard (pytest_runtest_makereport below) fails a test listed here that reaches a
# store of the engine under test, so none is silently dropped from the PostgreSQL pass:
# take it out of the list instead. `pytest --engine-free-candidates` lists the tests that
# reached none (a test using a store set up by an earlier test's wider fixture shows up
# there too: check before adding it).
ENGINE_FREE = (
    "geo/",
    "formats/",
    "model/",
    "detect/",
    "spectrum/",
    "feeds/",
    "bench/",
    "formats/",  # the exchange formats, pure (tests/formats)
    "ledger/test_fast_canonical.py",
    "ledger/test_ledger_core.py",
    "ledger/test_small_order_keys.py",
    "ledger/test_verify_parallel.py",
    "web/test_js_signing.py",
    "cli/test_keys_cli.py",
    "cli/test_help_secrets.py",
    "cli/test_packaging.py",  # its stores are in subprocesses, never the engine under test
    "cli/test_demo_cli.py",
    "cli/test_spectrum_cli.py",
    "cli/test_cli.py::test_init_refuses_an_existing_deployment",
    "cli/test_cli.py::test_offline_check_exit_codes",
    "cli/test_cli.py::test_offline_check_reads_stdin",
    "api/test_several_processes.py",
    "api/test_store_unavailable.py",
    "service/test_demo_feed.py",
    "service/test_picture_share.py",  # its own database (pg_url)
    "service/test_bootstrap_keys.py::test_public_keys_are_set_in_the_right_party_and_comments_kept",
    "service/test_bootstrap_keys.py::test_a_party_without_a_keys_line_gets_one",
    "service/test_bootstrap_keys.py::test_init_with_keys_refuses_bad_toml_and_writes_nothing",
    "service/test_hotline_service.py::test_bad_hotline_clauses_are_refused_naming_the_field",
    "service/test_hotline_service.py::test_hotline_clauses_are_read",
    "service/test_hotline_service.py::test_any_json_is_a_message_or_a_clear_error",
    "service/test_hotline_service.py::test_any_json_is_a_receipt_or_a_clear_error",
    "service/test_hotline_service.py::test_no_party_may_pose_as_the_system",
    "store/test_pg_urls.py",
    "store/test_postgres_store.py::test_placeholders_are_rewritten_and_casts_left_alone",
    "store/test_postgres_store.py::test_every_named_placeholder_becomes_one_pyformat_placeholder",
    "store/test_postgres_store.py::test_candidates_come_from_the_gist_index",
    "store/test_postgres_store.py::test_a_commit_in_one_process_wakes_the_streams_of_another",
    "store/test_postgres_store.py::test_a_lost_database_is_unavailable_not_an_error_and_recovers",
    "store/test_postgres_store.py::test_a_read_only_database_is_unavailable_and_its_connections_are_dropped",
)
# scripts/test runs the two passes side by side, one a core: the SQLite pass (lane "a") and
# the PostgreSQL pass (lane "b"). The engine-free tests run once, in one lane: those under
# these directories in lane b, every other one (a new directory too) in lane a; chosen so
# the lanes take about the same time. INTERLOCK_TEST_LANE unset: one lane runs them all.
LANE_B_ENGINE_FREE = (
    "ledger/",
    "detect/",
    "feeds/",
    "service/",
    "store/",
    "spectrum/",
    "web/",
    "bench/",
    "model/",
    "geo/",
)
# What a surface shows (the page's popups, labels, alarms and languages; the CLI's tables,
# prefixes and input checks) does not depend on the store's engine: those tests run in the
# SQLite lane only. The engine seam is tested below them on both engines (store/, service/,
# api/), and these surface tests stay on both as the end-to-end pass over PostgreSQL: the
# page and its witness, the CLI's file-list-conflicts-cancel round and the record's CLI.
SURFACE = ("web/", "cli/")
SURFACE_ON_BOTH_ENGINES = (
    "web/test_page.py",
    "web/test_page_witness.py",
    "cli/test_cli.py",
    "cli/test_audit_export.py",
    "cli/test_audit_views.py",
    "cli/test_bound_receipts_audit.py",
    "cli/test_verify_url.py",
    "cli/test_witness_cli.py",
)
LANE = os.environ.get("INTERLOCK_TEST_LANE", "")
TESTS = Path(__file__).resolve().parent
_ENGINE_USES = pytest.StashKey[list[str]]()
_RUN = pytest.StashKey[list[pytest.Item]]()


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption(
        "--engine-free-candidates",
        action="store_true",
        help="list the tests not marked engine_free that reached no store of the engine "
        "under test (candidates for ENGINE_FREE in tests/conftest.py)",
    )


def pytest_configure(config: pytest.Config) -> None:
    """Watch the two ways into a store of the engine under test: a store target turned
    into a URL (what the PostgreSQL pass redirects), and any SQLite connection."""
    import sqlite3

    from sqlalchemy import event
    from sqlalchemy.pool import Pool
    from tests import pg

    import interlock.store

    if getattr(interlock.store.store_url, "_watched", False):
        return
    real = interlock.store.store_url

    def watched(target: str | Path) -> str:
        url = real(target)
        if not url.startswith("postgres"):
            pg.note_engine_use(f"store_url({str(target)!r})")
        return url

    watched._watched = True  # type: ignore[attr-defined]
    interlock.store.store_url = watched

    def on_connect(dbapi_conn: Any, _record: Any) -> None:
        if isinstance(dbapi_conn, sqlite3.Connection):
            pg.note_engine_use("a SQLite connection")

    event.listen(Pool, "connect", on_connect)


@pytest.hookimpl(tryfirst=True)
def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    for item in items:
        file = item.path.resolve().relative_to(TESTS).as_posix()
        test = f"{file}::{item.name.partition('[')[0]}"
        if any(e in (file, test) or (e[-1] == "/" and file.startswith(e)) for e in ENGINE_FREE):
            item.add_marker(pytest.mark.engine_free)
    if LANE:
        _keep_this_lanes_share(config, items)


def _in_lane(item: pytest.Item) -> bool:
    """Whether this lane runs `item`: every test that uses a store (on the lane's engine;
    a surface test only in lane a: SURFACE), and the engine-free tests of the lane's share
    (LANE_B_ENGINE_FREE)."""
    file = item.path.resolve().relative_to(TESTS).as_posix()
    if not item.get_closest_marker("engine_free"):
        surface_only = file.startswith(SURFACE) and file not in SURFACE_ON_BOTH_ENGINES
        return LANE == "a" or not surface_only
    in_b = file.startswith(LANE_B_ENGINE_FREE)
    return in_b == (LANE == "b")


def _keep_this_lanes_share(config: pytest.Config, items: list[pytest.Item]) -> None:
    if LANE not in ("a", "b"):
        raise pytest.UsageError(f"INTERLOCK_TEST_LANE must be a or b, not {LANE!r}")
    kept = [i for i in items if _in_lane(i)]
    if len(kept) != len(items):
        config.hook.pytest_deselected(items=[i for i in items if not _in_lane(i)])
        items[:] = kept


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_protocol(item: pytest.Item, nextitem: pytest.Item | None) -> Iterator[None]:
    from tests import pg

    item.stash[_ENGINE_USES] = pg.watch_engine_use(True)
    item.config.stash.setdefault(_RUN, []).append(item)
    try:
        yield
    finally:
        pg.watch_engine_use(False)


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]) -> Iterator[None]:
    outcome = yield
    report: pytest.TestReport = outcome.get_result()
    uses = item.stash.get(_ENGINE_USES, [])
    if not uses or not item.get_closest_marker("engine_free") or report.when != "teardown":
        return
    report.outcome = "failed"
    report.longrepr = (
        f"{item.nodeid} is marked engine_free (ENGINE_FREE in tests/conftest.py: run once, "
        f"not on each engine) but reached a store of the engine under test: "
        f"{'; '.join(dict.fromkeys(uses))}. Take it out of ENGINE_FREE."
    )


def pytest_terminal_summary(terminalreporter: Any, config: pytest.Config) -> None:
    if not config.getoption("--engine-free-candidates"):
        return
    found = [
        item.nodeid
        for item in config.stash.get(_RUN, [])
        if not item.get_closest_marker("engine_free") and not item.stash[_ENGINE_USES]
    ]
    terminalreporter.write_sep("=", f"{len(found)} tests reached no store of the engine under test")
    for nodeid in found:
        terminalreporter.write_line(nodeid)
