"""Timelines of hotline messages, and of notices with the system messages about them,
read from the ledger a real service wrote (on the test's clock, so times are exact)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import pytest
from tests.conftest import PARTY_KEYS, T0, Clock, circle

from interlock.ledger.envelope import sign
from interlock.model.agreement import Agreement
from interlock.service.hotline import HotlineService
from interlock.service.notices import NoticeService
from interlock.service.timeline import message_summary, timeline
from interlock.store import SqliteStore


@pytest.fixture
def hotline(store: SqliteStore, agreement: Agreement, clock: Clock) -> Iterator[HotlineService]:
    yield HotlineService(store, agreement, clock)


def send(h: HotlineService, sender: str, **body: Any) -> str:
    content = {"priority": "routine", "subject": "s", "body": "", "refs": [], **body}
    env = sign("message", sender, content, PARTY_KEYS[sender], h.clock())
    return str(h.send(sender, env)["id"])


def receipt(h: HotlineService, party: str, mid: str, status: str, reply: str | None = None) -> None:
    content: dict[str, Any] = {"message": mid, "status": status}
    if reply is not None:
        content["reply"] = reply
    h.receipt(party, mid, sign("receipt", party, content, PARTY_KEYS[party], h.clock()))


def rows_of(h: HotlineService, ref_id: str) -> list[dict[str, Any]]:
    return timeline(h.store.ledger_entries(), ref_id, h.agreement.rules)


def test_message_delivery_acknowledgement_escalation_and_reply(
    hotline: HotlineService, clock: Clock
) -> None:
    start = T0 + timedelta(minutes=45)  # the activity starts 45 min after the message
    activity = {
        "geometry": {"type": "Point", "coordinates": [35.8, 35.5]},
        "radius_m": 5000,
        "start": start.isoformat(),
        "end": (start + timedelta(hours=1)).isoformat(),
    }
    mid = send(
        hotline,
        "blue",
        to=["red", "green"],
        priority="flash",
        subject="SAM live fire",
        payload={"activity": activity},
    )
    clock.advance(seconds=2)
    receipt(hotline, "red", mid, "delivered")
    clock.advance(seconds=10)
    receipt(hotline, "red", mid, "acknowledged", "Holding south")  # 12 s: inside 30 s
    clock.advance(seconds=1)
    receipt(hotline, "green", mid, "delivered")
    clock.advance(seconds=30)  # 43 s: green is 13 s past the flash deadline
    assert hotline.tick()["escalations"] == 1
    clock.advance(seconds=5)
    receipt(hotline, "green", mid, "acknowledged")
    rows = rows_of(hotline, mid)
    assert [(r["type"], r.get("party"), r.get("status")) for r in rows] == [
        ("message", None, None),
        ("receipt", "red", "delivered"),
        ("receipt", "red", "acknowledged"),
        ("receipt", "green", "delivered"),
        ("escalation", "green", None),
        ("receipt", "green", "acknowledged"),
    ]
    first = rows[0]["what"]
    assert "blue -> red, green: flash 'SAM live fire' (signed by blue)" in first
    assert "deadline 2026-12-01T08:00:30Z (30 s)" in first
    assert "lead time 45.0 min (BREAKS the 60 min rule)" in first
    assert rows[1]["what"] == "red's client reported delivery 2.0 s after sending"
    assert rows[2]["what"] == (
        "red acknowledged 12.0 s after sending: on time (deadline 30 s); reply 'Holding south'"
    )
    assert rows[4]["what"].startswith("escalation 1: green had not acknowledged, 13.0 s past")
    assert (
        rows[5]["what"]
        == "green acknowledged 48.0 s after sending: LATE, 18.0 s past the 30 s deadline"
    )
    assert message_summary(rows) == [
        "red: delivered +2.0 s; acknowledged +12.0 s (on time); deadline 30 s; "
        "reply 'Holding south'",
        "green: delivered +13.0 s; acknowledged +48.0 s (LATE); deadline 30 s; escalated 1 time",
    ]  # fmt: skip


def test_an_unanswered_message_and_the_replies_that_refer_to_it(
    hotline: HotlineService, clock: Clock
) -> None:
    mid = send(hotline, "blue", to=["red"], subject="Corridor change")
    other = send(hotline, "blue", to=["green"], subject="unrelated")
    clock.advance(seconds=90)
    refs = [{"kind": "message", "id": mid}]
    send(hotline, "red", to=["blue"], subject="Which corridor?", refs=refs)
    rows = rows_of(hotline, mid)
    assert [r["type"] for r in rows] == ["message", "message"]
    assert "refers to it (90.0 s after sending): 'Which corridor?'" in rows[1]["what"]
    assert message_summary(rows) == ["red: delivery not reported; NOT acknowledged; deadline 900 s"]
    assert all(other not in r["what"] for r in rows)
    assert rows_of(hotline, "m-0000000000000000") == []


def test_a_notice_timeline_shows_its_system_messages_and_their_receipts(
    service: NoticeService, hotline: HotlineService, clock: Clock
) -> None:
    service.submit("blue", circle(35.80, 35.5))
    late = service.submit("red", circle(35.82, 35.5, start=clock.now + timedelta(minutes=5)))
    nid = late.notice["id"]
    about = [m for m in hotline.messages("red") if {"kind": "notice", "id": nid} in m["refs"]]
    (conflict_msg,) = [m for m in about if "conflict" in m["subject"]]
    late_msg = next(m for m in hotline.messages("blue") if m["subject"].startswith("late notice"))
    clock.advance(seconds=3)
    receipt(hotline, "red", conflict_msg["id"], "delivered")
    clock.advance(seconds=5)
    receipt(hotline, "red", conflict_msg["id"], "acknowledged")
    receipt(hotline, "blue", late_msg["id"], "acknowledged", "Noted")
    unrelated = send(hotline, "blue", to=["red"], subject="unrelated")
    receipt(hotline, "red", unrelated, "acknowledged")
    rows = rows_of(hotline, nid)
    kinds = [r["type"] for r in rows]
    assert kinds == [
        "notice_version",
        "conflict",
        "message",
        "violation",
        "message",
        "receipt",
        "receipt",
        "receipt",
    ]
    text = [r["what"] for r in rows]
    assert text[2].startswith(f"system message {conflict_msg['id']}: interlock (system) -> ")
    assert "flash 'critical conflict #1" in text[2]
    assert text[4].startswith(f"system message {late_msg['id']}: interlock (system) -> blue")
    assert text[5] == f"red's client reported delivery of {conflict_msg['id']} 3.0 s after sending"
    assert text[6] == (
        f"red acknowledged {conflict_msg['id']} 8.0 s after sending: on time (deadline 30 s)"
    )
    assert text[7].startswith(f"blue acknowledged {late_msg['id']} 8.0 s after sending: on time")
    assert text[7].endswith("reply 'Noted'")
    assert message_summary(rows) == []  # a notice's timeline has no addressees
