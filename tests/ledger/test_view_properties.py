"""Property: for any ledger (parties, audiences, hidden-field settings), every party's view
verifies, and replacing any one entry it may read by a redacted placeholder does not."""

from __future__ import annotations

import copy
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from interlock.ledger.chain import GENESIS, make_entry, verify_chain
from interlock.ledger.commitments import seal
from interlock.model.agreement import OPTIONAL_FIELDS, agreement_from_dict
from interlock.model.message import SYSTEM
from interlock.model.visibility import committed_fields, visible_entry

RECEIVED = "2030-01-01T00:00:00Z"


@st.composite
def ledgers(draw: st.DrawFn) -> tuple[Any, list[dict[str, Any]]]:
    parties = draw(st.lists(st.sampled_from("abcdefg"), min_size=2, max_size=5, unique=True))
    others_see = draw(st.lists(st.sampled_from(OPTIONAL_FIELDS), unique=True))
    agreement = agreement_from_dict(
        {"parties": [{"id": p} for p in parties], "visibility": {"others_see": others_see}}
    )
    hidden = committed_fields(agreement)
    entries, prev = [], GENESIS
    for seq in range(1, draw(st.integers(1, 12)) + 1):
        kind = draw(st.sampled_from(["notice_version", "conflict", "message", "channel"]))
        if kind == "notice_version":
            owner = draw(st.sampled_from(parties))
            fields = draw(st.lists(st.sampled_from(OPTIONAL_FIELDS), unique=True))
            props = {"start": RECEIVED, **{f: f"{f}-{seq}" for f in fields}}
            feature = {"type": "Feature", "geometry": None, "properties": props}
            salts = {f: bytes([seq]) * 32 for f in hidden}
            recorded, openings = seal(feature, hidden, salts)
            event = {"type": kind, "id": f"n-{seq}", "party": owner, "feature": recorded}
            audience = parties
        else:
            audience = draw(st.lists(st.sampled_from(parties), min_size=1, unique=True))
            event = {"type": kind, "id": f"x-{seq}", "parties": audience, "from": SYSTEM}
            openings = {}
        e = make_entry(seq, prev, RECEIVED, event, audience)
        if openings:
            e["openings"] = openings
        entries.append(e)
        prev = e["hash"]
    return agreement, entries


@settings(max_examples=150, deadline=None)
@given(ledgers(), st.data())
def test_every_view_verifies_and_a_placeholder_in_it_does_not(
    ledger: tuple[Any, list[dict[str, Any]]], data: st.DataObject
) -> None:
    agreement, entries = ledger
    assert verify_chain(entries, {}) == (len(entries), None)  # the whole record
    for party in agreement.party_ids:
        view = [visible_entry(e, party, agreement) for e in entries]
        assert verify_chain(view, {}, party) == (len(view), None)
        for e, whole in zip(view, entries, strict=True):  # nothing hidden leaks
            hidden = set(e.get("openings", {})) & (
                set() if whole["event"].get("party") == party else committed_fields(agreement)
            )
            assert not hidden
        readable = [i for i, e in enumerate(view) if not e["event"].get("redacted")]
        if not readable:
            continue
        i = data.draw(st.sampled_from(readable))
        forged = copy.deepcopy(view)
        forged[i]["event"] = {"type": forged[i]["event"]["type"], "redacted": True}
        forged[i].pop("openings", None)
        _, problem = verify_chain(forged, {}, party)
        assert problem is not None and problem.seq == i + 1, (party, i, problem)
        assert f"yet {party} is in its audience" in problem.reason
        # ...and in the whole record, any placeholder at all is named.
        forged = copy.deepcopy(entries)
        forged[i]["event"] = {"type": forged[i]["event"]["type"], "redacted": True}
        assert verify_chain(forged, {})[1].seq == i + 1  # type: ignore[union-attr]
