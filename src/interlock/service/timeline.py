"""Who said what, to whom, and when: a timeline of a notice or a message, from the ledger.

The 2018 dispute was over how much warning was given; this answers it from the record:
each notice version's filing time against its start and the agreement's lead time; for a
hotline message, when each addressee's client reported delivery and when each
acknowledged, in seconds after sending and against the message's deadline, each
escalation, the replies, and the lead time of any activity the message announces. A
notice's timeline also shows the messages that refer to it (the system's conflict and
late-notice messages) and their receipts, and for a kinetic notice the warning each
aircraft it exposes needed (time to leave the hot envelope + the acknowledgement margin)
against the warning it got (its start less its filing time).
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Any

from ..errors import InvalidInput
from ..ledger.receipts import verified_to
from ..model.agreement import Rules
from ..model.message import SYSTEM, message_view
from ..model.timeutil import parse_utc

MESSAGE_PREFIX = "m-"


def _mentions(event: dict[str, Any], notice_id: str) -> bool:
    if event.get("id") == notice_id or event.get("notice") == notice_id:
        return True
    if event.get("a_id") == notice_id or event.get("b_id") == notice_id:
        return True
    return any(
        isinstance(ref, dict) and ref.get("id") == notice_id
        for ref in (event.get("notice"), event.get("exposed"))
    )


def _refers_to(event: dict[str, Any], kind: str, ref_id: str) -> bool:
    """Whether a message event lists (kind, ref_id) among its refs."""
    if event.get("type") != "message":
        return False
    refs = message_view(event)["refs"]
    return any(r.get("kind") == kind and str(r.get("id")) == ref_id for r in refs)


def _at(entry: dict[str, Any]) -> datetime:
    return parse_utc(entry["received_at"], "received_at")


def _lead(start: datetime, filed: datetime, rules: Rules) -> str:
    """An activity's lead time against agreement clause "notice lead time"."""
    required_min = rules.min_lead_time.total_seconds() / 60
    lead = (start - filed).total_seconds() / 60
    verdict = "meets" if lead >= required_min else "BREAKS"
    return f"lead time {lead:.1f} min ({verdict} the {required_min:g} min rule)"


def _seconds(s: float) -> str:
    return f"{s:.1f} s"


def _min_s(s: float) -> str:
    sign, whole = ("-" if s < 0 else ""), round(abs(s))
    return f"{sign}{whole // 60} min {whole % 60:02d} s"


def _exposure_what(
    ev: dict[str, Any], notice_id: str, leads: dict[int, float]
) -> tuple[str, dict[str, Any]]:
    """An exposure conflict's line; for the kinetic notice (b), its required and actual
    warning (the lead time of the version that exposed the other)."""
    what = (
        f"critical EXPOSURE conflict #{ev['id']}: {ev['a_party']}'s notice {ev['a_id']} inside "
        f"hazard {ev['hazard']} made hot by {ev['b_party']}'s notice {ev['b_id']}, "
        f"{ev['window_start']} – {ev['window_end']}; {_min_s(ev['time_to_exit_s'])} to leave"
    )
    extra: dict[str, Any] = {"required_warning_s": ev["required_warning_s"]}
    lead = leads.get(ev["b_version"]) if ev["b_id"] == notice_id else None
    if lead is None:
        return what + f", warning required {_min_s(ev['required_warning_s'])}", extra
    verdict = "enough" if lead >= ev["required_warning_s"] else "INSUFFICIENT"
    extra["warning_s"] = lead
    return (
        what + f"; warning required {_min_s(ev['required_warning_s'])}, given "
        f"{_min_s(lead)} ({verdict})",
        extra,
    )


