"""Replay benchmark, track history part: a synthetic 10,000-track feed through the thinning
into the store; what a day keeps, what it costs on disk, how fast it goes in, how fast the
picture at a moment comes back, and what the recorder costs ingest.

Sections (each a function returning a table's rows; `GET /picture` timing goes beside):

- *picture*: `GET /picture?at=T` at random moments over --picture-minutes of history of
  the same number of tracks filled through the real ingest, scan and notice paths, over
  HTTP, p50/p99, with the in-process split (tracks / all but the tracks): bench/picture.py.

- *day*: 24 h of the feed (80 % aircraft reporting every second, 20 % ships every 6 or
  10 s as AIS class A under way, ITU-R M.1371-5 table 1), each flying straight legs,
  standard-rate turns (3 deg/s; ships 0.5 deg/s) and climbs or descents (1,500-3,000
  fpm), thinned by the agreement's default rule (`model.history`), vectorised across
  tracks one second at a time; checked equal to `thin_reference` on a sample first.
  Reports and kept fixes a day.
- *store*: the first `--store-minutes` of the day's kept fixes written to a fresh store
  (SQLite file; `--pg URL` PostgreSQL too) with `add_fixes` in the recorder's batches:
  rows a second, bytes a fix (the file after a WAL checkpoint; PostgreSQL
  `pg_total_relation_size`), so disk a day = bytes a fix x fixes a day.
- *at*: `HistoryRecorder.tracks_at(T)` (every track at a moment: interpolated, fused)
  at random moments inside the stored window, p50/p99 (the store part of `GET /picture`).
- *ingest*: `TrackService.ingest_lines` over synthetic SBS lines of 10,000 aircraft
  (bench/ingest.py's generator) in 2,000-line batches, with the recorder off and on (its
  flusher thread writing to a SQLite file meanwhile), best of 2, interleaved.

``python bench/replay.py --quick``: a smoke test (1,000 tracks, 10 min, seconds).
"""

from __future__ import annotations

import argparse
import math
import os
import platform
import random
import statistics
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import numpy as np
from rich.console import Console
from rich.table import Table

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))
sys.path.insert(0, str(ROOT / "bench"))

import picture  # noqa: E402  (GET /picture at random moments: bench/picture.py)
from ingest import StepClock, sbs_lines  # noqa: E402
from interlock.model.agreement import agreement_from_dict  # noqa: E402
from interlock.model.history import HistoryRules, thin_reference  # noqa: E402
from interlock.service.history import BATCH, HistoryRecorder  # noqa: E402
from interlock.service.tracks import TrackService  # noqa: E402
from interlock.store import open_store  # noqa: E402
from interlock.store.rows import FixRow  # noqa: E402

T0 = datetime(2026, 7, 6, 0, 0, tzinfo=UTC)
M_PER_DEG = 111_120.0
KT = 1852.0 / 3600.0
INGEST_TARGET = 50_000.0  # reports/s into the picture (issue 4), recorder on or off
AT_TARGET_S = 0.100  # the picture at a moment at 10 k tracks (issue 18)
AGREEMENT = {
    "agreement": {"name": "bench"},
    "parties": [{"id": "blue"}, {"id": "red"}],
}


class Feed:
    """N tracks over the eastern Mediterranean, advanced one second at a time."""

    def __init__(self, n: int, seed: int = 7) -> None:
        rng = np.random.default_rng(seed)
        self.n = n
        self.rng = rng
        self.air = rng.random(n) < 0.8
        self.lon = rng.uniform(24.0, 36.0, n)
        self.lat = rng.uniform(31.0, 37.0, n)
        self.course = rng.uniform(0, 360, n)
        self.speed = np.where(self.air, rng.uniform(250, 480, n), rng.uniform(8, 25, n))
        self.alt = np.where(self.air, rng.uniform(5_000, 40_000, n), np.nan)
        self.turn = np.zeros(n)
        self.climb = np.zeros(n)
        self.until = rng.uniform(0, 300, n)
        period = np.where(self.speed < 14, 10, 6)  # AIS class A under way
        self.period = np.where(self.air, 1, period)
        self.phase = rng.integers(0, 10, n)
        self.ids = [
            ("icao:%06x" if a else "mmsi:%09d") % (0x400000 + k if a else 200_000_000 + k)
            for k, a in enumerate(self.air)
        ]

    def step(self, t: int) -> np.ndarray:
        """Move every track one second; the mask of those reporting at t."""
        due = self.until <= t
        if due.any():
            k = int(due.sum())
            pick = self.rng.random(k)
            air = self.air[due]
            turn = pick < 0.25
            climb = (pick >= 0.25) & (pick < 0.40) & air
            rate = np.where(air, 3.0, 0.5) * self.rng.choice([-1.0, 1.0], k)
            self.turn[due] = np.where(turn, rate, 0.0)
            fpm = self.rng.uniform(1500, 3000, k) * self.rng.choice([-1.0, 1.0], k)
            self.climb[due] = np.where(climb, fpm / 60.0, 0.0)
            dur = np.where(turn, self.rng.uniform(5, 60, k), self.rng.uniform(60, 600, k))
            self.until[due] = t + dur
        self.course = (self.course + self.turn) % 360.0
        self.alt = np.clip(self.alt + self.climb, 1_000.0, 41_000.0)
        d = self.speed * KT / M_PER_DEG
        c = np.radians(self.course)
        self.lat = np.clip(self.lat + d * np.cos(c), -89.0, 89.0)
        self.lon = (self.lon + d * np.sin(c) / np.cos(np.radians(self.lat)) + 180.0) % 360.0 - 180.0
        return (t + self.phase) % self.period == 0


