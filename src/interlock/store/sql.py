"""The store on a SQL database, shared by the engines (SQLAlchemy Core + plain SQL).

Everything here is the same on SQLite and PostgreSQL. An engine (``sqlite.py``,
``postgres.py``) adds how a write transaction is serialised, the spatial candidate index,
and how commits reach other processes. Writers are serialised (SQLite's ``BEGIN
IMMEDIATE``, PostgreSQL's transaction-scoped advisory lock) so that detecting and storing
a notice are one step: two overlapping notices filed at the same moment cannot both miss
each other, and the ledger stays one gap-free chain.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import AbstractContextManager, contextmanager
from dataclasses import dataclass
from typing import Any, ClassVar

import orjson
from sqlalchemy import Connection, Engine, func, insert, select, text, update
from sqlalchemy.exc import NoResultFound

from ..errors import StateConflict
from ..ledger import merkle
from ..ledger.chain import GENESIS, make_entry
from ..model.limits import EARLIEST, LATEST
from ..model.timeutil import parse_utc, to_ts
from . import schema as s
from .base import Box, IndexEntry, NoticeRow
from .cursor import cursor, defer, mark, read_together, rewind
from .rows import AssetRow, ConflictRow, HazardRow, ViolationRow
from .sql_history import HistoryReadsWrites
from .sql_hotline import (
    INSERT_INBOX_SQL,
    LEDGER_COLUMNS,
    HotlineReads,
    HotlineWrites,
    ledger_entry,
)
from .sql_log import LogReads, LogWrites, Sealer
from .sql_spectrum import ASSET_COLUMNS, SpectrumReads, SpectrumWrites, asset_row, notice_row

T0 = 1_577_836_800.0  # 2020-01-01T00:00:00Z: origin of the index's time axis (minutes)


def minutes(ts: float) -> float:
    return (ts - T0) / 60.0


# The index's time axis spans the window of accepted times (model.limits): standing assets
# are indexed over all of it, and no entry reaches beyond it (an entry stored before the
# window was enforced is clamped into it, so its box stays valid: min <= max).
FAR_PAST, FAR_FUTURE = minutes(to_ts(EARLIEST)), minutes(to_ts(LATEST))


def hazard_row(r: Any) -> HazardRow:
    """A stored hazard: id, reporting party, times (epoch s) and its Feature."""
    return HazardRow(r.id, r.party, r.created_at, r.retired_at, orjson.loads(r.feature))


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


_ASSET_COLS = tuple(getattr(s.assets.c, name) for name in ASSET_COLUMNS)
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


def index_rows(seq: int, entry: IndexEntry) -> list[dict[str, float]]:
    """The index entries of one notice or asset: one 4D box per lon/lat box (two when it
    is split at the antimeridian). Entry id = seq*2 + k."""
    start = min(max(minutes(entry.start_ts), FAR_PAST), FAR_FUTURE)
    end = min(max(minutes(entry.end_ts), FAR_PAST), FAR_FUTURE)
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


def box_params(box: Box, query: IndexEntry, party: str) -> dict[str, float | str]:
    return {
        "min_lon": box[0],
        "min_lat": box[1],
        "max_lon": box[2],
        "max_lat": box[3],
        "min_h": query.lower_m,
        "max_h": query.upper_m,
        "min_t": minutes(query.start_ts),
        "max_t": minutes(query.end_ts),
        "party": party,
    }


# The write path runs plain SQL on the driver's cursor: building a Core statement per call
# cost 150-200 us each (five per submit), more than SQLite's own work.
_NOTICE_SELECT = (
    "SELECT DISTINCT n.id, n.party, n.domain, v.version, v.filed_at, n.created_at, "
    "n.cancelled_at, v.feature FROM notice_index i "
    "JOIN notices n ON n.seq = i.seq "
    "JOIN notice_versions v ON v.notice_id = n.id AND v.version = n.current_version "
)
_NOTICE_FILTER = " AND n.cancelled_at IS NULL AND n.party != :party AND n.domain != 'emission'"
_ASSET_SELECT = (
    "SELECT DISTINCT a.id, a.party, a.kind, a.created_at, a.retired_at, a.feature "
    "FROM asset_index i "
    "JOIN assets a ON a.seq = i.seq "
)
_ASSET_FILTER = " AND a.retired_at IS NULL AND a.party != :party"

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
_HAZARDS_IN_FORCE_SQL = (
    "SELECT id, party, created_at, retired_at, feature FROM hazards "
    "WHERE retired_at IS NULL ORDER BY seq"
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
    f"VALUES ({', '.join('?' * (len(_CONFLICT_COLS) + 2))}) RETURNING id"
)
_INSERT_NONCE_SQL = "INSERT INTO nonces (nonce, party, seen_at) VALUES (?, ?, ?)"
_CLAIM_NONCE_SQL = (
    "INSERT INTO nonces (nonce, party, seen_at) VALUES (?, ?, ?) "
    "ON CONFLICT (party, nonce) DO NOTHING RETURNING nonce"
)
_LEDGER_HEAD_SQL = "SELECT seq, hash FROM ledger ORDER BY seq DESC LIMIT 1"
_INSERT_LEDGER_SQL = (
    "INSERT INTO ledger (seq, prev_hash, received_at, content_hash, hash, kind, ref, event, "
    "audience, openings) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
)


class SpatialIndex:
    """How an engine stores and searches the 4D boxes (lon, lat, height, time) of notices
    and assets. A look-up may return extra candidates, never miss one: detection is exact."""

    box_where: str  # SQL condition on `i` against :min_lon ... :max_t
    insert_sql: ClassVar[dict[str, str]]  # table -> INSERT of one index_rows() row

    def bbox_seqs_sql(self, boxes: list[Box]) -> str:
        """SELECT seq FROM notice_index where the lon/lat box meets any of `boxes`."""
        raise NotImplementedError


class SqlScene:
    """What detection reads of the stored scene (``store.base.SceneReads``): the index
    look-ups, notice versions and hazards, on one connection. A write transaction reads
    through it; so does advice, on a reader connection, with no write lock."""

    def __init__(self, conn: Connection, index: SpatialIndex) -> None:
        self.conn = conn
        self.index = index
        self._candidates_sql = _NOTICE_SELECT + "WHERE " + index.box_where + _NOTICE_FILTER
        self._asset_candidates_sql = _ASSET_SELECT + "WHERE " + index.box_where + _ASSET_FILTER

    def get_notice(self, notice_id: str, version: int | None = None) -> NoticeRow | None:
        return _get_notice(self.conn, notice_id, version)

    def candidates(self, query: IndexEntry, exclude_party: str) -> list[NoticeRow]:
        seen: dict[str, NoticeRow] = {}
        cur = cursor(self.conn)
        for box in query.boxes:
            for r in cur.execute(self._candidates_sql, box_params(box, query, exclude_party)):
                seen.setdefault(r[0], notice_row(r))
        cur.close()
        return list(seen.values())

    def asset_candidates(self, query: IndexEntry, exclude_party: str) -> list[AssetRow]:
        seen: dict[str, AssetRow] = {}
        cur = cursor(self.conn)
        for box in query.boxes:
            params = box_params(box, query, exclude_party)
            for r in cur.execute(self._asset_candidates_sql, params):
                if r[0] not in seen:
                    seen[r[0]] = asset_row(r)
        cur.close()
        return list(seen.values())

    def hazards_in_force(self) -> list[HazardRow]:
        """Every hazard not retired (few: detection reads them whole, each write)."""
        cur = cursor(self.conn)
        rows = cur.execute(_HAZARDS_IN_FORCE_SQL).fetchall()
        cur.close()
        return [HazardRow(r[0], r[1], r[2], r[3], orjson.loads(r[4])) for r in rows]


@dataclass(frozen=True)
class Tip:
    """The ledger's last entry (seq, hash) and its Merkle frontier: a head that reads the
    same later names the same chain (each hash covers all before it), so the frontier need
    not be read again."""

    head: tuple[int, str]
    frontier: merkle.Frontier


class SqlWriteTx(SqlScene, HotlineWrites, SpectrumWrites, LogWrites):
    """Write operations inside one serialised transaction."""

    prefetches: ClassVar[bool] = False  # prefetch_nonces reads ahead (a networked engine)

    def __init__(self, conn: Connection, index: SpatialIndex, tip: Tip | None = None) -> None:
        super().__init__(conn, index)
        self._tip = tip  # the ledger's end as the last write of this process left it
        self._entries = 0  # appended by this transaction (and not undone)
        self._hazards: list[HazardRow] | None = None  # hazards_in_force, read once
        self._savepoints = 0
        self._ledger_head: tuple[int, str] | None = None  # (seq, hash) of the last entry
        self._frontier = None  # the Merkle tree's frontier after the last entry
        self._pending_nodes = []  # its nodes not yet written (sql_log.LogWrites)
        self._appended = False  # entries appended: sign a checkpoint before commit
        self._nonces_taken: set[tuple[str, str]] = set()  # (party, nonce) of prefetch_nonces
        self._nonces_known: set[tuple[str, str]] = set()  # all asked for there
        self._nonces_claimed: list[tuple[str, str]] = []  # claimed since, in order

    @contextmanager
    def savepoint(self) -> Iterator[None]:
        """A nested step: on error only its own writes are undone (group commit).

        SAVEPOINT and RELEASE are deferred (store.cursor); a step undone before anything
        of it was sent is simply dropped, with no statement at all."""
        self._savepoints += 1
        name = f"sp{self._savepoints}"
        at = mark(self.conn)
        head, frontier, entries = self._ledger_head, self._frontier, self._entries
        hazards = self._hazards
        nodes, claimed = len(self._pending_nodes), len(self._nonces_claimed)
        defer(self.conn, f"SAVEPOINT {name}")
        try:
            yield
        except BaseException:
            # the ledger, its tree and the nonces as they were before the step
            self._ledger_head, self._frontier, self._entries = head, frontier, entries
            self._hazards = hazards
            del self._pending_nodes[nodes:]
            del self._nonces_claimed[claimed:]
            if not rewind(self.conn, at):
                cur = cursor(self.conn)
                cur.execute(f"ROLLBACK TO SAVEPOINT {name}")
                cur.execute(f"RELEASE SAVEPOINT {name}")
                cur.close()
            raise
        defer(self.conn, f"RELEASE SAVEPOINT {name}")

    def insert_notice(self, notice_id: str, party: str, domain: str, created_at: float) -> None:
        defer(self.conn, _INSERT_NOTICE_SQL, (notice_id, party, domain, created_at))

    def insert_version(self, row: NoticeRow, entry: IndexEntry | None) -> None:
        """The version, made current (its seq read back: it names the index rows), and its
        boxes in the candidate index; only the seq waits for an answer."""
        defer(
            self.conn,
            _INSERT_VERSION_SQL,
            (row.id, row.version, row.filed_at, orjson.dumps(row.feature).decode()),
        )
        cur = cursor(self.conn)
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
        cur.close()
        defer(self.conn, "DELETE FROM notice_index WHERE id IN (?, ?)", (seq * 2, seq * 2 + 1))
        if entry is not None:
            rows = index_rows(seq, entry)
            defer(self.conn, self.index.insert_sql["notice_index"], rows, many=True)

    def cancel_notice(self, notice_id: str, at: float) -> None:
        self.conn.execute(
            update(s.notices).where(s.notices.c.id == notice_id).values(cancelled_at=at)
        )

    def insert_conflict(self, row: ConflictRow, at: float) -> int:
        values = tuple(getattr(row, k) for k in _CONFLICT_COLS)
        cur = cursor(self.conn)
        found = cur.execute(
            _INSERT_CONFLICT_SQL, (*values, at, orjson.dumps(row.body()).decode())
        ).fetchone()
        cur.close()
        return int(found[0])

    def close_conflicts(self, ref_id: str, at: float, reason: str) -> int:
        c = s.conflicts.c
        result = self.conn.execute(
            update(s.conflicts)
            .where(((c.a_id == ref_id) | (c.b_id == ref_id)) & c.closed_at.is_(None))
            .values(closed_at=at, closed_reason=reason)
        )
        return int(result.rowcount)

    def insert_violation(self, row: ViolationRow, at: float) -> int:
        v = row.violation
        result = self.conn.execute(
            insert(s.violations).values(
                kind=v.kind,
                notice_id=v.notice.id,
                version=v.notice.version,
                party=v.party,
                detected_at=at,
                body=orjson.dumps(row.body()).decode(),
            )
        )
        key = result.inserted_primary_key
        assert key is not None  # a single-row INSERT always has one
        return int(key[0])

    def insert_asset(self, row: AssetRow, entry: IndexEntry) -> None:
        seq = self.conn.execute(
            insert(s.assets)
            .values(
                id=row.id,
                party=row.party,
                kind=row.kind,
                created_at=row.created_at,
                retired_at=row.retired_at,
                feature=orjson.dumps(row.feature).decode(),
            )
            .returning(s.assets.c.seq)
        ).scalar_one()
        cur = cursor(self.conn)
        cur.executemany(self.index.insert_sql["asset_index"], index_rows(seq, entry))
        cur.close()

    def prefetch_nonces(self, pairs: Iterable[tuple[str, str]]) -> None:
        """Learn in one statement which of these (party, nonce) are taken, so their claims
        need no answer from the database: the write lock is held, so nobody else can take
        one meanwhile. The ledger's head comes in the same round trip. Only where a
        statement costs a round trip (`prefetches`): on SQLite a claim asks itself."""
        if not self.prefetches:
            return
        wanted = sorted(set(pairs) - self._nonces_known)
        queries: list[tuple[str, Any]] = []
        if wanted:
            where = " OR ".join(["(party = ? AND nonce = ?)"] * len(wanted))
            queries.append(
                (f"SELECT party, nonce FROM nonces WHERE {where}", [v for p in wanted for v in p])
            )
        if self._ledger_head is None:
            queries.append((_LEDGER_HEAD_SQL, None))
        if not queries:
            return
        answers = read_together(self.conn, queries)
        if wanted:
            self._nonces_taken.update((r[0], r[1]) for r in answers[0])
            self._nonces_known.update(wanted)
        if self._ledger_head is None:
            self._take_head(answers[-1])

    def _take_head(self, rows: list[Any]) -> tuple[int, str]:
        head = self._ledger_head = (rows[0][0], rows[0][1]) if rows else (0, GENESIS)
        if self._tip is not None and self._tip.head == head:
            self._frontier = self._tip.frontier  # nobody wrote since: the tree we left
        return head

    def tip(self) -> Tip | None:
        """The ledger's end this transaction leaves (for the next one of this process)."""
        if self._ledger_head is None or self._frontier is None:
            return None
        if self._frontier.size != self._ledger_head[0]:
            return None
        return Tip(self._ledger_head, self._frontier)

    def claim_nonce(self, nonce: str, party: str, at: float) -> None:
        """Record a signed envelope's nonce; StateConflict if it was seen before (a replay).

        ON CONFLICT rather than catching the unique violation: on PostgreSQL an error
        aborts the whole transaction, and the group commit's other writes with it. A nonce
        prefetched (`prefetch_nonces`) is decided here and its row deferred (a plain
        INSERT: should anyone have taken it after all, the batch fails rather than accept
        a replay)."""
        key = (party, nonce)
        if key in self._nonces_known:
            if key in self._nonces_taken or key in self._nonces_claimed:
                raise StateConflict(f"replayed envelope (nonce {nonce} already used)")
            defer(self.conn, _INSERT_NONCE_SQL, (nonce, party, at))
            self._nonces_claimed.append(key)
            return
        cur = cursor(self.conn)
        claimed = cur.execute(_CLAIM_NONCE_SQL, (nonce, party, at)).fetchone()
        cur.close()
        if claimed is None:
            raise StateConflict(f"replayed envelope (nonce {nonce} already used)")

    def append_ledger(
        self,
        kind: str,
        ref: str | None,
        event: dict[str, Any],
        received_at: str,
        audience: Iterable[str] = (),
        openings: dict[str, Any] | None = None,
    ) -> dict[str, Any]:
        """Chain one event onto the ledger, inside this (serialised) transaction, and
        address it to the `audience` parties' push streams (who may read it: the audience
        is in the entry's hash); `openings` are kept beside it (ledger.commitments)."""
        cur = cursor(self.conn)
        head = self._ledger_head or self._take_head(cur.execute(_LEDGER_HEAD_SQL).fetchall())
        seq, prev = head
        entry = make_entry(seq + 1, prev, received_at, event, audience)
        if openings:
            entry["openings"] = openings
        row = (
            entry["seq"],
            prev,
            received_at,
            entry["content_hash"],
            entry["hash"],
            kind,
            ref,
            orjson.dumps(event).decode(),
            orjson.dumps(entry["audience"]).decode(),
            orjson.dumps(openings).decode() if openings else None,
        )
        self._insert_ledger_row(cur, row, entry["audience"])
        self._merkle_append(cur, seq, entry["hash"])
        cur.close()
        self._ledger_head = (entry["seq"], entry["hash"])
        self._entries += 1
        return entry

    def ledger_entry_at(self, seq: int) -> dict[str, Any] | None:
        """The ledger entry `seq` as this transaction sees it (None: there is none)."""
        cur = cursor(self.conn)
        row = cur.execute(f"SELECT {LEDGER_COLUMNS} FROM ledger WHERE seq = ?", (seq,)).fetchone()
        cur.close()
        return ledger_entry(row) if row else None

    def _insert_ledger_row(self, cur: Any, row: tuple[Any, ...], audience: list[str]) -> None:
        """The ledger row and its inbox rows (an engine may do both in one statement)."""
        cur.execute(_INSERT_LEDGER_SQL, row)
        cur.executemany(INSERT_INBOX_SQL, [(p, row[0]) for p in audience])

    def retire_asset(self, asset_id: str, at: float) -> None:
        self.conn.execute(update(s.assets).where(s.assets.c.id == asset_id).values(retired_at=at))

    def get_asset(self, asset_id: str) -> AssetRow | None:
        """The asset as this transaction sees it (owner and state checks under the lock)."""
        r = self.conn.execute(select(*_ASSET_COLS).where(s.assets.c.id == asset_id)).first()
        return asset_row(r) if r else None

    # ---- hazards ------------------------------------------------------------------------
    def hazards_in_force(self) -> list[HazardRow]:
        """As the scene reads them, once a transaction (a batch of notices checks each
        against them) until a hazard is filed or retired here."""
        if self._hazards is None:
            self._hazards = super().hazards_in_force()
        return list(self._hazards)

    def insert_hazard(self, row: HazardRow) -> None:
        self._hazards = None
        self.conn.execute(
            insert(s.hazards).values(
                id=row.id,
                party=row.party,
                created_at=row.created_at,
                retired_at=row.retired_at,
                feature=orjson.dumps(row.feature).decode(),
            )
        )

    def retire_hazard(self, hazard_id: str, at: float) -> None:
        self._hazards = None
        self.conn.execute(
            update(s.hazards).where(s.hazards.c.id == hazard_id).values(retired_at=at)
        )

    def get_hazard(self, hazard_id: str) -> HazardRow | None:
        """The hazard as this transaction sees it (owner and state checks under the lock)."""
        r = self.conn.execute(select(s.hazards).where(s.hazards.c.id == hazard_id)).first()
        return hazard_row(r) if r else None


