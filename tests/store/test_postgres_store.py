"""The PostgreSQL engine's own parts: the placeholder rewrite, the GiST look-up, wake-ups
across processes (LISTEN/NOTIFY), a lost database, and migrations equal to the schema.

These run against the test cluster whichever engine the rest of the suite runs on.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from hypothesis import given
from hypothesis import strategies as st
from sqlalchemy import create_engine
from tests import pg
from tests.conftest import Clock, circle, make_agreement, wait_until

from interlock.errors import StoreUnavailable
from interlock.ledger.chain import verify_chain
from interlock.service.root import build_services
from interlock.store import migrations, open_store
from interlock.store import schema as s
from interlock.store.cursor import to_pyformat
from interlock.store.postgres import PostgresStore, engine_url
from interlock.store.sqlite import SqliteStore, sqlite_url


def test_placeholders_are_rewritten_and_casts_left_alone() -> None:
    sql = "SELECT x::float8[] FROM t WHERE a = ? AND b = :name AND c IN (?, :other_1)"
    assert to_pyformat(sql) == (
        "SELECT x::float8[] FROM t WHERE a = %s AND b = %(name)s AND c IN (%s, %(other_1)s)"
    )


@given(st.lists(st.from_regex(r"[a-z_][a-z0-9_]{0,8}", fullmatch=True), min_size=1, max_size=6))
def test_every_named_placeholder_becomes_one_pyformat_placeholder(names: list[str]) -> None:
    sql = "INSERT INTO t VALUES (" + ", ".join(f":{n}" for n in names) + ")::text"
    out = to_pyformat(sql)
    assert out.count("%(") == len(names)
    assert [part.split(")s")[0] for part in out.split("%(")[1:]] == names
    assert out.endswith(")::text")


@pytest.fixture
def pg_store(pg_url: str) -> Iterator[PostgresStore]:
    store = open_store(pg_url)
    assert isinstance(store, PostgresStore)
    yield store
    store.close()


def test_candidates_come_from_the_gist_index(pg_store: PostgresStore) -> None:
    service = build_services(pg_store, make_agreement(), Clock()).notices
    for i in range(30):
        service.submit("blue", circle(20.0 + i * 0.5, 40.0))
    with pg_store.write() as tx:
        tx.conn.exec_driver_sql("SET LOCAL enable_seqscan = off")
        plan = tx.conn.exec_driver_sql(
            to_pyformat("EXPLAIN SELECT seq FROM notice_index i WHERE " + pg_store.index.box_where),
            {
                "min_lon": 20.0,
                "max_lon": 21.0,
                "min_lat": 39.0,
                "max_lat": 41.0,
                "min_h": 0.0,
                "max_h": 1000.0,
                "min_t": 0.0,
                "max_t": 1e7,
            },
        ).fetchall()
    assert "ix_notice_index_box" in " ".join(r[0] for r in plan)
    # And it finds what a scan finds: the circles near 20-21 E, not the others.
    near = service.submit("red", circle(20.6, 40.0)).conflicts
    assert {c.b_id for c in near} and len(near) <= 3


def test_a_commit_in_one_process_wakes_the_streams_of_another(pg_url: str) -> None:
    first, second = open_store(pg_url), open_store(pg_url)
    try:
        assert isinstance(second, PostgresStore)
        wait_until(lambda: second._listener.connected.is_set(), 10)
        woken = threading.Event()
        second.on_commit.append(woken.set)
        build_services(first, make_agreement(), Clock()).notices.submit("blue", circle(20.0, 40.0))
        assert woken.wait(5), "the other process was never told of the commit"
        assert second.last_seq() == first.last_seq() > 0
    finally:
        first.close()
        second.close()


def test_a_lost_database_is_unavailable_not_an_error_and_recovers(pg_url: str) -> None:
    store = open_store(pg_url)
    assert isinstance(store, PostgresStore)
    service = build_services(store, make_agreement(), Clock()).notices
    try:
        service.submit("blue", circle(20.0, 40.0))
        wait_until(lambda: store._listener.connected.is_set(), 10)
        pg.block_connections(pg_url, allow=False)
        with pytest.raises(StoreUnavailable):
            service.submit("red", circle(20.0, 40.0))
        with pytest.raises(StoreUnavailable):
            store.list_notices()
        woken = threading.Event()
        store.on_commit.append(woken.set)
        pg.block_connections(pg_url, allow=True)
        # The listener reconnects by itself and wakes the streams (they may have missed
        # commits while it was away); writes succeed again and nothing was half-stored.
        assert woken.wait(10)
        result = service.submit("red", circle(20.0, 40.0))
        assert len(result.conflicts) == 1
        assert store.count_notices() == 2
        assert verify_chain(store.ledger_entries(), {})[1] is None
    finally:
        pg.block_connections(pg_url, allow=True)
        store.close()


def test_a_read_only_database_is_unavailable_and_its_connections_are_dropped(
    pg_url: str,
) -> None:
    """A primary demoted to a standby under pooled connections refuses writes as read-only
    (SQLSTATE 25006): that is a 503 too, not a 500, and the pool is emptied so the next
    request connects afresh (to the new primary, by a multi-host URL). Read-only stands in
    for demotion here: `default_transaction_read_only` on the connections made after it is
    set; kept in the pool, they would refuse every later write."""
    import psycopg

    store = open_store(pg_url)
    assert isinstance(store, PostgresStore)
    service = build_services(store, make_agreement(), Clock()).notices
    name = pg_url.rpartition("/")[2]
    try:
        service.submit("blue", circle(20.0, 40.0))
        with psycopg.connect(pg.ADMIN_URL, autocommit=True) as admin:
            admin.execute(f'ALTER DATABASE "{name}" SET default_transaction_read_only = on')
            admin.execute(  # the pool reconnects: to a read-only "node"
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = %s",
                (name,),
            )
        with pytest.raises(StoreUnavailable, match="read-only"):
            service.submit("red", circle(20.0, 40.0))
        with psycopg.connect(pg.ADMIN_URL, autocommit=True) as admin:
            admin.execute(f'ALTER DATABASE "{name}" RESET default_transaction_read_only')
        result = service.submit("red", circle(20.0, 40.0))  # new connections: writable
        assert len(result.conflicts) == 1 and store.count_notices() == 2
    finally:
        store.close()


def _schema_diff(url: str) -> list[object]:
    engine = create_engine(engine_url(url) if url.startswith("postgres") else url)
    ignored = {"notice_index", "asset_index", "alembic_version"}
    with engine.connect() as conn:
        ctx = MigrationContext.configure(
            conn,
            opts={
                "include_object": lambda obj, name, kind, *_: (
                    not (
                        (kind == "table" and (name in ignored or name.startswith("sqlite_")))
                        or name.startswith(("notice_index_", "asset_index_"))
                    )
                ),
                "compare_type": True,
            },
        )
        diff = compare_metadata(ctx, s.metadata)
        assert migrations.current(conn) == migrations.head()
    engine.dispose()
    return diff


@pytest.mark.filterwarnings("ignore:Did not recognize type 'cube'")  # the index, not compared
def test_the_migrations_build_exactly_the_schema_on_both_engines(
    pg_url: str, tmp_path: Path
) -> None:
    open_store(pg_url).close()
    SqliteStore(sqlite_url(tmp_path / "m.db")).close()  # SQLite on either pass
    assert _schema_diff(pg_url) == []
    assert _schema_diff(sqlite_url(tmp_path / "m.db")) == []
