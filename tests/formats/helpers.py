"""Shared by the format tests: notices as the API serves them, and volume comparisons
in metres (shapely in the original area's own azimuthal frame)."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from shapely.geometry.base import BaseGeometry
from tests.conftest import T0

from interlock.model.notice import NoticeDraft, parse_notice

START = T0 + timedelta(hours=2)


def feature(geometry: dict[str, Any], **props: Any) -> dict[str, Any]:
    base = {
        "domain": "air",
        "fl_lower": 180,
        "fl_upper": 220,
        "start": START.isoformat(),
        "end": (START + timedelta(hours=2)).isoformat(),
    }
    return {"type": "Feature", "geometry": geometry, "properties": {**base, **props}}


SHAPES: dict[str, dict[str, Any]] = {
    "polygon": feature(
        {
            "type": "Polygon",
            "coordinates": [
                [[34.6, 33.8], [35.1, 33.8], [35.1, 34.3], [34.6, 34.3], [34.6, 33.8]],
            ],
        },
        callsign="ZONE 1",
    ),
    "circle": feature({"type": "Point", "coordinates": [35.9, 35.4]}, radius_m=9260.0),
    "corridor": feature(
        {"type": "LineString", "coordinates": [[33.0, 34.0], [33.5, 34.2], [34.0, 34.1]]},
        half_width_m=5000.0,
        alt_lower_ft=2000.0,
        alt_upper_ft=9000.0,
        fl_lower=None,
        fl_upper=None,
    ),
    "orbit": feature(
        {"type": "LineString", "coordinates": [[34.0, 35.0], [34.4, 35.0]]},
        shape="orbit",
        radius_m=10_000.0,
    ),
    "antimeridian circle": feature(
        {"type": "Point", "coordinates": [179.95, -17.0]}, radius_m=20_000.0
    ),
}


def clean(f: dict[str, Any]) -> dict[str, Any]:
    return {**f, "properties": {k: v for k, v in f["properties"].items() if v is not None}}


def served(f: dict[str, Any], nid: str = "n-0001", party: str = "blue") -> dict[str, Any]:
    """A notice as GET /notices/{id} serves it (validated, with the record's fields)."""
    out = parse_notice(clean(f)).to_feature()
    out["id"] = nid
    out["properties"].update(id=nid, party=party, version=1, status="submitted")
    return out


def compare(a: NoticeDraft, b: NoticeDraft) -> tuple[BaseGeometry, BaseGeometry, float]:
    """Both areas in a's own frame (a finely drawn: 256 segments a quarter circle) and
    the Hausdorff distance between them, metres."""
    frame = a.area.own_frame()
    sa, sb = a.area.shape_in(frame, 256), b.area.shape_in(frame, 256)
    return sa, sb, float(sa.hausdorff_distance(sb))
