"""Track history: every accepted position thinned (`model.history`) and kept in the store,
written off the hot path; the picture at a past moment and trails read back.

Ingest applies tens of thousands of reports a second under the track service's lock;
`record` is what it adds per accepted position: the thinning test against the track's
last kept fix (a few comparisons), and for a kept fix (one in ten at 2 Hz) a row appended
to a bounded deque. A daemon thread (`start`) takes the rows in batches to the store
(`add_fixes`, its own short transaction, never the ledger) every `flush_every_s`, ends
the tracks that fell silent (an `end` row where their last fix goes stale) and purges
fixes older than the agreement's retention. When the store is down the deque fills and
the oldest rows are dropped and counted (`dropped`): ingest is never blocked and memory
never grows past `buffer_max`.

No lock on the hot path: the deque's appends and pops are atomic, and the per-track
state is only replaced or dropped whole by the flusher (a race costs at most one track's
bridging at that instant, never a wrong row).
"""

from __future__ import annotations

import contextlib
import gc
import logging
import threading
from collections import deque
from collections.abc import Iterator
from datetime import datetime, timedelta
from operator import itemgetter
from typing import Any

import numpy as np

from ..model.history import HistoryRules, Thinner, interpolate
from ..model.picture import STALE_AFTER, Box, LatestFix, TrackState
from ..model.timeutil import from_ts, to_ts
from ..store.base import HistoryStore
from ..store.rows import FixPair, FixRow
from .clock import Clock, utc_now

log = logging.getLogger(__name__)

BUFFER_MAX = 500_000  # kept fixes waiting for the store: ~4 min of 10 k tracks (~100 MB)
BATCH = 20_000  # rows a transaction
FLUSH_EVERY_S = 1.0
PURGE_EVERY = timedelta(hours=1)
END_SCAN_EVERY_S = 5.0  # how often silent tracks are looked for (a pass over them all)

Key = tuple[str, str]  # (track_id, reporting party)
_new_row = tuple.__new__  # FixRow(...) adds a Python-level __new__ per kept fix


# One read of trails: a day (an after-action window), and the fixes one answer may carry
# (200 k fixes is ~20 MB of GeoJSON: an hour of 1,000 tracks thinned to 5 s). Applied by
# GET /tracks/history and the KML export's trails.
TRAIL_MAX_SPAN = timedelta(hours=24)
TRAIL_MAX_FIXES = 200_000


