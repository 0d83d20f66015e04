"""A ledger entry in a duty officer's words, for the report's table: names, never ids.

Parties by name, notices by callsign (else "<party>'s <domain> notice <window>"), assets
and hazards by name, messages by subject; times UTC to the second; bands as filed;
distances in NM (`model.wording`). Lead time is judged against the agreement's rule
(clause "notice lead time"), acknowledgements against each message's deadline.
"""

from __future__ import annotations

import re
from datetime import datetime
from typing import Any

from ..model.message import SYSTEM, message_view
from ..model.timeutil import parse_utc
from ..model.wording import band, nm
from .report_data import ReportData, at


def utc(t: datetime | str) -> str:
    value = parse_utc(t, "time") if isinstance(t, str) else t
    return f"{value:%d %b %H:%M:%S}"


def _minutes(seconds: float) -> str:
    sign, whole = ("-" if seconds < 0 else ""), round(abs(seconds))
    if whole >= 3600:
        return f"{sign}{whole // 3600} h {whole % 3600 // 60:02d} min"
    return f"{sign}{whole // 60} min {whole % 60:02d} s"


# An id the server wrote into a subject ("notice n-…" where a notice has no callsign).
IDS = re.compile(r"\b(?:(?:notice|asset|hazard|message) )?([nmah]-[0-9a-f]{16})\b")
DETAILS = ("purpose", "unit", "remarks")  # optional fields, shown where the reader may see them


def _details(props: dict[str, Any], openings: Any) -> str:
    """The optional fields this reader may see: in the clear, or opened for it."""
    shown = []
    for name in DETAILS:
        value = props.get(name)
        if isinstance(openings, dict) and isinstance(openings.get(name), dict):
            value = openings[name].get("value")
        if isinstance(value, str) and value:
            shown.append(f"{name} {value}")
    return "; " + ", ".join(shown) if shown else ""


def _alert_line(ev: dict[str, Any], namer: Namer) -> str:
    """A tactical alert's record: what, who, and the numbers that raised it."""
    tracks = " and ".join(str(t) for t in ev.get("track_ids") or []) or "a track"
    told = ", ".join(namer.party(p) for p in ev.get("parties") or [])
    line = f"{ev.get('severity')} {ev.get('kind')} alert {ev.get('event')}: {tracks}"
    if isinstance(ev.get("cpa_distance_m"), int | float) and ev.get("cpa_at"):
        line += f", closest {nm(ev['cpa_distance_m'])} NM at {utc(ev['cpa_at'])} UTC"
    if ev.get("notice_id"):
        line += f", {namer.thing(ev['notice_id'])}"
    if ev.get("event") == "cleared" and ev.get("cleared_reason"):
        line += f" ({ev['cleared_reason']})"
    return line + (f"; told {told}" if told else "")


