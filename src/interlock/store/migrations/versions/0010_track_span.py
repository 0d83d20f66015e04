"""Schema 10: each track-history row's span class (store.sql_history.span_class: its time
after its predecessor, rounded up to a power of two), filled for the rows stored, and the
picture-at-a-moment index led by it, (domain, span, time, prev_time), in place of
(domain, time, prev_time): the picture at T then reads each class over [T, T + its bound]
only, a few rows a track instead of every row of the staleness reach.

Revision ID: 0010
Revises: 0009
"""

import sqlalchemy as sa
from alembic import op

from interlock.store.migrations.helpers import set_schema_version
from interlock.store.sql_history import SPAN_CLASS_SQL

revision = "0010"
down_revision = "0009"


def upgrade() -> None:
    bind = op.get_bind()
    inspector = sa.inspect(bind)
    columns = {c["name"] for c in inspector.get_columns("track_fixes")}
    if "span" not in columns:
        op.add_column(
            "track_fixes", sa.Column("span", sa.Integer, nullable=False, server_default="0")
        )
        bind.execute(sa.text(f"UPDATE track_fixes SET span = {SPAN_CLASS_SQL}"))
    indexes = {i["name"] for i in sa.inspect(bind).get_indexes("track_fixes")}
    if "ix_track_fixes_time" in indexes:
        op.drop_index("ix_track_fixes_time", table_name="track_fixes")
    if "ix_track_fixes_span" not in indexes:
        op.create_index(
            "ix_track_fixes_span", "track_fixes", ["domain", "span", "time", "prev_time"]
        )
    set_schema_version(10)
