"""The picture at a past moment: `GET /picture?at=T` at random moments, p50/p99 (issue 18:
target ≤ 100 ms at 10,000 tracks).

What it does:

1. Builds a deployment on a durable SQLite file (the composition root, as `interlock
   serve` does) with a clock the benchmark moves, and fills a stretch of history through
   the real paths: 10,000 tracks flying straight lines over the eastern Mediterranean,
   posted every 5 s for --minutes minutes, 98 % observed (blue's receiver, SBS lines) and
   1 % each party's own forces (GeoJSON) (`TrackService.ingest_lines` and
   `ingest_own_forces`: the picture, the history recorder's thinning, its store
   flushes), a tactical scan per batch (alerts raised and cleared, on the record),
   notices filed in pairs that conflict (strategic conflicts and their system messages),
   a quarter of them cancelled on the way (conflicts closed), escalations by the hotline
   ticker.
2. Serves it with uvicorn on 127.0.0.1 (one worker, in this process's thread) and asks
   `GET /picture?at=T` for --requests moments drawn uniformly from the stretch, as blue,
   on one keep-alive connection (closed loop): the latency of each answer, its size and
   the tracks it shows. The first request (which reads the record's alert, escalation and
   channel entries into memory) is reported on its own and left out of the percentiles.
3. The same moments in process: the whole picture (`ReplayService.picture_at`), its
   tracks alone (`TrackService.history_at`, the track history's read) and all but the
   tracks (the picture with that part left out), so a miss says where the time goes.

Run ``python bench/picture.py --quick`` for a smoke test (500 tracks, 2 min of history).
Exit status: 1 with ``--strict`` when the p99 misses the target, else 0.
"""

from __future__ import annotations

import argparse
import contextlib
import math
import random
import statistics
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import uvicorn
from rich.console import Console
from rich.table import Table

from interlock.api import create_app
from interlock.model.agreement import agreement_from_dict
from interlock.model.timeutil import iso
from interlock.service.auth import issue_tokens
from interlock.service.root import Services, build_services
from interlock.store import open_store

TARGET_MS = 100.0  # issue 18's benchmark: GET /picture at a random moment, 10 k tracks
START = datetime(2026, 12, 1, 8, 0, tzinfo=UTC)
FEED_EVERY_S = 5.0  # a position a track every 5 s: the history's thinning interval
console = Console()


class Clock:
    def __init__(self, now: datetime) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now


def agreement() -> Any:
    return agreement_from_dict(
        {
            "agreement": {"name": "picture benchmark"},
            "parties": [
                {"id": "blue", "name": "Blue command"},
                {"id": "red", "name": "Red airbase"},
            ],
            "rules": {"min_lead_time_min": 0, "time_buffer_min": 5},
            "visibility": {"others_see": ["callsign"]},
        }
    )


def _flight(rng: random.Random, t: float) -> tuple[float, float, float, float, int]:
    """One aircraft's (lon, lat, speed, course, alt) `t` seconds into the run: a straight
    line at 250-450 kt from a seeded start over 32-36 N, 31-36 E."""
    lon0, lat0 = rng.uniform(31.0, 36.0), rng.uniform(32.0, 36.0)
    course, speed = rng.uniform(0, 360), rng.uniform(250, 450)
    alt = rng.choice((8_000, 15_000, 22_000, 30_000, 36_000))
    metres = speed * 0.514444 * t
    dlat = metres * math.cos(math.radians(course)) / 111_320.0
    dlon = metres * math.sin(math.radians(course)) / (111_320.0 * math.cos(math.radians(lat0)))
    return lon0 + dlon, lat0 + dlat, speed, course, alt


def sbs_lines(n: int, t: float) -> list[str]:
    """n observed aircraft at `t` (SBS-1 BaseStation MSG,3 position lines, ICAO hex ids)."""
    rng = random.Random(5)
    when = START + timedelta(seconds=t)
    stamp = f"{when:%Y/%m/%d},{when:%H:%M:%S}.000"
    out = []
    for i in range(n):
        lon, lat, _, _, alt = _flight(rng, t)
        out.append(
            f"MSG,3,1,1,{0x400000 + i:06X},1,{stamp},{stamp},,{alt},,,{lat:.5f},{lon:.5f},,,,,,0"
        )
    return out


