"""Aggregate interference at protected receivers, vectorised: who degrades whom, when.

Per emitter-receiver pair (dBm): I = EIRP - L - D_tx + G_rx - D_rx - FDR, with L the basic
transmission loss (``propagation``), D the antenna discriminations (``antenna``) and FDR the
frequency-dependent rejection (below); L is taken at the emission's centre frequency
(agreement clause). Per receiver the contributions of all emissions active
at the same time are summed in linear power, per time slice; slice boundaries are the start
and end times of the (non-negligible) contributing emissions, so the result is exact, not
sampled. A conflict is a slice whose I/N exceeds the receiver's criterion.

Cull (why the detector is fast, and why it is still exact): a pair with no spectral coupling
(receiver band outside the emission's out-of-band domain) contributes exactly nothing. A pair
whose level is below ``negligible = N + criterion - 10 log10(n_emitters) - margin`` (margin
``DetectConfig.cull_margin_db``, 80 dB) is dropped, first on a free-space upper bound (free
space is never more than the real loss, discriminations and clutter are >= 0), then on its
exact level. At most n_emitters pairs are dropped per receiver and slice, so the dropped sum
is at most 10^(-margin/10) of the threshold N + criterion: I (linear) differs from the uncut
sum by less than 1e-8 of the threshold, i.e. by less than 4.4e-7 dB wherever I/N >= criterion
- 10 dB. Dropped pairs do not cut slices. A slice whose I/N lies within that tolerance below
the criterion is recomputed uncut (``reference.slice_level_dbm``), so verdicts are identical.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

import numpy as np
from numpy.typing import ArrayLike, NDArray

from interlock.geo.earth import MEAN_RADIUS_M
from interlock.spectrum.antenna import FRONT_TO_BACK_DB, discrimination_db
from interlock.spectrum.propagation import PropagationConfig, fspl_db, path_loss_db

Floats = NDArray[np.float64]
Ints = NDArray[np.intp]

KT0_DBM_HZ = -174.0  # thermal noise density k T0, T0 = 290 K (ITU-R P.372; ITU-R SM.337)
CRITERION_DB = -6.0  # I/N protection criterion for radiodetermination (ITU-R M.1461, M.1464)
SAFETY_CRITERION_DB = -10.0  # safety-of-life services (RR No. 4.10; ITU-R M.1849): agreement clause
# Emission mask for FDR (ITU-R SM.337 §2 concept): flat across the necessary bandwidth BN,
# then the generic out-of-band limit 40 log10(F/50 + 1) dBsd, F = offset from the band edge
# in % of BN (ITU-R SM.1541 generic limit), out to the out-of-band / spurious boundary at
# 250 % of BN from the centre (RR Appendix 3; ITU-R SM.329, SM.1539). Spurious emissions
# beyond it are each party's SM.329 duty and are not counted (agreement clause): there the
# FDR is its floor, +inf (no coupling).
OOB_REACH_BN = 2.5  # half-width of the out-of-band domain, in necessary bandwidths (SM.1539)
FDR_FLOOR_DB = math.inf  # FDR when the receiver band lies beyond the out-of-band domain
CULL_MARGIN_DB = 80.0  # negligible = N + criterion - 10 log10(n) - this: dropped sum <= 1e-8 thr
AMBIGUOUS_DB = 1e-7  # a slice this close below the criterion is recomputed uncut (> 4.4e-8 dB)


def _nan(x: float | None) -> float:
    return math.nan if x is None else float(x)


@dataclass(frozen=True, slots=True)
class Emission:
    """One emission of one party: a transmitter at a point over a time window.

    Positions in degrees (WGS 84), heights above ground in m, frequency and bandwidth (the
    necessary bandwidth) in MHz, EIRP (peak, main beam) in dBm, azimuth (boresight, clockwise
    from true north) and 3 dB beamwidth in degrees (None: omnidirectional or scanning),
    window [start_s, end_s) in epoch seconds. `reach_m`: the transmitter may be anywhere
    within this distance of the point (a notice that declares an area, not a site), so every
    distance is taken from the nearest such place: the worst case for the receiver.
    """

    id: str
    lon: float
    lat: float
    height_m: float
    freq_mhz: float
    bw_mhz: float
    eirp_dbm: float
    start_s: float
    end_s: float
    azimuth_deg: float | None = None
    beamwidth_deg: float | None = None
    reach_m: float = 0.0


@dataclass(frozen=True, slots=True)
class ProtectedReceiver:
    """A receiver a party protects: where, its antenna, its band, its noise and criterion.

    Noise: `noise_dbm` if given, else -174 dBm/Hz + 10 log10(B) + `noise_figure_db`.
    Criterion (I/N, dB): `criterion_db` if given, else -10 dB for `safety_of_life`, else -6 dB.
    """

    id: str
    lon: float
    lat: float
    height_m: float
    gain_dbi: float
    freq_mhz: float
    bw_mhz: float
    noise_figure_db: float | None = None
    noise_dbm: float | None = None
    criterion_db: float | None = None
    safety_of_life: bool = False
    azimuth_deg: float | None = None
    beamwidth_deg: float | None = None

    def resolved_noise_dbm(self) -> float:
        """N in dBm."""
        if self.noise_dbm is not None:
            return float(self.noise_dbm)
        if self.noise_figure_db is None:
            raise ValueError(f"receiver {self.id}: give noise_dbm or noise_figure_db")
        return float(noise_dbm(self.bw_mhz, self.noise_figure_db))

    def resolved_criterion_db(self) -> float:
        """The I/N criterion in dB."""
        if self.criterion_db is not None:
            return float(self.criterion_db)
        return SAFETY_CRITERION_DB if self.safety_of_life else CRITERION_DB


def noise_dbm(bw_mhz: ArrayLike, noise_figure_db: ArrayLike) -> Floats:
    """Receiver noise N = k T0 B F: -174 dBm/Hz + 10 log10(B / Hz) + NF (ITU-R P.372)."""
    return (
        KT0_DBM_HZ
        + 10.0 * np.log10(np.asarray(bw_mhz, dtype=float) * 1e6)
        + np.asarray(noise_figure_db, dtype=float)
    )


@dataclass(frozen=True)
class Emitters:
    """Emissions as arrays (one entry per emission), for the vectorised detector."""

    ids: tuple[str, ...]
    lon: Floats
    lat: Floats
    height_m: Floats
    freq_mhz: Floats
    bw_mhz: Floats
    eirp_dbm: Floats
    azimuth_deg: Floats  # NaN: omnidirectional
    beamwidth_deg: Floats
    start_s: Floats
    end_s: Floats
    reach_m: Floats

    @classmethod
    def from_items(cls, items: Iterable[Emission]) -> Emitters:
        """Arrays from per-emission records."""
        it = list(items)

        def col(name: str) -> Floats:
            return np.array([_nan(getattr(e, name)) for e in it], dtype=float)

        out = cls(
            ids=tuple(e.id for e in it),
            **{n: col(n) for n in _EMITTER_COLUMNS},
        )
        if np.any(out.bw_mhz <= 0) or np.any(out.freq_mhz <= 0):
            raise ValueError("emission frequencies and bandwidths must be > 0")
        return out

    def __len__(self) -> int:
        return len(self.ids)

    def item(self, i: int) -> Emission:
        """Emission `i` as a record (the reference loop's input)."""
        az, bw = float(self.azimuth_deg[i]), float(self.beamwidth_deg[i])
        return Emission(
            id=self.ids[i],
            lon=float(self.lon[i]),
            lat=float(self.lat[i]),
            height_m=float(self.height_m[i]),
            freq_mhz=float(self.freq_mhz[i]),
            bw_mhz=float(self.bw_mhz[i]),
            eirp_dbm=float(self.eirp_dbm[i]),
            start_s=float(self.start_s[i]),
            end_s=float(self.end_s[i]),
            azimuth_deg=None if math.isnan(az) else az,
            beamwidth_deg=None if math.isnan(bw) else bw,
            reach_m=float(self.reach_m[i]),
        )

    def take(self, idx: ArrayLike) -> Emitters:
        """A subset, in the order of `idx`."""
        ii = np.asarray(idx, dtype=np.intp)
        return Emitters(
            ids=tuple(self.ids[i] for i in ii),
            **{n: getattr(self, n)[ii] for n in _EMITTER_COLUMNS},
        )


_EMITTER_COLUMNS = (
    "lon",
    "lat",
    "height_m",
    "freq_mhz",
    "bw_mhz",
    "eirp_dbm",
    "azimuth_deg",
    "beamwidth_deg",
    "start_s",
    "end_s",
    "reach_m",
)
_RECEIVER_COLUMNS = (
    "lon",
    "lat",
    "height_m",
    "gain_dbi",
    "azimuth_deg",
    "beamwidth_deg",
    "freq_mhz",
    "bw_mhz",
)


@dataclass(frozen=True)
class Receivers:
    """Protected receivers as arrays, noise and criterion resolved."""

    ids: tuple[str, ...]
    lon: Floats
    lat: Floats
    height_m: Floats
    gain_dbi: Floats
    azimuth_deg: Floats  # NaN: omnidirectional
    beamwidth_deg: Floats
    freq_mhz: Floats
    bw_mhz: Floats
    noise_dbm: Floats
    criterion_db: Floats

    @classmethod
    def from_items(cls, items: Iterable[ProtectedReceiver]) -> Receivers:
        """Arrays from per-receiver records (ids must be unique)."""
        it = list(items)
        ids = tuple(r.id for r in it)
        if len(set(ids)) != len(ids):
            raise ValueError("receiver ids must be unique")
        cols = {
            n: np.array([_nan(getattr(r, n)) for r in it], dtype=float) for n in _RECEIVER_COLUMNS
        }
        if np.any(cols["bw_mhz"] <= 0) or np.any(cols["freq_mhz"] <= 0):
            raise ValueError("receiver frequencies and bandwidths must be > 0")
        return cls(
            ids=ids,
            noise_dbm=np.array([r.resolved_noise_dbm() for r in it], dtype=float),
            criterion_db=np.array([r.resolved_criterion_db() for r in it], dtype=float),
            **cols,
        )

    def __len__(self) -> int:
        return len(self.ids)

    def item(self, j: int) -> ProtectedReceiver:
        """Receiver `j` as a record (noise and criterion given explicitly)."""
        az, bw = float(self.azimuth_deg[j]), float(self.beamwidth_deg[j])
        return ProtectedReceiver(
            id=self.ids[j],
            lon=float(self.lon[j]),
            lat=float(self.lat[j]),
            height_m=float(self.height_m[j]),
            gain_dbi=float(self.gain_dbi[j]),
            freq_mhz=float(self.freq_mhz[j]),
            bw_mhz=float(self.bw_mhz[j]),
            noise_dbm=float(self.noise_dbm[j]),
            criterion_db=float(self.criterion_db[j]),
            azimuth_deg=None if math.isnan(az) else az,
            beamwidth_deg=None if math.isnan(bw) else bw,
        )


@dataclass(frozen=True, slots=True)
class DetectConfig:
    """The agreement's modelling choices."""

    propagation: PropagationConfig = field(default_factory=PropagationConfig)
    front_to_back_db: float = FRONT_TO_BACK_DB
    cull_margin_db: float = CULL_MARGIN_DB


@dataclass(frozen=True, slots=True)
class Contribution:
    """One emission's part in a slice's aggregate: its level (dBm) and share (0-1) of it."""

    emitter_id: str
    i_dbm: float
    share: float


@dataclass(frozen=True, slots=True)
class Conflict:
    """A time slice in which a receiver's aggregate I/N exceeds its criterion.

    `contributors`: every non-negligible emission active in the slice, largest first."""

    receiver_id: str
    start_s: float
    end_s: float
    i_dbm: float
    n_dbm: float
    i_n_db: float
    criterion_db: float
    contributors: tuple[Contribution, ...]

    @property
    def threshold_dbm(self) -> float:
        """The largest aggregate the receiver accepts: N + criterion."""
        return self.n_dbm + self.criterion_db


@dataclass(frozen=True)
class Timeline:
    """A receiver's I/N over the interval, slice by slice (-inf where nothing is heard)."""

    receiver_id: str
    starts: Floats
    ends: Floats
    i_n_db: Floats
    n_dbm: float
    criterion_db: float


@dataclass(frozen=True)
class Result:
    """Conflicts (by receiver, then time) and every receiver's timeline (by receiver id)."""

    conflicts: list[Conflict]
    timelines: dict[str, Timeline]
    pairs_coupled: int = 0  # emitter-receiver pairs with spectral coupling
    pairs_evaluated: int = 0  # of those, pairs whose full level was computed
    pairs_significant: int = 0  # of those, pairs above the negligible level


# ---------------------------------------------------------------- building blocks (vectorised)


def coupled_fraction(
    e_freq_mhz: ArrayLike, e_bw_mhz: ArrayLike, r_freq_mhz: ArrayLike, r_bw_mhz: ArrayLike
) -> Floats:
    """The part of an emission's power inside a receiver band, per the mask above, at most 1.

    In-band: overlap / BN (flat spectrum). Out-of-band (each side): the integral of
    (1 + 2u)^-4 over the offsets u (in BN, from the band edge, 0 <= u <= 2) inside the receiver
    band, i.e. ((1 + 2 u1)^-3 - (1 + 2 u2)^-3) / 6. Receiver passband rectangular (SM.337)."""
    fe, be, fr, br = (
        np.asarray(v, dtype=float) for v in (e_freq_mhz, e_bw_mhz, r_freq_mhz, r_bw_mhz)
    )
    lo_e, hi_e = fe - be / 2.0, fe + be / 2.0
    a, b = fr - br / 2.0, fr + br / 2.0
    inband = np.clip(np.minimum(b, hi_e) - np.maximum(a, lo_e), 0.0, None) / be
    reach = (OOB_REACH_BN - 0.5) * be  # the out-of-band domain beyond each edge: 2 BN

    def tail(x1: Floats, x2: Floats) -> Floats:
        u1 = np.clip(x1, 0.0, reach) / be
        u2 = np.clip(x2, 0.0, reach) / be
        return ((1.0 + 2.0 * u1) ** -3 - (1.0 + 2.0 * u2) ** -3) / 6.0

    upper = tail(a - hi_e, b - hi_e)
    lower = tail(lo_e - b, lo_e - a)
    return np.minimum(inband + upper + lower, 1.0)


def fdr_db(
    e_freq_mhz: ArrayLike, e_bw_mhz: ArrayLike, r_freq_mhz: ArrayLike, r_bw_mhz: ArrayLike
) -> Floats:
    """Frequency-dependent rejection, dB (>= 0; +inf, the floor, without coupling): for a
    receiver band inside the emission band, 10 log10(BN / overlap)."""
    p = coupled_fraction(e_freq_mhz, e_bw_mhz, r_freq_mhz, r_bw_mhz)
    with np.errstate(divide="ignore"):
        return np.where(p > 0, -10.0 * np.log10(np.maximum(p, 1e-300)), FDR_FLOOR_DB)


def great_circle(
    lon1: ArrayLike, lat1: ArrayLike, lon2: ArrayLike, lat2: ArrayLike
) -> tuple[Floats, Floats, Floats]:
    """Distance (m, haversine on the IUGG mean sphere) and the initial bearings 1->2 and 2->1
    (degrees from north). Within 0.5 % of the WGS 84 geodesic: < 0.05 dB of path loss."""
    p1, p2 = np.radians(np.asarray(lat1, dtype=float)), np.radians(np.asarray(lat2, dtype=float))
    dl = np.radians(np.asarray(lon2, dtype=float) - np.asarray(lon1, dtype=float))
    c1, c2, s1, s2 = np.cos(p1), np.cos(p2), np.sin(p1), np.sin(p2)
    sdl, cdl = np.sin(dl), np.cos(dl)
    h = np.sin((p2 - p1) / 2.0) ** 2 + c1 * c2 * np.sin(dl / 2.0) ** 2
    dist = 2.0 * MEAN_RADIUS_M * np.arcsin(np.sqrt(np.clip(h, 0.0, 1.0)))
    az12 = np.degrees(np.arctan2(sdl * c2, c1 * s2 - s1 * c2 * cdl)) % 360.0
    az21 = np.degrees(np.arctan2(-sdl * c1, c2 * s1 - s2 * c1 * cdl)) % 360.0
    return dist, az12, az21


def pair_levels_dbm(
    emitters: Emitters, receivers: Receivers, ei: ArrayLike, ri: ArrayLike, config: DetectConfig
) -> tuple[Floats, Floats]:
    """Interference level (dBm) and FDR (dB) of each pair (emitters[ei], receivers[ri])."""
    e, r = np.asarray(ei, dtype=np.intp), np.asarray(ri, dtype=np.intp)
    fdr = fdr_db(
        emitters.freq_mhz[e], emitters.bw_mhz[e], receivers.freq_mhz[r], receivers.bw_mhz[r]
    )
    dist, az_er, az_re = great_circle(
        emitters.lon[e], emitters.lat[e], receivers.lon[r], receivers.lat[r]
    )
    dist = np.maximum(dist - emitters.reach_m[e], 0.0)
    return _levels(emitters, receivers, e, r, fdr, dist, az_er, az_re, config), fdr


def _levels(
    emitters: Emitters,
    receivers: Receivers,
    e: Ints,
    r: Ints,
    fdr: Floats,
    dist: Floats,
    az_er: Floats,
    az_re: Floats,
    config: DetectConfig,
) -> Floats:
    """I = EIRP - L - D_tx + G_rx - D_rx - FDR (dBm) for pairs whose geometry is known."""
    loss = path_loss_db(
        dist, emitters.height_m[e], receivers.height_m[r], emitters.freq_mhz[e], config.propagation
    )
    d_tx = discrimination_db(
        az_er, emitters.azimuth_deg[e], emitters.beamwidth_deg[e], config.front_to_back_db
    )
    d_rx = discrimination_db(
        az_re, receivers.azimuth_deg[r], receivers.beamwidth_deg[r], config.front_to_back_db
    )
    return emitters.eirp_dbm[e] - loss - d_tx + receivers.gain_dbi[r] - d_rx - fdr


def spectral_pairs(
    emitters: Emitters, receivers: Receivers, active: ArrayLike | None = None
) -> tuple[Ints, Ints]:
    """Every (receiver, emitter) index pair whose receiver band meets the emission's
    out-of-band domain (|fe - fr| < br/2 + 2.5 BN), sorted by receiver then emitter; the
    rest contribute nothing. Emitters are bucketed by bandwidth octave and sorted by
    frequency, so each receiver only scans the emitters near its band."""
    idx_all = np.arange(len(emitters)) if active is None else np.asarray(active, dtype=np.intp)
    if len(idx_all) == 0 or len(receivers) == 0:
        return np.empty(0, np.intp), np.empty(0, np.intp)
    fe, be = emitters.freq_mhz, emitters.bw_mhz
    fr, br = receivers.freq_mhz, receivers.bw_mhz
    octave = np.floor(np.log2(be[idx_all])).astype(np.int64)
    ris, eis = [], []
    nr = len(receivers)
    for g in np.unique(octave):
        idx = idx_all[octave == g]
        order = idx[np.argsort(fe[idx], kind="stable")]
        fs = fe[order]
        reach = OOB_REACH_BN * float(be[order].max())
        lo = np.searchsorted(fs, fr - br / 2.0 - reach, "left")
        hi = np.searchsorted(fs, fr + br / 2.0 + reach, "right")
        counts = hi - lo
        total = int(counts.sum())
        if total == 0:
            continue
        ri = np.repeat(np.arange(nr, dtype=np.intp), counts)
        starts = np.cumsum(counts) - counts
        pos = np.arange(total, dtype=np.intp) - np.repeat(starts - lo, counts)
        ei = order[pos]
        keep = np.abs(fe[ei] - fr[ri]) < br[ri] / 2.0 + OOB_REACH_BN * be[ei]
        ris.append(ri[keep])
        eis.append(ei[keep])
    if not ris:
        return np.empty(0, np.intp), np.empty(0, np.intp)
    ri, ei = np.concatenate(ris), np.concatenate(eis)
    o = np.lexsort((ei, ri))
    return ri[o], ei[o]


def active_in(emitters: Emitters, t0: float, t1: float) -> Ints:
    """Indices of emissions whose window meets [t0, t1)."""
    return np.nonzero(
        (emitters.start_s < t1) & (emitters.end_s > t0) & (emitters.end_s > emitters.start_s)
    )[0]


def negligible_dbm(receivers: Receivers, n_emitters: int, margin_db: float) -> Floats:
    """Per receiver, the level below which a pair is dropped (see the module docstring)."""
    return (
        receivers.noise_dbm
        + receivers.criterion_db
        - 10.0 * math.log10(max(n_emitters, 1))
        - margin_db
    )


# ---------------------------------------------------------------- the detector


def detect(
    emitters: Emitters,
    receivers: Receivers,
    t0: float,
    t1: float,
    config: DetectConfig | None = None,
) -> Result:
    """Conflicts and I/N timelines of every receiver over [t0, t1) (epoch seconds)."""
    cfg = config or DetectConfig()
    active = active_in(emitters, t0, t1)
    negl = negligible_dbm(receivers, len(active), cfg.cull_margin_db)
    ri, ei = spectral_pairs(emitters, receivers, active)
    n_coupled = len(ri)
    fdr = fdr_db(
        emitters.freq_mhz[ei], emitters.bw_mhz[ei], receivers.freq_mhz[ri], receivers.bw_mhz[ri]
    )
    ok = np.isfinite(fdr)
    ri, ei, fdr = ri[ok], ei[ok], fdr[ok]
    dist, az_er, az_re = great_circle(
        emitters.lon[ei], emitters.lat[ei], receivers.lon[ri], receivers.lat[ri]
    )
    dist = np.maximum(dist - emitters.reach_m[ei], 0.0)  # an area: its nearest place
    # Free-space upper bound (loss >= FSPL, discriminations >= 0): drop what cannot matter.
    bound = (
        emitters.eirp_dbm[ei] - fspl_db(dist, emitters.freq_mhz[ei]) + receivers.gain_dbi[ri] - fdr
    )
    ok = bound >= negl[ri]
    ri, ei, fdr, dist, az_er, az_re = ri[ok], ei[ok], fdr[ok], dist[ok], az_er[ok], az_re[ok]
    n_eval = len(ri)
    level = _levels(emitters, receivers, ei, ri, fdr, dist, az_er, az_re, cfg)
    ok = level >= negl[ri]
    ri, ei, level = ri[ok], ei[ok], level[ok]

    conflicts: list[Conflict] = []
    timelines: dict[str, Timeline] = {}
    bounds = np.searchsorted(ri, np.arange(len(receivers) + 1))
    starts = np.clip(emitters.start_s, t0, t1)
    ends = np.clip(emitters.end_s, t0, t1)
    for j in range(len(receivers)):
        lo, hi = bounds[j], bounds[j + 1]
        _receiver_slices(
            emitters,
            receivers,
            j,
            ei[lo:hi],
            level[lo:hi],
            starts,
            ends,
            t0,
            t1,
            cfg,
            conflicts,
            timelines,
        )
    return Result(
        conflicts=conflicts,
        timelines=timelines,
        pairs_coupled=n_coupled,
        pairs_evaluated=n_eval,
        pairs_significant=len(ri),
    )


def _receiver_slices(
    emitters: Emitters,
    receivers: Receivers,
    j: int,
    e: Ints,
    level: Floats,
    starts_all: Floats,
    ends_all: Floats,
    t0: float,
    t1: float,
    cfg: DetectConfig,
    conflicts: list[Conflict],
    timelines: dict[str, Timeline],
) -> None:
    """One receiver: slices, aggregate per slice (linear sum), conflicts, timeline."""
    rid = receivers.ids[j]
    n = float(receivers.noise_dbm[j])
    crit = float(receivers.criterion_db[j])
    s, en = starts_all[e], ends_all[e]
    edges = np.unique(np.concatenate(([t0, t1], s, en)))
    a, b = edges[:-1], edges[1:]
    on = (s[:, None] <= a[None, :]) & (en[:, None] >= b[None, :])  # active through the slice
    lin = 10.0 ** (level / 10.0)
    agg = lin @ on if len(e) else np.zeros(len(a))
    with np.errstate(divide="ignore"):
        i_dbm = 10.0 * np.log10(agg)
    i_n = i_dbm - n
    # Verdicts the cull could flip (or rounding could): recompute those slices uncut.
    amb = np.nonzero((i_n > crit - AMBIGUOUS_DB) & (i_n <= crit + 1e-9))[0]
    if len(amb):
        from interlock.spectrum.reference import slice_level_dbm

        rx = receivers.item(j)
        items = [emitters.item(i) for i in range(len(emitters))]
        for k in amb:
            i_dbm[k] = slice_level_dbm(items, rx, float(a[k]), float(b[k]), t0, t1, cfg)
            i_n[k] = i_dbm[k] - n
    timelines[rid] = Timeline(rid, a, b, i_n, n, crit)
    hot = np.nonzero(i_n > crit)[0]
    if not len(hot):
        return
    order = np.argsort(-level, kind="stable")
    ids = emitters.ids
    for k in hot:
        sel = order[on[order, k]]
        tot = float(agg[k]) if agg[k] > 0 else 1.0
        contrib = tuple(
            Contribution(ids[int(e[q])], float(level[q]), float(lin[q] / tot)) for q in sel
        )
        conflicts.append(
            Conflict(
                rid, float(a[k]), float(b[k]), float(i_dbm[k]), n, float(i_n[k]), crit, contrib
            )
        )


def detect_items(
    emissions: Sequence[Emission],
    receivers: Sequence[ProtectedReceiver],
    t0: float,
    t1: float,
    config: DetectConfig | None = None,
) -> Result:
    """`detect` from per-item records."""
    return detect(Emitters.from_items(emissions), Receivers.from_items(receivers), t0, t1, config)
