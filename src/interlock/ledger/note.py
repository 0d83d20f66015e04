"""Signed notes (C2SP signed-note, https://c2sp.org/signed-note) with Ed25519 keys.

A note is UTF-8 text ending in a newline, a blank line, then one signature line per
signer: ``— <key name> <base64(key hash || signature)>``. The key hash is the first four
bytes of SHA-256(name || "\\n" || signature type || public key); the type byte says what
was signed: 0x01 an Ed25519 signature of the text itself, 0x04 a C2SP tlog-cosignature/v1
(`cosignature_message`). It is the format Go's sumdb, the transparency logs and their
witnesses read, so any of their tools can check what interlock signs.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import re
from dataclasses import dataclass

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

TYPE_ED25519 = 0x01  # signed-note: an Ed25519 signature over the note text
TYPE_COSIGNATURE_V1 = 0x04  # tlog-cosignature: Ed25519 over a timestamped cosignature message
MAX_SIGNATURES = 100  # what golang.org/x/mod/sumdb/note reads at most (its maxSignatures)
DASH = "\u2014"  # the em dash that opens every signature line (signed-note)
ED25519_SIGNATURE_SIZE = 64


class NoteError(ValueError):
    """A note, key or signature that is malformed or does not verify."""


_NAME = re.compile(r"[^\s+]+")


def check_name(name: str) -> str:
    """A key name: non-empty, no Unicode spaces, no '+' (signed-note)."""
    if not isinstance(name, str) or not _NAME.fullmatch(name):
        raise NoteError(f"key name {name!r}: non-empty, without spaces or '+'")
    return name


def raw_public(key: Ed25519PublicKey) -> bytes:
    return key.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)


def key_hash(name: str, key_type: int, public: bytes) -> bytes:
    """The 4-byte key hash of a signature line (signed-note)."""
    data = check_name(name).encode() + b"\n" + bytes([key_type]) + public
    return hashlib.sha256(data).digest()[:4]


def verifier_key(name: str, public: bytes, key_type: int = TYPE_ED25519) -> str:
    """The text form of a verifier key: ``name+<8 hex key hash>+base64(type || key)``."""
    hash4 = key_hash(name, key_type, public).hex()
    return f"{name}+{hash4}+{base64.b64encode(bytes([key_type]) + public).decode()}"


@dataclass(frozen=True, slots=True)
class VerifierKey:
    name: str
    key_type: int
    public: bytes  # 32 raw Ed25519 bytes

    @property
    def hash(self) -> bytes:
        return key_hash(self.name, self.key_type, self.public)

    def text(self) -> str:
        return verifier_key(self.name, self.public, self.key_type)

    def ed25519(self) -> Ed25519PublicKey:
        return Ed25519PublicKey.from_public_bytes(self.public)


def parse_verifier_key(text: str) -> VerifierKey:
    """A verifier key's text form, its key hash checked against its name and key."""
    name, sep, rest = text.partition("+")
    hash_hex, sep2, b64 = rest.partition("+")
    if not sep or not sep2 or not re.fullmatch(r"[0-9a-f]{8}", hash_hex):
        raise NoteError("a verifier key is name+<8 hex digits>+<base64 key>")
    raw = _b64(b64, "verifier key")
    if len(raw) != 33 or raw[0] not in (TYPE_ED25519, TYPE_COSIGNATURE_V1):
        raise NoteError("a verifier key holds a type byte (0x01 or 0x04) and 32 key bytes")
    key = VerifierKey(check_name(name), raw[0], raw[1:])
    if key.hash.hex() != hash_hex:
        raise NoteError(f"verifier key {name}: key hash {hash_hex} does not match its key")
    return key


def _b64(text: str, what: str) -> bytes:
    try:
        raw = base64.b64decode(text.encode("ascii"), validate=True)
    except (binascii.Error, UnicodeEncodeError, ValueError):
        raise NoteError(f"{what}: not standard base64") from None
    if base64.b64encode(raw).decode() != text:
        raise NoteError(f"{what}: not canonical base64")
    return raw


@dataclass(frozen=True, slots=True)
class Signature:
    """One signature line: the key name, the 4-byte key hash and what follows it."""

    name: str
    hash: bytes
    data: bytes

    def line(self) -> str:
        return f"{DASH} {self.name} {base64.b64encode(self.hash + self.data).decode()}\n"


@dataclass(frozen=True, slots=True)
class Note:
    text: str  # ends with a newline
    signatures: tuple[Signature, ...]

    def format(self) -> str:
        return self.text + "\n" + "".join(s.line() for s in self.signatures)

    def with_signatures(self, *more: Signature) -> Note:
        """The note with `more` added, each (name, hash) once (a later copy is dropped)."""
        seen = {(s.name, s.hash) for s in self.signatures}
        added = []
        for s in more:
            if (s.name, s.hash) not in seen:
                seen.add((s.name, s.hash))
                added.append(s)
        return Note(self.text, self.signatures + tuple(added))


