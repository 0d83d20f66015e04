"""The detector: noise, FDR, levels, exact time slices, the cull's guarantee, and
vectorised == the per-pair reference loop."""

from __future__ import annotations

import math
import random
from dataclasses import replace

import numpy as np
import pytest
import spectrum_cases as scenarios
from hypothesis import given, settings
from hypothesis import strategies as st

from interlock.spectrum import reference
from interlock.spectrum.interference import (
    CRITERION_DB,
    FDR_FLOOR_DB,
    SAFETY_CRITERION_DB,
    DetectConfig,
    Emitters,
    Receivers,
    coupled_fraction,
    detect,
    detect_items,
    fdr_db,
    great_circle,
    negligible_dbm,
    noise_dbm,
    spectral_pairs,
)
from interlock.spectrum.propagation import PropagationConfig, fspl_db

rx, em = scenarios.rx, scenarios.em  # one receiver and one emission, fields as given


# ------------------------------------------------------------------ noise and criteria


def test_thermal_noise() -> None:
    assert float(noise_dbm(1.0, 0.0)) == pytest.approx(-114.0)  # -174 + 60
    assert float(noise_dbm(10.0, 3.0)) == pytest.approx(-101.0)
    assert rx(noise_dbm=-120.0).resolved_noise_dbm() == -120.0


def test_default_criteria() -> None:
    assert rx().resolved_criterion_db() == CRITERION_DB == -6.0
    assert rx(safety_of_life=True).resolved_criterion_db() == SAFETY_CRITERION_DB == -10.0
    assert rx(criterion_db=-12.2).resolved_criterion_db() == -12.2
    with pytest.raises(ValueError):
        rx(noise_figure_db=None).resolved_noise_dbm()


# ------------------------------------------------------------------ FDR


def test_fdr_in_band_is_the_overlap_ratio() -> None:
    assert float(fdr_db(2900, 1, 2900, 1)) == 0.0  # co-channel, same bandwidth
    assert float(fdr_db(2900, 10, 2900, 1)) == pytest.approx(10.0)  # 1 MHz of a 10 MHz emission
    assert float(fdr_db(2900, 10, 2902, 2)) == pytest.approx(10 * math.log10(5))
    assert float(fdr_db(2900, 1, 2900, 10)) == 0.0  # all of it (mask tails included, capped at 1)


def test_fdr_out_of_band_follows_the_sm1541_mask() -> None:
    # receiver band [e_hi, e_hi + BN]: integral of (1 + 2u)^-4 over 0..1 = (1 - 3^-3) / 6
    assert float(coupled_fraction(2900, 1, 2901, 1)) == pytest.approx((1 - 3**-3) / 6)
    # beyond the out-of-band domain (250 % of BN from the centre): the floor, no coupling
    assert float(fdr_db(2900, 1, 2903.01, 1)) == FDR_FLOOR_DB == math.inf
    assert float(fdr_db(2900, 1, 2800, 1)) == math.inf


@settings(max_examples=300, deadline=None)
@given(be=st.floats(0.01, 50), br=st.floats(0.01, 50), off=st.floats(0, 200), step=st.floats(0, 20))
def test_fdr_symmetric_monotone_and_equal_to_the_scalar(
    be: float, br: float, off: float, step: float
) -> None:
    up, down = float(fdr_db(3000 + off, be, 3000, br)), float(fdr_db(3000 - off, be, 3000, br))
    assert up == pytest.approx(down, abs=1e-9) or (math.isinf(up) and math.isinf(down))
    assert (
        float(coupled_fraction(3000 + off + step, be, 3000, br))
        <= float(coupled_fraction(3000 + off, be, 3000, br)) + 1e-12
    )
    assert up >= 0.0
    ref = reference.fdr(3000 + off, be, 3000, br)
    assert up == pytest.approx(ref, abs=1e-9) or (math.isinf(up) and math.isinf(ref))


@settings(max_examples=100, deadline=None)
@given(b=st.floats(0.01, 50), off=st.floats(0, 100))
def test_fdr_swaps_emitter_and_receiver_for_equal_bandwidths_in_band(b: float, off: float) -> None:
    if off <= b:  # in-band overlap of equal bands: symmetric in the two roles
        a = float(coupled_fraction(3000 + off, b, 3000, b)) - float(
            coupled_fraction(3000, b, 3000 + off, b)
        )
        assert a == pytest.approx(0.0, abs=1e-12)


# ------------------------------------------------------------------ geometry and one pair


