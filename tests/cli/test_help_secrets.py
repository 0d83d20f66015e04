"""`--help` never prints a secret: the token is read from INTERLOCK_TOKEN when a command
runs, not shown as the option's default (it was, on every client command, as soon as the
variable was set in the shell)."""

from __future__ import annotations

import json
import os
import subprocess
import sys

SECRET = "s3cret-token-0123456789abcdef"

# In a fresh interpreter with the token in its environment from the start, as a user's
# shell has it: every command's --help, the groups' too.
WALK = """
import json, typer
from typer.testing import CliRunner
from interlock.cli.main import app

def paths(group, path=()):
    yield path
    for name, sub in getattr(group, "commands", {}).items():
        yield from paths(sub, (*path, name))

runner = CliRunner()
out = {}
for path in paths(typer.main.get_command(app)):
    r = runner.invoke(app, [*path, "--help"], env={"COLUMNS": "200"})
    out[" ".join(path)] = [r.exit_code, r.output]
print(json.dumps(out))
"""


def test_no_help_shows_the_token_from_the_environment() -> None:
    env = {**os.environ, "INTERLOCK_TOKEN": SECRET}
    done = subprocess.run(
        [sys.executable, "-c", WALK], env=env, capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 0, done.stderr
    helps = json.loads(done.stdout)
    assert len(helps) > 30  # the walk reached the sub-commands
    assert all(code == 0 for code, _ in helps.values())
    shown = [path for path, (_, text) in helps.items() if SECRET in text]
    assert shown == []
    assert sum("--token" in text for _, text in helps.values()) >= 15  # they do take one
