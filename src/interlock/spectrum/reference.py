"""The per-pair reference: the same models in plain Python floats and loops, no numpy, no cull.

Why: the vectorised detector (``interference.detect``) culls and batches; this module states
the computation the simple way, pair by pair, so tests and the benchmark can check that the
fast path finds the same conflicts and the same I/N (``compare``). Negligible pairs (below
``interference.negligible_dbm``) do not cut slices here either, but their levels are added in
full to every slice their window overlaps: this is the uncut sum the cull guarantee is
stated against.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Sequence
from statistics import NormalDist

import numpy as np

from interlock.geo.earth import ITU_R_EARTH_RADIUS_M, MEAN_RADIUS_M
from interlock.spectrum.antenna import discrimination_db_scalar
from interlock.spectrum.interference import (
    OOB_REACH_BN,
    Conflict,
    Contribution,
    DetectConfig,
    Emission,
    ProtectedReceiver,
    Result,
    Timeline,
)
from interlock.spectrum.propagation import (
    C_M_S,
    MIN_ANTENNA_HEIGHT_M,
    MIN_DISTANCE_M,
    PropagationConfig,
)


def great_circle(lon1: float, lat1: float, lon2: float, lat2: float) -> tuple[float, float, float]:
    """Haversine distance (m) and initial bearings 1->2, 2->1 (degrees)."""
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dl = math.radians(lon2 - lon1)
    h = math.sin((p2 - p1) / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    d = 2 * MEAN_RADIUS_M * math.asin(math.sqrt(min(max(h, 0.0), 1.0)))
    az12 = math.degrees(
        math.atan2(
            math.sin(dl) * math.cos(p2),
            math.cos(p1) * math.sin(p2) - math.sin(p1) * math.cos(p2) * math.cos(dl),
        )
    )
    az21 = math.degrees(
        math.atan2(
            -math.sin(dl) * math.cos(p1),
            math.cos(p2) * math.sin(p1) - math.sin(p2) * math.cos(p1) * math.cos(dl),
        )
    )
    return d, az12 % 360.0, az21 % 360.0


def fspl(d_m: float, f_mhz: float) -> float:
    """ITU-R P.525 §2.2: 20 log10(4 pi d f / c)."""
    return 20 * math.log10(4 * math.pi * max(d_m, MIN_DISTANCE_M) * f_mhz * 1e6 / C_M_S)


def _f(x: float) -> float:
    """P.526 §3.1.1.2 F(X)."""
    x = max(x, 1e-12)
    return (
        11 + 10 * math.log10(x) - 17.6 * x if x >= 1.6 else -20 * math.log10(x) - 5.6488 * x**1.425
    )


def _g(y: float, k: float) -> float:
    """P.526 §3.1.1.2 G(Y), beta = 1, floor 2 + 20 log K."""
    b = max(y, 0.0)
    if b > 2:
        g = 17.6 * math.sqrt(b - 1.1) - 5 * math.log10(b - 1.1) - 8
    else:
        g = 20 * math.log10(b + 0.1 * b**3) if b > 0 else -math.inf
    return max(g, 2 + 20 * math.log10(k))


def _ah(d: float, h1: float, h2: float, f: float, ae: float, cfg: PropagationConfig) -> float:
    """P.526 §3.1.1.2: -(F(X) + G(Y1) + G(Y2)), ae and d in m."""
    ae_km = ae / 1e3
    k = (
        0.36
        * (ae_km * f) ** (-1 / 3)
        * ((cfg.ground_epsilon - 1) ** 2 + (18000 * cfg.ground_sigma_s_m / f) ** 2) ** -0.25
    )
    x = 2.188 * f ** (1 / 3) * ae_km ** (-2 / 3) * d / 1e3
    yf = 9.575e-3 * f ** (2 / 3) * ae_km ** (-1 / 3)
    return -(_f(x) + _g(yf * h1, k) + _g(yf * h2, k))


def diffraction(d: float, h1: float, h2: float, f: float, cfg: PropagationConfig) -> float:
    """P.526 §3.2, steps 1-4, floored at 0."""
    d, h1, h2 = max(d, MIN_DISTANCE_M), max(h1, MIN_ANTENNA_HEIGHT_M), max(h2, MIN_ANTENNA_HEIGHT_M)
    ae = cfg.k_factor * ITU_R_EARTH_RADIUS_M
    if d >= math.sqrt(2 * ae) * (math.sqrt(h1) + math.sqrt(h2)):
        return max(_ah(d, h1, h2, f, ae, cfg), 0.0)
    c = (h1 - h2) / (h1 + h2)
    m = d * d / (4 * ae * (h1 + h2))
    arg = min(max(1.5 * c * math.sqrt(3 * m / (m + 1) ** 3), -1.0), 1.0)
    b = 2 * math.sqrt((m + 1) / (3 * m)) * math.cos(math.pi / 3 + math.acos(arg) / 3)
    d1 = d / 2 * (1 + b)
    d2 = d - d1
    h = ((h1 - d1 * d1 / (2 * ae)) * d2 + (h2 - d2 * d2 / (2 * ae)) * d1) / d
    hreq = 0.552 * math.sqrt(max(d1 * d2, 0.0) * (C_M_S / (f * 1e6)) / d)
    if h > hreq:
        return 0.0
    ah = _ah(d, h1, h2, f, 0.5 * (d / (math.sqrt(h1) + math.sqrt(h2))) ** 2, cfg)
    if ah < 0:
        return 0.0
    return max((1 - h / hreq) * ah if hreq > 0 else ah, 0.0)


def p2108(f_mhz: float, d_m: float, percent: float) -> float:
    """ITU-R P.2108 §3.2 (0 outside 0.5-67 GHz or below 0.25 km; floored at 0)."""
    f, dk = f_mhz / 1e3, d_m / 1e3
    if not (0.5 <= f <= 67 and dk >= 0.25):
        return 0.0
    q = NormalDist().inv_cdf(1 - percent / 100)

    def at(dd: float) -> float:
        ll = -2 * math.log10(10 ** (-5 * math.log10(f) - 12.5) + 10**-16.5)
        ls = 32.98 + 23.9 * math.log10(dd) + 3 * math.log10(f)
        wl, ws = 10 ** (-0.2 * ll), 10 ** (-0.2 * ls)
        return -5 * math.log10(wl + ws) - math.sqrt((16 * wl + 36 * ws) / (wl + ws)) * q

    return max(min(at(dk), at(2.0)), 0.0)


def path_loss(d: float, h1: float, h2: float, f: float, cfg: PropagationConfig) -> float:
    """Free space + diffraction + clutter, per the config."""
    loss = fspl(d, f)
    if cfg.diffraction:
        loss += diffraction(d, h1, h2, f, cfg)
    if isinstance(cfg.clutter, str):
        loss += p2108(f, d, cfg.clutter_percent)
    elif cfg.clutter is not None:
        loss += float(cfg.clutter)
    return loss


def coupled_fraction(fe: float, be: float, fr: float, br: float) -> float:
    """Part of the emission's power (mask: flat + SM.1541 out-of-band) inside the receiver band."""
    lo_e, hi_e, a, b = fe - be / 2, fe + be / 2, fr - br / 2, fr + br / 2
    inband = max(min(b, hi_e) - max(a, lo_e), 0.0) / be
    reach = (OOB_REACH_BN - 0.5) * be

    def tail(x1: float, x2: float) -> float:
        u1 = min(max(x1, 0.0), reach) / be
        u2 = min(max(x2, 0.0), reach) / be
        return ((1 + 2 * u1) ** -3 - (1 + 2 * u2) ** -3) / 6

    return min(inband + tail(a - hi_e, b - hi_e) + tail(lo_e - b, lo_e - a), 1.0)


