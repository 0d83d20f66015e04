"""Advice: largest EIRP, nearest clearing frequency, WInnForum-style move list."""

from __future__ import annotations

import itertools
import math
import random
from dataclasses import replace

import pytest
import spectrum_cases as scenarios
from hypothesis import given, settings
from hypothesis import strategies as st

from interlock.spectrum import reference
from interlock.spectrum.advice import (
    FrequencyAdvice,
    frequency_offsets,
    max_eirp_dbm,
    move_list,
    room_mw,
)
from interlock.spectrum.interference import (
    Conflict,
    Contribution,
    DetectConfig,
    Emission,
    ProtectedReceiver,
    detect_items,
)


def _lin(x: float) -> float:
    return 10 ** (x / 10)


def conflict_of(levels: list[float], threshold_dbm: float = -110.0) -> Conflict:
    total = math.fsum(_lin(x) for x in levels)
    contrib = tuple(
        Contribution(f"e{i}", x, _lin(x) / total)
        for i, x in sorted(enumerate(levels), key=lambda p: -p[1])
    )
    i_dbm = 10 * math.log10(total)
    return Conflict(
        "r", 0.0, 1.0, i_dbm, threshold_dbm + 6, i_dbm - threshold_dbm - 6, -6.0, contrib
    )


def scenario_conflicts(
    seed: int,
) -> tuple[list[Emission], list[ProtectedReceiver], list[Conflict]]:
    rng = random.Random(seed)
    ems, rxs = scenarios.emissions(rng, 40), scenarios.receivers(rng, 4)
    res = detect_items(ems, rxs, scenarios.T0, scenarios.T1)
    return ems, rxs, res.conflicts


def slice_i_n(ems: list[Emission], rx: ProtectedReceiver, c: Conflict) -> float:
    lvl = reference.slice_level_dbm(
        ems, rx, c.start_s, c.end_s, scenarios.T0, scenarios.T1, DetectConfig()
    )
    return lvl - c.n_dbm


# ------------------------------------------------------------------ max EIRP


@settings(max_examples=20, deadline=None)
@given(seed=st.integers(0, 2**32 - 1))
def test_max_eirp_brings_i_n_to_the_criterion(seed: int) -> None:
    ems, rxs, conflicts = scenario_conflicts(seed)
    by_id = {e.id: e for e in ems}
    rx_by = {r.id: r for r in rxs}
    for c in conflicts[:5]:
        e = by_id[c.contributors[0].emitter_id]
        new = max_eirp_dbm(c, e.id, e.eirp_dbm)
        if new is None:
            assert room_mw(c, e.id) <= 0
            continue
        assert new < e.eirp_dbm
        changed = [replace(x, eirp_dbm=new) if x.id == e.id else x for x in ems]
        assert slice_i_n(changed, rx_by[c.receiver_id], c) == pytest.approx(
            c.criterion_db, abs=1e-6
        )


def test_max_eirp_is_none_when_the_others_alone_exceed() -> None:
    c = conflict_of([-100.0, -100.5, -130.0])
    assert max_eirp_dbm(c, "e2", 40.0) is None
    assert max_eirp_dbm(c, "e0", 40.0) is None
    single = conflict_of([-100.0])
    assert max_eirp_dbm(single, "e0", 40.0) == pytest.approx(30.0)  # 10 dB over -> 10 dB less
    with pytest.raises(KeyError):
        max_eirp_dbm(single, "nobody", 40.0)


# ------------------------------------------------------------------ move list


levels = st.lists(st.floats(-140.0, -90.0), min_size=1, max_size=9)


@settings(max_examples=300, deadline=None)
@given(lv=levels)
def test_move_list_clears_and_is_the_smallest_set(lv: list[float]) -> None:
    c = conflict_of(lv)
    thr = _lin(c.threshold_dbm)
    moved = set(move_list(c))
    rest = [_lin(x.i_dbm) for x in c.contributors if x.emitter_id not in moved]
    assert math.fsum(rest) <= thr
    ids = [x.emitter_id for x in c.contributors]
    lin = {x.emitter_id: _lin(x.i_dbm) for x in c.contributors}
    for k in range(len(moved)):  # no smaller set clears
        for subset in itertools.combinations(ids, k):
            assert math.fsum(v for i, v in lin.items() if i not in subset) > thr


def test_move_list_takes_the_largest_first() -> None:
    c = conflict_of([-100.0, -120.0, -111.0, -112.0])  # threshold -110 dBm
    assert move_list(c) == ("e0", "e2")
    assert move_list(conflict_of([-115.0])) == ()


def test_moving_the_list_clears_a_real_conflict() -> None:
    ems, rxs, conflicts = scenario_conflicts(11)
    assert conflicts
    rx_by = {r.id: r for r in rxs}
    for c in conflicts[:10]:
        moved = set(move_list(c))
        assert moved
        rest = [e for e in ems if e.id not in moved]
        assert slice_i_n(rest, rx_by[c.receiver_id], c) <= c.criterion_db + 1e-6


# ------------------------------------------------------------------ frequency


def test_frequency_shift_clears_and_is_the_nearest() -> None:
    cfg = DetectConfig()
    r = ProtectedReceiver("r", 33.0, 34.0, 20.0, 30.0, 2900.0, 2.0, noise_figure_db=3.0)
    e = Emission("e", 33.3, 34.0, 20.0, 2900.5, 1.0, 40.0, 0.0, 3600.0)
    res = detect_items([e], [r], 0.0, 3600.0, cfg)
    (c,) = res.conflicts
    adv = frequency_offsets(c, e, r, cfg)
    assert adv.up_mhz is not None and adv.down_mhz is not None
    assert adv.up_mhz > 0 > adv.down_mhz
    assert adv.nearest_mhz == adv.up_mhz  # already above the receiver centre: up is nearer
    thr = c.threshold_dbm
    for shift in (adv.up_mhz, adv.down_mhz):
        lvl, _ = reference.pair_level_dbm(replace(e, freq_mhz=e.freq_mhz + shift), r, cfg)
        assert lvl <= thr + 1e-9
        nearer = shift * (1 - 1e-6)
        lvl2, _ = reference.pair_level_dbm(replace(e, freq_mhz=e.freq_mhz + nearer), r, cfg)
        assert lvl2 > thr


def test_frequency_shift_none_when_others_exceed_and_zero_when_clear() -> None:
    assert FrequencyAdvice(None, None).nearest_mhz is None
    assert FrequencyAdvice(2.0, -1.0).nearest_mhz == -1.0
    r = ProtectedReceiver("r", 33.0, 34.0, 20.0, 30.0, 2900.0, 2.0, noise_figure_db=3.0)
    e = Emission("e0", 33.3, 34.0, 20.0, 2900.0, 1.0, 40.0, 0.0, 3600.0)
    c = conflict_of([-60.0, -60.0])
    assert frequency_offsets(c, e, r) == FrequencyAdvice(None, None)
