"""The scenario player: a synthetic scenario's late notice and CPA alert appear at the
simulated times worked out independently here; malformed scenarios exit 2 naming the file
and the place; the limits hold at, and just over, their values."""

from __future__ import annotations

import csv
import json
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from pyproj import Geod
from typer.testing import CliRunner

from interlock.cli.main import app
from interlock.errors import InvalidInput
from interlock.geo.units import M_PER_NM
from interlock.model.agreement import TACTICAL_AIR
from interlock.service.scenario_player import Happening, PlayerLimits, play
from interlock.store import open_store

GEOD = Geod(ellps="WGS84")
T0 = datetime(2030, 6, 1, 10, 0, tzinfo=UTC)
MID = (33.0, 34.0)  # lon, lat: where the two aircraft would meet head-on
SPEED_KT = 360.0
START_NM = 35.0  # each starts this far from MID: 70 NM apart at T0
runner = CliRunner()


def z(t: datetime) -> str:
    return t.strftime("%Y-%m-%dT%H:%M:%SZ")


AGREEMENT = """
[agreement]
name = "player test"
[[parties]]
id = "blue"
name = "Blue"
[[parties]]
id = "red"
name = "Red"
[rules]
min_lead_time_min = 60
late_notice = "{late}"
require_signatures = {signed}
"""


def notice(party: str, lon: float, filed: datetime, start: datetime, **props: Any) -> dict:
    return {
        "type": "Feature",
        "geometry": {"type": "Point", "coordinates": [lon, 30.0]},
        "properties": {
            "party": party,
            "filed_at": z(filed),
            "domain": "air",
            "radius_m": 5000,
            "fl_lower": 0,
            "fl_upper": 100,
            "start": z(start),
            "end": z(start + timedelta(hours=1)),
            **props,
        },
    }


def position(party: str, t: datetime) -> tuple[float, float, float]:
    """(lon, lat, course): blue flies north, red south, on the meridian through MID."""
    s_nm = START_NM - SPEED_KT / 3600 * (t - T0).total_seconds()
    az = 180.0 if party == "blue" else 0.0  # where it is, seen from MID
    lon, lat, _ = GEOD.fwd(*MID, az, s_nm * M_PER_NM)
    return lon, lat, (az + 180.0) % 360.0


def write_scenario(
    d: Path,
    *,
    late: str = "record",
    signed: bool = False,
    minutes: int = 8,
    tick_s: float = 10,
    tracks: bool = True,
) -> Path:
    d.mkdir(parents=True, exist_ok=True)
    (d / "agreement.toml").write_text(
        AGREEMENT.format(late=late, signed=str(signed).lower()), encoding="utf-8"
    )
    end = T0 + timedelta(minutes=minutes)
    (d / "scenario.toml").write_text(
        f'start = "{z(T0)}"\nend = "{z(end)}"\ntick_s = {tick_s}\n', encoding="utf-8"
    )
    notices = [
        notice("red", 20.0, T0 - timedelta(hours=2), T0, callsign="RED CAP"),
        notice(
            "blue",
            25.0,
            T0 + timedelta(minutes=1),
            T0 + timedelta(minutes=30),
            callsign="BLUE LATE",
        ),
    ]
    (d / "notices.geojson").write_text(
        json.dumps({"type": "FeatureCollection", "features": notices}), encoding="utf-8"
    )
    if tracks:
        with (d / "tracks.csv").open("w", newline="") as f:
            w = csv.writer(f)
            w.writerow(
                [
                    "time",
                    "party",
                    "unit",
                    "callsign",
                    "domain",
                    "lon",
                    "lat",
                    "alt_ft",
                    "speed_kt",
                    "course_deg",
                ]
            )
            t = T0
            while t <= end:
                for party, unit in (("blue", "b1"), ("red", "r1")):
                    lon, lat, course = position(party, t)
                    w.writerow(
                        [
                            z(t),
                            party,
                            unit,
                            f"{party.upper()} ONE",
                            "air",
                            f"{lon:.6f}",
                            f"{lat:.6f}",
                            20000,
                            SPEED_KT,
                            course,
                        ]
                    )
                t += timedelta(seconds=10)
    return d


def run(d: Path, tmp: Path, limits: PlayerLimits | None = None) -> tuple[Any, list[Happening]]:
    store = open_store(tmp / "run.db")
    try:
        return play(d, store, limits=limits or PlayerLimits())
    finally:
        store.close()


