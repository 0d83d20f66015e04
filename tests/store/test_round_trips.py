"""Round trips a write batch costs under the write lock on PostgreSQL, counted by libpq's
own protocol trace of the store's connections (every Sync or simple query the server
answers with ReadyForQuery is one round trip), whatever the code above the driver does: a
group commit of hotline messages must cost the same few round trips however many messages
it holds (issue 20, step 1). On SQLite (no network) the batch's behaviour is held alike."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import event
from tests.conftest import PARTY_KEYS, T0, Clock, make_agreement

from interlock.ledger.envelope import sign
from interlock.service.batch import Batcher
from interlock.service.hotline import HotlineOp
from interlock.service.root import build_services

# Round trips of a batch of messages on PostgreSQL, however many: BEGIN (the driver's own),
# the write lock with the nonces' look-up and the ledger's head, then everything written
# with the checkpoint, NOTIFY and COMMIT (the Merkle frontier is this process's own from
# its last write: another writer in between costs one more).
PG_PER_BATCH = 3


class Trace:
    """libpq's protocol trace of every connection the store checks out."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._file = path.open("w")

    def attach(self, dbapi_conn: Any, *_: Any) -> None:
        import psycopg

        dbapi_conn.pgconn.trace(self._file.fileno())
        dbapi_conn.pgconn.set_trace_flags(
            psycopg.pq.Trace.SUPPRESS_TIMESTAMPS | psycopg.pq.Trace.REGRESS_MODE
        )

    def detach(self, dbapi_conn: Any, *_: Any) -> None:
        dbapi_conn.pgconn.untrace()

    def lines(self) -> list[str]:
        self._file.flush()
        return self.path.read_text().splitlines()

    def clear(self) -> None:
        self._file.flush()
        self._file.truncate(0)
        self._file.seek(0)

    def round_trips(self) -> int:
        return sum(1 for line in self.lines() if re.match(r"B\t\d+\tReadyForQuery", line))

    def statements(self) -> int:
        return sum(1 for line in self.lines() if re.match(r"F\t\d+\t(Execute|Query)\b", line))


@pytest.fixture
def trace(store: Any, tmp_path: Path) -> Iterator[Trace | None]:
    if not store.url.startswith("postgresql"):
        yield None
        return
    t = Trace(tmp_path / "libpq.trace")
    engines = (store._engine, store._writes)  # the readers' pool and the writer's own
    for engine in engines:
        event.listen(engine, "checkout", t.attach)
        event.listen(engine, "checkin", t.detach)
    yield t
    for engine in engines:
        event.remove(engine, "checkout", t.attach)
        event.remove(engine, "checkin", t.detach)


def _message(i: int, **extra: Any) -> HotlineOp:
    body = {"to": ["red"], "priority": "routine", "subject": f"s{i}", "body": "hello", **extra}
    return HotlineOp("message", "blue", sign("message", "blue", body, PARTY_KEYS["blue"], T0))


def test_a_batch_costs_a_fixed_few_round_trips(store: Any, trace: Trace | None) -> None:
    services = build_services(store, make_agreement(), Clock(T0))
    batcher = Batcher(store, {HotlineOp: services.hotline})
    batcher.run_batch([_message(0)])  # the log's first checkpoint
    cost: dict[int, tuple[int, int]] = {}
    for n in (2, 10, 40):
        before = store.last_seq()
        if trace is not None:
            trace.clear()
        results = batcher.run_batch([_message(100 * n + i) for i in range(n)])
        if trace is not None:
            cost[n] = (trace.round_trips(), trace.statements())
        assert not [r for r in results if isinstance(r, Exception)], results
        assert store.last_seq() == before + n  # every message's entry is there
    if trace is None:
        return
    trips = {n: c[0] for n, c in cost.items()}
    assert set(trips.values()) == {PG_PER_BATCH}, cost  # the same few, however many messages
    # while the statements sent grow with the batch: they travel together, not one by one
    assert cost[40][1] - cost[10][1] >= 2 * 30, cost


def test_a_message_refused_in_a_batch_leaves_no_trace(store: Any) -> None:
    """With no savepoint of its own, a refused message has written nothing: its nonce is
    still free (the same envelope, its reference now visible, is accepted), the others of
    its batch are recorded, and a replay in the same batch is refused."""
    services = build_services(store, make_agreement(), Clock(T0))
    batcher = Batcher(store, {HotlineOp: services.hotline})
    bad = _message(2, refs=[{"kind": "notice", "id": "n-0000000000000000"}])
    good = _message(1)
    before = store.last_seq()
    results = batcher.run_batch([good, bad, _message(3), good])
    assert [type(r).__name__ for r in results] == ["dict", "NotFound", "dict", "StateConflict"]
    assert store.last_seq() == before + 2  # the two good messages' entries, nothing else
    with store.write() as tx:  # the refused message's nonce was never claimed
        tx.claim_nonce(bad.envelope["nonce"], "blue", 0.0)


@pytest.mark.parametrize("read_inside", [False, True], ids=["unsent", "sent"])
def test_a_step_undone_leaves_nothing_whether_or_not_it_was_sent(
    store: Any, read_inside: bool
) -> None:
    """A savepoint's writes still waiting when it is undone are dropped unsent; once a read
    inside it has sent them, ROLLBACK TO undoes them on the server. Either way the entries
    chained after it follow the one before it, and the tree and checkpoint agree."""
    from interlock.ledger import merkle
    from interlock.ledger.chain import verify_chain

    def entry(tx: Any, name: str) -> dict[str, Any]:
        return tx.append_ledger("test", name, {"name": name}, "2026-01-01T00:00:00Z", ["blue"])

    build_services(store, make_agreement(), Clock(T0))  # the log's key: checkpoints signed
    before = store.last_seq()
    with store.write() as tx:
        kept = entry(tx, "kept")
        with pytest.raises(KeyError), tx.savepoint():
            entry(tx, "undone")
            if read_inside:
                assert tx.ledger_entry_at(kept["seq"] + 1) is not None  # sent by now
            raise KeyError("refused")
        after = entry(tx, "after")
    assert after["seq"] == kept["seq"] + 1 and after["prev_hash"] == kept["hash"]
    entries = list(store.ledger_entries())
    assert [e["event"].get("name") for e in entries[before:]] == ["kept", "after"]
    assert verify_chain(entries, {}) == (len(entries), None)
    latest = store.latest_checkpoint(store.sealer.origin)
    leaves = [merkle.leaf_hash(merkle.leaf_input(e["hash"])) for e in entries]
    assert latest["size"] == len(entries) and latest["root"] == merkle.root_of(leaves)
