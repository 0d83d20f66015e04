"""`interlock audit verify --url`: a party checks its own view of a live server process.

A three-party deployment (blue and red conflict and talk; green reads their traffic as
stubs) served by `interlock serve`. Untouched, every party's view verifies and its
witness state advances. The operator's forgeries in the database — a system event
rewritten and everything after it rehashed, a party taken out of an entry's audience
(so that the server serves it a stub) with or without rehashing — are named: the entry,
or the checkpoint whose root the entries served no longer make. A rolled-back database
and two servers forked from one are caught by the checkpoint the party holds. (Copying
the database file is SQLite's way: those two tests run on SQLite only.)
"""

from __future__ import annotations

import json
import re
import shutil
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import create_engine, text
from tests.cli.test_audit_views import THREE
from tests.cli.test_witness_cli import Deployment
from tests.conftest import circle, deployment_env, free_port, signed_notice
from tests.servers import ServerProcess
from typer.testing import CliRunner, Result

from interlock.cli.main import app
from interlock.client import Client
from interlock.ledger.chain import GENESIS, make_entry
from interlock.ledger.envelope import sign
from interlock.ledger.keys import read_private
from interlock.service.bootstrap import init_with_keys, open_services
from interlock.store import open_store
from interlock.store.postgres import engine_url
from interlock.witness import WitnessState

pytestmark = [pytest.mark.server]
runner = CliRunner()
PARTIES = ("blue", "red", "green")


class Theatre:
    """A deployment with blue-red traffic green may not read, served by a real process."""

    def __init__(self, directory: Path) -> None:
        self.directory = directory
        _, self.tokens, key_files = init_with_keys(directory, THREE)
        self.keys = {p: read_private(f) for p, f in key_files.items()}
        services = open_services(directory)
        start = datetime.now(UTC).replace(microsecond=0) + timedelta(hours=3)
        now = lambda: datetime.now(UTC)  # noqa: E731
        recce = circle(20.0, 60.0, start=start, purpose="recce", callsign="HAWK1")
        services.notices.submit("blue", signed_notice("blue", self.keys["blue"], recce, now()))
        red = circle(20.02, 60.0, start=start)
        services.notices.submit("red", signed_notice("red", self.keys["red"], red, now()))
        body = {"to": ["red"], "priority": "urgent", "subject": "transit", "body": "FL250"}
        hotline = services.hotline
        sent = hotline.send("blue", sign("message", "blue", body, self.keys["blue"], now()))
        receipt = {"message": sent["id"], "status": "acknowledged"}
        hotline.receipt("red", sent["id"], sign("receipt", "red", receipt, self.keys["red"], now()))
        services.notices.submit("green", circle(30.0, 40.0, start=start, unit="FFG-1"))
        services.store.close()
        self.server = ServerProcess(directory, env=deployment_env(directory)).wait_healthy()

    def entries(self) -> tuple[str, list[dict[str, Any]]]:
        target = deployment_env(self.directory).get("INTERLOCK_DB")
        store = open_store(target or self.directory / "interlock.db")
        url, entries = store.url, list(store.ledger_entries())
        store.close()
        return url, entries


@pytest.fixture
def theatre(tmp_path: Path) -> Iterator[Theatre]:
    t = Theatre(tmp_path / "theatre")
    yield t
    t.server.stop()


def verify_url(url: str, token: str, state: Path, *extra: str) -> Result:
    return runner.invoke(
        app,
        ["audit", "verify", "--url", url, "--token", token, "--state", str(state), *extra],
        env={"COLUMNS": "400", "INTERLOCK_PARTY": ""},
    )


def failed_at(out: Result) -> str:
    assert out.exit_code == 1, out.output
    found = re.search(r"FAILED (at entry \d+|at the checkpoint[^:]*): (.*)", out.output)
    assert found is not None, out.output
    return found.group(1)


