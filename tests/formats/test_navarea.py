"""NAVAREA warning text: the message format checked by a regular expression of the
standard's parts, positions re-read and compared, corners listed clockwise — on real
warnings' shapes of the Eastern Mediterranean (of_record.py) and on every area shape."""

from __future__ import annotations

import re
from typing import Any

import numpy as np
import pytest
from tests.formats import of_record as rec
from tests.formats.notices import notice

from interlock.errors import InvalidInput
from interlock.formats.navarea import clockwise, navarea_text, position, signed_area
from interlock.formats.notam import draft_number
from interlock.geo.units import M_PER_NM
from interlock.model.agreement import Formats
from interlock.model.notice import parse_notice

FORMATS = Formats("LCCC", "A", "III")
POS = r"(\d{2})-(\d{2}\.\d{2})([NS]) (\d{3})-(\d{2}\.\d{2})([EW])"
# Preamble (NAVAREA and number/year, general area), warning (1. what, window, area),
# postscript (2. cancel): MSC.1/Circ.1288 and the Joint Manual on MSI section 6.
WARNING = re.compile(
    r"\ANAVAREA (?:I|II|III|IV|V|VI|VII|VIII|IX|X|XI|XII|XIII|XIV|XV|XVI|XVII|XVIII|XIX|XX|XXI)"
    r" \d{4}/\d{2}\n"
    r"[A-Z][A-Z .0-9]+\.\n"
    r"1\. [A-Z ]+ \d{6} UTC(?: [A-Z]{3} \d{2})? TO \d{6} UTC [A-Z]{3} \d{2}"
    rf" (?:WITHIN \d+\.\d{{2}} NM OF {POS}\.\n|IN AREA BOUNDED BY\n(?:   {POS}(?:, {POS})?[,.]\n)+)"
    r"2\. CANCEL THIS MSG \d{6}Z [A-Z]{3} \d{2}\.\n\Z"
)
HUNDREDTH_MINUTE = 0.005 / 60 + 1e-9  # degrees: written to 0.01 minute, rounded


def read_positions(text: str) -> list[tuple[float, float]]:
    """(lon, lat) of every DD-MM.MMN DDD-MM.MME in the text (an independent reader)."""
    out = []
    for d, m, ns, dd, mm, ew in re.findall(POS, text):
        lat = (int(d) + float(m) / 60) * (1 if ns == "N" else -1)
        lon = (int(dd) + float(mm) / 60) * (1 if ew == "E" else -1)
        out.append((lon, lat))
    return out


def of_record_positions(text: str) -> list[tuple[float, float]]:
    """(lon, lat) of each 'DD MM.MM N - DDD MM.MM E' line of a warning of record."""
    found = re.findall(r"(\d{2}) (\d{2}\.\d{2}) ([NS]) - (\d{3}) (\d{2}\.\d{2}) ([EW])", text)
    return [
        (
            (int(dd) + float(mm) / 60) * (1 if ew == "E" else -1),
            (int(d) + float(m) / 60) * (1 if ns == "N" else -1),
        )
        for d, m, ns, dd, mm, ew in found
    ]


def sea(geometry: dict[str, Any], **props: Any) -> dict[str, Any]:
    base = {"domain": "sea", "depth_min_m": 0.0, "depth_max_m": 50.0}
    feature = notice(geometry, **{**base, **props})
    for key in ("alt_lower_ft", "alt_upper_ft"):
        feature["properties"].pop(key, None)
    return feature


@pytest.mark.parametrize("warning", [rec.TURNHOS_1134_20, rec.TURNHOS_0239_20, rec.TURNHOS_0235_18])
def test_warnings_of_record_come_out_in_the_standard_form_and_clockwise(warning: str) -> None:
    corners = of_record_positions(warning)
    assert len(corners) == 4
    assert signed_area(corners) > 0, "these three were listed anticlockwise"
    ring = [list(p) for p in [*corners, corners[0]]]
    feature = sea({"type": "Polygon", "coordinates": [ring]}, activity="live_fire")
    parse_notice(feature)  # a valid sea notice
    text = navarea_text(feature, FORMATS)
    assert WARNING.match(text), text
    assert "GUNNERY EXERCISE" in text and "IN AREA BOUNDED BY" in text
    back = read_positions(text)
    assert signed_area(back) < 0, "listed clockwise"
    assert back[0] == pytest.approx(corners[0], abs=HUNDREDTH_MINUTE)  # from the same corner
    expected = [corners[0], *reversed(corners[1:])]
    assert np.allclose(back, expected, atol=HUNDREDTH_MINUTE)
    # The real warnings are written to 0.01 minute: ours reads back exactly.
    assert np.allclose(back, corners[:1] + corners[:0:-1], atol=1e-9)


