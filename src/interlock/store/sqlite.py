"""SQLite engine of the store: SQLAlchemy Core, WAL journal, R*Tree candidate index.

Writers take ``BEGIN IMMEDIATE`` so that detection and insertion of a notice are one
serialised step: two overlapping notices filed at the same moment cannot both miss each
other. Commits are durable (``synchronous=FULL``): a 2xx means the row is on disk.
"""

from __future__ import annotations

import contextlib
import sqlite3
import threading
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import orjson
from sqlalchemy import Connection, Engine, create_engine, event, func, insert, select, text, update
from sqlalchemy.exc import IntegrityError, NoResultFound
from sqlalchemy.pool import StaticPool

from ..errors import StateConflict
from ..ledger.chain import GENESIS, make_entry
from ..model.timeutil import parse_utc, to_ts
from . import schema as s
from .base import Box, IndexEntry, NoticeRow
from .sqlite_hotline import INSERT_INBOX_SQL, HotlineReads, HotlineWrites, ledger_entry
from .sqlite_spectrum import SpectrumReads, SpectrumWrites

T0 = 1_577_836_800.0  # 2020-01-01T00:00:00Z: origin of the index's time axis (minutes)
FAR_PAST, FAR_FUTURE = -1.0e7, 1.0e8  # minutes: standing assets
ALL_HEIGHTS = (-1.0e6, 1.0e6)


def _minutes(ts: float) -> float:
    return (ts - T0) / 60.0


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


def _row_to_notice(r: Any) -> NoticeRow:
    return NoticeRow(
        id=r.id,
        party=r.party,
        domain=r.domain,
        version=r.version,
        filed_at=r.filed_at,
        created_at=r.created_at,
        cancelled_at=r.cancelled_at,
        feature=orjson.loads(r.feature),
    )


_NOTICE_COLS = (
    s.notices.c.id,
    s.notices.c.party,
    s.notices.c.domain,
    s.notice_versions.c.version,
    s.notice_versions.c.filed_at,
    s.notices.c.created_at,
    s.notices.c.cancelled_at,
    s.notice_versions.c.feature,
)


def _current_join() -> Any:
    return s.notices.join(
        s.notice_versions,
        (s.notice_versions.c.notice_id == s.notices.c.id)
        & (s.notice_versions.c.version == s.notices.c.current_version),
    )


def _index_rows(seq: int, entry: IndexEntry) -> list[dict[str, Any]]:
    start = _minutes(entry.start_ts) if entry.start_ts > -1e11 else FAR_PAST
    end = _minutes(entry.end_ts) if entry.end_ts < 1e11 else FAR_FUTURE
    return [
        {
            "id": seq * 2 + k,
            "min_lon": b[0],
            "max_lon": b[2],
            "min_lat": b[1],
            "max_lat": b[3],
            "min_h": entry.lower_m,
            "max_h": entry.upper_m,
            "min_t": start,
            "max_t": end,
            "seq": seq,
        }
        for k, b in enumerate(entry.boxes)
    ]


_BOX_WHERE = (
    "i.max_lon >= :min_lon AND i.min_lon <= :max_lon AND i.max_lat >= :min_lat "
    "AND i.min_lat <= :max_lat AND i.max_h >= :min_h AND i.min_h <= :max_h "
    "AND i.max_t >= :min_t AND i.min_t <= :max_t"
)

# The write path runs plain SQL through exec_driver_sql: building a Core statement per call
# cost 150-200 us each (five per submit), more than SQLite's own work.
_CANDIDATES_SQL = (
    "SELECT DISTINCT n.id, n.party, n.domain, v.version, v.filed_at, n.created_at, "
    "n.cancelled_at, v.feature FROM notice_index i "
    "JOIN notices n ON n.seq = i.seq "
    "JOIN notice_versions v ON v.notice_id = n.id AND v.version = n.current_version "
    f"WHERE {_BOX_WHERE} AND n.cancelled_at IS NULL AND n.party != :party "
    "AND n.domain != 'emission'"
)

