"""`interlock keys new PARTY`: a party's Ed25519 signing key."""

from __future__ import annotations

from pathlib import Path

import typer

from ..codec.keys import key_id, public_text
from ..ledger.keys import new_private, write_private
from ..model.agreement import PARTY_ID
from .common import console, fail

keys_app = typer.Typer(help="Party signing keys (Ed25519).", no_args_is_help=True)


@keys_app.command("new")
def new(
    party: str = typer.Argument(..., help="the party id the key signs for"),
    out: Path | None = typer.Option(None, "--out", help="private key file (default PARTY.key)"),
) -> None:
    """Write a private key (mode 0600, never overwritten) and print its public key.

    Put the public key in the party's `public_keys` in agreement.toml.
    """
    if not PARTY_ID.match(party):
        fail(f"{party!r} is not a party id")
    path = out or Path(f"{party}.key")
    key = new_private()
    try:
        write_private(key, path)
    except FileExistsError:
        fail(f"{path} exists; keys are never overwritten")
    except OSError as exc:
        fail(f"cannot write {path}: {exc.strerror}")
    public = public_text(key.public_key())
    console.print(f"private key: {path} (keep it; mode 0600)")
    console.print(f"key id: {key_id(public)}")
    console.print(f'agreement.toml, [[parties]] id = "{party}":', markup=False)
    console.print(f'public_keys = ["{public}"]', highlight=False, soft_wrap=True)
