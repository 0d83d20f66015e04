"""ICAO NOTAM text for an air notice, and air notices from ICAO NOTAM text (pure).

The format is ICAO Annex 15 and PANS-AIM (Doc 10066) Appendix 6, with the Q-codes of
Doc 8126 (the NOTAM Code) and the Q-line conventions of EUROCONTROL's Digital NOTAM
production rules ("Item Q": lower limit rounded down, upper limit rounded up)::

    A0123/26 NOTAMN
    Q) LCCC/QWMLW/IV/BO/W/000/250/3456N03312E010
    A) LCCC B) 2612071000 C) 2612071400
    E) MISSILE, GUN OR ROCKET FIRING WILL TAKE PLACE WI AREA: 345600N 0331200E - ...
    F) SFC G) FL250

Out: the Q-line's centre is the area's centre to the minute, its radius the geodesic
distance from that rounded centre to the farthest point of the area, rounded UP to whole
NM (so the circle covers the volume); lower/upper are flight levels rounded outward.
Item E lists the area: a polygon's vertices (DDMMSSN DDDMMSSE, to the second), a circle
("WI CIRCLE RADIUS 5.40NM CENTRED ON ..."), a corridor ("2.70NM EITHER SIDE OF LINE
..."); radii and half-widths rounded UP to 0.01 NM; an orbit as the polygon that
circumscribes it. B) and C) are YYMMDDHHMM UTC, start rounded down and end up to the
minute. The NOTAM number is a draft, stable per notice version (`draft_number`): the
NOTAM office that publishes it assigns its own.

In: `parse_notam` reads one or more NOTAMs (the Q-line and items A-G) into GeoJSON notice
features, each then validated as a GeoJSON notice is (`model.notice.parse_notice`). What
cannot be represented is refused with the reason, never guessed: a cancellation, an
aerodrome NOTAM (scope A only), a Q-code that is no airspace activity, a schedule in item
D (a notice is one window), C) PERM, item E without an area (the Q-line circle is only
an envelope), arcs and borders, heights above ground (AGL: the terrain is unknown here),
missing F)/G).

Round-trip tolerance: positions to the second of arc, within half a second in each axis
(<= 15.5 m north-south, <= 15.5 m east-west, so <= 22 m); radii and half-widths larger by
less than 0.01 NM (18.52 m); times later/earlier by less than a minute (outward); heights
exact to the foot for whole feet. Positions to the minute (a Q-line centre) are within
half a minute (<= 0.93 km per axis).
"""

from __future__ import annotations

import hashlib
import math
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import numpy as np

from ..errors import InterlockError, InvalidInput, PayloadTooLarge
from ..geo.frame import WGS84, wrap_lon
from ..geo.limits import DEFAULT_SHAPE_LIMITS, ShapeLimits
from ..geo.shapes import Area, densify
from ..geo.units import M_PER_FT, M_PER_NM
from ..model.agreement import Formats
from ..model.limits import MAX_ALT_FT, MAX_COLLECTION_FEATURES
from ..model.notice import parse_notice
from ..model.timeutil import iso, parse_utc

# Added to the radius of a shape written as a circumscribing polygon, so the polygon still
# holds the shape once its corners are rounded to the written precision (a second of arc,
# <= 31 m; the NAVAREA's 0.01 minute is finer).
POSITION_SLACK_M = 31.0
# Largest NOTAM text read at once: the API's request body cap (api.app.MAX_BODY_BYTES).
MAX_TEXT_CHARS = 1_000_000


# ---- the Q-codes: one table (ICAO Doc 8126, NOTAM Code: subject = 2nd-3rd letters,
# condition = 4th-5th; CA "activated", LW "will take place", CN "cancelled") ----------
@dataclass(frozen=True, slots=True)
class QCode:
    code: str  # Q + subject + condition
    words: str  # what item E says of it
    activities: tuple[str | None, ...]  # the notice activities written with this code
    activity_in: str | None  # the activity a NOTAM with this subject becomes (None: none)


