"""Schema 11: the shared live picture's tables (store.picture_share): the inbox of feed
batches posted to processes that do not own the picture, and the owner's one snapshot
row. Used on PostgreSQL (several processes); on SQLite the one process owns the picture
and they stay empty.

Revision ID: 0011
Revises: 0010
"""

import sqlalchemy as sa

from interlock.store.migrations.helpers import create_missing, set_schema_version

revision = "0011"
down_revision = "0010"


def upgrade() -> None:
    create_missing(
        "picture_inbox",
        sa.Column(
            "id",
            sa.BigInteger().with_variant(sa.Integer, "sqlite"),
            primary_key=True,
            autoincrement=True,
        ),
        sa.Column("party", sa.String, nullable=False),
        sa.Column("feed", sa.String, nullable=False),
        sa.Column("payload", sa.LargeBinary, nullable=False),
        sa.Column("posted_at", sa.Float, nullable=False),
        sa.Column("result", sa.LargeBinary),
        sa.Column("done_at", sa.Float),
    )
    create_missing(
        "picture_snapshot",
        sa.Column("id", sa.Integer, sa.CheckConstraint("id = 1"), primary_key=True),
        sa.Column("seq", sa.BigInteger, nullable=False),
        sa.Column("epoch", sa.BigInteger, nullable=False),
        sa.Column("last_inbox", sa.BigInteger, nullable=False),
        sa.Column("published_at", sa.Float, nullable=False),
        sa.Column("state", sa.LargeBinary, nullable=False),
    )
    set_schema_version(11)
