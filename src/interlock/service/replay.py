"""The picture at any moment, and what happened between two: replay from the record.

Nothing here is a second bookkeeping. What the store keeps with its times answers most of
"what was it like at T": every notice version with its filing time and the notice's
cancellation time, each asset's and hazard's report and retirement, each conflict's
detection and closing, each message's sending and each addressee's delivery and
acknowledgement. What the store keeps only as "now" (alerts live in memory, escalations
as a count, the hotline channel as its last state) is rebuilt from the ledger, which
chained every alert raised, updated and cleared, every escalation and every channel
change with its time. Track positions come from the track history (`service.history`).

Each view is shaped exactly as the live endpoint serves it (GET /notices, /assets,
/hazards, /conflicts, /alerts, /messages, /hotline/status, /tracks) and filtered for the
party as that endpoint filters it (`model.visibility`, the conflict and message
audiences, the alert's parties), so a page renders the past with its live renderers.
"""

from __future__ import annotations

import bisect
import threading
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from typing import Any

from ..detect.hazards import Hazard, hot_hazards
from ..errors import InvalidInput
from ..geo.shapes import Area
from ..model import wording
from ..model.agreement import Agreement
from ..model.events import EventKind
from ..model.hazard import hazard_from_stored
from ..model.message import SYSTEM, message_view
from ..model.timeutil import from_ts, iso, parse_utc, to_ts
from ..model.visibility import hidden_fields
from ..store.base import Box, NoticeRow, Store
from ..store.rows import AssetRow, ConflictRow, HazardRow, MessageRow, ReceiptRow
from .assets import AssetService, asset_view
from .clock import Clock
from .hazards import HazardService, envelope_geometry, hazard_view, kinetic_notices
from .hotline import HotlineService
from .notices import NoticeService
from .tracks import TrackService

# A moment this close to the server's clock is "now": the live picture is served (the
# page's play head at the live edge, a client clock a little off).
LIVE_WITHIN = timedelta(seconds=5)
# An events request spans at most a week: an after-action review covers an incident's
# hours or days; a longer span is several requests (and the ledger export for all).
MAX_EVENTS_SPAN = timedelta(days=7)
MAX_EVENTS = 10_000  # events one request returns at most (the page pages by time)
DEFAULT_EVENTS = 1_000
MAX_MESSAGES = 200  # messages in a picture, newest first: GET /messages' default page
MESSAGE_SCAN = 10_000  # messages read for the events of a span, the newest sent by its end
# The ledger kinds kept in memory to rebuild what the store keeps only as "now".
_KEPT = frozenset({EventKind.ALERT, EventKind.ESCALATION, EventKind.CHANNEL})

# What the events list calls what happened (GET /picture/events `kind`).
EVENT_KINDS = (
    "notice_filed",
    "notice_amended",
    "notice_cancelled",
    "conflict_detected",
    "conflict_closed",
    "message_sent",
    "message_delivered",
    "message_acknowledged",
    "escalation",
    "alert_raised",
    "alert_cleared",
    "hazard_reported",
    "hazard_retired",
    "asset_registered",
    "asset_retired",
    "channel_up",
    "channel_down",
)
_ORDER = {k: i for i, k in enumerate(EVENT_KINDS)}  # same-instant events: cause first


# ---- the record's marks: alerts, escalations, channel changes --------------------------


@dataclass(frozen=True, slots=True)
class Mark:
    """One kept ledger entry: its time (epoch s), seq, kind, audience and event."""

    ts: float
    seq: int
    kind: str
    audience: frozenset[str]
    event: dict[str, Any]


class RecordMarks:
    """The ledger's alert, escalation and channel entries in time order, read once and
    then only what was appended since (several workers each keep their own)."""

    def __init__(self, store: Store) -> None:
        self.store = store
        self._lock = threading.Lock()
        self._after = 0
        self._marks: list[Mark] = []
        self._times: list[float] = []

    def until(self, ts: float, since: float | None = None) -> list[Mark]:
        """The marks at or before `ts` (and after `since`, if given), oldest first."""
        with self._lock:
            self._catch_up()
            hi = bisect.bisect_right(self._times, ts)
            lo = 0 if since is None else bisect.bisect_left(self._times, since)
            return self._marks[lo:hi]

    def _catch_up(self) -> None:
        for entry in self.store.ledger_entries(self._after + 1):
            self._after = entry["seq"]
            event = entry["event"]
            if event.get("type") not in _KEPT:
                continue
            audience = entry.get("audience")
            if audience is None:  # chained before audiences: the event names them
                audience = event.get("audience") or event.get("parties") or ()
            ts = to_ts(parse_utc(entry["received_at"], "received_at"))
            mark = Mark(ts, entry["seq"], event["type"], frozenset(audience), event)
            i = bisect.bisect_right(self._times, ts)  # appended in time order but for ties
            self._times.insert(i, ts)
            self._marks.insert(i, mark)


