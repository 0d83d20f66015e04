"""A party's own forces as GeoJSON: Point features, one per unit, posted by that party.

    {"type": "FeatureCollection", "features": [
      {"type": "Feature", "id": "raven-1",
       "geometry": {"type": "Point", "coordinates": [35.9, 35.4]},
       "properties": {"time": "2026-12-01T08:00:00Z", "domain": "air", "alt_ft": 18000,
                      "speed_kt": 320, "course_deg": 270, "vertical_rate_fpm": 0,
                      "name": "RAVEN 1"}}]}

The track id is "<party>:<feature id>" and the owner is the posting party, so no party
can post (or overwrite) another's forces. A bad feature is a Skip naming it; the others
still count.
"""

from __future__ import annotations

import math
from collections.abc import Iterator
from typing import Any

from ..errors import InterlockError, InvalidInput
from ..model.timeutil import parse_utc
from ..model.track import DOMAINS, Skip, TrackReport, implausible

NUMBERS = ("alt_ft", "speed_kt", "course_deg", "vertical_rate_fpm")
MAX_ID = 64


def _number(props: dict[str, Any], key: str) -> float | None:
    value = props.get(key)
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        raise InvalidInput("must be a finite number", field=f"properties.{key}")
    return float(value)


def _report(feature: Any, party: str) -> TrackReport:
    if not isinstance(feature, dict) or feature.get("type") != "Feature":
        raise InvalidInput("a GeoJSON Feature is required", field="feature")
    unit = feature.get("id")
    if isinstance(unit, int) and not isinstance(unit, bool):
        unit = str(unit)
    if not isinstance(unit, str) or not unit or len(unit) > MAX_ID:
        raise InvalidInput(f"a unit id (string, 1-{MAX_ID} characters) is required", field="id")
    geometry = feature.get("geometry")
    coords = geometry.get("coordinates") if isinstance(geometry, dict) else None
    if (
        not isinstance(geometry, dict)
        or geometry.get("type") != "Point"
        or not isinstance(coords, list)
        or len(coords) < 2
    ):
        raise InvalidInput("a Point [lon, lat] is required", field="geometry")
    props = feature.get("properties")
    if not isinstance(props, dict):
        raise InvalidInput("properties are required", field="properties")
    domain = props.get("domain")
    if domain not in DOMAINS:
        raise InvalidInput(f"must be one of {', '.join(DOMAINS)}", field="properties.domain")
    lon, lat = _number({"lon": coords[0]}, "lon"), _number({"lat": coords[1]}, "lat")
    name = props.get("name")
    if name is not None and not isinstance(name, str):
        raise InvalidInput("must be a string", field="properties.name")
    return TrackReport(
        source="json",
        track_id=f"{party}:{unit}",
        domain=domain,
        time=parse_utc(props.get("time"), "properties.time"),
        lon=lon,
        lat=lat,
        alt_ft=_number(props, "alt_ft"),
        speed_kt=_number(props, "speed_kt"),
        course_deg=_number(props, "course_deg"),
        vertical_rate_fpm=_number(props, "vertical_rate_fpm"),
        name=name,
        owner=party,
    )


def parse_own_forces(doc: Any, party: str) -> Iterator[TrackReport | Skip]:
    """Reports from a FeatureCollection (or one Feature) of `party`'s own units."""
    if isinstance(doc, dict) and doc.get("type") == "Feature":
        doc = {"type": "FeatureCollection", "features": [doc]}
    if not isinstance(doc, dict) or not isinstance(doc.get("features"), list):
        raise InvalidInput("a GeoJSON FeatureCollection of Points is required", field="body")
    for i, feature in enumerate(doc["features"]):
        try:
            report = _report(feature, party)
        except InterlockError as exc:
            yield Skip("invalid", f"features[{i}]", exc.detail)
            continue
        reason = implausible(report)
        yield report if reason is None else Skip(reason, f"features[{i}]")
