"""KML out and in (formats/kml.py), without a store.

Round trip GeoJSON -> KML -> notice, the tolerance stated: a polygon comes back within
2 cm (positions written to 1e-7 degree, <= 1.1 cm); a circle, corridor or orbit comes back
as the polygon drawn outside its arcs, which contains the declared area (to 2 cm) and is
within r * WIDEN_AT_MOST + 1 m of it (Hausdorff: 12 m at 10 km); the band comes back as
filed, the window to the second. The KML is read back by fastkml (an independent,
maintained parser), and hostile or unrepresentable input is refused naming the placemark.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from fastkml import kml as fkml
from tests.formats.helpers import SHAPES, START, clean, compare, served

import interlock
from interlock.errors import InterlockError, InvalidInput, PayloadTooLarge
from interlock.formats import kml, palette
from interlock.formats.outline import WIDEN_AT_MOST
from interlock.model.limits import MAX_COLLECTION_FEATURES
from interlock.model.notice import parse_notice

PARTIES = [("blue", "Blue command"), ("red", "Red airbase")]


def one(f: dict[str, Any]) -> str:
    return kml.document(kml.Picture("test", PARTIES, notices=[served(f)]))


@pytest.mark.parametrize("name", list(SHAPES))
def test_round_trip_keeps_the_volume_within_the_formats_precision(name: str) -> None:
    original = parse_notice(clean(SHAPES[name]))
    [(label, back)] = kml.placemark_features(one(SHAPES[name]))
    assert label.startswith("placemark[0]")
    again = parse_notice(back)
    sa, sb, hausdorff = compare(original, again)
    r = original.area.radius_m
    if original.area.shape == "polygon":
        assert hausdorff <= 0.02
    else:  # drawn outside the arcs: never smaller, at most the stated widening
        assert sb.buffer(0.02).contains(sa)
        assert hausdorff <= r * WIDEN_AT_MOST + 1.0
    assert again.band == original.band and again.band_input == original.band_input
    assert (again.start, again.end, again.domain) == (original.start, original.end, "air")


def test_fastkml_reads_the_export_and_it_matches() -> None:
    f = served(SHAPES["polygon"])
    trail = kml.Trail(
        "4CA1FA",
        "RYR1",
        "red",
        "air",
        (
            ("2026-12-01T08:00:00Z", 35.5, 35.9, 35000.0),
            ("2026-12-01T08:00:10Z", 35.52, 35.9, 35100.0),
        ),
    )
    conflict = {
        "id": 7,
        "kind": "strategic",
        "severity": "critical",
        "a_name": "ZONE 1 (Blue command)",
        "b_name": "TANKER 7 (Red airbase)",
        "window_start": "2026-12-01T10:00:00Z",
        "window_end": "2026-12-01T11:00:00Z",
        "worst_lon": 35.0,
        "worst_lat": 34.0,
        "horizontal_distance_m": 0.0,
        "horizontal_minimum_m": 9260.0,
        "vertical_gap_m": -100.0,
    }
    text = kml.document(
        kml.Picture("t", PARTIES, notices=[f], conflicts=[conflict], trails=[trail])
    )
    doc = fkml.KML.from_string(text.encode()).features[0]
    folders = {folder.name: list(folder.features) for folder in doc.features}
    assert set(folders) == {"Notices", "Conflicts", "Track trails"}
    [pm] = folders["Notices"]
    assert pm.name == "ZONE 1" and pm.style_url.url == "#party-blue"
    assert pm.times.begin.dt.isoformat() == START.isoformat()
    assert pm.times.end.dt == START + timedelta(hours=2)
    geom = pm.kml_geometry
    assert geom.altitude_mode.value == "absolute" and geom.extrude is True
    ring = list(pm.geometry.exterior.coords)
    expected = f["geometry"]["coordinates"][0]
    assert len(ring) == len(expected)
    for (x, y, z), (ex, ey) in zip(ring, expected, strict=True):
        assert abs(x - ex) < 1e-7 and abs(y - ey) < 1e-7
        assert z == pytest.approx(220 * 100 * 0.3048, abs=0.01)  # the roof: FL220
    data = {d.name: d.value for d in pm.extended_data.elements}
    assert data["fl_lower"] == "180.0" and data["fl_upper"] == "220.0"
    assert "FL180–220" in pm.description
    [c] = folders["Conflicts"]
    assert "ZONE 1 (Blue command)" in c.name and "TANKER 7 (Red airbase)" in c.name
    assert (c.geometry.x, c.geometry.y) == (35.0, 34.0)
    [t] = folders["Track trails"]
    assert t.name == "RYR1" and t.style_url.url == "#party-red"
    styles = {s.id for s in doc.styles}
    assert {"party-blue", "party-red", "conflict", "observed"} <= styles
    assert "<when>2026-12-01T08:00:10Z</when>" in text
    assert "<gx:coord>35.5200000 35.9000000 10698.5</gx:coord>" in text  # 35,100 ft


GOOGLE_EARTH = """<?xml version="1.0" encoding="UTF-8"?>
<kml xmlns="http://www.opengis.net/kml/2.2" xmlns:gx="http://www.google.com/kml/ext/2.2"
     xmlns:kml="http://www.opengis.net/kml/2.2" xmlns:atom="http://www.w3.org/2005/Atom">