# ---- places ------------------------------------------------------------------------------


def _split(bbox: Box) -> list[Box]:
    """A request's box, in two when it crosses the antimeridian (min_lon > max_lon)."""
    if bbox[0] <= bbox[2]:
        return [bbox]
    return [(bbox[0], bbox[1], 180.0, bbox[3]), (-180.0, bbox[1], bbox[2], bbox[3])]


def _meets(boxes: Iterable[Box], wanted: Sequence[Box]) -> bool:
    return any(
        b[0] <= w[2] and w[0] <= b[2] and b[1] <= w[3] and w[1] <= b[3]
        for b in boxes
        for w in wanted
    )


def _coords(geometry: dict[str, Any]) -> Iterator[tuple[float, float]]:
    def walk(c: Any) -> Iterator[tuple[float, float]]:
        if c and isinstance(c[0], int | float):
            yield float(c[0]), float(c[1])
        else:
            for x in c:
                yield from walk(x)

    yield from walk(geometry.get("coordinates") or [])


def _wrap(lon: float) -> float:
    return (lon + 180.0) % 360.0 - 180.0


def _outline_boxes(geometry: dict[str, Any]) -> list[Box]:
    """Boxes of a drawn outline (a hazard's envelope, whose longitudes may pass 180)."""
    pts = list(_coords(geometry))
    if not pts:
        return []
    lons, lats = [p[0] for p in pts], [p[1] for p in pts]
    lo, hi = min(lons), max(lons)
    if hi - lo >= 360.0:
        return [(-180.0, min(lats), 180.0, max(lats))]
    a, b = _wrap(lo), _wrap(hi)
    box = (a, min(lats), b, max(lats))
    return _split(box) if a > b else [box]


def _feature_boxes(geometry: dict[str, Any], props: dict[str, Any]) -> list[Box]:
    """The lon/lat boxes of a stored notice or asset (as the store's index has them)."""
    if "shape" in props:
        return list(Area.from_stored(geometry, props).base_boxes)
    return _outline_boxes(geometry)


def _in(wanted: Sequence[Box] | None, lon: Any, lat: Any) -> bool:
    if wanted is None:
        return True
    if lon is None or lat is None:
        return False
    return any(w[0] <= lon <= w[2] and w[1] <= lat <= w[3] for w in wanted)


# ---- the service -------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class _AtT:
    """The stored record as it stood at one moment (epoch s)."""

    ts: float
    notices: list[NoticeRow]  # the versions then current, not cancelled by then
    assets: list[AssetRow]
    hazards: list[HazardRow]


