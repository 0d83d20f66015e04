"""`interlock audit verify --bundle FILE`: check a report's evidence bundle offline.

The checks are `ledger.bundle.check_bundle`'s (each entry's hash and signature, its
inclusion proof, the checkpoint's signatures). The log key comes from outside the bundle:
`--log-key`, else the key your witness state pinned for the bundle's log (`--state`, the
default state directory otherwise, as `audit checkpoint` keeps it). With neither, the
bundle's own copy of the key is used and the verdict says so (exit 3: who signed the
checkpoint is then unchecked: anyone re-signing the bundle could have put their key in).
"""

from __future__ import annotations

import base64
from pathlib import Path
from typing import Any, NoReturn

import orjson
import typer

from ..ledger.bundle import MARK, check_bundle
from ..ledger.chain import Problem
from ..ledger.note import NoteError, parse_verifier_key
from .common import ExitCode, console, fail

EXIT_TAMPERED = ExitCode.FOUND  # an entry, a proof or the checkpoint fails: named
EXIT_UNCHECKED = ExitCode.UNDECIDED  # nothing failed, but a key was missing (named)


def _tampered(problem: Problem, verified: int) -> NoReturn:
    where = "in the bundle" if problem.seq == 0 else f"at entry {problem.seq}"
    console.print(
        f"[bold red]TAMPERED[/] {where}: {problem.reason} ({verified} entries before it verified)",
        highlight=False,
        soft_wrap=True,
    )
    raise typer.Exit(EXIT_TAMPERED)


def _read(path: Path) -> Any:
    try:
        raw = path.read_bytes()
    except OSError as exc:
        fail(f"cannot read {path}: {exc.strerror}")
    try:
        return orjson.loads(raw)
    except orjson.JSONDecodeError as exc:
        if MARK.encode() in raw[:200]:  # ours, but not whole: cut short or corrupted
            _tampered(Problem(0, f"{path} is not whole JSON ({exc}): cut short or corrupted"), 0)
        fail(f"{path}: not an evidence bundle (not JSON: {exc})")


def _log_key(bundle: dict[str, Any], log_key: str | None, state: Path | None) -> tuple[str, str]:
    """The log's verifier key text and where it came from."""
    if log_key is not None:
        return log_key, "--log-key"
    from ..witness import WitnessState

    origin = str((bundle.get("log") or {}).get("origin", ""))
    held = WitnessState(state).load(origin) if origin else None
    if held is not None:
        return held.log_key, "the key your witness state pinned"
    own = (bundle.get("log") or {}).get("log_key")
    if not isinstance(own, str):
        fail("the bundle carries no log key: pass --log-key KEY")
    return own, "bundle"


def verify_bundle(
    path: Path,
    log_key: str | None,
    state: Path | None,
    agreement: Path | None,
    party: str | None,
) -> None:
    """Verify the bundle at `path`; print one line; exit 0/1/2/3."""
    bundle = _read(path)
    if not isinstance(bundle, dict) or MARK not in bundle:
        fail(f"{path}: not an evidence bundle (no {MARK!r})")
    text, source = _log_key(bundle, log_key, state)
    try:
        vkey = parse_verifier_key(text)
    except NoteError as exc:
        fail(f"log key: {exc}")
    if party is not None and bundle.get("party") != party:
        _tampered(Problem(0, f"the view of {bundle.get('party')}, not {party}"), 0)
    verdict = check_bundle(bundle, vkey.public)
    if verdict.problem is not None:
        _tampered(verdict.problem, verdict.count)
    assert verdict.checkpoint is not None
    cp = verdict.checkpoint.checkpoint
    if vkey.name != cp.origin:
        _tampered(Problem(0, f"the log key given is {vkey.name}'s, not {cp.origin}'s"), 0)
    sha = bundle["agreement_sha256"]
    if agreement is not None:
        from .audit import _agreement

        _, own = _agreement(agreement)
        if own != sha:
            _tampered(Problem(0, f"made under agreement {sha}, {agreement} is {own}"), 0)
    root = base64.b64encode(cp.root).decode()
    subject = (bundle.get("subject") or {}).get("title") or ""
    line = (
        f"{verdict.count} entries of {verdict.party}'s view"
        + (f" about {subject}" if subject else "")
        + f": every entry's hash and signature and its inclusion proof in the checkpoint "
        f"of size {cp.size} root {root[:12]}… signed by log {cp.origin} (key "
        f"{vkey.hash.hex()}"
    )
    if verdict.unchecked:
        first = verdict.unchecked[0]
        console.print(
            f"[bold yellow]CANNOT CHECK[/] {len(verdict.unchecked)} of the signatures (first "
            f"at entry {first.seq}: {first.reason}). Nothing failed: {line})",
            highlight=False,
            soft_wrap=True,
        )
        raise typer.Exit(EXIT_UNCHECKED)
    if source == "bundle":
        console.print(
            f"[bold yellow]CANNOT CHECK[/] who signed the checkpoint: its key is the bundle's "
            f"own copy (pass --log-key KEY, or --state DIR where `interlock audit checkpoint` "
            f"pinned it). Nothing failed: {line}, as the bundle names it)",
            highlight=False,
            soft_wrap=True,
        )
        raise typer.Exit(EXIT_UNCHECKED)
    console.print(
        f"[green]OK[/] {line}, from {source}); agreement sha256 {sha}",
        highlight=False,
        soft_wrap=True,
    )
