"""ASTM F3548-21 operational intents (UTM strategic coordination) as JSON, out and in.

The shapes are the standard's interface, the OpenAPI document it points to (`utm.yaml`
v1.0.0, github.com/astm-utm/Protocol, "UTM API (USS->DSS and USS->USS)"), schemas:

- ``OperationalIntent`` = {``reference``: OperationalIntentReference, ``details``:
  OperationalIntentDetails}.
- ``OperationalIntentReference``: id (EntityID, a UUIDv4), manager, uss_availability
  (Unknown | Normal | Down), version, state (Accepted | Activated | Nonconforming |
  Contingent), ovn (only to the manager: never exported), time_start, time_end,
  uss_base_url, subscription_id (UUIDv4).
- ``OperationalIntentDetails``: volumes (Volume4D[]), off_nominal_volumes, priority.
- ``Volume4D`` = {volume: Volume3D, time_start, time_end}; ``Volume3D`` = exactly one of
  outline_polygon {vertices: [{lat, lng}] (>= 3, the last not repeating the first; edges
  are shortest paths)} or outline_circle {center {lat, lng}, radius {value, units "M"}},
  and altitude_lower / altitude_upper {value, reference "W84", units "M"}.
- ``Time`` = {value: RFC 3339 with zone "Z", format: "RFC3339"}.

Heights (the conversion, stated once; both directions use it):
- F3548 altitudes are metres above the WGS84 ellipsoid ("W84"). A notice's band is as
  filed: feet or metres above mean sea level, or flight levels.
- Mean sea level is taken AS the ellipsoid (geoid undulation N = 0). The truth is h = H + N;
  N lies between about -107 m and +86 m on Earth (EGM2008; +20 to +30 m over the
  eastern Mediterranean): the nominal conversion is within GEOID_UNDULATION_BOUND_M.
- A flight level is pressure altitude in the ICAO Standard Atmosphere (geo.units.fl_to_m:
  FL x 100 ft x 0.3048 m). It is nominal: on a real day a flight level lies hundreds of
  feet from that height (about 27 ft per hPa of QNH away from 1013.25, and about 4 % of
  the height per 10 degC away from ISA), which the agreement's vertical minimum absorbs as
  it does for detection. An intent read back gives feet (alt_lower_ft/alt_upper_ft), not
  flight levels: the number is exact (1 mm) against the nominal conversion.

Requirement OPIN0015 of F3548-21 (as InterUSS's uss_qualifier states it): a nominal intent
(Accepted, Activated) carries no off-nominal volume; interlock's notices are all nominal,
so an export never has one and an import refuses one.

What cannot be represented is refused with the reason, never guessed: out, a sea or
emission notice (F3548 is airspace), a polygon with holes, an ended or cancelled notice
(F3548 has no state for it); in, off-nominal volumes, a volume without both altitudes or
both times, a reference other than W84 or units other than metres, an outline other than
exactly one polygon or circle.
"""

from __future__ import annotations

import hashlib
import math
import uuid
from typing import Any

from ..errors import InvalidInput, StateConflict
from ..geo.shapes import Area
from ..geo.units import M_PER_FT
from ..model.limits import MAX_COLLECTION_FEATURES
from ..model.timeutil import iso, parse_utc
from .outline import rings

GEOID_UNDULATION_BOUND_M = 107.0  # |N| on Earth, EGM2008 (min about -107 m, max +86 m)
W84, METRES, RFC3339 = "W84", "M", "RFC3339"  # utm.yaml Altitude.reference/units, Time.format
STATES = {"submitted": "Accepted", "active": "Activated"}  # utm.yaml OperationalIntentState
USS_AVAILABILITY = "Unknown"  # utm.yaml UssAvailabilityState: "presumed ... absent indication"


def entity_id(kind: str, key: str) -> str:
    """A UUIDv4-formatted EntityID (utm.yaml UUIDv4Format) derived from an interlock id,
    so the same notice always goes out under the same id."""
    raw = bytearray(hashlib.sha256(f"interlock:{kind}:{key}".encode()).digest()[:16])
    raw[6] = (raw[6] & 0x0F) | 0x40  # version 4
    raw[8] = (raw[8] & 0x3F) | 0x80  # RFC 4122 variant
    return str(uuid.UUID(bytes=bytes(raw)))


def _time(value: str) -> dict[str, str]:
    return {"value": iso(parse_utc(value, "time")).replace("+00:00", "Z"), "format": RFC3339}


def _altitude(metres: float) -> dict[str, Any]:
    return {"value": metres, "reference": W84, "units": METRES}


