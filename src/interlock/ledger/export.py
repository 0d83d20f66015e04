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

The keys cannot be swapped without changing the agreement's hash, nor the hash without
the agreement, so a reader who knows the agreement's hash (or holds the agreement) knows
the keys. `entries` and `head` name a missing tail, which the chain alone cannot show
(its last entries can be dropped with every remaining link intact). The header is not
signed: it guards against loss and naive edits, and the agreement hash printed by
`interlock audit verify` is what to compare against one's own. A file without a header
(an export made before it) is still read: its entries verify, its length cannot.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Any

from ..codec.canonical import digest
from .chain import GENESIS, Problem

FORMAT = 1  # "interlock_export": the header's format version
MARK = "interlock_export"


def agreement_hash(agreement: dict[str, Any]) -> str:
    """SHA-256 (hex) of the RFC 8785 form of an agreement (`Agreement.to_dict()`)."""
    return digest(agreement)


def agreement_keys(agreement: dict[str, Any]) -> dict[str, list[str]]:
    """Each party's public keys, as an agreement's dict form lists them."""
    return {p["id"]: list(p.get("public_keys", [])) for p in agreement["parties"]}


def header(
    agreement: dict[str, Any], entries: int, head: str, party: str | None = None
) -> dict[str, Any]:
    return {
        MARK: FORMAT,
        "agreement": agreement,
        "agreement_sha256": agreement_hash(agreement),
        "keys": agreement_keys(agreement),
        "entries": entries,
        "head": head,
        "party": party,
    }


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
    except (KeyError, TypeError, AttributeError) as exc:
        return bad(f"malformed ({exc})")
    if entries == 0 and head != GENESIS:
        return bad("no entries, yet a head hash other than the genesis one")
    return Header(claimed, keys, entries, head, party)


class Tail:
    """Passes the entries through, keeping the last one's hash (to check the head)."""

    def __init__(self, entries: Iterable[dict[str, Any]]) -> None:
        self._entries = entries
        self.last: str | None = GENESIS

    def __iter__(self) -> Iterator[dict[str, Any]]:
        for e in self._entries:
            self.last = e.get("hash") if isinstance(e, dict) else None
            yield e


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
