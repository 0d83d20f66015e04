"""The fast verifier gives the plain loop's verdict: same first bad entry, same reason.

`verify_chain` hashes in order but checks signatures in batches, in helper processes or
here, and with libsodium where it can; the verdict must still be exactly that of the
simple verifier it replaced (copied below as the oracle), for any tampering.
"""

from __future__ import annotations

import base64
import contextlib
import copy
import hashlib
import random
import sys
from collections.abc import Callable, Iterable, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import orjson
import pytest
import rfc8785
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from interlock.codec.keys import key_id, parse_public, public_text
from interlock.errors import InterlockError, InvalidInput, Unauthorized
from interlock.ledger import merkle
from interlock.ledger.chain import GENESIS, Problem, Verdict, audit, make_entry, verify_chain
from interlock.ledger.envelope import (
    FIELDS,
    PublicKey,
    UnknownKey,
    _sodium_valid,
    check_shape,
    public_key,
    sign,
    signature_valid,
)
from interlock.ledger.keys import new_private
from interlock.model.timeutil import iso, parse_utc
from interlock.service import verify

T0 = datetime(2030, 3, 1, 6, 0, tzinfo=UTC)
PARTIES = ("blue", "red", "green")
PRIVATE: dict[str, Ed25519PrivateKey] = {p: new_private() for p in PARTIES}
KEYS = {p: [public_text(k.public_key())] for p, k in PRIVATE.items()}


# --- the oracle: the verifier before the fast one, verbatim but for two changes: a party
# with no key at all is an `unchecked` problem (no longer a bad signature); the audience is
# in the entry hash, and a redacted stub stands only where the viewer is outside it -------

VIEWER = "green"  # the chains below are green's view: blue-red events are stubs


def _digest(obj: Any) -> str:
    try:
        return hashlib.sha256(rfc8785.dumps(obj)).hexdigest()
    except (rfc8785.CanonicalizationError, TypeError, ValueError) as exc:
        raise InvalidInput(f"cannot be canonicalised (RFC 8785): {exc}", field="body") from None


def _entry_hash(
    seq: int, prev_hash: str, received_at: str, content_hash: str, audience: Any
) -> str:
    head = {
        "seq": seq,
        "prev_hash": prev_hash,
        "received_at": received_at,
        "content_hash": content_hash,
    }
    return _digest(head if audience is None else {**head, "audience": audience})


def _verify(env: Any, keys: dict[str, list[str]]) -> None:
    check_shape(env)
    author = env["author"]
    if not keys.get(author):
        raise UnknownKey(f"no key for party {author!r} (signed with key {env['key_id']})")
    candidates = [k for k in keys.get(author, []) if key_id(k) == env["key_id"]]
    if not candidates:
        raise Unauthorized(f"no key {env['key_id']} among party {author!r}'s keys")
    try:
        signature = base64.urlsafe_b64decode(env["signature"] + "=" * (-len(env["signature"]) % 4))
        message = {k: env[k] for k in FIELDS}
        try:
            signed = rfc8785.dumps(message)
        except (rfc8785.CanonicalizationError, TypeError) as exc:
            raise InvalidInput(f"cannot be canonicalised (RFC 8785): {exc}", field="body") from None
        parse_public(candidates[0]).verify(signature, signed)
    except (InvalidSignature, ValueError):
        raise Unauthorized(f"bad signature on a {env['kind']!s} by {author}") from None
    parse_utc(env["signed_at"], "signed_at")