_ASSET_CANDIDATES_SQL = (
    "SELECT DISTINCT a.id, a.party, a.kind, a.feature FROM asset_index i "
    "JOIN assets a ON a.seq = i.seq "
    f"WHERE {_BOX_WHERE} AND a.retired_at IS NULL AND a.party != :party"
)

_INSERT_NOTICE_SQL = (
    "INSERT INTO notices (id, party, domain, current_version, created_at, start_ts, end_ts) "
    "VALUES (?, ?, ?, 0, ?, 0.0, 0.0)"
)
_INSERT_VERSION_SQL = (
    "INSERT INTO notice_versions (notice_id, version, filed_at, feature) VALUES (?, ?, ?, ?)"
)
_SET_CURRENT_SQL = (
    "UPDATE notices SET current_version = ?, start_ts = ?, end_ts = ? WHERE id = ? RETURNING seq"
)
_DELETE_INDEX_SQL = "DELETE FROM notice_index WHERE id IN (?, ?)"
_INSERT_INDEX_SQL = (
    "INSERT INTO notice_index VALUES (:id, :min_lon, :max_lon, :min_lat, "
    ":max_lat, :min_h, :max_h, :min_t, :max_t, :seq)"
)
_PARTY_FOR_TOKEN_SQL = "SELECT party FROM party_tokens WHERE token_sha256 = ?"
_CONFLICT_COLS = (
    "a_kind",
    "a_id",
    "a_version",
    "b_kind",
    "b_id",
    "b_version",
    "a_party",
    "b_party",
    "severity",
)
_INSERT_CONFLICT_SQL = (
    f"INSERT INTO conflicts ({', '.join(_CONFLICT_COLS)}, detected_at, body) "
    f"VALUES ({', '.join('?' * (len(_CONFLICT_COLS) + 2))})"
)


_LEDGER_HEAD_SQL = "SELECT seq, hash FROM ledger ORDER BY seq DESC LIMIT 1"
_INSERT_LEDGER_SQL = (
    "INSERT INTO ledger (seq, prev_hash, received_at, content_hash, hash, kind, ref, event) "
    "VALUES (?, ?, ?, ?, ?, ?, ?, ?)"
)


def _box_params(box: Box, query: IndexEntry, party: str) -> dict[str, Any]:
    return {
        "min_lon": box[0],
        "min_lat": box[1],
        "max_lon": box[2],
        "max_lat": box[3],
        "min_h": query.lower_m,
        "max_h": query.upper_m,
        "min_t": _minutes(query.start_ts),
        "max_t": _minutes(query.end_ts),
        "party": party,
    }


def _dbapi_cursor(conn: Connection) -> Any:
    """A DB-API cursor on the transaction's own connection, for the statements of every
    submit: setting up a SQLAlchemy result cost 15-80 us a statement, often more than the
    statement itself."""
    return conn.connection.dbapi_connection.cursor()  # type: ignore[union-attr]


