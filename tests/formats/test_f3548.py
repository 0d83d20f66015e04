"""ASTM F3548-21 operational intents out and in (formats/f3548.py), without a store.

The export is validated against a JSON Schema of the standard's shapes written here from
its interface document (utm.yaml v1.0.0, astm-utm/Protocol: OperationalIntent,
OperationalIntentReference, OperationalIntentDetails, Volume4D, Volume3D, Polygon,
Circle, Altitude, Time, UUIDv4Format). Round trip GeoJSON -> F3548 -> notice: a polygon or
circle comes back exact (numbers are doubles: Hausdorff <= 1 mm); a corridor or orbit as
the polygon drawn outside its arcs (contains the declared area; Hausdorff <= r *
WIDEN_AT_MOST + 1 m); the band exact (1 mm) against the nominal conversion (MSL taken as
the ellipsoid, flight levels in the ISA), which is the conversion's whole tolerance on
paper: GEOID_UNDULATION_BOUND_M (107 m) and a real atmosphere's departure from the ISA.
"""

from __future__ import annotations

import copy
from typing import Any

import pytest
from tests.formats.helpers import SHAPES, clean, compare, served

from interlock.errors import InvalidInput, StateConflict
from interlock.formats import f3548
from interlock.formats.outline import WIDEN_AT_MOST
from interlock.model.notice import parse_notice

jsonschema_rs = pytest.importorskip("jsonschema_rs")  # schemathesis brings it

UUID4 = "^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-4[0-9a-fA-F]{3}-[89abAB][0-9a-fA-F]{3}-[0-9a-fA-F]{12}$"
TIME = {
    "type": "object",
    "required": ["value", "format"],
    "properties": {
        "value": {"type": "string", "pattern": "Z$", "format": "date-time"},
        "format": {"enum": ["RFC3339"]},
    },
}
POINT = {
    "type": "object",
    "required": ["lat", "lng"],
    "properties": {
        "lat": {"type": "number", "minimum": -90, "maximum": 90},
        "lng": {"type": "number", "minimum": -180, "maximum": 180},
    },
}
ALTITUDE = {
    "type": "object",
    "required": ["value", "reference", "units"],
    "properties": {
        "value": {"type": "number", "minimum": -8000, "maximum": 100000},
        "reference": {"enum": ["W84"]},
        "units": {"enum": ["M"]},
    },
}
VOLUME4D = {
    "type": "object",
    "required": ["volume"],
    "properties": {
        "volume": {
            "type": "object",
            "properties": {
                "outline_polygon": {
                    "type": "object",
                    "required": ["vertices"],
                    "properties": {"vertices": {"type": "array", "minItems": 3, "items": POINT}},
                },
                "outline_circle": {
                    "type": "object",
                    "properties": {
                        "center": POINT,
                        "radius": {
                            "type": "object",
                            "required": ["value", "units"],
                            "properties": {
                                "value": {"type": "number", "exclusiveMinimum": 0},
                                "units": {"enum": ["M"]},
                            },
                        },
                    },
                },
                "altitude_lower": ALTITUDE,
                "altitude_upper": ALTITUDE,
            },
            # "Exactly one outline must be specified" (Volume3D)
            "oneOf": [{"required": ["outline_polygon"]}, {"required": ["outline_circle"]}],
        },
        "time_start": TIME,
        "time_end": TIME,
    },
}
OPERATIONAL_INTENT = {
    "type": "object",
    "required": ["reference", "details"],
    "properties": {
        "reference": {
            "type": "object",
            "required": [
                "id",
                "manager",
                "uss_availability",
                "version",
                "state",
                "time_start",
                "time_end",
                "uss_base_url",
                "subscription_id",
            ],
            "properties": {
                "id": {"type": "string", "pattern": UUID4},
                "manager": {"type": "string"},
                "uss_availability": {"enum": ["Unknown", "Normal", "Down"]},
                "version": {"type": "integer"},
                "state": {"enum": ["Accepted", "Activated", "Nonconforming", "Contingent"]},
                "ovn": {"type": "string", "minLength": 16, "maxLength": 128},
                "time_start": TIME,
                "time_end": TIME,
                "uss_base_url": {"type": "string", "pattern": "[^/]$"},
                "subscription_id": {"type": "string", "pattern": UUID4},
            },
        },
        "details": {
            "type": "object",
            "properties": {
                "volumes": {"type": "array", "items": VOLUME4D},
                "off_nominal_volumes": {"type": "array", "items": VOLUME4D},
                "priority": {"type": "integer"},
            },
        },
    },
}
VALIDATOR = jsonschema_rs.Draft202012Validator(OPERATIONAL_INTENT)
BASE = "https://interlock.example/api"


def out(f: dict[str, Any], **kw: Any) -> dict[str, Any]:
    return f3548.notice_to_intent(served(f, **kw), uss_base_url=BASE + "/")


@pytest.mark.parametrize("name", list(SHAPES))
def test_the_export_is_an_operational_intent_and_comes_back_within_precision(name: str) -> None:
    intent = out(SHAPES[name])
    errors = [str(e) for e in VALIDATOR.iter_errors(intent)]
    assert not errors, errors
    assert intent["reference"]["uss_base_url"] == BASE  # no trailing '/'
    original = parse_notice(clean(SHAPES[name]))
    [(path, back)] = f3548.intent_features(intent)
    assert path == "details.volumes[0]"
    again = parse_notice(back)
    sa, sb, hausdorff = compare(original, again)
    if original.area.shape in ("polygon", "circle"):
        assert hausdorff <= 0.001 and again.area.shape == original.area.shape
    else:
        assert sb.buffer(0.001).contains(sa)
        assert hausdorff <= original.area.radius_m * WIDEN_AT_MOST + 1.0
    assert original.band is not None and again.band is not None
    assert again.band.lower_m == pytest.approx(original.band.lower_m, abs=0.001)
    assert again.band.upper_m == pytest.approx(original.band.upper_m, abs=0.001)
    assert (again.start, again.end) == (original.start, original.end)


