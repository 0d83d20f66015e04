"""The track service: the agreement's tactical minima decide what is an alert."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import pytest
from tests.conftest import Clock, make_agreement

from interlock.errors import InvalidInput
from interlock.model.agreement import agreement_from_dict
from interlock.model.timeutil import iso
from interlock.service.tracks import TrackService


def pair(now: datetime, gap_deg: float) -> dict[str, Any]:
    """Two aircraft on parallel opposite tracks, `gap_deg` of latitude apart, closing."""

    def unit(uid: str, lon: float, lat: float, course: float) -> dict[str, Any]:
        return {
            "type": "Feature",
            "id": uid,
            "geometry": {"type": "Point", "coordinates": [lon, lat]},
            "properties": {
                "time": iso(now),
                "domain": "air",
                "alt_ft": 20_000,
                "speed_kt": 400,
                "course_deg": course,
            },
        }

    return {
        "type": "FeatureCollection",
        "features": [unit("a", 35.0, 35.0, 90), unit("b", 35.3, 35.0 + gap_deg, 270)],
    }


@pytest.mark.parametrize(("horizontal_nm", "alerts"), [(5, 1), (1, 0)])
def test_tactical_minima_are_configuration(clock: Clock, horizontal_nm: float, alerts: int) -> None:
    agreement = make_agreement()
    doc = agreement.to_dict()
    raw = {
        "parties": [{"id": p["id"], "public_keys": p["public_keys"]} for p in doc["parties"]],
        "tactical": {"air": {"horizontal_nm": horizontal_nm}},
    }
    service = TrackService(agreement_from_dict(raw), clock)
    own = pair(clock.now, 0.033)  # ~2 NM apart at closest approach
    service.ingest_own_forces("blue", {**own, "features": own["features"][:1]})
    service.ingest_own_forces("red", {**own, "features": own["features"][1:]})
    service.scan()
    assert len(service.alert_list("blue")["alerts"]) == alerts


def test_bad_tactical_clauses_are_refused() -> None:
    with pytest.raises(InvalidInput) as err:
        agreement_from_dict(
            {"parties": [{"id": "a"}, {"id": "b"}], "tactical": {"air": {"lookahead_s": 0}}}
        )
    assert err.value.field == "tactical.air.lookahead_s"
    with pytest.raises(InvalidInput):
        agreement_from_dict({"parties": [{"id": "a"}, {"id": "b"}], "tactical": {"space": {}}})
    assert make_agreement().to_dict()["tactical"]["sea"]["vertical_m"] is None


def test_mode_s_lines_other_than_extended_squitter_are_skipped_as_the_decoder_would(
    clock: Clock,
) -> None:
    from interlock.feeds.modes import ModeSDecoder

    service = TrackService(make_agreement(), clock)
    frames = [
        "20001838CA3804",  # DF4 surveillance altitude reply (56 bits)
        "5D4CA2D4B45B6F",  # DF11 all-call reply
        "A0001838CA380031440000F24177",  # DF20 (112 bits)
        "20001838CA38",  # DF4 but cut short: the decoder names it
        "8D40621D58C382D690C8AC2863A7",  # DF17: decoded
    ]
    lines = [f"1796112000 {f}" for f in frames]
    got = service.ingest_lines("blue", "modes", lines)
    decoder = ModeSDecoder()
    expected: dict[str, int] = {}
    for n, f in enumerate(frames, start=1):
        for out in decoder.feed(f, clock.now, f"line {n}"):
            reason = getattr(out, "reason", None)
            if reason:
                expected[reason] = expected.get(reason, 0) + 1
    assert got["skipped"] == expected
    assert got["skipped"]["unsupported_df"] == 3


def test_alert_ids_do_not_repeat_after_a_restart(clock: Clock) -> None:
    """The ledger records alerts by id: a restarted service must not reuse the ids it gave."""
    ids = []
    for _ in range(2):  # the same encounter seen by a service, then by its restart
        service = TrackService(make_agreement(), clock)
        own = pair(clock.now, 0.033)
        service.ingest_own_forces("blue", {**own, "features": own["features"][:1]})
        service.ingest_own_forces("red", {**own, "features": own["features"][1:]})
        service.scan()
        ids += [a["id"] for a in service.alert_list("blue")["alerts"]]
        clock.advance(seconds=0.001)
    assert len(ids) == 2 and ids[0] != ids[1]
    assert all(i.startswith("A") and i.endswith("-1") for i in ids)
