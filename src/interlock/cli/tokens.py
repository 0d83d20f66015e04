"""`interlock tokens new|rotate|revoke PARTY DIR`: a party's API token in a deployment."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import typer

from .common import console, err_console, reported_errors

RESTART = "A running server takes the change when restarted (`interlock serve DIR`)."
tokens_app = typer.Typer(
    help="Make, rotate and revoke a party's API token in a deployment directory. "
    "Only its SHA-256 is kept (DIR/token-hashes.toml, mode 0600). " + RESTART,
    no_args_is_help=True,
)


def _party() -> Any:
    return typer.Argument(..., help="a party id of the deployment's agreement")


def _directory() -> Any:
    return typer.Argument(..., help="the deployment directory (`interlock init`)")


def _show(party: str, token: str, directory: Path) -> None:
    console.print(f"{party}'s token (shown once; keep it secret):", highlight=False)
    console.print(token, highlight=False, soft_wrap=True)
    err_console.print(f"restart the server to use it: interlock serve {directory}", highlight=False)


@tokens_app.command("new")
def new(party: str = _party(), directory: Path = _directory()) -> None:
    """Make a token for a party that has none (a new or renamed party, or after revoke)."""
    from ..service.tokens import issue

    with reported_errors():
        token = issue(directory, party, rotate=False)
    _show(party, token, directory)


@tokens_app.command("rotate")
def rotate(party: str = _party(), directory: Path = _directory()) -> None:
    """Replace a party's token: the old one is refused (401) once the server restarts."""
    from ..service.tokens import issue

    with reported_errors():
        token = issue(directory, party, rotate=True)
    _show(party, token, directory)


@tokens_app.command("revoke")
def revoke(party: str = _party(), directory: Path = _directory()) -> None:
    """Remove a party's token: its requests are refused (401) once the server restarts."""
    from ..service.tokens import revoke as revoke_token

    with reported_errors():
        revoke_token(directory, party)
    console.print(f"{party}'s token revoked. {RESTART}", highlight=False, soft_wrap=True)
