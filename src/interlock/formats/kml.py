"""KML 2.2 (OGC 07-147r2) for Google Earth, out and in.

Out: notices, protected assets, hazards, conflicts and track trails as Placemarks, each
with a ``TimeSpan`` (begin, end: UTC) for Google Earth's time slider (a trail is a
``gx:Track`` whose ``when`` times drive the slider themselves; standing assets have no
span). A notice is a Polygon (circles, corridors and orbits as their outline, drawn
outside the arcs: formats.outline): in the air at ``altitudeMode`` absolute, extruded
from its band's upper height (the lower one is in its description and data); at sea and
for emissions clamped to the ground. Styles per party (formats.palette), names and callsigns
rather than ids, a description with the band as filed and the times in UTC.

In: each Placemark with a Polygon or a LineString becomes a notice Feature, which the
service validates exactly as GeoJSON. A notice needs what KML geometry lacks, read from
the Placemark's ``ExtendedData`` (``<Data name="..."><value>`` or ``SchemaData`` /
``SimpleData``), named as the GeoJSON properties (FIELDS): the band (``fl_lower`` and
``fl_upper``, ``alt_lower_ft`` and ``alt_upper_ft``, or ``depth_min_m`` and
``depth_max_m``), ``domain`` (else taken from the band's kind: flight levels and feet are
air, depths sea), the window (a ``TimeSpan`` with both ends and a UTC offset, or ``start``
and ``end``), and for a LineString ``half_width_m`` (a corridor). Refused with the
placemark named, never guessed: no band, no window, a time without an offset, a Point, a
MultiGeometry of mixed kinds, coordinates whose altitudes vary (a 3D shape no band can
hold), a TimeStamp (an instant is no window).

Hostile XML: parsed by defusedxml, which refuses any DTD (so entity expansion, "billion
laughs", and external entities, XXE, never run); the text is at most MAX_KML_BYTES, the
nesting at most MAX_DEPTH, the placemarks at most MAX_COLLECTION_FEATURES (a notice
collection's limit), all counted while parsing, before any notice is built.
"""

from __future__ import annotations

import io
import math
import xml.etree.ElementTree as ET
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC
from typing import Any

import defusedxml.ElementTree as DET
from defusedxml import DefusedXmlException

from ..errors import InvalidInput, PayloadTooLarge
from ..geo.shapes import Area
from ..geo.units import M_PER_FT, M_PER_NM
from ..model.limits import MAX_COLLECTION_FEATURES
from ..model.timeutil import parse_utc
from ..model.wording import band as band_text
from .outline import rings
from .palette import PALETTE

KML_NS = "http://www.opengis.net/kml/2.2"
GX_NS = "http://www.google.com/kml/ext/2.2"
MEDIA_TYPE = "application/vnd.google-earth.kml+xml"  # IANA registration (OGC KML 2.2)
# The largest KML read: the API's request body cap (api.app.MAX_BODY_BYTES), so a file
# the CLI reads is one the server would take.
MAX_KML_BYTES = 1_000_000
# Nesting: kml/Document/Folder*/Placemark/Polygon/outerBoundaryIs/LinearRing/coordinates
# is 8 deep with one Folder; 64 leaves room for folders within folders, and stops a
# hostile nesting before any walk over it.
MAX_DEPTH = 64
DIGITS = 7  # positions to 1e-7 degree: within 1.1 cm

# Party colours from formats.palette (the page's), written as KML's aabbggrr; OBSERVED for
# tracks nobody owns, CONFLICT for conflicts (the page's too), HAZARD for envelopes.
OBSERVED, CONFLICT, HAZARD = "#6b6b6b", "#d40000", "#b00020"

# ExtendedData fields read in (and written out): a notice's GeoJSON properties by name.
NUMERIC = (
    "fl_lower",
    "fl_upper",
    "alt_lower_ft",
    "alt_upper_ft",
    "depth_min_m",
    "depth_max_m",
    "half_width_m",
    "centre_freq_mhz",
    "bandwidth_mhz",
    "eirp_dbm",
    "antenna_height_m",
    "azimuth_deg",
    "beamwidth_deg",
)
TEXT = ("domain", "start", "end", "callsign", "purpose", "remarks", "unit", "activity")
FIELDS = NUMERIC + TEXT