class ReplayService:
    """The picture at any moment, as one party may see it, and the events between two."""

    def __init__(
        self,
        store: Store,
        agreement: Agreement,
        clock: Clock,
        notices: NoticeService,
        assets: AssetService,
        hazards: HazardService,
        hotline: HotlineService,
        tracks: TrackService,
    ) -> None:
        self.store = store
        self.agreement = agreement
        self.clock = clock
        self.notices = notices
        self.assets = assets
        self.hazards = hazards
        self.hotline = hotline
        self.tracks = tracks
        self.marks = RecordMarks(store)

    # ---- the picture ---------------------------------------------------------------------
    def picture_at(self, party: str, at: datetime, bbox: Box | None = None) -> dict[str, Any]:
        """Everything `party` saw at `at`: notices in force (the version then current,
        its status then), assets, hazards, open conflicts and alerts, the hotline, the
        tracks; all within `bbox` if given. Within LIVE_WITHIN of now: the live picture."""
        self.agreement.party(party)
        now = self.clock()
        if at > now + LIVE_WITHIN:
            raise InvalidInput(
                f"{iso(at)} is after the server's clock ({iso(now)}): there is no record of "
                "the future",
                field="at",
            )
        live = abs(at - now) <= LIVE_WITHIN
        if live:
            at = now
        wanted = _split(bbox) if bbox is not None else None
        state = self._state(at)
        notices = [
            self.notices.feature(row, party, at)
            for row in state.notices
            if at < parse_utc(row.feature["properties"]["end"], "end")
            and (wanted is None or _meets(_feature_boxes(row.feature["geometry"], _p(row)), wanted))
        ]
        assets = [
            asset_view(a)
            for a in state.assets
            if wanted is None or _meets(_feature_boxes(a.feature["geometry"], _p(a)), wanted)
        ]
        shown_ids = {f["id"] for f in notices} | {f["id"] for f in assets}
        return {
            "at": iso(at),
            "live": live,
            "notices": {"type": "FeatureCollection", "features": notices},
            "assets": {"type": "FeatureCollection", "features": assets},
            "hazards": {"type": "FeatureCollection", "features": self._hazards(state, wanted)},
            "conflicts": self._conflicts(party, state.ts, wanted, shown_ids),
            "alerts": self._alerts(party, at, live, wanted),
            "hotline": self._hotline(party, state.ts),
            "tracks": self._tracks(party, at, live, bbox),
        }

    def _state(self, at: datetime) -> _AtT:
        ts = to_ts(at)
        notices = []
        for row in self.store.iter_notice_rows():
            if row.created_at > ts or (row.cancelled_at is not None and row.cancelled_at <= ts):
                continue
            if row.filed_at > ts:  # amended since: the version then current
                then = [v for v in self.store.list_versions(row.id) if v.filed_at <= ts]
                if not then:
                    continue
                row = then[-1]
            notices.append(replace(row, cancelled_at=None))  # not cancelled by then
        notices.sort(key=lambda r: (_p(r)["start"], r.created_at, r.id))
        assets = [
            replace(a, retired_at=None)
            for a in self.store.list_assets(include_retired=True)
            if a.created_at <= ts and (a.retired_at is None or a.retired_at > ts)
        ]
        hazards = [
            replace(h, retired_at=None)
            for h in self.store.list_hazards(include_retired=True)
            if h.created_at <= ts and (h.retired_at is None or h.retired_at > ts)
        ]
        return _AtT(ts, notices, assets, hazards)

    def _hazards(self, state: _AtT, wanted: Sequence[Box] | None) -> list[dict[str, Any]]:
        """Hazards as GET /hazards shows them, hot by the kinetic notices stored then."""
        if not state.hazards:
            return []
        built = [Hazard(h.id, hazard_from_stored(h.feature)) for h in state.hazards]
        kinetic = kinetic_notices(state.notices, self.agreement, self.hazards.strategic)
        hot: dict[str, list[Any]] = {}
        for hh in hot_hazards(built, kinetic, self.agreement.hazards):
            hot.setdefault(hh.hazard.id, []).append(hh)
        out = []
        for row, hz in zip(state.hazards, built, strict=True):
            if wanted is not None:
                outline = envelope_geometry(hz)
                if not _meets(
                    _outline_boxes(outline) + _outline_boxes(row.feature["geometry"]), wanted
                ):
                    continue
            out.append(hazard_view(row, hz, hot.get(hz.id, ())))
        return out

    def _conflicts(
        self, party: str, ts: float, wanted: Sequence[Box] | None, shown: set[str]
    ) -> list[dict[str, Any]]:
        """GET /conflicts (open ones) as it stood: detected by then, not closed by then."""
        out = []
        for c in self.store.list_conflicts(party=party, include_closed=True):
            if c.detected_at is None or c.detected_at > ts:
                continue
            if c.closed_at is not None and c.closed_at <= ts:
                continue
            if wanted is not None and not _conflict_in(c, wanted, shown):
                continue
            out.append(replace(c, closed_at=None, closed_reason=None).to_json())
        return out

    def _alerts(
        self, party: str, at: datetime, live: bool, wanted: Sequence[Box] | None
    ) -> dict[str, Any]:
        """GET /alerts as it stood: each alert's last recorded state, if not cleared."""
        if live:
            alerts = self.tracks.alert_list(party)["alerts"]
        else:
            last: dict[str, dict[str, Any]] = {}
            for m in self.marks.until(to_ts(at)):
                if m.kind == EventKind.ALERT and party in m.audience:
                    last[m.event["id"]] = m.event
            alerts = [
                {k: v for k, v in e.items() if k not in ("type", "event")}
                for e in last.values()
                if e["event"] != "cleared"
            ]
        return {"alerts": [a for a in alerts if _in(wanted, a.get("lon"), a.get("lat"))]}

    def _hotline(self, party: str, ts: float) -> dict[str, Any]:
        """GET /messages and GET /hotline/status as they stood (messages are not places:
        the box does not apply)."""
        escalations: dict[tuple[str, str], int] = {}
        channels: dict[str, dict[str, Any]] = {}
        for m in self.marks.until(ts):
            if m.kind == EventKind.ESCALATION:
                key = (m.event["message"], m.event["party"])
                escalations[key] = escalations.get(key, 0) + 1
            elif m.kind == EventKind.CHANNEL:
                channels[m.event["party"]] = m.event
        messages = [
            self.hotline.view_at(_message_then(msg, ts, escalations), ts)
            for msg in self.store.list_messages(party, limit=MAX_MESSAGES, sent_by=ts)
        ]
        status = [
            {
                "party": p,
                "state": channels[p]["state"] if p in channels else "unknown",
                "last_seen": channels[p]["last_seen"] if p in channels else None,
            }
            for p in self.agreement.party_ids
        ]
        return {"messages": messages, "channels": status}

    def _tracks(self, party: str, at: datetime, live: bool, bbox: Box | None) -> dict[str, Any]:
        if live:
            return self.tracks.geojson(bbox, viewer=party)
        # the track history (service.history): interpolated between kept fixes, named
        # as the viewer may see them (TrackService.geojson's visibility)
        return self.tracks.history_at(at, bbox, viewer=party)

    # ---- events --------------------------------------------------------------------------
    def events(
        self, party: str, start: datetime, end: datetime, limit: int = DEFAULT_EVENTS
    ) -> list[dict[str, Any]]:
        """What `party` saw happen from `start` to `end` (both included), oldest first, at
        most `limit`: `{"time", "kind", "text", "ref"}` with names, not ids, in `text`."""
        self.agreement.party(party)
        check_events_window(start, end, limit)
        t0, t1 = to_ts(start), to_ts(end)
        names = _Names(self.store, self.agreement, party)
        found: list[tuple[float, int, str, dict[str, Any]]] = []

        def add(ts: float | None, kind: str, text: str, ref: Any) -> None:
            if ts is not None and t0 <= ts <= t1:
                found.append((ts, _ORDER[kind], str(ref), {"kind": kind, "text": text}))

        self._notice_events(names, t0, t1, add)
        for c in self.store.list_conflicts(party=party, include_closed=True):
            what = names.conflict(c)
            add(c.detected_at, "conflict_detected", f"{what} detected", c.id)
            reason = f" ({c.closed_reason})" if c.closed_reason else ""
            add(c.closed_at, "conflict_closed", f"{what} closed{reason}", c.id)
        self._message_events(party, names, t1, add)
        for h in self.store.list_hazards(include_retired=True):
            add(
                h.created_at,
                "hazard_reported",
                f"{names.party(h.party)} reported {names.hazard(h)}",
                h.id,
            )
            add(
                h.retired_at,
                "hazard_retired",
                f"{names.party(h.party)} retired {names.hazard(h)}",
                h.id,
            )
        for a in self.store.list_assets(include_retired=True):
            add(
                a.created_at,
                "asset_registered",
                f"{names.party(a.party)} registered {names.asset(a)}",
                a.id,
            )
            add(
                a.retired_at,
                "asset_retired",
                f"{names.party(a.party)} retired {names.asset(a)}",
                a.id,
            )
        for m in self.marks.until(t1, since=t0):
            if party in m.audience:
                self._mark_event(m, names, add)
        found.sort(key=lambda e: (e[0], e[1], e[2]))
        return [
            {"time": iso(from_ts(ts)), "kind": e["kind"], "text": e["text"], "ref": ref}
            for ts, _, ref, e in found[:limit]
        ]

    def _notice_events(self, names: _Names, t0: float, t1: float, add: Callable[..., None]) -> None:
        for row in self.store.iter_notice_rows():
            if row.created_at > t1:
                continue
            versions = [row]
            if row.version > 1 and row.filed_at >= t0:
                versions = self.store.list_versions(row.id)
            who = names.party(row.party)
            for v in versions:
                if v.version == 1:
                    add(v.filed_at, "notice_filed", f"{who} filed {names.notice_row(v)}", v.id)
                else:
                    text = f"{who} amended {names.notice_row(v, f'version {v.version}: ')}"
                    add(v.filed_at, "notice_amended", text, v.id)
            if row.cancelled_at is not None:
                add(
                    row.cancelled_at,
                    "notice_cancelled",
                    f"{who} cancelled {names.notice_row(row)}",
                    row.id,
                )

    def _message_events(
        self, party: str, names: _Names, t1: float, add: Callable[..., None]
    ) -> None:
        for msg in self.store.list_messages(party, limit=MESSAGE_SCAN, sent_by=t1):
            subject = names.subject(msg)
            to = ", ".join(names.party(r.party) for r in msg.recipients)
            prio = msg.priority
            add(
                msg.sent_at,
                "message_sent",
                f"{names.sender(msg)} to {to}: {prio} {subject}",
                msg.id,
            )
            for r in msg.recipients:
                who = names.party(r.party)
                add(r.delivered_at, "message_delivered", f"{subject} delivered to {who}", msg.id)
                reply = f", replying {r.reply!r}" if r.reply else ""
                add(
                    r.acked_at,
                    "message_acknowledged",
                    f"{who} acknowledged {subject}{reply}",
                    msg.id,
                )

    def _mark_event(self, m: Mark, names: _Names, add: Callable[..., None]) -> None:
        e = m.event
        if m.kind == EventKind.ALERT:
            if e["event"] in ("raised", "cleared"):
                what = names.alert(e)
                if e["event"] == "raised":
                    add(m.ts, "alert_raised", f"{what} raised", e["id"])
                else:
                    why = f" ({e['cleared_reason']})" if e.get("cleared_reason") else ""
                    add(m.ts, "alert_cleared", f"{what} cleared{why}", e["id"])
        elif m.kind == EventKind.ESCALATION:
            subject = names.subject_of(e["message"])
            add(
                m.ts,
                "escalation",
                f"{subject} from {names.party(e['from'])} overdue at {names.party(e['party'])}: "
                f"escalation {e['count']} ({e['priority']}, "
                f"{e['overdue_s']:,.0f} s past its deadline)",
                e["message"],
            )
        elif m.kind == EventKind.CHANNEL:
            who = names.party(e["party"])
            if e["state"] == "up":
                add(m.ts, "channel_up", f"{who}'s hotline is up", e["party"])
            else:
                heard = wording.hhmm(e["last_seen"], from_ts(m.ts), seconds=True)
                add(
                    m.ts,
                    "channel_down",
                    f"{who}'s hotline is down (last heard {heard} UTC)",
                    e["party"],
                )