class Namer:
    """What the report calls each party, notice, asset, hazard and message."""

    def __init__(self, data: ReportData, all_entries: list[dict[str, Any]]) -> None:
        self.parties = dict(data.party_names)
        self.parties[SYSTEM] = "interlock (system)"
        self.lead_min = float(data.agreement["rules"]["min_lead_time_min"])
        self.things: dict[str, str] = {}
        for e in all_entries:
            ev = e["event"]
            kind = ev.get("type")
            if kind in ("notice_version", "asset", "hazard"):
                self.things[ev["id"]] = self._label(kind, ev)
            elif kind == "message":
                self.things[ev["id"]] = f"message “{message_view(ev)['subject']}”"
        for key, value in self.things.items():  # subjects naming notices by id
            self.things[key] = self.plain(value) if key.startswith("m-") else value
        for versions in data.notices.values():  # as served: names the party may see
            for v in versions:
                props = v.get("properties", {})
                if props.get("callsign"):
                    self.things[str(v.get("id"))] = str(props["callsign"])
        for a in data.assets:
            if a.get("properties", {}).get("name"):
                self.things[str(a["id"])] = str(a["properties"]["name"])
        for h in data.hazards:
            if h.get("properties", {}).get("name"):
                self.things[str(h["id"])] = str(h["properties"]["name"])

    def party(self, pid: str) -> str:
        return self.parties.get(pid, pid)

    def _label(self, kind: str, ev: dict[str, Any]) -> str:
        props = (ev.get("feature") or {}).get("properties") or {}
        if kind == "notice_version":
            if isinstance(props.get("callsign"), str):
                return props["callsign"]
            domain = "sea" if "depth_min_m" in props else "air"
            when = f"{parse_utc(props['start'], 'start'):%H:%M}" if props.get("start") else ""
            return f"{self.party(ev['party'])}'s {domain} notice from {when}"
        name = props.get("name")
        return str(name) if name else f"{self.party(ev.get('party', '?'))}'s {kind}"

    def plain(self, text: str) -> str:
        """`text` with each id in it replaced by the name of what it names."""
        return IDS.sub(lambda m: self.thing(m.group(1)), text)

    def thing(self, ref: str | None) -> str:
        if ref is None:
            return "?"
        return self.things.get(ref, "an item you may not see")

    def lead(self, start: datetime, filed: datetime) -> tuple[float, bool]:
        minutes = (start - filed).total_seconds() / 60
        return minutes, minutes >= self.lead_min

    def describe(self, entry: dict[str, Any], messages: dict[str, dict[str, Any]]) -> str:
        """One line: what this entry records."""
        ev = entry["event"]
        kind = ev.get("type")
        by = self.party(ev.get("party", ""))
        if kind == "notice_version":
            p = ev["feature"]["properties"]
            start = parse_utc(p["start"], "start")
            minutes, ok = self.lead(start, at(entry))
            verdict = "meets" if ok else "BREAKS"
            return (
                f"{by} filed {self.thing(ev['id'])} version {ev['version']}: "
                f"{utc(p['start'])} – {utc(p['end'])} UTC, {band(p)}; lead time "
                f"{_minutes(minutes * 60)} ({verdict} the {self.lead_min:g} min rule)"
                + _details(p, entry.get("openings"))
                + ("; signed" if "envelope" in ev else "")
            )
        if kind == "notice_cancelled":
            return f"{by} cancelled {self.thing(ev.get('id'))}"
        if kind == "conflict":
            sides = " and ".join(
                f"{self.thing(ev[f'{s}_id'])} ({self.party(ev[f'{s}_party'])})" for s in "ab"
            )
            if ev.get("kind") == "interference":
                return f"{ev['severity']} interference conflict #{ev['id']}: {sides}"
            gap = ev.get("horizontal_distance_m")
            apart = f", {nm(gap)} NM apart" if isinstance(gap, int | float) else ""
            window = (
                f", {utc(ev['window_start'])} – {utc(ev['window_end'])} UTC"
                if ev.get("window_start")
                else ""
            )
            return f"{ev['severity']} conflict #{ev['id']} detected between {sides}{apart}{window}"
        if kind == "conflicts_closed":
            ref = ev.get("notice") or ev.get("asset")
            return f"conflicts of {self.thing(ref)} closed: {ev.get('reason', '')}"
        if kind == "violation":
            return (
                f"violation ({str(ev.get('kind', '')).replace('_', ' ')}): {ev.get('detail', '')}"
            )
        if kind == "message":
            v = message_view(ev)
            to = ", ".join(self.party(p) for p in v["to"])
            return (
                f"{self.party(v['from'])} → {to}: {v['priority']} “{v['subject']}”, "
                f"acknowledge by {utc(v['deadline'])} UTC" + ("; signed" if v["signed"] else "")
            )
        if kind == "receipt":
            m = messages.get(ev.get("message", ""))
            what = self.thing(ev.get("message"))
            status = "reported delivery of" if ev["status"] == "delivered" else "acknowledged"
            line = f"{by} {status} {what}"
            if m is not None:
                after = (at(entry) - m["sent"]).total_seconds()
                line += f", {after:.1f} s after sending"
                if ev["status"] == "acknowledged":
                    late = at(entry) > m["deadline"]
                    line += " — LATE, past the deadline" if late else " — on time"
            return line + "; signed"
        if kind == "escalation":
            return (
                f"escalation {ev.get('count')}: {by} had not acknowledged "
                f"{self.thing(ev.get('message'))}, {ev.get('overdue_s', 0):.0f} s past the deadline"
            )
        if kind == "asset":
            return f"{by} registered protected asset {self.thing(ev.get('id'))}"
        if kind == "asset_retired":
            return f"{by} retired protected asset {self.thing(ev.get('id'))}"
        if kind == "hazard":
            return f"{by} reported hazard {self.thing(ev.get('id'))}"
        if kind == "hazard_retired":
            return f"{by} retired hazard {self.thing(ev.get('id'))}"
        if kind == "channel":
            return f"hotline of {self.party(ev.get('party', ''))} {ev.get('state', '')}"
        if kind == "alert":
            return _alert_line(ev, self)
        if kind == "disclosure":
            return f"{by} disclosed field {ev.get('field')} of entry {ev.get('entry')}"
        return str(kind).replace("_", " ")

    def line(self, entry: dict[str, Any], messages: dict[str, dict[str, Any]]) -> str:
        """`describe`, with any id the record's own words hold turned into a name."""
        return self.plain(self.describe(entry, messages))
