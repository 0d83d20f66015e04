"""PostgreSQL's side of one live picture shared by several API processes.

- The lease: a session advisory lock (`PICTURE_LOCK`, not the ledger's `WRITE_LOCK`) held
  on a connection of its own by the process that owns ingest and the tactical scan. A
  killed owner's connection drops and the server frees the lock; the others try it again
  every second. The same connection LISTENs on `CHANNEL` for the others' posts, results
  and snapshots.
- The inbox (`picture_inbox`): feed batches posted to a process that is not the owner,
  applied by the owner in id order; each row gets the owner's answer (`result`).
- The snapshot (`picture_snapshot`, one row): the owner's picture, alerts and stats
  (`state`: what the others serve and what a new owner carries on from), with the last
  inbox id applied and the owner's epoch. A publish names its epoch, so a process that
  lost the lease without knowing it (paused, cut off) writes nothing: a takeover raises
  the epoch first.

The tables are coordination, not record (nothing in them is evidence; applied rows are
deleted): made by migration 0011 on both engines, used on PostgreSQL only.
"""

from __future__ import annotations

import contextlib
import time
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import psycopg
from sqlalchemy import Connection

from .cursor import cursor
from .postgres import libpq_url

PICTURE_LOCK = 0x50494354  # "PICT": the picture owner's session lock (WRITE_LOCK is "INTL")
INBOX_LOCK = 0x50494349  # "PICI": posts count the backlog one at a time (an exact bound)
CHANNEL = "interlock_picture"
# What a NOTIFY on CHANNEL says happened.
POSTED, ANSWERED, PUBLISHED = "posted", "answered", "published"

# the tables: store.schema (picture_inbox, picture_snapshot), made by migration 0011
_SNAPSHOT_ROW = "INSERT INTO picture_snapshot VALUES (1, 0, 0, 0, 0, '') ON CONFLICT DO NOTHING"


@dataclass(frozen=True)
class InboxRow:
    id: int
    party: str
    feed: str
    payload: bytes


@dataclass(frozen=True)
class Snapshot:
    seq: int
    epoch: int
    last_inbox: int
    state: bytes


def ensure_snapshot_row(conn: Connection) -> None:
    """The one snapshot row, made by the first process to start (not by the migration: a
    database emptied for reuse must read as new)."""
    cur = cursor(conn)
    cur.execute(_SNAPSHOT_ROW)
    cur.close()


def post(conn: Connection, party: str, feed: str, payload: bytes, max_backlog: int) -> int | None:
    """Queue a batch; its id, or None when `max_backlog` rows wait unapplied already (not
    answered, and after the last row the snapshot covers)."""
    cur = cursor(conn)
    cur.execute("SELECT pg_advisory_xact_lock(?)", (INBOX_LOCK,))
    (waiting,) = cur.execute(
        "SELECT count(*) FROM picture_inbox WHERE done_at IS NULL "
        "AND id > (SELECT last_inbox FROM picture_snapshot WHERE id = 1)"
    ).fetchone()
    if waiting >= max_backlog:
        return None
    (row_id,) = cur.execute(
        "INSERT INTO picture_inbox (party, feed, payload, posted_at) VALUES (?, ?, ?, ?) "
        "RETURNING id",
        (party, feed, payload, time.time()),
    ).fetchone()
    cur.execute("SELECT pg_notify(?, ?)", (CHANNEL, POSTED))
    return int(row_id)


def result(conn: Connection, row_id: int) -> tuple[bool, bytes | None]:
    """(whether the row is still there, the owner's answer if given)."""
    row = (
        cursor(conn).execute("SELECT result FROM picture_inbox WHERE id = ?", (row_id,)).fetchone()
    )
    return (False, None) if row is None else (True, None if row[0] is None else bytes(row[0]))


def pending(conn: Connection, after: int, limit: int) -> list[InboxRow]:
    """Rows after id `after`, oldest first (applied or not: a new owner re-applies those
    its predecessor applied after its last snapshot)."""
    rows = cursor(conn).execute(
        "SELECT id, party, feed, payload FROM picture_inbox WHERE id > ? ORDER BY id LIMIT ?",
        (after, limit),
    )
    return [InboxRow(int(i), p, f, bytes(b)) for i, p, f, b in rows.fetchall()]


