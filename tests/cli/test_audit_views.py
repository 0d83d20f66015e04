"""Whose view an export is, and what a tamperer can no longer slip past `audit verify`.

A three-party deployment (blue and red conflict and talk on the hotline; green reads
their traffic as stubs) is exported whole and as each party's view, through the CLI;
each test edits a copy as a tamperer would: exit 1 naming the entry, 0 untouched.
"""

from __future__ import annotations

import copy
import stat
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import orjson
import pytest
from tests.cli.test_audit_export import cli, signed_by, tampered, verify, write
from tests.conftest import circle, signed_notice

from interlock.cli.audit import EXIT_TAMPERED
from interlock.codec.canonical import digest
from interlock.ledger.chain import GENESIS, entry_hash
from interlock.ledger.envelope import sign
from interlock.ledger.keys import read_private
from interlock.model.agreement import EXAMPLE_AGREEMENT
from interlock.service.bootstrap import init_with_keys, open_services
from interlock.service.disclosure import Discloser
from interlock.store.sqlite import FILE_MODE

THREE = EXAMPLE_AGREEMENT.replace(
    '[[parties]]\nid = "red"',
    '[[parties]]\nid = "green"\nname = "Green navy"\npublic_keys = []\n\n[[parties]]\nid = "red"',
)


def make_deployment(directory: Path) -> None:
    _, _, key_files = init_with_keys(directory, THREE)
    keys = {p: read_private(f) for p, f in key_files.items()}
    services = open_services(directory)
    notices, hotline = services.notices, services.hotline
    start = datetime.now(UTC).replace(microsecond=0) + timedelta(hours=3)

    def now() -> datetime:
        return datetime.now(UTC)

    recce = circle(20.0, 60.0, start=start, purpose="recce", callsign="HAWK1")
    notices.submit("blue", signed_notice("blue", keys["blue"], recce, now()))
    notices.submit(
        "red", signed_notice("red", keys["red"], circle(20.02, 60.0, start=start), now())
    )
    body = {"to": ["red"], "priority": "urgent", "subject": "transit", "body": "FL250"}
    sent = hotline.send("blue", sign("message", "blue", body, keys["blue"], now()))
    receipt = {"message": sent["id"], "status": "acknowledged"}
    hotline.receipt("red", sent["id"], sign("receipt", "red", receipt, keys["red"], now()))
    notices.submit("green", circle(30.0, 40.0, start=start, purpose="exercise", unit="FFG-1"))
    services.store.close()


@pytest.fixture
def deployment(tmp_path: Path) -> Path:  # per test: on PostgreSQL, each test has its database
    directory = tmp_path / "deploy"
    make_deployment(directory)
    return directory


def export(directory: Path, to: Path, *party: str) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    out = cli("export", str(directory), str(to), *(("--party", party[0]) if party else ()))
    assert out.exit_code == 0, out.output
    lines = [orjson.loads(line) for line in to.read_bytes().splitlines()]
    return lines[0], lines[1:]


def rehash(header: dict[str, Any], entries: list[dict[str, Any]], start: int) -> dict[str, Any]:
    """A forger's work: every content and entry hash from index `start` on recomputed
    (audience kept), and the header's head to match; the header returned."""
    prev = entries[start - 1]["hash"] if start else GENESIS
    for e in entries[start:]:
        if e["event"].get("redacted") is not True:
            e["content_hash"] = digest(e["event"])
        e["prev_hash"] = prev
        e["hash"] = entry_hash(e["seq"], prev, e["received_at"], e["content_hash"], e["audience"])
        prev = e["hash"]
    return {**header, "head": prev}


def seq_of(entries: list[dict[str, Any]], kind: str, **match: Any) -> int:
    return next(
        e["seq"]
        for e in entries
        if e["event"]["type"] == kind and all(e["event"].get(k) == v for k, v in match.items())
    )


