"""An emission declared over an area: the receiver is judged against its nearest place."""

from __future__ import annotations

import random
from dataclasses import replace

import pytest
import spectrum_cases as scenarios

from interlock.spectrum import reference
from interlock.spectrum.interference import (
    DetectConfig,
    Emission,
    Emitters,
    Receivers,
    detect_items,
    great_circle,
    pair_levels_dbm,
)

RX = scenarios.rx(lon=35.0)
EM = scenarios.em(lon=35.0, lat=33.5, eirp_dbm=60.0)


def level(e: Emission) -> float:
    got, _ = pair_levels_dbm(
        Emitters.from_items([e]), Receivers.from_items([RX]), [0], [0], DetectConfig()
    )
    return float(got[0])


def test_reach_equals_moving_the_emitter_to_the_nearest_place() -> None:
    """Due south of the receiver, a 20 km reach is the same emitter 20 km closer (omni)."""
    d, _, _ = great_circle(EM.lon, EM.lat, RX.lon, RX.lat)
    closer = replace(EM, lat=EM.lat + 20_000.0 / (float(d) / (RX.lat - EM.lat)))
    assert level(replace(EM, reach_m=20_000.0)) == pytest.approx(level(closer), abs=1e-6)
    assert level(replace(EM, reach_m=20_000.0)) > level(EM) + 3.0


def test_a_receiver_inside_the_area_gets_the_closest_range_level() -> None:
    inside = replace(EM, reach_m=100_000.0)  # the area covers the receiver
    on_top = replace(EM, lon=RX.lon, lat=RX.lat)
    assert level(inside) == pytest.approx(level(on_top), abs=1e-6)


@pytest.mark.parametrize("seed", range(5))
def test_vectorised_equals_reference_with_areas(seed: int) -> None:
    rng = random.Random(seed)
    ems = [
        replace(e, reach_m=rng.choice([0.0, rng.uniform(0.0, 30_000.0)]))
        for e in scenarios.emissions(rng, 60)
    ]
    rxs = scenarios.receivers(rng, 6)
    fast = detect_items(ems, rxs, scenarios.T0, scenarios.T1)
    ref = reference.detect_reference(ems, rxs, scenarios.T0, scenarios.T1)
    assert reference.compare(fast, ref) == []
