"""The `interlock` command."""

from __future__ import annotations

import tempfile
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

import typer
from rich.table import Table

from .. import __version__
from ..model.server_limits import DEFAULT_SERVER_LIMITS, ServerLimits
from ..service.root import Services
from .advice import LISTING, ListByDefault, advice
from .audit_log import audit_app
from .check import check
from .common import console, err_console, exit_codes_epilog, fail, reported_errors
from .export import export, import_file
from .hazard import hazard_app
from .hotline import hotline_app
from .keys import keys_app
from .notices import conflicts, notice_app
from .replay import replay
from .report import report
from .scenario import scenario_app
from .spectrum import spectrum_app
from .tokens import tokens_app
from .tracks import tracks_app

app = typer.Typer(
    name="interlock",
    no_args_is_help=True,
    add_completion=False,
    help="Deconfliction between parties sharing a theatre.",
    epilog=exit_codes_epilog(),
)
app.add_typer(notice_app, name="notice")
app.add_typer(audit_app, name="audit")
app.add_typer(keys_app, name="keys")
app.add_typer(tokens_app, name="tokens")
app.add_typer(tracks_app, name="tracks")
app.add_typer(hotline_app, name="hotline")
app.add_typer(spectrum_app, name="spectrum")
app.add_typer(scenario_app, name="scenario")
app.add_typer(hazard_app, name="hazard")
app.command("check")(check)
conflicts_app = typer.Typer(
    cls=ListByDefault, help="Conflicts involving your party; `conflicts advice N`: what clears N."
)
conflicts_app.command(LISTING, hidden=True)(conflicts)
conflicts_app.command("advice")(advice)
app.add_typer(conflicts_app, name="conflicts")
app.command("export")(export)  # the field's formats (cli/export.py)
notice_app.command("import")(import_file)
app.command("replay")(replay)
app.command("report")(report)


def _tokens_table(tokens: dict[str, str]) -> Table:
    table = Table(title="API tokens (shown once; keep them secret)")
    table.add_column("party")
    table.add_column("token")
    for party, token in tokens.items():
        table.add_row(party, token)
    return table


def _run_server(
    services: Services,
    host: str,
    port: int,
    limits: ServerLimits = DEFAULT_SERVER_LIMITS,
    on_exit: Callable[[], None] | None = None,
    shared_picture: bool = False,
) -> None:
    """One process: the app with each party's fair share, under the guarded server
    (header and body timeouts, connection cap, keep-alive: `api.server`); with
    `shared_picture`, one live picture with the deployment's other processes (PostgreSQL)."""
    from ..api import create_app
    from ..api.server import run, server_config

    app = create_app(services, limits=limits, shared_picture=shared_picture)
    run(server_config(app, limits, host, port), on_exit)


@app.command()
def version() -> None:
    """Print the version."""
    console.print(__version__)


@app.command()
def init(directory: Path = typer.Argument(..., help="a new deployment directory")) -> None:
    """Write a commented example agreement and one API token per party."""
    from ..service.bootstrap import init_directory

    with reported_errors():
        agreement, tokens = init_directory(directory)
    console.print(
        f"wrote {directory / 'agreement.toml'} ({len(agreement.parties)} parties) and token hashes"
    )
    console.print(_tokens_table(tokens))
    console.print(f"start the server: [bold]interlock serve {directory}[/]")


@app.command()
def serve(
    directory: Path = typer.Argument(..., help="a directory made by `interlock init`"),
    host: str = typer.Option("127.0.0.1", help="address to listen on"),
    port: int = typer.Option(8000, help="port to listen on"),
    db: str | None = typer.Option(
        None, help="store file or URL (default $INTERLOCK_DB, else DIR/interlock.db)"
    ),
    workers: int = typer.Option(
        1, min=1, max=64, help="API processes on this port (more than 1 needs PostgreSQL)"
    ),
) -> None:
    """Run the HTTP API over a deployment directory, with the fair-share limits of its
    agreement's `\\[server]` table (per-party streams and rates, request timeouts, the
    connection cap)."""
    from ..api.deployment import read_server_limits
    from ..service.bootstrap import deployment_db, open_services
    from ..store import store_url

    with reported_errors():
        limits = read_server_limits(directory)
        target = deployment_db(directory, db)
        if workers > 1 and not store_url(target).startswith("postgres"):
            fail(
                "--workers above 1 needs a PostgreSQL store (--db postgresql://... or "
                "INTERLOCK_DB): SQLite has no way to wake the other processes' push streams"
            )
        services = open_services(directory, target)  # checks the deployment; migrates once
        _warn_tokenless(directory)
    console.print(f"interlock {__version__}: [bold]http://{host}:{port}[/] (API docs at /docs)")
    if workers == 1:
        _run_server(services, host, port, limits, shared_picture=True)
        return
    services.store.close()
    _run_workers(directory, target, host, port, workers, limits)


def _warn_tokenless(directory: Path) -> None:
    """Say which parties have no token (their requests get 401) and how to make one."""
    from ..model.agreement import load_agreement
    from ..service.bootstrap import AGREEMENT_FILE, parties_without_token, read_token_hashes

    agreement = load_agreement(directory / AGREEMENT_FILE)
    for party in parties_without_token(agreement, read_token_hashes(directory)):
        err_console.print(
            f"[yellow]warning:[/] {party} has no token, so its requests are refused (401): "
            f"`interlock tokens new {party} {directory}` makes one",
            highlight=False,
            soft_wrap=True,
        )


