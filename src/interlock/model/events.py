"""The kinds of event the record holds: the ledger's vocabulary, in one place.

A ``StrEnum``: each member is its string, so it is chained, stored and served as text
(canonical JSON sees a plain string) and compared with text read back from the record.
"""

from __future__ import annotations

from enum import StrEnum


class EventKind(StrEnum):
    NOTICE_VERSION = "notice_version"
    NOTICE_CANCELLED = "notice_cancelled"
    CONFLICTS_CLOSED = "conflicts_closed"
    CONFLICT = "conflict"
    VIOLATION = "violation"
    ASSET = "asset"
    ASSET_RETIRED = "asset_retired"
    MESSAGE = "message"
    RECEIPT = "receipt"
    ESCALATION = "escalation"
    CHANNEL = "channel"
    ALERT = "alert"
    HAZARD = "hazard"
    HAZARD_RETIRED = "hazard_retired"
    DISCLOSURE = "disclosure"  # an owner publishes the opening of a committed notice field


HOTLINE_EVENTS = frozenset({EventKind.MESSAGE, EventKind.RECEIPT, EventKind.ESCALATION})
