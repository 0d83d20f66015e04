"""`interlock audit ...`: check and export the record, with or without a server.

`audit verify` exits 0 when everything verifies, 1 when an entry (or an export's header)
does not (the first bad one is named), 2 on bad input, and 3 when nothing is tampered but
some signatures cannot be checked because no key is known for their party. The export
format (a header line, then the entries) is described in `interlock.ledger.export`.
"""

from __future__ import annotations

import contextlib
import itertools
import os
import shutil
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any, NoReturn

import orjson
import typer
from rich.progress import Progress

from ..errors import InvalidInput
from ..ledger.chain import GENESIS, Problem, Verdict
from ..ledger.export import (
    Header,
    Tail,
    agreement_hash,
    header,
    held_problem,
    is_header,
    length_problem,
    read_header,
    root_problem,
)
from ..model.agreement import load_agreement
from ..service.verify import audit, default_workers
from .common import (
    STATE_HELP,
    Api,
    ExitCode,
    console,
    fail,
    reported_errors,
    token_option,
    url_option,
)

if TYPE_CHECKING:
    from ..store import SqlStore

# The store and the service (SQLAlchemy, numpy, shapely: ~0.6 s) are imported where a
# deployment directory is opened, so that `audit verify --file` starts in ~0.4 s, not ~1 s.

audit_app = typer.Typer(help="Verify and export the tamper-evident record.", no_args_is_help=True)
EXIT_TAMPERED = ExitCode.FOUND  # an entry (or the export's header) does not verify: it is named
EXIT_UNCHECKED = ExitCode.UNDECIDED  # nothing tampered, but a signer's key is unknown: not checked
EXPORT_MODE = 0o600  # a whole record holds every hidden field and hotline body


def _read_export(path: Path) -> Iterator[dict[str, Any]]:
    try:
        with path.open("rb") as f:
            for n, line in enumerate(f, start=1):
                if line.strip():
                    try:
                        yield orjson.loads(line)
                    except orjson.JSONDecodeError:
                        raise InvalidInput("not a JSON line", field=f"{path}:{n}") from None
    except OSError as exc:
        raise InvalidInput(f"cannot read: {exc.strerror}", field=str(path)) from None


@contextmanager
def _deployment_store(directory: Path) -> Iterator[SqlStore]:
    """The store of an existing deployment (never creates an empty one by mistake)."""
    from ..service.bootstrap import deployment_db
    from ..store import open_store, store_url

    target = deployment_db(directory)
    url = store_url(target)
    if url.startswith("sqlite") and not Path(url.removeprefix("sqlite:///")).is_file():
        raise InvalidInput("no store here: give a directory made by `interlock init`", field=target)
    store = open_store(target)
    try:
        yield store
    finally:
        store.close()


def _agreement(path: Path) -> tuple[dict[str, list[str]], str]:
    """The public keys an agreement file lists, and its hash (`ledger.export`)."""
    agreement = load_agreement(path)
    return {p.id: list(p.public_keys) for p in agreement.parties}, agreement_hash(
        agreement.to_dict()
    )


def _split_export(path: Path) -> tuple[Header | Problem | None, Iterator[dict[str, Any]]]:
    """The export's header (None: an export made before headers) and its entries."""
    lines = _read_export(path)
    first = next(lines, None)
    if first is None:
        return None, iter(())
    if is_header(first):
        return read_header(first), lines
    return None, itertools.chain([first], lines)


