"""A DB-API cursor on a SQLAlchemy connection, the same for every engine.

The hot paths run plain SQL on the driver's cursor (building a Core statement or result
cost more than SQLite's own work). The SQL is written once, in sqlite3's paramstyles
(``?`` and ``:name``); on PostgreSQL the cursor rewrites it once per statement text to
psycopg's (``%s`` and ``%(name)s``).

Writes whose answer nobody reads (inserts without RETURNING, SAVEPOINT, the write lock,
NOTIFY) can be *deferred* (`defer`) inside a PostgreSQL write transaction: they wait on the
connection and go out with the next statement that needs an answer, in one pipeline
(psycopg's pipeline mode: one round trip for all of them), or at `flush`. The order of
statements is kept, so what a later read sees is what it would have seen one by one. On
SQLite (no network) a deferred statement simply runs at once.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator, Sequence
from functools import lru_cache
from typing import Any

from sqlalchemy import Connection

_DEFERRED = "interlock.deferred"  # conn.info key: the Deferred of a write transaction
_PARAM = re.compile(r"(?<![:\w]):(\w+)|\?")


@lru_cache(maxsize=1024)
def to_pyformat(sql: str) -> str:
    """sqlite3 placeholders to psycopg's; `::type` casts are left alone."""
    return _PARAM.sub(lambda m: f"%({m.group(1)})s" if m.group(1) else "%s", sql)


class Deferred:
    """Statements waiting to be sent (in order), and how many flushes have happened (a
    savepoint asks whether its SAVEPOINT is still waiting, `rewind`)."""

    __slots__ = ("flushes", "statements")

    def __init__(self) -> None:
        self.statements: list[tuple[str, Any, bool]] = []  # (psycopg SQL, params, many)
        self.flushes = 0

    def send(self, raw: Any) -> None:
        """Send the waiting statements on `raw` in one pipeline: a single round trip."""
        with raw.connection.pipeline():
            self.emit(raw)

    def emit(self, raw: Any) -> None:
        """Queue the waiting statements on `raw` (inside the caller's pipeline)."""
        waiting, self.statements = self.statements, []
        self.flushes += 1
        for sql, params, many in waiting:
            (raw.executemany if many else raw.execute)(sql, params)


class PyformatCursor:
    """A psycopg cursor that takes sqlite3-style SQL; returns itself from execute, as sqlite3
    does, so ``cur.execute(...).fetchone()`` reads the same on both engines. Statements
    deferred on its connection go out first, in the same round trip."""

    __slots__ = ("_cur", "_deferred")

    def __init__(self, cur: Any, deferred: Deferred | None = None) -> None:
        self._cur = cur
        self._deferred = deferred

    def execute(self, sql: str, params: Any = None) -> PyformatCursor:
        self._run(self._cur.execute, sql, params)
        return self

    def executemany(self, sql: str, params: Sequence[Any]) -> PyformatCursor:
        if params:
            self._run(self._cur.executemany, sql, params)
        return self

    def _run(self, run: Callable[[str, Any], Any], sql: str, params: Any) -> None:
        """Run the statement, after what waits on the connection and in its round trip."""
        deferred = self._deferred
        if deferred is None or not deferred.statements:
            run(to_pyformat(sql), params)
            return
        with self._cur.connection.pipeline():
            deferred.emit(self._cur)
            run(to_pyformat(sql), params)

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
        return PyformatCursor(raw, conn.info.get(_DEFERRED))
    return raw


def start_deferring(conn: Connection) -> None:
    """From now on `defer` on this connection waits for the next answer (PostgreSQL); the
    write transaction's owner calls `stop_deferring` when it ends, sent or not."""
    if conn.dialect.name == "postgresql":
        conn.info[_DEFERRED] = Deferred()


def stop_deferring(conn: Connection) -> None:
    """Forget what is still waiting (the transaction is over: committed after `flush`,
    or rolled back, when the waiting statements must not run)."""
    conn.info.pop(_DEFERRED, None)


def defer(conn: Connection, sql: str, params: Any = None, *, many: bool = False) -> None:
    """Run a statement whose answer is not read: at once, or with the next statement that
    needs one (see the module's docstring). A deferred statement's error surfaces then."""
    deferred: Deferred | None = conn.info.get(_DEFERRED)
    if deferred is None:
        cur = cursor(conn)
        if many:
            cur.executemany(sql, params)
        elif params is None:
            cur.execute(sql)
        else:
            cur.execute(sql, params)
        cur.close()
    elif not many or params:
        deferred.statements.append((to_pyformat(sql), params, many))


def flush(conn: Connection) -> None:
    """Send what waits (one round trip; nothing when nothing waits)."""
    deferred: Deferred | None = conn.info.get(_DEFERRED)
    if deferred is not None and deferred.statements:
        dbapi = conn.connection.dbapi_connection
        assert dbapi is not None
        raw = dbapi.cursor()
        deferred.send(raw)
        raw.close()


def read_together(conn: Connection, queries: Sequence[tuple[str, Any]]) -> list[list[Any]]:
    """The rows of several reads, sent with what waits in one round trip on PostgreSQL
    (one after the other on SQLite); in order, each seeing what went before it."""
    deferred: Deferred | None = conn.info.get(_DEFERRED)
    if deferred is None:
        cur = cursor(conn)
        try:
            return [cur.execute(sql, params or ()).fetchall() for sql, params in queries]
        finally:
            cur.close()
    dbapi = conn.connection.dbapi_connection
    assert dbapi is not None
    scratch = dbapi.cursor()
    curs = [dbapi.cursor() for _ in queries]
    try:
        with dbapi.pipeline():
            deferred.emit(scratch)
            for cur, (sql, params) in zip(curs, queries, strict=True):
                cur.execute(to_pyformat(sql), params)
        return [list(cur.fetchall()) for cur in curs]
    finally:
        for cur in (scratch, *curs):
            cur.close()


def mark(conn: Connection) -> tuple[int, int]:
    """Where the waiting statements stand (for `rewind`)."""
    deferred: Deferred | None = conn.info.get(_DEFERRED)
    return (0, -1) if deferred is None else (deferred.flushes, len(deferred.statements))


def rewind(conn: Connection, at: tuple[int, int]) -> bool:
    """Drop the statements deferred since `at`. True if none of them had been sent (so
    the server never saw them); False if some were (then undo them on the server too)."""
    deferred: Deferred | None = conn.info.get(_DEFERRED)
    if deferred is None:
        return False
    flushes, length = at
    if deferred.flushes == flushes:
        del deferred.statements[length:]
        return True
    deferred.statements.clear()  # all sent since `at` but these, which follow it
    return False