def test_heights_are_the_nominal_conversion() -> None:
    """FL180 is 18,000 ft of ISA pressure altitude: 5,486.4 m, written as W84 metres."""
    vol = out(SHAPES["polygon"])["details"]["volumes"][0]["volume"]
    assert vol["altitude_lower"] == {
        "value": pytest.approx(5486.4),
        "reference": "W84",
        "units": "M",
    }
    assert vol["altitude_upper"]["value"] == pytest.approx(6705.6)
    assert f3548.GEOID_UNDULATION_BOUND_M == 107.0
    vol["altitude_lower"]["reference"] = "SFC"  # the schema above can fail
    bad = out(SHAPES["polygon"])
    bad["details"]["volumes"][0]["volume"] = vol
    assert len(list(VALIDATOR.iter_errors(bad))) == 1


def test_the_same_notice_goes_out_under_the_same_id() -> None:
    a, b = out(SHAPES["circle"], nid="n-1"), out(SHAPES["circle"], nid="n-2")
    assert a["reference"]["id"] == out(SHAPES["circle"], nid="n-1")["reference"]["id"]
    assert a["reference"]["id"] != b["reference"]["id"]


def test_what_f3548_cannot_say_is_refused() -> None:
    sea = dict(SHAPES["circle"], properties={**SHAPES["circle"]["properties"]})
    sea["properties"] = {
        k: v for k, v in sea["properties"].items() if k not in ("fl_lower", "fl_upper")
    } | {"domain": "sea", "depth_min_m": 0, "depth_max_m": 50}
    with pytest.raises(InvalidInput, match="operational intents are airspace"):
        out(sea)
    holed = copy.deepcopy(SHAPES["polygon"])
    holed["geometry"]["coordinates"].append(
        [[34.8, 34.0], [34.9, 34.0], [34.9, 34.1], [34.8, 34.1], [34.8, 34.0]]
    )
    with pytest.raises(InvalidInput, match="holes"):
        out(holed)
    ended = served(SHAPES["circle"])
    ended["properties"]["status"] = "ended"
    with pytest.raises(StateConflict, match="no state"):
        f3548.notice_to_intent(ended, uss_base_url=BASE)
    everything = f3548.notices_to_intents(
        [ended, served(holed), served(SHAPES["orbit"])], uss_base_url=BASE
    )
    assert len(everything["operational_intents"]) == 1  # only what it can say


def refused(doc: Any, field: str, words: str) -> None:
    with pytest.raises(InvalidInput) as exc:
        f3548.intent_features(doc)
    assert exc.value.field == field and words in exc.value.detail, exc.value.detail


def test_what_a_notice_cannot_be_is_refused_naming_the_volume() -> None:
    good = out(SHAPES["polygon"])
    vol = "details.volumes[0]"

    def bad(change: Any) -> dict[str, Any]:
        doc = copy.deepcopy(good)
        change(doc)
        return doc

    off = bad(lambda d: d["details"].update(off_nominal_volumes=d["details"]["volumes"]))
    refused(off, "details.off_nominal_volumes", "off-nominal")
    agl = bad(
        lambda d: d["details"]["volumes"][0]["volume"]["altitude_lower"].update(reference="SFC")
    )
    refused(agl, f"{vol}.volume.altitude_lower.reference", "only W84")
    feet = bad(lambda d: d["details"]["volumes"][0]["volume"]["altitude_upper"].update(units="FT"))
    refused(feet, f"{vol}.volume.altitude_upper.units", "metres")
    no_top = bad(lambda d: d["details"]["volumes"][0]["volume"].pop("altitude_upper"))
    refused(no_top, f"{vol}.volume.altitude_upper", "required")
    no_end = bad(lambda d: d["details"]["volumes"][0].pop("time_end"))
    refused(no_end, f"{vol}.time_end", "required")
    both = bad(
        lambda d: d["details"]["volumes"][0]["volume"].update(
            outline_circle={"center": {"lat": 1, "lng": 1}, "radius": {"value": 1, "units": "M"}}
        )
    )
    refused(both, f"{vol}.volume", "exactly one")
    closed = bad(
        lambda d: d["details"]["volumes"][0]["volume"]["outline_polygon"]["vertices"].append(
            d["details"]["volumes"][0]["volume"]["outline_polygon"]["vertices"][0]
        )
    )
    refused(closed, f"{vol}.volume.outline_polygon.vertices", "repeats the first")
    refused(bad(lambda d: d["details"].update(volumes=[])), "details.volumes", "at least one")
    refused({"type": "FeatureCollection"}, "body", "expected an ASTM F3548")
    many = {"operational_intents": [good, agl]}
    refused(many, f"operational_intents[1].{vol}.volume.altitude_lower.reference", "only W84")


def test_latitude_over_90_is_left_to_the_notice_validation() -> None:
    doc = out(SHAPES["polygon"])
    doc["details"]["volumes"][0]["volume"]["outline_polygon"]["vertices"][1]["lat"] = 91.0
    [(_, f)] = f3548.intent_features(doc)
    with pytest.raises(InvalidInput) as exc:
        parse_notice(f)
    assert exc.value.field == "geometry.coordinates[0][1]" and "latitude 91.0" in exc.value.detail
