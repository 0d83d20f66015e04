"""`interlock notice ...` and `interlock conflicts`: a party's client of the HTTP API."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import orjson
import typer
from rich.markup import escape
from rich.table import Table

from ..model.agreement import Rules, agreement_from_dict
from ..model.timeutil import parse_utc
from .common import (
    Api,
    console,
    fail,
    key_option,
    party_client,
    party_option,
    read_json_file,
    reported_errors,
    token_option,
    url_option,
)
from .names import NAME_FIELDS, NOTICE_LIMIT, Names, notice_name
from .readable import (
    Col,
    band,
    feet,
    fit_table,
    hhmm,
    metres,
    nm,
    position,
    relative,
    resolve,
    window,
)

notice_app = typer.Typer(help="File, list and cancel notices on a server.", no_args_is_help=True)


def _air_pair(c: dict[str, Any], names: Names | None) -> bool:
    """Whether the vertical separation reads in feet: an air notice (or asset) in the pair;
    a sea pair reads in metres. Without names, feet where the vertical minimum is an air
    one (above 0: the sea's default is 0, a mixed pair takes the larger)."""
    if names is None:
        return bool(c["vertical_minimum_m"] > 0)
    domains = set()
    for side in ("a", "b"):
        feature = names.notices.get(c[f"{side}_id"])
        domains.add(feature["properties"]["domain"] if feature is not None else "air")
    return "air" in domains


def _separation(c: dict[str, Any], names: Names | None, *, minimum: bool = False) -> str:
    """'1.2 NM, 500 ft' (with minimum: the pair's minima) or 'I/N 49.3 dB' (interference)."""
    if c.get("kind") == "interference":
        return f"{c['criterion_db']:g} dB" if minimum else f"I/N {c['i_n_db']:.1f} dB"
    h, v = (
        ("horizontal_minimum_m", "vertical_minimum_m")
        if minimum
        else (
            "horizontal_distance_m",
            "vertical_gap_m",
        )
    )
    vertical = f"{feet(c[v])} ft" if _air_pair(c, names) else f"{metres(c[v])} m"
    return f"{nm(c[h])} NM, {vertical}"


def _side(c: dict[str, Any], side: str, names: Names | None, me: str | None) -> str:
    ident, kind, party = c[f"{side}_id"], c[f"{side}_kind"], c[f"{side}_party"]
    label = names.label(kind, ident) if names is not None else ident
    return label if party == me else f"{party} {label}"


def _conflict_rows(
    title: str,
    conflicts: list[dict[str, Any]],
    names: Names | None = None,
    *,
    me: str | None = None,
    with_status: bool = False,
) -> Table:
    """One line a conflict at the console's width: your side and the other by name (or
    short id), the window (UTC) and how close they come (NM and ft or m, or I/N)."""
    now = datetime.now(UTC)
    mine_first = []
    for c in conflicts:
        flip = me is not None and c["a_party"] != me and c["b_party"] == me
        mine_first.append((c, ("b", "a") if flip else ("a", "b")))
    cols = [
        Col("#", right=True),
        Col("severity"),
        Col("yours" if me else "notice", elastic=True),
        Col("theirs" if me else "other", elastic=True),
        Col("window (UTC)"),
        Col("closest"),
    ]
    if with_status:
        cols.append(Col("status"))
    rows = []
    for c, (first, second) in mine_first:
        start = c["window_start"] if "window_start" in c else c["start"]
        end = c["window_end"] if "window_end" in c else c["end"]
        row = [
            str(c["id"]),
            c["severity"],
            _side(c, first, names, me),
            _side(c, second, names, me),
            window(start, end, now),
            _separation(c, names),
        ]
        if with_status:
            row.append("open" if c.get("closed_at") is None else "closed")
        rows.append(row)
    return fit_table(title, cols, rows, console.width)


def _minima(conflicts: list[dict[str, Any]], names: Names) -> str:
    """The minima behind the 'closest' column, once each: 'minima: 5.0 NM, 1,000 ft'."""
    seen: list[str] = []
    for c in conflicts:
        text = _separation(c, names, minimum=True)
        text = f"I/N {text}" if c.get("kind") == "interference" else text
        if text not in seen:
            seen.append(text)
    return "minima: " + "; ".join(seen) if seen else ""


@notice_app.command("submit")
def submit(
    file: str = typer.Argument(..., help="GeoJSON Feature or FeatureCollection ('-': stdin)"),
    key: Path | None = key_option("each notice (an envelope the record proves)"),
    party: str | None = party_option(),
    url: str = url_option(),
    token: str | None = token_option(),
) -> None:
    """File every notice in FILE; print each one's id, conflicts and violations.

    A FeatureCollection is filed all or nothing: every feature is checked first, against
    the server's agreement and clock, then all go in one request the server files in one
    transaction; one bad feature (named `features[i].field`) files none (exit 2). With
    --key, each notice goes as an Ed25519-signed envelope of your party."""
    with reported_errors():
        from ..service.check import check_filable, features_of  # detection code: only here

        feats = features_of(read_json_file(file, orjson.loads), file)
        api = Api(url, token)
        if key is not None:  # checked (token, party, key) before anything is filed
            signer = party_client(url, token, party, key, need_key=True)
            one: Callable[[Any], Any] = signer.submit_notice
            many: Callable[[list[Any]], Any] = signer.submit_notices
        else:

            def one(feat: Any) -> Any:
                return _post(api, "/notices", feat)

            def many(bodies: list[Any]) -> Any:
                collection = {"type": "FeatureCollection", "features": bodies}
                return _post(api, "/notices/collection", collection)

        check_filable(feats, _served_rules(api), _server_time(api))
        # More than one: the server files them all or none (a refusal names features[i]).
        results = [one(feats[0])] if len(feats) == 1 else many(feats)["results"]
        print_filed(results)


def _post(api: Api, path: str, body: Any) -> Any:
    return api.call(
        "POST", path, content=orjson.dumps(body), headers={"Content-Type": "application/json"}
    )


def _served_rules(api: Api) -> Rules:
    """The rules of the agreement the server serves (what it will judge by)."""
    served = api.call("GET", "/agreement")
    return agreement_from_dict({"parties": served["parties"], "rules": served["rules"]}).rules


def _server_time(api: Api) -> datetime:
    """The server's clock (`GET /health`), which judges every notice time."""
    return parse_utc(api.call("GET", "/health")["time"], "time")


@notice_app.command("list")
def list_notices(
    bbox: str | None = typer.Option(None, help="min_lon,min_lat,max_lon,max_lat"),
    party: str | None = typer.Option(None, help="only this party's notices"),
    status: str | None = typer.Option(None, help="submitted, active, ended or cancelled"),
    as_json: bool = typer.Option(False, "--json", help="print the GeoJSON"),
    url: str = url_option(),
    token: str | None = token_option(),
) -> None:
    """List notices you may see: short id, party, callsign (or unit, purpose), status,
    window (UTC) and band as filed (FL or ft for air, metres deep for sea)."""
    params = {k: v for k, v in {"bbox": bbox, "party": party, "status": status}.items() if v}
    with reported_errors():
        api = Api(url, token)
        fc = api.call("GET", "/notices", params=params)
        names = None if as_json else Names(api)
    if as_json or names is None:
        console.print_json(orjson.dumps(fc).decode())
        return
    now = datetime.now(UTC)
    cols = [
        Col("id"),
        Col("party"),
        Col("callsign / name", elastic=True),
        Col("status"),
        Col("window (UTC)"),
        Col("band"),
    ]
    rows = []
    for f in fc["features"]:
        p = f["properties"]
        rows.append(
            [
                names.short.get(p["id"], p["id"]),
                p["party"],
                notice_name(p) or "-",
                p["status"],
                window(p["start"], p["end"], now),
                band(p),
            ]
        )
    console.print(fit_table(f"{len(rows)} notice(s)", cols, rows, console.width))
    legend = names.legend({f["properties"]["party"] for f in fc["features"]})
    if legend:
        console.print(legend, highlight=False, markup=False)


def _notice_id(api: Api, prefix: str, argument: str = "NOTICE_ID") -> str:
    fc = api.call("GET", "/notices", params={"limit": NOTICE_LIMIT})
    return resolve(prefix, (f["properties"]["id"] for f in fc["features"]), argument, "notice")


def _area(geometry: dict[str, Any], props: dict[str, Any]) -> str:
    """Where a notice is, in words: a circle's centre and radius, else its vertices' span."""
    coords = geometry["coordinates"]
    if geometry["type"] == "Point":
        lon, lat = coords[:2]
        radius = f"{nm(props['radius_m'])} NM around " if "radius_m" in props else "at "
        return radius + position(lat, lon)
    points = coords[0] if geometry["type"] == "Polygon" else coords
    first, last = points[0], points[-1]
    what = {"Polygon": "polygon from", "LineString": "line from"}.get(geometry["type"], "from")
    extra = f", {nm(props['half_width_m'])} NM either side" if "half_width_m" in props else ""
    if props.get("shape") == "orbit":
        extra = f", orbit radius {nm(props['radius_m'])} NM"
    return (
        f"{what} {position(first[1], first[0])} to {position(last[1], last[0])} "
        f"({len(points)} points{extra})"
    )


@notice_app.command("show")
def show(
    notice_id: str = typer.Argument(..., help="a notice id or a unique prefix of one"),
    url: str = url_option(),
    token: str | None = token_option(),
) -> None:
    """One notice in words: who, what, when (UTC), where and the band as filed."""
    with reported_errors():
        api = Api(url, token)
        full = _notice_id(api, notice_id)
        f = api.call("GET", f"/notices/{full}")
        parties = {p["id"]: p["name"] for p in api.call("GET", "/agreement")["parties"]}
    p, now = f["properties"], datetime.now(UTC)
    lines = [
        f"notice {p['id']} version {p['version']} ({p['status']})",
        f"party     {p['party']} ({parties.get(p['party'], p['party'])})",
    ]
    for key in (*NAME_FIELDS, "remarks", "activity"):
        if p.get(key):
            lines.append(f"{key:<9} {p[key]}")
    lines += [
        f"domain    {p['domain']}, {p['shape']}",
        f"start     {hhmm(p['start'], now)} UTC ({relative(p['start'], now)})",
        f"end       {hhmm(p['end'], now)} UTC ({relative(p['end'], now)})",
        f"band      {band(p)}",
        f"area      {_area(f['geometry'], p)}",
    ]
    for line in lines:
        console.print(line, highlight=False, markup=False)


@notice_app.command("cancel")
def cancel(
    notice_id: str = typer.Argument(..., help="a notice id or a unique prefix of one"),
    url: str = url_option(),
    token: str | None = token_option(),
) -> None:
    """Cancel one of your notices (kept on record; its conflicts close)."""
    with reported_errors():
        api = Api(url, token)
        full = _notice_id(api, notice_id)
        f = api.call("POST", f"/notices/{full}/cancel")
    console.print(f"[bold]{f['properties']['id']}[/] {f['properties']['status']}")


def conflicts(
    number: int | None = typer.Argument(None, help="one conflict's number: show it in full"),
    include_closed: bool = typer.Option(
        False, "--all", help="include closed conflicts (with a status column)"
    ),
    as_json: bool = typer.Option(False, "--json"),
    url: str = url_option(),
    token: str | None = token_option(),
) -> None:
    """Conflicts involving your party, and every rule violation; `conflicts N` shows
    conflict N in full; `conflicts advice N [--apply K]` what clears it."""
    with reported_errors():
        api = Api(url, token)
        wanted = include_closed or number is not None
        found = api.call("GET", "/conflicts", params={"include_closed": wanted})
        violations = api.call("GET", "/violations")
        names = None if as_json else Names(api)
        me = None if as_json else str(api.call("GET", "/me")["id"])
    if number is not None:
        one = next((c for c in found if c["id"] == number), None)
        if one is None:
            fail(f"NUMBER: no conflict {number} involves your party")
        if as_json or names is None:
            console.print_json(orjson.dumps(one).decode())
        else:
            _show_conflict(one, names)
        return
    if as_json or names is None:
        console.print_json(orjson.dumps({"conflicts": found, "violations": violations}).decode())
        return
    title = f"{len(found)} conflict(s) of {me}"
    console.print(_conflict_rows(title, found, names, me=me, with_status=include_closed))
    for v in violations:
        ref = v["notice"]["id"]
        label = names.notice_name(ref)
        what = f"{label} ({names.short.get(ref, ref)})" if label else names.short.get(ref, ref)
        console.print(
            f"[yellow]violation[/] {v['kind']}: {v['party']}'s {escape(what)}: "
            f"{escape(v['detail'])}",
            highlight=False,
        )
    for line in (_minima(found, names), names.legend({p for c in found for p in c["parties"]})):
        if line:
            console.print(line, highlight=False, markup=False)


def _show_conflict(c: dict[str, Any], names: Names) -> None:
    """One conflict in words: both sides by name and id, when, how close, where."""
    now = datetime.now(UTC)
    status = "open" if c.get("closed_at") is None else f"closed ({c.get('closed_reason')})"
    lines = [f"conflict {c['id']}: {c['severity']} {c.get('kind', 'separation')}, {status}"]
    for side, role in (("a", "notice"), ("b", "other")):
        ident, kind = c[f"{side}_id"], c[f"{side}_kind"]
        lines.append(
            f"{role:<9} {c[f'{side}_party']} {kind} {names.label(kind, ident)} "
            f"({ident} v{c[f'{side}_version']})"
        )
    start = c["window_start"] if "window_start" in c else c["start"]
    end = c["window_end"] if "window_end" in c else c["end"]
    lines.append(f"window    {window(start, end, now)} UTC (starts {relative(start, now)})")
    limit = "criterion" if c.get("kind") == "interference" else "minimum"
    lines.append(
        f"closest   {_separation(c, names)} ({limit} {_separation(c, names, minimum=True)})"
    )
    if "worst_lat" in c:
        lines.append(f"worst at  {position(c['worst_lat'], c['worst_lon'])}")
    if c.get("kind") == "exposure":
        lines.append(f"hazard    {c['hazard']}; {round(c['time_to_exit_s'] / 60)} min to leave")
    legend = names.legend(set(c["parties"]))
    for line in [*lines, legend] if legend else lines:
        console.print(line, highlight=False, markup=False)


def print_filed(results: list[dict[str, Any]]) -> None:
    """Each notice filed: its id, callsign (or domain) and window, then its violations of
    the rules and its conflicts."""
    for result in results:
        props = result["notice"]["properties"]
        console.print(
            f"[bold]{props['id']}[/] filed ({props.get('callsign') or props['domain']}, "
            f"{props['start']} – {props['end']})"
        )
        for v in result["violations"]:
            console.print(f"  [yellow]violation[/] {v['kind']}: {v['detail']}")
        if result["conflicts"]:
            console.print(_conflict_rows("conflicts", result["conflicts"]))
