"""`interlock keys new`, and public keys in the agreement."""

from __future__ import annotations

import re
import stat
import subprocess
import sys
from pathlib import Path

import pytest
from tests.conftest import T0

from interlock.errors import InvalidInput
from interlock.ledger.envelope import sign, verify
from interlock.ledger.keys import read_private
from interlock.model.agreement import load_agreement

CLI = [sys.executable, "-m", "interlock.cli", "keys", "new"]


def test_new_key_file_and_public_key_into_the_agreement(tmp_path: Path) -> None:
    path = tmp_path / "blue.key"
    out = subprocess.run(
        [*CLI, "blue", "--out", str(path)],
        capture_output=True,
        text=True,
        env={"COLUMNS": "200", "PATH": "/usr/bin:/bin"},
    )
    assert out.returncode == 0, out.stderr
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert "[[parties]]" in out.stdout
    public = re.search(r'public_keys = \["(ed25519:[A-Za-z0-9_-]+)"\]', out.stdout)
    assert public is not None
    agreement = tmp_path / "agreement.toml"
    agreement.write_text(
        f'[[parties]]\nid = "blue"\npublic_keys = ["{public.group(1)}"]\n[[parties]]\nid = "red"\n'
    )
    keys = {p.id: list(p.public_keys) for p in load_agreement(agreement).parties}
    env = sign("message", "blue", {"hello": 1}, read_private(path), T0)
    assert verify(env, keys).author == "blue"
    again = subprocess.run([*CLI, "blue", "--out", str(path)], capture_output=True, text=True)
    assert again.returncode == 2 and "never overwritten" in again.stderr
    bad_party = subprocess.run(
        [*CLI, "Blue Team", "--out", str(tmp_path / "x.key")], capture_output=True, text=True
    )
    assert bad_party.returncode == 2


def test_a_bad_public_key_in_the_agreement_is_named(tmp_path: Path) -> None:
    agreement = tmp_path / "agreement.toml"
    agreement.write_text(
        '[[parties]]\nid = "blue"\npublic_keys = ["ed25519:short"]\n[[parties]]\nid = "red"\n'
    )
    with pytest.raises(InvalidInput, match=r"parties\[0\]\.public_keys\[0\]"):
        load_agreement(agreement)
