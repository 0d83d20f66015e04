"""Ledger verification on every core: the shell around `interlock.ledger.chain`.

The pure checks (links, hashes, statements, each signature) are `ledger.chain`'s; this
module only decides where the Ed25519 equations run: in batches, in helper processes as
well as here, behind the in-order reading. The verdict is always the plain in-order
loop's (`ledger.chain.audit` / `verify_chain`): the earliest bad position and its reason.
"""

from __future__ import annotations

import contextlib
import marshal
import os
import subprocess
import sys
from collections import deque
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

with contextlib.suppress(ImportError):  # POSIX only: a larger pipe for the helpers
    import fcntl

from ..ledger.chain import (
    GENESIS,
    Problem,
    Reading,
    Verdict,
    bad_signature,
    check_entry,
    verdict_at,
)
from ..ledger.envelope import Pending
from .verify_helper import GREETING

# Signatures are checked in batches of this many: enough that shipping one to a worker
# process costs little next to checking it (75-160 us a signature), few enough that the
# last ones do not keep the others waiting long.
BATCH = 128
# Helpers are started once a chain has this many signatures: a tiny one never starts any,
# a long one starts them early enough that their start-up (~0.1 s, on another core) is
# mostly over when the chain needs them.
PARALLEL_FROM = BATCH