QCODES: tuple[QCode, ...] = (
    # RT: temporary restricted area. Reserved airspace with no activity Doc 8126 names.
    QCode(
        "QRTCA",
        "TEMPO RESTRICTED AREA ACTIVATED",
        (None, "reconnaissance", "patrol", "transit", "survey", "search_and_rescue"),
        None,
    ),
    # WM: missile, gun or rocket firing -- the project's live fire (strike and missile
    # test are firing too: they come back as live_fire, kinetic either way).
    QCode(
        "QWMLW",
        "MISSILE, GUN OR ROCKET FIRING WILL TAKE PLACE",
        ("strike", "live_fire", "missile_test"),
        "live_fire",
    ),
    QCode("QWELW", "EXERCISES WILL TAKE PLACE", ("exercise", "training"), "exercise"),
    QCode("QWFLW", "AIR REFUELLING WILL TAKE PLACE", ("air_refuelling",), "air_refuelling"),
    # WT: mass movement of aircraft.
    QCode("QWTLW", "MASS MOVEMENT OF AIRCRAFT WILL TAKE PLACE", ("airlift",), "airlift"),
    # Read only (never written): unmanned aircraft; danger, restricted and prohibited
    # areas activated.
    QCode("QWULW", "UNMANNED AIRCRAFT WILL TAKE PLACE", (), None),
    QCode("QRDCA", "DANGER AREA ACTIVATED", (), None),
    QCode("QRRCA", "RESTRICTED AREA ACTIVATED", (), None),
    QCode("QRPCA", "PROHIBITED AREA ACTIVATED", (), None),
)
TRAFFIC, PURPOSE, SCOPE = "IV", "BO", "W"  # Doc 8126 qualifiers of every code above
_BY_ACTIVITY = {a: q for q in QCODES for a in q.activities}
_BY_SUBJECT = {q.code[1:3]: q for q in QCODES}


def qcode_for(activity: str | None) -> QCode:
    """The Q-code a notice of this activity is published under."""
    return _BY_ACTIVITY.get(activity, _BY_ACTIVITY[None])


# ---- positions ----------------------------------------------------------------------
def dms(lat: float, lon: float) -> str:
    """'345600N 0331200E': to the nearest second (Annex 15 item E positions)."""
    return f"{_angle(lat, 'NS', 2, 3600)} {_angle(float(wrap_lon(lon)), 'EW', 3, 3600)}"


def dm(lat: float, lon: float) -> str:
    """'3456N03312E': to the nearest minute (the Q-line's centre)."""
    return _angle(lat, "NS", 2, 60) + _angle(float(wrap_lon(lon)), "EW", 3, 60)


def _angle(value: float, hemispheres: str, width: int, per_degree: int) -> str:
    units = round(abs(value) * per_degree)
    deg, rest = divmod(units, per_degree)
    hemi = hemispheres[0] if value >= 0 else hemispheres[1]
    if per_degree == 60:
        return f"{deg:0{width}d}{rest:02d}{hemi}"
    minutes, seconds = divmod(rest, 60)
    return f"{deg:0{width}d}{minutes:02d}{seconds:02d}{hemi}"


def rounded_dm(lat: float, lon: float) -> tuple[float, float]:
    """The position a `dm` text reads back as (lat, lon)."""
    return round(lat * 60) / 60, round(float(wrap_lon(lon)) * 60) / 60


def nm_up(metres: float) -> str:
    """A length in NM rounded UP to 0.01 NM: a radius written so it still covers."""
    return f"{math.ceil(metres / M_PER_NM * 100 - 1e-9) / 100:.2f}"


# ---- out ----------------------------------------------------------------------------
def draft_number(notice_id: str, version: int | str) -> int:
    """A NOTAM number 0001-9999 stable for one notice version (a draft for the office)."""
    digest = hashlib.sha256(f"{notice_id}/{version}".encode()).digest()
    return 1 + int.from_bytes(digest[:8], "big") % 9999


def qline_radius_nm(area: Area, centre: tuple[float, float]) -> int:
    """Whole NM, rounded up, from `centre` (lat, lon) to the farthest point of the area.

    Farthest densified core vertex plus the widening (the triangle inequality bounds every
    point of a widened shape); 0.1 % + 100 m cover geodesic edges bowing between vertices
    (as `Area.reach_m`). At least 1, at most 999 (the field's three digits)."""
    lat0, lon0 = centre
    pts = densify(area.core)
    _, _, d = WGS84.inv(np.full(len(pts), lon0), np.full(len(pts), lat0), pts[:, 0], pts[:, 1])
    reach = float(np.max(d)) * 1.001 + 100.0 + area.radius_m
    return max(1, min(999, math.ceil(reach / M_PER_NM)))


