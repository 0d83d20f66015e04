"""`interlock tokens new|rotate|revoke PARTY DIR` against a real `serve` process: a rotated
or revoked token is refused (401) after the restart, the new one works, only hashes are
kept (0600), an unknown party is refused naming it, and `serve` over renamed parties says
which party lacks a token and the command that makes one."""

from __future__ import annotations

import stat
from pathlib import Path

import httpx
from tests.conftest import deployment_env
from tests.servers import ServerProcess
from typer.testing import CliRunner, Result

from interlock.cli.main import app
from interlock.service.bootstrap import HASHES_FILE, init_directory

runner = CliRunner()


def cli(*args: str) -> Result:
    return runner.invoke(app, list(args), env={"COLUMNS": "200"})


def token_of(result: Result) -> str:
    assert result.exit_code == 0, result.output
    (token,) = [line for line in result.output.splitlines() if line.startswith("il_")]
    return token


def me(url: str, token: str) -> int:
    return httpx.get(f"{url}/me", headers={"Authorization": f"Bearer {token}"}).status_code


def test_tokens_new_rotate_revoke_against_a_real_server(tmp_path: Path) -> None:
    d = tmp_path / "theatre"
    _, first = init_directory(d)
    hashes = d / HASHES_FILE
    before = hashes.read_text()

    unknown = cli("tokens", "new", "nobody", str(d))
    assert unknown.exit_code == 2 and "'nobody'" in unknown.output
    assert "blue, red" in unknown.output  # the parties it could have meant
    assert cli("tokens", "rotate", "nobody", str(d)).exit_code == 2
    assert cli("tokens", "revoke", "nobody", str(d)).exit_code == 2
    again = cli("tokens", "new", "blue", str(d))  # blue has one: rotate, not new
    assert again.exit_code == 2 and "tokens rotate" in again.output
    assert cli("tokens", "new").exit_code == 2  # usage
    assert hashes.read_text() == before  # nothing refused changed anything

    blue = token_of(cli("tokens", "rotate", "blue", str(d)))
    assert blue != first["blue"] and blue.startswith("il_")
    assert blue not in hashes.read_text() and first["blue"] not in hashes.read_text()
    assert stat.S_IMODE(hashes.stat().st_mode) == 0o600
    revoked = cli("tokens", "revoke", "red", str(d))
    assert revoked.exit_code == 0 and "restart" in revoked.output
    twice = cli("tokens", "revoke", "red", str(d))
    assert twice.exit_code == 2 and "no token" in twice.output
    assert cli("tokens", "rotate", "red", str(d)).exit_code == 2  # none to rotate

    server = ServerProcess(d, env=deployment_env(d)).wait_healthy()
    try:
        assert me(server.url, blue) == 200
        assert me(server.url, first["blue"]) == 401  # rotated away
        assert me(server.url, first["red"]) == 401  # revoked
        assert "red has no token" in server.tail() and f"tokens new red {d}" in server.tail()
    finally:
        server.stop()

    red = token_of(cli("tokens", "new", "red", str(d)))
    server = ServerProcess(d, env=deployment_env(d)).wait_healthy()
    try:
        assert me(server.url, red) == 200 and me(server.url, blue) == 200
        assert me(server.url, first["red"]) == 401
    finally:
        server.stop()


def test_serve_over_renamed_parties_names_the_fix(tmp_path: Path) -> None:
    d = tmp_path / "theatre"
    init_directory(d)
    agreement = d / "agreement.toml"
    agreement.write_text(agreement.read_text().replace('id = "red"', 'id = "east"'))
    refused = cli("serve", str(d), "--port", "1")
    assert refused.exit_code == 2
    assert "parties not in the agreement: red" in refused.output
    assert f"tokens revoke red {d}" in refused.output
    assert "no token for east" in refused.output and f"tokens new east {d}" in refused.output
    # new on the stale name is refused (not the agreement's); revoke removes it
    stale = cli("tokens", "new", "red", str(d))
    assert stale.exit_code == 2 and f"tokens revoke red {d}" in stale.output
    assert cli("tokens", "revoke", "red", str(d)).exit_code == 0
    token_of(cli("tokens", "new", "east", str(d)))
