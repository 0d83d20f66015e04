"""Strategic exposure and warning that is enough, through the notice service (issue 15).

The Latakia case in miniature: a third party's S-200-like site near Latakia, hmeimim's
reconnaissance aircraft offshore inside its envelope, and iaf's strike within reach. The
required warning is checked against an independent computation: the distance from the site
to the reconnaissance circle found by walking its edge with pyproj's Geod (not the
detector's nearest-point construction), over 250 kt, plus 5 min.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import numpy as np
import pytest
from pyproj import Geod

from interlock.errors import InvalidInput, RuleViolation
from interlock.model.agreement import Agreement, agreement_from_dict
from interlock.model.hazard import parse_hazard
from interlock.model.timeutil import to_ts
from interlock.service.root import Services, build_services
from interlock.service.timeline import timeline
from interlock.store import SqliteStore, open_store
from interlock.store.rows import HazardRow

T0 = datetime(2018, 9, 17, 17, 0, tzinfo=UTC)
STRIKE_START = T0 + timedelta(hours=3)
SITE = (35.95, 35.45)  # the third party's launcher, inland of Latakia
RANGE_M = 60_000.0  # a miniature of the S-200's ~250 km
RECCE = (35.60, 35.40, 10_000.0)  # lon, lat, radius: offshore, inside the envelope
STRIKE = (35.85, 35.60, 5_000.0)  # the target area, within reach of the envelope
KT = 1852.0 / 3600.0


class Clock:
    def __init__(self, now: datetime) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now


def latakia_agreement(**rules: Any) -> Agreement:
    return agreement_from_dict(
        {
            "agreement": {"name": "hotline 2015"},
            "parties": [
                {"id": "hmeimim", "name": "Hmeimim air base", "public_keys": []},
                {"id": "iaf", "name": "Air force", "public_keys": []},
                {"id": "navy", "name": "A bystander", "public_keys": []},
            ],
            "rules": {"min_lead_time_min": 1, "time_buffer_min": 15, **rules},
        }
    )


def notice(
    where: tuple[float, float, float],
    start: datetime,
    hours: float,
    lower_ft: float,
    upper_ft: float,
    activity: str | None,
) -> dict[str, Any]:
    lon, lat, radius = where
    props: dict[str, Any] = {
        "domain": "air",
        "radius_m": radius,
        "alt_lower_ft": lower_ft,
        "alt_upper_ft": upper_ft,
        "start": start.isoformat(),
        "end": (start + timedelta(hours=hours)).isoformat(),
    }
    if activity is not None:
        props["activity"] = activity
    return {
        "type": "Feature",
        "geometry": {"type": "Point", "coordinates": [lon, lat]},
        "properties": props,
    }


def recce() -> dict[str, Any]:
    """hmeimim's Il-20: 4 h offshore from T0 + 2 h, 10,000-20,000 ft."""
    return notice(RECCE, T0 + timedelta(hours=2), 4, 10_000, 20_000, "reconnaissance")


def strike(activity: str | None = "strike") -> dict[str, Any]:
    """iaf's strike: 1 h from STRIKE_START, 15,000-35,000 ft."""
    return notice(STRIKE, STRIKE_START, 1, 15_000, 35_000, activity)


def s200() -> dict[str, Any]:
    return {
        "type": "Feature",
        "geometry": {"type": "Point", "coordinates": list(SITE)},
        "properties": {
            "name": "S-200 Latakia",
            "operator": "a third party",
            "weapon": "S-200",
            "source": "public reports",
            "range_m": RANGE_M,
            "alt_min_ft": 0,
            "alt_max_ft": 60_000,
        },
    }


def add_hazard(store: SqliteStore, feature: dict[str, Any], at: datetime) -> str:
    """A stored hazard as part A's service will store it (its record shape)."""
    draft = parse_hazard(feature)
    with store.write() as tx:
        tx.insert_hazard(HazardRow("h-test1", "hmeimim", to_ts(at), None, draft.to_feature()))
    return "h-test1"


