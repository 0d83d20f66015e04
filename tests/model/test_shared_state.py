"""The picture's and the alert book's state as plain data (what a shared picture's
snapshot carries, service.picture_share): through orjson and back, another book and
picture carry on exactly where the first left off."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import orjson
import pytest

from interlock.errors import InvalidInput
from interlock.model.alerts import AlertBook, Detection, book_state, restore_book
from interlock.model.picture import Picture, picture_state, restore_picture
from interlock.model.track import TrackReport

T0 = datetime(2026, 12, 1, 10, 0, tzinfo=UTC)


def at(s: float) -> datetime:
    return T0 + timedelta(seconds=s)


def through_json(data: object) -> object:
    return orjson.loads(orjson.dumps(data))


def detections() -> list[Detection]:
    cpa = Detection(
        kind="cpa", track_ids=("icao:aaaaaa", "blue:b1"), domain="air",
        owners=(None, "blue"), tcpa_s=120.0, cpa_m=900.0, dz_cpa_ft=300.0, los_s=60.0,
        lon=33.0, lat=35.0, h_min_m=9260.0, v_min_ft=1000.0,
        reporters=(("red",), ("blue", "red")),
    )  # fmt: skip
    exposure = Detection(
        kind="exposure", track_ids=("blue:b2",), domain="air", owners=("blue",),
        notice_id="N-1", notice_party="red", hazard_id="H-1", hot_from=at(-60),
        hot_to=at(3600), depth_m=1500.0, exit_s=None, lon=34.0, lat=34.5,
    )  # fmt: skip
    return [cpa, exposure]


def test_a_restored_book_carries_on_with_the_same_alerts_and_ids() -> None:
    book = AlertBook(id_prefix="Ax-")
    raised = book.update(at(0), detections())
    assert [e.kind for e in raised] == ["raised", "raised"]
    book.update(at(1), detections()[:1])  # the exposure missed once
    other = AlertBook(id_prefix="Ay-")
    restore_book(other, through_json(book_state(book)))  # type: ignore[arg-type]
    assert other.to_dict() == book.to_dict()
    assert [a.detection for a in other.active()] == [a.detection for a in book.active()]
    # the same scan next: nothing raised again; a new conflict numbered on, not reused
    new = Detection(kind="cpa", track_ids=("icao:cccccc", "red:r1"), domain="air",
                    owners=(None, "red"), tcpa_s=100.0, cpa_m=100.0, dz_cpa_ft=0.0,
                    lon=33.5, lat=35.5, h_min_m=9260.0, v_min_ft=1000.0)  # fmt: skip
    for b in (book, other):
        events = b.update(at(2), [*detections(), new])
        assert [(e.kind, e.alert.id) for e in events] == [("raised", "Ax-3")]
    # the miss count came along: both clear the exposure at the same scan
    assert [e.kind for e in book.update(at(20), [])] == [e.kind for e in other.update(at(20), [])]


def test_a_book_written_by_another_detection_layout_is_refused() -> None:
    book = AlertBook()
    book.update(at(0), detections())
    state = book_state(book)
    state["fields"] = (*state["fields"], "added_later")
    with pytest.raises(InvalidInput, match="book"):
        restore_book(AlertBook(), state)


def test_a_restored_picture_serves_and_fuses_as_the_first() -> None:
    picture = Picture()
    reports = [
        (TrackReport("sbs", "icao:aaaaaa", "air", at(0), lon=33.0, lat=35.0, alt_ft=20_000), "red"),
        (TrackReport("sbs", "icao:aaaaaa", "air", at(2), lon=33.01, lat=35.0), "blue"),
        (TrackReport("sbs", "icao:aaaaaa", "air", at(3), speed_kt=400, course_deg=90), "red"),
        (TrackReport("ais", "mmsi:211331640", "sea", at(1), name="NORDSTERN"), "green"),
        (TrackReport("json", "blue:b1", "air", at(1), lon=34.0, lat=34.0, owner="blue"), "blue"),
        (TrackReport("ais", "mmsi:366053209", "sea", at(-900), lon=32.0, lat=33.0), "green"),
    ]  # fmt: skip
    for r, party in reports:
        picture.apply(r, party, at(5))
    copy = Picture()
    restore_picture(copy, through_json(picture_state(picture)))  # type: ignore[arg-type]
    now = at(10)
    assert copy.to_geojson(now) == picture.to_geojson(now)  # one stale, one unpositioned
    for domain in ("air", "sea"):
        a, b = picture.arrays(now, domain), copy.arrays(now, domain)
        assert a.track_id.tolist() == b.track_id.tolist()
        assert a.sources.tolist() == b.sources.tolist()
    assert copy.get("icao:aaaaaa", party="red") == picture.get("icao:aaaaaa", party="red")
    assert len(copy) == len(picture) == 3  # positioned ones
    later = TrackReport("sbs", "icao:aaaaaa", "air", at(11), lon=33.02, lat=35.0)
    assert copy.apply(later, "red", at(12)) == picture.apply(later, "red", at(12))
