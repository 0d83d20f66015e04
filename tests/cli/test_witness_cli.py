"""Parties as witnesses, through the CLI against real server processes: `audit
checkpoint` pins, verifies, keeps and cosigns; a server whose database is rolled back to
an older copy is caught (and the checkpoint held is kept); two servers started from
copies of one database and written to differently leave checkpoints `audit fork` calls a
fork. (Copying the database file is SQLite's way; on PostgreSQL the same is a restore.)"""

from __future__ import annotations

import shutil
import stat
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
import pytest
from tests.conftest import circle, free_port
from tests.servers import ServerProcess
from typer.testing import CliRunner, Result

from interlock.cli.main import app
from interlock.client import Client
from interlock.ledger.keys import read_private
from interlock.model.agreement import EXAMPLE_AGREEMENT
from interlock.service.bootstrap import init_with_keys
from interlock.witness import WitnessState

pytestmark = [pytest.mark.server, pytest.mark.sqlite_only]
runner = CliRunner()


class Deployment:
    def __init__(self, directory: Path) -> None:
        self.directory = directory
        _, self.tokens, self.keys = init_with_keys(directory, EXAMPLE_AGREEMENT)
        self.server: ServerProcess | None = None
        self.port = free_port()  # one address across restarts, as a real server keeps

    def start(self) -> str:
        self.server = ServerProcess(self.directory, port=self.port).wait_healthy()
        return self.server.url

    def stop(self) -> None:
        if self.server is not None:
            self.server.stop()
            self.server = None

    def file(self, party: str, k: int) -> None:
        assert self.server is not None
        start = datetime.now(UTC) + timedelta(days=2)
        with Client(
            self.server.url, self.tokens[party], party, read_private(self.keys[party])
        ) as c:
            c.submit_notice(circle(20 + k * 0.5, -30 + (party == "red") * 5, start=start))

    def note(self) -> str:
        assert self.server is not None
        r = httpx.get(self.server.url + "/checkpoint", headers=self.auth("blue"))
        r.raise_for_status()
        return r.text

    def auth(self, party: str) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.tokens[party]}"}


@pytest.fixture
def deployment(tmp_path: Path) -> Iterator[Deployment]:
    d = Deployment(tmp_path / "theatre")
    yield d
    d.stop()


def witness(d: Deployment, party: str, state: Path, *extra: str) -> Result:
    assert d.server is not None
    return runner.invoke(
        app,
        ["audit", "checkpoint", "--url", d.server.url, "--token", d.tokens[party],
         "--key", str(d.keys[party]), "--state", str(state), *extra],
        env={"COLUMNS": "400"},
    )  # fmt: skip


def test_witness_pins_verifies_keeps_and_cosigns(deployment: Deployment, tmp_path: Path) -> None:
    d, state = deployment, tmp_path / "state-blue"
    d.start()
    log_key = d.directory / "log.key"
    assert stat.S_IMODE(log_key.stat().st_mode) == 0o600
    first = witness(d, "blue", state)
    assert first.exit_code == 0, first.output
    assert "first checkpoint" in first.output and "cosigned as blue" in first.output
    for path in (state / "servers.json", *(state / "logs").iterdir()):
        assert stat.S_IMODE(path.stat().st_mode) == 0o600
    for k in range(3):
        d.file("blue", k)
    again = witness(d, "blue", state)
    assert again.exit_code == 0, again.output
    assert "consistent with size 0" in again.output
    held = WitnessState(state).last_verified(d.server.url if d.server else "")
    assert held is not None and held.size >= 3
    published = d.note()
    assert "\u2014 interlock-party/blue " in published  # the server publishes the cosignature
    # The key is reused across restarts: the same log, still consistent.
    d.stop()
    d.start()
    d.file("blue", 9)
    later = witness(d, "blue", state, "--no-cosign")
    assert later.exit_code == 0, later.output
    assert f"consistent with size {held.size}" in later.output
    assert "cosigned" not in later.output


