"""Unit conversions: exact factors by definition (ICAO Annex 5)."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from interlock.geo import units


def test_exact_definitions() -> None:
    assert units.ft_to_m(1.0) == 0.3048
    assert units.nm_to_m(1.0) == 1852.0
    assert abs(units.KT_IN_MPS * 3600.0 - 1852.0) < 1e-9


def test_agreement_defaults_in_metres() -> None:
    assert units.nm_to_m(5.0) == pytest.approx(9260.0)
    assert units.ft_to_m(1000.0) == pytest.approx(304.8)
    assert units.m_to_nm(9260.0) == pytest.approx(5.0)


def test_flight_level_is_hundreds_of_feet() -> None:
    assert units.fl_to_m(350.0) == pytest.approx(10_668.0)
    assert units.fl_to_m(100.0) == pytest.approx(units.ft_to_m(10_000.0))
    assert units.fl_to_m(0.0) == 0.0


@given(st.floats(-1e6, 1e6))
def test_round_trips(x: float) -> None:
    assert units.m_to_ft(units.ft_to_m(x)) == pytest.approx(x, rel=1e-12, abs=1e-9)
    assert units.m_to_nm(units.nm_to_m(x)) == pytest.approx(x, rel=1e-12, abs=1e-9)


@given(st.floats(0.0, 1e5), st.floats(0.0, 1e5))
def test_conversions_are_monotonic(a: float, b: float) -> None:
    if a < b:
        assert units.ft_to_m(a) < units.ft_to_m(b)
        assert units.nm_to_m(a) < units.nm_to_m(b)
        assert units.fl_to_m(a) < units.fl_to_m(b)