def _fl_down(ft: float) -> int:
    return max(0, min(999, math.floor(ft / 100 + 1e-9)))


def _fl_up(ft: float) -> int:
    return max(0, min(999, math.ceil(ft / 100 - 1e-9)))


def _limits(props: dict[str, Any]) -> tuple[str, str, float, float]:
    """Items F and G, and the band in feet (for the Q-line)."""
    if props.get("fl_lower") is not None:
        lo, hi = float(props["fl_lower"]), float(props["fl_upper"])
        f = "SFC" if lo == 0 else f"FL{math.floor(lo):03d}"
        return f, f"FL{math.ceil(hi):03d}", lo * 100, hi * 100
    lo, hi = float(props["alt_lower_ft"]), float(props["alt_upper_ft"])
    # A NOTAM writes no height below sea level: a band from below it starts at the surface
    # (SFC, read back as 0 ft AMSL: over ground below sea level, the band read back is
    # smaller by that much, the one loss of the round trip).
    f = "SFC" if lo <= 0 else f"{math.floor(lo)}FT AMSL"
    return f, f"{math.ceil(hi)}FT AMSL", lo, hi


def _plain(text: Any) -> str:
    """Free text of a party, safe inside item E: capitals, digits and a few marks only
    (no ")" that could open an item, no line break), and nothing a reader of item E takes
    for the area: no word mixing digits with N/S/E/W/M (a position, a length), none of
    the words that shape an area."""
    cleaned = re.sub(r"[^A-Z0-9 .,/-]+", " ", str(text).upper())
    words = [
        w
        for w in cleaned.split()
        if not (re.search(r"\d", w) and re.search(r"[NSEWMK]", w)) and w not in _AREA_WORDS
    ]
    return " ".join(words)[:80]


def _area_words(area: Area) -> str:
    if area.shape == "circle":
        lon, lat = area.core[0]
        return f"WI CIRCLE RADIUS {nm_up(area.radius_m)}NM CENTRED ON {dms(lat, lon)}"
    if area.shape == "corridor":
        line = " - ".join(dms(lat, lon) for lon, lat in area.core)
        return f"WI {nm_up(area.radius_m)}NM EITHER SIDE OF LINE: {line}"
    if area.shape == "orbit":
        quad = 8  # the outline's polygon circumscribes the arcs with the radius so widened
        wide = Area(
            "orbit", area.core, area.radius_m / math.cos(math.pi / (4 * quad)) + POSITION_SLACK_M
        )
        ring = [(float(x), float(y)) for x, y in wide.outline_lonlat(quad).exterior.coords]
        return "WI AREA: " + _ring(ring)
    text = "WI AREA: " + _ring(area.core)
    for hole in area.holes:
        text += " EXCLUDING AREA: " + _ring(hole)
    return text


def _ring(ring: Sequence[tuple[float, float]]) -> str:
    """A closed ring's vertices to the second, consecutive repeats dropped, closed."""
    out: list[str] = []
    for lon, lat in ring:
        p = dms(lat, lon)
        if not out or out[-1] != p:
            out.append(p)
    if out[0] != out[-1]:
        out.append(out[0])
    return " - ".join(out)


