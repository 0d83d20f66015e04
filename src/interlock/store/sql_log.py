"""The verifiable log's tables: Merkle nodes, signed checkpoints and cosignatures.

`merkle_nodes` holds the hash of every complete subtree of the ledger's Merkle tree
(level 0: the leaf hashes), written by `append_ledger` in the entry's own transaction, so
the tree is never behind the chain and a proof is a handful of primary-key look-ups, all
in one query. A write transaction that appended entries ends by signing a checkpoint of
the tree it leaves (`LogWrites.seal`): one per commit batch, committed with it.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from contextlib import AbstractContextManager
from typing import Any

from sqlalchemy import Connection

from ..ledger import merkle
from .base import Sealer
from .cursor import cursor, defer

INSERT_NODE_SQL = "INSERT INTO merkle_nodes (level, idx, hash) VALUES (?, ?, ?)"
_INSERT_CHECKPOINT_SQL = (
    "INSERT INTO checkpoints (origin, size, root, signed_at, note) VALUES (?, ?, ?, ?, ?) "
    "ON CONFLICT (origin, size) DO NOTHING"
)
_HAS_CHECKPOINT_SQL = "SELECT 1 FROM checkpoints WHERE origin = ? AND size = ?"
_CHECKPOINT_COLS = "SELECT origin, size, root, signed_at, note FROM checkpoints "
_LATEST_SQL = _CHECKPOINT_COLS + "WHERE origin = ? ORDER BY size DESC LIMIT 1"
_AT_SQL = _CHECKPOINT_COLS + "WHERE origin = ? AND size = ?"
_INSERT_COSIGNATURE_SQL = (
    "INSERT INTO cosignatures (origin, size, party, signed_at, line) VALUES (?, ?, ?, ?, ?) "
    "ON CONFLICT (origin, size, party) DO UPDATE SET signed_at = excluded.signed_at, "
    "line = excluded.line"
)
_COSIGNATURES_SQL = (
    "SELECT party, signed_at, line FROM cosignatures WHERE origin = ? AND size = ? ORDER BY party"
)


def nodes_sql(count: int) -> str:
    """One query for `count` (level, idx) pairs: an OR of primary-key look-ups, which both
    engines run as index searches (SQLite's "MULTI-INDEX OR"; a row-value IN over VALUES
    scans the table on SQLite)."""
    return "SELECT level, idx, hash FROM merkle_nodes WHERE " + " OR ".join(
        ["(level = ? AND idx = ?)"] * count
    )


def fetch_nodes(cur: Any, ids: Sequence[merkle.NodeId]) -> dict[merkle.NodeId, bytes]:
    """The stored hashes of `ids` (missing ones are simply absent)."""
    unique = sorted(set(ids))
    if not unique:
        return {}
    rows = cur.execute(nodes_sql(len(unique)), [v for i in unique for v in i]).fetchall()
    return {(int(r[0]), int(r[1])): bytes(r[2]) for r in rows}


def load_frontier(cur: Any, size: int) -> merkle.Frontier:
    ids = merkle.Frontier.ids(size)
    found = fetch_nodes(cur, ids)
    missing = [i for i in ids if i not in found]
    if missing:
        raise RuntimeError(f"merkle_nodes lacks {missing[:3]} for a tree of {size} entries")
    return merkle.Frontier(size, tuple(found[i] for i in ids))


def checkpoint_dict(r: Any) -> dict[str, Any]:
    return {
        "origin": r[0],
        "size": int(r[1]),
        "root": bytes(r[2]),
        "time": int(r[3]),
        "note": r[4],
    }


class LogWrites:
    """The Merkle frontier of a write transaction and its closing checkpoint (mixed into
    SqlWriteTx, whose savepoint rollback clears `_frontier` and drops the nodes its step
    appended).

    The nodes each entry completes are kept in memory and written in one statement when
    the transaction seals (or before anything reads them back): under the write lock a
    batch of n entries costs one round trip for its nodes, not n."""

    conn: Connection
    _ledger_head: tuple[int, str] | None
    _entries: int
    _frontier: merkle.Frontier | None
    _appended: bool
    _pending_nodes: list[tuple[int, int, bytes]]

    def _merkle_append(self, cur: Any, size_before: int, entry_hash: str) -> None:
        if self._frontier is None or self._frontier.size != size_before:
            self._flush_nodes(cur)  # the stored tree must hold what this one has appended
            self._frontier = load_frontier(cur, size_before)
        self._frontier, new = self._frontier.append(merkle.leaf_hash(merkle.leaf_input(entry_hash)))
        self._pending_nodes.extend(new)
        self._appended = True

    def _flush_nodes(self, cur: Any) -> None:
        """Write the nodes appended since the last flush (one statement, deferred)."""
        if self._pending_nodes:
            defer(self.conn, INSERT_NODE_SQL, list(self._pending_nodes), many=True)
            self._pending_nodes.clear()

    def request_seal(self) -> None:
        """Sign a checkpoint at the end of this transaction even if it appends nothing
        (the server's first start, or a new log identity)."""
        self._appended = True

    def seal(self, sealer: Sealer | None) -> None:
        """Sign and store the checkpoint of the tree this transaction leaves, unless it
        appended nothing or that checkpoint exists."""
        cur = cursor(self.conn)
        self._flush_nodes(cur)
        if not self._appended or sealer is None:
            cur.close()
            return
        if self._entries and self._ledger_head is not None:
            # entries appended here (a step undone restores the count): the tree's size is
            # the head's, new in this transaction, so no checkpoint of it can exist yet
            size = self._ledger_head[0]
        else:
            row = cur.execute("SELECT MAX(seq) FROM ledger").fetchone()
            size = int(row[0] or 0)
            if cur.execute(_HAS_CHECKPOINT_SQL, (sealer.origin, size)).fetchone() is not None:
                cur.close()
                self._appended = False
                return
        if self._frontier is None or self._frontier.size != size:
            self._frontier = load_frontier(cur, size)
        root = self._frontier.root()
        time, note = sealer.sign(size, root)
        defer(self.conn, _INSERT_CHECKPOINT_SQL, (sealer.origin, size, root, time, note))
        cur.close()
        self._appended = False

    def merkle_nodes(self, ids: Sequence[merkle.NodeId]) -> dict[merkle.NodeId, bytes]:
        """Stored nodes as this transaction sees them (its own appends included)."""
        cur = cursor(self.conn)
        try:
            self._flush_nodes(cur)
            return fetch_nodes(cur, ids)
        finally:
            cur.close()

    def put_cosignature(self, origin: str, size: int, party: str, time: int, line: str) -> None:
        cur = cursor(self.conn)
        cur.execute(_INSERT_COSIGNATURE_SQL, (origin, size, party, time, line))
        cur.close()


class LogReads:
    """Reads of the log's tables (mixed into SqlStore)."""

    def _read(self) -> AbstractContextManager[Connection]:
        raise NotImplementedError  # provided by the store

    def merkle_nodes(self, ids: Sequence[merkle.NodeId]) -> dict[merkle.NodeId, bytes]:
        with self._read() as conn:
            cur = cursor(conn)
            try:
                return fetch_nodes(cur, ids)
            finally:
                cur.close()

    def _one(self, sql: str, params: Iterable[Any]) -> dict[str, Any] | None:
        with self._read() as conn:
            cur = cursor(conn)
            row = cur.execute(sql, tuple(params)).fetchone()
            cur.close()
        return checkpoint_dict(row) if row else None

    def latest_checkpoint(self, origin: str) -> dict[str, Any] | None:
        """The newest signed checkpoint of the log `origin`: origin, size, root, time, note."""
        return self._one(_LATEST_SQL, (origin,))

    def checkpoint_at(self, origin: str, size: int) -> dict[str, Any] | None:
        return self._one(_AT_SQL, (origin, size))

    def cosignatures(self, origin: str, size: int) -> list[dict[str, Any]]:
        with self._read() as conn:
            cur = cursor(conn)
            rows = cur.execute(_COSIGNATURES_SQL, (origin, size)).fetchall()
            cur.close()
        return [{"party": r[0], "time": int(r[1]), "line": r[2]} for r in rows]


def backfill_nodes(conn: Any) -> int:
    """Fill merkle_nodes from a ledger written before it existed (the migration); returns
    how many entries were added."""
    cur = cursor(conn)
    frontier = merkle.Frontier.empty()
    after, page = 0, 5000
    while True:
        rows = cur.execute(
            "SELECT seq, hash FROM ledger WHERE seq > ? ORDER BY seq LIMIT ?", (after, page)
        ).fetchall()
        batch: list[tuple[int, int, bytes]] = []
        for seq, h in rows:
            if int(seq) != frontier.size + 1:
                raise RuntimeError(f"ledger sequence gap before {seq}: cannot build the tree")
            frontier, new = frontier.append(merkle.leaf_hash(merkle.leaf_input(h)))
            batch.extend(new)
        if batch:
            cur.executemany(INSERT_NODE_SQL, batch)
        if len(rows) < page:
            break
        after = int(rows[-1][0])
    cur.close()
    return frontier.size