def test_the_whole_record_and_every_partys_view_verify(deployment: Path, tmp_path: Path) -> None:
    header, entries = export(deployment, tmp_path / "all.jsonl")
    assert header["party"] is None and not any(e["event"].get("redacted") for e in entries)
    out = verify(tmp_path / "all.jsonl")
    assert out.exit_code == 0 and f"OK {len(entries)} entries" in out.output, out.output
    for party in ("blue", "red", "green"):
        file = tmp_path / f"{party}.jsonl"
        head, view = export(deployment, file, party)
        assert head["party"] == party and head["head"] == header["head"]
        out = verify(file)
        assert out.exit_code == 0 and f"the view of {party}" in out.output, out.output
        assert verify(file, "--party", party).exit_code == 0
        # A stub exactly where the party is outside the audience; the heads are the same.
        for whole, seen in zip(entries, view, strict=True):
            assert bool(seen["event"].get("redacted")) == (party not in whole["audience"])
            assert {k: seen[k] for k in ("seq", "hash", "audience", "content_hash")} == {
                k: whole[k] for k in ("seq", "hash", "audience", "content_hash")
            }
    green = (tmp_path / "green.jsonl").read_text()
    assert "recce" not in green and "FL250" not in green and "exercise" in green
    _, view = export(deployment, tmp_path / "green.jsonl", "green")
    conflict = seq_of(entries, "conflict")
    assert view[conflict - 1]["event"] == {"type": "conflict", "redacted": True}
    # The view says whose it is: verifying it as another party's is refused.
    assert "not red" in tampered(
        verify(tmp_path / "green.jsonl", "--party", "red"), "in the header"
    )


def test_a_placeholder_substituted_in_the_whole_record_is_named(
    deployment: Path, tmp_path: Path
) -> None:
    header, entries = export(deployment, tmp_path / "all.jsonl")
    for kind in ("message", "notice_version", "conflict", "receipt"):
        at = seq_of(entries, kind)
        e = copy.deepcopy(entries)
        e[at - 1]["event"] = {"type": kind, "redacted": True}
        reason = tampered(verify(write(tmp_path / kind, header, e)), f"at entry {at}")
        assert "redacted placeholder in a full record" in reason


def test_a_stub_where_the_party_is_in_the_audience_is_named(
    deployment: Path, tmp_path: Path
) -> None:
    header, view = export(deployment, tmp_path / "red.jsonl", "red")
    message = seq_of(view, "message")
    e = copy.deepcopy(view)
    e[message - 1]["event"] = {"type": "message", "redacted": True}
    e[message - 1].pop("openings", None)
    reason = tampered(verify(write(tmp_path / "a", header, e)), f"at entry {message}")
    assert "yet red is in its audience" in reason
    # ...nor by narrowing the audience to leave red out: the audience is in the hash.
    e[message - 1]["audience"] = ["blue"]
    reason = tampered(verify(write(tmp_path / "b", header, e)), f"at entry {message}")
    assert "entry hash mismatch" in reason
    # ...nor by calling red's view green's: green is in the audience of blue's notice.
    notice = seq_of(view, "notice_version", party="blue")
    e = copy.deepcopy(view)
    e[notice - 1]["event"] = {"type": "notice_version", "redacted": True}
    reason = tampered(verify(write(tmp_path / "c", {**header, "party": "green"}, e)),
                      f"at entry {notice}")  # fmt: skip
    assert "yet green is in its audience" in reason
    # ...nor by dressing the stub as an entry from before audiences, the chain rehashed.
    header, view = export(deployment, tmp_path / "green.jsonl", "green")
    mine = seq_of(view, "notice_version", party="green")
    assert mine > 1
    view[mine - 1]["event"] = {"type": "notice_version", "redacted": True}
    del view[mine - 1]["audience"]
    prev = view[mine - 2]["hash"]
    for e in view[mine - 1 :]:
        e["prev_hash"] = prev
        e["hash"] = entry_hash(
            e["seq"], prev, e["received_at"], e["content_hash"], e.get("audience")
        )
        prev = e["hash"]
    reason = tampered(verify(write(tmp_path / "d", {**header, "head": prev}, view)),
                      f"at entry {mine}")  # fmt: skip
    assert "no audience, after entries that have one" in reason


def test_a_rewritten_signed_notice_rehashed_is_named(deployment: Path, tmp_path: Path) -> None:
    header, entries = export(deployment, tmp_path / "all.jsonl")
    at = seq_of(entries, "notice_version", party="blue")
    assert at in signed_by(entries, "blue")
    e = copy.deepcopy(entries)
    feature = e[at - 1]["event"]["feature"]
    feature["geometry"]["coordinates"] = [21.0, 61.0]
    start = datetime.fromisoformat(feature["properties"]["start"]) - timedelta(hours=2)
    feature["properties"]["start"] = start.isoformat().replace("+00:00", "Z")
    forged = rehash(header, e, at - 1)
    reason = tampered(verify(write(tmp_path / "a", forged, e)), f"at entry {at}")
    assert "recorded notice differs from the signed one (feature)" in reason
    # Its version or id relabelled, rehashed: named as well.
    e = copy.deepcopy(entries)
    e[at - 1]["event"]["version"] = 2
    reason = tampered(verify(write(tmp_path / "b", rehash(header, e, at - 1), e)), f"at entry {at}")
    assert "recorded notice differs from the signed one (version)" in reason


