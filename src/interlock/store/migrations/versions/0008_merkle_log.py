"""Schema 8: the verifiable log (ledger.merkle, ledger.checkpoint): the hash of every
complete subtree of the Merkle tree over the ledger entries, the checkpoints the server
signs (one per commit batch) and the parties' cosignatures on them. A ledger written
before is put in the tree here, in order.

Revision ID: 0008
Revises: 0007
"""

import sqlalchemy as sa

from interlock.store.migrations.helpers import create_missing, set_schema_version
from interlock.store.sql_log import backfill_nodes

revision = "0008"
down_revision = "0007"

Int64 = sa.BigInteger().with_variant(sa.Integer, "sqlite")


def upgrade() -> None:
    from alembic import op

    created = create_missing(
        "merkle_nodes",
        sa.Column("level", sa.Integer, nullable=False),
        sa.Column("idx", Int64, nullable=False),
        sa.Column("hash", sa.LargeBinary, nullable=False),
        sa.PrimaryKeyConstraint("level", "idx"),
        sqlite_with_rowid=False,
    )
    create_missing(
        "checkpoints",
        sa.Column("origin", sa.String, nullable=False),
        sa.Column("size", Int64, nullable=False),
        sa.Column("root", sa.LargeBinary, nullable=False),
        sa.Column("signed_at", Int64, nullable=False),
        sa.Column("note", sa.Text, nullable=False),
        sa.PrimaryKeyConstraint("origin", "size"),
        sqlite_with_rowid=False,  # one B-tree: one page more per commit, not two
    )
    create_missing(
        "cosignatures",
        sa.Column("origin", sa.String, nullable=False),
        sa.Column("size", Int64, nullable=False),
        sa.Column("party", sa.String, nullable=False),
        sa.Column("signed_at", Int64, nullable=False),
        sa.Column("line", sa.Text, nullable=False),
        sa.PrimaryKeyConstraint("origin", "size", "party"),
        sqlite_with_rowid=False,
    )
    if created:
        backfill_nodes(op.get_bind())
    set_schema_version(8)
