"""`interlock notice ...` and `interlock conflicts`: a party's client of the HTTP API."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from typing import Any

import orjson
import typer
from rich.table import Table

from ..errors import InterlockError
from ..model.agreement import Rules, agreement_from_dict
from ..model.timeutil import parse_utc
from .common import (
    Api,
    console,
    err_console,
    key_option,
    party_client,
    party_option,
    read_json_file,
    reported_errors,
    token_option,
    url_option,
)

notice_app = typer.Typer(help="File, list and cancel notices on a server.", no_args_is_help=True)


def _conflict_rows(title: str, conflicts: list[dict[str, Any]]) -> Table:
    table = Table(title=title)
    for col in (
        "id",
        "notice",
        "other",
        "parties",
        "severity",
        "window (UTC)",
        "horiz. m / min (or I/N)",
        "vert. m / min",
    ):
        table.add_column(col)
    for c in conflicts:
        if c.get("kind") == "interference":  # an emission notice at a protected receiver
            window = f"{c['start'][:16]} – {c['end'][11:16]}"
            horizontal = f"I/N {c['i_n_db']:.1f} dB / {c['criterion_db']:g}"
            vertical = "interference"
        else:
            window = f"{c['window_start'][:16]} – {c['window_end'][11:16]}"
            horizontal = f"{c['horizontal_distance_m']:,.0f} / {c['horizontal_minimum_m']:,.0f}"
            vertical = f"{c['vertical_gap_m']:,.0f} / {c['vertical_minimum_m']:,.0f}"
        table.add_row(
            str(c["id"]),
            c["a_id"],
            f"{c['b_kind']} {c['b_id']}",
            " / ".join(c["parties"]),
            c["severity"],
            window,
            horizontal,
            vertical,
        )
    return table


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
    the server's agreement and clock, and one bad feature (named `features[i].field`)
    files none (exit 2). With --key, each notice goes as an Ed25519-signed envelope of
    your party."""
    with reported_errors():
        from ..service.check import check_filable, features_of  # detection code: only here

        feats = features_of(read_json_file(file, orjson.loads), file)
        api = Api(url, token)
        if key is not None:  # checked (token, party, key) before the first is filed
            signer = party_client(url, token, party, key, need_key=True)
            post: Callable[[Any], Any] = signer.submit_notice
        else:

            def post(feat: Any) -> Any:
                return api.call(
                    "POST",
                    "/notices",
                    content=orjson.dumps(feat),
                    headers={"Content-Type": "application/json"},
                )

        check_filable(feats, _served_rules(api), _server_time(api))
        for n, feat in enumerate(feats):
            try:
                result = post(feat)
            except (typer.Exit, InterlockError):
                if n:
                    err_console.print(
                        f"features[{n}] was refused after {n} filed (above): the server "
                        "refused it for a reason only it could check",
                        highlight=False,
                    )
                raise
            props = result["notice"]["properties"]
            console.print(
                f"[bold]{props['id']}[/] filed ({props['domain']}, "
                f"{props['start']} – {props['end']})"
            )
            for v in result["violations"]:
                console.print(f"  [yellow]violation[/] {v['kind']}: {v['detail']}")
            if result["conflicts"]:
                console.print(_conflict_rows("conflicts", result["conflicts"]))


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
    """List notices you may see."""
    params = {k: v for k, v in {"bbox": bbox, "party": party, "status": status}.items() if v}
    with reported_errors():
        fc = Api(url, token).call("GET", "/notices", params=params)
    if as_json:
        console.print_json(orjson.dumps(fc).decode())
        return
    table = Table(title=f"{len(fc['features'])} notice(s)")
    for col in ("id", "party", "domain", "shape", "status", "start", "end", "band"):
        table.add_column(col)
    for f in fc["features"]:
        p = f["properties"]
        band = f"{p['lower_m']:,.0f}–{p['upper_m']:,.0f} m" if "lower_m" in p else ""
        table.add_row(
            p["id"], p["party"], p["domain"], p["shape"], p["status"], p["start"], p["end"], band
        )
    console.print(table)


@notice_app.command("cancel")
def cancel(notice_id: str, url: str = url_option(), token: str | None = token_option()) -> None:
    """Cancel one of your notices (kept on record; its conflicts close)."""
    with reported_errors():
        f = Api(url, token).call("POST", f"/notices/{notice_id}/cancel")
    console.print(f"[bold]{f['properties']['id']}[/] {f['properties']['status']}")


def conflicts(
    include_closed: bool = typer.Option(False, "--all", help="include closed conflicts"),
    as_json: bool = typer.Option(False, "--json"),
    url: str = url_option(),
    token: str | None = token_option(),
) -> None:
    """Conflicts involving your party, and every rule violation."""
    with reported_errors():
        api = Api(url, token)
        found = api.call("GET", "/conflicts", params={"include_closed": include_closed})
        violations = api.call("GET", "/violations")
    if as_json:
        console.print_json(orjson.dumps({"conflicts": found, "violations": violations}).decode())
        return
    console.print(_conflict_rows(f"{len(found)} conflict(s)", found))
    for v in violations:
        console.print(
            f"[yellow]violation[/] {v['kind']} {v['notice']['id']} ({v['party']}): {v['detail']}"
        )
