"""What time a line carries, per format, and stamping untimed lines (`tracks ingest --rate`).

Each format's module owns its rule: AIS a tag block c:, SBS the generated date and time
fields, Mode S a time before the frame (or a JSON timestamp). A stamped line must decode
to a report at exactly the stamped time, through the same parser the server runs.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest
from tests.feeds.test_ais import armour, pos_bits, sentence, type5_bits
from tests.feeds.test_readers import EVEN

from interlock.errors import InvalidInput
from interlock.feeds import ais, modes, sbs
from interlock.feeds.readers import first_untimed, line_time, reports_from, stamped
from interlock.model.track import TrackReport

T = 1_796_112_000.25  # 2026-12-01 08:00:00.25 UTC
RX = datetime(2030, 1, 1, tzinfo=UTC)  # arrival time: never the answer for a stamped line
POS = sentence(*armour(pos_bits(1, 211331640, 34.95, 32.82, 123, 2705)))
P5, F5 = armour(type5_bits(366053209, "WDC2345", "SEA BREEZE"))
FIRST = sentence(P5[:60], 0, frag=(2, 1), seq="4")
SECOND = sentence(P5[60:], F5, frag=(2, 2), seq="4")
SBS_UNTIMED = "MSG,3,1,1,4CA1FA,1,,,,,,20000,,,35.0,35.0,,,,,,0"
SBS_TIMED = "MSG,3,1,1,4CA1FA,1,2026/12/01,08:00:00.250,,,,20000,,,35.0,35.0,,,,,,0"


@pytest.mark.parametrize(
    ("module", "line", "untimed"),
    [
        (ais, POS, True),
        (ais, FIRST, True),
        (ais, SECOND, False),  # a continuation takes its first sentence's time
        (ais, sentence(*armour(pos_bits(1, 1, 1, 2, 0, 0)), tag="s:rx1"), True),
        (ais, sentence(*armour(pos_bits(1, 1, 1, 2, 0, 0)), tag="c:1796112000"), False),
        (ais, "# comment", False),
        (ais, "$GPGGA,123519,4807.038,N,01131.000,E,1,08,0.9,545.4,M,46.9,M,,*47", False),
        (sbs, SBS_UNTIMED, True),
        (sbs, SBS_TIMED, False),
        (sbs, "SEL,,,", False),
        (modes, EVEN, True),
        (modes, f"*{EVEN};", True),
        (modes, json.dumps({"frame": EVEN}), True),
        (modes, f"{T} {EVEN}", False),
        (modes, json.dumps({"timestamp": T, "frame": EVEN}), False),
        (modes, "", False),
    ],
)
def test_untimed_per_format(module: object, line: str, untimed: bool) -> None:
    assert module.untimed(line) is untimed  # type: ignore[attr-defined]
    stamped_line = module.stamp(line, T)  # type: ignore[attr-defined]
    if untimed:
        assert module.line_time(stamped_line) == pytest.approx(T, abs=1e-3)  # type: ignore[attr-defined]
        assert not module.untimed(stamped_line)  # type: ignore[attr-defined]
    else:
        assert stamped_line == line  # a timed line keeps its own time


@pytest.mark.parametrize(
    ("feed", "lines"),
    [("ais", [POS]), ("ais", [FIRST, SECOND]), ("sbs", [SBS_UNTIMED]), ("modes", [EVEN])],
)
def test_a_stamped_line_decodes_at_its_stamped_time(feed: str, lines: list[str]) -> None:
    [r] = list(reports_from(feed, stamped(feed, lines, 2.0, T), received_at=RX))
    assert isinstance(r, TrackReport)
    assert r.time == datetime.fromtimestamp(T, UTC)  # line 0: start; a message: its first


def test_line_k_is_stamped_at_start_plus_k_over_rate() -> None:
    lines = ["", EVEN, "# c", EVEN]
    got = list(stamped("modes", lines, 4.0, T))
    assert got[0] == "" and got[2] == "# c"
    assert [line_time("modes", got[k]) for k in (1, 3)] == [T + 0.25, T + 0.75]
    for bad in (0.0, -1.0, float("inf"), float("nan")):
        with pytest.raises(InvalidInput):
            list(stamped("modes", lines, bad, T))


def test_first_untimed_and_first_timed_lines() -> None:
    assert first_untimed("ais", ["", SECOND, POS, POS]) == (3, None)
    assert first_untimed("sbs", [SBS_TIMED, "junk", SBS_UNTIMED]) == (3, 1)
    assert first_untimed("modes", [f"{T} {EVEN}"]) == (None, 1)
    with pytest.raises(InvalidInput):
        first_untimed("radar", [])