def expected_cpa_raise() -> datetime:
    """The first tick at which the head-on pair will come within 5 NM inside the 300 s
    lookahead, from the geodesic separation (not the scan's frame): closing at 720 kt."""
    closing_m_s = 2 * SPEED_KT * M_PER_NM / 3600
    t = T0
    while True:
        (lon1, lat1, _), (lon2, lat2, _) = position("blue", t), position("red", t)
        _, _, d = GEOD.inv(lon1, lat1, lon2, lat2)
        if d - TACTICAL_AIR.horizontal_m < closing_m_s * TACTICAL_AIR.lookahead_s:
            return t
        t += timedelta(seconds=10)


def test_late_notice_and_cpa_alert_at_their_simulated_times(tmp_path: Path) -> None:
    player, found = run(write_scenario(tmp_path / "sc"), tmp_path)
    raise_at = expected_cpa_raise()
    assert raise_at == T0 + timedelta(seconds=30)  # 64 NM apart: 59 NM to close in 60
    late = [h for h in found if h.kind == "late_notice"]
    assert [h.time for h in late] == [T0 + timedelta(minutes=1)]
    assert late[0].parties == ("blue",)
    assert player.label(late[0].ids["notice"]) == "BLUE LATE"
    assert late[0].ids["lead_time_s"] == 29 * 60 and late[0].ids["required_s"] == 3600
    cpa = [h for h in found if h.kind == "cpa"]
    assert (cpa[0].event, cpa[0].time) == ("raised", raise_at)
    assert {player.label(t) for t in cpa[0].ids["tracks"]} == {"BLUE ONE", "RED ONE"}
    assert set(cpa[0].parties) == {"blue", "red"}
    # they pass at T0 + 350 s and part: the alert clears after that, once
    cleared = [h.time for h in cpa if h.event == "cleared"]
    assert len(cleared) == 1 and cleared[0] > T0 + timedelta(seconds=350)
    assert [h.time for h in found] == sorted(h.time for h in found)  # in time order
    assert player.stats["ticks"] == 8 * 6 + 1 and player.stats["skipped"] == 0


def test_cli_json_lines(tmp_path: Path) -> None:
    d = write_scenario(tmp_path / "sc")
    result = runner.invoke(app, ["scenario", "run", str(d), "--json"])
    assert result.exit_code == 0, result.output
    lines = [json.loads(line) for line in result.stdout.splitlines()]
    assert {"time", "record", "kind", "event", "parties"} <= set(lines[0])
    first = {(x["kind"], x["event"]): x["time"] for x in reversed(lines)}
    assert first[("cpa", "raised")] == z(T0 + timedelta(seconds=30))
    assert first[("late_notice", "recorded")] == z(T0 + timedelta(minutes=1))
    table = runner.invoke(app, ["scenario", "run", str(d)], env={"COLUMNS": "200"})
    assert table.exit_code == 0, table.output
    assert "2030-06-01 10:00:30" in table.stdout and "BLUE ONE" in table.stdout
    assert "BLUE LATE" in table.stdout


def test_signed_agreement_the_player_signs(tmp_path: Path) -> None:
    player, found = run(write_scenario(tmp_path / "sc", signed=True, tracks=False), tmp_path)
    assert player.stats["filings"] == 2
    assert [h.kind for h in found] == ["late_notice"]


def test_a_refused_late_notice_is_reported_not_fatal(tmp_path: Path) -> None:
    _, found = run(write_scenario(tmp_path / "sc", late="refuse", tracks=False), tmp_path)
    assert [(h.record, h.event, h.time) for h in found] == [
        ("refusal", "refused", T0 + timedelta(minutes=1))
    ]
    assert "notices.geojson features[1]" in found[0].ids["file"]


def _bad(tmp_path: Path, change: Any) -> str:
    d = write_scenario(tmp_path / "sc", minutes=1)
    change(d)
    result = runner.invoke(app, ["scenario", "run", str(d)], env={"COLUMNS": "300"})
    assert result.exit_code == 2, result.output
    return " ".join(result.stderr.split())


def _edit_notice(d: Path, index: int, **props: Any) -> None:
    fc = json.loads((d / "notices.geojson").read_text())
    fc["features"][index]["properties"].update(props)
    (d / "notices.geojson").write_text(json.dumps(fc))


