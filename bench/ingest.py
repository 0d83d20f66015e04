"""Ingest benchmark: feed lines per second into the track picture, one core, in process.

Per feed, two timings over the same lines:

- *parse-only* (the baseline): the decoder alone, every output consumed, no picture:
  AIS ``AisDecoder.feed`` per line; Mode S the service's own "TIME HEX" line loop
  (``feeds.modes.decode_lines``: split, time, ``ModeSDecoder.feed``); SBS ``parse_sbs``.
- *end to end*: ``TrackService.ingest_lines(party, feed, batch)`` in batches of 2,000
  lines (what ``interlock tracks ingest`` posts and the server runs per HTTP batch, less
  HTTP): decode + ``Picture.apply`` + counting + ``Picture.expire``, on a fresh service.

Workloads (``--lines`` each, default 200,000):

- *AIS*: the real NMEA sentences of ``../shared/data/ais/`` (pyais's samples, MIT; the
  feed's checksum-bad, non-AIS and comment lines included: they are real input too),
  repeated with the MMSI rewritten in each copy's payload (bits 8-37, NMEA checksum
  recomputed) so the picture holds copies x ships tracks. Copies are interleaved message by
  message (multi-sentence groups kept together), and the service's clock advances 0.5 s / copies
  a call, so a sample line is received every 0.5 s (the samples then show no impossible
  jumps) and a ship's reports arrive as far apart as in the samples. Skipped with a message
  when ``../shared`` is absent.
- *Mode S*: the real rs1090 capture of the ``traffic`` wheel (57,793 frames of flight
  AFR34ZG, all downlink formats; fetched with pip into ~/.cache/interlock-test-data as the
  feed tests do). The 80 min flight is cut into 120 s segments, each flown by its own ICAO
  address (DF17 address rewritten, CRC recomputed; other DFs kept as received) and shifted
  onto one common 120 s window, the whole repeated with further addresses (and a small time
  offset) until ``--lines``; lines merged in time order as "EPOCH HEX". Every aircraft keeps
  its own frames in their order, so CPR pairs and local decoding stay consistent.
- *SBS*: synthetic BaseStation lines of 2,000 aircraft flying straight (cruise and
  climbing/descending) over the eastern Mediterranean, about one line each per second:
  MSG,3 positions (55 %), MSG,4 velocities (25 %), MSG,5/7 altitude (15 %), MSG,1 callsigns
  (5 %), in dump1090's 22-field layout.

``python bench/ingest.py --quick``: a smoke test (20,000 lines a feed, a few seconds).
``--profile FEED`` runs cProfile over that feed's end-to-end path and prints the top
functions. ``--strict`` makes a missed target exit 1.
"""

from __future__ import annotations

import argparse
import cProfile
import gc
import io
import json
import math
import os
import platform
import pstats
import random
import subprocess
import sys
import time
import zipfile
from collections import Counter
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from rich.console import Console
from rich.table import Table

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))

from interlock.feeds.ais import AisDecoder, nmea_checksum  # noqa: E402
from interlock.feeds.modes import ModeSDecoder, decode_lines  # noqa: E402
from interlock.feeds.sbs import parse_sbs  # noqa: E402
from interlock.model.agreement import agreement_from_dict  # noqa: E402
from interlock.service.tracks import TrackService  # noqa: E402

AIS_DIR = ROOT.parent / "shared" / "data" / "ais"
TRAFFIC, WHEEL = "traffic==2.13", "traffic-2.13-py3-none-any.whl"
SAMPLE = "traffic/data/samples/rs1090/full_flight_short.jsonl"
BATCH = 2_000  # lines per ingest_lines call (the CLI's batch)
TARGETS = {"ais": 50_000.0, "modes": 50_000.0}  # lines/s end to end (issue 4)
PARTY = "blue"


# ---- AIS ------------------------------------------------------------------------------


def _armor_to_bits(payload: str) -> list[int]:
    out = []
    for ch in payload:
        v = ord(ch) - 48
        if v > 40:
            v -= 8
        out.append(v)
    return out