def test_rolled_back_server_is_caught(deployment: Deployment, tmp_path: Path) -> None:
    d, state = deployment, tmp_path / "state-red"
    d.start()
    d.file("blue", 0)
    d.stop()
    db = d.directory / "interlock.db"
    shutil.copy(db, tmp_path / "old.db")  # the operator keeps a copy
    d.start()
    for k in range(1, 4):
        d.file("blue", k)
    ok = witness(d, "red", state)
    assert ok.exit_code == 0, ok.output
    held = WitnessState(state).last_verified(d.server.url if d.server else "")
    assert held is not None
    d.stop()
    for suffix in ("-wal", "-shm"):
        (d.directory / f"interlock.db{suffix}").unlink(missing_ok=True)
    shutil.copy(tmp_path / "old.db", db)  # ... and restores it
    d.start()
    rolled = witness(d, "red", state)
    assert rolled.exit_code == 1, rolled.output
    assert "rollback" in rolled.output and f"size {held.size}" in rolled.output
    assert WitnessState(state).last_verified(d.server.url if d.server else "") == held
    # The rolled-back server writes on past the size the party holds: a new history
    # that no consistency proof joins to the one the party verified.
    for k in range(10, 16):
        d.file("red", k)
    forked = witness(d, "red", state)
    assert forked.exit_code == 1, forked.output
    assert f"not proven to extend size {held.size}" in forked.output
    assert WitnessState(state).last_verified(d.server.url if d.server else "") == held
    assert list((state / "evidence").iterdir())


def test_two_servers_from_one_history_prove_a_fork(tmp_path: Path) -> None:
    one = Deployment(tmp_path / "one")
    try:
        one.start()
        one.file("blue", 0)
        one.stop()
        shutil.copytree(one.directory, tmp_path / "two")  # same database, same log key
        two = Deployment.__new__(Deployment)
        two.directory, two.tokens, two.server, two.port = (
            tmp_path / "two",
            one.tokens,
            None,
            free_port(),
        )
        two.keys = {p: two.directory / "keys" / f"{p}.key" for p in one.keys}
        one.start()
        two.start()
        before = one.note()
        one.file("blue", 1)  # each shown a different history
        two.file("red", 2)
        a, b = tmp_path / "a.note", tmp_path / "b.note"
        a.write_text(one.note())
        b.write_text(two.note())
        assert two.server is not None and one.server is not None
        out = runner.invoke(app, ["audit", "fork", str(a), str(b), "--url", two.server.url,
                                  "--token", two.tokens["red"]])  # fmt: skip
        assert out.exit_code == 1, out.output
        assert "FORK" in out.output and "two roots for size" in out.output
        # The honest cases: consistent (exit 0) with a proof, undecided (3) without one.
        old = tmp_path / "old.note"
        old.write_text(before)
        url, token = one.server.url, one.tokens["blue"]
        same = runner.invoke(
            app, ["audit", "fork", str(old), str(a), "--url", url, "--token", token]
        )
        assert same.exit_code == 0 and "CONSISTENT" in same.output, same.output
        key = httpx.get(url + "/checkpoint.json", headers=one.auth("blue")).json()["log_key"]
        undecided = runner.invoke(app, ["audit", "fork", str(old), str(a), "--log-key", key])
        assert undecided.exit_code == 3, undecided.output
        # Against the other server the same pair cannot be joined: its proof fails.
        bad = runner.invoke(app, ["audit", "fork", str(old), str(a), "--url", two.server.url,
                                  "--token", two.tokens["blue"]])  # fmt: skip
        assert bad.exit_code == 1 and "INCONSISTENT" in bad.output, bad.output
        garbage = tmp_path / "garbage.note"
        garbage.write_text("not a note\n")
        assert runner.invoke(app, ["audit", "fork", str(garbage), str(a)]).exit_code == 2
        two.stop()
    finally:
        one.stop()