def test_great_circle_distance_and_bearings() -> None:
    d, az12, az21 = great_circle(33.0, 34.0, 33.0, 35.0)
    assert float(d) == pytest.approx(111_195.0, rel=1e-4)  # one degree of latitude, mean sphere
    assert float(az12) == pytest.approx(0.0, abs=1e-9) and float(az21) == pytest.approx(180.0)
    d, az12, _ = great_circle(33.0, 0.0, 34.0, 0.0)
    assert float(az12) == pytest.approx(90.0)


def test_one_pair_in_line_of_sight_is_the_link_budget() -> None:
    e, r = em(height_m=50.0), rx(height_m=50.0)
    d = float(great_circle(e.lon, e.lat, r.lon, r.lat)[0])
    want = 30.0 - float(fspl_db(d, 2900.0)) + 30.0  # EIRP - FSPL + G_rx, co-channel, omni
    res = detect_items([e], [r], 0.0, 3600.0)
    assert res.timelines["r"].i_n_db.tolist() == pytest.approx(
        [want - r.resolved_noise_dbm()], abs=1e-9
    )
    assert reference.pair_level_dbm(e, r, DetectConfig())[0] == pytest.approx(want, abs=1e-9)
    # pointed away, both ends: 30 dB front-to-back each
    away = detect_items(
        [replace(e, azimuth_deg=90.0, beamwidth_deg=3.0)],
        [replace(r, azimuth_deg=270.0, beamwidth_deg=3.0)],
        0,
        3600,
    )
    assert float(away.timelines["r"].i_n_db[0]) == pytest.approx(
        want - 60.0 - r.resolved_noise_dbm(), abs=1e-6
    )


def test_slices_are_exact_window_boundaries_and_sum_in_linear_power() -> None:
    r = rx()
    a = em(id="a", start_s=0.0, end_s=2000.0)
    b = em(id="b", lon=33.0, lat=34.01, start_s=1000.0, end_s=3000.0)
    res = detect_items([a, b], [r], 0.0, 3600.0)
    t = res.timelines["r"]
    assert t.starts.tolist() == [0.0, 1000.0, 2000.0, 3000.0]
    assert t.ends.tolist() == [1000.0, 2000.0, 3000.0, 3600.0]
    la, lb = (reference.pair_level_dbm(x, r, DetectConfig())[0] for x in (a, b))
    n = r.resolved_noise_dbm()
    both = 10 * math.log10(10 ** (la / 10) + 10 ** (lb / 10))
    assert t.i_n_db[:3].tolist() == pytest.approx([la - n, both - n, lb - n], abs=1e-9)
    assert t.i_n_db[3] == -math.inf
    c = next(c for c in res.conflicts if c.start_s == 1000.0)
    assert [x.emitter_id for x in c.contributors] == sorted(
        ["a", "b"], key=lambda k: -{"a": la, "b": lb}[k]
    )
    assert sum(x.share for x in c.contributors) == pytest.approx(1.0)


def test_windows_outside_the_interval_are_ignored_and_clipped() -> None:
    r = rx()
    res = detect_items(
        [em(start_s=-500.0, end_s=100.0), em(id="late", start_s=4000.0, end_s=5000.0)],
        [r],
        0.0,
        3600.0,
    )
    assert res.timelines["r"].starts.tolist() == [0.0, 100.0]


def test_beyond_the_horizon_a_strong_emitter_is_not_over_counted() -> None:
    r = rx(height_m=10.0)
    far = em(lon=35.0, height_m=10.0, eirp_dbm=90.0)  # ~185 km, horizon ~26 km
    free = detect_items(
        [far],
        [r],
        0,
        3600,
        DetectConfig(propagation=replace(DetectConfig().propagation, diffraction=False)),
    )
    real = detect_items([far], [r], 0, 3600)
    assert free.conflicts and not real.conflicts


# ------------------------------------------------------------------ vectorised == reference


def _check(seed: int, n_em: int, n_rx: int, far: int = 0, cfg: DetectConfig | None = None) -> None:
    rng = random.Random(seed)
    ems, rxs = scenarios.emissions(rng, n_em, far), scenarios.receivers(rng, n_rx)
    fast = detect_items(ems, rxs, scenarios.T0, scenarios.T1, cfg)
    ref = reference.detect_reference(ems, rxs, scenarios.T0, scenarios.T1, cfg)
    assert reference.compare(fast, ref) == []
    for c in fast.conflicts:  # aggregate >= its largest contributor; shares sum to 1
        assert c.i_dbm >= c.contributors[0].i_dbm - 1e-9
        assert all(
            a.i_dbm >= b.i_dbm for a, b in zip(c.contributors, c.contributors[1:], strict=False)
        )
        assert sum(x.share for x in c.contributors) == pytest.approx(1.0, abs=1e-9)
        assert c.i_n_db > c.criterion_db


