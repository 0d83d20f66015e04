"""Hazard checks benchmark: the tactical tick with 1,000 hot hazards and 10,000 tracks.

One tick, one core, best of ``--repeat`` runs:

- *exposure*: ``detect.exposure.tactical_exposures`` (strip index of the tracks, the
  envelopes' boxes, spherical screen, exact geodesic);
- *masking*: ``detect.masking.masking`` on those exposures;
- *conformance*: ``detect.conformance.conformance`` against the active notices;
- *hazard checks* = the three; the target (issue 15) is <= 50 ms at 1,000 x 10,000;
- *prepare*: ``exposure.prepare`` of the hot list (run when it changes, not every tick);
- *tactical scan*: ``tactical.project`` + ``tactical.scan`` of the same tracks, for context.

The brute-force references (every track x every envelope, every exposure x every kinetic
aircraft, every owned aircraft x every notice of its party; exact geodesics) must give the
same alerts: the script exits 2 if they do not, 1 with ``--strict`` if the target is
missed, else 0.

The picture: ``bench/tactical.py``'s random picture over the eastern Mediterranean (24-36 E,
31-37 N at 10 k tracks), made all aircraft (the stress case: every track may be exposed;
former ships fly at 1,000-25,000 ft), 30 % of them owned by one of three parties. A fifth
of the notices are strikes (circles of 5-30 km); the rest are the parties' air areas
(circles of 30-150 km, 0-45,000 ft), one or two hours, active at the tick. Owned aircraft:
90 % inside one of their party's notices, the rest anywhere. Hazards are spread uniformly
over the picture and one theatre-wide red live-fire notice makes every one hot (all 1,000
envelopes checked every tick); ``--cluster`` piles them instead round the strikes' targets
(sites within 60 km of a strike: dozens of envelopes over each aircraft there);
``--realistic`` puts them round 15 defended places of the theatre (bases, ports, capitals:
sites within 30 km of one) with four strikes (a few raids at once, not twenty) aimed at
those places (within 40 km) and no theatre-wide notice, so only what a strike comes
within reach of is hot. Ranges:
60 % short range (10-20 km, to 15,000 ft), 30 % medium (30-50 km, to 60,000 ft), 10 % long
(100-250 km, to 80,000 ft); 5 % are areas (10-30 km squares) instead of sites.

``python bench/hazards.py --quick``: a smoke test (1,000 tracks, 100 hazards).
"""

from __future__ import annotations

import argparse
import dataclasses
import math
import os
import platform
import sys
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import numpy as np
from rich.console import Console
from rich.table import Table

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from interlock.detect.conformance import Outside, conformance, conformance_reference
from interlock.detect.exposure import (
    TrackExposures,
    prepare,
    tactical_exposures,
    tactical_exposures_reference,
)
from interlock.detect.hazards import ActivityNotice, Hazard, hot_hazards
from interlock.detect.masking import MaskingPairs, masking, masking_reference
from interlock.detect.strategic import Volume
from interlock.detect.tactical import AIR, TrackStates, project, scan
from interlock.geo.earth import WGS84
from interlock.geo.shapes import Area
from interlock.geo.units import M_PER_FT
from interlock.model.conflict import Ref
from interlock.model.hazard import HazardDraft
from interlock.model.hazard_rules import HazardRules
from interlock.model.notice import VerticalBand
from tactical import picture

TARGET_S = 0.050  # hazard checks at 1,000 hazards x 10,000 tracks (issue 15)
NOW = datetime(2030, 9, 17, 18, 40, tzinfo=UTC)
PARTIES = ("blue", "red", "green")
# Defended places of the eastern Mediterranean (lon, lat): air defence sits round bases,
# ports and capitals, not uniformly over the sea (the "realistic" layout).
DEFENDED = (
    (35.95, 35.41),  # Latakia / Khmeimim
    (35.89, 34.89),  # Tartus
    (36.72, 34.73),  # Homs
    (36.29, 33.51),  # Damascus
    (37.16, 36.20),  # Aleppo
    (35.50, 33.89),  # Beirut
    (35.00, 32.80),  # Haifa
    (34.78, 32.08),  # Tel Aviv
    (33.36, 35.17),  # Nicosia
    (35.43, 37.00),  # Adana / Incirlik
    (30.70, 36.90),  # Antalya
    (29.92, 31.20),  # Alexandria
    (32.30, 31.26),  # Port Said
    (24.10, 35.50),  # Souda Bay, Crete
    (28.20, 36.40),  # Rhodes
)


