"""AIS NMEA 0183 (!AIVDM/!AIVDO) lines -> TrackReports and Skips, with pyais.

Pure: it only iterates the lines it is given. Every line gives zero or more outputs and never
raises: a bad line is a Skip with a stable reason and its line number, so a feed is counted,
never crashed, and never makes a phantom track. Duplicates (same MMSI, time and position)
are passed on: the picture keeps one state per track and can drop them.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime

from pyais.exceptions import (
    MissingPayloadException,
    UnknownMessageException,
    UnknownPartNoException,
)
from pyais.messages import (
    AISSentence,
    MessageType1,
    MessageType5,
    MessageType18,
    MessageType19,
    MessageType24PartA,
    MessageType24PartB,
    MessageType24PartBAuxiliaryCraft,
    MessageType27,
)

from interlock.feeds.ais_fast import NAME_END_19, POSITION_MIN_BITS, position_fields
from interlock.model.track import Skip, TrackReport, implausible

Output = TrackReport | Skip
Clock = datetime | Callable[[], datetime]

POSITION_TYPES = frozenset(POSITION_MIN_BITS)
STATIC_TYPES = frozenset({5, 24})
# Fewest payload bits that hold every field we read (ITU-R M.1371-5 Annex 8, message tables;
# offsets as in gpsd's AIVDM/AIVDO protocol decoding): a shorter payload is "truncated",
# since pyais would read the missing bits as zeros. Positions: ais_fast owns them.
MIN_BITS = {**POSITION_MIN_BITS, 5: 232}
MIN_BITS_24 = {0: 160, 1: 132}  # part A: name ends at bit 160; part B: callsign at 132
# "Not available" codes (ITU-R M.1371-5 Annex 8, msgs 1-3/18/19: lon 181, lat 91 degrees,
# SOG 1023 = 102.3 kn, COG 3600 = 360.0 degrees; msg 27: SOG 63 kn, COG 511 degrees).
LON_NA, LAT_NA = 181.0, 91.0
SOG_NA, COG_NA = 102.3, 360.0
SOG_NA_27, COG_NA_27 = 63.0, 511.0
HEX = frozenset("0123456789abcdefABCDEF")
# Two hex digits -> value, for the common "*hh" ending (one dict look-up, no int()).
_HEX2 = {a + b: int(a + b, 16) for a in HEX for b in HEX}
FILLS = frozenset("012345")  # fill-bit counts pyais accepts (one digit)
MAX_PAYLOAD = 200  # pyais's MAX_PAYLOAD_LEN: a longer payload is malformed there
MS_THRESHOLD = 100_000_000_000  # a tag block c: above this is milliseconds (1e11 s ≈ AD 5138)
# pyais's classes for the types above (2 and 3 are subclasses of 1; a type 24 decodes to its
# part A or one of its part B variants), for narrowing the message it decodes to.
_POSITION_CLASSES = (MessageType1, MessageType18, MessageType19, MessageType27)
_NAMED_CLASSES = (MessageType5, MessageType24PartA)  # the static messages with a name
_TYPE_24_CLASSES = (MessageType24PartA, MessageType24PartB, MessageType24PartBAuxiliaryCraft)


def nmea_checksum(body: str) -> int:
    """XOR of the bytes between the start delimiter and '*' (NMEA 0183).

    Folded as one big integer (halves XORed until one byte is left): the XOR of all bytes
    survives each fold, and it is ~5x faster than a loop per character at 50k lines/s.
    """
    data = body.encode()
    x, n = int.from_bytes(data, "big"), len(data)
    if n <= 128:  # every NMEA sentence (82 chars) and most tag blocks
        # XOR-ing in the value shifted by 64, 32, ..., 1 bytes leaves the XOR of every
        # byte in the lowest one (bytes beyond the data are zero).
        x ^= x >> 512
        x ^= x >> 256
        x ^= x >> 128
        x ^= x >> 64
        x ^= x >> 32
        x ^= x >> 16
        x ^= x >> 8
        return x & 0xFF
    while n > 1:
        h = (n + 1) // 2
        x = (x >> (8 * h)) ^ (x & ((1 << (8 * h)) - 1))
        n = h
    return x


def _checked(text: str) -> str | None:
    """The body before '*' if the two hex digits after it match its checksum, else None."""
    if text[-3:-2] == "*":  # the common case: "*hh" ends the text
        value = _HEX2.get(text[-2:])
        if value is not None:
            body = text[:-3]
            return body if value == nmea_checksum(body) else None
    body, star, chk = text.rpartition("*")
    if not star or len(chk) != 2 or chk[0] not in HEX or chk[1] not in HEX:
        raise ValueError("no checksum")
    return body if int(chk, 16) == nmea_checksum(body) else None


@dataclass
class _Pending:
    """Fragments of one multi-sentence message waiting for the rest."""

    first_line: int
    count: int
    parts: list[AISSentence] = field(default_factory=list)
    time: datetime | None = None


# A multi-sentence message's fragments: talker + sentence formatter ("AIVDM", "AIVDO",
# "BSVDM", ...), fragment count, sequential message id, channel, as pyais's stream
# assembler keys them (NMEA 0183 / IEC 61162-1: the sequential id is per talker and
# sentence, so an own-ship VDO and a VDM with one id and channel are two messages).
GroupKey = tuple[str, int, int | None, str]


class AisDecoder:
    """Stateful AIS decoder for a stream: holds fragments of multi-sentence messages.

    Fragments are keyed by `GroupKey` and must arrive in order; a group not completed
    within `max_gap_lines` lines, or pushed out when more than `max_pending` groups wait,
    is skipped as "orphan_fragment" (bounded memory).
    """

    def __init__(
        self, received_at: Clock, *, max_pending: int = 64, max_gap_lines: int = 200
    ) -> None:
        if isinstance(received_at, datetime) and received_at.tzinfo is None:
            raise ValueError("received_at must be timezone-aware")
        self._received_at = received_at
        self._max_pending = max_pending
        self._max_gap = max_gap_lines
        self._pending: dict[GroupKey, _Pending] = {}
        self.line_no = 0

    def feed(self, line: str) -> list[Output]:
        """Decode one line (1-based numbering across calls); blank and '#' lines are ignored."""
        self.line_no += 1
        out: list[Output] = []
        if self._pending:
            self._expire(out)
        try:
            text = line.strip()
            if text and not text.startswith("#"):
                self._line(text, out)
        except Exception as e:  # never raise on input: any surprise is a malformed line
            out.append(Skip("malformed", f"line {self.line_no}", f"{type(e).__name__}: {e}"))
        return out

    def flush(self) -> list[Output]:
        """Skip every incomplete group (end of input)."""
        out: list[Output] = []
        for key in list(self._pending):
            self._orphan(key, out)
        return out

    # -- internals --------------------------------------------------------------------------

    def _now(self) -> datetime:
        received = self._received_at
        return received if isinstance(received, datetime) else received()

    def _line(self, text: str, out: list[Output]) -> None:
        where = f"line {self.line_no}"
        time: datetime | None = None
        if text.startswith("\\"):  # NMEA 4.0 tag block: \c:1503079517,s:src*hh\!AIVDM,...
            tag, sep, text = text[1:].partition("\\")
            if not sep:
                out.append(Skip("malformed", where, "unterminated tag block"))
                return
            body = _checked(tag)
            if body is None:
                out.append(Skip("bad_checksum", where, "tag block"))
                return
            for item in body.split(","):
                if item.startswith("c:"):
                    t = int(item[2:])
                    time = datetime.fromtimestamp(t / 1000 if t > MS_THRESHOLD else t, tz=UTC)
        if not text.startswith(("!", "$")):
            out.append(Skip("malformed", where, "no sentence start"))
            return
        # _checked(text[1:]) with its common case inline: "*hh" ends the sentence
        value = _HEX2.get(text[-2:]) if text[-3:-2] == "*" else None
        if value is not None:
            good = value == nmea_checksum(text[1:-3])
        else:
            good = _checked(text[1:]) is not None
        if not good:
            out.append(Skip("bad_checksum", where))
            return
        kind = text[3:6]
        if kind != "VDM" and kind != "VDO" and kind.upper() not in ("VDM", "VDO"):
            out.append(Skip("not_ais", where, text[:6]))
            return
        # The fast path: a one-sentence message in 7 fields that pyais would take as it is
        # (ASCII, fill bits one digit 0-5, a numeric or empty sequence id, a payload of at
        # most 200 chars), and a position report `position_fields` is sure of.
        f = text.split(",")
        if len(f) == 7 and f[1] == "1" and f[2] == "1" and text.isascii():
            payload, tail, seq = f[5], f[6], f[3]
            if (
                payload
                and len(payload) <= MAX_PAYLOAD
                and len(tail) == 4  # "F*hh" (the checksum is already checked)
                and tail[0] in FILLS
                and (not seq or (seq.isdigit() and len(seq) < 10))  # pyais int()s it
            ):
                got = position_fields(payload, ord(tail[0]) - 48)
                if got is not None:
                    self._position(*got, time, where, out)
                    return
        s = AISSentence(text.encode("ascii"))
        if s.frag_cnt == 1:
            self._decode(s, time, where, out)
            return
        key = (text[1:6], s.frag_cnt, s.seq_id, s.channel)
        p = self._pending.get(key)
        if s.frag_num == 1:
            if p is not None:  # a new message began before the last one ended
                self._orphan(key, out)
            if len(self._pending) >= self._max_pending:
                self._orphan(next(iter(self._pending)), out)
            self._pending[key] = _Pending(self.line_no, s.frag_cnt, [s], time)
            return
        if p is None or len(p.parts) + 1 != s.frag_num:
            out.append(Skip("orphan_fragment", where, f"fragment {s.frag_num}/{s.frag_cnt}"))
            if p is not None:
                self._orphan(key, out)
            return
        p.parts.append(s)
        if p.time is None:
            p.time = time
        if len(p.parts) == p.count:
            del self._pending[key]
            whole = AISSentence.assemble_from_iterable(p.parts)
            self._decode(whole, p.time, f"lines {p.first_line}-{self.line_no}", out)

    def _expire(self, out: list[Output]) -> None:
        # Groups are kept in arrival order, so the oldest is first.
        while self._pending:
            key, p = next(iter(self._pending.items()))
            if self.line_no - p.first_line <= self._max_gap:
                return
            self._orphan(key, out)

    def _orphan(self, key: GroupKey, out: list[Output]) -> None:
        p = self._pending.pop(key)
        out.append(
            Skip("orphan_fragment", f"line {p.first_line}", f"{len(p.parts)}/{p.count} fragments")
        )

    def _decode(self, s: AISSentence, time: datetime | None, where: str, out: list[Output]) -> None:
        try:
            msg = s.decode()
        except MissingPayloadException:
            out.append(Skip("empty_payload", where))
            return
        except (UnknownMessageException, UnknownPartNoException):
            out.append(Skip("unsupported_type", where, f"type {s.ais_id}"))
            return
        kind = msg.msg_type
        if kind not in POSITION_TYPES and kind not in STATIC_TYPES:
            out.append(Skip("unsupported_type", where, f"type {kind}"))
            return
        # a type 24 is always one of its parts (pyais raises on another part number)
        if isinstance(msg, _TYPE_24_CLASSES):
            need = MIN_BITS_24.get(msg.partno, 999)
        else:
            need = MIN_BITS[kind]
        if len(s.bv) < need:
            out.append(Skip("truncated", where, f"type {kind}: {len(s.bv)} < {need} bits"))
            return
        if kind in STATIC_TYPES:
            if not msg.mmsi:
                out.append(Skip("no_mmsi", where))
                return
            at = time or self._now()  # the clock is read here on both paths, as before
            if not isinstance(msg, _NAMED_CLASSES):
                # Type 24 part B: callsign, ship type, dimensions, none of which a TrackReport
                # carries; its callsign must never stand in for the name part A gives.
                out.append(Skip("no_name", where, "type 24 part B"))
                return
            name = msg.shipname  # type 5 and 24 part A; a callsign is not a name
            if not name:
                out.append(Skip("no_name", where, f"type {kind}"))
                return
            report = TrackReport("ais", f"mmsi:{msg.mmsi}", "sea", at, name=name)
            why = implausible(report)
            out.append(Skip(why, where, f"type {kind}") if why else report)
            return
        if not isinstance(msg, _POSITION_CLASSES):  # kind is a position type: never here
            raise TypeError(f"type {kind} decoded to {type(msg).__name__}")
        # 19 carries the name too (bits 143-262)
        name19 = None
        if isinstance(msg, MessageType19) and len(s.bv) >= NAME_END_19:
            name19 = msg.shipname or None
        self._position(
            kind, msg.mmsi, msg.lon, msg.lat, msg.speed, msg.course, name19, time, where, out
        )

    def _position(
        self,
        kind: int,
        mmsi: int,
        lon: float,
        lat: float,
        sog: float,
        cog: float,
        name: str | None,
        time: datetime | None,
        where: str,
        out: list[Output],
    ) -> None:
        """A position report (types 1-3, 18, 19, 27) from its decoded fields, or its Skip:
        the same for the fast path and pyais's."""
        if not mmsi:
            out.append(Skip("no_mmsi", where))
            return
        at = time or self._now()  # read before the position check, as it always was
        if lon == LON_NA or lat == LAT_NA:
            out.append(Skip("no_position", where, f"type {kind}"))
            return
        sog_na, cog_na = (SOG_NA_27, COG_NA_27) if kind == 27 else (SOG_NA, COG_NA)
        report = TrackReport(
            "ais",
            f"mmsi:{mmsi}",
            "sea",
            at,
            lon,
            lat,
            None,
            None if sog == sog_na else sog,
            None if cog == cog_na else cog,
            None,
            name,
        )
        why = implausible(report)
        out.append(Skip(why, where, f"type {kind}") if why else report)