def oracle(
    entries: Iterable[dict[str, Any]], keys: dict[str, list[str]], viewer: str | None = VIEWER
) -> tuple[int, Any]:
    prev = GENESIS
    count = 0
    for position, e in enumerate(entries, start=1):
        count = position
        try:
            if e.get("seq") != position:
                return count, Problem(
                    position,
                    f"sequence {e.get('seq')} where {position} "
                    "was due (entry deleted, inserted or moved)",
                )
            if e.get("prev_hash") != prev:
                return count, Problem(position, "does not link to the entry before it")
            event, audience = e["event"], e.get("audience")
            if audience is not None and not (
                isinstance(audience, list)
                and all(isinstance(p, str) for p in audience)
                and audience == sorted(set(audience))
            ):
                return count, Problem(
                    position, "malformed entry (audience: a sorted list of parties)"
                )
            redacted = event.get("redacted") is True
            if redacted and viewer is None:
                return count, Problem(
                    position, "redacted placeholder in a full record (the event was taken away)"
                )
            if redacted and audience is not None and viewer in audience:
                return count, Problem(
                    position,
                    f"redacted placeholder, yet {viewer} is in its audience "
                    "(the event was taken away)",
                )
            if not redacted and _digest(event) != e.get("content_hash"):
                return count, Problem(position, "content changed (content hash mismatch)")
            head = _entry_hash(position, prev, e["received_at"], e["content_hash"], audience)
            if head != e.get("hash"):
                return count, Problem(position, "entry hash mismatch")
            envelope = None if redacted else e["event"].get("envelope")
            if envelope is not None:
                _verify(envelope, keys)
        except UnknownKey as exc:
            return count, Problem(position, exc.detail, unchecked=True)
        except InterlockError as exc:
            return count, Problem(position, f"signature: {exc.detail}")
        except (KeyError, TypeError, AttributeError) as exc:
            return count, Problem(position, f"malformed entry ({exc})")
        prev = e["hash"]
    return count, None


# --- chains ---------------------------------------------------------------------------------


@pytest.fixture(autouse=True)
def small_batches(monkeypatch: pytest.MonkeyPatch) -> None:
    """Batches of 4 and helpers from the 9th signature: short chains take every path."""
    monkeypatch.setattr(verify, "BATCH", 4)
    monkeypatch.setattr(verify, "PARALLEL_FROM", 8)


def event(rng: random.Random, seq: int) -> dict[str, Any]:
    now = T0 + timedelta(seconds=seq)
    a, b = rng.sample(PARTIES, 2)
    roll = rng.random()
    if roll < 0.45:
        body = {
            "to": [b],
            "priority": "flash",
            "subject": f"sector {seq}",
            "body": "transit at FL250 — keep clear",
            "refs": [],
            "payload": {"lon": rng.uniform(26, 36), "lat": 34.5, "alt_ft": 25000, "kt": 420.0},
        }
        return {
            "type": "message",
            "id": f"m-{seq}",
            "from": a,
            "to": [b],
            "priority": "flash",
            "envelope": sign("message", a, body, PRIVATE[a], now),
        }
    if roll < 0.65:
        body = {"message": f"m-{seq - 1}", "status": "acknowledged"}
        return {
            "type": "receipt",
            "id": f"r-{seq}",
            "message": f"m-{seq - 1}",
            "party": b,
            "status": "acknowledged",
            "envelope": sign("receipt", b, body, PRIVATE[b], now),
        }
    if roll < 0.7:  # a blue-red conflict, as green reads it
        return {"type": "conflict", "redacted": True}
    return {
        "type": "conflict",
        "id": f"c-{seq}",
        "horizontal_distance_m": rng.uniform(0, 9000),
        "vertical_gap_ft": 0.0,
        "worst_point": [rng.uniform(26, 36), 1e-7 * seq],
        "severity": "major",
    }


def audience_of(event: dict[str, Any]) -> list[str]:
    return ["blue", "red"] if event.get("redacted") else list(PARTIES)


def build(n: int, seed: int = 1) -> list[dict[str, Any]]:
    rng = random.Random(seed)
    entries, prev = [], GENESIS
    for seq in range(1, n + 1):
        ev = event(rng, seq)
        e = make_entry(seq, prev, iso(T0 + timedelta(seconds=seq)), ev, audience_of(ev))
        entries.append(e)
        prev = e["hash"]
    return orjson.loads(orjson.dumps(entries))


CHAIN = build(90)
SIGNED = [i for i, e in enumerate(CHAIN) if "envelope" in e["event"]]
SYSTEM = [i for i, e in enumerate(CHAIN) if "horizontal_distance_m" in e["event"]]


