"""Statements (round trips, on PostgreSQL) a write batch costs under the write lock,
counted on the store's own connections (issue 20, step 1: what a group commit costs per
message, measured and held). Every statement the store sends is counted: its raw driver
cursors (store.cursor) and SQLAlchemy's statements alike."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from typing import Any

import pytest
import sqlalchemy
from tests.conftest import PARTY_KEYS, T0, Clock, make_agreement

from interlock.ledger.envelope import sign
from interlock.service.batch import Batcher
from interlock.service.hotline import HotlineOp
from interlock.service.root import build_services
from interlock.store import sql, sql_hotline, sql_log

# Per message in a batch, on PostgreSQL: the nonce's claim, the ledger entry with its inbox
# rows (one statement), the message with its deliveries (one). No savepoint: a message is
# refused before it writes (HotlineService.refuses_before_writing).
PG_PER_MESSAGE = 3


class Counting:
    """A cursor that counts what it sends, by the statement's first words."""

    def __init__(self, inner: Any, seen: Counter[str]) -> None:
        self._inner, self._seen = inner, seen

    def execute(self, statement: str, params: Any = None) -> Any:
        self._seen[" ".join(statement.split()[:3])] += 1
        if params is None:
            self._inner.execute(statement)
        else:
            self._inner.execute(statement, params)
        return self

    def executemany(self, statement: str, params: Any) -> Any:
        if params:
            self._seen[" ".join(statement.split()[:3])] += 1
            self._inner.executemany(statement, params)
        return self

    def __getattr__(self, name: str) -> Any:
        return getattr(self._inner, name)

    def __iter__(self) -> Iterator[Any]:
        return iter(self._inner)


@pytest.fixture
def seen(monkeypatch: pytest.MonkeyPatch) -> Iterator[Counter[str]]:
    counts: Counter[str] = Counter()
    for module in (sql, sql_log, sql_hotline):
        real = module.cursor
        monkeypatch.setattr(module, "cursor", lambda conn, real=real: Counting(real(conn), counts))

    def core(_conn: Any, _cur: Any, statement: str, *_: Any) -> None:
        counts[" ".join(statement.split()[:3])] += 1

    sqlalchemy.event.listen(sqlalchemy.engine.Engine, "before_cursor_execute", core)
    yield counts
    sqlalchemy.event.remove(sqlalchemy.engine.Engine, "before_cursor_execute", core)


def _message(i: int, **extra: Any) -> HotlineOp:
    body = {"to": ["red"], "priority": "routine", "subject": f"s{i}", "body": "hello", **extra}
    return HotlineOp("message", "blue", sign("message", "blue", body, PARTY_KEYS["blue"], T0))


def test_a_batch_costs_a_fixed_few_statements_per_message(store: Any, seen: Counter[str]) -> None:
    services = build_services(store, make_agreement(), Clock(T0))
    batcher = Batcher(store, {HotlineOp: services.hotline})
    batcher.run_batch([_message(0)])  # the log's first checkpoint
    cost = {}
    for n in (10, 20):  # both with savepoints (a lone op needs none)
        seen.clear()
        results = batcher.run_batch([_message(100 * n + i) for i in range(n)])
        assert not [r for r in results if isinstance(r, Exception)], results
        cost[n] = sum(seen.values())
        # the Merkle tree's nodes: one statement a batch, however many entries
        assert seen["INSERT INTO merkle_nodes"] == 1, seen
    per_message = (cost[20] - cost[10]) / 10
    if store.url.startswith("postgresql"):
        assert per_message <= PG_PER_MESSAGE, (per_message, seen)
    assert per_message == int(per_message), "the same statements for every message"


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
