"""Track history on SQL, the same on both engines (service.history writes, the picture at
a moment and trails read).

Fixes arrive in batches (thousands a second at 10 k tracks) and are written in a short
transaction of their own, outside the ledger: history is the picture's memory, not a
statement of any party. Reads:

- a trail (`fixes_between`) by time, by place (1-degree cells, then time) or by track
  (the table is clustered by track and time);
- the picture at a moment (`fix_pairs_at`): for each track shown at T, its kept fix at or
  before T and the row after it (the next fix, or the `end` row where the fix goes stale),
  found from the rows in (T, T + reach] alone: every row names its predecessor's time.
"""

from __future__ import annotations

import math
from collections.abc import Iterator, Sequence
from contextlib import AbstractContextManager
from typing import Any

from sqlalchemy import Connection

from .base import Box
from .cursor import cursor
from .rows import FixRow

TRACK_DOMAINS = ("air", "sea")  # model.track.DOMAINS: the index leads with the domain
CELL_DEG = 1.0  # cell size: a theatre's bbox covers tens to hundreds of cells
MAX_CELLS = 4096  # a larger bbox is read by time alone, then filtered
PURGE_SLICE_S = 3600.0  # one hour of fixes a delete transaction (the writer is shared)

_COLS = (
    "time, track_id, party, domain, owner, source, lon, lat, alt_ft, speed_kt, course_deg, "
    "name, prev_time, is_end"
)
_INSERT_SQL = (
    f"INSERT INTO track_fixes ({_COLS}, cell) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) "
    "ON CONFLICT (track_id, party, time) DO NOTHING"
)
_A = ", ".join(f"a.{c.strip()}" for c in _COLS.split(","))
_B = ", ".join(f"b.{c.strip()}" for c in _COLS.split(","))
_PAIRS_SQL = (
    f"SELECT {_A}, {_B} FROM track_fixes b "
    "JOIN track_fixes a ON a.track_id = b.track_id AND a.party = b.party AND a.time = b.prev_time "
    "WHERE b.domain = ? AND b.time > ? AND b.time <= ? AND b.prev_time <= ?"
)


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


def _row(r: Sequence[Any], at: int = 0) -> FixRow:
    """A FixRow from a raw row of `_COLS` starting at column `at`."""
    v = r[at : at + 14]
    return FixRow(
        v[0], v[1], v[2], v[3], v[4], v[5], v[6], v[7], v[8], v[9], v[10], v[11], v[12], bool(v[13])
    )


def _params(f: FixRow) -> tuple[object, ...]:
    return (
        f.time,
        f.track_id,
        f.party,
        f.domain,
        f.owner,
        f.source,
        f.lon,
        f.lat,
        f.alt_ft,
        f.speed_kt,
        f.course_deg,
        f.name,
        f.prev_time,
        f.end,
        cell_of(f.lon, f.lat),
    )


def _in_box(lon: float, lat: float, bbox: Box) -> bool:
    min_lon, min_lat, max_lon, max_lat = bbox
    if not min_lat <= lat <= max_lat:
        return False
    if min_lon <= max_lon:
        return min_lon <= lon <= max_lon
    return lon >= min_lon or lon <= max_lon


class HistoryReadsWrites:
    """Mixed into the store; the engine gives `_history_write` (its own transaction) and
    `_read`."""

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
            cur.executemany(_INSERT_SQL, [_params(f) for f in rows])
            cur.close()

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
    ) -> list[tuple[FixRow, FixRow]]:
        """For each track with a row in (at, at + reach] whose predecessor is at or before
        `at`: (that predecessor, the row). The row is the next fix or an `end` row."""
        out: list[tuple[FixRow, FixRow]] = []
        with self._read() as conn:
            cur = cursor(conn)
            for d in (domain,) if domain is not None else TRACK_DOMAINS:
                for r in cur.execute(_PAIRS_SQL, (d, at_ts, at_ts + reach_s, at_ts)).fetchall():
                    out.append((_row(r), _row(r, 14)))
            cur.close()
        return out

    def purge_fixes_before(self, ts: float) -> int:
        """Delete every row older than `ts`, an hour of fixes a transaction; how many."""
        gone = 0
        for domain in TRACK_DOMAINS:
            for upto in self._purge_slices(domain, ts):
                with self._history_write() as conn:
                    cur = cursor(conn)
                    cur.execute(
                        "DELETE FROM track_fixes WHERE domain = ? AND time < ?", (domain, upto)
                    )
                    gone += max(cur.rowcount, 0)
                    cur.close()
        return gone

    def _purge_slices(self, domain: str, ts: float) -> Iterator[float]:
        with self._read() as conn:
            cur = cursor(conn)
            found = cur.execute(
                "SELECT min(time) FROM track_fixes WHERE domain = ?", (domain,)
            ).fetchone()
            cur.close()
        oldest = found[0] if found else None
        if oldest is None or oldest >= ts:
            return
        upto = oldest
        while upto < ts:
            upto = min(upto + PURGE_SLICE_S, ts)
            yield upto
