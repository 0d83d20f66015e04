"""Schema 6: hazards, third-party weapon engagement zones any party may report and every
party sees (model.hazard). Few (tens to thousands) and read whole by detection: no index.

Revision ID: 0006
Revises: 0005
"""

import sqlalchemy as sa

from interlock.store.migrations.helpers import create_missing, set_schema_version

revision = "0006"
down_revision = "0005"


def upgrade() -> None:
    create_missing(
        "hazards",
        sa.Column(
            "seq",
            sa.BigInteger().with_variant(sa.Integer, "sqlite"),
            primary_key=True,
            autoincrement=True,
        ),
        sa.Column("id", sa.String, nullable=False, unique=True),
        sa.Column("party", sa.String, nullable=False),
        sa.Column("created_at", sa.Float, nullable=False),
        sa.Column("retired_at", sa.Float),
        sa.Column("feature", sa.Text, nullable=False),
    )
    set_schema_version(6)
