"""The ledger: an append-only hash chain over every event.

Each entry commits to its predecessor, so changing, deleting, inserting or reordering any
entry breaks every link after it, and the first bad entry can be named:

  entry_hash = SHA-256(RFC 8785 {seq, prev_hash, received_at, content_hash, audience})
  content_hash = SHA-256(RFC 8785 of the event: a signed envelope, or a system event)

``audience`` (a sorted list of party ids) names who may read the event: every party for
a public event, the parties of a conflict, the audience of a hotline message. Entries
chained before audiences existed have none, and their head has four fields; none may
follow an entry that has one.

Signed envelopes are also checked against their author's public key, so a server that
rewrites the chain from the start still cannot forge what a party said. A signature whose
author's key is not known cannot be checked: that is its own outcome, not tampering.

This module is the pure check, one entry at a time and the plain in-order loop;
`interlock.service.verify` drives the same checks with the signatures on several cores.

A party reading the ledger sees an event it is not in the audience of as a stub whose
event is ``{"type": ..., "redacted": true}``: its links and entry hash still verify (the
audience is in the head); its content is checked by whoever may read it. A stub verifies
only where the verifying party is outside the audience: in a full record (the server's,
read by no party) or where the verifying party is in the audience, it is an event taken
away, and named. Hidden notice fields are committed (`ledger.commitments`): an entry may
carry the openings its reader may see, each checked against its commitment.
"""

from __future__ import annotations

import hashlib
import itertools
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from ..codec.canonical import canonical, canonical_ready, digest, render
from ..errors import InterlockError
from ..model.events import EventKind
from ..model.timeutil import parse_utc
from .commitments import commitments_of, opening_problem
from .envelope import Pending, UnknownKey, prepare
from .receipts import LogMemory
from .statements import statement_problem

GENESIS = "0" * 64


def entry_hash(
    seq: int,
    prev_hash: str,
    received_at: str,
    content_hash: str,
    audience: list[str] | None = None,
) -> str:
    head: dict[str, Any] = {
        "seq": seq,
        "prev_hash": prev_hash,
        "received_at": received_at,
        "content_hash": content_hash,
    }
    plain = type(received_at) is str and type(content_hash) is str and type(seq) is int
    if audience is not None:
        head["audience"] = audience
        plain = plain and type(audience) is list and all(type(p) is str for p in audience)
    # The usual head (an int, strings and a list of strings) needs no walk for floats.
    out = render(head) if plain and type(prev_hash) is str else None
    return hashlib.sha256(out if out is not None else canonical(head)).hexdigest()


def make_entry(
    seq: int,
    prev_hash: str,
    received_at: str,
    event: dict[str, Any],
    audience: Iterable[str] = (),
) -> dict[str, Any]:
    content = digest(event)
    readers = sorted(set(audience))
    return {
        "seq": seq,
        "prev_hash": prev_hash,
        "received_at": received_at,
        "content_hash": content,
        "audience": readers,
        "hash": entry_hash(seq, prev_hash, received_at, content, readers),
        "event": event,
    }


@dataclass(slots=True)
class Reading:
    """What one audit carries from entry to entry: for whom the record was written (None:
    the whole record, for no party: no event may be missing) and the commitments of the
    notice fields seen so far (a disclosure opens one of them)."""

    viewer: str | None = None
    commitments: dict[int, dict[str, str]] = field(default_factory=dict)
    audiences: bool = False  # an entry with an audience was read: every later one has one
    log: LogMemory = field(default_factory=LogMemory)  # the entries verified so far


def _audience_ok(audience: Any) -> bool:
    return (
        type(audience) is list
        and all(type(p) is str for p in audience)
        and all(a < b for a, b in itertools.pairwise(audience))
    )


def _redaction_problem(e: dict[str, Any], reading: Reading) -> str | None:
    """Why a redacted stub may not stand here (None: its reader may not read the event)."""
    audience, viewer = e.get("audience"), reading.viewer
    if viewer is None:
        return "redacted placeholder in a full record (the event was taken away)"
    if audience is not None and viewer in audience:
        return f"redacted placeholder, yet {viewer} is in its audience (the event was taken away)"
    return None


def _content_problem(position: int, e: dict[str, Any], reading: Reading) -> str | None:
    """Openings that do not open, or a disclosure of a field never committed."""
    event = e["event"]
    kind = event.get("type")
    committed = commitments_of(event) if kind == EventKind.NOTICE_VERSION else {}
    if committed:
        reading.commitments[position] = committed
    if "openings" in e:
        reason = opening_problem(committed, e["openings"])
        if reason is not None:
            return reason
    if kind == EventKind.DISCLOSURE:
        at, name = event.get("entry"), event.get("field")
        target = reading.commitments.get(at) if type(at) is int else None
        if target is None or not isinstance(name, str) or name not in target:
            return f"discloses field {name!r} of entry {at}, which commits no such field"
        reason = opening_problem({name: target[name]}, {name: event.get("opening")})
        if reason is not None:
            return f"disclosure of entry {at}: {reason}"
    return None


@dataclass(frozen=True, slots=True)
class Problem:
    seq: int  # the entry's position (1-based) as found in the file
    reason: str
    unchecked: bool = False  # no key for the signer: the signature could not be checked


