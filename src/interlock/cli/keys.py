"""`interlock keys new PARTY [--register DIR]`: a party's Ed25519 signing key."""

from __future__ import annotations

from pathlib import Path

import typer

from ..codec.keys import key_id, public_text
from ..ledger.checkpoint import origin_for as log_origin_of
from ..ledger.keys import new_private, write_private
from ..model.agreement import PARTY_ID
from .common import console, fail, reported_errors

keys_app = typer.Typer(help="Party signing keys (Ed25519).", no_args_is_help=True)


@keys_app.command("new")
def new(
    party: str = typer.Argument(..., help="the party id the key signs for"),
    out: Path | None = typer.Option(None, "--out", help="private key file (default PARTY.key)"),
    register: Path | None = typer.Option(
        None,
        "--register",
        metavar="DIR",
        help="also list the public key as PARTY's in DIR/agreement.toml (comments kept); "
        "a running server takes it when restarted",
    ),
    replace: bool = typer.Option(
        False, "--replace", help="with --register: put it in place of PARTY's keys"
    ),
) -> None:
    """Write a private key (mode 0600, never overwritten) and print its public key.

    Without --register, put the public key in the party's `public_keys` in agreement.toml.
    With it, the agreement changes: its SHA-256 (printed before and after) is the one
    every party compares, and the log signs under the new hash once the server restarts.
    """
    from ..service.bootstrap import key_registration

    if not PARTY_ID.match(party):
        fail(f"{party!r} is not a party id")
    if replace and register is None:
        fail("--replace is for --register DIR")
    path = out or Path(f"{party}.key")
    if path.exists():  # before anything is written
        fail(f"{path} exists; keys are never overwritten")
    key = new_private()
    public = public_text(key.public_key())
    edit = None
    if register is not None:  # checked before the key file is written
        with reported_errors():
            edit = key_registration(register, party, public, replace=replace)
    try:
        write_private(key, path)
    except FileExistsError:
        fail(f"{path} exists; keys are never overwritten")
    except OSError as exc:
        fail(f"cannot write {path}: {exc.strerror}")
    console.print(f"private key: {path} (keep it; mode 0600)")
    console.print(f"key id: {key_id(public)}")
    if edit is None:
        console.print(f'agreement.toml, [[parties]] id = "{party}":', markup=False)
        console.print(f'public_keys = ["{public}"]', highlight=False, soft_wrap=True)
        return
    try:
        edit.write()
    except OSError as exc:
        fail(f"cannot write {edit.path}: {exc.strerror} (the key file {path} was written)")
    console.print(f"registered as {party}'s key in {edit.path}", highlight=False)
    console.print(f"agreement sha256 was {edit.before_sha256}", highlight=False, soft_wrap=True)
    console.print(f"agreement sha256 now {edit.after_sha256}", highlight=False, soft_wrap=True)
    console.print(
        f"restart the server (`interlock serve {register}`): the log then signs as "
        f"{log_origin_of(edit.after_sha256)}; every party compares the new hash",
        highlight=False,
        soft_wrap=True,
    )
