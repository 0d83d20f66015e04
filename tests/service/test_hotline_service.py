"""Hotline use cases without HTTP: deadlines, escalation timing, channel health, config."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from tests.conftest import PARTY_KEYS, Clock, circle, make_agreement

from interlock.errors import InterlockError, InvalidInput
from interlock.ledger.envelope import sign
from interlock.model.message import parse_message, parse_receipt
from interlock.service.hotline import HotlineService
from interlock.service.root import build_services
from interlock.store import SqliteStore


def message(party: str, clock: Clock, **body: Any) -> dict[str, Any]:
    content = {"to": ["red"], "priority": "urgent", "subject": "test", **body}
    return sign("message", party, content, PARTY_KEYS[party], clock())


def receipt(party: str, clock: Clock, mid: str, status: str = "acknowledged") -> dict[str, Any]:
    return sign("receipt", party, {"message": mid, "status": status}, PARTY_KEYS[party], clock())


@pytest.fixture
def hotline(store: SqliteStore, clock: Clock) -> HotlineService:
    return HotlineService(store, make_agreement(), clock)


def kinds(store: SqliteStore) -> list[str]:
    return [e["event"]["type"] for e in store.ledger_entries()]


def test_deadline_and_escalation_schedule_follow_the_agreement(
    hotline: HotlineService, store: SqliteStore, clock: Clock
) -> None:
    sent = hotline.send("blue", message("blue", clock))
    assert sent["deadline"] == "2026-12-01T08:02:00Z"  # urgent: 120 s
    clock.advance(seconds=119)
    assert hotline.tick() == {"escalations": 0, "down": 0}
    assert kinds(store) == ["message"]  # a tick with nothing due writes nothing
    clock.advance(seconds=2)
    assert hotline.tick()["escalations"] == 1
    assert hotline.tick()["escalations"] == 0  # not again until the repeat interval
    clock.advance(seconds=59)
    assert hotline.tick()["escalations"] == 0
    clock.advance(seconds=2)  # urgent repeats every 60 s
    assert hotline.tick()["escalations"] == 1
    escalations = [e["event"] for e in store.ledger_entries() if e["event"]["type"] == "escalation"]
    assert [e["count"] for e in escalations] == [1, 2]
    assert escalations[1]["overdue_s"] == pytest.approx(62.0)
    assert hotline.get("blue", sent["id"])["recipients"][0]["escalations"] == 2
    hotline.receipt("red", sent["id"], receipt("red", clock, sent["id"]))
    clock.advance(hours=1)
    assert hotline.tick()["escalations"] == 0


def test_each_unacknowledging_addressee_escalates_on_its_own(
    hotline: HotlineService, store: SqliteStore, clock: Clock
) -> None:
    sent = hotline.send("blue", message("blue", clock, to=["red", "green"], priority="flash"))
    hotline.receipt("green", sent["id"], receipt("green", clock, sent["id"]))
    clock.advance(seconds=31)
    assert hotline.tick()["escalations"] == 1
    (esc,) = [e["event"] for e in store.ledger_entries() if e["event"]["type"] == "escalation"]
    assert esc["party"] == "red" and esc["audience"] == ["blue", "green", "red"]
    view = hotline.get("blue", sent["id"])
    assert {r["party"]: r["state"] for r in view["recipients"]} == {
        "green": "acknowledged",
        "red": "overdue",
    }
    assert view["state"] == "overdue"


def test_delivery_then_acknowledgement_and_inbox_views(
    hotline: HotlineService, clock: Clock
) -> None:
    sent = hotline.send("blue", message("blue", clock))
    clock.advance(seconds=1)
    hotline.receipt("red", sent["id"], receipt("red", clock, sent["id"], "delivered"))
    assert [m["id"] for m in hotline.messages("red", box="in", pending=True)] == [sent["id"]]
    assert hotline.messages("red", box="out") == []
    assert [m["id"] for m in hotline.messages("blue", box="out", pending=True)] == [sent["id"]]
    clock.advance(seconds=5)
    hotline.receipt("red", sent["id"], receipt("red", clock, sent["id"]))
    assert hotline.messages("red", box="in", pending=True) == []
    rec = hotline.get("red", sent["id"])["recipients"][0]
    assert rec["delivered_at"] == "2026-12-01T08:00:01Z"
    assert rec["acknowledged_at"] == "2026-12-01T08:00:06Z"
    with pytest.raises(InvalidInput, match="box"):
        hotline.messages("red", box="sideways")


def test_silence_is_reported_once_and_return_once(
    hotline: HotlineService, store: SqliteStore, clock: Clock
) -> None:
    hotline.heartbeat("blue")
    hotline.heartbeat("red")
    clock.advance(seconds=30)  # exactly 3 intervals: not yet silent
    hotline.heartbeat("blue")
    assert hotline.tick()["down"] == 0
    clock.advance(seconds=1)
    assert hotline.tick()["down"] == 1
    assert hotline.tick()["down"] == 0
    hotline.heartbeat("red")
    channel = [
        (e["event"]["party"], e["event"]["state"])
        for e in store.ledger_entries()
        if e["event"]["type"] == "channel"
    ]
    assert channel == [("blue", "up"), ("red", "up"), ("red", "down"), ("red", "up")]
    # everybody is told, including the party itself
    assert all(
        e["seq"] in {x["seq"] for x in store.inbox_entries(p, 0, 100)}
        for e in store.ledger_entries()
        for p in ("blue", "red", "green")
    )


def test_system_message_priority_is_configuration(store: SqliteStore, clock: Clock) -> None:
    agreement = make_agreement(hotline={"system_priority": {"critical": "routine"}})
    service = build_services(store, agreement, clock).notices
    service.submit("blue", circle(35.8, 35.5))
    result = service.submit("red", circle(35.8, 35.5))
    assert result.conflicts[0].severity == "critical"
    hotline = HotlineService(store, agreement, clock)
    (msg,) = hotline.messages("red", box="in")
    assert msg["priority"] == "routine" and msg["from"] == "interlock"
    assert msg["deadline"] == "2026-12-01T08:15:00Z" and not msg["signed"]
    assert hotline.messages("green") == []


@pytest.mark.parametrize(
    ("hotline", "field"),
    [
        ({"ack_deadline_s": {"immediate": 5}}, "hotline.ack_deadline_s"),
        ({"ack_deadline_s": {"flash": 0}}, "hotline.ack_deadline_s.flash"),
        ({"escalation_repeat_s": {"flash": "soon"}}, "hotline.escalation_repeat_s.flash"),
        ({"escalation_contacts": ["purple"]}, "hotline.escalation_contacts"),
        ({"heartbeat_missed": 0}, "hotline.heartbeat_missed"),
        ({"heartbeat_interval_s": -1}, "hotline.heartbeat_interval_s"),
        ({"system_priority": {"critical": "asap"}}, "hotline.system_priority.critical"),
        ({"system_priority": {"weather": "flash"}}, "hotline.system_priority"),
    ],
)
def test_bad_hotline_clauses_are_refused_naming_the_field(
    hotline: dict[str, Any], field: str
) -> None:
    with pytest.raises(InvalidInput) as err:
        make_agreement(hotline=hotline)
    assert err.value.field == field


def test_hotline_clauses_are_read() -> None:
    a = make_agreement(
        hotline={
            "ack_deadline_s": {"flash": 10},
            "escalation_contacts": ["green"],
            "heartbeat_interval_s": 5,
            "heartbeat_missed": 2,
        }
    )
    assert a.hotline.ack_deadline["flash"] == timedelta(seconds=10)
    assert a.hotline.ack_deadline["routine"] == timedelta(seconds=900)  # default kept
    assert a.hotline.escalation_contacts == ("green",)
    assert a.hotline.silence_limit == timedelta(seconds=10)
    assert a.to_dict()["hotline"]["ack_deadline_s"]["flash"] == 10


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(max_size=5),
    lambda inner: (
        st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=5), inner, max_size=3)
    ),
    max_leaves=10,
)
message_like = st.dictionaries(
    st.sampled_from(["to", "priority", "subject", "body", "refs", "payload", "x"]),
    json_values | st.sampled_from(["red", "flash", ["red"], [{"kind": "notice", "id": "n"}]]),
)


@settings(max_examples=300, deadline=None)
@given(body=message_like | json_values)
def test_any_json_is_a_message_or_a_clear_error(body: Any) -> None:
    agreement = make_agreement()
    try:
        draft = parse_message(body, "blue", agreement)
    except InterlockError as exc:
        assert exc.field is not None or exc.detail
        return
    assert draft.to and "blue" not in draft.to and draft.subject.strip()


@settings(max_examples=200, deadline=None)
@given(
    body=st.dictionaries(st.sampled_from(["message", "status", "reply"]), json_values) | json_values
)
def test_any_json_is_a_receipt_or_a_clear_error(body: Any) -> None:
    try:
        r = parse_receipt(body)
    except InterlockError:
        return
    assert r.status in ("delivered", "acknowledged") and r.message_id


def test_a_message_older_than_the_skew_window_is_refused(
    hotline: HotlineService, clock: Clock
) -> None:
    env = message("blue", clock)
    clock.advance(minutes=6)
    with pytest.raises(InterlockError, match="outside"):
        hotline.send("blue", env)


def test_no_party_may_pose_as_the_system() -> None:
    from interlock.model.agreement import agreement_from_dict

    with pytest.raises(InvalidInput, match="reserved") as err:
        agreement_from_dict({"parties": [{"id": "interlock"}, {"id": "red"}]})
    assert err.value.field == "parties[0].id"


def test_a_lone_refused_write_leaves_nothing_behind(
    hotline: HotlineService, store: SqliteStore, clock: Clock
) -> None:
    """A lone op runs without a savepoint: its refusal must roll back what it wrote before
    refusing (here the envelope's nonce), or the same envelope would later be a 'replay'."""
    env = message("blue", clock, refs=[{"kind": "notice", "id": "n-missing"}])
    before = store.last_seq()
    for _ in range(2):  # the same envelope twice: refused for its ref both times
        with pytest.raises(InterlockError, match="no notice"):
            hotline.send("blue", env)
    assert store.last_seq() == before
    fine = message("blue", clock)
    hotline.send("blue", fine)
    with pytest.raises(InterlockError, match="replayed"):
        hotline.send("blue", fine)
