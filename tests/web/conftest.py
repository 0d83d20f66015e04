"""The map page's fixtures: the demo scenario on a real server, and headless Chromium.

The server runs the eastern-Mediterranean scenario (its agreement, keys, assets, notices
and hotline messages, as `interlock demo` loads them) on the real clock, since the page
signs with the browser's clock and the server accepts +-5 minutes. A TrackService holds
a few aircraft near 35E 34.5N, reported once a second as they fly.

The browser is Debian's Chromium driven by Playwright, with a fresh profile and the
switches that keep it from calling Google; every request it makes is recorded, and any
that would leave 127.0.0.1 is refused (and then fails the test).
"""

from __future__ import annotations

import json
import math
import shutil
import subprocess
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import httpx
import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from tests import pg
from tests.conftest import serve_in_thread, wait_until

from interlock.api import create_app
from interlock.api.web import STATIC
from interlock.ledger.envelope import sign
from interlock.ledger.keys import read_private
from interlock.service.bootstrap import init_with_keys, open_services
from interlock.service.hotline import HotlineService
from interlock.service.notices import NoticeService
from interlock.service.scenario import (
    DEFAULT_SCENARIO,
    load_scenario,
    scenario_agreement_path,
    send_scenario_messages,
)
from interlock.service.tracks import TrackService

CHROMIUM = Path("/usr/bin/chromium")
HARNESS = Path(__file__).parent / "harness.mjs"
ARTIFACTS = Path(__file__).parent / "artifacts"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-default-apps",
    "--disable-features=Translate,OptimizationHints,MediaRouter",
]
LOCAL_HOSTS = {"127.0.0.1"}


def _skip_reason() -> str | None:
    if not (STATIC / "vendor" / "leaflet").is_dir():
        return "map page not built: npm --prefix web ci && npm --prefix web run build"
    if not CHROMIUM.exists():
        return "no /usr/bin/chromium (scripts/browser installs it)"
    try:
        import playwright  # noqa: F401
    except ImportError:
        return "playwright is not installed (pip install -e '.[test]')"
    return None


@dataclass
class DemoServer:
    url: str
    tokens: dict[str, str]
    key_files: dict[str, Path]
    keys: dict[str, Ed25519PrivateKey]
    service: NoticeService
    hotline: HotlineService
    tracks: TrackService
    directory: Path  # the server's directory (its log key, DIR/log.key, signs checkpoints)

    def client(self, party: str) -> httpx.Client:
        return httpx.Client(
            base_url=self.url,
            headers={"Authorization": f"Bearer {self.tokens[party]}"},
            timeout=10.0,
        )

    def key_pem(self, party: str) -> str:
        return self.key_files[party].read_text(encoding="ascii")

    def send(self, sender: str, to: list[str], subject: str, priority: str = "flash") -> str:
        """A signed message from `sender`, as its own client would send it; its id."""
        body = {"to": to, "priority": priority, "subject": subject, "body": "", "refs": []}
        env = sign("message", sender, body, self.keys[sender], datetime.now(UTC))
        return str(self.hotline.send(sender, env)["id"])


# The test aircraft: (track, feed, start lon, start lat, course deg, speed kt, alt ft, name).
AIRCRAFT = [
    ("eagle1", "own", 34.9, 34.45, 80.0, 480.0, 21000, "EAGLE 1"),
    ("eagle2", "own", 35.1, 34.3, 0.0, 300.0, 15000, "EAGLE 2"),
    ("4CA123", "sbs", 35.3, 34.7, 270.0, 460.0, 36000, "RYR42K"),
    # Head on at one level, 0.9 degrees apart: a loss of separation predicted within the
    # 5-minute lookahead from the first scan (closest approach after about 200 s).
    ("eagle3", "own", 35.8, 34.15, 270.0, 400.0, 20000, "EAGLE 3"),
    ("4CA124", "sbs", 34.9, 34.15, 90.0, 400.0, 20000, "THY7TZ"),
]
M_PER_DEG = 111_320.0