def kml_colour(hex_rgb: str, alpha: int = 0xFF) -> str:
    """'#rrggbb' as KML's aabbggrr."""
    r, g, b = hex_rgb[1:3], hex_rgb[3:5], hex_rgb[5:7]
    return f"{alpha:02x}{b}{g}{r}"


@dataclass(frozen=True, slots=True)
class Trail:
    """One track's past positions (oldest first): (ISO time, lon, lat, altitude ft|None)."""

    track_id: str
    name: str | None
    owner: str | None
    domain: str
    fixes: tuple[tuple[str, float, float, float | None], ...]


@dataclass
class Picture:
    """What one KML document shows, as the viewer may see it. `parties` are (id, name) in
    the agreement's order (their colours); conflicts carry `a_name`/`b_name`."""

    title: str
    parties: Sequence[tuple[str, str]]
    notices: list[dict[str, Any]] = field(default_factory=list)
    assets: list[dict[str, Any]] = field(default_factory=list)
    hazards: list[dict[str, Any]] = field(default_factory=list)
    conflicts: list[dict[str, Any]] = field(default_factory=list)
    trails: list[Trail] = field(default_factory=list)


# ---- out --------------------------------------------------------------------------------


def _k(tag: str) -> str:
    return f"{{{KML_NS}}}{tag}"


def _sub(parent: ET.Element, tag: str, text: str | None = None) -> ET.Element:
    el = ET.SubElement(parent, tag if tag.startswith("{") else _k(tag))
    if text is not None:
        el.text = text
    return el


def _coords(ring: Iterable[tuple[float, float]], alt_m: float | None) -> str:
    if alt_m is None:
        return " ".join(f"{x:.{DIGITS}f},{y:.{DIGITS}f}" for x, y in ring)
    return " ".join(f"{x:.{DIGITS}f},{y:.{DIGITS}f},{alt_m:.2f}" for x, y in ring)


def _style(doc: ET.Element, sid: str, colour: str, fill_alpha: int = 0x40) -> None:
    st = _sub(doc, "Style")  # children in the schema's order: Icon, Line, Poly
    st.set("id", sid)
    _sub(_sub(st, "IconStyle"), "color", kml_colour(colour))
    line = _sub(st, "LineStyle")
    _sub(line, "color", kml_colour(colour))
    _sub(line, "width", "2")
    _sub(_sub(st, "PolyStyle"), "color", kml_colour(colour, fill_alpha))


def _span(pm: ET.Element, begin: str | None, end: str | None) -> None:
    if begin is None and end is None:
        return
    span = _sub(pm, "TimeSpan")
    if begin:
        _sub(span, "begin", begin)
    if end:
        _sub(span, "end", end)


def _data(pm: ET.Element, values: dict[str, Any]) -> None:
    ext = _sub(pm, "ExtendedData")
    for key, value in values.items():
        if value is None:
            continue
        d = _sub(ext, "Data")
        d.set("name", key)
        _sub(d, "value", value if isinstance(value, str) else repr(value))


def _polygon(
    parent: ET.Element, rs: Sequence[Sequence[tuple[float, float]]], alt: float | None
) -> None:
    poly = _sub(parent, "Polygon")
    if alt is not None:
        _sub(poly, "extrude", "1")
        _sub(poly, "altitudeMode", "absolute")
    else:
        _sub(poly, "tessellate", "1")
        _sub(poly, "altitudeMode", "clampToGround")
    for i, ring in enumerate(rs):
        b = _sub(poly, "outerBoundaryIs" if i == 0 else "innerBoundaryIs")
        _sub(_sub(b, "LinearRing"), "coordinates", _coords(ring, alt))


def _placemark(
    folder: ET.Element,
    name: str,
    style: str,
    description: str,
    span: tuple[str | None, str | None] = (None, None),
) -> ET.Element:
    """A Placemark's head in the schema's order (OGC 07-147r2 AbstractFeatureGroup: name,
    description, TimePrimitive, styleUrl; ExtendedData and the geometry follow)."""
    pm = _sub(folder, "Placemark")
    _sub(pm, "name", name)
    _sub(pm, "description", description)
    _span(pm, *span)
    _sub(pm, "styleUrl", f"#{style}")
    return pm


def _party_name(parties: Sequence[tuple[str, str]], pid: str | None) -> str:
    return next((n for p, n in parties if p == pid), pid or "observed")


def _minute(text: str) -> str:
    return parse_utc(text, "time").astimezone(UTC).strftime("%Y-%m-%d %H:%M")