def notam_text(feature: dict[str, Any], formats: Formats, *, party_name: str | None = None) -> str:
    """An air notice (as the service serves it: id, version, status, times) as ICAO NOTAM
    text: NOTAMN for a first version, NOTAMR replacing the previous version's draft number
    for an amendment, NOTAMC for a cancelled notice."""
    props = feature["properties"]
    if props.get("domain") != "air":
        raise InvalidInput(
            f"a NOTAM is for air notices; this is "
            f"{'an' if str(props.get('domain'))[:1] in 'aeiou' else 'a'} {props.get('domain')} "
            "notice" + (" (ask for .navarea)" if props.get("domain") == "sea" else ""),
            field="properties.domain",
        )
    notice_id, version = str(props["id"]), int(props.get("version", 1))
    area = Area.from_stored(feature["geometry"], props)
    q = qcode_for(props.get("activity"))
    f_item, g_item, lo_ft, hi_ft = _limits(props)
    lat_c, lon_c = _centre_latlon(area)
    centre = rounded_dm(lat_c, lon_c)
    radius = qline_radius_nm(area, centre)
    start = parse_utc(props["start"], "properties.start")
    end = parse_utc(props["end"], "properties.end")
    issued = parse_utc(props.get("created_at") or props["start"], "properties.created_at")
    series = formats.notam_series
    cancelled = props.get("status") == "cancelled" and props.get("cancelled_at")
    if cancelled:
        number = draft_number(notice_id, "cancel")
        kind = f"NOTAMC {series}{draft_number(notice_id, version):04d}/{_yy(issued)}"
        issued = parse_utc(props["cancelled_at"], "properties.cancelled_at")
        code = q.code[:3] + "CN"
    else:
        number = draft_number(notice_id, version)
        kind = "NOTAMN"
        if version > 1:
            kind = f"NOTAMR {series}{draft_number(notice_id, version - 1):04d}/{_yy(issued)}"
        code = q.code
    qline = (
        f"Q) {formats.fir}/{code}/{TRAFFIC}/{PURPOSE}/{SCOPE}/"
        f"{_fl_down(lo_ft):03d}/{_fl_up(hi_ft):03d}/{dm(*centre)}{radius:03d}"
    )
    # The id is the server's ("n-" + hex), never a party's text.
    ref = f"INTERLOCK NOTICE {re.sub(r'[^A-Z0-9-]', '', notice_id.upper())} V{version}"
    if props.get("callsign"):
        ref += f" CALLSIGN {_plain(props['callsign'])}"
    if party_name:
        ref += f" BY {_plain(party_name)}"
    lines = [f"{series}{number:04d}/{_yy(issued)} {kind}", qline]
    if cancelled:
        lines += [
            f"A) {formats.fir} B) {_stamp(issued, up=False)}",
            f"E) {q.words.replace(' WILL TAKE PLACE', '').replace(' ACTIVATED', '')} "
            f"CANCELLED. {ref}.",
        ]
        return "\n".join(lines) + "\n"
    lines += [
        f"A) {formats.fir} B) {_stamp(start, up=False)} C) {_stamp(end, up=True)}",
        f"E) {q.words} {_area_words(area)}. {ref}.",
        f"F) {f_item} G) {g_item}",
    ]
    return "\n".join(lines) + "\n"


def _centre_latlon(area: Area) -> tuple[float, float]:
    lon, lat = area.centre()
    return lat, lon


def _yy(t: datetime) -> str:
    return f"{t.year % 100:02d}"


def _stamp(t: datetime, *, up: bool) -> str:
    """YYMMDDHHMM UTC; `up` rounds a time with seconds up to the next minute."""
    t = t.astimezone(UTC)
    floor = t.replace(second=0, microsecond=0)
    if up and floor < t:
        floor += timedelta(minutes=1)
    return floor.strftime("%y%m%d%H%M")


