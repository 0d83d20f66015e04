"""Advice through the store (issue 19): on seeded random scenes of 2-50 notices of three
parties (circles, polygons, corridors, orbits; air and sea; protected assets), every piece
of advice for a notice in conflict, filed as an amendment, clears it and creates no
conflict: the store's own detection (the amendment's) is the judge. One step less change
(1 s, 100 ft, 0.1 NM), filed the same way, still conflicts. Then the Latakia scene: advice
for the exposed reconnaissance notice and for the kinetic strike clears the exposure.
"""

from __future__ import annotations

import math
import random
from dataclasses import replace
from datetime import timedelta
from typing import Any

import pytest
from tests.conftest import T0, Clock, circle, make_agreement
from tests.service import test_exposure_service as latakia

from interlock.detect.advice import AdviceKind, moved_band
from interlock.detect.advice_place import translated
from interlock.errors import StateConflict
from interlock.model.notice import NoticeDraft, parse_notice
from interlock.model.timeutil import iso
from interlock.service.notices import WriteOp
from interlock.service.root import Services, build_services
from interlock.store import open_store

PARTIES = ("blue", "red", "green")


def _area(rng: random.Random, lon: float, lat: float) -> tuple[dict[str, Any], dict[str, Any]]:
    kind = rng.choice(("circle", "polygon", "corridor", "orbit"))
    if kind == "circle":
        return {"type": "Point", "coordinates": [lon, lat]}, {"radius_m": rng.uniform(3e3, 2e4)}
    if kind == "polygon":
        n = rng.randint(3, 7)
        r = rng.uniform(0.05, 0.25)
        ring = [
            [lon + r * math.cos(2 * math.pi * i / n), lat + 0.8 * r * math.sin(2 * math.pi * i / n)]
            for i in range(n)
        ]
        return {"type": "Polygon", "coordinates": [[*ring, ring[0]]]}, {}
    end = [lon + rng.uniform(-0.3, 0.3), lat + rng.uniform(-0.3, 0.3)]
    if kind == "corridor":
        return {"type": "LineString", "coordinates": [[lon, lat], end]}, {
            "half_width_m": rng.uniform(2e3, 8e3)
        }
    return {"type": "LineString", "coordinates": [[lon, lat], end]}, {
        "shape": "orbit",
        "radius_m": rng.uniform(3e3, 1e4),
    }


def random_notice(rng: random.Random) -> dict[str, Any]:
    geometry, props = _area(rng, 35.0 + rng.uniform(-0.6, 0.6), 34.0 + rng.uniform(-0.5, 0.5))
    start = T0 + timedelta(hours=2, minutes=rng.randrange(0, 8 * 60, 5))
    end = start + timedelta(minutes=rng.randrange(30, 4 * 60, 5))
    if rng.random() < 0.2:
        top = rng.randrange(0, 200, 10)
        props |= {"domain": "sea", "depth_min_m": top, "depth_max_m": top + rng.randrange(10, 100)}
    elif rng.random() < 0.5:
        lo = rng.randrange(0, 300, 10)
        props |= {"domain": "air", "fl_lower": lo, "fl_upper": lo + rng.randrange(10, 100, 10)}
    else:
        lo = rng.randrange(0, 20_000, 500)
        props |= {
            "domain": "air",
            "alt_lower_ft": lo,
            "alt_upper_ft": lo + rng.randrange(1000, 10_000, 500),
        }
    props |= {"start": iso(start), "end": iso(end), "callsign": f"C{rng.randrange(1000)}"}
    return {"type": "Feature", "geometry": geometry, "properties": props}


def apply(services: Services, party: str, notice_id: str, draft: NoticeDraft) -> Any:
    """File a candidate as an amendment; the store's detection of it."""
    return services.notices.amend(party, notice_id, draft.to_feature())


def one_step_less(piece: Any, original: NoticeDraft, services: Services) -> NoticeDraft | None:
    """The candidate one step (1 s, one level step, 0.1 NM) less changed, or None when the
    piece is not one of those or is a single step already."""
    rules = services.agreement.advice
    c = piece.change
    if piece.kind in (AdviceKind.DELAY, AdviceKind.ADVANCE):
        secs = c.get("delay_s", c.get("advance_s"))
        if secs < 1:
            return None
        sign = 1 if piece.kind is AdviceKind.DELAY else -1
        shift = timedelta(seconds=sign * (secs - 1))
        return replace(original, start=original.start + shift, end=original.end + shift)
    if piece.kind in (AdviceKind.LEVEL_UP, AdviceKind.LEVEL_DOWN):
        steps = round(abs(c.get("shift_ft", 0) / rules.level_step_ft or c.get("shift_m", 0)))
        if steps < 1:
            return None
        sign = 1 if piece.kind is AdviceKind.LEVEL_UP else -1
        return moved_band(original, sign * (steps - 1), rules)
    if piece.kind is AdviceKind.OFFSET:
        d = c["distance_nm"] * 1852.0 - rules.offset_step_m
        if d < 0.5:
            return None
        rad = math.radians(c["bearing_deg"])
        frame = original.area.own_frame()
        area = translated(original.area, frame, d * math.sin(rad), d * math.cos(rad))
        return replace(original, area=area)
    return None


