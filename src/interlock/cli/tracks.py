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

import os
import time
from collections.abc import Callable, Iterable, Iterator
from datetime import UTC, datetime
from enum import StrEnum
from typing import Any

import typer
from rich.progress import (
    BarColumn,
    DownloadColumn,
    Progress,
    TaskID,
    TextColumn,
    TimeElapsedColumn,
    TransferSpeedColumn,
)

from ..errors import InvalidInput
from ..feeds.readers import first_untimed, line_time, open_source, paced, stamped
from .common import Api, console, err_console, fail, reported_errors, token_option, url_option

tracks_app = typer.Typer(
    help="The live picture: ingest feeds, replay recordings.", no_args_is_help=True
)
BATCH_LINES = 2_000
BATCH_WAIT_S = 1.0


class Feed(StrEnum):
    ais = "ais"
    sbs = "sbs"
    modes = "modes"


# How the CLI words the server's skip reasons (`feeds/*.py` name them); others are shown
# as named, underscores as spaces.
SKIP_WORDS = {
    "not_ais": "not AIS sentences",
    "not_msg": "not SBS MSG lines",
    "not_hex": "not Mode S hex frames",
    "not_text": "not text",
    "malformed": "malformed (not this feed's line format)",
    "duplicate": "duplicates of reports already sent",
    "bad_checksum": "bad checksums",
    "future_time": "dated ahead of the server's clock",
    "bad_time": "with a bad time",
    "no_position": "without a position",
}


def skip_reasons(skipped: dict[str, int]) -> str:
    """'28 not AIS sentences, 2 bad checksums': the reasons, most frequent first."""
    ranked = sorted(skipped.items(), key=lambda kv: (-kv[1], kv[0]))
    return ", ".join(f"{n:,} {SKIP_WORDS.get(k, k.replace('_', ' '))}" for k, n in ranked)


def _post(api: Api, feed: str, lines: list[str]) -> tuple[int, dict[str, int]]:
    result = api.call(
        "POST",
        f"/feeds/{feed}",
        content="\n".join(lines).encode("latin-1", "replace"),
        headers={"Content-Type": "text/plain"},
    )
    return int(result["reports"]), {k: int(v) for k, v in result["skipped"].items()}


def _progress(quiet: bool, *columns: object) -> Progress:
    """A progress display on stderr: off with --quiet or when stderr is not a terminal."""
    return Progress(
        *columns,  # type: ignore[arg-type]
        console=err_console,
        disable=quiet or not err_console.is_terminal,
        transient=False,
    )


Sent = Callable[[list[str], int], None]  # after each group: the group, its reports


def _send_all(api: Api, feed: str, groups: Iterable[list[str]], on_sent: Sent) -> None:
    """Post each group of lines; print the totals (also after Ctrl-C). A source that sent
    lines of which none was read (every one skipped: the wrong --feed?) exits 2 with the
    reasons counted."""
    reports, skipped, lines = 0, dict[str, int](), 0
    try:
        for group in groups:
            got, why = _post(api, feed, group)
            lines += len(group)
            reports += got
            for k, n in why.items():
                skipped[k] = skipped.get(k, 0) + n
            on_sent(group, got)
    except KeyboardInterrupt:
        pass
    n_skipped = sum(skipped.values())
    reasons = f": {skip_reasons(skipped)}" if n_skipped else ""
    console.print(
        f"{lines:,} lines sent: {reports:,} reports, {n_skipped:,} skipped{reasons}",
        highlight=False,
        soft_wrap=True,
    )
    if lines and not reports and n_skipped:
        fail(f"every line was skipped ({skip_reasons(skipped)}): is --feed {feed} right?")


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


def _as_is(lines: Iterator[str]) -> Iterator[str]:
    return lines


def timed_lines(
    source: str,
    feed: str,
    rate: float | None,
    command: str,
    tap: Callable[[Iterator[str]], Iterator[str]] = _as_is,
) -> Iterator[str]:
    """The source's lines, stamped at `rate` when given; a file of untimed lines without
    `rate`, or `rate` for a file whose lines carry their own times, is refused here
    (before anything is sent) as InvalidInput. `tap` sees the lines as read (before any
    stamp): the progress display counts their bytes."""
    if not is_file(source):
        if rate is not None:
            raise InvalidInput(f"--rate is for files: {source!r} is timed by arrival")
        return tap(open_source(source))
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
        return tap(open_source(source))
    # The recording ends as the command starts: stamped from then on, a fast `ingest`
    # (or a `replay --speed` above 1) would send lines dated in the future, which the
    # server refuses ("future_time", model.track.FUTURE_SKEW).
    count = sum(1 for _ in open_source(source))
    return stamped(feed, tap(open_source(source)), rate, time.time() - max(count - 1, 0) / rate)


