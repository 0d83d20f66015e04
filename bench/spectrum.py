"""Electromagnetic-arena benchmark: aggregate I/N at 10 - 1,000 protected receivers from
100 - 10,000 emissions over 24 h, vectorised detector against the per-pair Python loop.

Per size (emitters x receivers): one scenario, the vectorised detector
(``interference.detect`` on arrays, best of ``--repeat`` runs, one core) and the per-pair
reference loop (``reference.detect_reference``: every emitter at every receiver in plain
Python floats, no cull). Above ``--full-baseline-max`` receivers the loop runs on a random
sample of ``--sample`` receivers (against all emitters) and its time is extrapolated by the
number of receivers (marked *). *identical*: the detector's conflicts and timelines on those
receivers equal the loop's (``reference.compare``: same slices and conflicts, I/N within
1e-6 dB near the criterion, the cull's stated bound elsewhere). Exit 2 if any differ, 1 with
``--strict`` if the target (10 k x 1 k in <= 1 s) is missed, else 0.

The scenario (eastern Mediterranean, 24-36 E x 31-37 N, one day): emitters spread at random,
25 % S-band radars (2.7-3.1 GHz, 1-5 MHz, 70-100 dBm EIRP, scanning: omnidirectional at
peak, masts 10-40 m), 15 % X-band radars (8.5-10.5 GHz, 5-50 MHz, 60-90 dBm, a third with a
fixed 2-10 deg beam), 30 % VHF comms (30-88 MHz, 25 kHz, 37-50 dBm) and 30 % UHF
(225-400 MHz, 25-500 kHz, 40-60 dBm), each active once for 1-8 h. Receivers: border radars
spaced along a 600 km line from 35.9 E 36.9 N to 33.9 E 31.3 N (80 % S-band, 20 % X-band,
1-5 MHz, NF 3-5 dB, 30-40 dBi, masts 15-40 m, half scanning, half staring across the line
with a 1.5-3 deg beam), 30 % safety-of-life (I/N -10 dB), the rest -6 dB.

``python bench/spectrum.py --quick``: a smoke test (100 x 10 and 1 k x 100, a few seconds).
"""

from __future__ import annotations

import argparse
import os
import platform
import random
import sys
import time
from pathlib import Path
from typing import Any

import numpy as np
from rich.console import Console
from rich.table import Table

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))

from interlock.spectrum.interference import (
    Emission,
    Emitters,
    ProtectedReceiver,
    Receivers,
    Result,
    detect,
)
from interlock.spectrum.reference import compare, detect_reference

DAY_S = 86_400.0
T0 = 1_900_000_000.0  # an epoch second in 2030; the window is [T0, T0 + 24 h)
TARGET = ((10_000, 1_000), 1.0)  # (emitters, receivers), seconds for the vectorised detector
SIZES = [(100, 10), (1_000, 100), (10_000, 1_000)]


def emissions(rng: random.Random, n: int) -> list[Emission]:
    """`n` emissions of the mix above, each once for 1-8 h within the day."""
    out = []
    for i in range(n):
        u = rng.random()
        az: float | None = None
        bw_az: float | None = None
        if u < 0.25:
            f, bw, eirp, h = (
                rng.uniform(2700, 3100),
                rng.choice([1.0, 2.0, 5.0]),
                rng.uniform(70, 100),
                rng.uniform(10, 40),
            )
        elif u < 0.40:
            f, bw, eirp, h = (
                rng.uniform(8500, 10500),
                rng.choice([5.0, 10.0, 20.0, 50.0]),
                rng.uniform(60, 90),
                rng.uniform(5, 20),
            )
            if rng.random() < 1 / 3:
                az, bw_az = rng.uniform(0, 360), rng.uniform(2, 10)
        elif u < 0.70:
            f, bw, eirp, h = rng.uniform(30, 88), 0.025, rng.uniform(37, 50), rng.uniform(2, 20)
        else:
            f, bw, eirp, h = (
                rng.uniform(225, 400),
                rng.choice([0.025, 0.1, 0.5]),
                rng.uniform(40, 60),
                rng.uniform(2, 30),
            )
        dur = rng.uniform(1, 8) * 3600
        start = T0 + rng.uniform(0, DAY_S - dur)
        out.append(
            Emission(
                id=f"E{i:05d}",
                lon=rng.uniform(24, 36),
                lat=rng.uniform(31, 37),
                height_m=h,
                freq_mhz=f,
                bw_mhz=bw,
                eirp_dbm=eirp,
                start_s=start,
                end_s=start + dur,
                azimuth_deg=az,
                beamwidth_deg=bw_az,
            )
        )
    return out