def rechain(entries: list[dict[str, Any]], start: int) -> None:
    """Recompute every hash from index `start` on (a forger who controls the server)."""
    prev = entries[start - 1]["hash"] if start else GENESIS
    for i in range(start, len(entries)):
        ev = entries[i]["event"]
        entries[i] = make_entry(i + 1, prev, entries[i]["received_at"], ev, audience_of(ev))
        prev = entries[i]["hash"]


def verdicts(entries: list[dict[str, Any]], keys: dict[str, list[str]] = KEYS) -> set[Any]:
    """Every verifier's verdict on `entries` (one element if they agree)."""
    return {
        repr(oracle(copy.deepcopy(entries), keys)),
        repr(verify_chain(copy.deepcopy(entries), keys, VIEWER)),
        repr(verify.verify_chain(copy.deepcopy(entries), keys, viewer=VIEWER)),
        repr(verify.verify_chain(copy.deepcopy(entries), keys, workers=2, viewer=VIEWER)),
        repr(verify.verify_chain(copy.deepcopy(entries), keys, workers=3, viewer=VIEWER)),
    }


def agree(entries: list[dict[str, Any]], keys: dict[str, list[str]] = KEYS) -> tuple[int, Any]:
    seen = verdicts(entries, keys)
    assert len(seen) == 1, seen
    return oracle(copy.deepcopy(entries), keys)


# --- tamperings -----------------------------------------------------------------------------


def change_body(e: list[dict[str, Any]], i: int) -> None:
    env = e[i]["event"]["envelope"]
    key = "subject" if "subject" in env["body"] else "status"
    env["body"][key] = env["body"][key][:-1] + "X"


def change_float(e: list[dict[str, Any]], i: int) -> None:
    e[i]["event"]["horizontal_distance_m"] += 1e-9


def change_signature(e: list[dict[str, Any]], i: int) -> None:
    sig = e[i]["event"]["envelope"]["signature"]
    e[i]["event"]["envelope"]["signature"] = sig[:10] + ("A" if sig[10] != "A" else "B") + sig[11:]


def stub(e: list[dict[str, Any]], i: int) -> None:
    e[i]["event"] = {"type": e[i]["event"]["type"], "redacted": True}


TAMPERINGS: dict[str, Callable[[list[dict[str, Any]]], Any]] = {
    "a signed message replaced by a placeholder": lambda e: stub(e, SIGNED[20]),
    "one byte of a signed body": lambda e: change_body(e, SIGNED[30]),
    "one byte of a system float": lambda e: change_float(e, SYSTEM[10]),
    "one byte of a signature": lambda e: change_signature(e, SIGNED[25]),
    "received_at": lambda e: e[40].update(received_at=e[40]["received_at"].replace("Z", "+00:00")),
    "content hash": lambda e: e[41].update(content_hash="f" * 64),
    "entry hash": lambda e: e[42].update(hash="0" * 64),
    "delete one": lambda e: e.pop(50),
    "delete the first": lambda e: e.pop(0),
    "delete the last": lambda e: e.pop(),
    "swap two": lambda e: e.insert(61, e.pop(60)),
    "move one far": lambda e: e.insert(20, e.pop(70)),
    "insert a copy": lambda e: e.insert(33, copy.deepcopy(e[32])),
}


@pytest.mark.parametrize("name", TAMPERINGS)
def test_each_tampering_gets_the_plain_verdict(name: str) -> None:
    entries = copy.deepcopy(CHAIN)
    TAMPERINGS[name](entries)
    count, problem = agree(entries)
    if name == "delete the last":  # nothing after it to notice: the chain is just shorter
        assert (count, problem) == (len(entries), None)
    else:
        assert problem is not None


def test_a_sound_chain_verifies_on_every_path() -> None:
    assert agree(CHAIN) == (len(CHAIN), None)
    assert agree(CHAIN[:5]) == (5, None)  # too short for helpers
    assert agree([]) == (0, None)


def test_swapped_signatures_are_caught_at_the_first() -> None:
    entries = copy.deepcopy(CHAIN)
    a, b = SIGNED[12], SIGNED[40]
    ea, eb = entries[a]["event"]["envelope"], entries[b]["event"]["envelope"]
    ea["signature"], eb["signature"] = eb["signature"], ea["signature"]
    rechain(entries, 0)  # hashes made to fit: only the signatures can tell
    count, problem = agree(entries)
    assert count == a + 1 and problem is not None and "bad signature" in problem.reason


