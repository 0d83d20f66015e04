"""Track history's pure rules: thinning (fast path against the reference and against its
own definition), geodesic interpolation against pyproj, the agreement's [history] table."""

from __future__ import annotations

import math
import random
from typing import Any

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from pyproj import Geod

from interlock.errors import InvalidInput
from interlock.model.agreement import EXAMPLE_AGREEMENT, agreement_from_dict
from interlock.model.history import (
    HistoryRules,
    Thinner,
    bridged,
    history_rules,
    interpolate,
    keep,
    linear,
    shown,
    thin_reference,
    turned,
)

GEOD = Geod(ellps="WGS84")  # an independent instance of the same ellipsoid
RULES = HistoryRules()


def random_reports(rng: random.Random, tracks: int, n: int) -> list[tuple[Any, float, Any, Any]]:
    """Interleaved reports of `tracks` tracks: times increasing per track with spacings
    from 0.1 to 12 s, courses wandering (some turning fast, some unknown), altitudes
    climbing or not (some unknown)."""
    state = {
        k: [rng.uniform(0, 10), rng.uniform(0, 360), rng.uniform(0, 40_000)] for k in range(tracks)
    }
    out = []
    for _ in range(n):
        k = rng.randrange(tracks)
        s = state[k]
        s[0] += rng.choice([0.1, 0.5, 1.0, 1.0, 2.0, 4.9, 5.0, 5.1, 12.0])
        s[1] = (s[1] + rng.choice([0, 0, 0, 1, -1, 3, -3, 10, 20])) % 360
        s[2] += rng.choice([0, 0, 0, 50, -50, 150, 400])
        course = None if rng.random() < 0.1 else s[1]
        alt = None if rng.random() < 0.1 else s[2]
        out.append((("t", k), s[0], course, alt))
    return out


@pytest.mark.parametrize("seed", range(6))
def test_the_fast_thinner_keeps_exactly_what_the_reference_keeps(seed: int) -> None:
    rng = random.Random(seed)
    rules = HistoryRules(interval_s=rng.choice([1.0, 5.0, 10.0]), turn_deg=rng.choice([5.0, 15.0]))
    reports = random_reports(rng, tracks=rng.randint(1, 30), n=3000)
    thinner = Thinner(rules)
    fast = [i for i, (k, ts, c, a) in enumerate(reports) if thinner.offer(k, ts, c, a)]
    assert fast == thin_reference(reports, rules)
    assert 0 < len(fast) < len(reports)


@pytest.mark.parametrize("seed", range(4))
def test_every_kept_fix_is_justified_and_no_gap_is_left_unkept(seed: int) -> None:
    """Brute force, from the rule's words: each kept fix is a track's first, or at least
    the interval after the track's previous kept fix, or turned or climbed by the
    thresholds since it; each dropped one is none of these; and so every report lies
    within the interval after a kept fix of its track (no gap without a kept fix)."""
    rng = random.Random(100 + seed)
    reports = random_reports(rng, tracks=12, n=2000)
    kept = set(thin_reference(reports, RULES))
    by_track: dict[Any, list[int]] = {}
    for i, r in enumerate(reports):
        by_track.setdefault(r[0], []).append(i)
    for idx in by_track.values():
        last = None
        for i in idx:
            _, ts, course, alt = reports[i]
            if last is None:
                assert i in kept, "a track's first report is kept"
            else:
                _, lts, lc, la = reports[last]
                reason = (
                    ts - lts >= RULES.interval_s
                    or (
                        course is not None
                        and lc is not None
                        and turned(course, lc) >= RULES.turn_deg
                    )
                    or (alt is not None and la is not None and abs(alt - la) >= RULES.level_ft)
                )
                assert (i in kept) == reason, (i, ts, lts)
                if i not in kept:
                    assert ts - lts < RULES.interval_s  # no report is more than the interval unkept
            if i in kept:
                last = i


def test_thresholds_at_under_and_over() -> None:
    last = (100.0, 90.0, 10_000.0)
    assert not keep(RULES, last, 104.999, 90.0, 10_000.0)
    assert keep(RULES, last, 105.0, 90.0, 10_000.0)  # the interval: at is enough
    assert not keep(RULES, last, 101.0, 104.99, 10_000.0)
    assert keep(RULES, last, 101.0, 105.0, 10_000.0)  # a 15 deg turn
    assert keep(RULES, last, 101.0, 75.0, 10_000.0)
    assert keep(RULES, (100.0, 355.0, None), 101.0, 10.0, None)  # across north
    assert not keep(RULES, (100.0, 355.0, None), 101.0, 9.0, None)
    assert not keep(RULES, last, 101.0, 90.0, 10_299.0)
    assert keep(RULES, last, 101.0, 90.0, 10_300.0)  # 300 ft
    assert keep(RULES, last, 101.0, 90.0, 9_700.0)
    assert not keep(RULES, (100.0, None, None), 101.0, 270.0, 0.0)  # nothing to compare
    assert keep(RULES, None, 0.0, None, None)
    assert turned(350.0, 10.0) == pytest.approx(20.0) and turned(0.0, 180.0) == 180.0


