"""`interlock check PLAN --against NOTICES`: offline detection, no server."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING

import orjson
import typer
from rich.markup import escape
from rich.table import Table

from .common import ExitCode, console, read_json_file, reported_errors
from .readable import Col, feet, fit_table, metres, nm, position, window

if TYPE_CHECKING:  # detection (pyproj, shapely) loads only when `check` runs
    from ..model.conflict import Conflict

EXIT_CONFLICTS = ExitCode.FOUND


def _closest(c: Conflict, *, minimum: bool = False) -> str:
    """'1.2 NM, 500 ft': feet where the vertical minimum is an air one (above 0), else m."""
    h = c.horizontal_minimum_m if minimum else c.horizontal_distance_m
    v = c.vertical_minimum_m if minimum else c.vertical_gap_m
    vertical = f"{feet(v)} ft" if c.vertical_minimum_m > 0 else f"{metres(v)} m"
    return f"{nm(h)} NM, {vertical}"


def conflicts_table(conflicts: list[Conflict]) -> Table:
    """One line a conflict at the console's width: the two notices by label, the window
    (UTC), how close they come (NM, and ft or m) and where it is worst (degrees and
    minutes); the minima follow the table."""
    now = datetime.now(UTC)
    cols = [
        Col("plan", elastic=True),
        Col("against", elastic=True),
        Col("severity"),
        Col("window (UTC)"),
        Col("closest"),
        Col("worst at"),
    ]
    rows = [
        [
            escape(c.a.id),
            escape(c.b.id),
            c.severity,
            window(c.window_start, c.window_end, now),
            _closest(c),
            position(c.worst_lat, c.worst_lon),
        ]
        for c in conflicts
    ]
    minima = sorted({_closest(c, minimum=True) for c in conflicts})
    caption = "minima: " + "; ".join(minima) if minima else None
    table = fit_table(f"{len(conflicts)} conflict(s)", cols, rows, console.width)
    table.caption = caption
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
