"""A real interlock deployment for benchmarks: a directory set up the way `interlock init`
sets one up, fresh Ed25519 keys listed in its agreement, and `interlock serve` running as
a child process on loopback with the real clock.

    dep = create_deployment(OUT / "work" / "hotline", ("blue", "red"))
    with Server(dep.directory) as server:          # python -m interlock.cli serve DIR --port P
        ... server.url, server.port, server.cpu_seconds() ...

`attach_py_spy(server.pid, FILE, seconds)` samples the running server with py-spy
(collapsed stacks); `top_frames(FILE)` and `top_self(FILE)` summarise them.
"""

from __future__ import annotations

import os
import re
import signal
import socket
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from types import TracebackType
from typing import Any

import httpx
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from interlock.codec.keys import public_text
from interlock.ledger.keys import read_private
from interlock.model.agreement import EXAMPLE_AGREEMENT
from interlock.service.bootstrap import init_with_keys

# The agreement the benchmarks and tests run under: `interlock init`'s example (parties
# blue and red, its rules and hotline clauses), with signatures required.
AGREEMENT_TEXT = EXAMPLE_AGREEMENT.replace(
    "require_signatures = false", "require_signatures = true"
) + (
    # The benchmarks measure capacity (one party at 500 msg/s), not fair share: each party
    # may write flat out (bench/abuse.py runs under the default limits).
    "\n[server]\nrequests_per_s = 1e6\nrequest_burst = 1000000\n"
    "bytes_per_s = 1e9\nbyte_burst = 1000000000\nstreams_per_party = 1000\n"
    "anon_requests_per_s = 1e6\nanon_request_burst = 1000000\n"
)
PARTIES = ("blue", "red")


@dataclass
class Deployment:
    directory: Path
    tokens: dict[str, str]  # party -> API token (only its SHA-256 is on disk)
    keys: dict[str, Ed25519PrivateKey]  # party -> signing key (also in DIR/keys/PARTY.key)

    @property
    def public_keys(self) -> dict[str, list[str]]:
        return {p: [public_text(k.public_key())] for p, k in self.keys.items()}

    def key_file(self, party: str) -> Path:
        return self.directory / "keys" / f"{party}.key"


