"""Broad phase of tactical detection: a sweep along x in strips of y (and altitude bands).

Each track's straight path over the lookahead [0, T] lies in an axis-aligned box of the scan
frame; grown by H/2 on each side horizontally and V/2 vertically (plus 1 m against
round-off), two boxes overlap whenever the tracks come within H horizontally and V
vertically at any one time (per axis |dx| <= |d| < H). So the pairs whose boxes overlap are
a superset of the conflict pairs, and the narrow phase on them finds exactly the pairs the
all-pairs check finds (same pair order i < j, same arithmetic).

Cells are strips: bands of y (about the median box) times altitude bands (2 V), unbounded in
x, because the sweep along x inside a cell already does what cells in x would do, and a box
entered in two x cells would meet its x neighbours twice. Every box is entered into each
cell it covers; the entries are sorted by cell, then by x0 (one float key), and each entry is
paired with the later entries of its cell that begin before its box ends in x (one
``searchsorted``). A pair is reported once, in the cell that holds the minimum corner of the
two boxes' intersection (the "reference point" rule): in that cell, per axis, one of the two
entries is its box's first cell. Each entry carries two bits (first in y, first in z) and the
pairs are generated per class of the later entry with only the earlier entries whose bits
complete it, so the rejected duplicates are never formed. The y and z overlap tests and a
copy of the narrow phase's closest-approach prefilter (with slack) then run on bounded
chunks of pairs, small enough to be recycled by malloc: on the VM, page faults of fresh
large temporaries cost as much as the arithmetic.

Cost grows with the entries (N times the strips and bands per box, ~2-4) plus the
x-overlapping pairs sharing a cell, about N k for k neighbours at the density of the
picture, not N^2. Unknown altitudes span the whole altitude range.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:
    from .tactical import Kinematics, Minima

MARGIN_M = 1.0
# Pairs formed per chunk: keeps each temporary under glibc's 128 KB mmap threshold, so it
# is recycled from the heap instead of being mapped and page-faulted afresh (64 k pairs a
# chunk doubled the time of the real-traffic scan on the VM); ~60 numpy calls a chunk.
CHUNK_PAIRS = 8_192
# Relative slack of the closest-approach filter over the narrow phase's own (1e-9): it
# must never drop a pair the narrow phase keeps (same formula; only the last bits differ).
CPA_SLACK = 1e-6
# Strip height in median box sizes and band height in V: the fastest tried on the
# benchmark's pictures (strips 0.35-2 x, bands 1-3 V).
STRIP, BAND = 1.0, 2.0
# Classes of entries by (first y cell of its box, first altitude band of its box) as bits
# 1 and 2; a pair is reported where the later entry's bits and the earlier's make 3.
_PARTNERS = {3: (0, 1, 2, 3), 2: (1, 3), 1: (2, 3), 0: (3,)}


def swept_boxes(
    k: Kinematics, idx: np.ndarray, m: Minima
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Boxes (x0, x1, y0, y1, z0, z1) of tracks ``idx``, grown by half the minima."""
    t = m.lookahead_s
    x, y, vx, vy = k.x[idx], k.y[idx], k.vx[idx], k.vy[idx]
    hx = 0.5 * m.horizontal_m + MARGIN_M
    xe, ye = x + vx * t, y + vy * t
    x0, x1 = np.minimum(x, xe) - hx, np.maximum(x, xe) + hx
    y0, y1 = np.minimum(y, ye) - hx, np.maximum(y, ye) + hx
    if math.isfinite(m.vertical_m):
        z, vz = k.z[idx], k.vz[idx]
        hz = 0.5 * m.vertical_m + MARGIN_M
        ze = z + vz * t
        z0, z1 = np.minimum(z, ze) - hz, np.maximum(z, ze) + hz
        known = np.isfinite(z0)
        if known.any():
            lo, hi = z0[known].min(), z1[known].max()
        else:
            lo, hi = 0.0, 0.0
        z0 = np.where(known, z0, lo)
        z1 = np.where(known, z1, hi)
    else:
        z0 = z1 = np.zeros(idx.size)
    return x0, x1, y0, y1, z0, z1


