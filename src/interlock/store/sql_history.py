"""Track history on SQL, the same on both engines (service.history writes, the picture at
a moment and trails read).

Fixes arrive in batches (thousands a second at 10 k tracks) and are written in a short
transaction of their own, outside the ledger: history is the picture's memory, not a
statement of any party. Reads:

- a trail (`fixes_between`) by time, by place (1-degree cells, then time) or by track
  (the table is clustered by track and time);
- the picture at a moment (`fix_pairs_at`): for each track shown at T, its kept fix at or
  before T and the row after it (the next fix, or the `end` row where the fix goes stale),
  found from the rows just after T alone: every row names its predecessor's time and the
  class of its span (`span_class`), so a row of span at most B is looked for in
  [T, T + B] only (an interval stabbing read on a B-tree: a few rows a track, not every
  row of the staleness reach).
"""

from __future__ import annotations

import math
from bisect import bisect_left
from collections.abc import Callable, Sequence
from contextlib import AbstractContextManager
from typing import Any

import orjson
from sqlalchemy import Connection

from .base import Box
from .cursor import cursor
from .rows import FixPair, FixRow

TRACK_DOMAINS = ("air", "sea")  # model.track.DOMAINS: the index leads with the domain
CELL_DEG = 1.0  # cell size: a theatre's bbox covers tens to hundreds of cells
MAX_CELLS = 4096  # a larger bbox is read by time alone, then filtered
PURGE_SLICE_S = 3600.0  # one hour of fixes a delete transaction (the writer is shared)

_COLS = (
    "time, track_id, party, domain, owner, source, lon, lat, alt_ft, speed_kt, course_deg, "
    "name, prev_time, is_end"
)
# A row's span class: its span (time - prev_time, seconds) rounded up to the next of these
# bounds (powers of two: a row read at T lies in [T, T + 2 x its span] at worst), one more
# class for longer spans, 0 for a row with no predecessor (it never starts a pair).
SPAN_BOUNDS = tuple(float(2**k) for k in range(12))  # 1 s .. 2,048 s
SPAN_CLASSES = len(SPAN_BOUNDS) + 1
SPAN_SLACK_S = 1e-3  # a bound read a millisecond wide: float rounding of time - prev_time


def span_class(time: float, prev_time: float | None) -> int:
    """The class of a row's span (`SPAN_BOUNDS`); 0 with no predecessor."""
    return 0 if prev_time is None else bisect_left(SPAN_BOUNDS, time - prev_time)


# `span_class` in SQL (the migration that fills existing rows).
SPAN_CLASS_SQL = (
    "CASE WHEN prev_time IS NULL THEN 0 "
    + " ".join(f"WHEN time - prev_time <= {b!r} THEN {i}" for i, b in enumerate(SPAN_BOUNDS))
    + f" ELSE {len(SPAN_BOUNDS)} END"
)

_INSERT_SQL = (
    f"INSERT INTO track_fixes ({_COLS}, cell, span) "
    "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) "
    "ON CONFLICT (track_id, party, time) DO NOTHING"
)
# The whole batch as one JSON array bound once: SQLite reads it in C (json_each), so the
# flusher thread takes the GIL once a batch, not once a row; a row-by-row executemany
# took the GIL back from the ingest thread after every row (a fifth of its speed).
INSERT_JSON_SQL = (
    f"INSERT INTO track_fixes ({_COLS}, cell, span) SELECT "
    + ", ".join(f"json_extract(value, '$[{i}]')" for i in range(16))
    + " FROM json_each(?) WHERE true ON CONFLICT (track_id, party, time) DO NOTHING"
)


def json_batch(rows: Sequence[FixRow]) -> str:
    """Rows as `INSERT_JSON_SQL` binds them: a JSON array of `_params` arrays."""
    return orjson.dumps([_params(f) for f in rows]).decode()


# The reference reads (what `fix_pairs_at_reference` runs; `fix_pairs_at` must give the
# same): every row in [T, T + reach]. FixPair's columns: the earlier fix whole, then the
# row after it. The rows after the
# moment are picked from the (domain, span, time, prev_time) index alone first (MATERIALIZED:
# else the engine reads each row in the range to test prev_time, ten times the work),
# then each pair is two key look-ups.
_PAIRS_SQL = (
    "WITH s AS MATERIALIZED (SELECT track_id, party, time, prev_time FROM track_fixes "
    "WHERE domain = ? AND time >= ? AND time <= ? AND prev_time <= ?) "
    "SELECT a.track_id, a.party, a.time, a.domain, a.owner, a.source, a.lon, a.lat, a.alt_ft, "
    "a.speed_kt, a.course_deg, a.name, b.time, b.lon, b.lat, b.alt_ft, b.is_end FROM s "
    "JOIN track_fixes b ON b.track_id = s.track_id AND b.party = s.party AND b.time = s.time "
    "JOIN track_fixes a ON a.track_id = s.track_id AND a.party = s.party AND a.time = s.prev_time"
)

