"""A sea notice as a NAVAREA navigational warning (pure).

The World-Wide Navigational Warning Service's message format (IMO resolution A.706(17)
as amended, MSC.1/Circ.1288; IHO S-53, the Joint IMO/IHO/WMO Manual on Maritime Safety
Information, section 6: preamble, warning, postscript)::

    NAVAREA III 0123/26
    EASTERN MEDITERRANEAN.
    1. MISSILE FIRING 071000 UTC TO 071400 UTC DEC 26 IN AREA BOUNDED BY
       34-56.00N 033-12.00E, 34-50.00N 033-20.00E,
       34-40.00N 033-10.00E.
    2. CANCEL THIS MSG 071500Z DEC 26.

Positions are DD-MM.MMN DDD-MM.MME (to 0.01 minute, <= 18.5 m), each corner once,
CLOCKWISE (a ring given the other way round is listed reversed, from the same first
corner). A circle is "WITHIN N.NN NM OF" its centre (radius rounded up to 0.01 NM); a
corridor or an orbit is the polygon circumscribing it; a polygon's holes are not listed
(the warning covers the whole outer area: mariners keep clear of more, never less). The
cancel time is one hour after the end, as the Eastern Mediterranean's warnings of record
write it (TURNHOS N/W 1134/20: firing to 141400Z, "CANCEL THIS MESSAGE 141500Z SEP 20").
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from typing import Any

from ..errors import InvalidInput
from ..geo.frame import wrap_lon
from ..geo.shapes import Area
from ..model.agreement import Formats
from ..model.timeutil import parse_utc
from .notam import POSITION_SLACK_M, draft_number, nm_up

CANCEL_AFTER = timedelta(hours=1)  # see the module's docstring: the warnings of record
MONTHS = "JAN FEB MAR APR MAY JUN JUL AUG SEP OCT NOV DEC".split()  # noqa: SIM905
POSITIONS_PER_LINE = 2

# What the warning says the activity is (IHO S-53 / Joint Manual section 7's subjects:
# firing exercises, military exercises, survey operations, hazardous operations).
WHAT = {
    "strike": "MISSILE FIRING",
    "live_fire": "GUNNERY EXERCISE",
    "missile_test": "MISSILE FIRING",
    "exercise": "MILITARY EXERCISES",
    "training": "MILITARY EXERCISES",
    "survey": "SURVEY OPERATIONS",
    "search_and_rescue": "SEARCH AND RESCUE OPERATIONS",
}
WHAT_DEFAULT = "HAZARDOUS OPERATIONS"
WHAT_SUBMERGED = "SUBMARINE OPERATIONS"  # no activity given, wholly below the surface

# The general area a warning opens with (IHO S-53's NAVAREA III sub-areas, by the
# centre's position: name, min lon, min lat, max lon, max lat). First match wins.
GENERAL_AREAS: tuple[tuple[str, float, float, float, float], ...] = (
    ("BLACK SEA", 27.0, 40.8, 42.0, 47.0),
    ("AEGEAN SEA", 22.5, 35.3, 28.3, 41.0),
    ("EASTERN MEDITERRANEAN", 22.0, 30.0, 37.0, 37.5),
    ("CENTRAL MEDITERRANEAN", 10.0, 30.0, 22.0, 42.0),
    ("WESTERN MEDITERRANEAN", -6.0, 34.0, 10.0, 44.5),
)


def _a(word: Any) -> str:
    return f"{'an' if str(word)[:1] in 'aeiou' else 'a'} {word}"


def general_area(lat: float, lon: float) -> str:
    for name, x0, y0, x1, y1 in GENERAL_AREAS:
        if x0 <= lon <= x1 and y0 <= lat <= y1:
            return name
    ns = "N" if lat >= 0 else "S"
    ew = "E" if lon >= 0 else "W"
    return f"VICINITY {abs(lat):05.2f}{ns} {abs(lon):06.2f}{ew}"


def position(lat: float, lon: float) -> str:
    """'34-56.00N 033-12.00E' (to 0.01 minute)."""
    return f"{_dmm(lat, 'NS', 2)} {_dmm(float(wrap_lon(lon)), 'EW', 3)}"


def _dmm(value: float, hemispheres: str, width: int) -> str:
    hundredths = round(abs(value) * 6000)
    deg, rest = divmod(hundredths, 6000)
    hemi = hemispheres[0] if value >= 0 else hemispheres[1]
    return f"{deg:0{width}d}-{rest // 100:02d}.{rest % 100:02d}{hemi}"


def signed_area(ring: Sequence[tuple[float, float]]) -> float:
    """Shoelace area of a lon/lat ring (longitudes unwrapped from the first): positive
    when counter-clockwise seen from above, negative when clockwise."""
    lon0 = ring[0][0]
    pts = [(lon0 + float(wrap_lon(x - lon0)), y) for x, y in ring]
    return 0.5 * sum(
        x0 * y1 - x1 * y0 for (x0, y0), (x1, y1) in zip(pts, pts[1:] + pts[:1], strict=True)
    )


def clockwise(ring: Sequence[tuple[float, float]]) -> list[tuple[float, float]]:
    """The ring's corners once each (no closing repeat), clockwise, from its first."""
    corners = list(ring[:-1] if len(ring) > 1 and ring[0] == ring[-1] else ring)
    if signed_area(corners) > 0:
        corners = [corners[0], *reversed(corners[1:])]
    return corners


