"""Tactical alerts: the lifecycle of what tactical detection finds, scan after scan.

Pure and in memory: no I/O and no clock; `AlertBook.update` takes `now` and the current
scan's detections. Tactical detection (`detect.tactical`) is stateless: every scan finds
its conflicts afresh. The book turns that stream of scans into alerts that a party can
follow and a push stream can carry without noise:

- **raised**: a key not followed yet (a pair of tracks predicted to lose separation, or a
  track predicted to enter another party's active notice, or one of the hazard kinds
  below) gets a new alert, version 1.
- **updated**: the same key again with *materially* changed numbers (severity changed,
  time to CPA / entry moved by more than ``tcpa_delta_s``, CPA distance by more than
  ``cpa_delta_m``, vertical separation by more than ``dz_delta_ft``), compared with the
  numbers of the alert's last event, so slow drift still reports once it adds up and an
  identical scan reports nothing (de-duplication).
- **cleared** with hysteresis: a key absent from ``clear_after`` consecutive scans *and*
  for at least ``clear_after_s`` seconds since it was last detected (set either to 0 to
  use the other alone), so a detection that flickers (one scan missed) neither clears nor
  raises again. A track reported stale or expired (``gone_tracks``) or a notice ended or
  cancelled (``gone_notices``) clears its alerts at once. A cleared key that comes back
  is a new alert with a new id.

Every event bumps the alert's ``version`` (1 on raise), so a consumer can drop what it
has already seen; an alert snapshot (`Alert`) is immutable and belongs to one version.

Hazard kinds (issue 15; found by ``detect.exposure`` / ``conformance`` / ``masking``):

- **exposure** ("exposure", track, hazard): another party's aircraft inside a hazard's
  envelope while a kinetic notice makes it hot; ``notice_id`` is that kinetic notice.
- **nonconformance** ("nonconformance", track, ""): a party's own aircraft outside all its
  active notices for longer than the agreement's grace (the service keeps how long);
  ``notice_id`` its nearest active notice, ``kinetic_notice_id`` its party's kinetic
  notice under way, if any.
- **masking** ("masking", kinetic track, other track): a kinetic party's aircraft close to
  and on the bearing of another party's exposed aircraft, seen from a hot hazard's site.

They update when their hazard, notices or hot window change, or the time to exit moves as
a time to CPA does; they clear like the others.

Parties affected: the owners of the tracks that have owners (own forces), for an entry
also the party whose notice it is, for an exposure the kinetic party, and any party a
detection names in ``told`` (a nonconformance: every party). A conflict between two
observed tracks (no owner) affects no party in particular: ``parties`` is empty,
``active()`` still lists it, ``active(party)`` does not; whether to show it to everyone is
the service's decision.

Provenance: each detection carries, per track, the parties whose reports it rests on
(``reporters``). An alert says which parties those are (``reported_by``) and whether it is
``corroborated``: it is not when a track in it rests on one party's reports alone and
the alert concerns another party (a party's report of its *own* force is first-hand and
counts as corroborated). A change of either is a material update. Severity, and so the
hotline priority, does not depend on it: a real aircraft seen by one party's receiver
alone is still real; the parties concerned are told on whose word it rests.

Severity (`SeverityPolicy`, defaults below): "critical" when the predicted minimum is
under ``fraction`` of the agreed minimum (horizontal, and for air vertical too when both
altitudes are known) or when time to CPA / entry is under ``urgent_s`` of the domain
(air 60 s, sea 5 min); else "warning".
"""

from __future__ import annotations

import math
from collections import OrderedDict
from collections.abc import Iterable
from dataclasses import dataclass, field, fields, replace
from datetime import datetime, timedelta
from typing import Any

from ..errors import InvalidInput
from .severity import TACTICAL_SEVERITIES, SeverityPolicy
from .timeutil import iso

KINDS = ("cpa", "entry", "exposure", "nonconformance", "masking")
STATES = ("raised", "cleared")
EVENTS = ("raised", "updated", "cleared")
SEVERITIES = TACTICAL_SEVERITIES

# ("cpa", id_a, id_b) with id_a < id_b | ("entry", track, notice) | ("exposure", track,
# hazard) | ("nonconformance", track, "") | ("masking", kinetic track, other track)
Key = tuple[str, str, str]


