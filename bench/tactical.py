"""Tactical detection benchmark: a full scan of 1 k - 100 k live tracks.

Per picture size N: a random picture of aircraft and ships at a realistic density (below),
one full scan timed three ways, best of ``--repeat`` runs, one core:

- *project*: states -> the scan frame at a common time (``tactical.project``);
- *grid*: the grid broad phase and the narrow phase (``tactical.scan``);
- *baseline*: every pair of each domain through the same narrow phase in chunked numpy
  (``tactical.scan_bruteforce``). Above ``--full-baseline-max`` tracks it runs on a random
  subsample of the rows (pairs whose smaller index is sampled) and its time is extrapolated
  by the number of pairs; the grid's pairs on those rows must equal the subsample's.

*scan* = project + grid, the time of one full scan; the targets apply to it. The speed-up is
grid against baseline (both start from the same projected states).

The conflict pairs (and every reported figure) of grid and baseline must be identical: the
script exits 2 if they are not, 1 with ``--strict`` if a target is missed, else 0.

The picture: the density of a busy eastern Mediterranean, scaled up about 3x: 10 k tracks
over 24-36 E x 31-37 N (~750,000 km2; live traffic there peaks near 1,000 aircraft and
2,500-3,000 AIS ships), 25 % aircraft, 75 % ships. The area grows with N at that density
(1 k: a tenth of it around Cyprus; 100 k: ten times it). Aircraft: 60 % cruising level at
FL250-FL410 (whole thousands of feet, +-100 ft), 250-500 kt; 40 % climbing or descending
(500-3,000 fpm) below FL250 at 150-350 kt. Ships: 30 % around sixteen ports (sigma 25 km),
the rest spread; 0-25 kt, a fifth at anchor (< 0.5 kt). 5 % of tracks belong to one of three
parties, the rest are observed. Each state is up to 30 s old (carried to the scan time).

Real traffic (``--real``, on by default without ``--quick``): ADS-B state vectors of the
``traffic`` wheel's ``samples/collections/switzerland.json.gz`` (17 h over Switzerland,
OpenSky; MIT licence; the wheel is fetched with pip into ~/.cache/interlock-test-data like
the feed tests). About 30 aircraft are live at a time over its 4.5 x 2 deg, so snapshots
every 60 s (the
latest state of each aircraft in the 30 s before) are taken onto one scan time until N
tracks: ``FOLD`` (8) snapshots stacked on the Swiss tile, which brings the density to the
random picture's aircraft density (~0.003 per km2), and further groups of 8 on copies of
the tile shifted by whole tile sizes in longitude and latitude (a 7 x 6 grid of tiles at
10 k). Real positions, speeds, levels, vertical rates and airways; synthetic density.

``python bench/tactical.py --quick``: a smoke test (1 k and 5 k, a few seconds).
"""

from __future__ import annotations

import argparse
import gzip
import json
import math
import os
import platform
import subprocess
import sys
import time
import zipfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
from rich.console import Console
from rich.table import Table

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))

from interlock.detect.tactical import (
    AIR,
    SEA,
    Encounters,
    Kinematics,
    TrackStates,
    project,
    scan,
    scan_bruteforce,
)

BASE_N = 10_000
BASE_BOX = (24.0, 36.0, 31.0, 37.0)  # lon0, lon1, lat0, lat1
TARGETS = {10_000: 0.030, 100_000: 0.5}  # whole scan (project + grid), seconds
SPEEDUP_TARGET = (5_000, 20.0)


