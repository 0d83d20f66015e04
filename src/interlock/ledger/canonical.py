"""Canonical JSON (RFC 8785, JSON Canonicalization Scheme): the bytes that get signed.

Two parties must hash and sign the very same bytes for the same statement, whatever their
JSON library's key order or number formatting; JCS fixes both (sorted keys, ECMAScript
number form, UTF-8, no insignificant white space).
"""

from __future__ import annotations

import hashlib
from typing import Any

import rfc8785

from ..errors import InvalidInput


def canonical(obj: Any) -> bytes:
    """The RFC 8785 bytes of a JSON value; refuses NaN, infinities and non-JSON types."""
    try:
        return rfc8785.dumps(obj)
    except (rfc8785.CanonicalizationError, TypeError, ValueError) as exc:
        raise InvalidInput(f"cannot be canonicalised (RFC 8785): {exc}", field="body") from None


def digest(obj: Any) -> str:
    """SHA-256 (hex) of the canonical form."""
    return hashlib.sha256(canonical(obj)).hexdigest()