def _bits_to_armor(vals: list[int]) -> str:
    return "".join(chr(v + 48 if v < 40 else v + 56) for v in vals)


def _with_mmsi(sentence: str, k: int) -> str:
    """The sentence with its MMSI (payload bits 8-37) moved to copy k's, checksum redone.

    Only first fragments carry the MMSI; others, empty payloads and non-AIS lines are
    returned as they are (their checksum stays what it was, bad or good)."""
    if k == 0:
        return sentence
    prefix, bang, rest = sentence.partition("!")
    if not bang or "*" not in rest:
        return sentence
    body, _, chk = rest.rpartition("*")
    try:
        good = int(chk[:2], 16) == nmea_checksum(body)
    except ValueError:
        return sentence
    f = body.split(",")
    if len(f) < 7 or f[2] != "1" or len(f[5]) < 7:
        return sentence
    six = _armor_to_bits(f[5][:7])  # 42 bits: type 6, repeat 2, MMSI 30, 4 more
    word = 0
    for v in six:
        word = (word << 6) | v
    mmsi = (word >> 4) & ((1 << 30) - 1)
    if not mmsi:
        return sentence
    new = (mmsi + k * 1_000_003) % 999_999_999 + 1
    word = (word & ~(((1 << 30) - 1) << 4)) | (new << 4)
    f[5] = _bits_to_armor([(word >> s) & 63 for s in range(36, -1, -6)]) + f[5][7:]
    body = ",".join(f)
    check = nmea_checksum(body) ^ (0 if good else 0x55)  # a bad checksum stays bad
    return f"{prefix}!{body}*{check:02X}{chk[2:]}"


def _ais_groups(lines: list[str]) -> list[list[str]]:
    """Lines as messages: a multi-sentence group's lines stay together."""
    groups: list[list[str]] = []
    open_group: list[str] | None = None
    for line in lines:
        f = line.split("!", 1)[-1].split(",")
        try:
            cnt, num = int(f[1]), int(f[2])
        except (IndexError, ValueError):
            cnt = num = 1
        if cnt > 1 and num == 1:
            open_group = [line]
            groups.append(open_group)
        elif cnt > 1 and open_group is not None:
            open_group.append(line)
            if num == cnt:
                open_group = None
        else:
            groups.append([line])
            open_group = None
    return groups


AIS_PER_COPY = [1]  # lines of one copy of the samples (set by ais_lines)
LINE_GAP = timedelta(milliseconds=500)  # receive time between two lines of the samples


def ais_lines(n: int) -> list[str] | None:
    if not AIS_DIR.is_dir():
        return None
    base: list[str] = []
    for p in sorted(AIS_DIR.iterdir()):
        if p.suffix in (".txt", ".ais"):
            base += [x for x in p.read_text(errors="replace").splitlines() if x.strip()]
    groups = _ais_groups(base)
    per_copy = sum(len(g) for g in groups)
    AIS_PER_COPY[0] = per_copy
    copies = max(1, math.ceil(n / per_copy))
    out: list[str] = []
    for g in groups:  # interleave: message i of every copy, then message i + 1
        for k in range(copies):
            out.extend(_with_mmsi(line, k) for line in g)
    return out[:n]


class StepClock:
    """A receiver's clock for lines without their own time: advances `step` a call."""

    def __init__(self, start: datetime, step: timedelta) -> None:
        self.now, self.step = start, step

    def __call__(self) -> datetime:
        self.now += self.step
        return self.now


# ---- Mode S ---------------------------------------------------------------------------

_GEN = 0x1FFF409  # Mode S CRC generator (25 bits)


def _crc24(data88: int) -> int:
    r = data88 << 24
    for i in range(111, 23, -1):
        if r >> i & 1:
            r ^= _GEN << (i - 24)
    return r & 0xFFFFFF


def _with_icao(frame: str, icao: int) -> str:
    """A DF17 frame re-addressed to `icao` with its parity recomputed."""
    x = int(frame[:22], 16)
    x = (x & ~(0xFFFFFF << 56)) | (icao << 56)
    return f"{x:022x}{_crc24(x):06x}"


