"""Hotline use cases: send, receipts, escalation, channel health, the push stream's source.

Party statements (messages and receipts) arrive as Ed25519-signed envelopes and are
verified before anything is stored: the server relays and records them but cannot forge
one. Each is one transaction: verify -> claim the nonce -> store -> chain onto the ledger
addressed to every party concerned -> commit; a 2xx means all of it is on disk.
"""

from __future__ import annotations

import secrets
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from ..errors import Forbidden, InvalidInput, NotFound, StateConflict, Unauthorized
from ..ledger import merkle
from ..ledger.envelope import verify as verify_envelope
from ..ledger.receipts import CheckpointRef, coverage_problem, parse_ref, stated
from ..model.agreement import Agreement
from ..model.events import EventKind
from ..model.message import (
    SYSTEM,
    MessageDraft,
    ReceiptDraft,
    message_view,
    parse_message,
    parse_receipt,
)
from ..model.timeutil import from_ts, iso, to_ts
from ..model.visibility import visible_entry
from ..store.base import Store, WriteTx
from ..store.rows import MessageRow, ReceiptRow
from .batch import run_one
from .clock import Clock, utc_now
from .record import record


@dataclass(frozen=True, slots=True)
class HotlineOp:
    """One hotline write: a signed message, or a signed receipt for `message_id`."""

    kind: str  # "message" | "receipt"
    party: str  # the party whose token made the request
    envelope: Any
    message_id: str | None = None


@dataclass(frozen=True, slots=True)
class Verified:
    envelope: dict[str, Any]
    draft: MessageDraft | ReceiptDraft
    checkpoint: CheckpointRef | None = None  # a receipt's: what its signer had verified


def new_message_id() -> str:
    return "m-" + secrets.token_hex(8)


def _store_message(
    tx: WriteTx,
    agreement: Agreement,
    now: datetime,
    message_id: str,
    sender: str,
    to: Iterable[str],
    priority: str,
    event: dict[str, Any],
) -> MessageRow:
    """Record a message (party's or system's) and open its acknowledgement deadline;
    the message as the store now holds it."""
    to = list(to)
    deadline = now + agreement.hotline.ack_deadline[priority]
    audience = sorted({*to} | ({sender} if sender != SYSTEM else set()))
    event = {
        "id": message_id,
        "from": sender,
        **event,
        "deadline": iso(deadline),
        "audience": audience,
    }
    entry = record(tx, EventKind.MESSAGE, message_id, now, event, audience)
    message = MessageRow(
        id=message_id,
        sender=sender,
        priority=priority,
        sent_at=to_ts(now),
        deadline_at=to_ts(deadline),
        ledger_seq=entry["seq"],
        event=entry["event"],
        recipients=tuple(ReceiptRow(p) for p in sorted(to)),
    )
    tx.insert_message(message)
    return message


def post_system_message(
    tx: WriteTx,
    agreement: Agreement,
    now: datetime,
    *,
    to: Iterable[str],
    priority: str,
    subject: str,
    text: str,
    refs: Iterable[tuple[str, str]],
) -> str:
    """A message from interlock itself (a detected conflict, a late notice): recorded,
    pushed and escalated like any other, and every addressee must acknowledge it."""
    message_id = new_message_id()
    addressees = sorted(set(to))
    body = {
        "to": addressees,
        "priority": priority,
        "subject": subject,
        "body": text,
        "refs": [{"kind": k, "id": i} for k, i in refs],
    }
    _store_message(tx, agreement, now, message_id, SYSTEM, addressees, priority, body)
    return message_id


def _check_bound(tx: WriteTx, ref: CheckpointRef, message: MessageRow) -> None:
    """Refuse a receipt's checkpoint unless it is this log's (the root of its tree at that
    size) and holds the message's entry: what the audit rechecks (`ledger.receipts`)."""
    reason = coverage_problem(ref, message.id, message.ledger_seq)
    if reason is not None:
        raise InvalidInput(reason, field="checkpoint.size")
    ids = merkle.root_nodes(ref.size)
    nodes = tx.merkle_nodes(ids)
    if any(i not in nodes for i in ids):
        raise InvalidInput(f"the log has fewer than {ref.size} entries", field="checkpoint.size")
    if merkle.root_from_nodes(ref.size, lambda lv, i: nodes[(lv, i)]) != ref.root:
        raise InvalidInput(
            f"not the root of this log's tree of {ref.size} entries", field="checkpoint.root"
        )


