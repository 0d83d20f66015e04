"""Bearer tokens: random, shown once, stored only as SHA-256 hashes.

A token carries 256 bits of entropy, so a fast unsalted hash is enough to make a leaked
table useless (no password to brute-force).
"""

from __future__ import annotations

import hashlib
import secrets
import time
from collections.abc import Callable

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


class TokenCache:
    """Token -> party, read through to the store and kept TTL_S seconds.

    Saves a store round trip on every request; a token revoked in the store (by this or
    another process) stops working within TTL_S.
    """

    TTL_S = 30.0

    def __init__(self, store: Store, clock: Callable[[], float] = time.monotonic) -> None:
        self.store = store
        self.clock = clock
        self._cache: dict[str, tuple[str, float]] = {}

    def cached(self, token: str) -> str | None:
        """The party of a token known and fresh in the cache, without touching the store."""
        hit = self._cache.get(token_hash(token))
        if hit is not None and self.clock() - hit[1] < self.TTL_S:
            return hit[0]
        return None

    def party(self, token: str) -> str:
        digest = token_hash(token)
        hit = self._cache.get(digest)
        now = self.clock()
        if hit is not None and now - hit[1] < self.TTL_S:
            return hit[0]
        party = self.store.party_for_token_hash(digest)
        if party is None:
            self._cache.pop(digest, None)
            raise Unauthorized("unknown or revoked token")
        self._cache[digest] = (party, now)
        return party
