"""PostgreSQL engine of the store: several API processes (on several hosts) over one
database.

- Writers are serialised by a transaction-scoped advisory lock taken first in every write
  transaction: detection sees every notice committed before it, and the ledger (one hash
  chain, each entry naming its predecessor) is appended by one writer at a time. Every
  write appends to the ledger, so a finer lock would buy nothing; the group commit still
  puts many requests of a process behind one lock and one commit.
- The candidate index is GiST over 4D `cube` boxes (lon, lat, height, time): PostgreSQL's
  contrib extension, the same boxes as SQLite's R*Tree, held in float8.
- A commit NOTIFYs the channel; every process LISTENs and wakes its push streams, so an
  event reaches each subscriber whichever process accepted it.
- A lost connection (a restart, a failover) becomes StoreUnavailable (HTTP 503): nothing
  was committed unless the answer was lost, and a signed envelope's retry is refused as a
  replay if it was, so nothing is stored twice.
- A multi-host URL (a primary and its standbys, `target_session_attrs=read-write`) finds
  the primary; after a failover the pool's pre-ping drops dead connections and libpq
  finds the new one (`scripts/ha` runs such a set).
"""

from __future__ import annotations

import contextlib
import logging
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any, ClassVar

import psycopg
from sqlalchemy import Connection, Engine, create_engine, event
from sqlalchemy import exc as sa_exc

from ..errors import StoreUnavailable
from . import migrations
from .base import Box
from .cursor import defer, flush, start_deferring, stop_deferring
from .sql import SpatialIndex, SqlStore, SqlWriteTx, Tip
from .sql_history import PAIRS_BY_SPAN_SQL_LATERAL, PAIRS_SQL_LATERAL

log = logging.getLogger(__name__)

WRITE_LOCK = 0x494E544C  # "INTL": the advisory lock every writer holds to commit
CHANNEL = "interlock_commit"
_LOST = (
    psycopg.OperationalError,
    psycopg.InterfaceError,
    sa_exc.OperationalError,
    sa_exc.InterfaceError,
)
# A server that refuses writes as read-only (SQLSTATE 25006) is a primary demoted to a
# standby under a connection made before the failover: the database is elsewhere now.
_MAYBE_LOST = (*_LOST, psycopg.errors.ReadOnlySqlTransaction, sa_exc.InternalError)

_CUBE = (
    "cube(ARRAY[{0}min_lon, {0}min_lat, {0}min_h, {0}min_t]::float8[], "
    "ARRAY[{0}max_lon, {0}max_lat, {0}max_h, {0}max_t]::float8[])"
)


class CubeIndex(SpatialIndex):
    """GiST over `cube` boxes; `&&` counts touching boxes as overlapping, as R*Tree does."""

    box_where = "i.box && " + _CUBE.format(":")
    insert_sql: ClassVar[dict[str, str]] = {
        table: f"INSERT INTO {table} (id, seq, box) VALUES (:id, :seq, {_CUBE.format(':')})"
        for table in ("notice_index", "asset_index")
    }

    def bbox_seqs_sql(self, boxes: list[Box]) -> str:
        big = 1e12
        cond = " OR ".join(
            f"box && cube(ARRAY[{b[0]!r}, {b[1]!r}, {-big!r}, {-big!r}]::float8[], "
            f"ARRAY[{b[2]!r}, {b[3]!r}, {big!r}, {big!r}]::float8[])"
            for b in boxes
        )
        return f"SELECT seq FROM notice_index WHERE {cond}"


# One statement where SQLite takes two: a round trip saved under the write lock each.
_LEDGER_AND_INBOX_SQL = (
    "WITH e AS (INSERT INTO ledger (seq, prev_hash, received_at, content_hash, hash, kind, "
    "ref, event, audience, openings) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING seq) "
    "INSERT INTO inbox (party, seq) SELECT p, e.seq FROM e, unnest(?::text[]) AS p"
)
_MESSAGE_AND_RECIPIENTS_SQL = (
    "WITH m AS (INSERT INTO messages (id, sender, priority, sent_at, deadline_at, ledger_seq, "
    "event) VALUES (?, ?, ?, ?, ?, ?, ?) RETURNING id, deadline_at) "
    "INSERT INTO message_recipients (message_id, party, escalations, next_escalation_at) "
    "SELECT m.id, p, 0, m.deadline_at FROM m, unnest(?::text[]) AS p"
)