def test_a_forged_statement_with_recomputed_hashes_is_caught_by_its_signature() -> None:
    for i in (SIGNED[0], SIGNED[9], SIGNED[-1]):  # in the first batch held here, sent, last
        entries = copy.deepcopy(CHAIN)
        change_body(entries, i)
        rechain(entries, i)
        count, problem = agree(entries)
        assert count == i + 1 and problem is not None and "bad signature" in problem.reason


def test_the_earliest_problem_wins_whatever_finishes_first() -> None:
    # A bad signature far behind a structural break, and the other way round.
    late_break = copy.deepcopy(CHAIN)
    change_body(late_break, SIGNED[20])
    rechain(late_break, SIGNED[20])
    late_break[SIGNED[20] + 30]["prev_hash"] = "1" * 64
    assert agree(late_break)[0] == SIGNED[20] + 1
    early_break = copy.deepcopy(CHAIN)
    change_body(early_break, SIGNED[40])
    rechain(early_break, SIGNED[40])
    early_break[SIGNED[5]]["seq"] = 999
    assert agree(early_break)[0] == SIGNED[5] + 1
    # Two bad signatures: the first is named, however the batches fall.
    two = copy.deepcopy(CHAIN)
    for i in (SIGNED[33], SIGNED[11]):
        change_body(two, i)
    rechain(two, SIGNED[11])
    assert agree(two)[0] == SIGNED[11] + 1


def signed_entry_with(signed_at: str, good_signature: bool) -> list[dict[str, Any]]:
    """The chain with one statement signed at an unreadable time (rightly or wrongly)."""
    entries = copy.deepcopy(CHAIN)
    i = SIGNED[30]
    env = entries[i]["event"]["envelope"]
    env["signed_at"] = signed_at
    if good_signature:
        key = PRIVATE[env["author"]]
        signed = rfc8785.dumps({k: env[k] for k in FIELDS})
        env["signature"] = base64.urlsafe_b64encode(key.sign(signed)).decode()
    rechain(entries, i)
    return entries


def test_a_bad_signature_is_named_before_a_bad_signed_at() -> None:
    _, problem = agree(signed_entry_with("yesterday", good_signature=True))
    assert problem is not None and "signed_at" in problem.reason
    _, problem = agree(signed_entry_with("yesterday", good_signature=False))
    assert problem is not None and "bad signature" in problem.reason


M, S = SIGNED[20], SYSTEM[3]
SPOILS: dict[str, tuple[int, Callable[[dict[str, Any]], Any]]] = {
    "event not an object": (45, lambda e: e.update(event=["not", "an", "object"])),
    "no received_at": (45, lambda e: e.pop("received_at")),
    "no nonce": (M, lambda e: e["event"]["envelope"].pop("nonce")),
    "envelope a string": (M, lambda e: e["event"].update(envelope="a string")),
    "unknown key id": (M, lambda e: e["event"]["envelope"].update(key_id="0" * 16)),
    "unknown author": (M, lambda e: e["event"]["envelope"].update(author="nobody")),
    "signature not ASCII": (M, lambda e: e["event"]["envelope"].update(signature="é!")),
    "signature too short": (M, lambda e: e["event"]["envelope"].update(signature="AAAA")),
    "NaN in a body": (M, lambda e: e["event"]["envelope"]["body"].update(x=float("nan"))),
    "big integer": (M, lambda e: e["event"]["envelope"]["body"].update(big=2**60)),
    "keys UTF-16 sorts apart": (
        S,
        lambda e: e["event"].update(when={"\U0001f600": 1, "\ue000": 2.5}),
    ),
}


@pytest.mark.parametrize("name", SPOILS)
def test_malformed_entries_get_the_plain_reason(name: str) -> None:
    entries = copy.deepcopy(CHAIN)
    at, spoil = SPOILS[name]
    spoil(entries[at])
    # Hashes made to fit where they can be, so that the spoiled part is what shows.
    with contextlib.suppress(KeyError, TypeError, AttributeError, InvalidInput):
        rechain(entries, at)
    count, problem = agree(entries)
    assert count == at + 1 or problem is None