class SqliteWriteTx(HotlineWrites, SpectrumWrites):
    """Write operations inside one BEGIN IMMEDIATE transaction."""

    def __init__(self, conn: Connection) -> None:
        self.conn = conn
        self._savepoints = 0
        self._ledger_head: tuple[int, str] | None = None  # (seq, hash) of the last entry

    @contextmanager
    def savepoint(self) -> Iterator[None]:
        """A nested step: on error only its own writes are undone (group commit)."""
        self._savepoints += 1
        name = f"sp{self._savepoints}"
        cur = _dbapi_cursor(self.conn)
        cur.execute(f"SAVEPOINT {name}")
        try:
            yield
        except BaseException:
            self._ledger_head = None  # entries of the undone step are gone: re-read the head
            cur.execute(f"ROLLBACK TO {name}")
            cur.execute(f"RELEASE {name}")
            cur.close()
            raise
        cur.execute(f"RELEASE {name}")
        cur.close()

    def insert_notice(self, notice_id: str, party: str, domain: str, created_at: float) -> None:
        cur = _dbapi_cursor(self.conn)
        cur.execute(_INSERT_NOTICE_SQL, (notice_id, party, domain, created_at))
        cur.close()

    def insert_version(self, row: NoticeRow, entry: IndexEntry | None) -> None:
        cur = _dbapi_cursor(self.conn)
        cur.execute(
            _INSERT_VERSION_SQL,
            (row.id, row.version, row.filed_at, orjson.dumps(row.feature).decode()),
        )
        if entry is not None:
            start, end = entry.start_ts, entry.end_ts
        else:  # an emission: no volume to index, but its window is still queried
            props = row.feature["properties"]
            start = to_ts(parse_utc(props["start"], "start"))
            end = to_ts(parse_utc(props["end"], "end"))
        seqs = cur.execute(_SET_CURRENT_SQL, (row.version, start, end, row.id)).fetchall()
        if len(seqs) != 1:
            raise NoResultFound(f"{len(seqs)} notices with id {row.id!r}")
        seq = seqs[0][0]
        cur.execute(_DELETE_INDEX_SQL, (seq * 2, seq * 2 + 1))
        if entry is not None:
            cur.executemany(_INSERT_INDEX_SQL, _index_rows(seq, entry))
        cur.close()

    def cancel_notice(self, notice_id: str, at: float) -> None:
        self.conn.execute(
            update(s.notices).where(s.notices.c.id == notice_id).values(cancelled_at=at)
        )

    def get_notice(self, notice_id: str, version: int | None = None) -> NoticeRow | None:
        return _get_notice(self.conn, notice_id, version)

    def candidates(self, query: IndexEntry, exclude_party: str) -> list[NoticeRow]:
        seen: dict[str, NoticeRow] = {}
        cur = _dbapi_cursor(self.conn)
        for box in query.boxes:
            for r in cur.execute(_CANDIDATES_SQL, _box_params(box, query, exclude_party)):
                seen.setdefault(r[0], NoticeRow(*r[:7], feature=orjson.loads(r[7])))
        cur.close()
        return list(seen.values())

    def asset_candidates(self, query: IndexEntry, exclude_party: str) -> list[dict[str, Any]]:
        seen: dict[str, dict[str, Any]] = {}
        cur = _dbapi_cursor(self.conn)
        for box in query.boxes:
            for r in cur.execute(_ASSET_CANDIDATES_SQL, _box_params(box, query, exclude_party)):
                seen.setdefault(
                    r[0],
                    {"id": r[0], "party": r[1], "kind": r[2], "feature": orjson.loads(r[3])},
                )
        cur.close()
        return list(seen.values())

    def insert_conflict(self, record: dict[str, Any], at: float) -> int:
        values = tuple(record[k] for k in _CONFLICT_COLS)
        cur = _dbapi_cursor(self.conn)
        cur.execute(_INSERT_CONFLICT_SQL, (*values, at, orjson.dumps(record).decode()))
        cur.close()
        return int(cur.lastrowid)

    def close_conflicts(self, notice_id: str, at: float, reason: str) -> int:
        c = s.conflicts.c
        result = self.conn.execute(
            update(s.conflicts)
            .where(((c.a_id == notice_id) | (c.b_id == notice_id)) & c.closed_at.is_(None))
            .values(closed_at=at, closed_reason=reason)
        )
        return int(result.rowcount)

    def insert_violation(self, record: dict[str, Any], at: float) -> int:
        result = self.conn.execute(
            insert(s.violations).values(
                kind=record["kind"],
                notice_id=record["notice"]["id"],
                version=record["notice"]["version"],
                party=record["party"],
                detected_at=at,
                body=orjson.dumps(record).decode(),
            )
        )
        return int(result.inserted_primary_key[0])

    def insert_asset(self, record: dict[str, Any], entry: IndexEntry) -> None:
        seq = self.conn.execute(
            insert(s.assets)
            .values(
                id=record["id"],
                party=record["party"],
                kind=record["kind"],
                created_at=record["created_at"],
                feature=orjson.dumps(record["feature"]).decode(),
            )
            .returning(s.assets.c.seq)
        ).scalar_one()
        self.conn.execute(
            text(
                "INSERT INTO asset_index VALUES (:id, :min_lon, :max_lon, :min_lat, "
                ":max_lat, :min_h, :max_h, :min_t, :max_t, :seq)"
            ),
            _index_rows(seq, entry),
        )

    def claim_nonce(self, nonce: str, party: str, at: float) -> None:
        """Record a signed envelope's nonce; StateConflict if it was seen before (a replay)."""
        cur = _dbapi_cursor(self.conn)
        try:
            cur.execute(
                "INSERT INTO nonces (nonce, party, seen_at) VALUES (?, ?, ?)", (nonce, party, at)
            )
        except (sqlite3.IntegrityError, IntegrityError):
            raise StateConflict(f"replayed envelope (nonce {nonce} already used)") from None
        finally:
            cur.close()

    def append_ledger(
        self,
        kind: str,
        ref: str | None,
        event: dict[str, Any],
        received_at: str,
        audience: Iterable[str] = (),
    ) -> dict[str, Any]:
        """Chain one event onto the ledger, inside this (serialised) transaction, and
        address it to the `audience` parties' push streams."""
        cur = _dbapi_cursor(self.conn)
        if self._ledger_head is None:
            row = cur.execute(_LEDGER_HEAD_SQL).fetchone()
            self._ledger_head = (row[0], row[1]) if row else (0, GENESIS)
        seq, prev = self._ledger_head
        entry = make_entry(seq + 1, prev, received_at, event)
        cur.execute(
            _INSERT_LEDGER_SQL,
            (
                entry["seq"],
                prev,
                received_at,
                entry["content_hash"],
                entry["hash"],
                kind,
                ref,
                orjson.dumps(event).decode(),
            ),
        )
        cur.executemany(INSERT_INBOX_SQL, [(p, entry["seq"]) for p in sorted(set(audience))])
        cur.close()
        self._ledger_head = (entry["seq"], entry["hash"])
        return entry

    def retire_asset(self, asset_id: str, at: float) -> None:
        self.conn.execute(update(s.assets).where(s.assets.c.id == asset_id).values(retired_at=at))


