"""Hidden notice fields, committed rather than left out: every party can check every hash.

A field the agreement lets its owner keep from the other parties (purpose, callsign, ...
outside ``others_see``) is recorded, and signed, as a salted hash of its value::

    {"sha256": hex(SHA-256(RFC 8785 {"field": name, "salt": b64url(32 random bytes),
                                     "value": value}))}

The value and its salt (the field's *opening*) are kept beside the ledger entry, outside
what its content hash covers, and shown only to whoever may see the field; so every party
verifies every entry's content hash and every signature without seeing what is hidden,
and anyone given an opening (the owner disclosing a field) can check it against the
record. The salt makes the hash useless for guessing a value from a short list.
"""

from __future__ import annotations

import base64
from collections.abc import Iterable, Mapping
from typing import Any

from ..codec.canonical import digest

# 256 bits, as many as the hash has: guessing the salt is no easier than a preimage.
SALT_BYTES = 32
COMMITTED = "sha256"  # the one key of a committed field's value
_HEX = frozenset("0123456789abcdef")


def salt_text(raw: bytes) -> str:
    """A salt as openings carry it: unpadded base64url (RFC 4648 §5)."""
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


def commitment(field: str, salt: str, value: Any) -> str:
    """The hex SHA-256 that commits `field` = `value` under `salt`."""
    return digest({"field": field, "salt": salt, "value": value})


def is_commitment(value: Any) -> bool:
    return (
        isinstance(value, dict)
        and len(value) == 1
        and isinstance(h := value.get(COMMITTED), str)
        and len(h) == 64
        and set(h) <= _HEX
    )


def seal(
    feature: dict[str, Any], fields: Iterable[str], salts: Mapping[str, bytes]
) -> tuple[dict[str, Any], dict[str, dict[str, Any]]]:
    """`feature` with each of `fields` it holds replaced by its commitment (`salts`: one
    raw salt per field), and the openings ``{field: {"salt", "value"}}``. A field already
    committed stays as it is (its opening is the author's)."""
    props = dict(feature.get("properties") or {})
    openings: dict[str, dict[str, Any]] = {}
    for name in fields:
        if name not in props or is_commitment(props[name]):
            continue
        salt = salt_text(salts[name])
        openings[name] = {"salt": salt, "value": props[name]}
        props[name] = {COMMITTED: commitment(name, salt, props[name])}
    return {**feature, "properties": props}, openings


def opened(feature: dict[str, Any], openings: Mapping[str, Any]) -> dict[str, Any]:
    """`feature` with the values of `openings` in place of their commitments."""
    props = dict(feature.get("properties") or {})
    for name, o in openings.items():
        props[name] = o["value"]
    return {**feature, "properties": props}


def commitments_of(event: Mapping[str, Any]) -> dict[str, str]:
    """The committed fields of a notice event: field -> hex (empty for other events)."""
    feature = event.get("feature")
    props = feature.get("properties") if isinstance(feature, dict) else None
    if not isinstance(props, dict):
        return {}
    return {k: v[COMMITTED] for k, v in props.items() if is_commitment(v)}


def opening_problem(committed: Mapping[str, str], openings: Any) -> str | None:
    """Why `openings` do not open the commitments `committed` (None: each one does)."""
    if not isinstance(openings, dict):
        return "openings: not an object"
    for name, o in openings.items():
        if name not in committed:
            return f"opening of field {name!r}, which the entry does not commit"
        if not isinstance(o, dict) or not isinstance(o.get("salt"), str) or "value" not in o:
            return f"opening of field {name!r} is malformed"
        if commitment(name, o["salt"], o["value"]) != committed[name]:
            return f"opening of field {name!r} does not match its commitment"
    return None
