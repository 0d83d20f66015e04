"""The grid broad phase finds exactly the conflict pairs of the all-pairs check."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from interlock.detect.broadphase import approach_mask, candidate_pairs
from interlock.detect.tactical import (
    AIR,
    AIR_MINIMA,
    SEA,
    SEA_MINIMA,
    Encounters,
    Kinematics,
    Minima,
    TrackStates,
    cpa,
    project,
    scan,
    scan_bruteforce,
)


def random_states(seed: int, n: int, span_deg: float, lat0: float) -> TrackStates:
    rng = np.random.default_rng(seed)
    air = rng.random(n) < 0.5
    alt = np.where(air, rng.choice([5000.0, 20000.0, 21000.0, 35000.0], n), np.nan)
    alt = np.where(air & (rng.random(n) < 0.1), np.nan, alt + rng.normal(0, 300, n))
    return TrackStates(
        ids=np.array([f"t{i}" for i in range(n)], dtype=object),
        lon=rng.uniform(30.0, 30.0 + span_deg, n),
        lat=rng.uniform(lat0, lat0 + span_deg / 2, n),
        alt_ft=alt,
        speed_kt=np.where(air, rng.uniform(0, 550, n), rng.uniform(0, 35, n)),
        course_deg=rng.uniform(0, 360, n),
        vrate_fpm=np.where(air & (rng.random(n) < 0.4), rng.uniform(-4000, 4000, n), 0.0),
        time=rng.uniform(-30, 0, n),
        domain=np.where(air, AIR, SEA).astype(np.int8),
        owner=rng.integers(-1, 3, n).astype(np.int32),
        owners=("a", "b", "c"),
    )


def assert_same(g: Encounters, b: Encounters) -> None:
    assert len(g) == len(b)
    for f in Encounters._fields():
        np.testing.assert_array_equal(getattr(g, f), getattr(b, f))


@settings(max_examples=120, deadline=None)
@given(
    seed=st.integers(0, 2**32 - 1),
    n=st.integers(0, 400),
    span=st.sampled_from([0.2, 1.0, 4.0]),
    lat0=st.sampled_from([-60.0, 0.0, 33.0, 70.0]),
    cell=st.sampled_from([None, 2_000.0, 20_000.0, 500_000.0]),
)
def test_grid_finds_exactly_the_bruteforce_pairs(
    seed: int, n: int, span: float, lat0: float, cell: float | None
) -> None:
    k = project(random_states(seed, n, span, lat0), 0.0)
    cells = None if cell is None else {AIR: cell, SEA: cell}
    assert_same(scan(k, cell_m=cells), scan_bruteforce(k))


def test_dense_cluster_has_conflicts_and_they_agree() -> None:
    k = project(random_states(7, 2000, 1.0, 34.0), 0.0)
    b = scan_bruteforce(k)
    assert len(b) > 100  # the comparison is not vacuous
    assert_same(scan(k), b)


def test_candidates_are_unique_and_ordered() -> None:
    k: Kinematics = project(random_states(3, 1500, 0.5, 34.0), 0.0)
    idx = np.flatnonzero(k.domain == AIR)
    i, j = candidate_pairs(k, idx, AIR_MINIMA, cell_m=3_000.0)
    assert (i < j).all()
    assert len(set(zip(i.tolist(), j.tolist(), strict=True))) == i.size
    idx = np.flatnonzero(k.domain == SEA)
    i, j = candidate_pairs(k, idx, SEA_MINIMA)
    assert len(set(zip(i.tolist(), j.tolist(), strict=True))) == i.size


def test_bruteforce_rows_subsample_is_the_rows_part_of_the_whole() -> None:
    k = project(random_states(11, 1200, 0.5, 34.0), 0.0)
    whole = scan_bruteforce(k)
    rows = np.arange(0, 1200, 7)
    part = scan_bruteforce(k, rows=rows, chunk_pairs=5_000)
    assert part.pairs() == {(i, j) for i, j in whole.pairs() if i in set(rows.tolist())}


def test_ties_in_x_and_identical_tracks_agree() -> None:
    """Boxes with equal x0 (same positions, ships at anchor, a column of aircraft)."""
    s = random_states(5, 600, 0.3, 34.0)
    lon = s.lon.copy()
    lon[::3] = 30.1  # a third share one longitude
    speed = s.speed_kt.copy()
    speed[::2] = 0.0  # half stationary
    s2 = TrackStates(
        ids=s.ids,
        lon=lon,
        lat=np.round(s.lat, 2),  # many identical positions
        alt_ft=np.round(s.alt_ft, -3),
        speed_kt=speed,
        course_deg=np.round(s.course_deg, -1) % 360,
        vrate_fpm=s.vrate_fpm,
        time=np.zeros(600),
        domain=s.domain,
        owner=s.owner,
        owners=s.owners,
    )
    k = project(s2, 0.0)
    b = scan_bruteforce(k)
    assert len(b) > 50
    assert_same(scan(k), b)
    assert_same(scan(k, cell_m={AIR: 1_000.0, SEA: 1_000.0}), b)


@settings(max_examples=60, deadline=None)
@given(
    seed=st.integers(0, 2**32 - 1),
    n=st.integers(2, 300),
    span=st.sampled_from([0.2, 1.0]),
    cell=st.sampled_from([None, 2_000.0, 50_000.0]),
)
def test_approach_filter_keeps_every_conflict_and_only_box_pairs(
    seed: int, n: int, span: float, cell: float | None
) -> None:
    """The closest-approach filter only narrows the box pairs, never below the conflicts."""
    k = project(random_states(seed, n, span, 34.0), 0.0)
    conflicts = scan_bruteforce(k).pairs()
    for dom, m in ((AIR, AIR_MINIMA), (SEA, SEA_MINIMA)):
        idx = np.flatnonzero(k.domain == dom)
        near = set(zip(*(a.tolist() for a in candidate_pairs(k, idx, m, cell)), strict=True))
        boxes = candidate_pairs(k, idx, m, cell, approach=False)
        assert near <= set(zip(*(a.tolist() for a in boxes), strict=True))
        assert {(i, j) for i, j in conflicts if k.domain[i] == dom} <= near


@settings(max_examples=300, deadline=None)
@given(
    d=st.floats(0.0, 3.0),
    bearing=st.floats(0.0, 360.0),
    speed=st.sampled_from([0.0, 1e-9, 1e-3, 1.0, 100.0, 300.0]),
    heading=st.floats(0.0, 360.0),
    t_frac=st.floats(-0.5, 1.5),
    sea=st.booleans(),
)
def test_approach_mask_keeps_what_the_narrow_prefilter_keeps(
    d: float, bearing: float, speed: float, heading: float, t_frac: float, sea: bool
) -> None:
    """Pairs placed so their closest approach is near H (either side), at any TCPA."""
    m = SEA_MINIMA if sea else AIR_MINIMA
    h = m.horizontal_m
    rad, hd = np.radians(bearing), np.radians(heading)
    vx, vy = speed * np.sin(hd), speed * np.cos(hd)
    # closest point at distance d * H, reached t_frac * T from now
    t = t_frac * m.lookahead_s
    cx, cy = d * h * np.cos(rad), d * h * np.sin(rad)
    x = np.array([1.0e5, 1.0e5 + cx - vx * t])
    y = np.array([-2.0e5, -2.0e5 + cy - vy * t])
    kvx, kvy = np.array([0.0, vx]), np.array([0.0, vy])
    p, q = np.array([0, 1]), np.array([1, 0])
    kept = approach_mask((x, y, kvx, kvy), p, q, m)
    _, dcpa = cpa(x[1] - x[:1], y[1] - y[:1], kvx[1] - kvx[:1], kvy[1] - kvy[:1], m.lookahead_s)
    if dcpa[0] * dcpa[0] < h * h * (1.0 + 1e-9) + 1.0:
        assert kept.all()


def test_non_finite_positions_are_refused() -> None:
    k = project(random_states(1, 50, 0.5, 34.0), 0.0)
    x = k.x.copy()
    x[3] = np.nan
    bad = Kinematics(k.frame, k.t0, x, k.y, k.z, k.vx, k.vy, k.vz, k.domain, k.owner)
    with pytest.raises(ValueError, match="finite"):
        candidate_pairs(bad, np.arange(50), AIR_MINIMA)


def test_zero_minima_and_zero_cells_still_agree() -> None:
    k = project(random_states(9, 300, 0.2, 34.0), 0.0)
    zero = Minima(0.0, 0.0, 300.0)
    for cells in (None, {AIR: 0.0, SEA: 0.0}):
        assert_same(scan(k, zero, zero, cells), scan_bruteforce(k, zero, zero))
    assert_same(scan(k, cell_m={AIR: 0.0, SEA: 0.0}), scan_bruteforce(k))