def units(n: int, party: int, t: float) -> list[dict[str, Any]]:
    """Party `party`'s n own aircraft at `t` (own forces: GeoJSON Points)."""
    rng = random.Random(17 + party)
    out = []
    for i in range(n):
        lon, lat, speed, course, alt = _flight(rng, t)
        out.append(
            {
                "type": "Feature",
                "id": f"u{i}",
                "geometry": {"type": "Point", "coordinates": [lon, lat]},
                "properties": {
                    "time": iso(START + timedelta(seconds=t)),
                    "domain": "air",
                    "alt_ft": alt,
                    "speed_kt": speed,
                    "course_deg": course,
                    "name": f"{'BR'[party]}{i:04d}",
                },
            }
        )
    return out


def notice(lon: float, lat: float, start: datetime, callsign: str) -> dict[str, Any]:
    return {
        "type": "Feature",
        "geometry": {"type": "Point", "coordinates": [lon, lat]},
        "properties": {
            "domain": "air",
            "radius_m": 10_000.0,
            "alt_lower_ft": 0,
            "alt_upper_ft": 20_000,
            "start": iso(start),
            "end": iso(start + timedelta(hours=3)),
            "callsign": callsign,
        },
    }


def fill(services: Services, clock: Clock, tracks: int, minutes: float, notices: int) -> None:
    """The stretch of history, through the real write paths (see the module's step 1)."""
    steps = int(minutes * 60 / FEED_EVERY_S)
    own = max(5, tracks // 100)  # each party's own aircraft (1 %); the rest observed
    rng = random.Random(7)
    filed: list[str] = []
    began = time.perf_counter()
    for k in range(steps + 1):
        t = k * FEED_EVERY_S
        clock.now = START + timedelta(seconds=t)
        services.tracks.ingest_lines("blue", "sbs", sbs_lines(tracks - 2 * own, t))
        for p, party in enumerate(("blue", "red")):
            doc = {"type": "FeatureCollection", "features": units(own, p, t)}
            services.tracks.ingest_own_forces(party, doc)
        services.tracks.scan()
        if k % max(1, steps // max(1, notices // 2)) == 0 and len(filed) < notices:
            lon, lat = rng.uniform(31.5, 35.5), rng.uniform(32.5, 35.5)
            start = clock.now + timedelta(minutes=30)
            filed.append(
                services.notices.submit("blue", notice(lon, lat, start, f"B{k}")).notice["id"]
            )
            filed.append(
                services.notices.submit("red", notice(lon + 0.05, lat, start, f"R{k}")).notice["id"]
            )
            if len(filed) % 8 == 0:
                services.notices.cancel("red", filed[-5])
        services.hotline.tick()
        assert services.tracks.history is not None
        services.tracks.history.flush()
        if k % 12 == 0:
            console.print(
                f"  filled {t / 60:5.1f} min of {minutes:g} ({time.perf_counter() - began:5.1f} s)",
                highlight=False,
            )
    services.tracks.history.flush()


@contextlib.contextmanager
def served(services: Services) -> Iterator[str]:
    """The app on a loopback port, in a thread of this process (one worker)."""
    app = create_app(services, tick_s=86_400.0)
    config = uvicorn.Config(app, host="127.0.0.1", port=0, log_level="error")
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    while not server.started:
        time.sleep(0.02)
    port = server.servers[0].sockets[0].getsockname()[1]
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=10)


def pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, math.ceil(q / 100 * len(ordered)) - 1)]


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--tracks", type=int, default=10_000)
    ap.add_argument("--minutes", type=float, default=10.0, help="of history to fill")
    ap.add_argument("--notices", type=int, default=100)
    ap.add_argument("--requests", type=int, default=200)
    ap.add_argument("--quick", action="store_true", help="500 tracks, 2 min, 10 requests")
    ap.add_argument("--strict", action="store_true", help="exit 1 when the target is missed")
    args = ap.parse_args()
    if args.quick:
        args.tracks, args.minutes, args.notices, args.requests = 500, 2.0, 10, 10
    with tempfile.TemporaryDirectory() as tmp:
        store = open_store(Path(tmp) / "interlock.db")
        clock = Clock(START)
        services = build_services(store, agreement(), clock)
        tokens, hashes = issue_tokens(services.agreement.party_ids)
        store.set_token_hashes(hashes)
        console.print(
            f"filling {args.minutes:g} min of {args.tracks:,} tracks, {args.notices} notices",
            highlight=False,
        )
        fill(services, clock, args.tracks, args.minutes, args.notices)
        end = clock.now
        clock.now = end + timedelta(minutes=1)  # the stretch is all in the past
        span = (end - START).total_seconds()
        rng = random.Random(3)
        moments = [START + timedelta(seconds=rng.uniform(0, span)) for _ in range(args.requests)]
        db_mb = sum(f.stat().st_size for f in Path(tmp).glob("interlock.db*")) / 1e6  # + WAL
        http_ms: list[float] = []
        sizes: list[int] = []
        shown: list[int] = []
        with (
            served(services) as url,
            httpx.Client(
                base_url=url, headers={"Authorization": f"Bearer {tokens['blue']}"}, timeout=60
            ) as c,
        ):
            t0 = time.perf_counter()
            first = c.get("/picture", params={"at": iso(moments[0])})
            first_ms = (time.perf_counter() - t0) * 1000
            assert first.status_code == 200, first.text
            for at in moments:
                t0 = time.perf_counter()
                r = c.get("/picture", params={"at": iso(at)})
                http_ms.append((time.perf_counter() - t0) * 1000)
                assert r.status_code == 200, r.text
                body = r.json()
                sizes.append(len(r.content))
                shown.append(len(body["tracks"]["features"]))
            last = body
        whole_ms, tracks_ms, rest_ms = [], [], []
        replay = services.replay
        for at in moments[: min(50, len(moments))]:
            t0 = time.perf_counter()
            replay.picture_at("blue", at)
            t1 = time.perf_counter()
            services.tracks.history_at(at, None, viewer="blue")
            whole_ms.append((t1 - t0) * 1000)
            tracks_ms.append((time.perf_counter() - t1) * 1000)
        # the rest: the same pictures with the tracks' part left out (this instance only)
        replay._tracks = lambda *_: {"type": "FeatureCollection", "features": []}  # type: ignore[method-assign]
        for at in moments[: min(50, len(moments))]:
            t0 = time.perf_counter()
            replay.picture_at("blue", at)
            rest_ms.append((time.perf_counter() - t0) * 1000)
        store.close()
    table = Table(title=f"GET /picture at random moments ({args.requests} requests, as blue)")
    for col in ("measure", "p50", "p99", "max"):
        table.add_column(col, justify="right" if col != "measure" else "left")
    for name, values in (
        ("HTTP latency (ms)", http_ms),
        ("  in process: the picture (ms)", whole_ms),
        ("  in process: its tracks alone (ms)", tracks_ms),
        ("  in process: all but the tracks (ms)", rest_ms),
    ):
        table.add_row(
            name,
            f"{statistics.median(values):.1f}",
            f"{pct(values, 99):.1f}",
            f"{max(values):.1f}",
        )
    table.add_row(
        "answer (kB)", f"{statistics.median(sizes) / 1000:.0f}", "", f"{max(sizes) / 1000:.0f}"
    )
    table.add_row("tracks shown", f"{statistics.median(shown):.0f}", "", f"{max(shown)}")
    console.print(table)
    p99 = pct(http_ms, 99)
    verdict = "met" if p99 <= TARGET_MS else "MISSED"
    console.print(
        f"first request (reads the record's alert entries): {first_ms:.1f} ms; store "
        f"{db_mb:.1f} MB; last picture: {len(last['notices']['features'])} notices in force, "
        f"{len(last['conflicts'])} open conflicts, {len(last['alerts']['alerts'])} alerts, "
        f"{len(last['hotline']['messages'])} messages",
        highlight=False,
    )
    console.print(
        f"target p99 ≤ {TARGET_MS:g} ms at {args.tracks:,} tracks: {verdict} ({p99:.1f} ms)",
        highlight=False,
    )
    return 1 if args.strict and p99 > TARGET_MS else 0


if __name__ == "__main__":
    sys.exit(main())
