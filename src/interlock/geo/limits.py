"""What one shape may cost: limits checked in linear time before any buffering.

Shapes are cheap to send and can be dear to process: GEOS buffers a self-overlapping
corridor in time and memory that grow with the square of its vertices (a 1,000-vertex
path zigzagging over a few km took 14 s and 1 GB to buffer here; a party's probe of the
same kind took 110 s and 18 GB), and every long edge is cut into 2 km geodesic pieces for
the index boxes. Each limit below bounds one of those costs and is measured on the shape
as sent, before that work; the agreement carries them (``Rules.shape``, settable in
``[rules]``), so every party's shapes face the same bounds.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .frame import WGS84

BOX_PIECE_M = 2_000.0  # boundary pieces for index boxes (see shapes.Area.boxes)


@dataclass(frozen=True, slots=True)
class ShapeLimits:
    """The largest shape an agreement admits. Defaults and why:

    - max_positions 5,000 in all rings: a FIR boundary that follows a coastline has a
      few thousand vertices (the published ones of the eastern Mediterranean FIRs have
      tens to hundreds); the demo scenario's largest shape has 5.
    - max_rings 100 (the exterior and 99 holes): airspace with that many exclusions is
      not drawn as one notice.
    - max_boundary_pieces 20,000: the 2 km geodesic pieces (BOX_PIECE_M) the boundary is
      cut into, Σ ceil(edge / 2 km) over every ring or path: 40,000 km, the length of the
      equator, more than any one notice's boundary (a 250,000 km² square has 2,000 km).
    - max_path_overlap 12: how many pieces of a corridor's path, on average, share a
      grid cell with each piece (see path_overlap): a straight corridor or a route
      scores about 3, a search pattern whose legs lie one corridor-width apart about 6,
      half a width apart about 10; a path zigzagging back over itself scores 50-300.
      A corridor's path must also not cross
      itself (a racetrack flown in laps is an orbit): crossings are what make GEOS's
      buffer quadratic, and a path 550 km across with overlap 9.6 but 300 random
      vertices took 0.8 s to buffer.
    """

    max_positions: int = 5_000
    max_rings: int = 100
    max_boundary_pieces: int = 20_000
    max_path_overlap: float = 12.0


DEFAULT_SHAPE_LIMITS = ShapeLimits()


def boundary_pieces(coords: np.ndarray, piece_m: float = BOX_PIECE_M) -> int:
    """Σ ceil(edge / piece_m) over the edges of a path (geodesic lengths): the points
    densify() would make, computed in one vectorised pass without making them."""
    if len(coords) < 2:
        return 0
    _, _, lengths = WGS84.inv(coords[:-1, 0], coords[:-1, 1], coords[1:, 0], coords[1:, 1])
    return int(np.sum(np.maximum(1, np.ceil(np.asarray(lengths) / piece_m))))


def path_overlap(xy: np.ndarray, half_width_m: float, max_pieces: int) -> float:
    """How many pieces of a widened path share a grid cell with each piece, on average.

    The path (x/y metres) is cut into pieces no longer than the cell side c = max(2w,
    2 km, length / max_pieces); each piece is entered in every cell its box, grown by the
    half-width w, meets (at most 3 x 3 cells). Two pieces whose widened areas meet share
    a cell, so Σ cnt² over cells bounds the pairs GEOS must resolve when buffering; the
    mean Σ cnt² / Σ cnt is what is limited. Linear in the pieces but for the sort of
    their cell keys; pieces are at most max_pieces + vertices.
    """
    if len(xy) < 2:
        return 0.0
    seg = np.diff(xy, axis=0)
    lengths = np.hypot(seg[:, 0], seg[:, 1])
    total = float(lengths.sum())
    cell = max(2.0 * half_width_m, BOX_PIECE_M, total / max(1, max_pieces))
    counts = np.maximum(1, np.ceil(lengths / cell)).astype(np.int64)
    # Piece k of segment i runs from xy[i] + seg[i] * k / n_i to ... (k + 1) / n_i.
    idx = np.repeat(np.arange(len(seg)), counts)
    first = np.repeat(np.cumsum(counts) - counts, counts)
    k = np.arange(len(idx)) - first
    n = counts[idx]
    a = xy[idx] + seg[idx] * (k / n)[:, None]
    b = xy[idx] + seg[idx] * ((k + 1) / n)[:, None]
    lo = np.floor((np.minimum(a, b) - half_width_m) / cell).astype(np.int64)
    hi = np.floor((np.maximum(a, b) + half_width_m) / cell).astype(np.int64)
    keys = []
    for dx in range(3):
        for dy in range(3):
            cx, cy = lo[:, 0] + dx, lo[:, 1] + dy
            inside = (cx <= hi[:, 0]) & (cy <= hi[:, 1])
            keys.append(cx[inside] * 4_000_003 + cy[inside])  # cells: |c| < 2e6 (5,000 km)
    _, cnt = np.unique(np.concatenate(keys), return_counts=True)
    cnt = cnt.astype(float)
    return float(np.sum(cnt * cnt) / np.sum(cnt))


def thousands(n: float) -> str:
    """1,234 (integers) or 12.3 for messages naming a limit."""
    return f"{n:,.0f}" if float(n).is_integer() else f"{n:,.1f}"
