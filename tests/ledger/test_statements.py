"""The server's fields around a signed statement must say what the author signed."""

from __future__ import annotations

import copy
from typing import Any

import pytest
from tests.conftest import PARTY_KEYS, Clock, circle, make_agreement

from interlock.ledger.envelope import sign
from interlock.ledger.statements import notice_body, statement_problem
from interlock.service.hotline import HotlineService
from interlock.service.root import build_services
from interlock.store import SqliteStore


@pytest.fixture
def events(store: SqliteStore, clock: Clock) -> dict[str, dict[str, Any]]:
    agreement = make_agreement()
    notices = build_services(store, agreement, clock).notices
    hotline = HotlineService(store, agreement, clock)
    filed = notice_body(circle(35.8, 35.5))
    notices.submit("blue", sign("notice", "blue", filed, PARTY_KEYS["blue"], clock()))
    body = {"to": ["red", "green"], "priority": "flash", "subject": "s"}
    sent = hotline.send("blue", sign("message", "blue", body, PARTY_KEYS["blue"], clock()))
    receipt = {"message": sent["id"], "status": "acknowledged", "reply": "ok"}
    hotline.receipt("red", sent["id"], sign("receipt", "red", receipt, PARTY_KEYS["red"], clock()))
    notices.submit("red", circle(35.8, 35.5))  # a conflict: a system message
    found: dict[str, dict[str, Any]] = {}
    for e in store.ledger_entries():
        ev = e["event"]
        key = "system" if ev.get("from") == "interlock" else ev["type"]
        found.setdefault(key, ev)
    return found


def test_recorded_statements_agree_with_their_signatures(events: dict[str, Any]) -> None:
    assert {"notice_version", "message", "receipt", "system", "conflict"} <= set(events)
    assert all(statement_problem(ev) is None for ev in events.values())


@pytest.mark.parametrize(
    ("kind", "field", "value", "reason"),
    [
        ("notice_version", "party", "red", "filer"),
        ("notice_version", "version", 2, "differs from the signed one (version)"),
        ("notice_version", "feature", circle(35.0, 35.5), "differs from the signed one (feature)"),
        ("message", "from", "red", "sender"),
        ("message", "to", ["green"], "addressees"),
        ("message", "priority", "routine", "priority"),
        ("receipt", "party", "green", "party"),
        ("receipt", "message", "m-0000000000000000", "message or status"),
        ("receipt", "status", "delivered", "message or status"),
    ],
)
def test_a_relabelled_statement_is_named(
    events: dict[str, Any], kind: str, field: str, value: Any, reason: str
) -> None:
    ev = copy.deepcopy(events[kind])
    ev[field] = value
    problem = statement_problem(ev)
    assert problem is not None and reason in problem


def test_a_signed_amendment_is_recorded_as_what_it_amends(events: dict[str, Any]) -> None:
    ev = copy.deepcopy(events["notice_version"])
    ev["envelope"]["body"]["notice"] = {"id": "n-other", "version": 1}
    assert "differs from the signed one (id)" in str(statement_problem(ev))
    ev["envelope"]["body"]["notice"] = {"id": None, "version": 2}  # a new notice is version 1
    assert "body.notice.version" in str(statement_problem(ev))
    ev["envelope"]["body"] = circle(35.8, 35.5)  # a bare feature says neither
    assert "body.feature" in str(statement_problem(ev))


def test_unsigned_party_traffic_and_swapped_kinds_are_named(events: dict[str, Any]) -> None:
    for kind in ("message", "receipt"):
        ev = copy.deepcopy(events[kind])
        del ev["envelope"]
        assert "without its signed envelope" in str(statement_problem(ev))
    ev = copy.deepcopy(events["receipt"])
    ev["envelope"] = events["message"]["envelope"]
    assert "carries a message envelope" in str(statement_problem(ev))
    assert statement_problem(events["system"]) is None  # the system signs nothing


def test_the_audit_names_a_relabelled_receipt(store: SqliteStore, clock: Clock) -> None:
    from tests.conftest import PUBLIC_KEYS

    from interlock.ledger.chain import make_entry, verify_chain

    agreement = make_agreement()
    hotline = HotlineService(store, agreement, clock)
    body = {"to": ["red"], "priority": "urgent", "subject": "s"}
    first = hotline.send("blue", sign("message", "blue", body, PARTY_KEYS["blue"], clock()))
    second = hotline.send("blue", sign("message", "blue", body, PARTY_KEYS["blue"], clock()))
    ack = {"message": first["id"], "status": "acknowledged"}
    hotline.receipt("red", first["id"], sign("receipt", "red", ack, PARTY_KEYS["red"], clock()))
    entries = list(store.ledger_entries())
    assert verify_chain(entries, PUBLIC_KEYS) == (3, None)
    # A server rewriting the chain from there on to show red acknowledging the second
    # message: every hash recomputed, the signature intact, the lie still named.
    forged = entries[:2]
    event = {**entries[2]["event"], "message": second["id"]}
    forged.append(make_entry(3, entries[1]["hash"], entries[2]["received_at"], event))
    _, problem = verify_chain(forged, PUBLIC_KEYS)
    assert problem is not None and problem.seq == 3 and "statement" in problem.reason
