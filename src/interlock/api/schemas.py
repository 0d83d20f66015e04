"""Pydantic models that document the API in OpenAPI.

Requests are validated by the core parsers (which name the bad field); these models only
describe the shapes for /docs, generated clients and the schemathesis run. Responses are
built by the services as plain dicts and mostly rendered by orjson without a pydantic
pass, so the response models are `Closed` (additionalProperties: false): a field a service
adds or drops without the model following shows up as a schema violation in the tests,
not as a silent gap in the documentation.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from ..model.events import EventKind
from ..model.hazard_rules import ACTIVITIES
from ..model.limits import MAX_COLLECTION_FEATURES


class Closed(BaseModel):
    """A response object with exactly the fields listed (additionalProperties: false)."""

    model_config = ConfigDict(extra="forbid")


def _no_default(schema: dict[str, Any]) -> None:
    schema.pop("default", None)


def omitted(description: str | None = None) -> Any:
    """A field the service leaves out when it does not apply (never sends null): optional
    in the schema, with no "default": null that would suggest otherwise."""
    return Field(None, description=description, json_schema_extra=_no_default)


ISO = "ISO 8601 UTC, 'Z' suffix"
EPOCH_S = "seconds since 1970-01-01 UTC"
Severity = Literal["minor", "major", "critical"]
Priority = Literal["routine", "urgent", "flash"]
Sha256 = Annotated[str, Field(pattern="^[0-9a-f]{64}$")]
Activity = Literal[ACTIVITIES]  # type: ignore[valid-type]


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
    activity: Activity | None = Field(
        None, description="what the party will do there; a kinetic one makes hazards hot"
    )


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


# ---- responses: geometry ---------------------------------------------------------------
Position = Annotated[list[float], Field(min_length=2, max_length=3, description="[lon, lat]")]


class PointOut(Closed):
    type: Literal["Point"]
    coordinates: Position


class LineStringOut(Closed):
    type: Literal["LineString"]
    coordinates: list[Position] = Field(min_length=2)


class PolygonOut(Closed):
    type: Literal["Polygon"]
    coordinates: list[list[Position]] = Field(description="exterior ring, then holes")


GeometryOut = Annotated[PointOut | LineStringOut | PolygonOut, Field(discriminator="type")]


# ---- responses: notices -----------------------------------------------------------------
class NoticePropertiesOut(Closed):
    """A stored notice's properties: as filed (normalised), plus the server's fields. The
    optional free fields appear only where the agreement lets the viewer see them."""

    domain: Literal["air", "sea", "emission"]
    shape: Literal["polygon", "circle", "corridor", "orbit"]
    radius_m: float = omitted("circle and orbit")
    half_width_m: float = omitted("corridor")
    alt_lower_ft: float = omitted("air, as given in feet")
    alt_upper_ft: float = omitted()
    fl_lower: float = omitted("air, as given in flight levels")
    fl_upper: float = omitted()
    depth_min_m: float = omitted("sea")
    depth_max_m: float = omitted()
    lower_m: float = omitted("air and sea: the band in metres AMSL, as detection uses it")
    upper_m: float = omitted()
    start: str = Field(description=ISO)
    end: str = Field(description=ISO)
    centre_freq_mhz: float = omitted("emission")
    bandwidth_mhz: float = omitted("emission")
    eirp_dbm: float = omitted("emission")
    antenna_height_m: float = omitted("emission")
    azimuth_deg: float = omitted("emission: a directional beam")
    beamwidth_deg: float = omitted("emission: with azimuth_deg")
    purpose: str = omitted()
    callsign: str = omitted()
    remarks: str = omitted()
    unit: str = omitted()
    activity: Activity = omitted("model.hazard_rules.ACTIVITIES; every party sees it")
    id: str
    party: str
    version: int = Field(ge=1)
    status: Literal["submitted", "active", "ended", "cancelled"]
    filed_at: str = Field(description=f"this version; {ISO}")
    created_at: str = Field(description=f"version 1; {ISO}")
    cancelled_at: str | None


class NoticeOut(Closed):
    """A notice (one version) as a GeoJSON Feature."""

    type: Literal["Feature"]
    id: str
    geometry: GeometryOut
    properties: NoticePropertiesOut


class NoticeCollectionOut(Closed):
    type: Literal["FeatureCollection"]
    features: list[NoticeOut]


# ---- responses: conflicts and violations ------------------------------------------------
class StrategicConflictOut(Closed):
    """Two declared volumes closer than the agreed minima (window overlap or within the
    time buffer)."""

    id: int
    a_kind: Literal["notice", "asset"]
    a_id: str
    a_version: int
    b_kind: Literal["notice", "asset"]
    b_id: str
    b_version: int
    a_party: str
    b_party: str
    severity: Severity
    parties: list[str]
    window_start: str = Field(description=ISO)
    window_end: str = Field(description=ISO)
    time_gap_s: float
    horizontal_distance_m: float
    horizontal_minimum_m: float
    vertical_gap_m: float
    vertical_minimum_m: float
    worst_lon: float
    worst_lat: float


class Contributor(Closed):
    notice: str
    party: str
    i_dbm: float | None
    share: float


class FrequencyShift(Closed):
    up: float | None = Field(description="MHz; None: no shift up clears")
    down: float | None
    nearest: float | None


class Advice(Closed):
    notice: str
    party: str
    eirp_dbm: float
    max_eirp_dbm: float | None = Field(description="None: the others alone exceed the criterion")
    reduce_by_db: float | None
    frequency_shift_mhz: FrequencyShift | None


class SpectrumConflict(Closed):
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
    severity: Severity
    contributors: list[Contributor]
    move_list: list[str] = Field(description="emissions to reschedule or reduce, largest first")
    decisive: list[str] = Field(description="emissions whose removal alone clears a slice")
    advice: list[Advice]
    parties: list[str]


class SpectrumConflictsOut(Closed):
    start: str
    end: str
    conflicts: list[SpectrumConflict]


class InterferenceConflictOut(SpectrumConflict):
    """An emission notice (b) at a protected receiver asset (a), recorded as a conflict:
    the episode as assessed when it was found, with the pair it concerns."""

    id: int
    a_kind: Literal["asset"]
    a_id: str
    a_version: int
    b_kind: Literal["notice"]
    b_id: str
    b_version: int
    a_party: str
    b_party: str
    parties: list[str] = Field(description="the receiver's party and the emission's")


class ExposureConflictOut(StrategicConflictOut):
    """Another party's air notice (a) inside a hazard's envelope made hot by a kinetic
    notice (b): always critical. The volumes meet, so distances, gaps and minima are 0."""

    kind: Literal["exposure"]
    hazard: str = Field(description="the hazard's id")
    depth_m: float = Field(description="how far the volume's deepest point is inside")
    time_to_exit_s: float = Field(description="at the agreement's default_exit_speed_kt")
    required_warning_s: float = Field(description="time_to_exit_s + ack_margin_min")


ConflictOut = StrategicConflictOut | InterferenceConflictOut | ExposureConflictOut


class _Listed(Closed):
    detected_at: float = Field(description=EPOCH_S)
    closed_at: float | None = Field(description=f"{EPOCH_S}; None: open")
    closed_reason: str | None


class ListedStrategicConflictOut(StrategicConflictOut, _Listed):
    """A strategic conflict as stored: with when it was found and whether it is closed."""


class ListedInterferenceConflictOut(InterferenceConflictOut, _Listed):
    """An interference conflict as stored: with when it was found and whether it is closed."""


class ListedExposureConflictOut(ExposureConflictOut, _Listed):
    """An exposure conflict as stored: with when it was found and whether it is closed."""


ListedConflictOut = (
    ListedStrategicConflictOut | ListedInterferenceConflictOut | ListedExposureConflictOut
)


class RefOut(Closed):
    kind: Literal["notice", "asset"]
    id: str
    version: int


class ViolationOut(Closed):
    """A breach of an agreement rule found when a notice was filed."""

    id: int
    kind: Literal["late_notice", "insufficient_warning"]
    notice: RefOut
    party: str
    detail: str
    lead_time_s: float
    required_s: float
    hazard: str = omitted("insufficient_warning: the hazard the exposed aircraft is in")
    exposed: RefOut = omitted("insufficient_warning: the exposed notice")
    exposed_party: str = omitted("insufficient_warning")
    lead_time_min: float = omitted("insufficient_warning: lead_time_s in minutes")
    required_min: float = omitted("insufficient_warning: required_s in minutes")


class ListedViolationOut(ViolationOut):
    detected_at: float = Field(description=EPOCH_S)


class SubmitOut(Closed):
    notice: NoticeOut = Field(description="the stored version")
    conflicts: list[ConflictOut] = Field(description="found by this version (all recorded)")
    violations: list[ViolationOut]


class AdviceNoticeOut(Closed):
    id: str
    version: int = Field(description="the version the advice is for")
    party: str
    name: str = Field(description="callsign, else 'notice <id>'")


class AdviceMetOut(Closed):
    """Something the notice meets now: a conflict or an exposure the advice clears."""

    kind: Literal["notice", "asset", "hot_hazard", "exposed"]
    id: str = Field(description="the other notice or asset (hot_hazard: the kinetic notice)")
    party: str
    party_name: str
    name: str
    hazard: str | None


class AdvicePieceOut(Closed):
    k: str = Field(description="what POST /notices/{id}/advice/{k}/apply takes")
    kind: Literal["delay", "advance", "level_up", "level_down", "offset", "narrow", "shrink"]
    summary: str = Field(description="in the watch officer's words")
    change: dict[str, Any] = Field(
        description="delay_s | advance_s | shift_ft (air) or shift_m (sea, + is up) | "
        "bearing_deg + distance_nm | width, from_m, to_m, narrowed_nm | kept_fraction, area_km2"
    )
    late: bool = Field(description="filed now, the amendment would be a late notice")
    feature: dict[str, Any] = Field(description="the advised notice as it would be filed")


class AdviceUnavailableOut(Closed):
    kind: str
    why: str


class AdviceOut(Closed):
    """The smallest changes of a notice that clear it of every other party's notice,
    asset and hot hazard at once (each checked exactly before it is offered)."""

    conflict: int = omitted("GET /conflicts/{id}/advice: the conflict asked about")
    notice: AdviceNoticeOut
    clears: list[int] = Field(description="the notice's open conflicts")
    meets: list[AdviceMetOut]
    advice: list[AdvicePieceOut]
    unavailable: list[AdviceUnavailableOut]
    computed_at: str


class AppliedPieceOut(Closed):
    kind: str
    summary: str


class AppliedOut(SubmitOut):
    applied: AppliedPieceOut


class SubmitAllOut(Closed):
    results: list[SubmitOut] = Field(description="one per feature, in the order sent")


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
        "payload, phrase: {code, args} (GET /phrases)}; receipt: {message, status: "
        "delivered|acknowledged, reply, checkpoint: "
        "{size, root} (the log's checkpoint the signer verified, holding the message)}"
    )
    signature: str = Field(description="base64url Ed25519 signature")


class NoticeCollectionIn(BaseModel):
    """Notices filed all or nothing: each a Feature or a signed envelope (with its
    openings), as POST /notices takes."""

    type: Literal["FeatureCollection"]
    features: list[NoticeFeature | SignedEnvelope] = Field(
        min_length=1, max_length=MAX_COLLECTION_FEATURES
    )


class RecipientOut(Closed):
    party: str
    state: Literal["pending", "overdue", "acknowledged"]
    delivered_at: str | None
    acknowledged_at: str | None
    reply: str | None
    escalations: int


class MessageRefOut(Closed):
    kind: Literal["notice", "conflict", "message", "violation"]
    id: str


class PhraseOut(Closed):
    """A standard phrase as sent: its code and slot values (model.phrases)."""

    code: str
    args: dict[str, str]


class PhraseSlotOut(Closed):
    name: str
    kind: Literal["text", "time", "notice"]


class PhraseDefOut(Closed):
    code: str
    slots: list[PhraseSlotOut]
    text: dict[str, str] = Field(description="language -> template, {slot} placeholders")
    model: str = Field(description="the ICAO Doc 4444 / Doc 9432 form it follows")


class PhrasesOut(Closed):
    languages: list[str]
    max_arg: int = Field(description="longest slot value, in characters")
    phrases: list[PhraseDefOut]


class MessageOut(Closed):
    id: str
    sent_at: str
    seq: int = Field(description="its ledger entry")
    state: Literal["pending", "overdue", "acknowledged"]
    recipients: list[RecipientOut]
    from_: str = Field(alias="from", description="a party id, or 'interlock' (system)")
    to: list[str]
    priority: Priority
    subject: str
    body: str
    refs: list[MessageRefOut]
    payload: dict[str, Any] | None = Field(description="the sender's structured data, as sent")
    phrase: PhraseOut | None = Field(
        description="a standard phrase, rendered in each reader's language (GET /phrases)"
    )
    deadline: str = Field(description="acknowledgement deadline (agreement, by priority)")
    signed: bool


class ReceiptOut(Closed):
    seq: int = Field(description="the receipt's ledger entry")
    message: MessageOut = Field(description="the message with the receipt applied")


class HeartbeatOut(Closed):
    party: str
    state: Literal["up"]
    was: Literal["up", "down"] | None = Field(description="None: never heard before")
    interval_s: float = Field(description="send the next one within this")


class ChannelOut(Closed):
    party: str
    state: Literal["up", "down", "unknown"]
    last_seen: str | None = Field(description=f"last heartbeat; {ISO}")


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


# ---- responses: meta ----------------------------------------------------------------------
class HealthOut(Closed):
    status: Literal["ok"]
    version: str = Field(description="the server's interlock version")
    agreement: str = Field(description="the agreement's name")
    time: str = Field(
        description="the server's clock (UTC, ISO 8601), by which it judges notice times"
    )


class PartyOut(Closed):
    id: str
    name: str


class AgreementPartyOut(PartyOut):
    public_keys: list[str] = Field(description="Ed25519 public keys that sign its statements")


class SeparationOut(Closed):
    horizontal_m: float
    vertical_m: float


class BySeparationDomain(Closed):
    air: SeparationOut
    sea: SeparationOut


class RulesOut(Closed):
    min_lead_time_min: float
    late_notice: Literal["record", "refuse"]
    time_buffer_min: float
    max_area_km2: float
    max_duration_h: float
    require_signatures: bool
    planning_horizon_days: float
    max_positions: int
    max_rings: int
    max_boundary_pieces: int
    max_path_overlap: float
    max_candidates: int
    separation: BySeparationDomain


class VisibilityOut(Closed):
    others_see: list[Literal["purpose", "callsign", "remarks", "unit"]]


class ByPriority(Closed):
    routine: float
    urgent: float
    flash: float


class SystemPriorityOut(Closed):
    critical: Priority
    major: Priority
    minor: Priority
    late_notice: Priority
    warning: Priority  # a tactical alert short of critical
    exposure: Priority  # an aircraft inside a hot hazard envelope
    insufficient_warning: Priority  # a kinetic notice filed too late for it to leave
    nonconformance: Priority
    masking: Priority


class HotlineRulesOut(Closed):
    ack_deadline_s: ByPriority
    escalation_repeat_s: ByPriority
    escalation_contacts: list[str]
    heartbeat_interval_s: float
    heartbeat_missed: int
    system_priority: SystemPriorityOut


class TacticalMinimaOut(Closed):
    horizontal_m: float
    vertical_m: float | None = Field(description="None: horizontal only")
    lookahead_s: float


class TacticalOut(Closed):
    air: TacticalMinimaOut
    sea: TacticalMinimaOut


class SpectrumRulesOut(Closed):
    criterion_db: float
    safety_of_life_criterion_db: float
    propagation: Literal["smooth_earth", "free_space"]
    k_factor: float
    clutter_db: float
    top_contributors: int


class HazardRulesOut(Closed):
    kinetic: list[str]
    reach_km: float
    reaction_tail_min: float
    default_exit_speed_kt: float
    ack_margin_min: float
    conformance_grace_s: float
    masking_nm: float
    masking_deg: float


class FormatsOut(Closed):
    """Who issues the theatre's NOTAMs and navigational warnings (`[formats]`)."""

    fir: str
    notam_series: str
    navarea: str


