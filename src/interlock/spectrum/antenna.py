"""Horizontal antenna patterns: how much less than its peak an antenna radiates (or
receives) off its boresight.

Why this pattern: ITU-R M.2101 §5 (antenna element pattern) and ITU-R F.1336-style parabolic
main lobes, -min(12 (phi / phi_3dB)^2, A_m), are the usual sharing-study pattern when only
the azimuth and the 3 dB beamwidth are known; A_m (front-to-back ratio) is 30 dB there.
No elevation pattern is applied (no discrimination in elevation: the conservative side for
protection). An azimuth of NaN means omnidirectional - or a scanning antenna judged at its
peak - and gives no discrimination.

Angles in degrees, clockwise from true north; discriminations in dB (>= 0).
"""

from __future__ import annotations

import math

import numpy as np
from numpy.typing import ArrayLike, NDArray

FRONT_TO_BACK_DB = 30.0  # ITU-R M.2101 §5: A_m = 30 dB
MAIN_LOBE_COEFF = 12.0  # ITU-R M.2101 §5 / F.1336: 12 (phi / phi_3dB)^2


def off_axis_deg(bearing_deg: ArrayLike, azimuth_deg: ArrayLike) -> NDArray[np.float64]:
    """The angle between a bearing and a boresight azimuth, in [0, 180] (NaN if either is)."""
    diff = np.mod(
        np.asarray(bearing_deg, dtype=float) - np.asarray(azimuth_deg, dtype=float), 360.0
    )
    return np.minimum(diff, 360.0 - diff)


def discrimination_db(
    bearing_deg: ArrayLike,
    azimuth_deg: ArrayLike,
    beamwidth_deg: ArrayLike,
    front_to_back_db: float = FRONT_TO_BACK_DB,
) -> NDArray[np.float64]:
    """Attenuation relative to the peak toward `bearing_deg`: min(12 (phi / bw)^2, A_m); 0 for
    omnidirectional antennas (azimuth or beamwidth NaN, beamwidth >= 360)."""
    phi = off_axis_deg(bearing_deg, azimuth_deg)
    bw = np.asarray(beamwidth_deg, dtype=float)
    directional = np.isfinite(phi) & np.isfinite(bw) & (bw > 0) & (bw < 360.0)
    safe_bw = np.where(directional, bw, 1.0)
    d = np.minimum(MAIN_LOBE_COEFF * (np.nan_to_num(phi) / safe_bw) ** 2, front_to_back_db)
    return np.where(directional, d, 0.0)


def discrimination_db_scalar(
    bearing_deg: float,
    azimuth_deg: float,
    beamwidth_deg: float,
    front_to_back_db: float = FRONT_TO_BACK_DB,
) -> float:
    """`discrimination_db` for one direction, in plain floats (the reference loop's version)."""
    if math.isnan(azimuth_deg) or math.isnan(beamwidth_deg) or not 0 < beamwidth_deg < 360:
        return 0.0
    diff = (bearing_deg - azimuth_deg) % 360.0
    phi = min(diff, 360.0 - diff)
    return min(MAIN_LOBE_COEFF * (phi / beamwidth_deg) ** 2, front_to_back_db)