def test_an_opening_that_does_not_match_is_named(deployment: Path, tmp_path: Path) -> None:
    header, entries = export(deployment, tmp_path / "all.jsonl")
    for party, field in (("blue", "purpose"), ("green", "unit")):  # signed; server-made
        at = seq_of(entries, "notice_version", party=party)
        e = copy.deepcopy(entries)
        assert set(e[at - 1]["event"]["feature"]["properties"][field]) == {"sha256"}
        e[at - 1]["openings"][field]["value"] = "something else"
        reason = tampered(verify(write(tmp_path / party, header, e)), f"at entry {at}")
        assert f"opening of field '{field}' does not match its commitment" in reason
    # The owner's view carries the same openings, checked the same way.
    header, view = export(deployment, tmp_path / "blue.jsonl", "blue")
    at = seq_of(view, "notice_version", party="blue")
    assert view[at - 1]["openings"]["purpose"]["value"] == "recce"
    view[at - 1]["openings"]["purpose"]["salt"] = "A" * 43
    reason = tampered(verify(write(tmp_path / "v", header, view)), f"at entry {at}")
    assert "'purpose' does not match" in reason


def test_a_disclosed_field_verifies_and_a_false_one_is_named(tmp_path: Path) -> None:
    directory = tmp_path / "deploy"
    make_deployment(directory)
    services = open_services(directory)
    _, entries = export(directory, tmp_path / "before.jsonl")
    at = seq_of(entries, "notice_version", party="blue")
    discloser = Discloser(services.store, services.agreement, services.clock)
    from interlock.errors import Forbidden, InvalidInput

    with pytest.raises(Forbidden):
        discloser.disclose("red", at, "purpose")  # only the owner
    with pytest.raises(InvalidInput, match="field"):
        discloser.disclose("blue", at, "callsign")  # others see it: never committed
    done = discloser.disclose("blue", at, "purpose")
    services.store.close()
    assert done["event"]["opening"]["value"] == "recce" and done["audience"] == [
        "blue",
        "green",
        "red",
    ]
    header, view = export(directory, tmp_path / "green.jsonl", "green")
    assert view[-1]["event"]["opening"]["value"] == "recce"  # green reads it now
    assert verify(tmp_path / "green.jsonl").exit_code == 0
    view[-1]["event"]["opening"]["value"] = "strike"
    forged = rehash(header, view, len(view) - 1)
    reason = tampered(verify(write(tmp_path / "x", forged, view)), f"at entry {len(view)}")
    assert f"disclosure of entry {at}: opening of field 'purpose' does not match" in reason


def test_exports_are_mode_0600(deployment: Path, tmp_path: Path) -> None:
    for name, party in (("all.jsonl", ()), ("red.jsonl", ("red",))):
        (tmp_path / name).write_text("an older file, world-readable\n")
        (tmp_path / name).chmod(0o644)
        export(deployment, tmp_path / name, *party)
        assert stat.S_IMODE((tmp_path / name).stat().st_mode) == 0o600


@pytest.mark.sqlite_only
def test_the_database_and_its_wal_are_mode_0600(tmp_path: Path) -> None:
    from interlock.store import open_store

    store = open_store(tmp_path / "new.db")
    with store.write() as tx:
        tx.append_ledger("channel", None, {"type": "channel"}, "2030-01-01T00:00:00Z", ["a"])
    files = sorted(p.name for p in tmp_path.iterdir())
    assert {"new.db", "new.db-wal", "new.db-shm"} <= set(files), files
    for name in files:
        assert stat.S_IMODE((tmp_path / name).stat().st_mode) == FILE_MODE == 0o600, name
    store.close()
    # A store made before (world-readable) is narrowed when opened.
    (tmp_path / "new.db").chmod(0o644)
    open_store(tmp_path / "new.db").close()
    assert stat.S_IMODE((tmp_path / "new.db").stat().st_mode) == 0o600


def test_the_export_command_refuses_an_unknown_party(deployment: Path, tmp_path: Path) -> None:
    out = cli("export", str(deployment), str(tmp_path / "x.jsonl"), "--party", "purple")
    assert out.exit_code == 2 and "purple" in out.output, out.output
    assert not (tmp_path / "x.jsonl").exists()
    assert EXIT_TAMPERED == 1