def _shown(target: str) -> str:
    """A store target fit to print: a URL's password is hidden."""
    if "://" not in target:
        return target
    from sqlalchemy.engine import make_url

    try:
        return make_url(target).render_as_string(hide_password=True)
    except ValueError:  # a multi-host URL: in the form SQLAlchemy parses
        from ..store.postgres import engine_url

        return make_url(engine_url(target)).render_as_string(hide_password=True)


def _run_workers(
    directory: Path, db: str, host: str, port: int, workers: int, limits: ServerLimits
) -> None:
    """uvicorn's process manager: each worker builds the app from the environment. The
    limits hold per process (a party may hold `streams_per_party` in each)."""
    import os

    from ..api.deployment import DIR_VAR
    from ..api.server import run, server_config

    os.environ[DIR_VAR] = str(directory.resolve())
    os.environ["INTERLOCK_DB"] = db
    run(
        server_config(
            "interlock.api.deployment:app_from_env",
            limits,
            host,
            port,
            factory=True,
            workers=workers,
        )
    )


@app.command()
def demo(
    host: str = typer.Option("127.0.0.1", help="address to listen on"),
    port: int = typer.Option(8000, help="port to listen on"),
    data: Path | None = typer.Option(None, help="directory for the demo store (default: temp)"),
    scenario: Path | None = typer.Option(None, help="scenario directory (default: eastern-med)"),
    load_only: bool = typer.Option(False, "--load-only", help="load, print, and exit"),
    show: list[str] = typer.Option(
        [],
        "--show",
        help="a party you play on the page (repeat for several; default: the agreement's "
        "first); every other party gets an automatic client",
    ),
    responders: bool = typer.Option(
        True,
        "--responders/--no-responders",
        help="run an automatic client for each party not shown, which delivers and "
        "acknowledges its messages after a person's delay",
    ),
) -> None:
    """Start the server with the demo scenario on the embedded store."""
    from ..ledger.keys import read_private
    from ..model.agreement import load_agreement
    from ..service.bootstrap import deployment_db, init_with_keys, open_services
    from ..service.scenario import (
        DEFAULT_SCENARIO,
        load_scenario,
        scenario_agreement_path,
        send_scenario_messages,
    )
    from .demo_banner import try_commands
    from .demo_responders import ResponderTiming, responder_parties

    scenario = scenario or DEFAULT_SCENARIO
    directory = data or Path(tempfile.mkdtemp(prefix="interlock-demo-"))
    with reported_errors():
        if (directory / "agreement.toml").exists():
            fail(f"{directory} already holds a deployment; give an empty --data directory")
        parties = load_agreement(scenario_agreement_path(scenario)).party_ids
        unknown = [p for p in show if p not in parties]
        if unknown:
            fail(f"--show: {unknown[0]!r} is not a party of the agreement ({', '.join(parties)})")
        shown = show or parties[:1]
        automatic = responder_parties(parties, shown) if responders else []
        text = scenario_agreement_path(scenario).read_text(encoding="utf-8")
        _, tokens, key_files = init_with_keys(directory, text)
        services = open_services(directory)
        if services.store.count_notices():  # $INTERLOCK_DB named a database in use
            fail(f"{_shown(deployment_db(directory))} already holds notices: give an empty one")
        with console.status("loading the demo scenario"):
            now = datetime.now(UTC)
            report = load_scenario(scenario, services, now)
            keys = {p: read_private(path) for p, path in key_files.items()}
            sent = send_scenario_messages(scenario, services, keys, report.notice_ids, now)
    console.print(f"demo scenario [bold]{scenario.name}[/]: {report}, {sent} hotline messages")
    console.print(f"store: {_shown(deployment_db(directory))}")
    console.print(_tokens_table(tokens))
    console.print(
        "signing keys (hotline, signed notices): "
        + ", ".join(f"{party} {path}" for party, path in key_files.items()),
        highlight=False,
        soft_wrap=True,
    )
    url = f"http://{host}:{port}"
    me = shown[0]
    other = next((p for p in parties if p != me), None)
    console.print(f"server: [bold]{url}[/]  (API docs: {url}/docs)")
    console.print(f"try, as {me}, in another shell:")
    for line in try_commands(url, tokens[me], key_files.get(me), other):
        console.print(f"  {line}", highlight=False, soft_wrap=True, markup=False)
    console.print(f"map page: [bold]{url}/[/] (sign in as {', '.join(shown)} with a token above)")
    console.print(
        f"automatic clients: {', '.join(automatic) or 'none'}"
        + (f" ({ResponderTiming().describe()})" if automatic else ""),
        highlight=False,
        soft_wrap=True,
    )
    if not load_only:
        from ..service.demo_feed import start_demo_feed
        from .demo_responders import start_responders

        first_party = services.agreement.party_ids[0]
        if start_demo_feed(services.tracks, scenario, first_party) is not None:
            console.print("live picture: replaying the scenario's recorded ADS-B feed, looped")
        local = {"0.0.0.0": "127.0.0.1", "::": "[::1]"}.get(host, host)  # a wildcard: loopback
        clients = start_responders(f"http://{local}:{port}", tokens, key_files, automatic)
        try:
            _run_server(services, host, port, on_exit=clients.close)
        finally:
            clients.stop()
