"""Who said what about a notice, and when: a timeline read from the ledger.

The 2018 dispute was over how much warning was given; this answers it from the record:
each version's filing time against its start, and the agreement's lead time.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from ..model.agreement import Rules
from ..model.timeutil import parse_utc


def _mentions(event: dict[str, Any], notice_id: str) -> bool:
    if event.get("id") == notice_id or event.get("notice") == notice_id:
        return True
    if event.get("a_id") == notice_id or event.get("b_id") == notice_id:
        return True
    notice = event.get("notice")
    return isinstance(notice, dict) and notice.get("id") == notice_id


def timeline(
    entries: Iterable[dict[str, Any]], notice_id: str, rules: Rules
) -> list[dict[str, Any]]:
    """Ledger events about one notice, in order, each with a one-line account."""
    required_min = rules.min_lead_time.total_seconds() / 60
    out = []
    for e in entries:
        ev = e["event"]
        if not _mentions(ev, notice_id):
            continue
        kind = ev.get("type", "?")
        if kind == "notice_version":
            props = ev["feature"]["properties"]
            lead = (
                parse_utc(props["start"], "start") - parse_utc(e["received_at"], "received_at")
            ).total_seconds() / 60
            what = (
                f"version {ev['version']} filed by {ev['party']}: {props['start']} – "
                f"{props['end']}; lead time {lead:.1f} min "
                f"({'meets' if lead >= required_min else 'BREAKS'} the {required_min:g} "
                "min rule)"
            )
        elif kind == "conflict":
            other = ev["b_id"] if ev["a_id"] == notice_id else ev["a_id"]
            what = (
                f"{ev['severity']} conflict #{ev['id']} with {other} "
                f"({' / '.join(ev['parties'])}): {ev['horizontal_distance_m']:,.0f} m apart, "
                f"{ev['window_start']} – {ev['window_end']}"
            )
        elif kind == "violation":
            what = f"violation {ev['kind']}: {ev['detail']}"
        elif kind == "conflicts_closed":
            what = f"its conflicts closed: {ev['reason']}"
        elif kind == "notice_cancelled":
            what = f"cancelled by {ev['party']}"
        else:
            what = kind
        out.append({"seq": e["seq"], "received_at": e["received_at"], "type": kind, "what": what})
    return out
