"""Ed25519 public keys (RFC 8032) as text the agreement, key files and exports carry.

A public key is written ``ed25519:<base64url of the 32 raw bytes>`` (RFC 4648 section 5,
no padding); its key id is the first 16 hex digits of the SHA-256 of those bytes.
"""

from __future__ import annotations

import base64
import hashlib

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
from nacl.bindings import crypto_core_ed25519_is_valid_point

from ..errors import InvalidInput

PREFIX = "ed25519:"


def _b64(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def public_text(key: Ed25519PublicKey) -> str:
    raw = key.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    return PREFIX + _b64(raw)


def parse_public(text: str) -> Ed25519PublicKey:
    if not isinstance(text, str) or not text.startswith(PREFIX):
        raise InvalidInput(f"a public key is '{PREFIX}<base64url>'", field="public_key")
    try:
        raw = _unb64(text.removeprefix(PREFIX))
        key = Ed25519PublicKey.from_public_bytes(raw)
    except ValueError as exc:
        raise InvalidInput(f"not an Ed25519 public key ({exc})", field="public_key") from None
    # A small-order (or non-canonical) key "verifies" forged signatures under OpenSSL's
    # cofactorless check: the identity point accepts any signature R = identity, S = 0.
    if not crypto_core_ed25519_is_valid_point(raw):
        raise InvalidInput(
            "not a usable Ed25519 public key (small order or not canonical)", field="public_key"
        )
    return key


def key_id(public: str) -> str:
    """Short stable id of a public key (its text form)."""
    raw = parse_public(public).public_bytes(
        serialization.Encoding.Raw, serialization.PublicFormat.Raw
    )
    return hashlib.sha256(raw).hexdigest()[:16]