@pytest.mark.parametrize("seed", range(1, 7))
def test_every_piece_filed_clears_and_creates_none(services: Services, seed: int) -> None:
    rng = random.Random(seed)
    ids: dict[str, str] = {}
    first = random_notice(rng)
    for i in range(rng.randint(2, 50)):
        party = PARTIES[i % 3]
        feature = first if i == 1 else random_notice(rng)  # one conflict at least
        if i == 0:
            feature = first
        ids[services.notices.submit(party, feature).notice["id"]] = party
    in_conflict = sorted({c.a_id for c in services.store.list_conflicts() if c.a_kind == "notice"})
    assert in_conflict, "the scene has no conflict to advise on"
    checked = 0
    for nid in in_conflict[:4]:
        party = ids[nid]
        row = services.store.get_notice(nid)
        assert row is not None
        original = parse_notice(row.feature)
        found = services.advice.advise(party, nid).found
        assert found.met, "a notice in conflict meets something"
        assert found.advice or found.unavailable
        for piece in found.advice:
            result = apply(services, party, nid, piece.draft)
            assert result.conflicts == [], (piece.kind, piece.change, result.conflicts)
            late = [v for v in result.violations if v.violation.kind == "late_notice"]
            assert bool(late) == piece.late, piece
            less = one_step_less(piece, original, services)
            if less is not None:
                assert apply(services, party, nid, less).conflicts, (piece.kind, piece.change)
            apply(services, party, nid, original)  # the scene as it was, for the next piece
            checked += 1
    assert checked >= 3


def test_advice_pinned_to_its_version_changes_nothing_when_overtaken(services: Services) -> None:
    rng = random.Random(7)
    red_feature = random_notice(rng)
    services.notices.submit("blue", red_feature)
    red = services.notices.submit("red", red_feature)
    assert red.conflicts
    nid = red.notice["id"]
    op, piece = services.advice.apply_op("red", nid, "delay", None)
    services.notices.amend("red", nid, red_feature)  # overtaken: version 2
    with pytest.raises(StateConflict, match="version 2; the advice was for version 1"):
        services.notices._one(op)
    assert services.store.get_notice(nid).version == 2  # type: ignore[union-attr]
    # a body that is not the advised notice is refused before anything is stored
    other = WriteOp("amend", "red", nid, red_feature, expect_version=2, expect_draft=piece.draft)
    with pytest.raises(StateConflict, match="not the advice"):
        services.notices._one(other)
    assert services.store.get_notice(nid).version == 2  # type: ignore[union-attr]


@pytest.fixture
def latakia_services(tmp_path: Any) -> Any:
    store = open_store(tmp_path / "latakia.db")
    clock = Clock(latakia.T0)
    services = build_services(store, latakia.latakia_agreement(), clock)
    latakia.add_hazard(store, latakia.s200(), latakia.T0)
    yield services
    store.close()


def test_advice_clears_the_exposure_for_either_side(latakia_services: Services) -> None:
    s = latakia_services
    recce = s.notices.submit("hmeimim", latakia.recce()).notice["id"]
    strike = s.notices.submit("iaf", latakia.strike())
    assert [c.kind for c in strike.conflicts] == ["exposure"]
    sid = strike.notice["id"]
    for party, nid in (("hmeimim", recce), ("iaf", sid)):
        found = s.advice.advise(party, nid).found
        kinds = {p.kind for p in found.advice}
        assert AdviceKind.DELAY in kinds, found
        if party == "hmeimim":  # out of the envelope (10 km inside it), or above its top
            assert {AdviceKind.OFFSET, AdviceKind.LEVEL_UP} <= kinds, found
            up = next(p for p in found.advice if p.kind is AdviceKind.LEVEL_UP)
            assert up.draft.band_input["alt_lower_ft"] == 60_100  # the top is 60,000 ft
        else:  # hot at every height: no level clears a kinetic notice; the envelope is
            # 60 km, reach 50 km: the strike would have to move over 50 NM
            assert not kinds & {AdviceKind.LEVEL_UP, AdviceKind.OFFSET}, found
        row = s.store.get_notice(nid)
        assert row is not None
        original = parse_notice(row.feature)
        for piece in found.advice:
            result = apply(s, party, nid, piece.draft)
            assert result.conflicts == [], (party, piece.kind, result.conflicts)
            assert not [v for v in result.violations if v.violation.kind != "late_notice"]
            apply(s, party, nid, original)


def test_a_search_over_the_budget_is_given_up_and_says_why(tmp_path: Any) -> None:
    """Four other notices an hour apart over the same area: where the subject is it meets
    one (within max_candidates = 2), but the time search's look-up (72 h either side)
    meets four, over the budget: delay and advance say why; level and place still run."""
    store = open_store(tmp_path / "budget.db")
    s = build_services(store, make_agreement(max_candidates=2), Clock(T0))
    try:
        for h in range(4):
            start = T0 + timedelta(hours=2 + 3 * h)
            s.notices.submit("blue", circle(35.0, 34.0, 5_000, start=start, hours=1))
        red = s.notices.submit("red", circle(35.0, 34.0, 5_000, hours=1))
        assert len(red.conflicts) == 1
        found = s.advice.advise("red", red.notice["id"]).found
        why = {u.kind: u.why for u in found.unavailable}
        for kind in (AdviceKind.DELAY, AdviceKind.ADVANCE):
            assert "4 other notices and assets within 72 h" in why[kind], why
        assert {p.kind for p in found.advice} >= {AdviceKind.LEVEL_UP, AdviceKind.OFFSET}
    finally:
        store.close()
