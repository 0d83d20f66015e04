"""Set-up of a deployment directory: the agreement, token hashes and the store file.

Layout of a directory made by ``interlock init DIR``:
  agreement.toml       the parties and rules (edit it)
  token-hashes.toml    SHA-256 of each party's API token (the tokens are shown once;
                       mode 0600; `interlock tokens new|rotate|revoke` change them)
  interlock.db         the embedded store (created on first ``serve``)
  log.key              the log's Ed25519 signing key for checkpoints (made on first
                       ``serve``, mode 0600; keep it: witnesses pin its public key)
"""

from __future__ import annotations

import contextlib
import os
import re
import tomllib
from dataclasses import dataclass
from pathlib import Path

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from ..codec.canonical import digest
from ..codec.keys import public_text
from ..errors import InvalidInput, StateConflict
from ..ledger.keys import new_private, read_private, write_private
from ..model.agreement import EXAMPLE_AGREEMENT, Agreement, agreement_from_dict, load_agreement
from ..store import SqlStore, open_store
from .auth import issue_tokens
from .clock import Clock, utc_now
from .root import Services, build_services

AGREEMENT_FILE = "agreement.toml"
HASHES_FILE = "token-hashes.toml"
DB_FILE = "interlock.db"
LOG_KEY_FILE = "log.key"
KEYS_DIR = "keys"
TOKEN_FILE_MODE = 0o600  # only hashes, but nobody else needs to read them
_PARTY_BLOCK = re.compile(r"(?ms)^\[\[parties\]\][ \t]*$.*?(?=^\[)|^\[\[parties\]\][ \t]*$.*\Z")
_KEYS_LINE = re.compile(r"(?m)^public_keys[ \t]*=[ \t]*\[[^\]]*\]")  # may span lines
_ID_LINE = re.compile(r"""(?m)^id[ \t]*=[ \t]*["']([^"'\n]+)["'][ \t]*(?:#.*)?$""")


def write_token_hashes(directory: Path, hashes: dict[str, str]) -> Path:
    """Write the hashes (mode 0600 from the first byte: written beside, then renamed over,
    so a reader never sees half a file)."""
    path = directory / HASHES_FILE
    lines = ["# SHA-256 of each party's API token. The tokens themselves are not kept.", "[tokens]"]
    lines += [f'{party} = "{h}"' for party, h in sorted(hashes.items())]
    part = path.with_name(path.name + ".part")
    with contextlib.suppress(FileNotFoundError):
        part.unlink()
    fd = os.open(part, os.O_WRONLY | os.O_CREAT | os.O_EXCL, TOKEN_FILE_MODE)
    with os.fdopen(fd, "w", encoding="utf-8") as out:
        out.write("\n".join(lines) + "\n")
    os.replace(part, path)
    return path


def read_token_hashes(directory: Path) -> dict[str, str]:
    path = directory / HASHES_FILE
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise InvalidInput(
            f"no {HASHES_FILE}: run `interlock init` first", field=str(path)
        ) from None
    except tomllib.TOMLDecodeError as exc:
        raise InvalidInput(f"not valid TOML: {exc}", field=str(path)) from None
    tokens = data.get("tokens", {})
    if not isinstance(tokens, dict) or not all(isinstance(v, str) for v in tokens.values()):
        raise InvalidInput("[tokens] must map party ids to hex digests", field=str(path))
    return tokens


def init_directory(
    directory: Path,
    agreement_text: str = EXAMPLE_AGREEMENT,
) -> tuple[Agreement, dict[str, str]]:
    """Write an agreement and fresh token hashes; return the agreement and the tokens."""
    directory.mkdir(parents=True, exist_ok=True)
    path = directory / AGREEMENT_FILE
    if path.exists():
        raise InvalidInput("already exists; choose an empty directory", field=str(path))
    path.write_text(agreement_text, encoding="utf-8")
    agreement = load_agreement(path)
    tokens, hashes = issue_tokens(agreement.party_ids)
    write_token_hashes(directory, hashes)
    return agreement, tokens


def with_public_keys(agreement_text: str, keys: dict[str, str]) -> str:
    """The agreement text with each named party's `public_keys` set (comments kept)."""

    def one(block: re.Match[str]) -> str:
        text = block.group(0)
        found = _ID_LINE.search(text)
        if found is None or found.group(1) not in keys:
            return text
        line = f'public_keys = ["{keys[found.group(1)]}"]'
        if _KEYS_LINE.search(text):
            return _KEYS_LINE.sub(line, text, count=1)
        return text[: found.end()] + "\n" + line + text[found.end() :]

    return _PARTY_BLOCK.sub(one, agreement_text)


@dataclass(frozen=True)
class KeyRegistration:
    """An agreement.toml edited to list one more party key, checked, not yet written."""

    path: Path
    text: str
    before_sha256: str
    after_sha256: str

    def write(self) -> None:
        """Replace the file (its mode kept; written beside, then renamed over)."""
        part = self.path.with_name(self.path.name + ".part")
        part.write_text(self.text, encoding="utf-8")
        os.chmod(part, self.path.stat().st_mode & 0o777)
        os.replace(part, self.path)


