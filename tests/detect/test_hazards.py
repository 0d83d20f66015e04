"""Hot hazards, strategic exposure and time to exit, at every boundary, against pyproj."""

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
    site_hazard,
    volume,
)

from interlock.detect.exposure import strategic_exposures, strategic_exposures_reference
from interlock.detect.hazards import (
    area_depth_m,
    deepest_point,
    hot_hazards,
    hot_hazards_reference,
    point_depth_m,
    time_to_exit_s,
)
from interlock.detect.hazards import (
    inside as inside_area,
)
from interlock.geo.units import KT_IN_MPS
from interlock.model.hazard_rules import HazardRules

RULES = HazardRules()
SITE = (35.8, 35.4)  # near Latakia
RANGE = 150_000.0
ENV_R = RANGE + 1.0  # a site is a 1 m circle; its envelope is that widened by the range


def hz(**kw: object) -> object:
    return site_hazard("h", *SITE, RANGE, **kw)  # type: ignore[arg-type]


def strike_at(gap_m: float, radius: float = 5_000.0, activity: str = "strike", **kw: object):
    """A kinetic notice whose circle lies gap_m outside the envelope (due east)."""
    lon, lat = offset(*SITE, 90.0, ENV_R + gap_m + radius)
    return notice("k", "red", circle(lon, lat, radius), activity, **kw)  # type: ignore[arg-type]


# --- hot hazards -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("gap_km", "hot"), [(49.999, True), (50.0, True), (50.001, False), (0.0, True), (-3.0, True)]
)
def test_reach_boundary(gap_km: float, hot: bool) -> None:
    out = hot_hazards([hz()], [strike_at(gap_km * 1000.0)], RULES)
    assert bool(out) is hot
    assert out == hot_hazards_reference([hz()], [strike_at(gap_km * 1000.0)], RULES)
    if hot:
        assert out[0].distance_m == pytest.approx(max(gap_km, 0.0) * 1000.0, abs=0.01)


@pytest.mark.parametrize("activity", ["reconnaissance", "transit", None])
def test_only_kinetic_activities_make_hazards_hot(activity: str | None) -> None:
    assert hot_hazards([hz()], [strike_at(0.0, activity=activity)], RULES) == []  # type: ignore[arg-type]
    custom = HazardRules(kinetic=("reconnaissance",))
    assert bool(hot_hazards([hz()], [strike_at(0.0, activity=activity)], custom)) == (
        activity == "reconnaissance"
    )


def test_hot_window_is_the_notice_plus_the_tail_within_validity() -> None:
    h = hot_hazards([hz()], [strike_at(0.0, minutes=20)], RULES)[0]
    assert (h.start, h.end) == (T0, T0 + timedelta(minutes=50))
    assert h.notice.id == "k" and h.party == "red"
    assert h.active(T0) and h.active(T0 + timedelta(minutes=49, seconds=59))
    assert not h.active(T0 + timedelta(minutes=50)) and not h.active(T0 - timedelta(seconds=1))
    cut = hz(valid=(T0 + timedelta(minutes=10), T0 + timedelta(minutes=40)))
    h = hot_hazards([cut], [strike_at(0.0, minutes=20)], RULES)[0]
    assert (h.start, h.end) == (T0 + timedelta(minutes=10), T0 + timedelta(minutes=40))
    retired = hz(valid=(None, T0))  # valid until the strike starts: never hot
    assert hot_hazards([retired], [strike_at(0.0)], RULES) == []
    later = hz(valid=(T0 + timedelta(minutes=50), None))  # valid from the tail's end
    assert hot_hazards([later], [strike_at(0.0, minutes=20)], RULES) == []


def test_each_kinetic_notice_is_its_own_reason() -> None:
    a = strike_at(0.0)
    b = notice("k2", "blue", circle(*SITE, 1000.0), "live_fire", start=T0 + timedelta(hours=2))
    out = hot_hazards([hz()], [a, b], RULES)
    assert [(h.notice.id, h.party) for h in out] == [("k", "red"), ("k2", "blue")]


def test_reach_across_the_antimeridian_and_near_the_pole() -> None:
    for lat in (0.0, 75.0, 88.5):
        h = site_hazard("h", 179.9, lat, 40_000.0)
        lon, la = offset(179.9, lat, 90.0, 40_001.0 + 49_000.0 + 2_000.0)
        n = notice("k", "red", circle(lon, la, 2_000.0), "strike")
        assert lon < 0  # across the antimeridian
        out = hot_hazards([h], [n], RULES)
        assert len(out) == 1 and out[0].distance_m == pytest.approx(49_000.0, abs=0.05)
        far = notice(
            "k",
            "red",
            circle(*offset(179.9, lat, 90.0, 40_001 + 51_000 + 2_000), 2_000.0),
            "strike",
        )
        assert hot_hazards([h], [far], RULES) == []


