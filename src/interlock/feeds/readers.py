"""The I/O shell around the pure feed parsers: sources of lines, parser choice, batching, replay.

Readers only move text: `open_source` yields lines (no newline) from a file, stdin, a .gz
file or a TCP feed (`tcp://HOST:PORT`, as AIS receivers and dump1090's port 30003 serve
them); `reports_from` hands them to the parser of their format; parsing stays in
`feeds.ais`, `feeds.sbs` and `feeds.modes`. `batched` groups reports for posting, bounded in
size and in time, and `replay` paces recorded reports by their own timestamps.

Bytes are decoded as latin-1, which never fails: a stray non-ASCII byte reaches the parser
as an odd character and becomes a Skip there (bad checksum, not hex, ...), never a crash.

A TCP line cut by a dropped connection is discarded, not passed on (counted in
`TcpLines.partial_dropped`): a prefix of an SBS line can still hold 22 fields with the last
number cut short, so parsing it could make a wrong report rather than a Skip.
"""

from __future__ import annotations

import gzip
import math
import queue
import socket
import sys
import threading
import time
from collections.abc import Callable, Generator, Iterable, Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import IO, Any, Protocol, TypeVar
from urllib.parse import urlsplit

from interlock.errors import InvalidInput
from interlock.feeds import ais, modes, sbs
from interlock.feeds.ais import Clock, parse_ais
from interlock.feeds.modes import ModeSDecoder, decode_lines
from interlock.feeds.sbs import parse_sbs
from interlock.model.track import Skip, TrackReport

T = TypeVar("T")
Stop = Callable[[], bool] | threading.Event | None

KINDS = ("ais", "sbs", "modes")
GZIP_MAGIC = b"\x1f\x8b"
# A line longer than this is not a feed line (NMEA sentences are at most 82 characters,
# SBS lines ~150, tag blocks add < 100): the excess is discarded up to the next newline,
# so a peer that never sends one cannot grow the buffer without bound.
MAX_LINE_BYTES = 64 * 1024
POLL_S = 0.25  # how often a blocked read or a backoff wait looks at the stop signal


class SourceUnavailable(InvalidInput):
    """A feed source that cannot be opened or read: missing file, refused or lost TCP feed."""

    code = "source_unavailable"


def _stopper(stop: Stop) -> Callable[[], bool]:
    if stop is None:
        return lambda: False
    if isinstance(stop, threading.Event):
        return stop.is_set
    return stop


def _wait(seconds: float, stopped: Callable[[], bool], stop: Stop) -> bool:
    """Sleep up to `seconds`, waking early when stopped; True if stopped."""
    if isinstance(stop, threading.Event):
        return stop.wait(seconds)
    end = time.monotonic() + seconds
    while not stopped():
        left = end - time.monotonic()
        if left <= 0:
            return False
        time.sleep(min(left, POLL_S))
    return True


# -- sources ----------------------------------------------------------------------------------


def open_source(
    spec: str,
    *,
    stop: Stop = None,
    retries: int = 5,
    backoff_s: float = 0.5,
    max_backoff_s: float = 30.0,
    connect_timeout_s: float = 5.0,
    idle_timeout_s: float | None = None,
) -> Iterator[str]:
    """Lines from `spec`: a file path ('-' is stdin; gzip files are read transparently) or
    `tcp://HOST:PORT`. Opening happens now, so a missing file or a refused connection raises
    `SourceUnavailable` (an `InvalidInput` naming the spec) here, not at the first line.

    TCP only: after a drop the reader reconnects, waiting `backoff_s`, doubling up to
    `max_backoff_s`, at most `retries` failed attempts in a row (then `SourceUnavailable`);
    a connection silent for `idle_timeout_s` (None: wait forever) counts as dropped. `stop`
    (a callable or threading.Event) ends iteration cleanly within ~POLL_S.
    """
    if not isinstance(spec, str) or not spec:
        raise InvalidInput("empty source", field="source")
    if spec.startswith("tcp://"):
        host, port = _tcp_address(spec)
        return TcpLines(
            host,
            port,
            spec=spec,
            stop=stop,
            retries=retries,
            backoff_s=backoff_s,
            max_backoff_s=max_backoff_s,
            connect_timeout_s=connect_timeout_s,
            idle_timeout_s=idle_timeout_s,
        )
    if "://" in spec:
        raise InvalidInput(f"unsupported source {spec!r}: a file path, '-' or tcp://HOST:PORT")
    if spec == "-":
        return _lines(sys.stdin.buffer, spec, _stopper(stop), close=False)
    path = Path(spec)
    try:
        f: IO[bytes] | gzip.GzipFile = path.open("rb")
        if f.read(2) == GZIP_MAGIC:
            f.close()
            f = gzip.open(path, "rb")  # noqa: SIM115 (closed by _lines)
        else:
            f.seek(0)
    except OSError as e:
        raise SourceUnavailable(f"cannot open {spec!r}: {e.strerror or e}") from e
    return _lines(f, spec, _stopper(stop), close=True)