def test_unknown_or_missing_keys() -> None:
    assert agree(CHAIN, {})[1] is not None
    others = {p: [public_text(new_private().public_key())] for p in PARTIES}
    assert agree(CHAIN, others)[1] is not None
    assert agree(CHAIN, {**KEYS, "red": [*others["red"], *KEYS["red"]]}) == (len(CHAIN), None)


def audits(entries: list[dict[str, Any]], keys: dict[str, list[str]]) -> Verdict:
    """The audit's verdict, the same on one core and several."""
    seen = {
        repr(audit(copy.deepcopy(entries), keys, VIEWER)),
        *(
            repr(verify.audit(copy.deepcopy(entries), keys, workers=w, viewer=VIEWER))
            for w in (1, 2, 3)
        ),
    }
    assert len(seen) == 1, seen
    return audit(copy.deepcopy(entries), keys, VIEWER)


def test_an_audit_sets_unknown_keys_aside_and_goes_on() -> None:
    no_red = {p: k for p, k in KEYS.items() if p != "red"}
    red = [i for i in SIGNED if CHAIN[i]["event"]["envelope"]["author"] == "red"]
    verdict = audits(CHAIN, no_red)
    assert (verdict.count, verdict.problem) == (len(CHAIN), None)
    assert [u.seq for u in verdict.unchecked] == [i + 1 for i in red]
    assert all(u.unchecked and "for party 'red'" in u.reason for u in verdict.unchecked)
    assert verify_chain(CHAIN, no_red, VIEWER)[1] == verdict.unchecked[0]  # the strict loop stops
    # Tampering after (and before) an unknown key is still named, as tampering.
    blue = [i for i in SIGNED if CHAIN[i]["event"]["envelope"]["author"] == "blue"]
    late = next(i for i in blue if i > red[3])
    entries = copy.deepcopy(CHAIN)
    change_body(entries, late)
    rechain(entries, late)
    verdict = audits(entries, no_red)
    assert verdict.problem == Problem(
        late + 1,
        f"signature: bad signature on a {entries[late]['event']['envelope']['kind']} by blue",
    )
    assert [u.seq for u in verdict.unchecked] == [i + 1 for i in red if i < late]
    assert audits(CHAIN, {}).unchecked[0].seq == SIGNED[0] + 1


def failing_after(entries: list[dict[str, Any]], n: int) -> Iterator[dict[str, Any]]:
    yield from entries[:n]
    raise InvalidInput("not a JSON line", field=f"export:{n + 1}")


@pytest.mark.parametrize("workers", [1, 2])
def test_a_read_error_is_raised_only_if_all_before_it_verified(workers: int) -> None:
    with pytest.raises(InvalidInput):
        verify.verify_chain(failing_after(CHAIN, 70), KEYS, workers=workers, viewer=VIEWER)
    entries = copy.deepcopy(CHAIN)
    change_body(entries, SIGNED[25])
    rechain(entries, SIGNED[25])
    expected = oracle(failing_after(entries, 70), KEYS)
    assert (
        verify.verify_chain(failing_after(entries, 70), KEYS, workers=workers, viewer=VIEWER)
        == expected
    )


def test_dead_or_missing_helpers_leave_the_work_here(monkeypatch: pytest.MonkeyPatch) -> None:
    entries = copy.deepcopy(CHAIN)
    change_body(entries, SIGNED[35])
    rechain(entries, SIGNED[35])
    expected = oracle(entries, KEYS)
    for executable in ("/bin/false", "/bin/cat", "/nonexistent/python", ""):
        monkeypatch.setattr(sys, "executable", executable)
        assert verify.verify_chain(entries, KEYS, workers=3, viewer=VIEWER) == expected
        assert verify.verify_chain(CHAIN, KEYS, workers=3, viewer=VIEWER) == (len(CHAIN), None)


