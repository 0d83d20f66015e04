"""The relational schema (SQLAlchemy Core), versioned so later issues can migrate.

Nothing is ever deleted: a notice keeps every version; cancellation is a time stamp;
conflicts are closed, not removed.
"""

from __future__ import annotations

from sqlalchemy import (
    BigInteger,
    Boolean,
    CheckConstraint,
    Column,
    Float,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    PrimaryKeyConstraint,
    String,
    Table,
    Text,
)

SCHEMA_VERSION = 11
# 2: the ledger (hash chain); it starts empty on a migrated store.
# 3: the hotline (messages, recipients, inbox, channel); earlier entries have no inbox rows.
# 4: 64-bit integers on PostgreSQL (SQLite's INTEGER always was): sequence numbers and
#    versions take any value the API admits (up to 2**63 - 1).
# 7: each ledger entry's audience (in its hash) and the openings of its committed fields.
# 8: the verifiable log: Merkle nodes, signed checkpoints, cosignatures (store.sql_log).
# 9: track history: the kept fixes of every track (store.sql_history).

# SQLite keeps INTEGER (an INTEGER PRIMARY KEY is the rowid: 64-bit, autoincrementing).
Int64 = BigInteger().with_variant(Integer(), "sqlite")

metadata = MetaData()

schema_meta = Table(
    "schema_meta",
    metadata,
    Column("key", String, primary_key=True),
    Column("value", String, nullable=False),
)

party_tokens = Table(
    "party_tokens",
    metadata,
    Column("token_sha256", String(64), primary_key=True),
    Column("party", String, nullable=False),
)

notices = Table(
    "notices",
    metadata,
    Column("seq", Int64, primary_key=True, autoincrement=True),
    Column("id", String, nullable=False, unique=True),
    Column("party", String, nullable=False),
    Column("domain", String, nullable=False),
    Column("current_version", Int64, nullable=False, default=0),
    Column("created_at", Float, nullable=False),
    Column("cancelled_at", Float),
    Column("start_ts", Float, nullable=False, default=0.0),
    Column("end_ts", Float, nullable=False, default=0.0),
    Index("ix_notices_party", "party"),
    Index("ix_notices_start", "start_ts"),
)

notice_versions = Table(
    "notice_versions",
    metadata,
    Column("notice_id", String, ForeignKey("notices.id"), nullable=False),
    Column("version", Int64, nullable=False),
    Column("filed_at", Float, nullable=False),
    Column("feature", Text, nullable=False),
    PrimaryKeyConstraint("notice_id", "version"),
)

assets = Table(
    "assets",
    metadata,
    Column("seq", Int64, primary_key=True, autoincrement=True),
    Column("id", String, nullable=False, unique=True),
    Column("party", String, nullable=False),
    Column("kind", String, nullable=False),
    Column("created_at", Float, nullable=False),
    Column("retired_at", Float),
    Column("feature", Text, nullable=False),
)

hazards = Table(  # third-party weapon engagement zones any party reports (model.hazard)
    "hazards",
    metadata,
    Column("seq", Int64, primary_key=True, autoincrement=True),
    Column("id", String, nullable=False, unique=True),
    Column("party", String, nullable=False),  # the reporting party
    Column("created_at", Float, nullable=False),
    Column("retired_at", Float),
    Column("feature", Text, nullable=False),
)

conflicts = Table(
    "conflicts",
    metadata,
    Column("id", Int64, primary_key=True, autoincrement=True),
    Column("a_kind", String, nullable=False),
    Column("a_id", String, nullable=False),
    Column("a_version", Int64, nullable=False),
    Column("b_kind", String, nullable=False),
    Column("b_id", String, nullable=False),
    Column("b_version", Int64, nullable=False),
    Column("a_party", String, nullable=False),
    Column("b_party", String, nullable=False),
    Column("severity", String, nullable=False),
    Column("detected_at", Float, nullable=False),
    Column("closed_at", Float),
    Column("closed_reason", String),
    Column("body", Text, nullable=False),
    Index("ix_conflicts_a", "a_id"),
    Index("ix_conflicts_b", "b_id"),
)

violations = Table(
    "violations",
    metadata,
    Column("id", Int64, primary_key=True, autoincrement=True),
    Column("kind", String, nullable=False),
    Column("notice_id", String, nullable=False),
    Column("version", Int64, nullable=False),
    Column("party", String, nullable=False),
    Column("detected_at", Float, nullable=False),
    Column("body", Text, nullable=False),
    Index("ix_violations_notice", "notice_id"),
)

ledger = Table(
    "ledger",
    metadata,
    Column("seq", Int64, primary_key=True, autoincrement=False),
    Column("prev_hash", String(64), nullable=False),
    Column("received_at", String, nullable=False),
    Column("content_hash", String(64), nullable=False),
    Column("hash", String(64), nullable=False),
    Column("kind", String, nullable=False),
    Column("ref", String),
    Column("event", Text, nullable=False),
    # JSON: the sorted parties who may read the event (in the entry hash; NULL on entries
    # chained before schema 7), and the openings of its committed fields (outside every
    # hash: see ledger.commitments).
    Column("audience", Text),
    Column("openings", Text),
    # No secondary indexes: every one adds pages to each durable commit; look-ups by ref
    # (timelines) are rare and may scan, or migrate an index in when they become common.
)

nonces = Table(  # every signed envelope's nonce, once per signer: a replay is refused
    "nonces",
    metadata,
    Column("party", String, primary_key=True),
    Column("nonce", String, primary_key=True),
    Column("seen_at", Float, nullable=False),
)

