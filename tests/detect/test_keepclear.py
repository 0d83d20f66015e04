"""Each rule restated as an Obstacle (time, vertical and horizontal tests apart) gives the
same verdict as the detector it restates, on random pairs and exactly at every bound.

- ``strategic.keep_clear_of`` against ``check_pair``: notices and assets, air, sea and
  mixed, all four shapes, anywhere (antimeridian, polar);
- ``exposure.hot_obstacle`` against ``strategic_exposures`` of a hot hazard;
- ``exposure.kinetic_obstacle`` against ``hot_hazards`` + ``strategic_exposures``.

The bounds are hit exactly by setting the rule to the pair's own measure (the minimum to
the pair's distance or gap, the buffer or tail to its time gap, reach to the distance) and
then 1 mm / 1 s either side; where the verdict is known by the rule's words it is asserted
too (at a minimum: separated; touching: a conflict; at reach: hot).
"""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime, timedelta

import numpy as np
import pytest
from advice_scenes import T0
from hazard_scenes import area_hazard, site_hazard
from random_areas import REGIONS, NumpySource, area_pair, fwd

from interlock.detect.exposure import hot_obstacle, kinetic_obstacle, strategic_exposures
from interlock.detect.hazards import ActivityNotice, Hazard, HotHazard, hot_hazards
from interlock.detect.strategic import Volume, check_pair, keep_clear_of
from interlock.geo.distance import separation
from interlock.geo.shapes import Area
from interlock.model.agreement import Rules, Separation
from interlock.model.conflict import Ref
from interlock.model.hazard_rules import HazardRules
from interlock.model.notice import VerticalBand

MM = 1e-3
SECOND = timedelta(seconds=1)
EDGES_M = (-2 * MM, -MM, 0.0, MM, 2 * MM)
EDGES_S = (-SECOND, timedelta(0), SECOND)


def vol(
    nid: str,
    party: str,
    area: Area,
    band: tuple[float, float],
    start: datetime,
    end: datetime,
    domain: str = "air",
    kind: str = "notice",
) -> Volume:
    return Volume(Ref(kind, nid), party, domain, area, VerticalBand(*band), start, end)


def rules_with(
    h: float, v: float, buffer: timedelta, h_sea: float = 0.0, v_sea: float = 0.0
) -> Rules:
    return Rules(
        time_buffer=buffer,
        separation={"air": Separation(h, v), "sea": Separation(h_sea or h, v_sea)},
    )


def agree(a: Volume, b: Volume, rules: Rules) -> bool:
    """check_pair's verdict, asserting the Obstacle's is the same."""
    truth = check_pair(a, b, rules) is not None
    o = keep_clear_of(a.domain, b, rules)
    assert o.meets(a.area, a.band, a.start, a.end) == truth, (a, b, rules)
    return truth


# ---- keep_clear_of vs check_pair ----------------------------------------------------------


def _random_pair(rng: np.random.Generator) -> tuple[Volume, Volume]:
    src = NumpySource(rng)
    sa, sb = area_pair(src, src.choice(REGIONS), reach_m=30_000.0, max_size_m=60_000.0)
    lo = rng.uniform(-500.0, 10_000.0)
    lo_b = lo + rng.uniform(-3_000.0, 3_000.0)
    start = T0 + timedelta(seconds=int(rng.integers(-4 * 3600, 4 * 3600)))
    dom_a = src.choice(("air", "sea"))
    dom_b = src.choice(("air", "sea"))
    kind_b = "asset" if rng.random() < 0.25 else "notice"
    a = vol(
        "a",
        "blue",
        Area.from_geojson(*sa),
        (lo, lo + rng.uniform(50, 3000)),
        T0,
        T0 + timedelta(hours=2),
        dom_a,
    )
    b = vol(
        "b",
        "red",
        Area.from_geojson(*sb),
        (lo_b, lo_b + rng.uniform(50, 3000)),
        start,
        start + timedelta(minutes=int(rng.integers(10, 300))),
        dom_b,
        kind_b,
    )
    return a, b