@settings(max_examples=200, deadline=None)
@given(
    lon0=st.floats(-180, 180),
    lat0=st.floats(-89, 89),
    lon1=st.floats(-180, 180),
    lat1=st.floats(-89, 89),
    n=st.integers(1, 9),
)
def test_interpolation_follows_the_geodesic_as_pyproj_npts(
    lon0: float, lat0: float, lon1: float, lat1: float, n: int
) -> None:
    """Geod.npts puts n points equally spaced along the geodesic: point j is the fraction
    (j + 1) / (n + 1) of the way; ours must be the same point (within a millimetre)."""
    _, _, total = GEOD.inv(lon0, lat0, lon1, lat1)
    if total < 1.0 or total > 19_000_000:  # near-antipodal geodesics are not unique
        return
    pts = GEOD.npts(lon0, lat0, lon1, lat1, n)
    f = np.array([(j + 1) / (n + 1) for j in range(n)])
    lon, lat = interpolate(
        np.full(n, lon0), np.full(n, lat0), np.full(n, lon1), np.full(n, lat1), f
    )
    for (plon, plat), x, y, fj in zip(pts, lon, lat, f, strict=True):
        _, _, miss = GEOD.inv(plon, plat, x, y)
        assert miss < 1e-3
        _, _, from_start = GEOD.inv(lon0, lat0, x, y)
        assert from_start == pytest.approx(fj * total, abs=1e-3)
        assert -180 <= x <= 180


def test_interpolation_ends_and_the_antimeridian() -> None:
    lon, lat = interpolate([179.5, 10.0], [0.0, 50.0], [-179.5, 11.0], [0.0, 51.0], [0.5, 0.0])
    assert abs(abs(lon[0]) - 180.0) < 1e-9 and abs(lat[0]) < 1e-9
    assert (lon[1], lat[1]) == pytest.approx((10.0, 50.0))
    empty = interpolate([], [], [], [], [])
    assert empty[0].size == 0
    assert linear(1000.0, 2000.0, 0.25) == 1250.0
    assert linear(1000.0, None, 0.5) == 1000.0 and linear(None, 5.0, 0.5) is None


def test_shown_and_bridged_at_the_staleness() -> None:
    assert shown(100.0, 160.0, 60.0) and not shown(100.0, 160.001, 60.0)
    assert not shown(100.0, 99.0, 60.0)  # a fix after the moment
    assert bridged(100.0, 160.0, 60.0) and not bridged(100.0, 160.5, 60.0)


def test_the_agreement_carries_history_rules_with_defaults_and_bounds() -> None:
    import tomllib

    doc = tomllib.loads(EXAMPLE_AGREEMENT)
    assert agreement_from_dict(doc).history == HistoryRules()
    assert agreement_from_dict({**doc, "history": {}}).to_dict()["history"] == {
        "interval_s": 5.0,
        "turn_deg": 15.0,
        "level_ft": 300.0,
        "retention_days": 30.0,
    }
    got = history_rules({"history": {"interval_s": 0, "turn_deg": 180, "retention_days": 3660}})
    assert (got.interval_s, got.turn_deg, got.retention.days) == (0.0, 180.0, 3660)
    for table, field in (
        ({"interval_s": -0.001}, "history.interval_s"),
        ({"interval_s": 3600.001}, "history.interval_s"),
        ({"turn_deg": 180.5}, "history.turn_deg"),
        ({"level_ft": math.inf}, "history.level_ft"),
        ({"retention_days": 0}, "history.retention_days"),
        ({"retention_days": 3661}, "history.retention_days"),
        ({"retention_days": True}, "history.retention_days"),
        ({"interval_s": "5"}, "history.interval_s"),
        ({"interval": 5}, "history"),
    ):
        with pytest.raises(InvalidInput) as exc:
            agreement_from_dict({**doc, "history": table})
        assert exc.value.field == field, table
    with pytest.raises(InvalidInput) as exc:
        agreement_from_dict({**doc, "history": 5})
    assert exc.value.field == "history"
