"""UTC time parsing: aware ISO 8601 only."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from interlock.errors import InvalidInput
from interlock.model.limits import EARLIEST, LATEST
from interlock.model.timeutil import EPOCH, from_ts, iso, parse_utc, to_ts


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2026-12-01T08:00:00Z", datetime(2026, 12, 1, 8, tzinfo=UTC)),
        ("2026-12-01T08:00:00z", datetime(2026, 12, 1, 8, tzinfo=UTC)),
        ("2026-12-01T08:00:00+00:00", datetime(2026, 12, 1, 8, tzinfo=UTC)),
        ("2026-12-01T10:30:00+02:30", datetime(2026, 12, 1, 8, tzinfo=UTC)),
        ("2026-12-01T00:30:00-08:00", datetime(2026, 12, 1, 8, 30, tzinfo=UTC)),
        (" 2026-12-01T08:00:00.250Z ", datetime(2026, 12, 1, 8, 0, 0, 250_000, tzinfo=UTC)),
    ],
)
def test_aware_times_are_converted_to_utc(text: str, expected: datetime) -> None:
    t = parse_utc(text, "when")
    assert t == expected
    assert t.utcoffset() == timedelta(0)


@pytest.mark.parametrize("text", ["2026-12-01T08:00:00", "2026-12-01", "2026-12-01 08:00"])
def test_naive_times_are_refused(text: str) -> None:
    with pytest.raises(InvalidInput) as info:
        parse_utc(text, "properties.start")
    assert info.value.field == "properties.start"
    assert "naive" in info.value.detail


@pytest.mark.parametrize("value", ["tomorrow", "", "2026-13-01T00:00:00Z", "2026-12-01T25:00Z"])
def test_garbage_is_refused(value: str) -> None:
    with pytest.raises(InvalidInput) as info:
        parse_utc(value, "properties.end")
    assert info.value.field == "properties.end"


@pytest.mark.parametrize(
    "value", [None, 1_764_576_000, 1.5, datetime(2026, 12, 1, tzinfo=UTC), ["2026-12-01T00:00Z"]]
)
def test_non_strings_are_refused(value: Any) -> None:
    with pytest.raises(InvalidInput) as info:
        parse_utc(value, "t")
    assert info.value.field == "t"


def test_iso_writes_utc_with_z() -> None:
    t = datetime(2026, 12, 1, 10, 0, tzinfo=timezone(timedelta(hours=2)))
    assert iso(t) == "2026-12-01T08:00:00Z"


@given(
    st.datetimes(
        min_value=EARLIEST.replace(tzinfo=None),
        max_value=LATEST.replace(tzinfo=None) - timedelta(microseconds=1),
        timezones=st.just(UTC),
    )
)
def test_iso_round_trips_through_parse(t: datetime) -> None:
    """Every time in the accepted window (model.limits) round-trips."""
    assert parse_utc(iso(t), "t") == t


@given(st.floats(-1e10, 1e10, allow_nan=False))
def test_timestamps_round_trip(ts: float) -> None:
    assert to_ts(from_ts(ts)) == pytest.approx(ts, abs=1e-6)


def test_epoch() -> None:
    assert to_ts(EPOCH) == 0.0
    assert to_ts(datetime(1970, 1, 2, tzinfo=UTC)) == 86_400.0
