"""`interlock tracks ...`: feed a receiver's output to the server, or replay a recording.

The lines go to the server as they are (POST /feeds/KIND, in batches); the server
decodes them, keeping decoder state between batches, so the CLI holds no picture of its
own. Replay paces a recording by the times in its lines (SBS date/time fields, Mode S
"TIME HEX" lines, AIS tag-block c: times) divided by --speed.
"""

from __future__ import annotations

from collections.abc import Iterable
from enum import StrEnum

import typer

from ..feeds.readers import paced
from .common import Api, console, reported_errors, token_option, url_option

tracks_app = typer.Typer(
    help="The live picture: ingest feeds, replay recordings.", no_args_is_help=True
)
BATCH_LINES = 2_000
BATCH_WAIT_S = 1.0


class Feed(StrEnum):
    ais = "ais"
    sbs = "sbs"
    modes = "modes"


def _post(api: Api, feed: str, lines: list[str]) -> dict[str, int]:
    result = api.call(
        "POST",
        f"/feeds/{feed}",
        content="\n".join(lines).encode("latin-1", "replace"),
        headers={"Content-Type": "text/plain"},
    )
    return {"reports": int(result["reports"]), "skipped": sum(result["skipped"].values())}


def _send_all(api: Api, feed: str, groups: Iterable[list[str]]) -> None:
    """Post each group of lines; print the totals (also after Ctrl-C)."""
    totals, lines = {"reports": 0, "skipped": 0}, 0
    try:
        for group in groups:
            got = _post(api, feed, group)
            lines += len(group)
            totals = {k: totals[k] + got[k] for k in totals}
    except KeyboardInterrupt:
        pass
    console.print(
        f"{lines:,} lines sent: {totals['reports']:,} reports, {totals['skipped']:,} skipped"
    )


@tracks_app.command("ingest")
def ingest(
    source: str = typer.Argument(
        ..., help="a file ('-': stdin; .gz read as such) or tcp://HOST:PORT"
    ),
    feed: Feed = typer.Option(..., "--feed", help="what the source speaks"),
    url: str = url_option(),
    token: str | None = token_option(),
) -> None:
    """Send a feed's lines to the server in batches (every 2,000 lines or 1 s)."""
    from ..feeds.readers import batched, open_source

    api = Api(url, token)
    with reported_errors():
        _send_all(api, feed.value, batched(open_source(source), BATCH_LINES, BATCH_WAIT_S))


@tracks_app.command("replay")
def replay_cmd(
    file: str = typer.Argument(..., help="a recording ('-': stdin; .gz read as such)"),
    feed: Feed = typer.Option(..., "--feed", help="what the recording holds"),
    speed: float = typer.Option(10.0, "--speed", min=0.001, help="times real time"),
    url: str = url_option(),
    token: str | None = token_option(),
) -> None:
    """Replay a recorded feed to the server at --speed times real time."""
    from ..feeds.readers import open_source

    api = Api(url, token)
    with reported_errors():
        _send_all(api, feed.value, paced(feed.value, list(open_source(file)), speed))
