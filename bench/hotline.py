"""Hotline benchmark: message delivery latency over the push stream, and `audit verify`.

What it does:

1. Makes a deployment (agreement listing fresh Ed25519 keys of blue and red, token hashes,
   as `interlock init` does) and starts a real `interlock serve` on 127.0.0.1 (uvicorn,
   one worker, the real clock) as a child process.
2. Red runs the stock signing client's stream reader (`interlock.client.Client.events`) in
   a separate process and stamps every message event the moment it is parsed off the
   stream (CLOCK_MONOTONIC, the same clock across processes on Linux).
3. Blue sends signed messages to red open loop: a fixed schedule at each target rate
   (default 100/s and 500/s for 10 s), each send started at its slot on one of a pool of
   keep-alive HTTP/1.1 connections (asyncio, in this process; signed with
   `Client.sign`, the client's own signing), whether or not earlier ones were answered.
   Latency = arrival on red's stream - start of the send (before signing); the message id
   in the 201 answer and in the stream event maps the two.
4. Three receipt modes, each with a reader of its own: "auto" is the client as shipped
   (the reader posts a signed "delivered" receipt for each message before handing it on,
   so the server also commits a receipt per message); "bound" is the same client with a
   witness state (`Client(..., state=DIR)`): each receipt signs the checkpoint that holds
   its message, witnessing a newer one only when the last verified one does not (the
   rounds are counted and printed), and the message's inclusion proof is read per
   receipt; "off" reads the stream only (`auto_deliver=False`): the server's push path
   alone.
5. Baseline: closed-loop `GET /health` round trips on the same server (one connection).
6. `audit verify`: after the runs, times `interlock audit verify DIR` (the CLI, a fresh
   process) and `verify_chain(store.ledger_entries(), keys)` in process over the ledger
   of the "auto" deployment (messages and receipts: all signed).

Client and server share the machine's cores (2 on the reference VM): the table shows the
CPU each process used.

Run ``python bench/hotline.py --quick`` for a smoke test (50 msg/s for 2 s, < 20 s).
``--profile`` runs the server under py-spy during the highest rate of the first mode and
prints where its time goes. Exit status: 2 when results are unsound (a send failed, a
message never arrived), 1 with ``--strict`` when a target is missed, else 0.
"""

from __future__ import annotations

import argparse
import asyncio
import math
import multiprocessing
import os
import queue
import resource
import shutil
import sqlite3
import subprocess
import sys
import threading
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import orjson
from rich.console import Console
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    TextColumn,
    TimeElapsedColumn,
)
from rich.table import Table

from deployment import (
    Deployment,
    Server,
    attach_py_spy,
    cpu_seconds,
    create_deployment,
    profile_tables,
)
from httpload import Conn, post_head
from interlock.client import Client
from interlock.ledger.chain import verify_chain
from interlock.ledger.keys import read_private
from interlock.store import open_store

HERE = Path(__file__).resolve().parent
OUT = HERE / "out"
# delivery receipts posted by the reader (as shipped), bound to the log, or none
MODES = ("auto", "bound", "off")
STALL_S = 10.0  # a drain gives up after this long without a new arrival on red's stream
WARMUP = 20  # messages at 50/s before anything is timed
MAX_CONNECTIONS = 256  # the sender's cap: past it, sends wait for a free connection

TARGET_RATE = 500.0  # msg/s at which the latency target applies
TARGET_P99_MS = 20.0  # delivery p99 on the push stream at that rate
TARGET_VERIFY = 20_000.0  # ledger entries/s checked by `audit verify`

console = Console(width=None if sys.stdout.isatty() else 200)


def now_ns() -> int:
    """CLOCK_MONOTONIC: system-wide on Linux, so stamps from two processes compare."""
    return time.clock_gettime_ns(time.CLOCK_MONOTONIC)


def _progress() -> Progress:
    return Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=console,
        transient=True,
    )


def _pct(sorted_values: list[float], q: float) -> float:
    """Nearest-rank percentile of sorted values."""
    if not sorted_values:
        return float("nan")
    k = max(0, math.ceil(q / 100.0 * len(sorted_values)) - 1)
    return sorted_values[k]


