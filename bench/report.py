"""After-action report benchmark: `interlock report --from T --to T` over a busy hour.

1. Makes a deployment (blue and red, signatures required: `deployment.py`) and starts a
   real `interlock serve`.
2. Fills one hour's worth of record through the API, as the parties would: each party
   files `--notices` signed notices (each of red's near one of blue's, so conflicts and
   their system messages are detected and announced), and blue sends `--messages`
   signed hotline messages to red, each delivered and acknowledged by red's signed
   receipts.
3. Times the report as blue, end to end (`python -m interlock.cli report`, a process per
   run, start-up included) over the period holding all of it: the *baseline* writes the
   HTML and the bundle only (`--no-pdf`: reading the ledger, one inclusion proof per
   entry cited, the drawings); *with PDF* adds Chromium's printing. Target: a one-hour
   report in <= 10 s (issue 18).

The table gives the sizes (ledger entries, entries cited, messages, the files' bytes, the
PDF's pages) and each variant's median and worst of `--runs` runs. The bundle is checked
with `interlock audit verify --bundle` after each run (exit status 2 if it fails: the
timing would be of a wrong report).

Run ``python bench/report.py --quick`` for a smoke test (~20 s).
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import statistics
import subprocess
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from rich.console import Console
from rich.table import Table

from deployment import Deployment, Server, create_deployment
from interlock.client import Client

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "bench" / "out"
TARGET_S = 10.0  # a one-hour report (issue 18's benchmark)
console = Console(width=max(120, Console().width))


def notice(lon: float, lat: float, start: datetime, callsign: str) -> dict[str, Any]:
    return {
        "type": "Feature",
        "geometry": {"type": "Point", "coordinates": [lon, lat]},
        "properties": {
            "domain": "air",
            "radius_m": 8000.0,
            "fl_lower": 100,
            "fl_upper": 200,
            "start": start.isoformat(),
            "end": (start + timedelta(hours=2)).isoformat(),
            "callsign": callsign,
        },
    }


def fill(url: str, dep: Deployment, notices: int, messages: int) -> None:
    """One busy hour of record, through the API."""
    start = datetime.now(UTC).replace(microsecond=0) + timedelta(hours=3)
    blue = Client(url, dep.tokens["blue"], "blue", dep.keys["blue"])
    red = Client(url, dep.tokens["red"], "red", dep.keys["red"])
    with blue, red:
        for i in range(notices):
            lon, lat = 30.0 + (i % 10) * 0.5, 33.0 + (i // 10) * 0.5
            blue.submit_notice(notice(lon, lat, start, f"BLUE{i}"))
            near = 0.05 if i % 2 == 0 else 0.25  # both within 5 NM of blue's edge: conflicts
            red.submit_notice(notice(lon + near, lat, start, f"RED{i}"))
        for i in range(messages):
            sent = blue.send("red", f"transit {i}", "FL150 eastbound", priority="urgent")
            red.deliver(sent["id"])
            red.ack(sent["id"], reply="Understood")


def run_report(url: str, token: str, out: Path, period: list[str], pdf: bool) -> float:
    shutil.rmtree(out, ignore_errors=True)
    cmd = [sys.executable, "-m", "interlock.cli", "report", "--url", url, *period]
    cmd += ["--out", str(out), "--pdf" if pdf else "--no-pdf"]
    t = time.perf_counter()
    done = subprocess.run(
        cmd, capture_output=True, text=True, env={**os.environ, "INTERLOCK_TOKEN": token}
    )
    elapsed = time.perf_counter() - t
    if done.returncode != 0:
        console.print(done.stdout[-2000:], done.stderr[-2000:], markup=False)
        raise SystemExit(2)
    check = subprocess.run(
        [
            sys.executable,
            "-m",
            "interlock.cli",
            "audit",
            "verify",
            "--bundle",
            str(out / "bundle.json"),
            "--log-key",
            LOG_KEY[0],
        ],
        capture_output=True,
        text=True,
    )
    if check.returncode != 0:
        console.print("bundle did not verify:", check.stdout, check.stderr, markup=False)
        raise SystemExit(2)
    return elapsed


LOG_KEY: list[str] = []


def pages(pdf: Path) -> str:
    info = subprocess.run(["pdfinfo", str(pdf)], capture_output=True, text=True)
    found = re.search(r"Pages:\s+(\d+)", info.stdout)
    return found.group(1) if found else "?"


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument("--notices", type=int, default=100, help="notices per party")
    ap.add_argument("--messages", type=int, default=300, help="blue's messages to red")
    ap.add_argument("--runs", type=int, default=3, help="runs of each variant")
    ap.add_argument("--quick", action="store_true", help="a smoke test: small and one run")
    args = ap.parse_args(argv)
    # The server and the report run this checkout's code (a worktree's too), not whatever
    # `interlock` the environment has installed.
    os.environ["PYTHONPATH"] = os.pathsep.join(
        p for p in (str(ROOT / "src"), os.environ.get("PYTHONPATH")) if p
    )
    if args.quick:
        args.notices, args.messages, args.runs = 6, 10, 1
    load = os.getloadavg()
    work = OUT / "work" / "report"
    shutil.rmtree(work, ignore_errors=True)
    dep = create_deployment(work / "deploy")
    with Server(dep.directory) as server:
        t = time.perf_counter()
        fill(server.url, dep, args.notices, args.messages)
        filled = time.perf_counter() - t
        with Client(server.url, dep.tokens["blue"], "blue") as blue:
            cp = blue.call("GET", "/checkpoint.json")
            LOG_KEY.append(cp["log_key"])
            mine = blue.call("GET", "/messages", params={"box": "all", "limit": 1000})
        now = datetime.now(UTC)
        period = ["--from", (now - timedelta(hours=1)).isoformat(), "--to", now.isoformat()]
        times: dict[str, list[float]] = {"HTML + bundle (baseline)": [], "HTML + bundle + PDF": []}
        for _ in range(args.runs):
            for label, pdf in zip(times, (False, True), strict=True):
                times[label].append(
                    run_report(server.url, dep.tokens["blue"], work / "out", period, pdf)
                )
    out = work / "out"
    cited = int(re.search(rb'"count":\s*(\d+)', (out / "bundle.json").read_bytes()).group(1))  # type: ignore[union-attr]
    sizes = Table(title=f"One hour of record (filled through the API in {filled:.1f} s)")
    for col in (
        "ledger entries",
        "entries cited",
        "messages",
        "bundle.json",
        "report.html",
        "report.pdf",
        "PDF pages",
    ):
        sizes.add_column(col, justify="right")
    sizes.add_row(
        f"{cp['size']:,}",
        f"{cited:,}",
        f"{len(mine):,}",
        f"{(out / 'bundle.json').stat().st_size / 1024:,.0f} KiB",
        f"{(out / 'report.html').stat().st_size / 1024:,.0f} KiB",
        f"{(out / 'report.pdf').stat().st_size / 1024:,.0f} KiB",
        pages(out / "report.pdf"),
    )
    console.print(sizes)
    table = Table(
        title=f"interlock report --from --to (one hour), as blue; target <= {TARGET_S:g} s"
    )
    for col in ("variant", "runs", "median s", "worst s", "target: median / worst"):
        table.add_column(col, justify="right" if col != "variant" else "left")

    def verdict(value: float) -> str:
        return "met" if value <= TARGET_S else "MISSED"

    for label, values in times.items():
        median = statistics.median(values)
        table.add_row(
            label,
            str(len(values)),
            f"{median:.2f}",
            f"{max(values):.2f}",
            f"{verdict(median)} / {verdict(max(values))}",
        )
    console.print(table)
    console.print(
        f"{os.cpu_count()} cores shared by the server, the report and Chromium (load average "
        f"{load[0]:.1f} before, {os.getloadavg()[0]:.1f} after: other work on the machine "
        "counts); each run is a new process (start-up included) and its bundle verified "
        "after it (not timed)."
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
