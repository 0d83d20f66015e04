"""The demo's recorded feed: real lines, times moved to now, a new aircraft each pass,
replayed through the real SBS path so tracks appear and move."""

from __future__ import annotations

import threading
import time
from datetime import UTC, datetime, timedelta

from tests.conftest import make_agreement

from interlock.feeds.readers import line_time
from interlock.feeds.sbs import parse_sbs
from interlock.model.track import Skip
from interlock.service.demo_feed import TRAFFIC_FILE, read_recording, rebased, replay_forever
from interlock.service.scenario import DEFAULT_SCENARIO
from interlock.service.tracks import TrackService

LINES = read_recording(DEFAULT_SCENARIO / TRAFFIC_FILE)  # committed with the scenario
START = datetime(2030, 3, 1, 12, 0, tzinfo=UTC)


def test_the_recording_is_real_sbs_that_parses_without_a_skip() -> None:
    assert len(LINES) > 5_000
    out = list(parse_sbs(LINES))
    assert not [x for x in out if isinstance(x, Skip)]
    assert len({x.track_id for x in out}) > 50  # dozens of aircraft


def test_rebasing_moves_times_and_gives_each_pass_new_aircraft() -> None:
    first, second = rebased(LINES, START, 0), rebased(LINES, START, 1)
    assert line_time("sbs", first[0]) == START.timestamp()
    span = line_time("sbs", LINES[-1]) - line_time("sbs", LINES[0])  # type: ignore[operator]
    assert line_time("sbs", first[-1]) == START.timestamp() + span
    icao = lambda lines: {line.split(",")[4] for line in lines}  # noqa: E731
    assert len(icao(first)) == len(icao(LINES)) and not icao(first) & icao(second)
    # everything but the address and the times is the recording's
    keep = lambda line: line.split(",")[10:]  # noqa: E731
    assert [keep(x) for x in second] == [keep(x) for x in LINES]


def test_replay_makes_tracks_that_move() -> None:
    """100 times real time, with the service's clock running just as fast."""
    speed, m0 = 100.0, time.monotonic()

    def now() -> datetime:
        return START + timedelta(seconds=(time.monotonic() - m0) * speed)

    tracks = TrackService(make_agreement(), now)
    stop = threading.Event()
    worker = threading.Thread(
        target=replay_forever, args=(tracks, "blue", LINES, stop, now, speed), daemon=True
    )
    worker.start()
    try:
        snapshots = []
        for _ in range(2):
            time.sleep(2.0)  # 200 s of recording
            snapshots.append(
                {f["id"]: f["geometry"]["coordinates"] for f in tracks.geojson()["features"]}
            )
    finally:
        stop.set()
        worker.join(timeout=10)
    assert not worker.is_alive()
    a, b = snapshots
    assert len(a) > 10 and len(b) > 10
    moved = [k for k in a.keys() & b.keys() if a[k] != b[k]]
    assert len(moved) > 10
    assert tracks.feed_stats()["feeds"]
