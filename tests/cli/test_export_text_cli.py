"""`interlock export --format notam|navarea|csv`: real CLI processes against a real
server; bad input exits 2 naming the option."""

from __future__ import annotations

import csv
import io
from pathlib import Path

from tests.api.test_text_formats_api import sea_notice
from tests.cli.test_cli import run
from tests.cli.test_hazard_cli import env_of
from tests.conftest import LiveServer, circle

from interlock.formats.notam import parse_notam


def test_export_text_formats_and_refusals(live_server: LiveServer, tmp_path: Path) -> None:
    blue, red = env_of(live_server, "blue"), env_of(live_server, "red")
    with live_server.client("blue") as c:
        air = c.post("/notices", json=circle(35.8, 35.5, callsign="-1+1")).json()["notice"]["id"]
        sea = c.post("/notices", json=sea_notice()).json()["notice"]["id"]
    with live_server.client("red") as c:
        assert c.post("/notices", json=circle(35.81, 35.5)).json()["conflicts"]

    out = run("export", "--format", "notam", env=red)
    assert out.returncode == 0, out.stderr
    features = parse_notam(out.stdout)  # every air notice to come: blue's and red's
    assert len(features) == 2 and out.stdout.count("NOTAMN") == 2
    assert all(f["properties"]["remarks"].startswith("ICAO NOTAM") for f in features)
    one = run("export", "--format", "notam", "--notice", air[:8], env=red)
    assert one.returncode == 0 and one.stdout.count("NOTAMN") == 1, one.stderr
    assert f"INTERLOCK NOTICE {air.upper()} V1" in one.stdout

    warning = run("export", "--format", "navarea", env=blue)
    assert warning.returncode == 0 and warning.stdout.startswith("NAVIGATIONAL WARNING")
    assert "IN AREA BOUNDED BY" in warning.stdout

    target = tmp_path / "conflicts.csv"
    table = run(
        "export", "--format", "csv", "--what", "conflicts", "--out", str(target), env=blue
    )
    assert table.returncode == 0, table.stderr
    raw = target.read_bytes()
    assert raw.count(b"\r\n") == 2  # header and one conflict, RFC 4180 line ends kept
    [row] = list(csv.DictReader(io.StringIO(raw.decode(), newline="")))
    assert "'-1+1" in (row["A"], row["B"])

    for args, named in [
        (("--format", "gpx"), "--format"),
        (("--format", "csv", "--what", "tracks"), "--what"),
        (("--format", "notam", "--notice", sea), "properties.domain"),
    ]:
        bad = run("export", *args, env=blue)
        assert bad.returncode == 2, (args, bad.stdout, bad.stderr)
        assert named in bad.stderr, (args, bad.stderr)
