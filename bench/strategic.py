"""Strategic detection benchmark: submit-with-check against stores of 10 k - 1 M notices.

What it measures, per store size N:

1. **In-process submit** (``NoticeService.submit``, the real path: validate, store, R*Tree
   candidates, exact detection, durable commit with ``synchronous=FULL``): p50/p99 over
   ``--submits`` new random notices, with candidates and conflicts per submit.
2. **Linear-scan baseline**: the same new notices checked against every stored notice of
   the other parties by a plain loop (time window and vertical band filters on floats,
   then the exact ``check_pair``). The scan sees the same notices the store holds at that
   moment (the base set plus the new ones submitted before), so its conflicts must equal
   the indexed path's: the script checks that they do.
3. **HTTP** (optional per size): a real ``interlock serve`` (uvicorn, one worker) on
   127.0.0.1 over a copy of the same store, driven by an asyncio keep-alive HTTP/1.1 client
   with ``--concurrency`` connections in this process (it shares the machine's cores with
   the server; its CPU time is reported).

Stores are built once by bulk load (batches of notices per write transaction through the
store's own write API) and kept under ``bench/out/`` keyed by size and seed; each run works
on a copy so that the built store stays pristine.

Run ``python bench/strategic.py --quick`` for a smoke test (10 k only, under a minute).
Exit status: 2 when results are unsound (indexed and scanned conflicts differ, HTTP errors),
1 with ``--strict`` when a target is missed, else 0.
"""

from __future__ import annotations

import argparse
import asyncio
import cProfile
import importlib.util
import math
import multiprocessing
import os
import pstats
import random
import resource
import shutil
import sqlite3
import statistics
import subprocess
import sys
import time
import tomllib
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any, cast

import orjson
from rich.console import Console
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    TextColumn,
    TimeElapsedColumn,
    TimeRemainingColumn,
)
from rich.table import Table

from deployment import cpu_seconds, free_port
from httpload import Conn, post_head
from interlock.detect.strategic import Volume, check_pair
from interlock.geo.shapes import Area
from interlock.model.agreement import Agreement, agreement_from_dict
from interlock.model.conflict import Ref
from interlock.model.notice import VerticalBand, parse_notice
from interlock.model.timeutil import iso, parse_utc, to_ts
from interlock.service.bootstrap import DB_FILE, init_directory
from interlock.service.clock import utc_now
from interlock.service.notices import NoticeService
from interlock.service.spectrum import SpectrumService
from interlock.service.strategic import StrategicRecorder, index_entry
from interlock.store import SqliteStore, open_store
from interlock.store.base import IndexEntry, NoticeRow, Store, WriteTx

HERE = Path(__file__).resolve().parent
OUT = HERE / "out"
FORMAT = 2  # bump when the generator or the stored form (e.g. index boxes) changes

# The theatre: the eastern Mediterranean, 10 x 8 degrees (about 920 x 890 km).
REGION = (26.0, 31.0, 36.0, 39.0)  # min_lon, min_lat, max_lon, max_lat
PERIOD_START = datetime(2030, 1, 1, tzinfo=UTC)  # a year of activity, all in the future
PERIOD_MIN = 365 * 24 * 60
FILED_AT = datetime(2029, 6, 1, tzinfo=UTC)  # when the bulk-loaded notices were "filed"
PARTIES = ("blue", "red", "green")
SHAPE_KINDS = ("circle", "polygon", "corridor", "orbit")
BATCH = 2_000  # notices per bulk-load write transaction
AGREEMENT_TOML = """\
[agreement]
name = "Benchmark agreement (eastern Mediterranean)"

[[parties]]
id = "blue"
name = "Blue air force"

[[parties]]
id = "red"
name = "Red navy"

[[parties]]
id = "green"
name = "Green coast guard"

[rules]
min_lead_time_min = 60
late_notice = "record"
time_buffer_min = 15
# The benchmark files a year of activity starting 2030, years ahead of the clock: past the
# default 400-day horizon, which is not what it measures.
planning_horizon_days = 3000

[rules.separation.air]
horizontal_nm = 5
vertical_ft = 1000

[rules.separation.sea]
horizontal_nm = 2
vertical_m = 0

# Capacity, not fair share (bench/abuse.py measures that): no party is rate limited.
[server]
requests_per_s = 1e6
request_burst = 1000000
bytes_per_s = 1e9
byte_burst = 1000000000
anon_requests_per_s = 1e6
anon_request_burst = 1000000
"""