class VectorThinner:
    """`model.history`'s rule across all tracks at once (each reporting track against its
    own last kept fix): the bench's fast path, checked against `thin_reference`."""

    def __init__(self, n: int, rules: HistoryRules) -> None:
        self.rules = rules
        self.ts = np.full(n, -np.inf)
        self.course = np.full(n, np.nan)
        self.alt = np.full(n, np.nan)

    def offer(
        self, t: float, reporting: np.ndarray, course: np.ndarray, alt: np.ndarray
    ) -> np.ndarray:
        r = self.rules
        d = np.abs(course - self.course) % 360.0
        turned = np.where(d > 180.0, 360.0 - d, d)
        with np.errstate(invalid="ignore"):
            keep = (
                (t - self.ts >= r.interval_s)
                | (turned >= r.turn_deg)  # NaN (no course) compares False
                | (np.abs(alt - self.alt) >= r.level_ft)
            ) & reporting
        self.ts[keep] = t
        self.course[keep] = course[keep]
        self.alt[keep] = alt[keep]
        return keep


def check_against_reference(rules: HistoryRules, tracks: int = 60, seconds: int = 900) -> int:
    """The vectorised thinning keeps exactly what `thin_reference` keeps (a sample)."""
    feed = Feed(tracks, seed=99)
    vec = VectorThinner(tracks, rules)
    reports: list[tuple[Any, float, Any, Any]] = []
    fast: list[int] = []
    for t in range(seconds):
        rep = feed.step(t)
        kept = vec.offer(float(t), rep, feed.course, feed.alt)
        for k in np.flatnonzero(rep):
            alt = None if math.isnan(feed.alt[k]) else float(feed.alt[k])
            if kept[k]:
                fast.append(len(reports))
            reports.append((k, float(t), float(feed.course[k]), alt))
    ref = thin_reference(reports, rules)
    assert fast == ref, "vectorised thinning differs from model.history.thin_reference"
    return len(ref)


def day(tracks: int, hours: float, rules: HistoryRules) -> dict[str, Any]:
    feed = Feed(tracks)
    vec = VectorThinner(tracks, rules)
    seconds = int(hours * 3600)
    reports = kept = 0
    kept_air = kept_sea = 0
    started = time.perf_counter()
    for t in range(seconds):
        rep = feed.step(t)
        k = vec.offer(float(t), rep, feed.course, feed.alt)
        reports += int(rep.sum())
        n = int(k.sum())
        kept += n
        kept_air += int((k & feed.air).sum())
    kept_sea = kept - kept_air
    scale = 24 * 3600 / seconds
    return {
        "tracks": tracks,
        "hours": hours,
        "reports_day": reports * scale,
        "kept_day": kept * scale,
        "kept_air_day": kept_air * scale,
        "kept_sea_day": kept_sea * scale,
        "seconds": time.perf_counter() - started,
    }


