"""The CLI end to end: real `interlock` processes against a real server."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import orjson
import pytest
from tests import pg
from tests.conftest import circle, free_port

from interlock.model.agreement import MINIMUM_TOLERANCE_M

INTERLOCK = [sys.executable, "-m", "interlock.cli"]
TOKEN = re.compile(r"(\w+)\s*│\s*(il_[A-Za-z0-9_-]{43})")
ENV = {**os.environ, "COLUMNS": "200", "NO_COLOR": "1"}


def run(
    *args: str, env: dict[str, str] | None = None, input: str | None = None
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [*INTERLOCK, *args],
        capture_output=True,
        text=True,
        timeout=60,
        env={**ENV, **(env or {})},
        input=input,
    )


def wait_up(url: str, proc: subprocess.Popen[str]) -> None:
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"server exited: {proc.stdout.read() if proc.stdout else ''}")
        try:
            if httpx.get(f"{url}/health", timeout=1).status_code == 200:
                return
        except httpx.HTTPError:
            time.sleep(0.1)
    raise RuntimeError("server did not come up")


def start(args: list[str], env: dict[str, str] | None = None) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [*INTERLOCK, *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        env={**ENV, **(env or {})},
    )


def stop(proc: subprocess.Popen[str]) -> None:
    proc.terminate()
    try:
        proc.wait(timeout=10)
    except subprocess.TimeoutExpired:
        proc.kill()


def future_circle(lon: float, lat: float, hours_ahead: float = 3, **props: Any) -> dict[str, Any]:
    start_at = datetime.now(UTC).replace(microsecond=0) + timedelta(hours=hours_ahead)
    return circle(lon, lat, start=start_at, **props)


@pytest.fixture(scope="module")
def deployment(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, dict[str, str]]]:
    directory = tmp_path_factory.mktemp("deploy")
    out = run("init", str(directory))
    assert out.returncode == 0, out.stderr
    tokens = dict(TOKEN.findall(out.stdout))
    assert set(tokens) == {"blue", "red"}
    assert "il_" not in (directory / "token-hashes.toml").read_text()  # only hashes are kept
    port = free_port()
    proc = start(["serve", str(directory), "--port", str(port)], env=pg.child_env(directory))
    url = f"http://127.0.0.1:{port}"
    try:
        wait_up(url, proc)
        yield url, tokens
    finally:
        stop(proc)


def as_party(deployment: tuple[str, dict[str, str]], party: str) -> dict[str, str]:
    url, tokens = deployment
    return {"INTERLOCK_URL": url, "INTERLOCK_TOKEN": tokens[party]}


def test_init_refuses_an_existing_deployment(tmp_path: Path) -> None:
    assert run("init", str(tmp_path)).returncode == 0
    again = run("init", str(tmp_path))
    assert again.returncode == 2
    assert "already exists" in again.stderr


def test_submit_list_conflicts_cancel(
    deployment: tuple[str, dict[str, str]], tmp_path: Path
) -> None:
    blue, red = as_party(deployment, "blue"), as_party(deployment, "red")
    plan = tmp_path / "blue.geojson"
    plan.write_text(
        json.dumps(
            {
                "type": "FeatureCollection",
                "features": [
                    future_circle(20.0, 60.0, callsign="BLUE1"),
                    future_circle(21.0, 60.0),
                ],
            }
        )
    )
    out = run("notice", "submit", str(plan), env=blue)
    assert out.returncode == 0, out.stderr
    assert len(re.findall(r"n-[0-9a-f]{16} filed", out.stdout)) == 2
    theirs = tmp_path / "red.geojson"
    theirs.write_text(json.dumps(future_circle(20.05, 60.0)))
    out = run("notice", "submit", str(theirs), env=red)
    assert out.returncode == 0, out.stderr
    red_id = re.search(r"(n-[0-9a-f]{16}) filed", out.stdout).group(1)  # type: ignore[union-attr]
    assert "critical" in out.stdout  # the conflict is printed with the submit
    listed = run("notice", "list", "--party", "blue", "--json", env=red)
    assert listed.returncode == 0
    assert len(json.loads(listed.stdout)["features"]) == 2
    conflicts = json.loads(run("conflicts", "--json", env=blue).stdout)["conflicts"]
    assert [c["a_id"] for c in conflicts] == [red_id]
    assert run("notice", "cancel", red_id, env=blue).returncode == 2  # not blue's
    out = run("notice", "cancel", red_id, env=red)
    assert out.returncode == 0 and "cancelled" in out.stdout
    assert json.loads(run("conflicts", "--json", env=blue).stdout)["conflicts"] == []


def test_bad_input_exits_non_zero_with_the_servers_reason(
    deployment: tuple[str, dict[str, str]], tmp_path: Path
) -> None:
    blue = as_party(deployment, "blue")
    bad = future_circle(20.0, 60.0)
    bad["properties"]["start"] = "2027-01-01T10:00:00"
    path = tmp_path / "bad.geojson"
    path.write_text(json.dumps(bad))
    before = json.loads(run("notice", "list", "--json", env=blue).stdout)["features"]
    out = run("notice", "submit", str(path), env=blue)
    assert out.returncode == 2
    assert "properties.start" in out.stderr and "naive" in out.stderr
    after = json.loads(run("notice", "list", "--json", env=blue).stdout)["features"]
    assert after == before
    (tmp_path / "junk.geojson").write_text("{not json")
    out = run("notice", "submit", str(tmp_path / "junk.geojson"), env=blue)
    assert out.returncode == 2 and "malformed JSON" in out.stderr
    assert run("notice", "list", env={**blue, "INTERLOCK_TOKEN": "il_wrong"}).returncode == 2
    no_server = run("notice", "list", env={**blue, "INTERLOCK_URL": "http://127.0.0.1:9"})
    assert no_server.returncode == 2 and "cannot reach" in no_server.stderr
    assert run("notice", "submit", str(tmp_path / "missing.geojson"), env=blue).returncode == 2


def test_offline_check_exit_codes(tmp_path: Path) -> None:
    plan, against = tmp_path / "plan.geojson", tmp_path / "against.geojson"
    plan.write_text(json.dumps(future_circle(35.8, 35.5, purpose="plan A")))
    against.write_text(
        json.dumps(
            {
                "type": "FeatureCollection",
                "features": [
                    future_circle(35.85, 35.5, callsign="NEAR"),
                    future_circle(37.0, 35.5, callsign="FAR"),
                ],
            }
        )
    )
    out = run("check", str(plan), "--against", str(against), "--json")
    assert out.returncode == 1
    found = json.loads(out.stdout)
    assert [c["b"]["id"] for c in found] == ["NEAR"]
    # Widen the horizontal minimum beyond the far notice: now both conflict.
    agreement = tmp_path / "agreement.toml"
    agreement.write_text(
        '[[parties]]\nid = "a"\n[[parties]]\nid = "b"\n[rules.separation.air]\nhorizontal_nm = 80\n'
    )
    out = run(
        "check", str(plan), "--against", str(against), "--agreement", str(agreement), "--json"
    )
    assert sorted(c["b"]["id"] for c in json.loads(out.stdout)) == ["FAR", "NEAR"]
    against.write_text(json.dumps(future_circle(40.0, 35.5)))
    clear = run("check", str(plan), "--against", str(against))
    assert clear.returncode == 0 and "no conflicts" in clear.stdout
    against.write_text(json.dumps({"type": "Feature", "geometry": None, "properties": {}}))
    bad = run("check", str(plan), "--against", str(against))
    assert bad.returncode == 2 and "against[0]" in bad.stderr


def test_offline_check_reads_stdin(tmp_path: Path) -> None:
    against = tmp_path / "against.geojson"
    against.write_text(json.dumps(future_circle(35.85, 35.5)))
    out = run("check", "-", "--against", str(against), input=json.dumps(future_circle(35.8, 35.5)))
    assert out.returncode == 1 and "1 conflict" in out.stdout


@pytest.mark.slow
def test_demo_serves_the_scenario_and_its_conflicts_show(tmp_path: Path) -> None:
    port = free_port()
    data = tmp_path / "demo"
    proc = start(["demo", "--port", str(port), "--data", str(data)], env=pg.child_env(data))
    url = f"http://127.0.0.1:{port}"
    try:
        wait_up(url, proc)
        assert proc.stdout is not None
        text = ""
        while "server:" not in text:
            text += proc.stdout.readline()
        tokens = dict(TOKEN.findall(text))
        assert set(tokens) == {"base", "command"}
        api = httpx.get(f"{url}/conflicts", headers={"Authorization": f"Bearer {tokens['base']}"})
        assert api.status_code == 200 and len(api.json()) >= 10
        assert {"critical", "major", "minor"} <= {c["severity"] for c in api.json()}
        cli = run("conflicts", env={"INTERLOCK_URL": url, "INTERLOCK_TOKEN": tokens["command"]})
        assert cli.returncode == 0
        assert "late_notice" in cli.stdout
        assert re.search(r"\d+ conflict\(s\)", cli.stdout)
    finally:
        stop(proc)


# ---- one answer, whatever the path (exact minima, assets after notices) ----------------


def in_levels(feature: dict[str, Any], **band: float) -> dict[str, Any]:
    """The feature with its band replaced by `band` (fl_* or alt_*_ft)."""
    props = {k: v for k, v in feature["properties"].items() if not k.startswith("alt_")}
    return {**feature, "properties": props | band}


def test_offline_check_adjacent_flight_levels_are_separated(tmp_path: Path) -> None:
    """FL100-FL200 against FL210 and up, in flight levels and in feet: exit 0 (clear);
    1 ft closer: exit 1 (a conflict)."""
    plan, against = tmp_path / "plan.geojson", tmp_path / "against.geojson"
    plan.write_text(json.dumps(in_levels(future_circle(35.8, 35.5), fl_lower=100, fl_upper=200)))
    for above in (
        {"fl_lower": 210, "fl_upper": 300},
        {"alt_lower_ft": 21_000, "alt_upper_ft": 30_000},
    ):
        against.write_text(json.dumps(in_levels(future_circle(35.8, 35.5), **above)))
        out = run("check", str(plan), "--against", str(against))
        assert out.returncode == 0, (above, out.stdout, out.stderr)
    closer = future_circle(35.8, 35.5, lower_ft=20_999, upper_ft=30_000, callsign="CLOSER")
    against.write_text(json.dumps(closer))
    out = run("check", str(plan), "--against", str(against), "--json")
    assert out.returncode == 1
    (c,) = json.loads(out.stdout)
    assert abs(c["vertical_gap_m"] - 999 * 0.3048) < MINIMUM_TOLERANCE_M


def test_an_asset_registered_under_an_earlier_notice_is_listed_by_the_cli(
    deployment: tuple[str, dict[str, str]], tmp_path: Path
) -> None:
    url, tokens = deployment
    blue, red = as_party(deployment, "blue"), as_party(deployment, "red")
    plan = tmp_path / "blue.geojson"
    plan.write_text(json.dumps(future_circle(50.0, 10.0, callsign="EAGLE")))
    out = run("notice", "submit", str(plan), env=blue)
    assert out.returncode == 0, out.stderr
    zone: dict[str, Any] = {
        "type": "Feature",
        "geometry": {"type": "Point", "coordinates": [50.02, 10.0]},
        "properties": {"kind": "zone", "name": "Harbour", "radius_m": 3000},
    }
    r = httpx.post(
        f"{url}/assets",
        content=orjson.dumps(zone),
        headers={"Authorization": f"Bearer {tokens['red']}"},
    )
    assert r.status_code == 201, r.text
    (found,) = r.json()["conflicts"]
    for env in (blue, red):
        listed = json.loads(run("conflicts", "--json", env=env).stdout)["conflicts"]
        assert found["id"] in [c["id"] for c in listed]