class HistoryRulesOut(Closed):
    interval_s: float
    turn_deg: float
    level_ft: float
    retention_days: float


class AdviceRulesOut(Closed):
    """`[advice]`: how far advice may change a notice, and to what step."""

    max_time_shift_h: float
    max_offset_nm: float
    bearings: int
    time_step_s: float
    level_step_ft: float
    depth_step_m: float
    offset_step_nm: float


class AgreementOut(Closed):
    name: str
    parties: list[AgreementPartyOut]
    rules: RulesOut
    visibility: VisibilityOut
    hotline: HotlineRulesOut
    tactical: TacticalOut
    spectrum: SpectrumRulesOut
    hazards: HazardRulesOut
    formats: FormatsOut
    history: HistoryRulesOut
    advice: AdviceRulesOut


# ---- responses: the ledger ----------------------------------------------------------------
class LedgerEvent(BaseModel):
    """What happened. Its fields depend on its type (the event as recorded and hashed); an
    event the reader is not in the audience of comes as {type, redacted: true} (entries
    chained before audiences existed: hotline traffic between other parties, and other
    parties' notices holding hidden fields, plus id for a notice)."""

    model_config = ConfigDict(extra="allow")

    type: EventKind
    redacted: Literal[True] = omitted("present only on a redacted event")


