"""The hotline end to end: two real signing clients over a real uvicorn server."""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from typing import Any

import httpx
import orjson
import pytest
from tests.conftest import PARTY_KEYS, PUBLIC_KEYS, LiveServer, circle, wait_until

from interlock.client import Client
from interlock.errors import InvalidInput, NotFound, StateConflict, Unauthorized
from interlock.ledger.chain import verify_chain
from interlock.ledger.envelope import sign
from interlock.ledger.keys import new_private


def wait_for(predicate: Callable[[], Any], timeout: float = 5.0) -> Any:
    return wait_until(predicate, timeout, every_s=0.02)


class Collector:
    """Reads a party's stream in a thread (auto-delivering), collecting every entry."""

    def __init__(self, client: Client, after: int = 0) -> None:
        self.client = client
        self.entries: list[dict[str, Any]] = []
        self._stop = threading.Event()
        self._after = after
        self.thread = threading.Thread(target=self._run, daemon=True)
        self.thread.start()

    def _run(self) -> None:
        for entry in self.client.events(self._after, stop=self._stop.is_set, retry_s=0.1):
            self.entries.append(entry)

    def of_type(self, kind: str) -> list[dict[str, Any]]:
        return [e for e in self.entries if e["event"].get("type") == kind]

    def stop(self) -> None:
        self._stop.set()
        self.thread.join(timeout=5)


def caught_up(live_server: LiveServer, stream: Collector) -> None:
    """Wait until `stream` holds every ledger entry addressed to its party so far: the
    stream is in ledger order, so what it lacks then was never written."""
    addressed = live_server.hotline.stream_entries(stream.client.party, 0, 100_000)
    if addressed:
        last = addressed[-1]["seq"]
        wait_for(lambda: any(e["seq"] >= last for e in stream.entries))


@pytest.fixture
def clients(live_server: LiveServer) -> Iterator[dict[str, Client]]:
    made = {p: live_server.party_client(p) for p in ("blue", "red", "green")}
    yield made
    for c in made.values():
        c.close()


def ledger(live_server: LiveServer) -> list[dict[str, Any]]:
    return list(live_server.service.store.ledger_entries())


def test_send_deliver_acknowledge(live_server: LiveServer, clients: dict[str, Client]) -> None:
    blue, red = clients["blue"], clients["red"]
    red_stream = Collector(red)
    sent = blue.send("red", "Strike package at 0900Z", "Keep clear of area K", priority="flash")
    assert sent["state"] == "pending" and sent["from"] == "blue" and sent["signed"]
    # flash: 30 s to acknowledge (the agreement's default)
    assert sent["deadline"] == "2026-12-01T08:00:30Z"
    # Red's client receives it on its stream and reports delivery by itself.
    msg = wait_for(lambda: red_stream.of_type("message"))[0]
    assert msg["event"]["id"] == sent["id"]
    assert msg["event"]["envelope"]["body"]["subject"] == "Strike package at 0900Z"
    delivered = wait_for(
        lambda: blue.message(sent["id"])["recipients"][0]["delivered_at"] is not None
    )
    assert delivered
    live_server.clock.advance(seconds=12)
    acked = red.ack(sent["id"], reply="Understood, holding north of 35N")
    rec = acked["message"]["recipients"][0]
    assert rec["state"] == "acknowledged" and rec["reply"].startswith("Understood")
    assert rec["acknowledged_at"] == "2026-12-01T08:00:12Z"
    assert acked["message"]["state"] == "acknowledged"
    red_stream.stop()
    # The record: message, delivered and acknowledged receipts, each signed by its author.
    entries = ledger(live_server)
    kinds = [(e["event"]["type"], e["event"].get("status")) for e in entries]
    assert kinds == [("message", None), ("receipt", "delivered"), ("receipt", "acknowledged")]
    assert [e["event"]["envelope"]["author"] for e in entries] == ["blue", "red", "red"]
    assert verify_chain(entries, PUBLIC_KEYS) == (3, None)
    # Green, not concerned, sees neither the message nor its receipts.
    assert clients["green"].messages() == []
    green_view = clients["green"].call("GET", "/ledger")
    assert all(e["event"].get("redacted") for e in green_view)
    with pytest.raises(NotFound):
        clients["green"].message(sent["id"])