class HistoryRecorder:
    """Thins accepted positions into a bounded buffer and flushes it to the store."""

    def __init__(
        self,
        store: HistoryStore | None,
        rules: HistoryRules,
        clock: Clock = utc_now,
        *,
        stale_after: dict[str, timedelta] | None = None,
        buffer_max: int = BUFFER_MAX,
        batch: int = BATCH,
        flush_every_s: float = FLUSH_EVERY_S,
    ) -> None:
        self.store = store
        self.rules = rules
        self.clock = clock
        self.stale_s = {
            d: a.total_seconds() for d, a in {**STALE_AFTER, **(stale_after or {})}.items()
        }
        self.buffer_max = buffer_max
        self.batch = batch
        self.flush_every_s = flush_every_s
        self._thin = Thinner(rules)
        self._offer = self._thin.offer
        self._last: dict[Key, FixRow] = {}  # each track's last kept fix
        self._buffer: deque[FixRow] = deque(maxlen=buffer_max)
        self.dropped = 0  # rows the full buffer dropped (oldest first), by the hot path
        self._dropped_back = 0  # ... and by the flusher putting back a failed batch
        self.written = 0
        self._flush_lock = threading.Lock()  # one flusher at a time (thread, reads, stop)
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._purged_at: datetime | None = None
        self._failing = False  # the last flush failed (logged once until it recovers)
        self._scanned_at = 0.0  # monotonic-free: the flusher's own count of seconds

    # ---- the hot path -------------------------------------------------------------------
    def record(self, t: LatestFix) -> None:
        """One accepted position of a party's track (`Picture.latest`): kept or not."""
        key = (t.track_id, t.party)
        ts = t.position_ts
        if not self._offer(key, ts, t.course_deg, t.alt_ft):
            return
        prev = self._last.get(key)
        prev_time = None
        if prev is not None:
            if ts - prev.time <= self.stale_s[t.domain]:  # model.history.bridged
                prev_time = prev.time
            else:  # too long a gap: the earlier fix is shown until it goes stale, no further
                self._append(_end_of(prev, self.stale_s[t.domain]))
        row = _new_row(
            FixRow,
            (
                ts,
                t.track_id,
                t.party,
                t.domain,
                t.owner,
                t.source,
                t.lon,
                t.lat,
                t.alt_ft,
                t.speed_kt,
                t.course_deg,
                t.name,
                prev_time,
                False,
            ),
        )
        self._last[key] = row
        self._append(row)

    def _append(self, row: FixRow) -> None:
        if len(self._buffer) >= self.buffer_max:
            self.dropped += 1  # the deque drops its oldest row to take this one
        self._buffer.append(row)

    # ---- the flusher ----------------------------------------------------------------------
    @property
    def buffered(self) -> int:
        return len(self._buffer)

    @property
    def dropped_total(self) -> int:
        return self.dropped + self._dropped_back

    def flush(self) -> int:
        """Write every buffered row to the store now; how many were written. A failure
        puts the batch back (the newest rows first, as room allows) and raises."""
        if self.store is None:
            self._buffer.clear()
            return 0
        done = 0
        with self._flush_lock:
            while self._buffer:
                rows = []
                pop = self._buffer.popleft
                with contextlib.suppress(IndexError):
                    for _ in range(self.batch):
                        rows.append(pop())
                try:
                    self.store.add_fixes(rows)
                except Exception:
                    self._put_back(rows)
                    raise
                done += len(rows)
                self.written += len(rows)
        return done

    def _put_back(self, rows: list[FixRow]) -> None:
        """Return a failed batch to the buffer's old end, dropping its oldest rows when
        the buffer has not room for all (drop oldest, counted)."""
        room = self.buffer_max - len(self._buffer)
        keep = rows[len(rows) - room :] if room < len(rows) else rows
        self._dropped_back += len(rows) - len(keep)
        self._buffer.extendleft(reversed(keep))

    def end_silent(self) -> int:
        """End every track silent for longer than its domain's staleness (by the newest
        report time of its party: a recording replayed from the past ends tracks as they
        fell silent then): an `end` row where its last fix goes stale; how many."""
        newest: dict[str, float] = {}
        states = list(self._thin.state.items())
        for (_, party), st in states:
            if st[3] > newest.get(party, -1e300):
                newest[party] = st[3]
        ended = 0
        for key, st in states:
            last = self._last.get(key)
            if last is None:
                continue
            stale = self.stale_s[last.domain]
            if newest[key[1]] - st[3] > stale:
                self._thin.state.pop(key, None)
                self._last.pop(key, None)
                self._append(_end_of(last, stale))
                ended += 1
        return ended

    def end_all(self) -> int:
        """End every track (shutdown: what comes after is not known)."""
        n = 0
        for key, last in list(self._last.items()):
            self._thin.state.pop(key, None)
            self._last.pop(key, None)
            self._append(_end_of(last, self.stale_s[last.domain]))
            n += 1
        return n

    def purge(self) -> int:
        """Delete fixes older than the retention period; how many."""
        if self.store is None:
            return 0
        cutoff = to_ts(self.clock() - self.rules.retention)
        return self.store.purge_fixes_before(cutoff)

    def tick(self) -> None:
        """One round of the flusher: silent tracks ended (every few seconds), the buffer
        flushed, the purge when due. Errors are logged: the next round retries."""
        self._scanned_at += self.flush_every_s
        if self._scanned_at >= END_SCAN_EVERY_S:
            self._scanned_at = 0.0
            self.end_silent()
        try:
            self.flush()
        except Exception:
            if not self._failing:  # once per outage, not every second of it
                log.warning(
                    "track history: the store refused a batch; buffering (at most %d fixes, "
                    "oldest dropped first)",
                    self.buffer_max,
                    exc_info=True,
                )
            self._failing = True
            return
        if self._failing:
            log.warning(
                "track history: the store takes fixes again (%d dropped meanwhile)",
                self.dropped_total,
            )
            self._failing = False
        now = self.clock()
        if self._purged_at is None or now - self._purged_at >= PURGE_EVERY:
            self._purged_at = now
            try:
                self.purge()
            except Exception:
                log.warning("track history: purge failed", exc_info=True)

    def start(self) -> None:
        """Run the flusher in a daemon thread (idempotent)."""
        if self._thread is not None and self._thread.is_alive():
            return
        self._stop.clear()
        self._thread = threading.Thread(target=self._run, name="track-history", daemon=True)
        self._thread.start()

    def _run(self) -> None:
        while not self._stop.wait(self.flush_every_s):
            self.tick()

    def stop(self) -> None:
        """Stop the flusher, end every track and write what is buffered (shutdown)."""
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=10)
            self._thread = None
        self.end_all()
        try:
            self.flush()
        except Exception:
            log.warning(
                "track history: %d fixes not written at shutdown", self.buffered, exc_info=True
            )

    # ---- reading --------------------------------------------------------------------------
    def tracks_at(self, at: datetime, bbox: Box | None = None) -> list[TrackState]:
        """Every track as it was at `at`, one per identity (fused as the live picture: the
        reporting party with the freshest fix at or before `at`; ties the first by name),
        by track id. A track is shown while its last kept fix is at most its domain's
        staleness old; between two fixes it is interpolated (geodesic, altitude linear),
        across a longer gap not. Nothing it returns is stale: `stale` is False."""
        with contextlib.suppress(Exception):  # a store down: what is stored is still read
            self.flush()
        with no_gc():
            return self._tracks_at(at, bbox)

    def _tracks_at(self, at: datetime, bbox: Box | None) -> list[TrackState]:
        at_ts = to_ts(at)
        return _fuse(self._chosen(at_ts), at_ts, at, bbox, self.stale_s)

    def _chosen(self, at_ts: float) -> list[FixPair]:
        """Each (track, party)'s pair around `at_ts`: stored, or its tail not yet stored."""
        pairs: dict[Key, FixPair] = {}
        if self.store is not None:
            for d, stale in self.stale_s.items():
                for p in self.store.fix_pairs_at(at_ts, stale, domain=d):
                    _prefer(pairs, p)
        for last in list(self._last.values()):  # tails not followed by a row yet
            if last.time <= at_ts <= last.time + self.stale_s[last.domain]:
                _prefer(pairs, _held(last))
        return [p for p in pairs.values() if at_ts - p.time <= self.stale_s[p.domain]]

    def fused_at(self, at: datetime, bbox: Box | None = None) -> list[Fused]:
        """`tracks_at` as plain rows (`Fused`), no `TrackState` objects: what the picture's
        GeoJSON is made from (`TrackService.history_at`); tested equal to `tracks_at`."""
        with contextlib.suppress(Exception):
            self.flush()
        at_ts = to_ts(at)
        with no_gc():
            return _fuse_rows(self._chosen_sorted(at_ts), at_ts, bbox, self.stale_s)

    def _chosen_sorted(self, at_ts: float) -> list[FixPair]:
        """`_chosen` by sorting: every candidate pair in (time, next time) order, so a dict
        built from them keeps each (track, party)'s latest, as `_prefer` does (no ties:
        a track and party's rows have distinct times)."""
        found: list[FixPair] = []
        if self.store is not None:
            for d, stale in self.stale_s.items():
                found += self.store.fix_pairs_at(at_ts, stale, domain=d)
        stale_s = self.stale_s
        found += [
            _held(last)
            for last in list(self._last.values())
            if last.time <= at_ts <= last.time + stale_s[last.domain]
        ]
        found.sort(key=_PAIR_ORDER)
        pairs = {(p.track_id, p.party): p for p in found}
        return [p for p in pairs.values() if at_ts - p.time <= stale_s[p.domain]]

    def trails(
        self,
        start: datetime,
        end: datetime,
        bbox: Box | None = None,
        track_ids: list[str] | None = None,
        limit: int | None = None,
    ) -> list[FixRow]:
        """Kept fixes between `start` and `end` (ordered by track, party, time)."""
        with contextlib.suppress(Exception):
            self.flush()
        if self.store is None:
            return []
        return self.store.fixes_between(
            to_ts(start), to_ts(end), bbox=bbox, track_ids=track_ids, limit=limit
        )


