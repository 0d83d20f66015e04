"""`interlock tracks ingest|replay`: real CLI processes feeding a real server."""

from __future__ import annotations

import gzip
from pathlib import Path

import httpx
from tests.cli.test_cli import run
from tests.conftest import LiveServer

from interlock.feeds.readers import line_time, paced


def sbs(hexid: str, second: int, lon: float) -> str:
    t = f"2026/12/01,08:00:{second:02d}.000"
    return f"MSG,3,1,1,{hexid},1,{t},{t},,20000,,,35.0,{lon},,,,,,0"


def test_ingest_a_file_and_refuse_a_bad_source(live_server: LiveServer, tmp_path: Path) -> None:
    lines = [sbs("4CA1FA", 0, 35.0), "garbage", sbs("4CA1FB", 1, 35.2)]
    path = tmp_path / "feed.sbs.gz"
    path.write_bytes(gzip.compress("\n".join(lines).encode()))
    env = {"INTERLOCK_URL": live_server.url, "INTERLOCK_TOKEN": live_server.tokens["blue"]}
    out = run("tracks", "ingest", str(path), "--feed", "sbs", env=env)
    assert out.returncode == 0, out.stdout + out.stderr
    assert "3 lines sent: 2 reports, 1 skipped" in out.stdout
    ids = {
        f["properties"]["track_id"]
        for f in httpx.get(
            f"{live_server.url}/tracks",
            headers={"Authorization": f"Bearer {live_server.tokens['red']}"},
        ).json()["features"]
    }
    assert ids == {"icao:4ca1fa", "icao:4ca1fb"}
    missing = run("tracks", "ingest", str(tmp_path / "nope"), "--feed", "sbs", env=env)
    assert missing.returncode == 2 and "nope" in missing.stderr
    refused = run("tracks", "ingest", "tcp://127.0.0.1:1", "--feed", "ais", env=env)
    assert refused.returncode == 2 and "127.0.0.1:1" in refused.stderr
    bad_token = run(
        "tracks", "ingest", str(path), "--feed", "sbs", env={**env, "INTERLOCK_TOKEN": "x"}
    )
    assert bad_token.returncode == 2 and "401" in bad_token.stderr


def test_replay_sends_everything(live_server: LiveServer, tmp_path: Path) -> None:
    path = tmp_path / "rec.sbs"
    path.write_text("\n".join(sbs("4CA1FA", s, 35.0 + s * 0.001) for s in range(0, 20, 2)))
    env = {"INTERLOCK_URL": live_server.url, "INTERLOCK_TOKEN": live_server.tokens["blue"]}
    out = run("tracks", "replay", str(path), "--feed", "sbs", "--speed", "100", env=env)
    assert out.returncode == 0 and "10 lines sent: 10 reports, 0 skipped" in out.stdout


def test_replay_is_paced_by_the_lines_times() -> None:
    lines = [sbs("4CA1FA", s, 35.0) for s in (0, 0, 10, 30)] + ["MSG,untimed"]
    now = [0.0]
    slept: list[float] = []

    def sleep(s: float) -> None:
        slept.append(s)
        now[0] += s

    groups = list(paced("sbs", lines, 10.0, sleep=sleep, clock=lambda: now[0]))
    assert [len(g) for g in groups] == [2, 1, 2]  # the untimed line rides with the last
    assert abs(sum(slept) - 3.0) < 1e-9  # 30 s of recording at 10x


def test_line_times_of_each_feed() -> None:
    assert line_time("sbs", sbs("4CA1FA", 5, 35.0)) == 1796112005.0
    assert line_time("modes", "1796112000.5 8D40621D58C382D690C8AC2863A7") == 1796112000.5
    assert line_time("modes", "2026-12-01T08:00:00Z 8D40") == 1796112000.0
    assert line_time("ais", "\\s:r1,c:1796112000*5A\\!AIVDM,1,1,,A,x,0*00") == 1796112000.0
    assert line_time("ais", "!AIVDM,1,1,,A,x,0*00") is None
    assert line_time("sbs", "MSG,3") is None
