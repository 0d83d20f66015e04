"""One exit-code table: `cli/common.ExitCode`, printed by `interlock --help` and listed in
README's CLI section, the same codes and meanings; the commands' own constants are it."""

from __future__ import annotations

import re
from pathlib import Path

from typer.testing import CliRunner

from interlock.cli import audit, audit_log, audit_remote, check, spectrum
from interlock.cli.common import EXIT_CODES_HELP, ExitCode
from interlock.cli.main import app

README = Path(__file__).parents[2] / "README.md"


def test_help_and_readme_give_the_one_table() -> None:
    shown = CliRunner().invoke(app, ["--help"], env={"COLUMNS": "200"}).output
    assert "Exit codes:" in shown
    for code, text in EXIT_CODES_HELP.items():
        assert f"{int(code)} {text}" in " ".join(shown.split()), text
    rows = re.findall(r"^\s*\| (\d) \| (.+) \|$", README.read_text(), re.M)
    assert [int(c) for c, _ in rows] == [int(c) for c in ExitCode]
    assert set(EXIT_CODES_HELP) == set(ExitCode)


def test_commands_use_the_table() -> None:
    assert check.EXIT_CONFLICTS is spectrum.EXIT_CONFLICTS is ExitCode.FOUND
    assert audit.EXIT_TAMPERED is audit_log.EXIT_FAILED is audit_remote.EXIT_FAILED
    assert audit.EXIT_UNCHECKED is audit_remote.EXIT_UNCHECKED is ExitCode.UNDECIDED
    assert audit_log.EXIT_UNDECIDED is ExitCode.UNDECIDED
