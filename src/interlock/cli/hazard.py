"""`interlock hazard add | list | retire`: report and read third-party weapon engagement
zones on a server (issue 15)."""

from __future__ import annotations

from typing import Any

import orjson
import typer
from rich import box
from rich.table import Table

from ..model.timeutil import parse_utc
from .common import Api, console, fail, read_json_file, reported_errors, token_option, url_option
from .readable import resolve, short_ids

# Display only (the band is stored and checked in feet AMSL): from this altitude up the
# table reads as flight levels, the US transition altitude (FAA 14 CFR 91.121).
FL_FROM_FT = 18_000
GAP = 2  # between columns: the box's divider and one space of padding
ID_WIDTH = 18  # at most "h-" and 16 hex digits (service.hazards): kept whole, to copy

hazard_app = typer.Typer(
    help="Report, list and retire hazards (third parties' weapon engagement zones).",
    no_args_is_help=True,
)


@hazard_app.command("add")
def add(
    file: str = typer.Argument(..., help="GeoJSON Feature or FeatureCollection ('-': stdin)"),
    url: str = url_option(),
    token: str | None = token_option(),
) -> None:
    """Report every hazard in FILE. Each is checked here first: a bad one names its index
    and nothing is sent. Each is then its own report (a refusal by the server stops
    there; the ones before it stay reported and are listed)."""
    from ..errors import InterlockError
    from ..model.hazard import parse_hazard  # geometry code: load it only here
    from ..service.check import features_of

    with reported_errors():
        feats = features_of(read_json_file(file, orjson.loads), file)
    for i, feat in enumerate(feats):
        try:
            parse_hazard(feat)
        except InterlockError as exc:
            fail(f"{file} features[{i}] {exc.detail} (nothing was sent)")
    api = Api(url, token)
    done: list[str] = []
    for i, feat in enumerate(feats):
        with reported_errors():
            r = api.http.post(
                "/hazards",
                content=orjson.dumps(feat),
                headers={"Content-Type": "application/json"},
            )
        if r.status_code >= 400:
            reported = f"; reported before it: {', '.join(done)}" if done else ""
            fail(f"{file} features[{i}] server refused ({r.status_code}) {_detail(r)}{reported}")
        p = r.json()["properties"]
        done.append(p["id"])
        console.print(f"[bold]{p['id']}[/] reported: {p['name']} ({_range_km(p)} km)")


def _detail(r: Any) -> str:
    try:
        body = r.json()
        return f"{body.get('error')}: {body.get('detail')}"
    except ValueError:
        return str(r.text[:500])


def _range_km(p: dict[str, Any]) -> str:
    return f"{p['range_m'] / 1000:,.0f}" if p["range_m"] >= 10_000 else f"{p['range_m'] / 1000:g}"


def _band(p: dict[str, Any]) -> str:
    """Feet AMSL as reported; from FL_FROM_FT up in hundreds of feet, as FLxxx."""

    def one(ft: float) -> str:
        return f"FL{ft / 100:03.0f}" if ft >= FL_FROM_FT else f"{ft:,.0f}"

    lo, hi = one(p["alt_min_ft"]), one(p["alt_max_ft"])
    return f"{lo}–{hi}" + ("" if hi.startswith("FL") else " ft")


def _windows(hot: list[dict[str, Any]]) -> str:
    """Each hot window in UTC to the minute: 'MM-DD HH:MM–HH:MM', the end marked '+N'
    when it falls N days later."""
    lines = []
    for h in hot:
        start, end = parse_utc(h["from"], "from"), parse_utc(h["to"], "to")
        days = (end.date() - start.date()).days
        later = f"+{days}" if days else ""
        lines.append(f"{start:%m-%d %H:%M}–{end:%H:%M}{later}")
    return "\n".join(lines) or "-"


@hazard_app.command("list")
def list_hazards(
    include_retired: bool = typer.Option(False, "--all", help="include retired hazards"),
    as_json: bool = typer.Option(False, "--json", help="print the GeoJSON"),
    url: str = url_option(),
    token: str | None = token_option(),
) -> None:
    """List the hazards every party sees, with the windows they are hot (UTC)."""
    with reported_errors():
        fc = Api(url, token).call("GET", "/hazards", params={"include_retired": include_retired})
    if as_json:
        console.print_json(orjson.dumps(fc).decode())
        return
    rows = []
    short = short_ids(f["properties"]["id"] for f in fc["features"])  # as `hazard retire` takes
    for f in fc["features"]:
        p = f["properties"]
        name = p["name"] + ("" if p["retired_at"] is None else " (retired)")
        rows.append(
            (
                f"{name}\n{short[p['id']]}",
                p["operator"],
                p["weapon"] or "-",
                _range_km(p),
                _band(p),
                p["party"],
                _windows(p["hot"]),
            )
        )

    def widest(i: int, header: str) -> int:  # no_wrap columns are kept whole: never cut
        return max([len(header), *(len(line) for r in rows for line in r[i].splitlines())])

    # The fixed columns (no_wrap) are kept whole; the text columns share what is left of
    # the console's width (rich alone would crop the last column to fit).
    fixed = [(3, "km"), (4, "band"), (5, "by"), (6, "hot (UTC)")]
    widths = {i: widest(i, h) for i, h in fixed}
    left = console.width - sum(widths.values()) - GAP * 6
    text_w = max(5, min(14, (left - ID_WIDTH) // 2))  # operator, weapon
    name_w = max(ID_WIDTH, left - 2 * text_w)
    title = f"{len(rows)} hazard(s); by: the reporting party"
    table = Table(title=title, box=box.SIMPLE_HEAD, pad_edge=False, padding=(0, 0, 0, GAP - 1))
    table.add_column("name / id", overflow="fold", width=min(name_w, widest(0, "name / id")))
    table.add_column("operator", overflow="fold", width=min(text_w, widest(1, "operator")))
    table.add_column("weapon", overflow="fold", width=min(text_w, widest(2, "weapon")))
    for i, header in fixed:
        table.add_column(
            header, justify="right" if i == 3 else "left", no_wrap=True, width=widths[i]
        )
    for row in rows:
        table.add_row(*row)
    console.print(table)


@hazard_app.command("retire")
def retire(
    hazard_id: str = typer.Argument(..., help="a hazard id or a unique prefix of one"),
    url: str = url_option(),
    token: str | None = token_option(),
) -> None:
    """Retire a hazard your party reported (kept on record)."""
    with reported_errors():
        api = Api(url, token)
        fc = api.call("GET", "/hazards", params={"include_retired": True})
        ids = (h["properties"]["id"] for h in fc["features"])
        full = resolve(hazard_id, ids, "HAZARD_ID", "hazard")
        f = api.call("POST", f"/hazards/{full}/retire")
    console.print(f"[bold]{f['properties']['id']}[/] retired at {f['properties']['retired_at']}")
