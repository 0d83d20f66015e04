"""feeds.readers: file/stdin/.gz and TCP line sources, parser choice, batching, replay pacing."""

from __future__ import annotations

import gzip
import json
import socket
import threading
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from interlock.errors import InvalidInput
from interlock.feeds.ais import nmea_checksum
from interlock.feeds.readers import (
    LineBuffer,
    SourceUnavailable,
    TcpLines,
    batched,
    open_source,
    replay,
    reports_from,
)
from interlock.model.track import Skip, TrackReport

# Six real AIS sentences (pyais's sample.ais, from aishub.net), each a type 1 position.
AIS = [
    "!AIVDM,1,1,,A,13HOI:0P0000VOHLCnHQKwvL05Ip,0*23",
    "!AIVDM,1,1,,A,133sVfPP00PD>hRMDH@jNOvN20S8,0*7F",
    "!AIVDM,1,1,,B,100h00PP0@PHFV`Mg5gTH?vNPUIp,0*3B",
    "!AIVDM,1,1,,B,13eaJF0P00Qd388Eew6aagvH85Ip,0*45",
    "!AIVDM,1,1,,A,14eGrSPP00ncMJTO5C6aBwvP2D0?,0*7A",
    "!AIVDM,1,1,,A,15MrVH0000KH<:V:NtBLoqFP2H9:,0*2F",
]
MMSIS = ["227006760", "205448890", "786434", "249191000", "316013198", "366913120"]
T0 = datetime(2026, 11, 25, 12, 0, tzinfo=UTC)

# Mode S frames of AFR34ZG (ICAO 393322), as in test_modes: an even/odd airborne pair.
EVEN = "8d393322580940aa0a8e4d4f6250"
ODD = "8d3933225809741ea48a8152bbe7"
VELOCITY = "8d3933229914a182408c8a8bf9bb"


def tagged(line: str, epoch: int) -> str:
    tag = f"c:{epoch}"
    return f"\\{tag}*{nmea_checksum(tag):02X}\\{line}"


def ids(outputs: list) -> list[str]:
    return [r.track_id.removeprefix("mmsi:") for r in outputs if isinstance(r, TrackReport)]


# -- files ------------------------------------------------------------------------------------


def test_file_plain_crlf_and_comments(tmp_path: Path) -> None:
    p = tmp_path / "feed.nmea"
    p.write_bytes(("# header\r\n" + "\r\n".join(AIS) + "\r\n").encode())
    lines = list(open_source(str(p)))
    assert lines == ["# header", *AIS]
    assert ids(list(reports_from("ais", lines, received_at=T0))) == MMSIS


def test_file_gzip_by_content_not_name(tmp_path: Path) -> None:
    for name in ("feed.nmea.gz", "feed-no-suffix"):
        p = tmp_path / name
        p.write_bytes(gzip.compress(("\n".join(AIS) + "\n").encode()))
        out = list(reports_from("ais", open_source(str(p)), received_at=T0))
        assert ids(out) == MMSIS
        assert all(r.time == T0 for r in out)


def test_file_non_ascii_byte_is_a_skip_not_a_crash(tmp_path: Path) -> None:
    p = tmp_path / "feed.nmea"
    p.write_bytes(AIS[0].encode() + b"\n" + AIS[1].encode()[:-3] + b"\xff\xfe\n" + b"\n")
    out = list(reports_from("ais", open_source(str(p)), received_at=T0))
    assert ids(out) == MMSIS[:1]
    assert [type(r) for r in out] == [TrackReport, Skip]


def test_real_sample_file_when_present() -> None:
    p = Path(__file__).resolve().parents[3] / "shared" / "data" / "ais" / "sample.ais"
    if not p.exists():
        pytest.skip(f"shared AIS sample not present at {p}")
    out = list(reports_from("ais", open_source(str(p)), received_at=T0))
    assert sum(isinstance(r, TrackReport) for r in out) >= 6