def test_keep_clear_of_agrees_with_check_pair_on_random_pairs() -> None:
    rng = np.random.default_rng(19)
    verdicts = []
    for _ in range(400):
        a, b = _random_pair(rng)
        verdicts.append(agree(a, b, Rules()))
    assert 10 < sum(verdicts) < len(verdicts) - 10  # both verdicts are exercised


def test_keep_clear_of_agrees_exactly_at_each_bound_on_random_pairs() -> None:
    """The pair's own distance, vertical gap and time gap made the minimum and the buffer,
    then each moved 1 mm / 1 s either side: both forms agree at every one."""
    rng = np.random.default_rng(1919)
    seen = {"h": set(), "v": set(), "t": set()}
    for _ in range(80):
        a, b = _random_pair(rng)
        dist = separation(a.area, b.area).distance_m
        # bands apart and windows apart, so each bound is the pair's own measure
        b = replace(b, band=VerticalBand(a.band.upper_m + 200.0, a.band.upper_m + 900.0))
        gap_v = b.band.lower_m - a.band.upper_m
        b = replace(b, start=a.end + timedelta(minutes=7), end=a.end + timedelta(minutes=50))
        gap_t = b.start - a.end
        roomy_h, roomy_v, roomy_t = dist + 1000.0, gap_v + 100.0, gap_t + timedelta(hours=1)
        for e in EDGES_M:
            if dist > 0:
                seen["h"].add(
                    agree(a, b, rules_with(dist + e, roomy_v, roomy_t, dist + e, roomy_v))
                )
            seen["v"].add(agree(a, b, rules_with(roomy_h, gap_v + e, roomy_t, roomy_h, gap_v + e)))
        for s in EDGES_S:
            seen["t"].add(agree(a, b, rules_with(roomy_h, roomy_v, gap_t + s, roomy_h, roomy_v)))
    assert all(v == {True, False} for v in seen.values()), seen


def _circles_at(distance_m: float, lat: float = 34.0) -> tuple[Area, Area]:
    """Two circles whose edges are `distance_m` apart (centres on one geodesic)."""
    ra, rb = 3_000.0, 4_000.0
    lon2, lat2 = fwd(35.0, lat, 63.0, ra + rb + distance_m)
    return Area("circle", ((35.0, lat),), ra), Area("circle", ((lon2, lat2),), rb)


@pytest.mark.parametrize("domains", [("air", "air"), ("sea", "sea"), ("air", "sea")])
def test_keep_clear_of_at_the_horizontal_minimum(domains: tuple[str, str]) -> None:
    rules = Rules()
    h = rules.minima(*domains).horizontal_m
    for e, conflict in ((-2 * MM, True), (-MM, None), (0.0, False), (MM, False)):
        aa, ab = _circles_at(h + e)
        a = vol("a", "blue", aa, (0.0, 1000.0), T0, T0 + timedelta(hours=1), domains[0])
        b = vol("b", "red", ab, (0.0, 1000.0), T0, T0 + timedelta(hours=1), domains[1])
        verdict = agree(a, b, rules)
        if conflict is not None:  # exactly 1 mm under is the tolerance's own edge
            assert verdict == conflict, (domains, e)
        asset = replace(b, ref=Ref("asset", "b"), domain="air")  # takes a's domain
        assert agree(a, asset, rules) == verdict


def test_keep_clear_of_touching_areas_always_conflict() -> None:
    rules = rules_with(0.0, 0.0, timedelta(0))
    for e, conflict in ((-1.0, True), (-MM, True), (0.0, None), (MM, False)):
        aa, ab = _circles_at(e)
        a = vol("a", "blue", aa, (0.0, 100.0), T0, T0 + timedelta(hours=1))
        b = vol("b", "red", ab, (0.0, 100.0), T0, T0 + timedelta(hours=1))
        verdict = agree(a, b, rules)  # exactly touching: the geodesic's last bit decides
        assert conflict is None or verdict == conflict, e


