"""The page's merkle.js and note.js against the server's own code, in Node: on random
trees, the JS accepts every proof `interlock.ledger.merkle` accepts and rejects every
tampered one it rejects; it opens the log's signed checkpoints as
`ledger.checkpoint.open_checkpoint` does, and its cosignature is the very line
`interlock.witness` posts (Ed25519 is deterministic: same key, time and body, same bytes).
"""

from __future__ import annotations

import base64
import os
from collections.abc import Callable, Sequence

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from hypothesis import given, settings
from hypothesis import strategies as st
from tests.web.conftest import Node

from interlock.ledger import checkpoint as cp
from interlock.ledger import merkle
from interlock.ledger.note import NoteError, parse_note, parse_signature_line, verifier_key

b64 = lambda h: base64.b64encode(h).decode()  # noqa: E731


def _history(n: int, seed: int) -> merkle.History:
    h = merkle.History()
    for i in range(n):
        h.append(merkle.leaf_hash(seed.to_bytes(4, "big") + i.to_bytes(4, "big")))
    return h


def _flip(h: bytes, at: int = 0) -> bytes:
    return h[:at] + bytes([h[at] ^ 1]) + h[at + 1 :]


def _python_accepts(check: Callable[[], None]) -> bool:
    try:
        check()
    except merkle.ProofError:
        return False
    return True


def _js_accepts(answer: dict[str, object]) -> bool:
    if "ok" in answer:
        return True
    assert answer.get("proof_error"), answer  # refused as a bad proof, not a crash
    return False


def _proof_tampers(proof: list[bytes], k: int) -> list[tuple[str, list[bytes]]]:
    """Ways to spoil a proof: each element flipped, one dropped, one added, a short hash."""
    out: list[tuple[str, list[bytes]]] = [("good", proof)]
    if proof:
        i = k % len(proof)
        out += [
            ("flipped", [*proof[:i], _flip(proof[i], k % 32), *proof[i + 1 :]]),
            ("dropped", proof[:-1]),
            ("short hash", [*proof[:i], proof[i][:31], *proof[i + 1 :]]),
            ("swapped", list(reversed(proof)) if len(proof) > 1 else proof + proof),
        ]
    out.append(("extended", [*proof, proof[0] if proof else bytes(32)]))
    return out


@settings(max_examples=60, deadline=None)
@given(st.integers(1, 300), st.integers(0, 10**6), st.integers(0, 10**6))
def test_inclusion_js_equals_python(node: Node, n: int, pick: int, k: int) -> None:
    h = _history(n, k)
    index = pick % n
    root = h.root(n)
    leaf = h.node(0, index)
    proof = merkle.inclusion_proof(index, n, h.node)
    cases: list[tuple[str, int, int, bytes, Sequence[bytes], bytes]] = [
        (name, index, n, leaf, p, root) for name, p in _proof_tampers(proof, k)
    ]
    cases += [
        ("other leaf", index, n, _flip(leaf), proof, root),
        ("other root", index, n, leaf, proof, _flip(root, 31)),
        ("next index", (index + 1) % n, n, leaf, proof, root),
        ("larger tree", index, n + 1, leaf, proof, root),
        ("index beyond", n, n, leaf, proof, root),
    ]
    accepted = 0
    for name, i, size, lf, p, r in cases:
        py = _python_accepts(lambda: merkle.verify_inclusion(i, size, lf, p, r))  # noqa: B023
        js = _js_accepts(
            node.ask(
                op="inclusion",
                index=i,
                size=size,
                leaf=b64(lf),
                proof=[b64(x) for x in p],
                root=b64(r),
            )
        )
        assert js == py, (name, i, size, n)
        accepted += py
    assert _python_accepts(lambda: merkle.verify_inclusion(index, n, leaf, proof, root))
    assert accepted >= 1


