"""Canonical JSON, Ed25519 envelopes and the hash chain (the record's pure core)."""

from __future__ import annotations

import copy
import json
import stat
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from interlock.codec.canonical import canonical
from interlock.codec.keys import key_id, parse_public, public_text
from interlock.errors import InvalidInput, Unauthorized
from interlock.ledger.chain import GENESIS, make_entry, verify_chain
from interlock.ledger.envelope import sign, verify
from interlock.ledger.keys import new_private, read_private, write_private

NOW = datetime(2026, 12, 1, 8, 0, tzinfo=UTC)


def test_rfc8785_number_and_order_vectors() -> None:
    # RFC 8785 section 3.2.2 example values.
    raw = '{"numbers":[333333333.33333329,1E30,4.50,2e-3,0.000000000000000000000000001]}'
    assert canonical(json.loads(raw)) == (b'{"numbers":[333333333.3333333,1e+30,4.5,0.002,1e-27]}')
    assert canonical({"b": 1, "a": {"d": True, "c": None}}) == b'{"a":{"c":null,"d":true},"b":1}'
    with pytest.raises(InvalidInput):
        canonical({"x": float("nan")})


@settings(max_examples=200, deadline=None)
@given(
    st.recursive(
        st.none()
        | st.booleans()
        | st.integers(-(2**53) + 1, 2**53 - 1)
        | st.text(max_size=20)
        # JCS integers must stay in the IEEE-754 safe range (|n| < 2^53), floats parse back as such
        | st.floats(-(2.0**52), 2.0**52, allow_nan=False),
        lambda inner: (
            st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner, max_size=4)
        ),
        max_leaves=20,
    )
)
def test_canonical_form_is_stable_and_parses_back(value: Any) -> None:
    once = canonical(value)
    assert canonical(json.loads(once)) == once


def test_key_files_and_text(tmp_path: Path) -> None:
    key = new_private()
    path = tmp_path / "blue.key"
    write_private(key, path)
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    with pytest.raises(FileExistsError):
        write_private(new_private(), path)  # never overwrite a key
    again = read_private(path)
    text = public_text(again.public_key())
    assert text == public_text(key.public_key()) and text.startswith("ed25519:")
    assert parse_public(text) is not None and len(key_id(text)) == 16
    with pytest.raises(InvalidInput):
        parse_public("ed25519:AAAA")
    (tmp_path / "junk.key").write_text("not a key")
    with pytest.raises(InvalidInput):
        read_private(tmp_path / "junk.key")


@pytest.fixture
def keys() -> tuple[dict[str, Any], dict[str, list[str]]]:
    private = {"blue": new_private(), "red": new_private()}
    public = {p: [public_text(k.public_key())] for p, k in private.items()}
    return private, public


def test_sign_and_verify(keys: tuple[dict[str, Any], dict[str, list[str]]]) -> None:
    private, public = keys
    env = sign("message", "blue", {"subject": "activity", "n": 1.5}, private["blue"], NOW)
    v = verify(json.loads(json.dumps(env)), public, NOW + timedelta(seconds=5))
    assert (v.author, v.kind, v.body) == ("blue", "message", {"subject": "activity", "n": 1.5})


@pytest.mark.parametrize(
    "change", ["body", "author", "kind", "signed_at", "nonce", "signature", "key"]
)
def test_any_change_breaks_the_signature(
    keys: tuple[dict[str, Any], dict[str, list[str]]], change: str
) -> None:
    private, public = keys
    env = sign("message", "blue", {"subject": "activity"}, private["blue"], NOW)
    bad = copy.deepcopy(env)
    if change == "body":
        bad["body"]["subject"] = "Activity"
    elif change == "author":
        bad["author"] = "red"
    elif change == "kind":
        bad["kind"] = "receipt"
    elif change == "signed_at":
        bad["signed_at"] = "2026-12-01T08:00:01Z"
    elif change == "nonce":
        bad["nonce"] = "f" * 32
    elif change == "signature":
        bad["signature"] = sign("message", "blue", {"x": 1}, private["blue"], NOW)["signature"]
    else:  # signed by red's key but claiming to be blue
        bad = sign("message", "red", {"subject": "activity"}, private["red"], NOW)
        bad["author"] = "blue"
    with pytest.raises(Unauthorized):
        verify(bad, public)


def test_stale_and_future_statements_are_refused(
    keys: tuple[dict[str, Any], dict[str, list[str]]],
) -> None:
    private, public = keys
    env = sign("message", "blue", {}, private["blue"], NOW)
    with pytest.raises(Unauthorized, match="outside"):
        verify(env, public, NOW + timedelta(minutes=6))
    with pytest.raises(Unauthorized, match="outside"):
        verify(env, public, NOW - timedelta(minutes=6))
    with pytest.raises(InvalidInput, match="signature"):
        verify({k: v for k, v in env.items() if k != "signature"}, public)


def build_chain(
    keys: tuple[dict[str, Any], dict[str, list[str]]], n: int = 6
) -> list[dict[str, Any]]:
    private, _ = keys
    entries, prev = [], GENESIS
    for i in range(1, n + 1):
        party, other = ("blue", "red") if i % 2 else ("red", "blue")
        body = {"to": [other], "priority": "routine", "subject": f"message {i}"}
        event = (
            {
                "type": "message",
                "from": party,
                "to": [other],
                "priority": "routine",
                "envelope": sign("message", party, body, private[party], NOW),
            }
            if i != 3
            else {"type": "conflict", "system": {"id": 7}}
        )
        e = make_entry(i, prev, f"2026-12-01T08:00:0{i}Z", event)
        entries.append(e)
        prev = e["hash"]
    return entries


def test_a_sound_chain_verifies(keys: tuple[dict[str, Any], dict[str, list[str]]]) -> None:
    entries = build_chain(keys)
    assert verify_chain(json.loads(json.dumps(entries)), keys[1]) == (6, None)


def test_each_tampering_is_detected_and_located(
    keys: tuple[dict[str, Any], dict[str, list[str]]],
) -> None:
    public = keys[1]
    # Change one byte of an event.
    e = build_chain(keys)
    e[3]["event"]["envelope"]["body"]["i"] = 40
    assert verify_chain(e, public)[1].seq == 4  # type: ignore[union-attr]
    # Delete an entry.
    e = build_chain(keys)
    del e[2]
    assert verify_chain(e, public)[1].seq == 3  # type: ignore[union-attr]
    # Reorder two entries.
    e = build_chain(keys)
    e[1], e[2] = e[2], e[1]
    assert verify_chain(e, public)[1].seq == 2  # type: ignore[union-attr]
    # Swap two signatures.
    e = build_chain(keys)
    s0, s4 = e[0]["event"]["envelope"]["signature"], e[4]["event"]["envelope"]["signature"]
    e[0]["event"]["envelope"]["signature"], e[4]["event"]["envelope"]["signature"] = s4, s0
    problem = verify_chain(e, public)[1]
    assert problem is not None and problem.seq == 1
    # A server that recomputes every hash after forging a party's words is still caught.
    e = build_chain(keys)
    e[1]["event"]["envelope"]["body"]["i"] = 99
    prev = GENESIS
    for i, entry in enumerate(e, start=1):
        e[i - 1] = make_entry(i, prev, entry["received_at"], entry["event"])
        prev = e[i - 1]["hash"]
    problem = verify_chain(e, public)[1]
    assert problem is not None and problem.seq == 2 and "signature" in problem.reason