def _get_notice(conn: Connection, notice_id: str, version: int | None) -> NoticeRow | None:
    if version is None:
        q = select(*_NOTICE_COLS).select_from(_current_join()).where(s.notices.c.id == notice_id)
    else:
        q = (
            select(*_NOTICE_COLS)
            .select_from(
                s.notices.join(s.notice_versions, s.notice_versions.c.notice_id == s.notices.c.id)
            )
            .where((s.notices.c.id == notice_id) & (s.notice_versions.c.version == version))
        )
    r = conn.execute(q).first()
    return _row_to_notice(r) if r else None


def _conflict_dict(r: Any) -> dict[str, Any]:
    body = orjson.loads(r.body)
    body.update(
        id=r.id, detected_at=r.detected_at, closed_at=r.closed_at, closed_reason=r.closed_reason
    )
    return body


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


class SqliteStore(HotlineReads, SpectrumReads):
    """The embedded store: one file, WAL; safe to share across threads of one process."""

    def __init__(self, url: str) -> None:
        self.url = url
        self._writer = _engine(url, immediate=True)
        memory = url in ("sqlite://", "sqlite:///:memory:")
        self._reader = self._writer if memory else _engine(url, immediate=False)
        self._write_lock = threading.Lock()  # one writer per process; SQLite locks across
        # Called (from the writing thread) after every commit: the push stream's wake-up.
        self.on_commit: list[Callable[[], None]] = []
        self._migrate()
        self._checkpointer = None if memory else Checkpointer(self._writer.url.database or "")

    def _migrate(self) -> None:
        with self._writer.begin() as conn:
            s.metadata.create_all(conn)
            for ddl in s.RTREE_DDL:
                conn.exec_driver_sql(ddl)
            current = conn.execute(
                select(s.schema_meta.c.value).where(s.schema_meta.c.key == "schema_version")
            ).scalar()
            if current is None:
                conn.execute(
                    insert(s.schema_meta).values(key="schema_version", value=str(s.SCHEMA_VERSION))
                )
            elif int(current) > s.SCHEMA_VERSION:
                raise RuntimeError(
                    f"store schema {current} is newer than this interlock ({s.SCHEMA_VERSION})"
                )
            elif int(current) < s.SCHEMA_VERSION:  # create_all added the ledger / hotline
                conn.execute(
                    update(s.schema_meta)
                    .where(s.schema_meta.c.key == "schema_version")
                    .values(value=str(s.SCHEMA_VERSION))
                )

    @contextmanager
    def write(self) -> Iterator[SqliteWriteTx]:
        with self._write_lock, self._writer.begin() as conn:
            yield SqliteWriteTx(conn)
        for callback in self.on_commit:
            callback()

    @contextmanager
    def _read(self) -> Iterator[Connection]:
        with self._reader.connect() as conn:
            yield conn

    def schema_version(self) -> int:
        with self._read() as conn:
            return int(
                conn.execute(
                    select(s.schema_meta.c.value).where(s.schema_meta.c.key == "schema_version")
                ).scalar_one()
            )

    def get_notice(self, notice_id: str, version: int | None = None) -> NoticeRow | None:
        with self._read() as conn:
            return _get_notice(conn, notice_id, version)

    def list_versions(self, notice_id: str) -> list[NoticeRow]:
        q = (
            select(*_NOTICE_COLS)
            .select_from(
                s.notices.join(s.notice_versions, s.notice_versions.c.notice_id == s.notices.c.id)
            )
            .where(s.notices.c.id == notice_id)
            .order_by(s.notice_versions.c.version)
        )
        with self._read() as conn:
            return [_row_to_notice(r) for r in conn.execute(q)]

    def list_notices(
        self,
        *,
        party: str | None = None,
        domain: str | None = None,
        bbox: Box | None = None,
        start_ts: float | None = None,
        end_ts: float | None = None,
        limit: int = 1000,
        offset: int = 0,
    ) -> list[NoticeRow]:
        n = s.notices.c
        q = select(*_NOTICE_COLS).select_from(_current_join())
        if party:
            q = q.where(n.party == party)
        if domain:
            q = q.where(n.domain == domain)
        if start_ts is not None:
            q = q.where(n.end_ts >= start_ts)
        if end_ts is not None:
            q = q.where(n.start_ts <= end_ts)
        if bbox is not None:
            boxes = (
                [bbox]
                if bbox[0] <= bbox[2]
                else [(bbox[0], bbox[1], 180.0, bbox[3]), (-180.0, bbox[1], bbox[2], bbox[3])]
            )
            cond = " OR ".join(
                f"(max_lon >= {b[0]!r} AND min_lon <= {b[2]!r} AND max_lat >= {b[1]!r} "
                f"AND min_lat <= {b[3]!r})"
                for b in boxes
            )
            q = q.where(n.seq.in_(text(f"SELECT seq FROM notice_index WHERE {cond}")))
        q = q.order_by(n.start_ts, n.seq).limit(limit).offset(offset)
        with self._read() as conn:
            return [_row_to_notice(r) for r in conn.execute(q)]

    def iter_notice_rows(self) -> Iterator[NoticeRow]:
        with self._read() as conn:
            for r in conn.execute(select(*_NOTICE_COLS).select_from(_current_join())):
                yield _row_to_notice(r)

    def count_notices(self) -> int:
        with self._read() as conn:
            return int(conn.execute(select(func.count()).select_from(s.notices)).scalar_one())

    def list_conflicts(
        self,
        *,
        party: str | None = None,
        notice_id: str | None = None,
        include_closed: bool = False,
    ) -> list[dict[str, Any]]:
        c = s.conflicts.c
        q = select(s.conflicts).order_by(c.id)
        if party:
            q = q.where((c.a_party == party) | (c.b_party == party))
        if notice_id:
            q = q.where((c.a_id == notice_id) | (c.b_id == notice_id))
        if not include_closed:
            q = q.where(c.closed_at.is_(None))
        with self._read() as conn:
            return [_conflict_dict(r) for r in conn.execute(q)]

    def list_violations(self, *, notice_id: str | None = None) -> list[dict[str, Any]]:
        v = s.violations.c
        q = select(s.violations).order_by(v.id)
        if notice_id:
            q = q.where(v.notice_id == notice_id)
        with self._read() as conn:
            out = []
            for r in conn.execute(q):
                body = orjson.loads(r.body)
                body.update(id=r.id, detected_at=r.detected_at)
                out.append(body)
            return out

    def _asset_dict(self, r: Any) -> dict[str, Any]:
        return {
            "id": r.id,
            "party": r.party,
            "kind": r.kind,
            "created_at": r.created_at,
            "retired_at": r.retired_at,
            "feature": orjson.loads(r.feature),
        }

    def list_assets(self, *, include_retired: bool = False) -> list[dict[str, Any]]:
        q = select(s.assets).order_by(s.assets.c.seq)
        if not include_retired:
            q = q.where(s.assets.c.retired_at.is_(None))
        with self._read() as conn:
            return [self._asset_dict(r) for r in conn.execute(q)]

    def get_asset(self, asset_id: str) -> dict[str, Any] | None:
        with self._read() as conn:
            r = conn.execute(select(s.assets).where(s.assets.c.id == asset_id)).first()
            return self._asset_dict(r) if r else None

    def set_token_hashes(self, hashes: dict[str, str]) -> None:
        """Replace the token table: party id -> sha256 hex of its bearer token."""
        with self.write() as tx:
            tx.conn.execute(s.party_tokens.delete())
            if hashes:
                tx.conn.execute(
                    insert(s.party_tokens),
                    [{"party": p, "token_sha256": h} for p, h in hashes.items()],
                )

    def party_for_token_hash(self, token_hash: str) -> str | None:
        with self._read() as conn:  # every API request: plain SQL (see _CANDIDATES_SQL)
            return conn.exec_driver_sql(_PARTY_FOR_TOKEN_SQL, (token_hash,)).scalar()

    def ledger_entries(
        self, from_seq: int = 1, limit: int | None = None
    ) -> Iterator[dict[str, Any]]:
        """Ledger entries in order, as verify_chain and exports want them."""
        sql = (
            "SELECT seq, prev_hash, received_at, content_hash, hash, event FROM ledger "
            "WHERE seq >= ? ORDER BY seq" + (" LIMIT ?" if limit is not None else "")
        )
        params = (from_seq, limit) if limit is not None else (from_seq,)
        with self._read() as conn:
            for r in conn.exec_driver_sql(sql, params):
                yield ledger_entry(r)

    def close(self) -> None:
        if self._checkpointer is not None:
            self._checkpointer.stop()
        self._writer.dispose()
        if self._reader is not self._writer:
            self._reader.dispose()


def open_store(target: str | Path) -> SqliteStore:
    """A store from a URL (``sqlite:///path``) or a plain file path (``:memory:`` works)."""
    target = str(target)
    if target == ":memory:":
        return SqliteStore("sqlite://")
    if "://" not in target:
        target = f"sqlite:///{Path(target).resolve()}"
    return SqliteStore(target)
