"""Exposure and warning that is enough through the HTTP API (issue 15): the Latakia case in
miniature over a real server, every response checked against the OpenAPI document."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import httpx
import pytest
from tests.api.test_openapi_schemas import Checker, openapi
from tests.conftest import Clock, LiveServer
from tests.service.test_exposure_service import (
    STRIKE_START,
    T0,
    add_hazard,
    expected_required_s,
    latakia_agreement,
    recce,
    s200,
    strike,
)

from interlock.model.agreement import Agreement


@pytest.fixture
def clock() -> Clock:
    return Clock(T0)


@pytest.fixture
def agreement(request: pytest.FixtureRequest) -> Agreement:
    return latakia_agreement(**getattr(request, "param", {}))


@pytest.fixture
def check() -> Checker:
    pytest.importorskip("jsonschema_rs")
    return Checker(openapi())


@pytest.fixture
def clients(live_server: LiveServer, check: Checker) -> Iterator[dict[str, httpx.Client]]:
    c = {p: live_server.client(p) for p in ("hmeimim", "iaf", "navy")}
    for client in c.values():
        client.event_hooks = {"response": [check]}
    yield c
    for client in c.values():
        client.close()


def flash_subjects(c: httpx.Client) -> list[str]:
    r = c.get("/messages", params={"box": "in"})
    assert r.status_code == 200, r.text
    return sorted(m["subject"] for m in r.json() if m["priority"] == "flash")


def test_strike_a_minute_ahead_is_an_exposure_and_an_insufficient_warning(
    live_server: LiveServer, clients: dict[str, httpx.Client], check: Checker
) -> None:
    add_hazard(live_server.service.store, s200(), T0)
    hmeimim, iaf, navy = clients["hmeimim"], clients["iaf"], clients["navy"]
    r = hmeimim.post("/notices", json=recce())
    assert r.status_code == 201, r.text
    recce_id = r.json()["notice"]["id"]
    assert r.json()["notice"]["properties"]["activity"] == "reconnaissance"
    live_server.clock.now = STRIKE_START - timedelta(minutes=1)
    s = iaf.post("/notices", json=strike())
    assert s.status_code == 201, s.text
    strike_id = s.json()["notice"]["id"]
    (e,) = s.json()["conflicts"]
    assert e["kind"] == "exposure" and e["severity"] == "critical"
    assert (e["a_id"], e["b_id"], e["hazard"]) == (recce_id, strike_id, "h-test1")
    required = expected_required_s()
    assert e["required_warning_s"] == pytest.approx(required, abs=0.1)
    (v,) = s.json()["violations"]
    assert v["kind"] == "insufficient_warning"
    assert v["lead_time_s"] == pytest.approx(60.0)
    assert v["required_s"] == pytest.approx(required, abs=0.1)
    # every party sees the violation; both parties, and only they, the exposure
    for c in (hmeimim, iaf, navy):
        assert [x["kind"] for x in c.get("/violations").json()] == ["insufficient_warning"]
    assert [x["id"] for x in hmeimim.get("/conflicts").json()] == [e["id"]]
    assert [x["id"] for x in iaf.get("/conflicts").json()] == [e["id"]]
    assert navy.get("/conflicts").json() == []
    # flash system messages: exposure to both, the insufficient warning to the exposed party
    mine = flash_subjects(hmeimim)
    assert [m.split(":")[0] for m in mine] == ["EXPOSURE conflict #1", "INSUFFICIENT WARNING"]
    assert "S-200 Latakia" in mine[0] and strike_id in mine[1]
    assert [m.split(":")[0] for m in flash_subjects(iaf)] == ["EXPOSURE conflict #1"]
    assert flash_subjects(navy) == []
    # the agreement says what is flash
    pri = navy.get("/agreement").json()["hotline"]["system_priority"]
    assert (pri["exposure"], pri["insufficient_warning"]) == ("flash", "flash")
    # cancelling the strike closes the exposure for both
    assert iaf.post(f"/notices/{strike_id}/cancel").status_code == 200
    assert hmeimim.get("/conflicts").json() == []
    closed = hmeimim.get("/conflicts", params={"include_closed": True}).json()
    assert [x["closed_reason"] for x in closed] == ["cancelled"]
    assert not check.problems, "\n".join(check.problems[:10])


def test_enough_warning_the_other_order_and_non_kinetic(
    live_server: LiveServer, clients: dict[str, httpx.Client], check: Checker
) -> None:
    add_hazard(live_server.service.store, s200(), T0)
    hmeimim, iaf = clients["hmeimim"], clients["iaf"]
    transit = iaf.post("/notices", json=strike("transit"))
    assert transit.status_code == 201 and transit.json()["conflicts"] == []
    early = iaf.post("/notices", json=strike())  # 3 h ahead, nobody there yet
    assert early.status_code == 201 and early.json()["conflicts"] == []
    live_server.clock.now = T0 + timedelta(minutes=30)
    r = hmeimim.post("/notices", json=recce())
    assert r.status_code == 201, r.text
    (e,) = r.json()["conflicts"]  # the transit makes nothing hot
    assert e["kind"] == "exposure" and e["b_id"] == early.json()["notice"]["id"]
    assert r.json()["violations"] == []
    assert hmeimim.get("/violations").json() == []
    assert not check.problems, "\n".join(check.problems[:10])


@pytest.mark.parametrize("agreement", [{"late_notice": "refuse"}], indirect=True)
def test_refused_where_late_notices_are_refused_and_nothing_stored(
    live_server: LiveServer, clients: dict[str, httpx.Client]
) -> None:
    add_hazard(live_server.service.store, s200(), T0)
    hmeimim, iaf = clients["hmeimim"], clients["iaf"]
    assert hmeimim.post("/notices", json=recce()).status_code == 201
    before = hmeimim.get("/ledger").json()
    live_server.clock.now = STRIKE_START - timedelta(minutes=5)  # meets the 1 min rule
    r = iaf.post("/notices", json=strike())
    assert r.status_code == 422, r.text
    body: dict[str, Any] = r.json()
    assert body["error"] == "rule_violation" and body["detail"].startswith("properties.start")
    assert "needs" in body["detail"]
    assert iaf.get("/notices", params={"party": "iaf"}).json()["features"] == []
    assert hmeimim.get("/conflicts").json() == [] and hmeimim.get("/violations").json() == []
    assert hmeimim.get("/ledger").json() == before
    assert flash_subjects(hmeimim) == []


def test_an_unknown_activity_is_a_422_naming_the_field(
    live_server: LiveServer, clients: dict[str, httpx.Client]
) -> None:
    r = clients["iaf"].post("/notices", json=strike("carpet_bombing"))
    assert r.status_code == 422 and "properties.activity" in r.json()["detail"], r.text
    assert live_server.service.store.count_notices() == 0