LIAR = """#!{python}
import sys
from interlock.service.verify_helper import GREETING
sys.stdout.buffer.write(GREETING)
sys.stdout.buffer.flush()
while len(head := sys.stdin.buffer.read(4)) == 4:
    sys.stdin.buffer.read(int.from_bytes(head, "big"))
    sys.stdout.buffer.write(({first}).to_bytes(8, "big", signed=True))
    sys.stdout.buffer.write(({bad}).to_bytes(8, "big", signed=True))
    sys.stdout.buffer.flush()
"""


@pytest.mark.parametrize(
    ("first", "bad"),
    [("10**6", "-1"), ("-1", "-1"), ("10**6", "10**6")],
)
def test_answers_that_fit_no_batch_are_not_believed(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, first: str, bad: str
) -> None:
    liar = tmp_path / "liar"
    liar.write_text(LIAR.format(python=sys.executable, first=first, bad=bad))
    liar.chmod(0o755)
    entries = copy.deepcopy(CHAIN)
    change_body(entries, SIGNED[35])
    rechain(entries, SIGNED[35])
    expected = oracle(entries, KEYS)
    monkeypatch.setattr(sys, "executable", str(liar))
    assert verify.verify_chain(entries, KEYS, workers=2, viewer=VIEWER) == expected


@settings(
    max_examples=20,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    st.lists(
        st.tuples(
            st.sampled_from(
                ["body", "signature", "float", "delete", "swap", "forge", "link", "stub"]
            ),
            st.integers(0, 10_000),
        ),
        min_size=1,
        max_size=3,
    )
)
def test_random_tamperings_get_the_plain_verdict(ops: list[tuple[str, int]]) -> None:
    entries = copy.deepcopy(CHAIN)
    for op, where in ops:
        signed = [i for i, e in enumerate(entries) if "envelope" in e["event"]]
        system = [i for i, e in enumerate(entries) if "horizontal_distance_m" in e["event"]]
        i, s, f = where % len(entries), signed[where % len(signed)], system[where % len(system)]
        if op == "body":
            change_body(entries, s)
        elif op == "signature":
            change_signature(entries, s)
        elif op == "float":
            change_float(entries, f)
        elif op == "delete":
            entries.pop(i)
        elif op == "swap" and i + 1 < len(entries):
            entries[i], entries[i + 1] = entries[i + 1], entries[i]
        elif op == "forge":
            change_body(entries, s)
            rechain(entries, s)
        elif op == "link":
            entries[i]["prev_hash"] = entries[i]["hash"]
        elif op == "stub":  # an event green may read, taken away
            entries[i]["event"] = {"type": entries[i]["event"]["type"], "redacted": True}
    agree(entries)


# --- signatures: libsodium's "yes", OpenSSL's "no" ------------------------------------------


def openssl(raw: bytes, signature: bytes, message: bytes) -> bool:
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

    try:
        Ed25519PublicKey.from_public_bytes(raw).verify(signature, message)
    except (InvalidSignature, ValueError):
        return False
    return True


def public_text_raw(raw: bytes) -> str:
    return "ed25519:" + base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


def test_signature_verdicts_are_openssls() -> None:
    key = new_private()
    raw = public_key(public_text(key.public_key())).raw
    message = b'{"body":"x"}'
    good = key.sign(message)
    identity = bytes([1]) + bytes(31)  # a small-order key: OpenSSL takes a forgery by it
    cases = [
        (raw, good, message),
        (raw, good, message + b" "),
        (raw, good[:63], message),
        (raw, good + b"\x00", message),
        (raw, good[:32] + bytes(32), message),
        (raw, good[:32] + b"\xff" * 32, message),  # S >= L
        (raw, bytes(64), message),
    ]
    for pk, signature, msg in cases:
        verdict = signature_valid(public_key(public_text_raw(pk)), signature, msg)
        assert verdict == openssl(pk, signature, msg), (pk, signature, msg)
    # Where libsodium says no and OpenSSL yes, OpenSSL's verdict stands...
    forged = PublicKey("", Ed25519PublicKey.from_public_bytes(identity), identity)
    assert signature_valid(forged, identity + bytes(32), b"anything at all")
    # ...which is why such a key never gets in: parsing refuses small-order keys.
    with pytest.raises(InvalidInput, match="small order"):
        public_key(public_text_raw(identity))