def _offset(rng: np.random.Generator, lon: float, lat: float, max_m: float) -> tuple[float, float]:
    """A point uniform in area within max_m of (lon, lat)."""
    d = max_m * math.sqrt(rng.random())
    lon2, lat2, _ = WGS84.fwd(lon, lat, rng.uniform(0, 360), d)
    return float(lon2), float(lat2)


def scene(
    n_tracks: int, n_hazards: int, n_notices: int, seed: int, layout: str = "spread"
) -> tuple[TrackStates, list[Hazard], list[ActivityNotice]]:
    """The picture, hazards and notices; ``layout``: spread, cluster or realistic."""
    rng = np.random.default_rng(seed)
    cluster, realistic = layout == "cluster", layout == "realistic"
    base = picture(n_tracks, seed)
    n = len(base)
    was_sea = base.domain != AIR
    alt = np.where(was_sea, rng.uniform(1_000, 25_000, n), base.alt_ft)
    speed = np.where(was_sea, rng.uniform(150, 350, n), base.speed_kt)
    owner = np.where(rng.random(n) < 0.3, rng.integers(0, 3, n), -1).astype(np.int32)
    lon_lo, lon_hi = float(base.lon.min()), float(base.lon.max())
    lat_lo, lat_hi = float(base.lat.min()), float(base.lat.max())
    notices: list[ActivityNotice] = []
    for k in range(n_notices):
        party = PARTIES[k % 3]
        strike = k % 5 == 0 if not realistic else k % 25 == 0  # realistic: a few raids
        c = (float(rng.uniform(lon_lo, lon_hi)), float(rng.uniform(lat_lo, lat_hi)))
        if realistic and strike:  # strikes go for defended places
            c = _offset(rng, *DEFENDED[int(rng.integers(len(DEFENDED)))], 40_000.0)
        r = float(rng.uniform(5e3, 3e4) if strike else rng.uniform(3e4, 1.5e5))
        start = NOW - timedelta(minutes=float(rng.uniform(0, 50)))
        vol = Volume(
            Ref("notice", f"n{k}"),
            party,
            "air",
            Area("circle", (c,), r),
            VerticalBand(0.0, 45_000 * M_PER_FT),
            start,
            start + timedelta(hours=float(rng.choice([1, 2]))),
        )
        notices.append(ActivityNotice(vol, "strike" if strike else "patrol"))
    if layout == "spread":  # one theatre-wide live-fire notice of red makes every hazard hot
        c = (0.5 * (lon_lo + lon_hi), 0.5 * (lat_lo + lat_hi))
        wide = dataclasses.replace(
            notices[0].volume,
            ref=Ref("notice", "wide"),
            party="red",
            area=Area("circle", (c,), 900_000.0),
            start=NOW - timedelta(minutes=10),
            end=NOW + timedelta(hours=1),
        )
        notices[0] = ActivityNotice(wide, "live_fire")
    lon, lat = base.lon.copy(), base.lat.copy()
    for t in np.flatnonzero((owner >= 0) & (rng.random(n) < 0.9)).tolist():
        mine = [x for x in notices if x.volume.party == PARTIES[owner[t]]]
        v = mine[int(rng.integers(len(mine)))].volume
        lon[t], lat[t] = _offset(rng, *v.area.core[0], v.area.radius_m)
    states = dataclasses.replace(
        base,
        lon=lon,
        lat=lat,
        alt_ft=alt,
        speed_kt=speed,
        time=base.time + NOW.timestamp(),  # states up to 30 s old at the tick
        domain=np.full(n, AIR, dtype=np.int8),
        owner=owner,
        owners=PARTIES,
    )
    strikes = [x for x in notices if x.activity == "strike"]
    hazards: list[Hazard] = []
    for k in range(n_hazards):
        if cluster:  # round the strikes' targets: every hazard hot, envelopes piled up
            tgt = strikes[int(rng.integers(len(strikes)))].volume.area.core[0]
            slon, slat = _offset(rng, *tgt, 60_000.0)
        elif realistic:  # round the defended places; hot when a strike comes within reach
            slon, slat = _offset(rng, *DEFENDED[int(rng.integers(len(DEFENDED)))], 30_000.0)
        else:
            slon, slat = float(rng.uniform(lon_lo, lon_hi)), float(rng.uniform(lat_lo, lat_hi))
        u = rng.random()
        rng_m, top = (
            (rng.uniform(1e4, 2e4), 15_000.0)
            if u < 0.6
            else (rng.uniform(3e4, 5e4), 60_000.0)
            if u < 0.9
            else (rng.uniform(1e5, 2.5e5), 80_000.0)
        )
        if rng.random() < 0.05:
            h = rng.uniform(5e3, 1.5e4)
            pts = [WGS84.fwd(slon, slat, az, h * math.sqrt(2))[:2] for az in (45, 135, 225, 315)]
            ring = tuple((float(a), float(b)) for a, b in [*pts, pts[0]])
            site = Area("polygon", ring, 0.0)
        else:
            site = Area("circle", ((slon, slat),), 1.0)
        draft = HazardDraft(
            f"h{k}", "third", None, "bench", site, float(rng_m), 0.0, top, None, None
        )
        hazards.append(Hazard(f"h{k}", draft))
    return states, hazards, notices


