"""ICAO NOTAM text: out of a notice, read by an independent parser (aviconv-notam, from
the registry) and by ours; back into a notice within the stated tolerance; the Q-line's
circle covering the volume (geodesic distances from its centre to the area's outline);
real NOTAMs of the record read or refused with the reason; hostile input."""

from __future__ import annotations

import math
from datetime import UTC, datetime
from typing import Any

import numpy as np
import pytest
from pyproj import Geod
from tests.formats import of_record as rec
from tests.formats.notices import notice
from tests.geo.geodesic_truth import Core, outline_points

from interlock.errors import InterlockError, InvalidInput, PayloadTooLarge
from interlock.formats.notam import (
    QCODES,
    draft_number,
    notam_text,
    parse_notam,
    qcode_for,
)
from interlock.geo.limits import ShapeLimits
from interlock.geo.units import M_PER_NM
from interlock.model.agreement import Formats
from interlock.model.hazard_rules import ACTIVITIES
from interlock.model.notice import parse_notice

aviconv = pytest.importorskip("aviconv_notam.parser")
GEOD = Geod(ellps="WGS84")
FORMATS = Formats("LCCC", "A", "III")
HALF_SECOND = 0.5 / 3600 + 1e-9  # degrees: a position written to the second
RADIUS_STEP_M = 0.01 * M_PER_NM  # radii written to 0.01 NM, rounded up


POLYGON = {
    "type": "Polygon",
    "coordinates": [[[33.2, 34.93], [33.41, 34.81], [33.27, 34.62], [33.02, 34.7], [33.2, 34.93]]],
}
SHAPES: dict[str, tuple[dict[str, Any], dict[str, Any]]] = {
    "polygon": (POLYGON, {}),
    "circle": ({"type": "Point", "coordinates": [32.9123, 34.4567]}, {"radius_m": 9_876.5}),
    "corridor": (
        {"type": "LineString", "coordinates": [[32.5, 34.0], [33.0, 34.2], [33.6, 34.1]]},
        {"half_width_m": 4_000.0},
    ),
    "antimeridian": (
        {
            "type": "Polygon",
            "coordinates": [
                [[179.8, 10.0], [-179.8, 10.0], [-179.8, 10.3], [179.8, 10.3], [179.8, 10.0]]
            ],
        },
        {},
    ),
    "holed": (
        {
            "type": "Polygon",
            "coordinates": [
                [[33.0, 34.0], [33.5, 34.0], [33.5, 34.4], [33.0, 34.4], [33.0, 34.0]],
                [[33.2, 34.1], [33.2, 34.2], [33.3, 34.2], [33.3, 34.1], [33.2, 34.1]],
            ],
        },
        {},
    ),
}


def test_every_activity_has_exactly_one_q_code() -> None:
    for activity in (None, *ACTIVITIES):
        rows = [q for q in QCODES if activity in q.activities]
        assert len(rows) == 1, activity
        assert qcode_for(activity) is rows[0]
    assert {len(q.code) for q in QCODES} == {5}
    # What comes back in is an activity of the vocabulary (or none).
    assert {q.activity_in for q in QCODES} <= {None, *ACTIVITIES}
    # A kinetic activity goes out and comes back kinetic.
    for kinetic in ("strike", "live_fire", "missile_test"):
        assert qcode_for(kinetic).activity_in in ("strike", "live_fire", "missile_test")


def check_qline(text: str, feature: dict[str, Any]) -> Any:
    """The independent parser reads the Q-line; its circle covers the volume and its
    limits bound the band outward."""
    n = aviconv.parse(text)
    q = n.q_line
    props = feature["properties"]
    assert q.fir == "LCCC" and n.fir == "LCCC"
    assert (q.traffic.value, q.purpose.value, q.scope.value) == ("IV", "BO", "W")
    lo_ft = props.get("alt_lower_ft", (props.get("fl_lower") or 0) * 100)
    hi_ft = props.get("alt_upper_ft", (props.get("fl_upper") or 0) * 100)
    assert q.lower_fl * 100 <= lo_ft < q.lower_fl * 100 + 100
    assert hi_ft <= q.upper_fl * 100 < hi_ft + 100
    core = Core.from_feature_parts(feature["geometry"], props)
    lon, lat = outline_points(core)
    _, _, d = GEOD.inv(np.full(len(lon), q.centre_lon), np.full(len(lon), q.centre_lat), lon, lat)
    assert float(np.max(d)) <= q.radius_nm * M_PER_NM, "the Q-line circle must cover the area"
    assert float(np.max(d)) > (q.radius_nm - 2) * M_PER_NM, "and not by whole NM to spare"
    assert n.effective_from == datetime.fromisoformat(props["start"])
    assert n.effective_to == datetime.fromisoformat(props["end"])
    return n