TARGET_P99_MS = 2.0  # in-process p99 at 1 M
TARGET_HTTP_RPS = 1_000.0  # submits/s over HTTP, one worker
TARGET_RATIO = 50.0  # x the linear scan at 100 k

# Wide enough for the tables when the output goes to a file or a CI log.
console = Console(width=None if sys.stdout.isatty() else 200)


def agreement() -> Agreement:
    return agreement_from_dict(tomllib.loads(AGREEMENT_TOML))


# ---- random notices ------------------------------------------------------------------
def _offset(lon: float, lat: float, dx_km: float, dy_km: float) -> list[float]:
    """A point dx/dy km east/north of (lon, lat) (flat approximation: shapes are small)."""
    return [
        round(lon + dx_km / (111.32 * math.cos(math.radians(lat))), 5),
        round(lat + dy_km / 111.2, 5),
    ]


def random_notice(rng: random.Random) -> tuple[str, dict[str, Any]]:
    """(party, GeoJSON Feature): a random air or sea notice somewhere in the region."""
    party = rng.choice(PARTIES)
    domain = "air" if rng.random() < 0.7 else "sea"
    lon = rng.uniform(REGION[0], REGION[2])
    lat = rng.uniform(REGION[1], REGION[3])
    size_km = rng.uniform(2.0, 40.0)
    kind = rng.choice(SHAPE_KINDS)
    props: dict[str, Any] = {"domain": domain}
    geometry: dict[str, Any]
    if kind == "circle":
        geometry = {"type": "Point", "coordinates": [round(lon, 5), round(lat, 5)]}
        props["radius_m"] = round(size_km * 1000.0)
    elif kind == "polygon":
        # Star-shaped around the centre with well separated angles: always a valid polygon.
        k = rng.randint(3, 8)
        a0 = rng.uniform(0.0, 2.0 * math.pi)
        ring = []
        for i in range(k):
            a = a0 + (i + rng.uniform(0.15, 0.85)) * 2.0 * math.pi / k
            r = size_km * rng.uniform(0.5, 1.0)
            ring.append(_offset(lon, lat, r * math.cos(a), r * math.sin(a)))
        ring.append(ring[0])
        geometry = {"type": "Polygon", "coordinates": [ring]}
    elif kind == "corridor":
        n = rng.randint(2, 4)
        heading = rng.uniform(0.0, 2.0 * math.pi)
        step = 2.0 * size_km / (n - 1)
        x = y = 0.0
        path = []
        for _ in range(n):
            path.append(_offset(lon, lat, x, y))
            heading += rng.uniform(-0.8, 0.8)
            x += step * math.cos(heading)
            y += step * math.sin(heading)
        geometry = {"type": "LineString", "coordinates": path}
        props["half_width_m"] = round(rng.uniform(1.0, 5.0) * 1000.0)
    else:
        heading = rng.uniform(0.0, 2.0 * math.pi)
        far = _offset(lon, lat, size_km * math.cos(heading), size_km * math.sin(heading))
        geometry = {"type": "LineString", "coordinates": [_offset(lon, lat, 0.0, 0.0), far]}
        props["shape"] = "orbit"
        props["radius_m"] = round(rng.uniform(0.15, 0.4) * size_km * 1000.0)
    start = PERIOD_START + timedelta(minutes=rng.randrange(PERIOD_MIN))
    props["start"] = iso(start)
    props["end"] = iso(start + timedelta(minutes=rng.randint(30, 480)))
    if domain == "air":
        lower = rng.randrange(0, 35_001, 500)
        props["alt_lower_ft"] = lower
        props["alt_upper_ft"] = lower + rng.randrange(1_000, 20_001, 500)
    else:
        top = 0 if rng.random() < 0.7 else rng.randrange(0, 201, 10)
        props["depth_min_m"] = top
        props["depth_max_m"] = top + rng.randrange(5, 301, 5)
    return party, {"type": "Feature", "geometry": geometry, "properties": props}


def new_notices(seed: int, count: int) -> list[tuple[str, dict[str, Any]]]:
    """The notices to submit (a stream separate from the stored ones)."""
    rng = random.Random(f"new:{seed}")
    return [random_notice(rng) for _ in range(count)]


# ---- building stores -----------------------------------------------------------------
Prepared = tuple[str, str, str, dict[str, Any], IndexEntry]  # id, party, domain, feature, entry