def _end_of(last: FixRow, stale_s: float) -> FixRow:
    """The `end` row after a track's last fix: where that fix goes stale."""
    return last._replace(time=last.time + stale_s, prev_time=last.time, end=True)


@contextlib.contextmanager
def no_gc() -> Iterator[None]:
    """The cycle collector held off while one picture is built: its ~100,000 short-lived
    tuples set off collections of the whole heap, which took 130-150 ms reads at 10,000
    tracks to 85 (bench/replay.py). Nothing they make is cyclic; the collector runs
    after, as due."""
    was = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was:
            gc.enable()


def _held(last: FixRow) -> FixPair:
    """A track's last kept fix with nothing after it yet: shown where it is."""
    return FixPair(
        last.track_id,
        last.party,
        last.time,
        last.domain,
        last.owner,
        last.source,
        last.lon,
        last.lat,
        last.alt_ft,
        last.speed_kt,
        last.course_deg,
        last.name,
        last.time,
        last.lon,
        last.lat,
        last.alt_ft,
        True,
    )


_PAIR_ORDER = itemgetter(2, 12)  # FixPair: (time, next_time)


def _prefer(pairs: dict[Key, FixPair], p: FixPair) -> None:
    """Keep, per (track, party), the pair whose fix is the latest (at a fix's own time,
    the pair it starts; a track restarted after an `end` row: its new fix)."""
    key = (p.track_id, p.party)
    found = pairs.get(key)
    if found is None or (p.time, p.next_time) > (found.time, found.next_time):
        pairs[key] = p