@settings(max_examples=25, deadline=None)
@given(seed=st.integers(0, 2**32 - 1))
def test_vectorised_equals_the_reference_loop(seed: int) -> None:
    _check(seed, n_em=60, n_rx=6)


@pytest.mark.parametrize(
    "prop",
    [
        PropagationConfig(clutter="p2108", clutter_percent=20.0),
        PropagationConfig(clutter=12.0, k_factor=1.0),
        PropagationConfig(diffraction=False),
    ],
)
def test_vectorised_equals_the_reference_loop_with_other_models(prop: PropagationConfig) -> None:
    for seed in range(3):
        _check(seed, n_em=50, n_rx=5, cfg=DetectConfig(propagation=prop, front_to_back_db=25.0))


@settings(max_examples=100, deadline=None)
@given(seed=st.integers(0, 2**32 - 1))
def test_spectral_pairs_are_every_coupled_pair(seed: int) -> None:
    rng = random.Random(seed)
    e = Emitters.from_items(scenarios.emissions(rng, 40))
    r = Receivers.from_items(scenarios.receivers(rng, 5))
    ri, ei = spectral_pairs(e, r)
    got = set(zip(ri.tolist(), ei.tolist(), strict=True))
    want = {
        (j, i)
        for j in range(len(r))
        for i in range(len(e))
        if math.isfinite(reference.fdr(e.freq_mhz[i], e.bw_mhz[i], r.freq_mhz[j], r.bw_mhz[j]))
    }
    assert want <= got
    assert bool(np.all(np.diff(ri) >= 0))


def test_vectorised_equals_the_reference_loop_with_many_culled_pairs() -> None:
    rng = random.Random(7)
    ems, rxs = scenarios.emissions(rng, 80, far=120), scenarios.receivers(rng, 5)
    fast = detect_items(ems, rxs, scenarios.T0, scenarios.T1)
    ref = reference.detect_reference(ems, rxs, scenarios.T0, scenarios.T1)
    assert reference.compare(fast, ref) == []
    assert fast.pairs_evaluated < fast.pairs_coupled  # the free-space bound dropped pairs
    assert fast.pairs_significant < fast.pairs_evaluated  # so did the exact level


def test_the_cull_never_moves_a_verdict_at_the_threshold() -> None:
    """One emitter just below the criterion (1e-9 dB) plus many negligible ones whose sum
    (uncut) pushes the receiver over: the detector must recompute that slice uncut."""
    cfg = DetectConfig()
    r = rx(height_m=30.0)
    n_small = 50
    main = em(id="main", height_m=30.0)
    level0, _ = reference.pair_level_dbm(replace(main, eirp_dbm=0.0), r, cfg)
    thr = r.resolved_noise_dbm() + r.resolved_criterion_db()
    main = replace(main, eirp_dbm=thr - 1e-9 - level0)
    negl = float(negligible_dbm(Receivers.from_items([r]), n_small + 1, cfg.cull_margin_db)[0])
    smalls = []
    for i in range(n_small):
        s = em(id=f"s{i}", lon=33.02 + 0.001 * i, height_m=30.0, start_s=0.0, end_s=3600.0)
        lv, _ = reference.pair_level_dbm(replace(s, eirp_dbm=0.0), r, cfg)
        smalls.append(replace(s, eirp_dbm=negl - 1e-6 - lv))
    fast = detect_items([main, *smalls], [r], 0.0, 3600.0, cfg)
    ref = reference.detect_reference([main, *smalls], [r], 0.0, 3600.0, cfg)
    assert len(ref.conflicts) == 1  # the uncut sum crosses
    assert reference.compare(fast, ref) == []
    assert len(fast.conflicts) == 1


def test_arrays_round_trip_items() -> None:
    rng = random.Random(3)
    ems, rxs = scenarios.emissions(rng, 5), scenarios.receivers(rng, 3)
    e, r = Emitters.from_items(ems), Receivers.from_items(rxs)
    assert [e.item(i) for i in range(len(e))] == ems
    assert r.item(0).resolved_noise_dbm() == rxs[0].resolved_noise_dbm()
    assert len(e.take(np.array([2, 0]))) == 2
    with pytest.raises(ValueError):
        Receivers.from_items([rxs[0], rxs[0]])
    assert detect(e, r, 0, 1).timelines.keys() == {x.id for x in rxs}