def expected_required_s() -> float:
    """Independent: walk the reconnaissance circle's edge (Geod.fwd every 0.01 deg) for its
    point nearest the site; depth = range - that distance; / 250 kt; + 5 min."""
    geod = Geod(ellps="WGS84")
    az = np.arange(0.0, 360.0, 0.01)
    n = az.size
    lon, lat, _ = geod.fwd(np.full(n, RECCE[0]), np.full(n, RECCE[1]), az, np.full(n, RECCE[2]))
    _, _, d = geod.inv(np.full(n, SITE[0]), np.full(n, SITE[1]), lon, lat)
    depth = RANGE_M - float(np.min(d))
    return depth / (250.0 * KT) + 300.0


@pytest.fixture
def clock() -> Clock:
    return Clock(T0)


@pytest.fixture
def store(tmp_path: Any) -> Any:
    s = open_store(tmp_path / "latakia.db")
    yield s
    s.close()


def make(store: SqliteStore, clock: Clock, **rules: Any) -> Services:
    return build_services(store, latakia_agreement(**rules), clock)


@pytest.fixture
def services(store: SqliteStore, clock: Clock) -> Services:
    return make(store, clock)


def exposures(result: dict[str, Any] | Any) -> list[dict[str, Any]]:
    conflicts = result["conflicts"] if isinstance(result, dict) else result.to_dict()["conflicts"]
    return [c for c in conflicts if c.get("kind") == "exposure"]


def inbox(services: Services, party: str) -> list[dict[str, Any]]:
    return services.hotline.messages(party, box="in")


