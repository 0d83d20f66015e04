"""`interlock tracks ...`: feed a receiver's output to the server, or replay a recording.

The lines go to the server as they are (POST /feeds/KIND, in batches); the server
decodes them, keeping decoder state between batches, so the CLI holds no picture of its
own. Replay paces a recording by the times in its lines (SBS date/time fields, Mode S
"TIME HEX" lines, AIS tag-block c: times) divided by --speed.
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable, Iterable, Iterator
from datetime import UTC, datetime
from enum import StrEnum

import typer

from .common import Api, console, reported_errors, token_option, url_option

tracks_app = typer.Typer(
    help="The live picture: ingest feeds, replay recordings.", no_args_is_help=True
)
BATCH_LINES = 2_000
BATCH_WAIT_S = 1.0
_TAG_TIME = re.compile(r"(?:^\\|,)c:(\d+)")


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


def line_time(feed: str, line: str) -> float | None:
    """The epoch time a line carries, if any (for pacing a replay)."""
    from ..feeds.ais import MS_THRESHOLD
    from ..feeds.readers import frame_time

    try:
        if feed == "sbs":
            f = line.split(",")
            stamp = datetime.strptime(f"{f[6]} {f[7]}", "%Y/%m/%d %H:%M:%S.%f")
            return stamp.replace(tzinfo=UTC).timestamp()
        if feed == "modes":
            at = frame_time(line.split()[0])
            return None if at is None or at.tzinfo is None else at.timestamp()
        found = _TAG_TIME.search(line)
        if found:
            value = int(found.group(1))
            return value / 1000 if value > MS_THRESHOLD else float(value)
    except (IndexError, ValueError):
        return None
    return None


def paced(
    feed: str,
    lines: list[str],
    speed: float,
    sleep: Callable[[float], None] = time.sleep,
    clock: Callable[[], float] = time.monotonic,
) -> Iterator[list[str]]:
    """Lines grouped by when they are due: a line's time over `speed` after the first
    line's; lines without a time go with the line before them."""
    start_wall, start_t = clock(), None
    group: list[str] = []
    for line in lines:
        t = line_time(feed, line)
        if t is not None:
            start_t = t if start_t is None else start_t
            due = start_wall + max(0.0, t - start_t) / speed
            if group and due - clock() > 0.05:
                yield group
                group = []
            wait = due - clock()
            if wait > 0:
                sleep(wait)
        group.append(line)
        if len(group) >= BATCH_LINES:
            yield group
            group = []
    if group:
        yield group


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
