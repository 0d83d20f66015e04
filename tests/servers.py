"""`interlock serve` as a real child process, for the tests that kill or restart one."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import httpx
from tests.conftest import free_port


class ServerProcess:
    """`interlock serve DIR [--db URL]` on a loopback port (a free one unless given)."""

    def __init__(
        self,
        directory: Path,
        *,
        db: str | None = None,
        port: int | None = None,
        env: dict[str, str] | None = None,
    ) -> None:
        self.port = port or free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.log = directory / f"server-{self.port}-{time.monotonic_ns()}.log"
        cmd = [sys.executable, "-m", "interlock.cli", "serve", str(directory)]
        if db:
            cmd += ["--db", db]
        with self.log.open("wb") as log:
            self.proc = subprocess.Popen(
                [*cmd, "--port", str(self.port)],
                stdout=log,
                stderr=subprocess.STDOUT,
                env={**os.environ, **(env or {})},
            )

    def wait_healthy(self, timeout: float = 30.0) -> ServerProcess:
        deadline = time.monotonic() + timeout
        while True:
            assert self.proc.poll() is None, f"server exited: {self.tail()}"
            try:
                if httpx.get(self.url + "/health", timeout=1).status_code == 200:
                    return self
            except httpx.TransportError:
                pass
            assert time.monotonic() < deadline, f"server not healthy in {timeout} s"
            time.sleep(0.05)

    def tail(self) -> str:
        return self.log.read_text(errors="replace")[-3000:]

    def kill(self) -> None:
        self.proc.send_signal(signal.SIGKILL)
        self.proc.wait(timeout=10)

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.kill()
