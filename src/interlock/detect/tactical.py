"""Tactical detection: live tracks that will lose separation within a short lookahead.

Pure core (numpy, shapely; no I/O). The steps of one scan:

1. ``TrackStates``: the latest state of every track as numpy arrays.
2. ``project``: one local metric frame for the whole scan (an azimuthal equidistant frame,
   ``geo.frame.LocalFrame``, centred on the tracks' mean position), every track carried to
   a common time with constant ground velocity (and constant vertical rate for aircraft).
   Velocities are mapped into the frame with the projection's own Jacobian (analytic, from
   the projection's sines and cosines), so a course keeps its meaning far from the frame
   centre and near the poles (meridians converge in the frame).
3. A broad phase (``broadphase.candidate_pairs``: a sweep over swept boxes in strips) and the
   narrow phase here (``narrow``): closest approach and the loss-of-separation test.
   ``scan_bruteforce`` checks every pair (O(N^2), chunked numpy) and is the test oracle
   and the benchmark's reference: ``scan`` finds exactly its conflict pairs.

Frame error. One frame per scan keeps the broad phase and the narrow phase in the same
coordinates (so the grid finds exactly the brute-force pairs) and costs one projection per
scan. ``LocalFrame`` is spherical; the scan frame rescales its x and y so that it is true to
the ellipsoid at its centre (``scan_frame``). Away from the centre the azimuthal scale
grows as c / sin c ~ 1 + c^2 / 6 (c = distance from the centre / earth radius) and the
ellipsoid's radii drift by ~0.011 % per degree of latitude. Measured against
``Geod.inv`` for 5 NM pairs in every orientation (lat 35 and 70): 100 km from the centre
<= 0.016 % (1.4 m), 300 km <= 0.054 % (5 m), 1,000 km <= 0.46 % (43 m; the far corner
of an eastern-Mediterranean scan). Over a 300 s / 30 min lookahead the tracks move <= 80 km
/ 60 km, and a straight line in the frame departs from the geodesic by metres over that;
the tests measure all of it against dense geodesic sampling. Scans wider than a few hundred
km that need the minima to the metre should be split into regional frames (overlapping by
the largest swept box): a later step.

Rules (the agreement's [tactical] minima; exactly at a minimum is separated, compared
through the agreement's ``MINIMUM_TOLERANCE_M`` like every other detector):
- air: a conflict when, at some time in [0, lookahead], the horizontal distance is below
  ``h_min`` AND the vertical distance below ``v_min`` (5 NM / 1000 ft / 300 s). The two
  minima may be infringed at different times: the times where horizontal < H (a quadratic
  in t) are intersected with those where |dz| < V (linear in t) and with [0, T], as in
  BlueSky's state-based conflict detection. A track without altitude is treated as at the
  same altitude as any other (conservative).
- sea: horizontal only, CPA < 2 NM within TCPA 30 min (as chart plotters alarm).
- mixed air/sea pairs are not checked: an aircraft and a ship are separated by altitude in
  practice; low flying over shipping is a matter for declared notices (strategic).
- two tracks owned by the same party are not a conflict (each party deconflicts its own);
  observed tracks (no owner) are checked against everything.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import numpy as np
import shapely
from shapely.geometry import LineString, Point, Polygon

from ..geo.earth import WGS84_A_M, WGS84_E2, radii_of_curvature
from ..geo.frame import LocalFrame, centre_of
from ..geo.units import KT_IN_MPS, M_PER_FT
from ..model.agreement import MINIMUM_TOLERANCE_M, TACTICAL_AIR, TACTICAL_SEA, TacticalMinima
from ..model.track import TrackReport
from .broadphase import candidate_pairs

AIR, SEA = 0, 1
DOMAIN_CODE = {"air": AIR, "sea": SEA}
FPM_IN_MPS = M_PER_FT / 60.0
# The minima are the agreement's ([tactical]); these defaults are its defaults.
Minima = TacticalMinima
AIR_MINIMA, SEA_MINIMA = TACTICAL_AIR, TACTICAL_SEA


@dataclass(frozen=True)
class TrackStates:
    """Latest states of N tracks as arrays (degrees, ft, kt, deg true, fpm, epoch s)."""

    ids: np.ndarray  # object array of track ids
    lon: np.ndarray
    lat: np.ndarray
    alt_ft: np.ndarray  # NaN: unknown (ships)
    speed_kt: np.ndarray
    course_deg: np.ndarray
    vrate_fpm: np.ndarray  # 0 where unknown
    time: np.ndarray  # epoch seconds of each state
    domain: np.ndarray  # int8: AIR or SEA
    owner: np.ndarray  # int32 code into ``owners``; -1: observed (no owner)
    owners: tuple[str, ...] = ()

    def __len__(self) -> int:
        return int(self.lon.size)

    @classmethod
    def from_reports(cls, reports: Iterable[TrackReport]) -> TrackStates:
        """States from reports that have a position (speed/course missing: stationary)."""
        rs = [r for r in reports if r.has_position]
        owners = tuple(sorted({r.owner for r in rs if r.owner is not None}))
        code = {o: k for k, o in enumerate(owners)}

        def col(values: Iterable[float | None], default: float) -> np.ndarray:
            return np.array([default if v is None else v for v in values], dtype=float)

        return cls(
            ids=np.array([r.track_id for r in rs], dtype=object),
            lon=col((r.lon for r in rs), math.nan),
            lat=col((r.lat for r in rs), math.nan),
            alt_ft=col((r.alt_ft for r in rs), math.nan),
            speed_kt=col((r.speed_kt for r in rs), 0.0),
            course_deg=col((r.course_deg for r in rs), 0.0),
            vrate_fpm=col((r.vertical_rate_fpm for r in rs), 0.0),
            time=np.array([r.time.timestamp() for r in rs], dtype=float),
            domain=np.array([DOMAIN_CODE[r.domain] for r in rs], dtype=np.int8),
            owner=np.array([-1 if r.owner is None else code[r.owner] for r in rs], np.int32),
            owners=owners,
        )


@dataclass(frozen=True)
class Kinematics:
    """Tracks in one local frame at one time: metres and metres per second."""

    frame: LocalFrame
    t0: float  # epoch seconds all positions refer to
    x: np.ndarray
    y: np.ndarray
    z: np.ndarray  # NaN: unknown altitude
    vx: np.ndarray
    vy: np.ndarray
    vz: np.ndarray
    domain: np.ndarray
    owner: np.ndarray


def scan_frame(frame: LocalFrame) -> tuple[float, float]:
    """Scales (sx, sy) that make the frame true to the ellipsoid at its centre.

    ``LocalFrame`` is spherical with the Gaussian radius sqrt(M N); one metre east on the
    ellipsoid is R / N frame metres and one metre north R / M (+-0.2 % at 35 deg). Scaling
    x by N / R and y by M / R makes the scan frame isometric at its centre, so the error
    left is the second-order one given in the module docstring.
    """
    m0, n0 = radii_of_curvature(frame.lat0)
    return n0 / frame.radius_m, m0 / frame.radius_m


def to_scan(
    k: Kinematics | LocalFrame, lon: np.ndarray, lat: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """lon/lat -> the scan frame's x/y metres (for polygons of declared volumes)."""
    frame = k.frame if isinstance(k, Kinematics) else k
    sx, sy = scan_frame(frame)
    x, y = frame.forward(np.asarray(lon, float), np.asarray(lat, float))
    return x * sx, y * sy