def check_entry(
    position: int,
    prev: str,
    e: dict[str, Any],
    keys: dict[str, list[str]],
    reading: Reading | None = None,
) -> tuple[Pending | None, Problem | None]:
    """Every check of one entry but its signature equation, in the order (and with the
    reasons and exceptions) of the plain loop. Returns the signature still to check, if
    any, and the first problem; both at once means the problem counts only if the
    signature is valid (the plain loop finds a bad signature before a bad signed_at).
    A signer whose key is not in `keys` is an `unchecked` problem, found where the
    signature check would have been. `reading` (default: a whole record) carries what the
    entries before this one established; the caller adds each verified entry to its
    `log`, against which a receipt's checkpoint is checked."""
    pending = None
    if reading is None:
        reading = Reading()
    try:
        if e.get("seq") != position:
            return None, Problem(
                position,
                f"sequence {e.get('seq')} where {position} "
                "was due (entry deleted, inserted or moved)",
            )
        if e.get("prev_hash") != prev:
            return None, Problem(position, "does not link to the entry before it")
        event = e["event"]
        audience = e.get("audience")
        if audience is not None and not _audience_ok(audience):
            return None, Problem(position, "malformed entry (audience: a sorted list of parties)")
        if audience is None and reading.audiences:  # made to pass for an older entry
            return None, Problem(position, "no audience, after entries that have one")
        reading.audiences = audience is not None
        redacted = event.get("redacted") is True
        ready = None
        if redacted:
            why = _redaction_problem(e, reading)
            if why is not None:
                return None, Problem(position, why)
        else:
            content, ready = canonical_ready(event)
            if hashlib.sha256(content).hexdigest() != e.get("content_hash"):
                return None, Problem(position, "content changed (content hash mismatch)")
        head = entry_hash(position, prev, e["received_at"], e["content_hash"], audience)
        if head != e.get("hash"):
            return None, Problem(position, "entry hash mismatch")
        if not redacted:
            why = _content_problem(position, e, reading)
            if why is not None:
                return None, Problem(position, why)
        envelope = None if redacted else event.get("envelope")
        if envelope is not None:
            # The event's canonical walk already holds the envelope's: reuse it.
            pending = prepare(envelope, keys, ready["envelope"] if type(ready) is dict else None)
            parse_utc(envelope["signed_at"], "signed_at")  # what envelope.finish checks
        reason = None if redacted else statement_problem(event)
        if reason is not None:  # the server's fields must say what the author signed
            return pending, Problem(position, f"statement: {reason}")
        reason = None if redacted else reading.log.problem(event)
        if reason is not None:  # a receipt bound to a checkpoint of another history
            return pending, Problem(position, reason)
    except UnknownKey as exc:
        return None, Problem(position, exc.detail, unchecked=True)
    except InterlockError as exc:
        return pending, Problem(position, f"signature: {exc.detail}")
    except (KeyError, TypeError, AttributeError) as exc:
        return pending, Problem(position, f"malformed entry ({exc})")
    return pending, None


def bad_signature(position: int, pending: Pending) -> Problem:
    return Problem(position, f"signature: {pending.refusal().detail}")


def verdict_at(
    position: int, pending: Pending | None, problem: Problem | None
) -> tuple[int, Problem | None]:
    """The verdict on one entry: its bad signature, else the problem found in it."""
    if pending is not None and not pending.valid():
        return position, bad_signature(position, pending)
    return position, problem


@dataclass(frozen=True, slots=True)
class Verdict:
    """An audit's outcome: entries read, the first problem (None: none found), and the
    signatures that could not be checked for want of their author's key (not tampering:
    the entry's links and hashes verified; only the signature is unknown)."""

    count: int
    problem: Problem | None
    unchecked: tuple[Problem, ...] = ()


def audit(
    entries: Iterable[dict[str, Any]], keys: dict[str, list[str]], viewer: str | None = None
) -> Verdict:
    """Check every entry in order, as `viewer`'s view (None: the whole record); a
    signature by a key not in `keys` is set aside as unchecked and the audit goes on.
    (`interlock.service.verify.audit` gives the same verdict with the signatures checked
    on several cores.)"""
    prev, count, unchecked = GENESIS, 0, []
    reading = Reading(viewer)
    for count, e in enumerate(entries, start=1):
        pending, problem = check_entry(count, prev, e, keys, reading)
        if problem is not None and problem.unchecked:
            unchecked.append(problem)
        elif problem is not None or (pending is not None and not pending.valid()):
            return Verdict(*verdict_at(count, pending, problem), tuple(unchecked))
        prev = e["hash"]
        reading.log.add(e)
    return Verdict(count, None, tuple(unchecked))


def verify_chain(
    entries: Iterable[dict[str, Any]], keys: dict[str, list[str]], viewer: str | None = None
) -> tuple[int, Problem | None]:
    """(entries checked, the first problem or None), an unknown key counting as one."""
    prev, count = GENESIS, 0
    reading = Reading(viewer)
    for count, e in enumerate(entries, start=1):
        pending, problem = check_entry(count, prev, e, keys, reading)
        if problem is not None or (pending is not None and not pending.valid()):
            return verdict_at(count, pending, problem)
        prev = e["hash"]
        reading.log.add(e)
    return count, None
