"""A lon/lat index of points (live tracks) for box queries: the hazard checks' broad phase.

Points are sorted by (latitude strip, longitude) into one float key; a box is cut into the
strips it covers and each piece is one ``searchsorted`` range of the key. The queries take
the conservative lon/lat boxes of ``Area.boxes`` / ``geo.boxes`` (split at the
antimeridian, every longitude near a pole), so a point inside an area is never missed; the
caller's exact test decides the rest. Cost: a sort of the N points once per tick, then
about (strips per box) searches plus one row per point in a box.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from ..geo.boxes import POLE_CAP_DEG
from ..geo.earth import WGS84_A_M, WGS84_E2

STRIP_DEG = 0.25  # strip height: ~28 km, about a short-range envelope's radius
_STRIDE = 400.0  # key = strip * _STRIDE + (lon + 180): strips' ranges never meet
_SAFETY = 1.000001  # as geo.boxes: round-off in the bounds themselves


@dataclass(frozen=True)
class PointIndex:
    """Points ``ids`` (positions in the caller's arrays) sorted by strip and longitude."""

    ids: np.ndarray
    key: np.ndarray
    lat: np.ndarray
    n_strips: int

    @classmethod
    def build(cls, lon: np.ndarray, lat: np.ndarray, ids: np.ndarray | None = None) -> PointIndex:
        lon, lat = np.asarray(lon, float), np.asarray(lat, float)
        if ids is None:
            ids = np.arange(lon.size)
        ok = np.isfinite(lon) & np.isfinite(lat)
        lon, lat, ids = lon[ok], lat[ok], np.asarray(ids)[ok]
        n_strips = math.ceil(180.0 / STRIP_DEG)
        strip = np.clip(np.floor((lat + 90.0) / STRIP_DEG), 0, n_strips - 1)
        key = strip * _STRIDE + (np.clip(lon, -180.0, 180.0) + 180.0)
        order = np.argsort(key, kind="stable")
        return cls(ids[order], key[order], lat[order], n_strips)

    def query(self, boxes: np.ndarray, owner: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """(owner of the box, point id) for every point inside a box (edges included).

        ``boxes``: (B, 4) min_lon, min_lat, max_lon, max_lat; ``owner``: (B,) what each box
        belongs to (an owner's boxes must not overlap: ``Area.boxes`` never do).
        """
        empty = np.empty(0, dtype=np.int64)
        if boxes.size == 0 or self.key.size == 0:
            return empty, empty
        lon0, lat0, lon1, lat1 = boxes.T
        s0 = np.clip(np.floor((lat0 + 90.0) / STRIP_DEG), 0, self.n_strips - 1).astype(np.int64)
        s1 = np.clip(np.floor((lat1 + 90.0) / STRIP_DEG), 0, self.n_strips - 1).astype(np.int64)
        per = s1 - s0 + 1
        row = np.repeat(np.arange(boxes.shape[0]), per)
        strip = np.arange(row.size) - np.repeat(np.cumsum(per) - per, per) + s0[row]
        base = strip * _STRIDE + 180.0
        lo = np.searchsorted(self.key, base + lon0[row], "left")
        hi = np.searchsorted(self.key, base + lon1[row], "right")
        count = hi - lo
        rows = np.repeat(row, count)
        pos = (
            np.arange(rows.size) - np.repeat(np.cumsum(count) - count, count) + np.repeat(lo, count)
        )
        lat = self.lat[pos]
        ok = (lat >= lat0[rows]) & (lat <= lat1[rows])
        return np.asarray(owner)[rows[ok]], self.ids[pos[ok]]


def point_boxes(lon: np.ndarray, lat: np.ndarray, margin_m: float) -> tuple[np.ndarray, np.ndarray]:
    """Boxes holding every point within ``margin_m`` of each point (``geo.boxes.grow_range``'s
    bounds, vectorised): (boxes (B, 4), index of the point each box belongs to)."""
    lon, lat = np.asarray(lon, float), np.asarray(lat, float)
    d_lat = math.degrees(margin_m / (WGS84_A_M * (1.0 - WGS84_E2))) * _SAFETY
    lat0, lat1 = np.maximum(lat - d_lat, -90.0), np.minimum(lat + d_lat, 90.0)
    extreme = np.maximum(np.abs(lat0), np.abs(lat1))
    cap = extreme >= POLE_CAP_DEG
    cos_e = np.cos(np.radians(np.where(cap, 0.0, extreme)))
    d_lon = np.degrees(margin_m / (WGS84_A_M * cos_e)) * _SAFETY
    cap |= d_lon >= 180.0  # the box would wrap round: every longitude
    lo, hi = np.where(cap, -180.0, lon - d_lon), np.where(cap, 180.0, lon + d_lon)
    idx = np.arange(lon.size)
    parts = [
        (np.column_stack([np.maximum(lo, -180.0), lat0, np.minimum(hi, 180.0), lat1]), idx),
    ]
    west = lo < -180.0  # the piece beyond the antimeridian, wrapped
    if west.any():
        parts.append(
            (
                np.column_stack(
                    [lo[west] + 360.0, lat0[west], np.full(west.sum(), 180.0), lat1[west]]
                ),
                idx[west],
            )
        )
    east = hi > 180.0
    if east.any():
        parts.append(
            (
                np.column_stack(
                    [np.full(east.sum(), -180.0), lat0[east], hi[east] - 360.0, lat1[east]]
                ),
                idx[east],
            )
        )
    return np.vstack([p[0] for p in parts]), np.concatenate([p[1] for p in parts])