@pytest.mark.manual_ticks
def test_unacknowledged_message_escalates_until_acknowledged(
    live_server: LiveServer, clients: dict[str, Client]
) -> None:
    blue, red, green = clients["blue"], clients["red"], clients["green"]
    blue_stream, green_stream = Collector(blue), Collector(green)
    tick = live_server.hotline.tick  # what the app's ticker runs
    sent = blue.send(["red"], "Flash: SAM site active", priority="flash")
    for _ in range(3):  # several ticks before the deadline: nothing escalates
        tick()
    caught_up(live_server, blue_stream)
    assert not blue_stream.of_type("escalation")
    live_server.clock.advance(seconds=31)  # past the 30 s deadline
    tick()
    first = wait_for(lambda: blue_stream.of_type("escalation"))[0]["event"]
    assert first["message"] == sent["id"] and first["party"] == "red" and first["count"] == 1
    assert blue.message(sent["id"])["state"] == "overdue"
    live_server.clock.advance(seconds=16)  # flash repeats every 15 s
    tick()
    wait_for(lambda: len(blue_stream.of_type("escalation")) >= 2)
    assert [e["event"]["count"] for e in blue_stream.of_type("escalation")] == [1, 2]
    caught_up(live_server, green_stream)
    assert not green_stream.of_type("escalation")  # not concerned, not a contact
    red.ack(sent["id"])
    live_server.clock.advance(minutes=10)
    for _ in range(3):
        tick()
    caught_up(live_server, blue_stream)
    assert len(blue_stream.of_type("escalation")) == 2  # acknowledged: escalation stops
    blue_stream.stop()
    green_stream.stop()


def test_escalation_contacts_are_told(live_server: LiveServer, clients: dict[str, Client]) -> None:
    from dataclasses import replace

    rules = replace(live_server.hotline.agreement.hotline, escalation_contacts=("green",))
    agreement = replace(live_server.hotline.agreement, hotline=rules)
    live_server.hotline.agreement = agreement
    green_stream = Collector(clients["green"])
    sent = clients["blue"].send("red", "Urgent: corridor change", priority="urgent")
    live_server.clock.advance(seconds=121)
    esc = wait_for(lambda: green_stream.of_type("escalation"))[0]["event"]
    assert esc["message"] == sent["id"] and "green" in esc["audience"]
    green_stream.stop()


def test_conflicts_and_late_notices_arrive_as_system_messages_to_acknowledge(
    live_server: LiveServer, clients: dict[str, Client]
) -> None:
    blue, red = clients["blue"], clients["red"]
    red_stream = Collector(red)
    blue.submit_notice(circle(35.80, 35.5))
    late = circle(
        35.82, 35.5, start=live_server.clock.now + __import__("datetime").timedelta(minutes=5)
    )
    result = red.submit_notice(late)
    assert result["conflicts"] and result["violations"]
    system = wait_for(
        lambda: [e for e in red_stream.of_type("message") if e["event"]["from"] == "interlock"]
    )
    assert any("conflict" in e["event"]["subject"] for e in system)
    conflict_msg = next(m for m in red.messages("in") if "conflict" in m["subject"])
    assert conflict_msg["priority"] == "flash"  # intersecting volumes: critical
    assert {"kind": "conflict", "id": str(result["conflicts"][0]["id"])} in conflict_msg["refs"]
    late_msgs = [m for m in blue.messages("in") if m["subject"].startswith("late notice")]
    assert len(late_msgs) == 1 and late_msgs[0]["to"] == ["blue", "green"]
    # Each concerned party acknowledges the system message, signed.
    red.ack(conflict_msg["id"])
    blue.ack(conflict_msg["id"])
    assert red.message(conflict_msg["id"])["state"] == "acknowledged"
    red_stream.stop()
    assert verify_chain(ledger(live_server), PUBLIC_KEYS)[1] is None


