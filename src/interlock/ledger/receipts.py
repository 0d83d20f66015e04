"""Receipts bound to the log: what the recipient had verified when it signed.

A delivered or acknowledged receipt may carry, in its signed body,
``"checkpoint": {"size": N, "root": "<base64>"}``: the checkpoint of the server's log its
client had verified (as a witness) when it signed, covering the message's own entry. The
receipt then proves more than "I saw message m": it proves which history of the record
the recipient had checked, so a server that later rewrites or forks that history is
caught by the recipient's own signature.

Checked twice, with the same rules: by the server before it stores the receipt (the root
of its tree at that size, the message's entry within it), and by every audit, which
recomputes the roots from the entries before the receipt (`LogMemory`).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from ..errors import InvalidInput
from . import merkle
from .checkpoint import parse_root, root_text
from .note import NoteError

FIELD = "checkpoint"  # the receipt body's key
_KEYS = ("size", "root")


@dataclass(frozen=True, slots=True)
class CheckpointRef:
    """A (size, root) of the log a party states it verified."""

    size: int
    root: bytes

    def to_json(self) -> dict[str, Any]:
        return {"size": self.size, "root": root_text(self.root)}


def parse_ref(value: Any) -> CheckpointRef:
    """A receipt's `checkpoint`, or InvalidInput naming the field: an object of exactly
    `size` (an integer from 1: a tree that holds the message) and `root` (as the
    checkpoint note writes it)."""
    if not isinstance(value, dict):
        raise InvalidInput("an object {size, root}", field=FIELD)
    unknown = sorted(set(value) - set(_KEYS))
    if unknown:
        raise InvalidInput("unknown field", field=f"{FIELD}.{unknown[0]}")
    size = value.get("size")
    if type(size) is not int or not 1 <= size <= merkle.MAX_SIZE:
        raise InvalidInput(f"an integer from 1 to {merkle.MAX_SIZE}", field=f"{FIELD}.size")
    root = value.get("root")
    if not isinstance(root, str):
        raise InvalidInput("the tree's root, as the checkpoint writes it", field=f"{FIELD}.root")
    try:
        raw = parse_root(root)
    except NoteError as exc:
        raise InvalidInput(str(exc), field=f"{FIELD}.root") from None
    return CheckpointRef(size, raw)


def stated(event: dict[str, Any]) -> tuple[bool, Any]:
    """Whether a receipt event's signed body carries a `checkpoint`, and it as sent."""
    env = event.get("envelope")
    body = env.get("body") if isinstance(env, dict) else None
    if isinstance(body, dict) and FIELD in body:
        return True, body[FIELD]
    return False, None


def verified_to(event: dict[str, Any]) -> int | None:
    """The size of the checkpoint a receipt event says its signer had verified, if it
    carries a well-formed one (for people reading the record)."""
    present, raw = stated(event)
    if not present:
        return None
    try:
        return parse_ref(raw).size
    except InvalidInput:
        return None


def coverage_problem(ref: CheckpointRef, message_id: str, message_seq: int) -> str | None:
    """Why the checkpoint does not hold the message's entry (None: it does)."""
    if ref.size < message_seq:
        return (
            f"size {ref.size} does not include message {message_id} "
            f"(ledger entry {message_seq})"
        )
    return None


NOT_THIS_LOG = "receipt's checkpoint is not this log's"


class LogMemory:
    """What an in-order audit remembers of the entries before the one it checks: their
    Merkle tree (built only once a receipt asks for a root) and the entry of each message.
    """

    __slots__ = ("_inputs", "_messages", "_tree")

    def __init__(self) -> None:
        self._inputs = bytearray()  # the leaf inputs (entry hashes, raw), in order
        self._tree = merkle.History()
        self._messages: dict[str, int] = {}

    @property
    def size(self) -> int:
        return len(self._inputs) // merkle.HASH_SIZE

    def add(self, entry: dict[str, Any]) -> None:
        """Remember an entry that verified (its `hash` checked against its head)."""
        self._inputs += merkle.leaf_input(entry["hash"])
        event = entry["event"]
        if event.get("type") == "message" and isinstance(event.get("id"), str):
            self._messages[event["id"]] = self.size

    def root(self, size: int) -> bytes:
        tree, inputs, h = self._tree, self._inputs, merkle.HASH_SIZE
        for i in range(tree.size, size):
            tree.append(merkle.leaf_hash(bytes(inputs[i * h : (i + 1) * h])))
        return tree.root(size)

    def problem(self, event: dict[str, Any]) -> str | None:
        """Why a receipt event's checkpoint is not this log's before it (None: it is, or
        the receipt carries none)."""
        if event.get("type") != "receipt":
            return None
        present, raw = stated(event)
        if not present:
            return None
        try:
            ref = parse_ref(raw)
        except InvalidInput as exc:
            return f"{NOT_THIS_LOG}: {exc.detail}"
        if ref.size > self.size:
            return f"{NOT_THIS_LOG}: size {ref.size}, but {self.size} entries came before it"
        if self.root(ref.size) != ref.root:
            return f"{NOT_THIS_LOG}: its root is not the root of the first {ref.size} entries"
        seq = self._messages.get(str(event.get("message")))
        reason = None if seq is None else coverage_problem(ref, str(event["message"]), seq)
        return None if reason is None else f"{NOT_THIS_LOG}: {reason}"
