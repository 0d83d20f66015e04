"""Standard phrases from the CLI: `hotline send --phrase CODE --arg SLOT=VALUE` signs and
sends one; `hotline inbox --lang` reads it in the reader's language (default from LANG),
the free text as written; the record with it verifies in `audit verify`."""

from __future__ import annotations

import json

from tests import pg
from tests.cli.test_hotline_cli import Deployment, deployment, run, run_all, sent_id

__all__ = ["deployment"]  # the module's server (one per module), shared with the hotline tests

UNTIL = "2030-01-01T09:30:00Z"


def test_send_a_phrase_and_read_it_in_russian_and_english(deployment: Deployment) -> None:
    blue, red = deployment.env("blue"), deployment.env("red")
    mid = sent_id(
        run(
            "hotline", "send", "--to", "red", "--phrase", "request_hold",
            "--arg", "notice=n-77aa", "--arg", f"until={UNTIL}",
            "--body", "Tanker AMBER 1 still on station", env=blue,
        )
    )  # fmt: skip
    before = deployment.ledger()
    phrase = ("hotline", "send", "--to", "red", "--phrase")
    ru, en, by_lang_env, as_json, unknown, missing, extra = run_all(
        [
            (("hotline", "inbox", "--lang", "ru"), red),
            (("hotline", "inbox"), {**red, "LANG": "en_GB.UTF-8"}),
            (("hotline", "inbox"), {**red, "LANG": "ru_RU.UTF-8", "LC_ALL": ""}),
            (("hotline", "inbox", "--json"), red),
            ((*phrase, "HOLD_FIRE"), blue),
            ((*phrase, "REQUEST_HOLD", "--arg", "notice=n-1"), blue),
            ((*phrase, "WILCO", "--arg", "x=1"), blue),
        ]
    )  # fmt: skip
    for out in (ru, en, by_lang_env, as_json):
        assert out.returncode == 0, out.stderr
    flat = lambda out: " ".join(out.stdout.replace("│", " ").split())  # noqa: E731
    assert "Прошу приостановить деятельность по уведомлению n-77aa до 2030-01-01 09:30Z" in flat(ru)
    assert "Request you hold the activity of notice n-77aa until 2030-01-01 09:30Z" in flat(en)
    assert "Прошу приостановить" in flat(by_lang_env)
    mine = next(m for m in json.loads(as_json.stdout) if m["id"] == mid)
    assert mine["phrase"] == {"code": "REQUEST_HOLD", "args": {"notice": "n-77aa", "until": UNTIL}}
    assert mine["subject"] == "REQUEST_HOLD" and mine["body"] == "Tanker AMBER 1 still on station"
    # Bad phrases: exit 2 naming the field, nothing sent.
    for out, field in (
        (unknown, "phrase.code"),
        (missing, "phrase.args.until"),
        (extra, "phrase.args.x"),
    ):
        assert out.returncode == 2 and field in out.stderr, out.stderr
    assert deployment.ledger() == before
    # The record, phrase and all, verifies.
    audit = run(
        "audit", "verify", str(deployment.directory), env=pg.child_env(deployment.directory)
    )
    assert audit.returncode == 0 and "OK" in audit.stdout, audit.stdout + audit.stderr
