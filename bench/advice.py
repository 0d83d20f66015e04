"""Advice benchmark: the advice for one conflict among 100 k stored notices.

What it measures (one store, one planted conflict):

1. **Advice** for the conflict's notice, p50/p99 over ``--runs`` repeated runs, for time
   and level only (``detect.advice.TIME_AND_LEVEL``; target <= 50 ms) and for every kind
   (place and shrink too; target <= 250 ms). Each run does what a request does: read the
   notice, look its obstacles up in the store's R*Tree (every other party's notice the
   searches could meet: any height at its time and place, +-max_time_shift at its band and
   place, max_offset_nm around it at its time and band), build them
   (``strategic.keep_clear_of``) and search (``detect.advice.advise``). ``ADVISE`` names
   the path: the core with obstacles from the store until the service's own lands, then
   the service (one function to switch).
2. **Brute-force grid baseline**, in the same process over the same obstacle volumes:
   walk each dimension's grid outward from the notice (delay and advance by
   ``time_step_s``, level by ``level_step_ft``, offset by ``offset_step_nm`` rings over
   ``bearings`` bearings, narrowing by ``offset_step_nm``) and check every candidate with
   ``detect.strategic.check_pair`` against every volume; the first clear one is the
   answer. The shrink is a construction, not a search: its candidate is only checked.
   Each kind's answer must equal the core's (an offset within one step: the core traces in
   the notice's local frame): the script exits 2 when one does not.

The store is ``bench/strategic.py``'s (the same generator, bulk-loaded once under
``bench/out/``); each run works on a copy. The conflict: a circle of 40 km of another
party filed (``NoticeService.submit``) at a stored air notice's centre, with its window
and band.

``python bench/advice.py --quick``: 10 k notices, few runs (a smoke test, < 1 min).
Exit status: 2 when results are unsound, 1 with ``--strict`` when a target is missed.
"""

from __future__ import annotations

import argparse
import math
import os
import random
import sqlite3
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, replace
from datetime import datetime, timedelta
from typing import Any

import orjson
from rich.table import Table

from interlock.detect.advice import (
    KINDS,
    TIME_AND_LEVEL,
    AdviceKind,
    AdviceSet,
    Subject,
    advise,
    moved_band,
)
from interlock.detect.advice_place import offset_area
from interlock.detect.strategic import Volume, check_pair, keep_clear_of, notice_volume
from interlock.geo.shapes import Area
from interlock.geo.units import M_PER_NM
from interlock.model.agreement import Agreement
from interlock.model.conflict import Ref
from interlock.model.notice import parse_notice
from interlock.model.timeutil import iso
from interlock.service.clock import utc_now
from interlock.service.root import Services, build_services
from interlock.service.strategic import asset_volume, index_entry, stored_volume
from interlock.store import open_store
from strategic import (
    OUT,
    PARTIES,
    _fmt,
    _pct,
    _remove_db,
    agreement,
    build_store,
    console,
    random_notice,
    working_copy,
)

TARGET_TIME_LEVEL_MS = 50.0  # p99, time and level only
TARGET_ALL_MS = 250.0  # p99, every kind
SUBJECT_RADIUS_M = 40_000.0  # the planted notice: a circle of 40 km
ALL_HEIGHTS_M = 1e6  # a vertical margin no band reaches past: "at any height"


# ---- the planted conflict ------------------------------------------------------------------
@dataclass(frozen=True)
class Planted:
    notice_id: str
    party: str
    conflict_id: int
    against: str  # the stored notice it conflicts with


