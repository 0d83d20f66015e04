"""Unit conversions. Exact factors by definition (ICAO Annex 5)."""

from __future__ import annotations

M_PER_FT = 0.3048  # international foot, exact
M_PER_NM = 1852.0  # international nautical mile, exact
FT_PER_FL = 100.0  # a flight level is hundreds of feet of standard pressure altitude
KT_IN_MPS = M_PER_NM / 3600.0


def ft_to_m(ft: float) -> float:
    return ft * M_PER_FT


def m_to_ft(m: float) -> float:
    return m / M_PER_FT


def nm_to_m(nm: float) -> float:
    return nm * M_PER_NM


def m_to_nm(m: float) -> float:
    return m / M_PER_NM


def fl_to_m(fl: float) -> float:
    """Flight level to metres, taking standard pressure altitude as AMSL.

    A simplification the agreement accepts: on a non-standard day the true altitude of a
    flight level differs by a few hundred feet, which the vertical minimum must absorb.
    """
    return fl * FT_PER_FL * M_PER_FT
