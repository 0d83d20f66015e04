"""Hazards and kinetic notices written straight into a store, for the hazard alert tests.

Hazards go in as the store seam agreed for issue 15 has them (``tx.insert_hazard`` of a
validated ``HazardDraft.to_feature()``). Notices with an ``activity`` go in as stored
versions whose feature carries the property (what the notice service stores once notices
take ``activity``): validated by ``parse_notice``, indexed like the service indexes them.
"""

from __future__ import annotations

import secrets
from datetime import datetime
from typing import Any

from interlock.geo.earth import WGS84
from interlock.model.hazard import parse_hazard
from interlock.model.notice import parse_notice
from interlock.model.timeutil import iso, to_ts
from interlock.service.strategic import index_entry
from interlock.store.base import NoticeRow, Store
from interlock.store.rows import HazardRow

SITE = (35.80, 35.45)  # a launcher near Latakia


def at_az(origin: tuple[float, float], az_deg: float, dist_m: float) -> tuple[float, float]:
    """The point ``dist_m`` along the geodesic from ``origin`` at azimuth ``az_deg``."""
    lon, lat, _ = WGS84.fwd(origin[0], origin[1], az_deg, dist_m)
    return float(lon), float(lat)


def add_hazard(
    store: Store,
    now: datetime,
    site: tuple[float, float] = SITE,
    range_m: float = 40_000.0,
    alt_max_ft: float = 80_000.0,
    party: str = "green",
) -> str:
    """A site hazard (a surface-to-air battery) reported by ``party``; its id."""
    draft = parse_hazard(
        {
            "type": "Feature",
            "geometry": {"type": "Point", "coordinates": list(site)},
            "properties": {
                "name": "Latakia battery",
                "operator": "third party",
                "weapon": "S-200",
                "source": "open reporting",
                "range_m": range_m,
                "alt_min_ft": 0,
                "alt_max_ft": alt_max_ft,
            },
        }
    )
    hid = "h-" + secrets.token_hex(8)
    with store.write() as tx:
        tx.insert_hazard(HazardRow(hid, party, to_ts(now), None, draft.to_feature()))
    return hid


def retire_hazard(store: Store, hazard_id: str, now: datetime) -> None:
    with store.write() as tx:
        tx.retire_hazard(hazard_id, to_ts(now))


def add_notice(
    store: Store,
    party: str,
    centre: tuple[float, float],
    radius_m: float,
    start: datetime,
    end: datetime,
    activity: str | None = None,
    upper_ft: float = 40_000.0,
) -> str:
    """An air notice (a circle, surface to ``upper_ft``) stored as filed; its id."""
    props: dict[str, Any] = {
        "domain": "air",
        "radius_m": radius_m,
        "alt_lower_ft": 0,
        "alt_upper_ft": upper_ft,
        "start": iso(start),
        "end": iso(end),
    }
    draft = parse_notice(
        {
            "type": "Feature",
            "geometry": {"type": "Point", "coordinates": list(centre)},
            "properties": props,
        }
    )
    feature = draft.to_feature()
    if activity is not None:
        feature["properties"]["activity"] = activity
    nid = "n-" + secrets.token_hex(8)
    assert draft.band is not None
    with store.write() as tx:
        tx.insert_notice(nid, party, "air", to_ts(start))
        tx.insert_version(
            NoticeRow(
                id=nid,
                party=party,
                domain="air",
                version=1,
                filed_at=to_ts(start),
                created_at=to_ts(start),
                cancelled_at=None,
                feature=feature,
            ),
            index_entry(draft.area, draft.band, draft.start, draft.end),
        )
    return nid


def unit(
    uid: str,
    where: tuple[float, float],
    time: datetime,
    alt_ft: float = 15_000.0,
    speed_kt: float = 300.0,
    course_deg: float = 0.0,
) -> dict[str, Any]:
    """An own-forces aircraft report (``POST /tracks``)."""
    return {
        "type": "Feature",
        "id": uid,
        "geometry": {"type": "Point", "coordinates": list(where)},
        "properties": {
            "time": iso(time),
            "domain": "air",
            "alt_ft": alt_ft,
            "speed_kt": speed_kt,
            "course_deg": course_deg,
        },
    }
