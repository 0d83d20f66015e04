"""The demo's automatic parties: a message to a party the page does not show is delivered
and acknowledged by that party's real client, with signed receipts on the record, and the
first flash message is acknowledged late enough to escalate once, not again and again.

The server is the demo's agreement with the flash deadline and repeat cut to seconds (the
agreement's own clauses), and the responders' delays cut likewise (their parameter)."""

from __future__ import annotations

import random
import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
import pytest
from tests import pg
from tests.conftest import serve_in_thread, wait_until

from interlock.api import create_app
from interlock.cli.demo_responders import (
    ResponderTiming,
    plan,
    responder_parties,
    start_responders,
)
from interlock.client import Client
from interlock.ledger.envelope import verify
from interlock.model.timeutil import iso, parse_utc
from interlock.service.bootstrap import init_with_keys, open_services
from interlock.service.scenario import DEFAULT_SCENARIO, scenario_agreement_path

pytestmark = pytest.mark.server
DEADLINE_S, REPEAT_S = 3, 8  # flash, in the test agreement
FAST = ResponderTiming(
    deliver_s=(0.2, 0.5), ack_s=(0.5, 1.0), late_share=0.0, late_after_s=(1.5, 2.5), seed=3
)


@dataclass
class Server:
    url: str
    tokens: dict[str, str]
    key_files: dict[str, Path]
    public_keys: dict[str, list[str]]


@pytest.fixture
def server(tmp_path: Path) -> Iterator[Server]:
    text = scenario_agreement_path(DEFAULT_SCENARIO).read_text(encoding="utf-8")
    text, n = re.subn(
        r"(?m)^ack_deadline_s = .*$", f"ack_deadline_s = {{ flash = {DEADLINE_S} }}", text
    )
    text, m = re.subn(
        r"(?m)^escalation_repeat_s = .*$", f"escalation_repeat_s = {{ flash = {REPEAT_S} }}", text
    )
    assert n == m == 1
    _, tokens, key_files = init_with_keys(tmp_path / "d", text)
    services = open_services(tmp_path / "d", pg.db_for(tmp_path / "d"))
    keys = {p.id: list(p.public_keys) for p in services.agreement.parties}
    with serve_in_thread(create_app(services, tick_s=0.2, keepalive_s=1.0)) as url:
        yield Server(url, tokens, key_files, keys)
    services.store.close()


def _mine(view: dict, party: str) -> dict:
    return next(r for r in view["recipients"] if r["party"] == party)


def test_the_other_party_delivers_and_acknowledges_with_signed_receipts(server: Server) -> None:
    assert responder_parties(["base", "command"], ["base"]) == ["command"]
    responders = start_responders(server.url, server.tokens, server.key_files, ["command"], FAST)
    base = Client.from_key_file(server.url, server.tokens["base"], "base", server.key_files["base"])
    try:
        first = base.send("command", "Strike package inbound", priority="flash")["id"]
        routine = base.send("command", "Tanker orbit moved", priority="routine")["id"]
        second = base.send("command", "Hold north of 35.6N", priority="flash")["id"]

        def acked(mid: str) -> dict | None:
            mine = _mine(base.message(mid), "command")
            return mine if mine["acknowledged_at"] else None

        on_time = {m: wait_until(lambda m=m: acked(m), timeout_s=15) for m in (routine, second)}
        late = wait_until(lambda: acked(first), timeout_s=DEADLINE_S + 15)
        view = base.message(first)
    finally:
        responders.stop()
    assert responders.parties == ["command"]
    assert all(not t.is_alive() for r in responders.all for t in r.threads)  # stopped

    # Delivered, then acknowledged, each before its deadline; the first flash after it,
    # escalated exactly once (its ack came before the repeat).
    for mid, mine in on_time.items():
        sent = base.message(mid)
        assert mine["delivered_at"] and mine["delivered_at"] <= mine["acknowledged_at"]
        assert parse_utc(mine["acknowledged_at"], "a") <= parse_utc(sent["deadline"], "d")
        assert mine["escalations"] == 0
        assert mine["reply"] == "Received, complying."
    deadline = parse_utc(view["deadline"], "deadline")
    assert (
        deadline < parse_utc(late["acknowledged_at"], "a") < deadline + timedelta(seconds=REPEAT_S)
    )
    assert _mine(view, "command")["escalations"] == 1

    # The receipts are on the record, signed with command's demo key, and verify.
    ledger = httpx.get(
        server.url + "/ledger",
        headers={"Authorization": f"Bearer {server.tokens['base']}"},
        params={"limit": 1000},
    ).json()
    receipts = [e["event"] for e in ledger if e["event"].get("type") == "receipt"]
    statuses = {(r["message"], r["status"]) for r in receipts if r["party"] == "command"}
    assert statuses == {
        (m, s) for m in (first, routine, second) for s in ("delivered", "acknowledged")
    }
    for r in receipts:
        checked = verify(r["envelope"], server.public_keys)
        assert checked.author == "command" and checked.body["message"] == r["message"]
    escalations = [e["event"] for e in ledger if e["event"].get("type") == "escalation"]
    assert [e["message"] for e in escalations] == [first]
    base.close()


def test_no_responder_no_receipt(server: Server) -> None:
    """Without a responder (the page tests' demo server, `demo --no-responders`) a message
    to the other party stays undelivered and escalates."""
    responders = start_responders(server.url, server.tokens, server.key_files, [], FAST)
    base = Client.from_key_file(server.url, server.tokens["base"], "base", server.key_files["base"])
    mid = base.send("command", "Anyone there?", priority="flash")["id"]
    wait_until(lambda: _mine(base.message(mid), "command")["escalations"] >= 1, timeout_s=15)
    mine = _mine(base.message(mid), "command")
    assert mine["delivered_at"] is None and mine["acknowledged_at"] is None
    responders.stop()
    base.close()


def test_plan_acks_before_the_deadline_except_the_late_flash() -> None:
    """The delays: delivery first; an on-time ack within the time left; a late flash ack
    after the deadline by `late_after_s`; a seeded share of later flash messages late."""
    now = datetime(2026, 12, 7, 6, 0, tzinfo=UTC)
    timing = ResponderTiming()
    rng = random.Random(1)

    def event(priority: str, left_s: float) -> dict:
        return {"priority": priority, "deadline": iso(now + timedelta(seconds=left_s))}

    for _ in range(200):
        p = plan(event("routine", 900), now, 0.0, rng, timing, first_flash=False)
        assert not p.late and 2.0 <= p.deliver_at <= 6.0 and p.deliver_at <= p.ack_at <= 90.0
        p = plan(event("flash", 30), now, 0.0, rng, timing, first_flash=False)
        assert p.ack_at <= 30 * timing.before_deadline or (p.late and 50.0 <= p.ack_at <= 90.0)
    p = plan(event("flash", 30), now, 100.0, rng, timing, first_flash=True)
    assert p.late and 100.0 + 30 + 20 <= p.ack_at <= 100.0 + 30 + 60
    # Within half the agreement's repeat after the deadline, however short the repeat.
    p = plan(event("flash", 30), now, 0.0, rng, timing, first_flash=True, repeat_s=10.0)
    assert p.late and 30 < p.ack_at <= 30 + 5
    late = sum(
        plan(event("flash", 30), now, 0.0, random.Random(i), timing, False).late for i in range(400)
    )
    assert 20 <= late <= 60  # about a tenth (binomial 400 x 0.1: mean 40, sd 6)
    # A message already past its deadline (the responder started late) is acked at once.
    p = plan(event("urgent", -5), now, 0.0, rng, timing, first_flash=False)
    assert p.ack_at == p.deliver_at
