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

``python bench/tactical.py --quick``: a smoke test (1 k and 5 k, a few seconds).
"""

from __future__ import annotations

import argparse
import math
import os
import platform
import sys
import time
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


def run_size(n: int, args: argparse.Namespace) -> dict[str, Any]:
    states = picture(n, args.seed)
    t_proj, k = best_of(lambda: project(states, 0.0), args.repeat)
    t_grid, enc = best_of(lambda: scan(k), args.repeat)
    pairs = all_pairs(k)
    row: dict[str, Any] = {
        "n": n,
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
            f"{r['n']:,}",
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
        target = TARGETS.get(r["n"])
        if target is not None and r["total"] > target:
            missed.append(f"{r['n']:,}: scan {r['total'] * 1e3:.1f} ms > {target * 1e3:.0f} ms")
        if r["n"] == SPEEDUP_TARGET[0] and r["speedup"] < SPEEDUP_TARGET[1]:
            missed.append(f"{r['n']:,}: speed-up {r['speedup']:.1f}x < {SPEEDUP_TARGET[1]:.0f}x")
    unsound = [r["n"] for r in rows if not r["identical"]]
    console.print(f"{len(unsound)} mismatching scans" + (f": {unsound}" if unsound else ""))
    console.print("targets: " + ("all met" if not missed else "missed: " + "; ".join(missed)))
    if unsound:
        return 2
    return 1 if missed and args.strict else 0


if __name__ == "__main__":
    sys.exit(main())
