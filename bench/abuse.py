"""Abuse benchmark: does one party's flood take the hotline from the others?

What it does (loopback only, bounded in count and time, stops by itself):

1. Makes a deployment of three parties (red, blue, green; fresh keys; signatures required)
   with the default fair-share limits of `model/server_limits.py`, except a short
   `header_timeout_s` so the slow-header connections are cut within the run, and starts a
   real `interlock serve` (one process) as a child. Each party connects from its own
   loopback address (red 127.0.0.3, blue 127.0.0.2, green 127.0.0.4), as parties on
   their own networks would.
2. Baseline: blue sends a signed flash message to green every 100 ms; green reads its push
   stream (and posts a signed "delivered" receipt for each, as the stock client does).
   Delivery = arrival on green's stream - start of blue's send.
3. Flood: the same, while red (a) asks for 2,000 push streams (100 at a time; the granted
   ones are held open and read), (b) opens 200 slow-header connections (one header line
   a second), (c) floods signed notices and AIS feed batches (40 KB) from four clients
   that ignore Retry-After beyond a 10 ms pause.
4. Reports B->C delivery p50/p99/max in both phases and their ratio, what red got
   (streams granted/refused, 2xx/429), when the slow connections were closed, the
   server's peak RSS (VmHWM), and checks that every signed write answered 2xx (red's
   notices, blue's messages, green's receipts) is in the ledger exactly once.

Targets: flood p99 <= 2x baseline p99 and <= 100 ms; server RSS <= 1 GB.
``--quick``: 2 s phases, 100 stream attempts, 20 slow connections (< 60 s).
Exit status: 2 when unsound (a message lost, the ledger wrong), 1 with ``--strict`` when a
target is missed, else 0.
"""

from __future__ import annotations

import argparse
import asyncio
import math
import random
import shutil
import sys
import tempfile
import time
from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import orjson
from rich.console import Console
from rich.table import Table

sys.path.insert(0, str(Path(__file__).resolve().parent))
from deployment import Deployment, Server
from interlock.client import Client
from interlock.ledger.keys import read_private
from interlock.ledger.statements import notice_body
from interlock.model.agreement import EXAMPLE_AGREEMENT
from interlock.model.server_limits import DEFAULT_SERVER_LIMITS
from interlock.service.bootstrap import init_with_keys
from interlock.store import open_store

ADDR = {"blue": "127.0.0.2", "red": "127.0.0.3", "green": "127.0.0.4"}
AIS = Path("/work/shared/data/ais/nmea_data_sample.txt")
ROOT = Path(__file__).resolve().parents[1]
GREEN = """
[[parties]]
id = "green"
name = "Green navy"
public_keys = []

[rules]"""
console = Console()


def agreement_text(header_timeout_s: float, extra: list[str]) -> str:
    text = EXAMPLE_AGREEMENT.replace("require_signatures = false", "require_signatures = true")
    text = text.replace("\n[rules]", GREEN, 1)
    return text + f"\n[server]\nheader_timeout_s = {header_timeout_s}\n" + "\n".join(extra)


def percentile(values: list[float], q: float) -> float:
    if not values:
        return math.nan
    s = sorted(values)
    return s[min(len(s) - 1, max(0, math.ceil(q / 100 * len(s)) - 1))]


@dataclass
class Phase:
    name: str
    sent: dict[str, float] = field(default_factory=dict)  # message id -> send start
    arrived: dict[str, float] = field(default_factory=dict)  # message id -> arrival
    failed: int = 0

    def latencies_ms(self) -> list[float]:
        return [(self.arrived[m] - t) * 1000 for m, t in self.sent.items() if m in self.arrived]


@dataclass
class Flood:
    stream_granted: int = 0
    stream_refused: int = 0
    stream_other: int = 0
    slow_closed_s: list[float] = field(default_factory=list)
    slow_open: int = 0
    codes: Counter[str] = field(default_factory=Counter)


def _client(party: str, dep: Deployment, url: str, conns: int = 8) -> httpx.AsyncClient:
    transport = httpx.AsyncHTTPTransport(
        local_address=ADDR[party], limits=httpx.Limits(max_connections=conns)
    )
    return httpx.AsyncClient(
        base_url=url,
        transport=transport,
        headers={"Authorization": f"Bearer {dep.tokens[party]}"},
        timeout=30.0,
    )


