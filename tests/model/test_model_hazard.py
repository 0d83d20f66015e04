"""Hazard reports and the agreement's [hazards] clauses: parsed, bounded, named."""

from __future__ import annotations

from typing import Any

import pytest

from interlock.errors import InvalidInput
from interlock.geo.units import M_PER_FT
from interlock.model.agreement import EXAMPLE_AGREEMENT, agreement_from_dict
from interlock.model.hazard import MAX_RANGE_M, hazard_from_stored, parse_hazard
from interlock.model.hazard_rules import ACTIVITIES, HazardRules, hazard_rules


def hazard(**props: Any) -> dict[str, Any]:
    base = {
        "name": "SA-5 battery Masyaf",
        "operator": "Syrian air defence",
        "weapon": "S-200",
        "source": "open reports",
        "range_m": 250_000,
        "alt_min_ft": 1_000,
        "alt_max_ft": 130_000,
    }
    return {
        "type": "Feature",
        "geometry": {"type": "Point", "coordinates": [36.35, 35.06]},
        "properties": {**base, **props},
    }


def test_a_site_hazard_envelope_is_its_range_over_its_band() -> None:
    h = parse_hazard(hazard())
    assert h.envelope.shape == "circle" and h.envelope.radius_m == pytest.approx(250_001.0)
    assert h.band.lower_m == pytest.approx(1_000 * M_PER_FT)
    assert h.band.upper_m == pytest.approx(130_000 * M_PER_FT)
    again = hazard_from_stored(h.to_feature())
    assert again == h


def test_an_area_hazard_widens_its_polygon() -> None:
    ring = [[35.0, 35.0], [35.2, 35.0], [35.2, 35.2], [35.0, 35.2], [35.0, 35.0]]
    feature = {**hazard(), "geometry": {"type": "Polygon", "coordinates": [ring]}}
    h = parse_hazard(feature)
    assert h.envelope.shape == "polygon" and h.envelope.radius_m == 250_000.0
    assert hazard_from_stored(h.to_feature()).envelope == h.envelope


@pytest.mark.parametrize(
    ("props", "field"),
    [
        ({"range_m": -5}, "properties.range_m"),
        ({"range_m": 0}, "properties.range_m"),
        ({"range_m": MAX_RANGE_M + 1}, "properties.range_m"),
        ({"range_m": "far"}, "properties.range_m"),
        ({"alt_min_ft": 20_000, "alt_max_ft": 10_000}, "properties.alt_min_ft"),
        ({"alt_min_ft": 10_000, "alt_max_ft": 10_000}, "properties.alt_min_ft"),
        ({"source": None}, "properties.source"),
        ({"source": "  "}, "properties.source"),
        ({"operator": ""}, "properties.operator"),
        ({"name": "x" * 201}, "properties.name"),
        (
            {"valid_from": "2026-12-01T10:00:00Z", "valid_to": "2026-12-01T09:00:00Z"},
            "properties.valid_to",
        ),
    ],
)
def test_bad_hazards_are_refused_naming_the_field(props: dict[str, Any], field: str) -> None:
    with pytest.raises(InvalidInput) as err:
        parse_hazard(hazard(**props))
    assert err.value.field == field


def test_a_range_at_the_limit_is_accepted() -> None:
    assert parse_hazard(hazard(range_m=MAX_RANGE_M)).range_m == MAX_RANGE_M


def test_a_line_is_not_a_hazard() -> None:
    bad = {**hazard(), "geometry": {"type": "LineString", "coordinates": [[35, 35], [36, 36]]}}
    with pytest.raises(InvalidInput, match="Point"):
        parse_hazard(bad)


def test_hazard_rules_defaults_and_bad_values() -> None:
    assert hazard_rules({}) == HazardRules()
    example = agreement_from_dict(__import__("tomllib").loads(EXAMPLE_AGREEMENT))
    assert example.hazards == HazardRules()
    assert set(HazardRules().kinetic) <= set(ACTIVITIES)
    with pytest.raises(InvalidInput) as err:
        hazard_rules({"hazards": {"kinetic": ["picnic"]}})
    assert err.value.field == "hazards.kinetic"
    with pytest.raises(InvalidInput) as err:
        hazard_rules({"hazards": {"reach_km": -1}})
    assert err.value.field == "hazards.reach_km"
    with pytest.raises(InvalidInput) as err:
        hazard_rules({"hazards": {"reach": 5}})
    assert err.value.field == "hazards"
    custom = hazard_rules({"hazards": {"reaction_tail_min": 45, "kinetic": ["strike"]}})
    assert custom.reaction_tail.total_seconds() == 45 * 60 and custom.kinetic == ("strike",)