def test_stream_resumes_after_a_disconnect_with_nothing_lost(
    live_server: LiveServer, clients: dict[str, Client]
) -> None:
    blue, red = clients["blue"], clients["red"]
    first = Collector(red)
    ids = [blue.send("red", f"message {i}")["id"] for i in range(3)]
    wait_for(lambda: len(first.of_type("message")) == 3)
    first.stop()
    last = first.entries[-1]["seq"]
    ids += [blue.send("red", f"message {i}")["id"] for i in range(3, 8)]  # while away
    second = Collector(red, after=last)
    ids += [blue.send("red", f"message {i}")["id"] for i in range(8, 10)]
    wait_for(lambda: len(second.of_type("message")) == 7)
    second.stop()
    seen = [e["event"]["id"] for e in first.of_type("message") + second.of_type("message")]
    assert seen == ids  # every message exactly once, in order
    seqs = [e["seq"] for e in first.entries + second.entries]
    assert seqs == sorted(set(seqs))


def test_the_stream_resumes_from_last_event_id(
    live_server: LiveServer,
    clients: dict[str, Client],
    client_for: Callable[[str | None], httpx.Client],
) -> None:
    clients["blue"].send("red", "one")
    clients["blue"].send("red", "two")
    http = client_for("red")
    with http.stream("GET", "/stream", headers={"Last-Event-ID": "1"}) as r:
        assert r.headers["content-type"].startswith("text/event-stream")
        lines: list[str] = []
        for line in r.iter_lines():
            lines.append(line)
            if line.startswith("data:"):
                break
    assert "id: 2" in lines and "event: message" in lines
    assert orjson.loads(lines[-1][5:])["event"]["envelope"]["body"]["subject"] == "two"
    bad = client_for("red").get("/stream", headers={"Last-Event-ID": "x"})
    assert bad.status_code == 422 and "Last-Event-ID" in bad.json()["detail"]


@pytest.mark.manual_ticks
def test_heartbeats_and_hotline_down_and_back(
    live_server: LiveServer, clients: dict[str, Client]
) -> None:
    blue, red = clients["blue"], clients["red"]
    blue_stream = Collector(blue)
    assert blue.heartbeat()["was"] is None
    assert red.heartbeat()["state"] == "up"
    status = {s["party"]: s["state"] for s in blue.status()}
    assert status == {"blue": "up", "red": "up", "green": "unknown"}
    live_server.clock.advance(seconds=20)
    blue.heartbeat()
    for _ in range(3):
        live_server.hotline.tick()
    caught_up(live_server, blue_stream)
    assert not [e for e in blue_stream.of_type("channel") if e["event"]["state"] == "down"]
    live_server.clock.advance(seconds=15)  # red silent 35 s > 3 x 10 s
    live_server.hotline.tick()
    down = wait_for(
        lambda: [e for e in blue_stream.of_type("channel") if e["event"]["state"] == "down"]
    )
    assert down[0]["event"]["party"] == "red" and len(down) == 1
    assert {s["party"]: s["state"] for s in blue.status()}["red"] == "down"
    for _ in range(3):  # still down: reported once, not on every tick
        live_server.hotline.tick()
    caught_up(live_server, blue_stream)
    assert len([e for e in blue_stream.of_type("channel") if e["event"]["state"] == "down"]) == 1
    assert red.heartbeat()["was"] == "down"
    back = wait_for(
        lambda: [
            e
            for e in blue_stream.of_type("channel")
            if e["event"]["state"] == "up"
            and e["event"]["party"] == "red"
            and e["seq"] > down[0]["seq"]
        ]
    )
    assert back
    blue_stream.stop()


# ---- bad input: a clear 4xx, nothing stored, the ledger unchanged ---------------------


def _unchanged(live_server: LiveServer, before: list[dict[str, Any]]) -> None:
    assert ledger(live_server) == before


