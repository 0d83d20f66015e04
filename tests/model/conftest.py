"""Fixtures for model tests: valid notice Features to start from."""

from __future__ import annotations

import copy
from collections.abc import Callable
from typing import Any

import pytest

NoticeFactory = Callable[..., dict[str, Any]]

BASE_PROPS: dict[str, dict[str, Any]] = {
    "air": {"alt_lower_ft": 0, "alt_upper_ft": 10_000},
    "sea": {"depth_min_m": 0, "depth_max_m": 200},
    "emission": {
        "centre_freq_mhz": 2800.0,
        "bandwidth_mhz": 5.0,
        "eirp_dbm": 90.0,
        "antenna_height_m": 20.0,
    },
}


@pytest.fixture
def make_notice() -> NoticeFactory:
    """A valid notice Feature (a 10 km circle, 2 h on 1 Dec 2026) with overrides.

    Keyword arguments replace properties; a value of None removes the property;
    `geometry=` replaces the geometry.
    """

    def make(
        domain: str = "air", geometry: dict[str, Any] | None = None, **props: Any
    ) -> dict[str, Any]:
        properties: dict[str, Any] = {
            "domain": domain,
            "radius_m": 10_000,
            "start": "2026-12-01T10:00:00Z",
            "end": "2026-12-01T12:00:00Z",
            **copy.deepcopy(BASE_PROPS.get(domain, {})),
        }
        for key, value in props.items():
            if value is None:
                properties.pop(key, None)
            else:
                properties[key] = value
        return {
            "type": "Feature",
            "geometry": geometry or {"type": "Point", "coordinates": [25.0, 60.0]},
            "properties": properties,
        }

    return make
