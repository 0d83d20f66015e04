"""The electromagnetic arena over a real store: emissions against protected receivers,
conflicts recorded with the submission that causes them, advice that really clears."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from tests.conftest import T0, Clock, emission, radar

from interlock.errors import RuleViolation
from interlock.service.assets import AssetService
from interlock.service.notices import NoticeService
from interlock.store import SqliteStore

RADAR = (35.0, 34.0)
NEAR = (35.3, 34.0)  # ~27 km east: line of sight for 20 m and 30 m antennas


def interference(result: dict[str, Any]) -> list[dict[str, Any]]:
    return [c for c in result["conflicts"] if c.get("kind") == "interference"]


def live(service: NoticeService, viewer: str = "red") -> list[dict[str, Any]]:
    return service.spectrum.conflicts(viewer, start=T0.isoformat())["conflicts"]


def test_an_emission_in_band_near_a_radar_is_a_recorded_conflict_with_advice(
    assets: AssetService, service: NoticeService, store: SqliteStore
) -> None:
    rx = assets.create("red", radar(*RADAR))
    assert rx["conflicts"] == []
    result = service.submit("blue", emission(*NEAR)).to_dict()
    [c] = interference(result)
    nid = result["notice"]["id"]
    assert (c["a_id"], c["b_id"], c["parties"]) == (rx["id"], nid, ["blue", "red"])
    assert c["severity"] == "critical" and c["i_n_db"] > c["criterion_db"] + 10
    assert c["criterion_db"] == -10.0  # safety of life: the agreement's -10 dB
    assert c["move_list"] == [nid] and c["contributors"][0]["notice"] == nid
    # on record: the conflict row, its ledger entry, a system message to both parties
    assert [x.id for x in store.list_conflicts()] == [c["id"]]
    kinds = [e["event"]["type"] for e in store.ledger_entries()]
    assert "conflict" in kinds and "message" in kinds
    [advice] = c["advice"]
    assert advice["max_eirp_dbm"] < 60.0 and advice["frequency_shift_mhz"]["nearest"] is not None
    assert live(service) == live(service, "blue") and len(live(service)) == 1
    assert live(service, "green") == []


def test_the_advice_clears_and_a_little_more_does_not(
    assets: AssetService, service: NoticeService
) -> None:
    assets.create("red", radar(*RADAR))
    [c] = interference(service.submit("blue", emission(*NEAR)).to_dict())
    nid = c["b_id"]
    cap = c["advice"][0]["max_eirp_dbm"]
    shift = c["advice"][0]["frequency_shift_mhz"]["nearest"]
    service.amend("blue", nid, emission(*NEAR, eirp_dbm=cap - 0.01))
    assert live(service) == []
    service.amend("blue", nid, emission(*NEAR, eirp_dbm=cap + 0.5))
    assert len(live(service)) == 1
    service.amend("blue", nid, emission(*NEAR, freq_mhz=2800.0 + shift * 1.0001))
    assert live(service) == []
    service.amend("blue", nid, emission(*NEAR, freq_mhz=2800.0 + shift * 0.9))
    assert len(live(service)) == 1


@pytest.mark.parametrize(
    ("party", "where", "freq"),
    [
        ("red", NEAR, 2800.0),  # a party's own emissions are its own business
        ("blue", NEAR, 9400.0),  # another band
        ("blue", (37.5, 34.0), 2800.0),  # ~230 km: far beyond the radio horizon
    ],
)
def test_no_conflict(
    assets: AssetService,
    service: NoticeService,
    party: str,
    where: tuple[float, float],
    freq: float,
) -> None:
    assets.create("red", radar(*RADAR))
    assert interference(service.submit(party, emission(*where, freq_mhz=freq)).to_dict()) == []
    assert live(service, "blue") == []


def test_a_receiver_created_later_records_its_conflicts(
    assets: AssetService, service: NoticeService
) -> None:
    nid = service.submit("blue", emission(*NEAR)).notice["id"]
    rx = assets.create("red", radar(*RADAR))
    [c] = rx["conflicts"]
    assert (c["a_id"], c["b_id"], c["severity"]) == (rx["id"], nid, "critical")


def test_cancelling_the_emission_closes_its_conflict(
    assets: AssetService, service: NoticeService, store: SqliteStore
) -> None:
    assets.create("red", radar(*RADAR))
    nid = service.submit("blue", emission(*NEAR)).notice["id"]
    service.cancel("blue", nid)
    assert store.list_conflicts() == [] and live(service) == []


def test_an_aggregate_of_emissions_each_harmless_alone(
    assets: AssetService, service: NoticeService
) -> None:
    """Each emission alone stays under the criterion; together they exceed it, and the one
    that tips the aggregate over is recorded even when it is not the largest."""
    rx = assets.create("red", radar(*RADAR))
    [alone] = interference(service.submit("blue", emission(*NEAR)).to_dict())
    cap = alone["advice"][0]["max_eirp_dbm"]
    service.cancel("blue", alone["b_id"])
    big = service.submit("blue", emission(*NEAR, eirp_dbm=cap - 1.0)).to_dict()
    assert interference(big) == []
    small = service.submit("green", emission(*NEAR, eirp_dbm=cap - 3.0)).to_dict()
    [c] = interference(small)
    assert c["a_id"] == rx["id"] and c["b_id"] == small["notice"]["id"]
    assert c["move_list"] == [big["notice"]["id"]]  # the SAS move list: the larger one
    assert c["decisive"] == sorted([big["notice"]["id"], small["notice"]["id"]])
    assert sorted(c["parties"]) == ["green", "red"]
    assert {x["party"] for x in c["contributors"]} == {"blue", "green"}


def test_an_emission_over_an_area_is_judged_from_its_nearest_place(
    assets: AssetService,
    service: NoticeService,
) -> None:
    assets.create("red", radar(*RADAR))
    far = (35.9, 34.0)  # ~83 km: beyond the horizon of 20 m and 30 m antennas
    quiet = service.submit("blue", emission(*far, eirp_dbm=20.0)).to_dict()
    assert interference(quiet) == []
    wide = service.submit("blue", emission(*far, eirp_dbm=20.0, radius_m=70_000)).to_dict()
    assert len(interference(wide)) == 1


def test_emissions_in_the_past_are_not_judged(
    assets: AssetService, service: NoticeService, clock: Clock
) -> None:
    """An emission that has ended is refused outright (`model.notice.check_not_ended`);
    one under way is judged from now on only: its past slices are history."""
    assets.create("red", radar(*RADAR))
    clock.advance(hours=10)
    ended = emission(*NEAR, start=clock.now - timedelta(hours=3))
    with pytest.raises(RuleViolation, match=r"properties\.end"):
        service.submit("blue", ended)
    running = emission(*NEAR, start=clock.now - timedelta(hours=3), hours=4)
    [c] = interference(service.submit("blue", running).to_dict())
    assert (c["start"], c["end"]) == ("2026-12-01T18:00:00Z", "2026-12-01T19:00:00Z")  # now on


def test_the_conflict_reaches_both_parties_streams_and_no_other(
    assets: AssetService, service: NoticeService, store: SqliteStore
) -> None:
    """The push stream is the ledger addressed per party: the conflict and its system
    message are in the receiver owner's and the emitter's inboxes, not a third party's."""
    assets.create("red", radar(*RADAR))
    [c] = interference(service.submit("blue", emission(*NEAR)).to_dict())

    def seen(party: str) -> list[tuple[str, Any]]:
        return [
            (e["event"]["type"], e["event"].get("subject") or e["event"].get("id"))
            for e in store.inbox_entries(party, 0, 1000)
            if e["event"]["type"] in ("conflict", "message")
        ]

    for party in ("red", "blue"):
        kinds = seen(party)
        assert ("conflict", c["id"]) in kinds
        assert any(t == "message" and "interference conflict" in str(s) for t, s in kinds)
    assert seen("green") == []


def test_the_emission_notices_timeline_tells_of_its_interference_conflict(
    assets: AssetService, service: NoticeService, store: SqliteStore
) -> None:
    from interlock.service.timeline import timeline

    assets.create("red", radar(*RADAR))
    [c] = interference(service.submit("blue", emission(*NEAR)).to_dict())
    rows = timeline(store.ledger_entries(), c["b_id"], service.agreement.rules)
    [told] = [r for r in rows if r["type"] == "conflict"]
    assert f"#{c['id']}" in told["what"] and f"I/N {c['i_n_db']:.1f} dB" in told["what"]