class _Message:
    """What the timeline knows of one message: when it went, its deadline, its addressees."""

    def __init__(self, entry: dict[str, Any]) -> None:
        self.view = message_view(entry["event"])
        self.id: str = self.view["id"]
        self.sent_at = _at(entry)
        self.deadline = parse_utc(self.view["deadline"], "deadline")
        self.allowed_s = (self.deadline - self.sent_at).total_seconds()

    @property
    def sender(self) -> str:
        return "interlock (system)" if self.view["from"] == SYSTEM else self.view["from"]


def _message_what(m: _Message, event: dict[str, Any], rules: Rules) -> str:
    v = m.view
    parts = [
        f"{m.sender} -> {', '.join(v['to'])}: {v['priority']} {v['subject']!r}"
        + (f" (signed by {event['envelope']['author']})" if v["signed"] else ""),
        f"deadline {v['deadline']} ({m.allowed_s:g} s)",
    ]
    if v["refs"]:
        parts.append("refers to " + ", ".join(f"{r['kind']} {r['id']}" for r in v["refs"]))
    activity = (v.get("payload") or {}).get("activity")
    if isinstance(activity, dict) and isinstance(activity.get("start"), str):
        try:
            start = parse_utc(activity["start"], "payload.activity.start")
        except InvalidInput:  # recorded as sent (the server checked it when it came)
            parts.append(f"activity from {activity['start']!r}")
        else:
            end = activity.get("end", "?")
            parts.append(f"activity {activity['start']} – {end}: {_lead(start, m.sent_at, rules)}")
    return "; ".join(parts)


def _receipt_row(m: _Message, entry: dict[str, Any], name: str) -> dict[str, Any]:
    ev = entry["event"]
    after = (_at(entry) - m.sent_at).total_seconds()
    party, status = ev["party"], ev["status"]
    row: dict[str, Any] = {"party": party, "status": status, "after_s": after, "message": m.id}
    if status == "delivered":
        of = f" of{name}" if name else ""
        what = f"{party}'s client reported delivery{of} {_seconds(after)} after sending"
    else:
        on_time = _at(entry) <= m.deadline
        row["on_time"] = on_time
        late = (_at(entry) - m.deadline).total_seconds()
        verdict = (
            f"on time (deadline {m.allowed_s:g} s)"
            if on_time
            else f"LATE, {_seconds(late)} past the {m.allowed_s:g} s deadline"
        )
        what = f"{party} acknowledged{name} {_seconds(after)} after sending: {verdict}"
        reply = ((ev.get("envelope") or {}).get("body") or {}).get("reply")
        if reply:
            row["reply"] = reply
            what += f"; reply {reply!r}"
    size = verified_to(ev)  # the checkpoint its signer had verified (issue 16, step 3)
    if size is not None:
        row["verified_to"] = size
        what += f"; {party} had verified the record to entry {size}"
    row["what"] = what
    return row


def _escalation_what(ev: dict[str, Any], name: str) -> str:
    told = ", ".join(ev.get("audience", []))
    return (
        f"escalation {ev['count']}{name}: {ev['party']} had not acknowledged, "
        f"{_seconds(ev['overdue_s'])} past the deadline; told {told}"
    )


def _row(entry: dict[str, Any], kind: str, what: str, **extra: Any) -> dict[str, Any]:
    return {
        "seq": entry["seq"],
        "received_at": entry["received_at"],
        "type": kind,
        "what": what,
        **extra,
    }


def _hotline_row(
    entry: dict[str, Any], messages: dict[str, _Message], name_of: Any
) -> dict[str, Any] | None:
    """A row for a receipt or escalation of one of `messages`, else None."""
    ev = entry["event"]
    m = messages.get(ev.get("message", ""))
    if m is None:
        return None
    if ev["type"] == "receipt":
        row = _receipt_row(m, entry, name_of(m))
        return _row(entry, "receipt", row.pop("what"), **row)
    if ev["type"] == "escalation":
        return _row(
            entry,
            "escalation",
            _escalation_what(ev, f" of{name_of(m)}" if name_of(m) else ""),
            party=ev["party"],
            message=m.id,
            count=ev["count"],
        )
    return None