@audit_app.command("verify")
def verify(
    directory: Path | None = typer.Argument(None, help="a deployment directory (its store)"),
    file: Path | None = typer.Option(None, "--file", help="an export (JSON Lines) instead"),
    bundle: Path | None = typer.Option(
        None, "--bundle", help="a report's evidence bundle (bundle.json), checked offline"
    ),
    log_key: str | None = typer.Option(
        None, "--log-key", help="with --bundle: the log's verifier key (else your --state's)"
    ),
    agreement: Path | None = typer.Option(
        None, help="the agreement whose public keys to use (an export carries its own)"
    ),
    workers: int = typer.Option(
        0,
        "--workers",
        min=0,
        help="processes checking signatures (0: one per core; 1: this one only)",
    ),
    party: str | None = typer.Option(
        None,
        "--party",
        help="the party whose view the export must be (its header says whose it is); "
        "with --url, your party (default: INTERLOCK_PARTY, else the token's)",
    ),
    url: str | None = typer.Option(
        None, "--url", help="verify your party's view of this server (token: INTERLOCK_TOKEN)"
    ),
    token: str | None = token_option(),
    state: Path | None = typer.Option(
        None,
        "--state",
        help=f"with --url or --file: the {STATE_HELP} (as `audit checkpoint`); an export "
        "must extend the checkpoint held there",
    ),
) -> None:
    """Check every link of the chain and every signature; name the first bad entry.

    With --url, your party's view of a live server (GET /ledger) is checked the same way,
    and the Merkle root of its entries against the server's signed checkpoint, which must
    extend the one your witness state holds (it then advances, as `audit checkpoint`).
    An export's entries must make the root of the log's checkpoint in its header, and,
    with --state, extend the checkpoint your witness state holds.

    With --bundle, a report's evidence bundle: each entry's hash and signature, its
    inclusion proof, and the checkpoint's signature with the log key (--log-key, or the
    one your witness state pinned; without either, exit 3: the signer is unchecked).

    An export is checked as the view its header names: a redacted stub verifies only
    where that party is outside the entry's audience (never in a whole record).

    Exit 0: everything verifies; 1: tampered (the entry is named); 2: bad input;
    3: nothing tampered, but some signatures cannot be checked (no key for their party).
    """
    if sum(x is not None for x in (directory, file, url, bundle)) != 1:
        fail(
            "give a deployment DIRECTORY, --file EXPORT, --url URL or --bundle FILE "
            "(one of them)"
        )
    if bundle is not None:
        from .audit_bundle import verify_bundle

        with reported_errors():
            verify_bundle(bundle, log_key, state, agreement, party)
        return
    if log_key is not None:
        fail("--log-key: with --bundle")
    if url is not None:
        from .audit_remote import verify_url

        with reported_errors():
            verify_url(url, token, party, state, agreement, workers or default_workers())
        return
    if state is not None and file is None:
        fail("--state: with --url or --file")
    if party is not None and file is None:
        fail("--party: a deployment's store is the whole record; give --file EXPORT")
    # Signatures are most of the work: long ledgers have them checked on every core.
    processes = workers or default_workers()
    promised: Header | None = None
    given_hash = None
    with reported_errors():
        if agreement is None and directory is not None:
            from ..service.bootstrap import AGREEMENT_FILE

            agreement = directory / AGREEMENT_FILE
        keys: dict[str, list[str]] = {}
        if agreement is not None:
            keys, given_hash = _agreement(agreement)
        if file is not None:
            head, entries = _split_export(file)
            if isinstance(head, Problem):
                _tampered(head, 0)
            promised = head
            if promised is not None and agreement is None:
                keys = promised.keys
            tail = Tail(entries)
            viewer = promised.party if promised is not None else None
            if party is not None and party != viewer:
                _tampered(Problem(0, f"header: the view of {viewer or 'no party'}, not {party}"), 0)
            held = _held_checkpoint(state, promised)
            verdict = audit(tail, keys, workers=processes, viewer=viewer)
            if verdict.problem is None and promised is not None:
                found = length_problem(promised, verdict.count, tail.last)
                found = found or root_problem(promised, tail)
                if found is None and held is not None:
                    found = held_problem(held.size, held.root, tail)
                verdict = Verdict(verdict.count, found, verdict.unchecked)
        else:
            assert directory is not None
            with (
                _deployment_store(directory) as store,
                Progress(transient=True, console=console) as progress,
            ):
                progress.add_task("verifying the ledger", total=None)
                verdict = audit(store.ledger_entries(), keys, workers=processes)
    if verdict.problem is not None:
        _tampered(verdict.problem, verdict.problem.seq - 1)
    count = verdict.count
    if promised is not None and given_hash is not None and given_hash != promised.agreement_sha256:
        console.print(
            f"[bold red]AGREEMENT DIFFERS[/]: the export was made under agreement "
            f"{promised.agreement_sha256}, {agreement} is {given_hash} "
            f"(its {count} entries verify with the given agreement's keys)",
            highlight=False,
        )
        raise typer.Exit(EXIT_TAMPERED)
    if verdict.unchecked:
        first = verdict.unchecked[0]
        parties = sorted({u.reason.split(" (")[0] for u in verdict.unchecked})
        console.print(
            f"[bold yellow]CANNOT CHECK[/] {len(verdict.unchecked)} of the signatures "
            f"(first at entry {first.seq}) — cannot check: {'; '.join(parties)}. "
            f"Nothing tampered: every link, hash and other signature of the {count} "
            "entries verifies",
            highlight=False,
        )
        raise typer.Exit(EXIT_UNCHECKED)
    sealed = promised.agreement_sha256 if promised is not None else given_hash
    tail_note = "" if promised is not None or file is None else "; no header: length unchecked"
    if promised is not None and promised.party is not None:
        tail_note += f"; the view of {promised.party}"
    if promised is not None and promised.checkpoint is not None:
        tail_note += f"; the Merkle root the log {promised.checkpoint.checkpoint.origin} signed"
    elif promised is not None:
        tail_note += "; no signed checkpoint: a chain rehashed after a change cannot be told"
    console.print(
        f"[green]OK[/] {count} entries: every link and signature verifies"
        + (f" (agreement sha256 {sealed}{tail_note})" if sealed else f"{tail_note}"),
        highlight=False,
    )