def _forward_with_jacobian(
    frame: LocalFrame, lon: np.ndarray, lat: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Scan-frame x, y of lon/lat and the images of one ground metre east and north.

    x, y: ``LocalFrame.forward``'s operations in its order (the same bits as ``to_scan``),
    so tracks and declared volumes share the frame. The Jacobian is analytic, from the same
    sines and cosines: one projection's trigonometry instead of three (the finite
    differences it replaces cost ~2 ms at 10 k tracks and were good to ~1e-7 only).
    With A = cos(phi) sin(lam), B = cos0 sin(phi) - sin0 cos(phi) cos(lam), C = cos(c),
    S = hypot(A, B) = sin(c), g = c / S: (x, y) = R g (A, B), so per unit angle d,
    d(x, y) = R (g' c_d (A, B) + g (A_d, B_d)), c_d = C S_d - S C_d, S_d = (A A_d + B B_d) / S
    and g' = (S - c C) / S^2 (series near the centre, where it cancels). East is taken per
    radian of ground arc (cos(phi) d lam, no division at the poles), north per d phi; over
    the ellipsoid's radii N and M that is per metre.
    """
    sx, sy = scan_frame(frame)
    phi0 = math.radians(frame.lat0)
    sin0, cos0 = math.sin(phi0), math.cos(phi0)
    lam = np.radians(np.asarray(lon, dtype=float) - frame.lon0)
    phi = np.radians(np.asarray(lat, dtype=float))
    sphi, cphi = np.sin(phi), np.cos(phi)
    slam, clam = np.sin(lam), np.cos(lam)
    a = cphi * slam
    b = cos0 * sphi - sin0 * cphi * clam
    sin_c = np.hypot(a, b)
    cos_c = sin0 * sphi + cos0 * cphi * clam
    c = np.arctan2(sin_c, cos_c)
    safe_s = np.maximum(sin_c, 1e-300)
    k = frame.radius_m * c / safe_s
    x, y = k * a, k * b
    # g'(c): exact form where it does not cancel, its series (c/3 + 7c^3/90) near the centre
    # g = c / S and g'(c) = (S - c C) / S^2: their series (1 + c^2/6, c/3 + 7c^3/90) near the
    # centre, where the forms cancel (and k above is 0 at the centre itself)
    near = sin_c < 1e-3
    far_s = np.maximum(sin_c, 1e-3)
    c2 = c * c
    g = np.where(near, 1.0 + c2 * (1.0 / 6.0), c / far_s)
    dg = np.where(near, c * (1.0 / 3.0 + c2 * (7.0 / 90.0)), (sin_c - c * cos_c) / (far_s * far_s))
    # derivatives of A, B, C per radian east (cos(phi) d lam) and north (d phi)
    a_e, b_e, c_e = clam, sin0 * slam, -cos0 * slam
    a_n = -sphi * slam
    b_n = cos0 * cphi + sin0 * sphi * clam
    c_n = sin0 * cphi - cos0 * sphi * clam
    inv_s = 1.0 / safe_s
    s2 = sphi * sphi
    w = 1.0 - WGS84_E2 * s2
    m_rad, n_rad = WGS84_A_M * (1.0 - WGS84_E2) / (w * np.sqrt(w)), WGS84_A_M / np.sqrt(w)
    out = []
    for ad, bd, cd, radius in ((a_e, b_e, c_e, n_rad), (a_n, b_n, c_n, m_rad)):
        s_d = (a * ad + b * bd) * inv_s
        gd = dg * (cos_c * s_d - sin_c * cd)
        scale = frame.radius_m / radius
        out += [(gd * a + g * ad) * (sx * scale), (gd * b + g * bd) * (sy * scale)]
    je_x, je_y, jn_x, jn_y = out
    return x * sx, y * sy, je_x, je_y, jn_x, jn_y


def project(states: TrackStates, t0: float, frame: LocalFrame | None = None) -> Kinematics:
    """All tracks in one frame (default: centred on their mean position) at time ``t0``."""
    if frame is None:
        frame = LocalFrame(*centre_of(states.lon, states.lat)) if len(states) else LocalFrame(0, 0)
    x, y, je_x, je_y, jn_x, jn_y = _forward_with_jacobian(frame, states.lon, states.lat)
    v = states.speed_kt * KT_IN_MPS
    crs = np.radians(states.course_deg)
    ve, vn = v * np.sin(crs), v * np.cos(crs)
    vx = je_x * ve + jn_x * vn
    vy = je_y * ve + jn_y * vn
    vz = np.where(states.domain == AIR, states.vrate_fpm * FPM_IN_MPS, 0.0)
    z = states.alt_ft * M_PER_FT
    dt = t0 - states.time
    return Kinematics(
        frame=frame,
        t0=t0,
        x=x + vx * dt,
        y=y + vy * dt,
        z=z + vz * dt,
        vx=vx,
        vy=vy,
        vz=vz,
        domain=states.domain,
        owner=states.owner,
    )


@dataclass(frozen=True)
class Encounters:
    """Pairs (i < j) with closest approach and the loss-of-separation interval."""

    i: np.ndarray
    j: np.ndarray
    tcpa_s: np.ndarray  # time of closest horizontal approach, clamped to [0, lookahead]
    dcpa_m: np.ndarray  # horizontal distance at tcpa
    dz_cpa_m: np.ndarray  # vertical distance at tcpa (NaN: sea, or altitude unknown)
    t_in_s: np.ndarray  # loss of separation starts (>= 0) ...
    t_out_s: np.ndarray  # ... and ends (<= lookahead)

    def __len__(self) -> int:
        return int(self.i.size)

    def pairs(self) -> set[tuple[int, int]]:
        return set(zip(self.i.tolist(), self.j.tolist(), strict=True))

    @staticmethod
    def concat(parts: Sequence[Encounters]) -> Encounters:
        if not parts:
            e = np.empty(0)
            k = np.empty(0, dtype=np.int64)
            return Encounters(k, k, e, e, e, e, e)
        return Encounters(
            *(np.concatenate([getattr(p, f) for p in parts]) for f in Encounters._fields())
        )

    @staticmethod
    def _fields() -> tuple[str, ...]:
        return ("i", "j", "tcpa_s", "dcpa_m", "dz_cpa_m", "t_in_s", "t_out_s")

    def sorted(self) -> Encounters:
        order = np.lexsort((self.j, self.i))
        return Encounters(*(getattr(self, f)[order] for f in Encounters._fields()))


def los_interval(
    dx: np.ndarray,
    dy: np.ndarray,
    dz: np.ndarray,
    dvx: np.ndarray,
    dvy: np.ndarray,
    dvz: np.ndarray,
    m: Minima,
) -> tuple[np.ndarray, np.ndarray]:
    """Start and end of loss of separation within [0, T] (conflict where start < end).

    Relative position d + w t. Horizontal: |d + w t|^2 < H^2, i.e. a t^2 + 2 b t + c < 0
    with a = |w|^2, b = d.w, c = |d|^2 - H^2. Vertical: |dz + dvz t| < V. NaN dz (an
    altitude unknown) never limits; V = inf (sea) neither. H and V are the minima less
    the agreement's tolerance: exactly at a minimum is separated.
    """
    h = m.horizontal_m - MINIMUM_TOLERANCE_M
    h2 = h * h
    a = dvx * dvx + dvy * dvy
    b = dx * dvx + dy * dvy
    c = dx * dx + dy * dy - h2
    with np.errstate(divide="ignore", invalid="ignore"):
        disc = b * b - a * c
        root = np.sqrt(np.maximum(disc, 0.0))
        moving = a > 0.0
        inside_now = c < 0.0
        t1 = np.where(moving, (-b - root) / np.where(moving, a, 1.0), -np.inf)
        t2 = np.where(moving, (-b + root) / np.where(moving, a, 1.0), np.inf)
        h_ok = np.where(moving, disc > 0.0, inside_now)
        lo = np.maximum(t1, 0.0)
        hi = np.minimum(t2, m.lookahead_s)
        if math.isfinite(m.vertical_m):
            v = m.vertical_m - MINIMUM_TOLERANCE_M
            climbing = dvz != 0.0
            safe_dvz = np.where(climbing, dvz, 1.0)
            za = (-v - dz) / safe_dvz
            zb = (v - dz) / safe_dvz
            known = np.isfinite(dz)
            level_in = np.abs(dz) < v
            z_lo = np.where(known & climbing, np.minimum(za, zb), -np.inf)
            z_hi = np.where(known & climbing, np.maximum(za, zb), np.inf)
            z_ok = ~known | climbing | level_in
            lo = np.maximum(lo, z_lo)
            hi = np.minimum(hi, z_hi)
            h_ok &= z_ok
    lo = np.where(h_ok, lo, np.inf)
    hi = np.where(h_ok, hi, -np.inf)
    return lo, hi


def narrow(k: Kinematics, i: np.ndarray, j: np.ndarray, m: Minima) -> Encounters:
    """The conflicts among candidate pairs (i, j) of one domain (same-owner pairs dropped)."""
    dx, dy = k.x[j] - k.x[i], k.y[j] - k.y[i]
    dvx, dvy = k.vx[j] - k.vx[i], k.vy[j] - k.vy[i]
    # Accelerator only: drop pairs whose closest horizontal approach in [0, T] is clearly
    # beyond H (slack 1e-9 relative + 1 m^2 over round-off); los_interval decides the rest.
    _, dcpa = cpa(dx, dy, dvx, dvy, m.lookahead_s)
    h2 = m.horizontal_m * m.horizontal_m
    keep = dcpa * dcpa < h2 * (1.0 + 1e-9) + 1.0
    i, j = i[keep], j[keep]
    keep = (k.owner[i] < 0) | (k.owner[i] != k.owner[j])
    i, j = i[keep], j[keep]
    dx, dy = k.x[j] - k.x[i], k.y[j] - k.y[i]
    dvx, dvy = k.vx[j] - k.vx[i], k.vy[j] - k.vy[i]
    dz = k.z[j] - k.z[i]
    dvz = k.vz[j] - k.vz[i]
    lo, hi = los_interval(dx, dy, dz, dvx, dvy, dvz, m)
    hit = lo < hi
    i, j = i[hit], j[hit]
    dx, dy, dz, dvx, dvy, dvz = dx[hit], dy[hit], dz[hit], dvx[hit], dvy[hit], dvz[hit]
    tcpa, dcpa = cpa(dx, dy, dvx, dvy, m.lookahead_s)
    dz_cpa = np.abs(dz + dvz * tcpa) if math.isfinite(m.vertical_m) else np.full(i.size, np.nan)
    return Encounters(i, j, tcpa, dcpa, dz_cpa, lo[hit], hi[hit])


def cpa(
    dx: np.ndarray, dy: np.ndarray, dvx: np.ndarray, dvy: np.ndarray, lookahead_s: float
) -> tuple[np.ndarray, np.ndarray]:
    """Time of closest horizontal approach clamped to [0, T] and the distance then.

    Parallel tracks (no relative velocity) have no TCPA: their distance never changes and
    the time is reported as 0 (now). Diverging tracks (TCPA < 0) are closest now: 0.
    """
    a = dvx * dvx + dvy * dvy
    b = dx * dvx + dy * dvy
    with np.errstate(divide="ignore", invalid="ignore"):
        t = np.where(a > 0.0, -b / np.where(a > 0.0, a, 1.0), 0.0)
    t = np.clip(t, 0.0, lookahead_s)
    return t, np.hypot(dx + dvx * t, dy + dvy * t)


def _domain_minima(air: Minima, sea: Minima) -> dict[int, Minima]:
    return {AIR: air, SEA: sea}


def scan(
    k: Kinematics,
    air: Minima = AIR_MINIMA,
    sea: Minima = SEA_MINIMA,
    cell_m: dict[int, float] | None = None,
) -> Encounters:
    """Every conflict pair of a scan through the grid broad phase (``broadphase``)."""
    parts = []
    for dom, m in _domain_minima(air, sea).items():
        idx = np.flatnonzero(k.domain == dom)
        if idx.size < 2:
            continue
        ci, cj = candidate_pairs(k, idx, m, None if cell_m is None else cell_m.get(dom))
        parts.append(narrow(k, ci, cj, m))
    return Encounters.concat(parts).sorted()


def scan_bruteforce(
    k: Kinematics,
    air: Minima = AIR_MINIMA,
    sea: Minima = SEA_MINIMA,
    rows: np.ndarray | None = None,
    chunk_pairs: int = 4_000_000,
) -> Encounters:
    """Every conflict pair by checking all pairs of each domain (O(N^2) numpy, chunked).

    ``rows``: only pairs whose smaller index is in ``rows`` (a subsample for large N).
    """
    parts = []
    for dom, m in _domain_minima(air, sea).items():
        idx = np.flatnonzero(k.domain == dom)
        n = idx.size
        sel = np.arange(n) if rows is None else np.flatnonzero(np.isin(idx, rows))
        step = max(1, chunk_pairs // max(n, 1))
        for s in range(0, sel.size, step):
            r = sel[s : s + step]
            # all (a, b) with a in r, b > a (positions within idx)
            counts = n - 1 - r
            a = np.repeat(r, counts)
            starts = np.cumsum(counts) - counts
            b = np.arange(a.size) - np.repeat(starts, counts) + np.repeat(r + 1, counts)
            if a.size:
                parts.append(narrow(k, idx[a], idx[b], m))
    return Encounters.concat(parts).sorted()


# --- Predicted entry into another party's declared volume -----------------------------


@dataclass(frozen=True)
class DeclaredVolume:
    """A notice of one party as tactical detection sees it: local metres, epoch seconds."""

    party: str
    polygon: Polygon  # in the scan's frame
    lower_m: float = -math.inf  # vertical band (altitude, metres); -inf/inf: any
    upper_m: float = math.inf
    start: float = -math.inf  # active window, epoch seconds
    end: float = math.inf
    ref: str = ""


def entry_time(
    x: float,
    y: float,
    z: float,
    vx: float,
    vy: float,
    vz: float,
    t0: float,
    vol: DeclaredVolume,
    lookahead_s: float,
) -> float | None:
    """Seconds after ``t0`` when the straight extrapolated track is first inside the volume
    (polygon, band and window at once) within the lookahead; 0 if it is inside now; None
    if it is not inside within the lookahead. Unknown altitude (NaN z) is inside any band.
    """
    # Times inside the window and the band: intervals in t.
    lo, hi = max(0.0, vol.start - t0), min(lookahead_s, vol.end - t0)
    if math.isfinite(z):
        if vz != 0.0:
            ta, tb = (vol.lower_m - z) / vz, (vol.upper_m - z) / vz
            lo, hi = max(lo, min(ta, tb)), min(hi, max(ta, tb))
        elif not vol.lower_m <= z <= vol.upper_m:
            return None
    if lo > hi:
        return None
    speed = math.hypot(vx, vy)
    if speed == 0.0:
        return lo if vol.polygon.covers(Point(x, y)) else None
    # Times inside the polygon: the pieces of the path segment over [lo, hi].
    path = LineString([(x + vx * lo, y + vy * lo), (x + vx * hi, y + vy * hi)])
    if hi == lo:
        return lo if vol.polygon.covers(Point(x + vx * lo, y + vy * lo)) else None
    inter = path.intersection(vol.polygon)
    if inter.is_empty:
        return None
    coords = shapely.get_coordinates(inter)
    s = shapely.line_locate_point(path, shapely.points(coords))
    return float(lo + s.min() / speed)


def entries(
    states: TrackStates,
    k: Kinematics,
    volumes: Sequence[DeclaredVolume],
    air: Minima = AIR_MINIMA,
    sea: Minima = SEA_MINIMA,
) -> list[tuple[int, int, float]]:
    """(track index, volume index, seconds to entry) for every track predicted to enter a
    volume of a party other than its owner within its domain's lookahead."""
    out: list[tuple[int, int, float]] = []
    look = np.where(k.domain == AIR, air.lookahead_s, sea.lookahead_s)
    # Swept boxes of the tracks for a cheap prefilter against each polygon's bounds.
    x1, y1 = k.x + k.vx * look, k.y + k.vy * look
    bx0, bx1 = np.minimum(k.x, x1), np.maximum(k.x, x1)
    by0, by1 = np.minimum(k.y, y1), np.maximum(k.y, y1)
    for v_idx, vol in enumerate(volumes):
        px0, py0, px1, py1 = vol.polygon.bounds
        owner_code = states.owners.index(vol.party) if vol.party in states.owners else -2
        cand = np.flatnonzero(
            (bx1 >= px0) & (bx0 <= px1) & (by1 >= py0) & (by0 <= py1) & (k.owner != owner_code)
        )
        for t in cand.tolist():
            e = entry_time(
                float(k.x[t]),
                float(k.y[t]),
                float(k.z[t]),
                float(k.vx[t]),
                float(k.vy[t]),
                float(k.vz[t]),
                k.t0,
                vol,
                float(look[t]),
            )
            if e is not None:
                out.append((t, v_idx, e))
    return out
