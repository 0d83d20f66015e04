"""Running many writes in one transaction and one durable commit (group commit).

Each kind of write is handled by a service that splits it in two: `prepare` (checks that
need no store: parsing, signatures) runs before the write lock is taken; `apply` runs
inside the transaction, each op in its own savepoint, so a refused op undoes only its
own writes and its InterlockError becomes its result.

An op whose handler says it refuses only before its first write (``refuses_before_writing``)
needs no savepoint: refused, it has written nothing to undo. The batch's nonces are looked
up in one statement first (`prefetch_nonces`), so a claim needs no answer of its own; with
the store deferring what it writes (store.cursor), a batch of hotline messages costs a few
round trips under the write lock on PostgreSQL, however many messages it holds.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from typing import Any, Protocol

from ..errors import InterlockError
from ..store.base import Store, WriteTx

log = logging.getLogger(__name__)


class Handler(Protocol):
    def prepare(self, op: Any) -> Any: ...  # the prepared op, or an InterlockError
    def apply(self, tx: WriteTx, op: Any, prepared: Any) -> Any: ...


def _refuses_before_writing(handler: Handler, op: Any) -> bool:
    """Whether the handler vouches that `op` raises its InterlockErrors before it writes
    (optional: without the method, every op gets a savepoint)."""
    vouch = getattr(handler, "refuses_before_writing", None)
    return bool(vouch(op)) if vouch is not None else False


def _signed_nonces(
    ops: Sequence[Any], prepared: Sequence[Any], todo: Sequence[int]
) -> list[tuple[str, str]]:
    """(party, nonce) of each signed write's envelope among `todo` (an optimisation only:
    a claim not prefetched asks the store itself)."""
    out = []
    for i in todo:
        envelope = getattr(prepared[i], "envelope", None)
        party = getattr(ops[i], "party", None)
        if isinstance(envelope, dict) and isinstance(party, str):
            nonce = envelope.get("nonce")
            if isinstance(nonce, str):
                out.append((party, nonce))
    return out


class Batcher:
    """Routes each op to the service for its type; one transaction per batch."""

    def __init__(self, store: Store, handlers: Mapping[type, Handler]) -> None:
        self.store = store
        self.handlers = dict(handlers)

    def prepare(self, op: Any) -> Any:
        """The op's store-free checks: its prepared form, or the InterlockError refusing it.
        Safe to call from many threads at once (the API does, before queueing)."""
        try:
            return self.handlers[type(op)].prepare(op)
        except InterlockError as exc:
            return exc

    def run_batch(self, ops: Sequence[Any]) -> list[Any]:
        """Prepare and apply writes in order; later ops see earlier ones, as if they came
        one by one. Any exception other than an InterlockError aborts the whole batch."""
        return self.apply_prepared(ops, [self.prepare(op) for op in ops])

    def apply_prepared(self, ops: Sequence[Any], prepared: Sequence[Any]) -> list[Any]:
        """Apply already prepared ops in one transaction, each in its own savepoint.

        An op that fails unexpectedly (a bug, not an InterlockError) undoes the whole batch;
        the ops are then run again one transaction each, so only that op fails (its
        exception is its result) and the others' writes are not lost with it."""
        results: list[Any] = list(prepared)
        todo = [i for i, p in enumerate(prepared) if not isinstance(p, InterlockError)]
        if not todo:
            return results
        if len(todo) == 1:  # a lone op: refusing it rolls back the whole transaction, so
            i = todo[0]  # it needs no savepoint (two fewer statements while holding the lock)
            try:
                with self.store.write() as tx:
                    tx.prefetch_nonces(_signed_nonces(ops, prepared, todo))
                    results[i] = self.handlers[type(ops[i])].apply(tx, ops[i], prepared[i])
            except InterlockError as exc:
                results[i] = exc
            return results
        try:
            with self.store.write() as tx:
                # one look-up for the batch's nonces: their claims then wait for no answer
                tx.prefetch_nonces(_signed_nonces(ops, prepared, todo))
                for i in todo:
                    handler = self.handlers[type(ops[i])]
                    try:
                        if _refuses_before_writing(handler, ops[i]):
                            results[i] = handler.apply(tx, ops[i], prepared[i])
                            continue
                        with tx.savepoint():
                            results[i] = handler.apply(tx, ops[i], prepared[i])
                    except InterlockError as exc:
                        results[i] = exc
        except InterlockError:
            raise  # the store itself failed (StoreUnavailable): every op is told
        except Exception:
            log.exception("a write failed unexpectedly; retrying its batch one op at a time")
            for i in todo:
                try:
                    (results[i],) = self.apply_prepared([ops[i]], [prepared[i]])
                except Exception as exc:
                    results[i] = exc
        return results


def run_one(store: Store, handler: Handler, op: Any) -> Any:
    """One write in a transaction of its own: its result, or its refusal raised."""
    (result,) = Batcher(store, {type(op): handler}).run_batch([op])
    if isinstance(result, Exception):
        raise result
    return result