def test_a_strike_one_minute_ahead_exposes_the_recce_and_gives_too_little_warning(
    services: Services, store: SqliteStore, clock: Clock
) -> None:
    hazard = add_hazard(store, s200(), T0)
    r = services.notices.submit("hmeimim", recce()).to_dict()
    recce_id = r["notice"]["id"]
    assert exposures(r) == [] and r["violations"] == []  # nothing is hot yet
    clock.now = STRIKE_START - timedelta(minutes=1)
    s = services.notices.submit("iaf", strike()).to_dict()
    strike_id = s["notice"]["id"]
    assert s["notice"]["properties"]["activity"] == "strike"
    (e,) = exposures(s)
    assert (e["a_id"], e["a_party"], e["b_id"], e["b_party"]) == (
        recce_id,
        "hmeimim",
        strike_id,
        "iaf",
    )
    assert e["hazard"] == hazard and e["severity"] == "critical"
    assert e["parties"] == ["hmeimim", "iaf"]
    assert e["window_start"] == "2018-09-17T20:00:00Z"  # the strike's start
    assert e["window_end"] == "2018-09-17T21:30:00Z"  # the strike's end + the 30 min tail
    required = expected_required_s()
    assert e["required_warning_s"] == pytest.approx(required, abs=0.1)
    assert e["time_to_exit_s"] == pytest.approx(required - 300.0, abs=0.1)
    (v,) = s["violations"]
    assert v["kind"] == "insufficient_warning" and v["party"] == "iaf"
    assert v["notice"] == {"kind": "notice", "id": strike_id, "version": 1}
    assert v["exposed"]["id"] == recce_id and v["exposed_party"] == "hmeimim"
    assert v["hazard"] == hazard
    assert v["lead_time_s"] == pytest.approx(60.0)
    assert v["required_s"] == pytest.approx(required, abs=0.1)
    assert v["lead_time_min"] == pytest.approx(1.0)
    assert v["required_min"] == pytest.approx(required / 60, abs=0.01)
    assert "1 min 0 s before its start" in v["detail"]
    # every party sees the violation; both parties the exposure
    assert [x["kind"] for x in services.notices.violations()] == ["insufficient_warning"]
    assert [c["id"] for c in services.notices.conflicts("hmeimim")] == [e["id"]]
    assert [c["id"] for c in services.notices.conflicts("iaf")] == [e["id"]]
    assert services.notices.conflicts("navy") == []
    # flash system messages: the exposure to both, the insufficient warning to hmeimim
    flash = [m for m in inbox(services, "hmeimim") if m["priority"] == "flash"]
    subjects = sorted(m["subject"] for m in flash)
    assert len(subjects) == 2
    assert subjects[0].startswith("EXPOSURE") and "S-200 Latakia" in subjects[0]
    assert recce_id in subjects[0] and strike_id in subjects[0]
    assert subjects[1].startswith("INSUFFICIENT WARNING")
    exposure_msg = next(m for m in flash if m["subject"].startswith("EXPOSURE"))
    assert f"{e['window_start'][11:16]}–{e['window_end'][11:16]} UTC" in exposure_msg["body"]
    assert {"kind": "conflict", "id": str(e["id"])} in exposure_msg["refs"]
    iaf_flash = [m for m in inbox(services, "iaf") if m["priority"] == "flash"]
    assert [m["subject"][:8] for m in iaf_flash] == ["EXPOSURE"]
    assert inbox(services, "navy") == []
    # on the push stream of both parties (the ledger entries addressed to them)
    for party in ("hmeimim", "iaf"):
        kinds = [x["event"]["type"] for x in services.hotline.stream_entries(party, 0)]
        assert "conflict" in kinds
    # the strike's audit timeline shows the warning required and the warning given
    rows = timeline(store.ledger_entries(), strike_id, services.agreement.rules)
    (row,) = [x for x in rows if x["type"] == "conflict"]
    assert row["required_warning_s"] == pytest.approx(required, abs=0.1)
    assert row["warning_s"] == pytest.approx(60.0)
    assert "given 1 min 00 s (INSUFFICIENT)" in row["what"]
    (vrow,) = [x for x in rows if x["type"] == "violation"]
    assert vrow["warning_s"] == pytest.approx(60.0)
    assert any(x["type"] == "message" and "INSUFFICIENT WARNING" in x["what"] for x in rows)
    # ... and the exposed notice's timeline shows the exposure and the violation too
    recce_rows = timeline(store.ledger_entries(), recce_id, services.agreement.rules)
    assert {"conflict", "violation"} <= {x["type"] for x in recce_rows}
    # the warning message escalates at its 30 s deadline like every message
    clock.now += timedelta(seconds=31)
    services.hotline.tick()
    escalations = [
        x["event"]
        for x in services.hotline.stream_entries("hmeimim", 0)
        if x["event"]["type"] == "escalation"
    ]
    assert {x["party"] for x in escalations} == {"hmeimim", "iaf"}


def test_just_enough_warning_is_no_violation_and_just_under_is(
    services: Services, store: SqliteStore, clock: Clock
) -> None:
    add_hazard(store, s200(), T0)
    services.notices.submit("hmeimim", recce())
    clock.now = STRIKE_START - timedelta(hours=2)
    first = services.notices.submit("iaf", strike()).to_dict()
    assert first["violations"] == []  # 2 h of warning
    required = exposures(first)[0]["required_warning_s"]
    services.notices.cancel("iaf", first["notice"]["id"])
    assert services.notices.conflicts("hmeimim") == []  # cancelling closed the exposure
    clock.now = STRIKE_START - timedelta(seconds=required + 0.001)
    enough = services.notices.submit("iaf", strike()).to_dict()
    assert len(exposures(enough)) == 1 and enough["violations"] == []
    services.notices.cancel("iaf", enough["notice"]["id"])
    clock.now = STRIKE_START - timedelta(seconds=required - 1.0)
    short = services.notices.submit("iaf", strike()).to_dict()
    (v,) = short["violations"]
    assert v["kind"] == "insufficient_warning"
    assert v["required_s"] - v["lead_time_s"] == pytest.approx(1.0, abs=1e-3)


