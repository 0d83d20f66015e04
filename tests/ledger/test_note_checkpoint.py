"""Signed notes, checkpoints and cosignatures against other implementations' published
values (golang.org/x/mod/sumdb/note's tests and doc, transparency-dev/formats' keys), and
every malformed line refused."""

from __future__ import annotations

import base64
import hashlib

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from interlock.ledger import checkpoint as c
from interlock.ledger import merkle
from interlock.ledger import note as n

# golang.org/x/mod/sumdb/note: the PeterNeumann key pair and its published signed note.
GO_SKEY = "PRIVATE+KEY+PeterNeumann+c74f20a3+AYEKFALVFGyNhPJEMzD1QIDr+Y7hfZx09iUvxdXHKDFz"
GO_VKEY = "PeterNeumann+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW"
GO_TEXT = (
    "If you think cryptography is the answer to your problem,\n"
    "then you don't know what your problem is.\n"
)
GO_SIG = (
    "x08go/ZJkuBS9UG/SffcvIAQxVBtiFupLLr8pAcElZInNIuGUgYN1FFYC2pZSNXgKvqfqdngotpRZb6KE6RyyBwJnAM="
)
GO_NOTE = GO_TEXT + "\n\u2014 PeterNeumann " + GO_SIG + "\n"
# Other implementations' verifier keys (sumdb/note tests; transparency-dev/formats: a
# type 0x04 cosignature key and one whose base64 holds a '+').
OTHER_KEYS = [
    "EnochRoot+af0cfe78+ATtqJ7zOtqQtYqOo0CpvDXNlMhV3HeJDpjrASKGLWdop",
    "example.com/foo+530d903a+AekyeRrm56hApGFkyQR4ZCbV54Id2LKaANYcrnKv3U2k",
    "TEST+7997405c+AQcC+FTVKf0jlTdHDY3rbevmnKxxPjigCXlVtGe6RIr6",
    "remora.n621.de+da77ade7+BOvN63jn/bLvkieywe8R6UYAtVtNbZpXh34x7onlmtw2",
]


def go_private() -> Ed25519PrivateKey:
    raw = base64.b64decode(GO_SKEY.split("+", 4)[4])
    assert raw[0] == 1
    return Ed25519PrivateKey.from_private_bytes(raw[1:])


def test_go_note_reproduced_and_verified() -> None:
    key = go_private()
    s = n.sign(GO_TEXT, "PeterNeumann", key)
    assert n.Note(GO_TEXT, (s,)).format() == GO_NOTE  # Ed25519 is deterministic
    vkey = n.parse_verifier_key(GO_VKEY)
    assert vkey.text() == GO_VKEY
    assert n.verifier_key("PeterNeumann", n.raw_public(key.public_key())) == GO_VKEY
    parsed = n.parse_note(GO_NOTE)
    assert parsed.text == GO_TEXT
    n.verify(parsed, vkey)
    with pytest.raises(n.NoteError, match="does not verify"):
        n.verify(n.parse_note(GO_NOTE.replace("cryptography", "cryptographY")), vkey)


@pytest.mark.parametrize("text", OTHER_KEYS)
def test_other_keys_hash_as_published(text: str) -> None:
    assert n.parse_verifier_key(text).text() == text


@pytest.mark.parametrize(
    ("bad", "why"),
    [
        (GO_VKEY.replace("c74f20a3", "c74f20a4"), "does not match"),
        (GO_VKEY.replace("+c74f20a3", ""), "name\\+"),
        ("Peter Neumann+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW", "key name"),
        (GO_VKEY[:-1], "base64"),
        (GO_VKEY.replace("+ARpc", "+Apc"), "base64|type"),
    ],
)
def test_bad_verifier_keys(bad: str, why: str) -> None:
    with pytest.raises(n.NoteError, match=why):
        n.parse_verifier_key(bad)