# --- depth and time to exit -----------------------------------------------------------


@pytest.mark.parametrize("lat", [0.0, 35.4, 72.0, 89.0])
def test_depth_in_a_site_envelope_is_range_less_the_geodesic(lat: float) -> None:
    site = (179.5, lat)
    h = site_hazard("h", *site, RANGE)
    rng = np.random.default_rng(7)
    az = rng.uniform(0, 360, 200)
    d = rng.uniform(0, 2 * RANGE, 200)
    lon, la, _ = GEOD.fwd(np.full(200, site[0]), np.full(200, site[1]), az, d)
    depth = area_depth_m(h.envelope, lon, la)
    truth = ENV_R - GEOD.inv(np.full(200, site[0]), np.full(200, site[1]), lon, la)[2]
    np.testing.assert_allclose(depth, truth, atol=1e-6)


@pytest.mark.parametrize(("delta", "inside"), [(-1.0, True), (0.0, True), (1.0, False)])
def test_at_the_envelope_edge(delta: float, inside: bool) -> None:
    lon, lat = offset(*SITE, 33.0, ENV_R + delta)
    depth = point_depth_m(hz().envelope, lon, lat)  # type: ignore[attr-defined]
    assert bool(inside_area(np.array(depth))) is inside
    assert depth == pytest.approx(-delta, abs=1e-6)


RING = [(36.0, 34.0), (36.5, 34.0), (36.5, 34.5), (36.0, 34.5), (36.0, 34.0)]


def to_south_edge(lon: float, lat: float) -> float:
    """Geodesic distance to the southern edge (a WGS84 geodesic, not the parallel: it
    bulges ~28 m north at its middle), sampled every ~5 m with pyproj."""
    pts = np.array(GEOD.npts(36.0, 34.0, 36.5, 34.0, 10_000))
    d = GEOD.inv(np.full(len(pts), lon), np.full(len(pts), lat), pts[:, 0], pts[:, 1])[2]
    return float(np.min(d))


def test_area_hazard_depth_against_geodesics_to_the_area() -> None:
    h = area_hazard("a", RING, 40_000.0)
    # due south of the southern edge's middle, 10 km out: depth = range - the distance
    lon, lat = offset(36.25, 34.0, 180.0, 10_000.0)
    assert point_depth_m(h.envelope, lon, lat) == pytest.approx(
        40_000.0 - to_south_edge(lon, lat), abs=0.5
    )
    # inside the area, 5 km north: depth = range + the distance to the nearest edge
    lon, lat = offset(36.25, 34.0, 0.0, 5_000.0)
    assert point_depth_m(h.envelope, lon, lat) == pytest.approx(
        40_000.0 + to_south_edge(lon, lat), abs=0.5
    )


def test_time_to_exit() -> None:
    assert float(time_to_exit_s(128_600.0, 250.0)) == pytest.approx(128_600.0 / (250 * KT_IN_MPS))
    assert float(time_to_exit_s(0.0, 0.0)) == 0.0
    assert float(time_to_exit_s(10.0, 0.0)) == float("inf")


# --- strategic exposure ------------------------------------------------------------------


def recon_at(dist_from_site: float, radius: float = 10_000.0, **kw: object):
    lon, lat = offset(*SITE, 250.0, dist_from_site)
    return volume("r", "blue", circle(lon, lat, radius), **kw)  # type: ignore[arg-type]


def test_exposure_reports_window_place_depth_and_warning() -> None:
    hot = hot_hazards([hz()], [strike_at(0.0, minutes=20)], RULES)
    v = recon_at(100_000.0, start=T0 + timedelta(minutes=30), minutes=60)
    [e] = strategic_exposures(hot, [v], RULES)
    assert (e.window_start, e.window_end) == (
        T0 + timedelta(minutes=30),
        T0 + timedelta(minutes=50),
    )
    assert (e.exposed.id, e.exposed_party, e.kinetic.id, e.kinetic_party) == (
        "r",
        "blue",
        "k",
        "red",
    )
    assert e.severity == "critical"
    # the deepest point: 90 km from the site, towards it; independent geodesic
    assert GEOD.inv(*SITE, e.worst_lon, e.worst_lat)[2] == pytest.approx(90_000.0, abs=0.01)
    assert e.depth_m == pytest.approx(ENV_R - 90_000.0, abs=0.01)
    speed = RULES.default_exit_speed_kt * KT_IN_MPS
    assert e.time_to_exit_s == pytest.approx((ENV_R - 90_000.0) / speed)
    assert e.required_warning_s == pytest.approx(e.time_to_exit_s + 300.0)


