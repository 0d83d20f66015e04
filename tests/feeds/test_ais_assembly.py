"""AIS multi-sentence assembly and static messages, checked against pyais's own stream.

pyais's `IterMessages` keys a message's fragments by sequential id, channel, talker,
sentence formatter and fragment count; an own-ship `!AIVDO` and an `!AIVDM` (or another
talker's `!BSVDM`) with one sequential id and channel are two messages. Sentences are
built bit by bit here (test_ais's encoder), so the expected names come from the sentences,
and pyais's decoding of the same lines is the independent oracle.
"""

from __future__ import annotations

from collections import Counter
from datetime import timedelta

import pytest
from pyais.stream import IterMessages
from tests.feeds.conftest import DATA, needs_data, u
from tests.feeds.test_ais import (
    T0,
    armour,
    pos_bits,
    reasons,
    reports,
    sentence,
    text6,
    type5_bits,
)

from interlock.feeds.ais import parse_ais
from interlock.model.picture import Picture
from interlock.model.track import Skip, TrackReport

OWN, OTHER = 366053209, 211331640


def split5(mmsi: int, name: str, talker: str, seq: str = "3", ch: str = "A") -> list[str]:
    """A type 5 message as two sentences of `talker` with sequential id `seq`."""
    payload, fill = armour(type5_bits(mmsi, "WDC2345", name))
    return [
        sentence(payload[:60], 0, frag=(2, 1), seq=seq, channel=ch, talker=talker),
        sentence(payload[60:], fill, frag=(2, 2), seq=seq, channel=ch, talker=talker),
    ]


def pyais_names(lines: list[str]) -> list[tuple[int, str]]:
    """(mmsi, name) of each type 5 message pyais assembles from `lines`."""
    out = []
    for msg in IterMessages([line.encode() for line in lines]):
        try:
            d = msg.decode()
        except Exception:  # empty payloads, unknown types: not a type 5 either way
            continue
        if d.msg_type == 5:
            out.append((d.mmsi, d.shipname))
    return out


def our_names(lines: list[str]) -> list[tuple[int, str]]:
    return [(int(r.track_id[5:]), r.name) for r in reports(list(parse_ais(lines, T0))) if r.name]


@pytest.mark.parametrize("other_talker", ["AIVDM", "BSVDM", "AIVDO"])
def test_interleaved_messages_of_two_talkers_or_formatters_both_decode(
    other_talker: str,
) -> None:
    own = split5(OWN, "OWN SHIP", "AIVDO")
    other = split5(OTHER, "SEA BREEZE", other_talker if other_talker != "AIVDO" else "ABVDO")
    lines = [own[0], other[0], own[1], other[1]]  # one seq id and channel, interleaved
    expect = sorted([(OWN, "OWN SHIP"), (OTHER, "SEA BREEZE")])
    assert sorted(pyais_names(lines)) == expect  # the oracle
    assert sorted(our_names(lines)) == expect
    assert not reasons(list(parse_ais(lines, T0)))


def test_a_vdo_fragment_never_completes_a_vdm_message() -> None:
    own = split5(OWN, "OWN SHIP", "AIVDO")
    other = split5(OTHER, "SEA BREEZE", "AIVDM")
    # The VDM's first and the VDO's second: once keyed by (count, id, channel) only, they
    # made one message of two ships' halves. Now each is an orphan, counted by reason.
    lines = [other[0], own[1]]
    assert pyais_names(lines) == []
    out = list(parse_ais(lines, T0))
    assert reports(out) == []
    assert [(s.reason, s.where) for s in out if isinstance(s, Skip)] == [
        ("orphan_fragment", "line 2"),  # the VDO's second: no first seen for it
        ("orphan_fragment", "line 1"),  # the VDM's first: never completed (end of input)
    ]
    # With the VDO's first before its second and the VDM's second missing: one message.
    lines = [other[0], own[0], own[1]]
    out = list(parse_ais(lines, T0))
    assert our_names(lines) == pyais_names(lines) == [(OWN, "OWN SHIP")]
    assert reasons(out) == {"orphan_fragment": 1}


@needs_data
@pytest.mark.parametrize("name", ["mixed.txt", "nmea_data_sample.txt", "sample.ais"])
def test_real_files_assemble_as_pyais_does(name: str) -> None:
    # (nmea_data_sample.txt holds first fragments only: no type 5 on either side)
    lines = (DATA / name).read_text(encoding="utf-8", errors="replace").splitlines()
    theirs = Counter(pyais_names(lines))
    ours = Counter(our_names(lines))
    # Our names also come from type 19 and 24 A; pyais's type 5 names must all be ours.
    assert not theirs - ours


# -- type 24: part A names the ship, part B never does ---------------------------------------

MMSI24 = 244660000


def part_a(name: str) -> str:
    return sentence(*armour(u(24, 6) + u(0, 2) + u(MMSI24, 30) + u(0, 2) + text6(name, 120)))


def part_b(callsign: str) -> str:
    bits = (u(24, 6) + u(0, 2) + u(MMSI24, 30) + u(1, 2) + u(37, 8) + u(0, 42)
            + text6(callsign, 42) + u(0, 30) + u(0, 6))  # fmt: skip
    return sentence(*armour(bits))


def position() -> str:
    return sentence(*armour(pos_bits(18, MMSI24, 4.3, 51.9, 52, 900)))


def test_type24_part_b_gives_no_name_and_pyais_agrees_it_has_none() -> None:
    [msg] = list(IterMessages([part_b("PD1234").encode()]))
    d = msg.decode()
    assert (d.partno, d.callsign, getattr(d, "shipname", None)) == (1, "PD1234", None)
    out = list(parse_ais([part_a("KLEINE BEER"), part_b("PD1234")], T0))
    assert [(r.track_id, r.name) for r in reports(out)] == [("mmsi:244660000", "KLEINE BEER")]
    assert [(s.reason, s.where, s.detail) for s in out if isinstance(s, Skip)] == [
        ("no_name", "line 2", "type 24 part B")
    ]


@pytest.mark.parametrize("order", ["A, B", "B, A"])
def test_type24_part_b_never_replaces_the_name_in_the_picture(order: str) -> None:
    statics = [part_a("KLEINE BEER"), part_b("PD1234")]
    if order == "B, A":
        statics.reverse()
    lines = [position(), *statics, part_b("PD9999")]
    picture = Picture()
    clock = iter(T0 + timedelta(seconds=s) for s in range(100))
    for out in parse_ais(lines, lambda: next(clock)):
        if isinstance(out, TrackReport):
            picture.apply(out)
    state = picture.get(f"mmsi:{MMSI24}")
    assert state is not None and state.name == "KLEINE BEER"


def test_type5_callsign_is_not_taken_for_a_missing_name() -> None:
    payload, fill = armour(type5_bits(OWN, "WDC2345", ""))
    out = list(parse_ais([sentence(payload, fill)], T0))
    assert reports(out) == [] and reasons(out) == {"no_name": 1}
