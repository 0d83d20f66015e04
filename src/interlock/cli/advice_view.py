"""Advice in the officer's words: one view for `check --advise` (offline) and
`conflicts advice N` (the server's `GET /conflicts/{id}/advice`).

Both give advice in the API's form (``kind``, ``change`` in numbers, ``late``, the
candidate ``feature`` as filed), so one table prints both: what changes ("delay 3 h 15
min", "up 16,000 ft", "move 5.9 NM on 265°", "radius 20.0 → 9.1 NM", "keep 78 % (984
km²)") and what the notice becomes (its new window, band or place), in the words of
``model.wording`` that the API's summaries use, and "late" where filing it now would be
a late notice. Kinds no change within the agreement's `[advice]` gives are listed with why.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from rich.console import Console
from rich.markup import escape
from rich.table import Table

from ..model.wording import advice_becomes, advice_change  # the API's summaries' words
from .readable import Col, fit_table

KIND_WORDS = {
    "delay": "delay",
    "advance": "advance",
    "level_up": "level up",
    "level_down": "level down",
    "offset": "move",
    "narrow": "narrow",
    "shrink": "shrink",
}


def advice_table(doc: dict[str, Any], now: datetime, width: int) -> Table:
    """One line a piece of advice: k (its number: `--apply` takes it or the kind), kind,
    the change, the new window/band/place, late."""
    cols = [
        Col("k", right=True),
        Col("advice"),
        Col("change"),
        Col("becomes", elastic=True),
        Col("late"),
    ]
    rows = [
        [
            str(i),
            KIND_WORDS.get(e["kind"], e["kind"]),
            escape(advice_change(e["kind"], e["change"])),
            escape(advice_becomes(e["kind"], e["feature"], e["change"], now)),
            "[yellow]late[/]" if e.get("late") else "",
        ]
        for i, e in enumerate(doc["advice"])
    ]
    n = doc["notice"]
    title = f"advice for {n['name']} ({n['id']} v{n['version']})"
    return fit_table(title, cols, rows, width)


def print_advice(doc: dict[str, Any], console: Console, now: datetime) -> None:
    """The advice for one notice: what it meets, each candidate, the kinds unavailable."""
    meets = ", ".join(f"{m['party']} {m['kind']} {m['name']}" for m in doc.get("meets", []))
    if doc["advice"]:
        console.print(advice_table(doc, now, console.width))
    else:
        n = doc["notice"]
        console.print(f"no advice for {n['name']} ({n['id']} v{n['version']})", markup=False)
    numbers = [c for c in doc.get("clears", []) if isinstance(c, int)]
    if meets:
        which = f" (conflicts {', '.join(map(str, numbers))})" if numbers else ""
        console.print(f"clears{which}: {meets}", highlight=False, markup=False)
    for u in doc.get("unavailable", []):
        word = KIND_WORDS.get(u["kind"], u["kind"])
        console.print(f"no {word}: {u['why']}", highlight=False, markup=False)
    if any(e.get("late") for e in doc["advice"]):
        console.print(
            "late: filed now, it would start sooner than the agreement's lead time",
            highlight=False,
            markup=False,
        )
