"""Track history through the track service: the picture recorded at moments of a scripted
ingest equals the history read back at those moments; the buffer stays bounded while the
store is down; retention; what another party's history shows.

Tolerance of the comparison (stated, and asserted below): a 1 Hz track is captured live at
its own report, so the live fix is where it was at T, and the history is the geodesic
between its kept fixes around T: off by the turn's chord only (a standard-rate turn at
420 kt: radius 4.1 km, 15 deg between fixes: 35 m), here within 60 m. A track reporting
every D seconds is shown live up to D old, history interpolates to T: within its speed
times D, plus 60 m. After a track's last kept fix (the end of its data) history shows that
fix: within its speed times (interval + D). Altitude within the rule's level_ft.
"""

from __future__ import annotations

import itertools
import json
import random
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any, NamedTuple

import pytest
from pyproj import Geod
from tests.conftest import T0, Clock

from interlock.errors import PayloadTooLarge, StoreUnavailable
from interlock.geo.units import KT_IN_MPS
from interlock.model.history import HistoryRules, thin_reference
from interlock.model.timeutil import from_ts, iso, to_ts
from interlock.service.history import HistoryRecorder
from interlock.service.root import Services
from interlock.store import SqliteStore

GEOD = Geod(ellps="WGS84")
STEP_S = 1
RUN_S = 240


@dataclass
class Mover:
    """A scripted track: position, course and altitude advanced each second."""

    lon: float
    lat: float
    course: float
    speed_kt: float
    alt_ft: float | None
    turn_dps: dict[range, float] = field(default_factory=dict)  # seconds -> deg/s
    climb_fps: dict[range, float] = field(default_factory=dict)  # seconds -> ft/s

    def step(self, t: int) -> None:
        self.course = (self.course + sum(r for s, r in self.turn_dps.items() if t in s)) % 360
        if self.alt_ft is not None:
            self.alt_ft += sum(r for s, r in self.climb_fps.items() if t in s)
        self.lon, self.lat, _ = GEOD.fwd(self.lon, self.lat, self.course, self.speed_kt * KT_IN_MPS)


def own(uid: str, m: Mover, t: Any, domain: str = "air", name: str | None = None) -> dict[str, Any]:
    props = {"time": iso(t), "domain": domain, "speed_kt": m.speed_kt, "course_deg": m.course}
    if m.alt_ft is not None:
        props["alt_ft"] = m.alt_ft
    if name:
        props["name"] = name
    return {
        "type": "FeatureCollection",
        "features": [
            {
                "type": "Feature",
                "id": uid,
                "geometry": {"type": "Point", "coordinates": [m.lon, m.lat]},
                "properties": props,
            }
        ],
    }


def sbs(hexid: str, m: Mover, t: Any) -> str:
    d, c = t.strftime("%Y/%m/%d"), t.strftime("%H:%M:%S.000")
    return f"MSG,3,1,1,{hexid},1,{d},{c},{d},{c},,{m.alt_ft:.0f},,,{m.lat:.6f},{m.lon:.6f},,,,,,0"


