"""Raw Mode S / ADS-B extended squitter frames (DF17/18) -> track reports, with pyModeS.

pyModeS reads the fields of one frame (CRC, type code, altitude, CPR fields, velocity,
callsign). Positions are resolved here, per aircraft, because of a known trap: on a real
capture, pyModeS 3.6.1's batch `decode` and `PipeDecoder` put about two thirds of airborne
positions up to ~2 km off, while a global even/odd pair followed by local decoding of each
frame against the aircraft's last position matched the recorded truth (issue 4). Never
raises: every frame gives reports or a Skip with a stable reason.

Sources: ICAO Annex 10 Vol IV ch. 3 and RTCA DO-260B (§2.2.3.2, CPR in appendix A.1.7);
J. Sun, "The 1090 Megahertz Riddle" (2nd ed., TU Delft OPEN, 2021), ch. 4-6.
"""

from __future__ import annotations

import json
import math
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, TypedDict

import pyModeS
from pyModeS.position import (
    airborne_position_pair,
    airborne_position_with_ref,
    resolve_surface_ref,
    surface_position_pair,
    surface_position_with_ref,
)

from interlock.feeds.ais import Clock
from interlock.feeds.icao import callsign_ok
from interlock.geo.earth import MEAN_RADIUS_M
from interlock.geo.units import M_PER_NM
from interlock.model.track import MAX_SPEED_KT, Skip, TrackReport, implausible

SOURCE = "modes"
_HEX = frozenset("0123456789abcdefABCDEF")
# Global CPR pair windows: 10 s airborne, 25 s surface (1090 MHz Riddle §5.2 / §6.2,
# after DO-260B A.1.7.3-4): older pairs may straddle a latitude zone.
AIR_PAIR_MAX_S = 10.0
SURFACE_PAIR_MAX_S = 25.0
# A local decode is unambiguous within half a CPR zone of the reference: 180 NM airborne,
# 45 NM surface (DO-260B A.1.7.5-6). A reference at most this old is well inside that even
# at 1,000 kn (33 NM); after a longer gap we wait for a fresh global pair.
REF_MAX_AGE_S = 120.0
# A local fix farther from the last one than 1,000 kn (model.track's limit) allows, plus
# this slack for CPR resolution and timestamp jitter, is refused and the state reset.
JUMP_SLACK_NM = 1.0


@dataclass(slots=True)
class _Cpr:
    """One aircraft's CPR state: last even and odd frames, and its last position."""

    # last [even, odd] CPR frames, each (lat_cpr, lon_cpr, t)
    airborne: list[tuple[int, int, float] | None] = field(default_factory=lambda: [None, None])
    surface: list[tuple[int, int, float] | None] = field(default_factory=lambda: [None, None])
    ref: tuple[float, float, float] | None = None  # last position (lat, lon, t)


class _Identity(TypedDict):
    """The `TrackReport` fields every report of one message shares."""

    source: str
    track_id: str
    domain: str
    time: datetime


