"""Scale-out benchmark: signed submits/s and latency for 1, 2 and 4 `interlock serve`
processes on one PostgreSQL database, against one process on SQLite.

What it does, for each row:

1. Makes a fresh deployment (`create_deployment`: blue and red with fresh Ed25519 keys,
   signatures required) and, for PostgreSQL, a fresh database on the cluster at
   $INTERLOCK_PG (default postgresql://postgres@127.0.0.1:54329/postgres; started with
   `scripts/postgres start` when it does not answer).
2. Starts the row's `interlock serve DIR [--db URL]` processes on loopback (the first
   alone, so it creates the schema, then the others).
3. Signs every envelope BEFORE the clock starts (`--max-rate` x the row's seconds of them),
   so the client's signing cost is off the clock: by default a mix of 1 signed notice
   (a circle 3 h ahead, blue and red in separate sea areas: no conflicts) to 4 signed
   hotline messages (blue <-> red), as parties send them; `--notices-only` for notices.
4. Drives `--connections` keep-alive HTTP/1.1 connections (bench/httpload.py, asyncio, one
   process), spread evenly over the row's processes, closed loop (each connection sends
   its next envelope when the last is answered), for a warm-up and then `--seconds`.
5. Reports 2xx/s, p50/p99 latency, non-2xx answers, CPU seconds of the API processes, of
   the database (all `postgres` processes) and of the client, and checks the ledger holds
   every answered write once (exit 2 if not).

The machine has 2 cores shared by client, API processes and database: more processes than
cores measure contention as much as scale. Run ``python bench/scale.py --quick`` for a
smoke test (3 s rows, 1 and 2 processes).
"""

from __future__ import annotations

import argparse
import asyncio
import math
import os
import resource
import shutil
import subprocess
import sys
import threading
import uuid
from collections import Counter
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import orjson
from rich.console import Console
from rich.table import Table

from deployment import (
    Deployment,
    Server,
    cpu_seconds,
    create_deployment,
    profile_tables,
    py_spy,
)
from httpload import Conn, post_head
from interlock.ledger.envelope import sign
from interlock.ledger.statements import notice_body
from interlock.store import open_store

HERE = Path(__file__).resolve().parent
OUT = HERE / "out"
ROOT = HERE.parent
DEFAULT_PG = "postgresql://postgres@127.0.0.1:54329/postgres"
NOTICE_EVERY = 5  # in the mix, every 5th write is a signed notice, the rest messages
WARMUP_S = 2.0  # sent and answered before the clock starts (connections, caches, pools)

console = Console(width=None if sys.stdout.isatty() else 200)


@dataclass
class Row:
    store: str  # "SQLite" or "PostgreSQL"
    processes: int
    seconds: float = 0.0
    ok: int = 0
    errors: Counter[str] | None = None
    p50_ms: float = math.nan
    p99_ms: float = math.nan
    server_cpu_s: float = 0.0
    db_cpu_s: float = 0.0
    client_cpu_s: float = 0.0
    exhausted: bool = False  # the pre-signed envelopes ran out before --seconds
    ledger_ok: bool = True

    @property
    def rate(self) -> float:
        return self.ok / self.seconds if self.seconds else 0.0


class DbServer(Server):
    """`interlock serve DIR --db URL` (the shared Server, with a store URL)."""

    def __init__(self, directory: Path, db: str | None, log: Path) -> None:
        super().__init__(directory, log=log, startup_timeout=60.0)
        self.db = db

    def command(self) -> list[str]:
        return [*super().command(), *(["--db", self.db] if self.db else [])]


# ---- the PostgreSQL cluster ------------------------------------------------------------
def admin_url() -> str:
    return os.environ.get("INTERLOCK_PG", DEFAULT_PG)


def ensure_cluster(url: str) -> None:
    """Start the private cluster (scripts/postgres start) if nothing answers at `url`."""
    import psycopg

    try:
        psycopg.connect(url, connect_timeout=3).close()
    except psycopg.OperationalError:
        console.print("PostgreSQL does not answer: scripts/postgres start")
        subprocess.run([str(ROOT / "scripts" / "postgres"), "start"], check=True, timeout=600)
        psycopg.connect(url, connect_timeout=10).close()


