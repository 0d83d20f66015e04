"""Notices: declared activity as GeoJSON Features.

A notice is a Feature whose geometry defines its area and whose properties give the rest:

- ``domain``: "air", "sea" or "emission".
- Area: ``Polygon``; ``Point`` + ``radius_m`` (circle); ``LineString`` + ``half_width_m``
  (corridor); two-point ``LineString`` + ``shape: "orbit"`` + ``radius_m`` (racetrack).
- Vertical band: air ``alt_lower_ft``/``alt_upper_ft`` (AMSL) or ``fl_lower``/``fl_upper``;
  sea ``depth_min_m``/``depth_max_m`` (metres below the surface, 0 = surface).
- Time window: ``start``/``end``, ISO 8601 with a UTC offset.
- Emission (domain "emission"): ``centre_freq_mhz``, ``bandwidth_mhz``, ``eirp_dbm``,
  ``antenna_height_m``; its area is where the emitter may be.
- Optional free fields: ``purpose``, ``callsign``, ``remarks``, ``unit`` (the agreement
  says which of these other parties see).
- Optional ``activity``: what the party will do there, one of
  ``model.hazard_rules.ACTIVITIES``; every party sees it (a kinetic one makes third-party
  hazards hot, which concerns everyone near them).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from ..errors import InvalidInput, RuleViolation
from ..geo.limits import DEFAULT_SHAPE_LIMITS, ShapeLimits
from ..geo.shapes import Area
from ..geo.units import M_PER_FT, fl_to_m
from ..validate import number
from .agreement import DOMAINS, OPTIONAL_FIELDS, Rules
from .hazard_rules import ACTIVITIES
from .limits import MAX_ALT_FT, MAX_DEPTH_M, MIN_ALT_FT
from .timeutil import iso, parse_utc

MAX_TEXT = 2000


@dataclass(frozen=True, slots=True)
class VerticalBand:
    """Heights in metres above mean sea level (negative below the surface)."""

    lower_m: float
    upper_m: float

    def gap_m(self, other: VerticalBand) -> float:
        """Signed vertical gap: positive when apart, negative (or zero) when they overlap."""
        return max(other.lower_m - self.upper_m, self.lower_m - other.upper_m)


# Radio limits (ITU Radio Regulations Art. 2: radio waves are 3 kHz - 3000 GHz, allocated
# up to 275 GHz; the bound is 300 GHz). EIRP above 120 dBm (1 GW) is beyond any
# transmitter: the most powerful radars reach ~100-110 dBm.
MIN_FREQ_MHZ, MAX_FREQ_MHZ = 0.003, 300_000.0
MIN_EIRP_DBM, MAX_EIRP_DBM = -100.0, 120.0
MAX_ANTENNA_M = 50_000.0  # a balloon or high-altitude aircraft; propagation needs >= 0
SITE_RADIUS_M = 1.0  # an emission at a Point without radius_m: a site, a 1 m circle


def _is_point(geometry: Any) -> bool:
    return isinstance(geometry, dict) and geometry.get("type") == "Point"


@dataclass(frozen=True, slots=True)
class Emission:
    centre_freq_mhz: float
    bandwidth_mhz: float
    eirp_dbm: float  # in the main beam (or every direction when omnidirectional)
    antenna_height_m: float  # above the ground (mean sea level at sea)
    azimuth_deg: float | None = None  # main-beam bearing, true; None: omnidirectional
    beamwidth_deg: float | None = None  # half-power beamwidth, with azimuth


@dataclass(frozen=True)
class NoticeDraft:
    """A validated notice as a party submitted it (one version's content)."""

    domain: str
    area: Area
    band: VerticalBand | None  # None for emissions: their place is the area, height the antenna
    band_input: dict[str, float]  # the band as given, in its own units, for round-trips
    start: datetime
    end: datetime
    emission: Emission | None = None
    details: tuple[tuple[str, str], ...] = ()  # optional free fields, sorted
    activity: str | None = None  # one of ACTIVITIES; None: not given

    def properties(self) -> dict[str, Any]:
        props: dict[str, Any] = {"domain": self.domain, **self.area.dimension_properties()}
        props.update(self.band_input)
        if self.band is not None:
            props["lower_m"] = self.band.lower_m
            props["upper_m"] = self.band.upper_m
        props["start"] = iso(self.start)
        props["end"] = iso(self.end)
        if self.emission is not None:
            e = self.emission
            props.update(
                centre_freq_mhz=e.centre_freq_mhz,
                bandwidth_mhz=e.bandwidth_mhz,
                eirp_dbm=e.eirp_dbm,
                antenna_height_m=e.antenna_height_m,
            )
            if e.azimuth_deg is not None:
                props.update(azimuth_deg=e.azimuth_deg, beamwidth_deg=e.beamwidth_deg)
        props.update(dict(self.details))
        if self.activity is not None:
            props["activity"] = self.activity
        return props

    def to_feature(self) -> dict[str, Any]:
        return {
            "type": "Feature",
            "geometry": self.area.to_geojson_geometry(),
            "properties": self.properties(),
        }

    def contains(self, other: NoticeDraft) -> bool:
        """True when `other` declares no more than this (same or smaller in every dimension)."""
        if other.start < self.start or other.end > self.end or other.domain != self.domain:
            return False
        if (self.band is None) != (other.band is None):
            return False
        if (
            self.band
            and other.band
            and (other.band.lower_m < self.band.lower_m or other.band.upper_m > self.band.upper_m)
        ):
            return False
        frame = self.area.own_frame()
        mine = self.area.shape_in(frame, 64).buffer(1.0)  # 1 m tolerance for round-off
        return bool(mine.contains(other.area.shape_in(frame, 16)))


def _num(
    props: dict[str, Any], key: str, lo: float | None = None, hi: float | None = None
) -> float:
    return number(props, key, lo, hi)


def _air_band(props: dict[str, Any]) -> tuple[VerticalBand, dict[str, float]]:
    if "fl_lower" in props or "fl_upper" in props:
        lo = _num(props, "fl_lower", 0, MAX_ALT_FT / 100)
        hi = _num(props, "fl_upper", 0, MAX_ALT_FT / 100)
        if lo >= hi:
            raise InvalidInput("fl_lower must be below fl_upper", field="properties.fl_lower")
        return VerticalBand(fl_to_m(lo), fl_to_m(hi)), {"fl_lower": lo, "fl_upper": hi}
    lo = _num(props, "alt_lower_ft", MIN_ALT_FT, MAX_ALT_FT)
    hi = _num(props, "alt_upper_ft", MIN_ALT_FT, MAX_ALT_FT)
    if lo >= hi:
        raise InvalidInput(
            "alt_lower_ft must be below alt_upper_ft", field="properties.alt_lower_ft"
        )
    return VerticalBand(lo * M_PER_FT, hi * M_PER_FT), {"alt_lower_ft": lo, "alt_upper_ft": hi}


def _sea_band(props: dict[str, Any]) -> tuple[VerticalBand, dict[str, float]]:
    top = _num(props, "depth_min_m", 0, MAX_DEPTH_M)
    bottom = _num(props, "depth_max_m", 0, MAX_DEPTH_M)
    if top >= bottom:
        raise InvalidInput(
            "depth_min_m must be less than depth_max_m", field="properties.depth_min_m"
        )
    return VerticalBand(-bottom, -top), {"depth_min_m": top, "depth_max_m": bottom}


def band_of(domain: str, band_input: dict[str, float]) -> VerticalBand:
    """The band a volume notice's band properties declare (as a filed notice's are read):
    how a changed band (advice) is computed the same way as a filed one."""
    band, _ = (_air_band if domain == "air" else _sea_band)(dict(band_input))
    return band


def _details(props: dict[str, Any]) -> tuple[tuple[str, str], ...]:
    out = []
    for key in OPTIONAL_FIELDS:
        if key in props and props[key] is not None:
            if not isinstance(props[key], str):
                raise InvalidInput("must be a string", field=f"properties.{key}")
            if len(props[key]) > MAX_TEXT:
                raise InvalidInput(f"longer than {MAX_TEXT} characters", field=f"properties.{key}")
            out.append((key, props[key]))
    return tuple(out)


def parse_feature_frame(obj: Any) -> tuple[Any, dict[str, Any]]:
    """Check the GeoJSON Feature envelope; return (geometry, properties). The geometry is
    as given: `Area.from_geojson` checks it."""
    if not isinstance(obj, dict) or obj.get("type") != "Feature":
        raise InvalidInput("a GeoJSON Feature is required", field="type")
    props = obj.get("properties")
    if not isinstance(props, dict):
        raise InvalidInput("an object is required", field="properties")
    return obj.get("geometry"), props


def parse_notice(obj: Any, limits: ShapeLimits = DEFAULT_SHAPE_LIMITS) -> NoticeDraft:
    """Validate a notice Feature; raise InvalidInput naming the first bad field. The
    shape's cost is bounded by `limits` (the agreement's ``Rules.shape``)."""
    geometry, props = parse_feature_frame(obj)
    domain = props.get("domain")
    if domain not in DOMAINS:
        raise InvalidInput(f"must be one of {', '.join(DOMAINS)}", field="properties.domain")
    if domain == "emission" and _is_point(geometry) and props.get("radius_m") is None:
        props = {**props, "radius_m": SITE_RADIUS_M}  # a transmitter at a known site
    area = Area.from_geojson(geometry, props, limits)
    start = parse_utc(props.get("start"), "properties.start")
    end = parse_utc(props.get("end"), "properties.end")
    if end <= start:
        raise InvalidInput("end must be after start", field="properties.end")
    emission = None
    if domain == "air":
        band, band_input = _air_band(props)
    elif domain == "sea":
        band, band_input = _sea_band(props)
    else:
        band, band_input = None, {}
        emission = parse_emission(props)
    return NoticeDraft(
        domain, area, band, band_input, start, end, emission, _details(props), _activity(props)
    )


def _activity(props: dict[str, Any]) -> str | None:
    value = props.get("activity")
    if value is None:
        return None
    if value not in ACTIVITIES:
        raise InvalidInput(f"must be one of {', '.join(ACTIVITIES)}", field="properties.activity")
    return str(value)


def parse_pointing(props: dict[str, Any], where: str) -> tuple[float | None, float | None]:
    """Optional azimuth + beamwidth (both or neither): a directional antenna."""
    if props.get("azimuth_deg") is None and props.get("beamwidth_deg") is None:
        return None, None
    azimuth = number(props, "azimuth_deg", 0.0, 360.0, where=where)
    beamwidth = number(props, "beamwidth_deg", 0.1, 360.0, where=where)
    return azimuth % 360.0, beamwidth


def parse_emission(props: dict[str, Any]) -> Emission:
    """An emission's radio fields within physical sense (a clear error names the field)."""
    freq = _num(props, "centre_freq_mhz", MIN_FREQ_MHZ, MAX_FREQ_MHZ)
    bandwidth = number(props, "bandwidth_mhz", positive=True)
    if freq - bandwidth / 2 <= 0 or freq + bandwidth / 2 > MAX_FREQ_MHZ:
        raise InvalidInput(
            f"the band must lie within 0 - {MAX_FREQ_MHZ:g} MHz around the centre",
            field="properties.bandwidth_mhz",
        )
    azimuth, beamwidth = parse_pointing(props, "properties")
    return Emission(
        centre_freq_mhz=freq,
        bandwidth_mhz=bandwidth,
        eirp_dbm=_num(props, "eirp_dbm", MIN_EIRP_DBM, MAX_EIRP_DBM),
        antenna_height_m=_num(props, "antenna_height_m", 0.0, MAX_ANTENNA_M),
        azimuth_deg=azimuth,
        beamwidth_deg=beamwidth,
    )


def check_limits(draft: NoticeDraft, rules: Rules) -> None:
    """The agreement's size and duration limits (RuleViolation when exceeded)."""
    if draft.end - draft.start > rules.max_duration:
        hours = rules.max_duration.total_seconds() / 3600
        raise RuleViolation(
            f"duration exceeds the agreement's maximum of {hours:g} h", field="properties.end"
        )
    km2 = draft.area.area_m2() / 1e6
    if km2 > rules.max_area_km2:
        raise RuleViolation(
            f"area {km2:.0f} km2 exceeds the agreement's maximum of {rules.max_area_km2:g} km2",
            field="geometry",
        )


def check_not_ended(draft: NoticeDraft, now: datetime) -> None:
    """Agreement clause "notice lead time": a notice is advance notice of activity, filed
    before it starts. One that has ended (end at or before now, on the service's clock)
    announces nothing a party could keep clear of: refused, not recorded. (One that has
    started but not ended is late: recorded or refused by `detect.rules.late_notice`.)"""
    if draft.end <= now:
        ago = (now - draft.end).total_seconds()
        raise RuleViolation(
            f"the notice ended {_ago(ago)} (at {draft.end.isoformat()}); a notice announces "
            "activity to come (agreement clause \"notice lead time\")",
            field="properties.end",
        )


def _ago(seconds: float) -> str:
    if seconds < 1:
        return "just now"
    if seconds < 120:
        return f"{seconds:.0f} s ago"
    if seconds < 2 * 3600:
        return f"{seconds / 60:.0f} min ago"
    return f"{seconds / 3600:,.1f} h ago"


def check_horizon(draft: NoticeDraft, rules: Rules, now: datetime) -> None:
    """The agreement's planning horizon: a notice may end at most this far ahead of now."""
    if draft.end - now > rules.planning_horizon:
        days = rules.planning_horizon.total_seconds() / 86400
        ahead = (draft.end - now).total_seconds() / 86400
        raise RuleViolation(
            f"ends {ahead:,.1f} days ahead; the agreement plans at most {days:g} days ahead "
            "(rules.planning_horizon_days)",
            field="properties.end",
        )