def plant_conflict(services: Services, seed: int) -> Planted:
    """File, for the first stored air notice, a 40 km circle of another party at its
    centre with its window and band: at least one conflict (more where others are near)."""
    store = services.store
    for i in range(10_000):
        row = store.get_notice(f"n-{seed:04x}{0:06x}{i:06x}")
        if row is None:
            break
        p = row.feature["properties"]
        if row.domain != "air" or "alt_lower_ft" not in p:
            continue
        lon, lat = Area.from_stored(row.feature["geometry"], p).centre()
        party = next(x for x in PARTIES if x != row.party)
        feature = {
            "type": "Feature",
            "geometry": {"type": "Point", "coordinates": [lon, lat]},
            "properties": {
                "domain": "air",
                "radius_m": SUBJECT_RADIUS_M,
                "alt_lower_ft": p["alt_lower_ft"],
                "alt_upper_ft": p["alt_upper_ft"],
                "start": p["start"],
                "end": p["end"],
                "callsign": "ADVICE1",
            },
        }
        result = services.notices.submit(party, feature)
        mine = result.notice["properties"]["id"]
        ours = [c for c in result.conflicts if row.id in (c.a_id, c.b_id)]
        assert ours, "the planted notice must conflict with the stored one"
        return Planted(mine, party, ours[0].id, row.id)
    raise SystemExit("no stored air notice to plant a conflict beside")


def _moved(coords: Any, dlon: float, dlat: float) -> Any:
    if isinstance(coords[0], (int, float)):
        return [round(coords[0] + dlon, 5), round(coords[1] + dlat, 5)]
    return [_moved(c, dlon, dlat) for c in coords]


def crowd(services: Services, planted: Planted, count: int, seed: int) -> int:
    """File `count` random notices of the other parties (strategic.py's generator) moved
    to within max_offset_nm of the planted notice and max_time_shift_h of its window: a
    busy neighbourhood for every search. Returns the planted notice's conflicts after."""
    row = services.store.get_notice(planted.notice_id)
    assert row is not None
    p = row.feature["properties"]
    lon0, lat0 = row.feature["geometry"]["coordinates"]
    start0 = datetime.fromisoformat(p["start"])
    adv = services.agreement.advice
    reach_deg = adv.max_offset_m / 111_000.0
    rng = random.Random(f"crowd:{seed}")
    filed = 0
    while filed < count:
        party, feature = random_notice(rng)
        if party == planted.party:
            continue
        f = feature["properties"]
        geometry = feature["geometry"]
        first = geometry["coordinates"]
        while not isinstance(first[0], (int, float)):
            first = first[0]
        dlon = lon0 + rng.uniform(-reach_deg, reach_deg) - first[0]
        dlat = lat0 + rng.uniform(-reach_deg, reach_deg) - first[1]
        geometry["coordinates"] = _moved(geometry["coordinates"], dlon, dlat)
        length = datetime.fromisoformat(f["end"]) - datetime.fromisoformat(f["start"])
        shift = timedelta(seconds=rng.uniform(-1, 1) * adv.max_time_shift.total_seconds())
        f["start"], f["end"] = iso(start0 + shift), iso(start0 + shift + length)
        services.notices.submit(party, feature)
        filed += 1
    return len(services.store.list_conflicts(party=planted.party, notice_id=planted.notice_id))


# ---- the advice: through the service (the path GET /conflicts/{id}/advice takes) ------------
def gather(services: Services, vol: Volume, kinds: Sequence[AdviceKind]) -> list[Volume]:
    """Every other party's notice and asset the searches of `kinds` could meet, from the
    store's R*Tree: at any height at the notice's time and place (level), +-the largest
    time shift at its band and place (time), max_offset_nm around it at its time and band
    (place): the volumes the grid walks over, and the core path's obstacles."""
    agr = services.agreement
    rules, adv = agr.rules, agr.advice
    big = rules.largest_minima
    buffer_s = rules.time_buffer.total_seconds()
    span_s = adv.max_time_shift.total_seconds() + (vol.end - vol.start).total_seconds()
    args = (vol.area, vol.band, vol.start, vol.end)
    queries = [
        index_entry(*args, big.horizontal_m, ALL_HEIGHTS_M, buffer_s),
        index_entry(*args, big.horizontal_m, big.vertical_m, span_s + buffer_s),
    ]
    if any(k not in TIME_AND_LEVEL for k in kinds):
        queries.append(
            index_entry(*args, adv.max_offset_m + big.horizontal_m, big.vertical_m, buffer_s)
        )
    rows: dict[tuple[str, int], Any] = {}
    assets: dict[str, Any] = {}
    with services.store.scene() as scene:  # the read-side look-up (no write lock)
        for q in queries:
            for r in scene.candidates(q, vol.party):
                rows[(r.id, r.version)] = r
            for a in scene.asset_candidates(q, vol.party):
                assets[a.id] = a
    return [stored_volume(r) for r in rows.values()] + [asset_volume(a) for a in assets.values()]