@pytest.mark.parametrize(
    ("bad", "why"),
    [
        (GO_TEXT + "\u2014 PeterNeumann " + GO_SIG + "\n", "blank line"),
        (GO_NOTE[:-1], "end with a newline"),
        (GO_NOTE.replace("\u2014 ", "- "), "must start"),
        (GO_NOTE.replace("PeterNeumann ", "Peter Neumann "), "signature line is"),
        (GO_NOTE.replace(GO_SIG, GO_SIG[:-1]), "base64"),
        (GO_NOTE.replace(GO_SIG, "AAAA"), "too short"),
        (GO_NOTE.replace("problem,", "problem,\t"), "control character"),
        (GO_NOTE + "\u2014 PeterNeumann " + GO_SIG + "\n\n", "newline|start"),
        (GO_TEXT.replace("\n", "") + "\n\u2014 PeterNeumann " + GO_SIG + "\n", "blank line"),
        (GO_NOTE.replace(GO_SIG, GO_SIG + "\n"), "newline"),
    ],
)
def test_malformed_notes_refused(bad: str, why: str) -> None:
    with pytest.raises(n.NoteError, match=why):
        n.parse_note(bad)


def test_too_many_signatures() -> None:
    line = "\u2014 PeterNeumann " + GO_SIG + "\n"
    n.parse_note(GO_TEXT + "\n" + line * n.MAX_SIGNATURES)
    with pytest.raises(n.NoteError, match="more than"):
        n.parse_note(GO_TEXT + "\n" + line * (n.MAX_SIGNATURES + 1))


def test_cosignature_v1_message_and_key_hash() -> None:
    key = go_private()
    public = n.raw_public(key.public_key())
    body = "example.com/log\n5\n" + base64.b64encode(bytes(32)).decode() + "\n"
    s = n.cosign(body, "witness.example", key, 1_700_000_000)
    # C2SP tlog-cosignature: key hash over type 0x04, time then signature in the line.
    assert s.hash == hashlib.sha256(b"witness.example\n\x04" + public).digest()[:4]
    assert s.data[:8] == (1_700_000_000).to_bytes(8, "big")
    message = b"cosignature/v1\ntime 1700000000\n" + body.encode()
    key.public_key().verify(s.data[8:], message)  # raises if not what the spec signs
    vkey = n.VerifierKey("witness.example", n.TYPE_COSIGNATURE_V1, public)
    assert n.verify_cosignature(body, s, vkey) == 1_700_000_000
    forged = n.Signature(s.name, s.hash, (1_700_000_001).to_bytes(8, "big") + s.data[8:])
    with pytest.raises(n.NoteError, match="does not verify"):
        n.verify_cosignature(body, forged, vkey)
    with pytest.raises(n.NoteError, match="does not verify"):
        n.verify_cosignature(body.replace("5", "6"), s, vkey)


ROOT = merkle.leaf_hash(b"x")
LOG_KEY = Ed25519PrivateKey.from_private_bytes(bytes(range(32)))
LOG_PUBLIC = c.log_public_of(LOG_KEY)


def test_checkpoint_round_trip() -> None:
    cp = c.Checkpoint("interlock/0123456789abcdef", 42, ROOT)
    assert cp.body() == f"interlock/0123456789abcdef\n42\n{base64.b64encode(ROOT).decode()}\n"
    assert c.parse_checkpoint(cp.body()) == cp
    signed = c.sign_checkpoint(cp, LOG_KEY, 1_800_000_000)
    opened = c.open_checkpoint(signed.text(), LOG_PUBLIC, "interlock/0123456789abcdef")
    assert opened == signed and opened.time == 1_800_000_000
    # A generic note verifier (type 0x01 key named by the origin) accepts it too.
    n.verify(n.parse_note(signed.text()), n.VerifierKey(cp.origin, 1, LOG_PUBLIC))
    with pytest.raises(n.NoteError, match="not 'other'"):
        c.open_checkpoint(signed.text(), LOG_PUBLIC, "other")
    other = c.log_public_of(Ed25519PrivateKey.generate())
    with pytest.raises(n.NoteError, match="no signature"):
        c.open_checkpoint(signed.text(), other)
    ext = c.Checkpoint("o", 0, merkle.EMPTY_ROOT, ("x-ext 1",))
    assert c.parse_checkpoint(ext.body()) == ext