def candidate_pairs(
    k: Kinematics,
    idx: np.ndarray,
    m: Minima,
    cell_m: float | None = None,
    approach: bool = True,
) -> tuple[np.ndarray, np.ndarray]:
    """Pairs (i, j), i < j, of tracks ``idx`` whose swept boxes overlap, each once.

    ``approach``: only those whose closest horizontal approach within [0, T] may be within
    H (``approach_mask``): the narrow phase then sees ~1/7 of the box pairs of real traffic.
    ``cell_m``: the strips' height (default: the median box size, at least H).
    """
    empty = np.empty(0, dtype=np.int64)
    if idx.size < 2:
        return empty, empty
    x0, x1, y0, y1, z0, z1 = swept_boxes(k, idx, m)
    if cell_m is None:
        cell_m = max(STRIP * float(np.median(np.maximum(x1 - x0, y1 - y0))), m.horizontal_m)
    vertical = math.isfinite(m.vertical_m)
    # At least 1 m, so that zero minima or a zero cell_m still make cells that can grow.
    cell_m = max(cell_m, 1.0)
    band_m = max(BAND * m.vertical_m, 1.0) if vertical else 1.0
    ox = float(x0.min())
    width = float(x1.max()) - ox + 1.0
    if not width + float(y1.max() - y0.min()) < 2.0**40:  # also catches NaN
        raise ValueError("track positions and velocities must be finite (and within 1e12 m)")
    while True:  # ends: one strip and one band pass both tests
        iy0, iy1 = _cells(y0, y1, cell_m)
        iz0, iz1 = _cells(z0, z1, band_m)
        kz = int(iz1.max()) + 1
        # key * width + (x - ox) must keep the cells' ranges apart (ulp(2^50) = 1/4 m), and
        # the entries stay bounded (tiny minima or cells, unknown altitudes in thin bands).
        entries = int(((iy1 - iy0 + 1) * (iz1 - iz0 + 1)).sum())
        if (int(iy1.max()) + 1) * kz * width < 2.0**50 and entries <= 32 * idx.size + 1024:
            break
        cell_m, band_m = 2.0 * cell_m, 2.0 * band_m
    tr, key, cls = _entries(iy0, iy1, iz0, iz1, kz)
    # Sort by cell, then x0; an entry's partners are the later entries of its cell up to
    # ``last``, the last that begins before it ends in x. Rounding is monotone and the
    # cells' ranges stay apart, so no x-overlapping pair is lost and none crosses cells;
    # ties in x0 are paired once, from whichever entry sorts first.
    base = key * width
    comp = base + (x0 - ox)[tr]
    order = np.argsort(comp)
    ends = (base + (x1 - ox)[tr])[order]
    comp, tr, cls = comp[order], tr[order], cls[order]
    last = np.searchsorted(comp, ends, side="right") - 1
    # Per-entry boxes in y and z, per-track motion for the approach filter.
    ey0, ey1 = y0[tr], y1[tr]
    ez0, ez1 = (z0[tr], z1[tr]) if vertical else (ey0, ey1)
    kin = (k.x[idx], k.y[idx], k.vx[idx], k.vy[idx])
    pos = np.arange(tr.size)
    ps, qs = [], []
    for cb, partners in _PARTNERS.items():
        later = cls == cb
        s_pos = np.flatnonzero(later)
        if s_pos.size == 0:
            continue
        # Entries of class cb at or before each position; the earlier entries that can
        # partner them: all for cb = 3, else those whose bits complete cb's.
        seen = np.cumsum(later)
        a_pos = pos if len(partners) == 4 else np.flatnonzero((cls | cb) == 3)
        first = seen[a_pos]
        count = seen[last[a_pos]] - first
        nz = count > 0
        a_pos, first, count = a_pos[nz], first[nz], count[nz]
        if a_pos.size == 0:
            continue
        cum = np.cumsum(count, dtype=np.int64)
        cuts = np.searchsorted(cum, np.arange(CHUNK_PAIRS, int(cum[-1]), CHUNK_PAIRS), "right")
        lo = 0
        for hi in [*cuts.tolist(), a_pos.size]:
            if hi <= lo:
                continue
            c = count[lo:hi]
            done = int(cum[lo - 1]) if lo else 0
            total = int(cum[hi - 1]) - done
            a = np.repeat(a_pos[lo:hi], c)
            # b runs over the class-cb entries first, first + 1, ... of each a
            shift = first[lo:hi] - (cum[lo:hi] - c - done)
            b = s_pos[np.arange(total) + np.repeat(shift, c)]
            lo = hi
            ok = (ey0[b] <= ey1[a]) & (ey0[a] <= ey1[b])
            if vertical:
                ok &= (ez0[b] <= ez1[a]) & (ez0[a] <= ez1[b])
            p, q = tr[a[ok]], tr[b[ok]]
            if approach:
                ok = approach_mask(kin, p, q, m)
                p, q = p[ok], q[ok]
            ps.append(p)
            qs.append(q)
    if not ps:
        return empty, empty
    p, q = np.concatenate(ps), np.concatenate(qs)
    return idx[np.minimum(p, q)], idx[np.maximum(p, q)]