def test_the_header_area_window_and_cancel_line() -> None:
    ring = [[32.5, 35.2], [33.0, 35.2], [33.0, 34.8], [32.5, 34.8], [32.5, 35.2]]  # clockwise
    feature = sea(
        {"type": "Polygon", "coordinates": [ring]},
        start="2026-12-30T22:00:00Z",
        end="2027-01-01T02:00:30Z",
    )
    text = navarea_text(feature, FORMATS)
    number = draft_number("n-0123456789abcdef", 1)
    assert text.startswith(f"NAVAREA III {number:04d}/26\nEASTERN MEDITERRANEAN.\n")
    assert "1. HAZARDOUS OPERATIONS 302200 UTC DEC 26 TO 010201 UTC JAN 27 IN AREA" in text
    assert text.endswith("2. CANCEL THIS MSG 010300Z JAN 27.\n")
    # Already clockwise: kept in the order given, each corner once.
    assert read_positions(text) == [tuple(p) for p in ring[:-1]]
    plain = navarea_text(feature, Formats("LCCC", "A", ""))
    assert plain.startswith("NAVIGATIONAL WARNING ")


def test_a_circle_is_within_a_distance_of_its_centre() -> None:
    feature = sea({"type": "Point", "coordinates": [33.5, 34.25]}, radius_m=10_000.0)
    text = navarea_text(feature, FORMATS)
    assert WARNING.match(text), text
    assert "WITHIN 5.40 NM OF 34-15.00N 033-30.00E." in text  # 10 km = 5.3996 NM, up
    assert float(re.search(r"WITHIN (\S+) NM", text).group(1)) * M_PER_NM >= 10_000.0  # type: ignore[union-attr]


@pytest.mark.parametrize(
    ("geometry", "dims"),
    [
        (
            {"type": "LineString", "coordinates": [[32.5, 34.0], [33.0, 34.2], [33.6, 34.1]]},
            {"half_width_m": 3_000.0},
        ),
        (
            {"type": "LineString", "coordinates": [[33.0, 34.5], [33.4, 34.5]]},
            {"shape": "orbit", "radius_m": 7_000.0},
        ),
    ],
)
def test_corridors_and_orbits_are_bounded_clockwise_by_a_polygon_that_holds_them(
    geometry: dict[str, Any], dims: dict[str, Any]
) -> None:
    feature = sea(geometry, **dims)
    text = navarea_text(feature, FORMATS)
    assert WARNING.match(text), text
    corners = read_positions(text)
    assert signed_area(corners) < 0
    ring = [list(p) for p in [*corners, corners[0]]]
    polygon = sea({"type": "Polygon", "coordinates": [ring]})
    assert parse_notice(polygon).contains(parse_notice(feature))


def test_clockwise_reverses_only_anticlockwise_rings() -> None:
    square = [(0.0, 0.0), (1.0, 0.0), (1.0, 1.0), (0.0, 1.0), (0.0, 0.0)]  # anticlockwise
    assert clockwise(square) == [(0.0, 0.0), (0.0, 1.0), (1.0, 1.0), (1.0, 0.0)]
    assert clockwise(clockwise(square)) == clockwise(square)
    across = [(179.5, 0.0), (-179.5, 0.0), (-179.5, 1.0), (179.5, 1.0)]  # the antimeridian
    assert signed_area(across) > 0 and signed_area(clockwise(across)) < 0
    assert position(-0.5, -179.99999) == "00-30.00S 180-00.00W"  # rounds up, never 60'
    assert position(34.999999, 33.0) == "35-00.00N 033-00.00E"


def test_a_submerged_notice_without_activity_is_submarine_operations() -> None:
    feature = sea({"type": "Point", "coordinates": [33.5, 34.25]}, radius_m=10_000.0)
    feature["properties"].update(depth_min_m=60.0, depth_max_m=300.0)
    assert "1. SUBMARINE OPERATIONS " in navarea_text(feature, FORMATS)


def test_an_air_notice_is_not_a_navarea_warning() -> None:
    air = notice({"type": "Point", "coordinates": [33.5, 34.25]}, radius_m=1000.0)
    with pytest.raises(InvalidInput, match=r"this is an air notice \(ask for \.notam\)") as exc:
        navarea_text(air, FORMATS)
    assert exc.value.field == "properties.domain"