def prepare_chunk(args: tuple[int, int, int]) -> list[Prepared]:
    """Generate and validate one chunk of stored notices (runs in a worker process)."""
    seed, chunk, count = args
    rng = random.Random(f"store:{seed}:{chunk}")
    out: list[Prepared] = []
    for i in range(count):
        party, feature = random_notice(rng)
        draft = parse_notice(feature)
        assert draft.band is not None
        entry = index_entry(draft.area, draft.band, draft.start, draft.end)
        notice_id = f"n-{seed:04x}{chunk:06x}{i:06x}"
        out.append((notice_id, party, draft.domain, draft.to_feature(), entry))
    return out


def store_file(size: int, seed: int) -> Path:
    return OUT / f"strategic-n{size}-s{seed}-v{FORMAT}.db"


def _remove_db(path: Path) -> None:
    for suffix in ("", "-wal", "-shm", "-journal"):
        Path(str(path) + suffix).unlink(missing_ok=True)


def build_store(size: int, seed: int, jobs: int) -> tuple[Path, float | None]:
    """The pristine store of `size` notices, built unless present; (path, build seconds)."""
    path = store_file(size, seed)
    if path.exists():
        return path, None
    OUT.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + ".building")
    _remove_db(tmp)
    t0 = time.perf_counter()
    store = open_store(tmp)
    filed = to_ts(FILED_AT)
    chunks = [(seed, c, min(BATCH, size - c * BATCH)) for c in range(math.ceil(size / BATCH))]
    ctx = multiprocessing.get_context("fork" if sys.platform == "linux" else "spawn")
    with (
        ctx.Pool(jobs) as pool,
        _progress() as progress,
    ):
        task = progress.add_task(f"building {size:,} notices", total=size)
        for items in pool.imap(prepare_chunk, chunks):
            with store.write() as tx:
                for notice_id, party, domain, feature, entry in items:
                    tx.insert_notice(notice_id, party, domain, filed)
                    row = NoticeRow(notice_id, party, domain, 1, filed, filed, None, feature)
                    tx.insert_version(row, entry)
            progress.advance(task, len(items))
    store.close()
    conn = sqlite3.connect(tmp)  # fold the WAL into the file: a copy is then one file
    conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    conn.close()
    for suffix in ("-wal", "-shm"):
        Path(str(tmp) + suffix).unlink(missing_ok=True)
    os.replace(tmp, path)
    return path, time.perf_counter() - t0