@pytest.mark.parametrize(
    ("body", "why"),
    [
        ("o\n1\n", "origin, a size and a root"),
        ("o\n01\n" + base64.b64encode(ROOT).decode() + "\n", "leading 0"),
        ("o\n-1\n" + base64.b64encode(ROOT).decode() + "\n", "decimal"),
        ("o\n 1\n" + base64.b64encode(ROOT).decode() + "\n", "decimal"),
        ("o\n9223372036854775808\n" + base64.b64encode(ROOT).decode() + "\n", "decimal"),
        ("o\n1\n" + base64.b64encode(ROOT[:31]).decode() + "\n", "32 bytes"),
        ("o\n1\n" + base64.urlsafe_b64encode(b"\xff" * 32).decode() + "\n", "base64"),
        ("o\n1\n" + base64.b64encode(ROOT).decode().rstrip("=") + "\n", "base64"),
        ("a b\n1\n" + base64.b64encode(ROOT).decode() + "\n", "origin"),
        ("\n1\n" + base64.b64encode(ROOT).decode() + "\n", "origin"),
        ("o\n1\n" + base64.b64encode(ROOT).decode() + "\n\n", "extension"),
        ("o\n1\n" + base64.b64encode(ROOT).decode(), "newline"),
    ],
)
def test_malformed_checkpoints_refused(body: str, why: str) -> None:
    with pytest.raises(n.NoteError, match=why):
        c.parse_checkpoint(body)


def test_witness_cosignature() -> None:
    signed = c.sign_checkpoint(c.Checkpoint("o", 3, ROOT), LOG_KEY, 10)
    party_key = Ed25519PrivateKey.generate()
    public = n.raw_public(party_key.public_key())
    s = c.cosign_checkpoint(signed, "blue", party_key, 20)
    assert s.name == "interlock-party/blue"
    assert c.verify_witness(signed, s, "blue", public) == 20
    assert c.witness_public("blue", [LOG_PUBLIC, public], s) == public
    with pytest.raises(n.NoteError):
        c.verify_witness(signed, s, "red", public)
    published = signed.note.with_signatures(s, s)
    assert len(published.signatures) == 3
    assert c.open_checkpoint(published.format(), LOG_PUBLIC).time == 10


def test_fork_verdicts() -> None:
    leaves = [merkle.leaf_hash(bytes([i])) for i in range(7)]
    forked = [*leaves[:4], merkle.leaf_hash(b"other")]

    def cp(ls: list[bytes]) -> c.SignedCheckpoint:
        return c.sign_checkpoint(c.Checkpoint("o", len(ls), merkle.root_of(ls)), LOG_KEY, 1)

    assert c.judge(cp(leaves[:5]), cp(forked)).status == "fork"
    assert c.judge(cp(leaves[:5]), cp(leaves[:5])).status == "consistent"
    assert c.judge(cp(leaves[:5]), cp(leaves)).status == "undecided"
    table = {
        (lv, i): merkle.root_of(leaves[i << lv : (i + 1) << lv])
        for lv in range(3)
        for i in range(len(leaves) >> lv)
    }
    proof = merkle.consistency_proof(5, 7, lambda lv, i: table[(lv, i)])
    assert c.judge(cp(leaves), cp(leaves[:5]), proof).status == "consistent"
    assert c.judge(cp(forked), cp(leaves), proof).status == "inconsistent"
    other = c.sign_checkpoint(c.Checkpoint("p", 5, merkle.root_of(forked)), LOG_KEY, 1)
    assert c.judge(cp(leaves[:5]), other).status == "undecided"