@pytest.mark.parametrize("shape", sorted(SHAPES))
@pytest.mark.parametrize("activity", [None, "strike", "exercise"])
def test_round_trip_keeps_the_volume_within_the_stated_tolerance(
    shape: str, activity: str | None
) -> None:
    geometry, dims = SHAPES[shape]
    extra = {"activity": activity} if activity else {}
    original = notice(geometry, **dims, **extra, callsign="VIPER 11")
    text = notam_text(original, FORMATS, party_name="Blue command")
    n = check_qline(text, original)
    assert n.type.value == "NEW" and n.series == "A"
    assert n.number == draft_number("n-0123456789abcdef", 1)
    assert n.q_line.qcode == qcode_for(activity).code
    [back] = parse_notam(text)
    draft, again = parse_notice(original), parse_notice(back)
    props = back["properties"]
    assert (
        props["activity"] == qcode_for(activity).activity_in
        if activity
        else "activity" not in props
    )
    assert (again.start, again.end, again.domain) == (draft.start, draft.end, "air")
    assert again.band == draft.band
    a, b = draft.area, again.area
    assert (a.shape, len(a.core), len(a.holes)) == (b.shape, len(b.core), len(b.holes))
    for ring_a, ring_b in zip((a.core, *a.holes), (b.core, *b.holes), strict=True):
        for (x0, y0), (x1, y1) in zip(ring_a, ring_b, strict=True):
            assert abs(x0 - x1) <= HALF_SECOND and abs(y0 - y1) <= HALF_SECOND
    assert a.radius_m <= b.radius_m < a.radius_m + RADIUS_STEP_M
    # The independent parser reads the same positions from item E (to the second).
    if shape in ("polygon", "holed"):
        theirs = n.geometry.polygon
        assert theirs is not None
        ours = [(lat, lon) for lon, lat in b.core]
        assert np.allclose(theirs[: len(ours)], ours, atol=1e-9)


def test_an_orbit_goes_out_as_a_polygon_that_holds_it() -> None:
    geometry = {"type": "LineString", "coordinates": [[33.0, 34.5], [33.4, 34.5]]}
    original = notice(geometry, shape="orbit", radius_m=7_000.0, fl_lower=50, fl_upper=245)
    del original["properties"]["alt_lower_ft"], original["properties"]["alt_upper_ft"]
    text = notam_text(original, FORMATS)
    check_qline(text, original)
    assert "F) FL050 G) FL245" in text
    [back] = parse_notam(text)
    assert back["geometry"]["type"] == "Polygon"
    assert (back["properties"]["fl_lower"], back["properties"]["fl_upper"]) == (50, 245)
    assert parse_notice(back).contains(parse_notice(original))


def test_limits_are_written_as_filed_and_rounded_outward_in_the_q_line() -> None:
    original = notice(POLYGON, alt_lower_ft=1_250.0, alt_upper_ft=12_501.0)
    text = notam_text(original, FORMATS)
    assert "/012/126/" in text  # FL012 down, FL126 up (EUROCONTROL Item Q rules)
    assert "F) 1250FT AMSL G) 12501FT AMSL" in text
    [back] = parse_notam(text)
    assert (back["properties"]["alt_lower_ft"], back["properties"]["alt_upper_ft"]) == (
        1_250.0,
        12_501.0,
    )


def test_times_round_outward_to_the_minute() -> None:
    original = notice(POLYGON, start="2026-12-07T10:00:59Z", end="2026-12-07T14:00:01Z")
    text = notam_text(original, FORMATS)
    assert "B) 2612071000 C) 2612071401" in text