def check_events_window(start: datetime, end: datetime, limit: int) -> None:
    """An events request's bounds: `to` not before `from`, at most MAX_EVENTS_SPAN apart,
    1 to MAX_EVENTS events."""
    if end < start:
        raise InvalidInput("must not be before from", field="to")
    if end - start > MAX_EVENTS_SPAN:
        raise InvalidInput(f"from and to are at most {MAX_EVENTS_SPAN.days} days apart", field="to")
    if not 1 <= limit <= MAX_EVENTS:
        raise InvalidInput(f"must be 1 to {MAX_EVENTS}", field="limit")


def _p(row: NoticeRow | AssetRow) -> dict[str, Any]:
    props: dict[str, Any] = row.feature["properties"]
    return props


def _conflict_in(c: ConflictRow, wanted: Sequence[Box], shown: set[str]) -> bool:
    """A conflict is in the box where its worst point is; one without (interference)
    where either side shown in the box is."""
    if c.measures is not None:
        return _in(wanted, c.measures.worst_lon, c.measures.worst_lat)
    return c.a_id in shown or c.b_id in shown


def _message_then(
    msg: MessageRow, ts: float, escalations: dict[tuple[str, str], int]
) -> MessageRow:
    """A message as the store held it at `ts`: the receipts given by then, the
    escalations recorded by then."""

    def then(r: ReceiptRow) -> ReceiptRow:
        delivered = r.delivered_at if r.delivered_at is not None and r.delivered_at <= ts else None
        acked = r.acked_at is not None and r.acked_at <= ts
        return ReceiptRow(
            r.party,
            delivered,
            r.acked_at if acked else None,
            r.reply if acked else None,
            escalations.get((msg.id, r.party), 0),
        )

    return replace(msg, recipients=tuple(then(r) for r in msg.recipients))


