"""Bearer tokens: random, shown once, stored only as SHA-256 hashes.

A token carries 256 bits of entropy, so a fast unsalted hash is enough to make a leaked
table useless (no password to brute-force).
"""

from __future__ import annotations

import hashlib
import secrets

from ..errors import Unauthorized
from ..store.base import Store


def new_token() -> str:
    return "il_" + secrets.token_urlsafe(32)


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def issue_tokens(party_ids: list[str] | tuple[str, ...]) -> tuple[dict[str, str], dict[str, str]]:
    """(party -> token, party -> hash): the first to show once, the second to keep."""
    tokens = {p: new_token() for p in party_ids}
    return tokens, {p: token_hash(t) for p, t in tokens.items()}


def authenticate(store: Store, authorization: str | None) -> str:
    """The party behind an ``Authorization: Bearer`` header, or Unauthorized."""
    if not authorization:
        raise Unauthorized("missing bearer token (Authorization: Bearer <token>)")
    scheme, _, token = authorization.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise Unauthorized("Authorization must be 'Bearer <token>'")
    party = store.party_for_token_hash(token_hash(token.strip()))
    if party is None:
        raise Unauthorized("unknown or revoked token")
    return party