class Run:
    def __init__(self, dep: Deployment, server: Server, signer: dict[str, Client]) -> None:
        self.dep, self.server, self.signer = dep, server, signer
        self.answered: set[str] = set()  # nonces of signed writes answered 2xx
        self.phase: Phase | None = None

    async def post_signed(
        self, http: httpx.AsyncClient, party: str, path: str, kind: str, body: Any
    ) -> httpx.Response:
        env = self.signer[party].sign(kind, body)
        r = await http.post(
            path, content=orjson.dumps(env), headers={"content-type": "application/json"}
        )
        if r.status_code in (200, 201):
            self.answered.add(env["nonce"])
        return r

    async def green_reader(self, ready: asyncio.Event) -> None:
        """Green's stream: stamp every message, post a signed delivered receipt for it."""
        async with _client("green", self.dep, self.server.url) as http:
            receipts: set[asyncio.Task[Any]] = set()
            async with http.stream("GET", "/stream", timeout=None) as r:
                assert r.status_code == 200, r.status_code
                ready.set()
                async for line in r.aiter_lines():
                    if not line.startswith("data: "):
                        continue
                    t = time.monotonic()
                    event = orjson.loads(line[6:])["event"]
                    if event.get("type") != "message" or event.get("from") != "blue":
                        continue
                    if self.phase is not None:
                        self.phase.arrived[event["id"]] = t
                    body = {"message": event["id"], "status": "delivered"}
                    task = asyncio.create_task(
                        self.post_signed(
                            http, "green", f"/messages/{event['id']}/receipts", "receipt", body
                        )
                    )
                    receipts.add(task)
                    task.add_done_callback(receipts.discard)

    async def blue_sender(self, phase: Phase, count: int, every_s: float) -> None:
        async with _client("blue", self.dep, self.server.url) as http:
            start = time.monotonic()
            for i in range(count):
                await asyncio.sleep(max(0.0, start + i * every_s - time.monotonic()))
                t0 = time.monotonic()
                content = {
                    "to": ["green"],
                    "priority": "flash",
                    "subject": f"{phase.name} {i}",
                    "body": "",
                    "refs": [],
                }
                r = await self.post_signed(http, "blue", "/messages", "message", content)
                if r.status_code == 201:
                    phase.sent[r.json()["id"]] = t0
                else:
                    phase.failed += 1
            await asyncio.sleep(1.0)  # the last ones arrive

    async def measure(self, name: str, count: int) -> Phase:
        phase = self.phase = Phase(name)
        await self.blue_sender(phase, count, 0.1)
        return phase


# ---- red's flood ---------------------------------------------------------------------------


async def _raw(port: int) -> tuple[asyncio.StreamReader, asyncio.StreamWriter]:
    return await asyncio.open_connection("127.0.0.1", port, local_addr=(ADDR["red"], 0))


