"""`interlock tracks ...`: feed a receiver's output to the server, or replay a recording.

The lines go to the server as they are (POST /feeds/KIND, in batches); the server
decodes them, keeping decoder state between batches, so the CLI holds no picture of its
own. Replay paces a recording by the times in its lines (SBS date/time fields, Mode S
"TIME HEX" lines, AIS tag-block c: times) divided by --speed.

A live source (stdin, tcp://) is timed by arrival: the server stamps what it receives. A
file is not: read at once, every untimed line would get one arrival time and a moving
object would seem to jump. So a file whose lines carry no time (each format's module says
what that means: `untimed`) is refused unless `--rate N` says how many lines a second it
was recorded at; line k of n is then stamped T - (n-1-k)/N, T being when the command
starts: a recording is of the past, and the server refuses lines dated ahead of its clock.
"""

from __future__ import annotations

import time
from collections.abc import Iterable, Iterator
from enum import StrEnum

import typer

from ..errors import InvalidInput
from ..feeds.readers import first_untimed, open_source, paced, stamped
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


def _rate_option() -> float | None:
    return typer.Option(
        None,
        "--rate",
        min=0.001,
        help="for a file without timestamps: lines a second as recorded (line k of n is "
        "stamped start - (n-1-k)/N: the recording ends as the command starts)",
    )


def is_file(source: str) -> bool:
    """A file path (not '-' for stdin, not a tcp:// feed, both timed by arrival)."""
    return source != "-" and "://" not in source


def timed_lines(source: str, feed: str, rate: float | None, command: str) -> Iterator[str]:
    """The source's lines, stamped at `rate` when given; a file of untimed lines without
    `rate`, or `rate` for a file whose lines carry their own times, is refused here
    (before anything is sent) as InvalidInput."""
    if not is_file(source):
        if rate is not None:
            raise InvalidInput(f"--rate is for files: {source!r} is timed by arrival")
        return open_source(source)
    untimed_at, timed_at = first_untimed(feed, open_source(source))
    if rate is None and untimed_at is not None:
        raise InvalidInput(
            f"{source} has no timestamps (line {untimed_at} carries none), so every line "
            f"would get one arrival time: give --rate N (lines a second as recorded; line k "
            f"is stamped k/N after the first, the last at the command's start)"
            + (", or use `tracks replay --rate N`" if command == "ingest" else "")
        )
    if rate is not None and timed_at is not None:
        raise InvalidInput(
            f"{source} has its own timestamps (line {timed_at}): --rate is for files without"
        )
    if rate is None:
        return open_source(source)
    # The recording ends as the command starts: stamped from then on, a fast `ingest`
    # (or a `replay --speed` above 1) would send lines dated in the future, which the
    # server refuses ("future_time", model.track.FUTURE_SKEW).
    count = sum(1 for _ in open_source(source))
    return stamped(feed, open_source(source), rate, time.time() - max(count - 1, 0) / rate)


@tracks_app.command("ingest")
def ingest(
    source: str = typer.Argument(
        ..., help="a file ('-': stdin; .gz read as such) or tcp://HOST:PORT"
    ),
    feed: Feed = typer.Option(..., "--feed", help="what the source speaks"),
    rate: float | None = _rate_option(),
    url: str = url_option(),
    token: str | None = token_option(),
) -> None:
    """Send a feed's lines to the server in batches (every 2,000 lines or 1 s)."""
    from ..feeds.readers import batched

    api = Api(url, token)
    with reported_errors():
        lines = timed_lines(source, feed.value, rate, "ingest")
        _send_all(api, feed.value, batched(lines, BATCH_LINES, BATCH_WAIT_S))


@tracks_app.command("replay")
def replay_cmd(
    file: str = typer.Argument(..., help="a recording ('-': stdin; .gz read as such)"),
    feed: Feed = typer.Option(..., "--feed", help="what the recording holds"),
    speed: float = typer.Option(10.0, "--speed", min=0.001, help="times real time"),
    rate: float | None = _rate_option(),
    url: str = url_option(),
    token: str | None = token_option(),
) -> None:
    """Replay a recorded feed to the server at --speed times real time."""
    api = Api(url, token)
    with reported_errors():
        lines = list(timed_lines(file, feed.value, rate, "replay"))
        _send_all(api, feed.value, paced(feed.value, lines, speed))