# ---- in -----------------------------------------------------------------------------
_HEAD = re.compile(
    r"^[ \t]*\(?[ \t]*([A-Z])(\d{4})/(\d{2})[ \t]+NOTAM([NRC])(?:[ \t]+([A-Z]\d{4}/\d{2}))?",
    re.M,
)
_ITEM = re.compile(r"(?<![A-Z0-9])([QABCDEFG])\)")
_ORDER = "QABCDEFG"
_QLINE = re.compile(
    r"\s*([A-Z]{4})\s*/\s*(Q[A-Z]{4})\s*/\s*([IVK]{1,2})\s*/\s*([NBOMK]{1,3})\s*/\s*"
    r"([AEWK]{1,2})\s*/\s*(\d{3})\s*/\s*(\d{3})\s*/?\s*(\d{4}[NS]\d{5}[EW]\d{3})?"
)
_STAMP = re.compile(r"\s*(\d{2})(\d{2})(\d{2})(\d{2})(\d{2})(?:\s*(EST))?\s*$")
_COORD = re.compile(
    r"(?<![0-9.])(\d{2})(\d{2})(\d{2}(?:\.\d{1,2})?)?\s?([NS])[ ,/]{0,2}"
    r"(\d{3})(\d{2})(\d{2}(?:\.\d{1,2})?)?\s?([EW])(?![A-Z0-9])"
    r"|(?<![A-Z0-9])([NS])(\d{2})(\d{2})(\d{2})?([EW])(\d{3})(\d{2})(\d{2})?(?![0-9])"
)
_LENGTH = r"(\d{1,5}(?:\.\d{1,3})?)\s?(NM|KM|M)\b"
_RADIUS = re.compile(rf"RADIUS\s(?:OF\s)?{_LENGTH}|{_LENGTH}\sRADIUS")
_EITHER = re.compile(rf"{_LENGTH}\sEITHER\sSIDE")
_UNMODELLED = re.compile(r"\b(ARC|ALONG|BORDER|FRONTIER|COASTLINE)\b")
_TO_M = {"NM": M_PER_NM, "KM": 1000.0, "M": 1.0}
# Words that shape an area in item E: a party's free text never carries them there.
_AREA_WORDS = frozenset(
    [
        "RADIUS",
        "EITHER",
        "SIDE",
        "EXCLUDING",
        "ARC",
        "ALONG",
        "BORDER",
        "FRONTIER",
        "COASTLINE",
        "NM",
        "KM",
        "M",
    ]
)


def parse_notam(text: str, limits: ShapeLimits = DEFAULT_SHAPE_LIMITS) -> list[dict[str, Any]]:
    """Every NOTAM in `text` as a GeoJSON air notice feature (validated as POST /notices
    validates one, the shape's cost bounded by `limits`: pass the agreement's
    `Rules.shape`); InvalidInput naming `notam[i]` and the item on the first that cannot be
    represented. No partial answer: one refusal refuses the text."""
    if not isinstance(text, str):
        raise InvalidInput("NOTAM text is required", field="notam")
    if len(text) > MAX_TEXT_CHARS:
        raise PayloadTooLarge(
            f"{len(text):,} characters; at most {MAX_TEXT_CHARS:,} are read", field="notam"
        )
    text = text.upper()
    heads = list(_HEAD.finditer(text))
    if not heads:
        raise InvalidInput(
            "not ICAO NOTAM text: no 'A0123/26 NOTAMN' line opens a NOTAM", field="notam"
        )
    if len(heads) > MAX_COLLECTION_FEATURES:
        raise PayloadTooLarge(
            f"{len(heads):,} NOTAMs; at most {MAX_COLLECTION_FEATURES} at once", field="notam"
        )
    out = []
    for i, head in enumerate(heads):
        stop = heads[i + 1].start() if i + 1 < len(heads) else len(text)
        where = f"notam[{i}]"
        out.extend(_one(head, text[head.end() : stop], where, limits))
    return out


def _items(body: str, where: str) -> dict[str, str]:
    """Split a NOTAM body at its item markers, Q) A) ... G) in order (a marker out of
    order is text inside the item before it, e.g. 'TWY A)' in item E)."""
    found: list[re.Match[str]] = []
    for m in _ITEM.finditer(body):
        if not found or _ORDER.index(m.group(1)) > _ORDER.index(found[-1].group(1)):
            found.append(m)
    items = {}
    for k, m in enumerate(found):
        stop = found[k + 1].start() if k + 1 < len(found) else len(body)
        items[m.group(1)] = body[m.end() : stop].strip().rstrip(")").strip()
    return items


def _require(items: dict[str, str], keys: str, where: str) -> None:
    for key in keys:
        if key not in items:
            raise InvalidInput(f"item {key}) is missing", field=f"{where}.{key}")