def approach_mask(
    kin: tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray],
    p: np.ndarray,
    q: np.ndarray,
    m: Minima,
) -> np.ndarray:
    """Pairs whose closest horizontal approach within [0, T] may be within H.

    The narrow phase's own prefilter (``tactical.narrow``: clamped TCPA, distance then) in
    the same arithmetic, squared without the hypot and with a wider slack, so it keeps every
    pair that one keeps (the pair's orientation only flips signs, exactly).
    """
    x, y, vx, vy = kin
    dx, dy = x[q] - x[p], y[q] - y[p]
    dvx, dvy = vx[q] - vx[p], vy[q] - vy[p]
    a = dvx * dvx + dvy * dvy
    b = dx * dvx + dy * dvy
    with np.errstate(divide="ignore", invalid="ignore"):
        t = -b / a  # NaN where there is no relative motion (a = b = 0): fmax makes it 0
    t = np.fmin(np.fmax(t, 0.0), m.lookahead_s)
    ex, ey = dx + dvx * t, dy + dvy * t
    h2 = m.horizontal_m * m.horizontal_m
    return ex * ex + ey * ey < h2 * (1.0 + CPA_SLACK) + 2.0


def _entries(
    iy0: np.ndarray, iy1: np.ndarray, iz0: np.ndarray, iz1: np.ndarray, kz: int
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """One entry per (track, covered cell): track, cell key, class bits (first in y, z)."""
    ny, nz = iy1 - iy0 + 1, iz1 - iz0 + 1
    per = ny * nz
    n = iy0.size
    if bool((per == 1).all()):
        return np.arange(n), iy0 * kz + iz0, np.full(n, 3, dtype=np.int8)
    tr = np.repeat(np.arange(n), per)
    local = np.arange(tr.size) - np.repeat(np.cumsum(per) - per, per)
    nyr = ny[tr]
    ly, lz = local % nyr, local // nyr
    key = (iy0[tr] + ly) * kz + (iz0[tr] + lz)
    cls = (ly == 0).view(np.int8) | ((lz == 0).view(np.int8) << 1)
    return tr, key, cls


def _cells(v0: np.ndarray, v1: np.ndarray, size: float) -> tuple[np.ndarray, np.ndarray]:
    """Cell indices of the ends of intervals [v0, v1] on a grid of ``size`` from min(v0)."""
    o = v0.min()
    inv = 1.0 / size
    return (
        np.floor((v0 - o) * inv).astype(np.int64),
        np.floor((v1 - o) * inv).astype(np.int64),
    )
