"""The ledger: an append-only hash chain over every event.

Each entry commits to its predecessor, so changing, deleting, inserting or reordering any
entry breaks every link after it, and the first bad entry can be named:

  entry_hash = SHA-256(RFC 8785 {seq, prev_hash, received_at, content_hash})
  content_hash = SHA-256(RFC 8785 of the event: a signed envelope, or a system event)

Signed envelopes are also checked against their author's public key, so a server that
rewrites the chain from the start still cannot forge what a party said.

A party reading the ledger sees others' events that hold what the agreement hides from it
as ``{"type": ..., "redacted": true}``: their links and entry hashes still verify; their
content is checked by whoever may see it.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from ..errors import InterlockError
from ..model.agreement import OPTIONAL_FIELDS
from .canonical import canonical, digest
from .envelope import verify

GENESIS = "0" * 64


def entry_hash(seq: int, prev_hash: str, received_at: str, content_hash: str) -> str:
    head = {
        "seq": seq,
        "prev_hash": prev_hash,
        "received_at": received_at,
        "content_hash": content_hash,
    }
    return hashlib.sha256(canonical(head)).hexdigest()


def make_entry(seq: int, prev_hash: str, received_at: str, event: dict[str, Any]) -> dict[str, Any]:
    content = digest(event)
    return {
        "seq": seq,
        "prev_hash": prev_hash,
        "received_at": received_at,
        "content_hash": content,
        "hash": entry_hash(seq, prev_hash, received_at, content),
        "event": event,
    }


@dataclass(frozen=True, slots=True)
class Problem:
    seq: int  # the entry's position (1-based) as found in the file
    reason: str


def verify_chain(
    entries: Iterable[dict[str, Any]], keys: dict[str, list[str]]
) -> tuple[int, Problem | None]:
    """(entries checked, the first problem or None)."""
    prev = GENESIS
    count = 0
    for position, e in enumerate(entries, start=1):
        count = position
        try:
            if e.get("seq") != position:
                return count, Problem(
                    position,
                    f"sequence {e.get('seq')} where {position} "
                    "was due (entry deleted, inserted or moved)",
                )
            if e.get("prev_hash") != prev:
                return count, Problem(position, "does not link to the entry before it")
            redacted = e["event"].get("redacted") is True
            if not redacted and digest(e["event"]) != e.get("content_hash"):
                return count, Problem(position, "content changed (content hash mismatch)")
            if entry_hash(position, prev, e["received_at"], e["content_hash"]) != e.get("hash"):
                return count, Problem(position, "entry hash mismatch")
            envelope = None if redacted else e["event"].get("envelope")
            if envelope is not None:
                verify(envelope, keys)
        except InterlockError as exc:
            return count, Problem(position, f"signature: {exc.detail}")
        except (KeyError, TypeError, AttributeError) as exc:
            return count, Problem(position, f"malformed entry ({exc})")
        prev = e["hash"]
    return count, None


def redact(entry: dict[str, Any], viewer: str, shared_fields: Iterable[str]) -> dict[str, Any]:
    """The entry as `viewer` may see it: another party's notice carrying fields the
    agreement does not share is reduced to its type (hashes and links stay)."""
    event = entry["event"]
    if event.get("type") != "notice_version" or event.get("party") == viewer:
        return entry
    props = event.get("feature", {}).get("properties", {})
    hidden = set(OPTIONAL_FIELDS) - set(shared_fields)
    if not hidden & set(props):
        return entry
    return {**entry, "event": {"type": event["type"], "id": event.get("id"), "redacted": True}}