def _held_checkpoint(state: Path | None, promised: Header | None) -> Any:
    """The checkpoint the witness state in `state` holds for the export's log (None: no
    state given, or none held); the export's log key must be the one pinned there."""
    if state is None:
        return None
    if promised is None or promised.checkpoint is None:
        fail("--state: the export carries no signed checkpoint to check against it")
    from ..witness import WitnessState

    held = WitnessState(state).load(promised.checkpoint.checkpoint.origin)
    if held is not None and held.log_key != promised.log_key:
        _tampered(Problem(0, "log checkpoint: signed by another key than the one you pinned"), 0)
    return held


def _tampered(problem: Problem, verified: int) -> NoReturn:
    where = "in the header" if problem.seq == 0 else f"at entry {problem.seq}"
    console.print(
        f"[bold red]TAMPERED[/] {where}: {problem.reason} ({verified} entries before it verified)",
        highlight=False,
    )
    raise typer.Exit(EXIT_TAMPERED)


@audit_app.command("export")
def export(
    directory: Path = typer.Argument(..., help="a deployment directory"),
    file: Path = typer.Argument(..., help="where to write the ledger (JSON Lines)"),
    party: str | None = typer.Option(
        None, "--party", help="write the view this party may read (default: the whole record)"
    ),
) -> None:
    """Write the ledger after a header with the agreement, its hash and public keys, the
    entry count and the head hash: `audit verify --file` checks it with nothing else.
    The file is mode 0600 (the whole record holds every hidden field in plain text)."""
    from ..model.visibility import visible_entry
    from ..service.bootstrap import AGREEMENT_FILE

    with reported_errors():
        terms_in_force = load_agreement(directory / AGREEMENT_FILE)
        terms = terms_in_force.to_dict()
        if party is not None:
            terms_in_force.party(party)
        n, head = 0, GENESIS
        # The count and head are known at the end; the header goes first: the entries wait
        # in a file beside the export, which replaces FILE only once it is whole.
        with (
            _deployment_store(directory) as store,
            tempfile.TemporaryFile(dir=file.parent) as body,
        ):
            log = _signed_log(directory, store, terms_in_force)
            upto = None if log is None else int(log["size"])
            for entry in store.ledger_entries(1, upto) if upto else store.ledger_entries():
                if party is not None:
                    entry = visible_entry(entry, party, terms_in_force)
                body.write(orjson.dumps(entry) + b"\n")
                n, head = n + 1, entry["hash"]
            body.seek(0)
            part = file.with_name(file.name + ".part")
            with contextlib.suppress(FileNotFoundError):
                part.unlink()  # a leftover: made anew, so it is ours and 0600
            fd = os.open(part, os.O_WRONLY | os.O_CREAT | os.O_EXCL, EXPORT_MODE)
            with os.fdopen(fd, "wb") as f:
                f.write(orjson.dumps(header(terms, n, head, party, log)) + b"\n")
                shutil.copyfileobj(body, f)
            os.replace(part, file)
    console.print(f"wrote {n} entries to {file} (agreement sha256 {agreement_hash(terms)})")


