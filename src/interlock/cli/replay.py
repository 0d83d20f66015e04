"""`interlock replay`: step through a past stretch of time in the terminal.

The server rebuilds each moment (GET /picture?at=) and says what happened between two
(GET /picture/events); this command walks from --from to --to in steps of --step seconds
of the record, each step taking step / speed seconds of the reader's time (1× to 60×, or
`max`: as fast as the server answers), and prints each event as it happens (UTC to the
second, names not ids) and a status line per step: the moment, the tracks shown, the
notices in force, the open conflicts and alerts.
"""

from __future__ import annotations

import math
import time
from collections.abc import Iterator
from datetime import datetime, timedelta
from typing import Any

import typer

from ..errors import InvalidInput
from ..geo.boxes import parse_bbox
from ..model.timeutil import iso, parse_utc
from ..service.replay import MAX_EVENTS, MAX_EVENTS_SPAN, check_events_window
from .common import Api, ExitCode, console, fail, reported_errors, token_option, url_option
from .readable import clip, hhmm

MAX_SPEED = 60.0  # 1× to 60×: the range replay tools offer duty officers (the page's too)
MIN_SPEED = 1.0
# GET /picture requests one replay may make: the longest span at one step a minute.
MAX_STEPS = int(MAX_EVENTS_SPAN / timedelta(minutes=1)) + 1
DEFAULT_STEP_S = 60.0
# How each kind of event is shown in the terminal (service.replay.EVENT_KINDS).
KIND_WORDS = {
    "notice_filed": "filed",
    "notice_amended": "amended",
    "notice_cancelled": "cancelled",
    "conflict_detected": "CONFLICT",
    "conflict_closed": "closed",
    "message_sent": "message",
    "message_delivered": "delivered",
    "message_acknowledged": "acked",
    "escalation": "ESCALATED",
    "alert_raised": "ALERT",
    "alert_cleared": "cleared",
    "hazard_reported": "hazard",
    "hazard_retired": "retired",
    "asset_registered": "asset",
    "asset_retired": "retired",
    "channel_up": "up",
    "channel_down": "DOWN",
}
KIND_WIDTH = max(len(w) for w in KIND_WORDS.values())
TIME_WIDTH = len("07 Dec 14:05:09")  # hhmm(seconds=True) on another day than the step's


def _speed(text: str) -> float | None:
    """--speed: a number of times real time, 1 to 60; `max` or 0 for as fast as can be
    (None)."""
    if text.strip().lower() == "max":
        return None
    try:
        value = float(text)
    except ValueError:
        fail(f"--speed: {text!r} is not a number (1 to 60, or max)")
    if value == 0:
        return None
    if not MIN_SPEED <= value <= MAX_SPEED:
        fail(f"--speed: {text} is outside 1 to {MAX_SPEED:g} (or 0 / max: as fast as can be)")
    return value


def _moment(text: str, option: str) -> datetime:
    try:
        return parse_utc(text, option)
    except InvalidInput as exc:
        fail(exc.detail)


def _bbox(text: str | None) -> str | None:
    try:
        parse_bbox(text)  # the server's own reading, refused here before any request
    except InvalidInput as exc:
        fail(f"--bbox: {exc.detail.removeprefix('bbox: ')}")
    return text


def steps(start: datetime, end: datetime, step: timedelta) -> Iterator[datetime]:
    """start, start + step, ... and end itself (the last step may be shorter)."""
    t = start
    while t < end:
        yield t
        t += step
    yield end


def _events(api: Api, start: datetime, end: datetime) -> list[dict[str, Any]]:
    """Every event from start to end, in pages of MAX_EVENTS (a page ending at an instant
    shared with the next is read again from that instant, without repeats)."""
    out: list[dict[str, Any]] = []
    seen: set[tuple[str, str, str, str]] = set()
    t0 = iso(start)
    while True:
        page = api.call(
            "GET", "/picture/events", params={"from": t0, "to": iso(end), "limit": MAX_EVENTS}
        )
        fresh = 0
        for e in page:
            key = (e["time"], e["kind"], e["ref"], e["text"])
            if key not in seen:
                seen.add(key)
                out.append(e)
                fresh += 1
        if len(page) < MAX_EVENTS or fresh == 0:
            return out
        t0 = page[-1]["time"]


def _status(picture: dict[str, Any], at: datetime) -> str:
    return " · ".join(
        (
            f"{hhmm(at, at, seconds=True)} UTC" + (" (live)" if picture["live"] else ""),
            f"tracks {len(picture['tracks']['features'])}",
            f"notices in force {len(picture['notices']['features'])}",
            f"conflicts open {len(picture['conflicts'])}",
            f"alerts open {len(picture['alerts']['alerts'])}",
        )
    )


def replay(
    start: str = typer.Option(..., "--from", help="from this moment (ISO 8601, UTC offset)"),
    end: str = typer.Option(..., "--to", help="to this moment (at most 7 days after --from)"),
    speed: str = typer.Option(
        "1", "--speed", help="times real time, 1 to 60; max (or 0): as fast as can be"
    ),
    step: float = typer.Option(
        DEFAULT_STEP_S, "--step", help="seconds of the record between two status lines"
    ),
    bbox: str | None = typer.Option(
        None, "--bbox", help="only what lies in min_lon,min_lat,max_lon,max_lat"
    ),
    url: str = url_option(),
    token: str | None = token_option(),
) -> None:
    """Step through a past stretch of time: each event as it happened, and a status line
    per step (tracks shown, notices in force, open conflicts and alerts)."""
    t0, t1 = _moment(start, "--from"), _moment(end, "--to")
    try:
        check_events_window(t0, t1, 1)
    except InvalidInput as exc:
        fail("--to: " + exc.detail.removeprefix("to: ").replace("from", "--from"))
    pace = _speed(speed)
    if not math.isfinite(step) or step <= 0:
        fail(f"--step: {step:g} is not a positive number of seconds")
    count = math.ceil((t1 - t0).total_seconds() / step) + 1
    if count > MAX_STEPS:
        least = (t1 - t0).total_seconds() / (MAX_STEPS - 1)
        fail(f"--step: {count:,} steps is over {MAX_STEPS:,}: take at least {least:,.0f} s")
    box = _bbox(bbox)
    api = Api(url, token)
    width = console.width
    with reported_errors():
        events = _events(api, t0, t1)
        shown = 0
        began = time.monotonic()
        for t in steps(t0, t1, timedelta(seconds=step)):
            if pace is not None:  # this step's place on the reader's clock
                due = began + (t - t0).total_seconds() / pace
                time.sleep(max(0.0, due - time.monotonic()))
            params = {"at": iso(t)} | ({"bbox": box} if box else {})
            picture = api.call("GET", "/picture", params=params)
            while shown < len(events) and parse_utc(events[shown]["time"], "time") <= t:
                e = events[shown]
                when = hhmm(e["time"], t, seconds=True)
                word = KIND_WORDS.get(e["kind"], e["kind"])
                line = f"{when:>{TIME_WIDTH}}  {word:<{KIND_WIDTH}}  "
                console.print(
                    line + clip(e["text"], max(width - len(line), 20)),
                    markup=False,
                    highlight=False,
                    soft_wrap=True,
                )
                shown += 1
            console.print(
                clip(_status(picture, t), width), style="bold", markup=False, highlight=False
            )
    raise typer.Exit(ExitCode.OK)
