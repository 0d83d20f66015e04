"""UTC time parsing: timezone-aware ISO 8601 only; naive times are refused."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from ..errors import InvalidInput

EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


def parse_utc(value: Any, field: str) -> datetime:
    if not isinstance(value, str):
        raise InvalidInput("an ISO 8601 time with a UTC offset is required", field=field)
    text = value.strip()
    if text.endswith(("Z", "z")):
        text = text[:-1] + "+00:00"
    try:
        t = datetime.fromisoformat(text)
    except ValueError:
        raise InvalidInput(f"not an ISO 8601 time: {value!r}", field=field) from None
    if t.tzinfo is None or t.utcoffset() is None:
        raise InvalidInput(
            f"naive time {value!r}: give a UTC offset (e.g. 'Z' or '+00:00')", field=field
        )
    return t.astimezone(UTC)


def iso(t: datetime) -> str:
    """UTC ISO 8601 with a 'Z' suffix."""
    return t.astimezone(UTC).isoformat().replace("+00:00", "Z")


def to_ts(t: datetime) -> float:
    return (t - EPOCH).total_seconds()


def from_ts(ts: float) -> datetime:
    return datetime.fromtimestamp(ts, tz=UTC)
