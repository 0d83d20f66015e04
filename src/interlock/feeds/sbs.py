"""ADS-B BaseStation/SBS CSV (port 30003 of dump1090-style receivers) -> track reports.

Pure: lines in, `TrackReport`s and `Skip`s out, one line at a time, nothing merged (the
track picture merges a callsign from MSG,1 with a position from MSG,3). Never raises.

Format (the de-facto SBS-1 BaseStation layout, as dump1090/readsb write it):
MSG,type,session,aircraft,hexident,flight,date_gen,time_gen,date_log,time_log,
callsign,altitude,groundspeed,track,lat,lon,vertical_rate,squawk,alert,emergency,spi,
is_on_ground. Altitude in feet, speed in knots, track in degrees true, vertical rate in
ft/min. Transmission types: 1 identification (callsign), 2 surface position, 3 airborne
position, 4 airborne velocity, 5 surveillance altitude, 6 surveillance identity
(squawk + altitude), 7 air-to-air (altitude), 8 all-call (ground flag only).

Time: the "generated" date and time fields, read as UTC. The format carries no zone;
readsb writes UTC, some dump1090 builds write the receiver's local time, so run
receivers on UTC.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Iterator
from datetime import UTC, datetime

from interlock.feeds.icao import callsign_ok
from interlock.model.track import Skip, TrackReport, implausible

SOURCE = "sbs"
N_FIELDS = 22  # MSG lines have 22 comma-separated fields; extra trailing fields are ignored
MSG_TYPES = range(1, 9)
_HEX = frozenset("0123456789abcdef")


class _Bad(Exception):
    """A field that cannot be read: becomes a Skip with this reason."""

    def __init__(self, reason: str, detail: str) -> None:
        super().__init__(detail)
        self.reason = reason
        self.detail = detail


def parse_sbs(lines: Iterable[str | bytes]) -> Iterator[TrackReport | Skip]:
    """One TrackReport or one Skip per non-blank line; blank lines are passed over."""
    for n, raw in enumerate(lines, start=1):
        if isinstance(raw, bytes):
            try:
                raw = raw.decode("ascii")
            except UnicodeDecodeError:
                yield Skip("not_text", f"line {n}", "not ASCII")
                continue
        line = raw.strip()
        if not line:
            continue
        try:
            yield _parse_line(line, f"line {n}")
        except _Bad as bad:
            yield Skip(bad.reason, f"line {n}", bad.detail)


def _parse_line(line: str, where: str) -> TrackReport | Skip:
    """One SBS line -> a report or a Skip. Raises _Bad for unreadable fields."""
    f = [x.strip() for x in line.split(",")]
    if f[0] != "MSG":
        # SEL, ID, AIR, STA, CLK lines are BaseStation session bookkeeping: no state.
        return Skip("not_msg", where, f[0][:20])
    if len(f) < N_FIELDS:
        return Skip("truncated", where, f"{len(f)} of {N_FIELDS} fields")
    try:
        kind = int(f[1])
    except ValueError:
        return Skip("bad_msg_type", where, f[1][:20])
    if kind not in MSG_TYPES:
        return Skip("bad_msg_type", where, f[1][:20])
    hexident = f[4].lower()
    if hexident.startswith("~"):
        # dump1090's mark for a non-ICAO (TIS-B / anonymous) address: no stable identity
        return Skip("non_icao_address", where, f[4][:20])
    if len(hexident) != 6 or not set(hexident) <= _HEX:
        return Skip("bad_hex_ident", where, f[4][:20])
    time = _time(f[6], f[7])
    lat, lon = _num(f[14], "lat"), _num(f[15], "lon")
    if (lat is None) != (lon is None):
        return Skip("half_position", where)
    course = _num(f[13], "track")
    if course is not None and course == 360.0:
        course = 0.0  # some receivers round 359.9x up to 360
    report = TrackReport(
        source=SOURCE,
        track_id=f"icao:{hexident}",
        domain="air",
        time=time,
        lon=lon,
        lat=lat,
        alt_ft=_num(f[11], "altitude"),
        speed_kt=_num(f[12], "groundspeed"),
        course_deg=course,
        vertical_rate_fpm=_num(f[16], "vertical_rate"),
        name=_callsign(f[10]),
    )
    if (
        not report.has_position
        and report.name is None
        and all(
            v is None
            for v in (report.alt_ft, report.speed_kt, report.course_deg, report.vertical_rate_fpm)
        )
    ):
        return Skip("no_state", where, f"MSG,{kind}")
    why = implausible(report)
    if why is not None:
        return Skip(why, where)
    return report


def _time(date: str, clock: str) -> datetime:
    """'2024/07/06' + '06:43:09.525' -> an aware UTC datetime (see the module note)."""
    try:
        y, mo, d = (int(x) for x in date.split("/"))
        hms = clock.split(":")
        if len(hms) != 3:
            raise ValueError(clock)
        h, mi = int(hms[0]), int(hms[1])
        sec = float(hms[2])
        if not 0 <= sec < 60:
            raise ValueError(clock)
        whole = int(sec)
        micro = min(round((sec - whole) * 1e6), 999_999)
        return datetime(y, mo, d, h, mi, whole, micro, tzinfo=UTC)
    except (ValueError, OverflowError) as e:
        raise _Bad("bad_time", f"{date[:12]} {clock[:16]}") from e


def _num(text: str, name: str) -> float | None:
    if not text:
        return None
    try:
        value = float(text)
    except ValueError as e:
        raise _Bad("bad_number", f"{name}={text[:20]}") from e
    if not math.isfinite(value):
        raise _Bad("not_finite", f"{name}={text[:20]}")
    return value


def _callsign(text: str) -> str | None:
    text = text.strip().upper()
    if not text:
        return None
    if not callsign_ok(text):
        raise _Bad("bad_callsign", text[:20])
    return text


# -- time of a line (for files: is it timed, stamp it) ---------------------------------------
# An SBS line is timed by its "generated" date and time fields (7 and 8, 1-based); a MSG
# line with both empty carries no time (and is skipped as "bad_time" when parsed as is).
DATE, CLOCK, DATE_LOG, CLOCK_LOG = 6, 7, 8, 9  # 0-based field indexes


def line_time(line: str) -> float | None:
    """The epoch seconds of a line's generated date and time, if it carries them."""
    f = line.split(",")
    if len(f) <= CLOCK or not f[DATE].strip():
        return None
    try:
        return _time(f[DATE].strip(), f[CLOCK].strip()).timestamp()
    except _Bad:
        return None


def untimed(line: str) -> bool:
    """Whether `line` is a MSG line whose generated date and time are both empty."""
    f = line.strip().split(",")
    return f[0].strip() == "MSG" and len(f) > CLOCK and not f[DATE].strip() + f[CLOCK].strip()


def stamp(line: str, t: float) -> str:
    """`line` with epoch `t` (UTC) in its empty date and time fields, generated and logged;
    a line that is not `untimed` is returned as it is."""
    if not untimed(line):
        return line
    f = line.strip().split(",")
    at = datetime.fromtimestamp(t, UTC)
    date, clock = at.strftime("%Y/%m/%d"), at.strftime("%H:%M:%S.%f")[:-3]
    for i, value in ((DATE, date), (CLOCK, clock), (DATE_LOG, date), (CLOCK_LOG, clock)):
        if i < len(f) and not f[i].strip():
            f[i] = value
    return ",".join(f)