def subject_of(services: Services, notice_id: str, party: str) -> tuple[Subject, Volume]:
    agr = services.agreement
    row = services.store.get_notice(notice_id)
    assert row is not None
    draft = parse_notice(row.feature, agr.rules.shape)
    ref = Ref("notice", row.id, row.version)
    now = services.clock()
    subject = Subject(
        draft, ref, party, now + agr.rules.min_lead_time, now + agr.rules.planning_horizon
    )
    return subject, notice_volume(draft, ref, party)


def advice_via_core(services: Services, planted: Planted, kinds: Sequence[AdviceKind]) -> AdviceSet:
    """Read the notice, look its obstacles up in the store, advise (the core alone)."""
    subject, vol = subject_of(services, planted.notice_id, planted.party)
    rules = services.agreement.rules
    obstacles = [keep_clear_of(vol.domain, v, rules) for v in gather(services, vol, kinds)]
    return advise(subject, obstacles, services.agreement.advice, kinds)


def advice_via_service(
    services: Services, planted: Planted, kinds: Sequence[AdviceKind]
) -> AdviceSet:
    """`AdviceService.advise`: what GET /conflicts/{id}/advice computes (read the notice,
    the scene's look-ups, hazards, advise), without the words."""
    return services.advice.advise(planted.party, planted.notice_id, kinds).found


def conflict_view(services: Services, planted: Planted, kinds: Sequence[AdviceKind]) -> None:
    """`AdviceService.for_conflict`: all of GET /conflicts/{id}/advice's answer (the words,
    the names of what it meets, the open conflicts) but HTTP; every kind."""
    services.advice.for_conflict(planted.party, planted.conflict_id)


# The path timed: the service (advice_via_core: the core with obstacles from the store).
ADVISE: Callable[[Services, Planted, Sequence[AdviceKind]], AdviceSet] = advice_via_service


# ---- the brute-force grid baseline ------------------------------------------------------------
class GridCap(Exception):
    """The grid walk went past --grid-cap candidates."""


@dataclass
class Brute:
    answers: dict[str, float | None]  # kind -> the change's size (None: none found)
    candidates: int = 0
    seconds: float = 0.0


