"""A ledger export that verifies on its own: JSON Lines, a header line, then the entries.

Line 1, the header (one JSON object)::

    {"interlock_export": 1,
     "agreement": {...},            the agreement in force, as GET /agreement serves it
     "agreement_sha256": "<hex>",   SHA-256 of the RFC 8785 form of "agreement"
     "keys": {"<party>": ["ed25519:...", ...]},  each party's public keys in force: the
                                    agreement's, bound to it by agreement_sha256
     "entries": N,                  how many entries follow
     "head": "<hex>",               the last entry's hash (the genesis hash when N = 0)
     "party": null | "<party>"}     whose view this is: null, the whole record (every
                                    event whole, every opening); a party, what it may
                                    read (events outside its audience as stubs, only the
                                    openings it may see). Absent: null.

Lines 2 to N+1: the ledger entries in order, one JSON object each
(``seq, prev_hash, received_at, content_hash, audience, hash, event`` and, where there
are any, ``openings``; see ``ledger.chain``).

     "log": {"origin": ..., "log_key": ..., "note": ...}
                                    the log's signed checkpoint at size N (a C2SP signed
                                    note, ledger.checkpoint) and its verifier key

The keys cannot be swapped without changing the agreement's hash, nor the hash without
the agreement, so a reader who knows the agreement's hash (or holds the agreement) knows
the keys. `entries` and `head` name a missing tail, which the chain alone cannot show
(its last entries can be dropped with every remaining link intact). The rest of the header
is not signed, but the log's checkpoint is: the Merkle root of the entries read must be the
root the log signed for N entries, so an entry dropped, added or changed and the chain
rehashed, or a tail cut with the header rewritten, fails even with the header edited to
match. (The log's key is named in the checkpoint's origin, which names the agreement; a
reader who holds a checkpoint of its own — a witness state — also checks the export
extends it, which holds even against the holder of the log key.) A file without a header
(an export made before it) is still read: its entries verify, its length cannot.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Any

from ..codec.canonical import digest
from . import merkle
from .chain import GENESIS, Problem
from .checkpoint import SignedCheckpoint, open_checkpoint, origin_for
from .note import NoteError, parse_verifier_key

FORMAT = 1  # "interlock_export": the header's format version
MARK = "interlock_export"


def agreement_hash(agreement: dict[str, Any]) -> str:
    """SHA-256 (hex) of the RFC 8785 form of an agreement (`Agreement.to_dict()`)."""
    return digest(agreement)


def agreement_keys(agreement: dict[str, Any]) -> dict[str, list[str]]:
    """Each party's public keys, as an agreement's dict form lists them."""
    return {p["id"]: list(p.get("public_keys", [])) for p in agreement["parties"]}


def header(
    agreement: dict[str, Any],
    entries: int,
    head: str,
    party: str | None = None,
    log: dict[str, str] | None = None,
) -> dict[str, Any]:
    """`log`: the log's {origin, log_key, note} signed at `entries` (None: not written)."""
    out = {
        MARK: FORMAT,
        "agreement": agreement,
        "agreement_sha256": agreement_hash(agreement),
        "keys": agreement_keys(agreement),
        "entries": entries,
        "head": head,
        "party": party,
    }
    if log is not None:
        out["log"] = {k: log[k] for k in ("origin", "log_key", "note")}
    return out


def is_header(line: Any) -> bool:
    return isinstance(line, dict) and MARK in line


@dataclass(frozen=True, slots=True)
class Header:
    """A header that holds together: the keys to verify with, and what should follow."""

    agreement_sha256: str
    keys: dict[str, list[str]]
    entries: int
    head: str
    party: str | None = None  # whose view (None: the whole record)
    checkpoint: SignedCheckpoint | None = None  # the log's, at `entries` (signature checked)
    log_key: str | None = None  # the log's verifier key (signed-note text form)


