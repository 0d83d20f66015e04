"""Hotline messages and receipts: what a party may say, validated before anything is stored.

A message goes from one party (or the system itself, for detected conflicts) to one or
more others, with a priority whose acknowledgement deadline the agreement sets. A
receipt is an addressee's signed statement that a message was delivered to its client,
or acknowledged by a person (optionally with a reply).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from ..codec.canonical import canonical
from ..errors import InvalidInput, PayloadTooLarge
from .agreement import PRIORITIES, RESERVED_ID, Agreement
from .phrases import parse_phrase
from .timeutil import parse_utc

SYSTEM = RESERVED_ID  # the author of system messages (the agreement refuses it as a party id)
REF_KINDS = ("notice", "conflict", "message", "violation")
RECEIPT_STATUSES = ("delivered", "acknowledged")
MAX_SUBJECT = 200
MAX_TEXT = 20_000
MAX_REPLY = 2_000
MAX_REFS = 50
MAX_PAYLOAD_BYTES = 32_000


@dataclass(frozen=True, slots=True)
class Activity:
    """The structured payload "activity in area X from T1 to T2" (checked like a notice)."""

    geometry: dict[str, Any]
    start: datetime
    end: datetime


@dataclass(frozen=True, slots=True)
class MessageDraft:
    sender: str
    to: tuple[str, ...]
    priority: str
    subject: str
    text: str
    refs: tuple[tuple[str, str], ...]  # (kind, id)
    payload: dict[str, Any] | None
    activity: Activity | None = None
    phrase: dict[str, Any] | None = None  # a standard phrase {code, args} (model.phrases)

    def to_body(self) -> dict[str, Any]:
        """The message as it is signed and recorded."""
        body: dict[str, Any] = {
            "to": list(self.to),
            "priority": self.priority,
            "subject": self.subject,
            "body": self.text,
            "refs": [{"kind": k, "id": i} for k, i in self.refs],
        }
        if self.payload is not None:
            body["payload"] = self.payload
        if self.phrase is not None:
            body["phrase"] = self.phrase
        return body


@dataclass(frozen=True, slots=True)
class ReceiptDraft:
    message_id: str
    status: str
    reply: str | None


def _text(obj: dict[str, Any], key: str, limit: int, *, required: bool) -> str:
    value = obj.get(key, None if required else "")
    if not isinstance(value, str) or (required and not value.strip()):
        raise InvalidInput(
            "a non-empty string is required" if required else "must be a string", field=key
        )
    if len(value) > limit:
        raise PayloadTooLarge(f"longer than {limit} characters", field=key)
    return value


def _recipients(value: Any, sender: str, agreement: Agreement) -> tuple[str, ...]:
    if isinstance(value, str):
        value = [value]
    if not isinstance(value, list) or not value:
        raise InvalidInput("one or more party ids are required", field="to")
    out: list[str] = []
    for i, p in enumerate(value):
        if not isinstance(p, str) or p not in agreement.party_ids:
            raise InvalidInput(f"unknown party {p!r}", field=f"to[{i}]")
        if p == sender:
            raise InvalidInput("a party does not message itself", field=f"to[{i}]")
        if p not in out:
            out.append(p)
    return tuple(out)


def _refs(value: Any) -> tuple[tuple[str, str], ...]:
    if value is None:
        return ()
    if not isinstance(value, list):
        raise InvalidInput("must be a list of {kind, id}", field="refs")
    if len(value) > MAX_REFS:
        raise PayloadTooLarge(f"more than {MAX_REFS} references", field="refs")
    out = []
    for i, r in enumerate(value):
        if not isinstance(r, dict) or r.get("kind") not in REF_KINDS:
            raise InvalidInput(f"kind must be one of {', '.join(REF_KINDS)}", field=f"refs[{i}]")
        rid = r.get("id")
        if isinstance(rid, int) and not isinstance(rid, bool):
            rid = str(rid)
        if not isinstance(rid, str) or not rid or len(rid) > 100:
            raise InvalidInput("id must be a non-empty string", field=f"refs[{i}].id")
        out.append((r["kind"], rid))
    return tuple(out)


def _activity(value: Any) -> Activity:
    if not isinstance(value, dict):
        raise InvalidInput("must be an object {geometry, start, end}", field="payload.activity")
    from ..geo.shapes import Area  # here, not at the top: the CLI imports this module

    geometry = value.get("geometry")
    Area.from_geojson(geometry, value)  # the same checks as a notice's area
    assert isinstance(geometry, dict)  # from_geojson raised if it is not
    start = parse_utc(value.get("start"), "payload.activity.start")
    end = parse_utc(value.get("end"), "payload.activity.end")
    if end <= start:
        raise InvalidInput("end must be after start", field="payload.activity.end")
    return Activity(geometry, start, end)


def parse_message(body: Any, sender: str, agreement: Agreement) -> MessageDraft:
    """Validate a message body; raise naming the first bad field."""
    if not isinstance(body, dict):
        raise InvalidInput("a message must be a JSON object", field="body")
    unknown = set(body) - {"to", "priority", "subject", "body", "refs", "payload", "phrase"}
    if unknown:
        raise InvalidInput("unknown field", field=sorted(unknown)[0])
    priority = body.get("priority", "routine")
    if priority not in PRIORITIES:
        raise InvalidInput(f"must be one of {', '.join(PRIORITIES)}", field="priority")
    payload = body.get("payload")
    activity = None
    if payload is not None:
        if not isinstance(payload, dict):
            raise InvalidInput("must be a JSON object", field="payload")
        try:
            size = len(canonical(payload))
        except (TypeError, ValueError) as exc:
            raise InvalidInput(f"not canonical JSON: {exc}", field="payload") from None
        if size > MAX_PAYLOAD_BYTES:
            raise PayloadTooLarge(f"larger than {MAX_PAYLOAD_BYTES} bytes", field="payload")
        if "activity" in payload:
            activity = _activity(payload["activity"])
    phrase = parse_phrase(body["phrase"]) if body.get("phrase") is not None else None
    return MessageDraft(
        sender=sender,
        to=_recipients(body.get("to"), sender, agreement),
        priority=priority,
        subject=_text(body, "subject", MAX_SUBJECT, required=True),
        text=_text(body, "body", MAX_TEXT, required=False),
        refs=_refs(body.get("refs")),
        payload=payload,
        activity=activity,
        phrase=phrase,
    )


def parse_receipt(body: Any) -> ReceiptDraft:
    if not isinstance(body, dict):
        raise InvalidInput("a receipt must be a JSON object", field="body")
    unknown = set(body) - {"message", "status", "reply", "checkpoint"}
    if unknown:
        raise InvalidInput("unknown field", field=sorted(unknown)[0])
    mid = body.get("message")
    if not isinstance(mid, str) or not mid:
        raise InvalidInput("the message id is required", field="message")
    status = body.get("status")
    if status not in RECEIPT_STATUSES:
        raise InvalidInput(f"must be one of {', '.join(RECEIPT_STATUSES)}", field="status")
    reply = body.get("reply")
    if reply is not None:
        if status != "acknowledged":
            raise InvalidInput("only an acknowledgement carries a reply", field="reply")
        reply = _text(body, "reply", MAX_REPLY, required=False)
    # A `checkpoint` (what the signer had verified of the log) is the log's to check:
    # `ledger.receipts.parse_ref` reads it, the hotline service checks it in the store.
    return ReceiptDraft(mid, status, reply)


def message_view(event: dict[str, Any]) -> dict[str, Any]:
    """A recorded message event as one flat object, whether a party or the system sent it."""
    env = event.get("envelope")
    content = env["body"] if isinstance(env, dict) else event
    # `to` and `priority` as checked and recorded (a signed body may give one recipient as
    # a string, or leave the priority to its default); refs as parsed.
    return {
        "id": event["id"],
        "from": event["from"],
        "to": list(event["to"]),
        "priority": event["priority"],
        "subject": content["subject"],
        "body": content.get("body", ""),
        "refs": [{"kind": kind, "id": ref_id} for kind, ref_id in _refs(content.get("refs"))],
        "payload": content.get("payload"),
        "phrase": content.get("phrase"),  # None in messages without one (and older ones)
        "deadline": event["deadline"],
        "signed": isinstance(env, dict),
    }