def message_timeline(
    entries: Iterable[dict[str, Any]], message_id: str, rules: Rules
) -> list[dict[str, Any]]:
    """Ledger events about one message, in order: the message, each receipt, each
    escalation, and messages that refer to it. The first row carries `to` and `deadline_s`
    for `message_summary`."""
    out: list[dict[str, Any]] = []
    messages: dict[str, _Message] = {}
    for e in entries:
        ev = e["event"]
        kind = ev.get("type")
        if kind == "message" and ev.get("id") == message_id:
            m = _Message(e)
            messages[message_id] = m
            out.append(
                _row(
                    e,
                    "message",
                    _message_what(m, ev, rules),
                    message=m.id,
                    to=list(m.view["to"]),
                    deadline_s=m.allowed_s,
                )
            )
        elif messages and _refers_to(ev, "message", message_id):
            ref = _Message(e)
            after = (ref.sent_at - messages[message_id].sent_at).total_seconds()
            out.append(
                _row(
                    e,
                    "message",
                    f"message {ref.id} from {ref.sender} refers to it "
                    f"({_seconds(after)} after sending): {ref.view['subject']!r}",
                )
            )
        elif kind in ("receipt", "escalation"):
            row = _hotline_row(e, messages, lambda _m: "")
            if row is not None:
                out.append(row)
    return out


def message_summary(rows: list[dict[str, Any]]) -> list[str]:
    """One line per addressee of a message timeline: delivered when, acknowledged when
    (on time or late), escalations, reply. Empty for a notice's timeline."""
    if not rows or rows[0]["type"] != "message" or "to" not in rows[0]:
        return []
    head = rows[0]
    lines = []
    for party in head["to"]:
        mine = [r for r in rows if r.get("party") == party and r.get("message") == head["message"]]
        delivered = next((r for r in mine if r.get("status") == "delivered"), None)
        acked = next((r for r in mine if r.get("status") == "acknowledged"), None)
        escalations = sum(1 for r in mine if r["type"] == "escalation")
        parts = [
            f"delivered +{_seconds(delivered['after_s'])}" if delivered else "delivery not reported"
        ]
        if acked:
            verdict = "on time" if acked["on_time"] else "LATE"
            parts.append(f"acknowledged +{_seconds(acked['after_s'])} ({verdict})")
            if "verified_to" in acked:
                parts.append(f"had verified the record to entry {acked['verified_to']}")
        else:
            parts.append("NOT acknowledged")
        parts.append(f"deadline {head['deadline_s']:g} s")
        if escalations:
            parts.append(f"escalated {escalations} time{'s' if escalations > 1 else ''}")
        if acked and acked.get("reply"):
            parts.append(f"reply {acked['reply']!r}")
        lines.append(f"{party}: " + "; ".join(parts))
    return lines


def _conflict_what(
    ev: dict[str, Any], notice_id: str, leads: dict[int, float]
) -> tuple[str, dict[str, Any]]:
    """A conflict's line as seen from `notice_id` (one of its sides)."""
    if ev.get("kind") == "interference":
        what = (
            f"{ev['severity']} interference conflict #{ev['id']} at receiver {ev['a_id']} "
            f"({' / '.join(ev['parties'])}): I/N {ev['i_n_db']:.1f} dB against "
            f"{ev['criterion_db']:g} dB, {ev['start']} – {ev['end']}"
        )
        return what, {}
    if ev.get("kind") == "exposure":
        return _exposure_what(ev, notice_id, leads)
    other = ev["b_id"] if ev["a_id"] == notice_id else ev["a_id"]
    what = (
        f"{ev['severity']} conflict #{ev['id']} with {other} "
        f"({' / '.join(ev['parties'])}): {ev['horizontal_distance_m']:,.0f} m apart, "
        f"{ev['window_start']} – {ev['window_end']}"
    )
    return what, {}


