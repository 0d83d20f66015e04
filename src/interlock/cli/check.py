"""`interlock check PLAN --against NOTICES`: offline detection, no server."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import orjson
import typer
from rich.table import Table

from .common import ExitCode, console, read_json_file, reported_errors

if TYPE_CHECKING:  # detection (pyproj, shapely) loads only when `check` runs
    from ..model.conflict import Conflict

EXIT_CONFLICTS = ExitCode.FOUND


def conflicts_table(conflicts: list[Conflict]) -> Table:
    table = Table(title=f"{len(conflicts)} conflict(s)")
    for col in (
        "plan",
        "against",
        "severity",
        "window (UTC)",
        "horiz. m / min",
        "vert. m / min",
        "worst point",
    ):
        table.add_column(col)
    for c in conflicts:
        table.add_row(
            c.a.id,
            c.b.id,
            c.severity,
            f"{c.window_start:%Y-%m-%d %H:%M}–{c.window_end:%H:%M}",
            f"{c.horizontal_distance_m:,.0f} / {c.horizontal_minimum_m:,.0f}",
            f"{c.vertical_gap_m:,.0f} / {c.vertical_minimum_m:,.0f}",
            f"{c.worst_lat:.4f}, {c.worst_lon:.4f}",
        )
    return table


def check(
    plan: str = typer.Argument(..., help="GeoJSON Feature or FeatureCollection ('-': stdin)"),
    against: str = typer.Option(..., "--against", help="notices to check against (GeoJSON)"),
    agreement: Path | None = typer.Option(None, "--agreement", help="rules (TOML); defaults"),
    party: str = typer.Option("plan", "--party", help="the plan's party"),
    as_json: bool = typer.Option(False, "--json", help="print JSON instead of a table"),
) -> None:
    """Check a plan against notices offline. Exit 0: clear; 1: conflicts; 2: bad input."""
    with reported_errors():
        from ..model.agreement import Rules, load_agreement
        from ..service.check import check_plan

        rules = load_agreement(agreement).rules if agreement else Rules()
        found = check_plan(
            read_json_file(plan, orjson.loads), read_json_file(against, orjson.loads), rules, party
        )
    if as_json:
        console.print_json(orjson.dumps([c.to_dict() for c in found]).decode())
    elif found:
        console.print(conflicts_table(found))
    else:
        console.print("[green]no conflicts[/]")
    if found:
        raise typer.Exit(EXIT_CONFLICTS)
