"""The ledger as the service writes it: every event chained, verifiable, tamper-evident."""

from __future__ import annotations

import json
import os
import sqlite3
import subprocess
import sys
from collections import Counter
from collections.abc import Callable
from pathlib import Path

import httpx
import orjson
import pytest
from sqlalchemy import create_engine, text
from tests.conftest import T0, Clock, LiveServer, circle, deployment_env

from interlock.ledger.chain import verify_chain
from interlock.ledger.commitments import commitment
from interlock.service.notices import NoticeService, WriteOp
from interlock.store import SqliteStore, open_store
from interlock.store import schema as s
from interlock.store.postgres import engine_url


def activity(service: NoticeService) -> None:
    from datetime import timedelta

    service.submit("blue", circle(35.80, 35.5, purpose="training"))
    late = service.submit("red", circle(35.85, 35.5, start=T0 + timedelta(minutes=1)))
    rid = late.notice["id"]
    service.amend("red", rid, circle(35.86, 35.5, start=T0 + timedelta(minutes=1)))
    service.cancel("red", rid)
    service.run_batch(
        [
            WriteOp("submit", "green", feature=circle(35.9, 35.5)),
            WriteOp("cancel", "green", "n-missing"),
        ]
    )


def test_every_event_is_chained_and_verifies(service: NoticeService, store: SqliteStore) -> None:
    activity(service)
    entries = list(store.ledger_entries())
    kinds = Counter(e["event"]["type"] for e in entries)
    assert kinds == {
        "notice_version": 4,
        "conflict": 3,
        "violation": 2,
        "conflicts_closed": 2,
        "notice_cancelled": 1,
        "message": 5,  # a system message for each conflict and each late notice
    }
    assert [e["seq"] for e in entries] == list(range(1, len(entries) + 1))
    assert verify_chain(entries, {}) == (len(entries), None)


def test_a_refused_write_leaves_the_ledger_unchanged(
    service: NoticeService, store: SqliteStore
) -> None:
    service.submit("blue", circle(35.80, 35.5))
    before = list(store.ledger_entries())
    bad = circle(35.8, 35.5)
    bad["properties"]["alt_upper_ft"] = -5000
    results = service.run_batch(
        [WriteOp("submit", "red", feature=bad), WriteOp("cancel", "red", "n-nothing")]
    )
    assert all(isinstance(r, Exception) for r in results)
    assert list(store.ledger_entries()) == before


def test_tampering_in_the_database_is_found(
    service: NoticeService, store: SqliteStore, tmp_path: Path
) -> None:
    activity(service)
    url = store.url
    store.close()
    engine = create_engine(engine_url(url) if url.startswith("postgres") else url)
    with engine.begin() as db:  # behind the store's back, on whichever engine it is
        row = db.execute(text("SELECT event FROM ledger WHERE seq = 3")).scalar_one()
        event = json.loads(row)
        event["horizontal_distance_m"] = 99_999.0
        db.execute(text("UPDATE ledger SET event = :e WHERE seq = 3"), {"e": json.dumps(event)})
    engine.dispose()
    reopened = open_store(url)
    _, problem = verify_chain(reopened.ledger_entries(), {})
    reopened.close()
    assert problem is not None and problem.seq == 3 and "content" in problem.reason


@pytest.mark.sqlite_only  # PostgreSQL stores were born under alembic
def test_a_version_1_store_migrates(tmp_path: Path) -> None:
    path = tmp_path / "old.db"
    store = open_store(path)
    store.close()
    with sqlite3.connect(path) as db:
        db.execute("DROP TABLE ledger")  # as a store of schema 1, made before alembic
        db.execute("DROP TABLE alembic_version")
        db.execute("UPDATE schema_meta SET value = '1' WHERE key = 'schema_version'")
    migrated = open_store(path)
    assert migrated.schema_version() == s.SCHEMA_VERSION == 11
    assert list(migrated.ledger_entries()) == []
    migrated.close()


def test_parties_read_the_ledger_with_hidden_fields_committed(
    live_server: LiveServer, client_for: Callable[[str | None], httpx.Client]
) -> None:
    activity(live_server.service)
    blue, red = client_for("blue"), client_for("red")
    mine = blue.get("/ledger").json()
    theirs = red.get("/ledger").json()
    assert len(mine) == len(theirs) > 5
    assert verify_chain(mine, {}, "blue")[1] is None
    assert verify_chain(theirs, {}, "red")[1] is None  # every hash checks, nothing hidden shows
    first = theirs[0]["event"]
    # red reads blue's notice whole, its purpose as a salted hash, without the opening
    purpose = first["feature"]["properties"]["purpose"]
    assert set(purpose) == {"sha256"} and "openings" not in theirs[0]
    assert "training" not in orjson.dumps(theirs[0]).decode()
    assert mine[0]["event"] == first
    opening = mine[0]["openings"]["purpose"]
    assert opening["value"] == "training"
    assert purpose["sha256"] == commitment("purpose", opening["salt"], "training")
    assert theirs[0]["audience"] == ["blue", "green", "red"]
    # GET /notices is unchanged: blue reads its purpose, red does not
    nid = first["id"]
    assert blue.get(f"/notices/{nid}").json()["properties"]["purpose"] == "training"
    assert "purpose" not in red.get(f"/notices/{nid}").json()["properties"]
    page = blue.get("/ledger", params={"from_seq": 3, "limit": 2}).json()
    assert [e["seq"] for e in page] == [3, 4]