def window_text(t0: str | None, t1: str | None) -> str:
    """A window in UTC to the minute, the day once when it is one ("2030-03-01 13:15–17:15
    UTC"); the exact times are in the TimeSpan."""
    if t0 and t1:
        a, b = _minute(t0), _minute(t1)
        return f"{a}–{b[11:]} UTC" if a[:10] == b[:10] else f"{a} – {b} UTC"
    return f"from {_minute(t0)} UTC" if t0 else (f"until {_minute(t1)} UTC" if t1 else "standing")


def _when(props: dict[str, Any], a: str, b: str) -> str:
    return window_text(props.get(a), props.get(b))


def _notice(folder: ET.Element, n: dict[str, Any], parties: Sequence[tuple[str, str]]) -> None:
    p = n["properties"]
    area = Area.from_stored(n["geometry"], p)
    who = _party_name(parties, p.get("party"))
    name = p.get("callsign") or f"{who} {p.get('domain')} notice"
    desc = (
        f"{who}: {p.get('domain')} notice, {band_text(p)}, {_when(p, 'start', 'end')}; "
        f"{p.get('status', '')} (version {p.get('version', 1)})"
    )
    if p.get("activity"):
        desc += f"; activity {p['activity']}"
    pm = _placemark(folder, name, f"party-{p.get('party')}", desc, (p.get("start"), p.get("end")))
    pm.set("id", str(n.get("id") or p.get("id")))
    _data(
        pm, {k: p[k] for k in FIELDS if k in p and k != "half_width_m"} | {"party": p.get("party")}
    )
    alt = float(p["upper_m"]) if p.get("domain") == "air" and "upper_m" in p else None
    _polygon(pm, rings(area), alt)


def _area_of(feature: dict[str, Any]) -> Area | None:
    try:
        return Area.from_geojson(feature["geometry"], feature["properties"])
    except Exception:  # an asset's shape kept as filed: drawn when it is a notice's kind
        return None


def _asset(folder: ET.Element, a: dict[str, Any], parties: Sequence[tuple[str, str]]) -> None:
    p = a["properties"]
    area = _area_of(a)
    if area is None:
        return
    who = _party_name(parties, p.get("party"))
    desc = f"{who}: protected {p.get('kind', 'asset')}, {band_text(p)}, {_when(p, 'start', 'end')}"
    pm = _placemark(
        folder,
        str(p.get("name") or f"{who} {p.get('kind', 'asset')}"),
        f"party-{p.get('party')}",
        desc,
        (p.get("start"), p.get("end")),
    )
    _polygon(pm, rings(area), None)


def _hazard(folder: ET.Element, h: dict[str, Any], parties: Sequence[tuple[str, str]]) -> None:
    p = h["properties"]
    env = p.get("envelope")
    if not env:
        return
    lo, hi = p.get("alt_min_ft"), p.get("alt_max_ft")
    band = f"{lo:,.0f}–{hi:,.0f} ft" if lo is not None and hi is not None else "-"
    hot = "; hot " + ", ".join(window_text(w["from"], w["to"]) for w in p.get("hot", []))
    desc = (
        f"hazard: {p.get('weapon', '')}, operated by {p.get('operator', '')}, range "
        f"{float(p.get('range_m', 0)) / 1000:,.0f} km, {band}; reported by "
        f"{_party_name(parties, p.get('party'))} (source: {p.get('source', '')})"
        + (hot if p.get("hot") else "")
    )
    span = (p.get("valid_from"), p.get("valid_to"))
    pm = _placemark(folder, str(p.get("name") or "hazard"), "hazard", desc, span)
    ring = [(float(x), float(y)) for x, y, *_ in env["coordinates"][0]]
    _polygon(pm, [ring], None)


