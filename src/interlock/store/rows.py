"""The stored records the store and the services pass each other (issue 13: typed seams).

Frozen and slotted: a record read from the store is a value, never a mutable dict a
caller could change under another. Each knows its JSON form (``to_json``) exactly as the
API serves it and the ledger chains it, key order included, and the conflict and
violation records rebuild from the JSON body they are stored as (``from_json``). A
GeoJSON ``feature`` and a ledger ``event`` stay plain JSON: they are documents the
agreement's rules read by key (visibility, kinetic activity), not fields of the record.
"""

from __future__ import annotations

from dataclasses import dataclass, fields
from typing import Any, Literal, NamedTuple

from ..model.conflict import Ref, Violation


@dataclass(frozen=True, slots=True)
class AssetRow:
    """A protected asset as stored: standing until retired (epoch seconds)."""

    id: str
    party: str
    kind: str  # model.asset.ASSET_KINDS
    created_at: float
    retired_at: float | None
    feature: dict[str, Any]  # the validated asset as a GeoJSON Feature (no id/party)

    @property
    def is_receiver(self) -> bool:
        """Whether it carries a protected receiver (the spectrum arena reads those)."""
        return "receiver" in self.feature["properties"]

    def to_json(self) -> dict[str, Any]:
        """The record as the ledger chains it when the asset is registered."""
        return {
            "id": self.id,
            "party": self.party,
            "kind": self.kind,
            "created_at": self.created_at,
            "feature": self.feature,
        }


@dataclass(frozen=True, slots=True)
class HazardRow:
    """A reported hazard as stored: any party may report one, all see it."""

    id: str
    party: str  # the reporting party
    created_at: float
    retired_at: float | None
    feature: dict[str, Any]  # the validated hazard as a GeoJSON Feature

    def to_json(self) -> dict[str, Any]:
        """The record as the ledger chains it when the hazard is reported."""
        return {
            "id": self.id,
            "party": self.party,
            "created_at": self.created_at,
            "feature": self.feature,
        }


# ---- conflicts ---------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Measures:
    """How close two declared volumes came (strategic; exposures meet: all zero)."""

    window_start: str  # ISO 8601 UTC
    window_end: str
    time_gap_s: float
    horizontal_distance_m: float
    horizontal_minimum_m: float
    vertical_gap_m: float
    vertical_minimum_m: float
    worst_lon: float
    worst_lat: float

    def to_json(self) -> dict[str, Any]:
        return {
            "window_start": self.window_start,
            "window_end": self.window_end,
            "time_gap_s": self.time_gap_s,
            "horizontal_distance_m": self.horizontal_distance_m,
            "horizontal_minimum_m": self.horizontal_minimum_m,
            "vertical_gap_m": self.vertical_gap_m,
            "vertical_minimum_m": self.vertical_minimum_m,
            "worst_lon": self.worst_lon,
            "worst_lat": self.worst_lat,
        }

    @classmethod
    def from_json(cls, d: dict[str, Any]) -> Measures:
        return cls(*(d[f.name] for f in fields(cls)))


@dataclass(frozen=True, slots=True)
class ExposureMeasures:
    """An exposure's hazard and the warning the exposed aircraft needs to leave it."""

    hazard: str  # the hazard's id
    depth_m: float
    time_to_exit_s: float
    required_warning_s: float


@dataclass(frozen=True, slots=True)
class Contributor:
    """One emission's part of the interference at a receiver's worst slice."""

    notice: str
    party: str
    i_dbm: float | None
    share: float

    def to_json(self) -> dict[str, Any]:
        return {
            "notice": self.notice,
            "party": self.party,
            "i_dbm": self.i_dbm,
            "share": self.share,
        }


@dataclass(frozen=True, slots=True)
class FrequencyShift:
    """The nearest shifts (MHz) that clear the worst slice; None: none does that way."""

    up: float | None
    down: float | None
    nearest: float | None