def brute_force(
    subject: Subject,
    volumes: Sequence[Volume],
    agr: Agreement,
    kinds: Sequence[AdviceKind],
    shrink: Any,
    cap: int,
) -> Brute:
    """Walk each dimension's grid outward; the first candidate `check_pair` finds clear of
    every volume is the answer."""
    rules, adv = agr.rules, agr.advice
    d = subject.draft
    assert d.band is not None
    me = Ref("notice", subject.ref.id, subject.ref.version)
    out = Brute({})
    t0 = time.perf_counter()

    def clear(**changes: Any) -> bool:
        out.candidates += 1
        if out.candidates > cap:
            raise GridCap
        vol = Volume(
            me,
            subject.party,
            d.domain,
            changes.get("area", d.area),
            changes.get("band", d.band),
            changes.get("start", d.start),
            changes.get("end", d.end),
        )
        return not any(check_pair(vol, v, rules) for v in volumes)

    step = timedelta(seconds=adv.time_step_s)
    most_t = math.floor(adv.max_time_shift / step)
    for kind, sign in ((AdviceKind.DELAY, 1), (AdviceKind.ADVANCE, -1)):
        if kind not in kinds:
            continue
        out.answers[kind.value] = None
        for k in range(0, most_t + 1):
            s, e = d.start + sign * k * step, d.end + sign * k * step
            if s < subject.earliest_start or e > subject.latest_end:
                continue
            if clear(start=s, end=e):
                out.answers[kind.value] = k * adv.time_step_s
                break
    for kind, sign in ((AdviceKind.LEVEL_UP, 1), (AdviceKind.LEVEL_DOWN, -1)):
        if kind not in kinds:
            continue
        out.answers[kind.value] = None
        k = 0
        while (cand := moved_band(d, sign * k, adv)) is not None:
            if clear(band=cand.band):
                out.answers[kind.value] = k * adv.level_step_ft
                break
            k += 1
    if AdviceKind.OFFSET in kinds:
        out.answers["offset"] = None
        most = math.floor(adv.max_offset_m / adv.offset_step_m + 1e-9)  # 499.99999999999994
        bearings = [i * 360.0 / adv.bearings for i in range(adv.bearings)]
        for k in range(1, most + 1):
            dist = k * adv.offset_step_m
            if any(clear(area=offset_area(d.area, b, dist)) for b in bearings):
                out.answers["offset"] = round(dist / M_PER_NM, 6)
                break
    if AdviceKind.NARROW in kinds and d.area.shape != "polygon":
        out.answers["narrow"] = None
        k = 1
        while (r := d.area.radius_m - k * adv.offset_step_m) > 0:
            if clear(area=replace(d.area, radius_m=r)):
                out.answers["narrow"] = round(k * adv.offset_step_m / M_PER_NM, 6)
                break
            k += 1
    if AdviceKind.SHRINK in kinds and shrink is not None:
        out.answers["shrink"] = 1.0 if clear(area=shrink) else None
    out.seconds = time.perf_counter() - t0
    return out


CHANGE_KEY = {  # each kind's size of change, in the grid's terms (shrink: found or not)
    AdviceKind.DELAY: "delay_s",
    AdviceKind.ADVANCE: "advance_s",
    AdviceKind.LEVEL_UP: "shift_ft",
    AdviceKind.LEVEL_DOWN: "shift_ft",
    AdviceKind.OFFSET: "distance_nm",
    AdviceKind.NARROW: "narrowed_nm",
    AdviceKind.SHRINK: None,
}


def core_answers(found: AdviceSet) -> dict[str, float | None]:
    """Each kind's change in the brute force's terms (None: unavailable)."""
    out: dict[str, float | None] = {u.kind.value: None for u in found.unavailable}
    for a in found.advice:
        key = CHANGE_KEY[a.kind]
        out[a.kind.value] = 1.0 if key is None else abs(a.change[key])
    return out


def agree(kind: str, core: float | None, brute: float | None, step_nm: float) -> bool:
    if core is None or brute is None:
        return core is brute
    if kind == "offset":  # the core traces in the local frame: within one step
        return abs(core - brute) <= step_nm + 1e-9
    return abs(core - brute) < 1e-6


# ---- main --------------------------------------------------------------------------------
@dataclass
class KindsResult:
    name: str
    runs: int
    obstacles: int
    lookup_p50_ms: float
    p50_ms: float
    p99_ms: float
    target_ms: float
    brute_ms: float
    brute_candidates: int
    brute_capped: bool
    answers: dict[str, Any]
    mismatches: list[str]

    @property
    def ratio(self) -> float:
        return self.brute_ms / self.p50_ms if self.p50_ms > 0 else math.nan