_NOTICE_BY_ID = (
    "SELECT n.id, n.party, n.domain, v.version, v.filed_at, n.created_at, n.cancelled_at, "
    "v.feature FROM notices n JOIN notice_versions v ON v.notice_id = n.id "
)
_CURRENT_NOTICE_SQL = _NOTICE_BY_ID + "AND v.version = n.current_version WHERE n.id = ?"
_NOTICE_VERSION_SQL = _NOTICE_BY_ID + "WHERE n.id = ? AND v.version = ?"


def _get_notice(conn: Connection, notice_id: str, version: int | None) -> NoticeRow | None:
    """One notice by id (its current version, or `version`): plain SQL on the driver's
    cursor, as the candidates are (naming each conflict's notices reads it per write)."""
    cur = cursor(conn)
    if version is None:
        r = cur.execute(_CURRENT_NOTICE_SQL, (notice_id,)).fetchone()
    else:
        r = cur.execute(_NOTICE_VERSION_SQL, (notice_id, version)).fetchone()
    cur.close()
    return notice_row(r) if r else None


def _conflict_row(r: Any) -> ConflictRow:
    return ConflictRow.from_json(
        orjson.loads(r.body),
        id=r.id,
        detected_at=r.detected_at,
        closed_at=r.closed_at,
        closed_reason=r.closed_reason,
    )


