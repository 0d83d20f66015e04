"""The demo's other parties: an automatic duty officer for each party the page does not show.

Without one, a message to a party nobody plays is never delivered nor acknowledged, so it
escalates at its deadline and again at every repeat: the demo floods its own page. Each
responder is that party's real client (`interlock.client.Client`, its token, its demo
signing key: every receipt is signed and on the record), reading the party's push stream.
For each message addressed to it, it reports delivery after a few seconds (a client's
delay) and acknowledges after a person's delay, before the deadline; the first flash
message, and then a seeded share of them, it acknowledges only after the deadline (before
the repeat), so the demo shows an escalation, once. It also heartbeats, as a live client.

Threads in the demo's process (this is a shell, not the core): `Responders.stop()` ends
them; they retry until the server is up, so they may start before it.
"""

from __future__ import annotations

import contextlib
import heapq
import logging
import random
import threading
import time
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx

from ..client import Client
from ..errors import InterlockError
from ..ledger.keys import read_private
from ..model.timeutil import parse_utc

log = logging.getLogger("interlock.demo")


@dataclass(frozen=True)
class ResponderTiming:
    """How long an automatic party takes (seconds), and its random seed.

    Delivery is a client's round trip plus a few seconds; acknowledgement a duty officer's
    reading time. A late flash acknowledgement comes `late_after_s` after the deadline,
    which is kept under the agreement's flash escalation repeat (the demo's is 120 s), so
    the message escalates once."""

    deliver_s: tuple[float, float] = (2.0, 6.0)
    ack_s: tuple[float, float] = (20.0, 90.0)
    late_share: float = 0.1  # of the flash messages after the first (which is always late)
    late_after_s: tuple[float, float] = (20.0, 60.0)
    before_deadline: float = 0.8  # an on-time ack comes within this share of the time left
    seed: int = 17

    def describe(self) -> str:
        """For the demo's banner."""
        (d0, d1), (a0, a1) = self.deliver_s, self.ack_s
        return (
            f"deliver after {d0:g}-{d1:g} s, acknowledge after {a0:g}-{a1:g} s; the first "
            f"flash message and {self.late_share:.0%} of the others after the deadline"
        )


@dataclass(frozen=True)
class Plan:
    """When to report one message delivered and acknowledged (time.monotonic())."""

    deliver_at: float
    ack_at: float
    late: bool


def plan(
    event: dict[str, Any],
    now: datetime,
    mono: float,
    rng: random.Random,
    timing: ResponderTiming,
    first_flash: bool,
    repeat_s: float | None = None,
) -> Plan:
    """The delays for a message event received at `now` (wall) / `mono` (monotonic). A late
    ack comes within half of `repeat_s` (the agreement's escalation repeat for the
    message's priority) after the deadline, so the message escalates once."""
    deliver = rng.uniform(*timing.deliver_s)
    left = (parse_utc(event["deadline"], "deadline") - now).total_seconds()
    late = event.get("priority") == "flash" and (first_flash or rng.random() < timing.late_share)
    if late:
        after = rng.uniform(*timing.late_after_s)
        ack = max(left, 0.0) + (min(after, repeat_s / 2) if repeat_s else after)
    else:
        ack = min(rng.uniform(*timing.ack_s), max(left * timing.before_deadline, 0.0))
    return Plan(mono + deliver, mono + max(ack, deliver), late)