def test_a_non_kinetic_notice_makes_nothing_hot(
    services: Services, store: SqliteStore, clock: Clock
) -> None:
    add_hazard(store, s200(), T0)
    services.notices.submit("hmeimim", recce())
    clock.now = STRIKE_START - timedelta(minutes=1)
    for activity in ("transit", None):
        r = services.notices.submit("iaf", strike(activity)).to_dict()
        assert exposures(r) == [] and r["violations"] == []
    assert services.notices.conflicts("hmeimim") == []
    assert services.notices.violations() == []


def test_the_other_order_strike_first_then_the_recce_is_exposed_too(
    services: Services, store: SqliteStore, clock: Clock
) -> None:
    hazard = add_hazard(store, s200(), T0)
    s = services.notices.submit("iaf", strike()).to_dict()
    assert exposures(s) == []  # nobody is there yet
    clock.now = T0 + timedelta(minutes=10)
    r = services.notices.submit("hmeimim", recce()).to_dict()
    (e,) = exposures(r)
    assert (e["a_id"], e["b_id"], e["hazard"]) == (r["notice"]["id"], s["notice"]["id"], hazard)
    assert e["required_warning_s"] == pytest.approx(expected_required_s(), abs=0.1)
    assert r["violations"] == []  # the exposed party filed knowing: no warning owed
    for party in ("hmeimim", "iaf"):
        assert any(
            m["subject"].startswith("EXPOSURE") and m["priority"] == "flash"
            for m in inbox(services, party)
        )
    # amending the recce out of the envelope closes the exposure and finds none
    out = notice(
        (35.0, 35.0, 10_000.0), T0 + timedelta(hours=2), 4, 10_000, 20_000, "reconnaissance"
    )
    a = services.notices.amend("hmeimim", r["notice"]["id"], out).to_dict()
    assert exposures(a) == []
    assert services.notices.conflicts("iaf") == []
    closed = services.notices.conflicts("iaf", include_closed=True)
    assert [c["closed_reason"] for c in closed] == ["superseded by version 2"]


def test_outside_the_band_or_the_window_is_no_exposure(
    services: Services, store: SqliteStore, clock: Clock
) -> None:
    add_hazard(store, {**s200(), "properties": {**s200()["properties"], "alt_max_ft": 9_999}}, T0)
    services.notices.submit("hmeimim", recce())  # 10,000 ft and up: above the weapon
    clock.now = STRIKE_START - timedelta(minutes=1)
    assert exposures(services.notices.submit("iaf", strike()).to_dict()) == []


def test_refused_where_the_agreement_refuses_late_notices(store: SqliteStore, clock: Clock) -> None:
    services = make(store, clock, late_notice="refuse")
    add_hazard(store, s200(), T0)
    services.notices.submit("hmeimim", recce())
    before = (
        store.count_notices(),
        len(inbox(services, "hmeimim")),
        len(list(store.ledger_entries())),
    )
    clock.now = STRIKE_START - timedelta(minutes=5)  # meets the 1 min rule, not the warning
    with pytest.raises(RuleViolation) as err:
        services.notices.submit("iaf", strike())
    assert err.value.field == "properties.start"
    assert "refuses" in str(err.value) and "needs" in str(err.value)
    assert (
        store.count_notices(),
        len(inbox(services, "hmeimim")),
        len(list(store.ledger_entries())),
    ) == before
    assert services.notices.conflicts("hmeimim") == [] and services.notices.violations() == []


def test_an_unknown_activity_is_refused_naming_the_field(
    services: Services, store: SqliteStore
) -> None:
    for bad in ("bombing", 3, ["strike"], ""):
        with pytest.raises(InvalidInput) as err:
            services.notices.submit("iaf", strike(bad))  # type: ignore[arg-type]
        assert err.value.field == "properties.activity"
    assert store.count_notices() == 0
