"""The shared picture's lease, inbox and snapshot on a real PostgreSQL database.

Two `TrackService`s on one database stand for two API processes: each has its own
`PictureShare` (its own lease connection, so its own session), stepped by hand here (the
thread of `start` does the same steps). The end-to-end version, with real `interlock
serve` processes and a kill -9, is tests/scale/test_picture_failover.py.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import orjson
import psycopg
import pytest
from tests.conftest import T0, Clock, make_agreement, wait_until

from interlock.errors import InvalidInput
from interlock.model.timeutil import iso
from interlock.service.picture_share import InboxFull, LeaseLost, PictureShare, answer_of
from interlock.service.root import build_services
from interlock.service.tracks import TrackService
from interlock.store import open_store
from interlock.store import picture_share as db
from interlock.store.postgres import PostgresStore

BACKLOG = 3


@dataclass
class Process:
    tracks: TrackService
    share: PictureShare


@pytest.fixture
def world(pg_url: str) -> Iterator[tuple[PostgresStore, Clock, Process, Process]]:
    store = open_store(pg_url)
    assert isinstance(store, PostgresStore)
    clock = Clock(T0)
    agreement = make_agreement()
    first = build_services(store, agreement, clock).tracks
    second = TrackService(agreement, clock, store)
    procs = []
    for t in (first, second):
        share = PictureShare(store, t, max_backlog=BACKLOG, wait_s=0.0)
        t.share = share
        procs.append(Process(t, share))
    a, b = procs
    a.share.step(0)  # a owns the picture
    b.share.step(0)
    assert a.share.owner and not b.share.owner
    yield store, clock, a, b
    for p in procs:
        p.share.lease.close()
    store.close()


def take(p: Process) -> None:
    """Step until `p` owns the picture: a closed session's lock is freed when the server's
    backend has ended, a moment after the client closed it."""

    def tried() -> bool:
        p.share._tried = 0.0
        p.share.step(0.05)
        return p.share.owner

    wait_until(tried, timeout_s=5)


def unit(uid: str, lon: float, lat: float, course: float, at: Any) -> dict[str, Any]:
    return {
        "type": "Feature",
        "id": uid,
        "geometry": {"type": "Point", "coordinates": [lon, lat]},
        "properties": {
            "time": iso(at),
            "domain": "air",
            "alt_ft": 20_000,
            "speed_kt": 450,
            "course_deg": course,
            "callsign": uid.upper(),
        },
    }


def doc(*units: dict[str, Any]) -> dict[str, Any]:
    return {"type": "FeatureCollection", "features": list(units)}


def inbox(store: PostgresStore) -> list[tuple[int, bytes | None]]:
    with store.side_write() as conn:
        return [(r.id, db.result(conn, r.id)[1]) for r in db.pending(conn, 0, 100)]


def ledger_alerts(store: PostgresStore) -> list[tuple[str, str]]:
    with psycopg.connect(store.url) as conn:
        rows = conn.execute("SELECT ref, event FROM ledger WHERE kind = 'alert' ORDER BY seq")
        return [(ref, orjson.loads(e)["event"]) for ref, e in rows]


def test_one_owner_and_a_dropped_one_is_replaced(world: Any) -> None:
    _, _, a, b = world
    b.share._tried = 0.0
    b.share.step(0)
    assert not b.share.owner  # a holds it
    a.share.lease.close()  # a's session ends: the server frees the lock (as on kill -9)
    a.share.owner = False
    take(b)
    a.share._tried = 0.0
    a.share.step(0)
    assert not a.share.owner


def test_a_forwarded_batch_gets_the_owners_answer(world: Any) -> None:
    """The non-owner's answer is the owner's: the counts a lone process gives for the same
    batch (a third, unshared service: the independent reference)."""
    _, clock, a, b = world
    batch = doc(unit("r1", 35.0, 35.0, 90, T0), unit("r2", 35.1, 35.0, 90, T0))
    alone = TrackService(make_agreement(), clock).ingest_own_forces("red", batch)
    answers: list[dict[str, Any]] = []
    b.share.wait_s = 10.0
    t = threading.Thread(target=lambda: answers.append(b.tracks.ingest_own_forces("red", batch)))
    t.start()
    while t.is_alive():
        a.share.step(0.05)
        b.share.step(0.05)  # wakes b's waiter on the owner's NOTIFY
    assert answers == [alone] and alone["reports"] == 2
    assert [f["id"] for f in a.tracks.geojson()["features"]] == ["red:r1", "red:r2"]


def test_the_backlog_bound_just_under_at_and_over(world: Any) -> None:
    store, _, a, b = world
    lines = ["!AIVDM,1,1,,A,15NG6V0P01G?cFhE`R2IU?wn28R>,0*05"]
    for _ in range(BACKLOG - 1):
        assert "queued" in b.tracks.ingest_lines("blue", "ais", lines)  # no wait: queued
    assert "queued" in b.tracks.ingest_lines("blue", "ais", lines)  # the last place
    with pytest.raises(InboxFull) as refused:
        b.tracks.ingest_lines("blue", "ais", lines)
    assert refused.value.http_status == 503 and refused.value.field == "body"
    assert len(inbox(store)) == BACKLOG  # nothing stored for the refused one
    assert a.share.apply_inbox() == BACKLOG  # the owner catches up: room again
    assert [body is not None for _, body in inbox(store)] == [True] * BACKLOG
    assert "queued" in b.tracks.ingest_lines("blue", "ais", lines)


def test_a_malformed_row_is_answered_as_an_error_and_the_next_applied(world: Any) -> None:
    store, _, a, _ = world
    good = orjson.dumps(doc(unit("r1", 35.0, 35.0, 90, T0)))
    with store.side_write() as conn:
        bad_json = db.post(conn, "red", "json", b"{not json", BACKLOG)
        bad_feed = db.post(conn, "red", "morse", b"...", BACKLOG)
        ok = db.post(conn, "red", "json", good, BACKLOG)
    assert a.share.apply_inbox() == 3
    answers = dict(inbox(store))
    for row in (bad_json, bad_feed):
        assert row is not None
        body = answers[row]
        assert body is not None
        with pytest.raises(InvalidInput) as err:
            answer_of(body)
        assert err.value.http_status == 422
    assert "feed" in orjson.loads(answers[bad_feed] or b"")["detail"]
    assert answer_of(answers[ok] or b"")["reports"] == 1


def test_every_process_serves_the_owners_picture_cut_per_viewer(world: Any) -> None:
    _, _, a, b = world
    a.tracks.ingest_own_forces("blue", doc(unit("b1", 35.0, 35.0, 90, T0)))
    a.tracks.ingest_own_forces("red", doc(unit("r1", 35.407, 35.0, 270, T0)))
    a.tracks.scan()  # publishes
    assert b.share.refresh()
    for viewer in ("blue", "red", "green"):
        mine, theirs = a.tracks.geojson(viewer=viewer), b.tracks.geojson(viewer=viewer)
        assert mine == theirs
        if viewer == "green":  # others' units by their aliases (others_see: callsign)
            assert not {"blue:b1", "red:r1"} & {f["id"] for f in theirs["features"]}
        assert a.tracks.alert_list(viewer) == b.tracks.alert_list(viewer)
    assert b.tracks.geojson(bbox=(34.9, 34.9, 35.1, 35.1))["features"][0]["id"] == "blue:b1"
    assert b.tracks.alert_list("green") == {"alerts": []}
    assert b.tracks.alert_list("green", include_all=True)["alerts"][0]["kind"] == "cpa"
    assert b.tracks.feed_stats()["feeds"] == a.tracks.feed_stats()["feeds"]
    assert b.tracks.feed_stats()["tracks"] == 2


def test_a_takeover_keeps_raised_alerts_and_reapplies_what_the_snapshot_missed(
    world: Any,
) -> None:
    """The new owner raises nothing already raised (the record holds each raise once),
    re-applies the inbox rows applied after the last snapshot, and the old owner, should
    it wake, can neither publish nor record."""
    store, clock, a, b = world
    a.tracks.ingest_own_forces("blue", doc(unit("b1", 35.0, 35.0, 90, T0)))
    a.tracks.ingest_own_forces("red", doc(unit("r1", 35.407, 35.0, 270, T0)))
    (raised,) = a.tracks.scan()
    assert raised.kind == "raised"
    # b posts a green unit; a applies it, then stops before its next snapshot
    b.tracks.ingest_own_forces("green", doc(unit("g1", 36.0, 36.0, 0, T0)))
    assert a.share.apply_inbox() == 1
    a.share.lease.close()
    take(b)
    ids = {f["id"] for f in b.tracks.geojson()["features"]}
    assert ids == {"blue:b1", "red:r1", "green:g1"}
    clock.advance(seconds=1)
    assert [e.kind for e in b.tracks.scan()] == []  # still raised: not raised again
    assert [a.id for a in b.tracks.alerts.active()] == [raised.alert.id]
    # a wakes thinking it still owns the picture: its publish is fenced off
    clock.advance(seconds=1)
    a.tracks.ingest_own_forces("red", doc(unit("r2", 35.2, 35.3, 180, clock.now)))
    a.tracks.alerts = type(a.tracks.alerts)(id_prefix="stale-")  # would raise anew
    with pytest.raises(LeaseLost):
        a.tracks.scan()
    assert not a.share.owner
    assert ledger_alerts(store) == [(raised.alert.id, "raised")]


def test_a_stopped_owner_hands_over_everything_it_applied(world: Any) -> None:
    """A graceful stop publishes once more: what came since the last scan, forwarded or
    posted to the owner itself, is in the next owner's picture, and applied once."""
    _, _, a, b = world
    assert "queued" in b.tracks.ingest_own_forces("green", doc(unit("g1", 36.0, 36.0, 0, T0)))
    assert a.share.apply_inbox() == 1
    a.tracks.ingest_own_forces("blue", doc(unit("b1", 35.0, 35.0, 90, T0)))
    a.share.stop()
    take(b)
    assert {f["id"] for f in b.tracks.geojson()["features"]} == {"green:g1", "blue:b1"}
    assert b.tracks.feed_stats()["feeds"]["json"]["reports"] == 2
    assert b.share.apply_inbox() == 0  # the forwarded row is not applied again