def _signed_log(directory: Path, store: SqlStore, terms: Any) -> dict[str, Any] | None:
    """The log's latest signed checkpoint with its verifier key, for the export's header
    (None: the deployment has no log key or no checkpoint yet: never served)."""
    from ..ledger.keys import read_private
    from ..ledger.note import raw_public, verifier_key
    from ..service.bootstrap import LOG_KEY_FILE
    from ..service.log import log_origin

    key_file = directory / LOG_KEY_FILE
    origin = log_origin(terms)
    latest = store.latest_checkpoint(origin) if key_file.exists() else None
    if latest is None or int(latest["size"]) == 0:
        return None
    public = raw_public(read_private(key_file).public_key())
    return {**latest, "origin": origin, "log_key": verifier_key(origin, public)}


@audit_app.command("disclose")
def disclose(
    entry: int = typer.Option(..., "--entry", min=1, help="the ledger entry of your notice"),
    field: str = typer.Option(..., "--field", help="the committed field to disclose"),
    url: str = url_option(),
    token: str | None = token_option(),
) -> None:
    """Publish a hidden field of your notice: its value and salt go on the record as a
    `disclosure` event, which every verifier checks against the entry's commitment."""
    with reported_errors():
        out = Api(url, token).call("POST", f"/ledger/{entry}/disclose", json={"field": field})
    opening = out["event"]["opening"]
    console.print(
        f"disclosed {field} of entry {entry} at entry {out['seq']}: "
        f"{orjson.dumps(opening['value']).decode()}",
        highlight=False,
        markup=False,
    )


def _ledger_ids(entries: list[dict[str, Any]]) -> tuple[set[int], set[str]]:
    """The conflict numbers and the notice and message ids the ledger holds."""
    conflicts: set[int] = set()
    ids: set[str] = set()
    for e in entries:
        ev = e["event"]
        if ev.get("type") == "conflict" and isinstance(ev.get("id"), int):
            conflicts.add(ev["id"])
        elif ev.get("type") in ("notice_version", "message") and isinstance(ev.get("id"), str):
            ids.add(ev["id"])
    return conflicts, ids


@audit_app.command("timeline")
def timeline_cmd(
    directory_arg: str = typer.Argument(..., metavar="DIR", help="a deployment directory"),
    ref_arg: str = typer.Argument(
        ...,
        metavar="REF",
        help="a conflict number, or a notice or message id (or a unique prefix of one)",
    ),
) -> None:
    """Who said what about a conflict, a notice or a message, to whom and when.

    A conflict: its detection, the system messages about it with their receipts and
    escalations, and its closing. A notice: each version's lead time against the rule,
    its conflicts, and the messages about it with their receipts. A message: when each
    addressee's client reported delivery and when each acknowledged (on time or late),
    escalations and replies. (`audit timeline REF DIR`, the old order, is still accepted
    for this release, with a warning.)
    """
    from rich import box
    from rich.markup import escape
    from rich.table import Table

    from ..service.bootstrap import AGREEMENT_FILE
    from ..service.timeline import conflict_timeline, message_summary, timeline
    from .readable import dir_first, hhmm, resolve

    directory, ref = dir_first(directory_arg, ref_arg, "audit timeline", "REF")
    with reported_errors():
        rules = load_agreement(directory / AGREEMENT_FILE).rules
        with _deployment_store(directory) as store:
            entries = list(store.ledger_entries())
    conflicts, ids = _ledger_ids(entries)
    with reported_errors():
        if ref.isdigit():
            if int(ref) not in conflicts:
                fail(f"REF: the ledger holds no conflict {ref}")
            ref, rows = f"conflict {ref}", conflict_timeline(entries, int(ref), rules)
        else:
            ref = resolve(ref, ids, "REF", "notice or message")
            rows = timeline(entries, ref, rules)
    if not rows:
        fail(f"the ledger holds nothing about {ref!r}")
    table = Table(title=f"timeline of {ref}", box=box.SIMPLE_HEAD, pad_edge=False)
    table.add_column("seq", justify="right", no_wrap=True)
    table.add_column("received (UTC)", no_wrap=True)
    table.add_column("event", no_wrap=True)
    table.add_column("what", overflow="fold")
    now = datetime.now(UTC)
    for r in rows:
        at = hhmm(r["received_at"], now, seconds=True)
        table.add_row(str(r["seq"]), at, r["type"].replace("_", " "), escape(r["what"]))
    console.print(table)
    for line in message_summary(rows):
        console.print(line, highlight=False, markup=False)