class _Names:
    """What one party reads a notice, asset, hazard, party or message as: callsigns and
    names where the agreement lets it see them (`model.visibility`), ids only when a
    thing has no name."""

    def __init__(self, store: Store, agreement: Agreement, viewer: str) -> None:
        self.store = store
        self.agreement = agreement
        self.viewer = viewer
        self._rows: dict[str, NoticeRow | None] = {}
        self._subjects: dict[str, str] = {}

    def party(self, party: str) -> str:
        if party == SYSTEM:
            return "interlock (system)"
        try:
            return self.agreement.party(party).name
        except InvalidInput:  # a party since dropped from the agreement: its id
            return party

    def _callsign(self, row: NoticeRow) -> str | None:
        if "callsign" in hidden_fields(self.agreement, self.viewer, row.party):
            return None
        value = row.feature["properties"].get("callsign")
        return str(value) if value else None

    def notice_row(self, row: NoticeRow, lead: str = "") -> str:
        """'PATROL 21 (air, FL100–200, 10:00–12:00 UTC)'; 'air notice n-… (…)' unnamed;
        `lead` opens the brackets. The window's date shows when not the filing's day."""
        p = row.feature["properties"]
        name = self._callsign(row) or f"{row.domain} notice {row.id}"
        when = wording.window(p["start"], p["end"], from_ts(row.filed_at))
        return f"{name} ({lead}{row.domain}, {wording.band(p)}, {when} UTC)"

    def notice(self, notice_id: str) -> str:
        if notice_id not in self._rows:
            self._rows[notice_id] = self.store.get_notice(notice_id)
        row = self._rows[notice_id]
        if row is None:
            return f"notice {notice_id}"
        return self._callsign(row) or f"{row.domain} notice {notice_id}"

    def asset(self, a: AssetRow) -> str:
        name = a.feature["properties"].get("name")
        return f"{a.kind} {name}" if name else f"{a.kind} {a.id}"

    def hazard(self, h: HazardRow) -> str:
        p = h.feature["properties"]
        name = p.get("name") or h.id
        what = ", ".join(str(p[k]) for k in ("weapon", "operator") if p.get(k))
        return f"hazard {name}" + (f" ({what})" if what else "")

    def side(self, kind: str, ref_id: str, party: str) -> str:
        if kind == "notice":
            name = self.notice(ref_id)
        else:
            a = self.store.get_asset(ref_id)
            name = self.asset(a) if a is not None else f"asset {ref_id}"
        return f"{name} ({self.party(party)})"

    def conflict(self, c: ConflictRow) -> str:
        a = self.side(c.a_kind, c.a_id, c.a_party)
        b = self.side(c.b_kind, c.b_id, c.b_party)
        return f"{c.severity} {c.kind} conflict #{c.id} between {a} and {b}"

    def sender(self, msg: MessageRow) -> str:
        return self.party(msg.sender)

    def subject(self, msg: MessageRow) -> str:
        text = f"“{message_view(msg.event)['subject']}”"
        self._subjects[msg.id] = text
        return text

    def subject_of(self, message_id: str) -> str:
        if message_id not in self._subjects:
            msg = self.store.get_message(message_id)
            if msg is None:
                return f"message {message_id}"
            self.subject(msg)
        return self._subjects[message_id]

    def alert(self, e: dict[str, Any]) -> str:
        tracks = " / ".join(e["track_ids"])
        what = f"{e['severity']} {e['kind']} alert: {tracks}"
        if e["kind"] == "entry" and e.get("notice_id"):
            what += f" into {self.notice(e['notice_id'])}"
        elif e["kind"] in ("exposure", "masking") and e.get("hazard_id"):
            what += f" in hazard {e['hazard_id']}"
            if e.get("notice_id"):
                what += f" hot by {self.notice(e['notice_id'])}"
        elif e["kind"] == "nonconformance":
            what += f" of {self.party(e['owners'][0])} outside its notices"
        return what
