"""The report's PDF step on its own: which Chromium, and what happens when it hangs, fails
or is missing (the HTML stays; the reason is said). Stand-in browsers are shell scripts."""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from interlock.cli.report import find_chromium, print_pdf


def script(path: Path, body: str) -> Path:
    path.write_text(f"#!/bin/sh\n{body}\n")
    path.chmod(0o755)
    return path


def alive(pid: int) -> bool:
    """Running (a killed child not yet reaped by its new parent is a zombie: not alive)."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except FileNotFoundError:
        return False
    return stat.rsplit(")", 1)[1].split()[0] != "Z"


@pytest.fixture
def html(tmp_path: Path) -> Path:
    page = tmp_path / "report.html"
    page.write_text("<!DOCTYPE html><title>t</title><p>report</p>")
    return page


def test_a_hanging_chromium_is_killed_with_its_children(
    tmp_path: Path, html: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    pids = tmp_path / "pids"
    # a browser that starts a child and never finishes
    hang = script(tmp_path / "hang", f"sleep 60 & echo $! > {pids}\nwait")
    monkeypatch.setenv("INTERLOCK_CHROMIUM", str(hang))
    t = time.monotonic()
    why = print_pdf(html, tmp_path / "report.pdf", timeout_s=1.0)
    assert time.monotonic() - t < 10
    assert why is not None and "did not finish printing in 1 s" in why
    child = int(pids.read_text())
    time.sleep(0.2)
    assert not alive(child)  # the whole process group went, its child too
    assert not (tmp_path / "report.pdf").exists()


def test_a_failing_chromium_names_its_exit_and_last_words(
    tmp_path: Path, html: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    bad = script(tmp_path / "bad", "echo 'no display, no luck' >&2\nexit 7")
    monkeypatch.setenv("INTERLOCK_CHROMIUM", str(bad))
    why = print_pdf(html, tmp_path / "report.pdf")
    assert why is not None and "exited 7 without a PDF (no display, no luck)" in why


def test_where_chromium_is_found(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    fake = script(tmp_path / "chromium", "exit 0")
    monkeypatch.delenv("INTERLOCK_CHROMIUM", raising=False)
    monkeypatch.setenv("CHROME", str(fake))
    assert find_chromium() == (str(fake), "CHROME")
    monkeypatch.setenv("INTERLOCK_CHROMIUM", str(tmp_path / "missing"))  # first, and wrong
    path, why = find_chromium()
    assert path is None and "INTERLOCK_CHROMIUM" in why and "not an executable" in why
    monkeypatch.delenv("INTERLOCK_CHROMIUM")
    monkeypatch.delenv("CHROME")
    monkeypatch.setenv("PATH", str(tmp_path))
    assert find_chromium() == (str(fake), "PATH")
    monkeypatch.setenv("PATH", str(tmp_path / "empty"))
    path, why = find_chromium()
    assert path is None and "no Chromium on PATH" in why
