"""Signed envelopes: a party's statement that the server can relay but never forge.

An envelope carries what was said (``body``), what kind of statement it is (``kind``:
"notice", "message", "receipt", ...), who says it (``author`` and ``key_id``), when the
author's clock says it was signed (``signed_at``), a random ``nonce`` against replays, and
an Ed25519 ``signature`` over the RFC 8785 form of all the other fields.

Verification is split so that a ledger audit can check the signatures elsewhere: `prepare`
makes every check but the Ed25519 equation (cheap) and `Pending.valid` the equation (most
of the cost, also run by the helper processes of `interlock.service.verify` through
`first_invalid`); `finish` checks the time. `verify` is the three in a row.
"""

from __future__ import annotations

import base64
import binascii
import re
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import lru_cache
from typing import Any, NamedTuple

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from nacl.bindings import crypto_sign_open
from nacl.exceptions import BadSignatureError

from ..codec.canonical import canonical, render
from ..codec.keys import key_id, parse_public, public_text
from ..errors import InvalidInput, Unauthorized
from ..model.timeutil import iso, parse_utc

FIELDS = ("kind", "author", "key_id", "signed_at", "nonce", "body")
MAX_SKEW = timedelta(minutes=5)  # how far signed_at may stray from the server's clock
# An Ed25519 signature (64 bytes) as signers write it: base64url, padded (RFC 4648 §5).
SIGNATURE_TEXT = re.compile(r"[A-Za-z0-9_-]{86}==")
_URLSAFE = bytes.maketrans(b"-_", b"+/")
_STD_TO_URLSAFE = bytes.maketrans(b"+/", b"-_")


def signing_bytes(env: dict[str, Any]) -> bytes:
    return canonical({k: env[k] for k in FIELDS})


def sign(
    kind: str, author: str, body: Any, key: Ed25519PrivateKey, now: datetime
) -> dict[str, Any]:
    """A signed envelope (a plain JSON object) for `body`."""
    env: dict[str, Any] = {
        "kind": kind,
        "author": author,
        "key_id": key_id(public_text(key.public_key())),
        "signed_at": iso(now),
        "nonce": secrets.token_hex(16),
        "body": body,
    }
    env["signature"] = base64.urlsafe_b64encode(key.sign(signing_bytes(env))).decode()
    return env


class UnknownKey(Unauthorized):
    """No key at all is given for the author: the signature cannot be checked (a server
    refuses it; an audit reports it as unchecked, not as tampering). A key id that is
    none of the author's known keys is a plain `Unauthorized`: a bad signature."""


@dataclass(frozen=True, slots=True)
class Verified:
    kind: str
    author: str
    key_id: str
    signed_at: datetime
    nonce: str
    body: Any


def check_shape(env: Any) -> None:
    if not isinstance(env, dict):
        raise InvalidInput("a signed envelope (JSON object) is required", field="body")
    for name in (*FIELDS, "signature"):
        if name not in env:
            raise InvalidInput("missing from the signed envelope", field=name)
    for name in ("kind", "author", "key_id", "nonce", "signature"):
        if not isinstance(env[name], str) or not env[name]:
            raise InvalidInput("must be a non-empty string", field=name)
    if len(env["nonce"]) < 16:
        raise InvalidInput("at least 16 characters of randomness", field="nonce")


class PublicKey(NamedTuple):
    """A party's public key parsed once: key text -> (key id, key, raw 32 bytes)."""

    key_id: str
    key: Ed25519PublicKey
    raw: bytes


def public_key(text: str) -> PublicKey:
    """A key text parsed once: parsing and hashing it cost more than a signature's other
    checks. Raises as `key_id` does for a malformed key (errors are not cached)."""
    if type(text) is not str:
        parse_public(text)  # raises the same InvalidInput as key_id would
    return _parsed(text)


@lru_cache(maxsize=1024)
def _parsed(text: str) -> PublicKey:
    key = parse_public(text)
    raw = key.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    return PublicKey(key_id(text), key, raw)


def _sodium_valid(raw_key: bytes, signature: bytes, message: bytes) -> bool:
    """libsodium's Ed25519 check (through PyNaCl): ~70 us where OpenSSL (through
    cryptography) takes ~150 us on this project's machines."""
    try:
        crypto_sign_open(signature + message, raw_key)
    except (BadSignatureError, ValueError, TypeError):
        return False
    return True


