"""`interlock spectrum check`: a real process over a GeoJSON file, exit codes and plots."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from tests.cli.test_cli import run
from tests.conftest import emission, radar


def plan(tmp_path: Path, *features: dict[str, Any]) -> str:
    path = tmp_path / "plan.geojson"
    path.write_text(json.dumps({"type": "FeatureCollection", "features": list(features)}))
    return str(path)


def labelled(feature: dict[str, Any], **props: Any) -> dict[str, Any]:
    feature["properties"].update(props)
    return feature


def test_a_conflict_exits_1_with_its_advice_and_a_plot(tmp_path: Path) -> None:
    rx = labelled(radar(35.0, 34.0), id="north-radar", party="red")
    em = labelled(emission(35.3, 34.0), id="cal-1", party="blue")
    quiet = labelled(emission(35.3, 34.0, freq_mhz=9400.0), id="x-band", party="blue")
    out = run("spectrum", "check", plan(tmp_path, rx, em, quiet), "--plot", str(tmp_path))
    assert out.returncode == 1, out.stderr
    assert "north-radar (red)" in out.stdout and "cal-1" in out.stdout
    assert "EIRP <=" in out.stdout and "x-band" not in out.stdout
    png = tmp_path / "north-radar.png"
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    js = run("spectrum", "check", plan(tmp_path, rx, em), "--json")
    assert js.returncode == 1
    [c] = json.loads(js.stdout)["conflicts"]
    assert (c["receiver"], c["move_list"], c["severity"]) == ("north-radar", ["cal-1"], "critical")


def test_no_interference_exits_0(tmp_path: Path) -> None:
    rx = labelled(radar(35.0, 34.0), id="north-radar", party="red")
    far = labelled(emission(38.0, 34.0), id="far", party="blue")  # ~280 km
    out = run("spectrum", "check", plan(tmp_path, rx, far))
    assert out.returncode == 0, out.stdout + out.stderr
    assert "no interference" in out.stdout


def test_bad_input_exits_2_naming_the_feature(tmp_path: Path) -> None:
    bad = emission(35.3, 34.0)
    bad["properties"]["bandwidth_mhz"] = 0
    out = run("spectrum", "check", plan(tmp_path, radar(35.0, 34.0), bad))
    assert out.returncode == 2
    assert "features[1]" in out.stderr and "bandwidth_mhz" in out.stderr
    air = {**emission(35.3, 34.0)}
    air["properties"] = {
        **air["properties"],
        "domain": "air",
        "radius_m": 500,
        "alt_lower_ft": 0,
        "alt_upper_ft": 1000,
    }
    out = run("spectrum", "check", plan(tmp_path, air))
    assert out.returncode == 2 and "neither an emission" in out.stderr
