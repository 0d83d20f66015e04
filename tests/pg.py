"""The test PostgreSQL cluster (started by `scripts/postgres`, named by INTERLOCK_TEST_PG).

Each test that needs PostgreSQL gets a fresh database of its own on that cluster, dropped
afterwards, so tests never see each other's rows.
"""

from __future__ import annotations

import os
import subprocess
import uuid
from pathlib import Path

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

    name = f"interlock_t_{uuid.uuid4().hex[:16]}"
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


TEMPLATE = "interlock_template"


def ensure_template() -> None:
    """A database migrated to head, copied for each test's database (a copy is cheaper
    than running the migrations each time). Rebuilt once per test session."""
    import psycopg

    from interlock.store import open_store

    with psycopg.connect(ADMIN_URL, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{TEMPLATE}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{TEMPLATE}"')
    open_store(database_url(TEMPLATE)).close()


def database_for(key: str) -> tuple[str, bool]:
    """The database standing for a SQLite target `key` in this test run (the same key, the
    same database: a test that reopens its file reopens its database); True if new."""
    import hashlib

    import psycopg

    name = "interlock_t_" + hashlib.sha1(key.encode()).hexdigest()[:20]
    with psycopg.connect(ADMIN_URL, autocommit=True) as conn:
        found = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", (name,)).fetchone()
        if found is None:
            conn.execute(f'CREATE DATABASE "{name}" TEMPLATE "{TEMPLATE}"')
    return database_url(name), found is None


def db_for(directory: Path) -> str | None:
    """On the PostgreSQL pass, the database standing for a deployment directory's store,
    for fixtures wider than one test and for child processes; None on SQLite."""
    if ENGINE != "postgresql":
        return None
    return database_for(f"{directory}:deployment")[0]


def child_env(directory: Path) -> dict[str, str]:
    """Environment that puts a child `interlock` process on `db_for(directory)`."""
    db = db_for(directory)
    return {"INTERLOCK_DB": db} if db else {}


def drop_test_databases() -> None:
    """Every database a test run made (those of wider fixtures outlive their tests)."""
    import psycopg

    with psycopg.connect(ADMIN_URL, autocommit=True) as conn:
        names = conn.execute(
            "SELECT datname FROM pg_database WHERE datname LIKE 'interlock_t_%%'"
        ).fetchall()
        for (name,) in names:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


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
