"""A DB-API cursor on a SQLAlchemy connection, the same for every engine.

The hot paths run plain SQL on the driver's cursor (building a Core statement or result
cost more than SQLite's own work). The SQL is written once, in sqlite3's paramstyles
(``?`` and ``:name``); on PostgreSQL the cursor rewrites it once per statement text to
psycopg's (``%s`` and ``%(name)s``).
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence
from functools import lru_cache
from typing import Any

from sqlalchemy import Connection

_PARAM = re.compile(r"(?<![:\w]):(\w+)|\?")


@lru_cache(maxsize=1024)
def to_pyformat(sql: str) -> str:
    """sqlite3 placeholders to psycopg's; `::type` casts are left alone."""
    return _PARAM.sub(lambda m: f"%({m.group(1)})s" if m.group(1) else "%s", sql)


class PyformatCursor:
    """A psycopg cursor that takes sqlite3-style SQL; returns itself from execute, as sqlite3
    does, so ``cur.execute(...).fetchone()`` reads the same on both engines."""

    __slots__ = ("_cur",)

    def __init__(self, cur: Any) -> None:
        self._cur = cur

    def execute(self, sql: str, params: Any = None) -> PyformatCursor:
        self._cur.execute(to_pyformat(sql), params)
        return self

    def executemany(self, sql: str, params: Sequence[Any]) -> PyformatCursor:
        if params:
            self._cur.executemany(to_pyformat(sql), params)
        return self

    def fetchone(self) -> Any:
        return self._cur.fetchone()

    def fetchall(self) -> list[Any]:
        return self._cur.fetchall()

    def __iter__(self) -> Iterator[Any]:
        return iter(self._cur)

    @property
    def rowcount(self) -> int:
        return int(self._cur.rowcount)

    def close(self) -> None:
        self._cur.close()


def cursor(conn: Connection) -> Any:
    """The driver's cursor on the connection's own transaction."""
    dbapi = conn.connection.dbapi_connection
    assert dbapi is not None  # None only once the connection is closed or invalidated
    raw = dbapi.cursor()
    if conn.dialect.name == "postgresql":
        return PyformatCursor(raw)
    return raw