class DiscloseIn(Closed):
    """Which committed field of the entry to disclose."""

    field: str = Field(min_length=1, max_length=64)


class Opening(Closed):
    """A committed field's value and salt: SHA-256 of RFC 8785 {field, salt, value} is
    the commitment in the event."""

    salt: str
    value: Any


class LedgerEntryOut(Closed):
    """One link of the hash chain; see interlock.ledger.chain for how to verify it."""

    seq: int = Field(ge=1)
    prev_hash: Sha256
    received_at: str = Field(description=ISO)
    content_hash: Sha256
    audience: list[str] = omitted(
        "who may read the event, sorted (in the entry hash); absent on entries chained "
        "before audiences existed"
    )
    hash: Sha256
    event: LedgerEvent
    openings: dict[str, Opening] = omitted(
        "the values and salts of the committed notice fields the reader may see "
        "(interlock.ledger.commitments); outside every hash"
    )


# ---- the verifiable log (interlock.ledger.merkle, .checkpoint) --------------------------------
Base64Hash = Annotated[str, Field(pattern="^[A-Za-z0-9+/]{43}=$", description="base64, 32 bytes")]


class CheckpointOut(Closed):
    """The latest signed checkpoint (C2SP tlog-checkpoint in a signed note)."""

    origin: str
    log_key: str = Field(description="the log's verifier key (signed-note text form)")
    size: int = Field(ge=0)
    root: Base64Hash
    time: int = Field(ge=0, description="Unix seconds, from the log's timestamped signature")
    note: str = Field(description="the signed note with the parties' cosignatures")
    cosigned_by: list[str]