def _edit_csv(d: Path, row: int, column: str, value: str) -> None:
    with (d / "tracks.csv").open() as f:
        rows = list(csv.DictReader(f))
    rows[row][column] = value
    with (d / "tracks.csv").open("w", newline="") as f:
        w = csv.DictWriter(f, fieldnames=list(rows[0]))
        w.writeheader()
        w.writerows(rows)


@pytest.mark.parametrize(
    ("change", "named"),
    [
        (lambda d: (d / "scenario.toml").unlink(), "scenario.toml"),
        (lambda d: (d / "scenario.toml").write_text('start = "x"'), "scenario.toml start"),
        (
            lambda d: (d / "scenario.toml").write_text(f'start = "{z(T0)}"\nend = "{z(T0)}"'),
            "scenario.toml end",
        ),
        (
            lambda d: (d / "scenario.toml").write_text(
                f'start = "{z(T0)}"\nend = "{z(T0 + timedelta(hours=1))}"\ntick_s = 0.5'
            ),
            "scenario.toml tick_s",
        ),
        (lambda d: _edit_notice(d, 1, party="green"), "notices.geojson features[1] party"),
        (
            lambda d: _edit_notice(d, 0, fl_upper=-5),
            "notices.geojson features[0] properties.fl_upper",
        ),
        (lambda d: _edit_notice(d, 1, filed_at="yesterday"), "features[1] properties.filed_at"),
        (
            lambda d: _edit_notice(d, 1, filed_at=z(T0 + timedelta(hours=1))),
            "features[1] properties.filed_at: after the scenario's end",
        ),
        (lambda d: (d / "notices.geojson").write_text("{"), "notices.geojson"),
        (lambda d: _edit_csv(d, 3, "lat", "north"), "tracks.csv row 4 (line 5) lat"),
        (
            lambda d: _edit_csv(d, 0, "domain", "space"),
            "tracks.csv row 1 (line 2): properties.domain",
        ),
        (lambda d: _edit_csv(d, 2, "party", "green"), "tracks.csv row 3 (line 4) party"),
        (
            lambda d: _edit_csv(d, 2, "time", z(T0 + timedelta(minutes=2))),
            "tracks.csv row 3 (line 4) time: after the scenario's end",
        ),
        (
            lambda d: (d / "hazards.geojson").write_text(
                json.dumps({"type": "FeatureCollection", "features": [{"type": "Feature"}]})
            ),
            "hazards.geojson features[0]",
        ),
    ],
)
def test_malformed_scenarios_exit_2_naming_the_place(
    tmp_path: Path, change: Any, named: str
) -> None:
    assert named in _bad(tmp_path, change)


def test_missing_directory_exits_2(tmp_path: Path) -> None:
    result = runner.invoke(app, ["scenario", "run", str(tmp_path / "none")])
    assert result.exit_code == 2


def test_a_store_in_use_is_refused(tmp_path: Path) -> None:
    d = write_scenario(tmp_path / "sc", minutes=1, tracks=False)
    db = str(tmp_path / "kept.db")
    assert runner.invoke(app, ["scenario", "run", str(d), "--db", db]).exit_code == 0
    again = runner.invoke(app, ["scenario", "run", str(d), "--db", db])
    assert again.exit_code == 2 and "empty" in again.stderr


def test_span_limit_at_and_over(tmp_path: Path) -> None:
    """The span counts from the first filing (red's, 2 h before start) to the end."""
    d = write_scenario(tmp_path / "sc", minutes=1, tracks=False)
    span = timedelta(hours=2, minutes=1)
    (tmp_path / "a").mkdir()
    _, found = run(d, tmp_path / "a", PlayerLimits(max_span=span))
    assert [h.kind for h in found] == ["late_notice"]
    over = "spans 2030-06-01T08:00:00Z to 2030-06-01T10:01:00Z: more than"
    with pytest.raises(InvalidInput, match=over):
        run(d, tmp_path, PlayerLimits(max_span=span - timedelta(seconds=36)))


def test_reports_limit_at_and_over(tmp_path: Path) -> None:
    d = write_scenario(tmp_path / "sc", minutes=1)  # 7 rows of 2 aircraft: 14 reports
    (tmp_path / "a").mkdir()
    player, _ = run(d, tmp_path / "a", PlayerLimits(max_reports=14))
    assert player.stats["reports"] == 14
    with pytest.raises(InvalidInput, match="more than 13 reports"):
        run(d, tmp_path, PlayerLimits(max_reports=13))
