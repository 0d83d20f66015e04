"""Signed envelopes: a party's statement that the server can relay but never forge.

An envelope carries what was said (``body``), what kind of statement it is (``kind``:
"notice", "message", "receipt", ...), who says it (``author`` and ``key_id``), when the
author's clock says it was signed (``signed_at``), a random ``nonce`` against replays, and
an Ed25519 ``signature`` over the RFC 8785 form of all the other fields.
"""

from __future__ import annotations

import base64
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from ..errors import InvalidInput, Unauthorized
from ..model.timeutil import iso, parse_utc
from .canonical import canonical
from .keys import key_id, parse_public, public_text

FIELDS = ("kind", "author", "key_id", "signed_at", "nonce", "body")
MAX_SKEW = timedelta(minutes=5)  # how far signed_at may stray from the server's clock


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


def verify(env: Any, keys: dict[str, list[str]], now: datetime | None = None) -> Verified:
    """Check an envelope against the authors' public keys (party -> key texts).

    With `now`, also refuse a signed_at outside +- MAX_SKEW (a stale or future statement);
    replays within the window are caught by the store's record of nonces.
    """
    check_shape(env)
    author = env["author"]
    candidates = [k for k in keys.get(author, []) if key_id(k) == env["key_id"]]
    if not candidates:
        raise Unauthorized(f"no key {env['key_id']} for party {author!r}")
    try:
        signature = base64.urlsafe_b64decode(env["signature"] + "=" * (-len(env["signature"]) % 4))
        parse_public(candidates[0]).verify(signature, signing_bytes(env))
    except (InvalidSignature, ValueError):
        raise Unauthorized(f"bad signature on a {env['kind']!s} by {author}") from None
    signed_at = parse_utc(env["signed_at"], "signed_at")
    if now is not None and abs(signed_at - now) > MAX_SKEW:
        raise Unauthorized(
            f"signed_at {env['signed_at']} is outside +-{MAX_SKEW} of the server clock"
        )
    return Verified(env["kind"], author, env["key_id"], signed_at, env["nonce"], env["body"])