class InclusionProofOut(Closed):
    seq: int = Field(ge=1)
    size: int = Field(ge=1)
    leaf_index: int = Field(ge=0)
    leaf_hash: Base64Hash
    proof: list[Base64Hash] = Field(description="RFC 9162 section 2.1.3.1")


class ConsistencyProofOut(Closed):
    from_: int = Field(ge=1, alias="from")
    to: int = Field(ge=1)
    proof: list[Base64Hash] = Field(description="RFC 9162 section 2.1.4.1")


class CosignIn(BaseModel):
    """A party's cosignature (C2SP tlog-cosignature v1) of a checkpoint this log signed."""

    size: int = Field(ge=0, le=2**63 - 1)
    cosignature: str = Field(max_length=1000, description="the signature line, no newline")


class CosignOut(Closed):
    origin: str
    size: int = Field(ge=0)
    party: str
    time: int = Field(ge=0)


# ---- responses: protected assets ------------------------------------------------------------
class ReceiverOut(Closed):
    freq_mhz: float
    bandwidth_mhz: float
    antenna_height_m: float
    gain_dbi: float
    noise_figure_db: float = omitted("or noise_floor_dbm")
    noise_floor_dbm: float = omitted()
    criterion_db: float = omitted("I/N; absent: by safety_of_life")
    safety_of_life: bool
    azimuth_deg: float = omitted("absent: omnidirectional")
    beamwidth_deg: float = omitted()