class PostgresWriteTx(SqlWriteTx):
    """The write transaction with PostgreSQL's data-modifying CTEs on the hot path, each
    deferred (store.cursor): a batch's rows go out with its next read or its commit."""

    prefetches: ClassVar[bool] = True  # a batch's nonces and the head in one round trip

    def _insert_ledger_row(self, cur: Any, row: tuple[Any, ...], audience: list[str]) -> None:
        defer(self.conn, _LEDGER_AND_INBOX_SQL, (*row, audience))

    def _insert_message_rows(self, cur: Any, row: tuple[Any, ...], recipients: list[str]) -> None:
        defer(self.conn, _MESSAGE_AND_RECIPIENTS_SQL, (*row, recipients))


def engine_url(url: str) -> str:
    """`postgresql://...` (what people write) as SQLAlchemy's psycopg 3 URL.

    A multi-host URL (`postgresql://u@h1:p1,h2:p2/db?target_session_attrs=read-write`,
    libpq's form: a primary and its standbys) becomes SQLAlchemy's form of it, one `host`
    query option a host (`...@/db?host=h1:p1&host=h2:p2&...`): its URL parser takes one
    host, and its psycopg dialect hands the list to libpq, which tries them in turn."""
    rest = _without_scheme(url)
    netloc, slash, tail = rest.partition("/")
    userinfo, at, hosts = netloc.rpartition("@")
    if "," not in hosts:
        return "postgresql+psycopg://" + rest
    path, _, query = tail.partition("?")
    options = "&".join(f"host={h}" for h in hosts.split(","))
    return f"postgresql+psycopg://{userinfo}{at}{slash}{path}?{options}" + (
        f"&{query}" if query else ""
    )


def libpq_url(url: str) -> str:
    """The URL as libpq takes it (several hosts as they were written)."""
    return "postgresql://" + _without_scheme(url)


def _without_scheme(url: str) -> str:
    for prefix in ("postgresql+psycopg://", "postgresql://", "postgres://"):
        if url.startswith(prefix):
            return url[len(prefix) :]
    raise ValueError(f"not a PostgreSQL URL: {url}")


class CommitListener:
    """LISTENs for other processes' commits on its own connection and wakes the streams.

    Reconnects when the database goes away; after every (re)connect it wakes them once, for
    any commit it may have missed while it was not listening."""

    def __init__(self, url: str, wake: Callable[[], None]) -> None:
        self._url = libpq_url(url)
        self._wake = wake
        self._stop = threading.Event()
        self.connected = threading.Event()
        self._thread = threading.Thread(target=self._run, name="pg-listen", daemon=True)
        self._thread.start()

    def _run(self) -> None:
        pause = 0.2  # between reconnection attempts, doubling to 5 s while it stays away
        while not self._stop.is_set():
            try:
                with psycopg.connect(self._url, autocommit=True, connect_timeout=5) as conn:
                    conn.execute(f"LISTEN {CHANNEL}")
                    self.connected.set()
                    pause = 0.2
                    self._wake()
                    while not self._stop.is_set():  # the timeout: to check _stop
                        for _ in conn.notifies(timeout=0.5):
                            self._wake()  # at once: streams coalesce wake-ups themselves
            except psycopg.Error as exc:
                self.connected.clear()
                if exc.sqlstate == "3D000" or "does not exist" in str(exc):
                    log.warning("commit listener stops: %s", _first_line(exc))
                    return  # the database was dropped: there is nothing to listen to
                log.warning("commit listener lost the database (%s); reconnecting", exc)
                self._stop.wait(pause)
                pause = min(pause * 2, 5.0)

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(timeout=5)