class ModeSDecoder:
    """Stateful DF17/18 decoder: per-aircraft CPR state (pass state in, no globals).

    `receiver` ((lat, lon) or an ICAO airport code known to pyModeS) is only needed to
    place surface positions of an aircraft not yet seen airborne.
    """

    def __init__(self, receiver: tuple[float, float] | str | None = None) -> None:
        self.receiver = resolve_surface_ref(receiver) if receiver is not None else None
        self._cpr: dict[str, _Cpr] = {}

    def feed(self, frame_hex: str, time: datetime, where: str = "") -> list[TrackReport | Skip]:
        """Decode one frame received at `time` (aware UTC): reports, or one Skip."""
        try:
            r = self._feed(frame_hex, time, where)
        except Exception as e:  # third-party boundary: a feed never crashes on one frame
            return [Skip("decode_error", where, f"{type(e).__name__}: {e}"[:120])]
        if isinstance(r, TrackReport):
            why = implausible(r)
            if why is not None:
                return [Skip(why, where)]
        return [r]

    def _feed(self, frame_hex: str, time: datetime, where: str) -> TrackReport | Skip:
        if not isinstance(frame_hex, str):
            return Skip("not_hex", where)
        msg = frame_hex.strip().strip("*;")  # also take the AVR form "*8d...;"
        if not msg or not set(msg) <= _HEX:
            return Skip("not_hex", where, msg[:40])
        if len(msg) not in (14, 28):
            return Skip("bad_length", where, f"{len(msg)} hex digits")
        df = int(msg[:2], 16) >> 3
        if df not in (17, 18):
            return Skip("unsupported_df", where, f"DF{df}")
        if len(msg) != 28:
            return Skip("bad_length", where, f"DF{df} short")
        if df == 18 and int(msg[:2], 16) & 7 != 0:
            # DF18 CF != 0: non-ICAO address, TIS-B or ADS-R (DO-260B 2.2.3.1): no stable id
            return Skip("unsupported_cf", where, f"CF{int(msg[:2], 16) & 7}")
        if time.tzinfo is None:
            return Skip("naive_time", where)
        d = pyModeS.decode(msg)
        if not d.get("crc_valid"):
            return Skip("bad_crc", where)
        icao = str(d["icao"]).lower()
        tc = d.get("typecode")
        base: _Identity = {
            "source": SOURCE,
            "track_id": f"icao:{icao}",
            "domain": "air",
            "time": time,
        }
        t = time.timestamp()
        if tc is not None and 1 <= tc <= 4:
            name = str(d.get("callsign") or "").strip().upper()
            if not name:
                return Skip("no_state", where, "empty callsign")
            if not callsign_ok(name):
                return Skip("bad_callsign", where, name[:20])
            return TrackReport(**base, name=name)
        if tc is not None and 5 <= tc <= 8:
            pos = self._position(icao, d, t, surface=True)
            speed, track = d.get("groundspeed"), d.get("track")
            if isinstance(pos, str) and (speed is None or pos == "position_jump"):
                return _skip(pos, where)
            lat, lon = pos if not isinstance(pos, str) else (None, None)
            if track is not None and d.get("track_status") == 0:
                track = None  # ground track status bit: track not valid
            return TrackReport(**base, lat=lat, lon=lon, speed_kt=speed, course_deg=track)
        if tc is not None and (9 <= tc <= 18 or 20 <= tc <= 22):
            pos = self._position(icao, d, t, surface=False)
            # TC 20-22 carry GNSS height above the ellipsoid, not pressure altitude:
            # separation minima are in pressure altitude, so we report none.
            alt = d.get("altitude") if tc <= 18 else None
            if isinstance(pos, str) and (alt is None or pos == "position_jump"):
                return _skip(pos, where)
            lat, lon = pos if not isinstance(pos, str) else (None, None)
            return TrackReport(**base, lat=lat, lon=lon, alt_ft=alt)
        if tc == 19:
            speed, track = _ground_velocity(msg)
            vr = d.get("vertical_rate")
            if speed is None and vr is None:
                return Skip("no_state", where, "velocity unavailable")
            return TrackReport(**base, speed_kt=speed, course_deg=track, vertical_rate_fpm=vr)
        return Skip("unsupported_tc", where, f"TC{tc}")

    def _position(self, icao: str, d: dict, t: float, surface: bool) -> tuple[float, float] | str:
        """Local decode against the aircraft's fresh last position, else a global pair
        (airborne: even/odd alone; surface: even/odd near the receiver). A reason if none."""
        s = self._cpr.setdefault(icao, _Cpr())
        fmt, lat_cpr, lon_cpr = d["cpr_format"], d["cpr_lat"], d["cpr_lon"]
        kind = "surface" if surface else "airborne"
        frames = s.surface if surface else s.airborne
        frames[fmt] = (lat_cpr, lon_cpr, t)
        e, o = frames
        pos: tuple[float, float] | None
        if s.ref is not None and abs(t - s.ref[2]) <= REF_MAX_AGE_S:
            local = surface_position_with_ref if surface else airborne_position_with_ref
            pos = local(fmt, lat_cpr, lon_cpr, s.ref[0], s.ref[1])
            if _nm(pos, s.ref) > MAX_SPEED_KT["air"] * abs(t - s.ref[2]) / 3600 + JUMP_SLACK_NM:
                # faster than any aircraft: a bad frame or a bad reference; start again
                self._cpr[icao] = _Cpr()
                return "position_jump"
        elif e and o and not surface and abs(e[2] - o[2]) <= AIR_PAIR_MAX_S:
            pos = airborne_position_pair(e[0], e[1], o[0], o[1], even_is_newer=not fmt)
        elif e and o and surface and self.receiver and abs(e[2] - o[2]) <= SURFACE_PAIR_MAX_S:
            lat_ref, lon_ref = self.receiver
            pos = surface_position_pair(
                e[0], e[1], o[0], o[1], lat_ref=lat_ref, lon_ref=lon_ref, even_is_newer=not fmt
            )
        else:
            return f"awaiting_cpr_pair:{kind}"
        if pos is None:
            return f"cpr_zone_change:{kind}"  # the pair straddles a latitude zone boundary
        pos = (pos[0], _wrap_lon(pos[1]))
        s.ref = (pos[0], pos[1], t)
        return pos


