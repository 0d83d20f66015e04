"""Random notice areas as raw GeoJSON (geometry, properties), for property tests.

The same builders serve a seeded numpy generator (many cases in one test) and hypothesis
(shrinkable cases): both sit behind the small ``Source`` protocol. Centres are drawn from
regions that stress the geometry: anywhere in mid latitudes, straddling the antimeridian,
above 70 degrees of latitude, and within ~170 km of a pole (or on it).

Vertices are placed with ``pyproj.Geod.fwd`` (independent of ``interlock.geo``).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any, Protocol, TypeVar

import numpy as np
from hypothesis import strategies as st
from pyproj import Geod

GEOD = Geod(ellps="WGS84")
REGIONS = ("mid", "antimeridian", "polar", "pole")
KINDS = ("polygon", "circle", "corridor", "orbit")

Spec = tuple[dict[str, Any], dict[str, Any]]  # (GeoJSON geometry, shape properties)
T = TypeVar("T")


class Source(Protocol):
    def uniform(self, lo: float, hi: float) -> float: ...

    def integer(self, lo: int, hi: int) -> int: ...  # inclusive

    def choice(self, options: Sequence[T]) -> T: ...


class NumpySource:
    def __init__(self, rng: np.random.Generator) -> None:
        self.rng = rng

    def uniform(self, lo: float, hi: float) -> float:
        return float(self.rng.uniform(lo, hi))

    def integer(self, lo: int, hi: int) -> int:
        return int(self.rng.integers(lo, hi + 1))

    def choice(self, options: Sequence[T]) -> T:
        return options[int(self.rng.integers(0, len(options)))]


class DrawSource:
    def __init__(self, draw: Callable[[st.SearchStrategy[Any]], Any]) -> None:
        self.draw = draw

    def uniform(self, lo: float, hi: float) -> float:
        return float(self.draw(st.floats(lo, hi, allow_nan=False, allow_infinity=False)))

    def integer(self, lo: int, hi: int) -> int:
        return int(self.draw(st.integers(lo, hi)))

    def choice(self, options: Sequence[T]) -> T:
        return self.draw(st.sampled_from(list(options)))


def wrap(lon: float) -> float:
    """Longitude into [-180, 180]."""
    out = (lon + 180.0) % 360.0 - 180.0
    return 180.0 if out == -180.0 and lon > 0 else out


def fwd(lon: float, lat: float, az: float, dist: float) -> list[float]:
    lo, la, _ = GEOD.fwd(lon, lat, az, dist)
    return [wrap(float(lo)), float(la)]


def centre(src: Source, region: str) -> tuple[float, float]:
    sign = src.choice((-1.0, 1.0))
    if region == "mid":
        return src.uniform(-180.0, 180.0), src.uniform(-65.0, 65.0)
    if region == "antimeridian":
        return wrap(src.uniform(179.0, 181.0)), src.uniform(-75.0, 75.0)
    if region == "polar":
        return src.uniform(-180.0, 180.0), sign * src.uniform(70.0, 88.0)
    return src.uniform(-180.0, 180.0), sign * src.uniform(88.5, 90.0)


def area_spec(src: Source, lon: float, lat: float, size_m: float, kind: str | None = None) -> Spec:
    """An area of about size_m across its core, around (lon, lat)."""
    kind = kind or src.choice(KINDS)
    if kind == "circle":
        return {"type": "Point", "coordinates": [lon, lat]}, {
            "radius_m": size_m * src.uniform(0.1, 0.6)
        }
    if kind == "polygon":
        # Star-shaped around (lon, lat): vertices in azimuth order, so the ring is simple.
        n = src.integer(3, 8)
        step = 360.0 / n
        turn = src.uniform(0.0, 360.0)
        ring = [
            fwd(
                lon,
                lat,
                turn + k * step + src.uniform(-0.3, 0.3) * step,
                size_m * src.uniform(0.3, 0.6),
            )
            for k in range(n)
        ]
        ring.append(list(ring[0]))
        return {"type": "Polygon", "coordinates": [ring]}, {}
    heading = src.uniform(0.0, 360.0)
    if kind == "orbit":
        ends = [fwd(lon, lat, heading, size_m / 2), fwd(lon, lat, heading + 180.0, size_m / 2)]
        return {"type": "LineString", "coordinates": ends}, {
            "shape": "orbit",
            "radius_m": size_m * src.uniform(0.05, 0.4),
        }
    n = src.integer(2, 5)
    path = [fwd(lon, lat, heading + 180.0, size_m / 2)]
    for _ in range(n - 1):
        heading += src.uniform(-60.0, 60.0)
        path.append(
            fwd(path[-1][0], path[-1][1], heading, size_m / (n - 1) * src.uniform(0.5, 1.0))
        )
    return {"type": "LineString", "coordinates": path}, {
        "half_width_m": size_m * src.uniform(0.02, 0.3)
    }


def single_area(src: Source, region: str | None = None) -> Spec:
    lon, lat = centre(src, region or src.choice(REGIONS))
    return area_spec(src, lon, lat, src.uniform(2_000.0, 200_000.0))


def area_pair(
    src: Source,
    region: str | None = None,
    reach_m: float = 60_000.0,
    max_size_m: float = 150_000.0,
) -> tuple[Spec, Spec]:
    """Two areas whose gap is often near a few-NM minimum (and sometimes overlapping).

    The second area's centre lies within the first's size plus reach_m, so the gap
    spreads from overlap to ~reach_m with many cases close to 5 NM.
    """
    lon, lat = centre(src, region or src.choice(REGIONS))
    size_a = src.uniform(2_000.0, max_size_m)
    size_b = src.uniform(2_000.0, max_size_m)
    a = area_spec(src, lon, lat, size_a)
    off = src.uniform(0.0, 0.6 * (size_a + size_b) + reach_m)
    lon_b, lat_b = fwd(lon, lat, src.uniform(0.0, 360.0), off)
    b = area_spec(src, lon_b, lat_b, size_b)
    return a, b


@st.composite
def area_specs(draw: Callable[[st.SearchStrategy[Any]], Any], region: str | None = None) -> Spec:
    return single_area(DrawSource(draw), region)


@st.composite
def area_pair_specs(
    draw: Callable[[st.SearchStrategy[Any]], Any], region: str | None = None
) -> tuple[Spec, Spec]:
    return area_pair(DrawSource(draw), region)
