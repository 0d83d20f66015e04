"""Advice at the CLI: `check --advise` offline, and `conflicts advice N [--apply K]`
against a real server.

Each candidate is checked by the plain detection (`service.check.check_plan`, i.e.
`check_pair`): filed, it clears every notice, and one step less change does not."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import orjson
import pytest
from tests.conftest import PARTY_KEYS, LiveServer, circle
from typer.testing import CliRunner, Result

from interlock.cli.main import app
from interlock.ledger.keys import write_private
from interlock.model.agreement import Rules
from interlock.service.check import check_plan

runner = CliRunner()
ENV = {"COLUMNS": "80", "NO_COLOR": "1"}  # a terminal's width: the tables fit it


def fl(feature: dict[str, Any], lower: int, upper: int) -> dict[str, Any]:
    """The feature with its band as flight levels."""
    props = {k: v for k, v in feature["properties"].items() if not k.startswith("alt_")}
    return {**feature, "properties": {**props, "fl_lower": lower, "fl_upper": upper}}


def collection(*features: dict[str, Any]) -> dict[str, Any]:
    return {"type": "FeatureCollection", "features": list(features)}


@pytest.fixture(scope="module")
def scene() -> dict[str, Any]:
    """BLUE1 (FL100-200, 20 km) meets RED1 (5,000-25,000 ft, an hour later, 0.15° east)
    and RED2 (0-10,000 ft, an hour earlier, 0.2° west); LATE1 starts in 30 min, inside
    the lead time, and meets RED3."""
    start = datetime.now(UTC).replace(microsecond=0) + timedelta(hours=3)
    plan = collection(
        fl(circle(35.0, 34.0, 20_000, start=start, callsign="BLUE1"), 100, 200),
        circle(30.0, 34.0, 5_000, start=start - timedelta(hours=2, minutes=30), callsign="LATE1"),
    )
    against = collection(
        circle(
            35.15,
            34.0,
            10_000,
            start=start + timedelta(hours=1),
            lower_ft=5_000,
            upper_ft=25_000,
            id="RED1",
        ),
        circle(34.8, 34.1, 5_000, start=start - timedelta(hours=1), id="RED2"),
        circle(30.0, 34.0, 5_000, start=start - timedelta(hours=2, minutes=30), id="RED3"),
    )
    return {"start": start, "plan": plan, "against": against}


def write(tmp_path: Path, name: str, doc: Any) -> str:
    path = tmp_path / name
    path.write_bytes(orjson.dumps(doc))
    return str(path)


def check(tmp_path: Path, scene: dict[str, Any], *extra: str) -> Result:
    plan = write(tmp_path, "plan.geojson", scene["plan"])
    against = write(tmp_path, "against.geojson", scene["against"])
    return runner.invoke(app, ["check", plan, "--against", against, *extra], env=ENV)


def conflicts_of(feature: dict[str, Any], scene: dict[str, Any]) -> list[str]:
    """The notices a feature, filed, conflicts with: the plain detection, no advice code."""
    return [c.b.id for c in check_plan(feature, scene["against"], Rules())]


def test_check_advise_prints_and_writes_advice_that_clears(
    tmp_path: Path, scene: dict[str, Any]
) -> None:
    out_file = tmp_path / "advice.geojson"
    out = check(tmp_path, scene, "--advise", "--advise-out", str(out_file))
    assert out.exit_code == 1, out.output  # conflicts found: check's own exit code
    text = out.output
    assert "advice for BLUE1" in text and "advice for LATE1" in text
    # RED1 ends at start + 3 h, the time buffer is 15 min: the smallest delay is 3 h 15 min
    end = scene["start"] + timedelta(hours=3, minutes=15) + timedelta(hours=2)
    days = (end.date() - (end - timedelta(hours=2)).date()).days  # the window past midnight
    assert "delay 3 h 15 min" in text and f"–{end:%H:%M}{f'+{days}' if days else ''} UTC" in text
    # RED1's top is 25,000 ft, the minimum 1,000 ft: FL260-360 is the nearest band above
    assert "up 16,000 ft" in text and "FL260–360" in text
    assert "no level down:" in text  # RED2 fills the bands below FL100
    assert " NM on " in text and "keep " in text and "no narrow:" in text
    assert "clears: others notice RED1, others notice RED2" in text
    assert "late" in text  # LATE1's candidates start inside the lead time

    filed = orjson.loads(out_file.read_bytes())
    assert filed["type"] == "FeatureCollection"
    kinds = [(f["properties"]["advice_for"], f["properties"]["advice"]) for f in filed["features"]]
    assert ("BLUE1", "delay") in kinds and ("BLUE1", "level_up") in kinds
    assert ("BLUE1", "offset") in kinds and ("BLUE1", "shrink") in kinds
    for feature in filed["features"]:
        assert conflicts_of(feature, scene) == [], feature["properties"]  # clears, makes none
    # minimal: one step less (a second earlier, 100 ft lower) still conflicts
    by_kind = {k: f for k, f in zip(kinds, filed["features"], strict=True)}
    delayed = by_kind["BLUE1", "delay"]
    earlier = datetime.fromisoformat(delayed["properties"]["start"]) - timedelta(seconds=1)
    props = {**delayed["properties"], "start": earlier.isoformat()}
    props["end"] = (earlier + timedelta(hours=2)).isoformat()
    assert conflicts_of({**delayed, "properties": props}, scene) == ["RED1"]
    up = by_kind["BLUE1", "level_up"]
    assert up["properties"]["fl_lower"] == 260
    lower = {**up["properties"], "fl_lower": 259, "fl_upper": 359}
    assert conflicts_of({**up, "properties": lower}, scene) == ["RED1"]


def test_check_advise_json_and_refusals(tmp_path: Path, scene: dict[str, Any]) -> None:
    out = check(tmp_path, scene, "--advise", "--json")
    assert out.exit_code == 1, out.output
    body = orjson.loads(out.stdout)
    assert len(body["conflicts"]) == 3
    blue = next(d for d in body["advice"] if d["notice"]["id"] == "BLUE1")
    assert sorted(blue["clears"]) == ["RED1", "RED2"]
    assert [u["kind"] for u in blue["unavailable"]] == ["advance", "level_down", "narrow"]
    delay = next(a for a in blue["advice"] if a["kind"] == "delay")
    assert delay["change"] == {"delay_s": 11_700.0} and delay["late"] is False
    assert delay["summary"].startswith("delay 3 h 15 min: ")  # the API's words, offline
    # --advise-out needs --advise; an unwritable file; a bad notice: exit 2 naming it
    no_advise = check(tmp_path, scene, "--advise-out", str(tmp_path / "x.geojson"))
    assert no_advise.exit_code == 2 and "--advise-out" in no_advise.output
    assert not (tmp_path / "x.geojson").exists()
    nowhere = check(tmp_path, scene, "--advise", "--advise-out", str(tmp_path / "no" / "x"))
    assert nowhere.exit_code == 2 and "--advise-out" in nowhere.output
    bad = {**scene, "against": collection({"type": "Feature", "properties": {}})}
    refused = check(tmp_path, bad, "--advise")
    assert refused.exit_code == 2 and "against[0]" in refused.output
    clear = {**scene, "against": collection()}
    assert check(tmp_path, clear, "--advise").exit_code == 0


# ---- conflicts advice N [--apply K], against a real server -----------------------------------


def cli(live_server: LiveServer, party: str, *args: str) -> Result:
    """`interlock conflicts ARGS` as the party (--url: its default is read at import)."""
    env = {**ENV, "INTERLOCK_TOKEN": live_server.tokens[party]}
    return runner.invoke(app, ["conflicts", *args, "--url", live_server.url], env=env)


def file_pair(live_server: LiveServer, lon: float, callsign: str) -> tuple[str, int]:
    """Red's notice, then blue's on it an hour later: (blue's id, the conflict's number)."""
    start = live_server.clock() + timedelta(hours=3)
    red = live_server.client("red").post(
        "/notices", json=circle(lon + 0.1, 34.0, 8_000, start=start, callsign=f"R{callsign}")
    )
    assert red.status_code == 201, red.text
    blue = live_server.client("blue").post(
        "/notices",
        json=fl(
            circle(lon, 34.0, 10_000, start=start + timedelta(hours=1), callsign=callsign), 50, 150
        ),
    )
    assert blue.status_code == 201, blue.text
    (conflict,) = blue.json()["conflicts"]
    return blue.json()["notice"]["properties"]["id"], conflict["id"]


def test_conflicts_advice_prints_the_servers_advice_and_applies_it(
    live_server: LiveServer, tmp_path: Path
) -> None:
    live_server.clock.now = datetime.now(UTC).replace(microsecond=0)  # the CLI signs on it
    blue_id, number = file_pair(live_server, 35.0, "BLUE1")
    server = live_server.client("blue").get(f"/conflicts/{number}/advice").json()
    out = cli(live_server, "blue", "advice", str(number))
    assert out.exit_code == 0, out.output
    text = out.output
    # red's notice ends 1 h into blue's, + the 15 min buffer: delay 1 h 15 min
    assert "advice for BLUE1" in text and "delay 1 h 15 min" in text
    assert f"clears (conflicts {number}): red notice RBLUE1" in text
    for i, piece in enumerate(server["advice"]):  # the same pieces, numbered as --apply takes
        assert f"\n{i} " in text and piece["kind"] in {"delay", "advance"} | {
            "level_up",
            "level_down",
            "offset",
            "narrow",
            "shrink",
        }
    as_json = cli(live_server, "blue", "advice", str(number), "--json")
    assert orjson.loads(as_json.stdout)["advice"] == server["advice"]
    # the listing is still `conflicts [N]`
    listed = cli(live_server, "blue", str(number))
    assert listed.exit_code == 0 and f"conflict {number}:" in listed.output

    # an unknown piece: exit 2 naming --apply, nothing filed
    bad = cli(live_server, "blue", "advice", str(number), "--apply", "99")
    assert bad.exit_code == 2 and "--apply" in bad.output
    assert (
        live_server.client("blue").get(f"/notices/{blue_id}").json()["properties"]["version"] == 1
    )
    # unsigned: the server files advice level_up as it is
    up = next(p for p in server["advice"] if p["kind"] == "level_up")
    done = cli(live_server, "blue", "advice", str(number), "--apply", "level_up")
    assert done.exit_code == 0, done.output
    assert f"{blue_id} amended to version 2: up " in done.output  # the API's summary
    assert "no conflicts left" in done.output
    now = live_server.client("blue").get(f"/notices/{blue_id}").json()["properties"]
    assert now["version"] == 2 and now["fl_lower"] == up["feature"]["properties"]["fl_lower"]
    # the conflict is closed now: no advice for it (409, exit 2)
    closed = cli(live_server, "blue", "advice", str(number))
    assert closed.exit_code == 2 and "closed" in closed.output


def test_conflicts_advice_apply_signed_with_the_partys_key(
    live_server: LiveServer, tmp_path: Path
) -> None:
    live_server.clock.now = datetime.now(UTC).replace(microsecond=0)
    blue_id, number = file_pair(live_server, 36.0, "BLUE2")
    key = tmp_path / "blue.key"
    write_private(PARTY_KEYS["blue"], key)
    server = live_server.client("blue").get(f"/conflicts/{number}/advice").json()
    delay = next(i for i, p in enumerate(server["advice"]) if p["kind"] == "delay")
    done = cli(live_server, "blue", "advice", str(number), "--apply", str(delay), "--key", str(key))
    assert done.exit_code == 0, done.output
    assert f"{blue_id} amended to version 2: delay" in done.output and "(signed)" in done.output
    signed = [
        e["event"]
        for e in live_server.service.store.ledger_entries()
        if e["event"]["type"] == "notice_version" and "envelope" in e["event"]
    ]
    assert signed and signed[-1]["envelope"]["author"] == "blue"
    feature = live_server.client("blue").get(f"/notices/{blue_id}").json()
    assert (
        feature["properties"]["start"] == server["advice"][delay]["feature"]["properties"]["start"]
    )
    # red's key for blue's notice: refused before anything is sent (exit 2)
    other = tmp_path / "red.key"
    write_private(PARTY_KEYS["red"], other)
    _, second = file_pair(live_server, 37.0, "BLUE3")
    wrong = cli(live_server, "blue", "advice", str(second), "--apply", "delay", "--key", str(other))
    assert wrong.exit_code == 2 and "public keys" in wrong.output
