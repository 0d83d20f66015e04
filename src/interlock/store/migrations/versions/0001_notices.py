"""Schema 1: notices and their versions, assets, conflicts, violations, tokens, and the
4D candidate index (SQLite: R*Tree; PostgreSQL: GiST over `cube` boxes).

Revision ID: 0001
Revises:
"""

import sqlalchemy as sa
from alembic import op

from interlock.store.migrations.helpers import create_missing, dialect, set_schema_version

revision = "0001"
down_revision = None

# Boxes are (lon, lat, height m, minutes since 2020). SQLite's R*Tree rounds bounds
# outwards to float32; PostgreSQL's cube holds float8. Entry id = seq*2 + k.
RTREE = (
    "CREATE VIRTUAL TABLE IF NOT EXISTS {0} USING rtree("
    "id, min_lon, max_lon, min_lat, max_lat, min_h, max_h, min_t, max_t, +seq INTEGER)"
)
CUBE = [
    "CREATE EXTENSION IF NOT EXISTS cube",
    "CREATE TABLE IF NOT EXISTS {0} (id BIGINT PRIMARY KEY, seq BIGINT NOT NULL, "
    "box cube NOT NULL)",
    "CREATE INDEX IF NOT EXISTS ix_{0}_box ON {0} USING gist (box)",
    "CREATE INDEX IF NOT EXISTS ix_{0}_seq ON {0} (seq)",
]


def upgrade() -> None:
    create_missing(
        "schema_meta",
        sa.Column("key", sa.String, primary_key=True),
        sa.Column("value", sa.String, nullable=False),
    )
    create_missing(
        "party_tokens",
        sa.Column("token_sha256", sa.String(64), primary_key=True),
        sa.Column("party", sa.String, nullable=False),
    )
    if create_missing(
        "notices",
        sa.Column("seq", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("id", sa.String, nullable=False, unique=True),
        sa.Column("party", sa.String, nullable=False),
        sa.Column("domain", sa.String, nullable=False),
        sa.Column("current_version", sa.Integer, nullable=False),
        sa.Column("created_at", sa.Float, nullable=False),
        sa.Column("cancelled_at", sa.Float),
        sa.Column("start_ts", sa.Float, nullable=False),
        sa.Column("end_ts", sa.Float, nullable=False),
    ):
        op.create_index("ix_notices_party", "notices", ["party"])
        op.create_index("ix_notices_start", "notices", ["start_ts"])
    create_missing(
        "notice_versions",
        sa.Column("notice_id", sa.String, sa.ForeignKey("notices.id"), nullable=False),
        sa.Column("version", sa.Integer, nullable=False),
        sa.Column("filed_at", sa.Float, nullable=False),
        sa.Column("feature", sa.Text, nullable=False),
        sa.PrimaryKeyConstraint("notice_id", "version"),
    )
    create_missing(
        "assets",
        sa.Column("seq", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("id", sa.String, nullable=False, unique=True),
        sa.Column("party", sa.String, nullable=False),
        sa.Column("kind", sa.String, nullable=False),
        sa.Column("created_at", sa.Float, nullable=False),
        sa.Column("retired_at", sa.Float),
        sa.Column("feature", sa.Text, nullable=False),
    )
    if create_missing(
        "conflicts",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("a_kind", sa.String, nullable=False),
        sa.Column("a_id", sa.String, nullable=False),
        sa.Column("a_version", sa.Integer, nullable=False),
        sa.Column("b_kind", sa.String, nullable=False),
        sa.Column("b_id", sa.String, nullable=False),
        sa.Column("b_version", sa.Integer, nullable=False),
        sa.Column("a_party", sa.String, nullable=False),
        sa.Column("b_party", sa.String, nullable=False),
        sa.Column("severity", sa.String, nullable=False),
        sa.Column("detected_at", sa.Float, nullable=False),
        sa.Column("closed_at", sa.Float),
        sa.Column("closed_reason", sa.String),
        sa.Column("body", sa.Text, nullable=False),
    ):
        op.create_index("ix_conflicts_a", "conflicts", ["a_id"])
        op.create_index("ix_conflicts_b", "conflicts", ["b_id"])
    if create_missing(
        "violations",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("kind", sa.String, nullable=False),
        sa.Column("notice_id", sa.String, nullable=False),
        sa.Column("version", sa.Integer, nullable=False),
        sa.Column("party", sa.String, nullable=False),
        sa.Column("detected_at", sa.Float, nullable=False),
        sa.Column("body", sa.Text, nullable=False),
    ):
        op.create_index("ix_violations_notice", "violations", ["notice_id"])
    for table in ("notice_index", "asset_index"):
        if dialect() == "sqlite":
            op.execute(RTREE.format(table))
        else:
            for ddl in CUBE:
                op.execute(ddl.format(table))
    set_schema_version(1)