def test_an_amendment_replaces_and_a_cancellation_cancels_the_draft_before_it() -> None:
    nid = "n-0123456789abcdef"
    v2 = notice(POLYGON, version=2)
    n = aviconv.parse(notam_text(v2, FORMATS))
    assert n.type.value == "REPLACE" and n.replaces == f"A{draft_number(nid, 1):04d}/26"
    assert n.number == draft_number(nid, 2)
    gone = notice(POLYGON, version=2, status="cancelled", cancelled_at="2026-12-07T09:30:00Z")
    text = notam_text(gone, FORMATS)
    assert "C)" not in text and "B) 2612070930" in text
    assert f"NOTAMC A{draft_number(nid, 2):04d}/26" in text
    assert "/QWMCN/" not in text and "/QRTCN/" in text
    with pytest.raises(InvalidInput, match="cancellation") as exc:
        parse_notam(text)
    assert exc.value.field == "notam[0].NOTAMC"


def test_a_sea_notice_is_not_a_notam() -> None:
    sea = notice(POLYGON, domain="sea", depth_min_m=0, depth_max_m=50)
    with pytest.raises(InvalidInput, match=r"\.navarea") as exc:
        notam_text(sea, FORMATS)
    assert exc.value.field == "properties.domain"


def test_a_partys_free_text_cannot_move_the_area() -> None:
    hostile = "X) 345600N 0331200E RADIUS 99NM EITHER SIDE F) FL999 =cmd|' /C calc'!A0"
    original = notice(SHAPES["circle"][0], radius_m=5_000.0, callsign=hostile)
    text = notam_text(original, FORMATS, party_name="G) UNL 0000N 00000E")
    [back] = parse_notam(text)
    assert "INTERLOCK NOTICE N-0123456789ABCDEF V1" in text
    assert back["geometry"]["type"] == "Point"
    written = back["geometry"]["coordinates"]
    assert np.allclose(written, original["geometry"]["coordinates"], atol=HALF_SECOND)
    assert 5_000.0 <= back["properties"]["radius_m"] < 5_000.0 + RADIUS_STEP_M
    assert "F) SFC G) 12500FT AMSL" in text and text.count(")") == 7  # Q, A-C, E-G


# ---- NOTAMs of the record --------------------------------------------------------------
def test_a_polygon_notam_of_record_becomes_a_notice() -> None:
    [f] = parse_notam(rec.ULLL_Q0338_25)
    p = f["properties"]
    assert (p["start"], p["end"]) == ("2025-09-13T07:00:00Z", "2025-09-13T16:50:00Z")
    assert p["alt_lower_ft"] == 0 and p["alt_upper_ft"] == pytest.approx(100 / 0.3048)
    assert p["remarks"].startswith("ICAO NOTAM Q0338/25") and "activity" not in p
    ring = f["geometry"]["coordinates"][0]
    assert ring[0] == ring[-1] and len(ring) == 4
    assert ring[0] == pytest.approx([30 + 12 / 60 + 29 / 3600, 59 + 58 / 60 + 35 / 3600])
    theirs = aviconv.parse(rec.ULLL_Q0338_25.strip().lstrip("(")).geometry.polygon
    assert np.allclose(theirs, [(lat, lon) for lon, lat in ring], atol=1e-9)


def test_a_circle_notam_of_record_becomes_a_circle() -> None:
    [f] = parse_notam(rec.ULLL_Q1233_25)
    assert f["geometry"] == {
        "type": "Point",
        "coordinates": [pytest.approx(40.25), 61.46666666666667],
    }
    assert f["properties"]["radius_m"] == 5_000.0
    assert f["properties"]["alt_upper_ft"] == pytest.approx(150 / 0.3048)


def test_a_notam_of_record_with_two_areas_becomes_two_notices() -> None:
    features = parse_notam(rec.ULLL_X1926_26)
    assert len(features) == 2
    assert features[0]["geometry"]["coordinates"][0][0] == [47.0, 62 + 55 / 60]
    assert features[1]["geometry"]["coordinates"][0][0] == pytest.approx([51 + 4 / 60, 62.2])
    assert {f["properties"]["alt_upper_ft"] for f in features} == {200_000.0}  # UNL


def test_positions_written_hemisphere_first_are_read() -> None:
    [f] = parse_notam(rec.ZHWH_A4457_26)
    ring = f["geometry"]["coordinates"][0]
    assert len(ring) == 5  # four corners, closed ("BACK TO START")
    assert ring[0] == pytest.approx([109 + 57 / 60, 30 + 35 / 60])
    assert ring[2] == pytest.approx([110 + 13 / 60, 29 + 54 / 60])
    assert f["properties"]["remarks"].endswith("(ZHWH/QRDCA)")