def measure(
    services: Services,
    planted: Planted,
    name: str,
    kinds: Sequence[AdviceKind],
    runs: int,
    target: float,
    cap: int,
    advise_once: Callable[[Services, Planted, Sequence[AdviceKind]], AdviceSet | None]
    | None = None,
    grid: bool = True,
) -> KindsResult:
    advise_once = advise_once or ADVISE
    times = []
    found: AdviceSet | None = None
    for i in range(runs + 3):  # three warm-up runs
        t0 = time.perf_counter()
        found = advise_once(services, planted, kinds)
        elapsed = time.perf_counter() - t0
        if i >= 3:
            times.append(elapsed * 1e3)
    if found is None:  # a view without the AdviceSet: the service's, for the grid
        found = advice_via_service(services, planted, kinds)
    subject, vol = subject_of(services, planted.notice_id, planted.party)
    lookups = []
    for _ in range(min(runs, 50)):
        t0 = time.perf_counter()
        volumes = gather(services, vol, kinds)
        lookups.append((time.perf_counter() - t0) * 1e3)
    shrink = next((a.draft.area for a in found.advice if a.kind is AdviceKind.SHRINK), None)
    core = core_answers(found)
    brute, capped = Brute({}, 0, math.nan), False
    try:
        if grid:
            brute = brute_force(subject, volumes, services.agreement, kinds, shrink, cap)
    except GridCap:
        brute, capped = Brute({}, cap, math.nan), True
    step_nm = services.agreement.advice.offset_step_nm
    mismatches = [
        f"{k}: core {core.get(k)}, grid {brute.answers.get(k)}"
        for k in sorted(set(core) | set(brute.answers))
        if grid and not capped and not agree(k, core.get(k), brute.answers.get(k), step_nm)
    ]
    times.sort()
    lookups.sort()
    return KindsResult(
        name=name,
        runs=runs,
        obstacles=len(volumes),
        lookup_p50_ms=_pct(lookups, 50),
        p50_ms=_pct(times, 50),
        p99_ms=_pct(times, 99),
        target_ms=target,
        brute_ms=brute.seconds * 1e3,
        brute_candidates=brute.candidates,
        brute_capped=capped,
        answers={
            "core": core,
            "grid": brute.answers,
            "words": [
                f"{a.kind.value} {a.change}" + (" late" if a.late else "") for a in found.advice
            ],
        },
        mismatches=mismatches,
    )


def results_table(size: int, results: list[KindsResult]) -> Table:
    t = Table(
        title=f"Advice for one conflict among {size:,} stored notices ({ADVISE.__name__})",
        title_justify="left",
        caption="look-up: the R*Tree queries and the volumes built (part of each run); "
        "GET's answer: for_conflict (words, names, open conflicts) as well; grid: the "
        'brute-force walk over the same volumes, once, after the timed runs (for "all" '
        'and "time + level": the GET\'s search is "all")',
        caption_justify="left",
    )
    for col in (
        "kinds",
        "runs",
        "obstacles",
        "look-up p50 ms",
        "p50 ms",
        "p99 ms",
        "target p99",
        "grid ms",
        "grid candidates",
        "grid/p50",
    ):
        t.add_column(col, justify="right")
    for r in results:
        t.add_row(
            r.name,
            str(r.runs),
            str(r.obstacles),
            _fmt(r.lookup_p50_ms, 2),
            _fmt(r.p50_ms, 2),
            _fmt(r.p99_ms, 2),
            f"<= {r.target_ms:g} ms "
            + ("[green]PASS[/]" if r.p99_ms <= r.target_ms else "[red]FAIL[/]"),
            "capped" if r.brute_capped else _fmt(r.brute_ms, 1),
            f"{r.brute_candidates:,}" if r.brute_candidates else "-",
            "-" if r.brute_capped or r.ratio != r.ratio else f"{r.ratio:,.1f}x",
        )
    return t