class AssetPropertiesOut(Closed):
    kind: Literal["base", "zone", "radar"]
    name: str
    shape: Literal["polygon", "circle", "corridor", "orbit"]
    radius_m: float = omitted("circle and orbit")
    half_width_m: float = omitted("corridor")
    alt_lower_ft: float = omitted("as given in feet")
    alt_upper_ft: float = omitted()
    fl_lower: float = omitted("as given in flight levels")
    fl_upper: float = omitted()
    lower_m: float = Field(description="metres AMSL (no band given: from the sea floor up)")
    upper_m: float
    start: str | None = Field(description="None: a standing asset")
    end: str | None
    receiver: ReceiverOut = omitted("a protected receiver")
    id: str
    party: str
    created_at: str = Field(description=ISO)
    retired_at: str | None


class AssetOut(Closed):
    type: Literal["Feature"]
    id: str
    geometry: GeometryOut
    properties: AssetPropertiesOut


class AssetCreatedOut(AssetOut):
    conflicts: list[InterferenceConflictOut] = Field(
        description="a receiver: the emissions to come that interfere with it (recorded)"
    )


class AssetCollectionOut(Closed):
    type: Literal["FeatureCollection"]
    features: list[AssetOut]


# ---- hazards (issue 15: third-party weapon engagement zones) ----------------------------
class HazardProperties(BaseModel):
    name: str = Field(description="1 to 200 characters")
    operator: str = Field(description="the third party whose weapon it is (free text)")
    weapon: str | None = Field(None, examples=["S-200 (SA-5)"])
    source: str = Field(description="how the reporting party knows it (required)")
    range_m: float = Field(description="the weapon's range from the site or area, > 0, <= 1,000 km")
    alt_min_ft: float = Field(description="lowest altitude it reaches, ft AMSL")
    alt_max_ft: float = Field(description="highest altitude it reaches, ft AMSL (> alt_min_ft)")
    valid_from: str | None = Field(None, description="ISO 8601 with a UTC offset; omit: now")
    valid_to: str | None = Field(None, description="omit: until retired")


