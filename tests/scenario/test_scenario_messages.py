"""The demo's hotline traffic: signed, referring to its notices, one acknowledged."""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path

import pytest

from interlock.codec.keys import public_text
from interlock.errors import InvalidInput
from interlock.ledger.chain import verify_chain
from interlock.ledger.keys import new_private
from interlock.model.agreement import load_agreement
from interlock.service.hotline import HotlineService
from interlock.service.root import Services, build_services
from interlock.service.scenario import (
    DEFAULT_SCENARIO,
    load_scenario,
    scenario_agreement_path,
    send_scenario_messages,
)
from interlock.store import open_store

NOW = datetime(2026, 12, 1, 6, 0, tzinfo=UTC)


def _keyed() -> tuple[Services, HotlineService, dict]:
    agreement = load_agreement(scenario_agreement_path(DEFAULT_SCENARIO))
    keys = {p: new_private() for p in agreement.party_ids}
    parties = tuple(
        replace(p, public_keys=(public_text(keys[p.id].public_key()),)) for p in agreement.parties
    )
    agreement = replace(agreement, parties=parties)
    store = open_store(":memory:")
    service = build_services(store, agreement, clock=lambda: NOW)
    return service, service.hotline, keys


def test_demo_messages_are_signed_and_refer_to_the_demo_notices() -> None:
    service, hotline, keys = _keyed()
    report = load_scenario(DEFAULT_SCENARIO, service, NOW)
    sent = send_scenario_messages(DEFAULT_SCENARIO, service, keys, report.notice_ids, NOW)
    assert sent == 2
    party_msgs = [m for m in hotline.messages("base") if m["from"] != "interlock"]
    warning = next(m for m in party_msgs if m["priority"] == "flash")
    assert warning["from"] == "command" and warning["signed"]
    falcon = service.notices.get("base", report.notice_ids[19])
    assert {"kind": "notice", "id": falcon["id"]} in warning["refs"]
    activity = warning["payload"]["activity"]
    assert activity["geometry"] == falcon["geometry"]
    assert activity["start"] == falcon["properties"]["start"]
    (rec,) = warning["recipients"]
    assert rec["state"] == "acknowledged" and rec["reply"].startswith("Received")
    request = next(m for m in party_msgs if m["priority"] == "routine")
    assert request["state"] == "pending" and request["to"] == ["command"]
    keys_text = {p.id: list(p.public_keys) for p in hotline.agreement.parties}
    entries = list(service.store.ledger_entries())
    assert verify_chain(entries, keys_text) == (len(entries), None)


def test_a_bad_notice_index_is_refused_naming_it(tmp_path: Path) -> None:
    service, _, keys = _keyed()
    report = load_scenario(DEFAULT_SCENARIO, service, NOW)
    bad = {
        "messages": [
            {
                "from": "base",
                "to": ["command"],
                "subject": "s",
                "refs": [{"kind": "notice", "index": 99}],
            }
        ]
    }
    (tmp_path / "messages.json").write_text(json.dumps(bad))
    with pytest.raises(InvalidInput, match="no notice number 99"):
        send_scenario_messages(tmp_path, service, keys, report.notice_ids, NOW)