def key_registration(
    directory: Path, party: str, public: str, *, replace: bool = False
) -> KeyRegistration:
    """The deployment's agreement.toml with `public` listed as `party`'s key, its comments
    and every other field kept; a party that has a key is refused unless `replace` (the
    new key then takes the place of its keys). The edit is checked by reading the new
    text back: it must be the old agreement but for that party's keys, else refused.

    The hashes are the agreement's SHA-256 (RFC 8785 form) before and after: an agreement
    change like any other, taken by the server at its next start (the log's origin names
    the new hash, `service.log.log_origin`)."""
    path = directory / AGREEMENT_FILE
    before = load_agreement(path)
    if party not in before.party_ids:
        raise InvalidInput(
            f"unknown party {party!r}: the agreement names {', '.join(before.party_ids)}",
            field="party",
        )
    held = before.party(party).public_keys
    if held and not replace:
        raise StateConflict(
            f"{party} has {len(held)} key(s) in the agreement already: --replace puts the "
            "new one in their place"
        )
    edited = with_public_keys(path.read_text(encoding="utf-8"), {party: public})
    expected = before.to_dict()
    for p in expected["parties"]:
        if p["id"] == party:
            p["public_keys"] = [public]
    try:
        after = agreement_from_dict(tomllib.loads(edited)).to_dict()
    except (tomllib.TOMLDecodeError, InvalidInput):
        after = None
    if after != expected:
        raise InvalidInput(
            f"cannot edit {party}'s public_keys safely; set it by hand: "
            f'public_keys = ["{public}"]',
            field=str(path),
        )
    return KeyRegistration(path, edited, digest(before.to_dict()), digest(after))


def init_with_keys(
    directory: Path, agreement_text: str
) -> tuple[Agreement, dict[str, str], dict[str, Path]]:
    """Like init_directory, but first make a signing key per party (DIR/keys/PARTY.key,
    mode 0600) and list its public key in the agreement: a deployment whose parties can
    use the hotline at once (the demo). Returns (agreement, tokens, key files)."""
    try:
        parties = agreement_from_dict(tomllib.loads(agreement_text)).party_ids
    except tomllib.TOMLDecodeError as exc:
        raise InvalidInput(f"not valid TOML: {exc}", field=AGREEMENT_FILE) from None
    keys = {p: new_private() for p in parties}
    text = with_public_keys(
        agreement_text, {p: public_text(k.public_key()) for p, k in keys.items()}
    )
    agreement, tokens = init_directory(directory, text)
    missing = [p.id for p in agreement.parties if not p.public_keys]
    if missing:
        raise InvalidInput(f"could not list keys for {', '.join(missing)}", field=AGREEMENT_FILE)
    (directory / KEYS_DIR).mkdir(mode=0o700, exist_ok=True)
    files = {}
    for party, key in keys.items():
        files[party] = directory / KEYS_DIR / f"{party}.key"
        write_private(key, files[party])
    return agreement, tokens, files


def deployment_db(directory: Path, db: str | None = None) -> str:
    """The store of a deployment: `db` if given, else $INTERLOCK_DB (a PostgreSQL URL that
    several processes share), else the SQLite file in the directory."""
    return db or os.environ.get("INTERLOCK_DB") or str(directory / DB_FILE)


def token_problem(agreement: Agreement, hashes: dict[str, str], directory: Path) -> str | None:
    """Why a deployment's tokens do not fit its agreement (a token for a party the agreement
    does not name: parties renamed), with the commands that fix it; None when they fit."""
    unknown = sorted(set(hashes) - set(agreement.party_ids))
    if not unknown:
        return None
    parts = [
        f"tokens for parties not in the agreement: {', '.join(unknown)} "
        f"(`interlock tokens revoke {unknown[0]} {directory}` removes one)"
    ]
    missing = parties_without_token(agreement, hashes)
    if missing:
        parts.append(
            f"no token for {', '.join(missing)} "
            f"(`interlock tokens new {missing[0]} {directory}` makes one)"
        )
    return "; ".join(parts)


def parties_without_token(agreement: Agreement, hashes: dict[str, str]) -> list[str]:
    """The agreement's parties with no token (never issued, or revoked): their requests
    are refused (401)."""
    return [p for p in agreement.party_ids if p not in hashes]


def open_services(directory: Path, db: str | None = None, clock: Clock = utc_now) -> Services:
    """The services of a deployment directory (agreement, token hashes, store). The token
    hashes are read here, once: a running server takes new ones when restarted."""
    agreement = load_agreement(directory / AGREEMENT_FILE)
    hashes = read_token_hashes(directory)
    problem = token_problem(agreement, hashes, directory)
    if problem is not None:
        raise InvalidInput(problem, field=HASHES_FILE)
    store: SqlStore = open_store(deployment_db(directory, db))
    store.set_token_hashes(hashes)
    return build_services(store, agreement, clock, log_key=log_key(directory))


def log_key(directory: Path) -> Ed25519PrivateKey:
    """The deployment's log signing key: made on first start (mode 0600), reused after.
    Several processes starting at once make it once (the file is created exclusively)."""
    path = directory / LOG_KEY_FILE
    if not path.exists():
        with contextlib.suppress(FileExistsError):  # another process made it first
            write_private(new_private(), path)
    return read_private(path)