def working_copy(pristine: Path, dest: Path) -> Path:
    dest.parent.mkdir(parents=True, exist_ok=True)
    _remove_db(dest)
    shutil.copyfile(pristine, dest)
    # Flush the copy now: on ext4 a later fsync (every durable commit) would otherwise also
    # write back the copy's dirty pages, and the first submits would pay for the copy.
    fd = os.open(dest, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
    return dest


def _progress() -> Progress:
    return Progress(
        TextColumn("[progress.description]{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        TimeRemainingColumn(),
        console=console,
        transient=True,
    )


# ---- in-process submits --------------------------------------------------------------
class _CountingTx:
    """A write transaction that counts the candidates the index returns."""

    def __init__(self, tx: WriteTx, counter: _CountingStore) -> None:
        self._tx = tx
        self._counter = counter

    def candidates(self, query: IndexEntry, exclude_party: str) -> list[NoticeRow]:
        rows = self._tx.candidates(query, exclude_party)
        self._counter.candidates += len(rows)
        return rows

    def __getattr__(self, name: str) -> Any:
        return getattr(self._tx, name)


class _CountingStore:
    """The store, counting candidates and timing the commit (its fsync) of each write."""

    def __init__(self, store: SqliteStore) -> None:
        self._store = store
        self.candidates = 0
        self.commit_s = 0.0

    @contextmanager
    def write(self) -> Iterator[_CountingTx]:
        inner = self._store.write()
        tx = inner.__enter__()
        try:
            yield _CountingTx(tx, self)
        except BaseException:
            if not inner.__exit__(*sys.exc_info()):
                raise
            return
        t0 = time.perf_counter()
        inner.__exit__(None, None, None)
        self.commit_s += time.perf_counter() - t0

    def __getattr__(self, name: str) -> Any:
        return getattr(self._store, name)


class _TimedRecorder(StrategicRecorder):
    """The real strategic recorder; times its detection step (index look-up + exact
    check) of a new notice version."""

    detect_s = 0.0

    def notice_conflicts(self, tx: WriteTx, vol: Volume) -> Any:
        t0 = time.perf_counter()
        try:
            return super().notice_conflicts(tx, vol)
        finally:
            self.detect_s += time.perf_counter() - t0


@dataclass
class SubmitStats:
    times_ms: list[float] = field(default_factory=list)
    detect_ms: list[float] = field(default_factory=list)
    commit_ms: list[float] = field(default_factory=list)
    candidates: list[int] = field(default_factory=list)
    conflicts: list[int] = field(default_factory=list)


def run_submits(
    store_path: Path,
    notices: list[tuple[str, dict[str, Any]]],
    warmup: int,
    label: str,
    profile: Path | None = None,
) -> SubmitStats:
    """Submit every notice through NoticeService.submit; time all but the warm-up ones."""
    store = open_store(store_path)
    counting = _CountingStore(store)
    agr = agreement()
    timed = _TimedRecorder(agr)
    spectrum = SpectrumService(cast(Store, counting), agr, utc_now)
    service = NoticeService(cast(Store, counting), agr, utc_now, timed, spectrum)
    stats = SubmitStats()
    profiler = cProfile.Profile() if profile else None
    with _progress() as progress:
        task = progress.add_task(label, total=len(notices))
        for i, (party, feature) in enumerate(notices):
            if profiler and i == warmup:
                profiler.enable()
            cand0, det0, com0 = counting.candidates, timed.detect_s, counting.commit_s
            t0 = time.perf_counter()
            result = service.submit(party, feature)
            elapsed = time.perf_counter() - t0
            if i >= warmup:
                stats.times_ms.append(elapsed * 1e3)
                stats.detect_ms.append((timed.detect_s - det0) * 1e3)
                stats.commit_ms.append((counting.commit_s - com0) * 1e3)
                stats.candidates.append(counting.candidates - cand0)
                stats.conflicts.append(len(result.conflicts))
            progress.advance(task)
    if profiler and profile:
        profiler.disable()
        profiler.dump_stats(profile)
    store.close()
    return stats


# ---- the linear-scan baseline ------------------------------------------------------------
ScanEntry = tuple[str, float, float, float, float, Volume]  # party, t0, t1, lower, upper, vol


def volume_of(ref_id: str, party: str, domain: str, feature: dict[str, Any]) -> Volume:
    """A notice's volume, built the way the service builds it from a stored row."""
    p = feature["properties"]
    return Volume(
        ref=Ref("notice", ref_id, 1),
        party=party,
        domain=domain,
        area=Area.from_stored(feature["geometry"], p),
        band=VerticalBand(p["lower_m"], p["upper_m"]),
        start=parse_utc(p["start"], "start"),
        end=parse_utc(p["end"], "end"),
    )


def scan_entry(vol: Volume) -> ScanEntry:
    return (
        vol.party,
        to_ts(vol.start),
        to_ts(vol.end),
        vol.band.lower_m,
        vol.band.upper_m,
        vol,
    )


def load_scan_entries(store_path: Path, size: int) -> list[ScanEntry]:
    store = open_store(store_path)
    out: list[ScanEntry] = []
    with _progress() as progress:
        task = progress.add_task(f"loading {size:,} volumes for the scan", total=size)
        for k, row in enumerate(store.iter_notice_rows()):
            out.append(scan_entry(volume_of(row.id, row.party, row.domain, row.feature)))
            if k % 10_000 == 0:
                progress.update(task, completed=k)
    store.close()
    return out


def linear_scan(new: Volume, stored: list[ScanEntry], ag: Agreement) -> int:
    """Conflicts of `new` with every stored volume: float filters, then check_pair."""
    rules = ag.rules
    slack = 1.0  # s and m: the float filters must never reject what check_pair would keep
    buf = rules.time_buffer.total_seconds() + slack
    vmin = rules.largest_minima.vertical_m + slack
    party, t0, t1 = new.party, to_ts(new.start), to_ts(new.end)
    lo, hi = new.band.lower_m, new.band.upper_m
    found = 0
    for p, s, e, lo2, hi2, vol in stored:
        if p == party or e + buf <= t0 or t1 + buf <= s:
            continue
        if lo2 - hi >= vmin or lo - hi2 >= vmin:
            continue
        if check_pair(new, vol, rules) is not None:
            found += 1
    return found


@dataclass
class ScanStats:
    times_ms: list[float] = field(default_factory=list)
    conflicts: list[int] = field(default_factory=list)
    mismatches: int = 0


def run_scan(
    stored: list[ScanEntry],
    notices: list[tuple[str, dict[str, Any]]],
    warmup: int,
    measured: int,
    indexed_conflicts: list[int],
    label: str,
) -> ScanStats:
    """Scan the first `measured` timed notices; earlier ones join the stored set first."""
    ag = agreement()
    stats = ScanStats()
    with _progress() as progress:
        task = progress.add_task(label, total=measured)
        for i, (party, feature) in enumerate(notices[: warmup + measured]):
            draft = parse_notice(feature)
            vol = volume_of(f"new-{i}", party, draft.domain, draft.to_feature())
            if i >= warmup:
                t0 = time.perf_counter()
                found = linear_scan(vol, stored, ag)
                stats.times_ms.append((time.perf_counter() - t0) * 1e3)
                stats.conflicts.append(found)
                if found != indexed_conflicts[i - warmup]:
                    stats.mismatches += 1
                progress.advance(task)
            stored.append(scan_entry(vol))
    del stored[len(stored) - warmup - measured :]
    return stats


# ---- HTTP --------------------------------------------------------------------------------
async def _wait_health(port: int, proc: subprocess.Popen[bytes], timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"server exited with {proc.returncode}")
        try:
            conn = await Conn.open(port)
        except OSError:
            await asyncio.sleep(0.1)
            continue
        head = f"GET /health HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\n\r\n".encode()
        status, _ = await conn.request(head, b"")
        conn.close()
        if status == 200:
            return
        await asyncio.sleep(0.1)
    raise RuntimeError("server did not become healthy")


@dataclass
class HttpStats:
    requests: int
    concurrency: int
    seconds: float
    rps: float
    p50_ms: float
    p99_ms: float
    errors: int
    server_cpu: float  # cores used by the server process on average
    client_cpu: float  # cores used by this (client) process on average
    conflicts_mean: float
    health_rps: float  # GET /health: the framework's ceiling on this machine
    me_rps: float  # GET /me: the same plus bearer-token authentication


@dataclass
class _Driven:
    seconds: float
    latencies_ms: list[float]
    errors: int
    conflicts: int


async def _drive(
    port: int,
    requests: list[tuple[bytes, bytes]],
    concurrency: int,
    label: str,
    expect: int,
) -> _Driven:
    """Send every request over `concurrency` keep-alive connections, as fast as answered."""
    conns = [await Conn.open(port) for _ in range(concurrency)]
    out = _Driven(0.0, [], 0, 0)
    it = iter(requests)
    with _progress() as progress:
        task = progress.add_task(label, total=len(requests))

        async def worker(conn: Conn) -> None:
            for head, body in it:
                t0 = time.perf_counter()
                status, payload = await conn.request(head, body)
                out.latencies_ms.append((time.perf_counter() - t0) * 1e3)
                if status != expect:
                    out.errors += 1
                elif expect == 201:
                    out.conflicts += len(orjson.loads(payload)["conflicts"])
                progress.advance(task)

        t0 = time.perf_counter()
        await asyncio.gather(*(worker(c) for c in conns))
        out.seconds = time.perf_counter() - t0
    for c in conns:
        c.close()
    return out


def _get(path: str, port: int, token: str | None) -> tuple[bytes, bytes]:
    auth = f"Authorization: Bearer {token}\r\n" if token else ""
    return f"GET {path} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\n{auth}\r\n".encode(), b""


def run_http(
    pristine: Path,
    size: int,
    seed: int,
    count: int,
    concurrency: int,
) -> HttpStats:
    """Submits/s through a real `interlock serve` over a copy of the store."""
    workdir = OUT / "work" / f"http-n{size}"
    shutil.rmtree(workdir, ignore_errors=True)
    _, tokens = init_directory(workdir, AGREEMENT_TOML)
    working_copy(pristine, workdir / DB_FILE)
    port = free_port()
    cmd = [
        sys.executable,
        "-c",
        "from interlock.cli.main import app; app()",
        "serve",
        str(workdir),
        "--port",
        str(port),
    ]
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    warmup = min(100, max(10, count // 20))
    notices = new_notices(seed + 1, warmup + count)
    reqs = []
    for party, feature in notices:
        body = orjson.dumps(feature)
        reqs.append((post_head(port, "/notices", tokens[party], len(body)), body))
    probes = max(500, count // 2)
    try:
        asyncio.run(_wait_health(port, proc, 60.0))
        asyncio.run(_drive(port, reqs[:warmup], concurrency, "HTTP warm-up", 201))
        health = asyncio.run(
            _drive(port, [_get("/health", port, None)] * probes, concurrency, "GET /health", 200)
        )
        me = asyncio.run(
            _drive(port, [_get("/me", port, tokens["blue"])] * probes, concurrency, "GET /me", 200)
        )
        cpu0 = cpu_seconds(proc.pid)
        ru0 = resource.getrusage(resource.RUSAGE_SELF)
        run = asyncio.run(
            _drive(port, reqs[warmup:], concurrency, f"HTTP submits at {size:,}", 201)
        )
        ru1 = resource.getrusage(resource.RUSAGE_SELF)
        server_cpu = (cpu_seconds(proc.pid) - cpu0) / run.seconds
    finally:
        proc.terminate()
        try:
            _, err = proc.communicate(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            _, err = proc.communicate()
    client_cpu = (ru1.ru_utime + ru1.ru_stime - ru0.ru_utime - ru0.ru_stime) / run.seconds
    errors = run.errors + health.errors + me.errors
    if errors:
        console.print(f"[red]{errors} HTTP errors[/]; server stderr:\n{err.decode()[-2000:]}")
    lat = sorted(run.latencies_ms)
    return HttpStats(
        requests=count,
        concurrency=concurrency,
        seconds=run.seconds,
        rps=count / run.seconds,
        p50_ms=_pct(lat, 50),
        p99_ms=_pct(lat, 99),
        errors=errors,
        server_cpu=server_cpu,
        client_cpu=client_cpu,
        conflicts_mean=run.conflicts / count,
        health_rps=probes / health.seconds,
        me_rps=probes / me.seconds,
    )


# ---- report ------------------------------------------------------------------------------
def _pct(sorted_values: list[float], q: float) -> float:
    """Nearest-rank percentile of sorted values."""
    if not sorted_values:
        return float("nan")
    k = max(0, math.ceil(q / 100.0 * len(sorted_values)) - 1)
    return sorted_values[k]


@dataclass
class SizeResult:
    size: int
    build_s: float | None
    submits: int
    p50_ms: float
    p99_ms: float
    mean_ms: float
    max_ms: float
    detect_p50_ms: float
    detect_p99_ms: float
    commit_p50_ms: float
    commit_p99_ms: float
    candidates_mean: float
    candidates_max: int
    conflicts_mean: float
    scan_submits: int = 0
    scan_p50_ms: float = float("nan")
    scan_mismatches: int = 0
    http: HttpStats | None = None

    @property
    def ratio_submit(self) -> float:
        return self.scan_p50_ms / self.p50_ms

    @property
    def ratio_detect(self) -> float:
        return self.scan_p50_ms / self.detect_p50_ms


def _fmt(x: float, digits: int = 2) -> str:
    return "-" if x != x else f"{x:,.{digits}f}"


def submit_table(results: list[SizeResult]) -> Table:
    t = Table(
        title="In-process submit-with-check (NoticeService.submit, durable commit)",
        title_justify="left",
        caption=(
            "check = index look-up + exact detection inside the submit; commit = COMMIT with "
            "its fsync (synchronous=FULL, WAL checkpoints included); scan = plain loop over "
            "all stored notices of the other parties (float time/vertical filters, then "
            "check_pair), run on the first submits of each size; ratios are of p50s."
        ),
        caption_justify="left",
    )
    for col in (
        "stored",
        "build s",
        "submits",
        "p50 ms",
        "p99 ms",
        "max ms",
        "check p50 ms",
        "check p99 ms",
        "commit p50 ms",
        "commit p99 ms",
        "cand/submit",
        "confl/submit",
        "scan p50 ms (n)",
        "scan/check",
        "scan/submit",
    ):
        t.add_column(col, justify="right")
    for r in results:
        scanned = r.scan_submits > 0
        t.add_row(
            f"{r.size:,}",
            "cached" if r.build_s is None else f"{r.build_s:,.0f}",
            f"{r.submits:,}",
            _fmt(r.p50_ms, 3),
            _fmt(r.p99_ms, 3),
            _fmt(r.max_ms, 1),
            _fmt(r.detect_p50_ms, 3),
            _fmt(r.detect_p99_ms, 3),
            _fmt(r.commit_p50_ms, 3),
            _fmt(r.commit_p99_ms, 3),
            f"{r.candidates_mean:.2f} (max {r.candidates_max})",
            f"{r.conflicts_mean:.3f}",
            f"{_fmt(r.scan_p50_ms, 2)} ({r.scan_submits})" if scanned else "-",
            f"{r.ratio_detect:,.1f}x" if scanned else "-",
            f"{r.ratio_submit:,.1f}x" if scanned else "-",
        )
    return t


def _server_stack() -> str:
    """What uvicorn's "auto" picks in this environment (the server is started from it)."""
    loop = "uvloop" if importlib.util.find_spec("uvloop") else "asyncio"
    http = "httptools" if importlib.util.find_spec("httptools") else "h11"
    return f"{loop} + {http}"


def http_table(results: list[SizeResult]) -> Table:
    t = Table(
        title=(
            "HTTP: POST /notices to interlock serve (uvicorn, one worker, "
            f"{_server_stack()}) on 127.0.0.1"
        ),
        title_justify="left",
        caption=(
            "client: asyncio keep-alive HTTP/1.1 connections in the benchmark process, on the "
            "same cores as the server; CPU = cores used on average during the submits. "
            "GET /health and GET /me (bearer auth) show the framework's own ceiling."
        ),
        caption_justify="left",
    )
    for col in (
        "stored",
        "submits",
        "connections",
        "submits/s",
        "p50 ms",
        "p99 ms",
        "errors",
        "server CPU",
        "client CPU",
        "GET /health /s",
        "GET /me /s",
    ):
        t.add_column(col, justify="right")
    for r in results:
        h = r.http
        if h is None:
            continue
        t.add_row(
            f"{r.size:,}",
            f"{h.requests:,}",
            str(h.concurrency),
            f"{h.rps:,.0f}",
            f"{h.p50_ms:.1f}",
            f"{h.p99_ms:.1f}",
            str(h.errors),
            f"{h.server_cpu:.2f}",
            f"{h.client_cpu:.2f}",
            f"{h.health_rps:,.0f}",
            f"{h.me_rps:,.0f}",
        )
    return t


def targets_table(results: list[SizeResult]) -> tuple[Table, bool, bool]:
    """(table, all targets met, results sound: no mismatch and no HTTP error)."""
    by_size = {r.size: r for r in results}
    t = Table(title="Targets", title_justify="left")
    for col in ("target", "measured", "result"):
        t.add_column(col)
    met = True

    def row(name: str, measured: str, passed: bool | None) -> None:
        nonlocal met
        if passed is None:
            t.add_row(name, measured, "[yellow]not run[/]")
            return
        met &= passed
        t.add_row(name, measured, "[green]PASS[/]" if passed else "[red]FAIL[/]")

    r = by_size.get(1_000_000)
    row(
        f"in-process submit p99 <= {TARGET_P99_MS:g} ms at 1,000,000",
        f"{r.p99_ms:.3f} ms" if r else "size not run",
        r.p99_ms <= TARGET_P99_MS if r else None,
    )
    http = [x for x in results if x.http]
    if http:
        h = max(http, key=lambda x: x.size)
        assert h.http is not None
        row(
            f">= {TARGET_HTTP_RPS:,.0f} submits/s over HTTP, one worker",
            f"{h.http.rps:,.0f}/s at {h.size:,} ({h.http.concurrency} connections)",
            h.http.rps >= TARGET_HTTP_RPS,
        )
    else:
        row(f">= {TARGET_HTTP_RPS:,.0f} submits/s over HTTP, one worker", "not run", None)
    r = by_size.get(100_000)
    have = r is not None and r.scan_submits > 0
    row(
        f">= {TARGET_RATIO:g}x the linear scan at 100,000: check vs scan",
        f"{r.ratio_detect:,.1f}x" if r and have else "not run",
        r.ratio_detect >= TARGET_RATIO if r and have else None,
    )
    row(
        f">= {TARGET_RATIO:g}x the linear scan at 100,000: whole submit vs scan",
        f"{r.ratio_submit:,.1f}x" if r and have else "not run",
        r.ratio_submit >= TARGET_RATIO if r and have else None,
    )
    mism = sum(x.scan_mismatches for x in results)
    errors = sum(x.http.errors for x in results if x.http)
    t.add_row(
        "indexed conflicts == linear-scan conflicts (per submit)",
        f"{mism} mismatching submits",
        "[green]OK[/]" if mism == 0 else "[red]WRONG[/]",
    )
    return t, met, mism == 0 and errors == 0


# ---- main --------------------------------------------------------------------------------
def _sizes(text: str) -> list[int]:
    return [int(x.replace("_", "")) for x in text.split(",") if x.strip()]


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument("--sizes", type=_sizes, default=[10_000, 100_000, 1_000_000])
    ap.add_argument("--submits", type=int, default=2_000, help="timed submits per size")
    ap.add_argument(
        "--scan-submits",
        type=int,
        default=200,
        help="submits also checked by the linear scan, per size (the first ones)",
    )
    ap.add_argument(
        "--scan-max-size",
        type=int,
        default=1_000_000,
        help="largest store the scan runs at (above it: no scan)",
    )
    ap.add_argument("--http-sizes", type=_sizes, default=[10_000, 100_000])
    ap.add_argument("--http-requests", type=int, default=4_000)
    ap.add_argument("--concurrency", type=int, default=8, help="HTTP client connections")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--jobs", type=int, default=max(1, (os.cpu_count() or 2)), help="build workers")
    ap.add_argument("--profile", action="store_true", help="cProfile the submits (largest size)")
    ap.add_argument("--quick", action="store_true", help="10 k only, few submits: a smoke test")
    ap.add_argument("--strict", action="store_true", help="exit 1 when a target is missed")
    args = ap.parse_args(argv)
    if args.quick:
        args.sizes = [10_000]
        args.submits = min(args.submits, 200)
        args.scan_submits = min(args.scan_submits, 20)
        args.http_sizes = [10_000]
        args.http_requests = min(args.http_requests, 500)
    return args


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    console.print(
        f"python {sys.version.split()[0]}, sqlite {sqlite3.sqlite_version}, "
        f"{os.cpu_count()} cores; seed {args.seed}; store files in {OUT}"
    )
    load_start = os.getloadavg()
    results: list[SizeResult] = []
    warmup = max(5, min(50, args.submits // 20))
    notices = new_notices(args.seed, warmup + args.submits)
    for size in args.sizes:
        pristine, build_s = build_store(size, args.seed, args.jobs)
        if build_s is not None:
            console.print(f"built {pristine.name} in {build_s:,.0f} s")
        work = working_copy(pristine, OUT / "work" / f"inproc-n{size}.db")
        profile = None
        if args.profile and size == max(args.sizes):
            profile = OUT / f"profile-n{size}.pstats"
        stats = run_submits(work, notices, warmup, f"submits at {size:,}", profile)
        _remove_db(work)
        times = sorted(stats.times_ms)
        detect = sorted(stats.detect_ms)
        commit = sorted(stats.commit_ms)
        res = SizeResult(
            size=size,
            build_s=build_s,
            submits=len(times),
            p50_ms=_pct(times, 50),
            p99_ms=_pct(times, 99),
            mean_ms=statistics.fmean(times),
            max_ms=times[-1],
            detect_p50_ms=_pct(detect, 50),
            detect_p99_ms=_pct(detect, 99),
            commit_p50_ms=_pct(commit, 50),
            commit_p99_ms=_pct(commit, 99),
            candidates_mean=statistics.fmean(stats.candidates),
            candidates_max=max(stats.candidates),
            conflicts_mean=statistics.fmean(stats.conflicts),
        )
        scan_n = min(args.scan_submits, args.submits)
        if scan_n and size <= args.scan_max_size:
            stored = load_scan_entries(pristine, size)
            scan = run_scan(
                stored, notices, warmup, scan_n, stats.conflicts, f"linear scan at {size:,}"
            )
            del stored
            res.scan_submits = len(scan.times_ms)
            res.scan_p50_ms = _pct(sorted(scan.times_ms), 50)
            res.scan_mismatches = scan.mismatches
        if size in args.http_sizes and args.http_requests:
            res.http = run_http(pristine, size, args.seed, args.http_requests, args.concurrency)
        results.append(res)
        console.print(
            f"{size:,}: p50 {res.p50_ms:.3f} ms, p99 {res.p99_ms:.3f} ms, "
            f"scan p50 {_fmt(res.scan_p50_ms, 1)} ms"
            + (f", HTTP {res.http.rps:,.0f}/s" if res.http else "")
        )
        if profile:
            console.print(f"profile of the timed submits at {size:,} ({profile}):")
            pstats.Stats(str(profile)).sort_stats("tottime").print_stats(25)

    load_end = os.getloadavg()
    console.print(submit_table(results))
    if any(r.http for r in results):
        console.print(http_table(results))
    table, met, sound = targets_table(results)
    console.print(table)
    console.print(
        f"load average (1/5/15 min) at start {_load(load_start)}, at end {_load(load_end)}: "
        "other work on the machine skews the figures"
    )
    OUT.mkdir(parents=True, exist_ok=True)
    (OUT / "strategic-results.json").write_bytes(
        orjson.dumps(
            {
                "args": vars(args),
                "load_start": load_start,
                "load_end": load_end,
                "results": [asdict(r) for r in results],
            },
            option=orjson.OPT_INDENT_2,
        )
    )
    if not sound:
        return 2
    return 1 if args.strict and not met else 0


def _load(avg: tuple[float, float, float]) -> str:
    return "/".join(f"{x:.2f}" for x in avg)


if __name__ == "__main__":
    sys.exit(main())