def receivers(rng: random.Random, m: int) -> list[ProtectedReceiver]:
    """`m` border radars along the line."""
    (lon0, lat0), (lon1, lat1) = (35.9, 36.9), (33.9, 31.3)
    out = []
    for j in range(m):
        t = (j + rng.random()) / m
        sband = rng.random() < 0.8
        staring = rng.random() < 0.5
        out.append(
            ProtectedReceiver(
                id=f"R{j:04d}",
                lon=lon0 + t * (lon1 - lon0) + rng.uniform(-0.05, 0.05),
                lat=lat0 + t * (lat1 - lat0) + rng.uniform(-0.05, 0.05),
                height_m=rng.uniform(15, 40),
                gain_dbi=rng.uniform(30, 40),
                freq_mhz=rng.uniform(2700, 3100) if sband else rng.uniform(8500, 10500),
                bw_mhz=rng.choice([1.0, 2.0, 5.0]),
                noise_figure_db=rng.uniform(3, 5),
                safety_of_life=rng.random() < 0.3,
                azimuth_deg=rng.uniform(230, 280) if staring else None,
                beamwidth_deg=rng.uniform(1.5, 3) if staring else None,
            )
        )
    return out


def run_size(n: int, m: int, args: argparse.Namespace) -> dict[str, Any]:
    """Time both ways on one scenario and compare."""
    rng = random.Random(args.seed * 1_000_003 + n * 7 + m)
    ems, rxs = emissions(rng, n), receivers(rng, m)
    e_arr, r_arr = Emitters.from_items(ems), Receivers.from_items(rxs)
    best = float("inf")
    fast: Result | None = None
    for _ in range(args.repeat):
        t = time.perf_counter()
        fast = detect(e_arr, r_arr, T0, T0 + DAY_S)
        best = min(best, time.perf_counter() - t)
    assert fast is not None
    if m <= args.full_baseline_max:
        sample = rxs
    else:
        k = max(1, round(m * args.sample))
        sample = [rxs[j] for j in sorted(random.Random(args.seed + m).sample(range(m), k))]
    t = time.perf_counter()
    ref = detect_reference(ems, sample, T0, T0 + DAY_S)
    loop = (time.perf_counter() - t) * m / len(sample)
    diffs = compare(fast, ref)
    return {
        "n": n,
        "m": m,
        "coupled": fast.pairs_coupled,
        "significant": fast.pairs_significant,
        "conflicts": len(fast.conflicts),
        "slices": sum(len(tl.starts) for tl in fast.timelines.values()),
        "fast": best,
        "loop": loop,
        "extrapolated": len(sample) < m,
        "checked": len(sample),
        "identical": not diffs,
        "diffs": diffs[:5],
    }


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--quick", action="store_true", help="smoke test: small sizes, a few seconds")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument(
        "--full-baseline-max", type=int, default=100, help="receivers looped in full up to this"
    )
    ap.add_argument("--sample", type=float, default=0.02, help="receiver fraction looped above it")
    ap.add_argument("--strict", action="store_true", help="exit 1 when the target is missed")
    args = ap.parse_args()
    sizes = SIZES[:2] if args.quick else SIZES
    if args.quick:
        args.repeat = 2
    console = Console()
    console.print(
        f"[bold]spectrum: aggregate I/N over 24 h[/] — {platform.python_version()}, "
        f"numpy {np.__version__}, {os.cpu_count()} cores (one used), seed {args.seed}"
    )
    rows = [run_size(n, m, args) for n, m in sizes]
    table = Table(
        title="Detector vs per-pair loop (best of runs; loop extrapolated where marked *)"
    )
    for col in (
        "emitters x receivers",
        "coupled pairs",
        "significant",
        "slices",
        "conflicts",
        "vectorised s",
        "loop s",
        "speed-up",
        "identical",
    ):
        table.add_column(col, justify="right")
    for r in rows:
        ident = "yes" if r["identical"] else "[red]NO[/]"
        if r["extrapolated"]:
            ident += f" ({r['checked']} receivers)"
        table.add_row(
            f"{r['n']:,} x {r['m']:,}",
            f"{r['coupled']:,}",
            f"{r['significant']:,}",
            f"{r['slices']:,}",
            f"{r['conflicts']:,}",
            f"{r['fast']:.3f}",
            f"{r['loop']:,.2f}{' *' if r['extrapolated'] else ''}",
            f"{r['loop'] / r['fast']:,.0f}x",
            ident,
        )
    console.print(table)
    for r in rows:
        for d in r["diffs"]:
            console.print(f"[red]{r['n']} x {r['m']}: {d}[/]")
    (tn, tm), limit = TARGET
    hit = [r for r in rows if (r["n"], r["m"]) == (tn, tm)]
    missed = bool(hit) and hit[0]["fast"] > limit
    if hit:
        verdict = "met" if not missed else "MISSED"
        console.print(
            f"target: {tn:,} x {tm:,} over 24 h in <= {limit:.1f} s: "
            f"{hit[0]['fast']:.3f} s, {verdict}"
        )
    else:
        console.print(
            f"target: {tn:,} x {tm:,} over 24 h in <= {limit:.1f} s (not run with --quick)"
        )
    if any(not r["identical"] for r in rows):
        return 2
    return 1 if missed and args.strict else 0


if __name__ == "__main__":
    sys.exit(main())