def _lines(
    f: IO[bytes] | gzip.GzipFile, spec: str, stopped: Callable[[], bool], *, close: bool
) -> Iterator[str]:
    try:
        for raw in f:
            if stopped():
                return
            yield raw.decode("latin-1").rstrip("\r\n")
    except (OSError, EOFError) as e:  # a truncated .gz, a read error mid-file
        raise SourceUnavailable(f"reading {spec!r} failed: {e}") from e
    finally:
        if close:
            f.close()


def _tcp_address(spec: str) -> tuple[str, int]:
    try:
        u = urlsplit(spec)
        host, port = u.hostname, u.port
    except ValueError as e:
        raise InvalidInput(f"bad TCP source {spec!r}: {e}", field="source") from e
    if not host or port is None or port == 0 or u.path not in ("", "/") or u.query:
        raise InvalidInput(f"bad TCP source {spec!r}: expected tcp://HOST:PORT", field="source")
    return host, port


class TcpLines:
    """Newline-terminated lines from a TCP feed, reconnecting on drops (see `open_source`).

    Lines split across recv() calls are joined; a partial line at a drop is discarded and
    counted in `partial_dropped`; `reconnects` counts successful reconnections.
    """

    def __init__(
        self,
        host: str,
        port: int,
        *,
        spec: str | None = None,
        stop: Stop = None,
        retries: int = 5,
        backoff_s: float = 0.5,
        max_backoff_s: float = 30.0,
        connect_timeout_s: float = 5.0,
        idle_timeout_s: float | None = None,
        recv_bytes: int = 65536,
    ) -> None:
        self.host, self.port = host, port
        self.spec = spec or f"tcp://{host}:{port}"
        self._stop = stop
        self._stopped = _stopper(stop)
        self.retries, self.backoff_s, self.max_backoff_s = retries, backoff_s, max_backoff_s
        self.connect_timeout_s, self.idle_timeout_s = connect_timeout_s, idle_timeout_s
        self.recv_bytes = recv_bytes
        self.reconnects = 0
        self.partial_dropped = 0
        self._lines = LineBuffer()
        self._sock: socket.socket | None = self._connect()  # first connect: fail fast
        self._gen = self._run()

    def __iter__(self) -> TcpLines:
        return self

    def __next__(self) -> str:
        return next(self._gen)

    def close(self) -> None:
        self._gen.close()
        self._drop()

    def _connect(self) -> socket.socket:
        try:
            s = socket.create_connection((self.host, self.port), timeout=self.connect_timeout_s)
        except OSError as e:
            why = e.strerror or type(e).__name__
            raise SourceUnavailable(f"cannot connect to {self.spec}: {why}") from e
        s.settimeout(POLL_S)
        return s

    def _drop(self) -> None:
        if self._sock is not None:
            try:
                self._sock.close()
            finally:
                self._sock = None

    def _reconnect(self) -> bool:
        """Connect again with backoff; False if stopped. Raises after `retries` failures."""
        delay, last = self.backoff_s, ""
        for _ in range(self.retries):
            if _wait(delay, self._stopped, self._stop):
                return False
            try:
                self._sock = self._connect()
            except SourceUnavailable as e:
                last = e.detail
                delay = min(delay * 2, self.max_backoff_s)
                continue
            self.reconnects += 1
            return True
        raise SourceUnavailable(
            f"lost {self.spec}; {self.retries} reconnect attempts failed ({last or 'no retries'})"
        )

    def _run(self) -> Generator[str, None, None]:
        buf = self._lines
        idle = 0.0
        try:
            while not self._stopped():
                if self._sock is None and not self._reconnect():
                    return
                assert self._sock is not None
                try:
                    data = self._sock.recv(self.recv_bytes)
                except TimeoutError:
                    idle += POLL_S
                    if self.idle_timeout_s is None or idle < self.idle_timeout_s:
                        continue
                    data = b""  # silent too long: treat as a drop
                except OSError:
                    data = b""  # reset by peer etc.
                idle = 0.0
                if not data:
                    if buf.reset():
                        self.partial_dropped += 1
                    self._drop()
                    continue
                yield from buf.feed(data)
        finally:
            self._drop()

    @property
    def oversize_dropped(self) -> int:
        return self._lines.oversize

    @property
    def stats(self) -> dict[str, int]:
        return {
            "reconnects": self.reconnects,
            "partial_dropped": self.partial_dropped,
            "oversize_dropped": self.oversize_dropped,
        }