def test_history_at_recorded_moments_equals_the_live_picture(
    services: Services, clock: Clock
) -> None:
    tracks = services.tracks
    assert tracks.history is not None
    raven = Mover(
        33.0, 34.0, 90.0, 420.0, 20_000.0, {range(60, 90): 3.0}, {range(120, 200): 2500 / 60}
    )
    viper = Mover(33.5, 34.5, 270.0, 300.0, 15_000.0)
    airliner = Mover(32.0, 33.0, 45.0, 250.0, 30_000.0, {range(150, 165): -2.0})
    frigate = Mover(34.0, 33.5, 10.0, 15.0, None)
    spacing = {"raven": 1, "viper": 1, "abc123": 1, "frigate": 20}
    speeds = {"raven": 420.0, "viper": 300.0, "abc123": 250.0, "frigate": 15.0}
    captures, seen_by_green = [], []
    for t in range(RUN_S + 1):
        now = T0 + timedelta(seconds=t)
        clock.now = now
        tracks.ingest_own_forces("blue", own("raven", raven, now, name="RAVEN1"))
        if not 100 < t < 220:  # viper falls silent for two minutes: longer than it stays fresh
            tracks.ingest_own_forces("red", own("viper", viper, now, name="VIPER2"))
        tracks.ingest_lines("blue", "sbs", [sbs("ABC123", airliner, now)])
        if t % 2 == 0:  # red sees the same airliner, half as often
            tracks.ingest_lines("red", "sbs", [sbs("ABC123", airliner, now)])
        if t % 20 == 0:
            tracks.ingest_own_forces("green", own("frigate", frigate, now, domain="sea"))
        if t % 7 == 0 and t:
            captures.append((now, tracks.geojson(include_stale=False)))
            seen_by_green.append(tracks.geojson(include_stale=False, viewer="green"))
        for m, n in ((raven, 1), (viper, 1), (airliner, 1), (frigate, 1)):
            for _ in range(n):
                m.step(t)
    last_kept = {k[0]: row.time for k, row in tracks.history._last.items()}
    checked = 0
    for (at, live), green in zip(captures, seen_by_green, strict=True):
        shown = tracks.history_at(at, viewer="green")["features"]
        assert sorted((f["id"], f["properties"]["name"]) for f in shown) == sorted(
            (f["id"], f["properties"]["name"]) for f in green["features"]
        )  # named as live: others' units by alias, without their callsigns
        hist = tracks.history_at(at)
        lf = {f["id"]: f for f in live["features"]}
        hf = {f["id"]: f for f in hist["features"]}
        assert set(hf) == set(lf), at
        for tid, f in lf.items():
            g = hf[tid]
            short = tid.split(":")[1]
            v = speeds[short] * KT_IN_MPS
            tail = to_ts(at) >= last_kept[tid]
            tol = v * (5 + spacing[short]) + 60 if tail else v * (spacing[short] - 1) + 60
            (x0, y0), (x1, y1) = f["geometry"]["coordinates"], g["geometry"]["coordinates"]
            _, _, miss = GEOD.inv(x0, y0, x1, y1)
            assert miss <= tol, (iso(at), tid, miss, tol)
            p, q = f["properties"], g["properties"]
            if p["alt_ft"] is not None:
                assert abs(p["alt_ft"] - q["alt_ft"]) <= 300
            assert (q["name"], q["owner"], q["domain"], q["stale"]) == (
                p["name"],
                p["owner"],
                p["domain"],
                False,
            )
            assert q["sources"] == p["sources"]
            checked += 1
    assert checked > 100
    # viper was gone (stale) between its silence and its return, in history as live
    gone = [at for at, live in captures if 161 <= (at - T0).total_seconds() < 220]
    assert gone and all(
        not any("red:" in f["id"] for f in tracks.history_at(at, viewer="green")["features"])
        for at in gone
    )
    # the fast path (plain rows to GeoJSON) is the reference (through TrackStates), at
    # fixes' own times, between them, on the tails, for every viewer, in and out of a bbox
    compared = 0
    for k in range(0, 4 * RUN_S + 8, 3):
        at = T0 + timedelta(seconds=k / 4)
        for viewer, bbox in ((None, None), ("green", None), ("red", (32.9, 33.0, 40.0, 40.0))):
            fast = tracks.history_at(at, bbox, viewer=viewer)
            assert fast == tracks.history_at_reference(at, bbox, viewer=viewer), (at, viewer)
            compared += len(fast["features"])
    assert compared > 500


def test_thinning_keeps_a_fraction_and_the_trails_carry_their_times(
    services: Services, clock: Clock
) -> None:
    tracks = services.tracks
    m = Mover(33.0, 34.0, 90.0, 420.0, 20_000.0, {range(30, 60): 3.0})
    for t in range(120):
        clock.now = T0 + timedelta(seconds=t)
        tracks.ingest_own_forces("blue", own("raven", m, clock.now, name="RAVEN1"))
        m.step(t)
    fc = tracks.history_trails(T0, clock.now, viewer="blue")
    (f,) = fc["features"]
    times = f["properties"]["times"]
    assert f["geometry"]["type"] == "LineString" and len(f["geometry"]["coordinates"]) == len(times)
    assert times[0] == iso(T0) and times == sorted(times)
    assert 24 <= len(times) <= 34  # every 5 s, a few more in the turn; of 120 reports
    assert (f["id"], f["properties"]["name"], f["properties"]["sources"]) == (
        "blue:raven",
        "RAVEN1",
        ["blue"],
    )
    # by place and by track; none outside
    assert tracks.history_trails(T0, clock.now, bbox=(32.9, 33.9, 33.2, 34.1))["features"]
    assert not tracks.history_trails(T0, clock.now, bbox=(10, 10, 11, 11))["features"]
    assert tracks.history_trails(T0, clock.now, track="blue:raven")["features"]
    assert not tracks.history_trails(T0, clock.now, track="blue:nobody")["features"]
    # the cap: at it an answer, one over refused naming `to`
    n = len(times)
    assert tracks.history_trails(T0, clock.now, max_fixes=n)["features"]
    with pytest.raises(PayloadTooLarge) as exc:
        tracks.history_trails(T0, clock.now, max_fixes=n - 1)
    assert exc.value.field == "to"


