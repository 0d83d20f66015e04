"""The hotline's tables: messages, their recipients' receipts, the inbox, the channel.

Mixed into the write transaction and the store of ``sql.py`` (both engines); plain SQL through the
DB-API cursor, as on the notice hot path, because a hotline send must stay far below the
20 ms delivery budget.
"""

from __future__ import annotations

from contextlib import AbstractContextManager
from typing import Any

import orjson
from sqlalchemy import Connection

from .cursor import cursor
from .rows import MessageRow, ReceiptRow

_INSERT_MESSAGE_SQL = (
    "INSERT INTO messages (id, sender, priority, sent_at, deadline_at, ledger_seq, event) "
    "VALUES (?, ?, ?, ?, ?, ?, ?)"
)
_INSERT_RECIPIENT_SQL = (
    "INSERT INTO message_recipients (message_id, party, escalations, next_escalation_at) "
    "VALUES (?, ?, 0, ?)"
)
_MESSAGE_SQL = (
    "SELECT id, sender, priority, sent_at, deadline_at, ledger_seq, event FROM messages "
    "WHERE id = ?"
)
_RECIPIENTS_SQL = (
    "SELECT party, delivered_at, acked_at, reply, escalations FROM message_recipients "
    "WHERE message_id = ? ORDER BY party"
)
INSERT_INBOX_SQL = "INSERT INTO inbox (party, seq) VALUES (?, ?)"
_INBOX_SQL = (
    "SELECT l.seq, l.prev_hash, l.received_at, l.content_hash, l.hash, l.event, "
    "l.audience, l.openings "
    "FROM inbox i JOIN ledger l ON l.seq = i.seq WHERE i.party = ? AND i.seq > ? "
    "ORDER BY i.seq LIMIT ?"
)

# What a party may refer to: every notice and violation (all parties see them), the
# conflicts it is a party to, and the messages it sent or was sent (model.visibility).
_REF_SQL = {
    "notice": "SELECT 1 FROM notices WHERE id = ?",
    "conflict": "SELECT 1 FROM conflicts WHERE id = ? AND ? IN (a_party, b_party)",
    "violation": "SELECT 1 FROM violations WHERE id = ?",
    "message": (
        "SELECT 1 FROM messages m WHERE m.id = ? AND (m.sender = ? OR EXISTS "
        "(SELECT 1 FROM message_recipients r WHERE r.message_id = m.id AND r.party = ?))"
    ),
}


LEDGER_COLUMNS = "seq, prev_hash, received_at, content_hash, hash, event, audience, openings"


def ledger_entry(r: Any) -> dict[str, Any]:
    """A ledger row (`LEDGER_COLUMNS`) as an entry: audience and openings only where the
    row has them (an entry chained before schema 7 has neither)."""
    entry: dict[str, Any] = {
        "seq": r[0],
        "prev_hash": r[1],
        "received_at": r[2],
        "content_hash": r[3],
        "hash": r[4],
        "event": orjson.loads(r[5]),
    }
    if r[6] is not None:
        entry["audience"] = orjson.loads(r[6])
    if r[7] is not None:
        entry["openings"] = orjson.loads(r[7])
    return entry


def _channel_states(conn: Connection) -> dict[str, tuple[float, str]]:
    """Each party's last heartbeat and the hotline state the others were told."""
    cur = cursor(conn)
    rows = cur.execute("SELECT party, last_seen, state FROM channel").fetchall()
    cur.close()
    return {p: (seen, state) for p, seen, state in rows}


def _message(cur: Any, message_id: str) -> MessageRow | None:
    r = cur.execute(_MESSAGE_SQL, (message_id,)).fetchone()
    if r is None:
        return None
    recipients = tuple(
        ReceiptRow(p, d, a, reply, n)
        for p, d, a, reply, n in cur.execute(_RECIPIENTS_SQL, (message_id,)).fetchall()
    )
    return MessageRow(r[0], r[1], r[2], r[3], r[4], r[5], orjson.loads(r[6]), recipients)