# PostgreSQL filters prev_time in the index scan itself, but would hash-join the whole
# table for the key look-ups (it did on 1.2 M rows: a second): LATERAL ... LIMIT 1 makes
# them the index look-ups they are.
PAIRS_SQL_LATERAL = (
    "SELECT a.track_id, a.party, a.time, a.domain, a.owner, a.source, a.lon, a.lat, a.alt_ft, "
    "a.speed_kt, a.course_deg, a.name, b.time, b.lon, b.lat, b.alt_ft, b.is_end "
    "FROM track_fixes b CROSS JOIN LATERAL (SELECT * FROM track_fixes a "
    "WHERE a.track_id = b.track_id AND a.party = b.party AND a.time = b.prev_time LIMIT 1) a "
    "WHERE b.domain = ? AND b.time >= ? AND b.time <= ? AND b.prev_time <= ?"
)

_PAIR_COLS = (
    "a.track_id, a.party, a.time, a.domain, a.owner, a.source, a.lon, a.lat, a.alt_ft, "
    "a.speed_kt, a.course_deg, a.name, b.time, b.lon, b.lat, b.alt_ft, b.is_end"
)
_CLASS_WHERE = "domain = ? AND span = {c} AND time >= ? AND time <= ? AND prev_time <= ?"

# The fast reads: the same, one index range per span class, each [T, T + its bound].
PAIRS_BY_SPAN_SQL = (
    "WITH s AS MATERIALIZED ("
    + " UNION ALL ".join(
        "SELECT track_id, party, time, prev_time FROM track_fixes WHERE " + _CLASS_WHERE.format(c=c)
        for c in range(SPAN_CLASSES)
    )
    + f") SELECT {_PAIR_COLS} FROM s "
    "JOIN track_fixes b ON b.track_id = s.track_id AND b.party = s.party AND b.time = s.time "
    "JOIN track_fixes a ON a.track_id = s.track_id AND a.party = s.party AND a.time = s.prev_time"
)
PAIRS_BY_SPAN_SQL_LATERAL = " UNION ALL ".join(
    f"SELECT {_PAIR_COLS} FROM track_fixes b CROSS JOIN LATERAL (SELECT * FROM track_fixes a "
    "WHERE a.track_id = b.track_id AND a.party = b.party AND a.time = b.prev_time LIMIT 1) a "
    "WHERE b." + _CLASS_WHERE.format(c=c).replace(" AND ", " AND b.")
    for c in range(SPAN_CLASSES)
)


_ALL_SPANS = f"span IN ({', '.join(str(c) for c in range(SPAN_CLASSES))})"


def _by_span_params(domain: str, at_ts: float, reach_s: float) -> list[Any]:
    """`PAIRS_BY_SPAN_SQL`'s parameters: each class read to its bound, never past the
    reach (a row of span B ending after T + B began after T)."""
    out: list[Any] = []
    for c in range(SPAN_CLASSES):
        bound = SPAN_BOUNDS[c] + SPAN_SLACK_S if c < len(SPAN_BOUNDS) else reach_s
        out += [domain, at_ts, at_ts + min(bound, reach_s), at_ts]
    return out


def cell_of(lon: float, lat: float) -> int:
    """The 1-degree cell of a point: row from the south pole, column from the antimeridian."""
    row = min(math.floor(lat + 90.0), 179)
    col = min(math.floor(lon + 180.0), 359)
    return row * 360 + col


def cells_of(bbox: Box) -> list[int] | None:
    """The cells a bbox (min_lon > max_lon: across the antimeridian) meets; None if more
    than MAX_CELLS."""
    min_lon, min_lat, max_lon, max_lat = bbox
    lons = [(min_lon, max_lon)] if min_lon <= max_lon else [(min_lon, 180.0), (-180.0, max_lon)]
    r0, r1 = cell_of(0.0, min_lat) // 360, cell_of(0.0, max_lat) // 360
    out: list[int] = []
    for lo, hi in lons:
        c0, c1 = cell_of(lo, 0.0) % 360, cell_of(hi, 0.0) % 360
        if (r1 - r0 + 1) * (c1 - c0 + 1) + len(out) > MAX_CELLS:
            return None
        out.extend(r * 360 + c for r in range(r0, r1 + 1) for c in range(c0, c1 + 1))
    return out


def _row(r: Sequence[Any]) -> FixRow:
    """A FixRow from a raw row of `_COLS` (is_end read back as a bool on both engines)."""
    return FixRow._make((*r[:13], bool(r[13])))


def _params(f: FixRow) -> tuple[Any, ...]:
    """A FixRow as `_INSERT_SQL` binds it: its own fields in order, its cell, its span
    class."""
    return (*f, cell_of(f.lon, f.lat), span_class(f.time, f.prev_time))


