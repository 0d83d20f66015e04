"""`interlock scenario run DIR`: play a scenario on a simulated clock and print what the
record says, in time order (service.scenario_player)."""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path

import orjson
import typer
from rich.table import Table

from ..service.scenario_player import DEFAULT_LIMITS, Happening, Player, play
from ..store import open_store
from .common import console, reported_errors

scenario_app = typer.Typer(
    help="Replay recorded scenarios through the real services.", no_args_is_help=True
)


def _about(h: Happening, player: Player) -> str:
    """The happening's subjects by name (callsigns, hazard and notice names)."""
    ids = h.ids
    parts = [player.label(t) for t in ids.get("tracks", [])]
    parts += [player.label(ids[k]) for k in ("a", "b") if k in ids]
    if "notice" in ids:
        parts.append(f"notice {player.label(ids['notice'])}")
    if "hazard" in ids:
        parts.append(f"hazard: {player.label(ids['hazard'])}")
    if "required_s" in ids and "lead_time_s" in ids:
        parts.append(
            f"warning {ids['lead_time_s'] / 60:.0f} min, needs {ids['required_s'] / 60:.0f}"
        )
    if "detail" in ids:
        parts.append(str(ids["detail"]))
    return " / ".join(parts)


def _table(player: Player, happenings: list[Happening]) -> Table:
    table = Table(title=f"scenario {player.scenario.directory.name}: what interlock reported")
    for col in ("UTC", "what", "parties"):
        table.add_column(col, no_wrap=True)
    table.add_column("about")
    for h in happenings:
        severity = h.ids.get("severity")
        table.add_row(
            h.time.strftime("%Y-%m-%d %H:%M:%S"),
            f"{h.kind} {h.record} {h.event}" + (f" ({severity})" if severity else ""),
            ", ".join(h.parties),
            _about(h, player),
        )
    return table


def _json_line(h: Happening) -> None:
    sys.stdout.buffer.write(orjson.dumps(h.to_dict()) + b"\n")
    sys.stdout.buffer.flush()


@scenario_app.command("run")
def run(
    directory: Path = typer.Argument(..., help="a scenario directory (see its README)"),
    as_json: bool = typer.Option(False, "--json", help="JSON lines, one per happening"),
    db: str | None = typer.Option(
        None, help="an EMPTY store file or URL to keep the run in (default: a temp SQLite)"
    ),
) -> None:
    """Play a scenario (agreement, hazards, notices with filing times, recorded tracks) on
    a simulated clock through the real services and store; print every conflict,
    violation and alert raised or cleared, in time order. Limits: a scenario spans at most
    48 h and holds at most 1,000,000 track reports; exit 2 on a bad scenario (naming the
    file and the feature or row)."""
    limits = DEFAULT_LIMITS
    with tempfile.TemporaryDirectory(prefix="interlock-scenario-") as tmp, reported_errors():
        store = open_store(db or Path(tmp) / "scenario.db")
        try:
            player, happenings = play(directory, store, _json_line if as_json else None, limits)
        finally:
            store.close()
    if as_json:
        return
    console.print(_table(player, happenings))
    s = player.stats
    console.print(
        f"{len(happenings)} happenings; {s['filings']} filings, {s['reports']} track reports "
        f"({s['skipped']} skipped), {s['ticks']} ticks of {player.scenario.tick_s:g} s",
        highlight=False,
    )