class Feed:
    """Reports the test aircraft once a second, each flying straight at its speed (the
    picture refuses jumps faster than an aircraft flies, so they really fly)."""

    def __init__(self, tracks: TrackService) -> None:
        self.tracks = tracks
        self.t0 = time.monotonic()
        self.stop = threading.Event()
        self.report()
        self.thread = threading.Thread(target=self.run, daemon=True, name="test feed")
        self.thread.start()

    def run(self) -> None:
        while not self.stop.wait(1.0):
            self.report()

    def report(self) -> None:
        now = datetime.now(UTC)
        elapsed = time.monotonic() - self.t0
        own: list[dict[str, Any]] = []
        sbs: list[str] = []
        stamp = now.strftime("%Y/%m/%d,%H:%M:%S.%f")[:-3]
        for track, feed, lon0, lat0, course, speed, alt, name in AIRCRAFT:
            run_m = speed * 1852 / 3600 * elapsed
            rad = math.radians(course)
            lat = lat0 + run_m * math.cos(rad) / M_PER_DEG
            lon = lon0 + run_m * math.sin(rad) / (M_PER_DEG * math.cos(math.radians(lat0)))
            if feed == "own":
                own.append(
                    {
                        "type": "Feature",
                        "id": track,
                        "geometry": {"type": "Point", "coordinates": [lon, lat]},
                        "properties": {
                            "time": now.isoformat(),
                            "domain": "air",
                            "alt_ft": alt,
                            "speed_kt": speed,
                            "course_deg": course,
                            "name": name,
                        },
                    }
                )
            else:
                sbs += [
                    f"MSG,1,1,1,{track},1,{stamp},{stamp},{name},,,,,,,,,,,,,0",
                    f"MSG,3,1,1,{track},1,{stamp},{stamp},,{alt},,,{lat:.5f},{lon:.5f},,,0,0,0,0",
                    f"MSG,4,1,1,{track},1,{stamp},{stamp},,,{speed},{course},,,0,,,,,0",
                ]
        self.tracks.ingest_own_forces("base", {"type": "FeatureCollection", "features": own})
        self.tracks.ingest_lines("command", "sbs", sbs)


@pytest.fixture(scope="session")
def demo_server(
    tmp_path_factory: pytest.TempPathFactory, _pg_template: None
) -> Iterator[DemoServer]:
    """The demo deployment, served (on PostgreSQL its database is a copy of the session's
    migrated template, made first: `_pg_template`)."""
    reason = _skip_reason()
    if reason:
        pytest.skip(reason)
    directory = tmp_path_factory.mktemp("demo")
    text = scenario_agreement_path(DEFAULT_SCENARIO).read_text(encoding="utf-8")
    _, tokens, key_files = init_with_keys(directory, text)
    services = open_services(directory, pg.db_for(directory))
    service, hotline, tracks = services.notices, services.hotline, services.tracks
    now = datetime.now(UTC)
    report = load_scenario(DEFAULT_SCENARIO, services, now)
    keys = {p: read_private(path) for p, path in key_files.items()}
    send_scenario_messages(DEFAULT_SCENARIO, services, keys, report.notice_ids, now)
    feed = Feed(tracks)

    app = create_app(services, tick_s=0.5, keepalive_s=1.0)
    with serve_in_thread(app) as url:
        yield DemoServer(url, tokens, key_files, keys, service, hotline, tracks, directory)
        feed.stop.set()
    feed.thread.join(timeout=5)
    service.store.close()


@dataclass
class Browser:
    """A page in a fresh Chromium profile, with what it logged and requested."""

    page: Any
    console_errors: list[str]
    requests: list[str]
    refused: list[str]

    def foreign_requests(self) -> list[str]:
        return [u for u in self.requests if not _local(u)] + self.refused