@dataclass(frozen=True, slots=True)
class Advice:
    """What one emission on the move list could do to clear the receiver."""

    notice: str
    party: str
    eirp_dbm: float
    max_eirp_dbm: float | None
    reduce_by_db: float | None
    frequency_shift_mhz: FrequencyShift | None

    def to_json(self) -> dict[str, Any]:
        shift = self.frequency_shift_mhz
        return {
            "notice": self.notice,
            "party": self.party,
            "eirp_dbm": self.eirp_dbm,
            "max_eirp_dbm": self.max_eirp_dbm,
            "reduce_by_db": self.reduce_by_db,
            "frequency_shift_mhz": (
                None
                if shift is None
                else {"up": shift.up, "down": shift.down, "nearest": shift.nearest}
            ),
        }

    @classmethod
    def from_json(cls, d: dict[str, Any]) -> Advice:
        s = d["frequency_shift_mhz"]
        return cls(
            d["notice"],
            d["party"],
            d["eirp_dbm"],
            d["max_eirp_dbm"],
            d["reduce_by_db"],
            None if s is None else FrequencyShift(s["up"], s["down"], s["nearest"]),
        )


@dataclass(frozen=True, slots=True)
class Episode:
    """Consecutive slices of one receiver over its criterion, at their worst, with the
    advice (``GET /spectrum/conflicts``; the body of an interference conflict)."""

    receiver: str
    receiver_party: str
    receiver_name: str | None
    start: str  # ISO 8601 UTC
    end: str
    worst_at: str
    i_dbm: float | None
    n_dbm: float | None
    i_n_db: float | None
    criterion_db: float
    excess_db: float | None
    severity: str
    contributors: tuple[Contributor, ...]
    move_list: tuple[str, ...]
    decisive: tuple[str, ...]
    advice: tuple[Advice, ...]
    parties: tuple[str, ...]

    def to_json(self) -> dict[str, Any]:
        return {
            "kind": "interference",
            "receiver": self.receiver,
            "receiver_party": self.receiver_party,
            "receiver_name": self.receiver_name,
            "start": self.start,
            "end": self.end,
            "worst_at": self.worst_at,
            "i_dbm": self.i_dbm,
            "n_dbm": self.n_dbm,
            "i_n_db": self.i_n_db,
            "criterion_db": self.criterion_db,
            "excess_db": self.excess_db,
            "severity": self.severity,
            "contributors": [c.to_json() for c in self.contributors],
            "move_list": list(self.move_list),
            "decisive": list(self.decisive),
            "advice": [a.to_json() for a in self.advice],
            "parties": list(self.parties),
        }

    @classmethod
    def from_json(cls, d: dict[str, Any]) -> Episode:
        return cls(
            receiver=d["receiver"],
            receiver_party=d["receiver_party"],
            receiver_name=d["receiver_name"],
            start=d["start"],
            end=d["end"],
            worst_at=d["worst_at"],
            i_dbm=d["i_dbm"],
            n_dbm=d["n_dbm"],
            i_n_db=d["i_n_db"],
            criterion_db=d["criterion_db"],
            excess_db=d["excess_db"],
            severity=d["severity"],
            contributors=tuple(Contributor(**c) for c in d["contributors"]),
            move_list=tuple(d["move_list"]),
            decisive=tuple(d["decisive"]),
            advice=tuple(Advice.from_json(a) for a in d["advice"]),
            parties=tuple(d["parties"]),
        )


ConflictKind = Literal["strategic", "exposure", "interference"]
_PAIR = ("a_kind", "a_id", "a_version", "b_kind", "b_id", "b_version", "a_party", "b_party")


