"""The hazard checks of the track service's tick: the grace and hysteresis of
nonconformance, exposure and masking ending with their hazard or notice, and the
agreement's priorities for their system messages."""

from __future__ import annotations

import dataclasses
from datetime import timedelta
from typing import Any

import pytest
from tests.conftest import Clock, make_agreement
from tests.hazard_helpers import SITE, add_hazard, add_notice, at_az, retire_hazard, unit

from interlock.errors import InvalidInput
from interlock.model.agreement import Agreement
from interlock.model.alerts import AlertEvent
from interlock.model.hazard_rules import HazardRules
from interlock.model.timeutil import to_ts
from interlock.service.root import Services, build_services
from interlock.store import SqliteStore

BASE = (34.5, 34.8)


def fc(*units: Any) -> dict[str, Any]:
    return {"type": "FeatureCollection", "features": list(units)}


def kinds(events: list[AlertEvent], kind: str) -> list[tuple[str, str]]:
    return [(e.kind, e.alert.id) for e in events if e.alert.kind == kind]


def scan_at(s: Services, clock: Clock, seconds: float, kind: str) -> list[tuple[str, str]]:
    clock.advance(seconds=seconds)
    return kinds(s.tracks.scan(), kind)


@pytest.fixture
def grace5(store: SqliteStore, clock: Clock) -> Services:
    """An agreement whose conformance grace is 5 s."""
    agreement = dataclasses.replace(make_agreement(), hazards=HazardRules(conformance_grace_s=5))
    return build_services(store, agreement, clock)


def edge_unit(clock: Clock, off_m: float) -> dict[str, Any]:
    """Blue's aircraft on the north edge of its 20 km patrol circle: `off_m` outside
    (negative: inside), hovering (speed 0)."""
    return unit("b1", at_az(BASE, 0.0, 20_000.0 + off_m), clock.now, 10_000, 0.0, 0.0)


def patrol(s: Services, clock: Clock) -> str:
    return add_notice(
        s.store, "blue", BASE, 20_000.0, clock.now - timedelta(minutes=5),
        clock.now + timedelta(hours=2), activity="patrol",
    )  # fmt: skip


def test_a_nonconforming_track_flickering_inside_for_a_scan_stays_one_alert(
    grace5: Services, clock: Clock
) -> None:
    s = grace5
    patrol(s, clock)
    s.tracks.ingest_own_forces("blue", fc(edge_unit(clock, 300)))
    assert s.tracks.scan() == []
    s.tracks.ingest_own_forces("blue", fc(edge_unit(clock, 300)))
    ((raised, aid),) = scan_at(s, clock, 6, "nonconformance")
    assert raised == "raised"
    clock.advance(seconds=1)  # one scan inside: a miss, not a clearing
    s.tracks.ingest_own_forces("blue", fc(edge_unit(clock, -300)))
    assert kinds(s.tracks.scan(), "nonconformance") == []
    clock.advance(seconds=1)  # outside again: the same alert, no new grace, no new event
    s.tracks.ingest_own_forces("blue", fc(edge_unit(clock, 300)))
    assert kinds(s.tracks.scan(), "nonconformance") == []
    assert [a.id for a in s.tracks.alerts.active()] == [aid]
    # inside for good: cleared after the book's hysteresis (2 scans and 10 s)
    clock.advance(seconds=1)
    s.tracks.ingest_own_forces("blue", fc(edge_unit(clock, -300)))
    assert kinds(s.tracks.scan(), "nonconformance") == []
    assert scan_at(s, clock, 10, "nonconformance") == [("cleared", aid)]
    # out again: a new grace before a new alert
    s.tracks.ingest_own_forces("blue", fc(edge_unit(clock, 300)))
    assert scan_at(s, clock, 0, "nonconformance") == []
    s.tracks.ingest_own_forces("blue", fc(edge_unit(clock, 300)))
    assert scan_at(s, clock, 5, "nonconformance") == []  # 5 s: not longer than the grace
    ((raised, again),) = scan_at(s, clock, 0.5, "nonconformance")
    assert raised == "raised" and again != aid


def test_the_grace_restarts_when_the_track_comes_back_inside_before_it(
    grace5: Services, clock: Clock
) -> None:
    s = grace5
    patrol(s, clock)
    for off, step in ((300, 0), (300, 4), (-300, 1), (300, 1), (300, 4)):
        clock.advance(seconds=step)
        s.tracks.ingest_own_forces("blue", fc(edge_unit(clock, off)))
        assert kinds(s.tracks.scan(), "nonconformance") == []  # never 5 s out in a row
    ((raised, _),) = scan_at(s, clock, 1.5, "nonconformance")
    assert raised == "raised"


