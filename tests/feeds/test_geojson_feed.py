"""A party's own forces as GeoJSON: owned, namespaced, bad features skipped by name."""

from __future__ import annotations

from typing import Any

import pytest

from interlock.errors import InvalidInput
from interlock.feeds.geojson import parse_own_forces
from interlock.model.track import Skip, TrackReport


def unit(uid: Any = "u1", **props: Any) -> dict[str, Any]:
    base = {"time": "2026-12-01T08:00:00Z", "domain": "sea", "speed_kt": 12, "course_deg": 90}
    return {
        "type": "Feature",
        "id": uid,
        "geometry": {"type": "Point", "coordinates": [35.0, 34.0]},
        "properties": {**base, **props},
    }


def test_units_become_owned_reports() -> None:
    (r,) = parse_own_forces(unit(7, name="TG 1"), "blue")
    assert isinstance(r, TrackReport)
    assert (r.track_id, r.owner, r.domain, r.name, r.speed_kt) == (
        "blue:7",
        "blue",
        "sea",
        "TG 1",
        12.0,
    )


@pytest.mark.parametrize(
    ("feature", "reason"),
    [
        (unit(None), "invalid"),
        (unit("x" * 65), "invalid"),
        (unit(domain="space"), "invalid"),
        (unit(time="2026-12-01T08:00:00"), "invalid"),  # naive
        (unit(speed_kt="fast"), "invalid"),
        (unit(speed_kt=float("nan")), "invalid"),
        (
            {**unit(), "geometry": {"type": "LineString", "coordinates": [[0, 0], [1, 1]]}},
            "invalid",
        ),
        (unit(speed_kt=300), "impossible_speed"),  # a ship
        (
            {**unit(), "geometry": {"type": "Point", "coordinates": [35.0, 95.0]}},
            "impossible_position",
        ),
    ],
)
def test_bad_units_are_skipped_and_the_rest_kept(feature: dict[str, Any], reason: str) -> None:
    doc = {"type": "FeatureCollection", "features": [feature, unit("good")]}
    bad, good = parse_own_forces(doc, "red")
    assert isinstance(bad, Skip) and bad.reason == reason and bad.where == "features[0]"
    assert isinstance(good, TrackReport) and good.track_id == "red:good"


def test_a_document_that_is_not_geojson_is_refused() -> None:
    with pytest.raises(InvalidInput, match="FeatureCollection"):
        list(parse_own_forces([1, 2], "blue"))