def test_another_partys_unit_is_only_what_live_visibility_shows(
    services: Services, clock: Clock
) -> None:
    """The agreement hides units (others_see = callsign only): blue reads red's unit by its
    alias, nameless, in the picture at a moment and in trails; asking for it by its real
    id finds nothing; red reads its own by name, with the alias others see."""
    tracks = services.tracks
    m = Mover(33.0, 34.0, 90.0, 300.0, 10_000.0)
    for t in range(30):
        clock.now = T0 + timedelta(seconds=t)
        tracks.ingest_own_forces("red", own("viper", m, clock.now, name="VIPER2"))
        m.step(t)
    at = T0 + timedelta(seconds=12)
    live_blue = tracks.geojson(viewer="blue")["features"][0]
    alias = live_blue["id"]
    assert alias.startswith("red:unit-")
    for doc in (
        tracks.history_at(at, viewer="blue"),
        tracks.history_trails(T0, clock.now, viewer="blue"),
        tracks.history_trails(T0, clock.now, track=alias, viewer="blue"),
    ):
        text = json.dumps(doc)
        assert "viper" not in text.lower() and doc["features"]
        assert {f["id"] for f in doc["features"]} == {alias}
        assert all(f["properties"]["name"] is None for f in doc["features"])
    assert tracks.history_trails(T0, clock.now, track="red:viper", viewer="blue")["features"] == []
    (mine,) = tracks.history_at(at, viewer="red")["features"]
    assert (mine["id"], mine["properties"]["name"], mine["properties"]["alias"]) == (
        "red:viper",
        "VIPER2",
        alias,
    )


class FlakyStore:
    """A real store that can be taken down (every history call then fails as a lost
    database does)."""

    def __init__(self, store: SqliteStore) -> None:
        self.store = store
        self.down = False

    def __getattr__(self, name: str) -> Any:
        if self.down:
            raise StoreUnavailable("database unavailable: test")
        return getattr(self.store, name)


class Pos(NamedTuple):
    """A party's track as `Picture.latest` shows it to the recorder."""

    track_id: str
    position_ts: float
    lon: float = 30.0
    lat: float = 34.0
    alt_ft: float | None = 1000.0
    speed_kt: float | None = 300.0
    course_deg: float | None = 90.0
    name: str | None = None
    party: str = "blue"
    owner: str | None = None
    domain: str = "air"
    source: str = "sbs"


def fixes(n: int, start: float = 0.0, suffix: str = "") -> list[Pos]:
    """n positions of n tracks: each its track's first, so each is kept."""
    return [Pos(f"icao:{k:06x}{suffix}", start + k) for k in range(n)]


def test_a_store_down_never_grows_the_buffer_past_its_bound(
    store: SqliteStore, clock: Clock, caplog: pytest.LogCaptureFixture
) -> None:
    flaky = FlakyStore(store)
    rec = HistoryRecorder(flaky, HistoryRules(), clock, buffer_max=100, batch=30)  # type: ignore[arg-type]
    flaky.down = True
    base = to_ts(T0)  # fixes of the clock's day: the purge keeps them
    for fix in fixes(250, start=base):
        rec.record(fix)
    assert (rec.buffered, rec.dropped_total) == (100, 150)  # the oldest 150 dropped
    with pytest.raises(StoreUnavailable):
        rec.flush()
    assert (rec.buffered, rec.dropped_total) == (100, 150)  # the failed batch put back whole
    rec.tick()  # the flusher's round: logged, retried next time, nothing lost
    rec.tick()
    refused = [r for r in caplog.records if "refused a batch" in r.getMessage()]
    assert len(refused) == 1  # once an outage, not every round
    for fix in fixes(10, start=base + 1000, suffix="x"):
        rec.record(fix)
    assert (rec.buffered, rec.dropped_total) == (100, 160)
    flaky.down = False
    rec.tick()  # back: written, and said so
    assert rec.buffered == 0 and rec.written == 100
    assert any("takes fixes again (160 dropped" in r.getMessage() for r in caplog.records)
    kept = store.fixes_between(base, base + 2000)
    assert sorted(r.time - base for r in kept) == [float(k) for k in range(160, 250)] + [
        1000.0 + k for k in range(10)
    ]


def test_a_failed_batch_put_back_into_a_refilled_buffer_drops_its_oldest(
    store: SqliteStore, clock: Clock
) -> None:
    flaky = FlakyStore(store)
    rec = HistoryRecorder(flaky, HistoryRules(), clock, buffer_max=10, batch=10)  # type: ignore[arg-type]
    for fix in fixes(10):
        rec.record(fix)
    rows = [rec._buffer.popleft() for _ in range(10)]  # as the flusher takes a batch ...
    for fix in fixes(4, start=100, suffix="y"):
        rec.record(fix)  # ... ingest goes on ...
    rec._put_back(rows)  # ... and the batch fails
    assert rec.buffered == 10 and rec.dropped_total == 4
    assert [r.time for r in rec._buffer] == [4, 5, 6, 7, 8, 9, 100, 101, 102, 103]