def best_of(fn: Callable[[], Any], repeat: int) -> tuple[float, Any]:
    best, out = math.inf, None
    for _ in range(repeat):
        t = time.perf_counter()
        out = fn()
        best = min(best, time.perf_counter() - t)
    return best, out


def same_exposures(a: TrackExposures, b: TrackExposures) -> bool:
    return a.pairs() == b.pairs() and np.array_equal(a.depth_m, b.depth_m)


def same_outside(a: Outside, b: Outside) -> bool:
    return all(
        np.array_equal(getattr(a, f), getattr(b, f))
        for f in ("track", "nearest", "distance_m", "vertical_gap_m", "kinetic")
    )


def same_masking(a: MaskingPairs, b: MaskingPairs) -> bool:
    return a.triples() == b.triples()


def run(n: int, h: int, nn: int, args: argparse.Namespace) -> dict[str, Any]:
    states, hazards, notices = scene(n, h, nn, args.seed, args.layout)
    rules = HazardRules()
    t_hot, hot = best_of(lambda: hot_hazards(hazards, notices, rules), 1)
    t_prep, hs = best_of(lambda: prepare(hot), args.repeat)
    t_exp, exp = best_of(lambda: tactical_exposures(states, NOW, hs, rules), args.repeat)
    t_mask, mask = best_of(lambda: masking(states, hs, exp, rules), args.repeat)
    t_conf, conf = best_of(lambda: conformance(states, NOW, notices, rules), args.repeat)
    t_proj, k = best_of(lambda: project(states, NOW.timestamp()), args.repeat)
    t_scan, enc = best_of(lambda: scan(k), args.repeat)
    if args.no_reference:
        t_rexp = t_rmask = t_rconf = math.nan
        identical = None
    else:
        t_rexp, rexp = best_of(lambda: tactical_exposures_reference(states, NOW, hs, rules), 1)
        t_rmask, rmask = best_of(lambda: masking_reference(states, hs, rexp, rules), 1)
        t_rconf, rconf = best_of(lambda: conformance_reference(states, NOW, notices, rules), 1)
        identical = (
            same_exposures(exp, rexp) and same_masking(mask, rmask) and same_outside(conf, rconf)
        )
    return {
        "n": n,
        "hazards": h,
        "hot": len(hot),
        "notices": nn,
        "owned": int((states.owner >= 0).sum()),
        "exposures": len(exp),
        "masking": len(mask),
        "outside": len(conf),
        "off_kinetic": int((conf.kinetic >= 0).sum()),
        "hot_s": t_hot,
        "prepare": t_prep,
        "exposure": t_exp,
        "mask": t_mask,
        "conf": t_conf,
        "checks": t_exp + t_mask + t_conf,
        "ref": t_rexp + t_rmask + t_rconf,
        "ref_parts": (t_rexp, t_rmask, t_rconf),
        "scan": t_proj + t_scan,
        "conflicts": len(enc),
        "identical": identical,
    }


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument("--sizes", type=int, nargs="+", default=[1_000, 10_000], help="tracks")
    ap.add_argument("--hazards", type=int, default=1_000)
    ap.add_argument("--notices", type=int, default=100)
    ap.add_argument("--quick", action="store_true", help="1,000 tracks, 100 hazards")
    ap.add_argument("--repeat", type=int, default=7)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--cluster", action="store_true", help="hazards piled round the strikes")
    ap.add_argument(
        "--realistic", action="store_true", help="hazards round 15 defended places, strikes hot"
    )
    ap.add_argument(
        "--no-reference", action="store_true", help="time only (skip the references' check)"
    )
    ap.add_argument("--strict", action="store_true", help="exit 1 when the target is missed")
    args = ap.parse_args()
    args.layout = "cluster" if args.cluster else "realistic" if args.realistic else "spread"
    if args.quick:
        args.sizes, args.hazards, args.notices, args.repeat = [1_000], 100, 20, 3
    console = Console()
    console.print(
        f"[bold]hazard checks[/] — {platform.python_version()}, numpy {np.__version__}, "
        f"{os.cpu_count()} cores (one used), seed {args.seed}, {args.layout} layout"
    )
    rows = [run(n, args.hazards, args.notices, args) for n in args.sizes]
    table = Table(title="One tactical tick (best of runs; ms)")
    cols = (
        "tracks / owned",
        "hazards / hot",
        "notices",
        "exposures / masking / outside",
        "exposure",
        "masking",
        "conformance",
        "hazard checks",
        "reference",
        "ref / checks",
        "prepare",
        "tactical scan",
        "identical",
    )
    for c in cols:
        table.add_column(c, justify="right")
    for r in rows:
        table.add_row(
            f"{r['n']:,} / {r['owned']:,}",
            f"{r['hazards']:,} / {r['hot']:,}",
            f"{r['notices']:,}",
            f"{r['exposures']:,} / {r['masking']:,} / {r['outside']:,} ({r['off_kinetic']:,} kin.)",
            f"{r['exposure'] * 1e3:.1f}",
            f"{r['mask'] * 1e3:.1f}",
            f"{r['conf'] * 1e3:.1f}",
            f"{r['checks'] * 1e3:.1f}",
            f"{r['ref'] * 1e3:,.0f}",
            f"{r['ref'] / r['checks']:,.0f}x",
            f"{r['prepare'] * 1e3:.1f}",
            f"{r['scan'] * 1e3:.1f}",
            "n/a" if r["identical"] is None else "yes" if r["identical"] else "[red]NO[/]",
        )
    console.print(table)
    for r in rows:
        e, m, c = (x * 1e3 for x in r["ref_parts"])
        console.print(
            f"{r['n']:,}: hot_hazards {r['hot_s'] * 1e3:.0f} ms (on filing); reference exposure "
            f"{e:,.0f} / masking {m:,.0f} / conformance {c:,.0f} ms; tactical scan "
            f"{r['conflicts']:,} conflicts"
        )
    missed = [
        f"{r['n']:,}: {r['checks'] * 1e3:.1f} ms > {TARGET_S * 1e3:.0f} ms"
        for r in rows
        if r["n"] == 10_000 and r["hazards"] == 1_000 and r["checks"] > TARGET_S
    ]
    unsound = [r["n"] for r in rows if r["identical"] is False]
    console.print(f"{len(unsound)} mismatching ticks" + (f": {unsound}" if unsound else ""))
    console.print("target: " + ("met" if not missed else "missed: " + "; ".join(missed)))
    if unsound:
        return 2
    return 1 if missed and args.strict else 0


if __name__ == "__main__":
    sys.exit(main())
