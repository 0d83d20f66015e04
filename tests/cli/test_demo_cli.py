"""`interlock demo` as a user starts it: the commands its banner prints run as printed (in
a shell, with nothing of ours in its environment), and the other party's automatic client
answers a message the banner's own `hotline send` line sends; Ctrl-C stops it all."""

from __future__ import annotations

import os
import queue
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import httpx
import pytest
from tests.conftest import free_port, wait_until

pytestmark = [pytest.mark.server, pytest.mark.slow]
BANNER_END = "automatic clients:"


def _env() -> dict[str, str]:
    """The user's shell: none of interlock's variables (each command sets its own)."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("INTERLOCK_")}
    return env | {"COLUMNS": "120"}


def _banner(proc: subprocess.Popen[str], timeout_s: float) -> list[str]:
    """The demo's stdout up to and including its last banner line."""
    lines: queue.Queue[str | None] = queue.Queue()

    def pump() -> None:
        assert proc.stdout is not None
        for line in proc.stdout:
            lines.put(line.rstrip("\n"))
        lines.put(None)

    threading.Thread(target=pump, daemon=True).start()
    out: list[str] = []
    deadline = time.monotonic() + timeout_s
    while not out or not out[-1].startswith(BANNER_END):
        line = lines.get(timeout=max(0.1, deadline - time.monotonic()))
        assert line is not None, "the demo ended:\n" + "\n".join(out)
        out.append(line)
    return out


def test_banner_commands_run_as_printed_and_the_other_party_answers(tmp_path: Path) -> None:
    port = free_port()
    errors = (tmp_path / "stderr").open("w+")
    demo = ["demo", "--port", str(port), "--data", str(tmp_path / "demo")]
    proc = subprocess.Popen(
        [sys.executable, "-m", "interlock.cli", *demo],
        stdout=subprocess.PIPE,
        stderr=errors,
        text=True,
        env=_env(),
        cwd=tmp_path,
    )
    try:
        banner = _banner(proc, timeout_s=120)
        assert banner[-1].startswith(f"{BANNER_END} command ("), banner[-1]
        start = next(i for i, line in enumerate(banner) if line.startswith("try, as base"))
        commands = [line.strip() for line in banner[start + 1 :] if line.startswith("  ")]
        assert [c.split()[-1] for c in commands[:2]] == ["conflicts", "inbox"]
        assert "hotline send --to command" in commands[2]
        url = f"http://127.0.0.1:{port}"

        def up() -> bool:
            try:
                return httpx.get(url + "/health").status_code == 200
            except httpx.TransportError:
                return False

        wait_until(up, timeout_s=30, every_s=0.2)

        home = tmp_path / "another-shell"  # a shell that starts somewhere else
        home.mkdir()
        for command in commands:
            done = subprocess.run(
                ["bash", "-c", command],
                cwd=home,
                env=_env(),
                capture_output=True,
                text=True,
                timeout=60,
            )
            assert done.returncode == 0, (command, done.stdout, done.stderr)
            assert done.stdout.strip(), command

        # The automatic `command` reports the banner's message delivered within seconds.
        token = commands[0].split("INTERLOCK_TOKEN=")[1].split()[0]
        base = httpx.Client(base_url=url, headers={"Authorization": f"Bearer {token}"})

        def delivered() -> bool:
            out = base.get("/messages", params={"box": "out"}).json()
            check = next(m for m in out if m["subject"] == "Radio check")
            return bool(check["recipients"][0]["delivered_at"])

        wait_until(delivered, timeout_s=30, every_s=0.5)
        base.close()
    finally:
        proc.send_signal(signal.SIGINT)
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            proc.kill()
            raise
    errors.seek(0)
    err = errors.read()
    errors.close()
    # Ctrl-C: uvicorn ends with the signal's exit status; nothing held the shutdown up.
    assert proc.returncode in (0, 130), err
    assert "Traceback" not in err and "graceful shutdown exceeded" not in err, err


def test_show_and_no_responders_choose_the_automatic_parties(tmp_path: Path) -> None:
    from typer.testing import CliRunner

    from interlock.cli.main import app

    # An unknown party is refused before anything is made, naming the option.
    bad = CliRunner().invoke(app, ["demo", "--show", "nobody", "--data", str(tmp_path / "x")])
    assert bad.exit_code == 2 and "--show: 'nobody' is not a party" in bad.output
    assert not (tmp_path / "x").exists()

    def banner(*args: str) -> str:
        done = subprocess.run(
            [sys.executable, "-m", "interlock.cli", "demo", "--load-only", *args],
            env=_env(),
            capture_output=True,
            text=True,
            timeout=120,
        )
        assert done.returncode == 0, done.stderr
        return done.stdout

    out = banner("--show", "command", "--data", str(tmp_path / "a"))
    assert "try, as command," in out and "hotline send --to base" in out
    assert f"{BANNER_END} base (" in out
    out = banner("--no-responders", "--data", str(tmp_path / "b"))
    assert f"{BANNER_END} none" in out
