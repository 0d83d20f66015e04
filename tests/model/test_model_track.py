"""Track reports: the plausibility checks every feed shares."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime

import pytest

from interlock.model.track import FeedStats, Skip, TrackReport, implausible

T = datetime(2026, 12, 1, 8, 0, tzinfo=UTC)
SHIP = TrackReport("ais", "mmsi:211331640", "sea", T, 35.9, 35.5, None, 12.0, 90.0)
PLANE = TrackReport("sbs", "icao:4ca1fa", "air", T, 35.9, 35.5, 35_000, 450.0, 270.0, -500.0)


def test_plausible_reports_pass() -> None:
    assert implausible(SHIP) is None and implausible(PLANE) is None
    assert SHIP.has_position and not replace(SHIP, lon=None, lat=None).has_position


@pytest.mark.parametrize(
    ("report", "reason"),
    [
        (replace(SHIP, lat=91.0), "impossible_position"),
        (replace(SHIP, lon=181.0), "impossible_position"),
        (replace(SHIP, lon=None), "half_position"),
        (replace(SHIP, speed_kt=150.0), "impossible_speed"),  # no ship; an aircraft may
        (replace(PLANE, speed_kt=1500.0), "impossible_speed"),
        (replace(PLANE, alt_ft=200_001.0), "impossible_altitude"),  # model.limits.MAX_ALT_FT
        (replace(SHIP, course_deg=360.0), "impossible_course"),
        (replace(SHIP, lat=float("nan")), "not_finite"),
        (replace(SHIP, time=T.replace(tzinfo=None)), "naive_time"),
        (replace(SHIP, domain="space"), "unknown_domain"),
    ],
)
def test_impossible_reports_are_named(report: TrackReport, reason: str) -> None:
    assert implausible(report) == reason


def test_skips_are_counted_by_reason() -> None:
    stats = FeedStats()
    for s in (Skip("bad_checksum", "3"), Skip("bad_checksum", "9"), Skip("truncated")):
        stats.skip(s)
    assert stats.skipped == {"bad_checksum": 2, "truncated": 1}