@pytest.mark.parametrize("domain", ["air", "sea"])
def test_keep_clear_of_at_the_vertical_minimum(domain: str) -> None:
    rules = Rules()
    v = rules.minima(domain, domain).vertical_m
    aa, ab = _circles_at(100.0)
    for e, conflict in ((-2 * MM, True), (0.0, False), (MM, False)):
        a = vol("a", "blue", aa, (-300.0, -200.0), T0, T0 + timedelta(hours=1), domain)
        lo = -200.0 + v + e
        b = vol("b", "red", ab, (lo, lo + 50.0), T0, T0 + timedelta(hours=1), domain)
        assert agree(a, b, rules) == conflict, (domain, e)
        below = vol(
            "b",
            "red",
            ab,
            (-300.0 - v - e - 50.0, -300.0 - v - e),
            T0,
            T0 + timedelta(hours=1),
            domain,
        )
        assert agree(a, below, rules) == conflict, (domain, e)


def test_keep_clear_of_windows_the_time_buffer_apart() -> None:
    rules = Rules()
    buf = rules.time_buffer
    aa, ab = _circles_at(100.0)
    a = vol("a", "blue", aa, (0.0, 100.0), T0, T0 + timedelta(hours=1))
    for s, conflict in ((-SECOND, True), (timedelta(0), False), (SECOND, False)):
        after = a.end + buf + s
        b = vol("b", "red", ab, (0.0, 100.0), after, after + timedelta(hours=1))
        assert agree(a, b, rules) == conflict, s
        before = a.start - buf - s
        b = vol("b", "red", ab, (0.0, 100.0), before - timedelta(hours=1), before)
        assert agree(a, b, rules) == conflict, s


def test_keep_clear_of_same_party_is_the_callers_to_leave_out() -> None:
    """check_pair never pairs a party with itself; the Obstacle has no party test, so the
    caller (service.advice, tests' obstacles_of) leaves the subject's own party out."""
    aa, ab = _circles_at(0.0)
    a = vol("a", "blue", aa, (0.0, 100.0), T0, T0 + timedelta(hours=1))
    b = replace(a, ref=Ref("notice", "b"), area=ab)
    assert check_pair(a, b, Rules()) is None
    assert keep_clear_of("air", b, Rules()).meets(a.area, a.band, a.start, a.end)


# ---- hot_obstacle vs strategic_exposures --------------------------------------------------


def _hot(hz: Hazard, start: datetime, end: datetime, party: str = "red") -> HotHazard:
    return HotHazard(hz, Ref("notice", "k"), party, start, end, 0.0)


def exposed_agree(hot: HotHazard, v: Volume, rules: HazardRules = HazardRules()) -> bool:
    truth = bool(strategic_exposures([hot], [v], rules))
    if v.domain != "air" or v.party == hot.party:
        assert not truth  # the callers' filters: air subjects of another party only
        return truth
    o = hot_obstacle(hot)
    assert o.meets(v.area, v.band, v.start, v.end) == truth, (hot, v)
    return truth


def _random_hazard(src: NumpySource, lon: float, lat: float) -> Hazard:
    rng_m = src.uniform(5_000.0, 60_000.0)
    if src.choice((True, False)):
        return site_hazard("h", lon, lat, rng_m, (src.uniform(0, 5000), src.uniform(6000, 60000)))
    ring = [fwd(lon, lat, az, src.uniform(2_000.0, 15_000.0)) for az in (10, 130, 250)]
    return area_hazard("h", [(p[0], p[1]) for p in [*ring, ring[0]]], rng_m)