class LineBuffer:
    """Bytes in arbitrary chunks -> complete lines (latin-1, without "\n" or "\r\n").

    Pure: no I/O. A line longer than `max_bytes` is discarded up to its newline and counted
    in `oversize`, so a peer that never sends a newline cannot grow memory without bound.
    """

    def __init__(self, max_bytes: int = MAX_LINE_BYTES) -> None:
        self.max_bytes = max_bytes
        self.oversize = 0
        self._buf = bytearray()
        self._skipping = False  # inside an oversize line: discard up to the next newline

    def feed(self, data: bytes) -> list[str]:
        buf = self._buf
        buf += data
        out: list[str] = []
        start = 0
        while (nl := buf.find(b"\n", start)) >= 0:
            if self._skipping:
                self._skipping = False
            else:
                out.append(buf[start:nl].decode("latin-1").rstrip("\r"))
            start = nl + 1
        del buf[:start]
        if len(buf) > self.max_bytes:
            if not self._skipping:
                self.oversize += 1
            buf.clear()
            self._skipping = True
        return out

    def reset(self) -> bool:
        """Forget any incomplete line (the connection dropped); True if there was one."""
        partial = bool(self._buf) or self._skipping
        self._buf.clear()
        self._skipping = False
        return partial


# -- parsing ----------------------------------------------------------------------------------


def _utc_now() -> datetime:
    return datetime.now(UTC)


def reports_from(
    kind: str,
    lines: Iterable[str],
    received_at: Clock = _utc_now,
    *,
    receiver: tuple[float, float] | str | None = None,
) -> Iterator[TrackReport | Skip]:
    """Reports and Skips from `lines` of one format: "ais" (NMEA, tag block c: times, else
    `received_at`), "sbs" (BaseStation port 30003; its own times) or "modes".

    "modes" lines take the forms `feeds.modes.decode_lines` reads (the API reads them
    there too); untimed ones are timed by `received_at`. `receiver` ((lat, lon) or an
    airport code) places surface positions (see `ModeSDecoder`).
    """
    if kind == "ais":
        return parse_ais(lines, received_at)
    if kind == "sbs":
        return parse_sbs(lines)
    if kind == "modes":
        return decode_lines(ModeSDecoder(receiver), lines, received_at)
    raise InvalidInput(f"unknown feed kind {kind!r}: one of {', '.join(KINDS)}", field="kind")


# -- batching and pacing ----------------------------------------------------------------------

_END = object()


def batched(
    items: Iterable[T],
    size: int,
    max_wait_s: float,
    *,
    clock: Callable[[], float] = time.monotonic,
    background: bool = True,
) -> Iterator[list[T]]:
    """Lists of at most `size` items, each flushed no later than `max_wait_s` after its
    first item arrived; the last partial list at the end; never an empty list.

    background=True reads `items` in a daemon thread, so a list is flushed on time even
    while the source is blocked (a quiet live feed). background=False reads in the caller's
    thread and checks the time only as items arrive (deterministic with a fake `clock`).
    Exceptions from `items` are re-raised in the caller.
    """
    if size < 1:
        raise ValueError("size must be >= 1")
    if not max_wait_s > 0:
        raise ValueError("max_wait_s must be > 0")
    if background:
        return _batched_thread(items, size, max_wait_s, clock)
    return _batched_pull(items, size, max_wait_s, clock)


def _batched_pull(
    items: Iterable[T], size: int, max_wait_s: float, clock: Callable[[], float]
) -> Iterator[list[T]]:
    batch: list[T] = []
    first = 0.0
    for item in items:
        if not batch:
            first = clock()
        batch.append(item)
        if len(batch) >= size or clock() - first >= max_wait_s:
            yield batch
            batch = []
    if batch:
        yield batch


