"""The AIS fast path (feeds/ais_fast.py) says exactly what the pyais path says.

Every output (reports field by field, skips with reason, place and detail) of the decoder
is compared with the same decoder whose fast path is switched off, over the real sample
captures and over generated sentences: random payloads of each position type, lengths
around the fewest bits the type needs, every fill-bit count, 'not available' and extreme
values, and characters outside the armour alphabet.
"""

from __future__ import annotations

from datetime import UTC, datetime
from unittest import mock

from hypothesis import given, settings
from hypothesis import strategies as st
from tests.feeds.conftest import DATA, needs_data, u

from interlock.feeds import ais
from interlock.feeds.ais import MIN_BITS, AisDecoder, Output, nmea_checksum
from interlock.feeds.ais_fast import POSITION_MIN_BITS, Fields, position_fields

T0 = datetime(2026, 11, 25, 12, 0, tzinfo=UTC)


def armour(bits: str) -> tuple[str, int]:
    """Bits -> payload characters (NMEA 0183 6-bit armour) and the number of fill bits."""
    fill = -len(bits) % 6
    bits += "0" * fill
    vals = (int(bits[i : i + 6], 2) for i in range(0, len(bits), 6))
    return "".join(chr(v + 48 if v < 40 else v + 56) for v in vals), fill


def sentence(payload: str, fill: int, *, frag: tuple[int, int] = (1, 1), seq: str = "") -> str:
    body = f"AIVDM,{frag[0]},{frag[1]},{seq},A,{payload},{fill}"
    return f"!{body}*{nmea_checksum(body):02X}"


def decode(lines: list[str]) -> list[Output]:
    d = AisDecoder(T0)
    return [o for line in lines for o in d.feed(line)] + d.flush()


def both(lines: list[str]) -> tuple[list[Output], list[Output], int]:
    """Outputs of the decoder as shipped and as it was (every sentence through pyais), and
    how many lines the fast path decoded."""
    taken = [0]

    def counting(payload: str, fill: int) -> Fields | None:
        got = position_fields(payload, fill)
        taken[0] += got is not None
        return got

    with mock.patch.object(ais, "position_fields", counting):
        got = decode(lines)
    with mock.patch.object(ais, "position_fields", lambda payload, fill: None):
        want = decode(lines)
    return got, want, taken[0]


def test_fast_types_need_what_the_decoder_needs() -> None:
    assert all(POSITION_MIN_BITS[k] == MIN_BITS[k] for k in POSITION_MIN_BITS)


@needs_data
def test_real_captures_decode_the_same_on_both_paths() -> None:
    lines: list[str] = []
    for p in sorted(DATA.iterdir()):
        if p.suffix in (".txt", ".ais"):
            lines += p.read_text(errors="replace").splitlines()
    got, want, fast = both(lines)
    assert got == want
    assert fast > 700  # most sample lines are single-sentence position reports


def _sentence(payload: str, fill: str, seq: str, channel: str, talker: str) -> str:
    body = f"{talker},1,1,{seq},{channel},{payload},{fill}"
    return f"!{body}*{nmea_checksum(body):02X}"


# Fields a decoder reads, per type: (start, width) of mmsi, lon, lat, sog, cog
# (ITU-R M.1371-5 tables 45, 89, 90, 84), and the special values worth hitting.
LAYOUT = {
    1: ((8, 30), (61, 28), (89, 27), (50, 10), (116, 12)),
    18: ((8, 30), (57, 28), (85, 27), (46, 10), (112, 12)),
    27: ((8, 30), (44, 18), (62, 17), (79, 6), (85, 9)),
}
LAYOUT[2] = LAYOUT[3] = LAYOUT[1]
LAYOUT[19] = LAYOUT[18]
SPECIAL = {
    1: (0, 181 * 600000, 91 * 600000, 1023, 3600),
    18: (0, 181 * 600000, 91 * 600000, 1023, 3600),
    27: (0, 181 * 600, 91 * 600, 63, 511),
}
SPECIAL[2] = SPECIAL[3] = SPECIAL[1]
SPECIAL[19] = SPECIAL[18]
# Plausible ranges (mmsi, lon, lat, sog, cog) in each type's units, so most reports pass.
PLAUSIBLE = {
    1: ((1, 999_999_999), (-108_000_000, 108_000_000), (-54_000_000, 54_000_000), (0, 1022),
        (0, 3599)),
    27: ((1, 999_999_999), (-108_000, 108_000), (-54_000, 54_000), (0, 62), (0, 359)),
}  # fmt: skip
PLAUSIBLE[2] = PLAUSIBLE[3] = PLAUSIBLE[18] = PLAUSIBLE[19] = PLAUSIBLE[1]


