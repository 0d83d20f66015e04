"""Hazards: third-party weapon engagement zones any party may report and every party sees.

A hazard is a site (a GeoJSON Point: a launcher's position) or an area (a Polygon: where the
launchers may be), the weapon's range, and the altitude band it reaches. Its *envelope* is
the site or area widened by the range, over that band: what the weapon can hit. The third
party (``operator``) is not in the agreement; whoever reports a hazard names its ``source``
(how it is known), so the others can weigh it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from ..errors import InvalidInput
from ..geo.shapes import Area
from ..geo.units import M_PER_FT
from .limits import MAX_ALT_FT, MIN_ALT_FT
from .notice import VerticalBand, parse_feature_frame
from .timeutil import iso, parse_utc

MAX_RANGE_M = 1_000_000.0  # 1,000 km: beyond any surface-to-air weapon (S-400's 40N6: 400 km)
MAX_TEXT = 200


@dataclass(frozen=True)
class HazardDraft:
    """A validated hazard report."""

    name: str
    operator: str  # the third party whose weapon it is (free text)
    weapon: str | None
    source: str  # how the reporting party knows it
    site: Area  # the launcher's site (a circle of 1 m) or the area it may be in
    range_m: float
    alt_min_ft: float
    alt_max_ft: float
    valid_from: datetime | None  # None: from now on
    valid_to: datetime | None  # None: until retired

    @property
    def envelope(self) -> Area:
        """Where the weapon reaches: the site or area widened by the range."""
        return Area(
            self.site.shape, self.site.core, self.site.radius_m + self.range_m, self.site.holes
        )

    @property
    def band(self) -> VerticalBand:
        return VerticalBand(self.alt_min_ft * M_PER_FT, self.alt_max_ft * M_PER_FT)

    def to_feature(self) -> dict[str, Any]:
        props: dict[str, Any] = {
            "name": self.name,
            "operator": self.operator,
            "weapon": self.weapon,
            "source": self.source,
            **self.site.dimension_properties(),
            "range_m": self.range_m,
            "alt_min_ft": self.alt_min_ft,
            "alt_max_ft": self.alt_max_ft,
            "lower_m": self.band.lower_m,
            "upper_m": self.band.upper_m,
            "valid_from": iso(self.valid_from) if self.valid_from else None,
            "valid_to": iso(self.valid_to) if self.valid_to else None,
        }
        return {"type": "Feature", "geometry": self.site.to_geojson_geometry(), "properties": props}


def hazard_from_stored(feature: dict[str, Any]) -> HazardDraft:
    """Rebuild a hazard this system validated and stored (no re-validation)."""
    p = feature["properties"]
    return HazardDraft(
        name=p["name"],
        operator=p["operator"],
        weapon=p.get("weapon"),
        source=p["source"],
        site=Area.from_stored(feature["geometry"], p),
        range_m=float(p["range_m"]),
        alt_min_ft=float(p["alt_min_ft"]),
        alt_max_ft=float(p["alt_max_ft"]),
        valid_from=parse_utc(p["valid_from"], "valid_from") if p.get("valid_from") else None,
        valid_to=parse_utc(p["valid_to"], "valid_to") if p.get("valid_to") else None,
    )


def _text(props: dict[str, Any], key: str, required: bool) -> str | None:
    value = props.get(key)
    if value is None and not required:
        return None
    if not isinstance(value, str) or not value.strip() or len(value) > MAX_TEXT:
        raise InvalidInput(
            f"a text of 1 to {MAX_TEXT} characters is required", field=f"properties.{key}"
        )
    return value.strip()


def _number(props: dict[str, Any], key: str, lo: float, hi: float) -> float:
    value = props.get(key)
    if isinstance(value, bool) or not isinstance(value, int | float) or value != value:
        raise InvalidInput("a number is required", field=f"properties.{key}")
    if not lo <= value <= hi:
        raise InvalidInput(f"must be from {lo:,.0f} to {hi:,.0f}", field=f"properties.{key}")
    return float(value)


def parse_hazard(obj: Any) -> HazardDraft:
    """Validate a hazard Feature; raise InvalidInput naming the first bad field."""
    geometry, props = parse_feature_frame(obj)
    gtype = geometry.get("type") if isinstance(geometry, dict) else None
    if gtype not in ("Point", "Polygon"):
        raise InvalidInput("a hazard is a site (Point) or an area (Polygon)", field="geometry")
    name = _text(props, "name", True)
    operator = _text(props, "operator", True)
    weapon = _text(props, "weapon", False)
    source = _text(props, "source", True)
    assert name is not None and operator is not None and source is not None
    range_m = props.get("range_m")
    if isinstance(range_m, int | float) and not isinstance(range_m, bool) and range_m <= 0:
        raise InvalidInput("must be positive", field="properties.range_m")
    range_m = _number(props, "range_m", 1.0, MAX_RANGE_M)
    alt_min = _number(props, "alt_min_ft", MIN_ALT_FT, MAX_ALT_FT)
    alt_max = _number(props, "alt_max_ft", MIN_ALT_FT, MAX_ALT_FT)
    if alt_min >= alt_max:
        raise InvalidInput("alt_min_ft must be below alt_max_ft", field="properties.alt_min_ft")
    site_props = {"radius_m": 1.0} if gtype == "Point" else {}
    site = Area.from_geojson(geometry, site_props)
    valid_from = (
        parse_utc(props["valid_from"], "properties.valid_from") if props.get("valid_from") else None
    )
    valid_to = (
        parse_utc(props["valid_to"], "properties.valid_to") if props.get("valid_to") else None
    )
    if valid_from and valid_to and valid_to <= valid_from:
        raise InvalidInput("valid_to must be after valid_from", field="properties.valid_to")
    return HazardDraft(
        name, operator, weapon, source, site, range_m, alt_min, alt_max, valid_from, valid_to
    )
