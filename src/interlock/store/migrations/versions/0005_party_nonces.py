"""Schema 5: nonces are scoped per party. A signed envelope's nonce is the signer's own
(RFC 8785 body + nonce, signed): keyed on the nonce alone, one party's nonce could collide
with, and so block, another party's envelope. The key is now (party, nonce).

Revision ID: 0005
Revises: 0004
"""

import sqlalchemy as sa
from alembic import op

from interlock.store.migrations.helpers import set_schema_version

revision = "0005"
down_revision = "0004"


def upgrade() -> None:
    op.create_table(
        "nonces_v5",
        sa.Column("party", sa.String, primary_key=True),
        sa.Column("nonce", sa.String, primary_key=True),
        sa.Column("seen_at", sa.Float, nullable=False),
    )
    op.execute(
        "INSERT INTO nonces_v5 (party, nonce, seen_at) SELECT party, nonce, seen_at FROM nonces"
    )
    op.drop_table("nonces")
    op.rename_table("nonces_v5", "nonces")
    set_schema_version(5)