def _one(head: re.Match[str], body: str, where: str, limits: ShapeLimits) -> list[dict[str, Any]]:
    series, number, year, kind, ref = head.groups()
    ident = f"{series}{number}/{year}"
    if kind == "C":
        raise InvalidInput(
            f"{ident} is a cancellation (NOTAMC {ref or ''}): it files no notice; cancel the "
            "notice it cancels instead",
            field=f"{where}.NOTAMC",
        )
    items = _items(body, where)
    _require(items, "Q", where)
    q = _QLINE.match(items["Q"])
    if q is None:
        raise InvalidInput(
            "not a Q-line FIR/QCODE/TRAFFIC/PURPOSE/SCOPE/LOWER/UPPER/COORDRADIUS",
            field=f"{where}.Q",
        )
    fir, code, _traffic, _purpose, scope = q.groups()[:5]
    if "W" not in scope and "E" not in scope:
        raise InvalidInput(
            f"scope {scope}: an aerodrome NOTAM, no airspace volume to file as a notice",
            field=f"{where}.Q",
        )
    qc = _BY_SUBJECT.get(code[1:3])
    if qc is None:
        raise InvalidInput(
            f"Q-code {code} (subject {code[1:3]}) is no airspace activity a notice models "
            f"(read: {', '.join(sorted({c.code[:3] + '..' for c in QCODES}))})",
            field=f"{where}.Q",
        )
    if items.get("D"):
        raise InvalidInput(
            f"a schedule ({items['D'][:40]!r}) within B)-C): a notice is one window; file one "
            "notice per period",
            field=f"{where}.D",
        )
    _require(items, "ABCE", where)
    start = _time(items["B"], f"{where}.B")
    end = _time(items["C"], f"{where}.C")
    band = _band(items.get("F"), items.get("G"), where)
    props: dict[str, Any] = {
        "domain": "air",
        "start": iso(start),
        "end": iso(end),
        **band,
        "remarks": f"ICAO NOTAM {ident} NOTAM{kind}{' ' + ref if ref else ''} ({fir}/{code})",
    }
    if qc.activity_in is not None:
        props["activity"] = qc.activity_in
    features = []
    for k, (geometry, dims) in enumerate(_areas(items["E"], f"{where}.E")):
        feature = {"type": "Feature", "geometry": geometry, "properties": {**props, **dims}}
        try:
            parse_notice(feature, limits)
        except InterlockError as exc:
            at = f"{where}.E" if exc.field and exc.field.startswith("geometry") else where
            raise type(exc)(f"area {k + 1}: {exc.detail}", field=at) from None
        features.append(feature)
    return features


def _time(text: str, where: str) -> datetime:
    if re.match(r"\s*PERM", text):
        raise InvalidInput("PERM: a notice needs an end time", field=where)
    m = _STAMP.match(text)
    if m is None:
        raise InvalidInput(f"not a YYMMDDHHMM time: {text[:20]!r}", field=where)
    yy, mo, dd, hh, mi = (int(g) for g in m.groups()[:5])
    try:
        return datetime(2000 + yy, mo, dd, hh, mi, tzinfo=UTC)
    except ValueError as exc:
        raise InvalidInput(f"not a date: {text[:20]!r} ({exc})", field=where) from None


def _limit(text: str | None, where: str, upper: bool) -> tuple[str, float]:
    """('fl', level) or ('ft', feet AMSL)."""
    if text is None or not text.strip():
        raise InvalidInput(
            "missing: the Q-line's limits are a rounded envelope, not the band", field=where
        )
    t = re.sub(r"\s+", " ", text.strip().rstrip(".)")).strip()[:40]
    if t in ("SFC", "GND") and not upper:
        return "ft", 0.0  # sea level or below the terrain: the band only grows
    if t == "UNL" and upper:
        return "ft", MAX_ALT_FT
    if m := re.fullmatch(r"FL ?(\d{1,3})", t):
        return "fl", float(m.group(1))
    if m := re.fullmatch(r"(\d{1,6}) ?FT (AMSL|MSL)", t):
        return "ft", float(m.group(1))
    if m := re.fullmatch(r"(\d{1,6}) ?M (AMSL|MSL)", t):
        return "ft", float(m.group(1)) / M_PER_FT
    if "AGL" in t or "SFC" in t or "GND" in t:
        raise InvalidInput(
            f"{t!r}: a height above the ground needs the terrain's elevation, which a notice "
            "does not hold",
            field=where,
        )
    raise InvalidInput(f"{t!r}: not SFC, GND, UNL, FLnnn, nnnnFT AMSL or nnnM AMSL", field=where)