def test_retention_purge_and_silent_tracks_ended(store: SqliteStore, clock: Clock) -> None:
    rules = HistoryRules(retention_days=1.0)
    rec = HistoryRecorder(store, rules, clock)
    now = to_ts(clock())
    day = 86_400.0
    for fix in fixes(3, start=now - day - 10):  # older than a day
        rec.record(fix)
    rec.record(Pos("icao:keep", now - day, 31.0))
    rec.record(Pos("icao:new", now, 31.0))
    assert rec.end_silent() == 4  # all but the newest silent for over a minute: ended
    rec.flush()
    assert len(store.fixes_between(0, now + day)) == 5
    assert rec.purge() == 3  # the one at the cut stays (and the end rows after it)
    assert sorted(r.track_id for r in store.fixes_between(0, now + day)) == [
        "icao:keep",
        "icao:new",
    ]
    # the ended track is shown until its fix goes stale, not after
    assert [t.track_id for t in rec.tracks_at(from_ts(now - day + 60))] == ["icao:keep"]
    assert rec.tracks_at(from_ts(now - day + 60.5)) == []
    rec.stop()  # ends the rest and writes it
    assert rec.buffered == 0 and rec._last == {}
    assert [t.track_id for t in rec.tracks_at(from_ts(now + 30))] == ["icao:new"]


def test_a_gap_longer_than_staleness_is_not_bridged(store: SqliteStore, clock: Clock) -> None:
    rec = HistoryRecorder(store, HistoryRules(), clock)
    for fix in (Pos("icao:1", 1000.0), Pos("icao:1", 1100.0, 31.0), Pos("icao:1", 1150.0, 31.5)):
        rec.record(fix)
    rec.flush()
    rows = store.fix_pairs_at(1030, 60)
    assert [(p.time, p.next_time, p.next_end) for p in rows] == [(1000.0, 1060.0, True)]
    (at30,) = rec.tracks_at(from_ts(1030))
    assert (at30.lon, at30.lat, at30.time) == (30.0, 34.0, from_ts(1000))  # held, not moved
    assert rec.tracks_at(from_ts(1080)) == []
    (mid,) = rec.tracks_at(from_ts(1125))  # the later gap (50 s) is bridged: halfway
    _, _, d1 = GEOD.inv(31.0, 34.0, mid.lon, mid.lat)
    _, _, d = GEOD.inv(31.0, 34.0, 31.5, 34.0)
    assert d1 == pytest.approx(d / 2, abs=0.01) and mid.time == from_ts(1125)


def test_no_store_no_history(clock: Clock) -> None:
    rec = HistoryRecorder(None, HistoryRules(), clock)
    rec.record(Pos("icao:1", 0.0))
    assert rec.flush() == 0 and rec.purge() == 0 and rec.trails(T0, T0) == []


@pytest.mark.parametrize("seed", range(3))
def test_the_recorder_keeps_what_the_reference_keeps(
    store: SqliteStore, clock: Clock, seed: int
) -> None:
    """The recorder on the ingest path thins as `model.history.thin_reference` does, and
    each kept fix names its predecessor (a gap past staleness: none, and an end row)."""
    rng = random.Random(seed)
    rec = HistoryRecorder(store, HistoryRules(), clock)
    reports, t = [], {k: 0.0 for k in range(8)}
    for _ in range(1500):
        k = rng.randrange(8)
        t[k] += rng.choice([0.5, 1.0, 2.0, 4.9, 5.0, 7.0, 70.0])
        p = Pos(
            f"icao:{k}",
            t[k],
            course_deg=rng.choice([None, 0.0, 10.0, 20.0, 40.0]),
            alt_ft=rng.choice([None, 1000.0, 1200.0, 1400.0]),
        )
        reports.append(p)
        rec.record(p)
    rec.flush()
    kept = thin_reference(
        [((p.track_id, p.party), p.position_ts, p.course_deg, p.alt_ft) for p in reports],
        HistoryRules(),
    )
    stored = store.fixes_between(0, 1e9)
    assert sorted((r.track_id, r.time) for r in stored) == sorted(
        (reports[i].track_id, reports[i].position_ts) for i in kept
    )
    by = {}
    for r in stored:
        by.setdefault(r.track_id, []).append(r)
    for rows in by.values():
        for x, y in itertools.pairwise(rows):
            assert y.prev_time == (x.time if y.time - x.time <= 60 else None)
