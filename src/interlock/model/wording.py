"""The domain's words for what interlock tells a person, in one home: UTC to the minute,
bands as filed, distances in nautical miles, positions in degrees and decimal minutes.

The CLI's tables (cli/readable) and the hotline messages the server writes (conflict and
alert announcements) both say things this way, so a watch officer reads one style.
Pure: no I/O; `now` is passed in.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from ..geo.units import M_PER_FT, M_PER_NM


def _utc(value: str | datetime) -> datetime:
    if isinstance(value, datetime):
        return value.astimezone(UTC)
    return datetime.fromisoformat(value.replace("Z", "+00:00")).astimezone(UTC)


def hhmm(value: str | datetime, now: datetime, *, seconds: bool = False) -> str:
    """UTC to the minute: '14:05' today, '08 Dec 14:05' on another day (and the year
    when it is not this year's); to the second (a record's times) with `seconds`."""
    t, today = _utc(value), now.astimezone(UTC)
    clock = f"{t:%H:%M:%S}" if seconds else f"{t:%H:%M}"
    if t.date() == today.date():
        return clock
    if t.year == today.year:
        return f"{t:%d %b} {clock}"
    return f"{t:%Y-%m-%d} {clock}"


def window(start: str | datetime, end: str | datetime, now: datetime) -> str:
    """'14:05–16:05' (the end '+N' when it falls N days after the start)."""
    s, e = _utc(start), _utc(end)
    days = (e.date() - s.date()).days
    return f"{hhmm(s, now)}–{e:%H:%M}" + (f"+{days}" if days else "")


def relative(value: str | datetime, now: datetime) -> str:
    """'in 23 min', '12 min ago', 'in 2 h 05 min', 'now' (within half a minute)."""
    seconds = (_utc(value) - now.astimezone(UTC)).total_seconds()
    minutes = round(abs(seconds) / 60)
    if minutes == 0:
        return "now"
    if minutes < 60:
        span = f"{minutes} min"
    elif minutes < 48 * 60:
        span = f"{minutes // 60} h {minutes % 60:02d} min"
    else:
        span = f"{minutes // (24 * 60)} d"
    return f"in {span}" if seconds > 0 else f"{span} ago"


# ---- numbers ------------------------------------------------------------------------------


def _n(value: float, digits: int = 0) -> str:
    """Thousands separated, never '-0'."""
    text = f"{value:,.{digits}f}"
    return text[1:] if text.startswith("-") and float(text[1:].replace(",", "")) == 0 else text


def band(props: dict[str, Any]) -> str:
    """A notice's or asset's vertical band in the units it was filed in."""
    if "fl_lower" in props:
        return f"FL{props['fl_lower']:03.0f}–{props['fl_upper']:03.0f}"
    if "alt_lower_ft" in props:
        return f"{_n(props['alt_lower_ft'])}–{_n(props['alt_upper_ft'])} ft"
    if "depth_min_m" in props:
        return f"{_n(props['depth_min_m'])}–{_n(props['depth_max_m'])} m deep"
    if "centre_freq_mhz" in props:
        return f"{props['centre_freq_mhz']:g} MHz"
    if "lower_m" in props:
        return f"{_n(props['lower_m'])}–{_n(props['upper_m'])} m"
    return "-"


def nm(metres: float) -> str:
    """A distance in nautical miles (M_PER_NM, ICAO Annex 5): one decimal under 100."""
    miles = metres / M_PER_NM
    return _n(miles, 1 if miles < 100 else 0)


def feet(metres: float) -> str:
    return _n(metres / M_PER_FT)


def metres(value: float) -> str:
    return _n(value)


def position(lat: float, lon: float) -> str:
    """Degrees and decimal minutes: '34°14.4′N 035°06.0′E'."""

    def one(value: float, width: int, hemispheres: str) -> str:
        tenths = round(abs(value) * 600)  # tenths of a minute, so 59.96′ carries a degree
        deg, rest = divmod(tenths, 600)
        side = hemispheres[0] if value >= 0 else hemispheres[1]
        return f"{deg:0{width}d}°{rest // 10:02d}.{rest % 10}′{side}"

    return f"{one(lat, 2, 'NS')} {one(lon, 3, 'EW')}"


def duration(seconds: float) -> str:
    """'3 h 15 min', '45 min', '1 h 00 min 30 s' (seconds only when not whole minutes)."""
    whole = round(seconds)
    h, rest = divmod(whole, 3600)
    m, s = divmod(rest, 60)
    text = f"{h} h {m:02d} min" if h else f"{m} min"
    return text + (f" {s} s" if s else "")


def figure(value: float) -> str:
    """'78', '4.2', '0.06': whole from 10 up, else two significant figures (a small kept
    part is not '0')."""
    if value >= 10:
        return f"{value:,.0f}"
    return f"{value:.2g}" if value > 0 else "0"


# ---- advice (service.advice's summaries, the CLI's table) ----------------------------------


def advice_change(kind: str, change: dict[str, Any]) -> str:
    """What one piece of advice changes, from its `change` numbers: 'delay 3 h 15 min',
    'up 16,000 ft', '12 m shallower', 'move 5.9 NM on 265°', 'radius 20.0 → 9.1 NM',
    'keep 78 % (984 km²)'."""
    c = change
    if "delay_s" in c:
        return f"delay {duration(c['delay_s'])}"
    if "advance_s" in c:
        return f"advance {duration(c['advance_s'])}"
    if "shift_ft" in c:
        return f"{'up' if c['shift_ft'] > 0 else 'down'} {_n(abs(c['shift_ft']))} ft"
    if "shift_m" in c:  # + is up: shallower
        return f"{_n(abs(c['shift_m']))} m {'shallower' if c['shift_m'] > 0 else 'deeper'}"
    if "bearing_deg" in c:
        return f"move {nm(c['distance_nm'] * M_PER_NM)} NM on {c['bearing_deg']:03.0f}°"
    if "from_m" in c:
        return f"{c['width']} {nm(c['from_m'])} → {nm(c['to_m'])} NM"
    if "kept_fraction" in c:
        return f"keep {figure(c['kept_fraction'] * 100)} % ({figure(c['area_km2'])} km²)"
    return kind


def _centre(geometry: dict[str, Any]) -> tuple[float, float]:
    """(lat, lon) of a feature's geometry: a point's own, else its vertices' mean."""
    coords = geometry["coordinates"]
    if geometry["type"] == "Point":
        return coords[1], coords[0]
    points = coords[0][:-1] if geometry["type"] == "Polygon" else coords
    return (
        sum(p[1] for p in points) / len(points),
        sum(p[0] for p in points) / len(points),
    )


def advice_becomes(
    kind: str, feature: dict[str, Any], change: dict[str, Any], now: datetime
) -> str:
    """What the notice becomes in the dimension advice changes: window, band or place."""
    props = feature["properties"]
    if kind in ("delay", "advance"):
        return f"{window(props['start'], props['end'], now)} UTC"
    if kind in ("level_up", "level_down"):
        return band(props)
    if kind == "offset":
        lat, lon = _centre(feature["geometry"])
        return f"centre {position(lat, lon)}"
    if kind == "narrow":
        return f"{change['width']} {nm(change['to_m'])} NM"
    ring = feature["geometry"]["coordinates"][0]
    return f"polygon of {len(ring) - 1} points"
