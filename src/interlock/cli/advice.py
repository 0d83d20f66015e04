"""`interlock conflicts advice N [--apply K]`: the server's advice for a conflict, and
amending your notice with one piece of it.

`conflicts` stays the listing (`conflicts [N] [--all]`); `advice` is its one sub-command,
so `ListByDefault` hands every other first argument to the listing.
"""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import orjson
import typer
from typer.core import TyperGroup

from ..model.wording import advice_change
from .advice_view import print_advice
from .common import (
    Api,
    console,
    fail,
    key_option,
    party_client,
    party_option,
    reported_errors,
    token_option,
    url_option,
)
from .notices import _conflict_rows

LISTING = "list"


class ListByDefault(TyperGroup):
    """A group whose first argument, unless it names a sub-command, goes to the listing:
    `conflicts`, `conflicts 12 --all` and `conflicts --help` read as before."""

    def parse_args(self, ctx: Any, args: list[str]) -> list[str]:  # typer's own click
        if not args or args[0] not in self.commands:
            args = [LISTING, *args]
        return super().parse_args(ctx, args)


def pick(doc: dict[str, Any], k: str) -> dict[str, Any]:
    """Advice `k` of the answer, by its number (as the table shows it) or its kind; exit 2
    naming --apply."""
    for i, entry in enumerate(doc["advice"]):
        if k in (str(i), str(entry["k"]), entry["kind"]):
            return entry
    offered = ", ".join(f"{i} ({e['kind']})" for i, e in enumerate(doc["advice"])) or "none"
    fail(f"--apply: no advice {k!r} for this conflict (offered: {offered})")


def advice(
    number: int = typer.Argument(..., help="the conflict's number, as `conflicts` lists it"),
    apply: str | None = typer.Option(
        None,
        "--apply",
        metavar="K",
        help="amend your notice with advice K (its number or kind: delay, level_up, ...)",
    ),
    as_json: bool = typer.Option(False, "--json", help="print the server's answer"),
    key: Path | None = key_option("the amendment (else the server amends unsigned)"),
    party: str | None = party_option(),
    url: str = url_option(),
    token: str | None = token_option(),
) -> None:
    """The smallest changes of your notice that clear conflict N and every other conflict
    of it at once: delay, advance, level, offset, narrowing, the clear part. With --apply
    K, file advice K as your notice's next version (signed with --key, as any amendment)."""
    with reported_errors():
        api = Api(url, token)
        doc = api.call("GET", f"/conflicts/{number}/advice")
        if apply is None:
            if as_json:
                console.print_json(orjson.dumps(doc).decode())
            else:
                print_advice(doc, console, datetime.now(UTC))
            return
        entry = pick(doc, apply)
        notice = doc["notice"]
        body: dict[str, Any] = {}
        if key is not None:  # the amendment envelope, as Client.amend_notice signs it
            with party_client(url, token, party, key, need_key=True) as signer:
                body = signer.signed_notice(entry["feature"], notice["id"], notice["version"] + 1)
        result = api.call(
            "POST",
            f"/notices/{notice['id']}/advice/{entry['k']}/apply",
            content=orjson.dumps(body),
            headers={"Content-Type": "application/json"},
        )
    if as_json:
        console.print_json(orjson.dumps(result).decode())
        return
    props = result["notice"]["properties"]
    applied = result.get("applied", {}).get("summary")
    summary = applied or advice_change(entry["kind"], entry["change"])
    console.print(
        f"{props['id']} amended to version {props['version']}: {summary}"
        + (" (signed)" if key is not None else ""),
        highlight=False,
        markup=False,
    )
    for v in result["violations"]:
        console.print(f"  violation {v['kind']}: {v['detail']}", highlight=False, markup=False)
    left = result["conflicts"]
    if left:
        console.print(_conflict_rows(f"{len(left)} conflict(s) left", left))
    else:
        console.print("no conflicts left", highlight=False, markup=False)
