"""scenarios/latakia-2018 played through the real services: each row of its README's "What
a run must show" table appears at its minute (UTC)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from interlock.model.timeutil import parse_utc
from interlock.service.scenario_player import Happening, Player, play
from interlock.store import open_store

SCENARIO = Path(__file__).resolve().parents[2] / "scenarios" / "latakia-2018"
F16S = {"F-16I lead", "F-16I 2", "F-16I 3", "F-16I 4"}
IL20 = "IL-20 RF-93610"
STRIKE = "strike in northern Syria"  # the strike notice's purpose (it has no callsign)



def at(hms: str) -> datetime:
    h, m, s = (int(x) for x in hms.split(":"))
    return datetime(2018, 9, 17, h, m, s, tzinfo=UTC)


@pytest.fixture(scope="module")
def run(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Player, list[Happening]]]:
    store = open_store(tmp_path_factory.mktemp("latakia") / "run.db")
    try:
        yield play(SCENARIO, store)
    finally:
        store.close()


def _of(found: list[Happening], record: str, kind: str, event: str) -> list[Happening]:
    return [h for h in found if (h.record, h.kind, h.event) == (record, kind, event)]


def _names(player: Player, h: Happening) -> set[str]:
    return {player.label(t) for t in h.ids.get("tracks", [])}


def _warnings(found: list[Happening]) -> list[Happening]:
    """The insufficient_warning violations: one per exposed notice of the Il-20 (its
    reconnaissance area and its return corridor)."""
    return _of(found, "violation", "insufficient_warning", "recorded")


def test_insufficient_warning_at_filing(run: tuple[Player, list[Happening]]) -> None:
    player, found = run
    warnings = _warnings(found)
    assert len(warnings) == 2
    for v in warnings:
        assert v.time == at("18:39:00")
        assert player.label(v.ids["notice"]) == STRIKE
        assert v.ids["lead_time_s"] == 60
        assert player.label(v.ids["hazard"]).startswith("S-200 battery")
    # the return corridor reaches Hmeimim, ~51 km from the site: ~26 min to leave the
    # 250 km envelope at 250 kt, plus the 5 min margin (README): about 31 min
    assert 28 * 60 <= max(v.ids["required_s"] for v in warnings) <= 34 * 60


def test_flash_message_at_filing(run: tuple[Player, list[Happening]]) -> None:
    player, found = run
    warnings = _warnings(found)
    ids = {("violation", str(v.ids["id"])) for v in warnings}
    flash = []
    for entry in player.services.store.ledger_entries():
        e: dict[str, Any] = entry["event"]
        if e["type"] == "message" and e.get("priority") == "flash":
            refs = {(r["kind"], r["id"]) for r in e.get("refs", [])}
            if refs & ids:
                flash.append(parse_utc(entry["received_at"], "received_at"))
    assert at("18:39:00") in flash


def test_late_notice_stays(run: tuple[Player, list[Happening]]) -> None:
    player, found = run
    (v,) = _of(found, "violation", "late_notice", "recorded")
    assert v.time == at("18:39:00") and player.label(v.ids["notice"]) == STRIKE
    assert (v.ids["lead_time_s"], v.ids["required_s"]) == (60, 3600)


def test_exposure_conflict_from_the_strike(run: tuple[Player, list[Happening]]) -> None:
    player, found = run
    exposures = _of(found, "conflict", "exposure", "detected")
    assert exposures and all(h.time == at("18:39:00") for h in exposures)
    for h in exposures:
        assert h.ids["severity"] == "critical"
        assert set(h.parties) == {"hmeimim", "iaf"}
        assert player.label(h.ids["a"]) == IL20 and player.label(h.ids["b"]) == STRIKE
        assert parse_utc(h.ids["window_start"], "window_start") == at("18:40:00")
    assert len(exposures) == 2  # both of the Il-20's notices (racetrack and return)


def test_nonconformance_of_the_strike_aircraft(run: tuple[Player, list[Happening]]) -> None:
    player, found = run
    raised = _of(found, "alert", "nonconformance", "raised")
    first: dict[str, datetime] = {}
    for h in raised:
        for name in _names(player, h):
            first.setdefault(name, h.time)
    assert set(first) >= F16S
    # the F-16s report from 18:40:00, outside their notice; 30 s grace, 10 s ticks
    assert all(at("18:40:30") <= first[n] <= at("18:40:40") for n in F16S)
    assert IL20 not in first  # the Il-20 flies inside its own notices


def test_exposure_alert_of_the_il20(run: tuple[Player, list[Happening]]) -> None:
    player, found = run
    raised = [h for h in _of(found, "alert", "exposure", "raised") if IL20 in _names(player, h)]
    assert raised and at("18:40:00") <= raised[0].time <= at("18:40:10")
    assert not [h for h in raised if h.time < at("18:40:00")]  # not before the strike starts
    assert player.label(raised[0].ids["hazard"]).startswith("S-200 battery")


def test_masking_before_the_hit(run: tuple[Player, list[Happening]]) -> None:
    player, found = run
    raised = _of(found, "alert", "masking", "raised")
    pass_ = [h for h in raised if _names(player, h) == {"F-16I lead", IL20}]
    assert pass_ and at("18:57:30") <= pass_[0].time <= at("18:59:30")
    assert set(pass_[0].parties) == {"hmeimim", "iaf"}
    assert all(_names(player, h) == {"F-16I lead", IL20} for h in raised)  # only that pass