def signature_valid(key: PublicKey, signature: bytes, message: bytes) -> bool:
    """Whether `signature` is `key`'s Ed25519 signature of `message`, as OpenSSL decides.

    Only libsodium's "valid" is taken on its own: libsodium refuses everything OpenSSL
    refuses (the same cofactorless equation over the same hash, S < L, R compared as
    bytes) and more besides (small-order R and keys, non-canonical keys), so a "no" is
    asked again of OpenSSL and the verdicts stay exactly OpenSSL's."""
    if len(signature) == 64 and len(key.raw) == 32 and _sodium_valid(key.raw, signature, message):
        return True
    try:
        key.key.verify(signature, message)
    except (InvalidSignature, ValueError):
        return False
    return True


class Pending(NamedTuple):
    """An envelope that passed every check but the signature itself."""

    env: dict[str, Any]
    key: PublicKey
    signature: bytes
    message: bytes

    def valid(self) -> bool:
        return signature_valid(self.key, self.signature, self.message)

    def refusal(self) -> Unauthorized:
        return Unauthorized(f"bad signature on a {self.env['kind']!s} by {self.env['author']}")


def prepare(env: Any, keys: dict[str, list[str]], ready: Any = None) -> Pending:
    """Everything `verify` checks before the signature, in its order, with its errors.

    `ready` may be `env` as `canonical.prepare` gave it (a caller that just canonicalised
    the event holding it), which spares walking it again for the signed bytes.
    """
    check_shape(env)
    author = env["author"]
    known = keys.get(author, [])
    if not known:  # nothing to check it against: not a sign of forgery
        raise UnknownKey(f"no key for party {author!r} (signed with key {env['key_id']})")
    candidates = [k for k in known if public_key(k).key_id == env["key_id"]]
    if not candidates:  # the party's keys are known and this is none of them
        raise Unauthorized(f"no key {env['key_id']} among party {author!r}'s keys")
    text = env["signature"]
    if not (isinstance(text, str) and SIGNATURE_TEXT.fullmatch(text)):
        # one text per signature: no junk, whitespace or other alphabet for a decoder to skip
        raise Unauthorized(f"bad signature on a {env['kind']!s} by {author}")
    signature = binascii.a2b_base64(text.encode("ascii").translate(_URLSAFE), strict_mode=True)
    if binascii.b2a_base64(signature, newline=False).translate(_STD_TO_URLSAFE) != text.encode():
        # the last character carries 2 spare bits: only the canonical text (zeros) is taken
        raise Unauthorized(f"bad signature on a {env['kind']!s} by {author}")
    message = render({k: ready[k] for k in FIELDS}) if type(ready) is dict else None
    if message is None:
        message = signing_bytes(env)
    return Pending(env, public_key(candidates[0]), signature, message)


@lru_cache(maxsize=1024)
def _from_raw(raw: bytes) -> PublicKey:
    return PublicKey("", Ed25519PublicKey.from_public_bytes(raw), raw)


def first_invalid(jobs: list[tuple[int, bytes, bytes, bytes]]) -> int | None:
    """The first `at` of (at, raw public key, signature, message) whose signature is not
    valid, or None. Plain bytes in and out, so a worker process can run it."""
    for at, raw, signature, message in jobs:
        if not signature_valid(_from_raw(raw), signature, message):
            return at
    return None


def finish(pending: Pending, now: datetime | None = None) -> Verified:
    """The checks `verify` makes after the signature (its time), with their errors."""
    env = pending.env
    signed_at = parse_utc(env["signed_at"], "signed_at")
    if now is not None and abs(signed_at - now) > MAX_SKEW:
        raise Unauthorized(
            f"signed_at {env['signed_at']} is outside +-{MAX_SKEW} of the server clock"
        )
    return Verified(env["kind"], env["author"], env["key_id"], signed_at, env["nonce"], env["body"])


def verify(env: Any, keys: dict[str, list[str]], now: datetime | None = None) -> Verified:
    """Check an envelope against the authors' public keys (party -> key texts).

    With `now`, also refuse a signed_at outside +- MAX_SKEW (a stale or future statement);
    replays within the window are caught by the store's record of nonces.
    """
    pending = prepare(env, keys)
    if not pending.valid():
        raise pending.refusal()
    return finish(pending, now)