<Document>
  <name>Exercise areas.kml</name>
  <StyleMap id="m_ylw-pushpin">
    <Pair><key>normal</key><styleUrl>#s_ylw-pushpin</styleUrl></Pair>
  </StyleMap>
  <Style id="s_ylw-pushpin"><LineStyle><color>ff0000ff</color></LineStyle></Style>
  <Folder>
    <name>Areas</name>
    <open>1</open>
    <Placemark>
      <name>Range north</name>
      <TimeSpan><begin>2026-12-01T10:00:00Z</begin><end>2026-12-01T12:30:00Z</end></TimeSpan>
      <styleUrl>#m_ylw-pushpin</styleUrl>
      <ExtendedData>
        <Data name="fl_lower"><value>100</value></Data>
        <Data name="fl_upper"><value>250</value></Data>
        <Data name="activity"><value>live_fire</value></Data>
      </ExtendedData>
      <Polygon>
        <tessellate>1</tessellate>
        <outerBoundaryIs><LinearRing><coordinates>
          34.60,33.80,0 35.10,33.80,0 35.10,34.30,0 34.60,34.30,0 34.60,33.80,0
        </coordinates></LinearRing></outerBoundaryIs>
      </Polygon>
    </Placemark>
    <Placemark>
      <name>Transit lane</name>
      <TimeSpan><begin>2026-12-01T11:00:00+02:00</begin><end>2026-12-01T13:00:00+02:00</end></TimeSpan>
      <ExtendedData><SchemaData schemaUrl="#lane">
        <SimpleData name="depth_min_m">0</SimpleData>
        <SimpleData name="depth_max_m">50</SimpleData>
        <SimpleData name="half_width_m">1852</SimpleData>
      </SchemaData></ExtendedData>
      <LineString><tessellate>1</tessellate>
        <coordinates>33.0,34.0,0 33.5,34.2,0 34.0,34.1,0</coordinates>
      </LineString>
    </Placemark>
  </Folder>