async def red_streams(run: Run, flood: Flood, attempts: int, stop: asyncio.Event) -> None:
    port, token = run.server.port, run.dep.tokens["red"]
    gate = asyncio.Semaphore(100)
    held: list[asyncio.Task[None]] = []

    async def drain(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            while not stop.is_set() and await reader.read(65536):
                pass
        finally:
            writer.close()

    async def attempt() -> None:
        async with gate:
            try:
                reader, writer = await _raw(port)
                writer.write(
                    f"GET /stream HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer {token}"
                    "\r\n\r\n".encode()
                )
                status = (await asyncio.wait_for(reader.readline(), 30)).split(b" ")
            except (OSError, TimeoutError):
                flood.stream_other += 1
                return
            code = status[1] if len(status) > 1 else b"?"
            if code == b"200":
                flood.stream_granted += 1
                held.append(asyncio.create_task(drain(reader, writer)))
            else:
                flood.stream_refused += code == b"429"
                flood.stream_other += code != b"429"
                writer.close()

    await asyncio.gather(*(attempt() for _ in range(attempts)))
    await stop.wait()
    for t in held:
        t.cancel()


async def red_slow_headers(run: Run, flood: Flood, count: int, limit_s: float) -> None:
    """Slowloris: a header line a second, never the blank line; timed until the server
    closes the connection (bounded by `limit_s`)."""
    port = run.server.port

    async def one() -> None:
        t0 = time.monotonic()
        try:
            reader, writer = await _raw(port)
            writer.write(b"GET /health HTTP/1.1\r\nHost: x\r\n")
            while time.monotonic() - t0 < limit_s:
                try:
                    if await asyncio.wait_for(reader.read(65536), 1.0) == b"":
                        break
                except TimeoutError:
                    writer.write(b"X-Slow: 1\r\n")
                    continue
            else:
                flood.slow_open += 1
                writer.close()
                return
            writer.close()
        except OSError:
            pass
        flood.slow_closed_s.append(time.monotonic() - t0)

    await asyncio.gather(*(one() for _ in range(count)))


def _notice(now: datetime) -> dict[str, Any]:
    start = now + timedelta(hours=2, minutes=random.uniform(0, 600))
    return {
        "type": "Feature",
        "geometry": {
            "type": "Point",
            "coordinates": [random.uniform(30, 35), random.uniform(32, 35)],
        },
        "properties": {
            "domain": "air",
            "radius_m": random.uniform(2000, 20000),
            "alt_lower_ft": 0,
            "alt_upper_ft": 10000,
            "start": start.isoformat(),
            "end": (start + timedelta(hours=1)).isoformat(),
        },
    }


async def red_writes(run: Run, flood: Flood, stop: asyncio.Event) -> None:
    """Signed notices and AIS batches from four clients, as fast as 429s let them."""
    feed = AIS.read_bytes() if AIS.exists() else b"!AIVDM,1,1,,B,,0*25\n" * 2000
    async with _client("red", run.dep, run.server.url, conns=8) as http:

        async def notices() -> None:
            while not stop.is_set():
                body = notice_body(_notice(datetime.now(UTC)))
                r = await run.post_signed(http, "red", "/notices", "notice", body)
                flood.codes[f"notice {r.status_code}"] += 1
                if r.status_code == 429:
                    await asyncio.sleep(0.01)

        async def feeds() -> None:
            while not stop.is_set():
                r = await http.post(
                    "/feeds/ais", content=feed, headers={"content-type": "text/plain"}
                )
                flood.codes[f"feed {r.status_code}"] += 1
                if r.status_code == 429:
                    await asyncio.sleep(0.01)

        await asyncio.gather(notices(), notices(), feeds(), feeds())


# ---- the run ------------------------------------------------------------------------------


def vm_hwm_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return math.nan


async def run_all(run: Run, args: argparse.Namespace) -> tuple[Phase, Phase, Flood]:
    ready = asyncio.Event()
    reader = asyncio.create_task(run.green_reader(ready))
    await asyncio.wait_for(ready.wait(), 10)
    base = await run.measure("baseline", args.messages)

    flood, stop = Flood(), asyncio.Event()
    slow_limit = args.header_timeout + 10
    tasks = [
        asyncio.create_task(red_streams(run, flood, args.streams, stop)),
        asyncio.create_task(red_slow_headers(run, flood, args.slow, slow_limit)),
        asyncio.create_task(red_writes(run, flood, stop)),
    ]
    await asyncio.sleep(0.5)  # the flood is on
    flooded = await run.measure("flood", args.messages)
    stop.set()
    await asyncio.wait_for(asyncio.gather(*tasks), slow_limit + 30)
    reader.cancel()
    return base, flooded, flood


def ledger_once(db: Path, answered: set[str]) -> tuple[bool, int]:
    store = open_store(db)
    try:
        nonces = Counter(
            e["event"]["envelope"]["nonce"]
            for e in store.ledger_entries()
            if "envelope" in e["event"]
        )
    finally:
        store.close()
    return answered <= set(nonces) and all(n == 1 for n in nonces.values()), len(answered)


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--quick", action="store_true", help="2 s phases, small flood (smoke test)")
    p.add_argument("--strict", action="store_true", help="exit 1 when a target is missed")
    p.add_argument("--keep", action="store_true", help="keep the work directory")
    p.add_argument(
        "--limit",
        action="append",
        default=[],
        metavar="KEY=VALUE",
        help="a [server] limit other than the default (e.g. bytes_per_s=262144)",
    )
    args = p.parse_args()
    args.messages = 20 if args.quick else 100  # one every 100 ms
    args.streams = 100 if args.quick else 2000
    args.slow = 20 if args.quick else 200
    args.header_timeout = 2.0 if args.quick else 5.0

    work = Path(tempfile.mkdtemp(prefix="interlock-abuse-"))
    _, tokens, files = init_with_keys(work, agreement_text(args.header_timeout, args.limit))
    dep = Deployment(work, tokens, {p: read_private(f) for p, f in files.items()})
    try:
        with Server(work) as server:
            signer = {p: Client(server.url, dep.tokens[p], p, dep.keys[p]) for p in dep.tokens}
            run = Run(dep, server, signer)
            t0 = time.monotonic()
            base, flooded, flood = asyncio.run(run_all(run, args))
            elapsed = time.monotonic() - t0
            rss = vm_hwm_mb(server.pid)
            cpu = server.cpu_seconds()
        ok_ledger, answered = ledger_once(work / "interlock.db", run.answered)
    finally:
        if not args.keep:
            shutil.rmtree(work, ignore_errors=True)
    return report(args, base, flooded, flood, rss, cpu, elapsed, ok_ledger, answered)


def report(
    args: argparse.Namespace,
    base: Phase,
    flooded: Phase,
    flood: Flood,
    rss: float,
    cpu: float,
    elapsed: float,
    ok_ledger: bool,
    answered: int,
) -> int:
    limits = DEFAULT_SERVER_LIMITS
    if args.limit:
        console.print("[server] limits set: " + ", ".join(args.limit), highlight=False)
    t = Table(
        title="blue -> green flash messages every 100 ms, read on green's stream "
        "(one server process; client and server share the cores)"
    )
    for col in ("phase", "sent", "arrived", "p50 ms", "p99 ms", "max ms"):
        t.add_column(col, justify="left" if col == "phase" else "right")
    for ph in (base, flooded):
        lat = ph.latencies_ms()
        t.add_row(
            ph.name,
            str(len(ph.sent)),
            str(len(lat)),
            f"{percentile(lat, 50):.1f}",
            f"{percentile(lat, 99):.1f}",
            f"{max(lat, default=math.nan):.1f}",
        )
    b99, f99 = percentile(base.latencies_ms(), 99), percentile(flooded.latencies_ms(), 99)
    b50, f50 = percentile(base.latencies_ms(), 50), percentile(flooded.latencies_ms(), 50)
    t.add_row("flood / baseline", "", "", f"{f50 / b50:.2f}x", f"{f99 / b99:.2f}x", "")
    console.print(t)

    f = Table(title="red's flood (from 127.0.0.3)")
    f.add_column("what")
    f.add_column("size", justify="right")
    f.add_column("outcome")
    f.add_row(
        "push streams asked",
        f"{args.streams:,}",
        f"{flood.stream_granted} granted (cap {limits.streams_per_party}), "
        f"{flood.stream_refused:,} refused 429, {flood.stream_other} other",
    )
    closed = flood.slow_closed_s
    f.add_row(
        "slow-header connections",
        f"{args.slow}",
        f"{len(closed)} closed by the server (timeout {args.header_timeout:g} s; "
        f"p50 {percentile(closed, 50):.1f} s, max {max(closed, default=math.nan):.1f} s)"
        f", {flood.slow_open} still open",
    )
    for kind in ("notice", "feed"):
        got = {k.split()[1]: v for k, v in flood.codes.items() if k.startswith(kind)}
        f.add_row(
            f"{kind}s posted",
            f"{sum(got.values()):,}",
            ", ".join(f"{v:,} x {c}" for c, v in sorted(got.items())),
        )
    f.add_row("server peak RSS (VmHWM)", f"{rss:,.0f} MB", f"server CPU {cpu:.1f} s")
    f.add_row(
        "ledger",
        f"{answered:,} writes answered 2xx",
        "each in the ledger once" if ok_ledger else "[red]MISMATCH[/]",
    )
    f.add_row("wall time", f"{elapsed:.1f} s", "")
    console.print(f)

    targets = Table(title="targets")
    targets.add_column("target")
    targets.add_column("measured")
    targets.add_column("met")
    rows = [
        ("flood p99 <= 2x baseline p99", f"{f99 / b99:.2f}x", f99 <= 2 * b99),
        ("flood p99 <= 100 ms", f"{f99:.1f} ms", f99 <= 100),
        ("server RSS <= 1 GB", f"{rss:,.0f} MB", rss <= 1024),
    ]
    for name, value, met in rows:
        targets.add_row(
            name, value, ("yes" if met else "no") + (" (quick: not judged)" if args.quick else "")
        )
    console.print(targets)

    lost = any(len(ph.latencies_ms()) != len(ph.sent) or ph.failed for ph in (base, flooded))
    if lost or not ok_ledger:
        console.print("[red]unsound: a message was refused or lost, or the ledger is wrong[/]")
        return 2
    if args.strict and not args.quick and not all(met for *_, met in rows):
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