def fdr(fe: float, be: float, fr: float, br: float) -> float:
    """FDR in dB, +inf without coupling."""
    p = coupled_fraction(fe, be, fr, br)
    return -10 * math.log10(p) if p > 0 else math.inf


def _opt(x: float | None) -> float:
    return math.nan if x is None else x


def pair_level_dbm(em: Emission, rx: ProtectedReceiver, cfg: DetectConfig) -> tuple[float, float]:
    """(I dBm, FDR dB) of one emission at one receiver; I = -inf without spectral coupling."""
    rej = fdr(em.freq_mhz, em.bw_mhz, rx.freq_mhz, rx.bw_mhz)
    if math.isinf(rej):
        return -math.inf, rej
    d, az_er, az_re = great_circle(em.lon, em.lat, rx.lon, rx.lat)
    d = max(d - em.reach_m, 0.0)
    loss = path_loss(d, em.height_m, rx.height_m, em.freq_mhz, cfg.propagation)
    d_tx = discrimination_db_scalar(
        az_er, _opt(em.azimuth_deg), _opt(em.beamwidth_deg), cfg.front_to_back_db
    )
    d_rx = discrimination_db_scalar(
        az_re, _opt(rx.azimuth_deg), _opt(rx.beamwidth_deg), cfg.front_to_back_db
    )
    return em.eirp_dbm - loss - d_tx + rx.gain_dbi - d_rx - rej, rej