def answer(conn: Connection, answers: list[tuple[int, bytes]]) -> None:
    cur = cursor(conn)
    now = time.time()
    cur.executemany(
        "UPDATE picture_inbox SET result = ?, done_at = ? WHERE id = ?",
        [(body, now, i) for i, body in answers],
    )
    cur.execute("SELECT pg_notify(?, ?)", (CHANNEL, ANSWERED))


def latest(conn: Connection, after_seq: int) -> Snapshot | None:
    """The snapshot if newer than `after_seq`."""
    cur = cursor(conn)
    row = cur.execute(
        "SELECT seq, epoch, last_inbox, state FROM picture_snapshot WHERE id = 1 AND seq > ?",
        (after_seq,),
    ).fetchone()
    return None if row is None else Snapshot(row[0], row[1], row[2], bytes(row[3]))


def take_over(conn: Connection) -> Snapshot:
    """Raise the epoch (fencing off any earlier owner's publishes) and read the snapshot
    to carry on from."""
    cur = cursor(conn)
    row = cur.execute(
        "UPDATE picture_snapshot SET epoch = epoch + 1 WHERE id = 1 "
        "RETURNING seq, epoch, last_inbox, state"
    ).fetchone()
    return Snapshot(row[0], row[1], row[2], bytes(row[3]))


def publish(
    conn: Connection, epoch: int, state: bytes, last_inbox: int, keep_s: float
) -> int | None:
    """Write the snapshot if `epoch` still owns it, and delete the inbox rows it covers
    answered (or, by an owner that died before answering, posted) more than `keep_s` ago
    (time for their posters to read the answer); its new sequence number, or None: the
    lease was lost (nothing written)."""
    cur = cursor(conn)
    row = cur.execute(
        "UPDATE picture_snapshot SET seq = seq + 1, last_inbox = ?, published_at = ?, "
        "state = ? WHERE id = 1 AND epoch = ? RETURNING seq",
        (last_inbox, time.time(), state, epoch),
    ).fetchone()
    if row is None:
        return None
    cur.execute(
        "DELETE FROM picture_inbox WHERE id <= ? AND coalesce(done_at, posted_at) < ?",
        (last_inbox, time.time() - keep_s),
    )
    cur.execute("SELECT pg_notify(?, ?)", (CHANNEL, PUBLISHED))
    return int(row[0])


class Lease:
    """The owner's lock and every process's ear on `CHANNEL`, on one connection of its own;
    used by one thread."""

    def __init__(self, url: str) -> None:
        self._url = libpq_url(url)
        self._conn: psycopg.Connection[Any] | None = None
        self.held = False

    def try_take(self) -> bool:
        """Whether this process holds the lease now (taken now or before). A lost
        connection loses it (and is made again for the next try)."""
        try:
            conn = self._connect()
            if not self.held:
                row = conn.execute("SELECT pg_try_advisory_lock(%s)", (PICTURE_LOCK,)).fetchone()
                self.held = bool(row and row[0])
            else:
                conn.execute("SELECT 1")  # still connected: still held
        except psycopg.Error:
            self._drop()
        return self.held

    def heard(self, timeout: float) -> set[str]:
        """What was NOTIFY'd on the channel within `timeout` seconds (returns at the first)."""
        conn = self._conn
        if conn is None:
            time.sleep(timeout)
            return set()
        try:
            return {n.payload for n in self._notifies(conn, timeout)}
        except psycopg.Error:
            self._drop()
            return set()

    @staticmethod
    def _notifies(conn: psycopg.Connection[Any], timeout: float) -> Iterator[psycopg.Notify]:
        yield from conn.notifies(timeout=timeout, stop_after=1)
        yield from conn.notifies(timeout=0)  # and whatever came with it

    def _connect(self) -> psycopg.Connection[Any]:
        if self._conn is None or self._conn.closed:
            self.held = False
            self._conn = psycopg.connect(self._url, autocommit=True, connect_timeout=5)
            self._conn.execute(f"LISTEN {CHANNEL}")
        return self._conn

    def _drop(self) -> None:
        self.held = False
        if self._conn is not None:
            with contextlib.suppress(psycopg.Error):
                self._conn.close()
        self._conn = None

    def close(self) -> None:
        self._drop()  # the server frees the lock with the session
