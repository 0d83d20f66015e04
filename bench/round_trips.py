"""Round trips and time a group-commit batch costs under the write lock on PostgreSQL,
with the store's deferred writes (one pipeline a read; issue 20 step 1) against the same
code sending every statement on its own (the baseline, in the same process).

For each batch size and each mode: a fresh database, the services of a fresh deployment
(bench/deployment.py: blue and red, fresh Ed25519 keys), and `--batches` batches of signed
hotline messages (blue -> red), then of signed notices (circles in separate sea areas: no
conflicts), applied as the server's group commit applies them (`Batcher.apply_prepared`,
envelopes signed and prepared beforehand: only the transaction is timed). Round trips are
counted from libpq's own protocol trace (each ReadyForQuery the server sends ends one).

    .venv/bin/python bench/round_trips.py            # batches of 1, 8, 32, 128
    .venv/bin/python bench/round_trips.py --quick    # 1 and 32, few batches
"""

from __future__ import annotations

import argparse
import re
import statistics
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from rich.console import Console
from rich.table import Table
from sqlalchemy import event

from deployment import create_deployment
from interlock.ledger.envelope import sign
from interlock.ledger.statements import notice_body
from interlock.model.agreement import load_agreement
from interlock.service.batch import Batcher
from interlock.service.clock import utc_now
from interlock.service.hotline import HotlineOp
from interlock.service.notices import WriteOp
from interlock.service.root import build_services
from interlock.store import open_store, postgres
from scale import admin_url, ensure_cluster, fresh_database, notice_feature

console = Console(width=200)
_READY = re.compile(rb"^B\t\d+\tReadyForQuery", re.M)


class Trace:
    """libpq's protocol trace of every connection the store checks out."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.file = path.open("w")

    def attach(self, dbapi_conn: Any, *_: Any) -> None:
        import psycopg

        dbapi_conn.pgconn.trace(self.file.fileno())
        dbapi_conn.pgconn.set_trace_flags(
            psycopg.pq.Trace.SUPPRESS_TIMESTAMPS | psycopg.pq.Trace.REGRESS_MODE
        )

    @staticmethod
    def detach(dbapi_conn: Any, *_: Any) -> None:
        dbapi_conn.pgconn.untrace()

    def round_trips(self) -> int:
        self.file.flush()
        count = len(_READY.findall(self.path.read_bytes()))
        self.file.truncate(0)
        self.file.seek(0)
        return count


@contextmanager
def one_by_one() -> Iterator[None]:
    """The baseline: nothing deferred (every statement waits for its answer)."""
    real = postgres.start_deferring
    postgres.start_deferring = lambda conn: None  # type: ignore[assignment]
    try:
        yield
    finally:
        postgres.start_deferring = real  # type: ignore[assignment]


def ops_for(kind: str, dep: Any, n: int, base: int) -> list[Any]:
    now = utc_now()
    if kind == "message":
        body = {"to": ["red"], "priority": "routine", "subject": "s", "body": "hello"}
        return [
            HotlineOp("message", "blue", sign("message", "blue", body, dep.keys["blue"], now))
            for _ in range(n)
        ]
    out = []
    for i in range(n):
        feature = notice_feature("blue", base + i)
        env = sign("notice", "blue", notice_body(feature), dep.keys["blue"], now)
        out.append(WriteOp("submit", "blue", feature=env))
    return out


def run(
    kind: str, size: int, batches: int, baseline: bool, work: Path
) -> tuple[float, float, float]:
    """(round trips a batch, ms a batch p50, ms a batch p90) of one mode."""
    admin = admin_url()
    dep = create_deployment(work / f"{kind}-{size}-{baseline}")
    agreement = load_agreement(dep.directory / "agreement.toml")
    with fresh_database(admin) as url, one_by_one() if baseline else _nothing():
        store = open_store(url)
        try:
            services = build_services(store, agreement)
            batcher = Batcher(store, {HotlineOp: services.hotline, WriteOp: services.notices})
            trace = Trace(work / "libpq.trace")
            for engine in (store._engine, store._writes):  # readers' pool, writer's own
                event.listen(engine, "checkout", trace.attach)
                event.listen(engine, "checkin", trace.detach)
            trips, times = [], []
            for b in range(batches + 1):
                ops = ops_for(kind, dep, size, b * size)
                prepared = [batcher.prepare(op) for op in ops]
                assert not [p for p in prepared if isinstance(p, Exception)], prepared[:1]
                trace.round_trips()
                t0 = time.perf_counter()
                results = batcher.apply_prepared(ops, prepared)
                took = time.perf_counter() - t0
                assert not [r for r in results if isinstance(r, Exception)], results[:1]
                if b:  # the first warms pools and caches
                    trips.append(trace.round_trips())
                    times.append(took * 1000)
        finally:
            store.close()
    times.sort()
    return statistics.mean(trips), times[len(times) // 2], times[int(len(times) * 0.9)]


@contextmanager
def _nothing() -> Iterator[None]:
    yield


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--sizes", default="1,8,32,128")
    ap.add_argument("--batches", type=int, default=30)
    ap.add_argument("--quick", action="store_true")
    args = ap.parse_args()
    if args.quick:
        args.sizes, args.batches = "1,32", 5
    ensure_cluster(admin_url())
    table = Table(title="a group-commit batch on PostgreSQL: one by one vs deferred (pipelined)")
    for col in (
        "writes",
        "batch",
        "round trips one by one",
        "deferred",
        "ms p50 one by one",
        "deferred",
        "ratio",
        "ms p90 one by one",
        "deferred",
    ):
        table.add_column(col, justify="right" if col != "writes" else "left")
    with tempfile.TemporaryDirectory() as tmp:
        for kind in ("message", "notice"):
            for size in (int(s) for s in args.sizes.split(",")):
                base = run(kind, size, args.batches, True, Path(tmp))
                new = run(kind, size, args.batches, False, Path(tmp))
                console.print(f"{kind} x{size}: {base} -> {new}")
                table.add_row(
                    f"signed {kind}s",
                    str(size),
                    f"{base[0]:.1f}",
                    f"{new[0]:.1f}",
                    f"{base[1]:.1f}",
                    f"{new[1]:.1f}",
                    f"{base[1] / new[1]:.2f}x",
                    f"{base[2]:.1f}",
                    f"{new[2]:.1f}",
                )
    console.print(table)


if __name__ == "__main__":
    main()