def _outline(area: Area) -> dict[str, Any]:
    if area.shape == "circle":
        lon, lat = area.core[0]
        return {
            "outline_circle": {
                "center": {"lat": lat, "lng": lon},
                "radius": {"value": area.radius_m, "units": METRES},
            }
        }
    if area.shape == "polygon":
        if area.holes:
            raise InvalidInput(
                "a polygon with holes has no F3548 outline (utm.yaml Polygon has one ring)",
                field="geometry.coordinates",
            )
        ring = area.core[:-1]
    else:  # corridor, orbit: the buffer's polygon, drawn outside the arcs (formats.outline)
        ring = rings(area)[0][:-1]
    return {"outline_polygon": {"vertices": [{"lat": y, "lng": x} for x, y in ring]}}


def notice_to_intent(
    notice: dict[str, Any], *, uss_base_url: str, manager: str | None = None
) -> dict[str, Any]:
    """One notice (as GET /notices/{id} serves it) as an OperationalIntent: one Volume4D."""
    props = notice["properties"]
    nid = str(notice.get("id") or props["id"])
    if props.get("domain") != "air":
        raise InvalidInput(
            f"a {props.get('domain')} notice has no F3548 form (operational intents are "
            "airspace volumes)",
            field="properties.domain",
        )
    state = STATES.get(str(props.get("status")))
    if state is None:
        raise StateConflict(
            f"notice {nid} is {props.get('status')}: F3548 has no state for it "
            "(utm.yaml OperationalIntentState)"
        )
    area = Area.from_stored(notice["geometry"], props)
    start, end = _time(props["start"]), _time(props["end"])
    volume = {
        "volume": {
            **_outline(area),
            "altitude_lower": _altitude(float(props["lower_m"])),
            "altitude_upper": _altitude(float(props["upper_m"])),
        },
        "time_start": start,
        "time_end": end,
    }
    party = manager or str(props["party"])
    return {
        "reference": {
            "id": entity_id("notice", nid),
            "manager": party,
            "uss_availability": USS_AVAILABILITY,
            "version": int(props.get("version", 1)),
            "state": state,
            "time_start": start,
            "time_end": end,
            "uss_base_url": uss_base_url.rstrip("/"),  # utm.yaml UssBaseURL: no trailing '/'
            # Required by the schema; interlock holds no DSS subscription: derived per party.
            "subscription_id": entity_id("subscription", party),
        },
        "details": {"volumes": [volume], "off_nominal_volumes": [], "priority": 0},
    }


def notices_to_intents(notices: list[dict[str, Any]], *, uss_base_url: str) -> dict[str, Any]:
    """Many notices: those F3548 can say (air, submitted or active), the rest left out."""
    out = []
    for n in notices:
        p = n["properties"]
        if p.get("domain") == "air" and p.get("status") in STATES and not _holed(n):
            out.append(notice_to_intent(n, uss_base_url=uss_base_url))
    return {"operational_intents": out}


def _holed(notice: dict[str, Any]) -> bool:
    g = notice["geometry"]
    return bool(g["type"] == "Polygon" and len(g["coordinates"]) > 1)


# ---- in ---------------------------------------------------------------------------------


def _obj(value: Any, where: str) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise InvalidInput("an object is required", field=where)
    return value


def _intents(doc: Any) -> list[tuple[str, Any]]:
    """The intents of a document: one OperationalIntent, {"operational_intent": OI} (utm.yaml
    GetOperationalIntentDetailsResponse), {"operational_intents": [OI]} (what export
    writes), or a list of them; each with the path naming it."""
    if isinstance(doc, list):
        return [(f"[{i}]", x) for i, x in enumerate(doc)]
    if isinstance(doc, dict) and "operational_intents" in doc:
        items = doc["operational_intents"]
        if not isinstance(items, list):
            raise InvalidInput("must be a list", field="operational_intents")
        return [(f"operational_intents[{i}]", x) for i, x in enumerate(items)]
    if isinstance(doc, dict) and "operational_intent" in doc:
        return [("operational_intent", doc["operational_intent"])]
    if isinstance(doc, dict) and "details" in doc:
        return [("", doc)]
    raise InvalidInput(
        "expected an ASTM F3548 OperationalIntent (reference, details), a list of them, or "
        '{"operational_intents": [...]}',
        field="body",
    )


def _feet(alt: Any, where: str) -> float:
    alt = _obj(alt, where)
    if alt.get("reference") != W84:
        raise InvalidInput(
            f"reference {alt.get('reference')!r}: only W84 (WGS84 ellipsoid) heights are read "
            "(utm.yaml Altitude.reference)",
            field=f"{where}.reference",
        )
    if alt.get("units") != METRES:
        raise InvalidInput(
            f"units {alt.get('units')!r}: only metres ('M') are read", field=f"{where}.units"
        )
    value = alt.get("value")
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        raise InvalidInput("must be a finite number", field=f"{where}.value")
    return float(value) / M_PER_FT  # nominal: the ellipsoid taken as mean sea level


def _when(value: Any, where: str) -> str:
    t = _obj(value, where)
    if t.get("format") != RFC3339:
        raise InvalidInput("format must be 'RFC3339'", field=f"{where}.format")
    text = t.get("value")
    return iso(parse_utc(text, f"{where}.value"))