@dataclass(frozen=True, slots=True)
class Detection:
    """One conflict of the current scan, as the alert book takes it (units in the names).

    Times are seconds after the scan time (the ``now`` given to ``AlertBook.update``).
    ``h_min_m`` / ``v_min_ft``: the minima the detection applied (for severity).
    """

    kind: str  # one of KINDS
    # cpa: the two tracks; entry, exposure, nonconformance: the one track; masking: the
    # kinetic party's track, then the other party's
    track_ids: tuple[str, ...]
    domain: str  # "air" | "sea"
    owners: tuple[str | None, ...] = ()  # per track: its owner party, None if observed
    # entry: the notice; exposure, masking: the kinetic notice that makes the hazard hot;
    # nonconformance: the party's nearest active notice (None: it has none)
    notice_id: str | None = None
    notice_party: str | None = None  # entry: the notice's party; exposure: the kinetic party
    tcpa_s: float | None = None  # cpa: time to closest approach
    cpa_m: float | None = None  # cpa: horizontal distance then
    dz_cpa_ft: float | None = None  # cpa: vertical distance then (None: sea / unknown)
    los_s: float | None = None  # cpa: time the loss of separation starts
    entry_s: float | None = None  # entry: time to entry (0: inside now)
    lon: float | None = None  # the place: midpoint at CPA, or the point of entry
    lat: float | None = None
    h_min_m: float | None = None
    v_min_ft: float | None = None
    # per track: the parties whose reports it rests on (empty: not known, a local picture)
    reporters: tuple[tuple[str, ...], ...] = ()
    hazard_id: str | None = None  # exposure, masking: the hot hazard
    hot_from: datetime | None = None  # exposure, masking: the hazard's hot window
    hot_to: datetime | None = None
    depth_m: float | None = None  # exposure: how far inside the envelope
    exit_s: float | None = None  # exposure: time to leave at the track's speed (None: still)
    outside_s: float | None = None  # nonconformance: how long outside every own notice
    distance_m: float | None = None  # nonconformance: to notice_id; masking: between the two
    vertical_gap_m: float | None = None  # nonconformance: to notice_id's band
    kinetic_notice_id: str | None = None  # nonconformance: its party's kinetic notice now
    bearing_diff_deg: float | None = None  # masking: seen from the hazard's site
    told: tuple[str, ...] = ()  # further parties concerned (nonconformance: every party)

    @property
    def reported_by(self) -> tuple[str, ...]:
        """Every party whose reports the detection rests on."""
        return tuple(sorted({p for ps in self.reporters for p in ps}))

    @property
    def uncorroborated_by(self) -> tuple[str, ...]:
        """The parties on whose reports alone a track of the detection rests while it
        concerns another party; a party reporting its own force is first-hand (see the
        module)."""
        concerned = set(self.parties)
        lone: set[str] = set()
        for owner, by in zip(self.owners, self.reporters, strict=False):
            if owner is not None and by == (owner,):
                continue
            if len(by) == 1 and concerned - set(by):
                lone.add(by[0])
        return tuple(sorted(lone))

    @property
    def corroborated(self) -> bool:
        return not self.uncorroborated_by

    @property
    def key(self) -> Key:
        if self.kind == "cpa":
            a, b = sorted(self.track_ids)
            return ("cpa", a, b)
        if self.kind == "entry":
            return ("entry", self.track_ids[0], self.notice_id or "")
        if self.kind == "exposure":
            return ("exposure", self.track_ids[0], self.hazard_id or "")
        if self.kind == "nonconformance":
            return ("nonconformance", self.track_ids[0], "")
        if self.kind == "masking":
            return ("masking", self.track_ids[0], self.track_ids[1])
        raise InvalidInput(f"unknown alert kind {self.kind!r}", field="kind")

    @property
    def parties(self) -> tuple[str, ...]:
        ps = {o for o in self.owners if o is not None}
        if self.kind in ("entry", "exposure") and self.notice_party is not None:
            ps.add(self.notice_party)
        ps.update(self.told)
        return tuple(sorted(ps))