inbox = Table(  # who each ledger entry is addressed to: the push stream reads this
    "inbox",
    metadata,
    Column("party", String, nullable=False),
    Column("seq", Int64, nullable=False),
    PrimaryKeyConstraint("party", "seq"),
    sqlite_with_rowid=False,
)

messages = Table(
    "messages",
    metadata,
    Column("seq", Int64, primary_key=True, autoincrement=True),
    Column("id", String, nullable=False, unique=True),
    Column("sender", String, nullable=False),
    Column("priority", String, nullable=False),
    Column("sent_at", Float, nullable=False),
    Column("deadline_at", Float, nullable=False),
    Column("ledger_seq", Int64, nullable=False),
    Column("event", Text, nullable=False),  # the recorded event (envelope included)
    Index("ix_messages_sender", "sender"),
)

message_recipients = Table(
    "message_recipients",
    metadata,
    Column("message_id", String, nullable=False),
    Column("party", String, nullable=False),
    Column("delivered_at", Float),
    Column("acked_at", Float),
    Column("reply", Text),
    Column("escalations", Int64, nullable=False, default=0),
    Column("next_escalation_at", Float),  # NULL once acknowledged
    PrimaryKeyConstraint("message_id", "party"),
    Index("ix_recipients_party", "party", "message_id"),
    Index("ix_recipients_due", "next_escalation_at"),
)

channel = Table(  # each party's client heartbeat and the hotline state the others were told
    "channel",
    metadata,
    Column("party", String, primary_key=True),
    Column("last_seen", Float, nullable=False),
    Column("state", String, nullable=False),  # "up" | "down"
)

merkle_nodes = Table(  # every complete subtree of the Merkle tree over the ledger
    "merkle_nodes",
    metadata,
    Column("level", Integer, nullable=False),
    Column("idx", Int64, nullable=False),
    Column("hash", LargeBinary, nullable=False),
    PrimaryKeyConstraint("level", "idx"),
    sqlite_with_rowid=False,
)

checkpoints = Table(  # the server's signed checkpoints (C2SP signed notes), per log origin
    "checkpoints",
    metadata,
    Column("origin", String, nullable=False),
    Column("size", Int64, nullable=False),
    Column("root", LargeBinary, nullable=False),
    Column("signed_at", Int64, nullable=False),
    Column("note", Text, nullable=False),
    PrimaryKeyConstraint("origin", "size"),
    sqlite_with_rowid=False,  # one B-tree: one page more per commit, not two
)

cosignatures = Table(  # each party's cosignature line on a checkpoint it verified
    "cosignatures",
    metadata,
    Column("origin", String, nullable=False),
    Column("size", Int64, nullable=False),
    Column("party", String, nullable=False),
    Column("signed_at", Int64, nullable=False),
    Column("line", Text, nullable=False),
    PrimaryKeyConstraint("origin", "size", "party"),
    sqlite_with_rowid=False,
)

# Track history: kept fixes per (identity, reporting party) (store.sql_history).
track_fixes = Table(
    "track_fixes",
    metadata,
    Column("track_id", String, nullable=False),
    Column("party", String, nullable=False),
    Column("time", Float, nullable=False),
    Column("prev_time", Float),  # the track's previous kept fix (NULL: none to bridge from)
    Column("domain", String, nullable=False),
    Column("owner", String),
    Column("source", String, nullable=False),
    Column("lon", Float, nullable=False),
    Column("lat", Float, nullable=False),
    Column("alt_ft", Float),
    Column("speed_kt", Float),
    Column("course_deg", Float),
    Column("name", String),
    Column("is_end", Boolean, nullable=False),  # no report: where the previous fix goes stale
    Column("cell", Integer, nullable=False),  # 1-degree cell (store.sql_history.cell_of)
    # time - prev_time rounded up to a power of two (store.sql_history.span_class)
    Column("span", Integer, nullable=False, server_default="0"),
    PrimaryKeyConstraint("track_id", "party", "time"),  # trails read one track in order
    # The picture at a moment reads the rows just after it per domain and span class,
    # prev_time from the index alone; a place is read by cell, then time.
    Index("ix_track_fixes_span", "domain", "span", "time", "prev_time"),
    Index("ix_track_fixes_cell", "cell", "time"),
    sqlite_with_rowid=False,  # clustered by track: no rowid B-tree beside the key's
)

# The 4D candidate indexes (notice_index, asset_index) are engine-specific: see
# migrations/versions/0001_notices.py and the engines' SpatialIndex.


# The shared live picture (store.picture_share, schema 11): feed batches posted to a
# process that does not own the picture, and the owner's snapshot (one row).
picture_inbox = Table(
    "picture_inbox",
    metadata,
    Column("id", Int64, primary_key=True, autoincrement=True),
    Column("party", String, nullable=False),
    Column("feed", String, nullable=False),
    Column("payload", LargeBinary, nullable=False),
    Column("posted_at", Float, nullable=False),
    Column("result", LargeBinary),
    Column("done_at", Float),
)
picture_snapshot = Table(
    "picture_snapshot",
    metadata,
    Column("id", Integer, CheckConstraint("id = 1"), primary_key=True),
    Column("seq", BigInteger, nullable=False),
    Column("epoch", BigInteger, nullable=False),
    Column("last_inbox", BigInteger, nullable=False),
    Column("published_at", Float, nullable=False),
    Column("state", LargeBinary, nullable=False),
)