def _fuse(
    chosen: list[FixPair],
    at_ts: float,
    at: datetime,
    bbox: Box | None,
    stale_s: dict[str, float],
) -> list[TrackState]:
    """Positions at `at_ts` (interpolated where bridged), one state per identity; the
    arithmetic on columns (numpy), one pass to build the states."""
    if not chosen:
        return []
    cols, lon, lat, alt, moving = _positions(chosen, at_ts, stale_s)
    ids: tuple[str, ...] = cols[0]
    inside = np.ones(len(chosen), dtype=bool) if bbox is None else _in_boxes(lon, lat, bbox)
    # one per identity: the freshest fix (ties: the party first by name)
    best: dict[str, int] = {}
    parties: dict[str, set[str]] = {}
    for i, tid in enumerate(ids):
        j = best.get(tid)
        if j is None:
            best[tid] = i
            continue
        parties.setdefault(tid, {chosen[j].party}).add(chosen[i].party)
        if (-chosen[i].time, chosen[i].party) < (-chosen[j].time, chosen[j].party):
            best[tid] = i
    out = []
    lon_l, lat_l, alt_l, moving_l, inside_l = (
        lon.tolist(),
        lat.tolist(),
        alt.tolist(),
        moving.tolist(),
        inside.tolist(),
    )
    for tid in sorted(best):
        i = best[tid]
        if not inside_l[i]:
            continue
        p = chosen[i]
        when = at if moving_l[i] else from_ts(p.time)
        a = alt_l[i]
        shared = parties.get(tid)
        out.append(
            TrackState(
                tid,
                p.domain,
                p.source,
                p.owner,
                when,
                lon_l[i],
                lat_l[i],
                None if a != a else a,  # NaN: no altitude
                p.speed_kt,
                p.course_deg,
                None,
                p.name,
                False,
                {"position": when},
                p.party,
                tuple(sorted(shared)) if shared else ((p.party,) if p.party else ()),
            )
        )
    return out


# One identity at a moment (`fused_at`): track_id, domain, source, owner, the position's
# time (None: interpolated, so the moment itself), lon, lat, alt_ft (None: none), speed_kt,
# course_deg, name, the reporting party, the parties reporting it (sorted).
Fused = tuple[
    str,
    str,
    str,
    str | None,
    float | None,
    float,
    float,
    float | None,
    float | None,
    float | None,
    str | None,
    str,
    tuple[str, ...],
]