def test_hot_obstacle_agrees_with_strategic_exposures_on_random_volumes() -> None:
    rng = np.random.default_rng(15)
    src = NumpySource(rng)
    verdicts = []
    for _ in range(300):
        sa, sb = area_pair(src, src.choice(REGIONS), reach_m=40_000.0, max_size_m=40_000.0)
        lon, lat = Area.from_geojson(*sa).centre()
        hz = _random_hazard(src, lon, lat)
        start = T0 + timedelta(seconds=int(rng.integers(-3 * 3600, 3 * 3600)))
        hot = _hot(hz, T0, T0 + timedelta(hours=2))
        ft = 0.3048
        lo = rng.uniform(-500.0, 20_000.0) * ft
        v = vol(
            "v",
            src.choice(("blue", "red")),
            Area.from_geojson(*sb),
            (lo, lo + rng.uniform(100, 5000) * ft),
            start,
            start + timedelta(minutes=int(rng.integers(5, 200))),
            "sea" if rng.random() < 0.15 else "air",
        )
        verdicts.append(exposed_agree(hot, v))
    assert 10 < sum(verdicts) < len(verdicts) - 10


def test_hot_obstacle_at_its_bounds() -> None:
    """Touching the envelope is exposed (distance 0); touching the hazard's band counts;
    windows are half-open (one ending as the other starts: not exposed)."""
    hz = site_hazard("h", 35.0, 34.0, 20_000.0, (1_000.0, 30_000.0))
    env = hz.envelope
    hot = _hot(hz, T0, T0 + timedelta(hours=1))
    band = hz.draft.band
    rv = 2_000.0

    def at(dist: float) -> Area:
        lon, lat = fwd(35.0, 34.0, 200.0, env.radius_m + rv + dist)
        return Area("circle", ((lon, lat),), rv)

    inside = (band.lower_m + 10.0, band.upper_m - 10.0)
    for e, exposed in ((-MM, True), (0.0, True), (MM, False)):
        assert exposed_agree(hot, vol("v", "blue", at(e), inside, T0, hot.end)) == exposed, e
    for e, exposed in ((-MM, True), (0.0, True), (MM, False)):
        above = (band.upper_m + e, band.upper_m + e + 100.0)
        below = (band.lower_m - e - 100.0, band.lower_m - e)
        assert exposed_agree(hot, vol("v", "blue", at(-500.0), above, T0, hot.end)) == exposed
        assert exposed_agree(hot, vol("v", "blue", at(-500.0), below, T0, hot.end)) == exposed
    for s, exposed in ((-SECOND, False), (timedelta(0), False), (SECOND, True)):
        end = hot.start + s
        assert (
            exposed_agree(hot, vol("v", "blue", at(-500.0), inside, end - timedelta(hours=1), end))
            == exposed
        )
        start = hot.end - s
        assert (
            exposed_agree(
                hot, vol("v", "blue", at(-500.0), inside, start, start + timedelta(hours=1))
            )
            == exposed
        )
    # the callers' filters: the kinetic party itself and sea notices are never exposed
    assert not exposed_agree(hot, vol("v", "red", at(-500.0), inside, T0, hot.end))
    assert not exposed_agree(hot, vol("v", "blue", at(-500.0), inside, T0, hot.end, "sea"))


# ---- kinetic_obstacle vs hot_hazards + strategic_exposures --------------------------------


def kinetic_agree(hz: Hazard, k: Volume, e: Volume, rules: HazardRules) -> bool:
    hot = hot_hazards([hz], [ActivityNotice(k, "strike")], rules)
    truth = bool(strategic_exposures(hot, [e], rules))
    o = kinetic_obstacle(hz, e, k.party, rules)
    assert (o is not None and o.meets(k.area, k.band, k.start, k.end)) == truth, (hz, k, e)
    return truth