def _conflict(folder: ET.Element, c: dict[str, Any], parties: Sequence[tuple[str, str]]) -> None:
    if "worst_lon" not in c:
        return  # interference: judged at a receiver, not at a point between two volumes
    a = c.get("a_name") or c.get("a_id")
    b = c.get("b_name") or c.get("b_id")
    kind = c.get("kind", "strategic")
    desc = (
        f"{c.get('severity')} {kind} conflict between {a} and {b}, "
        f"{window_text(c.get('window_start'), c.get('window_end'))}; horizontal "
        f"{float(c.get('horizontal_distance_m', 0)) / M_PER_NM:,.1f} NM (minimum "
        f"{float(c.get('horizontal_minimum_m', 0)) / M_PER_NM:,.1f} NM), vertical gap "
        f"{float(c.get('vertical_gap_m', 0)) / M_PER_FT:,.0f} ft; worst point shown"
    )
    short = (c.get("a_label") or a, c.get("b_label") or b)  # callsigns; parties in the text
    name = f"Conflict {c.get('id', '?')}: {short[0]} / {short[1]}"
    span = (c.get("window_start"), c.get("window_end"))
    pm = _placemark(folder, name, "conflict", desc, span)
    pt = _sub(pm, "Point")
    _sub(
        pt, "coordinates", f"{float(c['worst_lon']):.{DIGITS}f},{float(c['worst_lat']):.{DIGITS}f}"
    )


def _trail(folder: ET.Element, t: Trail, parties: Sequence[tuple[str, str]]) -> None:
    if not t.fixes:
        return
    style = f"party-{t.owner}" if t.owner else "observed"
    who = _party_name(parties, t.owner)
    desc = (
        f"{who} {t.domain} track, {len(t.fixes)} positions, "
        f"{window_text(t.fixes[0][0], t.fixes[-1][0])}"
    )
    pm = _placemark(folder, t.name or t.track_id, style, desc)
    track = _sub(pm, f"{{{GX_NS}}}Track")
    air = t.domain == "air" and all(f[3] is not None for f in t.fixes)
    _sub(track, "altitudeMode", "absolute" if air else "clampToGround")
    for when, *_ in t.fixes:
        _sub(track, "when", when)
    for _, lon, lat, alt_ft in t.fixes:
        alt = f"{alt_ft * M_PER_FT:.1f}" if air and alt_ft is not None else "0"
        _sub(track, f"{{{GX_NS}}}coord", f"{lon:.{DIGITS}f} {lat:.{DIGITS}f} {alt}")


def document(pic: Picture) -> str:
    """The whole picture as one KML document: a Folder per kind."""
    ET.register_namespace("", KML_NS)
    ET.register_namespace("gx", GX_NS)
    root = ET.Element(_k("kml"))
    doc = _sub(root, "Document")
    _sub(doc, "name", pic.title)
    for i, (pid, _) in enumerate(pic.parties):
        _style(doc, f"party-{pid}", PALETTE[i % len(PALETTE)])  # formats.palette
    _style(doc, "observed", OBSERVED)
    _style(doc, "conflict", CONFLICT, 0xFF)
    _style(doc, "hazard", HAZARD, 0x30)
    for title, items, draw in (
        ("Notices", pic.notices, _notice),
        ("Protected assets", pic.assets, _asset),
        ("Hazards", pic.hazards, _hazard),
        ("Conflicts", pic.conflicts, _conflict),
    ):
        if items:
            folder = _sub(doc, "Folder")
            _sub(folder, "name", title)
            for item in items:
                draw(folder, item, pic.parties)
    if pic.trails:
        folder = _sub(doc, "Folder")
        _sub(folder, "name", "Track trails")
        for t in pic.trails:
            _trail(folder, t, pic.parties)
    ET.indent(root)
    return ET.tostring(root, encoding="unicode", xml_declaration=True) + "\n"


# ---- in ---------------------------------------------------------------------------------


def _local(tag: Any) -> str:
    return tag.rsplit("}", 1)[-1] if isinstance(tag, str) else ""


def _children(el: ET.Element, name: str) -> list[ET.Element]:
    return [c for c in el if _local(c.tag) == name]


def _child(el: ET.Element, name: str) -> ET.Element | None:
    found = _children(el, name)
    return found[0] if found else None


def _text(el: ET.Element | None) -> str | None:
    if el is None or el.text is None:
        return None
    return el.text.strip()


