"""AIS NMEA parser: real captures, hand-made sentences, bad input, and never-raise properties.

Expected values are found independently of pyais: sentences are built here bit by bit
(ITU-R M.1371-5 field layout, NMEA 0183 6-bit armouring and XOR checksum) and the real
files are classified with a small 6-bit decoder written here.
"""

from __future__ import annotations

import operator
from collections import Counter
from datetime import UTC, datetime
from functools import reduce

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from tests.feeds.conftest import DATA, needs_data, u

from interlock.feeds.ais import AisDecoder, nmea_checksum, parse_ais
from interlock.model.track import Skip, TrackReport, implausible

T0 = datetime(2026, 11, 25, 12, 0, tzinfo=UTC)

# -- an independent AIS encoder/decoder (ITU-R M.1371-5 Annex 8; NMEA 0183 armouring) --------


def text6(s: str, width: int) -> str:
    """AIS 6-bit text ('@' pads): chars 64-95 -> 0-31, 32-63 -> 32-63."""
    s = s.ljust(width // 6, "@")
    return "".join(u(ord(c) - 64 if ord(c) >= 64 else ord(c), 6) for c in s)


def armour(bits: str) -> tuple[str, int]:
    """Bits -> payload characters and the number of fill bits."""
    fill = -len(bits) % 6
    bits += "0" * fill
    chars = []
    for i in range(0, len(bits), 6):
        v = int(bits[i : i + 6], 2)
        chars.append(chr(v + 48 if v < 40 else v + 56))
    return "".join(chars), fill


def unarmour(payload: str) -> str:
    out = []
    for c in payload:
        v = ord(c) - 48
        out.append(u(v - 8 if v > 40 else v, 6))
    return "".join(out)


def sentence(
    payload: str,
    fill: int = 0,
    *,
    frag: tuple[int, int] = (1, 1),
    seq: str = "",
    channel: str = "A",
    talker: str = "AIVDM",
    tag: str | None = None,
) -> str:
    body = f"{talker},{frag[0]},{frag[1]},{seq},{channel},{payload},{fill}"
    line = f"!{body}*{nmea_checksum(body):02X}"
    if tag is not None:
        line = f"\\{tag}*{nmea_checksum(tag):02X}\\{line}"
    return line


def pos_bits(kind: int, mmsi: int, lon: float, lat: float, sog10: int, cog10: int) -> str:
    """A type 1/2/3 (168 bits) or 18 (168 bits) position report."""
    lon_i, lat_i = round(lon * 600000), round(lat * 600000)
    if kind in (1, 2, 3):
        head = u(kind, 6) + u(0, 2) + u(mmsi, 30) + u(0, 4) + u(-128, 8)
    else:
        head = u(kind, 6) + u(0, 2) + u(mmsi, 30) + u(0, 8)
    rest = u(sog10, 10) + u(0, 1) + u(lon_i, 28) + u(lat_i, 27) + u(cog10, 12) + u(511, 9)
    bits = head + rest
    return bits + "0" * (168 - len(bits))


def type27_bits(mmsi: int, lon: float, lat: float, sog: int, cog: int) -> str:
    return (u(27, 6) + u(0, 2) + u(mmsi, 30) + u(0, 1) + u(0, 1) + u(0, 4)
            + u(round(lon * 600), 18) + u(round(lat * 600), 17) + u(sog, 6) + u(cog, 9)
            + u(0, 1) + u(0, 1))  # fmt: skip


def type5_bits(mmsi: int, callsign: str, name: str) -> str:
    bits = (u(5, 6) + u(0, 2) + u(mmsi, 30) + u(0, 2) + u(9123456, 30) + text6(callsign, 42)
            + text6(name, 120))  # fmt: skip
    bits += u(70, 8) + u(100, 9) + u(20, 9) + u(5, 6) + u(5, 6) + u(1, 4) + u(0, 20)
    bits += u(80, 8) + text6("HAIFA", 120) + u(0, 1) + u(0, 1)
    assert len(bits) == 424
    return bits


def reports(out: list[TrackReport | Skip]) -> list[TrackReport]:
    return [o for o in out if isinstance(o, TrackReport)]


def reasons(out: list[TrackReport | Skip]) -> Counter[str]:
    return Counter(o.reason for o in out if isinstance(o, Skip))


# -- hand-made sentences -------------------------------------------------------------------


@pytest.mark.parametrize("kind", [1, 2, 3, 18])
def test_position_report(kind: int) -> None:
    line = sentence(*armour(pos_bits(kind, 211331640, 34.95, 32.82, 123, 2705)))
    [r] = list(parse_ais([line], T0))
    assert r == TrackReport(
        "ais", "mmsi:211331640", "sea", T0, lon=34.95, lat=32.82, speed_kt=12.3, course_deg=270.5
    )


def test_not_available_values_become_none() -> None:
    # SOG 1023 and COG 3600 mean "not available" (ITU-R M.1371-5, message 1 table).
    line = sentence(*armour(pos_bits(1, 211331640, -5.5, 36.1, 1023, 3600)))
    [r] = list(parse_ais([line], T0))
    assert isinstance(r, TrackReport)
    assert (r.lon, r.lat, r.speed_kt, r.course_deg) == (-5.5, 36.1, None, None)
    # lon 181 / lat 91: no position, so no report (a track never sits at 181, 91).
    for lon, lat in ((181, 36.1), (-5.5, 91)):
        line = sentence(*armour(pos_bits(1, 211331640, lon, lat, 0, 0)))
        assert reasons(list(parse_ais([line], T0))) == {"no_position": 1}
    # 102.2 kn is "102.2 or more": kept.
    line = sentence(*armour(pos_bits(18, 211331640, 1.0, 2.0, 1022, 0)))
    assert reports(list(parse_ais([line], T0)))[0].speed_kt == 102.2


def test_type27_long_range() -> None:
    line = sentence(*armour(type27_bits(247320160, 12.5, -33.25, 14, 95)))
    [r] = list(parse_ais([line], T0))
    assert isinstance(r, TrackReport)
    assert (r.track_id, r.lon, r.lat, r.speed_kt, r.course_deg) == (
        "mmsi:247320160", 12.5, -33.25, 14.0, 95.0)  # fmt: skip
    # SOG 63 and COG 511 are "not available" for message 27.
    line = sentence(*armour(type27_bits(247320160, 12.5, -33.25, 63, 511)))
    [r] = list(parse_ais([line], T0))
    assert isinstance(r, TrackReport) and r.speed_kt is None and r.course_deg is None


def test_multi_sentence_type5_gives_the_name() -> None:
    payload, fill = armour(type5_bits(366053209, "WDC2345", "SEA BREEZE"))
    lines = [
        sentence(payload[:60], 0, frag=(2, 1), seq="3", channel="B"),
        sentence(payload[60:], fill, frag=(2, 2), seq="3", channel="B"),
    ]
    out = list(parse_ais(lines, T0))
    assert out == [TrackReport("ais", "mmsi:366053209", "sea", T0, name="SEA BREEZE")]
    assert not out[0].has_position


def test_interleaved_fragments_on_two_channels() -> None:
    p1, f1 = armour(type5_bits(366053209, "WDC2345", "SEA BREEZE"))
    p2, f2 = armour(type5_bits(211331640, "DABC", "NORDSTERN"))
    lines = [
        sentence(p1[:40], 0, frag=(2, 1), seq="1", channel="A"),
        sentence(p2[:40], 0, frag=(2, 1), seq="1", channel="B"),
        sentence(p2[40:], f2, frag=(2, 2), seq="1", channel="B"),
        sentence(p1[40:], f1, frag=(2, 2), seq="1", channel="A"),
    ]
    assert [r.name for r in reports(list(parse_ais(lines, T0)))] == ["NORDSTERN", "SEA BREEZE"]


def test_type19_extended_class_b_has_position_and_name() -> None:
    bits = (u(19, 6) + u(0, 2) + u(503123456, 30) + u(0, 8) + u(55, 10) + u(1, 1)
            + u(round(151.21 * 600000), 28) + u(round(-33.86 * 600000), 27) + u(1800, 12)
            + u(511, 9) + u(60, 6) + u(0, 4) + text6("SOUTHERN CROSS", 120) + u(37, 8)
            + u(0, 30) + u(1, 4) + u(0, 3) + u(0, 4))  # fmt: skip
    assert len(bits) == 312
    [r] = list(parse_ais([sentence(*armour(bits))], T0))
    assert r == TrackReport("ais", "mmsi:503123456", "sea", T0, lon=151.21, lat=-33.86,
                            speed_kt=5.5, course_deg=180.0, name="SOUTHERN CROSS")  # fmt: skip


def test_tag_block_time_seconds_and_milliseconds() -> None:
    line = sentence(*armour(pos_bits(1, 211331640, 1.0, 2.0, 0, 0)), tag="c:1764072000,s:rx1")
    ms = sentence(*armour(pos_bits(1, 211331640, 1.0, 2.0, 0, 0)), tag="s:rx1,c:1764072000500")
    plain = sentence(*armour(pos_bits(1, 211331640, 1.0, 2.0, 0, 0)))
    out = reports(list(parse_ais([line, ms, plain], lambda: T0)))
    assert [r.time for r in out] == [
        datetime(2025, 11, 25, 12, 0, tzinfo=UTC),
        datetime(2025, 11, 25, 12, 0, 0, 500000, tzinfo=UTC),
        T0,
    ]


def test_tag_block_time_of_a_fragmented_message_is_its_first() -> None:
    payload, fill = armour(type5_bits(366053209, "WDC2345", "SEA BREEZE"))
    lines = [
        sentence(payload[:60], 0, frag=(2, 1), seq="4", tag="g:1-2-77,c:1764072000"),
        sentence(payload[60:], fill, frag=(2, 2), seq="4", tag="g:2-2-77"),
    ]
    [r] = list(parse_ais(lines, T0))
    assert isinstance(r, TrackReport) and r.time == datetime(2025, 11, 25, 12, tzinfo=UTC)


def test_naive_received_at_is_refused() -> None:
    with pytest.raises(ValueError):
        AisDecoder(datetime(2026, 1, 1))


# -- bad input: one reason each ------------------------------------------------------------

GOOD = sentence(*armour(pos_bits(1, 211331640, 34.95, 32.82, 123, 2705)))


def flip_checksum(line: str) -> str:
    return line[:-2] + f"{int(line[-2:], 16) ^ 1:02X}"


@pytest.mark.parametrize(
    ("line", "reason"),
    [
        (flip_checksum(GOOD), "bad_checksum"),
        (GOOD.replace(",A,", ",B,", 1), "bad_checksum"),  # corrupted in transit
        (GOOD[:-3], "malformed"),  # no checksum
        (GOOD[:30], "malformed"),  # truncated mid-line
        ("IamNotAnAisMessage1111", "malformed"),
        ("\x00\xff garbage ¤", "malformed"),
        (sentence("", 0), "empty_payload"),
        (sentence(*armour(pos_bits(1, 211331640, 1, 2, 0, 0)[:100])), "truncated"),
        (sentence(*armour(u(4, 6) + u(0, 2) + u(3669702, 30) + "0" * 130)), "unsupported_type"),
        (sentence(*armour(u(63, 6) + "0" * 162)), "unsupported_type"),
        (
            sentence(*armour(u(24, 6) + u(0, 2) + u(1, 30) + u(2, 2) + "0" * 128)),
            "unsupported_type",
        ),
        (sentence(*armour(pos_bits(1, 0, 1, 2, 0, 0))), "no_mmsi"),
        (sentence(*armour(pos_bits(1, 211331640, 190, 2, 0, 0))), "impossible_position"),
        (sentence(*armour(pos_bits(1, 211331640, 1, 2, 0, 3650))), "impossible_course"),
        (sentence(*armour(pos_bits(1, 211331640, 1, 2, 0, 0)), frag=(0, 1)), "malformed"),
        (sentence(armour(pos_bits(1, 211331640, 1, 2, 0, 0))[0], 7), "malformed"),
        (sentence(*armour(type5_bits(1, "", ""))), "no_name"),
        ("$GPGGA,123519,4807.038,N,01131.000,E,1,08,0.9,545.4,M,46.9,M,,*47", "not_ais"),
        ("\\c:1764072000*00\\" + GOOD, "bad_checksum"),  # tag block checksum
        ("\\c:1764072000*2A" + GOOD, "malformed"),  # unterminated tag block
        ("\\c:soon*" + f"{nmea_checksum('c:soon'):02X}\\" + GOOD, "malformed"),
    ],
)
def test_bad_line_is_skipped_with_its_reason(line: str, reason: str) -> None:
    out = list(parse_ais(["", "# comment", line], T0))
    assert len(out) == 1 and isinstance(out[0], Skip), out
    assert (out[0].reason, out[0].where) == (reason, "line 3")


def test_orphan_and_out_of_order_fragments() -> None:
    payload, fill = armour(type5_bits(366053209, "WDC2345", "SEA BREEZE"))
    first = sentence(payload[:60], 0, frag=(2, 1), seq="3")
    second = sentence(payload[60:], fill, frag=(2, 2), seq="3")
    # second before first: both orphans (the first waits until the end of input)
    out = list(parse_ais([second, first], T0))
    assert [(s.reason, s.where) for s in out if isinstance(s, Skip)] == [
        ("orphan_fragment", "line 1"), ("orphan_fragment", "line 2")]  # fmt: skip
    # a first fragment restarted before its message ended: the older one is dropped
    out = list(parse_ais([first, first, second], T0))
    assert reasons(out) == {"orphan_fragment": 1} and len(reports(out)) == 1


def test_fragment_buffer_is_bounded() -> None:
    payload, _ = armour(type5_bits(366053209, "WDC2345", "SEA BREEZE"))
    dec = AisDecoder(T0, max_pending=4, max_gap_lines=10)
    out = []
    for i in range(10):  # ten open messages on distinct ids
        out += dec.feed(sentence(payload[:60], 0, frag=(2, 1), seq=str(i)))
    assert len(dec._pending) == 4 and reasons(out) == {"orphan_fragment": 6}
    for _ in range(11):  # and lines later, the rest expire without a flush
        out += dec.feed(GOOD)
    assert not dec._pending and reasons(out) == {"orphan_fragment": 10}


# -- never raises ---------------------------------------------------------------------------


def check_all(out: list[TrackReport | Skip]) -> None:
    for o in out:
        assert isinstance(o, Skip | TrackReport)
        if isinstance(o, TrackReport):
            assert implausible(o) is None and o.time.tzinfo is not None
            assert o.has_position or o.name


VALID = [
    GOOD,
    sentence(*armour(type27_bits(247320160, 12.5, -33.25, 14, 95))),
    *(
        sentence(p, f, frag=(2, i + 1), seq="1")
        for i, (p, f) in enumerate(
            (lambda pf: [(pf[0][:60], 0), (pf[0][60:], pf[1])])(
                armour(type5_bits(366053209, "WDC2345", "SEA BREEZE"))
            )
        )
    ),
]


@settings(max_examples=300, deadline=None)
@given(st.lists(st.text(max_size=120), max_size=8))
def test_arbitrary_text_never_raises(lines: list[str]) -> None:
    check_all(list(parse_ais(lines, T0)))


@settings(max_examples=500, deadline=None)
@given(
    st.lists(
        st.tuples(
            st.sampled_from(VALID),
            st.integers(0, 200),
            st.sampled_from(["del", "ins", "swap", "recheck"]),
            st.characters(min_codepoint=32, max_codepoint=126),
        ),
        min_size=1,
        max_size=6,
    )
)
def test_mutated_sentences_never_raise(muts: list[tuple[str, int, str, str]]) -> None:
    lines = []
    for line, at, how, ch in muts:
        i = at % len(line)
        if how == "del":
            line = line[:i] + line[i + 1 :]
        elif how == "ins":
            line = line[:i] + ch + line[i:]
        elif how == "swap":
            line = line[:i] + ch + line[i + 1 :]
        else:  # mutate the body, then make the checksum right again: reaches the decoder
            body = line[1:].rpartition("*")[0]
            j = at % len(body)
            body = body[:j] + ch + body[j + 1 :]
            line = f"!{body}*{nmea_checksum(body):02X}"
        lines.append(line)
    check_all(list(parse_ais(lines, T0)))


@settings(max_examples=200, deadline=None)
@given(st.lists(st.tuples(st.booleans(), st.text(max_size=80)), max_size=12))
def test_garbage_between_good_lines_costs_no_good_report(mix: list[tuple[bool, str]]) -> None:
    # Garbage never swallows a good sentence, and each line gives at most one output.
    lines = [GOOD if good else junk for good, junk in mix]
    out = list(parse_ais(lines, T0))
    check_all(out)
    assert len(reports(out)) == sum(good for good, _ in mix)
    assert len(out) <= len(lines)


# -- real captures (pyais's test files, MIT) ----------------------------------------------


def read(name: str) -> list[str]:
    return (DATA / name).read_text(encoding="utf-8", errors="replace").splitlines()


def fields(line: str) -> list[str]:
    return line.split("*")[0].split(",")


@needs_data
def test_nmea_data_sample_counts() -> None:
    lines = read("nmea_data_sample.txt")
    out = list(parse_ais(lines, T0))
    check_all(out)
    # Expected counts from the sentences themselves, decoded here by hand.
    expect: Counter[str] = Counter()
    n_reports = 0
    names = 0
    for line in lines:
        f = fields(line)
        if not f[5]:
            expect["empty_payload"] += 1
        elif f[1] != "1":
            expect["orphan_fragment"] += 1  # this file holds first fragments only
        else:
            bits = unarmour(f[5])
            kind = int(bits[:6], 2)
            if kind in (1, 2, 3, 18):
                off = 61 if kind < 4 else 57
                lon = int(bits[off : off + 28], 2)
                lat = int(bits[off + 28 : off + 55], 2)
                if lon == 181 * 600000 or lat == 91 * 600000:
                    expect["no_position"] += 1
                else:
                    n_reports += 1
            elif kind == 24 and bits[38:40] == "01":
                expect["no_name"] += 1  # part B: callsign, no name (test_ais_assembly)
            elif kind == 24:
                n_reports += 1
                names += 1
            else:
                expect["unsupported_type"] += 1
    assert reasons(out) == expect
    assert len(reports(out)) == n_reports
    assert sum(1 for r in reports(out) if r.name) == names
    # The published counts, so a change in either side shows up here.
    assert (len(reports(out)), dict(reasons(out))) == (
        759,
        {
            "empty_payload": 100,
            "unsupported_type": 14,
            "orphan_fragment": 20,
            "no_position": 4,
            "no_name": 1,  # one type 24 part B
        },
    )


def hand_decode(payload: str) -> tuple[int, float, float, float | None, float | None]:
    """MMSI, lon, lat, SOG, COG of a type 1/2/3/18 payload, by ITU-R M.1371-5 bit offsets:
    MMSI 8-37; type 1-3: SOG 50-59, lon 61-88, lat 89-115, COG 116-127; type 18: 4 bits
    later (an 8-bit reserved field instead of status and rate of turn).
    """
    bits = unarmour(payload)

    def signed(b: str) -> int:
        return int(b, 2) - (1 << len(b)) * (b[0] == "1")

    d = 0 if int(bits[:6], 2) < 4 else -4
    sog, cog = int(bits[50 + d : 60 + d], 2), int(bits[116 + d : 128 + d], 2)
    return (
        int(bits[8:38], 2),
        signed(bits[61 + d : 89 + d]) / 600000,
        signed(bits[89 + d : 116 + d]) / 600000,
        None if sog == 1023 else sog / 10,
        None if cog == 3600 else cog / 10,
    )


def test_pyais_readme_sentence_matches_hand_decoding() -> None:
    line = "!AIVDM,1,1,,B,15NG6V0P01G?cFhE`R2IU?wn28R>,0*05"  # pyais README's first example
    mmsi, lon, lat, sog, cog = hand_decode(fields(line)[5])
    [r] = list(parse_ais([line], T0))
    assert isinstance(r, TrackReport)
    assert (r.track_id, r.speed_kt, r.course_deg) == (f"mmsi:{mmsi}", sog, cog)
    assert r.lon == pytest.approx(lon, abs=1e-6) and r.lat == pytest.approx(lat, abs=1e-6)


@needs_data
def test_every_real_position_matches_hand_decoding() -> None:
    checked = 0
    for name in ("nmea_data_sample.txt", "mixed.txt", "sample.ais", "messages.ais"):
        for line in read(name):
            f = fields(line)
            if line[:1] != "!" or len(f) < 7 or f[1] != "1" or not f[5]:
                continue
            if int(unarmour(f[5][0]), 2) not in (1, 2, 3, 18):
                continue
            out = list(parse_ais([line], T0))
            mmsi, lon, lat, sog, cog = hand_decode(f[5])
            if lon == 181 or lat == 91:
                continue
            [r] = out
            if isinstance(r, Skip):  # a checksum that does not match: nothing to compare
                assert r.reason == "bad_checksum", (line, r)
                continue
            assert (r.track_id, r.speed_kt, r.course_deg) == (f"mmsi:{mmsi}", sog, cog), line
            assert r.lon == pytest.approx(lon, abs=1e-6), line
            assert r.lat == pytest.approx(lat, abs=1e-6), line
            checked += 1
    assert checked > 700


@needs_data
def test_other_sample_files() -> None:
    # sample.ais: lines 2-7, 20 and 22 are plain sentences; 13-14 a type 5 in two fragments
    # with tag blocks (c:1428621738 on the first); 10 is garbage; 12, 15 and 16 have a tag
    # block checksum of one digit ("*A": malformed); 17's tag block and 21 ($PGHP) have a
    # checksum that does not match (checked here with a plain XOR).
    lines = read("sample.ais")

    def xor(text: str) -> int:
        return reduce(operator.xor, text.encode(), 0)

    assert xor("s:blah,c:1747818025") != 0x5A
    assert xor(lines[20][1:].split("*")[0]) != int(lines[20].split("*")[1], 16)
    out = list(parse_ais(lines, T0))
    check_all(out)
    named = [r for r in reports(out) if r.name]
    assert len(named) == 1 and named[0].time == datetime.fromtimestamp(1428621738, tz=UTC)
    assert [(s.reason, s.where) for s in out if isinstance(s, Skip)] == [
        ("malformed", "line 10"),
        ("malformed", "line 12"),
        ("malformed", "line 15"),
        ("malformed", "line 16"),
        ("bad_checksum", "line 17"),
        ("bad_checksum", "line 21"),
    ]
    assert len(reports(out)) == 9
    # mixed.txt: sample.ais plus five other NMEA sentences ($GPGGA, $GPRTE, $GPR00, $IIMWV,
    # a valid $PGHP) and a last AIVDM line whose checksum does not match.
    last = read("mixed.txt")[34]
    assert xor(last[1:].split("*")[0]) != int(last.split("*")[1], 16)
    out = list(parse_ais(read("mixed.txt"), T0))
    check_all(out)
    assert (len(reports(out)), reasons(out)) == (
        10, {"not_ais": 5, "malformed": 5, "bad_checksum": 1})  # fmt: skip
    assert out[-1] == Skip("bad_checksum", "line 35")
    # messages.ais: six good sentences among comments and blank lines.
    msgs = list(parse_ais(read("messages.ais"), T0))
    assert (len(reports(msgs)), reasons(msgs)) == (6, {})
