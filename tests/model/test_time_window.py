"""The window of accepted times (model.limits) and the agreement's planning horizon:
every time a party sends is refused outside them with an error naming its field."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from interlock.errors import InvalidInput, RuleViolation
from interlock.model.agreement import Rules, agreement_from_dict
from interlock.model.limits import EARLIEST, LATEST
from interlock.model.notice import check_horizon, parse_notice
from interlock.model.timeutil import parse_utc


@pytest.mark.parametrize(
    "text",
    [
        "1970-01-01T00:00:00Z",
        "2199-12-31T23:59Z",
        "2199-12-31T23:59:59.999999Z",
        "2200-01-01T23:58+23:59",  # 2199-12-31T23:59Z
        "1969-12-31T00:01-23:59",  # 1970-01-01T00:00Z
    ],
)
def test_times_inside_the_window_are_accepted(text: str) -> None:
    assert EARLIEST <= parse_utc(text, "start") < LATEST


@pytest.mark.parametrize(
    ("text", "why"),
    [
        ("2200-01-01T00:00Z", "outside the accepted times"),
        ("1969-12-31T23:59:59Z", "outside the accepted times"),
        ("2199-12-31T23:59-23:59", "outside the accepted times"),  # 2200-01-01T23:58Z
        ("9999-12-31T23:00:00-23:59", "outside the accepted times"),  # past datetime.max
        ("0001-01-01T00:00+23:59", "outside the accepted times"),  # before datetime.min
        ("0001-01-01T00:00Z", "outside the accepted times"),
        ("9999-12-31T23:59:59Z", "outside the accepted times"),
        ("10000-01-01T00:00Z", "not an ISO 8601 time"),
        ("garbage", "not an ISO 8601 time"),
        ("2199-12-31T23:59", "naive time"),
    ],
)
def test_times_outside_the_window_name_the_field(text: str, why: str) -> None:
    with pytest.raises(InvalidInput) as info:
        parse_utc(text, "properties.end")
    assert info.value.field == "properties.end"
    assert why in info.value.detail


def notice(end: str) -> dict[str, Any]:
    return {
        "type": "Feature",
        "geometry": {"type": "Point", "coordinates": [30.0, 34.0]},
        "properties": {
            "domain": "air",
            "radius_m": 5000,
            "alt_lower_ft": 0,
            "alt_upper_ft": 10000,
            "start": "2026-12-01T00:00:00Z",
            "end": end,
        },
    }


def test_the_planning_horizon_at_and_over() -> None:
    now = datetime(2026, 11, 1, tzinfo=UTC)
    rules = Rules(planning_horizon=timedelta(days=40))
    check_horizon(parse_notice(notice("2026-12-11T00:00:00Z")), rules, now)  # exactly 40 d
    with pytest.raises(RuleViolation) as info:
        check_horizon(parse_notice(notice("2026-12-11T00:00:01Z")), rules, now)
    assert info.value.field == "properties.end"
    assert "(rules.planning_horizon_days)" in info.value.detail


def agreement(**rules: Any) -> Any:
    return agreement_from_dict({"parties": [{"id": "blue"}, {"id": "red"}], "rules": rules})


def test_the_agreement_carries_the_limits_with_their_defaults() -> None:
    r = agreement().rules
    assert r.planning_horizon == timedelta(days=400)
    assert (r.shape.max_positions, r.shape.max_rings) == (5000, 100)
    assert (r.shape.max_boundary_pieces, r.shape.max_path_overlap) == (20_000, 12.0)
    assert r.max_candidates == 2_000
    r = agreement(planning_horizon_days=30, max_positions=2000, max_candidates=50).rules
    assert (r.planning_horizon.days, r.shape.max_positions, r.max_candidates) == (30, 2000, 50)


@pytest.mark.parametrize(
    ("key", "value"),
    [
        ("planning_horizon_days", 84_001),
        ("planning_horizon_days", 0),
        ("max_positions", 0),
        ("max_positions", 2.5),
        ("max_candidates", True),
        ("max_path_overlap", 0.5),
    ],
)
def test_bad_limits_in_the_agreement_name_the_key(key: str, value: Any) -> None:
    with pytest.raises(InvalidInput) as info:
        agreement(**{key: value})
    assert info.value.field == f"rules.{key}"
