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