def test_bad_messages_are_refused_and_change_nothing(
    live_server: LiveServer,
    clients: dict[str, Client],
    client_for: Callable[[str | None], httpx.Client],
) -> None:
    blue = clients["blue"]
    sent = blue.send("red", "baseline")
    before = ledger(live_server)
    http = client_for("blue")

    def post(body: Any) -> httpx.Response:
        return http.post(
            "/messages", content=orjson.dumps(body), headers={"Content-Type": "application/json"}
        )

    good = {"to": ["red"], "priority": "urgent", "subject": "s", "body": "b"}
    # unsigned
    r = post(good)
    assert r.status_code == 401 and "signed" in r.json()["detail"]
    # bad signature: the body changed after signing
    env = sign("message", "blue", good, PARTY_KEYS["blue"], live_server.clock())
    env["body"] = {**good, "subject": "changed"}
    r = post(env)
    assert r.status_code == 401 and "bad signature" in r.json()["detail"]
    # unknown key
    env = sign("message", "blue", good, new_private(), live_server.clock())
    r = post(env)
    assert r.status_code == 401 and "no key" in r.json()["detail"]
    # signed by red, sent with blue's token
    env = sign("message", "red", good, PARTY_KEYS["red"], live_server.clock())
    assert post(env).status_code == 403
    # a notice envelope is not a message
    env = sign("notice", "blue", good, PARTY_KEYS["blue"], live_server.clock())
    assert post(env).status_code == 422
    # to an unknown party, to itself, bad priority, empty subject, unknown field
    for body, field in (
        ({**good, "to": ["purple"]}, "to[0]"),
        ({**good, "to": ["blue"]}, "to[0]"),
        ({**good, "priority": "immediate"}, "priority"),
        ({**good, "subject": " "}, "subject"),
        ({**good, "colour": "red"}, "colour"),
        ({**good, "refs": [{"kind": "notice", "id": "n-missing"}]}, None),
        (
            {
                **good,
                "payload": {
                    "activity": {
                        "geometry": {"type": "Point", "coordinates": [1, 2]},
                        "radius_m": 1000,
                        "start": "2026-12-01T10:00:00Z",
                        "end": "2026-12-01T09:00:00Z",
                    }
                },
            },
            "payload.activity.end",
        ),
    ):
        r = post(sign("message", "blue", body, PARTY_KEYS["blue"], live_server.clock()))
        assert 400 <= r.status_code < 500, (body, r.text)
        if field:
            assert r.json()["detail"].startswith(field), r.text
    # oversized: a body beyond the message limit, and beyond the HTTP limit
    r = post(
        sign(
            "message",
            "blue",
            {**good, "body": "x" * 20_001},
            PARTY_KEYS["blue"],
            live_server.clock(),
        )
    )
    assert r.status_code == 413
    r = post(
        sign(
            "message",
            "blue",
            {**good, "body": "x" * 1_100_000},
            PARTY_KEYS["blue"],
            live_server.clock(),
        )
    )
    assert r.status_code == 413
    # a replay of an accepted message
    replay = ledger(live_server)[0]["event"]["envelope"]
    r = post(replay)
    assert r.status_code == 409 and "replayed" in r.json()["detail"]
    _unchanged(live_server, before)
    assert [m["id"] for m in blue.messages()] == [sent["id"]]


def test_bad_receipts_are_refused_and_change_nothing(
    live_server: LiveServer, clients: dict[str, Client]
) -> None:
    blue, red, green = clients["blue"], clients["red"], clients["green"]
    sent = blue.send("red", "for red only")
    red.ack(sent["id"])
    before = ledger(live_server)
    with pytest.raises(StateConflict, match="already"):
        red.ack(sent["id"])  # twice
    # someone else's: the same 404 as a message that does not exist (no existence leak)
    with pytest.raises(NotFound, match="addressed to green") as theirs:
        green.ack(sent["id"])
    with pytest.raises(NotFound, match="addressed to green") as missing:
        green.ack("m-0000000000000000")
    assert str(theirs.value).replace(sent["id"], "ID") == str(missing.value).replace(
        "m-0000000000000000", "ID"
    )
    with pytest.raises(NotFound):
        blue.ack(sent["id"])  # one's own: not addressed to its sender
    with pytest.raises(NotFound):
        red.ack("m-0000000000000000")
    with pytest.raises(InvalidInput, match="reply"):
        red.receipt(sent["id"], "delivered", reply="no replies on delivery")
    env = red.sign("receipt", {"message": "m-other", "status": "acknowledged"})
    with pytest.raises(InvalidInput, match="not"):
        red.call("POST", f"/messages/{sent['id']}/receipts", json=env)
    stranger = Client(
        live_server.url, live_server.tokens["red"], "red", new_private(), clock=live_server.clock
    )
    with pytest.raises(Unauthorized):
        stranger.ack(sent["id"])
    stranger.close()
    _unchanged(live_server, before)
