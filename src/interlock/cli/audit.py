"""`interlock audit ...`: check and export the record, with or without a server."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any

import orjson
import typer
from rich.progress import Progress

from ..errors import InvalidInput
from ..model.agreement import load_agreement
from ..service.verify import default_workers, verify_chain
from .common import console, fail, reported_errors

if TYPE_CHECKING:
    from ..store import SqlStore

# The store and the service (SQLAlchemy, numpy, shapely: ~0.6 s) are imported where a
# deployment directory is opened, so that `audit verify --file` starts in ~0.4 s, not ~1 s.

audit_app = typer.Typer(help="Verify and export the tamper-evident record.", no_args_is_help=True)
EXIT_TAMPERED = 1


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
        raise InvalidInput(
            "no store here: give a directory made by `interlock init`", field=target
        )
    store = open_store(target)
    try:
        yield store
    finally:
        store.close()


def _keys(agreement: Path) -> dict[str, list[str]]:
    return {p.id: list(p.public_keys) for p in load_agreement(agreement).parties}


@audit_app.command("verify")
def verify(
    directory: Path | None = typer.Argument(None, help="a deployment directory (its store)"),
    file: Path | None = typer.Option(None, "--file", help="an export (JSON Lines) instead"),
    agreement: Path | None = typer.Option(None, help="the agreement with the public keys"),
    workers: int = typer.Option(
        0,
        "--workers",
        min=0,
        help="processes checking signatures (0: one per core; 1: this one only)",
    ),
) -> None:
    """Check every link of the chain and every signature; name the first bad entry."""
    if (directory is None) == (file is None):
        fail("give a deployment DIRECTORY or --file EXPORT (one of them)")
    # Signatures are most of the work: long ledgers have them checked on every core.
    processes = workers or default_workers()
    with reported_errors():
        if agreement is None and directory is not None:
            from ..service.bootstrap import AGREEMENT_FILE

            agreement = directory / AGREEMENT_FILE
        keys = _keys(agreement) if agreement else {}
        if file is not None:
            entries: Iterator[dict[str, Any]] = _read_export(file)
            count, problem = verify_chain(entries, keys, workers=processes)
        else:
            assert directory is not None
            with (
                _deployment_store(directory) as store,
                Progress(transient=True, console=console) as progress,
            ):
                progress.add_task("verifying the ledger", total=None)
                count, problem = verify_chain(store.ledger_entries(), keys, workers=processes)
    if problem is not None:
        console.print(
            f"[bold red]TAMPERED[/] at entry {problem.seq}: {problem.reason} "
            f"({count - 1} entries before it verified)"
        )
        raise typer.Exit(EXIT_TAMPERED)
    console.print(f"[green]OK[/] {count} entries: every link and signature verifies")


@audit_app.command("export")
def export(
    directory: Path = typer.Argument(..., help="a deployment directory"),
    file: Path = typer.Argument(..., help="where to write the ledger (JSON Lines)"),
) -> None:
    """Write the whole ledger; with the agreement's public keys it verifies anywhere."""
    with reported_errors():
        n = 0
        with _deployment_store(directory) as store, file.open("wb") as f:
            for entry in store.ledger_entries():
                f.write(orjson.dumps(entry) + b"\n")
                n += 1
    console.print(f"wrote {n} entries to {file}")


@audit_app.command("timeline")
def timeline_cmd(
    ref_id: str = typer.Argument(..., help="a notice id, or a message id (m-...)"),
    directory: Path = typer.Argument(..., help="a deployment directory"),
) -> None:
    """Who said what about a notice or a message, to whom and when.

    A notice: each version's lead time against the rule, its conflicts, and the messages
    about it with their receipts. A message: when each addressee's client reported
    delivery and when each acknowledged (on time or late), escalations and replies.
    """
    from rich.markup import escape
    from rich.table import Table

    from ..service.bootstrap import AGREEMENT_FILE
    from ..service.timeline import message_summary, timeline

    with reported_errors():
        rules = load_agreement(directory / AGREEMENT_FILE).rules
        with _deployment_store(directory) as store:
            rows = timeline(store.ledger_entries(), ref_id, rules)
    if not rows:
        fail(f"the ledger holds nothing about {ref_id!r}")
    table = Table(title=f"timeline of {ref_id}")
    for col in ("seq", "received (UTC)", "event", "what"):
        table.add_column(col)
    for r in rows:
        table.add_row(str(r["seq"]), r["received_at"], r["type"], escape(r["what"]))
    console.print(table)
    for line in message_summary(rows):
        console.print(line, highlight=False, markup=False)
