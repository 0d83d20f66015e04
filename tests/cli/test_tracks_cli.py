"""`interlock tracks ingest|replay`: real CLI processes feeding a real server."""

from __future__ import annotations

import gzip
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
import pytest
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
    live_server.clock.advance(seconds=20)  # a recording is of the past (future_time)
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


# -- files without timestamps: refused, or timed by --rate ------------------------------------

AIS_DATA = Path(__file__).resolve().parents[2].parent / "shared" / "data" / "ais"
# Two type 1 positions of one ship (MMSI 265547250) 0.01 degree of longitude apart (912 m
# at 35 N: at one arrival time an impossible jump, a minute apart 29.5 kn), made by
# tests/feeds/test_ais.py's encoder; OTHER_SHIP: the same for MMSI 265547251.
UNTIMED_AIS = [
    "!AIVDM,1,1,,A,13u?etPP0j2P=r0D1g@3Q?v00000,0*71",
    "!AIVDM,1,1,,A,13u?etPP0j2P@mPD1g@3Q?v00000,0*73",
]
OTHER_SHIP = [
    "!AIVDM,1,1,,A,13u?ethP0j2P=r0D1g@3Q?v00000,0*49",
    "!AIVDM,1,1,,A,13u?ethP0j2P@mPD1g@3Q?v00000,0*4B",
]
UNTIMED_SBS = "MSG,3,1,1,4CA1FA,1,,,,,,20000,,,35.0,35.0,,,,,,0"
UNTIMED_MODES = "8D40621D58C382D690C8AC2863A7"


def _env(live_server: LiveServer) -> dict[str, str]:
    return {"INTERLOCK_URL": live_server.url, "INTERLOCK_TOKEN": live_server.tokens["blue"]}


def _on_wall_time(live_server: LiveServer, monkeypatch: pytest.MonkeyPatch) -> None:
    """`--rate` stamps lines by the wall clock, as a real server keeps time: the test
    server's clock runs on it for the test (else the lines could be ahead: future_time)."""
    monkeypatch.setattr(type(live_server.clock), "__call__", lambda self: datetime.now(UTC))


def _stats(live_server: LiveServer) -> dict[str, Any]:
    r = httpx.get(
        f"{live_server.url}/tracks/stats",
        headers={"Authorization": f"Bearer {live_server.tokens['red']}"},
    )
    return r.json()  # type: ignore[no-any-return]


@pytest.mark.parametrize(
    ("feed", "lines"),
    [("ais", UNTIMED_AIS), ("sbs", [UNTIMED_SBS]), ("modes", [UNTIMED_MODES])],
)
def test_an_untimed_file_is_refused_without_rate_and_nothing_is_sent(
    live_server: LiveServer, tmp_path: Path, feed: str, lines: list[str]
) -> None:
    path = tmp_path / f"untimed.{feed}"
    path.write_text("# recorded without times\n" + "\n".join(lines) + "\n")
    for command in ("ingest", "replay"):
        out = run("tracks", command, str(path), "--feed", feed, env=_env(live_server))
        assert out.returncode == 2, out.stdout + out.stderr
        err = " ".join(out.stderr.split())
        assert "has no timestamps (line 2" in err and "--rate N" in err, err
    assert "tracks replay --rate N" in " ".join(
        run("tracks", "ingest", str(path), "--feed", feed, env=_env(live_server)).stderr.split()
    )
    assert _stats(live_server)["feeds"] == {}  # nothing was sent


def test_rate_times_an_untimed_file_line_by_line(
    live_server: LiveServer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "untimed.ais"
    path.write_text("\n".join(UNTIMED_AIS) + "\n")
    _on_wall_time(live_server, monkeypatch)
    out = run("tracks", "ingest", str(path), "--feed", "ais", "--rate", "0.0166667",
              env=_env(live_server))  # fmt: skip
    assert out.returncode == 0, out.stdout + out.stderr
    assert "2 lines sent: 2 reports, 0 skipped" in out.stdout, _stats(live_server)
    # the same lines at one arrival time (stdin: arrival is the truth) make a jump
    out = run("tracks", "ingest", "-", "--feed", "ais", env=_env(live_server),
              input="\n".join(OTHER_SHIP) + "\n")  # fmt: skip
    assert out.returncode == 0 and "1 reports, 1 skipped" in out.stdout, out.stdout
    assert _stats(live_server)["feeds"]["ais"]["skipped"] == {"impossible_jump": 1}


def test_rate_is_refused_for_a_timed_file_and_a_live_source(
    live_server: LiveServer, tmp_path: Path
) -> None:
    path = tmp_path / "timed.sbs"
    path.write_text(sbs("4CA1FA", 0, 35.0) + "\n")
    env = _env(live_server)
    out = run("tracks", "ingest", str(path), "--feed", "sbs", "--rate", "5", env=env)
    assert out.returncode == 2 and "has its own timestamps (line 1)" in out.stderr
    out = run("tracks", "ingest", "tcp://127.0.0.1:1", "--feed", "ais", "--rate", "5", env=env)
    assert out.returncode == 2 and "--rate is for files" in out.stderr
    out = run("tracks", "ingest", str(path), "--feed", "sbs", "--rate", "0", env=env)
    assert out.returncode == 2  # typer: --rate must be > 0
    assert _stats(live_server)["feeds"] == {}


@pytest.mark.skipif(
    not (AIS_DATA / "nmea_data_sample.txt").is_file(),
    reason=f"the real AIS capture is not present at {AIS_DATA} (../shared/data/ais)",
)
def test_the_real_untimed_capture_has_no_impossible_jumps_with_rate(
    live_server: LiveServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = AIS_DATA / "nmea_data_sample.txt"
    env = _env(live_server)
    _on_wall_time(live_server, monkeypatch)
    refused = run("tracks", "ingest", str(path), "--feed", "ais", env=env)
    assert refused.returncode == 2 and "no timestamps" in refused.stderr
    out = run("tracks", "ingest", str(path), "--feed", "ais", "--rate", "1", env=env)
    assert out.returncode == 0, out.stdout + out.stderr
    ais = _stats(live_server)["feeds"]["ais"]
    # every report the decoder makes of it (test_ais: 759) is taken, none refused as a jump
    assert ais["reports"] == 759 and "impossible_jump" not in ais["skipped"], ais
    assert "duplicate" not in ais["skipped"]
