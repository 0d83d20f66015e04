"""Live tracks: tactical exposure, masking and conformance; fast == reference on random scenes."""

from __future__ import annotations

from datetime import timedelta

import numpy as np
import pytest
from hazard_scenes import (
    GEOD,
    T0,
    area_hazard,
    circle,
    notice,
    offset,
    random_tracks,
    site_hazard,
    tracks,
)
from hypothesis import given, settings
from hypothesis import strategies as st

from interlock.detect.conformance import Outside, conformance, conformance_reference
from interlock.detect.exposure import (
    SCREEN_SLACK,
    prepare,
    screen_m,
    tactical_exposures,
    tactical_exposures_reference,
)
from interlock.detect.hazards import hot_hazards
from interlock.detect.masking import angle_between, masking, masking_reference
from interlock.geo.units import KT_IN_MPS, M_PER_NM
from interlock.model.hazard_rules import HazardRules

RULES = HazardRules()
SITE = (35.8, 35.4)
RANGE = 100_000.0
ENV_R = RANGE + 1.0


def hot_set(site=SITE, range_m=RANGE, alt=(0.0, 30_000.0), kinetic_party="red"):
    h = site_hazard("h", *site, range_m, alt=alt)
    strike = notice("k", kinetic_party, circle(*site, 5_000.0), "strike", minutes=20)
    return prepare(hot_hazards([h], [strike], RULES))


def at(dist: float, az: float = 200.0, site=SITE, **kw: object) -> dict:
    lon, lat = offset(*site, az, dist)
    return {"lon": lon, "lat": lat, **kw}


# --- tactical exposure ---------------------------------------------------------------


@pytest.mark.parametrize(("delta", "exposed"), [(-1.0, True), (0.0, True), (1.0, False)])
def test_track_at_the_envelope_edge(delta: float, exposed: bool) -> None:
    s = tracks(at(ENV_R + delta, owner="blue"))
    out = tactical_exposures(s, T0, hot_set(), RULES)
    assert bool(len(out)) is exposed
    assert out.pairs() == tactical_exposures_reference(s, T0, hot_set(), RULES).pairs()


def test_time_to_exit_at_the_tracks_speed_against_pyproj() -> None:
    s = tracks(at(40_000.0, owner="blue", speed=180.0), at(70_000.0, owner="green", speed=0.0))
    out = tactical_exposures(s, T0, hot_set(), RULES)
    assert out.track.tolist() == [0, 1]
    truth = ENV_R - GEOD.inv(*SITE, s.lon[0], s.lat[0])[2]
    assert out.depth_m[0] == pytest.approx(truth, abs=1e-6)
    assert out.time_to_exit_s[0] == pytest.approx(truth / (180.0 * KT_IN_MPS))
    assert out.required_warning_s[0] == pytest.approx(out.time_to_exit_s[0] + 300.0)
    assert out.time_to_exit_s[1] == np.inf  # hovering: it never leaves


@pytest.mark.parametrize(
    ("alt", "exposed"),
    [(0.0, True), (30_000.0, True), (30_001.0, False), (-1.0, False), (None, True)],
)
def test_band_edges_and_unknown_altitude(alt: float | None, exposed: bool) -> None:
    s = tracks(at(50_000.0, owner="blue", alt=alt))
    assert bool(len(tactical_exposures(s, T0, hot_set(), RULES))) is exposed


def test_who_is_exposed() -> None:
    s = tracks(
        at(50_000.0, owner="red"),  # the kinetic party itself
        at(50_000.0, owner=None),  # observed: nobody to tell
        at(50_000.0, owner="blue", sea=True),  # a ship
        at(50_000.0, owner="green"),
    )
    assert tactical_exposures(s, T0, hot_set(), RULES).track.tolist() == [3]
    observed = tactical_exposures(s, T0, hot_set(), RULES, observed=True)
    assert observed.track.tolist() == [1, 3]


def test_only_while_hot() -> None:
    s = tracks(at(50_000.0, owner="blue"))
    hs = hot_set()  # strike 20 min + 30 min tail
    assert len(tactical_exposures(s, T0 + timedelta(minutes=49, seconds=59), hs, RULES)) == 1
    assert len(tactical_exposures(s, T0 + timedelta(minutes=50), hs, RULES)) == 0
    assert len(tactical_exposures(s, T0 - timedelta(seconds=1), hs, RULES)) == 0


@pytest.mark.parametrize("site", [(179.9, 10.0), (-179.95, 60.0), (20.0, 84.0), (170.0, 89.5)])
def test_antimeridian_and_high_latitude(site: tuple[float, float]) -> None:
    hs = hot_set(site=site, range_m=300_000.0)
    rows = [
        at(d, az, site, owner="blue") for az in range(0, 360, 15) for d in (299_990.0, 300_011.0)
    ]
    s = tracks(*rows)
    out = tactical_exposures(s, T0, hs, RULES)
    assert out.pairs() == tactical_exposures_reference(s, T0, hs, RULES).pairs()
    assert out.track.tolist() == list(range(0, len(rows), 2))


