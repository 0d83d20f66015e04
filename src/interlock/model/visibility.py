"""What one party may see of another's: the agreement's visibility policy, in one place.

The 4D volume, window and status of every notice are always shared (detection needs
them); the optional fields (purpose, callsign, remarks, unit) only as the agreement's
``others_see`` lists. Hotline traffic is seen by its audience alone. Every view of a
notice and every ledger entry served to a party goes through these functions.

A party's own-forces tracks follow the same clauses: their track id names the unit
("blue:raven-1"), shown to another party only if ``others_see`` lists ``unit`` (else an
opaque alias, stable while the server runs); their name is the unit's callsign, shown
only if both ``unit`` and ``callsign`` are listed (either names the unit). Position,
motion and owner are always shared: tactical deconfliction needs them.
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Iterable
from typing import Any

from .agreement import OPTIONAL_FIELDS, Agreement
from .events import HOTLINE_EVENTS, EventKind


def hidden_fields(agreement: Agreement, viewer: str | None, owner: str) -> frozenset[str]:
    """The optional fields of `owner`'s notices that `viewer` may not see (None: the
    server itself, which sees everything)."""
    if viewer is None or viewer == owner:
        return frozenset()
    return frozenset(OPTIONAL_FIELDS) - frozenset(agreement.others_see)


def visible_properties(
    props: dict[str, Any], agreement: Agreement, viewer: str | None, owner: str
) -> dict[str, Any]:
    """A notice's properties without the fields `viewer` may not see."""
    hidden = hidden_fields(agreement, viewer, owner)
    return {k: v for k, v in props.items() if k not in hidden} if hidden else dict(props)


def visible_entry(entry: dict[str, Any], viewer: str, agreement: Agreement) -> dict[str, Any]:
    """A ledger entry as `viewer` may read it. Outside the entry's audience: a stub, the
    head whole (links and entry hash verify) and the event reduced to its type. Inside:
    the event (a notice's hidden fields are committed in it), with the openings of only
    the fields `viewer` may see."""
    audience = entry.get("audience")
    if audience is None:
        return _legacy_entry(entry, viewer, agreement)
    event = entry["event"]
    if viewer not in audience:
        out = {k: v for k, v in entry.items() if k not in ("event", "openings")}
        out["event"] = {"type": event.get("type"), "redacted": True}
        return out
    openings = entry.get("openings")
    if not openings:
        return entry
    hidden = hidden_fields(agreement, viewer, event.get("party", ""))
    shown = {k: v for k, v in openings.items() if k not in hidden}
    out = {k: v for k, v in entry.items() if k != "openings"}
    if shown:
        out["openings"] = shown
    return out


def _legacy_entry(entry: dict[str, Any], viewer: str, agreement: Agreement) -> dict[str, Any]:
    """An entry chained before audiences (schema 7): hotline traffic between other
    parties, and another party's notice version carrying fields the agreement hides, are
    reduced to their type."""
    event = entry["event"]
    kind = event.get("type")
    if kind in HOTLINE_EVENTS and viewer not in event.get("audience", ()):
        return {**entry, "event": {"type": kind, "redacted": True}}
    if kind != EventKind.NOTICE_VERSION:
        return entry
    props = event.get("feature", {}).get("properties", {})
    if not hidden_fields(agreement, viewer, event.get("party", "")) & set(props):
        return entry
    return {**entry, "event": {"type": kind, "id": event.get("id"), "redacted": True}}


def committed_fields(agreement: Agreement) -> frozenset[str]:
    """The optional notice fields some party may not see: recorded (and signed) as salted
    commitments, their values kept beside the record (ledger.commitments)."""
    return frozenset(OPTIONAL_FIELDS) - frozenset(agreement.others_see)


def unit_alias(track_id: str, owner: str, key: bytes) -> str:
    """The name another party sees for `owner`'s unit track when units are hidden: the
    owner and an HMAC-SHA-256 (RFC 2104) of the id under the server's secret `key`, so
    the unit cannot be found by hashing a list of likely unit names."""
    digest = hmac.new(key, track_id.encode(), hashlib.sha256).hexdigest()[:12]
    return f"{owner}:unit-{digest}"


def visible_track(
    props: dict[str, Any], agreement: Agreement, viewer: str | None, key: bytes
) -> dict[str, Any]:
    """A track's GeoJSON properties as `viewer` may see them (an observed track, with no
    owner, as it is). The owner itself also gets the `alias` others see its unit by."""
    owner = props.get("owner")
    if owner is None:
        return props
    hidden = hidden_fields(agreement, viewer, owner)
    if viewer == owner:
        if any("unit" in hidden_fields(agreement, p, owner) for p in agreement.party_ids):
            return {**props, "alias": unit_alias(props["track_id"], owner, key)}
        return props
    if not hidden & {"unit", "callsign"}:
        return props
    out = {**props, "name": None}
    if "unit" in hidden:
        out["track_id"] = unit_alias(props["track_id"], owner, key)
    return out


def shown_track_ids(
    track_ids: Iterable[str],
    owners: Iterable[str | None],
    agreement: Agreement,
    readers: Iterable[str],
    key: bytes,
) -> list[str]:
    """Track ids as a record read by every one of `readers` may name them: an own-forces
    track is aliased when its unit is hidden from any reader other than its owner."""
    readers = tuple(readers)
    out = []
    for tid, owner in zip(track_ids, owners, strict=True):
        if owner is not None and any("unit" in hidden_fields(agreement, r, owner) for r in readers):
            tid = unit_alias(tid, owner, key)
        out.append(tid)
    return out
