"""`interlock export` and `interlock notice import` against a real server (in process)."""

from __future__ import annotations

from pathlib import Path

import orjson
import pytest
from tests.conftest import LiveServer, circle
from tests.formats.test_kml import GOOGLE_EARTH
from typer.testing import CliRunner, Result

from interlock.cli.main import app

runner = CliRunner()
pytestmark = pytest.mark.server


def cli(live: LiveServer, party: str, *args: str) -> Result:
    return runner.invoke(
        app, [*args, "--url", live.url, "--token", live.tokens[party]], env={"COLUMNS": "200"}
    )


def test_export_and_import_round(live_server: LiveServer, tmp_path: Path) -> None:
    blue = live_server.client("blue")
    nid = blue.post("/notices", json=circle(35.0, 34.0, callsign="PATROL 21")).json()["notice"][
        "id"
    ]
    out = tmp_path / "all.kml"
    r = cli(live_server, "red", "export", "--format", "kml", "--out", str(out))
    assert r.exit_code == 0, r.output
    assert "PATROL 21" in out.read_text() and "wrote" in r.output
    r = cli(live_server, "blue", "export", "--format", "f3548", "--notice", nid[:8])
    assert r.exit_code == 0, r.output
    intent = orjson.loads(r.stdout)
    assert intent["reference"]["manager"] == "blue"
    (tmp_path / "intent.json").write_bytes(orjson.dumps(intent))

    before = live_server.service.store.count_notices()
    r = cli(live_server, "green", "notice", "import", str(tmp_path / "intent.json"))
    assert r.exit_code == 0, r.output
    assert "filed" in r.output and "conflicts" in r.output  # over blue's patrol
    (tmp_path / "areas.kml").write_text(GOOGLE_EARTH)
    r = cli(live_server, "green", "notice", "import", str(tmp_path / "areas.kml"))
    assert r.exit_code == 0, r.output
    assert "Range north" in r.output and "Transit lane" in r.output
    assert live_server.service.store.count_notices() == before + 3


def test_bad_input_exits_2_naming_the_problem(live_server: LiveServer, tmp_path: Path) -> None:
    before = live_server.service.store.count_notices()
    r = cli(live_server, "blue", "export", "--format", "gpx")
    assert r.exit_code == 2 and "--format" in r.output
    odd = tmp_path / "areas.gpx"
    odd.write_text("<gpx/>")
    r = cli(live_server, "blue", "notice", "import", str(odd))
    assert r.exit_code == 2 and "cannot tell the format" in r.output
    bad = tmp_path / "bad.kml"
    bad.write_text(GOOGLE_EARTH.replace("<TimeSpan><begin>2026-12-01T10:00:00Z", "<X><begin>x"))
    bad.write_text(bad.read_text().replace("<end>2026-12-01T12:30:00Z</end></TimeSpan>", "</X>"))
    r = cli(live_server, "blue", "notice", "import", str(bad))
    assert r.exit_code == 2, r.output
    assert 'placemark[0] "Range north"' in r.output and "no time window" in r.output
    r = cli(live_server, "blue", "notice", "import", str(tmp_path / "missing.kml"))
    assert r.exit_code == 2 and "cannot read" in r.output
    r = cli(live_server, "blue", "export", "--format", "kml", "--notice", "zzzz")
    assert r.exit_code == 2
    assert live_server.service.store.count_notices() == before
