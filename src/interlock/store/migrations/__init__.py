"""Alembic migrations of the store, one history for both engines.

`upgrade(conn)` brings a store to the newest schema inside the caller's (serialised)
transaction. Stores made before alembic carry their schema number in `schema_meta`; they
are stamped at the matching revision first, so their upgrade starts where they are.
"""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Connection, inspect, text

from .. import schema as s

HERE = Path(__file__).parent


def _config(conn: Connection) -> Config:
    cfg = Config()
    cfg.set_main_option("script_location", str(HERE))
    cfg.attributes["connection"] = conn
    return cfg


def head() -> str:
    return ScriptDirectory(str(HERE)).get_current_head() or ""


def current(conn: Connection) -> str | None:
    return MigrationContext.configure(conn).get_current_revision()


def upgrade(conn: Connection) -> None:
    """Migrate to head; refuse a store newer than this interlock."""
    cfg = _config(conn)
    tables = set(inspect(conn).get_table_names())
    if "schema_meta" in tables:
        found = conn.execute(
            text("SELECT value FROM schema_meta WHERE key = 'schema_version'")
        ).scalar()
        if found is not None and int(found) > s.SCHEMA_VERSION:
            raise RuntimeError(
                f"store schema {found} is newer than this interlock ({s.SCHEMA_VERSION})"
            )
        if "alembic_version" not in tables and found is not None:
            command.stamp(cfg, f"{int(found):04d}")  # a store made before alembic
    command.upgrade(cfg, "head")
