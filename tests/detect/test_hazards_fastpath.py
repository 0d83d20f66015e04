"""The tactical fast path's sharing (issue 15 bench): geometry once per hazard, geodesics
once per pair, the exposure step's site geodesics reused by masking. Dense scenes where a
hazard is hot through several kinetic notices of different parties (several entries per
hazard), with area hazards, must give the references' results field for field."""

from __future__ import annotations

from datetime import timedelta

import numpy as np
from hazard_scenes import GEOD, T0, area_hazard, circle, notice, offset, random_tracks, site_hazard
from hypothesis import given, settings
from hypothesis import strategies as st

from interlock.detect.exposure import prepare, tactical_exposures, tactical_exposures_reference
from interlock.detect.hazards import hot_hazards
from interlock.detect.masking import MaskingPairs, masking, masking_reference
from interlock.model.hazard_rules import HazardRules

RULES = HazardRules(masking_nm=30.0, masking_deg=20.0)  # wide limits: many triples
BOX = (34.0, 36.0, 34.0, 36.0)
FIELDS = ("kinetic", "other", "hot", "distance_m", "bearing_kinetic_deg")
FIELDS += ("bearing_other_deg", "range_kinetic_m", "range_other_m")


def scene(seed: int):
    rng = np.random.default_rng(seed)

    def where() -> tuple[float, float]:
        return float(rng.uniform(BOX[0], BOX[1])), float(rng.uniform(BOX[2], BOX[3]))

    hazards = [site_hazard(f"h{k}", *where(), float(rng.uniform(3e4, 1.2e5))) for k in range(8)]
    for k in range(3):
        lon, lat = where()
        ring = [offset(lon, lat, az, 15_000.0) for az in (30, 150, 270)]
        hazards.append(area_hazard(f"a{k}", [*ring, ring[0]], float(rng.uniform(2e4, 6e4))))
    parties = ("blue", "red", "green")
    notices = [  # theatre-wide kinetic notices of every party: each hazard hot 3-6 times
        notice(
            f"n{k}",
            parties[k % 3],
            circle(35.0, 35.0, 400_000.0),
            "strike",
            start=T0 - timedelta(minutes=float(rng.uniform(0, 30))),
        )
        for k in range(6)
    ]
    return random_tracks(rng, 400, BOX), prepare(hot_hazards(hazards, notices, RULES))


def assert_same(a: MaskingPairs, b: MaskingPairs) -> None:
    for f in FIELDS:
        np.testing.assert_array_equal(getattr(a, f), getattr(b, f), err_msg=f)


@settings(max_examples=8, deadline=None)
@given(st.integers(0, 2**31))
def test_shared_hazards_fast_equals_reference(seed: int) -> None:
    s, hs = scene(seed)
    assert len(hs) > len({h.hazard.id for h in hs.hot})  # entries share hazards
    fast = tactical_exposures(s, T0, hs, RULES)
    ref = tactical_exposures_reference(s, T0, hs, RULES)
    assert len(fast) > 0 and fast.pairs() == ref.pairs()
    for f in ("track", "hot", "depth_m", "time_to_exit_s", "required_warning_s"):
        np.testing.assert_array_equal(getattr(fast, f), getattr(ref, f), err_msg=f)
    m = masking(s, hs, fast, RULES)
    assert len(m) > 0
    assert_same(m, masking_reference(s, hs, ref, RULES))
    assert_same(masking(s, hs, ref, RULES), m)  # without the reused geodesics: the same


def test_reused_site_geodesics_are_karneys() -> None:
    """The azimuth and range kept for masking are pyproj's, from the hazard's site; NaN for
    area hazards (masking computes those from the area's centre)."""
    s, hs = scene(7)
    ex = tactical_exposures(s, T0, hs, RULES)
    assert ex.site_azimuth_deg is not None and ex.site_range_m is not None
    circ = hs.circle[ex.hot]
    assert circ.any() and (~circ).any()
    az, _, d = GEOD.inv(hs.site_lon[ex.hot], hs.site_lat[ex.hot], s.lon[ex.track], s.lat[ex.track])
    np.testing.assert_allclose(ex.site_azimuth_deg[circ], np.asarray(az)[circ], atol=1e-9)
    np.testing.assert_allclose(ex.site_range_m[circ], np.asarray(d)[circ], atol=1e-6)
    assert np.isnan(ex.site_azimuth_deg[~circ]).all() and np.isnan(ex.site_range_m[~circ]).all()