def check_text(text: str) -> str:
    """Note text: non-empty, ends in a newline, no control characters but newline."""
    if not isinstance(text, str) or not text.endswith("\n"):
        raise NoteError("note text must end with a newline")
    for i, ch in enumerate(text):
        if (ch < " " and ch != "\n") or ch == "\x7f":
            raise NoteError(f"note text holds control character {ord(ch):#04x} at {i}")
    return text


def parse_signature_line(line: str) -> Signature:
    """``— name base64`` (no newline)."""
    head = DASH + " "
    if not line.startswith(head):
        raise NoteError(f"signature line must start with '{head}': {line[:40]!r}")
    parts = line[len(head) :].split(" ")
    if len(parts) != 2:
        raise NoteError(f"signature line is '{head}<name> <base64>': {line[:60]!r}")
    name, b64 = parts
    raw = _b64(b64, f"signature of {check_name(name)}")
    if len(raw) < 5:
        raise NoteError(f"signature of {name}: too short")
    return Signature(name, raw[:4], raw[4:])


def parse_note(message: str) -> Note:
    """A signed note, strictly: text, one blank line, at least one signature line."""
    if not isinstance(message, str):
        raise NoteError("a note is text")
    split = message.rfind("\n\n")
    if split < 0:
        raise NoteError("no blank line between the note text and its signatures")
    text, sigs = message[: split + 1], message[split + 2 :]
    check_text(text)
    if not sigs.endswith("\n"):
        raise NoteError("the last signature line must end with a newline")
    lines = sigs[:-1].split("\n")
    if len(lines) > MAX_SIGNATURES:
        raise NoteError(f"more than {MAX_SIGNATURES} signatures")
    return Note(text, tuple(parse_signature_line(line) for line in lines))


def sign(text: str, name: str, key: Ed25519PrivateKey) -> Signature:
    """A type 0x01 signature of the note text."""
    public = raw_public(key.public_key())
    return Signature(
        check_name(name),
        key_hash(name, TYPE_ED25519, public),
        key.sign(check_text(text).encode()),
    )


def find(note: Note, key: VerifierKey) -> Signature:
    for s in note.signatures:
        if s.name == key.name and s.hash == key.hash:
            return s
    raise NoteError(f"no signature by {key.name} ({key.hash.hex()})")


def _verify(public: bytes, signature: bytes, message: bytes, who: str) -> None:
    try:
        Ed25519PublicKey.from_public_bytes(public).verify(signature, message)
    except (InvalidSignature, ValueError):
        raise NoteError(f"the signature by {who} does not verify") from None


def verify(note: Note, key: VerifierKey) -> None:
    """Raise NoteError unless `note` carries a valid type 0x01 signature by `key`."""
    if key.key_type != TYPE_ED25519:
        raise NoteError(f"{key.name}: not an Ed25519 note key")
    s = find(note, key)
    if len(s.data) != ED25519_SIGNATURE_SIZE:
        raise NoteError(f"the signature by {key.name} is not {ED25519_SIGNATURE_SIZE} bytes")
    _verify(key.public, s.data, note.text.encode(), key.name)


# ---- tlog-cosignature/v1 (https://c2sp.org/tlog-cosignature) ------------------------------


def cosignature_message(body: str, timestamp: int) -> bytes:
    """What a cosignature/v1 signs: a header with the time, then the checkpoint body."""
    return f"cosignature/v1\ntime {timestamp}\n".encode() + check_text(body).encode()


def cosign(body: str, name: str, key: Ed25519PrivateKey, timestamp: int) -> Signature:
    """A type 0x04 signature line: timestamp (8 bytes, big-endian) || Ed25519 signature."""
    if not 0 <= timestamp < 2**63:
        raise NoteError("a cosignature's time is a non-negative 64-bit integer")
    public = raw_public(key.public_key())
    sig = key.sign(cosignature_message(body, timestamp))
    return Signature(
        check_name(name),
        key_hash(name, TYPE_COSIGNATURE_V1, public),
        timestamp.to_bytes(8, "big") + sig,
    )


def verify_cosignature(body: str, s: Signature, key: VerifierKey) -> int:
    """The time a valid cosignature/v1 by `key` over `body` carries, or NoteError."""
    if key.key_type != TYPE_COSIGNATURE_V1:
        raise NoteError(f"{key.name}: not a cosignature key")
    if s.name != key.name or s.hash != key.hash:
        raise NoteError(f"not a signature by {key.name} ({key.hash.hex()})")
    if len(s.data) != 8 + ED25519_SIGNATURE_SIZE:
        raise NoteError(f"the cosignature by {key.name} is not 8 + 64 bytes")
    timestamp = int.from_bytes(s.data[:8], "big")
    if timestamp >= 2**63:
        raise NoteError(f"the cosignature by {key.name} has an impossible time")
    _verify(key.public, s.data[8:], cosignature_message(body, timestamp), key.name)
    return timestamp
