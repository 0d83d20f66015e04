"""`interlock keys new PARTY --register DIR`: the public key goes into the deployment's
agreement.toml as the party's, nothing else in the file changes (comments kept), the
agreement hash it prints is the one the log then signs under, and a party that has a key,
an unknown party or a file it cannot edit safely is refused with nothing written."""

from __future__ import annotations

import difflib
import re
from pathlib import Path

from tests.conftest import T0
from typer.testing import CliRunner, Result

from interlock.cli.main import app
from interlock.codec.canonical import digest
from interlock.ledger.envelope import sign, verify
from interlock.ledger.keys import read_private
from interlock.model.agreement import load_agreement
from interlock.service.bootstrap import init_directory
from interlock.service.log import log_origin

runner = CliRunner()


def keys_new(*args: str) -> Result:
    return runner.invoke(app, ["keys", "new", *args], env={"COLUMNS": "200"})


def public_in(result: Result) -> str:
    assert result.exit_code == 0, result.output
    path = re.search(r"private key: (\S+)", result.output)
    assert path is not None
    from interlock.codec.keys import public_text

    return public_text(read_private(Path(path.group(1))).public_key())


def test_register_lists_the_key_and_keeps_the_rest(tmp_path: Path) -> None:
    d = tmp_path / "theatre"
    init_directory(d)
    toml = d / "agreement.toml"
    before_text = toml.read_text()
    before_hash = digest(load_agreement(toml).to_dict())

    ok = keys_new("blue", "--register", str(d), "--out", str(tmp_path / "blue.key"))
    public = public_in(ok)
    after = load_agreement(toml)
    assert after.party("blue").public_keys == (public,)
    assert after.party("red").public_keys == ()
    changed = [
        line
        for line in difflib.ndiff(before_text.splitlines(), toml.read_text().splitlines())
        if line[:2] in ("- ", "+ ")
    ]
    assert changed == ["- public_keys = []", f'+ public_keys = ["{public}"]'], changed
    after_hash = digest(after.to_dict())
    assert f"was {before_hash}" in ok.output and f"now {after_hash}" in ok.output
    assert log_origin(after) in ok.output  # the origin the restarted server's log signs as
    # the registered key's signatures verify against the agreement
    env = sign("message", "blue", {"hi": 1}, read_private(tmp_path / "blue.key"), T0)
    verify(env, {p.id: list(p.public_keys) for p in after.parties}, T0)

    # blue has a key now: refused without --replace; nothing written
    text = toml.read_text()
    again = keys_new("blue", "--register", str(d), "--out", str(tmp_path / "blue2.key"))
    assert again.exit_code == 2 and "--replace" in again.output
    assert toml.read_text() == text and not (tmp_path / "blue2.key").exists()
    replaced = keys_new(
        "blue", "--register", str(d), "--replace", "--out", str(tmp_path / "blue2.key")
    )
    assert load_agreement(toml).party("blue").public_keys == (public_in(replaced),)

    for refused, why in [
        (keys_new("green", "--register", str(d), "--out", str(tmp_path / "g.key")), "'green'"),
        (keys_new("red", "--replace", "--out", str(tmp_path / "g.key")), "--register"),
        (
            keys_new("red", "--register", str(tmp_path / "none"), "--out", str(tmp_path / "g.key")),
            "agreement",
        ),
    ]:
        assert refused.exit_code == 2 and why in refused.output, refused.output
    assert not (tmp_path / "g.key").exists()


def test_register_edits_other_layouts_or_refuses(tmp_path: Path) -> None:
    d = tmp_path / "d"
    d.mkdir()
    toml = d / "agreement.toml"
    # a multi-line key list, single quotes, a trailing comment: edited, comments kept
    toml.write_text(
        "# ours\n[[parties]]\nid = 'blue'  # the air force\nname = \"Blue\"\n"
        'public_keys = [\n  # none yet\n]\n\n[[parties]]\nid = "red"\n'
    )
    public = public_in(keys_new("blue", "--register", str(d), "--out", str(tmp_path / "b.key")))
    assert load_agreement(toml).party("blue").public_keys == (public,)
    assert "# ours" in toml.read_text() and "# the air force" in toml.read_text()
    # parties as an inline array: not edited blind; told to do it by hand, nothing written
    inline = 'parties = [{id = "blue", name = "B"}, {id = "red", name = "R"}]\n'
    toml.write_text(inline)
    hand = keys_new("blue", "--register", str(d), "--out", str(tmp_path / "c.key"))
    assert hand.exit_code == 2 and "by hand" in hand.output and "public_keys = [" in hand.output
    assert toml.read_text() == inline and not (tmp_path / "c.key").exists()