class HazardFeature(BaseModel):
    """A hazard: a GeoJSON Feature whose geometry is the launcher's site (Point) or the
    area it may be in (Polygon)."""

    type: Literal["Feature"]
    geometry: Geometry
    properties: HazardProperties


class HotWindowOut(Closed):
    """A window when a kinetic notice makes the hazard hot (its window plus the agreed
    reaction tail, cut to the hazard's validity)."""

    from_: str = Field(alias="from", description=ISO)
    to: str = Field(description=ISO)
    notice: str = Field(description="the kinetic notice that makes it hot")
    party: str = Field(description="that notice's party")


class HazardPropertiesOut(Closed):
    name: str
    operator: str
    weapon: str | None
    source: str
    shape: Literal["polygon", "circle"] = Field(description="circle: a site (radius 1 m)")
    radius_m: float = omitted("a site")
    range_m: float
    alt_min_ft: float
    alt_max_ft: float
    lower_m: float = Field(description="the band in metres AMSL")
    upper_m: float
    valid_from: str | None = Field(description=f"{ISO}; None: from its report")
    valid_to: str | None = Field(description=f"{ISO}; None: until retired")
    id: str
    party: str = Field(description="the reporting party")
    created_at: str = Field(description=ISO)
    retired_at: str | None
    envelope: PolygonOut = Field(description="outline of the site or area widened by range_m")
    hot: list[HotWindowOut]


class HazardOut(Closed):
    type: Literal["Feature"]
    id: str
    geometry: GeometryOut
    properties: HazardPropertiesOut


class HazardCollectionOut(Closed):
    type: Literal["FeatureCollection"]
    features: list[HazardOut]


# ---- responses: the live picture ---------------------------------------------------------------
class TrackPropertiesOut(Closed):
    track_id: str
    domain: Literal["air", "sea"]
    name: str | None
    owner: str | None = Field(description="the party of an own force; None: observed")
    source: Literal["ais", "sbs", "modes", "json"] = Field(description="feed of the position")
    sources: list[str] = Field(description="the parties reporting this identity (fresh)")
    position_from: str | None = Field(description="the party whose fix is shown")
    alias: str = omitted("your own unit: the name other parties see it by when hidden")
    alt_ft: float | None
    speed_kt: float | None
    course_deg: float | None
    vertical_rate_fpm: float | None
    stale: bool
    time: str = Field(description=f"of the position; {ISO}")


class TrackOut(Closed):
    type: Literal["Feature"]
    id: str
    geometry: PointOut
    properties: TrackPropertiesOut


class TrackCollectionOut(Closed):
    type: Literal["FeatureCollection"]
    features: list[TrackOut]


class TrailPropertiesOut(Closed):
    track_id: str
    domain: Literal["air", "sea"]
    name: str | None = Field(description="the latest name kept (as the live picture shows it)")
    owner: str | None = Field(description="the party of an own force; None: observed")
    sources: list[str] = Field(description="the parties whose kept fixes make the trail")
    alias: str = omitted("your own unit: the name other parties see it by when hidden")
    times: list[str] = Field(description=f"of each vertex, in order; {ISO}")
    alt_ft: list[float | None] = Field(description="of each vertex")