@pytest.mark.parametrize(
    ("text", "field", "reason"),
    [
        (rec.ENOB_A2411_26, "notam[0].D", "schedule"),
        (rec.OIIX_A2734_24, "notam[0].D", "schedule"),
        (rec.VABF_A0758_26, "notam[0].Q", "no airspace activity"),
        (rec.RKRR_A1234_26, "notam[0].Q", "aerodrome"),
        (rec.LLLL_A0616_26, "notam[0].C", "PERM"),
        (rec.LLLL_C1764_26, "notam[0].D", "schedule"),
        (rec.LLLL_A0596_26, "notam[0].Q", "subject GW"),
        (rec.LLLL_A0354_26, "notam[0].Q", "aerodrome"),
        (rec.LLLL_A0666_26, "notam[0].Q", "subject OB"),
    ],
)
def test_notams_of_record_that_cannot_be_modelled_are_refused_with_the_reason(
    text: str, field: str, reason: str
) -> None:
    with pytest.raises(InvalidInput, match=reason) as exc:
        parse_notam(text)
    assert exc.value.field == field


def test_the_independent_parser_reads_the_same_window_from_the_record() -> None:
    """Where both parsers read a NOTAM of record, they agree on its window. (aviconv 0.3
    reads fewer of the record's forms than ours: a one-line NOTAM, and a Q-line with
    spaces before its slashes as Bodo, Tehran and Tel Aviv write it, are errors to it.)"""
    for text in (rec.ULLL_Q0338_25, rec.ULLL_Q1233_25, rec.ZHWH_A4457_26):
        theirs = aviconv.parse(text.strip().lstrip("("))
        [ours] = parse_notam(text)
        window = (ours["properties"]["start"], ours["properties"]["end"])
        assert window == tuple(
            t.isoformat().replace("+00:00", "Z")
            for t in (theirs.effective_from, theirs.effective_to)
        )
        assert ours["properties"]["remarks"].endswith(
            f"({theirs.q_line.fir}/{theirs.q_line.qcode})"
        )


def test_the_circle_form_of_the_eurocontrol_rules_is_read() -> None:
    text = (
        "A0001/26 NOTAMN\nQ) EDGG/QWELW/IV/BO/W/020/100/4831N00920E003\n"
        "A) EDGG B) 2612071000 C) 2612071200\n"
        f"E) {rec.EUROCONTROL_CIRCLE_E}\nF) 2000FT AMSL G) FL100"
    )
    [f] = parse_notam(text)
    assert f["properties"]["radius_m"] == 2 * M_PER_NM
    assert f["geometry"]["coordinates"] == pytest.approx(
        [9 + 20 / 60 + 8 / 3600, 48 + 30 / 60 + 52 / 3600]
    )
    assert (f["properties"]["alt_lower_ft"], f["properties"]["alt_upper_ft"]) == (2000, 10_000)
    assert f["properties"]["activity"] == "exercise"


# ---- refusals and hostile input ----------------------------------------------------------
FRAME = (
    "A0001/26 NOTAMN\nQ) LCCC/QRTCA/IV/BO/W/000/100/3456N03312E005\n"
    "A) LCCC B) {b} C) {c}\nE) {e}\nF) {f} G) {g}"
)
AREA = "345600N 0331200E - 345000N 0332000E - 344000N 0331000E - 345600N 0331200E"


def frame(**kw: str) -> str:
    values = {"b": "2612071000", "c": "2612071200", "e": AREA, "f": "SFC", "g": "FL100", **kw}
    return FRAME.format(**values)


@pytest.mark.parametrize(
    ("kw", "field", "reason"),
    [
        ({"e": "GUN FIRING WILL TAKE PLACE"}, "notam[0].E", "no positions"),
        ({"e": "AREA 345600N 0331200E - 345000N 0332000E"}, "notam[0].E", "bound no area"),
        (
            {"e": "CLOCKWISE ARC RADIUS 5NM FM 345600N 0331200E TO 345000N 0332000E"},
            "notam[0].E",
            "arc",
        ),
        (
            {"e": "RADIUS 5NM AROUND 345600N 0331200E AND 345000N 0332000E"},
            "notam[0].E",
            "not one circle",
        ),
        (
            {"e": "AREA 955600N 0331200E - 345000N 0332000E - 344000N 0331000E"},
            "notam[0].E",
            "not a position",
        ),
        ({"c": "PERM"}, "notam[0].C", "end time"),
        ({"b": "2613071000"}, "notam[0].B", "not a date"),
        ({"c": "2612071000"}, "notam[0]", "end must be after start"),
        ({"f": "500FT AGL"}, "notam[0].F", "terrain"),
        ({"g": "12000FT"}, "notam[0].G", "not SFC"),
        ({"g": "UNL", "f": "UNL"}, "notam[0].F", "not SFC"),
    ],
)
def test_what_cannot_be_represented_is_refused_naming_the_item(
    kw: dict[str, str], field: str, reason: str
) -> None:
    with pytest.raises(InterlockError, match=reason) as exc:
        parse_notam(frame(**kw))
    assert exc.value.field == field