def _band(f: str | None, g: str | None, where: str) -> dict[str, float]:
    lo_kind, lo = _limit(f, f"{where}.F", upper=False)
    hi_kind, hi = _limit(g, f"{where}.G", upper=True)
    if lo_kind == hi_kind == "fl":
        return {"fl_lower": lo, "fl_upper": hi}
    lo_ft = lo * 100 if lo_kind == "fl" else lo
    hi_ft = hi * 100 if hi_kind == "fl" else hi
    return {"alt_lower_ft": lo_ft, "alt_upper_ft": hi_ft}


def _positions(text: str, where: str) -> list[tuple[float, float]]:
    """[(lon, lat)] of every position written in `text`, in order."""
    out = []
    for m in _COORD.finditer(text):
        if m.group(1) is not None:
            lat = _degrees(m.group(1), m.group(2), m.group(3), m.group(4), 90, where)
            lon = _degrees(m.group(5), m.group(6), m.group(7), m.group(8), 180, where)
        else:
            lat = _degrees(m.group(10), m.group(11), m.group(12), m.group(9), 90, where)
            lon = _degrees(m.group(14), m.group(15), m.group(16), m.group(13), 180, where)
        out.append((lon, lat))
    return out


def _degrees(d: str, m: str, s: str | None, hemi: str, limit: int, where: str) -> float:
    deg, minutes, seconds = int(d), int(m), float(s) if s else 0.0
    value = deg + minutes / 60 + seconds / 3600
    if minutes >= 60 or seconds >= 60 or value > limit:
        raise InvalidInput(f"not a position: {d}{m}{s or ''}{hemi}", field=where)
    return -value if hemi in "SW" else value


def _areas(e: str, where: str) -> Iterable[tuple[dict[str, Any], dict[str, Any]]]:
    """(geometry, shape properties) of each area item E describes."""
    e = re.sub(r"\s+", " ", e)
    pts = _positions(e, where)
    if not pts:
        raise InvalidInput(
            "no positions: item E gives no area (the Q-line circle is only an envelope)",
            field=where,
        )
    if m := _UNMODELLED.search(e):
        raise InvalidInput(
            f"an area bounded by {m.group(1).lower()} cannot be modelled as listed positions",
            field=where,
        )
    if m := _EITHER.search(e):
        return [
            (
                {"type": "LineString", "coordinates": [list(p) for p in pts]},
                {"shape": "corridor", "half_width_m": _metres(m.group(1), m.group(2))},
            )
        ]
    if m := _RADIUS.search(e):
        if len(pts) != 1:
            raise InvalidInput(f"a radius and {len(pts)} positions: not one circle", field=where)
        value, unit = (m.group(1), m.group(2)) if m.group(1) else (m.group(3), m.group(4))
        return [
            (
                {"type": "Point", "coordinates": list(pts[0])},
                {"shape": "circle", "radius_m": _metres(value, unit)},
            )
        ]
    parts = re.split(r"\bEXCLUDING\b", e)
    outer = _rings(_positions(parts[0], where), where)
    holes = [r for part in parts[1:] for r in _rings(_positions(part, where), where)]
    if holes and len(outer) != 1:
        raise InvalidInput("exclusions from more than one area", field=where)
    return [
        ({"type": "Polygon", "coordinates": [ring, *holes]}, {"shape": "polygon"}) for ring in outer
    ]


def _rings(pts: list[tuple[float, float]], where: str) -> list[list[list[float]]]:
    """Positions split into closed rings (a ring ends where it returns to its first
    position); a last run of three or more positions that does not return is closed, as
    navigational warnings list their corners."""
    rings: list[list[list[float]]] = []
    run: list[tuple[float, float]] = []
    for p in pts:
        run.append(p)
        if len(run) > 1 and p == run[0]:
            rings.append([list(q) for q in run])
            run = []
    if len(run) >= 3:
        rings.append([list(q) for q in [*run, run[0]]])
    elif run:
        raise InvalidInput(f"{len(run)} position(s) that bound no area", field=where)
    for ring in rings:
        if len(ring) < 4:
            raise InvalidInput("an area needs three corners", field=where)
    return rings


def _metres(value: str, unit: str) -> float:
    return float(value) * _TO_M[unit]
