"""An evidence bundle: some ledger entries of one party's view, each with its RFC 9162
inclusion proof against one signed checkpoint, checked with nothing else.

A report (`interlock report`) cites a handful of entries, not the whole record; a hash
chain proves an entry only to whoever holds every entry after it, so here the link to
the rest of the log is the Merkle tree instead: each entry's head must hash to its
`hash` (its content, audience, predecessor's hash and sequence number are in it), its
signed envelope must verify with its author's agreement key, and its `hash` must be leaf
seq-1 of the tree whose root the log signed. The checkpoint's origin names the
agreement's hash (`checkpoint.origin_for`), so the agreement carried in the bundle is the
one the log signed under, and its parties' keys can be used.

What the bundle does not prove: that no other entry about the subject exists (a bundle is
a selection), and a receipt's own bound checkpoint (that needs every entry before it:
`audit verify --url` checks it). The log key must come from outside the bundle (the
verifier's pinned witness state or `--log-key`); the bundle's own copy only says which
key the maker was given.
"""

from __future__ import annotations

import base64
import binascii
from dataclasses import dataclass, field
from typing import Any

from ..codec.canonical import digest
from . import merkle
from .chain import Problem, Reading, bad_signature, check_entry
from .checkpoint import SignedCheckpoint, open_checkpoint, origin_for
from .note import NoteError
from .receipts import LogMemory

MARK = "interlock_bundle"
FORMAT = 1  # the bundle's format version


def make_bundle(
    *,
    party: str,
    subject: dict[str, Any],
    generated_at: str,
    server: str,
    agreement: dict[str, Any],
    log: dict[str, Any],
    entries: list[dict[str, Any]],
    proofs: list[list[str]],
) -> dict[str, Any]:
    """The bundle document. `log`: {origin, log_key, note, size, root} of the checkpoint
    every proof leads to; `entries` as served (GET /ledger), in sequence order; `proofs`
    their inclusion proofs (standard base64 hashes, as GET /proof/inclusion gives them)."""
    return {
        MARK: FORMAT,
        "party": party,
        "subject": subject,
        "generated_at": generated_at,
        "server": server,
        "agreement": agreement,
        "agreement_sha256": digest(agreement),
        "log": {k: log[k] for k in ("origin", "log_key", "note", "size", "root")},
        "count": len(entries),
        "entries": [
            {"entry": e, "inclusion": {"size": log["size"], "proof": p}}
            for e, p in zip(entries, proofs, strict=True)
        ],
    }


class _Offline(LogMemory):
    """The chain audit's memory of earlier entries, which a bundle does not carry: a
    receipt's bound checkpoint is not re-checked here (module docstring)."""

    __slots__ = ()

    def problem(self, event: dict[str, Any]) -> str | None:
        return None


@dataclass(frozen=True, slots=True)
class BundleVerdict:
    """What checked: the entries, the checkpoint they are proven against, the first
    problem (seq 0: the bundle as a whole or its checkpoint) and the signatures that
    could not be checked for want of a key."""

    count: int
    problem: Problem | None
    checkpoint: SignedCheckpoint | None = None
    party: str | None = None
    unchecked: tuple[Problem, ...] = field(default=())


def _bad(reason: str, count: int = 0, seq: int = 0) -> BundleVerdict:
    return BundleVerdict(count, Problem(seq, reason))


def _proof(raw: Any) -> list[bytes]:
    if not isinstance(raw, list) or not all(isinstance(h, str) for h in raw):
        raise merkle.ProofError("not a list of base64 hashes")
    try:
        return [base64.b64decode(h, validate=True) for h in raw]
    except (binascii.Error, ValueError):
        raise merkle.ProofError("a hash is not base64") from None


def _keys(agreement: Any) -> dict[str, list[str]]:
    return {
        p["id"]: list(p.get("public_keys", []))
        for p in agreement["parties"]
        if isinstance(p, dict) and isinstance(p.get("id"), str)
    }


def check_bundle(data: Any, log_public: bytes) -> BundleVerdict:
    """Check a bundle with the log's public key (raw Ed25519, from outside the bundle)."""
    if not isinstance(data, dict) or data.get(MARK) != FORMAT:
        return _bad(f"not an evidence bundle (no {MARK!r}: {FORMAT})")
    try:
        agreement, log, items = data["agreement"], data["log"], data["entries"]
        party = data["party"]
        sha = digest(agreement)
        keys = _keys(agreement)
    except (KeyError, TypeError, AttributeError) as exc:
        return _bad(f"malformed bundle ({exc})")
    if not isinstance(items, list) or data.get("count") != len(items):
        return _bad(
            f"it lists {len(items) if isinstance(items, list) else 'no'} entries, "
            f"but says it holds {data.get('count')} (entries cut or added)"
        )
    if sha != data.get("agreement_sha256"):
        return _bad(f"the agreement carried hashes to {sha}, not {data.get('agreement_sha256')}")
    try:
        signed = open_checkpoint(str(log["note"]), log_public, origin_for(sha))
    except NoteError as exc:
        return _bad(
            f"the checkpoint: {exc} (not signed by the log key given, or not the "
            "log of the agreement carried)"
        )
    size, root = signed.checkpoint.size, signed.checkpoint.root
    reading = Reading(party, log=_Offline())
    unchecked: list[Problem] = []
    last = 0
    for n, item in enumerate(items, start=1):
        try:
            e, inclusion = item["entry"], item["inclusion"]
            seq, prev = e["seq"], e["prev_hash"]
        except (KeyError, TypeError) as exc:
            return _bad(f"malformed bundle item {n} ({exc})", n - 1)
        if type(seq) is not int or seq <= last:
            return _bad(
                f"entry {seq} listed after entry {last} (entries reordered or repeated)",
                n - 1,
                seq if type(seq) is int else 0,
            )
        if seq > size:
            return _bad(f"beyond the checkpoint's {size} entries", n - 1, seq)
        last = seq
        audience = e.get("audience")
        if isinstance(e.get("event"), dict) and e["event"].get("redacted") is True:
            return _bad(
                f"a redacted placeholder stands for the event ({party}'s report cites "
                "only events it may read: the event was taken away)",
                n - 1,
                seq,
            )
        if not isinstance(audience, list) or party not in audience:
            return _bad(f"{party} is not in its audience: not {party}'s to cite", n - 1, seq)
        pending, problem = check_entry(seq, prev, e, keys, reading)
        if problem is not None and problem.unchecked:
            unchecked.append(problem)
        elif problem is not None:
            if pending is not None and not pending.valid():
                problem = bad_signature(seq, pending)
            return BundleVerdict(n - 1, problem, signed, party)
        elif pending is not None and not pending.valid():
            return BundleVerdict(n - 1, bad_signature(seq, pending), signed, party)
        try:
            if inclusion.get("size") != size:
                raise merkle.ProofError(
                    f"proof for a tree of {inclusion.get('size')}, not the checkpoint's {size}"
                )
            leaf = merkle.leaf_hash(merkle.leaf_input(e["hash"]))
            merkle.verify_inclusion(seq - 1, size, leaf, _proof(inclusion.get("proof")), root)
        except (merkle.ProofError, ValueError, AttributeError) as exc:
            return _bad(f"inclusion proof: {exc}", n - 1, seq)
    return BundleVerdict(len(items), None, signed, party, tuple(unchecked))