def store_sample(
    target: str, tracks: int, minutes: float, rules: HistoryRules, pg: bool
) -> dict[str, Any]:
    """Write the first `minutes` of kept fixes; rows/s, bytes a fix, tracks_at timings."""
    store = open_store(target)
    feed = Feed(tracks)
    vec = VectorThinner(tracks, rules)
    prev = np.full(tracks, np.nan)
    t0 = T0.timestamp()
    pending: list[FixRow] = []
    rows = 0
    insert_s = 0.0
    seconds = int(minutes * 60)
    for t in range(seconds):
        rep = feed.step(t)
        k = vec.offer(float(t), rep, feed.course, feed.alt)
        ts = t0 + t
        for i in np.flatnonzero(k):
            p = prev[i]
            alt = feed.alt[i]
            pending.append(
                FixRow(
                    ts,
                    feed.ids[i],
                    "blue",
                    "air" if feed.air[i] else "sea",
                    None,
                    "sbs" if feed.air[i] else "ais",
                    float(feed.lon[i]),
                    float(feed.lat[i]),
                    None if math.isnan(alt) else float(alt),
                    float(feed.speed[i]),
                    float(feed.course[i]),
                    None,
                    None if math.isnan(p) else float(p),
                )
            )
            prev[i] = ts
        if len(pending) >= BATCH or t == seconds - 1:
            started = time.perf_counter()
            store.add_fixes(pending)
            insert_s += time.perf_counter() - started
            rows += len(pending)
            pending = []
    size = _store_bytes(store, target, pg)
    rec = HistoryRecorder(store, rules)
    rng = random.Random(3)
    lo, hi = t0 + 60, t0 + max(61, seconds - 600)  # inside: every track's next row stored
    timings, shown = [], 0
    for _ in range(21):
        at = datetime.fromtimestamp(rng.uniform(lo, hi), UTC)
        started = time.perf_counter()
        states = rec.tracks_at(at)
        timings.append(time.perf_counter() - started)
        shown = len(states)
    timings = timings[1:]  # the first warms the caches
    store.close()
    timings.sort()
    return {
        "engine": "PostgreSQL" if pg else "SQLite",
        "rows": rows,
        "rows_per_s": rows / insert_s if insert_s else 0.0,
        "bytes_per_fix": size / rows if rows else 0.0,
        "at_p50": statistics.median(timings),
        "at_p99": timings[min(len(timings) - 1, math.ceil(0.99 * len(timings)) - 1)],
        "shown": shown,
    }


def _store_bytes(store: Any, target: str, pg: bool) -> int:
    if pg:
        with store._read() as conn:
            from sqlalchemy import text

            return int(
                conn.execute(text("SELECT pg_total_relation_size('track_fixes')")).scalar_one()
            )
    import sqlite3

    path = target.removeprefix("sqlite:///")
    con = sqlite3.connect(path)
    con.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    con.close()
    # the table and its indexes (dbstat), not the other tables' pages
    con = sqlite3.connect(path)
    try:
        got = con.execute(
            "SELECT sum(pgsize) FROM dbstat WHERE name IN "
            "('track_fixes', 'ix_track_fixes_span', 'ix_track_fixes_cell')"
        ).fetchone()[0]
    except sqlite3.OperationalError:  # no dbstat in this SQLite: the whole file
        got = os.path.getsize(path)
    con.close()
    return int(got)


def ingest(lines: list[str], recorder: bool, db: str) -> dict[str, float]:
    """Reports a second through TrackService.ingest_lines (the recorder on: its flusher
    thread writing to a fresh SQLite store meanwhile): by the wall clock, by the ingesting
    thread's CPU time (what a core gives it: the machine may be shared), and the
    flusher's CPU a report."""
    agreement = agreement_from_dict(AGREEMENT)
    clock = StepClock(datetime(2026, 7, 6, 6, 0, 10, tzinfo=UTC), timedelta(seconds=0.2))
    rec = None
    store = None
    if recorder:
        store = open_store(db)
        rec = HistoryRecorder(store, agreement.history, clock)
        rec.start()
    svc = TrackService(agreement, clock, None, history=rec)
    reports = 0
    started, cpu, proc = time.perf_counter(), time.thread_time(), time.process_time()
    for i in range(0, len(lines), 2000):
        reports += svc.ingest_lines("blue", "sbs", lines[i : i + 2000])["reports"]
    elapsed, cpu = time.perf_counter() - started, time.thread_time() - cpu
    if rec is not None and store is not None:
        rec.stop()  # what is left written: the flusher's whole share
        store.close()
    proc = time.process_time() - proc
    return {
        "wall": reports / elapsed,
        "cpu": reports / cpu,
        "other_us": (proc - cpu) / reports * 1e6,
    }


