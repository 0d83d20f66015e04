"""UTC time parsing: timezone-aware ISO 8601 only; naive times and times outside the
accepted window (model.limits.EARLIEST - LATEST) are refused, naming the field."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from ..errors import InvalidInput
from .limits import EARLIEST, LATEST

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
    try:
        utc = t.astimezone(UTC)
    except OverflowError:  # year 9999 at a negative offset, year 1 at a positive one
        utc = None
    if utc is None or not EARLIEST <= utc < LATEST:
        raise InvalidInput(
            f"{value!r} is outside the accepted times, {iso(EARLIEST)} up to (not including) "
            f"{iso(LATEST)}",
            field=field,
        )
    return utc


def iso(t: datetime) -> str:
    """UTC ISO 8601 with a 'Z' suffix."""
    return t.astimezone(UTC).isoformat().replace("+00:00", "Z")


def to_ts(t: datetime) -> float:
    return (t - EPOCH).total_seconds()


def from_ts(ts: float) -> datetime:
    return datetime.fromtimestamp(ts, tz=UTC)
