"""Conflicts and alerts as CSV, one row each, for a spreadsheet (pure).

Written with the csv module (RFC 4180 quoting). Every text cell is guarded against
formula injection as OWASP's "CSV Injection" page advises: a cell beginning with
=, +, -, @, a tab or a carriage return is prefixed with a single quote, so a spreadsheet
shows it as text instead of running it (a party's notice name or callsign is hostile
input). Numbers this module writes itself are not prefixed (a negative vertical gap
stays a number).

Columns are readable: times UTC as "2026-12-07 14:05", parties by name, notices by
callsign (as the reader may see them), distances in NM and heights in ft.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Callable, Iterable, Sequence
from typing import Any

from ..geo.units import M_PER_FT, M_PER_NM
from ..model.timeutil import from_ts, parse_utc

FORMULA_START = ("=", "+", "-", "@", "\t", "\r")  # OWASP CSV Injection

CONFLICT_COLUMNS = (
    "conflict",
    "detected (UTC)",
    "kind",
    "severity",
    "party A",
    "A",
    "party B",
    "B",
    "from (UTC)",
    "to (UTC)",
    "horizontal separation (NM)",
    "horizontal minimum (NM)",
    "vertical separation (ft)",
    "vertical minimum (ft)",
    "status",
    "closed (UTC)",
)
ALERT_COLUMNS = (
    "alert",
    "raised (UTC)",
    "updated (UTC)",
    "kind",
    "severity",
    "state",
    "parties",
    "tracks",
    "notice",
    "closest approach (UTC)",
    "separation at closest approach (NM)",
    "vertical separation (ft)",
    "corroborated",
    "cleared (UTC)",
)


def safe(value: Any) -> Any:
    """A text cell a spreadsheet will not evaluate; numbers and None as they are."""
    if isinstance(value, str) and value.startswith(FORMULA_START):
        return "'" + value
    return value


def when(value: str | float | None) -> str:
    """An ISO 8601 time or epoch seconds as "2026-12-07 14:05" (UTC); "" for none."""
    if value is None or value == "":
        return ""
    t = from_ts(float(value)) if isinstance(value, int | float) else parse_utc(value, "time")
    return t.strftime("%Y-%m-%d %H:%M")


def _nm(metres: Any) -> str:
    return "" if metres is None else f"{float(metres) / M_PER_NM:.2f}"


def _ft(metres: Any) -> str:
    if metres is None or metres == float("inf"):
        return ""
    return f"{float(metres) / M_PER_FT:.0f}"


def _csv(columns: Sequence[str], rows: Iterable[Sequence[Any]]) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")  # RFC 4180 line ends
    writer.writerow(columns)
    for row in rows:
        writer.writerow(row)
    return out.getvalue()


def conflicts_csv(
    conflicts: Iterable[dict[str, Any]],
    party_name: Callable[[str], str],
    side_name: Callable[[str, str, int], str],
) -> str:
    """Conflicts as the service lists them (`ConflictRow.to_json` read back), one row
    each. `side_name(kind, id, version)` names a notice or asset as the reader may see
    it; `party_name(id)` a party."""
    rows = []
    for c in conflicts:
        interference = c.get("kind") == "interference"
        closed = c.get("closed_at")
        status = "open" if closed is None else f"closed ({c.get('closed_reason') or ''})"
        rows.append(
            (
                c.get("id", ""),
                when(c.get("detected_at")),
                c.get("kind", "strategic"),
                c.get("severity", ""),
                safe(party_name(c["a_party"])),
                safe(side_name(c["a_kind"], c["a_id"], int(c["a_version"]))),
                safe(party_name(c["b_party"])),
                safe(side_name(c["b_kind"], c["b_id"], int(c["b_version"]))),
                when(c.get("start") if interference else c.get("window_start")),
                when(c.get("end") if interference else c.get("window_end")),
                "" if interference else _nm(c.get("horizontal_distance_m")),
                "" if interference else _nm(c.get("horizontal_minimum_m")),
                "" if interference else _ft(c.get("vertical_gap_m")),
                "" if interference else _ft(c.get("vertical_minimum_m")),
                status,
                when(closed),
            )
        )
    return _csv(CONFLICT_COLUMNS, rows)


def alerts_csv(
    alerts: Iterable[dict[str, Any]],
    party_name: Callable[[str], str],
    notice_name: Callable[[str], str],
) -> str:
    """Alerts as the service lists them (`Alert.to_dict`, as the reader may see them)."""
    rows = []
    for a in alerts:
        notice = a.get("notice_id") or a.get("kinetic_notice_id")
        rows.append(
            (
                safe(a.get("id", "")),
                when(a.get("raised_at")),
                when(a.get("updated_at")),
                a.get("kind", ""),
                a.get("severity", ""),
                a.get("state", ""),
                safe("; ".join(party_name(p) for p in a.get("parties", []))),
                safe("; ".join(str(t) for t in a.get("track_ids", []))),
                safe(notice_name(notice)) if notice else "",
                when(a.get("cpa_at")),
                _nm(a.get("cpa_distance_m")),
                ""
                if a.get("vertical_separation_ft") is None
                else f"{float(a['vertical_separation_ft']):.0f}",
                "yes" if a.get("corroborated", True) else "no",
                when(a.get("cleared_at")),
            )
        )
    return _csv(ALERT_COLUMNS, rows)
