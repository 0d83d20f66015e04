"""Antenna discrimination: ITU-R M.2101 §5 element pattern -min(12 (phi/phi3)^2, A_m)."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from interlock.spectrum.antenna import (
    FRONT_TO_BACK_DB,
    discrimination_db,
    discrimination_db_scalar,
    off_axis_deg,
)


def test_published_points_of_the_pattern() -> None:
    # on boresight 0; at the half-power half-width 3 dB; at the full beamwidth 12 dB
    assert float(discrimination_db(90.0, 90.0, 10.0)) == 0.0
    assert float(discrimination_db(95.0, 90.0, 10.0)) == pytest.approx(3.0)
    assert float(discrimination_db(100.0, 90.0, 10.0)) == pytest.approx(12.0)
    assert float(discrimination_db(270.0, 90.0, 10.0)) == FRONT_TO_BACK_DB


def test_omnidirectional_has_no_discrimination() -> None:
    assert float(discrimination_db(123.0, math.nan, 10.0)) == 0.0
    assert float(discrimination_db(123.0, 40.0, math.nan)) == 0.0
    assert float(discrimination_db(123.0, 40.0, 360.0)) == 0.0


def test_off_axis_wraps_across_north() -> None:
    assert float(off_axis_deg(359.0, 1.0)) == pytest.approx(2.0)
    assert float(off_axis_deg(1.0, 359.0)) == pytest.approx(2.0)
    assert float(off_axis_deg(180.0, 0.0)) == pytest.approx(180.0)


angles = st.floats(0.0, 360.0)


@settings(max_examples=300, deadline=None)
@given(b=angles, az=angles, bw=st.floats(0.5, 120.0))
def test_symmetric_bounded_and_equal_to_the_scalar(b: float, az: float, bw: float) -> None:
    d = float(discrimination_db(b, az, bw))
    assert 0.0 <= d <= FRONT_TO_BACK_DB
    mirrored = float(discrimination_db((2 * az - b) % 360.0, az, bw))
    assert d == pytest.approx(mirrored, abs=1e-6)
    assert d == pytest.approx(discrimination_db_scalar(b, az, bw), abs=1e-9)


def test_vectorised_over_arrays() -> None:
    out = discrimination_db(np.array([0.0, 10.0, 180.0]), np.array([0.0, 0.0, np.nan]), 20.0)
    assert out.tolist() == pytest.approx([0.0, 3.0, 0.0])