@settings(max_examples=80, deadline=None)
@given(st.integers(1, 300), st.integers(0, 300), st.integers(0, 10**6))
def test_consistency_js_equals_python(node: Node, n: int, m_raw: int, k: int) -> None:
    h = _history(n, k)
    m = m_raw % (n + 1)  # 0 <= m <= n: the empty tree and equal sizes included
    first_root, second_root = h.root(m), h.root(n)
    proof = merkle.consistency_proof(m, n, h.node)
    fork = _history(n, k + 1)  # another history of the same sizes
    cases: list[tuple[str, int, int, bytes, bytes, Sequence[bytes]]] = [
        (name, m, n, first_root, second_root, p) for name, p in _proof_tampers(proof, k)
    ]
    cases += [
        ("other first root", m, n, _flip(first_root), second_root, proof),
        ("other second root", m, n, first_root, _flip(second_root, 7), proof),
        ("forked first tree", m, n, fork.root(m), second_root, proof),
        ("forked second tree", m, n, first_root, fork.root(n), proof),
        ("sizes reversed", n, m, second_root, first_root, proof),
        ("first one larger", min(m + 1, n), n, first_root, second_root, proof),
    ]
    for name, a, b, ra, rb, p in cases:
        py = _python_accepts(lambda: merkle.verify_consistency(a, b, ra, rb, p))  # noqa: B023
        js = _js_accepts(
            node.ask(
                op="consistency",
                first=a,
                second=b,
                first_root=b64(ra),
                second_root=b64(rb),
                proof=[b64(x) for x in p],
            )
        )
        assert js == py, (name, a, b, m, n)
    # The good proof holds, in both.
    assert _python_accepts(lambda: merkle.verify_consistency(m, n, first_root, second_root, proof))


def _pem(key: Ed25519PrivateKey) -> str:
    return key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    ).decode()


ORIGIN = "interlock/0123456789abcdef"


def _signed(size: int, key: Ed25519PrivateKey, time: int = 1_796_000_000) -> cp.SignedCheckpoint:
    return cp.sign_checkpoint(cp.Checkpoint(ORIGIN, size, os.urandom(32)), key, time)


def test_js_opens_the_log_s_checkpoints_as_python_does(node: Node) -> None:
    key = Ed25519PrivateKey.generate()
    log_key = verifier_key(ORIGIN, cp.log_public_of(key))
    signed = _signed(412, key)
    answer = node.ask(op="open", note=signed.text(), log_key=log_key, origin=ORIGIN)
    assert answer == {
        "ok": {
            "origin": ORIGIN,
            "size": 412,
            "root": cp.root_text(signed.checkpoint.root),
            "time": signed.time,
        }
    }

    other = Ed25519PrivateKey.generate()
    text = signed.text()
    tampered = {
        "size changed": text.replace("\n412\n", "\n413\n", 1),
        "signed by another key": _signed(412, other).text(),
        "no timestamped signature": parse_note(text).text + "\n" + signed.note.signatures[0].line(),
        "no blank line": text.replace("\n\n", "\n", 1),
        "other origin": cp.sign_checkpoint(
            cp.Checkpoint("interlock/ffffffffffffffff", 412, signed.checkpoint.root), key, 1
        ).text(),
    }
    for name, note in tampered.items():
        with pytest.raises(NoteError):
            cp.open_checkpoint(note, cp.log_public_of(key), ORIGIN)
        answer = node.ask(op="open", note=note, log_key=log_key, origin=ORIGIN)
        assert answer.get("note_error"), (name, answer)
    # A verifier key whose key hash does not match its key is refused before anything.
    bad_key = log_key[: len(ORIGIN) + 1] + "00000000" + log_key[len(ORIGIN) + 9 :]
    assert node.ask(op="open", note=text, log_key=bad_key, origin=ORIGIN).get("note_error")


@pytest.mark.parametrize("time", [0, 1_796_000_000, 2**53 - 1])
def test_js_cosignature_is_the_line_the_python_witness_posts(node: Node, time: int) -> None:
    log = Ed25519PrivateKey.generate()
    party = Ed25519PrivateKey.generate()
    signed = _signed(1204, log)
    answer = node.ask(op="cosign", pem=_pem(party), party="base", body=signed.note.text, time=time)
    python_line = cp.cosign_checkpoint(signed, "base", party, time).line().removesuffix("\n")
    assert answer == {"ok": python_line}
    line = parse_signature_line(answer["ok"])
    assert cp.verify_witness(signed, line, "base", cp.log_public_of(party)) == time