class PostgresStore(SqlStore):
    """The store on a PostgreSQL database, shared by any number of processes."""

    pairs_sql = PAIRS_BY_SPAN_SQL_LATERAL  # track history's key look-ups as index look-ups
    pairs_sql_reference = PAIRS_SQL_LATERAL

    def __init__(self, url: str, *, pool_size: int = 8) -> None:
        self.url = url
        self.index = CubeIndex()
        self._engine: Engine = create_engine(
            engine_url(url),
            pool_size=pool_size,
            max_overflow=pool_size,
            pool_pre_ping=True,  # a connection that died with a restart is replaced
            connect_args={"connect_timeout": 5},
        )
        # The writer's own connection (writers are one at a time in a process): its
        # statements stay prepared from the first use. On the shared pool, a read's
        # ROLLBACK at check-in makes psycopg forget every prepared statement, and the
        # candidate search is planned anew (~1 ms) under the write lock.
        self._writes: Engine = create_engine(
            engine_url(url),
            pool_size=1,
            max_overflow=2,
            pool_pre_ping=True,
            connect_args={"connect_timeout": 5, "prepare_threshold": 0},
        )
        # a Core statement in a write transaction follows what waits (store.cursor), in order
        event.listen(self._writes, "before_cursor_execute", _send_deferred_first)
        self._reader = self._engine
        self._write_lock = threading.Lock()  # one writer per process queues here, not in PG
        self._tip: Tip | None = None  # where this process's last write left the ledger
        self.on_commit: list[Callable[[], None]] = []
        with self._locked() as conn:
            migrations.upgrade(conn)
        self._listener = CommitListener(url, self._fire_on_commit)

    @contextmanager
    def _locked(self) -> Iterator[Connection]:
        """A transaction holding the write lock: serialised with every writer anywhere.

        Statements whose answer is not read are deferred (store.cursor) while it lasts: the
        lock itself goes out with the first read, and what waits at the end with the commit,
        so the round trips under the lock are those of the reads."""
        with self._writes.begin() as conn:
            start_deferring(conn)
            try:
                defer(conn, "SELECT pg_advisory_xact_lock(?)", (WRITE_LOCK,))
                yield conn
                # COMMIT with the rest: its answer (durable, on the synchronous standby
                # too) ends the one round trip; the driver's own commit then has nothing to do
                defer(conn, "COMMIT")
                flush(conn)
            finally:
                stop_deferring(conn)

    @contextmanager
    def write(self) -> Iterator[PostgresWriteTx]:
        with self._write_lock:
            try:
                with self._locked() as conn:
                    tx = PostgresWriteTx(conn, self.index, self._tip)
                    yield tx
                    tx.seal(self.sealer)  # the batch's checkpoint, committed with it
                    defer(conn, "SELECT pg_notify(?, '')", (CHANNEL,))  # sent at commit
                self._tip = tx.tip()
            except _MAYBE_LOST as exc:
                if not self._gone(exc):
                    raise
                raise StoreUnavailable(f"database unavailable: {_first_line(exc)}") from exc
        self._fire_on_commit()

    @contextmanager
    def _read(self) -> Iterator[Connection]:
        try:
            with self._engine.connect() as conn:
                yield conn
        except _MAYBE_LOST as exc:
            if not self._gone(exc):
                raise
            raise StoreUnavailable(f"database unavailable: {_first_line(exc)}") from exc

    @contextmanager
    def _history_write(self) -> Iterator[Connection]:
        """A short transaction of its own (track history: no ledger entry, no checkpoint,
        so no write lock: fixes commute with every other write)."""
        try:
            with self._engine.begin() as conn:
                yield conn
        except _MAYBE_LOST as exc:
            if not self._gone(exc):
                raise
            raise StoreUnavailable(f"database unavailable: {_first_line(exc)}") from exc

    def side_write(self) -> contextlib.AbstractContextManager[Connection]:
        """A short transaction without the write lock, for what is not on record (the
        shared picture's lease, inbox and snapshot: store.picture_share)."""
        return self._history_write()

    def _gone(self, exc: Exception) -> bool:
        """Whether a database error means the database is gone (StoreUnavailable, 503): lost,
        or read-only (then every pooled connection is dropped: made before a failover,
        they would reach the demoted node again)."""
        cause = getattr(exc, "orig", None) or exc
        if isinstance(cause, psycopg.errors.ReadOnlySqlTransaction):
            self._engine.dispose()
            self._writes.dispose()
            return True
        return isinstance(exc, _LOST)

    def close(self) -> None:
        self._listener.stop()
        with contextlib.suppress(Exception):
            self._engine.dispose()
            self._writes.dispose()


def _send_deferred_first(conn: Connection, *_: Any) -> None:
    flush(conn)


def _first_line(exc: BaseException) -> str:
    text = str(getattr(exc, "orig", None) or exc).strip()
    return text.splitlines()[0] if text else type(exc).__name__
