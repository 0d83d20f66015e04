"""Builders for the hazard tests: hazards, notices and track pictures, plain and random."""

from __future__ import annotations

import math
from datetime import UTC, datetime, timedelta

import numpy as np
from pyproj import Geod

from interlock.detect.hazards import ActivityNotice, Hazard
from interlock.detect.strategic import Volume
from interlock.detect.tactical import AIR, SEA, TrackStates
from interlock.geo.shapes import Area
from interlock.geo.units import M_PER_FT
from interlock.model.conflict import Ref
from interlock.model.hazard import HazardDraft
from interlock.model.notice import VerticalBand

GEOD = Geod(ellps="WGS84")  # independent of interlock.geo
T0 = datetime(2030, 9, 17, 18, 40, tzinfo=UTC)
OWNERS = ("blue", "red", "green")


def offset(lon: float, lat: float, az: float, dist_m: float) -> tuple[float, float]:
    lon2, lat2, _ = GEOD.fwd(lon, lat, az, dist_m)
    return float(lon2), float(lat2)


def site_hazard(
    hid: str,
    lon: float,
    lat: float,
    range_m: float,
    alt: tuple[float, float] = (0.0, 60_000.0),
    valid: tuple[datetime | None, datetime | None] = (None, None),
) -> Hazard:
    site = Area("circle", ((lon, lat),), 1.0)
    draft = HazardDraft(
        hid, "third", "SA-5", "observed", site, range_m, alt[0], alt[1], valid[0], valid[1]
    )
    return Hazard(hid, draft)


def area_hazard(hid: str, ring: list[tuple[float, float]], range_m: float) -> Hazard:
    site = Area("polygon", tuple(ring), 0.0)
    draft = HazardDraft(hid, "third", None, "observed", site, range_m, 0.0, 60_000.0, None, None)
    return Hazard(hid, draft)


def volume(
    nid: str,
    party: str,
    area: Area,
    start: datetime = T0,
    minutes: float = 60.0,
    band_ft: tuple[float, float] = (0.0, 30_000.0),
    domain: str = "air",
) -> Volume:
    band = VerticalBand(band_ft[0] * M_PER_FT, band_ft[1] * M_PER_FT)
    end = start + timedelta(minutes=minutes)
    return Volume(Ref("notice", nid), party, domain, area, band, start, end)


def circle(lon: float, lat: float, r: float) -> Area:
    return Area("circle", ((lon, lat),), r)


def notice(
    nid: str,
    party: str,
    area: Area,
    activity: str | None = None,
    start: datetime = T0,
    minutes: float = 60.0,
    band_ft: tuple[float, float] = (0.0, 30_000.0),
) -> ActivityNotice:
    return ActivityNotice(volume(nid, party, area, start, minutes, band_ft), activity)


def tracks(*rows: dict, t: datetime = T0) -> TrackStates:
    """Tracks from dicts: lon, lat, alt (ft or None), speed (kt), owner (name or None)."""
    code = {o: k for k, o in enumerate(OWNERS)}
    n = len(rows)

    def col(key: str, default: float) -> np.ndarray:
        return np.array(
            [r.get(key, default) if r.get(key) is not None else math.nan for r in rows]
            if key == "alt"
            else [r.get(key, default) for r in rows],
            dtype=float,
        )

    return TrackStates(
        ids=np.array([f"t{k}" for k in range(n)], dtype=object),
        lon=col("lon", 0.0),
        lat=col("lat", 0.0),
        alt_ft=col("alt", 10_000.0),
        speed_kt=col("speed", 250.0),
        course_deg=np.zeros(n),
        vrate_fpm=np.zeros(n),
        time=np.full(n, t.timestamp()),
        domain=np.array([SEA if r.get("sea") else AIR for r in rows], dtype=np.int8),
        owner=np.array(
            [-1 if r.get("owner") is None else code[r["owner"]] for r in rows], np.int32
        ),
        owners=OWNERS,
    )


def random_tracks(
    rng: np.random.Generator, n: int, box: tuple[float, float, float, float], t: datetime = T0
) -> TrackStates:
    lon0, lon1, lat0, lat1 = box
    lon = (rng.uniform(lon0, lon1, n) + 180.0) % 360.0 - 180.0
    alt = rng.uniform(0, 40_000, n)
    alt[rng.random(n) < 0.1] = math.nan
    return TrackStates(
        ids=np.array([f"t{k}" for k in range(n)], dtype=object),
        lon=lon,
        lat=rng.uniform(lat0, lat1, n),
        alt_ft=alt,
        speed_kt=rng.uniform(0, 500, n),
        course_deg=rng.uniform(0, 360, n),
        vrate_fpm=np.zeros(n),
        time=np.full(n, t.timestamp()),
        domain=np.where(rng.random(n) < 0.9, AIR, SEA).astype(np.int8),
        owner=rng.integers(-1, 3, n).astype(np.int32),
        owners=OWNERS,
    )