def _window(em: Emission, t0: float, t1: float) -> tuple[float, float]:
    return min(max(em.start_s, t0), t1), min(max(em.end_s, t0), t1)


def _active(emissions: Sequence[Emission], t0: float, t1: float) -> list[Emission]:
    return [e for e in emissions if e.start_s < t1 and e.end_s > t0 and e.end_s > e.start_s]


def _negligible(rx: ProtectedReceiver, n: int, cfg: DetectConfig) -> float:
    return (
        rx.resolved_noise_dbm()
        + rx.resolved_criterion_db()
        - 10 * math.log10(max(n, 1))
        - cfg.cull_margin_db
    )


def slice_level_dbm(
    emissions: Sequence[Emission],
    rx: ProtectedReceiver,
    a: float,
    b: float,
    t0: float,
    t1: float,
    cfg: DetectConfig,
) -> float:
    """The uncut aggregate (dBm) at `rx` over the slice [a, b): every emission whose window
    (clipped to [t0, t1)) overlaps it, at its full level."""
    total = 0.0
    for em in _active(emissions, t0, t1):
        s, e = _window(em, t0, t1)
        if s < b and e > a:
            lvl, _ = pair_level_dbm(em, rx, cfg)
            if lvl > -math.inf:
                total += 10 ** (lvl / 10)
    return 10 * math.log10(total) if total > 0 else -math.inf


