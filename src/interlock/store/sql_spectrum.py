"""The electromagnetic arena's reads: the emissions and receivers an assessment reads.

Mixed into the write transaction (the check of a new emission notice runs inside the
transaction that stores it) and into the store (`GET /spectrum/conflicts`). Plain SQL, one
query each: an assessment reads every emission of its window at once.
"""

from __future__ import annotations

from collections.abc import Sequence
from contextlib import AbstractContextManager
from typing import Any

import orjson
from sqlalchemy import Connection

from .base import NoticeRow
from .cursor import cursor
from .rows import AssetRow

_EMISSIONS_SQL = (
    "SELECT n.id, n.party, n.domain, v.version, v.filed_at, n.created_at, n.cancelled_at, "
    "v.feature FROM notices n "
    "JOIN notice_versions v ON v.notice_id = n.id AND v.version = n.current_version "
    "WHERE n.domain = 'emission' AND n.cancelled_at IS NULL "
    "AND n.end_ts > ? AND n.start_ts < ? ORDER BY n.seq"
)
# An asset's columns in AssetRow's field order (every asset read selects these).
ASSET_COLUMNS = ("id", "party", "kind", "created_at", "retired_at", "feature")
# Assets are few (standing things): the receiver test is done on the parsed feature.
_ASSETS_SQL = f"SELECT {', '.join(ASSET_COLUMNS)} FROM assets WHERE retired_at IS NULL ORDER BY seq"


def notice_row(r: Sequence[Any]) -> NoticeRow:
    """A NoticeRow from a raw row of its columns in field order, the feature as JSON text."""
    return NoticeRow(r[0], r[1], r[2], r[3], r[4], r[5], r[6], orjson.loads(r[7]))


def asset_row(r: Sequence[Any]) -> AssetRow:
    """An AssetRow from a raw row of ASSET_COLUMNS, the feature as JSON text."""
    return AssetRow(r[0], r[1], r[2], r[3], r[4], orjson.loads(r[5]))


def _emissions(conn: Connection, start_ts: float, end_ts: float) -> list[NoticeRow]:
    cur = cursor(conn)
    rows = cur.execute(_EMISSIONS_SQL, (start_ts, end_ts)).fetchall()
    cur.close()
    return [notice_row(r) for r in rows]


def _receivers(conn: Connection) -> list[AssetRow]:
    cur = cursor(conn)
    rows = cur.execute(_ASSETS_SQL).fetchall()
    cur.close()
    return [a for a in map(asset_row, rows) if a.is_receiver]


class SpectrumWrites:
    """Spectrum reads inside the write transaction (they see its own uncommitted rows)."""

    conn: Connection

    def emissions_between(self, start_ts: float, end_ts: float) -> list[NoticeRow]:
        """Current versions of uncancelled emission notices whose window meets (start, end)."""
        return _emissions(self.conn, start_ts, end_ts)

    def receivers(self) -> list[AssetRow]:
        """Unretired assets that carry a protected receiver."""
        return _receivers(self.conn)


class SpectrumReads:
    """The same reads outside a write, on a pooled read connection."""

    def _read(self) -> AbstractContextManager[Connection]:
        raise NotImplementedError  # provided by the store

    def emissions_between(self, start_ts: float, end_ts: float) -> list[NoticeRow]:
        with self._read() as conn:
            return _emissions(conn, start_ts, end_ts)

    def receivers(self) -> list[AssetRow]:
        with self._read() as conn:
            return _receivers(conn)
