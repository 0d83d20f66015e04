"""Pydantic models that document the API in OpenAPI.

Requests are validated by the core parsers (which name the bad field); these models only
describe the shapes for /docs and generated clients.
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, Field


class Geometry(BaseModel):
    type: Literal["Polygon", "Point", "LineString"]
    coordinates: Any = Field(description="GeoJSON coordinates, WGS84 [lon, lat]")


class NoticeProperties(BaseModel):
    domain: Literal["air", "sea", "emission"]
    start: str = Field(description="ISO 8601 with a UTC offset", examples=["2026-12-01T10:00:00Z"])
    end: str = Field(description="ISO 8601 with a UTC offset", examples=["2026-12-01T12:00:00Z"])
    shape: Literal["polygon", "circle", "corridor", "orbit"] | None = Field(
        None, description="inferred from the geometry type; 'orbit' must be given"
    )
    radius_m: float | None = Field(None, description="circle and orbit radius")
    half_width_m: float | None = Field(None, description="corridor half-width")
    alt_lower_ft: float | None = Field(None, description="air: lower altitude, ft AMSL")
    alt_upper_ft: float | None = Field(None, description="air: upper altitude, ft AMSL")
    fl_lower: float | None = Field(None, description="air: lower flight level")
    fl_upper: float | None = Field(None, description="air: upper flight level")
    depth_min_m: float | None = Field(None, description="sea: shallowest depth, m (0 = surface)")
    depth_max_m: float | None = Field(None, description="sea: deepest depth, m")
    centre_freq_mhz: float | None = Field(None, description="emission: 0.003 - 300,000 MHz")
    bandwidth_mhz: float | None = Field(None, description="emission: > 0 MHz")
    eirp_dbm: float | None = Field(None, description="emission: main-beam EIRP, <= 120 dBm")
    antenna_height_m: float | None = Field(None, description="emission: above ground, m")
    azimuth_deg: float | None = Field(None, description="emission: beam bearing; omit: omni")
    beamwidth_deg: float | None = Field(None, description="emission: half-power beamwidth")
    purpose: str | None = None
    callsign: str | None = None
    remarks: str | None = None
    unit: str | None = None


class NoticeFeature(BaseModel):
    """A notice: a GeoJSON Feature."""

    type: Literal["Feature"]
    geometry: Geometry
    properties: NoticeProperties


class ReceiverProperties(BaseModel):
    """A protected receiver at the asset's centre (see model/receiver.py)."""

    freq_mhz: float
    bandwidth_mhz: float
    antenna_height_m: float
    gain_dbi: float
    azimuth_deg: float | None = Field(None, description="omit for omnidirectional")
    beamwidth_deg: float | None = None
    noise_figure_db: float | None = Field(None, description="or noise_floor_dbm")
    noise_floor_dbm: float | None = None
    criterion_db: float | None = Field(None, description="I/N; or give safety_of_life")
    safety_of_life: bool | None = Field(None, description="take the agreement's criterion")


class AssetProperties(BaseModel):
    kind: Literal["base", "zone", "radar"]
    name: str
    radius_m: float | None = None
    half_width_m: float | None = None
    alt_lower_ft: float | None = None
    alt_upper_ft: float | None = None
    start: str | None = Field(None, description="omit for a standing asset")
    end: str | None = None
    receiver: ReceiverProperties | None = Field(None, description="makes it a protected receiver")


class AssetFeature(BaseModel):
    type: Literal["Feature"]
    geometry: Geometry
    properties: AssetProperties


class ConflictOut(BaseModel):
    """A recorded conflict: strategic (two volumes: the distance fields) or, with kind
    "interference", an emission notice (b) at a protected receiver asset (a)."""

    id: int
    kind: Literal["interference"] | None = None
    a_kind: str
    a_id: str
    a_version: int
    b_kind: str
    b_id: str
    b_version: int
    a_party: str
    b_party: str
    parties: list[str]
    severity: Literal["minor", "major", "critical"]
    window_start: str | None = None
    window_end: str | None = None
    time_gap_s: float | None = None
    horizontal_distance_m: float | None = None
    horizontal_minimum_m: float | None = None
    vertical_gap_m: float | None = None
    vertical_minimum_m: float | None = None
    worst_lon: float | None = None
    worst_lat: float | None = None
    start: str | None = Field(None, description="interference: first slice over the criterion")
    end: str | None = None
    i_n_db: float | None = None
    criterion_db: float | None = None


class Contributor(BaseModel):
    notice: str
    party: str
    i_dbm: float | None
    share: float


class FrequencyShift(BaseModel):
    up: float | None = Field(description="MHz; None: no shift up clears")
    down: float | None
    nearest: float | None