def picture(n: int, seed: int = 1) -> TrackStates:
    """A random picture of ``n`` tracks at the density described in the module docstring."""
    rng = np.random.default_rng(seed)
    lon0, lon1, lat0, lat1 = BASE_BOX
    scale = math.sqrt(n / BASE_N)
    clon, clat = 0.5 * (lon0 + lon1), 0.5 * (lat0 + lat1)
    hw, hh = 0.5 * (lon1 - lon0) * scale, 0.5 * (lat1 - lat0) * scale
    lat_lo, lat_hi = max(clat - hh, -80.0), min(clat + hh, 80.0)

    # uniform in area: sin(lat) uniform
    def area_uniform(k: int) -> tuple[np.ndarray, np.ndarray]:
        s = rng.uniform(math.sin(math.radians(lat_lo)), math.sin(math.radians(lat_hi)), k)
        return rng.uniform(clon - hw, clon + hw, k), np.degrees(np.arcsin(s))

    air = rng.random(n) < 0.25
    lon, lat = area_uniform(n)
    # 30 % of the ships around sixteen ports (per 10 k tracks' worth of area)
    n_ports = max(1, round(16 * n / BASE_N))
    port_lon, port_lat = area_uniform(n_ports)
    at_port = ~air & (rng.random(n) < 0.3)
    p = rng.integers(0, n_ports, n)
    km_deg = 111.0
    lon = np.where(
        at_port,
        port_lon[p] + rng.normal(0, 25 / km_deg, n) / np.cos(np.radians(port_lat[p])),
        lon,
    )
    lat = np.where(at_port, port_lat[p] + rng.normal(0, 25 / km_deg, n), lat)
    cruise = air & (rng.random(n) < 0.6)
    alt = np.where(
        cruise,
        rng.integers(25, 42, n) * 1000.0 + rng.normal(0, 100, n),
        rng.uniform(1000, 25000, n),
    )
    alt = np.where(air, alt, np.nan)
    vr = np.where(air & ~cruise, rng.choice([-1, 1], n) * rng.uniform(500, 3000, n), 0.0)
    speed = np.where(
        air,
        np.where(cruise, rng.uniform(250, 500, n), rng.uniform(150, 350, n)),
        np.where(rng.random(n) < 0.2, rng.uniform(0, 0.5, n), rng.uniform(0, 25, n)),
    )
    own = rng.random(n) < 0.05
    return TrackStates(
        ids=np.array([f"t{i}" for i in range(n)], dtype=object),
        lon=lon,
        lat=lat,
        alt_ft=alt,
        speed_kt=speed,
        course_deg=rng.uniform(0, 360, n),
        vrate_fpm=vr,
        time=-rng.uniform(0, 30, n),
        domain=np.where(air, AIR, SEA).astype(np.int8),
        owner=np.where(own, rng.integers(0, 3, n), -1).astype(np.int32),
        owners=("blue", "red", "green"),
    )


TRAFFIC, WHEEL = "traffic==2.13", "traffic-2.13-py3-none-any.whl"
COLLECTION = "traffic/data/samples/collections/switzerland.json.gz"
FOLD, TILE_LON, TILE_LAT = 8, 4.6, 2.1  # snapshots per tile; tile size (deg)


def traffic_collection() -> list[dict[str, Any]] | None:
    """The Swiss collection's state vectors (None if the wheel cannot be had)."""
    root = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    cache = Path(root) / "interlock-test-data"
    wheel = cache / WHEEL
    if not wheel.exists():
        cache.mkdir(parents=True, exist_ok=True)
        cmd = [sys.executable, "-m", "pip", "download", TRAFFIC, "--no-deps", "-d", str(cache)]
        done = subprocess.run(cmd, capture_output=True, text=True, timeout=300)
        if done.returncode != 0 or not wheel.exists():
            return None
    with zipfile.ZipFile(wheel) as z:
        return json.loads(gzip.decompress(z.read(COLLECTION)))


