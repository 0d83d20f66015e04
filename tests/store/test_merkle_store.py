"""The stored Merkle tree and checkpoints (store.sql_log), on the engine under test: after
many batches (with refused ops rolled back inside them) and concurrent writers, the node
table holds exactly every complete subtree of the ledger, one checkpoint per commit, and
the proofs read from it verify against the brute-force root."""

from __future__ import annotations

import base64
import threading
from typing import Any

from sqlalchemy import text
from tests.conftest import circle

from interlock.ledger import checkpoint as cp
from interlock.ledger import merkle
from interlock.service.notices import NoticeService, WriteOp
from interlock.service.root import Services
from interlock.store import SqliteStore


def brute_table(leaves: list[bytes]) -> dict[tuple[int, int], bytes]:
    out = {}
    level = 0
    while (1 << level) <= len(leaves):
        for i in range(len(leaves) >> level):
            out[(level, i)] = merkle.root_of(leaves[i << level : (i + 1) << level])
        level += 1
    return out


def stored_nodes(store: Any) -> dict[tuple[int, int], bytes]:
    with store._read() as conn:
        rows = conn.execute(text("SELECT level, idx, hash FROM merkle_nodes")).fetchall()
    return {(int(r[0]), int(r[1])): bytes(r[2]) for r in rows}


def leaves_of(store: Any) -> list[bytes]:
    return [merkle.leaf_hash(bytes.fromhex(e["hash"])) for e in store.ledger_entries()]


def checkpoint_rows(store: Any, origin: str) -> list[tuple[int, bytes, str]]:
    with store._read() as conn:
        rows = conn.execute(
            text("SELECT size, root, note FROM checkpoints WHERE origin = :o ORDER BY size"),
            {"o": origin},
        ).fetchall()
    return [(int(r[0]), bytes(r[1]), r[2]) for r in rows]


def test_nodes_and_checkpoints_after_many_batches(
    services: Services, service: NoticeService, store: SqliteStore
) -> None:
    log = services.log
    assert log.tree_size() == 0  # the empty log's checkpoint, signed at start
    sizes = [0]
    for k in range(12):
        ops = [
            WriteOp("submit", "blue", feature=circle(30 + k * 0.5 + j * 0.01, 10))
            for j in range(k % 4 + 1)
        ]
        ops.append(WriteOp("cancel", "red", "n-missing"))  # refused: its savepoint undone
        service.run_batch(ops)
        sizes.append(store.last_seq())
    leaves = leaves_of(store)
    assert len(leaves) == sizes[-1] > 20
    assert stored_nodes(store) == brute_table(leaves)
    rows = checkpoint_rows(store, log.origin)
    assert [r[0] for r in rows] == sizes  # one checkpoint per commit batch, none skipped
    public = log.public
    for size, root, note in rows:
        assert root == merkle.root_of(leaves[:size])
        opened = cp.open_checkpoint(note, public, log.origin)
        assert opened.checkpoint.size == size and opened.checkpoint.root == root
    # Proofs served from the table verify against the brute-force roots.
    n = len(leaves)
    for seq in (1, n // 2, n):
        p = log.inclusion(seq, n)
        proof = [base64.b64decode(h) for h in p["proof"]]
        merkle.verify_inclusion(seq - 1, n, leaves[seq - 1], proof, merkle.root_of(leaves))
    for first in (1, 3, n - 1, n):
        c = log.consistency(first, n)
        proof = [base64.b64decode(h) for h in c["proof"]]
        merkle.verify_consistency(
            first, n, merkle.root_of(leaves[:first]), merkle.root_of(leaves), proof
        )


def test_a_batch_refused_whole_signs_nothing(
    services: Services, service: NoticeService, store: SqliteStore
) -> None:
    service.submit("blue", circle(30, 10))
    before = checkpoint_rows(store, services.log.origin)
    service.run_batch([WriteOp("cancel", "red", "n-missing"), WriteOp("cancel", "red", "n-x")])
    assert checkpoint_rows(store, services.log.origin) == before


def test_concurrent_writers_keep_one_tree(
    services: Services, service: NoticeService, store: SqliteStore
) -> None:
    errors: list[BaseException] = []

    def writer(k: int) -> None:
        try:
            for j in range(6):
                service.submit(("blue", "red", "green")[k % 3], circle(20 + k + j * 0.05, -10))
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=writer, args=(k,)) for k in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors
    leaves = leaves_of(store)
    assert stored_nodes(store) == brute_table(leaves)
    latest = store.latest_checkpoint(services.log.origin)
    assert latest is not None and latest["size"] == len(leaves)
    assert latest["root"] == merkle.root_of(leaves)


def test_a_ledger_written_before_the_tree_is_put_in_it(
    services: Services, service: NoticeService, store: SqliteStore
) -> None:
    for k in range(5):
        service.submit("blue", circle(30 + k, 10))
    leaves = leaves_of(store)
    with store.write() as tx:  # as a store of schema 6: no tree yet
        tx.conn.execute(text("DELETE FROM merkle_nodes"))
        from interlock.store.sql_log import backfill_nodes

        assert backfill_nodes(tx.conn) == len(leaves)
    assert stored_nodes(store) == brute_table(leaves)


def test_two_writers_on_one_database_keep_one_tree(
    services: Services, service: NoticeService, store: SqliteStore
) -> None:
    """Each store remembers where its last write left the ledger (its head and Merkle
    frontier) and trusts it only while the head reads the same: writes alternating between
    two stores on one database (each one's memory stale after the other's write), with
    steps undone in between, leave the tree and checkpoints the entries give."""
    from interlock.service.batch import Batcher
    from interlock.service.root import build_services
    from interlock.store import open_store

    other = open_store(store.url)
    try:
        twin = build_services(other, services.notices.agreement, services.notices.clock)
        sizes = [store.last_seq()]
        for k in range(8):
            writer = (service, twin.notices)[k % 2]
            ops = [
                WriteOp("submit", "blue", feature=circle(30 + k * 0.5 + j * 0.01, 10))
                for j in range(k % 3 + 1)
            ]
            ops.insert(1, WriteOp("cancel", "red", "n-missing"))  # refused: its step undone
            results = Batcher(writer.store, {WriteOp: writer}).run_batch(ops)
            assert sum(isinstance(r, Exception) for r in results) == 1, results
            sizes.append(store.last_seq())
        leaves = leaves_of(store)
        assert stored_nodes(store) == brute_table(leaves)
        rows = checkpoint_rows(store, services.log.origin)
        assert [r[0] for r in rows][-len(sizes) :] == sizes
        for size, root, _ in rows:
            assert root == merkle.root_of(leaves[:size])
    finally:
        other.close()
