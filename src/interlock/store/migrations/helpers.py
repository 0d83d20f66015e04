"""What the migrations share: idempotent table creation (stores made before alembic may
already hold a later table) and the schema number kept in `schema_meta`."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from alembic import op


def create_missing(name: str, *items: Any, **kwargs: Any) -> bool:
    """Create the table unless it exists; True if it was created."""
    if sa.inspect(op.get_bind()).has_table(name):
        return False
    op.create_table(name, *items, **kwargs)
    return True


def set_schema_version(version: int) -> None:
    bind = op.get_bind()
    updated = bind.execute(
        sa.text("UPDATE schema_meta SET value = :v WHERE key = 'schema_version'"),
        {"v": str(version)},
    ).rowcount
    if not updated:
        bind.execute(
            sa.text("INSERT INTO schema_meta (key, value) VALUES ('schema_version', :v)"),
            {"v": str(version)},
        )


def dialect() -> str:
    return str(op.get_bind().dialect.name)