class TrailOut(Closed):
    type: Literal["Feature"]
    id: str
    geometry: Annotated[PointOut | LineStringOut, Field(discriminator="type")]
    properties: TrailPropertiesOut


class TrailCollectionOut(Closed):
    type: Literal["FeatureCollection"]
    features: list[TrailOut]


class UpdatesOut(Closed):
    """Reports by what they did to the picture (a kind that did not occur is absent)."""

    new: int = omitted("first position: the track is now listed")
    moved: int = omitted("a new position")
    updated: int = omitted("other fields only")
    pending: int = omitted("identity not positioned yet")


class IngestOut(Closed):
    reports: int = Field(description="reports the picture took")
    updates: UpdatesOut
    skipped: dict[str, int] = Field(description="lines or frames skipped, by reason")


class FeedCountOut(Closed):
    reports: int
    skipped: dict[str, int]


class FeedStatsOut(Closed):
    at: str = Field(description=ISO)
    tracks: int = Field(description="tracks in the picture")
    feeds: dict[str, FeedCountOut] = Field(description="by feed: ais, sbs, modes, json")


class AlertOut(Closed):
    """A tactical alert at its latest version (see interlock.model.alerts)."""

    id: str
    kind: Literal["cpa", "entry", "exposure", "nonconformance", "masking"]
    key: list[str] = Field(
        description="cpa: the two track ids; entry: track and notice; exposure: track and"
        " hazard; nonconformance: track and ''; masking: kinetic track and other track"
    )
    state: Literal["raised", "cleared"]
    severity: Literal["warning", "critical"]
    version: int
    parties: list[str]
    domain: Literal["air", "sea"]
    track_ids: list[str]
    owners: list[str | None] = Field(description="per track: its owner; None: observed")
    reported_by: list[str] = Field(description="the parties whose reports it rests on")
    corroborated: bool = Field(
        description="false: a track rests on one party's reports alone (uncorroborated_by)"
        " and the alert concerns another party"
    )
    uncorroborated_by: list[str]
    notice_id: str | None
    raised_at: str
    updated_at: str
    cleared_at: str | None
    cleared_reason: Literal["absent", "track_gone", "notice_gone"] | None
    tcpa_s: float | None
    cpa_at: str | None
    cpa_distance_m: float | None
    vertical_separation_ft: float | None
    los_at: str | None
    entry_s: float | None
    entry_at: str | None
    lon: float | None
    lat: float | None
    hazard_id: str | None = Field(description="exposure, masking: the hot hazard")
    hot_from: str | None = Field(description="exposure, masking: the hot window (" + ISO + ")")
    hot_to: str | None
    depth_m: float | None = Field(description="exposure: how far inside the envelope")
    exit_s: float | None = Field(
        description="exposure: time to leave the envelope at the track's ground speed along"
        " the shortest way out (null: not moving)"
    )
    exit_at: str | None
    outside_s: float | None = Field(
        description="nonconformance: how long outside all its party's active notices"
    )
    distance_m: float | None = Field(
        description="nonconformance: to the nearest active notice (notice_id); masking:"
        " between the two aircraft"
    )
    vertical_gap_m: float | None = Field(description="nonconformance: to that notice's band")
    kinetic_notice_id: str | None = Field(
        description="nonconformance: its party's kinetic notice active now (kinetic activity"
        " off its notice)"
    )
    bearing_diff_deg: float | None = Field(
        description="masking: between the two aircraft's bearings from the hazard's site"
    )


class AlertsOut(Closed):
    alerts: list[AlertOut]


# ---- responses: replay (the picture at any moment) ------------------------------------------
class HotlineThenOut(Closed):
    messages: list[MessageOut] = Field(
        description="as GET /messages served them then: sent by then, newest first, each "
        "addressee's receipts and escalations by then"
    )
    channels: list[ChannelOut] = Field(
        description="each party's hotline state as last recorded by then (`last_seen`: "
        "the heartbeat that changed it)"
    )


class PictureOut(Closed):
    at: str = Field(description=f"the moment shown; {ISO}")
    live: bool = Field(description="the live picture (the moment asked was within seconds of now)")
    notices: NoticeCollectionOut = Field(
        description="in force then (neither ended nor cancelled), the version then current"
    )
    assets: AssetCollectionOut
    hazards: HazardCollectionOut
    conflicts: list[ListedConflictOut] = Field(description="open then, as GET /conflicts")
    alerts: AlertsOut = Field(description="open then, as GET /alerts")
    hotline: HotlineThenOut
    tracks: TrackCollectionOut


