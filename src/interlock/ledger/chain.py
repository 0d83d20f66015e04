"""The ledger: an append-only hash chain over every event.

Each entry commits to its predecessor, so changing, deleting, inserting or reordering any
entry breaks every link after it, and the first bad entry can be named:

  entry_hash = SHA-256(RFC 8785 {seq, prev_hash, received_at, content_hash})
  content_hash = SHA-256(RFC 8785 of the event: a signed envelope, or a system event)

Signed envelopes are also checked against their author's public key, so a server that
rewrites the chain from the start still cannot forge what a party said.

A party reading the ledger sees others' events that hold what the agreement hides from it
as ``{"type": ..., "redacted": true}``: their links and entry hashes still verify; their
content is checked by whoever may see it.
"""

from __future__ import annotations

import contextlib
import hashlib
import marshal
import os
import subprocess
import sys
import threading
from collections import deque
from collections.abc import Iterable, Iterator
from concurrent.futures import Future
from dataclasses import dataclass
from pathlib import Path
from queue import SimpleQueue
from typing import Any

from ..errors import InterlockError
from ..model.agreement import OPTIONAL_FIELDS
from ..model.timeutil import parse_utc
from .canonical import canonical, canonical_ready, digest, render
from .envelope import GREETING, Pending, prepare

GENESIS = "0" * 64
# Signatures are checked in batches of this many: enough that shipping one to a worker
# process costs little next to checking it (75-160 us a signature), few enough that the
# last ones do not keep the others waiting long.
BATCH = 128
# Below this many signatures in a chain, starting a helper process (~0.1 s of CPU) costs
# more than it saves.
PARALLEL_FROM = 8 * BATCH
# A helper checks a batch in tens of milliseconds; one silent this long is given up on.
HELPER_TIMEOUT = 60.0


def entry_hash(seq: int, prev_hash: str, received_at: str, content_hash: str) -> str:
    head = {
        "seq": seq,
        "prev_hash": prev_hash,
        "received_at": received_at,
        "content_hash": content_hash,
    }
    # The usual head (an int and three strings) needs no walk for floats.
    plain = type(received_at) is str and type(content_hash) is str and type(seq) is int
    out = render(head) if plain and type(prev_hash) is str else None
    return hashlib.sha256(out if out is not None else canonical(head)).hexdigest()


def make_entry(seq: int, prev_hash: str, received_at: str, event: dict[str, Any]) -> dict[str, Any]:
    content = digest(event)
    return {
        "seq": seq,
        "prev_hash": prev_hash,
        "received_at": received_at,
        "content_hash": content,
        "hash": entry_hash(seq, prev_hash, received_at, content),
        "event": event,
    }


@dataclass(frozen=True, slots=True)
class Problem:
    seq: int  # the entry's position (1-based) as found in the file
    reason: str


def _check(
    position: int, prev: str, e: dict[str, Any], keys: dict[str, list[str]]
) -> tuple[Pending | None, Problem | None]:
    """Every check of one entry but its signature equation, in the order (and with the
    reasons and exceptions) of the plain loop. Returns the signature still to check, if
    any, and the first problem; both at once means the problem counts only if the
    signature is valid (the plain loop finds a bad signature before a bad signed_at)."""
    pending = None
    try:
        if e.get("seq") != position:
            return None, Problem(
                position,
                f"sequence {e.get('seq')} where {position} "
                "was due (entry deleted, inserted or moved)",
            )
        if e.get("prev_hash") != prev:
            return None, Problem(position, "does not link to the entry before it")
        event = e["event"]
        redacted = event.get("redacted") is True
        ready = None
        if not redacted:
            content, ready = canonical_ready(event)
            if hashlib.sha256(content).hexdigest() != e.get("content_hash"):
                return None, Problem(position, "content changed (content hash mismatch)")
        if entry_hash(position, prev, e["received_at"], e["content_hash"]) != e.get("hash"):
            return None, Problem(position, "entry hash mismatch")
        envelope = None if redacted else event.get("envelope")
        if envelope is not None:
            # The event's canonical walk already holds the envelope's: reuse it.
            pending = prepare(envelope, keys, ready["envelope"] if type(ready) is dict else None)
            parse_utc(envelope["signed_at"], "signed_at")  # what envelope.finish checks
    except InterlockError as exc:
        return pending, Problem(position, f"signature: {exc.detail}")
    except (KeyError, TypeError, AttributeError) as exc:
        return pending, Problem(position, f"malformed entry ({exc})")
    return pending, None