def test_libsodium_check_agrees_on_a_valid_and_a_changed_message() -> None:
    key = new_private()
    raw = public_key(public_text(key.public_key())).raw
    assert _sodium_valid(raw, key.sign(b"m"), b"m")
    assert not _sodium_valid(raw, key.sign(b"m"), b"n")


# --- the command ----------------------------------------------------------------------------


def test_audit_verify_command_names_the_first_bad_entry(tmp_path: Path) -> None:
    from interlock.cli.main import app
    from interlock.ledger.export import header
    from interlock.model.agreement import load_agreement

    agreement = tmp_path / "agreement.toml"
    lines = ['name = "test"']
    for p, texts in KEYS.items():
        lines += ["[[parties]]", f'id = "{p}"', f"public_keys = {orjson.dumps(texts).decode()}"]
    agreement.write_text("\n".join(lines) + "\n")
    export = tmp_path / "ledger.jsonl"
    runner = CliRunner()
    args = ["audit", "verify", "--file", str(export), "--agreement", str(agreement)]
    terms = load_agreement(agreement).to_dict()

    def write(entries: list[dict[str, Any]]) -> None:  # as green's view
        top = header(terms, len(entries), entries[-1]["hash"], VIEWER)
        export.write_bytes(b"".join(orjson.dumps(e) + b"\n" for e in [top, *entries]))

    write(CHAIN)
    for workers in ("0", "1", "2"):
        out = runner.invoke(app, [*args, "--workers", workers])
        assert out.exit_code == 0 and f"OK {len(CHAIN)} entries" in out.output, out.output
    entries = copy.deepcopy(CHAIN)
    change_body(entries, SIGNED[40])
    rechain(entries, SIGNED[40])
    write(entries)
    for workers in ("0", "1", "2"):
        out = runner.invoke(app, [*args, "--workers", workers])
        assert out.exit_code == 1, out.output
        assert f"at entry {SIGNED[40] + 1}: signature: bad signature" in out.output


# --- receipts bound to the log (issue 16, step 3): plain loop and parallel paths agree ------


def _leaf(e: dict[str, Any]) -> bytes:
    return merkle.leaf_hash(bytes.fromhex(e["hash"]))


def _root_text(entries: list[dict[str, Any]], size: int) -> str:
    """The root at `size` by the RFC's recursion (not the audit's stored subtrees)."""
    return base64.b64encode(merkle.root_of([_leaf(e) for e in entries[:size]])).decode()


def bound_chain(n: int, seed: int = 7) -> list[dict[str, Any]]:
    """Messages, system events and receipts, each receipt signed with a checkpoint its
    party could have verified: some size from its message's entry to the entry before it."""
    rng = random.Random(seed)
    entries: list[dict[str, Any]] = []
    messages: list[tuple[str, int, str]] = []  # (id, seq, addressee)
    for seq in range(1, n + 1):
        now = T0 + timedelta(seconds=seq)
        roll = rng.random()
        if messages and roll < 0.4:
            mid, at, to = rng.choice(messages)
            size = rng.randint(at, seq - 1)
            body = {
                "message": mid,
                "status": "delivered",
                "checkpoint": {"size": size, "root": _root_text(entries, size)},
            }
            ev: dict[str, Any] = {
                "type": "receipt",
                "message": mid,
                "party": to,
                "status": "delivered",
                "envelope": sign("receipt", to, body, PRIVATE[to], now),
            }
        elif roll < 0.75:
            a, b = rng.sample(PARTIES, 2)
            body = {"to": [b], "priority": "urgent", "subject": f"s{seq}", "refs": []}
            ev = {
                "type": "message",
                "id": f"m-{seq}",
                "from": a,
                "to": [b],
                "priority": "urgent",
                "envelope": sign("message", a, body, PRIVATE[a], now),
            }
            messages.append((f"m-{seq}", seq, b))
        else:
            ev = {"type": "channel", "party": rng.choice(PARTIES), "state": "up"}
        prev = entries[-1]["hash"] if entries else GENESIS
        entries.append(make_entry(seq, prev, iso(now), ev))
    return orjson.loads(orjson.dumps(entries))


