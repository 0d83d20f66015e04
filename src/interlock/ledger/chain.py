"""The ledger: an append-only hash chain over every event.

Each entry commits to its predecessor, so changing, deleting, inserting or reordering any
entry breaks every link after it, and the first bad entry can be named:

  entry_hash = SHA-256(RFC 8785 {seq, prev_hash, received_at, content_hash})
  content_hash = SHA-256(RFC 8785 of the event: a signed envelope, or a system event)

Signed envelopes are also checked against their author's public key, so a server that
rewrites the chain from the start still cannot forge what a party said. A signature whose
author's key is not known cannot be checked: that is its own outcome, not tampering.

This module is the pure check, one entry at a time and the plain in-order loop;
`interlock.service.verify` drives the same checks with the signatures on several cores.

A party reading the ledger sees others' events that hold what the agreement hides from it
as ``{"type": ..., "redacted": true}``: their links and entry hashes still verify; their
content is checked by whoever may see it.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from ..codec.canonical import canonical, canonical_ready, digest, render
from ..errors import InterlockError
from ..model.timeutil import parse_utc
from .envelope import Pending, UnknownKey, prepare
from .receipts import LogMemory
from .statements import statement_problem

GENESIS = "0" * 64


def entry_hash(seq: int, prev_hash: str, received_at: str, content_hash: str) -> str:
    head = {
        "seq": seq,
        "prev_hash": prev_hash,
        "received_at": received_at,
        "content_hash": content_hash,
    }
    # The usual head (an int and three strings) needs no walk for floats.
    plain = type(received_at) is str and type(content_hash) is str and type(seq) is int
    out = render(head) if plain and type(prev_hash) is str else None
    return hashlib.sha256(out if out is not None else canonical(head)).hexdigest()


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
    unchecked: bool = False  # no key for the signer: the signature could not be checked


def check_entry(
    position: int,
    prev: str,
    e: dict[str, Any],
    keys: dict[str, list[str]],
    log: LogMemory | None = None,
) -> tuple[Pending | None, Problem | None]:
    """Every check of one entry but its signature equation, in the order (and with the
    reasons and exceptions) of the plain loop. Returns the signature still to check, if
    any, and the first problem; both at once means the problem counts only if the
    signature is valid (the plain loop finds a bad signature before a bad signed_at).
    A signer whose key is not in `keys` is an `unchecked` problem, found where the
    signature check would have been. With `log` (the entries before this one, which the
    caller adds to it as each verifies), a receipt's checkpoint is checked against them."""
    pending = None
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
        redacted = event.get("redacted") is True
        ready = None
        if not redacted:
            content, ready = canonical_ready(event)
            if hashlib.sha256(content).hexdigest() != e.get("content_hash"):
                return None, Problem(position, "content changed (content hash mismatch)")
        if entry_hash(position, prev, e["received_at"], e["content_hash"]) != e.get("hash"):
            return None, Problem(position, "entry hash mismatch")
        envelope = None if redacted else event.get("envelope")
        if envelope is not None:
            # The event's canonical walk already holds the envelope's: reuse it.
            pending = prepare(envelope, keys, ready["envelope"] if type(ready) is dict else None)
            parse_utc(envelope["signed_at"], "signed_at")  # what envelope.finish checks
        reason = None if redacted else statement_problem(event)
        if reason is not None:  # the server's fields must say what the author signed
            return pending, Problem(position, f"statement: {reason}")
        reason = None if redacted or log is None else log.problem(event)
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


def audit(entries: Iterable[dict[str, Any]], keys: dict[str, list[str]]) -> Verdict:
    """Check every entry in order; a signature by a key not in `keys` is set aside as
    unchecked and the audit goes on. (`interlock.service.verify.audit` gives the same
    verdict with the signatures checked on several cores.)"""
    prev, count, unchecked, log = GENESIS, 0, [], LogMemory()
    for count, e in enumerate(entries, start=1):
        pending, problem = check_entry(count, prev, e, keys, log)
        if problem is not None and problem.unchecked:
            unchecked.append(problem)
        elif problem is not None or (pending is not None and not pending.valid()):
            return Verdict(*verdict_at(count, pending, problem), tuple(unchecked))
        prev = e["hash"]
        log.add(e)
    return Verdict(count, None, tuple(unchecked))


def verify_chain(
    entries: Iterable[dict[str, Any]], keys: dict[str, list[str]]
) -> tuple[int, Problem | None]:
    """(entries checked, the first problem or None), an unknown key counting as one."""
    prev, count, log = GENESIS, 0, LogMemory()
    for count, e in enumerate(entries, start=1):
        pending, problem = check_entry(count, prev, e, keys, log)
        if problem is not None or (pending is not None and not pending.valid()):
            return verdict_at(count, pending, problem)
        prev = e["hash"]
        log.add(e)
    return count, None