def default_workers() -> int:
    """One process per core this process may run on."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not Linux
        return os.cpu_count() or 1


def verify_chain(
    entries: Iterable[dict[str, Any]],
    keys: dict[str, list[str]],
    workers: int = 1,
) -> tuple[int, Problem | None]:
    """(entries checked, the first problem or None).

    Entries are read and hashed in order, here. With `workers` > 1, once the chain proves
    long enough to pay for it, `workers - 1` helper processes check signatures (most of
    the work) beside this one. Either way the answer is the plain in-order loop's: the
    earliest bad position, and nothing read past it.
    """
    it = iter(entries)
    prev, count = GENESIS, 0
    held: Batch = []  # signatures not checked yet, in order
    # Short chains never pay for starting processes: their signatures are checked here.
    for count, e in enumerate(it, start=1):
        pending, problem = _check(count, prev, e, keys)
        if problem is not None:
            return _settle([], held) or _at(count, pending, problem)
        if pending is not None:
            if workers > 1:
                held.append((count, pending))
            elif not pending.valid():
                return count, _bad(count, pending)
        prev = e["hash"]
        if len(held) >= PARALLEL_FROM:
            break
    else:
        return _settle([], held) or (count, None)
    with _Checkers(workers - 1) as checkers:
        return _parallel(it, keys, count, prev, held, checkers)


def _at(
    position: int, pending: Pending | None, problem: Problem | None
) -> tuple[int, Problem | None]:
    """The verdict on one entry: its bad signature, else the problem found in it."""
    if pending is not None and not pending.valid():
        return position, _bad(position, pending)
    return position, problem


Batch = list[tuple[int, Pending]]
Sent = tuple["Future[int | None]", Batch]


def _parallel(
    it: Iterator[dict[str, Any]],
    keys: dict[str, list[str]],
    position: int,
    prev: str,
    batch: Batch,
    checkers: _Checkers,
) -> tuple[int, Problem | None]:
    """Go on reading after `position`, checking signatures in batches (`batch`: those
    not checked yet, in order): sent to a helper process while one keeps up, else checked
    here, so that this process lends a hand once it is ahead. Results are taken oldest
    first, so the first bad one found is the earliest."""
    sent: deque[Sent] = deque()

    def dispatch(batch: Batch) -> None:
        result = checkers.submit([(at, p.key.raw, p.signature, p.message) for at, p in batch])
        if result is None:  # every helper has enough to do
            result = Future()
            result.set_result(_first_invalid_here(batch))
        sent.append((result, batch))

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
            found = _settle(sent, batch)
            if found is not None:
                return found
            raise
        position += 1
        pending, problem = _check(position, prev, e, keys)
        if problem is not None:
            return _settle(sent, batch) or _at(position, pending, problem)
        if pending is not None:
            batch.append((position, pending))
            if len(batch) >= BATCH:
                dispatch(batch)
                batch = []
                while sent and sent[0][0].done():
                    found = _first_bad(*sent.popleft())
                    if found is not None:
                        return found
        prev = e["hash"]
    return _settle(sent, batch) or (position, None)


def _first_invalid_here(batch: Batch) -> int | None:
    return next((at for at, p in batch if not p.valid()), None)


def _first_bad(result: Future[int | None], batch: Batch) -> tuple[int, Problem] | None:
    try:
        bad = result.result(timeout=HELPER_TIMEOUT)
    except OSError:  # the helper failed, died or hangs (TimeoutError): check its batch here
        bad = _first_invalid_here(batch)
    if bad is None:
        return None
    return bad, _bad(bad, dict(batch)[bad])


def _settle(sent: Iterable[Sent], held: Batch) -> tuple[int, Problem] | None:
    """The earliest bad signature among the batches sent off, then among those `held`
    here (which come after them); None if all are valid. The held ones are checked first,
    while the helpers finish."""
    last = _first_invalid_here(held)
    for result, batch in sent:
        found = _first_bad(result, batch)
        if found is not None:
            return found
    return None if last is None else (last, _bad(last, dict(held)[last]))


def _bad(position: int, pending: Pending) -> Problem:
    return Problem(position, f"signature: {pending.refusal().detail}")


class _Checkers:
    """Helper processes that check batches of signatures (`envelope.serve_checks`).

    Plain subprocesses on pipes, not multiprocessing: a worker imports the envelope module
    only (~0.1 s, where a multiprocessing "spawn" child re-imports the caller's main
    module: the whole CLI, ~1 s), and nothing is forked from a threaded process. Each
    helper answers its batches in order; a thread per helper feeds it and another
    collects its answers, so that submitting never blocks the reader of the chain.
    """

    DEPTH = 2  # batches queued per helper before the caller checks the next one itself

    def __init__(self, n: int) -> None:
        root = str(Path(__file__).resolve().parents[2])  # where `interlock` imports from
        path = [root, *filter(None, os.environ.get("PYTHONPATH", "").split(os.pathsep))]
        env = {**os.environ, "PYTHONPATH": os.pathsep.join(path)}
        code = "from interlock.ledger.envelope import serve_checks; serve_checks()"
        self._helpers: list[_Helper] = []
        if sys.executable:
            for _ in range(n):
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
                self._helpers.append(_Helper(proc))

    def submit(self, jobs: list[tuple[int, bytes, bytes, bytes]]) -> Future[int | None] | None:
        """The future first bad position of `jobs`, or None if every helper is busy."""
        if not self._helpers:
            return None
        helper = min(self._helpers, key=_Helper.load)
        if helper.load() >= self.DEPTH:
            return None
        return helper.submit(jobs)

    def __enter__(self) -> _Checkers:
        return self

    def __exit__(self, *exc: object) -> None:
        for helper in self._helpers:
            helper.stop()


class _Helper:
    """One helper process, its queue of unanswered batches, and its two pipe threads."""

    def __init__(self, proc: subprocess.Popen[bytes]) -> None:
        self.proc = proc
        self.waiting: deque[tuple[list[int], Future[int | None]]] = deque()
        self.outbox: SimpleQueue[bytes | None] = SimpleQueue()
        self.lock = threading.Lock()
        self.ended = False
        self.threads = [
            threading.Thread(target=self._feed, daemon=True),
            threading.Thread(target=self._collect, daemon=True),
        ]
        for thread in self.threads:
            thread.start()

    def load(self) -> int:
        return len(self.waiting)

    def submit(self, jobs: list[tuple[int, bytes, bytes, bytes]]) -> Future[int | None]:
        result: Future[int | None] = Future()
        frame = marshal.dumps(jobs)
        with self.lock:
            if self.ended:
                result.set_exception(BrokenPipeError("the helper process ended"))
                return result
            self.waiting.append(([job[0] for job in jobs], result))
        self.outbox.put(len(frame).to_bytes(4, "big") + frame)
        return result

    def _feed(self) -> None:
        assert self.proc.stdin is not None
        while (frame := self.outbox.get()) is not None:
            try:
                self.proc.stdin.write(frame)
                self.proc.stdin.flush()
            except OSError:  # it died: _collect sees the end and fails what waits
                return

    def _collect(self) -> None:
        """Match answers to batches; at the first that does not fit (or the end), give up
        on this helper: whatever it was given is then checked by the caller."""
        read = self.proc.stdout.read  # type: ignore[union-attr]
        if read(len(GREETING)) == GREETING:
            while len(answer := read(16)) == 16 and self.waiting:
                first = int.from_bytes(answer[:8], "big", signed=True)
                bad = int.from_bytes(answer[8:], "big", signed=True)
                positions, result = self.waiting[0]
                if first != positions[0] or not (bad == -1 or bad in positions):
                    break
                self.waiting.popleft()
                result.set_result(None if bad == -1 else bad)
        with self.lock:
            self.ended = True
            while self.waiting:
                self.waiting.popleft()[1].set_exception(BrokenPipeError("the helper failed"))

    def stop(self) -> None:
        """End it now: whatever it still holds is no longer wanted."""
        self.outbox.put(None)
        self.proc.kill()
        self.proc.wait()
        for thread in self.threads:
            thread.join(timeout=5)
        for pipe in (self.proc.stdin, self.proc.stdout):
            if pipe is not None:
                with contextlib.suppress(OSError):
                    pipe.close()


def redact(entry: dict[str, Any], viewer: str, shared_fields: Iterable[str]) -> dict[str, Any]:
    """The entry as `viewer` may see it: another party's notice carrying fields the
    agreement does not share is reduced to its type (hashes and links stay)."""
    event = entry["event"]
    if event.get("type") != "notice_version" or event.get("party") == viewer:
        return entry
    props = event.get("feature", {}).get("properties", {})
    hidden = set(OPTIONAL_FIELDS) - set(shared_fields)
    if not hidden & set(props):
        return entry
    return {**entry, "event": {"type": event["type"], "id": event.get("id"), "redacted": True}}
