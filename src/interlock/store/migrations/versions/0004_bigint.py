"""Schema 4: 64-bit integers on PostgreSQL. SERIAL and INTEGER are 32-bit there, so a
sequence number or version the API admits (up to 2**63 - 1) failed as "integer out of
range" (found by schemathesis); SQLite's INTEGER is 64-bit already.

Revision ID: 0004
Revises: 0003
"""

import sqlalchemy as sa
from alembic import op

from interlock.store.migrations.helpers import dialect, set_schema_version

revision = "0004"
down_revision = "0003"

WIDENED = {
    "notices": ("seq", "current_version"),
    "notice_versions": ("version",),
    "assets": ("seq",),
    "conflicts": ("id", "a_version", "b_version"),
    "violations": ("id", "version"),
    "ledger": ("seq",),
    "inbox": ("seq",),
    "messages": ("seq", "ledger_seq"),
    "message_recipients": ("escalations",),
}
SERIAL = (
    ("notices", "seq"),
    ("assets", "seq"),
    ("conflicts", "id"),
    ("violations", "id"),
    ("messages", "seq"),
)


def upgrade() -> None:
    if dialect() == "postgresql":
        for table, columns in WIDENED.items():
            for column in columns:
                op.alter_column(table, column, type_=sa.BigInteger, existing_type=sa.Integer)
        for table, column in SERIAL:
            op.execute(f"ALTER SEQUENCE {table}_{column}_seq AS bigint")
    set_schema_version(4)