def default_workers() -> int:
    """One process per core this process may run on."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not Linux
        return os.cpu_count() or 1


def audit(
    entries: Iterable[dict[str, Any]],
    keys: dict[str, list[str]],
    workers: int = 1,
    viewer: str | None = None,
) -> Verdict:
    """`ledger.chain.audit`'s verdict (as `viewer`'s view; None: the whole record), the
    signatures checked on `workers` processes: a signature by an unknown key is set aside
    as unchecked and the audit goes on."""
    unchecked: list[Problem] = []
    count, problem = _drive(entries, keys, workers, unchecked, Reading(viewer))
    if problem is not None:  # reading ran ahead of it: keep what the plain loop saw
        unchecked = [u for u in unchecked if u.seq < problem.seq]
    return Verdict(count, problem, tuple(unchecked))


def verify_chain(
    entries: Iterable[dict[str, Any]],
    keys: dict[str, list[str]],
    workers: int = 1,
    viewer: str | None = None,
) -> tuple[int, Problem | None]:
    """`ledger.chain.verify_chain`'s verdict (an unknown key counts as a problem), the
    signatures checked on `workers` processes."""
    return _drive(entries, keys, workers, None, Reading(viewer))


def _drive(
    entries: Iterable[dict[str, Any]],
    keys: dict[str, list[str]],
    workers: int,
    unchecked: list[Problem] | None,
    reading: Reading,
) -> tuple[int, Problem | None]:
    """(entries checked, the first problem or None); unknown keys go to `unchecked` when
    it is a list.

    Entries are read and hashed in order, here. Signatures (most of the work) are checked
    in batches behind the reading: with `workers` > 1, once the chain proves long enough
    to pay for it, by `workers - 1` helper processes as well as this one. Reading may so
    run ahead of a bad signature, but the answer is always the plain in-order loop's: the
    earliest bad position and its reason (an error raised by `entries` itself propagates
    only if every entry before it verified).
    """
    it = iter(entries)
    prev, count = GENESIS, 0
    held: Batch = []  # signatures not checked yet, in order
    # Short chains never pay for starting processes: their signatures are checked here.
    for count, e in enumerate(it, start=1):
        pending, problem = check_entry(count, prev, e, keys, reading)
        if problem is not None:
            if problem.unchecked and unchecked is not None:
                unchecked.append(problem)
                prev = e["hash"]
                reading.log.add(e)
                continue
            return _settle(None, [], held) or verdict_at(count, pending, problem)
        if pending is not None:
            if workers > 1:
                held.append((count, pending))
            elif not pending.valid():
                return count, bad_signature(count, pending)
        prev = e["hash"]
        reading.log.add(e)
        if len(held) >= PARALLEL_FROM:
            break
    else:
        return _settle(None, [], held) or (count, None)
    with _Checkers(workers - 1) as checkers:
        return _parallel(it, keys, count, prev, held, checkers, unchecked, reading)


Batch = list[tuple[int, Pending]]


class _Slot:
    """A batch of signatures and, once known, the first bad position in it."""

    __slots__ = ("bad", "batch", "known")
    batch: Batch
    known: bool
    bad: int | None  # the first bad position, once known

    def __init__(self, batch: Batch) -> None:
        self.batch, self.known, self.bad = batch, False, None

    def settle(self, bad: int | None) -> None:
        self.known, self.bad = True, bad

    def check_here(self) -> None:
        if not self.known:
            self.settle(_first_invalid_here(self.batch))

    def found(self) -> tuple[int, Problem] | None:
        if self.bad is None:
            return None
        return self.bad, bad_signature(self.bad, dict(self.batch)[self.bad])


def _parallel(
    it: Iterator[dict[str, Any]],
    keys: dict[str, list[str]],
    position: int,
    prev: str,
    batch: Batch,
    checkers: _Checkers,
    unchecked: list[Problem] | None,
    reading: Reading,
) -> tuple[int, Problem | None]:
    """Go on reading after `position`, checking signatures in batches (`batch`: those
    not checked yet, in order): given to a helper process while one keeps up, else
    checked here, so that this process lends a hand once it is ahead. Results are taken
    oldest first, so the first bad one found is the earliest."""
    slots: deque[_Slot] = deque()

    def dispatch(batch: Batch) -> None:
        slot = _Slot(batch)
        if not checkers.offer(slot):  # every helper has enough to do
            slot.check_here()
        slots.append(slot)

    for i in range(0, len(batch) - BATCH + 1, BATCH):
        dispatch(batch[i : i + BATCH])
    batch = batch[len(batch) - len(batch) % BATCH :]
    while True:
        try:
            e = next(it)
        except StopIteration:
            break
        except Exception:
            # Reading the next entry failed: the plain loop gets there (and raises) only if
            # everything before it verified.
            found = _settle(checkers, slots, batch)
            if found is not None:
                return found
            raise
        position += 1
        pending, problem = check_entry(position, prev, e, keys, reading)
        if problem is not None:
            if problem.unchecked and unchecked is not None:
                unchecked.append(problem)
                prev = e["hash"]
                reading.log.add(e)
                continue
            return _settle(checkers, slots, batch) or verdict_at(position, pending, problem)
        if pending is not None:
            batch.append((position, pending))
            if len(batch) >= BATCH:
                dispatch(batch)
                batch = []
                checkers.pump()
                while slots and slots[0].known:
                    found = slots.popleft().found()
                    if found is not None:
                        return found
        prev = e["hash"]
        reading.log.add(e)
    return _settle(checkers, slots, batch) or (position, None)


def _first_invalid_here(batch: Batch) -> int | None:
    return next((at for at, p in batch if not p.valid()), None)


def _settle(
    checkers: _Checkers | None, slots: Iterable[_Slot], held: Batch
) -> tuple[int, Problem] | None:
    """The earliest bad signature among the batches given out, then among those `held`
    here (which come after them); None if all are valid. This process checks the held
    ones, then the given ones no helper has answered, newest first, while the helpers go
    on from the oldest: the end never waits on a helper that is slow, dead or starting."""
    last = _first_invalid_here(held)
    slots = list(slots)
    for slot in reversed(slots):
        if checkers is not None:
            checkers.pump()
        slot.check_here()
    for slot in slots:
        found = slot.found()
        if found is not None:
            return found
    return None if last is None else (last, bad_signature(last, dict(held)[last]))


class _Checkers:
    """Helper processes that check batches of signatures (`verify_helper.serve_checks`).

    Plain subprocesses on pipes, not multiprocessing: a helper imports the envelope module
    only (~0.1 s, where a multiprocessing "spawn" child re-imports the caller's main
    module: the whole CLI, ~1 s), and nothing is forked from a threaded process. The pipes
    are non-blocking and pumped by the caller between batches (no threads: they would
    wait on the caller's GIL); a helper answers its batches in order.
    """

    DEPTH = 6  # batches given to a helper and not answered before the caller checks itself

    def __init__(self, n: int) -> None:
        root = str(Path(__file__).resolve().parents[2])  # where `interlock` imports from
        path = [root, *filter(None, os.environ.get("PYTHONPATH", "").split(os.pathsep))]
        env = {**os.environ, "PYTHONPATH": os.pathsep.join(path)}
        code = "from interlock.service.verify_helper import serve_checks; serve_checks()"
        self._helpers: list[_Helper] = []
        for _ in range(n if sys.executable else 0):
            try:
                proc = subprocess.Popen(
                    [sys.executable, "-c", code],
                    stdin=subprocess.PIPE,
                    stdout=subprocess.PIPE,
                    env=env,
                    start_new_session=True,  # a Ctrl-C is the caller's to handle
                )
            except OSError:
                break
            try:
                self._helpers.append(_Helper(proc))
            except OSError:  # no non-blocking pipes here (Windows before 3.12)
                _Helper.end(proc)
                break

    def offer(self, slot: _Slot) -> bool:
        """Give `slot` to the least busy helper, unless all have enough to do."""
        live = [h for h in self._helpers if not h.dead]
        if not live:
            return False
        helper = min(live, key=lambda h: len(h.waiting))
        if len(helper.waiting) >= self.DEPTH:
            return False
        helper.give(slot)
        return True

    def pump(self) -> None:
        for helper in self._helpers:
            helper.pump()

    def __enter__(self) -> _Checkers:
        return self

    def __exit__(self, *exc: object) -> None:
        for helper in self._helpers:
            _Helper.end(helper.proc)


class _Helper:
    """One helper process: what is still to be written to it, and the batches it has not
    answered yet, in order. Whatever it fails to answer is left for the caller."""

    def __init__(self, proc: subprocess.Popen[bytes]) -> None:
        assert proc.stdin is not None and proc.stdout is not None
        self.proc = proc
        self.wfd, self.rfd = proc.stdin.fileno(), proc.stdout.fileno()
        os.set_blocking(self.wfd, False)
        os.set_blocking(self.rfd, False)
        with contextlib.suppress(OSError, AttributeError, NameError):
            # Room for every batch it may hold (Linux: 64 KiB by default), so that writing
            # never waits on it.
            fcntl.fcntl(self.wfd, fcntl.F_SETPIPE_SZ, 1 << 20)
        self.outgoing = bytearray()
        self.incoming = bytearray()
        self.greeted = False
        self.dead = False
        self.waiting: deque[_Slot] = deque()

    def give(self, slot: _Slot) -> None:
        frame = marshal.dumps([(at, p.key.raw, p.signature, p.message) for at, p in slot.batch])
        self.outgoing += len(frame).to_bytes(4, "big") + frame
        self.waiting.append(slot)
        self.pump()

    def pump(self) -> None:
        """Write what the pipe takes, read what has come, settle the answered batches."""
        if self.dead:
            return
        try:
            if self.outgoing:
                del self.outgoing[: os.write(self.wfd, self.outgoing)]
        except BlockingIOError:
            pass
        except OSError:
            return self._fail()
        while True:
            try:
                data = os.read(self.rfd, 1 << 16)
            except BlockingIOError:
                break
            except OSError:
                return self._fail()
            if not data:
                return self._fail()
            self.incoming += data
        if not self.greeted:
            if len(self.incoming) < len(GREETING):
                return None
            if self.incoming[: len(GREETING)] != GREETING:
                return self._fail()
            del self.incoming[: len(GREETING)]
            self.greeted = True
        while len(self.incoming) >= 16:
            first = int.from_bytes(self.incoming[:8], "big", signed=True)
            bad = int.from_bytes(self.incoming[8:16], "big", signed=True)
            del self.incoming[:16]
            positions = [at for at, _ in self.waiting[0].batch] if self.waiting else []
            if not positions or first != positions[0] or not (bad == -1 or bad in positions):
                return self._fail()  # an answer that fits no batch: believe none
            slot = self.waiting.popleft()
            if not slot.known:
                slot.settle(None if bad == -1 else bad)
        return None

    def _fail(self) -> None:
        self.dead = True
        for slot in self.waiting:  # the caller checks them itself (see _settle)
            slot.check_here()
        self.waiting.clear()

    @staticmethod
    def end(proc: subprocess.Popen[bytes]) -> None:
        """Stop it now: whatever it still holds is no longer wanted."""
        proc.kill()
        proc.wait()
        for pipe in (proc.stdin, proc.stdout):
            if pipe is not None:
                with contextlib.suppress(OSError):
                    pipe.close()