def test_audit_cli_verifies_exports_and_names_the_first_bad_entry(tmp_path: Path) -> None:
    from interlock.service.bootstrap import init_directory, open_services

    directory = tmp_path / "deploy"
    init_directory(directory)
    service = open_services(directory, clock=Clock()).notices  # circle() is at T0 + 2 h
    activity_blue_red = [circle(20.0 + i * 0.01, 60.0) for i in range(6)]
    for i, feat in enumerate(activity_blue_red):
        service.submit("blue" if i % 2 else "red", feat)
    service.store.close()
    env = {**os.environ, **deployment_env(directory)}
    cli = [sys.executable, "-m", "interlock.cli", "audit"]
    ok = subprocess.run([*cli, "verify", str(directory)], capture_output=True, text=True, env=env)
    assert ok.returncode == 0 and "OK" in ok.stdout
    export = tmp_path / "ledger.jsonl"
    out = subprocess.run(
        [*cli, "export", str(directory), str(export)], capture_output=True, text=True, env=env
    )
    assert out.returncode == 0
    header, *lines = export.read_bytes().splitlines()  # the header, then the entries
    ok = subprocess.run(
        [*cli, "verify", "--file", str(export), "--agreement", str(directory / "agreement.toml")],
        capture_output=True,
        text=True,
        env=env,
    )
    assert ok.returncode == 0 and f"{len(lines)} entries" in ok.stdout
    # Reorder two entries of the export: the first moved one is named.
    lines[4], lines[5] = lines[5], lines[4]
    export.write_bytes(b"\n".join([header, *lines]) + b"\n")
    bad = subprocess.run(
        [*cli, "verify", "--file", str(export)], capture_output=True, text=True, env=env
    )
    assert bad.returncode == 1 and "entry 5" in bad.stdout
    # Change one byte.
    lines[4], lines[5] = lines[5], lines[4]
    entry = orjson.loads(lines[2])
    entry["received_at"] = entry["received_at"].replace("Z", "+00:00")
    lines[2] = orjson.dumps(entry)
    export.write_bytes(b"\n".join([header, *lines]) + b"\n")
    bad = subprocess.run(
        [*cli, "verify", "--file", str(export)], capture_output=True, text=True, env=env
    )
    assert bad.returncode == 1 and "entry 3" in bad.stdout
    garbage = subprocess.run(
        [*cli, "verify", "--file", str(tmp_path / "none.jsonl")], capture_output=True, text=True
    )
    assert garbage.returncode == 2


def test_timeline_tells_the_warning_given(tmp_path: Path) -> None:
    from datetime import timedelta

    from tests.conftest import Clock

    from interlock.service.bootstrap import init_directory, open_services

    directory = tmp_path / "deploy"
    init_directory(directory)
    clock = Clock()
    service = open_services(directory, clock=clock).notices
    service.submit("blue", circle(35.80, 35.5))
    late = service.submit("red", circle(35.85, 35.5, start=T0 + timedelta(minutes=1)))
    rid = late.notice["id"]
    clock.advance(seconds=20)
    service.cancel("red", rid)
    service.store.close()
    env = {**os.environ, **deployment_env(directory)}
    cli = [sys.executable, "-m", "interlock.cli", "audit", "timeline"]
    out = subprocess.run(
        [*cli, rid, str(directory)],
        capture_output=True,
        text=True,
        env={**env, "COLUMNS": "250"},
    )
    assert out.returncode == 0, out.stderr
    text = out.stdout
    assert "lead time 1.0 min" in text and "BREAKS the 60 min rule" in text
    assert "late_notice" in text and "conflict #1" in text and "cancelled by red" in text
    assert text.index("notice version") < text.index("violation") < text.index("cancelled")
    missing = subprocess.run(
        [*cli, "n-none", str(directory)], capture_output=True, text=True, env=env
    )
    assert missing.returncode == 2 and "REF: no notice or message" in missing.stderr


def test_audit_refuses_a_directory_without_a_store(tmp_path: Path) -> None:
    from interlock.model.agreement import EXAMPLE_AGREEMENT

    (tmp_path / "agreement.toml").write_text(EXAMPLE_AGREEMENT)
    cli = [sys.executable, "-m", "interlock.cli", "audit"]
    for args in (
        ["verify", str(tmp_path)],
        ["export", str(tmp_path), str(tmp_path / "x")],
        ["timeline", "n-1", str(tmp_path)],
    ):
        out = subprocess.run(
            [*cli, *args],
            capture_output=True,
            text=True,
            env={"COLUMNS": "250", "PATH": "/usr/bin:/bin"},
        )
        assert out.returncode == 2 and "no store here" in out.stderr, args
    assert not (tmp_path / "interlock.db").exists()  # nothing created by mistake