@dataclass(frozen=True, slots=True)
class Alert:
    """One alert at one version (immutable: a new snapshot per event)."""

    id: str
    key: Key
    detection: Detection  # the numbers of this version
    parties: tuple[str, ...]
    severity: str
    state: str  # "raised" | "cleared"
    raised_at: datetime
    updated_at: datetime  # time of this version's event
    version: int = 1
    cleared_at: datetime | None = None
    cleared_reason: str | None = None  # "absent" | "track_gone" | "notice_gone"

    @property
    def kind(self) -> str:
        return self.key[0]

    def to_dict(self) -> dict[str, Any]:
        d = self.detection
        at = self.updated_at

        def when(t: datetime | None) -> str | None:
            return None if t is None else iso(t)

        def later(s: float | None) -> str | None:
            return None if s is None else iso(at + timedelta(seconds=s))

        return {
            "id": self.id,
            "kind": self.kind,
            "key": list(self.key[1:]),
            "state": self.state,
            "severity": self.severity,
            "version": self.version,
            "parties": list(self.parties),
            "domain": d.domain,
            "track_ids": list(d.track_ids),
            "owners": list(d.owners),
            "reported_by": list(d.reported_by),
            "corroborated": d.corroborated,
            "uncorroborated_by": list(d.uncorroborated_by),
            "notice_id": d.notice_id,
            "raised_at": iso(self.raised_at),
            "updated_at": iso(self.updated_at),
            "cleared_at": None if self.cleared_at is None else iso(self.cleared_at),
            "cleared_reason": self.cleared_reason,
            "tcpa_s": d.tcpa_s,
            "cpa_at": later(d.tcpa_s),
            "cpa_distance_m": d.cpa_m,
            "vertical_separation_ft": d.dz_cpa_ft,
            "los_at": later(d.los_s),
            "entry_s": d.entry_s,
            "entry_at": later(d.entry_s),
            "lon": d.lon,
            "lat": d.lat,
            "hazard_id": d.hazard_id,
            "hot_from": when(d.hot_from),
            "hot_to": when(d.hot_to),
            "depth_m": d.depth_m,
            "exit_s": d.exit_s,
            "exit_at": later(d.exit_s),
            "outside_s": d.outside_s,
            "distance_m": d.distance_m,
            "vertical_gap_m": d.vertical_gap_m,
            "kinetic_notice_id": d.kinetic_notice_id,
            "bearing_diff_deg": d.bearing_diff_deg,
        }


@dataclass(frozen=True, slots=True)
class AlertEvent:
    """What one scan did to one alert: "raised", "updated" or "cleared"."""

    kind: str
    alert: Alert

    def to_dict(self) -> dict[str, Any]:
        return {"event": self.kind, "alert": self.alert.to_dict()}


@dataclass(slots=True)
class _Followed:
    alert: Alert
    last_seen: datetime
    misses: int = 0


