"""`interlock spectrum check FILE`: interference at protected receivers, offline."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import orjson
import typer
from rich.markup import escape
from rich.table import Table

from .common import ExitCode, console, read_json_file, reported_errors
from .readable import Col, fit_table, window

spectrum_app = typer.Typer(help="The electromagnetic arena: emissions against receivers.")
EXIT_CONFLICTS = ExitCode.FOUND


def conflicts_table(episodes: list[dict[str, Any]]) -> Table:
    """One row an episode at the console's width: the receiver, the window (UTC), I/N
    against the criterion, and the advice, one line for each emission to move."""
    now = datetime.now(UTC)
    cols = [
        Col("receiver", elastic=True),
        Col("window (UTC)"),
        Col("I/N dB", right=True),
        Col("limit", right=True),
        Col("severity"),
        Col("advice (largest first)", elastic=True),
    ]
    rows = []
    for e in episodes:
        advice = []
        for a in e["advice"]:
            parts = []
            if a["max_eirp_dbm"] is not None:
                parts.append(f"EIRP <= {a['max_eirp_dbm']:.1f} dBm")
            shift = a["frequency_shift_mhz"] or {}
            if shift.get("nearest") is not None:
                parts.append(f"or shift {shift['nearest']:+.3f} MHz")
            advice.append(f"{a['notice']}: {' '.join(parts) or 'reschedule'}")
        receiver = e["receiver"]  # as labelled in the file (offline: no names to look up)
        rows.append(
            [
                escape(f"{receiver} ({e['receiver_party']})"),
                window(e["start"], e["end"], now),
                f"{e['i_n_db']:.1f}",
                f"{e['criterion_db']:g}",
                e["severity"],
                escape("\n".join(advice) or ", ".join(e["move_list"]) or "-"),
            ]
        )
    title = f"{len(episodes)} interference conflict(s)"
    return fit_table(title, cols, rows, console.width)


@spectrum_app.command("check")
def check(
    file: str = typer.Argument(..., help="GeoJSON of emission notices and receivers ('-': stdin)"),
    agreement: Path | None = typer.Option(None, "--agreement", help="rules (TOML); defaults"),
    start: str | None = typer.Option(None, "--start", help="window start (default: first)"),
    end: str | None = typer.Option(None, "--end", help="window end (default: last emission)"),
    plot: Path | None = typer.Option(None, "--plot", help="write RECEIVER.png plots here"),
    as_json: bool = typer.Option(False, "--json", help="print JSON instead of a table"),
) -> None:
    """Aggregate I/N at each receiver from the other parties' emissions, offline.
    Exit 0: clear; 1: conflicts; 2: bad input."""
    with reported_errors():
        from ..model.agreement import load_agreement
        from ..model.spectrum_rules import SpectrumRules
        from ..service.spectrum import offline_check

        rules = load_agreement(agreement).spectrum if agreement else SpectrumRules()
        found, t0, t1 = offline_check(read_json_file(file, orjson.loads), rules, start, end)
    if plot is not None:
        from ..spectrum.plot import plot_png

        plot.mkdir(parents=True, exist_ok=True)
        for rid, timeline in found.timelines.items():
            path = plot / f"{''.join(c if c.isalnum() or c in '-_' else '_' for c in rid)}.png"
            path.write_bytes(plot_png(timeline, f"{rid}: aggregate I/N"))
            console.print(f"plot: {path}")
    if as_json:
        episodes = [e.to_json() for e in found.episodes]
        console.print_json(orjson.dumps({"conflicts": episodes}).decode())
    elif found.episodes:
        console.print(conflicts_table([e.to_json() for e in found.episodes]))
    else:
        console.print(f"[green]no interference[/] from {t0:%Y-%m-%d %H:%M} to {t1:%H:%M} UTC")
    if found.episodes:
        raise typer.Exit(EXIT_CONFLICTS)
