"""`interlock report --alert ID`: a tactical alert raised and cleared on the record, as
each party concerned (and not concerned) may see it, over a real server on loopback."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

from tests.api.test_tactical_alerts import Client, alert_events, post_units, unit, wait_alerts
from tests.conftest import LiveServer, wait_until
from typer.testing import CliRunner

from interlock.cli.main import app

runner = CliRunner()


def test_an_alert_report_shows_it_raised_and_cleared_with_its_message(
    live_server: LiveServer, client_for: Client, tmp_path: Path
) -> None:
    now = live_server.clock.now
    blue, red = client_for("blue"), client_for("red")
    # Head-on at FL200, 20 NM apart closing at 900 kt (as test_tactical_alerts).
    post_units(blue, unit("b1", 35.0, 35.0, now, alt_ft=20_000, speed_kt=450, course_deg=90))
    post_units(red, unit("r1", 35.407, 35.0, now, alt_ft=20_200, speed_kt=450, course_deg=270))
    (alert,) = wait_alerts(blue, lambda a: len(a) == 1)
    live_server.clock.advance(seconds=5)
    post_units(red, unit("r1", 35.38, 35.0, live_server.clock.now, alt_ft=30_000, course_deg=0))
    live_server.clock.advance(seconds=11)
    wait_until(lambda: alert_events(blue)[-1:] == ["cleared"])

    def report(party: str, out: Path, *extra: str) -> str:
        result = runner.invoke(
            app,
            [
                "report",
                "--alert",
                alert["id"],
                "--out",
                str(out),
                *extra,
                "--url",
                live_server.url,
                "--token",
                live_server.tokens[party],
            ],
            env={"COLUMNS": "400", "INTERLOCK_PARTY": ""},
        )
        return f"{result.exit_code}\n{result.output}"

    said = report("blue", tmp_path / "blue")  # with its PDF: a page to look at
    assert said.startswith("0\n"), said
    pdf = tmp_path / "blue" / "report.pdf"
    artifacts = Path(__file__).parent / "artifacts"
    artifacts.mkdir(exist_ok=True)
    subprocess.run(
        ["pdftoppm", "-r", "70", "-png", "-l", "2", str(pdf), str(artifacts / "alert-report")],
        check=True,
        timeout=60,
    )
    html = (tmp_path / "blue" / "report.html").read_text()
    bundle = json.loads((tmp_path / "blue" / "bundle.json").read_text())
    events = [i["entry"]["event"] for i in bundle["entries"]]
    alerts = [e["event"] for e in events if e["type"] == "alert" and e["id"] == alert["id"]]
    assert alerts[0] == "raised" and alerts[-1] == "cleared"
    assert any(e["type"] == "message" and alert["id"] in e["subject"] for e in events)
    assert "critical cpa alert raised" in html and "cpa alert cleared" in html
    assert "Incident window" in html and "Red airbase" in html
    # both aircraft's trails (GET /tracks/history), blue's own unit by its name and red's
    # as blue sees it (an alias), each marked where it was when the alert was raised
    assert "2 track trails" in html and "alert raised</text>" in html
    checkpoint = client_for("blue").get("/checkpoint.json").json()
    out = runner.invoke(
        app,
        [
            "audit",
            "verify",
            "--bundle",
            str(tmp_path / "blue" / "bundle.json"),
            "--log-key",
            checkpoint["log_key"],
        ],
    )
    assert out.exit_code == 0, out.output
    # green is not concerned: the alert is not in its view
    said = report("green", tmp_path / "green", "--no-pdf")
    assert said.startswith("2\n") and "no alert" in said, said
    assert not (tmp_path / "green").exists()