def _nm(a: tuple[float, float], b: tuple[float, float, float]) -> float:
    """Great-circle distance in NM (haversine on the mean Earth radius, geo.earth)."""
    p1, p2 = math.radians(a[0]), math.radians(b[0])
    h = (
        math.sin((p2 - p1) / 2) ** 2
        + math.cos(p1) * math.cos(p2) * math.sin(math.radians(b[1] - a[1]) / 2) ** 2
    )
    return 2 * (MEAN_RADIUS_M / M_PER_NM) * math.asin(min(1.0, math.sqrt(h)))


def _skip(why: str, where: str) -> Skip:
    reason, _, detail = why.partition(":")
    return Skip(reason, where, detail)


def _wrap_lon(lon: float) -> float:
    return (lon + 180.0) % 360.0 - 180.0 if not -180.0 <= lon <= 180.0 else lon


def _ground_velocity(msg: str) -> tuple[float | None, float | None]:
    """Ground speed (kt) and track (deg) of a TC19 subtype 1/2 frame, unrounded.

    pyModeS 3 truncates the speed to whole knots; we keep the exact vector sum.
    ME bits (DO-260B 2.2.3.2.6.1; 1090 MHz Riddle ch. 6): subtype 6-8, S_ew 14,
    V_ew 15-24, S_ns 25, V_ns 26-35; a magnitude of 0 means "no information", else
    value - 1 knots, times 4 for subtype 2 (supersonic). Subtypes 3/4 carry airspeed
    and heading, not ground velocity: None.
    """
    me = int(msg[8:22], 16)
    subtype = (me >> 48) & 0x7
    if subtype not in (1, 2):
        return None, None
    ew, ns = (me >> 32) & 0x3FF, (me >> 21) & 0x3FF
    if ew == 0 or ns == 0:
        return None, None
    scale = 4 if subtype == 2 else 1
    v_we = (ew - 1) * scale * (-1 if (me >> 42) & 1 else 1)
    v_sn = (ns - 1) * scale * (-1 if (me >> 31) & 1 else 1)
    speed = math.hypot(v_we, v_sn)
    track = math.degrees(math.atan2(v_we, v_sn)) % 360.0
    return speed, (0.0 if track >= 360.0 else track)


def parse_modes(
    frames: Iterable[tuple[datetime, str]],
    receiver: tuple[float, float] | str | None = None,
) -> Iterator[TrackReport | Skip]:
    """Decode (time, hex) frames in order with one ModeSDecoder; `where` is "frame N"."""
    decoder = ModeSDecoder(receiver)
    for n, (time, frame) in enumerate(frames, start=1):
        yield from decoder.feed(frame, time, f"frame {n}")


# -- Mode S lines: the one owner of their forms -----------------------------------------------
# What a receiver or a recording gives, one frame a line (the API and the CLI's readers both
# read lines here, so they accept the same forms):
#   "<TIME> <HEX>"   TIME epoch seconds or ISO 8601 with a zone (naive: "naive_time")
#   "<HEX>"          bare hex, timed by its arrival
#   "*<HEX>;"        dump1090's AVR form (also after a TIME), timed by its arrival
#   {"timestamp": epoch s, "frame"|"rawmsg"|"raw": HEX}   JSON (no timestamp: arrival)
# Blank lines and "#" comments are passed over.
JSON_FRAME_KEYS = ("frame", "rawmsg", "raw")


