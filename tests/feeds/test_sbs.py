"""BaseStation/SBS parser: each message type, each kind of bad line, and fuzzing."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from hypothesis import given
from hypothesis import strategies as st

from interlock.feeds.sbs import parse_sbs
from interlock.model.track import Skip, TrackReport, implausible

# Lines in the layout dump1090/readsb write on port 30003 (field values from the
# traffic sample flight AFR34ZG, ICAO 393322, near Paris-CDG).
HEAD = "MSG,{t},1,1,393322,1,2024/07/06,06:43:09.525,2024/07/06,06:43:09.530"
LINES = {
    1: HEAD.format(t=1) + ",AFR34ZG ,,,,,,,,,,,",
    2: HEAD.format(t=2) + ",,,12,90,49.00583,2.57355,,,,,,-1",
    3: HEAD.format(t=3) + ",,725,,,48.99628,2.56510,,,0,0,0,0",
    4: HEAD.format(t=4) + ",,,160.9,263.9,,,2176,,,,,0",
    5: HEAD.format(t=5) + ",,575,,,,,,,0,,0,0",
    6: HEAD.format(t=6) + ",,575,,,,,,1000,0,0,0,0",
    7: HEAD.format(t=7) + ",,36000,,,,,,,,,,",
    8: HEAD.format(t=8) + ",,,,,,,,,,,,0",
}
T = datetime(2024, 7, 6, 6, 43, 9, 525000, tzinfo=UTC)


def one(line: str) -> TrackReport | Skip:
    out = list(parse_sbs([line]))
    assert len(out) == 1
    return out[0]


def test_identification_gives_a_name_only_report() -> None:
    r = one(LINES[1])
    assert isinstance(r, TrackReport)
    assert (r.source, r.track_id, r.domain, r.time) == ("sbs", "icao:393322", "air", T)
    assert r.name == "AFR34ZG"
    assert not r.has_position and r.alt_ft is None and r.speed_kt is None


def test_surface_position() -> None:
    r = one(LINES[2])
    assert isinstance(r, TrackReport)
    assert (r.lat, r.lon, r.speed_kt, r.course_deg) == (49.00583, 2.57355, 12.0, 90.0)


def test_airborne_position_with_altitude() -> None:
    r = one(LINES[3])
    assert isinstance(r, TrackReport)
    assert (r.lat, r.lon, r.alt_ft) == (48.99628, 2.5651, 725.0)
    assert r.speed_kt is None and r.name is None


def test_airborne_velocity() -> None:
    r = one(LINES[4])
    assert isinstance(r, TrackReport)
    assert (r.speed_kt, r.course_deg, r.vertical_rate_fpm) == (160.9, 263.9, 2176.0)
    assert not r.has_position


@pytest.mark.parametrize("kind", [5, 6, 7])
def test_surveillance_and_air_to_air_altitude(kind: int) -> None:
    r = one(LINES[kind])
    assert isinstance(r, TrackReport)
    assert r.alt_ft == (36000.0 if kind == 7 else 575.0)


def test_all_call_without_state_is_skipped() -> None:
    assert one(LINES[8]) == Skip("no_state", "line 1", "MSG,8")


def test_track_360_is_north_and_hex_is_lowered() -> None:
    r = one(LINES[4].replace("393322", "4CA1FA").replace("263.9", "360"))
    assert isinstance(r, TrackReport)
    assert r.course_deg == 0.0 and r.track_id == "icao:4ca1fa"


def test_bytes_crlf_and_blank_lines() -> None:
    out = list(parse_sbs([b"", (LINES[3] + "\r\n").encode(), "   ", LINES[1]]))
    assert [type(x) for x in out] == [TrackReport, TrackReport]


BAD = {
    "not_msg": "STA,,5,179,400AE7,10103,2008/11/28,14:58:51.153,2008/11/28,14:58:51.153,RM",
    "truncated": LINES[3][:60],
    "bad_msg_type": LINES[3].replace("MSG,3", "MSG,9"),
    "bad_hex_ident": LINES[3].replace("393322", "39332G"),
    "non_icao_address": LINES[3].replace("393322", "~39332"),
    "bad_time": LINES[3].replace("2024/07/06,06:43:09.525", "2024/13/06,06:43:09.525"),
    "bad_number": LINES[3].replace(",725,", ",7x5,"),
    "not_finite": LINES[3].replace(",725,", ",nan,"),
    "half_position": LINES[3].replace(",2.56510,", ",,"),
    "impossible_position": LINES[3].replace("48.99628", "98.99628"),
    "impossible_altitude": LINES[3].replace(",725,", ",200100,"),  # over model.limits.MAX_ALT_FT
    "impossible_speed": LINES[4].replace("160.9", "2500"),
    "impossible_course": LINES[4].replace("263.9", "-5"),
    "bad_callsign": LINES[1].replace("AFR34ZG", "AFR-34ZG9"),
}


@pytest.mark.parametrize("reason", sorted(BAD))
def test_bad_lines_are_skipped_with_a_stable_reason(reason: str) -> None:
    s = one(BAD[reason])
    assert isinstance(s, Skip)
    assert (s.reason, s.where) == (reason, "line 1")


def test_line_numbers_count_every_input_line() -> None:
    out = list(parse_sbs([LINES[3], "garbage", "", b"\xff\xfe", LINES[1]]))
    assert [(type(x).__name__, getattr(x, "where", "")) for x in out] == [
        ("TrackReport", ""),
        ("Skip", "line 2"),
        ("Skip", "line 4"),
        ("TrackReport", ""),
    ]
    assert out[2].reason == "not_text"


@given(st.lists(st.one_of(st.text(max_size=200), st.binary(max_size=200)), max_size=5))
def test_arbitrary_lines_never_raise(lines: list[str | bytes]) -> None:
    for r in parse_sbs(lines):
        assert isinstance(r, Skip) or implausible(r) is None


_field = st.one_of(
    st.just(""),
    st.from_regex(r"-?[0-9]{1,6}(\.[0-9]{1,5})?", fullmatch=True),
    st.text(alphabet="0123456789abcdefABCDEF~.-/: ", max_size=12),
    st.sampled_from(["nan", "inf", "1e400", "AFR34ZG", "393322", "2024/07/06", "06:43:09.5"]),
)


@given(st.lists(_field, min_size=18, max_size=18), st.integers(0, 10))
def test_near_valid_lines_never_raise(fields: list[str], kind: int) -> None:
    line = ",".join(["MSG", str(kind), "1", "1", *fields])
    for r in parse_sbs([line, HEAD.format(t=kind) + "," + ",".join(fields[6:])]):
        assert isinstance(r, Skip) or implausible(r) is None
