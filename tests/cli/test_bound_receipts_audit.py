"""`interlock audit verify` and receipts bound to the log (issue 16, step 3), as a
server's operator would forge: behind the store's back, on whichever engine it is.

A party's receipt signs the checkpoint (size, root) its client had verified. A server
that rewrites an earlier entry it wrote itself and rehashes everything after it leaves
every link and every signature valid, and before receipts were bound it verified; now the
first receipt signed against the old history names the forgery. Rewriting the receipt's
own checkpoint breaks its signature. Both exit 1 naming the entry, from the deployment
directory and from an export.
"""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import create_engine, text
from tests.conftest import circle, deployment_env
from typer.testing import CliRunner, Result

from interlock.cli.audit import EXIT_TAMPERED
from interlock.cli.main import app
from interlock.ledger.chain import GENESIS, make_entry
from interlock.ledger.envelope import sign
from interlock.ledger.keys import read_private
from interlock.model.agreement import EXAMPLE_AGREEMENT
from interlock.service.bootstrap import init_with_keys, open_services
from interlock.store import open_store
from interlock.store.postgres import engine_url

runner = CliRunner()


def _now() -> datetime:
    return datetime.now(UTC)


@pytest.fixture
def deployment(tmp_path: Path) -> tuple[Path, int]:
    """An unsigned notice (an entry the server wrote alone), a message, and red's two
    receipts each bound to the checkpoint the log had signed; returns the directory and
    the seq of the acknowledgement."""
    directory = tmp_path / "deploy"
    _, _, key_files = init_with_keys(directory, EXAMPLE_AGREEMENT)
    keys = {p: read_private(f) for p, f in key_files.items()}
    services = open_services(directory)
    start = _now().replace(microsecond=0) + timedelta(hours=3)
    services.notices.submit("blue", circle(20.0, 60.0, start=start))
    body = {"to": ["red"], "priority": "urgent", "subject": "transit", "body": "FL250"}
    sent = services.hotline.send("blue", sign("message", "blue", body, keys["blue"], _now()))
    seq = 0
    for status in ("delivered", "acknowledged"):
        head = services.log.checkpoint()
        receipt = {
            "message": sent["id"],
            "status": status,
            "checkpoint": {"size": head["size"], "root": head["root"]},
        }
        env = sign("receipt", "red", receipt, keys["red"], _now())
        seq = services.hotline.receipt("red", sent["id"], env)["seq"]
    services.notices.submit("blue", circle(21.0, 60.0, start=start))
    services.notices.store.close()
    return directory, seq


def verify_dir(directory: Path) -> Result:
    env = {"COLUMNS": "300", **deployment_env(directory)}
    return runner.invoke(app, ["audit", "verify", str(directory)], env=env)


def tampered_at(out: Result) -> tuple[int, str]:
    assert out.exit_code == EXIT_TAMPERED, out.output
    found = re.search(r"TAMPERED at entry (\d+): (.*)", out.output)
    assert found is not None, out.output
    return int(found.group(1)), found.group(2)


def _rows(directory: Path) -> tuple[str, list[dict[str, Any]]]:
    store = open_store(deployment_env(directory).get("INTERLOCK_DB") or directory / "interlock.db")
    url, entries = store.url, list(store.ledger_entries())
    store.close()
    return url, entries


def rewrite(directory: Path, change: Any) -> None:
    """The operator's forgery: `change(entries)` edits events in place; every entry from
    the first changed one on is rehashed and written back, so every link holds."""
    url, entries = _rows(directory)
    before = [json.dumps(e["event"], sort_keys=True) for e in entries]
    change(entries)
    first = next(
        i for i, e in enumerate(entries) if json.dumps(e["event"], sort_keys=True) != before[i]
    )
    prev = entries[first - 1]["hash"] if first else GENESIS
    engine = create_engine(engine_url(url) if url.startswith("postgres") else url)
    with engine.begin() as db:
        for i in range(first, len(entries)):
            old = entries[i]
            e = make_entry(i + 1, prev, old["received_at"], old["event"], old["audience"])
            db.execute(
                text(
                    "UPDATE ledger SET prev_hash = :p, content_hash = :c, hash = :h, event = :e "
                    "WHERE seq = :s"
                ),
                {"p": e["prev_hash"], "c": e["content_hash"], "h": e["hash"],
                 "e": json.dumps(e["event"]), "s": e["seq"]},
            )  # fmt: skip
            prev = e["hash"]
    engine.dispose()


def _notice(entries: list[dict[str, Any]]) -> dict[str, Any]:
    return next(e for e in entries if e["event"]["type"] == "notice_version")["event"]


def test_bound_receipts_verify(deployment: tuple[Path, int]) -> None:
    directory, _ = deployment
    out = verify_dir(directory)
    assert out.exit_code == 0 and "OK" in out.output, out.output


def test_a_rewritten_history_is_named_at_the_first_receipt_bound_to_it(
    deployment: tuple[Path, int], tmp_path: Path
) -> None:
    directory, _ = deployment
    _, entries = _rows(directory)
    delivered = next(e["seq"] for e in entries if e["event"]["type"] == "receipt")

    def move_the_notice(entries: list[dict[str, Any]]) -> None:
        _notice(entries)["feature"]["properties"]["start"] = "2031-01-01T00:00:00Z"

    rewrite(directory, move_the_notice)
    at, reason = tampered_at(verify_dir(directory))
    assert at == delivered
    assert reason.startswith("receipt's checkpoint is not this log's: its root")
    # The same from an export, checked with nothing else.
    export = tmp_path / "ledger.jsonl"
    made = runner.invoke(
        app, ["audit", "export", str(directory), str(export)], env=deployment_env(directory)
    )
    assert made.exit_code == 0, made.output
    out = runner.invoke(app, ["audit", "verify", "--file", str(export)], env={"COLUMNS": "300"})
    assert tampered_at(out) == (at, reason)


def test_a_receipts_own_checkpoint_rewritten_breaks_its_signature(
    deployment: tuple[Path, int],
) -> None:
    directory, ack = deployment

    def shrink(entries: list[dict[str, Any]]) -> None:
        cp = entries[ack - 1]["event"]["envelope"]["body"]["checkpoint"]
        cp["size"] -= 1

    rewrite(directory, shrink)
    at, reason = tampered_at(verify_dir(directory))
    assert at == ack and "bad signature on a receipt by red" in reason


def test_a_receipt_the_server_took_against_another_size_is_named(
    deployment: tuple[Path, int],
) -> None:
    """Red's own key signs a checkpoint whose size is not the root's (as a server that
    skipped its check would have stored it): the audit recomputes the root and names it."""
    directory, ack = deployment
    red = read_private(directory / "keys" / "red.key")

    def resign(entries: list[dict[str, Any]]) -> None:
        ev = entries[ack - 1]["event"]
        body = ev["envelope"]["body"]
        body["checkpoint"]["size"] -= 1  # the root stays that of the bigger tree
        ev["envelope"] = sign("receipt", "red", body, red, _now())

    rewrite(directory, resign)
    at, reason = tampered_at(verify_dir(directory))
    assert at == ack
    assert reason.startswith("receipt's checkpoint is not this log's: its root")
