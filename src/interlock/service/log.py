"""The verifiable log as a use case: signed checkpoints, proofs, parties' cosignatures.

The store keeps the Merkle nodes and signs a checkpoint at the end of every write
transaction that appends entries (through `LogSigner`, the one holder of the log key
here); this service serves them: the latest checkpoint with the cosignatures the parties
added, inclusion and consistency proofs read in one query each, and cosignatures, each
accepted only if it verifies with the party's agreement key over a checkpoint this log
signed.
"""

from __future__ import annotations

import base64
from dataclasses import dataclass
from typing import Any

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from ..codec.canonical import digest
from ..codec.keys import parse_public
from ..errors import InvalidInput, NotFound
from ..ledger import checkpoint as cp
from ..ledger import merkle
from ..ledger.note import NoteError, parse_note, parse_signature_line, raw_public, verifier_key
from ..model.agreement import Agreement
from ..store.base import Store
from .clock import Clock


def log_origin(agreement: Agreement) -> str:
    """The log's name (`ledger.checkpoint.origin_for` the agreement's RFC 8785 SHA-256)."""
    return cp.origin_for(digest(agreement.to_dict()))


@dataclass(frozen=True)
class LogSigner:
    """Signs the store's checkpoints (`store.base.Sealer`) with the log key."""

    origin: str
    key: Ed25519PrivateKey
    clock: Clock

    def sign(self, size: int, root: bytes) -> tuple[int, str]:
        time = int(self.clock().timestamp())
        signed = cp.sign_checkpoint(cp.Checkpoint(self.origin, size, root), self.key, time)
        return time, signed.text()


def _b64(h: bytes) -> str:
    return base64.b64encode(h).decode()


def _positive(value: Any, field: str) -> int:
    if type(value) is not int or not 1 <= value <= merkle.MAX_SIZE:
        raise InvalidInput(f"an integer from 1 to {merkle.MAX_SIZE}", field=field)
    return value


class LogService:
    def __init__(self, store: Store, agreement: Agreement, key: Ed25519PrivateKey, clock: Clock):
        self.store = store
        self.agreement = agreement
        self.origin = log_origin(agreement)
        self.public = raw_public(key.public_key())
        self.signer = LogSigner(self.origin, key, clock)
        store.sealer = self.signer

    @property
    def log_key(self) -> str:
        """The log's verifier key (signed-note text form) a witness pins."""
        return verifier_key(self.origin, self.public)

    def ensure_checkpoint(self) -> None:
        """Sign the current tree if no checkpoint of this log covers it (a new store, a
        ledger migrated in, a new log identity)."""
        with self.store.write() as tx:
            tx.request_seal()

    def _latest(self) -> dict[str, Any]:
        row = self.store.latest_checkpoint(self.origin)
        if row is None:
            raise NotFound("no checkpoint signed yet")
        return row

    def published(self, row: dict[str, Any]) -> str:
        """The signed note with every cosignature the parties added."""
        lines = [
            parse_signature_line(c["line"])
            for c in self.store.cosignatures(self.origin, row["size"])
        ]
        return parse_note(row["note"]).with_signatures(*lines).format()

    def checkpoint(self) -> dict[str, Any]:
        row = self._latest()
        return {
            "origin": self.origin,
            "log_key": self.log_key,
            "size": row["size"],
            "root": _b64(row["root"]),
            "time": row["time"],
            "note": self.published(row),
            "cosigned_by": [c["party"] for c in self.store.cosignatures(self.origin, row["size"])],
        }

    def tree_size(self) -> int:
        row = self.store.latest_checkpoint(self.origin)
        return 0 if row is None else int(row["size"])

    def _within(self, size: int, field: str) -> None:
        current = self.tree_size()
        if size > current:
            raise InvalidInput(
                f"{size} is beyond the latest checkpoint's size {current}", field=field
            )

    def inclusion(self, seq: Any, size: Any) -> dict[str, Any]:
        """The proof that ledger entry `seq` (1-based) is leaf seq-1 of the tree of `size`."""
        seq, size = _positive(seq, "seq"), _positive(size, "size")
        if seq > size:
            raise InvalidInput(f"entry {seq} is not in a tree of {size}", field="seq")
        self._within(size, "size")
        nodes = self.store.merkle_nodes(merkle.proof_nodes_inclusion(seq - 1, size))
        leaf = self.store.merkle_nodes([(0, seq - 1)])[(0, seq - 1)]
        proof = merkle.inclusion_proof(seq - 1, size, lambda lv, i: nodes[(lv, i)])
        return {
            "seq": seq,
            "size": size,
            "leaf_index": seq - 1,
            "leaf_hash": _b64(leaf),
            "proof": [_b64(h) for h in proof],
        }

    def consistency(self, first: Any, second: Any) -> dict[str, Any]:
        """The proof that the tree of `second` entries extends the tree of `first`."""
        first, second = _positive(first, "from"), _positive(second, "to")
        if first > second:
            raise InvalidInput(f"from ({first}) is after to ({second})", field="from")
        self._within(second, "to")
        nodes = self.store.merkle_nodes(merkle.proof_nodes_consistency(first, second))
        proof = merkle.consistency_proof(first, second, lambda lv, i: nodes[(lv, i)])
        return {"from": first, "to": second, "proof": [_b64(h) for h in proof]}

    def cosign(self, party: str, body: Any) -> dict[str, Any]:
        """Accept `party`'s cosignature line over a checkpoint this log signed, if it
        verifies with one of the party's agreement keys."""
        if not isinstance(body, dict):
            raise InvalidInput("a JSON object {size, cosignature}", field="body")
        size = body.get("size")
        if type(size) is not int or not 0 <= size <= merkle.MAX_SIZE:
            raise InvalidInput(f"an integer from 0 to {merkle.MAX_SIZE}", field="size")
        line = body.get("cosignature")
        if not isinstance(line, str) or len(line) > 1000:
            raise InvalidInput("a signature line (text)", field="cosignature")
        row = self.store.checkpoint_at(self.origin, size)
        if row is None:
            raise InvalidInput(f"this log signed no checkpoint of size {size}", field="size")
        signed = cp.SignedCheckpoint(
            cp.parse_checkpoint(parse_note(row["note"]).text), row["time"], parse_note(row["note"])
        )
        try:
            s = parse_signature_line(line.removesuffix("\n"))
            keys = [_raw(k) for k in self.agreement.party(party).public_keys]
            public = cp.witness_public(party, keys, s)
            time = cp.verify_witness(signed, s, party, public)
        except NoteError as exc:
            raise InvalidInput(str(exc), field="cosignature") from None
        with self.store.write() as tx:
            tx.put_cosignature(self.origin, size, party, time, s.line().removesuffix("\n"))
        return {"origin": self.origin, "size": size, "party": party, "time": time}


def _raw(public_text: str) -> bytes:
    return raw_public(parse_public(public_text))
