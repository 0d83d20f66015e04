"""Failover with nothing lost: kill -9 of the primary database under load.

`scripts/ha` runs 3 etcd members and Patroni with a primary and one synchronous standby
(strict: a commit returns only once the standby has it). One `interlock serve` process
reaches it by the multi-host URL (`target_session_attrs=read-write`). Sender threads of
three parties post signed notices and messages through it (the load test's senders: a
failed attempt is sent again byte for byte, so the replay refusal settles a write whose
answer was lost); one party keeps a live push stream open. A few seconds in, the
primary's postmaster is killed with SIGKILL: Patroni promotes the standby, libpq finds it,
the senders keep retrying.

Afterwards: the standby is the primary; every write answered 2xx (or refused as a replay
of an attempt whose answer was lost) is in the ledger exactly once with the envelope sent,
and nothing else is; the ledger is one gap-free chain that `verify_chain` accepts; the
only answers other than 2xx were transport errors and 503 store_unavailable, after the
kill; the live stream got every write its party may see exactly once, in order. The
seconds from the kill to the first 2xx committed on the new primary are printed (the
benchmark, bench/failover.py, judges them).
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from tests.scale.test_load_faults import (
    GIVE_UP_S,
    PARTIES,
    Run,
    Subscriber,
    Write,
    agreement_text,
    check_subscribers,
    sender,
    verified_ledger,
)
from tests.servers import ServerProcess

from interlock.codec.keys import public_text
from interlock.ledger.keys import new_private
from interlock.service.bootstrap import init_directory

pytestmark = [pytest.mark.slow, pytest.mark.server, pytest.mark.scale]

SCRIPT = Path(__file__).resolve().parents[2] / "scripts" / "ha"
THREADS = 4  # sender threads, parties taken in turn
STEADY_S = 3.0  # load before the kill
AFTER_S = 3.0  # load after the first 2xx on the new primary
FAILOVER_LIMIT_S = 30.0  # no 2xx on a new primary this long after the kill: failed


@dataclass
class HaSet:
    """A `scripts/ha` set of the test's own (its directory and ports)."""

    env: dict[str, str]
    url: str

    def script(self, verb: str) -> str:
        done = subprocess.run(
            [str(SCRIPT), verb], env=self.env, check=True, timeout=120, capture_output=True
        )
        return done.stdout.decode().strip()

    def primary(self) -> tuple[str, int]:
        """The primary's member name and its postmaster's pid."""
        name, _, pid = self.script("primary").split()
        return name, int(pid)


@pytest.fixture(scope="module")
def ha_set() -> Iterator[HaSet]:
    if not (shutil.which("etcd") and shutil.which("patroni")):
        pytest.skip(
            "no etcd/patroni: `scripts/ha install` installs Debian's etcd-server and patroni "
            "(as root or with sudo; scripts/test does it)"
        )
    base = 56000 + 40 * (os.getpid() % 100)  # clear of another run's set
    env = {
        **os.environ,
        "INTERLOCK_HA_DIR": f"/tmp/interlock-ha-test-{os.getpid()}",
        "INTERLOCK_HA_PORT": str(base),
    }
    ha = HaSet(env, "")
    try:
        ha.url = ha.script("start")
        yield ha
    finally:
        ha.script("stop")


def first_2xx_after(run: Run, at: float) -> float | None:
    """When the first write committed on the new primary was answered 2xx: the first 2xx
    after the kill was felt (the first failure after `at`) of a write begun after that, or
    one retried there (beyond a twin's deliberate second send). A write begun between the
    kill's call and the old primary's death may still commit there (and, synchronous, on
    the standby too): it is not the new primary's answer."""
    felt = min((f.at for f in run.failures if f.at >= at), default=None)
    if felt is None:
        return None
    ends = [
        w.ended
        for w in run.writes
        if w.outcome == "ok"
        and w.ended > felt
        and (w.started >= felt or w.attempts > (2 if w.twin else 1))
    ]
    return min(ends, default=None)


def test_kill_9_of_the_primary_database_loses_no_write(ha_set: HaSet, tmp_path: Path) -> None:
    directory = tmp_path / "theatre"
    keys = {p: new_private() for p in PARTIES}
    public = {p: public_text(k.public_key()) for p, k in keys.items()}
    _, tokens = init_directory(directory, agreement_text(public))
    old_primary, postmaster = ha_set.primary()

    server = ServerProcess(directory, db=ha_set.url).wait_healthy()
    run = Run(time.monotonic(), [server.url])
    stream = Subscriber(server.url, tokens["red"], "red", run.t0)
    stop = threading.Event()
    threads = [
        threading.Thread(target=sender, args=(run, k, p, tokens[p], keys[p], stop), daemon=True)
        for k, p in ((k, PARTIES[k % len(PARTIES)]) for k in range(THREADS))
    ]
    try:
        for t in threads:
            t.start()
        time.sleep(STEADY_S)
        kill_at = run.now()
        os.kill(postmaster, signal.SIGKILL)
        deadline = time.monotonic() + FAILOVER_LIMIT_S
        while (first := first_2xx_after(run, kill_at)) is None and time.monotonic() < deadline:
            time.sleep(0.05)
        assert first is not None, f"no 2xx within {FAILOVER_LIMIT_S} s of the kill"
        time.sleep(AFTER_S)
        stop.set()
        for t in threads:
            t.join(timeout=GIVE_UP_S + 15)
        assert not any(t.is_alive() for t in threads), "a sender did not finish"
        new_primary, _ = ha_set.primary()
        print(
            f"\nkill -9 of {old_primary}'s postmaster at {kill_at:.1f} s; first 2xx on "
            f"{new_primary} {first - kill_at:.2f} s later; {len(run.writes)} writes, "
            f"{sum(w.attempts > (2 if w.twin else 1) for w in run.writes)} retried, "
            f"{sum(w.outcome == 'replayed' for w in run.writes)} settled by a replay refusal"
        )
        assert new_primary != old_primary  # the standby was promoted

        # Only transport errors and 503s, and only once the primary was gone.
        unexpected = [
            f
            for f in run.failures
            if not (f.what.startswith("transport") or f.what.startswith("HTTP 503"))
            or f.at < kill_at
        ]
        assert not unexpected, [(round(f.at, 2), f.what) for f in unexpected[:10]]
        assert any(f.at >= kill_at for f in run.failures)  # the kill was felt
        assert not [w for w in run.writes if w.outcome not in ("ok", "replayed")]
        assert sum(w.started < kill_at for w in run.writes) >= 10
        assert sum(w.started > first for w in run.writes) >= 10
        assert server.proc.poll() is None, server.tail()
        check_subscribers([stream], run, tokens["blue"], keys["blue"])

        check_ledger(ha_set.url, run.writes, public)
    finally:
        stop.set()
        stream.close()
        server.stop()


def check_ledger(url: str, writes: list[Write], public: dict[str, str]) -> None:
    """Every settled write in the ledger once, with its envelope; nothing else sent by a
    party; one gap-free chain that verifies."""
    _, by_nonce = verified_ledger(url, public)
    assert set(by_nonce) == {w.nonce for w in writes}  # none lost, nothing nobody sent
    for w in writes:
        (event,) = by_nonce[w.nonce]  # exactly once
        assert event["type"] == ("message" if w.kind == "message" else "notice_version")
        if w.outcome == "ok":
            assert event["id"] == w.id, (w, event["id"])
