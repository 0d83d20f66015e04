"""Area.reach_m and far_apart: the cheap bound detection uses to skip exact geometry.

If the reach disc missed part of an area, far_apart could call two close areas separated
and a conflict would vanish; so the outline is sampled independently (Geod.fwd round dense
core samples, geodesic_truth.outline_points) and every sample must lie within reach.
"""

from __future__ import annotations

import numpy as np
import pytest
from geodesic_truth import GEOD, Core, area_distance, outline_points
from random_areas import REGIONS, NumpySource, area_pair, single_area

from interlock.geo.distance import far_apart
from interlock.geo.shapes import Area


@pytest.mark.parametrize("region", REGIONS)
def test_the_reach_disc_holds_the_whole_area(region: str) -> None:
    src = NumpySource(np.random.default_rng(7))
    for _ in range(60):
        geometry, props = single_area(src, region)
        area = Area.from_geojson(geometry, props)
        lon, lat = outline_points(Core.from_feature_parts(geometry, props))
        lon0, lat0 = area.centre()
        _, _, d = GEOD.inv(np.full(len(lon), lon0), np.full(len(lon), lat0), lon, lat)
        assert float(np.max(d)) <= area.reach_m, (props, float(np.max(d)), area.reach_m)


@pytest.mark.parametrize("region", REGIONS)
def test_far_apart_is_never_wrong(region: str) -> None:
    src = NumpySource(np.random.default_rng(11))
    skipped = 0
    for _ in range(60):
        (ga, pa), (gb, pb) = area_pair(src, region, reach_m=200_000.0, max_size_m=60_000.0)
        a, b = Area.from_geojson(ga, pa), Area.from_geojson(gb, pb)
        limit = 9_260.0
        if far_apart(a, b, limit):
            skipped += 1
            truth = area_distance(Core.from_feature_parts(ga, pa), Core.from_feature_parts(gb, pb))
            assert truth >= limit, (pa, pb, truth)
    assert skipped > 5  # the bound does skip work on pairs this far apart