class PictureEventOut(Closed):
    time: str = Field(description=ISO)
    kind: str = Field(description="service.replay.EVENT_KINDS")
    text: str = Field(description="what happened, with names and callsigns")
    ref: str = Field(description="the id of what it concerns (notice, conflict, message, ...)")


class ErrorOut(Closed):
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


# ---- the field's text formats (api/notam_routes.py): not JSON --------------------------
TEXT_FORMAT_ERRORS: dict[int | str, dict[str, Any]] = {
    code: {"model": ErrorOut} for code in (401, 404, 413, 422)
}
NOTAM_EXAMPLE = (
    "A1979/26 NOTAMN\n"
    "Q) LCCC/QWMLW/IV/BO/W/000/250/3449N03314E010\n"
    "A) LCCC B) 2612071000 C) 2612071400\n"
    "E) MISSILE, GUN OR ROCKET FIRING WILL TAKE PLACE WI AREA: 345600N 0331200E - "
    "345000N 0332000E - 344000N 0331000E - 345600N 0331200E. INTERLOCK NOTICE N-1 V1.\n"
    "F) SFC G) FL250\n"
)
NAVAREA_EXAMPLE = (
    "NAVAREA III 0123/26\nEASTERN MEDITERRANEAN.\n"
    "1. GUNNERY EXERCISE 071000 UTC TO 071400 UTC DEC 26 IN AREA BOUNDED BY\n"
    "   34-56.00N 033-12.00E, 34-50.00N 033-20.00E,\n   34-40.00N 033-10.00E.\n"
    "2. CANCEL THIS MSG 071500Z DEC 26.\n"
)
CSV_EXAMPLE = (
    "conflict,detected (UTC),kind,severity,...\r\n1,2026-12-07 09:12,strategic,major,...\r\n"
)


def text_response(media_type: str, example: str) -> dict[int | str, dict[str, Any]]:
    """A 200 whose body is text of one media type (documented, not JSON)."""
    return {200: {"content": {media_type: {"schema": {"type": "string"}, "example": example}}}}


# ---- exchange formats (api/format_routes.py) --------------------------------------------
# ASTM F3548-21 operational intents, the shapes of its interface document (utm.yaml v1.0.0,
# astm-utm/Protocol): interlock.formats.f3548 writes them.
class F3548TimeOut(Closed):
    value: str = Field(description="RFC 3339, zone 'Z'")
    format: Literal["RFC3339"]


class F3548AltitudeOut(Closed):
    value: float = Field(description="metres above the WGS84 ellipsoid (nominal: MSL taken as it)")
    reference: Literal["W84"]
    units: Literal["M"]


class F3548PointOut(Closed):
    lat: float
    lng: float


class F3548PolygonOut(Closed):
    vertices: list[F3548PointOut] = Field(min_length=3)


class F3548RadiusOut(Closed):
    value: float
    units: Literal["M"]


class F3548CircleOut(Closed):
    center: F3548PointOut
    radius: F3548RadiusOut


class F3548Volume3DOut(Closed):
    outline_polygon: F3548PolygonOut | None = omitted()
    outline_circle: F3548CircleOut | None = omitted()
    altitude_lower: F3548AltitudeOut
    altitude_upper: F3548AltitudeOut


class F3548Volume4DOut(Closed):
    volume: F3548Volume3DOut
    time_start: F3548TimeOut
    time_end: F3548TimeOut


class F3548ReferenceOut(Closed):
    id: str = Field(description="UUIDv4 derived from the notice id")
    manager: str = Field(description="the filing party")
    uss_availability: Literal["Unknown", "Normal", "Down"]
    version: int
    state: Literal["Accepted", "Activated", "Nonconforming", "Contingent"]
    time_start: F3548TimeOut
    time_end: F3548TimeOut
    uss_base_url: str
    subscription_id: str


class F3548DetailsOut(Closed):
    volumes: list[F3548Volume4DOut]
    off_nominal_volumes: list[F3548Volume4DOut]
    priority: int


class F3548IntentOut(Closed):
    """An ASTM F3548-21 OperationalIntent (reference and details)."""

    reference: F3548ReferenceOut
    details: F3548DetailsOut


class F3548IntentsOut(Closed):
    operational_intents: list[F3548IntentOut]