class Advice(BaseModel):
    notice: str
    party: str
    eirp_dbm: float
    max_eirp_dbm: float | None = Field(description="None: the others alone exceed the criterion")
    reduce_by_db: float | None
    frequency_shift_mhz: FrequencyShift | None


class SpectrumConflict(BaseModel):
    """Consecutive slices of one receiver over its criterion, at their worst."""

    kind: Literal["interference"]
    receiver: str
    receiver_party: str
    receiver_name: str | None
    start: str
    end: str
    worst_at: str
    i_dbm: float | None
    n_dbm: float | None
    i_n_db: float | None
    criterion_db: float
    excess_db: float | None
    severity: Literal["minor", "major", "critical"]
    contributors: list[Contributor]
    move_list: list[str] = Field(description="emissions to reschedule or reduce, largest first")
    decisive: list[str] = Field(description="emissions whose removal alone clears a slice")
    advice: list[Advice]
    parties: list[str]


class SpectrumConflictsOut(BaseModel):
    start: str
    end: str
    conflicts: list[SpectrumConflict]


class ViolationOut(BaseModel):
    id: int
    kind: str
    notice: dict[str, Any]
    party: str
    detail: str
    lead_time_s: float
    required_s: float


class SubmitOut(BaseModel):
    notice: dict[str, Any] = Field(description="the stored notice (GeoJSON Feature)")
    conflicts: list[ConflictOut]
    violations: list[ViolationOut]


class FeatureCollectionOut(BaseModel):
    type: Literal["FeatureCollection"]
    features: list[dict[str, Any]]


class SignedEnvelope(BaseModel):
    """A party's statement, signed with its Ed25519 key over the RFC 8785 form of every
    field but `signature` (see interlock.ledger.envelope and interlock.client)."""

    kind: Literal["notice", "message", "receipt"]
    author: str = Field(description="the party id; must be the token's party")
    key_id: str = Field(description="which of the party's public keys signed")
    signed_at: str = Field(description="ISO 8601; within 5 minutes of the server clock")
    nonce: str = Field(description="random, >= 16 characters; a replay is refused")
    body: Any = Field(
        description="notice: a Feature; message: {to, priority, subject, body, refs, "
        "payload}; receipt: {message, status: delivered|acknowledged, reply}"
    )
    signature: str = Field(description="base64url Ed25519 signature")


class RecipientOut(BaseModel):
    party: str
    state: Literal["pending", "overdue", "acknowledged"]
    delivered_at: str | None
    acknowledged_at: str | None
    reply: str | None
    escalations: int


class MessageOut(BaseModel):
    id: str
    sent_at: str
    seq: int = Field(description="its ledger entry")
    state: Literal["pending", "overdue", "acknowledged"]
    recipients: list[RecipientOut]
    from_: str = Field(alias="from", description="a party id, or 'interlock' (system)")
    to: list[str]
    priority: Literal["routine", "urgent", "flash"]
    subject: str
    body: str
    refs: list[dict[str, str]]
    payload: dict[str, Any] | None
    deadline: str = Field(description="acknowledgement deadline (agreement, by priority)")
    signed: bool


class OwnForceProperties(BaseModel):
    time: str = Field(description="ISO 8601 with a UTC offset")
    domain: Literal["air", "sea"]
    alt_ft: float | None = None
    speed_kt: float | None = None
    course_deg: float | None = None
    vertical_rate_fpm: float | None = None
    name: str | None = None


class OwnForceFeature(BaseModel):
    type: Literal["Feature"]
    id: str = Field(description="your unit's id; the track is PARTY:ID")
    geometry: Geometry
    properties: OwnForceProperties


class OwnForcesIn(BaseModel):
    type: Literal["FeatureCollection"]
    features: list[OwnForceFeature]


class ErrorOut(BaseModel):
    error: str = Field(examples=["invalid_input"])
    detail: str = Field(examples=["properties.end: end must be after start"])


def _inline(node: Any, defs: dict[str, Any]) -> Any:
    if isinstance(node, dict):
        ref = node.get("$ref")
        if isinstance(ref, str) and ref.startswith("#/$defs/"):
            return _inline(defs[ref.removeprefix("#/$defs/")], defs)
        return {k: _inline(v, defs) for k, v in node.items() if k != "$defs"}
    if isinstance(node, list):
        return [_inline(v, defs) for v in node]
    return node


def body_schema(model: type[BaseModel]) -> dict[str, Any]:
    """openapi_extra documenting a JSON request body read by the core parser."""
    schema = model.model_json_schema()
    return {
        "requestBody": {
            "required": True,
            "content": {"application/json": {"schema": _inline(schema, schema.get("$defs", {}))}},
        }
    }
