"""SQLite engine of the store: one file, WAL, R*Tree candidate index.

Writers take ``BEGIN IMMEDIATE`` (one writer at a time, across processes too) so that
detection and insertion of a notice are one serialised step. Commits are durable
(``synchronous=FULL``): a 2xx means the row is on disk.
"""

from __future__ import annotations

import contextlib
import os
import sqlite3
import threading
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any, ClassVar

from sqlalchemy import Connection, Engine, create_engine, event
from sqlalchemy.pool import StaticPool

from . import migrations
from .base import Box
from .rows import FixRow
from .sql import SpatialIndex, SqlStore, SqlWriteTx, Tip
from .sql_history import INSERT_JSON_SQL, json_batch

# The store holds every hidden field and hotline body in plain text: its owner alone reads
# it (SQLite gives the -wal and -shm files the database file's mode).
FILE_MODE = 0o600


def _private_file(path: str) -> None:
    """Create the database file `path` mode 0600 unless it exists; narrow an existing
    one's mode (and its -wal/-shm files') to 0600 where this process may."""
    with contextlib.suppress(OSError):  # exists (or cannot be made: SQLite will say)
        os.close(os.open(path, os.O_CREAT | os.O_EXCL | os.O_WRONLY, FILE_MODE))
    for name in (path, path + "-wal", path + "-shm"):
        with contextlib.suppress(OSError):
            if os.stat(name).st_mode & 0o777 != FILE_MODE:
                os.chmod(name, FILE_MODE)


def _engine(url: str, *, immediate: bool) -> Engine:
    kwargs: dict[str, Any] = {"connect_args": {"check_same_thread": False}}
    if url in ("sqlite://", "sqlite:///:memory:"):
        kwargs["poolclass"] = StaticPool
    engine = create_engine(url, **kwargs)
    memory = "poolclass" in kwargs

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_conn: Any, _record: Any) -> None:
        dbapi_conn.isolation_level = None  # we issue BEGIN ourselves
        cur = dbapi_conn.cursor()
        cur.execute("PRAGMA journal_mode=WAL")
        cur.execute("PRAGMA synchronous=FULL")
        cur.execute("PRAGMA foreign_keys=ON")
        cur.execute("PRAGMA busy_timeout=10000")
        if not memory:
            cur.execute("PRAGMA wal_autocheckpoint=0")  # the Checkpointer thread does it
        cur.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn: Connection) -> None:
        conn.exec_driver_sql("BEGIN IMMEDIATE" if immediate else "BEGIN")

    return engine


class RTreeIndex(SpatialIndex):
    """SQLite's R*Tree virtual tables; they round bounds outwards to float32."""

    box_where = (
        "i.max_lon >= :min_lon AND i.min_lon <= :max_lon AND i.max_lat >= :min_lat "
        "AND i.min_lat <= :max_lat AND i.max_h >= :min_h AND i.min_h <= :max_h "
        "AND i.max_t >= :min_t AND i.min_t <= :max_t"
    )
    insert_sql: ClassVar[dict[str, str]] = {
        table: f"INSERT INTO {table} VALUES (:id, :min_lon, :max_lon, :min_lat, "
        ":max_lat, :min_h, :max_h, :min_t, :max_t, :seq)"
        for table in ("notice_index", "asset_index")
    }

    def bbox_seqs_sql(self, boxes: list[Box]) -> str:
        cond = " OR ".join(
            f"(max_lon >= {b[0]!r} AND min_lon <= {b[2]!r} AND max_lat >= {b[1]!r} "
            f"AND min_lat <= {b[3]!r})"
            for b in boxes
        )
        return f"SELECT seq FROM notice_index WHERE {cond}"


class Checkpointer:
    """Copies the WAL back into the database file from a background thread.

    SQLite's automatic checkpoint runs inside whichever COMMIT crosses the threshold and
    adds its fsyncs to that commit (the 7-10 ms tail of commit latency measured in
    bench/strategic.py). A PASSIVE checkpoint here never blocks writers or readers.
    """

    INTERVAL_S = 0.5

    def __init__(self, path: str) -> None:
        self._path = path
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="wal-checkpoint", daemon=True)
        self._thread.start()

    def _run(self) -> None:
        conn = sqlite3.connect(self._path, isolation_level=None, check_same_thread=False)
        try:
            conn.execute("PRAGMA busy_timeout=1000")
            while not self._stop.wait(self.INTERVAL_S):
                with contextlib.suppress(sqlite3.Error):
                    conn.execute("PRAGMA wal_checkpoint(PASSIVE)")
            with contextlib.suppress(sqlite3.Error):  # fold the WAL in before we go
                conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        finally:
            conn.close()

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(timeout=5)


class SqliteStore(SqlStore):
    """The embedded store: one file, WAL; safe to share across threads of one process."""

    def __init__(self, url: str) -> None:
        self.url = url
        self.index = RTreeIndex()
        memory = url in ("sqlite://", "sqlite:///:memory:")
        database = url.removeprefix("sqlite:///")
        if not memory and url.startswith("sqlite:///") and "?" not in database:
            _private_file(database)
        self._writer = _engine(url, immediate=True)
        self._reader = self._writer if memory else _engine(url, immediate=False)
        self._write_lock = threading.Lock()  # one writer per process; SQLite locks across
        self._tip: Tip | None = None  # where this process's last write left the ledger
        # Called (from the writing thread) after every commit: the push stream's wake-up.
        self.on_commit: list[Callable[[], None]] = []
        with self._writer.begin() as conn:
            migrations.upgrade(conn)
        self._checkpointer = None if memory else Checkpointer(self._writer.url.database or "")

    @contextmanager
    def write(self) -> Iterator[SqlWriteTx]:
        with self._write_lock, self._writer.begin() as conn:
            tx = SqlWriteTx(conn, self.index, self._tip)
            yield tx
            tx.seal(self.sealer)  # the batch's checkpoint, committed with it
        self._tip = tx.tip()
        self._fire_on_commit()

    def _insert_fixes(self, cur: Any, rows: Sequence[FixRow]) -> None:
        cur.execute(INSERT_JSON_SQL, (json_batch(rows),))

    @contextmanager
    def _history_write(self) -> Iterator[Connection]:
        """A short transaction of its own (track history: no ledger entry, no checkpoint),
        serialised with the other writers as SQLite must."""
        with self._write_lock, self._writer.begin() as conn:
            yield conn

    def close(self) -> None:
        if self._checkpointer is not None:
            self._checkpointer.stop()
        self._writer.dispose()
        if self._reader is not self._writer:
            self._reader.dispose()


def sqlite_url(target: str | Path) -> str:
    """``sqlite:///path`` from a URL, a plain file path, or ``:memory:``."""
    target = str(target)
    if target == ":memory:":
        return "sqlite://"
    if "://" not in target:
        return f"sqlite:///{Path(target).resolve()}"
    return target