def rs1090_frames() -> list[tuple[float, str]] | None:
    root = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    cache = Path(root) / "interlock-test-data"
    out = cache / "full_flight_short.jsonl"
    if not out.exists():
        cache.mkdir(parents=True, exist_ok=True)
        wheel = cache / WHEEL
        if not wheel.exists():
            cmd = [sys.executable, "-m", "pip", "download", TRAFFIC, "--no-deps", "-d", str(cache)]
            done = subprocess.run(cmd, capture_output=True, text=True, timeout=300)
            if done.returncode != 0 or not wheel.exists():
                return None
        with zipfile.ZipFile(wheel) as z:
            tmp = out.with_suffix(".part")
            tmp.write_bytes(z.read(SAMPLE))
            tmp.replace(out)
    with out.open() as f:
        rows = [json.loads(line) for line in f if line.strip()]
    return [(float(r["timestamp"]), str(r["frame"])) for r in rows]


def modes_lines(frames: list[tuple[float, str]], n: int, segment_s: float = 120.0) -> list[str]:
    t0 = frames[0][0]
    segs: dict[int, list[tuple[float, str]]] = {}
    for t, fr in frames:
        s = int((t - t0) // segment_s)
        segs.setdefault(s, []).append((t - t0 - s * segment_s, fr))
    rows: list[tuple[float, str]] = []
    crc_cache: dict[tuple[str, int], str] = {}
    aircraft = 0
    rep = 0
    while len(rows) < n:
        for seg in segs.values():
            icao = (0x3C0000 + aircraft * 0x101) & 0xFFFFFF
            aircraft += 1
            offset = rep * 0.137
            for t, fr in seg:
                if int(fr[:2], 16) >> 3 == 17:
                    key = (fr, icao)
                    fr = crc_cache.get(key) or crc_cache.setdefault(key, _with_icao(fr, icao))
                rows.append((t + offset, fr))
        rep += 1
    rows.sort(key=lambda r: r[0])
    base = 1_720_248_000.0  # the capture's day (2024-07-06)
    return [f"{base + t:.6f} {fr}" for t, fr in rows[:n]]


# ---- SBS ------------------------------------------------------------------------------


def sbs_lines(n: int, aircraft: int = 2_000, seed: int = 1) -> list[str]:
    rng = random.Random(seed)
    t0 = datetime(2026, 7, 6, 6, 0, 0, tzinfo=UTC)
    planes = []
    for i in range(aircraft):
        cruise = rng.random() < 0.6
        planes.append(
            {
                "hex": f"{0x4B0000 + i * 7:06X}",
                "cs": rng.choice(["THY", "AEE", "CYP", "ELY", "MSR", "RJA"])
                + str(rng.randint(1, 9999)),
                "lon": rng.uniform(24.0, 36.0),
                "lat": rng.uniform(31.0, 37.0),
                "alt": rng.randint(25, 41) * 1000.0 if cruise else rng.uniform(2000, 24000),
                "vr": 0.0 if cruise else rng.choice([-1, 1]) * rng.uniform(500, 3000),
                "gs": rng.uniform(380, 500) if cruise else rng.uniform(180, 340),
                "trk": rng.uniform(0, 360),
            }
        )
    out = []
    dt = 1.0 / aircraft  # about one line per aircraft per second
    for j in range(n):
        p = planes[j % aircraft]
        t = t0 + timedelta(seconds=j * dt)
        el = j * dt
        d = p["gs"] * el / 3600.0 / 60.0  # degrees of arc flown
        lat = p["lat"] + d * math.cos(math.radians(p["trk"]))
        lon = p["lon"] + d * math.sin(math.radians(p["trk"])) / math.cos(math.radians(lat))
        alt = round((p["alt"] + p["vr"] * el / 60.0) / 25) * 25
        date, clock = t.strftime("%Y/%m/%d"), t.strftime("%H:%M:%S.%f")[:-3]
        head = f"MSG,{{}},1,1,{p['hex']},1,{date},{clock},{date},{clock}"
        u = rng.random()
        if u < 0.55:
            line = head.format(3) + f",,{alt:.0f},,,{lat:.5f},{lon:.5f},,,0,0,0,0"
        elif u < 0.80:
            line = head.format(4) + f",,,{p['gs']:.1f},{p['trk']:.1f},,,{p['vr']:.0f},,0,0,0,0"
        elif u < 0.95:
            line = head.format(5 if u < 0.9 else 7) + f",,{alt:.0f},,,,,,,0,0,0,0"
        else:
            line = head.format(1) + f",{p['cs']},,,,,,,,0,0,0,0"
        out.append(line)
    return out


# ---- timing ---------------------------------------------------------------------------


def _consume(it: Iterator[Any]) -> tuple[int, int]:
    reports = skipped = 0
    for out in it:
        if type(out).__name__ == "Skip":
            skipped += 1
        else:
            reports += 1
    return reports, skipped


def parse_only(feed: str, lines: list[str], clock: Callable[[], datetime]) -> tuple[int, int]:
    if feed == "ais":
        dec = AisDecoder(clock)
        return _consume(out for line in lines for out in dec.feed(line))
    if feed == "modes":
        return _consume(decode_lines(ModeSDecoder(), lines, clock))
    return _consume(parse_sbs(lines))


def service(clock: Callable[[], datetime]) -> TrackService:
    agreement = agreement_from_dict({"parties": [{"id": "blue"}, {"id": "red"}]})
    return TrackService(agreement, clock)


def end_to_end(svc: TrackService, feed: str, lines: list[str]) -> dict[str, Any]:
    reports = 0
    skipped: Counter[str] = Counter()
    for i in range(0, len(lines), BATCH):
        r = svc.ingest_lines(PARTY, feed, lines[i : i + BATCH])
        reports += r["reports"]
        skipped.update(r["skipped"])
    return {"reports": reports, "skipped": skipped}


def clock_for(feed: str, lines: list[str]) -> Callable[[], datetime]:
    if feed == "ais":
        # one sample line every LINE_GAP; the copies interleaved share that time
        copies = max(1, math.ceil(len(lines) / AIS_PER_COPY[0]))
        return StepClock(datetime(2026, 7, 6, 6, 0, tzinfo=UTC), LINE_GAP / copies)
    # Mode S and SBS lines carry their own times: the clock only drives `expire`;
    # a fixed "now" just after the data keeps every track (the data span < 1 h).
    if feed == "modes":
        end = datetime.fromtimestamp(float(lines[-1].split()[0]), tz=UTC)
    else:
        f = lines[-1].split(",")
        end = datetime.strptime(f"{f[6]} {f[7]}", "%Y/%m/%d %H:%M:%S.%f").replace(tzinfo=UTC)
    fixed = end + timedelta(seconds=1)
    return lambda: fixed


def timed(fn: Callable[[], Any]) -> tuple[float, Any]:
    gc.collect()
    t = time.perf_counter()
    out = fn()
    return time.perf_counter() - t, out


def run_feed(feed: str, lines: list[str], repeat: int) -> dict[str, Any]:
    best_p, best_e = math.inf, math.inf
    parsed: tuple[int, int] = (0, 0)
    e2e: dict[str, Any] = {}
    tracks = 0
    for _ in range(repeat):
        tp, parsed = timed(lambda: parse_only(feed, lines, clock_for(feed, lines)))
        best_p = min(best_p, tp)
        svc = service(clock_for(feed, lines))
        te, e2e = timed(lambda svc=svc: end_to_end(svc, feed, lines))
        best_e = min(best_e, te)
        tracks = len(svc.picture)
    return {
        "feed": feed,
        "lines": len(lines),
        "parse": len(lines) / best_p,
        "e2e": len(lines) / best_e,
        "decoded": parsed[0],
        "reports": e2e["reports"],
        "skipped": e2e["skipped"],
        "tracks": tracks,
    }


def profile(feed: str, lines: list[str], top: int, console: Console) -> None:
    svc = service(clock_for(feed, lines))
    prof = cProfile.Profile()
    prof.enable()
    end_to_end(svc, feed, lines)
    prof.disable()
    buf = io.StringIO()
    st = pstats.Stats(prof, stream=buf)
    st.sort_stats("tottime").print_stats(top)
    console.print(f"[bold]cProfile, {feed} end to end, {len(lines):,} lines (by own time)[/]")
    console.print(buf.getvalue(), markup=False, highlight=False)


NAMES = {
    "ais": "AIS (real, MMSI-varied)",
    "modes": "Mode S (real rs1090)",
    "sbs": "SBS (synthetic)",
}


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument("--lines", type=int, default=200_000, help="lines per feed")
    ap.add_argument("--feeds", nargs="+", default=["ais", "modes", "sbs"])
    ap.add_argument("--repeat", type=int, default=2, help="best of N (fresh service each)")
    ap.add_argument("--quick", action="store_true", help="20,000 lines a feed, one run")
    ap.add_argument("--profile", choices=["ais", "modes", "sbs"], help="cProfile this feed")
    ap.add_argument("--top", type=int, default=25)
    ap.add_argument("--strict", action="store_true", help="exit 1 when a target is missed")
    args = ap.parse_args()
    if args.quick:
        args.lines, args.repeat = 20_000, 1
    console = Console(width=max(170, Console().width))
    console.print(
        f"[bold]ingest[/] — Python {platform.python_version()}, {os.cpu_count()} cores "
        f"(one used), {args.lines:,} lines a feed, batches of {BATCH:,}, best of {args.repeat}"
    )
    workloads: dict[str, list[str]] = {}
    for feed in args.feeds:
        t = time.perf_counter()
        if feed == "ais":
            got = ais_lines(args.lines)
            if got is None:
                console.print(f"[yellow]AIS skipped: no {AIS_DIR}[/]")
                continue
        elif feed == "modes":
            frames = rs1090_frames()
            if frames is None:
                console.print(f"[yellow]Mode S skipped: cannot get {TRAFFIC}[/]")
                continue
            got = modes_lines(frames, args.lines)
        else:
            got = sbs_lines(args.lines)
        workloads[feed] = got
        console.print(f"  {feed}: {len(got):,} lines built in {time.perf_counter() - t:.1f} s")
    rows = [run_feed(feed, lines, args.repeat) for feed, lines in workloads.items()]
    table = Table(title="Ingest, one core, in process (lines/s; best of runs)")
    for col in (
        "feed",
        "lines",
        "parse-only /s",
        "end to end /s",
        "e2e / parse",
        "reports",
        "skipped (top reasons)",
        "tracks",
        "target",
    ):
        table.add_column(col, justify="left" if col.startswith(("feed", "skipped")) else "right")
    missed = []
    for r in rows:
        sk = r["skipped"]
        top = ", ".join(f"{k} {v:,}" for k, v in sk.most_common(3))
        target = TARGETS.get(r["feed"])
        if target is None:
            verdict = "-"
        elif r["e2e"] >= target:
            verdict = f"[green]met[/] (>= {target / 1e3:.0f} k)"
        else:
            verdict = f"[red]missed[/] (< {target / 1e3:.0f} k)"
            missed.append(f"{r['feed']} {r['e2e']:,.0f}/s < {target:,.0f}/s")
        table.add_row(
            NAMES[r["feed"]],
            f"{r['lines']:,}",
            f"{r['parse']:,.0f}",
            f"{r['e2e']:,.0f}",
            f"{r['e2e'] / r['parse']:.2f}",
            f"{r['reports']:,}",
            f"{sum(sk.values()):,}" + (f" ({top})" if top else ""),
            f"{r['tracks']:,}",
            verdict,
        )
    console.print(table)
    console.print("targets: " + ("all met" if not missed else "missed: " + "; ".join(missed)))
    if args.profile and args.profile in workloads:
        profile(args.profile, workloads[args.profile], args.top, console)
    return 1 if missed and args.strict else 0


if __name__ == "__main__":
    sys.exit(main())