def answers_table(result: KindsResult) -> Table:
    t = Table(title="Each kind: the core's change and the grid's", title_justify="left")
    for col in ("kind", "core", "grid", "agree"):
        t.add_column(col)
    core, grid = result.answers["core"], result.answers["grid"]
    for k in (k.value for k in KINDS):
        if k not in core and k not in grid:
            continue
        ok = agree(k, core.get(k), grid.get(k), 0.1) if not result.brute_capped else None
        t.add_row(
            k,
            str(core.get(k, "-")),
            str(grid.get(k, "-")),
            "-" if ok is None else ("[green]yes[/]" if ok else "[red]NO[/]"),
        )
    return t


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument("--size", type=int, default=100_000, help="stored notices")
    ap.add_argument("--runs", type=int, default=200, help="timed runs per set of kinds")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--jobs", type=int, default=max(1, (os.cpu_count() or 2)), help="build workers")
    ap.add_argument(
        "--grid-cap", type=int, default=2_000_000, help="most candidates the grid walk checks"
    )
    ap.add_argument(
        "--crowd",
        type=int,
        default=0,
        help="other parties' notices also filed near the conflict (within max_offset_nm "
        "and max_time_shift_h): a busy neighbourhood",
    )
    ap.add_argument("--quick", action="store_true", help="10 k notices, 20 runs: a smoke test")
    ap.add_argument("--strict", action="store_true", help="exit 1 when a target is missed")
    args = ap.parse_args(argv)
    if args.quick:
        args.size, args.runs = 10_000, min(args.runs, 20)
    return args


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    console.print(
        f"python {sys.version.split()[0]}, sqlite {sqlite3.sqlite_version}, "
        f"{os.cpu_count()} cores; seed {args.seed}; store files in {OUT}"
    )
    load_start = os.getloadavg()
    pristine, build_s = build_store(args.size, args.seed, args.jobs)
    if build_s is not None:
        console.print(f"built {pristine.name} in {build_s:,.0f} s")
    work = working_copy(pristine, OUT / "work" / f"advice-n{args.size}.db")
    store = open_store(work)
    try:
        services = build_services(store, agreement(), utc_now)
        planted = plant_conflict(services, args.seed)
        console.print(
            f"conflict {planted.conflict_id}: {planted.party}'s {planted.notice_id} against "
            f"{planted.against}; now {iso(services.clock())}"
        )
        if args.crowd:
            open_now = crowd(services, planted, args.crowd, args.seed)
            console.print(f"{args.crowd:,} notices filed near it: it has {open_now} conflicts")
        results = [
            measure(
                services,
                planted,
                "time + level",
                TIME_AND_LEVEL,
                args.runs,
                TARGET_TIME_LEVEL_MS,
                args.grid_cap,
            ),
            measure(services, planted, "all", KINDS, args.runs, TARGET_ALL_MS, args.grid_cap),
            measure(
                services,
                planted,
                "all, GET's answer",
                KINDS,
                args.runs,
                TARGET_ALL_MS,
                args.grid_cap,
                conflict_view,
                grid=False,  # the same search as "all": its grid is that row's
            ),
        ]
    finally:
        store.close()
        _remove_db(work)
    load_end = os.getloadavg()
    console.print(results_table(args.size, results))
    console.print(answers_table(results[1]))  # "all": the row whose grid ran on every kind
    for line in results[-1].answers["words"]:
        console.print(f"  {line}", highlight=False, markup=False)
    mismatches = [m for r in results for m in r.mismatches]
    for m in mismatches:
        console.print(f"[red]core and grid differ[/] {m}")
    console.print(
        f"load average (1/5/15 min) at start {'/'.join(f'{x:.2f}' for x in load_start)}, "
        f"at end {'/'.join(f'{x:.2f}' for x in load_end)}: other work on the machine skews "
        "the figures"
    )
    OUT.mkdir(parents=True, exist_ok=True)
    (OUT / "advice-results.json").write_bytes(
        orjson.dumps(
            {
                "args": vars(args),
                "path": ADVISE.__name__,
                "size": args.size,
                "planted": asdict(planted),
                "load_start": load_start,
                "load_end": load_end,
                "results": [{**asdict(r), "ratio": r.ratio} for r in results],
            },
            option=orjson.OPT_INDENT_2 | orjson.OPT_SERIALIZE_NUMPY,
        )
    )
    if mismatches:
        return 2
    met = all(r.p99_ms <= r.target_ms for r in results)
    return 1 if args.strict and not met else 0


if __name__ == "__main__":
    sys.exit(main())