def test_stdin_dash(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    p = tmp_path / "in"
    p.write_bytes(("\n".join(AIS[:2]) + "\n").encode())
    with p.open("rb") as raw:

        class FakeStdin:
            buffer = raw

        monkeypatch.setattr("sys.stdin", FakeStdin())
        assert list(open_source("-")) == AIS[:2]


def test_missing_file_and_bad_specs_raise_at_open(tmp_path: Path) -> None:
    with pytest.raises(SourceUnavailable, match=r"nope\.nmea"):
        open_source(str(tmp_path / "nope.nmea"))
    for bad in ("", "udp://host:1", "tcp://host", "tcp://:30003", "tcp://h:99999", "tcp://h:1/x"):
        with pytest.raises(InvalidInput):
            open_source(bad)


def test_truncated_gzip_is_a_clear_error(tmp_path: Path) -> None:
    p = tmp_path / "cut.gz"
    p.write_bytes(gzip.compress(("\n".join(AIS * 50) + "\n").encode())[:-30])
    with pytest.raises(SourceUnavailable, match=r"reading .*cut\.gz.* failed"):
        list(open_source(str(p)))


# -- TCP --------------------------------------------------------------------------------------


class Feed:
    """A local TCP server: each accepted connection is served the next script of chunks,
    sent with small pauses (so the reader sees odd recv() boundaries), then closed."""

    def __init__(self, scripts: list[list[bytes]]) -> None:
        self.scripts = scripts
        self.sock = socket.create_server(("127.0.0.1", 0))
        self.port = self.sock.getsockname()[1]
        self.accepted = 0
        self.hold = threading.Event()  # set: keep the last connection open until released
        self.release = threading.Event()
        self.thread = threading.Thread(target=self._serve, daemon=True)
        self.thread.start()

    def _serve(self) -> None:
        for i, script in enumerate(self.scripts):
            conn, _ = self.sock.accept()
            self.accepted += 1
            with conn:
                for chunk in script:
                    conn.sendall(chunk)
                    time.sleep(0.01)
                if i == len(self.scripts) - 1 and self.hold.is_set():
                    self.release.wait(5)
        self.sock.close()

    @property
    def spec(self) -> str:
        return f"tcp://127.0.0.1:{self.port}"


def split_odd(data: bytes, sizes: tuple[int, ...] = (1, 7, 3, 50, 2, 13)) -> list[bytes]:
    out, i, k = [], 0, 0
    while i < len(data):
        n = sizes[k % len(sizes)]
        out.append(data[i : i + n])
        i, k = i + n, k + 1
    return out


def test_tcp_odd_boundaries_drop_and_reconnect_lose_no_complete_line() -> None:
    first = ("\r\n".join(AIS[:3]) + "\r\n").encode() + AIS[3].encode()[:20]  # cut mid-line
    second = ("\n".join(AIS[3:]) + "\n").encode()
    feed = Feed([split_odd(first), split_odd(second)])
    src = open_source(feed.spec, retries=3, backoff_s=0.05)
    assert isinstance(src, TcpLines)
    lines: list[str] = []
    for line in src:
        lines.append(line)
        if len(lines) == len(AIS):
            break
    assert lines == AIS  # no complete line lost or doubled; the cut prefix was not passed on
    assert src.reconnects == 1
    assert src.partial_dropped == 1
    assert ids(list(reports_from("ais", lines, received_at=T0))) == MMSIS
    src.close()


def test_tcp_lost_for_good_raises_after_bounded_retries() -> None:
    feed = Feed([[AIS[0].encode() + b"\n"]])
    src = open_source(feed.spec, retries=2, backoff_s=0.02)
    t = time.monotonic()
    got = []
    with pytest.raises(SourceUnavailable, match="2 reconnect attempts failed"):
        for line in src:
            got.append(line)
    assert got == AIS[:1]
    assert time.monotonic() - t < 3


def test_tcp_connection_refused_is_a_quick_clear_error() -> None:
    s = socket.create_server(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()  # nothing listens there now
    t = time.monotonic()
    with pytest.raises(SourceUnavailable, match=f"tcp://127.0.0.1:{port}"):
        open_source(f"tcp://127.0.0.1:{port}")
    assert time.monotonic() - t < 2


def test_tcp_stop_event_ends_a_quiet_feed_cleanly() -> None:
    feed = Feed([[AIS[0].encode() + b"\n"]])
    feed.hold.set()  # keeps the connection open and silent after the line
    stop = threading.Event()
    src = open_source(feed.spec, stop=stop)
    assert next(src) == AIS[0]
    threading.Timer(0.1, stop.set).start()
    t = time.monotonic()
    assert list(src) == []
    assert time.monotonic() - t < 2
    feed.release.set()


def test_tcp_stop_callable_during_backoff() -> None:
    feed = Feed([[AIS[0].encode() + b"\n"]])
    flag = {"stop": False}
    src = open_source(feed.spec, stop=lambda: flag["stop"], retries=100, backoff_s=0.05)
    assert next(src) == AIS[0]
    threading.Timer(0.3, lambda: flag.update(stop=True)).start()
    t = time.monotonic()
    assert list(src) == []  # reconnects were refused; stop ended the backoff loop
    assert time.monotonic() - t < 2


def test_tcp_latin1_and_oversize_line_do_not_break_the_stream() -> None:
    big = b"x" * (70 * 1024)
    feed = Feed([[b"caf\xe9\n", big, big, b"tail\n" + AIS[0].encode() + b"\n"]])
    src = open_source(feed.spec, retries=0)
    assert [next(src), next(src)] == ["caf\u00e9", AIS[0]]
    assert src.oversize_dropped == 1
    src.close()


# -- parser choice ----------------------------------------------------------------------------


def test_reports_from_ais_tag_block_time_and_unknown_kind() -> None:
    out = list(reports_from("ais", [tagged(AIS[0], 1764072000)], received_at=T0))
    assert out[0].time == datetime.fromtimestamp(1764072000, UTC)
    with pytest.raises(InvalidInput, match="unknown feed kind"):
        reports_from("json", [])


def test_reports_from_sbs() -> None:
    line = (
        "MSG,3,1,1,4CA1FA,1,2026/11/25,12:00:00.000,2026/11/25,12:00:00.000,,"
        "35000,,,51.4700,-0.4543,,,0,0,0,0"
    )
    out = list(reports_from("sbs", [line, "", "SEL,,,"]))
    assert isinstance(out[0], TrackReport) and out[0].track_id == "icao:4ca1fa"
    assert isinstance(out[1], Skip)


def test_reports_from_modes_line_forms() -> None:
    t = 1_700_000_000.0
    iso = datetime.fromtimestamp(t + 2.57, UTC).isoformat()
    lines = [
        f"{t} {EVEN}",
        f"{iso} {ODD}",  # ISO time: the pair resolves a position
        f"*{VELOCITY.upper()};",  # AVR, timed by received_at
        json.dumps({"timestamp": t + 3, "frame": EVEN}),
        "",
        "# comment",
        f"notatime {EVEN}",
        "2026-11-25T12:00:00 " + EVEN,  # naive ISO: not guessed
        "a b c",
    ]
    at = datetime.fromtimestamp(t + 3, UTC)
    out = list(reports_from("modes", lines, received_at=at))
    reps = [r for r in out if isinstance(r, TrackReport)]
    assert any(r.lat is not None and abs(r.lat - 48.996) < 0.01 for r in reps)
    vel = [r for r in reps if r.speed_kt is not None]
    assert vel and vel[0].time == at and abs(vel[0].speed_kt - 160.9) < 0.1
    skips = {s.where: s.reason for s in out if isinstance(s, Skip)}
    assert skips["line 7"] == "bad_time"
    assert skips["line 8"] == "naive_time"
    assert skips["line 9"] == "malformed"


# -- batching ---------------------------------------------------------------------------------


class FakeClock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now

    def sleep(self, s: float) -> None:
        assert s > 0
        self.sleeps.append(s)
        self.now += s

    sleeps: list[float]


def test_batched_by_size() -> None:
    for background in (False, True):
        assert list(batched(range(7), 3, 60, background=background)) == [
            [0, 1, 2],
            [3, 4, 5],
            [6],
        ]
        assert list(batched([], 3, 60, background=background)) == []


def test_batched_by_time_with_fake_clock() -> None:
    clock = FakeClock()

    def items() -> Iterator[int]:
        for i, at in enumerate([0.0, 0.4, 0.9, 1.2, 1.3, 5.0]):
            clock.now = at
            yield i

    out = list(batched(items(), 100, 1.0, clock=clock, background=False))
    assert out == [[0, 1, 2, 3], [4, 5]]  # 3 arrives 1.2 s after 0; 5 arrives 3.7 s after 4


def test_batched_flushes_while_a_slow_source_is_blocked() -> None:
    def slow() -> Iterator[int]:
        for i in range(3):
            yield i
            time.sleep(0.4)

    seen: list[tuple[float, list[int]]] = []
    t = time.monotonic()
    for b in batched(slow(), 100, 0.05):
        seen.append((time.monotonic() - t, b))
    assert [b for _, b in seen] == [[0], [1], [2]]
    # each batch came out ~max_wait after its item, well before the next item (0.4 s later)
    assert seen[0][0] < 0.3


def test_batched_passes_source_errors_after_flushing() -> None:
    def bad() -> Iterator[int]:
        yield 1
        raise SourceUnavailable("lost")

    got = []
    with pytest.raises(SourceUnavailable):
        for b in batched(bad(), 10, 5):
            got.append(b)
    assert got == [[1]]
    with pytest.raises(ValueError):
        batched([], 0, 1)


# -- replay -----------------------------------------------------------------------------------


def rep(seconds: float, mmsi: str = "1") -> TrackReport:
    return TrackReport("ais", f"mmsi:{mmsi}", "sea", T0 + timedelta(seconds=seconds), 0.0, 0.0)


def test_replay_speed_10_sleeps_sum_to_span_over_10() -> None:
    clock = FakeClock()
    clock.sleeps = []
    reports = [rep(0), rep(10), rep(10), rep(30), rep(100)]
    out = list(replay(reports, 10, sleep=clock.sleep, clock=clock))
    assert out == reports
    assert clock.sleeps == pytest.approx([1.0, 2.0, 7.0])
    assert sum(clock.sleeps) == pytest.approx(10.0)


def test_replay_out_of_order_never_sleeps_negative_or_drifts() -> None:
    clock = FakeClock()
    clock.sleeps = []
    reports = [rep(0), rep(20), rep(10), Skip("bad_checksum", "line 4"), rep(5), rep(30)]
    out = list(replay(reports, 10, sleep=clock.sleep, clock=clock))
    assert out == reports
    assert clock.sleeps == pytest.approx([2.0, 1.0])  # the late ones go at once
    assert clock.now == pytest.approx(3.0)  # = span / speed


def test_replay_counts_processing_time_and_caps_gaps() -> None:
    clock = FakeClock()
    clock.sleeps = []
    got = []
    reports = [rep(0), rep(10), rep(3600), rep(3610)]
    for r in replay(reports, 1, clock.sleep, clock, max_sleep_s=60):
        got.append(r)
        clock.now += 0.5  # the consumer's own work counts against the wait
    assert got == reports
    assert clock.sleeps == pytest.approx([9.5, 60.0, 9.5])  # the hour gap cut to 60 s


def test_replay_rejects_bad_speed_and_inf_means_no_wait() -> None:
    for bad in (0, -1, float("nan")):
        with pytest.raises(InvalidInput):
            list(replay([rep(0)], bad))
    calls: list[float] = []
    assert len(list(replay([rep(0), rep(100)], float("inf"), sleep=calls.append))) == 2
    assert calls == []


# -- line joining (pure) ----------------------------------------------------------------------

line_text = st.text(
    alphabet=st.characters(min_codepoint=0, max_codepoint=255, blacklist_characters="\r\n"),
    max_size=40,
)


@given(
    lines=st.lists(line_text, max_size=20),
    cuts=st.lists(st.integers(min_value=0, max_value=2000), max_size=30),
    crlf=st.booleans(),
    tail=line_text,
)
def test_line_buffer_any_chunking_gives_the_same_lines(
    lines: list[str], cuts: list[int], crlf: bool, tail: str
) -> None:
    end = "\r\n" if crlf else "\n"
    data = "".join(x + end for x in lines).encode("latin-1") + tail.encode("latin-1")
    buf = LineBuffer()
    got: list[str] = []
    prev = 0
    for c in sorted({min(c, len(data)) for c in cuts} | {len(data)}):
        got += buf.feed(data[prev:c])
        prev = c
    assert got == lines
    assert buf.reset() == bool(tail)  # the unterminated tail is held, then dropped
    assert buf.feed(b"next\n") == ["next"]


def test_line_buffer_bounds_an_endless_line() -> None:
    buf = LineBuffer(max_bytes=10)
    assert buf.feed(b"ok\n" + b"y" * 25) == ["ok"]
    assert buf.feed(b"y" * 25) == []
    assert buf.feed(b"yy\nfine\n") == ["fine"]
    assert buf.oversize == 1


def test_tcp_idle_timeout_counts_as_a_drop() -> None:
    feed = Feed([[AIS[0].encode() + b"\n" + AIS[1].encode()[:9]]])
    feed.hold.set()  # connection stays open, silent
    src = open_source(feed.spec, retries=0, idle_timeout_s=0.3)
    assert next(src) == AIS[0]
    t = time.monotonic()
    with pytest.raises(SourceUnavailable, match="0 reconnect attempts"):
        next(src)
    assert 0.2 < time.monotonic() - t < 2
    assert src.stats == {"reconnects": 0, "partial_dropped": 1, "oversize_dropped": 0}
    feed.release.set()