def create_deployment(directory: Path) -> Deployment:
    """A new deployment directory made as `interlock demo` makes one (`init_with_keys`):
    agreement.toml listing fresh keys of blue and red, token hashes, the private keys."""
    _, tokens, files = init_with_keys(directory, AGREEMENT_TEXT)
    return Deployment(directory, tokens, {p: read_private(f) for p, f in files.items()})


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def cpu_seconds(pid: int) -> float:
    """User + system CPU time of a process (all its threads) so far."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def py_spy() -> str | None:
    here = Path(sys.executable).parent / "py-spy"
    if here.exists():
        return str(here)
    from shutil import which

    return which("py-spy")


class Server:
    """`interlock serve DIR` as a child process (uvicorn, one worker, as shipped)."""

    def __init__(
        self,
        directory: Path,
        *,
        port: int | None = None,
        log: Path | None = None,
        startup_timeout: float = 30.0,
    ) -> None:
        self.directory = directory
        self.port = port or free_port()
        self.log = log or directory / "server.log"
        self.startup_timeout = startup_timeout
        self.proc: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def command(self) -> list[str]:
        cmd = [sys.executable, "-m", "interlock.cli", "serve", str(self.directory)]
        return [*cmd, "--port", str(self.port)]

    def start(self) -> Server:
        with self.log.open("ab") as log:
            self.proc = subprocess.Popen(self.command(), stdout=log, stderr=subprocess.STDOUT)
        deadline = time.monotonic() + self.startup_timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"server exited with {self.proc.returncode}: {self.tail()}")
            try:
                if httpx.get(self.url + "/health", timeout=1.0).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            time.sleep(0.05)
        else:
            self.kill()
            raise RuntimeError(f"server did not become healthy: {self.tail()}")
        return self

    def tail(self, chars: int = 3000) -> str:
        try:
            return self.log.read_text(errors="replace")[-chars:]
        except OSError:
            return ""

    @property
    def pid(self) -> int:
        assert self.proc is not None
        return self.proc.pid

    def cpu_seconds(self) -> float:
        return cpu_seconds(self.pid)

    def stop(self, timeout: float = 15.0) -> None:
        """Graceful stop (SIGTERM: uvicorn shuts down)."""
        if self.proc is None or self.proc.poll() is not None:
            return
        self.proc.terminate()
        try:
            self.proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            self.kill()

    def kill(self) -> None:
        """SIGKILL: no shutdown at all, as in a crash or a power cut of the process."""
        if self.proc is None or self.proc.poll() is not None:
            return
        self.proc.send_signal(signal.SIGKILL)
        self.proc.wait(timeout=10)

    def __enter__(self) -> Server:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()


def attach_py_spy(pid: int, out: Path, seconds: float, rate: int = 100) -> subprocess.Popen[bytes]:
    """py-spy sampling a running process (without pausing it) for `seconds`; collapsed
    stacks go to `out` when it ends (wait on the returned process)."""
    spy = py_spy()
    if spy is None:
        raise RuntimeError("py-spy is not installed (pip install -e '.[bench]')")
    cmd = [spy, "record", "--nonblocking", "-r", str(rate), "-d", str(max(1, round(seconds)))]
    cmd += ["-f", "raw", "-o", str(out), "--pid", str(pid)]
    return subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)


def _stacks(raw: Path) -> Iterator[tuple[list[str], int]]:
    """(frames root first, samples) of py-spy's raw (collapsed) output, each frame as
    "function (file)" without its line number, so the lines of a function add up."""
    for line in raw.read_text(errors="replace").splitlines():
        stack, _, n = line.rpartition(" ")
        if stack and n.isdigit():
            yield [_LINE.sub(")", f) for f in stack.split(";")], int(n)


_LINE = re.compile(r":\d+\)$")


def top_frames(
    raw: Path, limit: int = 25, only: str = ""
) -> tuple[int, list[tuple[str, int, int]]]:
    """(samples, [(function, self samples, inclusive samples)]) by inclusive samples, for
    the functions whose "function (file)" contains `only`; py-spy samples busy threads
    only (its default), so these are shares of the time the server was doing something."""
    own: Counter[str] = Counter()
    incl: Counter[str] = Counter()
    total = 0
    for frames, count in _stacks(raw):
        total += count
        own[frames[-1]] += count
        for f in set(frames):
            incl[f] += count
    rows = [(f, own[f], c) for f, c in incl.most_common() if only in f][:limit]
    return total, rows


def top_self(raw: Path, limit: int = 25) -> list[tuple[str, int]]:
    """Functions by self samples (where the time is spent, not what calls it)."""
    own: Counter[str] = Counter()
    for frames, count in _stacks(raw):
        own[frames[-1]] += count
    return own.most_common(limit)


def shares(raw: Path, probes: dict[str, str]) -> tuple[int, dict[str, int]]:
    """(samples, {name: samples of stacks holding a frame that contains probes[name]})."""
    found: Counter[str] = Counter()
    total = 0
    for frames, count in _stacks(raw):
        total += count
        stack = ";".join(frames)
        for name, probe in probes.items():
            if probe in stack:
                found[name] += count
    return total, {name: found[name] for name in probes}


def profile_tables(
    raw: Path, probes: dict[str, str], functions: int = 25, selfs: int = 20
) -> list[Any]:
    """Rich tables of a py-spy run (empty if it holds no sample): the share of samples of
    each part in `probes`, interlock's functions by inclusive samples, and every function
    by self samples."""
    from rich.table import Table

    total, parts = shares(raw, probes) if raw.exists() else (0, {})
    if not total:
        return []
    t = Table(
        title=f"py-spy: where the server's busy time goes ({total:,} samples, {raw})",
        title_justify="left",
        caption="shares of samples whose stack holds the part's frame (parts overlap)",
        caption_justify="left",
    )
    t.add_column("part")
    t.add_column("% of samples", justify="right")
    for name, n in parts.items():
        t.add_row(name, f"{100 * n / total:.1f}")
    tables = [t]
    _, rows = top_frames(raw, 40, only="interlock/")
    rows = [r for r in rows if "interlock/cli/" not in r[0]][:functions]  # serve() itself
    t = Table(title="py-spy: interlock functions by inclusive samples", title_justify="left")
    for col in ("function", "self %", "inclusive %"):
        t.add_column(col, justify="left" if col == "function" else "right")
    for frame, own, incl in rows:
        t.add_row(frame, f"{100 * own / total:.1f}", f"{100 * incl / total:.1f}")
    tables.append(t)
    t = Table(title="py-spy: all functions by self samples", title_justify="left")
    for col in ("function", "self %"):
        t.add_column(col, justify="left" if col == "function" else "right")
    for frame, own in top_self(raw, selfs):
        t.add_row(frame, f"{100 * own / total:.1f}")
    tables.append(t)
    return tables
