"""A deployment with keys: each party gets a signing key listed in its agreement."""

from __future__ import annotations

import stat
import tomllib
from pathlib import Path

import pytest

from interlock.codec.keys import public_text
from interlock.errors import InvalidInput
from interlock.ledger.keys import read_private
from interlock.model.agreement import EXAMPLE_AGREEMENT
from interlock.service.bootstrap import init_with_keys, open_services, with_public_keys
from interlock.service.scenario import DEFAULT_SCENARIO


def test_public_keys_are_set_in_the_right_party_and_comments_kept() -> None:
    text = with_public_keys(EXAMPLE_AGREEMENT, {"red": "ed25519:RRR"})
    parties = {p["id"]: p["public_keys"] for p in tomllib.loads(text)["parties"]}
    assert parties == {"blue": [], "red": ["ed25519:RRR"]}
    assert text.count("#") == EXAMPLE_AGREEMENT.count("#")


def test_a_party_without_a_keys_line_gets_one() -> None:
    text = '[[parties]]\nid = "a"\n\n[[parties]]\nid = "b"\nname = "B"\n'
    out = tomllib.loads(with_public_keys(text, {"a": "ed25519:A", "b": "ed25519:B"}))
    assert [p["public_keys"] for p in out["parties"]] == [["ed25519:A"], ["ed25519:B"]]


def test_init_with_keys_writes_private_keys_matching_the_agreement(tmp_path: Path) -> None:
    text = (DEFAULT_SCENARIO / "agreement.toml").read_text()
    agreement, tokens, files = init_with_keys(tmp_path / "d", text)
    assert set(files) == set(tokens) == {"base", "command"}
    for party in agreement.parties:
        key = read_private(files[party.id])
        assert party.public_keys == (public_text(key.public_key()),)
        assert stat.S_IMODE(files[party.id].stat().st_mode) == 0o600
    service = open_services(tmp_path / "d").notices
    assert service.agreement.party("base").public_keys
    service.store.close()


def test_init_with_keys_refuses_bad_toml_and_writes_nothing(tmp_path: Path) -> None:
    with pytest.raises(InvalidInput, match="TOML"):
        init_with_keys(tmp_path / "d", "[[parties]\nid=")
    assert not (tmp_path / "d").exists()