@dataclass(frozen=True, slots=True)
class ConflictRow:
    """A recorded conflict between a (notice or asset) and b: strategic (``measures``),
    an exposure (``measures`` and ``exposure``: a = the exposed notice, b = the kinetic
    one) or interference (``episode``: a = the receiver asset, b = the emission notice;
    the episode as recorded carries the pair's ``parties``, as its stored body does).

    ``id`` is None until stored; ``detected_at`` and the closing fields are set on a
    record read back from the store (``list_conflicts``), which the API lists with them.
    """

    a_kind: str  # "notice" | "asset"
    a_id: str
    a_version: int
    b_kind: str
    b_id: str
    b_version: int
    a_party: str
    b_party: str
    severity: str  # model.conflict.SEVERITIES
    parties: tuple[str, ...]
    measures: Measures | None = None
    exposure: ExposureMeasures | None = None
    episode: Episode | None = None
    id: int | None = None
    detected_at: float | None = None  # epoch s; None: as just recorded, not read back
    closed_at: float | None = None
    closed_reason: str | None = None

    @property
    def kind(self) -> ConflictKind:
        if self.episode is not None:
            return "interference"
        return "exposure" if self.exposure is not None else "strategic"

    def _pair(self) -> dict[str, Any]:
        return {
            "a_kind": self.a_kind,
            "a_id": self.a_id,
            "a_version": self.a_version,
            "b_kind": self.b_kind,
            "b_id": self.b_id,
            "b_version": self.b_version,
            "a_party": self.a_party,
            "b_party": self.b_party,
        }

    def body(self) -> dict[str, Any]:
        """The stored body: the record without its id and store fields."""
        if self.episode is not None:
            return {**self.episode.to_json(), **self._pair(), "parties": list(self.parties)}
        assert self.measures is not None, "a strategic or exposure conflict has measures"
        out: dict[str, Any] = {}
        if self.exposure is not None:
            out.update(kind="exposure", hazard=self.exposure.hazard)
        out.update(self._pair(), severity=self.severity, parties=list(self.parties))
        out.update(self.measures.to_json())
        if self.exposure is not None:
            e = self.exposure
            out.update(
                depth_m=e.depth_m,
                time_to_exit_s=e.time_to_exit_s,
                required_warning_s=e.required_warning_s,
            )
        return out

    def to_json(self) -> dict[str, Any]:
        """As the API serves it and the ledger chains it (schemas ConflictOut, and
        ListedConflictOut once read back with ``detected_at``)."""
        out = self.body()
        if self.id is not None:
            out["id"] = self.id
        if self.detected_at is not None:
            out.update(
                detected_at=self.detected_at,
                closed_at=self.closed_at,
                closed_reason=self.closed_reason,
            )
        return out

    @classmethod
    def from_json(
        cls,
        d: dict[str, Any],
        *,
        id: int | None = None,
        detected_at: float | None = None,
        closed_at: float | None = None,
        closed_reason: str | None = None,
    ) -> ConflictRow:
        """The record from its stored body and the store's columns."""
        kind = d.get("kind", "strategic")
        return cls(
            **{k: d[k] for k in _PAIR},
            severity=d["severity"],
            parties=tuple(d["parties"]),
            measures=None if kind == "interference" else Measures.from_json(d),
            exposure=(
                ExposureMeasures(
                    d["hazard"], d["depth_m"], d["time_to_exit_s"], d["required_warning_s"]
                )
                if kind == "exposure"
                else None
            ),
            episode=Episode.from_json(d) if kind == "interference" else None,
            id=id,
            detected_at=detected_at,
            closed_at=closed_at,
            closed_reason=closed_reason,
        )