def real_picture(rows: list[dict[str, Any]], n: int) -> TrackStates | None:
    """``n`` tracks from 60 s snapshots of a collection folded onto scan time 0."""
    keep = [
        r
        for r in rows
        if None not in (r.get("latitude"), r.get("longitude"), r.get("groundspeed"), r.get("track"))
        and not r.get("onground")
    ]
    t = np.array([r["timestamp"] / 1000.0 for r in keep])
    ident = np.array([r["icao24"] for r in keep], dtype=object)
    order = np.argsort(t, kind="stable")
    t, ident = t[order], ident[order]
    keep = [keep[i] for i in order.tolist()]
    picked: list[tuple[int, float, str]] = []
    snap = t[0] + 60.0
    while len(picked) < n and snap <= t[-1]:
        lo, hi = np.searchsorted(t, snap - 30.0, "right"), np.searchsorted(t, snap, "right")
        latest: dict[str, int] = {}
        for i in range(lo, hi):
            latest[ident[i]] = i
        picked.extend((i, snap, f"{a}@{int(snap)}") for a, i in latest.items())
        snap += 60.0
    if len(picked) < n:
        return None
    picked = picked[:n]
    rs = [keep[i] for i, _, _ in picked]
    # snapshot k -> tile k // FOLD on a grid of tiles
    snaps = np.array([s for _, s, _ in picked])
    k = np.searchsorted(np.unique(snaps), snaps)
    tile = k // FOLD
    cols = math.ceil(math.sqrt(int(tile.max()) + 1))
    rows_ = math.ceil((int(tile.max()) + 1) / cols)
    dlon = (tile % cols) * TILE_LON
    dlat = (tile // cols - (rows_ - 1) / 2) * TILE_LAT

    def col(key: str, default: float) -> np.ndarray:
        return np.array([default if r.get(key) is None else r[key] for r in rs], dtype=float)

    return TrackStates(
        ids=np.array([name for _, _, name in picked], dtype=object),
        lon=col("longitude", math.nan) + dlon,
        lat=col("latitude", math.nan) + dlat,
        alt_ft=col("altitude", math.nan),
        speed_kt=col("groundspeed", 0.0),
        course_deg=col("track", 0.0) % 360.0,
        vrate_fpm=col("vertical_rate", 0.0),
        time=np.array([t[i] - s for i, s, _ in picked]),
        domain=np.full(n, AIR, dtype=np.int8),
        owner=np.full(n, -1, dtype=np.int32),
        owners=(),
    )


def best_of(fn: Callable[[], Any], repeat: int) -> tuple[float, Any]:
    best, out = math.inf, None
    for _ in range(repeat):
        t = time.perf_counter()
        out = fn()
        best = min(best, time.perf_counter() - t)
    return best, out


def all_pairs(k: Kinematics) -> int:
    return sum(int(c) * (int(c) - 1) // 2 for c in np.bincount(k.domain, minlength=2))


def same(a: Encounters, b: Encounters) -> bool:
    return len(a) == len(b) and all(
        np.array_equal(getattr(a, f), getattr(b, f), equal_nan=True) for f in Encounters._fields()
    )


def run_size(
    n: int, args: argparse.Namespace, states: TrackStates | None = None, label: str = ""
) -> dict[str, Any]:
    if states is None:
        states = picture(n, args.seed)
    t_proj, k = best_of(lambda: project(states, 0.0), args.repeat)
    t_grid, enc = best_of(lambda: scan(k), args.repeat)
    pairs = all_pairs(k)
    row: dict[str, Any] = {
        "n": n,
        "label": label,
        "air": int((k.domain == AIR).sum()),
        "sea": int((k.domain == SEA).sum()),
        "project": t_proj,
        "grid": t_grid,
        "conflicts": len(enc),
        "pairs": pairs,
    }
    if n <= args.full_baseline_max:
        t_base, base = best_of(lambda: scan_bruteforce(k), 2 if n > 2_000 else args.repeat)
        row.update(baseline=t_base, extrapolated=False, identical=same(enc, base), checked=pairs)
    else:
        rng = np.random.default_rng(args.seed + 1)
        rows = np.sort(rng.choice(n, size=max(1, int(n * args.sample)), replace=False))
        t_part, part = best_of(lambda: scan_bruteforce(k, rows=rows), 1)
        # pairs the subsample checked: per domain, each sampled row a pairs with later rows
        checked = 0
        for dom in (AIR, SEA):
            idx = np.flatnonzero(k.domain == dom)
            pos = np.flatnonzero(np.isin(idx, rows))
            checked += int((idx.size - 1 - pos).sum())
        mask = np.isin(enc.i, rows)
        sub = Encounters(*(getattr(enc, f)[mask] for f in Encounters._fields()))
        row.update(
            baseline=t_part * pairs / max(checked, 1),
            extrapolated=True,
            identical=same(sub, part),
            checked=checked,
        )
    row["speedup"] = row["baseline"] / row["grid"]
    row["total"] = row["project"] + row["grid"]
    return row


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument("--sizes", type=int, nargs="+", default=[1_000, 5_000, 10_000, 100_000])
    ap.add_argument("--quick", action="store_true", help="1 k and 5 k only (smoke test)")
    ap.add_argument("--repeat", type=int, default=7)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--full-baseline-max", type=int, default=20_000)
    ap.add_argument("--sample", type=float, default=0.02, help="baseline row fraction above it")
    ap.add_argument("--real", type=int, nargs="*", default=None, help="real-traffic sizes")
    ap.add_argument("--strict", action="store_true", help="exit 1 when a target is missed")
    args = ap.parse_args()
    if args.quick:
        args.sizes, args.repeat = [1_000, 5_000], 3
    console = Console()
    console.print(
        f"[bold]tactical scan[/] — {platform.python_version()}, numpy {np.__version__}, "
        f"{os.cpu_count()} cores (one used), seed {args.seed}"
    )
    rows = [run_size(n, args) for n in args.sizes]
    real_sizes = args.real if args.real is not None else ([] if args.quick else [1_000, 10_000])
    if real_sizes:
        collection = traffic_collection()
        if collection is None:
            console.print(f"[yellow]real traffic skipped: cannot get {TRAFFIC}[/]")
        for n in real_sizes if collection is not None else []:
            states = real_picture(collection, n)
            if states is None:
                console.print(f"[yellow]real traffic: fewer than {n:,} folded states[/]")
                continue
            rows.append(run_size(n, args, states, "real CH"))
    table = Table(title="Full scan (best of runs; baseline extrapolated where marked *)")
    for col in (
        "tracks",
        "air / sea",
        "pairs",
        "conflicts",
        "project ms",
        "grid ms",
        "scan ms",
        "baseline ms",
        "speed-up",
        "identical",
    ):
        table.add_column(col, justify="right")
    for r in rows:
        base = f"{r['baseline'] * 1e3:,.0f}{' *' if r['extrapolated'] else ''}"
        ident = "yes" if r["identical"] else "[red]NO[/]"
        if r["extrapolated"]:
            ident += f" ({r['checked'] / r['pairs']:.0%} of pairs)"
        table.add_row(
            f"{r['n']:,}" + (f" {r['label']}" if r["label"] else ""),
            f"{r['air']:,} / {r['sea']:,}",
            f"{r['pairs']:,}",
            f"{r['conflicts']:,}",
            f"{r['project'] * 1e3:.1f}",
            f"{r['grid'] * 1e3:.1f}",
            f"{r['total'] * 1e3:.1f}",
            base,
            f"{r['speedup']:,.0f}x",
            ident,
        )
    console.print(table)
    missed = []
    for r in rows:
        target = None if r["label"] else TARGETS.get(r["n"])
        if target is not None and r["total"] > target:
            missed.append(f"{r['n']:,}: scan {r['total'] * 1e3:.1f} ms > {target * 1e3:.0f} ms")
        if not r["label"] and r["n"] == SPEEDUP_TARGET[0] and r["speedup"] < SPEEDUP_TARGET[1]:
            missed.append(f"{r['n']:,}: speed-up {r['speedup']:.1f}x < {SPEEDUP_TARGET[1]:.0f}x")
    unsound = [r["n"] for r in rows if not r["identical"]]
    console.print(f"{len(unsound)} mismatching scans" + (f": {unsound}" if unsound else ""))
    console.print("targets: " + ("all met" if not missed else "missed: " + "; ".join(missed)))
    if unsound:
        return 2
    return 1 if missed and args.strict else 0


if __name__ == "__main__":
    sys.exit(main())