def parse_ais(lines: Iterable[str], received_at: Clock) -> Iterator[Output]:
    """Decode AIS lines; `received_at` is the time of reports whose line has no tag block c:."""
    decoder = AisDecoder(received_at)
    for line in lines:
        yield from decoder.feed(line)
    yield from decoder.flush()


# -- time of a line (for files: is it timed, stamp it) ---------------------------------------
# An AIS line is timed by its NMEA 4.0 tag block's c: (unix seconds or milliseconds, IEC
# 61162-450 §7.9.4 "UNIX time"); a line without one is timed by its arrival. Only a
# message's first (or only) sentence needs one: an assembled message takes its first
# sentence's time.


def line_time(line: str) -> float | None:
    """The epoch seconds of the tag block c: of `line`, if it has one."""
    text = line.strip()
    if not text.startswith("\\"):
        return None
    tag, sep, _ = text[1:].partition("\\")
    if not sep:
        return None
    for item in tag.partition("*")[0].split(","):
        if item.startswith("c:") and item[2:].isdigit():
            t = int(item[2:])
            return t / 1000 if t > MS_THRESHOLD else float(t)
    return None


def _starts_message(text: str) -> bool:
    """Whether an untagged sentence is a message's first (or only) fragment."""
    f = text.split(",", 3)
    return len(f) > 2 and text[3:6].upper() in ("VDM", "VDO") and f[2].strip() == "1"


def untimed(line: str) -> bool:
    """Whether `line` would be timed by its arrival: the first (or only) sentence of a
    message with no tag block c:. Blank lines, comments, continuation sentences and
    lines that are no AIS sentence at all (skipped either way) need no time."""
    text = line.strip()
    if text.startswith("\\"):
        if line_time(text) is not None:
            return False
        text = text[1:].partition("\\")[2]
    return text.startswith(("!", "$")) and _starts_message(text)


def stamp(line: str, t: float) -> str:
    """`line` timed at epoch `t` (a tag block c: in milliseconds, added to its tag block
    or in a new one); lines that need no time (see `untimed`) are returned as they are."""
    if not untimed(line):
        return line
    text = line.strip()
    items = [f"c:{round(t * 1000)}"]
    if text.startswith("\\"):
        tag, _, text = text[1:].partition("\\")
        items += [i for i in tag.partition("*")[0].split(",") if i]
    body = ",".join(items)
    return f"\\{body}*{nmea_checksum(body):02X}\\{text}"