def test_screen_bounds_the_geodesic() -> None:
    """The spherical screen is within SCREEN_SLACK of the WGS84 geodesic, both ways (the
    tactical fast path and conformance's nearest-notice bounds rely on it)."""
    rng = np.random.default_rng(11)
    n = 200_000
    lat = np.degrees(np.arcsin(rng.uniform(-1, 1, n)))
    lon = rng.uniform(-180, 180, n)
    lon2, lat2, _ = GEOD.fwd(lon, lat, rng.uniform(0, 360, n), rng.uniform(0, 2.5e6, n))
    s = GEOD.inv(lon, lat, lon2, lat2)[2]
    h = screen_m(lon, lat, lon2, lat2)
    assert np.all(h <= (1 + SCREEN_SLACK) * s + 1.0)
    assert np.all(h >= (1 - SCREEN_SLACK) * s - 1.0)
    far = s > 1_000.0
    assert np.max(np.abs(h[far] / s[far] - 1.0)) < 0.6 * SCREEN_SLACK


def test_area_hazard_track_depth() -> None:
    ring = [(36.0, 34.0), (36.5, 34.0), (36.5, 34.5), (36.0, 34.5), (36.0, 34.0)]
    h = area_hazard("a", ring, 40_000.0)
    hs = prepare(hot_hazards([h], [notice("k", "red", circle(36.2, 34.2, 1e3), "strike")], RULES))
    s = tracks(
        at(39_000.0, 270.0, (36.0, 34.25), owner="blue"),
        at(41_000.0, 270.0, (36.0, 34.25), owner="blue"),
    )
    out = tactical_exposures(s, T0, hs, RULES)
    assert out.track.tolist() == [0]
    assert out.depth_m[0] == pytest.approx(1_000.0, abs=1.0)


# --- masking ------------------------------------------------------------------------


def masking_case(dist_nm: float, dbearing: float):
    """A blue aircraft 60 km from the site at bearing 200; a red (kinetic) one at range 70 km
    and bearing 200 + dbearing, or dist_nm away along the same radial when dbearing is None."""
    blue = at(60_000.0, 200.0, owner="blue")
    red = at(60_000.0 + dist_nm * M_PER_NM, 200.0 + dbearing, owner="red")
    s = tracks(blue, red)
    hs = hot_set()
    ex = tactical_exposures(s, T0, hs, RULES)
    return s, hs, ex, masking(s, hs, ex, RULES)


@pytest.mark.parametrize(("nm", "hit"), [(9.999, True), (10.0, True), (10.001, False)])
def test_masking_distance_threshold(nm: float, hit: bool) -> None:
    s, hs, ex, m = masking_case(nm, 0.0)
    assert bool(len(m)) is hit
    assert m.triples() == masking_reference(s, hs, ex, RULES).triples()
    if hit:
        truth = GEOD.inv(s.lon[0], s.lat[0], s.lon[1], s.lat[1])[2]
        assert m.distance_m[0] == pytest.approx(truth) and truth == pytest.approx(
            nm * M_PER_NM, abs=1e-6
        )
        assert (m.kinetic[0], m.other[0]) == (1, 0)


@pytest.mark.parametrize(
    ("deg", "hit"), [(4.999, True), (5.0, True), (5.001, False), (-5.001, False)]
)
def test_masking_bearing_threshold(deg: float, hit: bool) -> None:
    """Red at the same range as blue, deg off its bearing: 60 km x 5 deg is ~5.2 km apart."""
    blue = at(60_000.0, 200.0, owner="blue")
    red = at(60_000.0, 200.0 + deg, owner="red")
    s = tracks(blue, red)
    hs = hot_set()
    ex = tactical_exposures(s, T0, hs, RULES)
    m = masking(s, hs, ex, RULES)
    az_b, _, r_b = GEOD.inv(*SITE, s.lon[0], s.lat[0])
    az_r, _, r_r = GEOD.inv(*SITE, s.lon[1], s.lat[1])
    assert float(angle_between(az_b, az_r)) == pytest.approx(abs(deg), abs=1e-9)
    assert bool(len(m)) is hit
    if hit:
        assert m.range_other_m[0] == pytest.approx(r_b) and m.range_kinetic_m[0] == pytest.approx(
            r_r
        )
        assert m.bearing_other_deg[0] == pytest.approx(az_b % 360)