# ---- violations --------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class ViolationRow:
    """A recorded rule violation: what detection found, its id once stored, and when it
    was found once read back (``list_violations``)."""

    violation: Violation
    id: int | None = None
    detected_at: float | None = None

    def body(self) -> dict[str, Any]:
        """The stored body: the violation without its id and store fields."""
        return self.violation.to_dict()

    def to_json(self) -> dict[str, Any]:
        """As the API serves it and the ledger chains it (schemas ViolationOut, and
        ListedViolationOut once read back)."""
        out = self.body()
        if self.id is not None:
            out["id"] = self.id
        if self.detected_at is not None:
            out["detected_at"] = self.detected_at
        return out

    @classmethod
    def from_json(
        cls, d: dict[str, Any], *, id: int | None = None, detected_at: float | None = None
    ) -> ViolationRow:
        exposed = d.get("exposed")
        violation = Violation(
            kind=d["kind"],
            notice=Ref(**d["notice"]),
            party=d["party"],
            detail=d["detail"],
            lead_time_s=d["lead_time_s"],
            required_s=d["required_s"],
            hazard=d.get("hazard"),
            exposed=Ref(**exposed) if exposed is not None else None,
            exposed_party=d.get("exposed_party"),
        )
        return cls(violation, id, detected_at)


# ---- the hotline -------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class ReceiptRow:
    """One addressee's state of a message (epoch seconds; None: not yet)."""

    party: str
    delivered_at: float | None = None
    acked_at: float | None = None
    reply: str | None = None
    escalations: int = 0


@dataclass(frozen=True, slots=True)
class MessageRow:
    """A hotline message (a party's or the system's) and each addressee's receipt."""

    id: str
    sender: str
    priority: str
    sent_at: float  # epoch seconds
    deadline_at: float
    ledger_seq: int  # the ledger entry that chains it
    event: dict[str, Any]  # that entry's event, as chained (what the message says)
    recipients: tuple[ReceiptRow, ...]  # by party

    @property
    def audience(self) -> list[str]:
        """Every party the message is addressed to or from (the sender unless system)."""
        return list(self.event["audience"])

    def with_receipt(
        self, party: str, status: str, at: float, reply: str | None = None
    ) -> MessageRow:
        """The message after `party` reported it delivered or acknowledged at `at`
        (acknowledging implies delivery), as the store now holds it."""
        out = []
        for r in self.recipients:
            if r.party == party:
                delivered = r.delivered_at or at
                if status == "acknowledged":
                    r = ReceiptRow(party, delivered, at, reply, r.escalations)
                else:
                    r = ReceiptRow(party, delivered, r.acked_at, r.reply, r.escalations)
            out.append(r)
        return MessageRow(
            self.id,
            self.sender,
            self.priority,
            self.sent_at,
            self.deadline_at,
            self.ledger_seq,
            self.event,
            tuple(out),
        )


# ---- track history -----------------------------------------------------------------------


class FixRow(NamedTuple):
    """One kept position of one (identity, reporting party) track (service.history).

    Immutable, and a plain tuple in the columns' order: the recorder builds one for every
    kept fix on the ingest path, and the store binds it as it is.

    `prev_time` is the time of the same track's previous kept fix (None: the first one,
    or the first after a gap too long to bridge); `end` marks no report but the moment
    the previous fix stops being shown (it would go stale), written when the track fell
    silent or the gap was too long: every shown fix is then followed by a row, which is
    what lets the picture at a moment be read from a short window after it."""

    time: float  # epoch seconds
    track_id: str
    party: str  # the reporting party
    domain: str
    owner: str | None
    source: str  # the feed
    lon: float
    lat: float
    alt_ft: float | None
    speed_kt: float | None
    course_deg: float | None
    name: str | None
    prev_time: float | None = None
    end: bool = False


class FixPair(NamedTuple):
    """A track's kept fix at or before a moment and the row after it (the next fix, or
    the `end` row where the fix goes stale): what the picture at that moment is read
    from (a plain tuple: thousands are read at once)."""

    track_id: str
    party: str
    time: float
    domain: str
    owner: str | None
    source: str
    lon: float
    lat: float
    alt_ft: float | None
    speed_kt: float | None
    course_deg: float | None
    name: str | None
    next_time: float
    next_lon: float
    next_lat: float
    next_alt_ft: float | None
    next_end: bool