BOUND = bound_chain(80)
BOUND_RECEIPTS = [i for i, e in enumerate(BOUND) if e["event"]["type"] == "receipt"]


def every_verdict(entries: list[dict[str, Any]]) -> tuple[int, Problem | None]:
    """The plain loop's verdict, asserted equal on every path (strict and audit)."""
    strict = {
        repr(verify_chain(copy.deepcopy(entries), KEYS)),
        *(repr(verify.verify_chain(copy.deepcopy(entries), KEYS, workers=w)) for w in (1, 2, 3)),
    }
    assert len(strict) == 1, strict
    verdict = audits(entries, KEYS)
    result = verify_chain(copy.deepcopy(entries), KEYS)
    assert (verdict.count, verdict.problem) == result
    return result


def test_bound_receipts_verify_on_every_path() -> None:
    assert len(BOUND_RECEIPTS) > 15
    assert every_verdict(BOUND) == (len(BOUND), None)


def test_a_rewritten_history_is_caught_by_the_first_receipt_bound_after_it() -> None:
    """The server rewrites an unsigned entry and rehashes everything after it: every link
    and signature holds, but a receipt signed against the old history names the forgery."""
    system = [i for i, e in enumerate(BOUND) if e["event"]["type"] == "channel"]
    for i in (system[0], system[len(system) // 2]):
        entries = copy.deepcopy(BOUND)
        entries[i]["event"]["state"] = "down"
        rechain(entries, i)
        first = next(
            k
            for k in BOUND_RECEIPTS
            if k > i and BOUND[k]["event"]["envelope"]["body"]["checkpoint"]["size"] > i
        )
        count, problem = every_verdict(entries)
        assert count == first + 1 and problem is not None, problem
        assert problem.reason.startswith("receipt's checkpoint is not this log's: its root")


def _forge_receipt(entries: list[dict[str, Any]], k: int, checkpoint: Any) -> None:
    """A receipt its party signed with `checkpoint` (a server that took it; rehashed)."""
    ev = entries[k]["event"]
    body = {**ev["envelope"]["body"], "checkpoint": checkpoint}
    ev["envelope"] = sign("receipt", ev["party"], body, PRIVATE[ev["party"]], T0)
    rechain(entries, k)


def test_a_receipt_bound_to_another_log_is_named_on_every_path() -> None:
    k = BOUND_RECEIPTS[len(BOUND_RECEIPTS) // 2]
    ev = BOUND[k]["event"]
    at = next(e["seq"] for e in BOUND if e["event"].get("id") == ev["message"])
    cases = {
        "its root": {"size": k, "root": _root_text(BOUND, k - 1)},  # another size's root
        f"size {k + 1}, but {k} entries": {"size": k + 1, "root": _root_text(BOUND, k)},
        f"size {at - 1} does not include message {ev['message']} (ledger entry {at})": {
            "size": at - 1,
            "root": _root_text(BOUND, at - 1),
        },
        "checkpoint.root: not standard base64": {"size": k, "root": "#"},
    }
    for expected, checkpoint in cases.items():
        entries = copy.deepcopy(BOUND)
        _forge_receipt(entries, k, checkpoint)
        count, problem = every_verdict(entries)
        assert count == k + 1 and problem is not None
        assert problem.reason.startswith("receipt's checkpoint is not this log's: ")
        assert expected in problem.reason, (expected, problem.reason)
    # Exactly at the entry before the receipt, and exactly at the message: both hold
    # (the receipts after it were bound to the old hashes: they are cut off).
    for size in (k, at):
        entries = copy.deepcopy(BOUND[: k + 1])
        _forge_receipt(entries, k, {"size": size, "root": _root_text(BOUND, size)})
        assert every_verdict(entries) == (k + 1, None)


def test_a_bad_signature_is_named_before_a_bad_checkpoint() -> None:
    k = BOUND_RECEIPTS[3]
    entries = copy.deepcopy(BOUND)
    _forge_receipt(entries, k, {"size": k + 5, "root": _root_text(BOUND, k)})
    change_signature(entries, k)
    rechain(entries, k)
    count, problem = every_verdict(entries)
    assert count == k + 1 and problem is not None and "bad signature" in problem.reason