@st.composite
def position_payloads(draw: st.DrawFn) -> tuple[str, str]:
    kind = draw(st.sampled_from(sorted(POSITION_MIN_BITS)))
    need = POSITION_MIN_BITS[kind]
    top = 312 if kind == 19 else 168
    if kind == 19:  # around the fewest bits, and around the end of the name (bit 263)
        n = draw(st.one_of(st.integers(need - 12, need + 12), st.integers(251, top + 12)))
    else:
        n = draw(st.one_of(st.integers(need - 12, need + 12), st.integers(need, top + 12)))
    bits = list(u(draw(st.integers(0, (1 << n) - 1)), n))
    bits[:6] = u(kind, 6)
    fields = zip(LAYOUT[kind], SPECIAL[kind], PLAUSIBLE[kind], strict=True)
    for (start, width), special, (low, high) in fields:
        choice = draw(st.integers(0, 9))
        if start + width > n or choice == 0:
            continue  # keep the random bits
        if choice == 1:  # 'not available', or the extremes of the field
            top_value = (1 << width) - 1
            value = draw(st.sampled_from([special, 0, top_value, 1 << (width - 1)]))
        else:
            value = draw(st.integers(low, high))
        bits[start : start + width] = u(value, width)
    if kind == 19 and n >= 263 and draw(st.booleans()):  # names padded with '@' and spaces
        name = draw(st.text(alphabet=" AZ09@", max_size=20))
        name += "".join(draw(st.sampled_from("@ ")) for _ in range(20 - len(name)))
        bits[143:263] = "".join(u(ord(c) - 64 if ord(c) >= 64 else ord(c), 6) for c in name)
    text = "".join(bits)
    payload, fill = armour(text)
    if fill and draw(st.booleans()):  # fill bits are not always zero on air
        payload, _ = armour(text + u(draw(st.integers(0, (1 << fill) - 1)), fill))
    return payload, str(fill)


@settings(max_examples=1500, deadline=None)
@given(
    position_payloads(),
    st.sampled_from(["", "0", "7", "12", "x"]),
    st.sampled_from(["A", "B", "", "1"]),
    st.sampled_from(["AIVDM", "AIVDO", "BSVDM", "aivdm"]),
)
def test_generated_position_reports_decode_the_same_on_both_paths(
    pf: tuple[str, str], seq: str, channel: str, talker: str
) -> None:
    payload, fill = pf
    line = _sentence(payload, fill, seq, channel, talker)
    got, want, _ = both([line])
    assert got == want, line


@settings(max_examples=1500, deadline=None)
@given(
    st.text(alphabet=[chr(c) for c in range(48, 127)], min_size=1, max_size=60),
    st.sampled_from(["0", "1", "2", "3", "4", "5", "6", "", "00", "9"]),
)
def test_any_payload_characters_decode_the_same_on_both_paths(payload: str, fill: str) -> None:
    # Characters outside the armour alphabet ('X'-'_', 'x'-'~'), bad fill digits, any type.
    line = _sentence(payload, fill, "", "A", "AIVDM")
    got, want, _ = both([line])
    assert got == want, line


@given(st.integers(1, 5), st.sampled_from(sorted(POSITION_MIN_BITS)))
def test_too_few_bits_go_to_pyais(short: int, kind: int) -> None:
    need = POSITION_MIN_BITS[kind]
    payload, fill = armour(u(kind, 6) + "1" * (need - 6 - short))
    assert position_fields(payload, fill) is None
    [skip] = AisDecoder(T0).feed(sentence(payload, fill))
    assert skip.reason == "truncated"  # type: ignore[union-attr]


def test_multi_sentence_and_static_types_are_not_fast() -> None:
    payload, fill = armour(u(5, 6) + "0" * 418)
    pos, pos_fill = armour(u(1, 6) + "1" * 162)
    lines = [
        sentence(payload, fill),
        sentence(payload[:40], 0, frag=(2, 1), seq="3"),
        sentence(payload[40:], fill, frag=(2, 2), seq="3"),
        sentence(pos[:20], 0, frag=(2, 1), seq="4"),
        sentence(pos[20:], pos_fill, frag=(2, 2), seq="4"),
    ]
    got, want, fast = both(lines)
    assert (got, fast) == (want, 0)
