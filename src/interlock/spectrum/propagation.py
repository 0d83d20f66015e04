"""Basic transmission loss between an emitter and a receiver over a smooth earth.

Why these models: free space (ITU-R P.525) is the least loss any real path has, so it bounds
interference from above; smooth-earth diffraction (ITU-R P.526 §3.1.1 / §3.2, 4/3 earth) keeps
emitters beyond the radio horizon from being over-counted; clutter (ITU-R P.2108 §3.2 or a
fixed agreed value) is optional. Every loss added to free space here is >= 0, so free-space
loss stays a lower bound of the total (the detector's cull relies on it).

Units: distances and heights in metres, frequencies in MHz, losses in dB. All functions take
numpy arrays (or scalars) and broadcast.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from statistics import NormalDist

import numpy as np
from numpy.typing import ArrayLike, NDArray

from ..geo.earth import ITU_R_EARTH_RADIUS_M

C_M_S = 299_792_458.0  # speed of light (exact, SI)
K_FACTOR = 4.0 / 3.0  # ITU-R P.526 §3 / P.310: median effective earth-radius factor
# 20 log10(4 pi / c) with d in m and f in Hz; = 32.45 with d in km and f in MHz (P.525 §2.2)
_FSPL_CONST_DB = 20.0 * math.log10(4.0 * math.pi / C_M_S)
MIN_DISTANCE_M = 1.0  # distances below 1 m are taken as 1 m (no near-field model; agreement clause)
# P.526 §3.2's line-of-sight interpolation places the path's obstacle between two antennas
# above the surface; with an antenna at 0 m it divides 0 by 0 (the obstacle's clearance and
# the required clearance both vanish) and the result rests on round-off (0.06 dB apart
# between two exact implementations). Antennas lower than this are taken at this height.
MIN_ANTENNA_HEIGHT_M = 1.0

# Ground for P.526 §3.1.1.1: "average ground" of ITU-R P.527 (relative permittivity, S/m).
GROUND_EPSILON = 15.0
GROUND_SIGMA_S_M = 0.005

Floats = NDArray[np.float64]


@dataclass(frozen=True, slots=True)
class PropagationConfig:
    """Which losses the agreement counts on top of free space.

    ``clutter``: None (no clutter loss), a number (a fixed agreed loss in dB, >= 0), or
    ``"p2108"`` (ITU-R P.2108 §3.2 terrestrial statistical model at ``clutter_percent`` % of
    locations, applied at one end of the path). ``diffraction`` False leaves free space only.
    """

    k_factor: float = K_FACTOR
    diffraction: bool = True
    clutter: float | str | None = None
    clutter_percent: float = 50.0
    ground_epsilon: float = GROUND_EPSILON
    ground_sigma_s_m: float = GROUND_SIGMA_S_M

    def __post_init__(self) -> None:
        if isinstance(self.clutter, str) and self.clutter != "p2108":
            raise ValueError(f"clutter must be None, a number of dB or 'p2108': {self.clutter!r}")
        if isinstance(self.clutter, int | float) and not self.clutter >= 0:
            raise ValueError("a fixed clutter loss must be >= 0 dB")
        if not 0.0 < self.clutter_percent < 100.0:
            raise ValueError("clutter_percent must be in (0, 100)")
        if not self.k_factor > 0:
            raise ValueError("k_factor must be > 0")


def fspl_db(distance_m: ArrayLike, freq_mhz: ArrayLike) -> Floats:
    """Free-space basic transmission loss, ITU-R P.525 §2.2: 20 log10(4 pi d / lambda)."""
    d = np.maximum(np.asarray(distance_m, dtype=float), MIN_DISTANCE_M)
    f_hz = np.asarray(freq_mhz, dtype=float) * 1e6
    return _FSPL_CONST_DB + 20.0 * np.log10(d * f_hz)


def horizon_distance_m(h1_m: ArrayLike, h2_m: ArrayLike, k_factor: float = K_FACTOR) -> Floats:
    """Line-of-sight distance over a smooth earth of effective radius k a (P.526 §3.2 step 1):
    d_los = sqrt(2 ae) (sqrt h1 + sqrt h2)."""
    ae = k_factor * ITU_R_EARTH_RADIUS_M
    h1 = np.maximum(np.asarray(h1_m, dtype=float), 0.0)
    h2 = np.maximum(np.asarray(h2_m, dtype=float), 0.0)
    return np.sqrt(2.0 * ae) * (np.sqrt(h1) + np.sqrt(h2))


def surface_admittance_k(
    freq_mhz: ArrayLike, ae_m: ArrayLike, epsilon: float, sigma_s_m: float
) -> Floats:
    """Normalised surface admittance K for horizontal polarisation, P.526 §3.1.1.1:
    K_H = 0.36 (ae f)^(-1/3) ((eps - 1)^2 + (18000 sigma / f)^2)^(-1/4), ae in km, f in MHz.
    (Cross-check of the constant: ITU-R P.528's smooth-earth step writes the same factor as
    0.01778 f^(-1/3), which is 0.36 ae^(-1/3) for ae = 8,300 km, a 4/3 earth.)"""
    f = np.asarray(freq_mhz, dtype=float)
    ae_km = np.asarray(ae_m, dtype=float) / 1e3
    return (
        0.36
        * np.cbrt(ae_km * f) ** -1
        * ((epsilon - 1.0) ** 2 + (18000.0 * sigma_s_m / f) ** 2) ** -0.25
    )


def distance_term_db(x: ArrayLike) -> Floats:
    """F(X), P.526 §3.1.1.2: 11 + 10 log X - 17.6 X for X >= 1.6, else
    -20 log X - 5.6488 X^1.425."""
    xs = np.maximum(np.asarray(x, dtype=float), 1e-12)
    far = 11.0 + 10.0 * np.log10(xs) - 17.6 * xs
    near = -20.0 * np.log10(xs) - 5.6488 * xs**1.425
    return np.where(xs >= 1.6, far, near)


def height_gain_db(y: ArrayLike, k: ArrayLike) -> Floats:
    """G(Y), P.526 §3.1.1.2 with beta = 1 (so B = Y), limited below by
    2 + 20 log K (§3.1.1.2)."""
    b = np.maximum(np.asarray(y, dtype=float), 0.0)
    bm = np.maximum(b - 1.1, 1e-12)
    high = 17.6 * np.sqrt(bm) - 5.0 * np.log10(bm) - 8.0
    with np.errstate(divide="ignore"):
        low = 20.0 * np.log10(b + 0.1 * b**3)
    g = np.where(b > 2.0, high, low)
    return np.maximum(g, 2.0 + 20.0 * np.log10(np.asarray(k, dtype=float)))


def _beyond_horizon_db(
    d_m: Floats, h1_m: Floats, h2_m: Floats, f_mhz: Floats, ae_m: Floats, cfg: PropagationConfig
) -> Floats:
    """A_h = -(F(X) + G(Y1) + G(Y2)), P.526 §3.1.1.2, (13b); beta = 1, which
    P.526 §3.1.1.1 gives for horizontal polarisation and for vertical above 20 MHz over land."""
    ae_km = ae_m / 1e3
    x = 2.188 * np.cbrt(f_mhz) * ae_km ** (-2.0 / 3.0) * (d_m / 1e3)
    yfac = 9.575e-3 * np.cbrt(f_mhz) ** 2 * ae_km ** (-1.0 / 3.0)
    k = surface_admittance_k(f_mhz, ae_m, cfg.ground_epsilon, cfg.ground_sigma_s_m)
    return -(distance_term_db(x) + height_gain_db(yfac * h1_m, k) + height_gain_db(yfac * h2_m, k))


def diffraction_db(
    distance_m: ArrayLike,
    h1_m: ArrayLike,
    h2_m: ArrayLike,
    freq_mhz: ArrayLike,
    config: PropagationConfig | None = None,
) -> Floats:
    """Smooth-earth diffraction loss in excess of free space, P.526 §3.2 (any distance, f >= 10
    MHz): zero with enough first-Fresnel clearance, interpolated in the line-of-sight region,
    §3.1.1 beyond the horizon. Never negative (P.526 §3.2 step 4 sets negative A_h to 0; the
    same floor is applied beyond the horizon so that free space stays a lower bound)."""
    cfg = config or PropagationConfig()
    d, h1, h2, f = np.broadcast_arrays(
        np.maximum(np.asarray(distance_m, dtype=float), MIN_DISTANCE_M),
        np.maximum(np.asarray(h1_m, dtype=float), MIN_ANTENNA_HEIGHT_M),
        np.maximum(np.asarray(h2_m, dtype=float), MIN_ANTENNA_HEIGHT_M),
        np.asarray(freq_mhz, dtype=float),
    )
    ae = np.full(d.shape, cfg.k_factor * ITU_R_EARTH_RADIUS_M)
    sq = np.sqrt(h1) + np.sqrt(h2)
    d_los = np.sqrt(2.0 * ae) * sq  # step 1
    out = np.zeros(d.shape)
    beyond = d >= d_los
    if beyond.any():  # step 2
        out[beyond] = _beyond_horizon_db(
            d[beyond], h1[beyond], h2[beyond], f[beyond], ae[beyond], cfg
        )
    los = ~beyond
    if los.any():  # steps 3 and 4
        dl, h1l, h2l, fl, ael = d[los], h1[los], h2[los], f[los], ae[los]
        hs = h1l + h2l
        c = (h1l - h2l) / hs
        m = dl**2 / (4.0 * ael * hs)
        arg = np.clip(1.5 * c * np.sqrt(3.0 * m / (m + 1.0) ** 3), -1.0, 1.0)
        b = 2.0 * np.sqrt((m + 1.0) / (3.0 * m)) * np.cos(np.pi / 3.0 + np.arccos(arg) / 3.0)
        d1 = dl / 2.0 * (1.0 + b)
        d2 = dl - d1
        h = ((h1l - d1**2 / (2.0 * ael)) * d2 + (h2l - d2**2 / (2.0 * ael)) * d1) / dl
        lam = C_M_S / (fl * 1e6)
        hreq = 0.552 * np.sqrt(np.maximum(d1 * d2, 0.0) * lam / dl)
        aem = 0.5 * (dl / (np.sqrt(h1l) + np.sqrt(h2l))) ** 2
        ah = _beyond_horizon_db(dl, h1l, h2l, fl, aem, cfg)
        inner = np.where(
            (h > hreq) | (ah < 0.0), 0.0, (1.0 - h / np.where(hreq > 0, hreq, 1.0)) * ah
        )
        out[los] = inner
    return np.maximum(out, 0.0)


def p2108_terrestrial_db(freq_mhz: ArrayLike, distance_m: ArrayLike, percent: float) -> Floats:
    """Clutter loss not exceeded at `percent` % of locations, ITU-R P.2108 §3.2 eqs. (3a)-(6)
    (terrestrial statistical model, urban/suburban, one end of the path). Outside its range
    (0.5-67 GHz, d >= 0.25 km) it is not applied (0 dB: the conservative choice for
    protection); negative values are taken as 0 so that free space stays a lower bound."""
    f_ghz = np.asarray(freq_mhz, dtype=float) / 1e3
    d_km = np.asarray(distance_m, dtype=float) / 1e3
    f_c = np.clip(f_ghz, 0.5, 67.0)
    q_inv = NormalDist().inv_cdf(
        1.0 - percent / 100.0
    )  # Q^-1(p/100), the inverse complementary normal

    def at(dk: Floats) -> Floats:
        l_l = -2.0 * np.log10(10.0 ** (-5.0 * np.log10(f_c) - 12.5) + 10.0**-16.5)  # eq. (4a)
        l_s = 32.98 + 23.9 * np.log10(dk) + 3.0 * np.log10(f_c)  # eq. (5a)
        wl, ws = 10.0 ** (-0.2 * l_l), 10.0 ** (-0.2 * l_s)
        sigma = np.sqrt((4.0**2 * wl + 6.0**2 * ws) / (wl + ws))  # eqs. (3b), (4b), (5b)
        return -5.0 * np.log10(wl + ws) - sigma * q_inv  # eq. (3a)

    dk = np.maximum(d_km, 0.25)
    loss = np.minimum(at(dk), at(np.full_like(dk, 2.0)))  # eq. (6): not above its 2 km value
    valid = (f_ghz >= 0.5) & (f_ghz <= 67.0) & (d_km >= 0.25)
    return np.where(valid, np.maximum(loss, 0.0), 0.0)


def clutter_db(freq_mhz: ArrayLike, distance_m: ArrayLike, config: PropagationConfig) -> Floats:
    """The configured clutter loss (0 when none)."""
    f, d = np.broadcast_arrays(
        np.asarray(freq_mhz, dtype=float), np.asarray(distance_m, dtype=float)
    )
    if config.clutter is None:
        return np.zeros(f.shape)
    if isinstance(config.clutter, str):
        return p2108_terrestrial_db(f, d, config.clutter_percent)
    return np.full(f.shape, float(config.clutter))


def path_loss_db(
    distance_m: ArrayLike,
    h1_m: ArrayLike,
    h2_m: ArrayLike,
    freq_mhz: ArrayLike,
    config: PropagationConfig | None = None,
) -> Floats:
    """Basic transmission loss: free space + smooth-earth diffraction + clutter, all >= free
    space. `h1_m`, `h2_m`: antenna heights above ground of the two ends."""
    cfg = config or PropagationConfig()
    loss = fspl_db(distance_m, freq_mhz)
    if cfg.diffraction:
        loss = loss + diffraction_db(distance_m, h1_m, h2_m, freq_mhz, cfg)
    if cfg.clutter is not None:
        loss = loss + clutter_db(freq_mhz, distance_m, cfg)
    return np.asarray(loss, dtype=float)
