"""cli.readable's formats at their edges: a minute rounding up to a degree, the
hemispheres, '-0', prefixes that share characters, times across midnight."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
import typer

from interlock.cli.readable import band, hhmm, nm, position, relative, resolve, short_ids, window

NOW = datetime(2026, 12, 7, 23, 30, tzinfo=UTC)


@pytest.mark.parametrize(
    ("lat", "lon", "shown"),
    [
        (34.2405, 35.1, "34°14.4′N 035°06.0′E"),  # 0.2405° = 14.43′
        (35.999_999, -0.000_001, "36°00.0′N 000°00.0′W"),  # 59.99994′ carries a degree
        (-33.5, -179.916_666, "33°30.0′S 179°55.0′W"),
        (0.0, 180.0, "00°00.0′N 180°00.0′E"),
    ],
)
def test_degrees_and_minutes(lat: float, lon: float, shown: str) -> None:
    assert position(lat, lon) == shown


def test_bands_as_filed_never_minus_zero() -> None:
    assert band({"fl_lower": 50, "fl_upper": 245}) == "FL050–245"
    assert band({"alt_lower_ft": 0, "alt_upper_ft": 10_000}) == "0–10,000 ft"
    assert band({"depth_min_m": 0, "depth_max_m": 10, "lower_m": -10, "upper_m": -0.0}) == (
        "0–10 m deep"
    )
    assert band({"lower_m": -0.2, "upper_m": -0.0}) == "0–0 m"
    assert nm(1852 * 4.96) == "5.0" and nm(1852 * 99.94) == "99.9" and nm(1852 * 150) == "150"


def test_short_ids_are_unique_and_at_least_six() -> None:
    ids = ["n-1a742f00", "n-1a742e00", "n-99", "n-abcdef01"]
    short = short_ids(ids)
    assert short == {
        "n-1a742f00": "n-1a742f",
        "n-1a742e00": "n-1a742e",
        "n-99": "n-99",
        "n-abcdef01": "n-abcd",
    }
    for ident, prefix in short.items():
        assert [i for i in ids if i.startswith(prefix)] == [ident]


def test_resolve_unique_ambiguous_none(capsys: pytest.CaptureFixture[str]) -> None:
    pool = ["m-aa11", "m-aa22", "m-bb33"]
    assert resolve("m-b", pool, "MESSAGE_ID", "message") == "m-bb33"
    assert resolve("m-aa11", pool, "MESSAGE_ID", "message") == "m-aa11"
    for prefix, said in (("m-aa", "is ambiguous"), ("m-cc", "no message")):
        with pytest.raises(typer.Exit) as exit_:
            resolve(prefix, pool, "MESSAGE_ID", "message")
        assert exit_.value.exit_code == 2
        assert said in capsys.readouterr().err
    with pytest.raises(typer.Exit):
        resolve("m-aa", pool, "MESSAGE_ID", "message")
    assert "m-aa11, m-aa22" in capsys.readouterr().err


def test_times_to_the_minute_in_utc() -> None:
    assert hhmm(NOW, NOW) == "23:30"
    assert hhmm("2026-12-08T00:05:40+01:00", NOW) == "23:05"  # an offset read as UTC
    assert hhmm(NOW + timedelta(minutes=45), NOW) == "08 Dec 00:15"
    assert hhmm(datetime(2027, 1, 2, 3, 4, tzinfo=UTC), NOW) == "2027-01-02 03:04"
    assert window(NOW, NOW + timedelta(hours=2), NOW) == "23:30–01:30+1"
    assert relative(NOW + timedelta(minutes=23, seconds=10), NOW) == "in 23 min"
    assert relative(NOW - timedelta(minutes=12), NOW) == "12 min ago"
    assert relative(NOW + timedelta(minutes=125), NOW) == "in 2 h 05 min"
    assert relative(NOW + timedelta(seconds=20), NOW) == "now"