def detect_reference(
    emissions: Sequence[Emission],
    receivers: Sequence[ProtectedReceiver],
    t0: float,
    t1: float,
    config: DetectConfig | None = None,
    n_active: int | None = None,
) -> Result:
    """Conflicts and timelines, pair by pair. `n_active`: the number of emissions active in
    [t0, t1) that sets the negligible level (default: counted from `emissions`)."""
    cfg = config or DetectConfig()
    act = _active(emissions, t0, t1)
    n = len(act) if n_active is None else n_active
    conflicts: list[Conflict] = []
    timelines: dict[str, Timeline] = {}
    for rx in receivers:
        noise, crit = rx.resolved_noise_dbm(), rx.resolved_criterion_db()
        negl = _negligible(rx, n, cfg)
        sig: list[tuple[Emission, float, float, float]] = []  # (emission, level, start, end)
        small: list[tuple[float, float, float]] = []
        for em in act:
            lvl, _ = pair_level_dbm(em, rx, cfg)
            if lvl == -math.inf:
                continue
            s, e = _window(em, t0, t1)
            if lvl >= negl:
                sig.append((em, lvl, s, e))
            else:
                small.append((lvl, s, e))
        edges = sorted({t0, t1, *(x[2] for x in sig), *(x[3] for x in sig)})
        starts, ends, i_n_all = [], [], []
        for a, b in itertools.pairwise(edges):
            on = [(em, lvl) for em, lvl, s, e in sig if s <= a and e >= b]
            total = sum(10 ** (lvl / 10) for _, lvl in on)
            total_all = total + sum(10 ** (lvl / 10) for lvl, s, e in small if s < b and e > a)
            i_dbm = 10 * math.log10(total_all) if total_all > 0 else -math.inf
            i_n = i_dbm - noise
            starts.append(a)
            ends.append(b)
            i_n_all.append(i_n)
            if i_n > crit:
                on.sort(key=lambda x: -x[1])
                contrib = tuple(
                    Contribution(em.id, lvl, 10 ** (lvl / 10) / total) for em, lvl in on
                )
                conflicts.append(Conflict(rx.id, a, b, i_dbm, noise, i_n, crit, contrib))
        timelines[rx.id] = Timeline(
            rx.id, np.array(starts), np.array(ends), np.array(i_n_all), noise, crit
        )
    return Result(conflicts=conflicts, timelines=timelines)


def compare(fast: Result, ref: Result, tol_db: float = 1e-6) -> list[str]:
    """Differences between a detector result and the reference (empty: identical), over the
    receivers in `ref` (a sample is fine). Same slices; I/N within `tol_db` wherever either is
    >= criterion - 10 dB, else within 2e-8 of the threshold in linear power (the cull's
    guarantee); same conflicts with the same contributors (levels within `tol_db`)."""
    out: list[str] = []
    for rid, tr in ref.timelines.items():
        tf = fast.timelines.get(rid)
        if tf is None:
            out.append(f"{rid}: no timeline")
            continue
        if len(tf.starts) != len(tr.starts) or not (
            np.array_equal(tf.starts, tr.starts) and np.array_equal(tf.ends, tr.ends)
        ):
            out.append(f"{rid}: slices differ ({len(tf.starts)} vs {len(tr.starts)})")
            continue
        for x, y in zip(tf.i_n_db.tolist(), tr.i_n_db.tolist(), strict=True):
            if x == y:
                continue
            if max(x, y) >= tr.criterion_db - 10:
                if not abs(x - y) <= tol_db:
                    out.append(f"{rid}: I/N {x!r} vs {y!r} dB")
            elif (
                abs(10 ** ((x - tr.criterion_db) / 10) - 10 ** ((y - tr.criterion_db) / 10)) > 2e-8
            ):
                out.append(f"{rid}: I/N {x!r} vs {y!r} dB (beyond the cull's bound)")
    fc = {
        (c.receiver_id, c.start_s, c.end_s): c
        for c in fast.conflicts
        if c.receiver_id in ref.timelines
    }
    rc = {(c.receiver_id, c.start_s, c.end_s): c for c in ref.conflicts}
    for key in fc.keys() ^ rc.keys():
        out.append(f"conflict {key} only in {'fast' if key in fc else 'reference'}")
    for key in fc.keys() & rc.keys():
        a = {c.emitter_id: c for c in fc[key].contributors}
        b = {c.emitter_id: c for c in rc[key].contributors}
        if a.keys() != b.keys():
            out.append(f"conflict {key}: contributors differ")
            continue
        for eid, ca in a.items():
            cb = b[eid]
            if abs(ca.i_dbm - cb.i_dbm) > tol_db or abs(ca.share - cb.share) > 1e-6:
                out.append(f"conflict {key}: {eid} {ca.i_dbm} vs {cb.i_dbm} dBm")
    return out


__all__ = [
    "compare",
    "coupled_fraction",
    "detect_reference",
    "diffraction",
    "fdr",
    "fspl",
    "p2108",
    "pair_level_dbm",
    "path_loss",
    "slice_level_dbm",
]
