"""Schema 3: the hotline (messages, recipients and their receipts, the per-party inbox the
push stream reads, the channel's heartbeat state). Earlier entries have no inbox rows.

Revision ID: 0003
Revises: 0002
"""

import sqlalchemy as sa
from alembic import op

from interlock.store.migrations.helpers import create_missing, set_schema_version

revision = "0003"
down_revision = "0002"


def upgrade() -> None:
    create_missing(
        "inbox",
        sa.Column("party", sa.String, nullable=False),
        sa.Column("seq", sa.Integer, nullable=False),
        sa.PrimaryKeyConstraint("party", "seq"),
        sqlite_with_rowid=False,
    )
    if create_missing(
        "messages",
        sa.Column("seq", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("id", sa.String, nullable=False, unique=True),
        sa.Column("sender", sa.String, nullable=False),
        sa.Column("priority", sa.String, nullable=False),
        sa.Column("sent_at", sa.Float, nullable=False),
        sa.Column("deadline_at", sa.Float, nullable=False),
        sa.Column("ledger_seq", sa.Integer, nullable=False),
        sa.Column("event", sa.Text, nullable=False),
    ):
        op.create_index("ix_messages_sender", "messages", ["sender"])
    if create_missing(
        "message_recipients",
        sa.Column("message_id", sa.String, nullable=False),
        sa.Column("party", sa.String, nullable=False),
        sa.Column("delivered_at", sa.Float),
        sa.Column("acked_at", sa.Float),
        sa.Column("reply", sa.Text),
        sa.Column("escalations", sa.Integer, nullable=False),
        sa.Column("next_escalation_at", sa.Float),
        sa.PrimaryKeyConstraint("message_id", "party"),
    ):
        op.create_index("ix_recipients_party", "message_recipients", ["party", "message_id"])
        op.create_index("ix_recipients_due", "message_recipients", ["next_escalation_at"])
    create_missing(
        "channel",
        sa.Column("party", sa.String, primary_key=True),
        sa.Column("last_seen", sa.Float, nullable=False),
        sa.Column("state", sa.String, nullable=False),
    )
    set_schema_version(3)