def _local(url: str) -> bool:
    parts = urlsplit(url)
    if parts.scheme in ("data", "blob", "about"):
        return True  # never leave the browser
    return parts.hostname in LOCAL_HOSTS


@pytest.fixture(scope="session")
def playwright_instance() -> Iterator[Any]:
    reason = _skip_reason()
    if reason:
        pytest.skip(reason)
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        yield p


@pytest.fixture
def browser(playwright_instance: Any, tmp_path: Path) -> Iterator[Browser]:
    profile = tmp_path / "chromium-profile"
    context = playwright_instance.chromium.launch_persistent_context(
        str(profile),
        executable_path=str(CHROMIUM),
        headless=True,
        args=CHROMIUM_ARGS,
        viewport={"width": 1500, "height": 950},
        service_workers="block",
    )
    console_errors: list[str] = []
    requests: list[str] = []
    refused: list[str] = []

    def route(r: Any) -> None:
        url = r.request.url
        if _local(url):
            r.continue_()
        else:  # refused here so it never leaves; the test then fails on it
            refused.append(url)
            r.abort()

    context.route("**/*", route)
    context.on("request", lambda req: requests.append(req.url))
    page = context.pages[0] if context.pages else context.new_page()
    page.on(
        "console",
        lambda msg: (
            console_errors.append(f"{msg.text} ({msg.location})") if msg.type == "error" else None
        ),
    )
    page.on("pageerror", lambda exc: console_errors.append(f"page error: {exc}"))
    yield Browser(page, console_errors, requests, refused)
    context.close()
    shutil.rmtree(profile, ignore_errors=True)


def waiting_on(page: Any, check: Callable[[], Any], timeout_s: float = 15.0) -> Any:
    """wait_until, letting the page's requests through meanwhile: the browser fixture's
    route handler runs only while the test is inside a Playwright call."""
    return wait_until(lambda: (page.wait_for_timeout(50), check())[1], timeout_s=timeout_s)


def screenshot(page: Any, name: str) -> Path:
    """Save a screenshot as a test artifact (tests/web/artifacts/) and say where; named for
    the engine when not SQLite, as the two engines' lanes run side by side."""
    from tests import pg

    ARTIFACTS.mkdir(exist_ok=True)
    path = ARTIFACTS / (f"{name}.png" if pg.ENGINE == "sqlite" else f"{name}-{pg.ENGINE}.png")
    page.screenshot(path=str(path))
    print(f"screenshot: {path}")
    return path


class Node:
    """One Node process running harness.mjs over the page's own modules, asked one line
    at a time (the JS-against-Python tests)."""

    def __init__(self, harness: Path = HARNESS) -> None:
        self.proc = subprocess.Popen(
            ["node", str(harness), str(STATIC / "js")],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
            encoding="utf-8",
        )

    def ask(self, **request: Any) -> dict[str, Any]:
        assert self.proc.stdin is not None and self.proc.stdout is not None
        self.proc.stdin.write(json.dumps(request, ensure_ascii=True) + "\n")
        self.proc.stdin.flush()
        answer: dict[str, Any] = json.loads(self.proc.stdout.readline())
        return answer

    def close(self) -> None:
        assert self.proc.stdin is not None
        self.proc.stdin.close()
        self.proc.wait(timeout=10)


@pytest.fixture(scope="module")
def node() -> Iterator[Node]:
    if shutil.which("node") is None:
        pytest.skip("node is not installed")
    if not (STATIC / "vendor" / "noble-ed25519").is_dir():
        pytest.skip("map page not built: npm --prefix web ci && npm --prefix web run build")
    n = Node()
    yield n
    n.close()


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Tests that wait for the session demo's real deadlines (its flash messages escalate
    30 s after it loads) run last: by then the deadlines have passed, and no test sits
    waiting for them."""
    late = [i for i in items if i.get_closest_marker("after_demo_deadlines")]
    if late:
        items[:] = [i for i in items if i not in late] + late
