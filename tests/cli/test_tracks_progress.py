"""`tracks ingest|replay` as a watch officer runs them: a feed whose every line is skipped
(the wrong --feed) exits 2 with the reasons counted, and both commands show progress on
stderr when it is a terminal, never with --quiet or into a pipe. In process (the CLI's
own code, a real server); the terminal is a rich Console forced to be one."""

from __future__ import annotations

import gzip
from pathlib import Path

import pytest
from rich.console import Console
from tests.cli.test_tracks_cli import sbs
from tests.conftest import LiveServer
from typer.testing import CliRunner, Result

from interlock.cli import tracks
from interlock.cli.main import app
from interlock.cli.tracks import skip_reasons, source_bytes

runner = CliRunner()


def cli(live_server: LiveServer, *args: str) -> Result:
    env = {"INTERLOCK_TOKEN": live_server.tokens["blue"], "COLUMNS": "160"}
    return runner.invoke(app, ["tracks", *args, "--url", live_server.url], env=env)


@pytest.fixture
def terminal(monkeypatch: pytest.MonkeyPatch) -> None:
    """stderr as a terminal for the progress display (rich reads sys.stderr at print)."""
    forced = Console(stderr=True, force_terminal=True, force_interactive=True, width=160)
    monkeypatch.setattr(tracks, "err_console", forced)


def test_every_line_skipped_exits_2_with_the_reasons(
    live_server: LiveServer, tmp_path: Path
) -> None:
    path = tmp_path / "feed.sbs"
    path.write_text("\n".join(sbs("4CA1FA", s, 35.0) for s in range(28)) + "\n")
    wrong = cli(live_server, "ingest", str(path), "--feed", "ais")
    assert wrong.exit_code == 2, wrong.output
    assert (
        "28 lines sent: 0 reports, 28 skipped: 28 malformed (not this feed's line format)"
        in wrong.stdout
    )
    assert "every line was skipped" in wrong.stderr and "--feed ais" in wrong.stderr
    assert wrong.stderr.count("\n") == 1  # no terminal: no progress display, one error line
    # one line read is enough for exit 0; the skipped are still counted by reason
    path.write_text(sbs("4CA1FB", 0, 35.0) + "\nnoise\nMSG,3,garbage\n")
    one = cli(live_server, "ingest", str(path), "--feed", "sbs")
    assert one.exit_code == 0 and "3 lines sent: 1 reports, 2 skipped: " in one.stdout, one.output


def test_skip_reasons_worded_most_first() -> None:
    assert skip_reasons({"bad_checksum": 2, "not_ais": 28, "odd_thing": 2}) == (
        "28 not AIS sentences, 2 bad checksums, 2 odd thing"
    )


def test_ingest_progress_by_bytes_of_the_file(
    live_server: LiveServer, tmp_path: Path, terminal: None
) -> None:
    text = "\n".join(sbs("4CA1FA", s, 35.0 + s * 0.001) for s in range(5)) + "\n"
    plain, packed = tmp_path / "f.sbs", tmp_path / "f.sbs.gz"
    plain.write_text(text)
    packed.write_bytes(gzip.compress(text.encode()))
    size = len(text.encode())
    assert source_bytes(str(plain)) == source_bytes(str(packed)) == size
    assert source_bytes("-") is None and source_bytes("tcp://127.0.0.1:1") is None
    live_server.clock.advance(seconds=10)
    shown = cli(live_server, "ingest", str(packed), "--feed", "sbs")
    assert shown.exit_code == 0, shown.output
    assert f"{size}/{size} bytes" in shown.stderr and "5 reports" in shown.stderr, shown.stderr
    assert "bytes" not in shown.stdout  # the display is on stderr only
    plain.write_text(text.replace("4CA1FA", "4CA1FB"))  # another aircraft: no duplicates
    quiet = cli(live_server, "ingest", str(plain), "--feed", "sbs", "--quiet")
    assert quiet.exit_code == 0 and quiet.stderr == "", quiet.output


def test_replay_shows_lines_reports_rate_and_the_recordings_time(
    live_server: LiveServer, tmp_path: Path, terminal: None
) -> None:
    path = tmp_path / "rec.sbs"
    path.write_text("\n".join(sbs("4CA1FA", s, 35.0 + s * 0.001) for s in range(0, 20, 2)))
    live_server.clock.advance(seconds=20)  # a recording is of the past (future_time)
    out = cli(live_server, "replay", str(path), "--feed", "sbs", "--speed", "20")
    assert out.exit_code == 0, out.output
    assert "10 lines sent: 10 reports, 0 skipped" in out.stdout
    err = out.stderr
    assert "10/10 lines" in err and "10 reports sent" in err and "lines/s" in err, err
    assert "at 2026-12-01 08:00:18Z" in err  # the recording's time at its last line
    assert "at 2026-12-01 08:00:0" in err  # and earlier ones, shown as it went
    assert "Z" not in out.stdout.replace("0 skipped", "")  # the live line is stderr's


def test_replay_into_a_pipe_shows_nothing(live_server: LiveServer, tmp_path: Path) -> None:
    path = tmp_path / "rec.sbs"
    path.write_text("\n".join(sbs("4CA1FC", s, 35.0 + s * 0.001) for s in range(0, 4, 2)))
    live_server.clock.advance(seconds=10)
    piped = cli(live_server, "replay", str(path), "--feed", "sbs", "--speed", "100")
    assert piped.exit_code == 0 and piped.stderr == "", piped.output