def test_missing_items_and_non_notam_text_are_refused() -> None:
    with pytest.raises(InvalidInput, match="no 'A0123/26 NOTAMN'") as exc:
        parse_notam("hello\nworld")
    assert exc.value.field == "notam"
    with pytest.raises(InvalidInput, match="missing") as exc:
        parse_notam(frame().split("\nF)")[0])
    assert exc.value.field == "notam[0].F"
    with pytest.raises(InvalidInput, match=r"item E\) is missing"):
        parse_notam(frame().replace("E) ", "X "))
    second = frame(e="NO AREA HERE")
    with pytest.raises(InvalidInput) as exc:
        parse_notam(frame() + "\n" + second)
    assert exc.value.field == "notam[1].E"  # one refusal refuses the text


MANY = " - ".join(f"{34 + i % 20:02d}{i % 60:02d}{i % 59:02d}N 0331200E" for i in range(50_000))


@pytest.mark.parametrize(
    ("line", "field"),
    [
        ("1" * 1_000_000, "notam"),  # digits: every place could start a coordinate
        ("A0001/26 NOTAMN " + "Q)" * 499_000, "notam[0].Q"),  # item markers
        ("A0001/26 NOTAMN Q) " + "/" * 999_000, "notam[0].Q"),
        (frame(e="3456N " * 166_000), "notam[0].E"),  # half positions
        (frame(e="345600N 0331200E" + " 3" * 499_000), "notam[0].E"),
        (frame(e=MANY), "notam[0].E"),  # 50,000 positions: past the shape limit
        (frame(e="RADIUS 5NM " * 90_000 + AREA), "notam[0].E"),
        (frame(f="FL" + "1" * 999_000), "notam[0].F"),
    ],
    ids=[
        "digits",
        "markers",
        "slashes",
        "half-positions",
        "near-positions",
        "positions",
        "radius-words",
        "long-limit",
    ],
)
def test_a_megabyte_line_is_refused_in_bounded_time(line: str, field: str) -> None:
    """No catastrophic backtracking: each pattern is linear in its input (a regression
    would hang this test, not slow it); the refusal names the item."""
    assert len(line) > 900_000
    with pytest.raises(InterlockError) as exc:
        parse_notam(line)
    assert exc.value.field == field


def test_the_agreements_shape_limits_apply() -> None:
    tight = ShapeLimits(max_positions=3)
    with pytest.raises(InterlockError, match="positions") as exc:
        parse_notam(frame(), tight)
    assert exc.value.field == "notam[0].E"
    assert parse_notam(frame(), ShapeLimits(max_positions=4))


def test_too_much_text_and_too_many_notams_are_413() -> None:
    with pytest.raises(PayloadTooLarge):
        parse_notam("x" * 1_000_001)
    with pytest.raises(PayloadTooLarge, match="NOTAMs"):
        parse_notam("\n".join([frame()] * 501))
    assert len(parse_notam("\n".join([frame()] * 3))) == 3


def test_the_year_and_time_are_utc() -> None:
    [f] = parse_notam(frame(b="2612312330", c="2701010030"))
    assert f["properties"]["start"] == "2026-12-31T23:30:00Z"
    assert datetime.fromisoformat(f["properties"]["end"]).tzinfo == UTC
    assert math.isclose(f["properties"]["alt_upper_ft"], 10_000)


def test_a_band_from_below_sea_level_starts_at_the_surface() -> None:
    text = notam_text(notice(POLYGON, alt_lower_ft=-1_300.0), FORMATS)
    assert "F) SFC G) 12500FT AMSL" in text and "/000/125/" in text
    [back] = parse_notam(text)
    assert back["properties"]["alt_lower_ft"] == 0
