"""What one party may see of another's: the agreement's visibility policy, in one place.

The 4D volume, window and status of every notice are always shared (detection needs
them); the optional fields (purpose, callsign, remarks, unit) only as the agreement's
``others_see`` lists. Hotline traffic is seen by its audience alone. Every view of a
notice and every ledger entry served to a party goes through these functions.
"""

from __future__ import annotations

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
    """A ledger entry as `viewer` may read it: hotline traffic between other parties, and
    another party's notice version carrying fields the agreement hides, are reduced to
    their type (links and entry hashes still verify)."""
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
