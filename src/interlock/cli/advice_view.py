"""Advice in the officer's words: one view for `check --advise` (offline) and
`conflicts advice N` (the server's `GET /conflicts/{id}/advice`).

Both give advice in the API's form (``kind``, ``change`` in numbers, ``late``, the
candidate ``feature`` as filed), so one table prints both: what changes ("delay 3 h 15 min",
"+16,000 ft", "5.9 NM on 265°", "radius 20.0 → 9.1 NM", "kept 78 % (984 km²)"), what the
notice becomes (its new window, band or place), and "late" where filing it now would be
a late notice. Kinds no change within the agreement's `[advice]` gives are listed with why.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from rich.console import Console
from rich.markup import escape
from rich.table import Table

from ..geo.units import M_PER_NM
from ..model.wording import duration, figure  # the API's summaries' own words
from .readable import Col, band, fit_table, nm, position, window

KIND_WORDS = {
    "delay": "delay",
    "advance": "advance",
    "level_up": "level up",
    "level_down": "level down",
    "offset": "move",
    "narrow": "narrow",
    "shrink": "shrink",
}


def change_words(entry: dict[str, Any]) -> str:
    """What one piece of advice changes, from its `change` numbers."""
    c, kind = entry["change"], entry["kind"]
    if "delay_s" in c:
        return f"delay {duration(c['delay_s'])}"
    if "advance_s" in c:
        return f"advance {duration(c['advance_s'])}"
    if "shift_ft" in c:
        return f"{c['shift_ft']:+,.0f} ft"
    if "shift_m" in c:  # + is up: shallower
        return f"{abs(c['shift_m']):,.0f} m {'shallower' if c['shift_m'] > 0 else 'deeper'}"
    if "bearing_deg" in c:
        return f"{nm(c['distance_nm'] * M_PER_NM)} NM on {c['bearing_deg']:03.0f}°"
    if "from_m" in c:
        return f"{c['width']} {nm(c['from_m'])} → {nm(c['to_m'])} NM"
    if "kept_fraction" in c:
        return f"kept {figure(c['kept_fraction'] * 100)} % ({figure(c['area_km2'])} km²)"
    return KIND_WORDS.get(kind, kind)


def _centre(geometry: dict[str, Any]) -> tuple[float, float]:
    """(lat, lon) of a feature's geometry: a point's own, else its vertices' mean."""
    coords = geometry["coordinates"]
    if geometry["type"] == "Point":
        return coords[1], coords[0]
    points = coords[0][:-1] if geometry["type"] == "Polygon" else coords
    return (
        sum(p[1] for p in points) / len(points),
        sum(p[0] for p in points) / len(points),
    )


def new_words(entry: dict[str, Any], now: datetime) -> str:
    """What the notice becomes in the dimension advice changes: window, band or place."""
    kind, feature = entry["kind"], entry["feature"]
    props = feature["properties"]
    if kind in ("delay", "advance"):
        return f"{window(props['start'], props['end'], now)} UTC"
    if kind in ("level_up", "level_down"):
        return band(props)
    if kind == "offset":
        lat, lon = _centre(feature["geometry"])
        return f"centre {position(lat, lon)}"
    if kind == "narrow":
        return f"{entry['change']['width']} {nm(entry['change']['to_m'])} NM"
    ring = feature["geometry"]["coordinates"][0]
    return f"polygon of {len(ring) - 1} points"


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
            escape(change_words(e)),
            escape(new_words(e, now)),
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