class Responder:
    """One party's automatic client: a stream reader and a worker acting on schedule."""

    def __init__(
        self,
        url: str,
        token: str,
        party: str,
        key_file: Path,
        timing: ResponderTiming,
        stop: threading.Event,
    ) -> None:
        self.party = party
        self.client = Client(url, token, party, read_private(key_file))
        self.timing = timing
        self.rng = random.Random(f"{timing.seed}:{party}")
        self.stop_event = stop
        self.due: list[tuple[float, int, str, str]] = []  # (when, order, status, message)
        self.wake = threading.Condition()
        self.seen: set[str] = set()
        self.flash_seen = False
        self.repeat_s: dict[str, float] = {}  # the agreement's escalation repeats
        self.heartbeat_s = 1.0  # until the agreement's interval is read
        self.late: list[str] = []  # the messages acknowledged after their deadline
        self.done: list[tuple[str, str]] = []  # (message, status) reported
        self.threads = [
            threading.Thread(target=self._read, name=f"demo-{party}-stream", daemon=True),
            threading.Thread(target=self._work, name=f"demo-{party}-worker", daemon=True),
        ]

    def start(self) -> None:
        for t in self.threads:
            t.start()

    def close(self) -> None:
        """With the stop event set: wake the worker and close the connections, which ends
        the stream's read at once rather than at the next keep-alive. Does not block."""
        with self.wake:
            self.wake.notify_all()
        self.client.interrupt_stream()
        self.client.http.close()

    def join(self, timeout: float) -> None:
        self.close()
        for t in self.threads:
            t.join(timeout)

    def _read(self) -> None:
        stop = self.stop_event.is_set
        while not stop() and not self._read_rules():
            self.stop_event.wait(0.5)  # the server is not up yet
        while not stop():
            try:
                for entry in self.client.events(after=0, auto_deliver=False, stop=stop):
                    self._on_entry(entry.get("event", {}))
            except (InterlockError, httpx.HTTPError) as exc:  # e.g. the server is restarting
                log.info("%s responder: stream: %s", self.party, exc)
                self.stop_event.wait(1.0)
            except Exception:  # the connection closed under the read by close()
                if not stop():
                    raise

    def _mine(self, message_id: str) -> dict[str, Any] | None:
        """This party's receipt state of the message (None: cannot tell now)."""
        try:
            view = self.client.message(message_id)
        except (InterlockError, httpx.HTTPError):
            return None
        return next((r for r in view["recipients"] if r["party"] == self.party), None)

    def _on_entry(self, event: dict[str, Any]) -> None:
        message_id = event.get("id")
        if event.get("type") != "message" or self.party not in event.get("to", ()):
            return
        if not isinstance(message_id, str) or message_id in self.seen:
            return
        self.seen.add(message_id)
        mine = self._mine(message_id) or {}
        if mine.get("acknowledged_at"):
            return  # acknowledged already (the scenario's own replies, or by hand)
        first_flash = event.get("priority") == "flash" and not self.flash_seen
        self.flash_seen |= first_flash
        repeat = self.repeat_s.get(str(event.get("priority")))
        now, mono = datetime.now(UTC), time.monotonic()
        p = plan(event, now, mono, self.rng, self.timing, first_flash, repeat)
        if p.late:
            self.late.append(message_id)
        with self.wake:
            n = len(self.seen)
            if not mine.get("delivered_at"):
                heapq.heappush(self.due, (p.deliver_at, 2 * n, "delivered", message_id))
            heapq.heappush(self.due, (p.ack_at, 2 * n + 1, "acknowledged", message_id))
            self.wake.notify_all()

    def _work(self) -> None:
        next_beat = time.monotonic()
        while not self.stop_event.is_set():
            now = time.monotonic()
            if now >= next_beat:
                self._heartbeat()
                next_beat = now + self.heartbeat_s
            with self.wake:
                wait = next_beat - now
                if self.due:
                    wait = min(wait, self.due[0][0] - now)
                if wait > 0:
                    self.wake.wait(wait)
                ready = []
                while self.due and self.due[0][0] <= time.monotonic():
                    ready.append(heapq.heappop(self.due))
            for _, _, status, message_id in ready:
                if self.stop_event.is_set():
                    return
                self._report(message_id, status)

    def _read_rules(self) -> bool:
        """The agreement's hotline clauses this client follows; False if not reachable."""
        try:
            hotline = self.client.call("GET", "/agreement")["hotline"]
        except (InterlockError, httpx.HTTPError):
            return False
        self.heartbeat_s = float(hotline["heartbeat_interval_s"])
        self.repeat_s = {k: float(v) for k, v in hotline["escalation_repeat_s"].items()}
        return True

    def _heartbeat(self) -> None:
        # not up yet, or going down: the next beat tries again
        with contextlib.suppress(InterlockError, httpx.HTTPError):
            self.client.heartbeat()

    def _report(self, message_id: str, status: str) -> None:
        reply = "Received, complying." if status == "acknowledged" else None
        try:
            self.client.receipt(message_id, status, reply)
            self.done.append((message_id, status))
        except InterlockError as exc:  # already reported (409), e.g. acknowledged by hand
            log.info("%s responder: %s %s: %s", self.party, message_id, status, exc.detail)
        except Exception as exc:  # a transport error, or the client closed by close()
            if not self.stop_event.is_set():
                log.warning("%s responder: %s %s: %s", self.party, message_id, status, exc)


class Responders:
    """The demo's automatic parties, started together and stopped together."""

    def __init__(self, responders: list[Responder], stop: threading.Event) -> None:
        self.all = responders
        self._stop = stop

    @property
    def parties(self) -> list[str]:
        return [r.party for r in self.all]

    def close(self) -> None:
        """Ask every responder to stop, without waiting (safe in a signal handler)."""
        self._stop.set()
        for r in self.all:
            r.close()

    def stop(self, timeout: float = 5.0) -> None:
        """Stop every responder and wait for its threads."""
        self._stop.set()
        for r in self.all:
            r.join(timeout)


def responder_parties(parties: Iterable[str], shown: Iterable[str]) -> list[str]:
    """Every party of the agreement that the page does not show, in the agreement's order."""
    shown = set(shown)
    return [p for p in parties if p not in shown]


def start_responders(
    url: str,
    tokens: dict[str, str],
    key_files: dict[str, Path],
    parties: Iterable[str],
    timing: ResponderTiming | None = None,
) -> Responders:
    """Start an automatic client for each of `parties` against the server at `url`."""
    stop = threading.Event()
    timing = timing or ResponderTiming()
    started = [Responder(url, tokens[p], p, key_files[p], timing, stop) for p in parties]
    for r in started:
        r.start()
    return Responders(started, stop)