def _point(value: Any, where: str) -> list[Any]:
    p = _obj(value, where)
    if "lat" not in p or "lng" not in p:
        raise InvalidInput("a point is {lat, lng}", field=where)
    return [p["lng"], p["lat"]]  # checked as a GeoJSON position by the notice validation


def _geometry(vol3: dict[str, Any], where: str) -> tuple[dict[str, Any], dict[str, Any]]:
    has_poly, has_circle = "outline_polygon" in vol3, "outline_circle" in vol3
    if has_poly == has_circle:
        raise InvalidInput(
            "exactly one of outline_polygon and outline_circle is required (utm.yaml Volume3D)",
            field=where,
        )
    if has_circle:
        circle = _obj(vol3["outline_circle"], f"{where}.outline_circle")
        radius = _obj(circle.get("radius"), f"{where}.outline_circle.radius")
        if radius.get("units") != METRES:
            raise InvalidInput("units must be 'M'", field=f"{where}.outline_circle.radius.units")
        centre = _point(circle.get("center"), f"{where}.outline_circle.center")
        return {"type": "Point", "coordinates": centre}, {"radius_m": radius.get("value")}
    poly = _obj(vol3["outline_polygon"], f"{where}.outline_polygon")
    vertices = poly.get("vertices")
    if not isinstance(vertices, list) or len(vertices) < 3:
        raise InvalidInput("at least 3 vertices", field=f"{where}.outline_polygon.vertices")
    ring = [_point(v, f"{where}.outline_polygon.vertices[{i}]") for i, v in enumerate(vertices)]
    if ring[0] == ring[-1]:
        raise InvalidInput(
            "the last vertex repeats the first (utm.yaml Polygon: it must not)",
            field=f"{where}.outline_polygon.vertices",
        )
    return {"type": "Polygon", "coordinates": [[*ring, ring[0]]]}, {}


def intent_features(doc: Any) -> list[tuple[str, dict[str, Any]]]:
    """Each nominal volume of each intent as an air notice Feature, with the path naming
    it (for a refusal): not yet validated; the service validates it as any GeoJSON."""
    out: list[tuple[str, dict[str, Any]]] = []
    for path, intent in _intents(doc):
        where = path or "operational_intent"
        oi = _obj(intent, where)
        given = oi.get("reference")
        ref: dict[str, Any] = given if isinstance(given, dict) else {}
        details = _obj(oi.get("details"), f"{path}.details".lstrip("."))
        dpath = f"{path}.details".lstrip(".")
        if details.get("off_nominal_volumes"):
            raise InvalidInput(
                "off-nominal volumes (a Nonconforming or Contingent intent; F3548-21 "
                "OPIN0015) say where an aircraft may stray, not planned activity: no notice "
                "can declare them",
                field=f"{dpath}.off_nominal_volumes",
            )
        volumes = details.get("volumes")
        if not isinstance(volumes, list) or not volumes:
            raise InvalidInput("at least one Volume4D is required", field=f"{dpath}.volumes")
        for i, v4 in enumerate(volumes):
            vpath = f"{dpath}.volumes[{i}]"
            v4 = _obj(v4, vpath)
            for key in ("time_start", "time_end"):
                if key not in v4:
                    raise InvalidInput(
                        "required for every volume (utm.yaml OperationalIntentDetails.volumes)",
                        field=f"{vpath}.{key}",
                    )
            vol3 = _obj(v4.get("volume"), f"{vpath}.volume")
            for key in ("altitude_lower", "altitude_upper"):
                if key not in vol3:
                    raise InvalidInput(
                        "required for every volume (utm.yaml OperationalIntentDetails.volumes)",
                        field=f"{vpath}.volume.{key}",
                    )
            geometry, dims = _geometry(vol3, f"{vpath}.volume")
            props: dict[str, Any] = {
                "domain": "air",
                **dims,
                "alt_lower_ft": _feet(vol3["altitude_lower"], f"{vpath}.volume.altitude_lower"),
                "alt_upper_ft": _feet(vol3["altitude_upper"], f"{vpath}.volume.altitude_upper"),
                "start": _when(v4["time_start"], f"{vpath}.time_start"),
                "end": _when(v4["time_end"], f"{vpath}.time_end"),
                "remarks": (
                    f"ASTM F3548 operational intent {ref.get('id', '?')} version "
                    f"{ref.get('version', '?')} managed by {ref.get('manager', '?')}, "
                    f"volume {i}"
                )[:2000],
            }
            out.append((vpath, {"type": "Feature", "geometry": geometry, "properties": props}))
            if len(out) > MAX_COLLECTION_FEATURES:
                raise InvalidInput(
                    f"more than {MAX_COLLECTION_FEATURES} volumes; at most "
                    f"{MAX_COLLECTION_FEATURES} notices are filed at once",
                    field="body",
                )
    if not out:
        raise InvalidInput("no operational intent", field="body")
    return out
