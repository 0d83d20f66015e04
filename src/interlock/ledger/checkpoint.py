"""Checkpoints: the log's signed (size, root), in C2SP tlog-checkpoint form, and the
witnesses' cosignatures on them (C2SP tlog-cosignature v1).

The body is three lines: the origin (the log's name), the tree size in decimal, the root
in standard base64; extension lines may follow (C2SP discourages them; interlock writes
none). The log signs the body as a signed note under the key name of its origin, twice:
an Ed25519 note signature (type 0x01, what any note verifier checks) and a
cosignature/v1 by the same key (type 0x04), which carries the time it was signed, as
Sunlight carries its time in a second, timestamped signature. A party that checked a
checkpoint adds its own cosignature/v1 under its witness name.

Two checkpoints signed by one log key for one size with different roots prove a fork:
no honest log signs both. For two sizes, a consistency proof settles it.
"""

from __future__ import annotations

import base64
import re
from collections.abc import Sequence
from dataclasses import dataclass, field

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from . import merkle
from .note import (
    TYPE_COSIGNATURE_V1,
    TYPE_ED25519,
    Note,
    NoteError,
    Signature,
    VerifierKey,
    check_name,
    check_text,
    cosign,
    find,
    parse_note,
    raw_public,
    sign,
    verify,
    verify_cosignature,
)

_SIZE = re.compile(r"0|[1-9][0-9]{0,18}")  # decimal, no leading zeros (tlog-checkpoint)
WITNESS_PREFIX = "interlock-party/"  # a party's witness key name: this and its id
ORIGIN_PREFIX = "interlock/"  # a log's name: this and the start of its agreement's hash


def origin_for(agreement_sha256: str) -> str:
    """The log's name for the agreement whose RFC 8785 SHA-256 (hex) is given: the prefix
    and its first 16 hex digits, so two deployments never share a name by accident."""
    return ORIGIN_PREFIX + agreement_sha256[:16]


def root_text(root: bytes) -> str:
    """A tree root as a checkpoint writes it: standard base64 (tlog-checkpoint)."""
    return base64.b64encode(root).decode()


def parse_root(text: str) -> bytes:
    """A root written as a checkpoint writes it, read one way only: the standard base64
    of 32 bytes, padded, no other spelling of the same bytes."""
    try:
        raw = base64.b64decode(text.encode("ascii"), validate=True)
    except (ValueError, UnicodeEncodeError):
        raise NoteError("not standard base64") from None
    if len(raw) != merkle.HASH_SIZE or root_text(raw) != text:
        raise NoteError(f"not the base64 of {merkle.HASH_SIZE} bytes") from None
    return raw


def witness_name(party: str) -> str:
    return check_name(WITNESS_PREFIX + party)


@dataclass(frozen=True, slots=True)
class Checkpoint:
    origin: str
    size: int
    root: bytes
    extensions: tuple[str, ...] = field(default=())

    def __post_init__(self) -> None:
        check_origin(self.origin)
        if not 0 <= self.size <= merkle.MAX_SIZE:
            raise NoteError(f"checkpoint size {self.size} out of range")
        if len(self.root) != merkle.HASH_SIZE:
            raise NoteError(f"checkpoint root is {merkle.HASH_SIZE} bytes")
        for line in self.extensions:
            if not line or "\n" in line:
                raise NoteError("an extension line is non-empty and one line")

    def body(self) -> str:
        lines = [self.origin, str(self.size), root_text(self.root)]
        return check_text("\n".join([*lines, *self.extensions]) + "\n")


def check_origin(origin: str) -> str:
    """A non-empty line without spaces or '+' (it is also the log's key name)."""
    try:
        return check_name(origin)
    except NoteError:
        raise NoteError(f"checkpoint origin {origin!r}: non-empty, no spaces or '+'") from None


def parse_checkpoint(body: str) -> Checkpoint:
    """A checkpoint body, every line checked: origin, size, root, extensions."""
    check_text(body)
    lines = body[:-1].split("\n")
    if len(lines) < 3:
        raise NoteError("a checkpoint has an origin, a size and a root line")
    origin, size, root, *ext = lines
    check_origin(origin)
    if not _SIZE.fullmatch(size) or int(size) > merkle.MAX_SIZE:
        raise NoteError(f"checkpoint size line {size[:30]!r}: a decimal number, no leading 0")
    try:
        raw = parse_root(root)
    except NoteError as exc:
        raise NoteError(f"checkpoint root line: {exc}") from None
    if any(not line for line in ext):
        raise NoteError("checkpoint extension lines must not be empty")
    return Checkpoint(origin, int(size), raw, tuple(ext))


