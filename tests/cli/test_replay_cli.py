"""`interlock replay` against a real server: each event printed as it happened, with
names, a status line per step, and bad options refused (exit 2) naming the option."""

from __future__ import annotations

from datetime import timedelta

import pytest
from tests.conftest import T0, LiveServer, circle
from typer.testing import CliRunner, Result

from interlock.cli.main import app
from interlock.cli.replay import MAX_STEPS
from interlock.model.timeutil import iso

pytestmark = pytest.mark.manual_ticks
runner = CliRunner()


def replay(server: LiveServer | None, *args: str) -> Result:
    url = server.url if server else "http://127.0.0.1:9"  # nothing listens: unreachable
    token = server.tokens["blue"] if server else "il_none"
    return runner.invoke(
        app, ["replay", *args, "--url", url, "--token", token], env={"COLUMNS": "100"}
    )


def test_replay_prints_events_as_they_happen_and_a_status_line_per_step(
    live_server: LiveServer,
) -> None:
    blue, red = live_server.client("blue"), live_server.client("red")
    clock = live_server.clock
    a = blue.post("/notices", json=circle(35.0, 35.0, callsign="PATROL 21")).json()
    clock.advance(seconds=30)
    b = red.post("/notices", json=circle(35.05, 35.0, callsign="SHIELD 3")).json()
    assert b["conflicts"], "the two notices conflict"
    clock.advance(seconds=60)
    assert red.post(f"/notices/{b['notice']['id']}/cancel").status_code == 200
    clock.advance(minutes=5)
    r = replay(
        live_server,
        "--from",
        iso(T0),
        "--to",
        iso(T0 + timedelta(minutes=2)),
        "--step",
        "60",
        "--speed",
        "max",
    )
    assert r.exit_code == 0, r.output
    lines = r.output.splitlines()
    assert all(len(line) <= 100 for line in lines)
    status = [line for line in lines if "notices in force" in line]
    assert [s.split("UTC")[0].strip() for s in status] == ["08:00:00", "08:01:00", "08:02:00"]
    assert [s.split("notices in force ")[1].split()[0] for s in status] == ["1", "2", "1"]
    assert [s.split("conflicts open ")[1].split()[0] for s in status] == ["0", "1", "0"]
    assert "tracks 0" in status[0] and "alerts open 0" in status[0]
    text = "\n".join(lines)
    assert "08:00:00  filed" in text and "Blue command filed PATROL 21 (air" in text
    assert "08:00:30  CONFLICT" in text and "SHIELD 3 (Red airbase)" in text
    assert "08:01:30  cancelled" in text and "08:01:30  closed" in text
    assert a["notice"]["id"] not in text and b["notice"]["id"] not in text  # names, not ids
    # each event before the status line of the step it falls in
    at = {
        key: next(i for i, line in enumerate(lines) if key in line)
        for key in ("08:00:30  CONFLICT", "08:01:00 UTC", "08:01:30  closed", "08:02:00 UTC")
    }
    assert at["08:00:30  CONFLICT"] < at["08:01:00 UTC"] < at["08:01:30  closed"]
    assert at["08:01:30  closed"] < at["08:02:00 UTC"]
    # speeds at the bounds (one step: no waiting)
    for speed in ("1", "60", "0", "MAX"):
        one = replay(live_server, "--from", iso(T0), "--to", iso(T0), "--speed", speed)
        assert one.exit_code == 0 and "notices in force" in one.output, (speed, one.output)


@pytest.mark.parametrize(
    ("args", "option"),
    [
        (("--speed", "61"), "--speed"),
        (("--speed", "0.99"), "--speed"),
        (("--speed", "fast"), "--speed"),
        (("--step", "0"), "--step"),
        (("--step", "-5"), "--step"),
        (("--step", "nan"), "--step"),
        (("--bbox", "1,2,3"), "--bbox"),
        (("--from", "yesterday"), "--from"),
        (("--to", "2026-12-01T07:59:59Z"), "--to"),  # before --from
        (("--to", "2026-12-08T08:00:01Z"), "--to"),  # over 7 days
        (("--from", "2200-01-01T00:00:00Z", "--to", "2200-01-01T00:00:00Z"), "--from"),
    ],
)
def test_bad_options_exit_2_naming_the_option(args: tuple[str, ...], option: str) -> None:
    base = {"--from": iso(T0), "--to": iso(T0 + timedelta(hours=1))}
    given = dict(zip(args[::2], args[1::2], strict=True))
    flat = [x for k, v in {**base, **given}.items() for x in (k, v)]
    r = replay(None, *flat)
    assert r.exit_code == 2, r.output
    assert option in r.output and "cannot reach" not in r.output, r.output


def test_steps_are_bounded_just_under_at_and_over() -> None:
    week = ["--from", iso(T0), "--to", iso(T0 + timedelta(days=7))]
    assert MAX_STEPS == 7 * 24 * 60 + 1
    at = replay(None, *week, "--step", "60")  # MAX_STEPS steps: accepted, then unreachable
    assert at.exit_code == 2 and "cannot reach" in at.output, at.output
    over = replay(None, *week, "--step", "59.99")
    assert over.exit_code == 2 and "--step" in over.output, over.output