@dataclass
class AlertBook:
    """Alerts of one picture, updated once per tactical scan.

    Thresholds (chosen defaults, not from a standard; tune them against recorded scans):
    an update needs the time to CPA / entry to move by more than 15 s (as a predicted
    instant *and* as time to go, see ``_moved``), the CPA distance by more than 0.1 NM
    (185 m), or the vertical separation at CPA by more than 200 ft; clearing needs 2 scans
    *and* 10 s of absence (set either to 0 to use the other alone). ``keep_cleared``: how
    many cleared alerts ``get`` still finds (bounded memory). ``id_prefix``: alert ids are
    ``{id_prefix}{n}``, n counting up per book; a service that restarts gives a fresh
    prefix (e.g. its start time) so ids never repeat.
    """

    severity: SeverityPolicy = field(default_factory=SeverityPolicy)
    tcpa_delta_s: float = 15.0
    cpa_delta_m: float = 185.2
    dz_delta_ft: float = 200.0
    clear_after: int = 2
    clear_after_s: float = 10.0
    keep_cleared: int = 10_000
    id_prefix: str = "A"
    _by_key: dict[Key, _Followed] = field(default_factory=dict, repr=False)
    _by_id: dict[str, Key] = field(default_factory=dict, repr=False)
    _cleared: OrderedDict[str, Alert] = field(default_factory=OrderedDict, repr=False)
    _next: int = field(default=1, repr=False)
    _last_now: datetime | None = field(default=None, repr=False)

    # ---- the scan --------------------------------------------------------------------
    def update(
        self,
        now: datetime,
        detections: Iterable[Detection],
        gone_tracks: Iterable[str] = (),
        gone_notices: Iterable[str] = (),
    ) -> list[AlertEvent]:
        """Apply one scan; the events it causes (raised, updated, cleared), in key order."""
        if now.tzinfo is None:
            raise InvalidInput("naive time: give a UTC offset", field="now")
        if self._last_now is not None and now < self._last_now:
            raise InvalidInput("scans must not go back in time", field="now")
        self._last_now = now
        gone_t, gone_n = set(gone_tracks), set(gone_notices)

        current: dict[Key, Detection] = {}
        for det in detections:
            if gone_t.intersection(det.track_ids) or (det.notice_id in gone_n):
                continue
            k = det.key
            prev = current.get(k)
            if prev is None or self._rank(det) < self._rank(prev):
                current[k] = det  # a key twice in one scan: keep the worse prediction

        events: list[AlertEvent] = []
        for k in sorted(set(current) | set(self._by_key)):
            f = self._by_key.get(k)
            d = current.get(k)
            if f is None:
                assert d is not None
                events.append(self._raise(k, d, now))
            elif d is not None:
                f.last_seen, f.misses = now, 0
                ev = self._maybe_update(f, d, now)
                if ev is not None:
                    events.append(ev)
            else:
                f.misses += 1
                a = f.alert
                reason = "track_gone" if gone_t.intersection(a.detection.track_ids) else None
                if reason is None and k[0] == "entry" and k[2] in gone_n:
                    reason = "notice_gone"
                if reason is None and self._absent_long_enough(f, now):
                    reason = "absent"
                if reason is not None:
                    events.append(self._clear(a, now, reason))
        return events

    def _rank(self, d: Detection) -> tuple[int, float]:
        t = d.entry_s if d.kind == "entry" else d.tcpa_s
        return (-SEVERITIES.index(self.severity.of(d)), math.inf if t is None else t)

    def _absent_long_enough(self, f: _Followed, now: datetime) -> bool:
        return (
            f.misses >= self.clear_after
            and (now - f.last_seen).total_seconds() >= self.clear_after_s
        )

    def _raise(self, k: Key, d: Detection, now: datetime) -> AlertEvent:
        aid = f"{self.id_prefix}{self._next}"
        self._next += 1
        a = Alert(
            id=aid,
            key=k,
            detection=d,
            parties=d.parties,
            severity=self.severity.of(d),
            state="raised",
            raised_at=now,
            updated_at=now,
        )
        self._by_key[k] = _Followed(a, now)
        self._by_id[aid] = k
        return AlertEvent("raised", a)

    def _maybe_update(self, f: _Followed, d: Detection, now: datetime) -> AlertEvent | None:
        a = f.alert
        sev = self.severity.of(d)
        same_sources = (d.reported_by, d.uncorroborated_by) == (
            a.detection.reported_by,
            a.detection.uncorroborated_by,
        )
        if sev == a.severity and same_sources and not self._moved(a, d, now):
            return None
        a = replace(
            a,
            detection=d,
            parties=tuple(sorted(set(a.parties) | set(d.parties))),
            severity=sev,
            updated_at=now,
            version=a.version + 1,
        )
        f.alert = a
        return AlertEvent("updated", a)

    def _moved(self, a: Alert, d: Detection, now: datetime) -> bool:
        old = a.detection
        shift = (now - a.updated_at).total_seconds()  # since the numbers of ``old``

        def differs(x: float | None, y: float | None, delta: float) -> bool:
            if x is None or y is None:
                return (x is None) != (y is None)
            return abs(y - x) > delta

        def time_differs(x: float | None, y: float | None) -> bool:
            # Material only if both the predicted instant (x vs y + shift) and the time to
            # go (x vs y) moved: a steady encounter keeps the instant while the time to go
            # runs down, and a TCPA clamped at 0 or at the lookahead keeps the time to go
            # while the instant moves with the clock. Neither is news.
            if x is None or y is None:
                return (x is None) != (y is None)
            return min(abs(y + shift - x), abs(y - x)) > self.tcpa_delta_s

        return (
            time_differs(old.tcpa_s, d.tcpa_s)
            or time_differs(old.entry_s, d.entry_s)
            or time_differs(old.exit_s, d.exit_s)
            or (old.notice_id, old.kinetic_notice_id, old.hazard_id)
            != (d.notice_id, d.kinetic_notice_id, d.hazard_id)
            or (old.hot_from, old.hot_to) != (d.hot_from, d.hot_to)
            or differs(old.cpa_m, d.cpa_m, self.cpa_delta_m)
            or differs(old.dz_cpa_ft, d.dz_cpa_ft, self.dz_delta_ft)
        )

    def _clear(self, a: Alert, now: datetime, reason: str) -> AlertEvent:
        c = replace(
            a,
            state="cleared",
            updated_at=now,
            cleared_at=now,
            cleared_reason=reason,
            version=a.version + 1,
        )
        del self._by_key[a.key]
        del self._by_id[a.id]
        self._cleared[a.id] = c
        while len(self._cleared) > self.keep_cleared:
            self._cleared.popitem(last=False)
        return AlertEvent("cleared", c)

    # ---- reading ---------------------------------------------------------------------
    def active(self, party: str | None = None) -> list[Alert]:
        """Raised alerts (all, or those affecting ``party``), most severe first."""
        out = [f.alert for f in self._by_key.values() if party is None or party in f.alert.parties]
        return sorted(out, key=lambda a: (-SEVERITIES.index(a.severity), a.raised_at, a.id))

    def following(self, key: Key) -> bool:
        """Whether an alert of ``key`` is raised now (a detector's own hysteresis)."""
        return key in self._by_key

    def get(self, alert_id: str) -> Alert | None:
        """An active alert, or a recently cleared one (``keep_cleared``); None if unknown."""
        k = self._by_id.get(alert_id)
        if k is not None:
            return self._by_key[k].alert
        return self._cleared.get(alert_id)

    def to_dict(self, party: str | None = None) -> dict[str, Any]:
        """The active alerts for the API (``GET /alerts``)."""
        return {"alerts": [a.to_dict() for a in self.active(party)]}