def log_keys(origin: str, public: bytes) -> tuple[VerifierKey, VerifierKey]:
    """The log's note key and its timestamp (cosignature) key: one Ed25519 key, two types."""
    return (
        VerifierKey(origin, TYPE_ED25519, public),
        VerifierKey(origin, TYPE_COSIGNATURE_V1, public),
    )


@dataclass(frozen=True, slots=True)
class SignedCheckpoint:
    """A checkpoint whose log signatures verified; `time` is the log's, in Unix seconds."""

    checkpoint: Checkpoint
    time: int
    note: Note

    def text(self) -> str:
        return self.note.format()


def sign_checkpoint(cp: Checkpoint, key: Ed25519PrivateKey, time: int) -> SignedCheckpoint:
    body = cp.body()
    note = Note(body, (sign(body, cp.origin, key), cosign(body, cp.origin, key, time)))
    return SignedCheckpoint(cp, time, note)


def open_checkpoint(text: str, log_public: bytes, origin: str | None = None) -> SignedCheckpoint:
    """Parse a signed checkpoint and check both of the log's signatures (and its origin,
    when given): NoteError names what is wrong."""
    note = parse_note(text)
    cp = parse_checkpoint(note.text)
    if origin is not None and cp.origin != origin:
        raise NoteError(f"checkpoint of log {cp.origin!r}, not {origin!r}")
    plain, stamped = log_keys(cp.origin, log_public)
    verify(note, plain)
    time = verify_cosignature(note.text, find(note, stamped), stamped)
    return SignedCheckpoint(cp, time, note)


def witness_key(party: str, public: bytes) -> VerifierKey:
    return VerifierKey(witness_name(party), TYPE_COSIGNATURE_V1, public)


def cosign_checkpoint(
    signed: SignedCheckpoint, party: str, key: Ed25519PrivateKey, time: int
) -> Signature:
    """A party's cosignature/v1 of a checkpoint it verified."""
    return cosign(signed.note.text, witness_name(party), key, time)


def verify_witness(signed: SignedCheckpoint, s: Signature, party: str, public: bytes) -> int:
    """The time of party's valid cosignature `s` on `signed`, or NoteError."""
    return verify_cosignature(signed.note.text, s, witness_key(party, public))


def witness_public(party: str, public_keys: Sequence[bytes], s: Signature) -> bytes:
    """Which of a party's keys made the signature line `s` (by its key hash)."""
    for public in public_keys:
        if witness_key(party, public).hash == s.hash and s.name == witness_name(party):
            return public
    raise NoteError(f"no key of {party} has key hash {s.hash.hex()} under {s.name!r}")


def log_public_of(key: Ed25519PrivateKey) -> bytes:
    return raw_public(key.public_key())


# ---- fork evidence ------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class ForkVerdict:
    """`fork`: the two prove the log showed two histories; `inconsistent`: the log failed
    to prove one extends the other; `consistent`; `undecided`: nothing can be said yet."""

    status: str
    reason: str


def judge(
    a: SignedCheckpoint, b: SignedCheckpoint, proof: Sequence[bytes] | None = None
) -> ForkVerdict:
    """Compare two checkpoints both opened with the same log key. `proof` is the log's
    consistency proof from the smaller size to the larger, if it gave one."""
    ca, cb = a.checkpoint, b.checkpoint
    if ca.origin != cb.origin:
        return ForkVerdict("undecided", f"two logs: {ca.origin!r} and {cb.origin!r}")
    if ca.size == cb.size:
        if ca.root == cb.root:
            return ForkVerdict("consistent", f"the same tree of size {ca.size}")
        return ForkVerdict(
            "fork",
            f"the log signed two roots for size {ca.size}: "
            f"{base64.b64encode(ca.root).decode()} and {base64.b64encode(cb.root).decode()}",
        )
    small, large = (ca, cb) if ca.size < cb.size else (cb, ca)
    if proof is None:
        return ForkVerdict(
            "undecided",
            f"sizes {small.size} and {large.size}: a consistency proof from the log is needed",
        )
    try:
        merkle.verify_consistency(small.size, large.size, small.root, large.root, proof)
    except merkle.ProofError as exc:
        return ForkVerdict(
            "inconsistent",
            f"the log's proof that size {large.size} extends size {small.size} fails: {exc}",
        )
    return ForkVerdict("consistent", f"size {large.size} extends size {small.size}")
