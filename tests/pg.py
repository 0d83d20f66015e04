"""The test PostgreSQL cluster (started by `scripts/postgres`, named by INTERLOCK_TEST_PG).

Each test that needs PostgreSQL gets a database of its own on that cluster, as the
template left it (migrated, empty), so tests never see each other's rows.
"""

from __future__ import annotations

import os
import subprocess
import time
import uuid
from pathlib import Path
from typing import Any

ADMIN_URL = os.environ.get(
    "INTERLOCK_TEST_PG", ""
)  # e.g. postgresql://postgres@127.0.0.1:54329/postgres
ENGINE = os.environ.get("INTERLOCK_TEST_ENGINE", "sqlite")  # the engine the whole suite runs on
NO_PG = "no PostgreSQL cluster: INTERLOCK_TEST_PG is unset (scripts/test starts one)"
SCRIPT = Path(__file__).resolve().parents[1] / "scripts" / "postgres"


def database_url(name: str) -> str:
    """The admin URL with its database replaced by `name`."""
    base, _, _ = ADMIN_URL.rpartition("/")
    return f"{base}/{name}"


def create_database() -> str:
    """A new empty database; its URL."""
    import psycopg

    name = PREFIX + uuid.uuid4().hex[:20]
    with psycopg.connect(ADMIN_URL, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    return database_url(name)


def drop_database(url: str) -> None:
    import psycopg

    name = url.rpartition("/")[2]
    with psycopg.connect(ADMIN_URL, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def restart_cluster() -> None:
    """A fast restart of the whole cluster: every connection is cut (the fault tests)."""
    subprocess.run([str(SCRIPT), "restart"], check=True, timeout=120)


class PrivateCluster:
    """A cluster of a test's own (`scripts/postgres` on another data directory and port),
    so a fault test can restart it while the rest of the suite, in another process,
    keeps using the shared one."""

    def __init__(self) -> None:
        import socket

        with socket.socket() as s:  # a free loopback port
            s.bind(("127.0.0.1", 0))
            port = s.getsockname()[1]
        # Not under pytest's tmp_path: the cluster's owner (`postgres`, when run as root)
        # must be able to reach it, and pytest's directories are private to the runner.
        self.env = {
            **os.environ,
            "INTERLOCK_PGDATA": f"/tmp/interlock-pg-private-{os.getpid()}-{port}",
            "INTERLOCK_PGPORT": str(port),
        }
        self.url = self._script("start").strip()

    def _script(self, verb: str) -> str:
        done = subprocess.run(
            [str(SCRIPT), verb], env=self.env, check=True, timeout=180, capture_output=True
        )
        return done.stdout.decode()

    def restart(self) -> None:
        """Every connection is cut, as `restart_cluster` does to the shared cluster."""
        self._script("restart")

    def close(self) -> None:
        import shutil

        self._script("stop")
        shutil.rmtree(self.env["INTERLOCK_PGDATA"], ignore_errors=True)


# Every database this test run makes is named with this prefix (the run's process id), so
# runs sharing a cluster never drop each other's databases; a run's leftovers (a killed
# run) are dropped by the next run once their process is gone.
PREFIX = f"interlock_t{os.getpid()}_"
TEMPLATE = PREFIX + "template"
_PREFIX_RE = r"^interlock_t([0-9]+)_"
_given: dict[str, str] = {}  # SQLite target key -> the database standing for it
_free: list[str] = []  # databases emptied back to the template's state, to hand out again
_template_state: str | None = None


def _connect(url: str = "") -> Any:
    import psycopg

    return psycopg.connect(url or ADMIN_URL, autocommit=True)


def _state(conn: Any) -> str:
    """A database's schema and its bookkeeping rows (the migration and schema numbers),
    and every sequence's position: equal to the template's once a database is emptied."""
    rows = conn.execute(
        """SELECT 'c', table_name, column_name, data_type, column_default
             FROM information_schema.columns WHERE table_schema = 'public'
           UNION ALL SELECT 'i', tablename, indexname, indexdef, '' FROM pg_indexes
             WHERE schemaname = 'public'
           UNION ALL SELECT 's', sequencename, COALESCE(last_value::text, ''), '', ''
             FROM pg_sequences WHERE schemaname = 'public'
           UNION ALL SELECT 'v', version_num, '', '', '' FROM alembic_version
           UNION ALL SELECT 'm', key, value, '', '' FROM schema_meta
           UNION ALL SELECT 'x', extname, extversion, '', '' FROM pg_extension
           ORDER BY 1, 2, 3, 4"""
    ).fetchall()
    return repr(rows)


def _tables(conn: Any) -> list[str]:
    """The tables a test writes: all but the migration and schema bookkeeping."""
    names = conn.execute("SELECT tablename FROM pg_tables WHERE schemaname = 'public'")
    return sorted(n for (n,) in names if n not in ("alembic_version", "schema_meta"))


def ensure_template() -> None:
    """A database migrated to head, copied for each test's database (a copy is cheaper
    than running the migrations each time). Made once per test session; the databases
    that runs no longer alive left behind are dropped first."""
    import re

    from interlock.store import open_store

    with _connect() as conn:
        for (name,) in conn.execute("SELECT datname FROM pg_database").fetchall():
            found = re.match(_PREFIX_RE, name)
            if found and not _alive(int(found.group(1))):
                conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.execute(f'DROP DATABASE IF EXISTS "{TEMPLATE}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{TEMPLATE}"')
    open_store(database_url(TEMPLATE)).close()
    global _template_state
    with _connect(database_url(TEMPLATE)) as conn:
        _template_state = _state(conn)


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def database_for(key: str) -> tuple[str, bool]:
    """The database standing for a SQLite target `key` in this test run (the same key, the
    same database: a test that reopens its file reopens its database); True if new. A
    new one is a database given back by an earlier test (emptied, see `give_back`) or a
    fresh copy of the template."""
    note_engine_use(f"tests.pg.database_for({key!r})")
    name = _given.get(key)
    if name is not None:
        return database_url(name), False
    if _free:
        name = _free.pop()
    else:
        name = PREFIX + uuid.uuid4().hex[:20]
        with _connect() as conn:
            conn.execute(f'CREATE DATABASE "{name}" TEMPLATE "{TEMPLATE}"')
    _given[key] = name
    return database_url(name), True


def give_back(url: str) -> None:
    """A test's database, once the test is over: its sessions are cut, it is renamed (a
    store the test left open finds its database gone and stops, as if dropped) and its
    tables emptied, and it is handed to a later test if it is then exactly as the
    template was (the same schema, bookkeeping rows and sequences); otherwise it is
    dropped. Emptying takes a tenth of the time of copying the template."""
    import psycopg

    name = url.rpartition("/")[2]
    for key in [k for k, n in _given.items() if n == name]:
        del _given[key]
    fresh = PREFIX + uuid.uuid4().hex[:20]
    with _connect() as conn:
        for _ in range(20):
            conn.execute(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = %s",
                (name,),
            )
            try:
                conn.execute(f'ALTER DATABASE "{name}" RENAME TO "{fresh}"')
                break
            except psycopg.errors.ObjectInUse:  # a session not gone yet, or just back
                time.sleep(0.05)
        else:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
            return
    try:
        with _connect(database_url(fresh)) as conn:
            with conn.transaction():  # DELETE: TRUNCATE makes (and syncs) new files
                conn.execute("SET LOCAL session_replication_role = replica")  # no FK order
                for table in _tables(conn):
                    conn.execute(f'DELETE FROM "{table}"')
                sequences = conn.execute(
                    "SELECT sequencename FROM pg_sequences WHERE schemaname = 'public'"
                ).fetchall()
                for (sequence,) in sequences:
                    conn.execute(f'ALTER SEQUENCE "{sequence}" RESTART')
            clean = _template_state is not None and _state(conn) == _template_state
    except psycopg.Error:
        clean = False
    if clean:
        _free.append(fresh)
    else:
        drop_database(database_url(fresh))


def db_for(directory: Path) -> str | None:
    """On the PostgreSQL pass, the database standing for a deployment directory's store,
    for fixtures wider than one test and for child processes; None on SQLite."""
    note_engine_use(f"tests.pg.db_for({directory})")
    if ENGINE != "postgresql":
        return None
    return database_for(f"{directory}:deployment")[0]


def child_env(directory: Path) -> dict[str, str]:
    """Environment that puts a child `interlock` process on `db_for(directory)`."""
    db = db_for(directory)
    return {"INTERLOCK_DB": db} if db else {}


def drop_test_databases() -> None:
    """Every database this test run made (those of wider fixtures outlive their tests)."""
    with _connect() as conn:
        names = conn.execute(
            "SELECT datname FROM pg_database WHERE starts_with(datname, %s)", (PREFIX,)
        ).fetchall()
        for (name,) in names:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    _given.clear()
    _free.clear()


def block_connections(url: str, allow: bool) -> None:
    """Shut a database to new connections and cut its open ones (allow=False), as a
    restart or failover would; allow=True opens it again."""
    import psycopg

    name = url.rpartition("/")[2]
    with psycopg.connect(ADMIN_URL, autocommit=True) as conn:
        conn.execute(f'ALTER DATABASE "{name}" ALLOW_CONNECTIONS {str(allow).lower()}')
        if not allow:
            conn.execute(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = %s",
                (name,),
            )


# ---- which tests use the engine under test ------------------------------------------------
# The PostgreSQL pass differs from the SQLite pass only where a test reaches a store by a
# path (interlock.store.store_url, redirected by tests/conftest.py), or asks this module for
# the database that stands for a path (db_for, child_env, database_for; conftest's
# deployment_env). A test marked `engine_free` must do neither: the guard below records
# each such use while such a test runs, and conftest fails the test if any was made.
_uses: list[str] | None = None


def note_engine_use(what: str) -> None:
    """Called wherever a test reaches the engine under test."""
    if _uses is not None:
        _uses.append(what)


def watch_engine_use(on: bool) -> list[str]:
    """Start recording engine uses (a fresh list, returned), or stop (the list so far)."""
    global _uses
    found = _uses or []
    _uses = [] if on else None
    return _uses if on else found
