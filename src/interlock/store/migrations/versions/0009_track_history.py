"""Schema 9: track history (service.history): every track's kept fixes, clustered by
track (trails), indexed by domain and time (the picture at a moment) and by 1-degree cell
and time (a place over a period).

Revision ID: 0009
Revises: 0008
"""

import sqlalchemy as sa

from interlock.store.migrations.helpers import create_missing, set_schema_version

revision = "0009"
down_revision = "0008"


def upgrade() -> None:
    from alembic import op

    if create_missing(
        "track_fixes",
        sa.Column("track_id", sa.String, nullable=False),
        sa.Column("party", sa.String, nullable=False),
        sa.Column("time", sa.Float, nullable=False),
        sa.Column("prev_time", sa.Float),
        sa.Column("domain", sa.String, nullable=False),
        sa.Column("owner", sa.String),
        sa.Column("source", sa.String, nullable=False),
        sa.Column("lon", sa.Float, nullable=False),
        sa.Column("lat", sa.Float, nullable=False),
        sa.Column("alt_ft", sa.Float),
        sa.Column("speed_kt", sa.Float),
        sa.Column("course_deg", sa.Float),
        sa.Column("name", sa.String),
        sa.Column("is_end", sa.Boolean, nullable=False),
        sa.Column("cell", sa.Integer, nullable=False),
        sa.PrimaryKeyConstraint("track_id", "party", "time"),
        sqlite_with_rowid=False,
    ):
        op.create_index("ix_track_fixes_time", "track_fixes", ["domain", "time", "prev_time"])
        op.create_index("ix_track_fixes_cell", "track_fixes", ["cell", "time"])
    set_schema_version(9)