def parse(text: str | bytes) -> ET.Element:
    """The KML's root element, or a clear refusal: too large, a DTD or entity (refused
    outright), too deep, too many placemarks, not XML, not KML."""
    raw = text.encode() if isinstance(text, str) else text
    if len(raw) > MAX_KML_BYTES:
        raise PayloadTooLarge(
            f"{len(raw):,} bytes; at most {MAX_KML_BYTES:,} are read", field="kml"
        )
    depth = placemarks = 0
    root: ET.Element | None = None
    try:
        for event, el in DET.iterparse(io.BytesIO(raw), events=("start", "end"), forbid_dtd=True):
            if event == "end":
                depth -= 1
                continue
            root = el if root is None else root
            depth += 1
            if depth > MAX_DEPTH:
                raise InvalidInput(f"nested deeper than {MAX_DEPTH} elements", field="kml")
            if _local(el.tag) == "Placemark":
                placemarks += 1
                if placemarks > MAX_COLLECTION_FEATURES:
                    raise InvalidInput(
                        f"more than {MAX_COLLECTION_FEATURES} placemarks; at most "
                        f"{MAX_COLLECTION_FEATURES} notices are filed at once",
                        field="kml",
                    )
    except DefusedXmlException as exc:
        raise InvalidInput(
            f"refused: {type(exc).__name__} (a DTD, entity or external reference is never "
            "read: KML needs none)",
            field="kml",
        ) from None
    except ET.ParseError as exc:
        raise InvalidInput(f"not well-formed XML: {exc}", field="kml") from None
    if root is None or _local(root.tag) != "kml":
        raise InvalidInput("the root element must be <kml>", field="kml")
    return root


def _label(i: int, pm: ET.Element) -> str:
    name = _text(_child(pm, "name"))
    return f"placemark[{i}]" + (f' "{name[:60]}"' if name else "")


def _extended(pm: ET.Element) -> dict[str, str]:
    out: dict[str, str] = {}
    ext = _child(pm, "ExtendedData")
    if ext is None:
        return out
    for d in _children(ext, "Data"):
        key = d.get("name")
        value = _text(_child(d, "value"))
        if key and value is not None:
            out[key] = value
    for sd in _children(ext, "SchemaData"):
        for s in _children(sd, "SimpleData"):
            key = s.get("name")
            if key and s.text is not None:
                out[key] = s.text.strip()
    return out


def _positions(el: ET.Element | None, where: str) -> list[list[float]]:
    text = _text(_child(el, "coordinates")) if el is not None else None
    if not text:
        raise InvalidInput("no coordinates", field=f"{where}.coordinates")
    out = []
    for j, token in enumerate(text.split()):
        parts = token.split(",")
        try:
            nums = [float(p) for p in parts]
        except ValueError:
            nums = []
        if len(nums) not in (2, 3) or not all(math.isfinite(v) for v in nums):
            raise InvalidInput(
                f"position {j} {token[:40]!r} is not lon,lat[,alt]", field=f"{where}.coordinates"
            )
        out.append(nums)
    return out


def _flat(positions: list[list[float]], where: str) -> list[list[float]]:
    """lon, lat only; refused when altitudes vary (a 3D shape a band cannot hold)."""
    alts = {p[2] for p in positions if len(p) == 3}
    if alts and max(alts) - min(alts) > 1.0:
        raise InvalidInput(
            f"altitudes vary from {min(alts):g} to {max(alts):g} m: a notice's volume is an "
            "area and one band; give the band in ExtendedData and flat coordinates",
            field=f"{where}.coordinates",
        )
    return [p[:2] for p in positions]


def _geometries(el: ET.Element, where: str) -> list[tuple[str, dict[str, Any]]]:
    kind = _local(el.tag)
    if kind == "Polygon":
        outer = _child(el, "outerBoundaryIs")
        ring = _child(outer, "LinearRing") if outer is not None else None
        if ring is None:
            raise InvalidInput("a Polygon needs outerBoundaryIs/LinearRing", field=where)
        polygon = [_flat(_positions(ring, f"{where}.outerBoundaryIs"), f"{where}.outerBoundaryIs")]
        for k, inner in enumerate(_children(el, "innerBoundaryIs")):
            lr = _child(inner, "LinearRing")
            inside = f"{where}.innerBoundaryIs[{k}]"
            polygon.append(_flat(_positions(lr, inside), inside))
        return [("Polygon", {"type": "Polygon", "coordinates": polygon})]
    if kind == "LineString":
        coords = _flat(_positions(el, where), where)
        return [("LineString", {"type": "LineString", "coordinates": coords})]
    if kind == "MultiGeometry":
        parts = [g for c in el for g in _geometries(c, f"{where}.{_local(c.tag)}")]
        kinds = {k for k, _ in parts}
        if len(kinds) > 1:
            raise InvalidInput(
                f"a MultiGeometry mixing {' and '.join(sorted(kinds))}: one notice has one "
                "kind of area; split it into placemarks",
                field=where,
            )
        return parts
    if kind in ("Point", "Model", "Track", "MultiTrack", "LinearRing"):
        raise InvalidInput(
            f"a {kind} has no area: a notice needs a Polygon, or a LineString with "
            "half_width_m (a corridor)",
            field=where,
        )
    return []