@contextmanager
def fresh_database(admin: str) -> Iterator[str]:
    """A new empty database on the cluster (its URL), dropped afterwards."""
    import psycopg

    name = f"interlock_bench_{uuid.uuid4().hex[:12]}"
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    try:
        yield f"{admin.rpartition('/')[0]}/{name}"
    finally:
        with psycopg.connect(admin, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def postgres_cpu() -> dict[int, float]:
    """CPU seconds so far of every process named `postgres` (the cluster's server and
    backends; readable whoever owns them)."""
    out: dict[int, float] = {}
    for entry in os.scandir("/proc"):
        if not entry.name.isdigit():
            continue
        try:
            if Path(entry.path, "comm").read_text().strip() == "postgres":
                out[int(entry.name)] = cpu_seconds(int(entry.name))
        except (OSError, ValueError, IndexError):
            continue  # gone meanwhile
    return out


class WaitSampler:
    """Samples what the row's database backends are doing (pg_stat_activity) every 50 ms
    in a thread: "Client:ClientRead" is a backend waiting for its API process, "Lock:..."
    one waiting for another transaction (the ledger's head, a row), "IO:WALSync" fsync."""

    def __init__(self, admin: str, db: str) -> None:
        self.admin, self.name = admin, db.rpartition("/")[2]
        self.counts: Counter[str] = Counter()
        self.samples = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def __enter__(self) -> WaitSampler:
        self._thread.start()
        return self

    def __exit__(self, *_: object) -> None:
        self._stop.set()
        self._thread.join(timeout=5)

    def _run(self) -> None:
        import psycopg

        query = (
            "SELECT state, wait_event_type, wait_event FROM pg_stat_activity "
            "WHERE datname = %s AND pid <> pg_backend_pid()"
        )
        with psycopg.connect(self.admin, autocommit=True) as conn:
            while not self._stop.wait(0.05):
                self.samples += 1
                for state, kind, event in conn.execute(query, (self.name,)):
                    what = f"{kind}:{event}" if kind else "running"
                    self.counts[f"{state} {what}"] += 1

    def summary(self, top: int = 6) -> str:
        n = max(1, self.samples)
        return ", ".join(f"{what} {c / n:.1f}" for what, c in self.counts.most_common(top))


def cpu_since(before: dict[int, float], after: dict[int, float]) -> float:
    """CPU used between two `postgres_cpu` snapshots (a process started meanwhile counts
    whole; one that ended meanwhile is lost, which connection pools make rare)."""
    return sum(t - before.get(pid, 0.0) for pid, t in after.items())


# ---- the load ------------------------------------------------------------------------
def notice_feature(party: str, i: int) -> dict[str, Any]:
    start = datetime.now(UTC) + timedelta(hours=3)
    lon = (10.0 if party == "blue" else 20.0) + 0.05 * (i % 100)
    return {
        "type": "Feature",
        "geometry": {"type": "Point", "coordinates": [lon, 35.0 + 0.05 * (i // 100 % 40)]},
        "properties": {
            "domain": "air",
            "radius_m": 2000,
            "alt_lower_ft": 0,
            "alt_upper_ft": 5000,
            "start": start.isoformat(),
            "end": (start + timedelta(hours=1)).isoformat(),
        },
    }


Envelope = tuple[str, str, bytes, str]  # party, path, body, nonce


def presign(dep: Deployment, count: int, notices_only: bool) -> list[Envelope]:
    """`count` signed envelopes ready to post, blue and red in turn."""
    out = []
    now = datetime.now(UTC)
    for i in range(count):
        party = ("blue", "red")[i % 2]
        other = "red" if party == "blue" else "blue"
        if notices_only or i % NOTICE_EVERY == NOTICE_EVERY - 1:
            env = sign("notice", party, notice_body(notice_feature(party, i)), dep.keys[party], now)
            out.append((party, "/notices", orjson.dumps(env), env["nonce"]))
        else:
            content = {
                "to": [other],
                "priority": "routine",
                "subject": f"scale benchmark {i}",
                "body": "",
                "refs": [],
            }
            env = sign("message", party, content, dep.keys[party], now)
            out.append((party, "/messages", orjson.dumps(env), env["nonce"]))
    return out


async def drive(
    ports: list[int],
    tokens: dict[str, str],
    envelopes: list[Envelope],
    connections: int,
    warmup_s: float,
    seconds: float,
) -> tuple[list[float], Counter[str], float, bool, set[str]]:
    """Closed-loop load; (latencies in ms of 2xx answers in the timed phase, non-2xx
    answers by status, the timed phase's length, whether the envelopes ran out, the
    nonces of every envelope answered 2xx)."""
    conns = [await Conn.open(ports[c % len(ports)]) for c in range(connections)]
    loop = asyncio.get_running_loop()
    start = loop.time()
    timed_from, until = start + warmup_s, start + warmup_s + seconds
    latencies: list[float] = []
    errors: Counter[str] = Counter()
    source = iter(envelopes)
    exhausted = False
    answered: set[str] = set()

    async def worker(c: int) -> None:
        nonlocal exhausted
        conn, port = conns[c], ports[c % len(ports)]
        while loop.time() < until:
            item = next(source, None)
            if item is None:
                exhausted = True
                return
            party, path, body, nonce = item
            t = loop.time()
            try:
                status, _ = await conn.request(
                    post_head(port, path, tokens[party], len(body)), body
                )
            except (OSError, asyncio.IncompleteReadError) as exc:
                errors[type(exc).__name__] += 1
                conn.close()
                conns[c] = conn = await Conn.open(port)
                continue
            done = loop.time()
            if 200 <= status < 300:
                answered.add(nonce)
            if t >= timed_from and done <= until:
                if 200 <= status < 300:
                    latencies.append(1000 * (done - t))
                else:
                    errors[str(status)] += 1

    await asyncio.gather(*(worker(c) for c in range(connections)))
    for conn in conns:
        conn.close()
    return latencies, errors, min(seconds, loop.time() - timed_from), exhausted, answered


def pct(sorted_values: list[float], q: float) -> float:
    if not sorted_values:
        return math.nan
    return sorted_values[max(0, math.ceil(q / 100 * len(sorted_values)) - 1)]


def run_row(store: str, processes: int, args: argparse.Namespace) -> Row:
    row = Row(store, processes)
    work = OUT / "work" / f"scale-{store.lower()}-{processes}"
    if work.exists():
        shutil.rmtree(work)
    dep = create_deployment(work)
    with ExitStack() as stack:
        db = stack.enter_context(fresh_database(admin_url())) if store == "PostgreSQL" else None
        console.print(f"[bold]{store} x {processes}[/]: starting, signing", highlight=False)
        servers = [DbServer(work, db, work / f"server-{n}.log") for n in range(processes)]
        for s in servers:
            stack.callback(s.stop)
        servers[0].start()  # alone first: it makes the schema
        with ThreadPoolExecutor(max(1, processes - 1)) as pool:
            list(pool.map(DbServer.start, servers[1:]))
        count = int(args.max_rate * (args.seconds + WARMUP_S))
        envelopes = presign(dep, count, args.notices_only)
        cpu0 = [s.cpu_seconds() for s in servers]
        db0 = postgres_cpu() if db else {}
        client0 = resource.getrusage(resource.RUSAGE_SELF)
        waits = WaitSampler(admin_url(), db) if db and args.waits else None
        spy = Spy(servers[0].pid, store, processes, args) if args.profile else None
        with waits or ExitStack(), spy or ExitStack():
            latencies, errors, seconds, exhausted, answered = asyncio.run(
                drive(
                    [s.port for s in servers],
                    dep.tokens,
                    envelopes,
                    args.connections,
                    WARMUP_S,
                    args.seconds,
                )
            )
        client1 = resource.getrusage(resource.RUSAGE_SELF)
        row.server_cpu_s = sum(s.cpu_seconds() - c for s, c in zip(servers, cpu0, strict=True))
        row.db_cpu_s = cpu_since(db0, postgres_cpu()) if db else 0.0
        row.client_cpu_s = (client1.ru_utime + client1.ru_stime) - (
            client0.ru_utime + client0.ru_stime
        )
        latencies.sort()
        row.seconds, row.ok, row.errors, row.exhausted = seconds, len(latencies), errors, exhausted
        row.p50_ms, row.p99_ms = pct(latencies, 50), pct(latencies, 99)
        for s in servers:
            s.stop()
        row.ledger_ok = ledger_holds(db or str(work / "interlock.db"), envelopes, answered)
        per = 1000 * row.server_cpu_s / row.ok if row.ok else math.nan
        console.print(
            f"  {row.rate:,.0f} submits/s, p50 {row.p50_ms:.1f} ms, p99 {row.p99_ms:.1f} ms, "
            f"server CPU {per:.2f} ms/write",
            highlight=False,
        )
        if waits is not None:
            console.print(f"  database backends (mean count): {waits.summary()}", highlight=False)
    if spy is not None:
        spy.report()
    return row


# ---- py-spy --------------------------------------------------------------------------
# Where a write's server time goes: (name, a frame every stack of that part holds).
PROFILE_PARTS = {
    "HTTP and routing on the event loop (parse, route, auth, answer)": "ProxyHeadersMiddleware",
    "  of which FastAPI dependency solving": "solve_dependencies",
    "  of which the fair-share and body-limit middleware": "FairShare.__call__",
    "  of which reading the request body": "Request.body",
    "prepare, off the lock (parse, validate, verify the signature)": "Batcher.prepare",
    "  notice: NoticeService.prepare": "NoticeService.prepare",
    "  message: HotlineService.prepare": "HotlineService.prepare",
    "  Ed25519 verify": "verify",
    "write worker: Batcher.apply_prepared (one per group commit)": "Batcher.apply_prepared",
    "  notice: NoticeService.apply": "NoticeService.apply",
    "  message: HotlineService.apply": "HotlineService.apply",
    "  ledger append (canonical JSON, hashes, INSERT)": "append_ledger",
    "  COMMIT (fsync)": "do_commit",
    "  all SQLAlchemy statement execution": "exec_driver_sql",
    "push stream and commit wake-ups": "Broadcaster",
    "thread-pool hand-offs (anyio)": "run_sync_in_worker_thread",
    "WAL checkpointer thread": "Checkpointer._run",
}


class Spy:
    """py-spy on the row's first server for the timed phase (started after the warm-up),
    sampling only the thread that holds the GIL (`--gil`): one API process is bound by
    its GIL, so these are shares of the Python time a write costs. Without it, threads
    woken from a queue and waiting for the GIL count as busy (a third of the samples)."""

    def __init__(self, pid: int, store: str, processes: int, args: argparse.Namespace) -> None:
        kind = "notices" if args.notices_only else "mixed"
        self.path = OUT / f"scale-py-spy-{store.lower()}-{processes}-{kind}.txt"
        self.pid, self.seconds, self.hz = pid, args.seconds, args.profile_hz
        self.proc: subprocess.Popen[bytes] | None = None
        self._timer = threading.Timer(WARMUP_S, self._attach)

    def _attach(self) -> None:
        spy = py_spy()
        if spy is None:
            console.print("[yellow]py-spy is not installed (pip install -e '.[bench]')[/]")
            return
        cmd = [spy, "record", "--nonblocking", "--gil", "-r", str(self.hz)]
        cmd += ["-d", str(max(1, round(self.seconds))), "-f", "raw", "-o", str(self.path)]
        self.proc = subprocess.Popen(
            [*cmd, "--pid", str(self.pid)], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE
        )

    def __enter__(self) -> Spy:
        self._timer.start()
        return self

    def __exit__(self, *_: object) -> None:
        self._timer.join()
        if self.proc is not None:
            _, err = self.proc.communicate(timeout=60)
            if self.proc.returncode:
                console.print(f"[yellow]py-spy failed[/]: {err.decode()[-1000:]}")

    def report(self) -> None:
        tables = profile_tables(self.path, PROFILE_PARTS, functions=30, selfs=30)
        if not tables:
            console.print(f"[yellow]no samples in {self.path}[/]")
        for t in tables:
            console.print(t)


def ledger_holds(db: str, envelopes: list[Envelope], answered: set[str]) -> bool:
    """Every envelope answered 2xx is in the ledger once, and nothing else signed is
    (an envelope cut off at the end of the run may or may not be there)."""
    store = open_store(db)
    try:
        nonces = Counter(
            e["event"]["envelope"]["nonce"]
            for e in store.ledger_entries()
            if "envelope" in e["event"]
        )
    finally:
        store.close()
    ours = {nonce for *_, nonce in envelopes}
    return answered <= set(nonces) <= ours and all(n == 1 for n in nonces.values())


def table(rows: list[Row], args: argparse.Namespace) -> Table:
    mix = "signed notices" if args.notices_only else "signed messages + notices (4:1)"
    t = Table(
        title=f"{mix}, {args.connections} connections, {args.seconds:.0f} s a row, "
        f"{os.cpu_count()} cores shared by client, servers and database"
    )
    for name in (
        "store",
        "processes",
        "submits/s",
        "vs SQLite",
        "p50 ms",
        "p99 ms",
        "non-2xx",
        "server CPU s",
        "server CPU ms/write",
        "DB CPU s",
        "client CPU s",
        "ledger",
    ):
        t.add_column(name, justify="left" if name == "store" else "right")
    base = next((r.rate for r in rows if r.store == "SQLite"), None)
    for r in rows:
        errors = ", ".join(f"{k} x{v}" for k, v in sorted((r.errors or {}).items())) or "0"
        t.add_row(
            r.store,
            str(r.processes),
            f"{r.rate:,.0f}" + (" *" if r.exhausted else ""),
            f"{r.rate / base:.2f}x" if base else "-",
            f"{r.p50_ms:.1f}",
            f"{r.p99_ms:.1f}",
            errors,
            f"{r.server_cpu_s:.1f}",
            f"{1000 * r.server_cpu_s / r.ok:.2f}" if r.ok else "-",
            f"{r.db_cpu_s:.1f}" if r.store == "PostgreSQL" else "-",
            f"{r.client_cpu_s:.1f}",
            "ok" if r.ledger_ok else "[red]BAD[/]",
        )
    return t


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--processes", default="1,2,4", help="PostgreSQL rows: API processes")
    ap.add_argument("--connections", type=int, default=16, help="client connections, all rows")
    ap.add_argument("--seconds", type=float, default=20.0, help="timed seconds a row")
    ap.add_argument(
        "--max-rate", type=float, default=2500.0, help="envelopes signed a second of a row"
    )
    ap.add_argument("--notices-only", action="store_true", help="signed notices, no messages")
    ap.add_argument("--no-sqlite", action="store_true", help="skip the SQLite row")
    ap.add_argument(
        "--waits", action="store_true", help="sample what the database backends wait on"
    )
    ap.add_argument(
        "--profile",
        action="store_true",
        help="py-spy on each row's first server through the timed phase (slows it)",
    )
    ap.add_argument("--profile-hz", type=int, default=100, help="py-spy samples per second")
    ap.add_argument("--quick", action="store_true", help="3 s rows of 1 and 2 processes")
    args = ap.parse_args(argv)
    if args.quick:
        args.seconds, args.processes, args.connections = 3.0, "1,2", 8
    args.process_counts = [int(p) for p in args.processes.split(",") if p]
    return args


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    if args.process_counts:
        ensure_cluster(admin_url())
    OUT.mkdir(exist_ok=True)
    rows = [] if args.no_sqlite else [run_row("SQLite", 1, args)]
    rows += [run_row("PostgreSQL", n, args) for n in args.process_counts]
    console.print(table(rows, args))
    if any(r.exhausted for r in rows):
        console.print("* the pre-signed envelopes ran out early: raise --max-rate")
    if not all(r.ledger_ok for r in rows) or not all(r.ok for r in rows):
        console.print("[red]unsound: a row answered nothing or its ledger is wrong[/]")
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
