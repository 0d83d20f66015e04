"""The demo's live picture: a recorded real ADS-B feed replayed, looped, times moved to now.

`interlock/scenarios/eastern-med/traffic.sbs.gz` (package data) holds BaseStation lines of
real aircraft (OpenSky state vectors shipped with the `traffic` package, moved into the
theatre; its README and the repository's `scenarios/tools/make_eastern_med_traffic.py` say
how). Each pass rewrites the lines' date and time fields so the recording starts now, and
gives every aircraft a fresh ICAO address (the pass number mixed into it): the same aircraft
jumping back to its first position would rightly be refused as an impossible jump, so each
pass is new traffic. The lines go through the real SBS path (`TrackService.ingest_lines`),
paced by their own times.
"""

from __future__ import annotations

import gzip
import threading
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

from ..feeds.readers import line_time, paced
from .tracks import TrackService

TRAFFIC_FILE = "traffic.sbs.gz"
SBS_TIME = "%Y/%m/%d", "%H:%M:%S.%f"


def read_recording(path: Path) -> list[str]:
    with gzip.open(path, "rt", encoding="ascii") as f:
        return [line.rstrip("\n") for line in f if line.strip()]


def rebased(lines: list[str], start: datetime, loop: int) -> list[str]:
    """The recording's SBS lines with times moved so its first line is at `start`, and
    each ICAO address XORed with the pass number (a new aircraft each pass)."""
    first = line_time("sbs", lines[0])
    assert first is not None, "a recording's lines carry their times"
    shift = start.timestamp() - first
    mix = (loop * 0x051F3B) & 0xFFFFFF
    out = []
    for line in lines:
        f = line.split(",")
        t = datetime.fromtimestamp((line_time("sbs", line) or first) + shift, UTC)
        day, clock = t.strftime(SBS_TIME[0]), t.strftime(SBS_TIME[1])[:-3]
        f[4] = f"{int(f[4], 16) ^ mix:06X}"
        f[6], f[7], f[8], f[9] = day, clock, day, clock
        out.append(",".join(f))
    return out


def replay_forever(
    tracks: TrackService,
    party: str,
    lines: list[str],
    stop: threading.Event,
    now: Callable[[], datetime] = lambda: datetime.now(UTC),
    speed: float = 1.0,
) -> None:
    """Feed the recording into `tracks` as `party`'s receiver would, pass after pass."""
    loop = 0
    while not stop.is_set():
        batch_lines = rebased(lines, now() + timedelta(seconds=1), loop)

        def sleep(s: float) -> None:
            stop.wait(s)

        for group in paced("sbs", batch_lines, speed, sleep=sleep, clock=time.monotonic):
            if stop.is_set():
                return
            tracks.ingest_lines(party, "sbs", group)
        loop += 1


def start_demo_feed(tracks: TrackService, scenario: Path, party: str) -> threading.Event | None:
    """Start the replay in a daemon thread (None when the scenario has no recording);
    set the returned event to stop it."""
    path = scenario / TRAFFIC_FILE
    if not path.is_file():
        return None
    stop = threading.Event()
    lines = read_recording(path)
    threading.Thread(
        target=replay_forever,
        args=(tracks, party, lines, stop),
        name="demo-feed",
        daemon=True,
    ).start()
    return stop
