"""Shared CLI plumbing: consoles, error exits, the HTTP clients (plain and signing)."""

from __future__ import annotations

import os
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from enum import IntEnum
from pathlib import Path
from typing import TYPE_CHECKING, Any, NoReturn

import httpx
import typer
from rich.console import Console

from ..errors import InterlockError

if TYPE_CHECKING:
    from ..client import Client

console = Console()
err_console = Console(stderr=True)


class ExitCode(IntEnum):
    """Every command's exit status: the one table (`interlock --help`, README "CLI")."""

    OK = 0  # done; clear; verified
    FOUND = 1  # a check found something: conflicts, a tampered record, a failed log check
    INVALID = 2  # bad input or usage, or the server refused or could not be reached:
    # nothing was done (typer's own usage errors exit 2 too)
    UNDECIDED = 3  # nothing failed, but something could not be checked (a signer's key
    # unknown, a fork neither proven nor ruled out)


EXIT_CODES_HELP = {
    ExitCode.OK: "done: clear, verified, filed",
    ExitCode.FOUND: "a check found something: conflicts, tampering, a failed log check",
    ExitCode.INVALID: "bad input or usage, or the server refused or was not reached: "
    "nothing was done",
    ExitCode.UNDECIDED: "nothing failed, but something could not be checked "
    "(a signer's key unknown, a fork undecided)",
}
EXIT_ERROR = ExitCode.INVALID
DEFAULT_URL = "http://127.0.0.1:8000"


def exit_codes_epilog() -> str:
    """The exit-code table as `--help` shows it (one line each; typer keeps lines)."""
    rows = "\n\n".join(f"{int(c)}  {text}" for c, text in EXIT_CODES_HELP.items())
    return f"Exit codes:\n\n{rows}"


def fail(message: str, code: int = EXIT_ERROR) -> NoReturn:
    err_console.print(f"[bold red]error:[/] {message}", highlight=False, soft_wrap=True)
    raise typer.Exit(code)


@contextmanager
def reported_errors() -> Iterator[None]:
    """Turn interlock and connection errors into a message and a non-zero exit."""
    try:
        yield
    except InterlockError as exc:
        fail(exc.detail)
    except httpx.ConnectError as exc:
        fail(f"cannot reach the server: {exc}")
    except httpx.HTTPError as exc:
        fail(f"HTTP error: {exc}")


def url_option() -> Any:
    return typer.Option(
        os.environ.get("INTERLOCK_URL", DEFAULT_URL), "--url", help="server URL (env INTERLOCK_URL)"
    )


def token_option() -> Any:
    """The token is a secret: read from the environment when the command runs, never
    shown as a default by --help."""
    return typer.Option(
        None,
        "--token",
        envvar="INTERLOCK_TOKEN",
        show_default=False,
        help="your party's API token (env INTERLOCK_TOKEN)",
    )


def party_option() -> Any:
    return typer.Option(
        None,
        "--party",
        envvar="INTERLOCK_PARTY",
        help="your party id (default: your token's party)",
    )


def key_option(what: str = "what you say") -> Any:
    return typer.Option(
        None,
        "--key",
        envvar="INTERLOCK_KEY",
        help=f"your party's private key file, to sign {what} (`interlock keys new PARTY`)",
    )


STATE_HELP = (
    "witness state directory (default $XDG_STATE_HOME/interlock or ~/.local/state/interlock)"
)


def receipt_state_option() -> Any:
    """Where the witness state is that binds your receipts to the log (none: unbound)."""
    return typer.Option(
        None,
        "--state",
        envvar="INTERLOCK_STATE",
        help="witness state directory (as `audit checkpoint --state`): bind each receipt "
        "to the checkpoint verified there, witnessing a newer one when needed",
    )


def party_client(
    url: str,
    token: str | None,
    party: str | None,
    key_file: Path | None,
    *,
    need_key: bool,
    state: Path | None = None,
) -> Client:
    """The signing client of your party, checked before anything is sent or signed: the
    key file is read, the token's party is asked of the server and must be `party` (if
    given), and the key must be one of that party's public keys in the agreement.

    Raise InterlockError or exit with a clear message; nothing has been sent then."""
    from ..client import Client
    from ..codec.keys import key_id, public_text
    from ..ledger.keys import read_private

    if not token:
        fail("no token: pass --token or set INTERLOCK_TOKEN")
    if need_key and key_file is None:
        fail(
            "no key to sign with: pass --key FILE or set INTERLOCK_KEY "
            "(make one with `interlock keys new PARTY`)"
        )
    key = read_private(key_file) if key_file is not None else None
    client = Client(url, token, party or "", key, state=state)
    try:
        me = client.call("GET", "/me")["id"]
        if party and party != me:
            fail(f"--party is {party!r} but the token is {me}'s: use {me}'s token and key")
        client.party = me
        if key is not None:
            parties = {p["id"]: p for p in client.call("GET", "/agreement")["parties"]}
            public = public_text(key.public_key())
            if public not in parties[me].get("public_keys", []):
                fail(
                    f"{key_file} (key id {key_id(public)}) is not one of {me}'s public keys "
                    "in the agreement: is it another party's key?"
                )
    except BaseException:
        client.close()
        raise
    return client


class Api:
    """A minimal HTTP client that exits with the server's error detail on 4xx/5xx."""

    def __init__(self, url: str, token: str | None) -> None:
        if not token:
            fail("no token: pass --token or set INTERLOCK_TOKEN")
        self.http = httpx.Client(
            base_url=url, timeout=30.0, headers={"Authorization": f"Bearer {token}"}
        )

    def call(self, method: str, path: str, **kwargs: Any) -> Any:
        return self._answer(self.http.request(method, path, **kwargs)).json()

    def text(self, path: str, params: dict[str, str] | None = None) -> str:
        """A GET whose answer is a document (KML, NOTAM text, CSV), refused as `call`."""
        return self._answer(self.http.get(path, params=params)).text

    @staticmethod
    def _answer(response: httpx.Response) -> httpx.Response:
        if response.status_code >= 400:
            try:
                body = response.json()
                detail = f"{body.get('error')}: {body.get('detail')}"
            except ValueError:
                detail = response.text[:500]
            fail(f"server refused ({response.status_code}) {detail}")
        return response


def read_json_file(path: str, loader: Callable[[bytes], Any]) -> Any:
    try:
        data = sys.stdin.buffer.read() if path == "-" else Path(path).read_bytes()
    except OSError as exc:
        fail(f"cannot read {path}: {exc.strerror}")
    try:
        return loader(data)
    except ValueError as exc:
        fail(f"{path}: malformed JSON ({exc})")