def read_header(line: dict[str, Any]) -> Header | Problem:
    """The header's promises, or why it does not hold together (position 0: the header)."""

    def bad(reason: str) -> Problem:
        return Problem(0, f"header: {reason}")

    if line.get(MARK) != FORMAT:
        return bad(f"format {line.get(MARK)!r}, where {FORMAT} is read")
    try:
        agreement, claimed = line["agreement"], line["agreement_sha256"]
        keys, entries, head = line["keys"], line["entries"], line["head"]
        if not isinstance(agreement, dict) or type(entries) is not int or entries < 0:
            return bad("malformed (agreement, entries)")
        if not isinstance(head, str) or not isinstance(claimed, str):
            return bad("malformed (head, agreement_sha256)")
        actual = agreement_hash(agreement)
        if actual != claimed:
            return bad(f"the agreement's hash is {actual}, not the {claimed} it states")
        if keys != agreement_keys(agreement):
            return bad("its keys are not the agreement's")
        party = line.get("party")
        if party is not None and party not in keys:
            return bad(f"party {party!r} is not a party to the agreement")
        signed, log_key = None, None
        if "log" in line:
            log = line["log"]
            origin = origin_for(actual)
            if log.get("origin") != origin:
                return bad(f"log checkpoint: log {log.get('origin')!r}, not this agreement's "
                           f"{origin!r}")  # fmt: skip
            try:
                key = parse_verifier_key(str(log["log_key"]))
                if key.name != origin:
                    raise NoteError(f"the key is named {key.name!r}")
                signed = open_checkpoint(str(log["note"]), key.public, origin)
            except (NoteError, ValueError) as exc:
                return bad(f"log checkpoint: {exc}")
            if signed.checkpoint.size != entries:
                return bad(f"log checkpoint: signed for {signed.checkpoint.size} entries, "
                           f"the header announces {entries}")  # fmt: skip
            log_key = key.text()
    except (KeyError, TypeError, AttributeError) as exc:
        return bad(f"malformed ({exc})")
    if entries == 0 and head != GENESIS:
        return bad("no entries, yet a head hash other than the genesis one")
    return Header(claimed, keys, entries, head, party, signed, log_key)


class Tail:
    """Passes the entries through, keeping the last one's hash (to check the head) and
    the Merkle tree of their hashes (to check the log's checkpoints)."""

    def __init__(self, entries: Iterable[dict[str, Any]]) -> None:
        self._entries = entries
        self.last: str | None = GENESIS
        self.tree = merkle.History()

    def __iter__(self) -> Iterator[dict[str, Any]]:
        for e in self._entries:
            self.last = e.get("hash") if isinstance(e, dict) else None
            with contextlib.suppress(ValueError):  # not a hash: the audit names the entry
                self.tree.append(merkle.leaf_hash(merkle.leaf_input(str(self.last))))
            yield e


def root_problem(promised: Header, tail: Tail) -> Problem | None:
    """Why the entries read do not make the root the log signed (None: they do, or the
    header carries no checkpoint). The chain alone cannot show an entry dropped or
    changed with every later link rehashed; the signed root can."""
    if promised.checkpoint is None:
        return None
    c = promised.checkpoint.checkpoint
    if tail.tree.size != c.size or tail.tree.root(c.size) != c.root:
        return Problem(
            0,
            f"the entries do not make the Merkle root the log signed for {c.size} entries "
            "(an entry dropped, added or changed and the chain rehashed)",
        )
    return None


def held_problem(size: int, root: bytes, tail: Tail) -> Problem | None:
    """Why the entries read do not extend a checkpoint the reader holds (`size`, `root`:
    its witness state): the export must reach that size and agree with it there."""
    if tail.tree.size < size:
        return Problem(
            tail.tree.size + 1,
            f"the export ends at {tail.tree.size} entries, before the checkpoint you hold "
            f"({size} entries): its tail was cut",
        )
    if tail.tree.root(size) != root:
        return Problem(
            0,
            f"its first {size} entries do not make the root of the checkpoint you hold: "
            "the log's history was rewritten",
        )
    return None


def length_problem(promised: Header, count: int, last: str | None) -> Problem | None:
    """Why entries that verified are not all the header promised (None: they are)."""
    if count < promised.entries:
        return Problem(
            count + 1,
            f"missing: the export ends after {count} of the {promised.entries} entries "
            "its header announces (tail truncated)",
        )
    if count > promised.entries:
        return Problem(
            promised.entries + 1, f"beyond the {promised.entries} entries its header announces"
        )
    if last != promised.head:
        return Problem(count, "the last entry's hash is not the head hash the header states")
    return None