def frame_time(value: Any) -> datetime | None:
    """Epoch seconds (number or text) or ISO-8601 text -> datetime (naive stays naive: the
    decoder skips it as "naive_time" rather than guess a zone)."""
    try:
        x = float(value)
    except (TypeError, ValueError):
        pass
    else:
        if not math.isfinite(x):
            return None
        try:
            return datetime.fromtimestamp(x, UTC)
        except (OverflowError, OSError, ValueError):
            return None
    if not isinstance(value, str):
        return None
    try:
        return datetime.fromisoformat(value)
    except ValueError:
        return None


def _split(text: str) -> tuple[Any, str] | str:
    """(time value or None, frame) of a stripped non-blank line, or a Skip reason."""
    if text[0] == "{":
        try:
            d = json.loads(text)
            frame = next((d[k] for k in JSON_FRAME_KEYS if d.get(k)), None)
            return (d.get("timestamp"), frame) if isinstance(frame, str) else "no_frame"
        except (ValueError, AttributeError, TypeError):
            return "bad_json"
    parts = text.split()
    if len(parts) == 2:
        return parts[0], parts[1]
    if len(parts) == 1:
        return None, parts[0]
    return "malformed"


def decode_lines(
    decoder: ModeSDecoder, lines: Iterable[str], received_at: Clock
) -> Iterator[TrackReport | Skip]:
    """Reports and Skips of Mode S lines (the forms above), "line N" counted from 1; a
    line without a time is timed by `received_at` (a datetime, or a clock read per line)."""
    now = (lambda: received_at) if isinstance(received_at, datetime) else received_at
    for n, line in enumerate(lines, start=1):
        parts = line.split()
        if not parts or parts[0][0] == "#":
            continue
        if len(parts) == 2 and parts[0][0] != "{":  # "TIME HEX", most lines: _split inline
            stamp, frame = parts
        else:
            got = _split(line.strip())
            if isinstance(got, str):
                yield Skip(got, f"line {n}", line.strip()[:40])
                continue
            stamp, frame = got
        frame = frame.strip("*;")
        if _other_downlink(frame):  # most of a receiver's frames: skip before the time
            yield Skip("unsupported_df", f"line {n}")
            continue
        at = now() if stamp is None else frame_time(stamp)
        if at is None:
            yield Skip("bad_time", f"line {n}", str(stamp)[:40])
            continue
        yield from decoder.feed(frame, at, f"line {n}")


def _other_downlink(frame: str) -> bool:
    """A well-formed frame whose first 5 bits say it is not an extended squitter (DF17/18):
    most of what a receiver hears. Anything else goes to the decoder, which names it."""
    if len(frame) not in (14, 28) or not _HEX.issuperset(frame):
        return False
    return (int(frame[:2], 16) >> 3) not in (17, 18)


# -- time of a line (for files: is it timed, stamp it) ---------------------------------------


def line_time(line: str) -> float | None:
    """The epoch seconds a Mode S line carries (None: none, or naive, or unreadable)."""
    text = line.strip()
    got = _split(text) if text else None
    if not isinstance(got, tuple) or got[0] is None:
        return None
    at = frame_time(got[0])
    return None if at is None or at.tzinfo is None else at.timestamp()


def untimed(line: str) -> bool:
    """Whether `line` is a frame without a time (bare hex, AVR, JSON without timestamp)."""
    text = line.strip()
    if not text or text[0] == "#":
        return False
    got = _split(text)
    return isinstance(got, tuple) and got[0] is None


def stamp(line: str, t: float) -> str:
    """`line` timed at epoch `t` ("TIME HEX", or the JSON with a timestamp); a line that is
    not `untimed` is returned as it is."""
    if not untimed(line):
        return line
    text = line.strip()
    if text[0] == "{":
        return json.dumps({**json.loads(text), "timestamp": t})
    return f"{t!r} {text}"
