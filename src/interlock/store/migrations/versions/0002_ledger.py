"""Schema 2: the ledger (hash chain; it starts empty on a migrated store) and the nonces
of signed envelopes (a replay is refused).

Revision ID: 0002
Revises: 0001
"""

import sqlalchemy as sa

from interlock.store.migrations.helpers import create_missing, set_schema_version

revision = "0002"
down_revision = "0001"


def upgrade() -> None:
    # No secondary indexes on the ledger: each adds pages to every durable commit.
    create_missing(
        "ledger",
        sa.Column("seq", sa.Integer, primary_key=True, autoincrement=False),
        sa.Column("prev_hash", sa.String(64), nullable=False),
        sa.Column("received_at", sa.String, nullable=False),
        sa.Column("content_hash", sa.String(64), nullable=False),
        sa.Column("hash", sa.String(64), nullable=False),
        sa.Column("kind", sa.String, nullable=False),
        sa.Column("ref", sa.String),
        sa.Column("event", sa.Text, nullable=False),
    )
    create_missing(
        "nonces",
        sa.Column("nonce", sa.String, primary_key=True),
        sa.Column("party", sa.String, nullable=False),
        sa.Column("seen_at", sa.Float, nullable=False),
    )
    set_schema_version(2)