def test_kinetic_obstacle_agrees_on_random_scenes() -> None:
    rng = np.random.default_rng(2018)
    src = NumpySource(rng)
    verdicts = []
    ft = 0.3048
    for _ in range(200):
        sk, se = area_pair(src, src.choice(REGIONS), reach_m=80_000.0, max_size_m=40_000.0)
        lon, lat = fwd(*Area.from_geojson(*se).centre(), src.uniform(0, 360), src.uniform(0, 1e4))
        hz = _random_hazard(src, lon, lat)
        if rng.random() < 0.3:
            vf = T0 + timedelta(minutes=int(rng.integers(-120, 120)))
            d = replace(hz.draft, valid_from=vf, valid_to=vf + timedelta(hours=2))
            hz = Hazard("h", d)
        rules = HazardRules(
            reach_km=float(rng.uniform(0.0, 60.0)),
            reaction_tail=timedelta(minutes=int(rng.integers(0, 60))),
        )
        ks = T0 + timedelta(minutes=int(rng.integers(-100, 70)))
        k = vol(
            "k",
            "red",
            Area.from_geojson(*sk),
            (0.0, 10.0),
            ks,
            ks + timedelta(minutes=60),
            src.choice(("air", "sea")),
        )
        lo = rng.uniform(-500.0, 10_000.0) * ft
        e = vol(
            "e",
            "red" if rng.random() < 0.1 else "blue",
            Area.from_geojson(*se),
            (lo, lo + rng.uniform(100, 8000) * ft),
            T0,
            T0 + timedelta(hours=1),
            "sea" if rng.random() < 0.1 else "air",
        )
        verdicts.append(kinetic_agree(hz, k, e, rules))
    assert 10 < sum(verdicts) < len(verdicts) - 10


def test_kinetic_obstacle_at_reach_tail_and_validity() -> None:
    hz = site_hazard("h", 35.0, 34.0, 20_000.0)
    e = vol(
        "e",
        "blue",
        Area("circle", ((35.0, 34.0),), 5_000.0),
        (0.0, 3000.0),
        T0,
        T0 + timedelta(hours=1),
    )
    k_area = Area("circle", (fwd(35.0, 34.0, 80.0, 100_000.0),), 4_000.0)
    d = separation(k_area, hz.envelope).distance_m
    k = vol("k", "red", k_area, (0.0, 10.0), T0, T0 + timedelta(hours=1))
    # reach: exactly at it is hot, and to the agreement's 1 mm beyond
    for e_m, hot in ((-MM, True), (0.0, True), (MM, True), (2 * MM, False)):
        rules = HazardRules(reach_km=(d - e_m) / 1000.0)
        assert kinetic_agree(hz, k, e, rules) == hot, e_m
    rules = HazardRules(reach_km=(d + 1000.0) / 1000.0, reaction_tail=timedelta(minutes=20))
    # the reaction tail: the kinetic window ends before the exposed one starts
    for s, hot in ((-SECOND, False), (timedelta(0), False), (SECOND, True)):
        kend = e.start - rules.reaction_tail + s
        kk = replace(k, start=kend - timedelta(hours=1), end=kend)
        assert kinetic_agree(hz, kk, e, rules) == hot, s
    # validity: the hazard valid only until the exposed window starts, or from its end
    for s, hot in ((-SECOND, False), (timedelta(0), False), (SECOND, True)):
        until = Hazard("h", replace(hz.draft, valid_to=e.start + s))
        kk = replace(k, start=e.start - timedelta(hours=2), end=e.end)
        assert kinetic_agree(until, kk, e, rules) == hot, s
        since = Hazard("h", replace(hz.draft, valid_from=e.end - s))
        assert kinetic_agree(since, kk, e, rules) == hot, s
    # the kinetic band does not matter; the exposed band must meet the hazard's
    high = replace(k, band=VerticalBand(50_000.0, 60_000.0))
    assert kinetic_agree(hz, high, e, rules)
    above = replace(e, band=VerticalBand(hz.draft.band.upper_m + MM, hz.draft.band.upper_m + 1))
    assert not kinetic_agree(hz, k, above, rules)
    assert kinetic_obstacle(hz, above, "red", rules) is None
    # never for a sea notice or the kinetic party's own
    assert kinetic_obstacle(hz, replace(e, domain="sea"), "red", rules) is None
    assert kinetic_obstacle(hz, e, "blue", rules) is None