def _batched_thread(
    items: Iterable[T], size: int, max_wait_s: float, clock: Callable[[], float]
) -> Iterator[list[T]]:
    q: queue.Queue[Any] = queue.Queue(maxsize=4 * size)
    done = threading.Event()

    def pump() -> None:
        try:
            for item in items:
                while not done.is_set():
                    try:
                        q.put(item, timeout=POLL_S)
                        break
                    except queue.Full:
                        continue
                if done.is_set():
                    return
            end: Any = _END
        except BaseException as e:  # handed to the consumer
            end = e
        while not done.is_set():
            try:
                q.put(end, timeout=POLL_S)
                return
            except queue.Full:
                continue

    threading.Thread(target=pump, name="interlock-batched", daemon=True).start()
    batch: list[T] = []
    first = 0.0
    try:
        while True:
            if batch:
                left = first + max_wait_s - clock()
                if left <= 0:
                    yield batch
                    batch = []
                    continue
                try:
                    item = q.get(timeout=left)
                except queue.Empty:
                    continue  # the deadline check above flushes
            else:
                item = q.get()
            if item is _END:
                break
            if isinstance(item, BaseException):
                if batch:
                    yield batch
                raise item
            if not batch:
                first = clock()
            batch.append(item)
            if len(batch) >= size:
                yield batch
                batch = []
        if batch:
            yield batch
    finally:
        done.set()


def replay(
    reports: Iterable[T],
    speed: float,
    sleep: Callable[[float], None] = time.sleep,
    clock: Callable[[], float] = time.monotonic,
    *,
    max_sleep_s: float | None = None,
) -> Iterator[T]:
    """Yield `reports` paced by their own `.time`: a report t seconds after the first comes
    t / speed seconds after it (speed 10: ten times real time; math.inf: no waiting).

    Pacing is against the first report's wall time (no drift from the time spent between
    yields). A report older than one already yielded (out of order) is yielded at once: no
    negative sleep, and the schedule is not pulled back. Items without a `time` (Skips) are
    yielded at once. `max_sleep_s` caps one wait (a gap in a recording) and shifts the
    schedule by what was cut.
    """
    if not (isinstance(speed, int | float) and speed > 0) or math.isnan(speed):
        raise InvalidInput(f"replay speed must be > 0, got {speed!r}", field="speed")
    t0: datetime | None = None
    w0 = 0.0
    for r in reports:
        t = getattr(r, "time", None)
        if isinstance(t, datetime) and math.isfinite(speed):
            if t0 is None:
                t0, w0 = t, clock()
            else:
                delay = w0 + (t - t0).total_seconds() / speed - clock()
                if max_sleep_s is not None and delay > max_sleep_s:
                    w0 -= delay - max_sleep_s
                    delay = max_sleep_s
                if delay > 0:
                    sleep(delay)
        yield r


class _LineTiming(Protocol):
    """What time a line of one format carries, and how to write one into it."""

    def line_time(self, line: str) -> float | None: ...
    def untimed(self, line: str) -> bool: ...
    def stamp(self, line: str, t: float) -> str: ...


# Each format's module owns what time a line carries and how to write one into it.
_TIMING: dict[str, _LineTiming] = {"ais": ais, "sbs": sbs, "modes": modes}


def _timing(feed: str) -> _LineTiming:
    try:
        return _TIMING[feed]
    except KeyError:
        raise InvalidInput(f"unknown feed kind {feed!r}: one of {', '.join(KINDS)}") from None


def line_time(feed: str, line: str) -> float | None:
    """The epoch time a line carries, if any (for pacing a replay)."""
    return _timing(feed).line_time(line)


def first_untimed(feed: str, lines: Iterable[str]) -> tuple[int | None, int | None]:
    """(number of the first line that would be timed by its arrival, number of the first
    line that carries its own time), 1-based, None for none; stops once both are known."""
    timing = _timing(feed)
    untimed_at: int | None = None
    timed_at: int | None = None
    for n, line in enumerate(lines, start=1):
        if untimed_at is None and timing.untimed(line):
            untimed_at = n
        elif timed_at is None and timing.line_time(line) is not None:
            timed_at = n
        if untimed_at is not None and timed_at is not None:
            break
    return untimed_at, timed_at


def stamped(feed: str, lines: Iterable[str], rate: float, start: float) -> Iterator[str]:
    """Lines of an untimed recording timed as recorded at `rate` lines a second: line k
    (0-based, every line counted) at epoch `start + k / rate`, in its format's way."""
    if not (rate > 0 and math.isfinite(rate)):
        raise InvalidInput(f"rate must be a finite number > 0, got {rate!r}", field="rate")
    stamp = _timing(feed).stamp
    for k, line in enumerate(lines):
        yield stamp(line, start + k / rate)


def paced(
    feed: str,
    lines: list[str],
    speed: float,
    sleep: Callable[[float], None] = time.sleep,
    clock: Callable[[], float] = time.monotonic,
    batch_lines: int = 2_000,
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
        if len(group) >= batch_lines:
            yield group
            group = []
    if group:
        yield group