def test_an_aircraft_in_its_band_but_over_another_partys_notice_is_still_its_own_concern(
    grace5: Services, clock: Clock
) -> None:
    """Only the party's own notices count: inside red's notice blue is still outside all of
    blue's (it would also raise an entry alert; conformance does not care)."""
    s = grace5
    add_notice(
        s.store, "red", at_az(BASE, 0.0, 20_300.0), 5_000.0, clock.now - timedelta(minutes=5),
        clock.now + timedelta(hours=1),
    )  # fmt: skip
    patrol(s, clock)
    s.tracks.ingest_own_forces("blue", fc(edge_unit(clock, 300)))
    s.tracks.scan()
    s.tracks.ingest_own_forces("blue", fc(edge_unit(clock, 300)))
    ((raised, _),) = scan_at(s, clock, 6, "nonconformance")
    assert raised == "raised"


def exposed_scene(s: Services, clock: Clock) -> tuple[str, str]:
    """Red strikes 60 km east of the battery; blue's aircraft 20 km west of it (exposed),
    red's 5 km further out on the same bearing (masking it)."""
    hazard = add_hazard(s.store, clock.now)
    notice = add_notice(
        s.store, "red", at_az(SITE, 90.0, 60_000.0), 10_000.0, clock.now - timedelta(minutes=5),
        clock.now + timedelta(hours=1), activity="strike",
    )  # fmt: skip
    s.tracks.ingest_own_forces("blue", fc(unit("b1", at_az(SITE, 270, 20_000), clock.now)))
    s.tracks.ingest_own_forces(
        "red", fc(unit("r1", at_az(SITE, 270, 25_000), clock.now, alt_ft=25_000))
    )
    return hazard, notice


def keep_flying(s: Services, clock: Clock) -> None:
    """Both aircraft report again, hovering where they were (speed 0 keeps the geometry)."""
    s.tracks.ingest_own_forces(
        "blue", fc(unit("b1", at_az(SITE, 270, 20_000), clock.now, speed_kt=0))
    )
    s.tracks.ingest_own_forces(
        "red", fc(unit("r1", at_az(SITE, 270, 25_000), clock.now, alt_ft=25_000, speed_kt=0))
    )


@pytest.mark.parametrize("ending", ["hazard retired", "strike cancelled"])
def test_exposure_and_masking_clear_when_the_hazard_is_no_longer_hot(
    services: Services, clock: Clock, ending: str
) -> None:
    s = services
    hazard, notice = exposed_scene(s, clock)
    events = s.tracks.scan()
    assert {e.alert.kind for e in events if e.kind == "raised"} == {"exposure", "masking"}
    if ending == "hazard retired":
        retire_hazard(s.store, hazard, clock.now)
    else:
        with s.store.write() as tx:
            tx.cancel_notice(notice, to_ts(clock.now))
    s.tracks.scan()
    clock.advance(seconds=10)
    keep_flying(s, clock)
    cleared = [e for e in s.tracks.scan() if e.kind == "cleared"]
    assert sorted(e.alert.kind for e in cleared) == ["exposure", "masking"]
    assert {e.alert.cleared_reason for e in cleared} == {"absent"}


def test_masking_clears_at_once_when_either_track_goes_stale(
    services: Services, clock: Clock
) -> None:
    s = services
    exposed_scene(s, clock)
    s.tracks.scan()
    clock.advance(seconds=61)  # air tracks are stale after 60 s of silence
    s.tracks.ingest_own_forces(
        "blue", fc(unit("b1", at_az(SITE, 270, 20_000), clock.now, speed_kt=0))
    )
    (masking,) = [e for e in s.tracks.scan() if e.alert.kind == "masking"]
    assert masking.kind == "cleared" and masking.alert.cleared_reason == "track_gone"


def test_the_agreement_sets_the_priority_of_each_hazard_alerts_messages(
    store: SqliteStore, clock: Clock
) -> None:
    agreement = make_agreement(hotline={"system_priority": {"exposure": "urgent"}})
    assert agreement.hotline.system_priority["masking"] == "flash"  # the default
    s = build_services(store, agreement, clock)
    exposed_scene(s, clock)
    s.tracks.scan()
    msgs = store.list_messages("blue")
    subject = {m.id: m.event["subject"] for m in msgs}
    by_kind = {k: m.priority for m in msgs for k in ("exposure", "masking") if k in subject[m.id]}
    assert by_kind == {"exposure": "urgent", "masking": "flash"}


def test_the_defaults_and_a_bad_priority(agreement: Agreement) -> None:
    sp = agreement.to_dict()["hotline"]["system_priority"]
    assert (sp["exposure"], sp["nonconformance"], sp["masking"]) == ("flash", "urgent", "flash")
    with pytest.raises(InvalidInput) as err:
        make_agreement(hotline={"system_priority": {"masking": "asap"}})
    assert err.value.field == "hotline.system_priority.masking"
