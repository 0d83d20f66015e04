"""Protected assets: standing things others must keep clear of (bases, zones, radars)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from ..errors import InvalidInput
from ..geo.limits import DEFAULT_SHAPE_LIMITS, ShapeLimits
from ..geo.shapes import Area
from .limits import FULL_BAND_M
from .notice import VerticalBand, _air_band, parse_feature_frame
from .receiver import Receiver, parse_receiver
from .timeutil import iso, parse_utc

ASSET_KINDS = ("base", "zone", "radar")
MAX_NAME = 200


@dataclass(frozen=True)
class AssetDraft:
    kind: str
    name: str
    area: Area
    band: VerticalBand  # air-style band; default surface to unlimited
    band_input: dict[str, float]
    start: datetime | None  # None: standing, always in force
    end: datetime | None
    receiver: Receiver | None = None  # a protected receiver at the area's centre

    def to_feature(self) -> dict[str, Any]:
        props: dict[str, Any] = {
            "kind": self.kind,
            "name": self.name,
            **self.area.dimension_properties(),
            **self.band_input,
            "lower_m": self.band.lower_m,
            "upper_m": self.band.upper_m,
            "start": iso(self.start) if self.start else None,
            "end": iso(self.end) if self.end else None,
        }
        if self.receiver is not None:
            props["receiver"] = self.receiver.to_dict()
        return {"type": "Feature", "geometry": self.area.to_geojson_geometry(), "properties": props}


def parse_asset(obj: Any, limits: ShapeLimits = DEFAULT_SHAPE_LIMITS) -> AssetDraft:
    """Validate an asset Feature (its shape's cost bounded by the agreement's limits)."""
    geometry, props = parse_feature_frame(obj)
    kind = props.get("kind")
    if kind not in ASSET_KINDS:
        raise InvalidInput(f"must be one of {', '.join(ASSET_KINDS)}", field="properties.kind")
    name = props.get("name")
    if not isinstance(name, str) or not name.strip() or len(name) > MAX_NAME:
        raise InvalidInput(
            f"a name of 1 to {MAX_NAME} characters is required", field="properties.name"
        )
    area = Area.from_geojson(geometry, props, limits)
    if "alt_lower_ft" in props or "alt_upper_ft" in props or "fl_lower" in props:
        band, band_input = _air_band(props)
    else:  # from the sea floor to the top of any airspace
        band, band_input = VerticalBand(*FULL_BAND_M), {}
    start = parse_utc(props["start"], "properties.start") if props.get("start") else None
    end = parse_utc(props["end"], "properties.end") if props.get("end") else None
    if start and end and end <= start:
        raise InvalidInput("end must be after start", field="properties.end")
    receiver = parse_receiver(props["receiver"]) if "receiver" in props else None
    return AssetDraft(kind, name.strip(), area, band, band_input, start, end, receiver)