def rewrite(t: Theatre, seq: int, change: Callable[[dict[str, Any]], None], rehash: bool) -> None:
    """The operator's forgery: `change(entry)` edits entry `seq` (its event or audience)
    in the database; with `rehash`, its hash and every later entry's are recomputed, so
    every link holds."""
    url, entries = t.entries()
    change(entries[seq - 1])
    engine = create_engine(engine_url(url) if url.startswith("postgres") else url)
    with engine.begin() as db:
        prev = entries[seq - 2]["hash"] if seq > 1 else GENESIS
        for old in entries[seq - 1 : None if rehash else seq]:
            e = make_entry(old["seq"], prev, old["received_at"], old["event"], old["audience"])
            if not rehash:
                e["hash"], e["content_hash"] = old["hash"], old["content_hash"]
            db.execute(
                text(
                    "UPDATE ledger SET prev_hash = :p, content_hash = :c, hash = :h, "
                    "event = :e, audience = :a WHERE seq = :s"
                ),
                {"p": e["prev_hash"], "c": e["content_hash"], "h": e["hash"],
                 "e": json.dumps(e["event"]), "a": json.dumps(e["audience"]), "s": e["seq"]},
            )  # fmt: skip
            prev = e["hash"]
    engine.dispose()


def seq_of(t: Theatre, kind: str) -> int:
    return next(e["seq"] for e in t.entries()[1] if e["event"]["type"] == kind)


def test_every_partys_view_verifies_and_the_state_advances(
    theatre: Theatre, tmp_path: Path
) -> None:
    t, n = theatre, len(theatre.entries()[1])
    for party in PARTIES:
        state = tmp_path / f"state-{party}"
        out = verify_url(t.server.url, t.tokens[party], state)
        assert out.exit_code == 0, out.output
        assert f"OK {n} entries of {party}'s view verify" in out.output
        assert f"size {n} root " in out.output and "its key now pinned" in out.output
        held = WitnessState(state).last_verified(t.server.url)
        assert held is not None and held.size == n
    with Client(t.server.url, t.tokens["blue"], "blue", t.keys["blue"]) as c:
        c.submit_notice(circle(25.0, 50.0, start=datetime.now(UTC) + timedelta(days=1)))
    again = verify_url(t.server.url, t.tokens["green"], tmp_path / "state-green")
    assert again.exit_code == 0, again.output
    assert f"consistent with size {n} held" in again.output
    assert "OK " + str(len(t.entries()[1])) in again.output
    # A party's cosignature (made by `audit checkpoint`) is named once it verifies.
    cosign = runner.invoke(app, ["audit", "checkpoint", "--url", t.server.url, "--token",
                                 t.tokens["blue"], "--key", str(t.directory / "keys" / "blue.key"),
                                 "--state", str(tmp_path / "state-blue")])  # fmt: skip
    assert cosign.exit_code == 0, cosign.output
    named = verify_url(t.server.url, t.tokens["red"], tmp_path / "state-red")
    assert named.exit_code == 0 and "cosigned by blue;" in named.output, named.output
    # Given one's own copy of the agreement: the same verdict; another: named.
    own = verify_url(t.server.url, t.tokens["red"], tmp_path / "state-red",
                     "--agreement", str(t.directory / "agreement.toml"))  # fmt: skip
    assert own.exit_code == 0, own.output
    other = tmp_path / "other.toml"
    terms = (t.directory / "agreement.toml").read_text()
    other.write_text(terms.replace('id = "green"', 'id = "grey"'))
    differs = verify_url(t.server.url, t.tokens["red"], tmp_path / "state-red",
                         "--agreement", str(other))  # fmt: skip
    assert differs.exit_code == 1 and "FAILED in the agreement" in differs.output, differs.output


def test_a_rewritten_system_event_rehashed_is_caught_by_the_checkpoint(
    theatre: Theatre, tmp_path: Path
) -> None:
    t = theatre
    seq = seq_of(t, "conflict")

    def move(entry: dict[str, Any]) -> None:
        entry["event"]["horizontal_distance_m"] = 12_345.0

    rewrite(t, seq, move, rehash=True)
    for party in ("blue", "green"):  # in the conflict's audience, and outside it
        out = verify_url(t.server.url, t.tokens[party], tmp_path / f"state-{party}")
        assert failed_at(out).startswith("at the checkpoint"), out.output
        assert "not the log the server signed" in out.output
        assert WitnessState(tmp_path / f"state-{party}").last_verified(t.server.url) is None


