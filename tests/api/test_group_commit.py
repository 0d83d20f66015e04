"""Group commit: many writes, one transaction, each op succeeding or failing on its own."""

from __future__ import annotations

import asyncio
from collections.abc import Callable

import httpx
import orjson
import pytest
from tests.conftest import LiveServer, circle

from interlock.api.writer import GroupCommitter
from interlock.errors import InvalidInput, NotFound
from interlock.service.batch import Batcher
from interlock.service.notices import NoticeService, WriteOp


def test_run_batch_isolates_failures_and_later_ops_see_earlier_ones(
    service: NoticeService,
) -> None:
    bad = circle(35.8, 35.5)
    bad["properties"]["end"] = bad["properties"]["start"]
    results = service.run_batch(
        [
            WriteOp("submit", "blue", feature=circle(35.80, 35.5)),
            WriteOp("submit", "red", feature=bad),
            WriteOp("cancel", "red", "n-missing"),
            WriteOp("submit", "red", feature=circle(35.85, 35.5)),
        ]
    )
    assert isinstance(results[1], InvalidInput) and isinstance(results[2], NotFound)
    first, last = results[0], results[3]
    assert [c.b_id for c in last.conflicts] == [first.notice["id"]]
    assert service.store.count_notices() == 2


def test_queued_writes_share_one_commit(service: NoticeService) -> None:
    async def scenario() -> tuple[list[object], GroupCommitter]:
        committer = GroupCommitter(Batcher(service.store, {WriteOp: service}))
        committer.start()
        ops = [
            WriteOp("submit", "blue" if i % 2 else "red", feature=circle(30.0 + i * 0.01, 40))
            for i in range(10)
        ]
        ops.append(WriteOp("cancel", "blue", "n-missing"))
        # Hold the store's writer: the first op's batch waits in it while the rest queue up
        # (they are sent only once that batch is taken, so none can join it).
        writer_lock = service.store._write_lock
        writer_lock.acquire()
        first = asyncio.gather(committer.run(ops[0]), return_exceptions=True)
        while committer.batches != 1:
            await asyncio.sleep(0.005)
        rest = asyncio.gather(
            *(asyncio.gather(committer.run(op), return_exceptions=True) for op in ops[1:])
        )
        assert committer._queue is not None
        while committer._queue.qsize() != len(ops) - 1:
            await asyncio.sleep(0.005)
        writer_lock.release()
        results = [(await first)[0]] + [r[0] for r in await rest]
        await committer.stop()
        assert committer.largest_batch == len(ops) - 1
        return results, committer

    results, committer = asyncio.run(scenario())
    assert committer.batches == 2  # those that queued meanwhile shared one commit
    assert isinstance(results[-1], NotFound)
    assert service.store.count_notices() == 10
    # 5 x 5 cross-party pairs, all within 5 NM of each other, found within the one batch.
    assert len(service.store.list_conflicts()) == 25


def test_concurrent_http_writers_lose_nothing(
    live_server: LiveServer, client_for: Callable[[str | None], httpx.Client]
) -> None:
    n = 40

    async def burst() -> list[httpx.Response]:
        async with httpx.AsyncClient(base_url=live_server.url, timeout=30) as c:

            async def one(i: int) -> httpx.Response:
                party = "blue" if i % 2 else "red"
                feat = circle(20.0 + i * 0.01, 50.0)
                if i % 10 == 0:
                    feat["properties"]["alt_lower_ft"] = 99_999  # above the upper: refused
                return await c.post(
                    "/notices",
                    content=orjson.dumps(feat),
                    headers={"Authorization": f"Bearer {live_server.tokens[party]}"},
                )

            return await asyncio.gather(*(one(i) for i in range(n)))

    responses = asyncio.run(burst())
    codes = [r.status_code for r in responses]
    assert codes.count(422) == 4 and codes.count(201) == n - 4
    stored = client_for("blue").get("/notices").json()["features"]
    assert len(stored) == n - 4
    assert sorted(f["properties"]["id"] for f in stored) == sorted(
        r.json()["notice"]["id"] for r in responses if r.status_code == 201
    )
    # Every adjacent cross-party pair (0.01 deg apart) conflicts, however batches fell.
    conflicts = client_for("blue").get("/conflicts").json()
    pairs = {frozenset((c["a_id"], c["b_id"])) for c in conflicts}
    assert len(pairs) == len(conflicts)
    by_index = {
        i: r.json()["notice"]["id"] for i, r in enumerate(responses) if r.status_code == 201
    }
    expected = {
        frozenset((by_index[i], by_index[i + 1]))
        for i in range(n - 1)
        if i in by_index and i + 1 in by_index
    }
    assert expected <= pairs


def test_a_crash_in_a_batch_fails_every_waiter(
    service: NoticeService, monkeypatch: pytest.MonkeyPatch
) -> None:
    def broken(ops: object, prepared: object) -> list[object]:
        raise RuntimeError("disk on fire")

    batcher = Batcher(service.store, {WriteOp: service})
    monkeypatch.setattr(batcher, "apply_prepared", broken)

    async def scenario() -> list[object]:
        committer = GroupCommitter(batcher)
        committer.start()
        results = await asyncio.gather(
            *(committer.run(WriteOp("cancel", "blue", "n-x")) for _ in range(3)),
            return_exceptions=True,
        )
        await committer.stop()
        return results

    results = asyncio.run(scenario())
    assert all(isinstance(r, RuntimeError) for r in results)


def test_one_op_failing_unexpectedly_does_not_take_its_batch_with_it(
    service: NoticeService, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A bug in one op undoes its batch; the batch is re-run op by op, so the other
    writers' notices are stored once each and only the faulty op fails."""
    real_apply = service.apply

    def apply(tx: object, op: WriteOp, prepared: object) -> object:
        if op.feature and op.feature["properties"].get("purpose") == "trip":
            raise RuntimeError("a bug in this op")
        return real_apply(tx, op, prepared)  # type: ignore[arg-type]

    monkeypatch.setattr(service, "apply", apply)
    batcher = Batcher(service.store, {WriteOp: service})
    ops = [
        WriteOp("submit", "blue", feature=circle(20.0, 40.0)),
        WriteOp("submit", "red", feature=circle(30.0, 40.0, purpose="trip")),
        WriteOp("submit", "red", feature=circle(20.02, 40.0)),
    ]
    results = batcher.run_batch(ops)
    assert isinstance(results[1], RuntimeError)
    assert results[0].notice["properties"]["party"] == "blue"
    assert results[2].conflicts[0].b_id == results[0].notice["id"]  # saw the first
    assert service.store.count_notices() == 2
    kinds = [e["event"]["type"] for e in service.store.ledger_entries()]
    assert kinds.count("notice_version") == 2
