"""The store on either engine (schema versioning, durability on reopen), and the SQLite
engine's own settings (WAL, the R*Tree look-up, background checkpoints)."""

from __future__ import annotations

from pathlib import Path

import pytest
from tests.conftest import Clock, circle, make_agreement

from interlock.service.root import build_services
from interlock.store import open_store
from interlock.store import schema as s


def test_schema_is_versioned_and_a_newer_store_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "x.db"
    store = open_store(path)
    assert store.schema_version() == s.SCHEMA_VERSION
    with store.write() as tx:
        tx.conn.execute(s.schema_meta.update().values(value=str(s.SCHEMA_VERSION + 1)))
    store.close()
    with pytest.raises(RuntimeError, match="newer"):
        open_store(path)


def test_everything_survives_a_reopen(tmp_path: Path) -> None:
    path = tmp_path / "x.db"
    agreement, clock = make_agreement(), Clock()
    store = open_store(path)
    svc = build_services(store, agreement, clock).notices
    a = svc.submit("blue", circle(35.8, 35.5)).notice["id"]
    b = svc.submit("red", circle(35.85, 35.5)).notice["id"]
    svc.amend("red", b, circle(35.86, 35.5))
    store.close()
    reopened = open_store(path)
    svc2 = build_services(reopened, agreement, clock).notices
    assert len(svc2.versions("red", b)["features"]) == 2
    assert {c.a_id for c in reopened.list_conflicts(include_closed=True)} == {b}
    # The index is rebuilt from nothing: it is the same file, so a newcomer still conflicts.
    assert {c.b_id for c in svc2.submit("green", circle(35.82, 35.5)).conflicts} == {a, b}
    reopened.close()


@pytest.mark.sqlite_only
def test_wal_journal_and_durable_commits(tmp_path: Path) -> None:
    store = open_store(tmp_path / "x.db")
    with store.write() as tx:
        assert tx.conn.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
        assert tx.conn.exec_driver_sql("PRAGMA synchronous").scalar() == 2  # FULL
    store.close()


@pytest.mark.sqlite_only
def test_candidates_come_from_the_index_not_a_scan(tmp_path: Path) -> None:
    store = open_store(tmp_path / "x.db")
    with store.write() as tx:
        plan = tx.conn.exec_driver_sql(
            "EXPLAIN QUERY PLAN SELECT n.id FROM notice_index i JOIN notices n ON n.seq = i.seq "
            "WHERE i.max_lon >= 1 AND i.min_lon <= 2 AND i.max_lat >= 1 AND i.min_lat <= 2"
        ).fetchall()
    text = " ".join(str(r) for r in plan)
    assert "VIRTUAL TABLE INDEX" in text
    assert "SCAN n" not in text
    store.close()


@pytest.mark.sqlite_only
def test_the_wal_is_checkpointed_in_the_background_not_in_commits(tmp_path: Path) -> None:
    import time

    from interlock.store.sqlite import Checkpointer

    path = tmp_path / "x.db"
    store = open_store(path)
    with store.write() as tx:
        assert tx.conn.exec_driver_sql("PRAGMA wal_autocheckpoint").scalar() == 0
    before = path.stat().st_size
    svc = build_services(store, make_agreement(), Clock()).notices
    for i in range(40):
        svc.submit("blue" if i % 2 else "red", circle(30 + i * 0.5, 40.0))
    deadline = time.monotonic() + 10 * Checkpointer.INTERVAL_S
    while path.stat().st_size == before and time.monotonic() < deadline:
        time.sleep(0.05)
    assert path.stat().st_size > before  # pages moved from the WAL into the file
    store.close()
    assert not (tmp_path / "x.db-wal").exists() or (tmp_path / "x.db-wal").stat().st_size == 0