def test_a_volume_over_the_site_has_the_whole_range_to_fly() -> None:
    hot = hot_hazards([hz()], [strike_at(0.0)], RULES)
    [e] = strategic_exposures(hot, [recon_at(5_000.0)], RULES)
    assert e.depth_m == ENV_R and (e.worst_lon, e.worst_lat) == SITE


@pytest.mark.parametrize(("delta", "exposed"), [(-1.0, True), (1.0, False)])
def test_exposure_at_the_envelope_edge(delta: float, exposed: bool) -> None:
    hot = hot_hazards([hz()], [strike_at(0.0)], RULES)
    v = recon_at(ENV_R + 10_000.0 + delta)
    assert bool(strategic_exposures(hot, [v], RULES)) is exposed
    if exposed:
        assert strategic_exposures(hot, [v], RULES)[0].depth_m == pytest.approx(1.0, abs=0.01)


def test_band_edges() -> None:
    hot = hot_hazards([hz(alt=(0.0, 20_000.0))], [strike_at(0.0)], RULES)
    touching = recon_at(50_000.0, band_ft=(20_000.0, 30_000.0))
    above = recon_at(50_000.0, band_ft=(20_001.0, 30_000.0))
    assert len(strategic_exposures(hot, [touching], RULES)) == 1
    assert strategic_exposures(hot, [above], RULES) == []


def test_window_edges_and_the_tail() -> None:
    hot = hot_hazards([hz()], [strike_at(0.0, minutes=20)], RULES)  # hot T0 .. T0+50 min
    in_tail = recon_at(50_000.0, start=T0 + timedelta(minutes=49), minutes=30)
    after = recon_at(50_000.0, start=T0 + timedelta(minutes=50), minutes=30)
    before = recon_at(50_000.0, start=T0 - timedelta(minutes=30), minutes=30)
    assert len(strategic_exposures(hot, [in_tail], RULES)) == 1
    assert strategic_exposures(hot, [after, before], RULES) == []


def test_not_the_kinetic_party_nor_sea_volumes() -> None:
    hot = hot_hazards([hz()], [strike_at(0.0)], RULES)
    own = volume("o", "red", circle(*SITE, 5_000.0))
    sea = volume("s", "blue", circle(*SITE, 5_000.0), domain="sea")
    assert strategic_exposures(hot, [own, sea], RULES) == []


def test_area_hazard_exposure_reaching_into_the_area() -> None:
    h = area_hazard("a", RING, 40_000.0)
    deep = deepest_point(circle(*offset(36.25, 34.0, 180.0, 5_000.0), 10_000.0), h)
    # the circle reaches 5 km into the area: the deepest point is ~5 km inside its edge
    assert deep.depth_m == pytest.approx(45_000.0, abs=60.0)
    assert point_depth_m(h.envelope, deep.lon, deep.lat) == pytest.approx(deep.depth_m, abs=60.0)
    centre = offset(36.25, 34.0, 180.0, 30_000.0)
    outside = deepest_point(circle(*centre, 10_000.0), h)
    truth = 40_000.0 - (to_south_edge(*centre) - 10_000.0)
    assert outside.depth_m == pytest.approx(truth, abs=0.5)
    assert to_south_edge(outside.lon, outside.lat) == pytest.approx(40_000.0 - truth, abs=0.5)


def test_strategic_fast_equals_reference_on_random_scenes() -> None:
    rng = np.random.default_rng(3)
    for _ in range(5):
        hazards = [
            site_hazard(f"h{k}", *rng.uniform((33, 32), (37, 37)), rng.uniform(5e3, 2e5))
            for k in range(15)
        ]
        ns = [
            notice(
                f"n{k}",
                ["blue", "red", "green"][k % 3],
                circle(*rng.uniform((33, 32), (37, 37)), rng.uniform(1e3, 3e4)),
                ["strike", "transit", "live_fire"][k % 3],
                start=T0 + timedelta(minutes=float(rng.uniform(0, 120))),
            )
            for k in range(30)
        ]
        hot = hot_hazards(hazards, ns, RULES)
        assert hot == hot_hazards_reference(hazards, ns, RULES)
        vols = [n.volume for n in ns]
        assert strategic_exposures(hot, vols, RULES) == strategic_exposures_reference(
            hot, vols, RULES
        )