# ---- red: the stream reader (a separate process) ---------------------------------------
class _StampingClient(Client):
    """The stock client, stamping each message when it comes off the stream.

    Overrides the private Client._auto_deliver (called for every entry before it is
    yielded, when auto-delivery is on): stamp first, then post the receipt as shipped.
    Follow it here if the client changes."""

    def __init__(self, *args: Any, out: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.out = out

    def stamp(self, entry: dict[str, Any]) -> None:
        event = entry.get("event", {})
        if event.get("type") == "message":
            self.out.put((event["id"], now_ns()))

    def _auto_deliver(self, entry: dict[str, Any]) -> None:
        self.stamp(entry)
        super()._auto_deliver(entry)


def reader_main(
    url: str,
    token: str,
    key_file: str,
    mode: str,
    after: int,
    out: Any,
    stop: Any,
    state: str,
) -> None:
    bound = state if mode == "bound" else None
    client = _StampingClient(url, token, "red", read_private(Path(key_file)), out=out, state=bound)
    auto = mode != "off"
    try:
        for entry in client.events(after, auto_deliver=auto, stop=stop.is_set, retry_s=0.2):
            if not auto:
                client.stamp(entry)
    finally:
        client.close()
        if bound is not None:  # for the parent: how many witness rounds the run took
            (Path(bound) / "rounds").write_text(str(client.witness_rounds))


class Arrivals:
    """Drains the reader's (message id, arrival ns) stamps in a thread."""

    def __init__(self, q: Any) -> None:
        self.q = q
        self.at: dict[str, int] = {}
        self.lock = threading.Lock()
        self._stop = threading.Event()
        self.thread = threading.Thread(target=self._run, daemon=True)
        self.thread.start()

    def _run(self) -> None:
        while not self._stop.is_set():
            try:
                mid, ns = self.q.get(timeout=0.1)
            except queue.Empty:
                continue
            with self.lock:
                self.at.setdefault(mid, ns)

    def has(self, ids: set[str]) -> int:
        with self.lock:
            return sum(1 for i in ids if i in self.at)

    def stop(self) -> None:
        self._stop.set()
        self.thread.join(timeout=2)


class Reader:
    """Red's stream reader in a process of its own, from ledger entry `after` on."""

    def __init__(self, server: Server, dep: Deployment, mode: str, after: int) -> None:
        ctx = multiprocessing.get_context("spawn")
        self.state = dep.directory / f"red-state-{mode}"  # the witness state (bound)
        self.q = ctx.Queue()
        self.stop_event = ctx.Event()
        self.proc = ctx.Process(
            target=reader_main,
            args=(
                server.url,
                dep.tokens["red"],
                str(dep.key_file("red")),
                mode,
                after,
                self.q,
                self.stop_event,
                str(self.state),
            ),
            daemon=True,
        )
        self.proc.start()
        self.arrivals = Arrivals(self.q)

    def cpu_seconds(self) -> float:
        assert self.proc.pid is not None
        return cpu_seconds(self.proc.pid)

    def close(self, wake: Any) -> None:
        """Stop: the reader checks `stop` between events, so one more message wakes it."""
        self.stop_event.set()
        wake()
        self.proc.join(timeout=5)
        if self.proc.is_alive():
            self.proc.terminate()
            self.proc.join(timeout=5)
        self.arrivals.stop()


# ---- blue: the open-loop sender ---------------------------------------------------------
@dataclass
class Sent:
    due_ns: int  # its slot in the schedule
    start_ns: int  # when the send began (before signing)
    end_ns: int  # when the answer was read
    status: int
    message_id: str | None


def _content(label: str) -> dict[str, Any]:
    """A message body as Client.send builds it."""
    return {"to": ["red"], "priority": "routine", "subject": label, "body": "", "refs": []}


async def _send_one(
    conn: Conn, port: int, token: str, blue: Client, label: str, start: int
) -> Sent:
    body = orjson.dumps(blue.sign("message", _content(label)))
    status, payload = await conn.request(post_head(port, "/messages", token, len(body)), body)
    end = now_ns()
    mid = orjson.loads(payload).get("id") if status == 201 else None
    return Sent(start, start, end, status, mid)


async def send_schedule(
    port: int,
    token: str,
    blue: Client,
    rate: float,
    count: int,
    connections: int,
    label: str,
    progress: Progress,
    arrivals: Arrivals,
) -> tuple[list[Sent], int]:
    """`count` sends at `rate`/s on a fixed schedule over a pool of keep-alive connections
    (`connections` opened beforehand, more whenever every one is busy, up to
    MAX_CONNECTIONS)."""
    pool: asyncio.Queue[Conn] = asyncio.Queue()
    conns = [await Conn.open(port) for _ in range(connections)]
    for c in conns:
        pool.put_nowait(c)
    out: list[Sent | None] = [None] * count
    sent_task = progress.add_task(f"{label}: sent", total=count)
    arrived_task = progress.add_task(f"{label}: arrived on red's stream", total=count)
    ids: set[str] = set()

    async def one(i: int, due: int) -> None:
        # Open loop: a send never waits for a connection; a new one opens when all are busy.
        start = now_ns()
        if pool.empty() and len(conns) < MAX_CONNECTIONS:
            conn = await Conn.open(port)
            conns.append(conn)
        else:
            conn = await pool.get()  # at the cap, the send starts late: see the lag column
        try:
            s = await _send_one(conn, port, token, blue, f"bench {label} #{i}", start)
        finally:
            pool.put_nowait(conn)
        s.due_ns = due
        out[i] = s
        if s.message_id:
            ids.add(s.message_id)
        progress.advance(sent_task)

    async def show() -> None:
        while True:
            progress.update(arrived_task, completed=arrivals.has(ids))
            await asyncio.sleep(0.25)

    shower = asyncio.create_task(show())
    period = 1e9 / rate
    t0 = now_ns() + 20_000_000
    tasks = []
    for i in range(count):
        due = t0 + round(i * period)
        delay = (due - now_ns()) / 1e9
        if delay > 0:
            await asyncio.sleep(delay)
        tasks.append(asyncio.create_task(one(i, due)))
    await asyncio.gather(*tasks)
    shower.cancel()
    for c in conns:
        c.close()
    progress.remove_task(sent_task)
    progress.remove_task(arrived_task)
    return [s for s in out if s is not None], len(conns)


async def health_rtts(port: int, count: int) -> list[float]:
    """Closed-loop GET /health round trips (ms) on one keep-alive connection."""
    conn = await Conn.open(port)
    head = f"GET /health HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\n\r\n".encode()
    out = []
    for _ in range(count):
        t0 = now_ns()
        status, _ = await conn.request(head, b"")
        out.append((now_ns() - t0) / 1e6)
        if status != 200:
            raise RuntimeError(f"GET /health answered {status}")
    conn.close()
    return out


# ---- one run ----------------------------------------------------------------------------
@dataclass
class RunResult:
    mode: str
    rate: float
    seconds: float
    sent: int
    errors: int
    achieved_rate: float  # sends started per second
    arrived: int
    missing: int  # answered 2xx but not on red's stream within the drain time
    send_p50_ms: float  # POST /messages round trip
    send_p99_ms: float
    lag_p99_ms: float  # how late sends started against their slot (sender saturation)
    connections: int  # keep-alive connections the sender needed (more open when all busy)
    p50_ms: float  # delivery: arrival on red's stream - send start
    p99_ms: float
    max_ms: float
    server_cpu: float  # cores, on average over the run and drain
    reader_cpu: float
    sender_cpu: float
    drain_s: float


def run_rate(
    server: Server,
    dep: Deployment,
    reader: Reader,
    blue: Client,
    mode: str,
    rate: float,
    seconds: float,
    connections: int,
    drain_timeout: float,
) -> RunResult:
    count = max(1, round(rate * seconds))
    cpu0, rcpu0 = server.cpu_seconds(), reader.cpu_seconds()
    ru0 = resource.getrusage(resource.RUSAGE_SELF)
    w0 = time.monotonic()
    with _progress() as progress:
        sent, used = asyncio.run(
            send_schedule(
                server.port,
                dep.tokens["blue"],
                blue,
                rate,
                count,
                connections,
                f"{mode} {rate:g}/s",
                progress,
                reader.arrivals,
            )
        )
        ids = {s.message_id for s in sent if s.message_id}
        task = progress.add_task(f"{mode} {rate:g}/s: draining red's stream", total=len(ids))
        # Wait while red's stream still makes progress (a slow reader catches up, and its
        # latency counts in full); give up after STALL_S without a new arrival, or at the
        # drain limit: what has not arrived then is missing.
        d0 = last = time.monotonic()
        got = 0
        while time.monotonic() - d0 < drain_timeout and time.monotonic() - last < STALL_S:
            now_got = reader.arrivals.has(ids)
            if now_got > got:
                got, last = now_got, time.monotonic()
            progress.update(task, completed=got)
            if got == len(ids):
                break
            time.sleep(0.05)
        drain_s = time.monotonic() - d0
    wall = time.monotonic() - w0
    ru1 = resource.getrusage(resource.RUSAGE_SELF)
    server_cpu = (server.cpu_seconds() - cpu0) / wall
    reader_cpu = (reader.cpu_seconds() - rcpu0) / wall
    sender_cpu = (ru1.ru_utime + ru1.ru_stime - ru0.ru_utime - ru0.ru_stime) / wall
    ok = [s for s in sent if s.message_id]
    with reader.arrivals.lock:
        at = dict(reader.arrivals.at)
    lat = sorted(
        (at[s.message_id] - s.start_ns) / 1e6 if s.message_id in at else math.inf for s in ok
    )
    starts = sorted(s.start_ns for s in sent)
    span = (starts[-1] - starts[0]) / 1e9 if len(starts) > 1 else 0.0
    rtt = sorted((s.end_ns - s.start_ns) / 1e6 for s in sent)
    lag = sorted(max(0, s.start_ns - s.due_ns) / 1e6 for s in sent)
    arrived = sum(1 for s in ok if s.message_id in at)
    return RunResult(
        mode=mode,
        rate=rate,
        seconds=seconds,
        sent=len(sent),
        errors=len(sent) - len(ok),
        achieved_rate=(len(sent) - 1) / span if span > 0 else float("nan"),
        arrived=arrived,
        missing=len(ok) - arrived,
        send_p50_ms=_pct(rtt, 50),
        send_p99_ms=_pct(rtt, 99),
        lag_p99_ms=_pct(lag, 99),
        connections=used,
        p50_ms=_pct(lat, 50),
        p99_ms=_pct(lat, 99),
        max_ms=lat[-1] if lat else float("nan"),
        server_cpu=server_cpu,
        reader_cpu=reader_cpu,
        sender_cpu=sender_cpu,
        drain_s=drain_s,
    )


@dataclass
class ModeResult:
    mode: str
    runs: list[RunResult] = field(default_factory=list)
    profile: str | None = None
    witness_rounds: int | None = None  # "bound": checkpoints the reader witnessed


def warm_up(server: Server, dep: Deployment, reader: Reader, blue: Client) -> None:
    """A few messages at a slow pace until they arrive: the stream is connected and the
    server's code paths are warm before anything is timed."""
    with _progress() as progress:
        sent, _ = asyncio.run(
            send_schedule(
                server.port,
                dep.tokens["blue"],
                blue,
                50.0,
                WARMUP,
                2,
                "warm-up",
                progress,
                reader.arrivals,
            )
        )
    ids = {s.message_id for s in sent if s.message_id}
    if len(ids) != len(sent):
        raise RuntimeError(f"warm-up sends failed: {[s.status for s in sent]}\n{server.tail()}")
    deadline = time.monotonic() + 20
    while reader.arrivals.has(ids) < len(ids):
        if time.monotonic() > deadline:
            raise RuntimeError(f"the reader did not receive the warm-up messages\n{server.tail()}")
        time.sleep(0.05)


def ledger_count(directory: Path) -> int:
    """Entries in the ledger (its last seq: the chain is gap-free, as verify checks)."""
    conn = sqlite3.connect(f"file:{directory / 'interlock.db'}?mode=ro", uri=True)
    try:
        return int(conn.execute("SELECT count(*) FROM ledger").fetchone()[0])
    finally:
        conn.close()


def run_mode(
    mode: str,
    args: argparse.Namespace,
    server: Server,
    dep: Deployment,
    blue: Client,
    rates: list[float],
    profile: Path | None = None,
) -> ModeResult:
    """Red's reader in `mode` (from the ledger's end on), then each rate in turn. With
    `profile`, py-spy samples the server during the last rate."""
    res = ModeResult(mode, profile=str(profile or ""))
    reader = Reader(server, dep, mode, after=ledger_count(dep.directory))
    tag = " (py-spy attached)" if profile else ""
    try:
        warm_up(server, dep, reader, blue)
        for k, rate in enumerate(rates):
            spy = None
            if profile is not None and k == len(rates) - 1:
                spy = attach_py_spy(server.pid, profile, args.duration, args.profile_hz)
            r = run_rate(
                server,
                dep,
                reader,
                blue,
                mode,
                rate,
                args.duration,
                args.connections,
                args.drain,
            )
            if spy is not None:
                _, err = spy.communicate(timeout=60)
                if spy.returncode != 0:
                    console.print(f"[yellow]py-spy failed[/]: {err.decode()[-1000:]}")
            res.runs.append(r)
            console.print(
                f"receipts {mode}{tag}, {rate:g}/s: achieved {r.achieved_rate:,.1f}/s, "
                f"{r.arrived:,}/{r.sent:,} arrived, delivery p50 {r.p50_ms:.1f} ms, "
                f"p99 {r.p99_ms:.1f} ms, max {r.max_ms:.1f} ms; server CPU {r.server_cpu:.2f}"
            )
            time.sleep(0.3)
    finally:
        # The reader checks its stop flag between events: one more message wakes it.
        reader.close(lambda: blue.send("red", "benchmark over"))
    rounds = reader.state / "rounds"
    if rounds.is_file():
        res.witness_rounds = int(rounds.read_text())
        received = sum(r.arrived for r in res.runs) + WARMUP + 1
        console.print(
            f"receipts {mode}: {res.witness_rounds:,} witness rounds for about {received:,} "
            "receipts (one round covers every message up to the checkpoint it verifies)"
        )
    return res


# ---- audit verify -----------------------------------------------------------------------
@dataclass
class VerifyResult:
    method: str
    entries: int
    seconds: float
    ok: bool
    note: str = ""

    @property
    def rate(self) -> float:
        return self.entries / self.seconds if self.seconds > 0 else float("nan")


def _cli(*args: str) -> tuple[float, subprocess.CompletedProcess[str]]:
    t0 = time.perf_counter()
    out = subprocess.run(
        [sys.executable, "-m", "interlock.cli", *args],
        capture_output=True,
        text=True,
        env={**os.environ, "COLUMNS": "200"},
        timeout=600,
    )
    return time.perf_counter() - t0, out


def measure_verify(directory: Path, repeat: int = 2) -> list[VerifyResult]:
    """`interlock audit verify DIR` (fresh process) and verify_chain in process."""
    from interlock.model.agreement import load_agreement

    entries = ledger_count(directory)
    out: list[VerifyResult] = []
    # Start-up: the same imports, no verification (the best of `repeat`, to spare noise;
    # not measured for a small ledger, which it would swamp anyway).
    startup = math.nan
    if entries >= 2_000:
        startup = min(_cli("audit", "verify", "--help")[0] for _ in range(repeat))
    wall, done = _cli("audit", "verify", str(directory))
    ok = done.returncode == 0 and f"OK {entries} entries" in done.stdout
    if not ok:
        console.print(f"[red]audit verify failed ({done.returncode})[/]: {done.stdout}")
        console.print(done.stderr[-3000:])
    out.append(
        VerifyResult(
            "interlock audit verify DIR (CLI, whole process)",
            entries,
            wall,
            ok,
            f"exit {done.returncode}",
        )
    )
    net = wall - startup  # NaN when start-up was not measured
    out.append(
        VerifyResult(
            "  the same, less interpreter start-up and imports",
            entries,
            net if net > 0.1 * wall else math.nan,
            ok,
            f"start-up {startup:.2f} s (audit verify --help)"
            if net > 0.1 * wall
            else "too small a ledger to tell apart from start-up",
        )
    )
    keys = {p.id: list(p.public_keys) for p in load_agreement(directory / "agreement.toml").parties}
    store = open_store(directory / "interlock.db")
    try:
        t0 = time.perf_counter()
        n_read = sum(1 for _ in store.ledger_entries())
        read_s = time.perf_counter() - t0
        verify_s = math.inf
        for _ in range(repeat):
            t0 = time.perf_counter()
            count, problem = verify_chain(store.ledger_entries(), keys)
            verify_s = min(verify_s, time.perf_counter() - t0)
    finally:
        store.close()
    out.append(
        VerifyResult(
            f"verify_chain(store.ledger_entries(), keys) in process (best of {repeat})",
            count,
            verify_s,
            problem is None and count == entries,
            "no problem" if problem is None else f"problem at {problem.seq}: {problem.reason}",
        )
    )
    out.append(
        VerifyResult(
            "  baseline: store.ledger_entries() read only",
            n_read,
            read_s,
            n_read == entries,
            "rows read and JSON-decoded, nothing checked",
        )
    )
    return out


# ---- report -----------------------------------------------------------------------------
def _fmt(x: float, digits: int = 1) -> str:
    if x != x:
        return "-"
    if x == math.inf:
        return "never"
    return f"{x:,.{digits}f}"


def _target(r: RunResult) -> str:
    if r.rate != TARGET_RATE:
        return "-"
    met = r.p99_ms <= TARGET_P99_MS and r.missing == 0 and r.errors == 0
    return "[green]met[/]" if met else "[red]missed[/]"


def delivery_table(results: list[ModeResult], title: str, health_p50_ms: float) -> Table:
    t = Table(title=title, title_justify="left", caption_justify="left")
    t.caption = (
        "receipts: auto = the stock client (posts a signed 'delivered' receipt per message, "
        "from background threads: a second durable write per message), bound = the same with "
        "a witness state (each receipt signs a verified checkpoint holding its message: an "
        "inclusion proof per receipt, a witness round when the last checkpoint is too small), "
        "off = stream only. "
        "delivery = arrival on red's stream - start of blue's send (signing included); "
        "send RTT = POST /messages until its 201; lag = how late sends started against the "
        "schedule (client saturation); drain = how long after the last answer the last "
        f"message arrived (lost: not there after {STALL_S:g} s without any arrival); conns = "
        "keep-alive connections the sender needed (a new one opens whenever all are busy: "
        "open loop); vs /health = delivery p50 / GET /health p50 on the same server. CPU = "
        "cores used on average by the server, red's reader process and the sender (this "
        f"process); they share the machine's {os.cpu_count()} cores. Target: p99 <= "
        f"{TARGET_P99_MS:g} ms at {TARGET_RATE:g}/s (judged at that rate only)."
    )
    for col in (
        "receipts",
        "target /s",
        "achieved /s",
        "sent",
        "arrived",
        "send RTT p50/p99 ms",
        "p50 ms",
        "p99 ms",
        "max ms",
        "p50 vs /health",
        "lag p99 ms",
        "drain s",
        "conns",
        "CPU srv/rdr/snd",
        f"p99 <= {TARGET_P99_MS:g} ms",
    ):
        t.add_column(col, justify="right")
    for m in results:
        for r in m.runs:
            t.add_row(
                m.mode,
                f"{r.rate:g}",
                _fmt(r.achieved_rate),
                f"{r.sent:,}" + (f" ({r.errors} failed)" if r.errors else ""),
                f"{r.arrived:,}" + (f" ({r.missing:,} lost)" if r.missing else ""),
                f"{_fmt(r.send_p50_ms)}/{_fmt(r.send_p99_ms)}",
                _fmt(r.p50_ms),
                _fmt(r.p99_ms),
                _fmt(r.max_ms),
                f"{r.p50_ms / health_p50_ms:,.1f}x" if health_p50_ms > 0 else "-",
                _fmt(r.lag_p99_ms),
                _fmt(r.drain_s),
                str(r.connections),
                f"{r.server_cpu:.2f}/{r.reader_cpu:.2f}/{r.sender_cpu:.2f}",
                _target(r),
            )
    return t


def baseline_table(rtts_ms: list[float], entries: int) -> Table:
    t = Table(
        title="Baseline: GET /health on the same server, closed loop on one connection",
        title_justify="left",
        caption=f"the ledger held {entries:,} entries at the end of the run",
        caption_justify="left",
    )
    for col in ("round trips", "p50 ms", "p99 ms", "max ms"):
        t.add_column(col, justify="right")
    t.add_row(
        f"{len(rtts_ms):,}",
        f"{_pct(rtts_ms, 50):.2f}",
        f"{_pct(rtts_ms, 99):.2f}",
        _fmt(rtts_ms[-1], 2),
    )
    return t


def verify_table(rows: list[VerifyResult], directory: str, assess: bool = True) -> Table:
    t = Table(
        title=f"audit verify over the ledger of {directory}",
        title_justify="left",
        caption=(
            "entries: messages and receipts are signed envelopes (one Ed25519 check each); "
            f"target >= {TARGET_VERIFY:,.0f} entries/s."
        ),
        caption_justify="left",
    )
    for col in ("method", "entries", "seconds", "entries/s", "result", "note"):
        t.add_column(col, justify="right" if col in ("entries", "seconds", "entries/s") else "left")
    for r in rows:
        verdict = "[green]OK[/]" if r.ok else "[red]FAILED[/]"
        if assess and not r.method.startswith("  "):
            verdict += (
                ", target [green]met[/]" if r.rate >= TARGET_VERIFY else ", target [red]missed[/]"
            )
        t.add_row(r.method, f"{r.entries:,}", _fmt(r.seconds, 3), _fmt(r.rate, 0), verdict, r.note)
    return t


# Where a message's server time goes: (name, a frame every stack of that part holds).
PROFILE_PARTS = {
    "HTTP and FastAPI on the event loop (parse, route, auth, answer)": "ProxyHeadersMiddleware",
    "  of which FastAPI dependency solving": "solve_dependencies",
    "write worker: Batcher.run_batch (one per group commit)": "Batcher.run_batch",
    "  signature check and parsing (HotlineService.prepare)": "HotlineService.prepare",
    "  SAVEPOINT / RELEASE per op": "SqlWriteTx.savepoint",
    "  nonce claim": "claim_nonce",
    "  message, recipients and inbox rows": "HotlineWrites.insert_message",
    "  ledger append (canonical JSON, hashes, INSERT)": "append_ledger",
    "  reading the message back for the answer": "HotlineWrites.get_message",
    "  COMMIT (fsync)": "do_commit",
    "  all SQLAlchemy statement execution in it": "exec_driver_sql",
    "push stream: inbox reads after each commit": "inbox_entries",
    "thread-pool hand-offs (anyio)": "run_sync_in_worker_thread",
    "WAL checkpointer thread": "Checkpointer._run",
}


def profile_report(path: Path) -> None:
    tables = profile_tables(path, PROFILE_PARTS)
    if not tables:
        console.print(f"[yellow]no samples in {path}[/]")
    for t in tables:
        console.print(t)


# ---- main -------------------------------------------------------------------------------
def _floats(text: str) -> list[float]:
    return [float(x) for x in text.split(",") if x.strip()]


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument("--rates", type=_floats, default=[100.0, 500.0], help="msg/s, e.g. 100,500")
    ap.add_argument("--duration", type=float, default=10.0, help="seconds of sending per rate")
    ap.add_argument(
        "--modes", default="auto,bound,off", help="receipt modes: auto (as shipped), bound, off"
    )
    ap.add_argument("--connections", type=int, default=32, help="sender keep-alive connections")
    ap.add_argument(
        "--drain",
        type=float,
        default=180.0,
        help=f"max s to wait for stragglers after the sends (and {STALL_S:g} s without one)",
    )
    ap.add_argument("--health", type=int, default=1000, help="GET /health round trips")
    ap.add_argument(
        "--profile",
        action="store_true",
        help="an extra run (highest rate) with the server under py-spy",
    )
    ap.add_argument("--profile-hz", type=int, default=100, help="py-spy samples per second")
    ap.add_argument(
        "--profile-mode",
        default="off",
        choices=MODES,
        help="receipt mode of the profiled run (default off: the server's push path)",
    )
    ap.add_argument("--quick", action="store_true", help="50 msg/s for 2 s: a smoke test")
    ap.add_argument("--strict", action="store_true", help="exit 1 when a target is missed")
    args = ap.parse_args(argv)
    args.modes = [m.strip() for m in args.modes.split(",") if m.strip()]
    if any(m not in MODES for m in args.modes):
        ap.error(f"modes are {', '.join(MODES)}")
    if args.quick:
        args.rates = [50.0]
        args.duration = 2.0
        args.drain = min(args.drain, 20.0)
        args.health = min(args.health, 100)
    return args


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    console.print(
        f"python {sys.version.split()[0]}, sqlite {sqlite3.sqlite_version}, "
        f"{os.cpu_count()} cores (server, red's reader and blue's sender share them); "
        f"rates {', '.join(f'{r:g}' for r in args.rates)} msg/s for {args.duration:g} s each"
    )
    load_start = os.getloadavg()
    workdir = OUT / "work" / "hotline"
    shutil.rmtree(workdir, ignore_errors=True)
    dep = create_deployment(workdir)
    profiled = None
    with Server(dep.directory) as server:
        blue = Client(server.url, dep.tokens["blue"], "blue", dep.keys["blue"])
        try:
            health = sorted(asyncio.run(health_rtts(server.port, args.health)))
            rates = sorted(args.rates)
            results = [run_mode(m, args, server, dep, blue, rates) for m in args.modes]
            if args.profile:
                path = OUT / f"hotline-py-spy-{args.profile_mode}.txt"
                profiled = run_mode(
                    args.profile_mode, args, server, dep, blue, [max(rates)], profile=path
                )
        finally:
            blue.close()
    entries = ledger_count(workdir)
    with console.status(f"audit verify over {entries:,} entries"):
        verify = measure_verify(workdir, 1 if args.quick else 2)
    load_end = os.getloadavg()

    h50 = _pct(health, 50)
    console.print(delivery_table(results, "Hotline: delivery latency over the push stream", h50))
    console.print(baseline_table(health, entries))
    console.print(verify_table(verify, str(workdir.relative_to(HERE.parent)), not args.quick))
    if profiled is not None:
        title = f"An extra run with py-spy attached ({args.profile_hz} Hz; not a result)"
        console.print(delivery_table([profiled], title, h50))
        profile_report(Path(profiled.profile or ""))

    target_runs = [r for m in results for r in m.runs if r.rate == TARGET_RATE]
    latency_met = bool(target_runs) and all(
        r.p99_ms <= TARGET_P99_MS and not r.missing and not r.errors for r in target_runs
    )
    verify_met = verify[0].rate >= TARGET_VERIFY and verify[2].rate >= TARGET_VERIFY
    targets = Table(title="Targets", title_justify="left")
    for col in ("target", "measured", "result"):
        targets.add_column(col)
    if target_runs:
        measured = "; ".join(f"{r.mode}: p99 {_fmt(r.p99_ms)} ms" for r in target_runs)
    else:
        measured = f"{TARGET_RATE:g}/s not run"
    targets.add_row(
        f"delivery p99 <= {TARGET_P99_MS:g} ms at {TARGET_RATE:g} msg/s",
        measured,
        ("[green]met[/]" if latency_met else "[red]missed[/]") if target_runs else "not run",
    )
    verify_measured = (
        f"CLI {_fmt(verify[0].rate, 0)}/s ({_fmt(verify[1].rate, 0)}/s less start-up); "
        f"in process {_fmt(verify[2].rate, 0)}/s over {verify[0].entries:,} entries"
    )
    if args.quick:
        verdict = "not assessed (--quick: too small a ledger)"
    else:
        verdict = "[green]met[/]" if verify_met else "[red]missed[/]"
    targets.add_row(f"audit verify >= {TARGET_VERIFY:,.0f} entries/s", verify_measured, verdict)
    console.print(targets)
    console.print(
        f"load average (1/5/15 min) at start {_load(load_start)}, at end {_load(load_end)}: "
        "other work on the machine skews the figures"
    )
    OUT.mkdir(parents=True, exist_ok=True)
    (OUT / "hotline-results.json").write_bytes(
        orjson.dumps(
            {
                "args": vars(args),
                "load_start": load_start,
                "load_end": load_end,
                "health_ms": {"p50": h50, "p99": _pct(health, 99), "n": len(health)},
                "ledger_entries": entries,
                "results": [asdict(m) for m in results],
                "verify": [asdict(v) | {"rate": v.rate} for v in verify],
            },
            option=orjson.OPT_INDENT_2 | orjson.OPT_SERIALIZE_NUMPY,
            default=str,
        )
    )
    sound = all(not r.errors and not r.missing for m in results for r in m.runs) and all(
        v.ok for v in verify
    )
    if not sound:
        return 2
    met = latency_met and (verify_met or args.quick)
    return 1 if args.strict and not met else 0


def _load(avg: tuple[float, float, float]) -> str:
    return "/".join(f"{x:.2f}" for x in avg)


if __name__ == "__main__":
    sys.exit(main())