def test_a_stub_served_inside_the_audience_is_named(theatre: Theatre, tmp_path: Path) -> None:
    t = theatre
    state = tmp_path / "state-red"
    assert verify_url(t.server.url, t.tokens["red"], state).exit_code == 0
    held = WitnessState(state).last_verified(t.server.url)
    seq = seq_of(t, "message")

    def drop_red(entry: dict[str, Any]) -> None:
        entry["audience"] = [p for p in entry["audience"] if p != "red"]

    rewrite(t, seq, drop_red, rehash=False)  # the audience changed, the hash kept
    out = verify_url(t.server.url, t.tokens["red"], state)
    assert failed_at(out) == f"at entry {seq}", out.output
    assert "entry hash mismatch" in out.output
    rewrite(t, seq, lambda e: None, rehash=True)  # ... and now rehashed: every link holds
    out = verify_url(t.server.url, t.tokens["red"], state)
    assert failed_at(out).startswith(f"at the checkpoint (size {held.size}" if held else ""), (
        out.output
    )
    assert WitnessState(state).last_verified(t.server.url) == held


def test_bad_url_or_token_is_bad_input(theatre: Theatre, tmp_path: Path) -> None:
    t, state = theatre, tmp_path / "state"
    bad_token = verify_url(t.server.url, "not-a-token", state)
    assert bad_token.exit_code == 2 and "401" in bad_token.output, bad_token.output
    nobody = verify_url(f"http://127.0.0.1:{free_port()}", t.tokens["blue"], state)
    assert nobody.exit_code == 2 and "cannot reach the server" in nobody.output, nobody.output
    garbage = verify_url("not a url", t.tokens["blue"], state)
    assert garbage.exit_code == 2, garbage.output
    other = runner.invoke(
        app,
        ["audit", "verify", "--url", t.server.url, "--party", "red", "--state", str(state),
         "--token", t.tokens["blue"]],
        env={"COLUMNS": "400"},
    )
    assert other.exit_code == 2 and "token is blue's" in other.output, other.output
    both = runner.invoke(app, ["audit", "verify", str(t.directory), "--url", t.server.url])
    assert both.exit_code == 2 and "one of them" in both.output, both.output
    assert not (state / "logs").exists()


@pytest.mark.sqlite_only
def test_a_rolled_back_server_fails_with_the_checkpoint_held(tmp_path: Path) -> None:
    d, state = Deployment(tmp_path / "theatre"), tmp_path / "state-red"
    try:
        d.start()
        d.file("blue", 0)
        d.stop()
        db = d.directory / "interlock.db"
        shutil.copy(db, tmp_path / "old.db")  # the operator keeps a copy
        url = d.start()
        for k in range(1, 4):
            d.file("blue", k)
        ok = verify_url(url, d.tokens["red"], state)
        assert ok.exit_code == 0, ok.output
        held = WitnessState(state).last_verified(url)
        assert held is not None and held.size >= 4
        d.stop()
        for suffix in ("-wal", "-shm"):
            (d.directory / f"interlock.db{suffix}").unlink(missing_ok=True)
        shutil.copy(tmp_path / "old.db", db)  # ... and restores it
        d.start()
        rolled = verify_url(url, d.tokens["red"], state)
        assert failed_at(rolled) == "at the checkpoint", rolled.output
        assert "rollback" in rolled.output and f"size {held.size}" in rolled.output
        assert WitnessState(state).last_verified(url) == held
    finally:
        d.stop()


@pytest.mark.sqlite_only
def test_two_servers_forked_from_one_database_fail_the_second(tmp_path: Path) -> None:
    one = Deployment(tmp_path / "one")
    two: Deployment | None = None
    try:
        one.start()
        one.file("blue", 0)
        one.stop()
        shutil.copytree(one.directory, tmp_path / "two")  # same database, same log key
        two = Deployment.__new__(Deployment)
        two.directory, two.tokens, two.server, two.port = (
            tmp_path / "two", one.tokens, None, free_port(),
        )  # fmt: skip
        two.keys = {p: two.directory / "keys" / f"{p}.key" for p in one.keys}
        url_one, url_two = one.start(), two.start()
        one.file("blue", 1)  # each written to differently
        two.file("red", 2)
        state = tmp_path / "state-red"  # one party, one state, verifying against each
        first = verify_url(url_one, one.tokens["red"], state)
        assert first.exit_code == 0, first.output
        held = WitnessState(state).last_verified(url_one)
        assert held is not None
        second = verify_url(url_two, two.tokens["red"], state)
        assert failed_at(second) == "at the checkpoint", second.output
        assert "fork" in second.output and f"size {held.size}" in second.output
        assert WitnessState(state).load(held.origin) == held
    finally:
        one.stop()
        if two is not None:
            two.stop()