def test_masking_needs_the_kinetic_party_and_an_exposed_other() -> None:
    s = tracks(at(60_000.0, owner="blue"), at(61_000.0, owner="green"), at(62_000.0, owner="red"))
    hs = hot_set()
    ex = tactical_exposures(s, T0, hs, RULES)
    m = masking(s, hs, ex, RULES)
    assert m.triples() == {(2, 0, 0), (2, 1, 0)}  # red masks blue and green; not blue-green
    outside = tracks(at(ENV_R + 5_000.0, owner="blue"), at(ENV_R + 6_000.0, owner="red"))
    ex = tactical_exposures(outside, T0, hs, RULES)
    assert len(masking(outside, hs, ex, RULES)) == 0


def test_angle_between_wraps() -> None:
    assert float(angle_between(359.0, 1.0)) == pytest.approx(2.0)
    assert float(angle_between(10.0, 190.0)) == pytest.approx(180.0)


# --- conformance --------------------------------------------------------------------


def fields_equal(a: Outside, b: Outside) -> bool:
    return all(
        np.array_equal(getattr(a, f), getattr(b, f))
        for f in ("track", "nearest", "distance_m", "vertical_gap_m", "kinetic")
    )


def test_conformance_outside_nearest_and_kinetic() -> None:
    blue_area = circle(*SITE, 20_000.0)
    strike_area = circle(*offset(*SITE, 90.0, 100_000.0), 10_000.0)
    ns = [
        notice("b", "blue", blue_area, "reconnaissance", band_ft=(10_000.0, 20_000.0)),
        notice("s", "red", strike_area, "strike"),
        notice("late", "green", circle(*SITE, 50_000.0), start=T0 + timedelta(hours=1)),
    ]
    s = tracks(
        at(19_999.0, owner="blue", alt=15_000.0),  # inside
        at(20_000.0, owner="blue", alt=20_000.0),  # at the edge, at the top: inside
        at(20_001.0, owner="blue", alt=15_000.0),  # 1 m outside
        at(10_000.0, owner="blue", alt=21_000.0),  # above the band
        at(30_000.0, owner="red", alt=15_000.0),  # "said east, struck here"
        at(10_000.0, owner="green"),  # its notice is not active yet
        at(10_000.0, owner=None),  # observed: not a party's
        at(10_000.0, owner="blue", sea=True),  # a ship
    )
    out = conformance(s, T0, ns, RULES)
    assert fields_equal(out, conformance_reference(s, T0, ns, RULES))
    assert out.track.tolist() == [2, 3, 4, 5]
    assert out.nearest.tolist() == [0, 0, 1, -1]
    assert out.distance_m[0] == pytest.approx(1.0, abs=1e-6)
    assert out.distance_m[1] == 0.0 and out.vertical_gap_m[1] == pytest.approx(1_000 * 0.3048)
    truth = GEOD.inv(*strike_area.core[0], s.lon[4], s.lat[4])[2] - 10_000.0
    assert out.distance_m[2] == pytest.approx(truth, abs=1e-6)
    assert out.kinetic.tolist() == [-1, -1, 1, -1]
    assert out.distance_m[3] == np.inf


# --- fast == reference on random scenes -----------------------------------------------


BOXES = [(33.0, 37.0, 32.0, 37.0), (178.0, 182.0, -2.0, 2.0), (-20.0, 40.0, 80.0, 89.9)]


@settings(max_examples=25, deadline=None)
@given(st.integers(0, 2**31), st.sampled_from(BOXES))
def test_fast_equals_reference(seed: int, box: tuple[float, float, float, float]) -> None:
    rng = np.random.default_rng(seed)
    lon0, lon1, lat0, lat1 = box

    def where() -> tuple[float, float]:
        return (float(rng.uniform(lon0, lon1) + 180) % 360 - 180, float(rng.uniform(lat0, lat1)))

    hazards = [site_hazard(f"h{k}", *where(), float(rng.uniform(5e3, 1.5e5))) for k in range(12)]
    parties = ("blue", "red", "green")
    kinds = ("strike", "transit", "live_fire", None)
    ns = [
        notice(
            f"n{k}",
            parties[k % 3],
            circle(*where(), float(rng.uniform(2e4, 2e5))),
            kinds[k % 4],
            start=T0 - timedelta(minutes=float(rng.uniform(0, 90))),
            band_ft=(0.0, float(rng.uniform(5e3, 4e4))),
        )
        for k in range(16)
    ]
    s = random_tracks(rng, 400, box)
    hs = prepare(hot_hazards(hazards, ns, RULES))
    fast = tactical_exposures(s, T0, hs, RULES)
    ref = tactical_exposures_reference(s, T0, hs, RULES)
    assert fast.pairs() == ref.pairs()
    np.testing.assert_array_equal(fast.depth_m, ref.depth_m)
    assert masking(s, hs, fast, RULES).triples() == masking_reference(s, hs, ref, RULES).triples()
    assert fields_equal(conformance(s, T0, ns, RULES), conformance_reference(s, T0, ns, RULES))
