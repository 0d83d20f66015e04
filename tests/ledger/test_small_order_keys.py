"""A small-order public key would let anyone forge that party's statements: refused."""

from __future__ import annotations

import base64

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

from interlock.codec.keys import PREFIX, parse_public
from interlock.errors import InvalidInput
from interlock.model.agreement import agreement_from_dict

IDENTITY = b"\x01" + b"\x00" * 31  # the neutral point: order 1
FORGED = IDENTITY + b"\x00" * 32  # R = identity, S = 0


def test_openssl_alone_accepts_a_forgery_under_the_identity_key() -> None:
    # Why the check exists: the cofactorless equation holds for any message.
    Ed25519PublicKey.from_public_bytes(IDENTITY).verify(FORGED, b"I, red, acknowledge")


def test_small_order_keys_are_refused_in_the_agreement() -> None:
    text = PREFIX + base64.urlsafe_b64encode(IDENTITY).decode().rstrip("=")
    with pytest.raises(InvalidInput, match="small order"):
        parse_public(text)
    with pytest.raises(InvalidInput) as err:
        agreement_from_dict({"parties": [{"id": "a", "public_keys": [text]}, {"id": "b"}]})
    assert err.value.field == "parties[0].public_keys[0]"
