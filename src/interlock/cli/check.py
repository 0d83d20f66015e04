"""`interlock check PLAN --against NOTICES`: offline detection, no server."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

import orjson
import typer
from rich.markup import escape
from rich.table import Table

from ..errors import InvalidInput
from .advice_view import print_advice
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
    advise: bool = typer.Option(
        False,
        "--advise",
        help="for each plan notice in conflict, the smallest changes that clear it of all "
        "the notices at once (the agreement's [advice]; now: this machine's UTC clock)",
    ),
    advise_out: Path | None = typer.Option(
        None,
        "--advise-out",
        help="with --advise: write the candidate notices, as filed, to FILE (a GeoJSON "
        "FeatureCollection; each feature's property `advice` is its kind)",
    ),
) -> None:
    """Check a plan against notices offline. Exit 0: clear; 1: conflicts; 2: bad input."""
    docs: list[dict[str, Any]] = []
    with reported_errors():
        from ..model.advice_rules import AdviceRules
        from ..model.agreement import Rules, load_agreement
        from ..service.check import advise_plan, check_plan

        if advise_out is not None and not advise:
            raise InvalidInput("needs --advise", field="--advise-out")
        loaded = load_agreement(agreement) if agreement else None
        rules = loaded.rules if loaded else Rules()
        plan_doc = read_json_file(plan, orjson.loads)
        against_doc = read_json_file(against, orjson.loads)
        if advise:
            rules_of_advice = loaded.advice if loaded else AdviceRules()
            now = datetime.now(UTC)
            found, docs = advise_plan(plan_doc, against_doc, rules, rules_of_advice, now, party)
            if advise_out is not None:
                write_candidates(advise_out, docs)
        else:
            found = check_plan(plan_doc, against_doc, rules, party)
    if as_json:
        body: Any = [c.to_dict() for c in found]
        if advise:
            body = {"conflicts": body, "advice": docs}
        console.print_json(orjson.dumps(body).decode())
    elif found:
        console.print(conflicts_table(found))
        now = datetime.now(UTC)
        for doc in docs:
            print_advice(doc, console, now)
    else:
        console.print("[green]no conflicts[/]")
    if found:
        raise typer.Exit(EXIT_CONFLICTS)


def write_candidates(path: Path, docs: list[dict[str, Any]]) -> None:
    """Every candidate notice as a FeatureCollection a planner can file as it is: each
    feature as filed, with `advice` (its kind) and `advice_for` (the plan notice)."""
    features = [
        {
            **e["feature"],
            "properties": {
                **e["feature"]["properties"],
                "advice": e["kind"],
                "advice_for": doc["notice"]["id"],
            },
        }
        for doc in docs
        for e in doc["advice"]
    ]
    body = orjson.dumps({"type": "FeatureCollection", "features": features})
    try:
        path.write_bytes(body)
    except OSError as exc:
        raise InvalidInput(f"cannot write: {exc.strerror}", field="--advise-out") from None