# ---- the book's state as plain data (a shared picture's handover: service.picture_share) --
# A detection is the list of its fields' values (orjson writes the times as RFC 3339).
_DETECTION_FIELDS = tuple(f.name for f in fields(Detection))
_DETECTION_TIMES = ("hot_from", "hot_to")
_DETECTION_TUPLES = ("track_ids", "owners", "told")


def _detection_from(values: list[Any]) -> Detection:
    kw = dict(zip(_DETECTION_FIELDS, values, strict=True))
    for name in _DETECTION_TIMES:
        if kw[name] is not None:
            kw[name] = datetime.fromisoformat(kw[name])
    for name in _DETECTION_TUPLES:
        kw[name] = tuple(kw[name])
    kw["reporters"] = tuple(tuple(r) for r in kw["reporters"])
    return Detection(**kw)


def book_state(book: AlertBook) -> dict[str, Any]:
    """What another process needs to carry `book` on: its raised alerts (with when each
    was last seen) and its id counter, as data orjson writes. Cleared alerts are left out
    (`get` finds them for a while only in the book that cleared them)."""
    return {
        "id_prefix": book.id_prefix,
        "next": book._next,
        "fields": _DETECTION_FIELDS,
        "followed": [
            [
                a.id, a.key, [getattr(a.detection, n) for n in _DETECTION_FIELDS], a.parties,
                a.severity, a.raised_at, a.updated_at, a.version, f.last_seen, f.misses,
            ]
            for f in book._by_key.values()
            for a in (f.alert,)
        ],
    }  # fmt: skip


def restore_book(book: AlertBook, state: dict[str, Any]) -> None:
    """Make `book` (its thresholds kept) carry on from `book_state`'s data: the same raised
    alerts under the same ids, numbering on from where it stopped. Its last scan time is
    not taken: another host's clock may be a little behind (scans must not go back)."""
    if tuple(state["fields"]) != _DETECTION_FIELDS:
        raise InvalidInput("written by another version of Detection", field="book")
    by_key: dict[Key, _Followed] = {}
    for aid, key, det, parties, severity, raised, updated, version, seen, misses in state[
        "followed"
    ]:
        k = (key[0], key[1], key[2])
        a = Alert(
            id=aid, key=k, detection=_detection_from(det), parties=tuple(parties),
            severity=severity, state="raised", raised_at=datetime.fromisoformat(raised),
            updated_at=datetime.fromisoformat(updated), version=version,
        )  # fmt: skip
        by_key[k] = _Followed(a, datetime.fromisoformat(seen), misses)
    book.id_prefix, book._next = state["id_prefix"], int(state["next"])
    book._by_key = by_key
    book._by_id = {f.alert.id: k for k, f in by_key.items()}
    book._cleared = OrderedDict()
    book._last_now = None