def source_bytes(source: str) -> int | None:
    """The bytes a file source holds as read: its size, or a gzip file's uncompressed size
    (its ISIZE trailer, RFC 1952 §2.3.1: modulo 2^32); None for stdin or TCP."""
    if not is_file(source):
        return None
    try:
        size = os.path.getsize(source)
        with open(source, "rb") as f:
            if f.read(2) != b"\x1f\x8b" or size < 18:
                return size
            f.seek(-4, os.SEEK_END)
            return int.from_bytes(f.read(4), "little")
    except OSError:
        return None


def _quiet_option() -> Any:
    return typer.Option(
        False, "--quiet", "-q", help="no progress display (it is off when stderr is no terminal)"
    )


@tracks_app.command("ingest")
def ingest(
    source: str = typer.Argument(
        ..., help="a file ('-': stdin; .gz read as such) or tcp://HOST:PORT"
    ),
    feed: Feed = typer.Option(..., "--feed", help="what the source speaks"),
    rate: float | None = _rate_option(),
    quiet: bool = _quiet_option(),
    url: str = url_option(),
    token: str | None = token_option(),
) -> None:
    """Send a feed's lines to the server in batches (every 2,000 lines or 1 s), with a
    progress bar on stderr (by bytes of the file). Every line skipped: exit 2, the reasons
    counted."""
    from ..feeds.readers import batched

    api = Api(url, token)
    with reported_errors(), _progress(
        quiet,
        TextColumn("ingest"),
        BarColumn(),
        DownloadColumn(),
        TransferSpeedColumn(),
        TextColumn("{task.fields[reports]:,} reports"),
        TimeElapsedColumn(),
    ) as progress:
        task = progress.add_task("ingest", total=source_bytes(source), reports=0)

        def counted(lines: Iterator[str]) -> Iterator[str]:
            for line in lines:
                yield line
                progress.advance(task, len(line) + 1)

        reports = [0]

        def on_sent(group: list[str], got: int) -> None:
            reports[0] += got
            progress.update(task, reports=reports[0])

        lines = timed_lines(source, feed.value, rate, "ingest", counted)
        _send_all(api, feed.value, batched(lines, BATCH_LINES, BATCH_WAIT_S), on_sent)


def _replay_time(feed: str, group: list[str]) -> str | None:
    """The recording's time at the end of a group (its last timed line), UTC."""
    for line in reversed(group):
        t = line_time(feed, line)
        if t is not None:
            return datetime.fromtimestamp(t, UTC).strftime("%Y-%m-%d %H:%M:%SZ")
    return None


@tracks_app.command("replay")
def replay_cmd(
    file: str = typer.Argument(..., help="a recording ('-': stdin; .gz read as such)"),
    feed: Feed = typer.Option(..., "--feed", help="what the recording holds"),
    speed: float = typer.Option(10.0, "--speed", min=0.001, help="times real time"),
    rate: float | None = _rate_option(),
    quiet: bool = _quiet_option(),
    url: str = url_option(),
    token: str | None = token_option(),
) -> None:
    """Replay a recorded feed to the server at --speed times real time, with a live line
    on stderr: lines and reports sent, lines a second, the recording's time."""
    api = Api(url, token)
    with reported_errors():
        lines = list(timed_lines(file, feed.value, rate, "replay"))
    with reported_errors(), _progress(
        quiet,
        TextColumn("replay"),
        BarColumn(),
        TextColumn("{task.completed:,}/{task.total:,} lines"),
        TextColumn("{task.fields[reports]:,} reports sent"),
        TextColumn("{task.fields[rate]} lines/s"),
        TextColumn("at {task.fields[at]}"),
        TimeElapsedColumn(),
    ) as progress:
        task: TaskID = progress.add_task("replay", total=len(lines), reports=0, rate="-", at="-")
        started, reports = time.monotonic(), [0]

        def on_sent(group: list[str], got: int) -> None:
            reports[0] += got
            progress.advance(task, len(group))
            done = progress.tasks[0].completed
            elapsed = max(time.monotonic() - started, 1e-6)
            at = _replay_time(feed.value, group) or progress.tasks[0].fields["at"]
            progress.update(task, reports=reports[0], rate=f"{done / elapsed:,.0f}", at=at)
            progress.refresh()  # a line as each group goes, not only at the timer's tick

        _send_all(api, feed.value, paced(feed.value, lines, speed), on_sent)