def _stamp(t: datetime) -> tuple[str, str]:
    """('071000', 'DEC 26'): day-hour-minute UTC, and month and year."""
    t = t.astimezone(UTC)
    return t.strftime("%d%H%M"), f"{MONTHS[t.month - 1]} {t.year % 100:02d}"


def _window(start: datetime, end: datetime) -> str:
    end = end.replace(second=0, microsecond=0) + (
        timedelta(minutes=1) if end.second or end.microsecond else timedelta()
    )
    (s, s_mon), (e, e_mon) = _stamp(start), _stamp(end)
    if s_mon == e_mon:
        return f"{s} UTC TO {e} UTC {e_mon}"
    return f"{s} UTC {s_mon} TO {e} UTC {e_mon}"


def _corners(area: Area) -> list[tuple[float, float]]:
    if area.shape == "polygon":
        return clockwise(area.core)
    quad = 8  # circumscribing polygon: radius widened by 1/cos(pi/4q) and the slack
    wide = Area(
        area.shape, area.core, area.radius_m / math.cos(math.pi / (4 * quad)) + POSITION_SLACK_M
    )
    ring = [(float(x), float(y)) for x, y in wide.outline_lonlat(quad).exterior.coords]
    return clockwise(ring)


def navarea_text(feature: dict[str, Any], formats: Formats) -> str:
    """A sea notice (as the service serves it) as a NAVAREA warning."""
    props = feature["properties"]
    if props.get("domain") != "sea":
        raise InvalidInput(
            f"a NAVAREA warning is for sea notices; this is {_a(props.get('domain'))} notice"
            + (" (ask for .notam)" if props.get("domain") == "air" else ""),
            field="properties.domain",
        )
    area = Area.from_stored(feature["geometry"], props)
    start = parse_utc(props["start"], "properties.start")
    end = parse_utc(props["end"], "properties.end")
    issued = parse_utc(props.get("created_at") or props["start"], "properties.created_at")
    number = draft_number(str(props["id"]), int(props.get("version", 1)))
    header = f"NAVAREA {formats.navarea}" if formats.navarea else "NAVIGATIONAL WARNING"
    lon_c, lat_c = area.centre()
    what = WHAT.get(props.get("activity") or "", WHAT_DEFAULT)
    if "activity" not in props and float(props.get("depth_min_m") or 0) > 0:
        what = WHAT_SUBMERGED
    lines = [f"{header} {number:04d}/{issued.year % 100:02d}", f"{general_area(lat_c, lon_c)}."]
    if area.shape == "circle":
        lon, lat = area.core[0]
        lines.append(
            f"1. {what} {_window(start, end)} WITHIN {nm_up(area.radius_m)} NM OF "
            f"{position(lat, lon)}."
        )
    else:
        lines.append(f"1. {what} {_window(start, end)} IN AREA BOUNDED BY")
        corners = [position(lat, lon) for lon, lat in _corners(area)]
        for k in range(0, len(corners), POSITIONS_PER_LINE):
            chunk = ", ".join(corners[k : k + POSITIONS_PER_LINE])
            last = k + POSITIONS_PER_LINE >= len(corners)
            lines.append(f"   {chunk}{'.' if last else ','}")
    cancel, cancel_mon = _stamp(end + CANCEL_AFTER)
    lines.append(f"2. CANCEL THIS MSG {cancel}Z {cancel_mon}.")
    return "\n".join(lines) + "\n"