class SqlStore(HotlineReads, SpectrumReads, LogReads, HistoryReadsWrites):
    """Reads on pooled connections; writes through the engine's `write()`."""

    url: str
    index: SpatialIndex
    on_commit: list[Callable[[], None]]  # called after every committed write (streams)
    sealer: Sealer | None = None  # signs the checkpoint that ends each write appending entries
    _reader: Engine

    def write(self) -> AbstractContextManager[SqlWriteTx]:
        raise NotImplementedError

    def close(self) -> None:
        raise NotImplementedError

    @contextmanager
    def _read(self) -> Iterator[Connection]:
        with self._reader.connect() as conn:
            yield conn

    @contextmanager
    def scene(self) -> Iterator[SqlScene]:
        """The scene as detection reads it, on a reader connection (no write lock)."""
        with self._read() as conn:
            yield SqlScene(conn, self.index)

    def get_conflict(self, conflict_id: int) -> ConflictRow | None:
        with self._read() as conn:
            row = conn.execute(select(s.conflicts).where(s.conflicts.c.id == conflict_id)).first()
        return None if row is None else _conflict_row(row)

    def _fire_on_commit(self) -> None:
        for callback in list(self.on_commit):
            callback()

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
            q = q.where(n.seq.in_(text(self.index.bbox_seqs_sql(boxes))))
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
    ) -> list[ConflictRow]:
        c = s.conflicts.c
        q = select(s.conflicts).order_by(c.id)
        if party:
            q = q.where((c.a_party == party) | (c.b_party == party))
        if notice_id:
            q = q.where((c.a_id == notice_id) | (c.b_id == notice_id))
        if not include_closed:
            q = q.where(c.closed_at.is_(None))
        with self._read() as conn:
            return [_conflict_row(r) for r in conn.execute(q)]

    def list_violations(self, *, notice_id: str | None = None) -> list[ViolationRow]:
        v = s.violations.c
        q = select(s.violations).order_by(v.id)
        if notice_id:
            q = q.where(v.notice_id == notice_id)
        with self._read() as conn:
            return [
                ViolationRow.from_json(orjson.loads(r.body), id=r.id, detected_at=r.detected_at)
                for r in conn.execute(q)
            ]

    def list_assets(self, *, include_retired: bool = False) -> list[AssetRow]:
        q = select(*_ASSET_COLS).order_by(s.assets.c.seq)
        if not include_retired:
            q = q.where(s.assets.c.retired_at.is_(None))
        with self._read() as conn:
            return [asset_row(r) for r in conn.execute(q)]

    def get_asset(self, asset_id: str) -> AssetRow | None:
        with self._read() as conn:
            r = conn.execute(select(*_ASSET_COLS).where(s.assets.c.id == asset_id)).first()
            return asset_row(r) if r else None

    def list_hazards(self, *, include_retired: bool = False) -> list[HazardRow]:
        q = select(s.hazards).order_by(s.hazards.c.seq)
        if not include_retired:
            q = q.where(s.hazards.c.retired_at.is_(None))
        with self._read() as conn:
            return [hazard_row(r) for r in conn.execute(q)]

    def get_hazard(self, hazard_id: str) -> HazardRow | None:
        with self._read() as conn:
            r = conn.execute(select(s.hazards).where(s.hazards.c.id == hazard_id)).first()
            return hazard_row(r) if r else None

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
        with self._read() as conn:  # every API request: plain SQL
            cur = cursor(conn)
            row = cur.execute(_PARTY_FOR_TOKEN_SQL, (token_hash,)).fetchone()
            cur.close()
        return row[0] if row else None

    def ledger_entries_of(
        self, kinds: Sequence[str], after_seq: int = 0
    ) -> Iterator[dict[str, Any]]:
        """The entries of some kinds after `after_seq`, in order, in pages (replay keeps
        the alert, escalation and channel entries: the `kind` column spares reading the
        others' events)."""
        if not kinds:
            return
        marks = ", ".join("?" for _ in kinds)
        sql = (
            f"SELECT {LEDGER_COLUMNS} FROM ledger WHERE seq > ? AND kind IN ({marks}) "
            "ORDER BY seq LIMIT ?"
        )
        after, page = after_seq, 5000
        while True:
            with self._read() as conn:
                cur = cursor(conn)
                rows = cur.execute(sql, (after, *kinds, page)).fetchall()
                cur.close()
            for r in rows:
                yield ledger_entry(r)
            if len(rows) < page:
                return
            after = rows[-1][0]

    def ledger_entries(
        self, from_seq: int = 1, limit: int | None = None
    ) -> Iterator[dict[str, Any]]:
        """Ledger entries in order, as verify_chain and exports want them (read in pages,
        so a long chain never sits in memory at once)."""
        page = 5000 if limit is None else min(limit, 5000)
        left = limit
        after = from_seq - 1
        sql = f"SELECT {LEDGER_COLUMNS} FROM ledger WHERE seq > ? ORDER BY seq LIMIT ?"
        while left is None or left > 0:
            n = page if left is None else min(page, left)
            with self._read() as conn:
                cur = cursor(conn)
                rows = cur.execute(sql, (after, n)).fetchall()
                cur.close()
            for r in rows:
                yield ledger_entry(r)
            if len(rows) < n:
                return
            after = rows[-1][0]
            if left is not None:
                left -= len(rows)
