"""The commands the demo prints, runnable as printed in another shell.

`scripts/demo` installs into .venv and does not activate it, so `interlock` is usually not
on PATH: the banner names the program as the shell can find it (`interlock` only when that
is this same installation, else the script's absolute path, else `python -m
interlock.cli`), and gives the server, the token and the key file (absolute: another shell
may start elsewhere) as the CLI reads them from the environment (`cli.common.url_option`,
`token_option`, `key_option`), each line complete.
"""

from __future__ import annotations

import shlex
import shutil
import sys
from pathlib import Path


def cli_program() -> str:
    """How to run this installation's `interlock` from a shell, wherever it starts."""
    script = Path(sys.executable).parent / "interlock"  # where pip put this install's script
    on_path = shutil.which("interlock")
    if script.is_file():
        if on_path is not None and Path(on_path).resolve() == script.resolve():
            return "interlock"
        return shlex.quote(str(script.absolute()))
    return f"{shlex.quote(sys.executable)} -m interlock.cli"  # e.g. a --target install


def try_commands(
    url: str,
    token: str,
    key_file: Path | None = None,
    to: str | None = None,
    program: str | None = None,
) -> list[str]:
    """Shell lines a party's duty officer can paste: the conflicts, the inbox, and (with
    its key and another party) a signed hotline message to that party."""
    program = program or cli_program()
    env = f"INTERLOCK_URL={shlex.quote(url)} INTERLOCK_TOKEN={shlex.quote(token)}"
    lines = [f"{env} {program} conflicts", f"{env} {program} hotline inbox"]
    if key_file is not None and to is not None:
        key = shlex.quote(str(key_file.absolute()))
        lines.append(
            f"{env} INTERLOCK_KEY={key} {program} hotline send --to {shlex.quote(to)} "
            "--priority routine --subject 'Radio check'"
        )
    return lines