def ingest_rates(n_lines: int, aircraft: int, tmp: Path) -> dict[str, dict[str, float]]:
    lines = sbs_lines(n_lines, aircraft=aircraft)
    best: dict[str, dict[str, float]] = {}
    for k in range(2):
        for mode in ("off", "on"):
            got = ingest(lines, mode == "on", str(tmp / f"ingest-{k}.db"))
            if mode not in best or got["cpu"] > best[mode]["cpu"]:
                best[mode] = got
    return best


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--quick", action="store_true", help="smoke test: 1,000 tracks, minutes")
    ap.add_argument("--tracks", type=int, default=10_000)
    ap.add_argument("--hours", type=float, default=24.0, help="of the feed thinned (a day)")
    ap.add_argument("--store-minutes", type=float, default=20.0, help="of kept fixes stored")
    ap.add_argument("--ingest-lines", type=int, default=400_000)
    ap.add_argument("--pg", help="also store into this (empty) PostgreSQL database")
    ap.add_argument(
        "--picture-minutes", type=float, default=10.0, help="of history behind GET /picture"
    )
    ap.add_argument("--picture-requests", type=int, default=100, help="0: no GET /picture part")
    args = ap.parse_args()
    if args.quick:
        args.tracks, args.hours, args.store_minutes, args.ingest_lines = 1_000, 1 / 6, 11.0, 20_000
        args.picture_minutes, args.picture_requests = 1.0, 5
    console = Console()
    rules = HistoryRules()
    console.print(f"Python {platform.python_version()}, {os.cpu_count()} cores; rule {rules}")
    sample = check_against_reference(rules)
    console.print(f"vectorised thinning = thin_reference on a sample ({sample:,} kept)")
    d = day(args.tracks, args.hours, rules)
    with tempfile.TemporaryDirectory() as tmp_name:
        tmp = Path(tmp_name)
        stores = [
            store_sample(str(tmp / "history.db"), args.tracks, args.store_minutes, rules, False)
        ]
        if args.pg:
            stores.append(store_sample(args.pg, args.tracks, args.store_minutes, rules, True))
        rates = ingest_rates(args.ingest_lines, min(args.tracks, 10_000), tmp)

    t = Table(title=f"Track history, {d['tracks']:,} tracks (thinned {d['hours']:g} h, per day)")
    for col in ("reports/day", "kept fixes/day", "kept air", "kept sea", "kept share"):
        t.add_column(col, justify="right")
    t.add_row(
        f"{d['reports_day']:,.0f}",
        f"{d['kept_day']:,.0f}",
        f"{d['kept_air_day']:,.0f}",
        f"{d['kept_sea_day']:,.0f}",
        f"{d['kept_day'] / d['reports_day']:.1%}",
    )
    console.print(t)
    s = Table(title=f"Store: the first {args.store_minutes:g} min of kept fixes")
    for col in (
        "engine",
        "rows",
        "insert rows/s",
        "bytes/fix",
        "disk/day",
        "tracks_at p50",
        "p99",
        "tracks shown",
    ):
        s.add_column(col, justify="right")
    for r in stores:
        s.add_row(
            r["engine"],
            f"{r['rows']:,}",
            f"{r['rows_per_s']:,.0f}",
            f"{r['bytes_per_fix']:.0f}",
            f"{r['bytes_per_fix'] * d['kept_day'] / 1e9:,.1f} GB",
            f"{r['at_p50'] * 1000:.1f} ms",
            f"{r['at_p99'] * 1000:.1f} ms",
            f"{r['shown']:,}",
        )
    console.print(s)
    g = Table(title="Ingest into the picture, SBS (reports/s, best of 2 by CPU)")
    for col in ("recorder", "wall clock", "ingest thread CPU", "flusher CPU/report", "target"):
        g.add_column(col, justify="right")
    for mode in ("off", "on"):
        r = rates[mode]
        g.add_row(
            mode,
            f"{r['wall']:,.0f}",
            f"{r['cpu']:,.0f}",
            f"{r['other_us']:.2f} us",
            f">= {INGEST_TARGET:,.0f}",
        )
    console.print(g)
    console.print(
        f"recorder on / off, ingest thread CPU: {rates['on']['cpu'] / rates['off']['cpu']:.2f}"
    )
    # GET /picture at random moments over a history filled through the real paths, the
    # whole answer (notices, conflicts, alerts, hotline, tracks) over HTTP: bench/picture.py
    if args.picture_requests > 0:
        picture.report(
            picture.measure(args.tracks, args.picture_minutes, 100, args.picture_requests)
        )
    console.print(
        f"targets: ingest >= {INGEST_TARGET:,.0f} reports/s with the recorder on (CPU): "
        f"{'met' if rates['on']['cpu'] >= INGEST_TARGET else 'NOT met'}; tracks_at p99 <= "
        f"{AT_TARGET_S * 1000:.0f} ms: {'met' if stores[0]['at_p99'] <= AT_TARGET_S else 'NOT met'}"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