def conflict_timeline(
    entries: Iterable[dict[str, Any]], number: int, rules: Rules
) -> list[dict[str, Any]]:
    """Ledger events about conflict `number`, in order: its detection, the system
    messages about it with their receipts and escalations, and its closing."""
    out: list[dict[str, Any]] = []
    messages: dict[str, _Message] = {}
    sides: set[str] = set()
    closed = False
    for e in entries:
        ev = e["event"]
        kind = ev.get("type")
        if kind == "conflict" and ev.get("id") == number:
            sides = {ev["a_id"], ev["b_id"]}
            what, extra = _conflict_what(ev, ev["a_id"], {})
            out.append(
                _row(e, kind, f"{what}; {ev['a_kind']} {ev['a_id']} of {ev['a_party']}", **extra)
            )
        elif kind == "message" and _refers_to(ev, "conflict", str(number)):
            m = _Message(e)
            messages[m.id] = m
            label = "system message" if m.view["from"] == SYSTEM else "message"
            out.append(_row(e, kind, f"{label} {m.id}: {_message_what(m, ev, rules)}"))
        elif kind in ("receipt", "escalation"):
            row = _hotline_row(e, messages, lambda m: f" {m.id}")
            if row is not None:
                out.append(row)
        elif kind == "conflicts_closed" and not closed and sides:
            ref = ev.get("notice") or ev.get("asset")
            if ref in sides:
                closed = True
                out.append(_row(e, kind, f"closed with the conflicts of {ref}: {ev['reason']}"))
    return out


def notice_timeline(
    entries: Iterable[dict[str, Any]], notice_id: str, rules: Rules
) -> list[dict[str, Any]]:
    """Ledger events about one notice, in order, each with a one-line account; with the
    messages referring to it (conflict and late-notice system messages) and their receipts
    and escalations."""
    out = []
    messages: dict[str, _Message] = {}
    leads: dict[int, float] = {}  # version -> its start less its filing time, seconds
    for e in entries:
        ev = e["event"]
        kind = ev.get("type", "?")
        extra: dict[str, Any] = {}
        if kind == "message" and _refers_to(ev, "notice", notice_id):
            m = _Message(e)
            messages[m.id] = m
            label = "system message" if m.view["from"] == SYSTEM else "message"
            out.append(_row(e, kind, f"{label} {m.id}: {_message_what(m, ev, rules)}"))
            continue
        if kind in ("receipt", "escalation"):
            row = _hotline_row(e, messages, lambda m: f" {m.id}")
            if row is not None:
                out.append(row)
            continue
        if not _mentions(ev, notice_id):
            continue
        if kind == "notice_version":
            props = ev["feature"]["properties"]
            start = parse_utc(props["start"], "start")
            if ev.get("id") == notice_id:
                leads[ev["version"]] = (start - _at(e)).total_seconds()
            lead = _lead(start, _at(e), rules)
            what = (
                f"version {ev['version']} filed by {ev['party']}: {props['start']} – "
                f"{props['end']}; {lead}"
            )
        elif kind == "conflict":
            what, extra = _conflict_what(ev, notice_id, leads)
        elif kind == "violation":
            what = f"violation {ev['kind']}: {ev['detail']}"
            if ev["kind"] == "insufficient_warning":
                extra = {"required_warning_s": ev["required_s"], "warning_s": ev["lead_time_s"]}
        elif kind == "conflicts_closed":
            what = f"its conflicts closed: {ev['reason']}"
        elif kind == "notice_cancelled":
            what = f"cancelled by {ev['party']}"
        else:
            what = kind
        out.append(_row(e, kind, what, **extra))
    return out


def timeline(entries: Iterable[dict[str, Any]], ref_id: str, rules: Rules) -> list[dict[str, Any]]:
    """The timeline of a message (id "m-...") or of a notice (any other id)."""
    if ref_id.startswith(MESSAGE_PREFIX):
        return message_timeline(entries, ref_id, rules)
    return notice_timeline(entries, ref_id, rules)