class HistoryReadsWrites:
    """Mixed into the store; the engine gives `_history_write` (its own transaction) and
    `_read`."""

    pairs_sql = PAIRS_BY_SPAN_SQL  # the engine's form of the picture-at-a-moment read
    pairs_sql_reference = _PAIRS_SQL  # ... and of its reference (every row of the reach)

    def _read(self) -> AbstractContextManager[Connection]:
        raise NotImplementedError  # provided by the store

    def _history_write(self) -> AbstractContextManager[Connection]:
        raise NotImplementedError  # provided by the engine

    def add_fixes(self, rows: Sequence[FixRow]) -> None:
        """Store a batch of fixes in one short transaction (a fix stored before, same track,
        party and time, is kept as it was)."""
        if not rows:
            return
        with self._history_write() as conn:
            cur = cursor(conn)
            self._insert_fixes(cur, rows)
            cur.close()

    def _insert_fixes(self, cur: Any, rows: Sequence[FixRow]) -> None:
        """The batch's INSERT (an engine may bind it otherwise)."""
        cur.executemany(_INSERT_SQL, [_params(f) for f in rows])

    def fixes_between(
        self,
        start_ts: float,
        end_ts: float,
        *,
        bbox: Box | None = None,
        track_ids: Sequence[str] | None = None,
        limit: int | None = None,
    ) -> list[FixRow]:
        """Fixes (no `end` rows) with start <= time <= end, in the bbox, of the tracks
        named, ordered by (track_id, party, time); at most `limit`."""
        where = ["time >= ?", "time <= ?", "is_end = ?"]
        params: list[object] = [start_ts, end_ts, False]
        if track_ids is not None:
            if not track_ids:
                return []
            where.append(f"track_id IN ({', '.join('?' * len(track_ids))})")
            params.extend(track_ids)
        else:
            cells = cells_of(bbox) if bbox is not None else None
            if cells is not None:
                where.append(f"cell IN ({', '.join(str(c) for c in cells)})")
            else:
                where.append(f"domain IN ({', '.join('?' * len(TRACK_DOMAINS))})")
                params.extend(TRACK_DOMAINS)
                where.append(_ALL_SPANS)  # the index's second column: every class
        if bbox is not None:
            min_lon, min_lat, max_lon, max_lat = bbox
            where.append("lat >= ? AND lat <= ?")
            params += [min_lat, max_lat]
            where.append(
                "(lon >= ? AND lon <= ?)" if min_lon <= max_lon else "(lon >= ? OR lon <= ?)"
            )
            params += [min_lon, max_lon]
        sql = (
            f"SELECT {_COLS} FROM track_fixes WHERE {' AND '.join(where)} "
            "ORDER BY track_id, party, time"
        )
        if limit is not None:
            sql += f" LIMIT {int(limit)}"
        with self._read() as conn:
            cur = cursor(conn)
            rows = cur.execute(sql, params).fetchall()
            cur.close()
        return [_row(r) for r in rows]

    def fix_pairs_at(
        self, at_ts: float, reach_s: float, *, domain: str | None = None
    ) -> list[FixPair]:
        """For each track with a row in [at, at + reach] whose predecessor is at or before
        `at`: that predecessor and the row (the next fix or an `end` row; one at `at`
        itself too: a fix is shown until exactly its staleness, as the live picture shows
        a fix that old; a fix at `at` also starts the pair after it, which readers prefer).
        Read from the (domain, span, time, prev_time) index, each span class over its
        bound only, and a key look-up or two a track."""
        return self._pairs(self.pairs_sql, lambda d: _by_span_params(d, at_ts, reach_s), domain)

    def fix_pairs_at_reference(
        self, at_ts: float, reach_s: float, *, domain: str | None = None
    ) -> list[FixPair]:
        """`fix_pairs_at` read the plain way (every row in [at, at + reach]): what the
        span-class read is tested against."""
        return self._pairs(
            self.pairs_sql_reference, lambda d: (d, at_ts, at_ts + reach_s, at_ts), domain
        )

    def _pairs(
        self, sql: str, params: Callable[[str], Sequence[Any]], domain: str | None
    ) -> list[FixPair]:
        out: list[FixPair] = []
        make = FixPair._make
        with self._read() as conn:
            cur = cursor(conn)
            for d in (domain,) if domain is not None else TRACK_DOMAINS:
                out.extend(map(make, cur.execute(sql, params(d)).fetchall()))
            cur.close()
        return out

    def purge_fixes_before(self, ts: float) -> int:
        """Delete every row older than `ts`, an hour of fixes a transaction (from the
        oldest left, so empty stretches cost nothing); how many."""
        gone = 0
        for domain in TRACK_DOMAINS:
            while (oldest := self._oldest(domain)) is not None and oldest < ts:
                upto = min(oldest + PURGE_SLICE_S, ts)
                with self._history_write() as conn:
                    cur = cursor(conn)
                    cur.execute(
                        f"DELETE FROM track_fixes WHERE domain = ? AND {_ALL_SPANS} AND time < ?",
                        (domain, upto),
                    )
                    gone += max(cur.rowcount, 0)
                    cur.close()
        return gone

    def _oldest(self, domain: str) -> float | None:
        """The oldest row's time (a look-up per span class: each is one index descent)."""
        found: list[float] = []
        with self._read() as conn:
            cur = cursor(conn)
            for c in range(SPAN_CLASSES):
                row = cur.execute(
                    "SELECT min(time) FROM track_fixes WHERE domain = ? AND span = ?", (domain, c)
                ).fetchone()
                if row is not None and row[0] is not None:
                    found.append(float(row[0]))
            cur.close()
        return min(found) if found else None