GEOMETRIES = (
    "Polygon",
    "LineString",
    "MultiGeometry",
    "Point",
    "Model",
    "Track",
    "MultiTrack",
    "LinearRing",
)


def _number(value: str) -> float | str:
    try:
        return float(value)
    except ValueError:
        return value  # left as text: the notice validation names it ("must be a number")


def _window(pm: ET.Element, data: dict[str, str], where: str) -> tuple[str, str]:
    if _child(pm, "TimeStamp") is not None and _child(pm, "TimeSpan") is None:
        raise InvalidInput(
            "a TimeStamp is an instant, not a window: give a TimeSpan", field=f"{where}.TimeStamp"
        )
    span = _child(pm, "TimeSpan")
    begin = _text(_child(span, "begin")) if span is not None else None
    end = _text(_child(span, "end")) if span is not None else None
    if span is not None and (begin is None or end is None):
        raise InvalidInput("a TimeSpan needs both begin and end", field=f"{where}.TimeSpan")
    if begin is not None and end is not None:
        for key, v in (("start", begin), ("end", end)):
            if key in data and data[key] != v:
                raise InvalidInput(
                    f"ExtendedData {key} {data[key]!r} contradicts the TimeSpan's {v!r}",
                    field=f"{where}.ExtendedData.{key}",
                )
        return begin, end
    if "start" in data and "end" in data:
        return data["start"], data["end"]
    raise InvalidInput(
        "no time window: give a TimeSpan (begin, end, with a UTC offset) or ExtendedData "
        "start and end",
        field=where,
    )


def _domain(data: dict[str, str], where: str) -> str:
    if "domain" in data:
        return data["domain"]
    if any(k in data for k in ("fl_lower", "fl_upper", "alt_lower_ft", "alt_upper_ft")):
        return "air"
    if any(k in data for k in ("depth_min_m", "depth_max_m")):
        return "sea"
    raise InvalidInput(
        "no band: give fl_lower and fl_upper, alt_lower_ft and alt_upper_ft, or depth_min_m "
        "and depth_max_m in ExtendedData",
        field=f"{where}.ExtendedData",
    )


def placemark_features(text: str | bytes) -> list[tuple[str, dict[str, Any]]]:
    """Each Placemark (each part of a MultiGeometry of one kind) as a notice Feature, with
    the label naming it for a refusal: not yet validated; the service does that."""
    root = parse(text)
    out: list[tuple[str, dict[str, Any]]] = []
    pms = [el for el in root.iter() if _local(el.tag) == "Placemark"]
    for i, pm in enumerate(pms):
        where = _label(i, pm)
        geoms = [c for c in pm if _local(c.tag) in GEOMETRIES]
        if not geoms:
            raise InvalidInput("no geometry (a Polygon or a LineString)", field=where)
        parts = _geometries(geoms[0], f"{where}.{_local(geoms[0].tag)}")
        if not parts:
            raise InvalidInput("an empty MultiGeometry", field=where)
        data = _extended(pm)
        start, end = _window(pm, data, where)
        props: dict[str, Any] = {k: data[k] for k in TEXT if k in data}
        props |= {k: _number(data[k]) for k in NUMERIC if k in data}
        props["domain"] = _domain(data, where)
        props["start"], props["end"] = start, end
        name = _text(_child(pm, "name"))
        if name and "callsign" not in props:
            props["callsign"] = name[:2000]
        for j, (kind, geometry) in enumerate(parts):
            if kind == "LineString" and "half_width_m" not in props:
                raise InvalidInput(
                    "a LineString is a corridor: give its half_width_m in ExtendedData",
                    field=f"{where}.ExtendedData.half_width_m",
                )
            label = where if len(parts) == 1 else f"{where} part {j}"
            out.append(
                (label, {"type": "Feature", "geometry": geometry, "properties": dict(props)})
            )
            if len(out) > MAX_COLLECTION_FEATURES:
                raise InvalidInput(
                    f"more than {MAX_COLLECTION_FEATURES} areas; at most "
                    f"{MAX_COLLECTION_FEATURES} notices are filed at once",
                    field="kml",
                )
    if not out:
        raise InvalidInput("no Placemark", field="kml")
    return out