class HotlineService:
    """Messages, receipts, escalation and channel health over one store and agreement."""

    def __init__(self, store: Store, agreement: Agreement, clock: Clock = utc_now) -> None:
        self.store = store
        self.agreement = agreement
        self.clock = clock
        self._keys = {p.id: list(p.public_keys) for p in agreement.parties}

    # ---- writes (also run in batches by the API's group committer) ---------------------
    def send(self, party: str, envelope: Any) -> dict[str, Any]:
        """Send a signed message; returns its view (with its deadline)."""
        return self._one(HotlineOp("message", party, envelope))

    def receipt(self, party: str, message_id: str, envelope: Any) -> dict[str, Any]:
        """Record a signed delivered/acknowledged receipt for a message to `party`."""
        return self._one(HotlineOp("receipt", party, envelope, message_id))

    def _one(self, op: HotlineOp) -> Any:
        return run_one(self.store, self, op)

    def prepare(self, op: HotlineOp) -> Verified:
        """Checks needing no store: the signature, its author, the body's form."""
        self.agreement.party(op.party)
        env = op.envelope
        if not (isinstance(env, dict) and "signature" in env):
            raise Unauthorized(f"a hotline {op.kind} must be an Ed25519-signed envelope")
        verified = verify_envelope(env, self._keys, self.clock())
        if verified.author != op.party:
            raise Forbidden(f"envelope signed by {verified.author}; your token is {op.party}'s")
        if verified.kind != op.kind:
            raise InvalidInput(f"a {verified.kind!r} envelope is not a {op.kind}", field="kind")
        if op.kind == "message":
            return Verified(env, parse_message(verified.body, op.party, self.agreement))
        receipt = parse_receipt(verified.body)
        if receipt.message_id != op.message_id:
            raise InvalidInput(
                f"the receipt is for {receipt.message_id}, not {op.message_id}", field="message"
            )
        present, raw = stated({"envelope": env})
        return Verified(env, receipt, parse_ref(raw) if present else None)

    @staticmethod
    def refuses_before_writing(op: HotlineOp) -> bool:
        """A message is refused (a reference it may not see, a replayed nonce) before it
        writes anything, so a group commit needs no savepoint for it (service.batch); a
        receipt's nonce is claimed after its mark, so it keeps one."""
        return op.kind == "message"

    def apply(self, tx: WriteTx, op: HotlineOp, prepared: Verified) -> dict[str, Any]:
        now = self.clock()
        if isinstance(prepared.draft, MessageDraft):
            return self._send_in(tx, prepared.draft, prepared.envelope, now)
        tx.claim_nonce(prepared.envelope["nonce"], op.party, to_ts(now))
        return self._receipt_in(
            tx, op.party, prepared.draft, prepared.envelope, now, prepared.checkpoint
        )

    def _send_in(
        self, tx: WriteTx, draft: MessageDraft, envelope: dict[str, Any], now: datetime
    ) -> dict[str, Any]:
        for kind, ref_id in draft.refs:
            if not tx.ref_visible(kind, ref_id, draft.sender):
                raise NotFound(f"no {kind} {ref_id!r} to refer to")  # or none it may see
        # the nonce's claim is the message's first write, its last refusal (a replay
        # writes nothing): refuses_before_writing holds
        tx.claim_nonce(envelope["nonce"], draft.sender, to_ts(now))
        message_id = new_message_id()
        event = {"to": list(draft.to), "priority": draft.priority, "envelope": envelope}
        message = _store_message(
            tx, self.agreement, now, message_id, draft.sender, draft.to, draft.priority, event
        )
        return self._view(message)

    def _receipt_in(
        self,
        tx: WriteTx,
        party: str,
        receipt: ReceiptDraft,
        envelope: dict[str, Any],
        now: datetime,
        checkpoint: CheckpointRef | None = None,
    ) -> dict[str, Any]:
        message = tx.get_message(receipt.message_id)
        if message is None or party not in {r.party for r in message.recipients}:
            # the same answer whether it does not exist or is not the party's to see
            raise NotFound(f"no message {receipt.message_id!r} addressed to {party}")
        if checkpoint is not None:
            _check_bound(tx, checkpoint, message)
        at = to_ts(now)
        if receipt.status == "delivered":
            done = tx.mark_delivered(receipt.message_id, party, at)
        else:
            done = tx.mark_acked(receipt.message_id, party, at, receipt.reply)
        if not done:
            raise StateConflict(
                f"{party} already reported message {receipt.message_id} {receipt.status}"
            )
        body: dict[str, Any] = {
            "message": receipt.message_id,
            "party": party,
            "status": receipt.status,
            "audience": message.audience,
            "envelope": envelope,
        }
        entry = record(tx, EventKind.RECEIPT, receipt.message_id, now, body, body["audience"])
        # as the store now holds it (no second read)
        message = message.with_receipt(party, receipt.status, at, receipt.reply)
        return {"seq": entry["seq"], "message": self._view(message)}

    # ---- escalation and channel health (run by the server's ticker) --------------------
    def tick(self) -> dict[str, int]:
        """Escalate what is overdue and report silent parties; cheap when nothing is due."""
        now = self.clock()
        ts = to_ts(now)
        due = self.store.next_escalation_at()
        silent = self._silent(self.store.channel_states(), ts)
        if (due is None or due > ts) and not silent:
            return {"escalations": 0, "down": 0}
        with self.store.write() as tx:
            escalations = self._escalate_in(tx, now)
            down = 0
            states = tx.channel_states()
            for party in self._silent(states, ts):
                seen, _ = states[party]
                tx.put_channel(party, seen, "down")
                self._channel_event(tx, party, "down", seen, now)
                down += 1
        return {"escalations": escalations, "down": down}

    def _silent(self, states: dict[str, tuple[float, str]], ts: float) -> list[str]:
        limit = self.agreement.hotline.silence_limit.total_seconds()
        return [p for p, (seen, state) in states.items() if state == "up" and ts - seen > limit]

    def _escalate_in(self, tx: WriteTx, now: datetime) -> int:
        rules = self.agreement.hotline
        ts = to_ts(now)
        messages: dict[str, MessageRow] = {}
        count = 0
        for message_id, party, done in tx.due_escalations(ts):
            message = messages.get(message_id) or tx.get_message(message_id)
            assert message is not None
            messages[message_id] = message
            audience = sorted({*message.audience, *rules.escalation_contacts})
            body = {
                "message": message_id,
                "from": message.sender,
                "party": party,
                "priority": message.priority,
                "deadline": message.event["deadline"],
                "count": done + 1,
                "overdue_s": round(ts - message.deadline_at, 3),
                "audience": audience,
            }
            record(tx, EventKind.ESCALATION, message_id, now, body, audience)
            repeat = rules.escalation_repeat[message.priority]
            tx.reschedule_escalation(message_id, party, done + 1, to_ts(now + repeat))
            count += 1
        return count

    def _channel_event(
        self, tx: WriteTx, party: str, state: str, last_seen: float, now: datetime
    ) -> None:
        body = {"party": party, "state": state, "last_seen": iso(from_ts(last_seen))}
        record(tx, EventKind.CHANNEL, party, now, body, self.agreement.party_ids)

    def heartbeat(self, party: str) -> dict[str, Any]:
        """A party's client is alive; if it had been reported down (or never seen), tell all."""
        self.agreement.party(party)
        now = self.clock()
        ts = to_ts(now)
        with self.store.write() as tx:
            before = tx.channel_states().get(party)
            tx.put_channel(party, ts, "up")
            if before is None or before[1] != "up":
                self._channel_event(tx, party, "up", ts, now)
        return {
            "party": party,
            "state": "up",
            "was": before[1] if before else None,
            "interval_s": self.agreement.hotline.heartbeat_interval.total_seconds(),
        }

    # ---- reads -------------------------------------------------------------------------
    def status(self) -> list[dict[str, Any]]:
        """Each party's hotline state as the others were last told (unknown: never seen)."""
        states = self.store.channel_states()
        out = []
        for p in self.agreement.party_ids:
            seen, state = states.get(p, (None, "unknown"))
            out.append(
                {
                    "party": p,
                    "state": state,
                    "last_seen": iso(from_ts(seen)) if seen is not None else None,
                }
            )
        return out

    def _view(self, message: MessageRow, at: float | None = None) -> dict[str, Any]:
        """A message as GET /messages serves it, its states now (or at epoch s `at`)."""
        now = to_ts(self.clock()) if at is None else at
        recipients = []
        for r in message.recipients:
            state = (
                "acknowledged"
                if r.acked_at is not None
                else ("overdue" if now > message.deadline_at else "pending")
            )
            recipients.append(
                {
                    "party": r.party,
                    "state": state,
                    "delivered_at": iso(from_ts(r.delivered_at)) if r.delivered_at else None,
                    "acknowledged_at": iso(from_ts(r.acked_at)) if r.acked_at else None,
                    "reply": r.reply,
                    "escalations": r.escalations,
                }
            )
        states = {r["state"] for r in recipients}
        overall = (
            "acknowledged"
            if states == {"acknowledged"}
            else ("overdue" if "overdue" in states else "pending")
        )
        return {
            **message_view(message.event),
            "sent_at": iso(from_ts(message.sent_at)),
            "seq": message.ledger_seq,
            "state": overall,
            "recipients": recipients,
        }

    def view_at(self, message: MessageRow, at: float) -> dict[str, Any]:
        """A message as GET /messages served it at epoch s `at` (`message` as it stood
        then: the receipts given by `at`; see service.replay)."""
        return self._view(message, at)

    def get(self, viewer: str, message_id: str) -> dict[str, Any]:
        message = self.store.get_message(message_id)
        if message is None or viewer not in message.audience:
            raise NotFound(f"no message {message_id!r} addressed to or from {viewer}")
        return self._view(message)

    def messages(
        self, viewer: str, *, box: str = "all", pending: bool = False, limit: int = 200
    ) -> list[dict[str, Any]]:
        if box not in ("in", "out", "all"):
            raise InvalidInput("must be in, out or all", field="box")
        found = self.store.list_messages(viewer, box=box, pending=pending, limit=limit)
        return [self._view(m) for m in found]

    def stream_entries(self, viewer: str, after_seq: int, limit: int = 500) -> list[dict[str, Any]]:
        """The next ledger entries addressed to `viewer`, as it may see them."""
        return [
            visible_entry(e, viewer, self.agreement)
            for e in self.store.inbox_entries(viewer, after_seq, limit)
        ]
