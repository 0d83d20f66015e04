"""A deployment's API tokens after `init`: make, rotate and revoke one party's.

Tokens live as SHA-256 hashes in DIR/token-hashes.toml (mode 0600, `service.auth`); the
token itself is returned once, to be shown once. A server reads the hashes when it starts
(`bootstrap.open_services`), so a change takes effect at its next start.
"""

from __future__ import annotations

from pathlib import Path

from ..errors import InvalidInput, StateConflict
from ..model.agreement import load_agreement
from .auth import new_token, token_hash
from .bootstrap import AGREEMENT_FILE, read_token_hashes, write_token_hashes


def _known(directory: Path, party: str) -> tuple[tuple[str, ...], dict[str, str]]:
    """The agreement's party ids and the current hashes; an unknown party is refused."""
    parties = load_agreement(directory / AGREEMENT_FILE).party_ids
    hashes = read_token_hashes(directory)
    if party not in parties and party not in hashes:
        raise InvalidInput(
            f"unknown party {party!r}: the agreement names {', '.join(parties)}", field="party"
        )
    return parties, hashes


def issue(directory: Path, party: str, *, rotate: bool) -> str:
    """A new token for `party` (one of the agreement's), its hash stored; the old one, if
    `rotate`, stops working at the server's next start. `new` on a party that has a
    token, or `rotate` on one that has none, is refused (StateConflict)."""
    parties, hashes = _known(directory, party)
    if party not in parties:
        raise InvalidInput(
            f"{party!r} is not in the agreement (only its stale token is): "
            f"`interlock tokens revoke {party} {directory}` removes it",
            field="party",
        )
    if rotate and party not in hashes:
        raise StateConflict(f"{party} has no token to rotate: `interlock tokens new` makes one")
    if not rotate and party in hashes:
        raise StateConflict(f"{party} has a token already: `interlock tokens rotate` replaces it")
    token = new_token()
    write_token_hashes(directory, {**hashes, party: token_hash(token)})
    return token


def revoke(directory: Path, party: str) -> None:
    """Remove `party`'s token (also a stale one of a party no longer in the agreement):
    from the server's next start, its requests are refused (401)."""
    _, hashes = _known(directory, party)
    if party not in hashes:
        raise StateConflict(f"{party} has no token to revoke")
    write_token_hashes(directory, {p: h for p, h in hashes.items() if p != party})