class HotlineWrites:
    """Hotline writes inside the store's serialised write transaction."""

    conn: Connection

    def insert_message(self, message: MessageRow) -> None:
        """A message row and one pending row per addressee (escalation due at the deadline);
        the addressees' receipts are taken as pending, whatever `message` says of them."""
        row = (
            message.id,
            message.sender,
            message.priority,
            message.sent_at,
            message.deadline_at,
            message.ledger_seq,
            orjson.dumps(message.event).decode(),
        )
        cur = cursor(self.conn)
        self._insert_message_rows(cur, row, [r.party for r in message.recipients])
        cur.close()

    def _insert_message_rows(self, cur: Any, row: tuple[Any, ...], recipients: list[str]) -> None:
        """The message row and one pending row per addressee (an engine may do both in one
        statement); row = (id, sender, priority, sent_at, deadline_at, ledger_seq, event)."""
        cur.execute(_INSERT_MESSAGE_SQL, row)
        cur.executemany(_INSERT_RECIPIENT_SQL, [(row[0], p, row[4]) for p in recipients])

    def get_message(self, message_id: str) -> MessageRow | None:
        cur = cursor(self.conn)
        try:
            return _message(cur, message_id)
        finally:
            cur.close()

    def ref_visible(self, kind: str, ref_id: str, party: str) -> bool:
        """Whether a message's reference (notice, conflict, violation, message) exists and
        `party` may see it: a party refers only to what it may read."""
        cur = cursor(self.conn)
        sql = _REF_SQL[kind]
        params = (ref_id, *(party,) * (sql.count("?") - 1))  # the id, then the viewer
        found = cur.execute(sql, params).fetchone() is not None
        cur.close()
        return found

    def mark_delivered(self, message_id: str, party: str, at: float) -> bool:
        """False if this addressee's client had already reported delivery."""
        cur = cursor(self.conn)
        cur.execute(
            "UPDATE message_recipients SET delivered_at = ? "
            "WHERE message_id = ? AND party = ? AND delivered_at IS NULL",
            (at, message_id, party),
        )
        done = cur.rowcount == 1
        cur.close()
        return done

    def mark_acked(self, message_id: str, party: str, at: float, reply: str | None) -> bool:
        """False if already acknowledged. Acknowledging implies delivery; stops escalation."""
        cur = cursor(self.conn)
        cur.execute(
            "UPDATE message_recipients SET acked_at = ?, reply = ?, next_escalation_at = NULL, "
            "delivered_at = COALESCE(delivered_at, ?) "
            "WHERE message_id = ? AND party = ? AND acked_at IS NULL",
            (at, reply, at, message_id, party),
        )
        done = cur.rowcount == 1
        cur.close()
        return done

    def due_escalations(self, now: float, limit: int = 1000) -> list[tuple[str, str, int]]:
        """(message id, addressee, escalations so far) whose escalation is due."""
        cur = cursor(self.conn)
        rows = cur.execute(
            "SELECT message_id, party, escalations FROM message_recipients "
            "WHERE next_escalation_at <= ? ORDER BY next_escalation_at LIMIT ?",
            (now, limit),
        ).fetchall()
        cur.close()
        return [(r[0], r[1], r[2]) for r in rows]

    def reschedule_escalation(
        self, message_id: str, party: str, escalations: int, next_at: float
    ) -> None:
        cur = cursor(self.conn)
        cur.execute(
            "UPDATE message_recipients SET escalations = ?, next_escalation_at = ? "
            "WHERE message_id = ? AND party = ?",
            (escalations, next_at, message_id, party),
        )
        cur.close()

    def channel_states(self) -> dict[str, tuple[float, str]]:
        return _channel_states(self.conn)

    def put_channel(self, party: str, last_seen: float, state: str) -> None:
        cur = cursor(self.conn)
        cur.execute(
            "INSERT INTO channel (party, last_seen, state) VALUES (?, ?, ?) "
            "ON CONFLICT (party) DO UPDATE SET last_seen = excluded.last_seen, "
            "state = excluded.state",
            (party, last_seen, state),
        )
        cur.close()


class HotlineReads:
    """Hotline reads on the store's reader connections."""

    def _read(self) -> AbstractContextManager[Connection]:
        raise NotImplementedError  # provided by the store

    def inbox_entries(self, party: str, after_seq: int, limit: int) -> list[dict[str, Any]]:
        """Ledger entries addressed to `party` after `after_seq`: the push stream's source."""
        with self._read() as conn:
            cur = cursor(conn)
            rows = cur.execute(_INBOX_SQL, (party, after_seq, limit)).fetchall()
            cur.close()
        return [ledger_entry(r) for r in rows]

    def get_message(self, message_id: str) -> MessageRow | None:
        with self._read() as conn:
            cur = cursor(conn)
            try:
                return _message(cur, message_id)
            finally:
                cur.close()

    def list_messages(
        self,
        party: str,
        *,
        box: str = "all",
        pending: bool = False,
        limit: int = 200,
        sent_by: float | None = None,
    ) -> list[MessageRow]:
        """Messages `party` sent ("out") or was sent ("in"), newest first.

        `pending`: only those still awaiting an acknowledgement (by `party` for "in", by
        anyone for "out"). `sent_by`: only those sent at or before it (epoch s; replay)."""
        clauses = []
        params: list[Any] = []
        if box in ("in", "all"):
            cond = "party = ?" + (" AND acked_at IS NULL" if pending else "")
            clauses.append(f"id IN (SELECT message_id FROM message_recipients WHERE {cond})")
            params.append(party)
        if box in ("out", "all"):
            cond = "sender = ?"
            if pending:
                cond += (
                    " AND id IN (SELECT message_id FROM message_recipients WHERE acked_at IS NULL)"
                )
            clauses.append(f"({cond})")
            params.append(party)
        where = f"({' OR '.join(clauses)})"
        if sent_by is not None:
            where += " AND sent_at <= ?"
            params.append(sent_by)
        sql = f"SELECT id FROM messages WHERE {where} ORDER BY seq DESC LIMIT ?"
        with self._read() as conn:
            cur = cursor(conn)
            try:
                ids = [r[0] for r in cur.execute(sql, (*params, limit)).fetchall()]
                return [m for m in (_message(cur, i) for i in ids) if m is not None]
            finally:
                cur.close()

    def channel_states(self) -> dict[str, tuple[float, str]]:
        with self._read() as conn:
            return _channel_states(conn)

    def next_escalation_at(self) -> float | None:
        """When the earliest pending escalation falls due (None: nothing pending)."""
        with self._read() as conn:
            cur = cursor(conn)
            row = cur.execute("SELECT MIN(next_escalation_at) FROM message_recipients").fetchone()
            cur.close()
        return row[0] if row else None

    def last_seq(self) -> int:
        with self._read() as conn:
            cur = cursor(conn)
            row = cur.execute("SELECT MAX(seq) FROM ledger").fetchone()
            cur.close()
        return int(row[0] or 0)
