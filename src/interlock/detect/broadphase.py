"""Broad phase of tactical detection: a uniform grid over swept boxes.

Each track's straight path over the lookahead [0, T] lies in an axis-aligned box of the scan
frame; grown by H/2 on each side horizontally and V/2 vertically (plus 1 m against
round-off), two boxes overlap whenever the tracks come within H horizontally and V
vertically at any one time (per axis |dx| <= |d| < H). So the pairs whose boxes overlap are
a superset of the conflict pairs, and the narrow phase on them finds exactly the pairs the
all-pairs check finds (same pair order i < j, same arithmetic).

Every box is entered into each grid cell it covers (x, y and, for aircraft, altitude). Pairs
are formed inside each cell, kept if the boxes overlap, and reported once: only in the cell
that holds the minimum corner of the two boxes' intersection (the "reference point" rule,
which needs no de-duplication pass). All numpy: sort the (cell, track) entries by cell and,
inside a cell, by the box's x0; each entry is paired (``np.repeat``) only with the later
entries of its cell that begin before its box ends in x (a sweep along x inside each cell,
found with one ``searchsorted``). Cost grows with the number of entries (N times the cells
per box) plus the x-overlapping pairs sharing a cell, about N k for k neighbours at the
density of the picture, not N^2.

Cell sizes: horizontally twice the median swept-box width (at least H): most boxes then
cover 1-4 cells; vertically 2 V, so a level aircraft covers one or two altitude cells. Unknown
altitudes span the whole altitude range.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:
    from .tactical import Kinematics, Minima

MARGIN_M = 1.0


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
    k: Kinematics, idx: np.ndarray, m: Minima, cell_m: float | None = None
) -> tuple[np.ndarray, np.ndarray]:
    """Pairs (i, j), i < j, of tracks ``idx`` whose swept boxes overlap, each once."""
    x0, x1, y0, y1, z0, z1 = swept_boxes(k, idx, m)
    if cell_m is None:
        # Twice the median box width: fastest on the benchmark's pictures (1x-4x tried).
        cell_m = max(2.0 * float(np.median(np.maximum(x1 - x0, y1 - y0))), m.horizontal_m)
    cz = 2.0 * m.vertical_m if math.isfinite(m.vertical_m) else 1.0
    # Cell indices by one monotone formula (floor((v - origin) / cell)), so the cell of a
    # box's minimum corner is also the cell of any pair's reference point taken from it.
    ix0, ix1 = _cells(x0, x1, cell_m)
    iy0, iy1 = _cells(y0, y1, cell_m)
    iz0, iz1 = _cells(z0, z1, cz)
    nx, ny, nz = ix1 - ix0 + 1, iy1 - iy0 + 1, iz1 - iz0 + 1
    ky, kz = int(iy1.max()) + 1, int(iz1.max()) + 1
    # One entry per (track, covered cell).
    per = nx * ny * nz
    single = bool((per == 1).all())
    if single:
        tr = np.arange(idx.size)
        cx, cy, czz = ix0, iy0, iz0
    else:
        tr = np.repeat(np.arange(idx.size), per)
        local = np.arange(tr.size) - np.repeat(np.cumsum(per) - per, per)
        nxr, nyr = nx[tr], ny[tr]
        cx = ix0[tr] + local % nxr
        rest = local // nxr
        cy = iy0[tr] + rest % nyr
        czz = iz0[tr] + rest // nyr
    key = (cx * ky + cy) * kz + czz
    # Sort by cell, then by x0 inside the cell, as one float (key * W + x0 - origin, W
    # wider than the picture); each entry pairs only with the later entries of its cell
    # that start before it ends in x (a sweep inside each cell). Rounding is monotone, so
    # no x-overlapping pair is lost (boxes carry a 1 m margin besides).
    ox = x0.min()
    width = float(x1.max() - ox) + 1.0
    comp = key * width + (x0[tr] - ox)
    order = np.argsort(comp)
    comp, tr, key = comp[order], tr[order], key[order]
    hi = np.searchsorted(comp, key * width + (x1[tr] - ox), side="right")
    pos = np.arange(tr.size)
    counts = hi - pos - 1
    a = np.repeat(pos, counts)
    b = np.arange(a.size) - np.repeat(np.cumsum(counts) - counts, counts) + a + 1
    same_cell = key[a] == key[b]  # always, unless key * W ran out of precision
    a, b = a[same_cell], b[same_cell]
    p, q = tr[a], tr[b]
    # Boxes overlap ...
    keep = (np.maximum(x0[p], x0[q]) <= np.minimum(x1[p], x1[q])) & (
        np.maximum(y0[p], y0[q]) <= np.minimum(y1[p], y1[q])
    )
    if nz.max() > 1 or kz > 1:
        keep &= np.maximum(z0[p], z0[q]) <= np.minimum(z1[p], z1[q])
    a, p, q = a[keep], p[keep], q[keep]
    # ... and this cell holds the minimum corner of their intersection (its cell per axis
    # is the larger of the two boxes' minimum cells: the formula is monotone).
    if not single:
        ca = order[a]
        keep = (
            (np.maximum(ix0[p], ix0[q]) == cx[ca])
            & (np.maximum(iy0[p], iy0[q]) == cy[ca])
            & (np.maximum(iz0[p], iz0[q]) == czz[ca])
        )
        p, q = p[keep], q[keep]
    i, j = idx[np.minimum(p, q)], idx[np.maximum(p, q)]
    return i, j


def _cells(v0: np.ndarray, v1: np.ndarray, size: float) -> tuple[np.ndarray, np.ndarray]:
    """Cell indices of the ends of intervals [v0, v1] on a grid of ``size`` from min(v0)."""
    o = v0.min()
    inv = 1.0 / size
    return (
        np.floor((v0 - o) * inv).astype(np.int64),
        np.floor((v1 - o) * inv).astype(np.int64),
    )
