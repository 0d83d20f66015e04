"""An owner discloses a committed notice field: its opening goes on the record for all.

A notice's hidden fields are on the ledger as salted commitments (`ledger.commitments`),
their openings kept beside the entry for the owner. Disclosing one records a ledger event
of its own, ``disclosure`` {entry, field, party, opening: {salt, value}}, addressed to
every party: from then on any verifier checks the value against the commitment the
notice's entry holds (`ledger.chain`), and nothing already chained changes.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from ..errors import Forbidden, InvalidInput, NotFound
from ..ledger.commitments import commitments_of
from ..model.agreement import Agreement
from ..model.events import EventKind
from ..store.base import Store, WriteTx
from .batch import run_one
from .clock import Clock
from .record import record


@dataclass(frozen=True, slots=True)
class DiscloseOp:
    party: str
    seq: int
    field: str


class Discloser:
    """The write: checked and recorded in one transaction (the owner, the entry, the
    field's opening, all read inside it)."""

    def __init__(self, store: Store, agreement: Agreement, clock: Clock) -> None:
        self.store, self.agreement, self.clock = store, agreement, clock

    def disclose(self, party: str, seq: int, field: str) -> dict[str, Any]:
        """Publish the opening of `field` of `party`'s notice entry `seq`; the ledger entry."""
        return run_one(self.store, self, DiscloseOp(party, seq, field))

    def prepare(self, op: DiscloseOp) -> DiscloseOp:
        self.agreement.party(op.party)
        return op

    def apply(self, tx: WriteTx, op: DiscloseOp, prepared: Any) -> dict[str, Any]:
        entry = tx.ledger_entry_at(op.seq)
        event = entry["event"] if entry is not None else {}
        if event.get("type") != EventKind.NOTICE_VERSION:
            raise NotFound(f"no notice version at ledger entry {op.seq}")
        if event.get("party") != op.party:
            raise Forbidden(
                f"entry {op.seq} is {event.get('party')}'s notice; only it may disclose"
            )
        openings = (entry or {}).get("openings") or {}
        if op.field not in commitments_of(event) or op.field not in openings:
            raise InvalidInput(f"entry {op.seq} commits no field {op.field!r}", field="field")
        body = {
            "entry": op.seq,
            "field": op.field,
            "party": op.party,
            "opening": openings[op.field],
        }
        return record(
            tx, EventKind.DISCLOSURE, event.get("id"), self.clock(), body, self.agreement.party_ids
        )
