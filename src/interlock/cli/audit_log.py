"""`interlock audit checkpoint` and `interlock audit fork`: a party checks the server's log.

`audit checkpoint` makes the party a witness (`interlock.witness`): it verifies the
server's latest signed checkpoint against the one it verified last (kept in `--state`),
stores it, and cosigns it. It sits under `audit` beside `verify` and `fork` because it is
an audit of the server: it writes nothing to the server but a cosignature, and exits 1
when the log fails (rollback, fork, changed key, no consistency proof).

`audit fork A B` reads two signed checkpoints (C2SP signed notes): exit 1 when they prove
the log showed two histories (or the log could not prove one extends the other), 0 when
they are consistent, 3 when that cannot be decided (other sizes and no `--url` to ask
for a consistency proof), 2 on bad input.
"""

from __future__ import annotations

import base64
import time
from pathlib import Path
from typing import Any

import typer

from ..ledger import checkpoint as cp
from ..ledger.note import NoteError, parse_note, parse_verifier_key
from .audit import audit_app
from .common import (
    STATE_HELP,
    Api,
    ExitCode,
    console,
    fail,
    key_option,
    party_client,
    party_option,
    reported_errors,
    token_option,
    url_option,
)

EXIT_FAILED = ExitCode.FOUND  # the log failed a check: a rollback, a fork, no proof
EXIT_UNDECIDED = ExitCode.UNDECIDED  # `audit fork`: nothing proven either way



def _b64(raw: bytes) -> str:
    return base64.b64encode(raw).decode()


@audit_app.command("checkpoint")
def checkpoint(
    url: str = url_option(),
    token: str | None = token_option(),
    party: str | None = party_option(),
    key: Path | None = key_option("your cosignature of the checkpoint"),
    state: Path | None = typer.Option(None, "--state", help=STATE_HELP),
    cosign: bool = typer.Option(True, "--cosign/--no-cosign", help="cosign what verified"),
) -> None:
    """Verify the server's latest checkpoint against the last one you verified (its
    consistency proof), keep it, and cosign it with your key. Exit 1 if the log fails."""
    from ..witness import WitnessError, WitnessState, witness

    with reported_errors():
        client = party_client(url, token, party, key if cosign else None, need_key=False)
        try:
            try:
                out = witness(
                    client,
                    WitnessState(state),
                    url=url,
                    party=client.party,
                    key=client.key if cosign else None,
                    now=int(time.time()),
                )
            except WitnessError as exc:
                fail(f"FAIL {exc.detail}", EXIT_FAILED)
        finally:
            client.close()
    v = out.checkpoint
    since = (
        "first checkpoint of this log: its key is now pinned"
        if out.previous is None
        else f"consistent with size {out.previous.size}"
    )
    console.print(
        f"OK {v.origin} size {v.size} root {_b64(v.root)} ({since})"
        + ("; cosigned as " + client.party if out.cosigned else ""),
        highlight=False,
    )


def _read_note(path: Path) -> tuple[str, cp.Checkpoint]:
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        fail(f"cannot read {path}: {exc}")
    try:
        return text, cp.parse_checkpoint(parse_note(text).text)
    except NoteError as exc:
        fail(f"{path}: not a signed checkpoint ({exc})")


def _log_public(origin: str, log_key: str | None, state: Path | None, api: Api | None) -> bytes:
    from ..witness import WitnessState

    text = log_key
    if text is None:
        stored = WitnessState(state).load(origin)
        text = stored.log_key if stored is not None else None
    if text is None and api is not None:
        info: Any = api.call("GET", "/checkpoint.json")
        if info.get("origin") == origin:
            text = info.get("log_key")
    if text is None:
        fail(f"no key for log {origin}: pass --log-key, --url, or a --state that pinned it")
    try:
        vkey = parse_verifier_key(text)
    except NoteError as exc:
        fail(f"log key: {exc}")
    if vkey.name != origin:
        fail(f"the log key is {vkey.name}'s, not {origin}'s")
    return vkey.public


@audit_app.command("fork")
def fork(
    first: Path = typer.Argument(..., help="a signed checkpoint (note file)"),
    second: Path = typer.Argument(..., help="another signed checkpoint of the same log"),
    url: str | None = typer.Option(None, "--url", help="ask this server for a consistency proof"),
    token: str | None = token_option(),
    log_key: str | None = typer.Option(None, "--log-key", help="the log's verifier key"),
    state: Path | None = typer.Option(None, "--state", help=STATE_HELP),
) -> None:
    """Do two signed checkpoints prove a fork? Exit 1 (with the evidence) if so, 0 if
    consistent, 3 if that cannot be decided."""
    text_a, cp_a = _read_note(first)
    text_b, cp_b = _read_note(second)
    if cp_a.origin != cp_b.origin:
        fail(f"two logs: {cp_a.origin!r} and {cp_b.origin!r}")
    with reported_errors():
        api = Api(url, token) if url else None
        public = _log_public(cp_a.origin, log_key, state, api)
        opened = []
        for path, text in ((first, text_a), (second, text_b)):
            try:
                opened.append(cp.open_checkpoint(text, public, cp_a.origin))
            except NoteError as exc:
                fail(f"{path}: not signed by the log's key ({exc}): it proves nothing")
        a, b = opened
        proof = None
        small, large = sorted((a.checkpoint.size, b.checkpoint.size))
        if api is not None and small != large and small > 0:
            answer: Any = api.call("GET", "/proof/consistency", params={"from": small, "to": large})
            proof = [base64.b64decode(h) for h in answer.get("proof", [])]
        elif small == 0:
            proof = []
    verdict = cp.judge(a, b, proof)
    if verdict.status == "consistent":
        console.print(f"CONSISTENT {verdict.reason}", highlight=False)
        return
    if verdict.status == "undecided":
        console.print(f"UNDECIDED {verdict.reason}", highlight=False)
        raise typer.Exit(EXIT_UNDECIDED)
    console.print(
        f"{verdict.status.upper()} {verdict.reason}\n"
        f"evidence: {first} (size {a.checkpoint.size}, signed at {a.time}) and "
        f"{second} (size {b.checkpoint.size}, signed at {b.time}), both signed by log "
        f"{cp_a.origin}",
        highlight=False,
    )
    raise typer.Exit(EXIT_FAILED)