</Document>
</kml>
"""


def test_a_google_earth_file_becomes_notices() -> None:
    (l1, poly), (l2, lane) = kml.placemark_features(GOOGLE_EARTH)
    assert l1 == 'placemark[0] "Range north"' and l2 == 'placemark[1] "Transit lane"'
    d1, d2 = parse_notice(poly), parse_notice(lane)
    assert d1.domain == "air" and d1.band_input == {"fl_lower": 100.0, "fl_upper": 250.0}
    assert d1.activity == "live_fire" and dict(d1.details)["callsign"] == "Range north"
    assert d1.end - d1.start == timedelta(hours=2, minutes=30)
    assert d2.domain == "sea" and d2.area.shape == "corridor" and d2.area.radius_m == 1852
    assert d2.start.isoformat() == "2026-12-01T09:00:00+00:00"  # +02:00 kept, read as UTC


def placemark(inner: str, data: str = "", span: bool = True) -> str:
    when = "<TimeSpan><begin>2026-12-01T10:00:00Z</begin><end>2026-12-01T11:00:00Z</end></TimeSpan>"
    ext = (
        data
        or '<Data name="fl_lower"><value>100</value></Data>'
        '<Data name="fl_upper"><value>200</value></Data>'
    )
    return (
        f'<kml xmlns="http://www.opengis.net/kml/2.2"><Document><Placemark><name>P</name>'
        f"{when if span else ''}<ExtendedData>{ext}</ExtendedData>{inner}"
        "</Placemark></Document></kml>"
    )


SQUARE = "34,33 35,33 35,34 34,34 34,33"
POLY = (
    "<Polygon><outerBoundaryIs><LinearRing>"
    f"<coordinates>{SQUARE}</coordinates></LinearRing></outerBoundaryIs></Polygon>"
)
LINE = "<LineString><coordinates>34,33 35,34</coordinates></LineString>"


@pytest.mark.parametrize(
    ("text", "field", "words"),
    [
        (
            placemark(POLY, data='<Data name="remarks"><value>x</value></Data>'),
            'placemark[0] "P".ExtendedData',
            "no band",
        ),
        (placemark(POLY, span=False), 'placemark[0] "P"', "no time window"),
        (
            placemark("<Point><coordinates>34,33</coordinates></Point>"),
            'placemark[0] "P".Point',
            "no area",
        ),
        (
            placemark(f"<MultiGeometry>{POLY}{LINE}</MultiGeometry>"),
            'placemark[0] "P".MultiGeometry',
            "mixing LineString and Polygon",
        ),
        (
            placemark(POLY.replace(SQUARE, "34,33,100 35,33,900 35,34,100 34,34,100 34,33,100")),
            'placemark[0] "P".Polygon.outerBoundaryIs.coordinates',
            "altitudes vary",
        ),
        (
            placemark("<LineString><coordinates>34,33 35,34</coordinates></LineString>"),
            'placemark[0] "P".ExtendedData.half_width_m',
            "corridor",
        ),
        (
            placemark(POLY.replace(SQUARE, "34,33 35;33 35,34 34,34 34,33")),
            'placemark[0] "P".Polygon.outerBoundaryIs.coordinates',
            "not lon,lat",
        ),
        (
            placemark(POLY)
            .replace("<TimeSpan>", "<TimeStamp><when>2026-12-01T10:00:00Z</when></TimeStamp><X>")
            .replace("</TimeSpan>", "</X>"),
            'placemark[0] "P".TimeStamp',
            "instant",
        ),
        ("<kml><Document></Document></kml>", "kml", "no Placemark"),
        ("<gpx></gpx>", "kml", "root element"),
        ("<kml><Placemark>", "kml", "not well-formed"),
    ],
    ids=[
        "no band",
        "no time",
        "point",
        "mixed multi",
        "3d",
        "line without width",
        "malformed",
        "timestamp",
        "empty",
        "not kml",
        "broken",
    ],
)
def test_what_a_notice_cannot_be_is_refused_naming_the_placemark(
    text: str, field: str, words: str
) -> None:
    with pytest.raises(InvalidInput) as refused:
        kml.placemark_features(text)
    assert refused.value.field == field and words in refused.value.detail


def test_a_naive_time_and_a_latitude_over_90_are_left_to_the_notice_validation() -> None:
    """Converted as written; the notice validation (the same as GeoJSON's) refuses them."""
    naive = placemark(POLY).replace("10:00:00Z", "10:00:00")
    [(_, f)] = kml.placemark_features(naive)
    with pytest.raises(InvalidInput, match="naive time"):
        parse_notice(f)
    [(_, f)] = kml.placemark_features(placemark(POLY.replace("34,34 34,33", "34,91 34,33")))
    with pytest.raises(InvalidInput, match=r"latitude 91\.0 outside") as refused:
        parse_notice(f)
    assert refused.value.field == "geometry.coordinates[0][3]"


BILLION_LAUGHS = """<?xml version="1.0"?>
<!DOCTYPE lolz [<!ENTITY lol "lol">
<!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
<!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">
<!ENTITY lol9 "&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;">]>
<kml xmlns="http://www.opengis.net/kml/2.2"><Placemark><name>&lol9;</name></Placemark></kml>"""
XXE = """<?xml version="1.0"?>
<!DOCTYPE kml [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>
<kml xmlns="http://www.opengis.net/kml/2.2"><Placemark><name>&xxe;</name></Placemark></kml>"""


@pytest.mark.parametrize("text", [BILLION_LAUGHS, XXE], ids=["billion laughs", "xxe"])
def test_entities_and_dtds_are_never_read(text: str) -> None:
    with pytest.raises(InvalidInput) as refused:
        kml.placemark_features(text)
    assert refused.value.field == "kml" and "never read" in refused.value.detail


def many(n: int) -> str:
    pm = placemark(POLY).split("<Document>")[1].split("</Document>")[0]
    return f'<kml xmlns="http://www.opengis.net/kml/2.2"><Document>{pm * n}</Document></kml>'


def test_placemarks_are_counted_at_the_collection_limit() -> None:
    assert len(kml.placemark_features(many(MAX_COLLECTION_FEATURES))) == MAX_COLLECTION_FEATURES
    with pytest.raises(InvalidInput, match=f"more than {MAX_COLLECTION_FEATURES} placemarks"):
        kml.placemark_features(many(MAX_COLLECTION_FEATURES + 1))


def test_size_and_depth_are_bounded() -> None:
    deep = "<kml>" + "<Folder>" * kml.MAX_DEPTH + "</Folder>" * kml.MAX_DEPTH + "</kml>"
    with pytest.raises(InvalidInput, match="nested deeper"):
        kml.parse(deep)
    kml.parse(
        "<kml>" + "<Folder>" * (kml.MAX_DEPTH - 1) + "</Folder>" * (kml.MAX_DEPTH - 1) + "</kml>"
    )
    big = "<kml>" + " " * (kml.MAX_KML_BYTES - 11) + "</kml>"
    assert len(big) == kml.MAX_KML_BYTES
    kml.parse(big)
    with pytest.raises(PayloadTooLarge):
        kml.parse(big + " ")


def test_a_timespan_and_data_that_disagree_are_refused() -> None:
    data = (
        '<Data name="fl_lower"><value>1</value></Data><Data name="fl_upper"><value>2</value>'
        '</Data><Data name="start"><value>2026-12-01T09:00:00Z</value></Data>'
    )
    with pytest.raises(InterlockError, match="contradicts the TimeSpan"):
        kml.placemark_features(placemark(POLY, data=data))


def test_elements_come_in_the_schemas_order() -> None:
    """OGC 07-147r2: a Feature's name, description, TimePrimitive, styleUrl, then
    ExtendedData and the geometry; a Style's IconStyle, LineStyle, PolyStyle."""
    root = ET.fromstring(one(SHAPES["circle"]))
    local = [c.tag.rsplit("}", 1)[1] for c in root.iter(f"{{{kml.KML_NS}}}Placemark").__next__()]
    assert local == ["name", "description", "TimeSpan", "styleUrl", "ExtendedData", "Polygon"]
    style = next(root.iter(f"{{{kml.KML_NS}}}Style"))
    assert [c.tag.rsplit("}", 1)[1] for c in style] == ["IconStyle", "LineStyle", "PolyStyle"]


def test_party_colours_are_the_pages() -> None:
    """The page's palette (web/static/js/layers.js) is the rule; the KML follows it."""
    js = (Path(interlock.__file__).parent / "web/static/js/layers.js").read_text()
    found = re.search(r"const PALETTE = \[([^\]]*)\]", js)
    assert found is not None
    assert tuple(re.findall(r'"(#[0-9a-f]{6})"', found.group(1))) == palette.PALETTE
    assert kml.kml_colour("#1f6fd1") == "ffd16f1f"  # aabbggrr
