"""The shared live picture's costs (issue 20, step 4): what the owner pays to publish a
snapshot each scan tick, what another process pays to take it in, and what a takeover
costs, at 1 k and 10 k tracks, on PostgreSQL.

What it does, per size: a fresh database; an owner (`TrackService` + `PictureShare`, the
lease taken) fed N own-force aircraft of three parties over the eastern Mediterranean
(`ingest_own_forces`, the real path); a second process's share on the same database.
Timed, --repeat times each (p50 and max):
- *build*: the snapshot made under the picture's lock (every party's track of every
  identity, the raised alerts, stats, the alias key; orjson);
- *write*: its UPDATE (and NOTIFY) in a transaction of its own;
- *read*: the other process's refresh (SELECT, orjson.loads, picture and alert book
  restored), which then serves GET /tracks with the owner's code;
- *serve*: GET /tracks as one party (`TrackService.geojson`) on the other process and on
  the owner: the same answer, the same cost;
- *takeover*: a third process takes the lease and restores picture, alerts and stats.

Usage: ``python bench/picture_share.py --db postgresql://postgres@127.0.0.1:54329/postgres``
(an admin URL: a database is made and dropped per size; default $INTERLOCK_TEST_PG).
``--quick``: a smoke test (300 tracks, 2 runs).
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import sys
import time
import uuid
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import psycopg
from rich.console import Console
from rich.table import Table

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))  # this checkout's

from interlock.model.agreement import agreement_from_dict
from interlock.model.timeutil import iso
from interlock.service.picture_share import PictureShare
from interlock.service.root import build_services
from interlock.service.tracks import TrackService
from interlock.store import open_store
from interlock.store.postgres import PostgresStore

PARTIES = ("blue", "red", "green")
AGREEMENT = {
    "agreement": {"name": "bench"},
    "parties": [{"id": p, "name": p} for p in PARTIES],
    "visibility": {"others_see": ["callsign"]},
}


def units(n: int, party: str, now: datetime, rng: random.Random) -> list[dict[str, Any]]:
    return [
        {
            "type": "Feature",
            "id": f"u{i}",
            "geometry": {
                "type": "Point",
                "coordinates": [rng.uniform(26, 36), rng.uniform(31, 39)],
            },
            "properties": {
                "time": iso(now),
                "domain": "air",
                "alt_ft": rng.uniform(5_000, 35_000),
                "speed_kt": rng.uniform(150, 480),
                "course_deg": rng.uniform(0, 360),
                "callsign": f"{party[:1].upper()}{i}",
            },
        }
        for i in range(n)
    ]


def timed(fn: Callable[[], Any], repeat: int) -> tuple[list[float], Any]:
    out, value = [], None
    for _ in range(repeat):
        t0 = time.perf_counter()
        value = fn()
        out.append((time.perf_counter() - t0) * 1000)
    return out, value


def one_size(admin: str, n: int, repeat: int) -> dict[str, Any]:
    name = "bench_share_" + uuid.uuid4().hex[:12]
    base = admin.rpartition("/")[0]
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    url = f"{base}/{name}"
    store = open_store(url)
    assert isinstance(store, PostgresStore)
    try:
        agreement = agreement_from_dict(AGREEMENT)
        owner = build_services(store, agreement).tracks
        other = TrackService(agreement, store=store)
        third = TrackService(agreement, store=store)
        shares = []
        for t in (owner, other, third):
            share = PictureShare(store, t)
            t.share = share
            shares.append(share)
        shares[0].step(0)
        shares[1].step(0)
        assert shares[0].owner and not shares[1].owner
        rng, now = random.Random(20), datetime.now(UTC)
        for p in PARTIES:
            for k in range(0, n // len(PARTIES), 1000):
                size = min(1000, n // len(PARTIES) - k)
                doc = {"type": "FeatureCollection", "features": units(size, p, now, rng)}
                for f in doc["features"]:
                    f["id"] = f"{f['id']}-{k}"
                owner.ingest_own_forces(p, doc)
        owner.scan()  # the alerts of the moment, and a first snapshot

        def build() -> tuple[bytes, int]:
            with owner._lock:
                return shares[0].snapshot()

        build_ms, snap = timed(build, repeat)
        write_ms, _ = timed(lambda: shares[0].publish(snap), repeat)

        def read() -> None:
            shares[1].seq = 0
            assert shares[1].refresh()

        read_ms, _ = timed(read, repeat)
        serve_ms, served = timed(lambda: other.geojson(viewer="red"), repeat)
        live_ms, live = timed(lambda: owner.geojson(viewer="red"), repeat)
        assert served == live
        shares[0].lease.close()  # the owner goes: the third takes over
        shares[0].owner = False
        t0 = time.perf_counter()
        while not shares[2].owner:
            shares[2]._tried = 0.0
            shares[2].step(0.01)
        takeover_ms = (time.perf_counter() - t0) * 1000
        assert len(third.picture) == len(owner.picture)
        return {
            "tracks": len(owner.picture),
            "alerts": len(owner.alerts.active()),
            "kb": len(snap[0]) / 1024,
            "build": build_ms,
            "write": write_ms,
            "read": read_ms,
            "serve": serve_ms,
            "live": live_ms,
            "takeover": takeover_ms,
        }
    finally:
        for s in shares:
            s.lease.close()
        store.close()
        with psycopg.connect(admin, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", default=os.environ.get("INTERLOCK_TEST_PG", ""))
    parser.add_argument("--sizes", default="1000,10000")
    parser.add_argument("--repeat", type=int, default=10)
    parser.add_argument("--quick", action="store_true", help="smoke test: 300 tracks, 2 runs")
    args = parser.parse_args()
    if args.quick:
        args.sizes, args.repeat = "300", 2
    if not args.db:
        parser.error("--db: a PostgreSQL admin URL (or set INTERLOCK_TEST_PG)")
    table = Table(title="shared picture: one snapshot (ms, p50 / max)")
    for col in ("tracks", "alerts", "snapshot KB", "build", "write", "read",
                "serve (other)", "serve (owner)", "takeover"):  # fmt: skip
        table.add_column(col, justify="right")

    def pm(xs: list[float]) -> str:
        return f"{statistics.median(xs):.1f} / {max(xs):.1f}"

    for n in (int(s) for s in args.sizes.split(",")):
        r = one_size(args.db, n, args.repeat)
        table.add_row(
            f"{r['tracks']:,}", f"{r['alerts']:,}", f"{r['kb']:,.0f}",
            pm(r["build"]), pm(r["write"]), pm(r["read"]), pm(r["serve"]), pm(r["live"]),
            f"{r['takeover']:.0f}",
        )  # fmt: skip
    Console(width=160).print(table)
    return 0


if __name__ == "__main__":
    sys.exit(main())
