"""The page's canonical.js and sign.js against the server's own code, in Node: the same
RFC 8785 bytes as `interlock.codec.canonical` for any JSON value, and envelopes that
`interlock.ledger.envelope.verify` accepts."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from hypothesis import given, settings
from hypothesis import strategies as st
from tests.web.conftest import Node

from interlock.codec.canonical import canonical
from interlock.codec.keys import key_id, public_text
from interlock.errors import InterlockError
from interlock.ledger.envelope import verify

SAFE_INT = 2**53 - 1  # JavaScript numbers are doubles; the server refuses larger ints too


json_values = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(-SAFE_INT, SAFE_INT)
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(),
    lambda children: (
        st.lists(children, max_size=5) | st.dictionaries(st.text(max_size=8), children, max_size=5)
    ),
    max_leaves=20,
)


@settings(max_examples=400, deadline=None)
@given(json_values)
def test_canonical_js_matches_the_server(node: Node, value: Any) -> None:
    assert node.ask(op="canon", value=value) == {"ok": canonical(value).decode("utf-8")}


@settings(max_examples=200, deadline=None)
@given(st.dictionaries(st.text(max_size=3), st.integers(0, 9), max_size=8))
def test_keys_sort_by_utf16_code_units(node: Node, value: dict[str, int]) -> None:
    # Keys mixing U+E000..U+FFFF with characters above U+FFFF sort differently by code
    # point and by UTF-16 code unit: RFC 8785 (and the server) take the code units.
    value = {**value, "\ue000": 1, "\U0001f600": 2, "\uffff": 3}
    assert node.ask(op="canon", value=value) == {"ok": canonical(value).decode("utf-8")}


@pytest.mark.parametrize(
    "number",
    [0.0, -0.0, 1.0, 0.1, 1e21, 1e-7, 123456789012345680000.0, 5e-324, 1.7976931348623157e308],
)
def test_numbers_take_their_ecmascript_form(node: Node, number: float) -> None:
    assert node.ask(op="canon", value=[number]) == {"ok": canonical([number]).decode()}


def test_a_lone_surrogate_is_refused(node: Node) -> None:
    # Sent escaped: JSON.parse makes the lone surrogate in Node's string.
    assert "error" in node.ask(op="canon", value="\ud800")


def _pem(key: Ed25519PrivateKey) -> str:
    return key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    ).decode()


def test_a_js_signed_envelope_verifies_on_the_server(node: Node) -> None:
    key = Ed25519PrivateKey.generate()
    public = public_text(key.public_key())
    body = {
        "to": ["command"],
        "priority": "flash",
        "subject": "Ünïcode ✈ and 😀",
        "body": "line\nbreak",
        "refs": [{"kind": "notice", "id": "n-1"}],
        "payload": {"n": 1.5, "big": 1e21, "neg": -0.0},
    }
    answer = node.ask(op="sign", pem=_pem(key), kind="message", author="base", body=body)
    assert answer["key"] == {"publicText": public, "keyId": key_id(public)}
    env = answer["ok"]
    verified = verify(env, {"base": [public]}, datetime.now(UTC))
    assert (verified.kind, verified.author, verified.body) == ("message", "base", body)
    assert len(env["nonce"]) == 32 and env["signed_at"].endswith("Z")

    tampered = {**env, "body": {**body, "subject": "changed"}}
    with pytest.raises(InterlockError):
        verify(tampered, {"base": [public]})


def test_a_key_that_is_not_ed25519_pkcs8_is_refused(node: Node) -> None:
    answer = node.ask(
        op="sign",
        pem="-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----",
        kind="message",
        author="base",
        body={},
    )
    assert "Ed25519" in answer["error"]


def _sse_text(entries: list[dict[str, Any]]) -> str:
    """What the server's stream writes (api/stream.py), with a keepalive between."""
    from interlock.api.stream import sse

    out = "retry: 1000\n\n"
    for e in entries:
        out += sse(e).decode("utf-8") + ": keepalive\n\n"
    return out


@settings(max_examples=100, deadline=None)
@given(st.lists(st.integers(1, 200), max_size=12), st.booleans())
def test_the_stream_parser_reads_the_server_s_events_in_any_chunks(
    node: Node, cuts: list[int], crlf: bool
) -> None:
    entries = [
        {"seq": 7, "event": {"type": "message", "subject": "é ✈ 😀", "text": "a\nb"}},
        {"seq": 8, "event": {"type": "receipt", "message": "m-1"}},
        {"seq": 12, "event": {"type": "escalation", "count": 2}},
    ]
    text = _sse_text(entries)
    if crlf:
        text = text.replace("\n", "\r\n")
    chunks, at = [], 0
    for cut in cuts:  # split anywhere, even inside a multi-byte character's string
        chunks.append(text[at : at + cut])
        at += cut
    chunks.append(text[at:])
    events = node.ask(op="sse", chunks=chunks)["ok"]
    assert events[0] == {"type": "message", "retry": 1000}
    assert [(e["id"], e["type"], e["data"]) for e in events[1:]] == [
        (str(e["seq"]), e["event"]["type"], e) for e in entries
    ]