def _positions(
    chosen: list[FixPair], at_ts: float, stale_s: dict[str, float]
) -> tuple[list[tuple[Any, ...]], np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """The pairs' columns, each one's position at `at_ts` and whether it moved from its
    earlier fix: interpolated (geodesic, altitude linear) where the pair is bridged (its
    fixes no further apart than the domain's staleness, not an end row), else the earlier
    fix's."""
    cols = list(zip(*chosen, strict=True))
    t0, t1 = np.array(cols[2], dtype=float), np.array(cols[12], dtype=float)
    stale = np.array([stale_s[d] for d in cols[3]], dtype=float)
    bridge = ~np.array(cols[16], dtype=bool) & (t1 > t0) & (t1 - t0 <= stale)
    f = np.zeros(len(chosen))
    f[bridge] = (at_ts - t0[bridge]) / (t1[bridge] - t0[bridge])
    moving = f > 0
    lon, lat = np.array(cols[6], dtype=float), np.array(cols[7], dtype=float)
    if moving.any():
        lon[moving], lat[moving] = interpolate(
            lon[moving],
            lat[moving],
            np.array(cols[13], dtype=float)[moving],
            np.array(cols[14], dtype=float)[moving],
            f[moving],
        )
    alt0, alt1 = np.array(cols[8], dtype=float), np.array(cols[15], dtype=float)
    with np.errstate(invalid="ignore"):
        alt = np.where(moving & ~np.isnan(alt1), alt0 + (alt1 - alt0) * f, alt0)
    return cols, lon, lat, alt, moving


def _fuse_rows(
    chosen: list[FixPair], at_ts: float, bbox: Box | None, stale_s: dict[str, float]
) -> list[Fused]:
    """`_fuse` without the states: the same arithmetic, one tuple per identity."""
    if not chosen:
        return []
    cols, lon, lat, alt, moving = _positions(chosen, at_ts, stale_s)
    ids: tuple[str, ...] = cols[0]
    t0_l: tuple[float, ...] = cols[2]
    inside = None if bbox is None else _in_boxes(lon, lat, bbox).tolist()
    parties_c: tuple[str, ...] = cols[1]
    # one per identity: the freshest fix (ties: the party first by name)
    best: dict[str, int] = {}
    shared: dict[str, set[str]] = {}
    for i, tid in enumerate(ids):
        j = best.setdefault(tid, i)
        if j == i:
            continue
        shared.setdefault(tid, {parties_c[j]}).add(parties_c[i])
        if (-t0_l[i], parties_c[i]) < (-t0_l[j], parties_c[j]):
            best[tid] = i
    lon_l, lat_l, alt_l, moving_l = lon.tolist(), lat.tolist(), alt.tolist(), moving.tolist()
    domains, sources, owners = cols[3], cols[5], cols[4]
    speeds, courses, names = cols[9], cols[10], cols[11]
    out: list[Fused] = []
    for tid in sorted(best):
        i = best[tid]
        if inside is not None and not inside[i]:
            continue
        a = alt_l[i]
        party = parties_c[i]
        many = shared.get(tid)
        out.append(
            (
                tid,
                domains[i],
                sources[i],
                owners[i],
                None if moving_l[i] else t0_l[i],
                lon_l[i],
                lat_l[i],
                None if a != a else a,  # NaN: no altitude
                speeds[i],
                courses[i],
                names[i],
                party,
                tuple(sorted(many)) if many else ((party,) if party else ()),
            )
        )
    return out


def _in_boxes(lon: np.ndarray, lat: np.ndarray, bbox: Box) -> np.ndarray:
    """`model.picture.in_box` on columns."""
    min_lon, min_lat, max_lon, max_lat = bbox
    ok = (lat >= min_lat) & (lat <= max_lat)
    if min_lon <= max_lon:
        return ok & (lon >= min_lon) & (lon <= max_lon)
    return ok & ((lon >= min_lon) | (lon <= max_lon))


def fused_trails(rows: list[FixRow]) -> dict[str, dict[str, Any]]:
    """Trails by identity from fixes ordered by (track_id, party, time): every reporting
    party's fixes in time order (as the live view shows the freshest), one per time;
    the latest fix's name, owner and domain; `sources` the parties."""
    out: dict[str, dict[str, Any]] = {}
    for r in rows:
        t = out.setdefault(r.track_id, {"fixes": {}, "sources": set()})
        t["fixes"].setdefault(r.time, r)
        t["sources"].add(r.party)
    for t in out.values():
        fixes = [t["fixes"][k] for k in sorted(t["fixes"])]
        t["fixes"] = fixes
        t["sources"] = tuple(sorted(p for p in t["sources"] if p))
    return out
