"""A party as a witness of the server's log (C2SP tlog-witness, done by the client).

The witness keeps, per log (keyed by its origin), the last checkpoint it verified, in a
state directory (default ``$XDG_STATE_HOME/interlock`` or ``~/.local/state/interlock``;
files mode 0600). On first contact it pins the log's key and origin for that server URL,
as SSH's known_hosts does. After that, each new checkpoint must carry the pinned key's
signatures and be proven consistent with the stored one; only then is it stored and
cosigned with the party's key. A server that shows a smaller tree, another root for the
same size, another key, or cannot prove consistency is reported (WitnessError) and the
stored checkpoint is kept; the offending note is kept as evidence beside it.

Reading the state (`last_verified`) needs nothing but the directory: later checks
(receipts bound to the log, `audit verify --url`) start from it.
"""

from __future__ import annotations

import base64
import json
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import quote

import httpx
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from .errors import InterlockError
from .ledger import checkpoint as cp
from .ledger import merkle
from .ledger.note import NoteError, parse_verifier_key

LOGS_DIR = "logs"  # one JSON file per log origin: the last verified checkpoint
EVIDENCE_DIR = "evidence"  # notes a server showed that failed: kept, never trusted
SERVERS_FILE = "servers.json"  # server URL -> the origin pinned for it


class WitnessError(InterlockError):
    """The server's log failed a witness check (rollback, fork, key change, bad proof)."""

    code = "witness_failed"
    http_status = 409


def default_state_dir() -> Path:
    base = os.environ.get("XDG_STATE_HOME") or str(Path.home() / ".local" / "state")
    return Path(base) / "interlock"


def _write_private(path: Path, text: str) -> None:
    """Write atomically, readable by its owner only."""
    path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    tmp = path.with_name(path.name + ".tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as f:
        f.write(text)
        f.flush()
        os.fsync(f.fileno())
    os.replace(tmp, path)


@dataclass(frozen=True)
class Verified:
    """The last checkpoint a witness verified for one log, as stored."""

    origin: str
    log_key: str  # the pinned verifier key (signed-note text form)
    url: str
    size: int
    root: bytes
    time: int
    note: str  # the signed note as the server sent it

    def to_json(self) -> dict[str, Any]:
        return {
            "origin": self.origin,
            "log_key": self.log_key,
            "url": self.url,
            "size": self.size,
            "root": base64.b64encode(self.root).decode(),
            "time": self.time,
            "note": self.note,
        }


class WitnessState:
    """The state directory of one party's witness."""

    def __init__(self, directory: Path | str | None = None) -> None:
        self.directory = Path(directory) if directory is not None else default_state_dir()

    def _log_path(self, origin: str) -> Path:
        return self.directory / LOGS_DIR / (quote(origin, safe="") + ".json")

    def servers(self) -> dict[str, str]:
        path = self.directory / SERVERS_FILE
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
        except FileNotFoundError:
            return {}
        except (OSError, ValueError) as exc:
            raise WitnessError(f"{path}: unreadable witness state ({exc})") from None
        return {str(k): str(v) for k, v in data.items()}

    def load(self, origin: str) -> Verified | None:
        """The last verified checkpoint of log `origin` (its signatures checked again)."""
        path = self._log_path(origin)
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
            key = parse_verifier_key(data["log_key"])
            signed = cp.open_checkpoint(data["note"], key.public, origin)
        except FileNotFoundError:
            return None
        except (OSError, ValueError, KeyError, TypeError) as exc:
            raise WitnessError(f"{path}: unreadable witness state ({exc})") from None
        c = signed.checkpoint
        return Verified(origin, key.text(), data.get("url", ""), c.size, c.root, signed.time,
                        data["note"])  # fmt: skip

    def last_verified(self, url: str) -> Verified | None:
        """The last checkpoint verified from the server at `url`, if any."""
        origin = self.servers().get(url)
        return None if origin is None else self.load(origin)

    def save(self, v: Verified) -> None:
        _write_private(self._log_path(v.origin), json.dumps(v.to_json(), indent=1) + "\n")
        servers = self.servers()
        if servers.get(v.url) != v.origin:
            servers[v.url] = v.origin
            _write_private(self.directory / SERVERS_FILE, json.dumps(servers, indent=1) + "\n")

    def keep_evidence(self, origin: str, size: int, note: str) -> Path:
        name = f"{quote(origin, safe='')}-{size}"
        path = self.directory / EVIDENCE_DIR / f"{name}.note"
        for k in range(1, 1000):
            if not path.exists():
                break
            path = path.with_name(f"{name}-{k}.note")
        _write_private(path, note)
        return path


@dataclass(frozen=True)
class Outcome:
    checkpoint: Verified
    previous: Verified | None
    cosigned: bool


def _b64s(items: Any) -> list[bytes]:
    if not isinstance(items, list):
        raise WitnessError("the server's proof is not a list of hashes")
    try:
        return [base64.b64decode(x, validate=True) for x in items]
    except (ValueError, TypeError):
        raise WitnessError("the server's proof holds a hash that is not base64") from None


def witness(
    client: Any,
    state: WitnessState,
    *,
    url: str,
    party: str | None = None,
    key: Ed25519PrivateKey | None = None,
    now: int = 0,
) -> Outcome:
    """Check the server's latest checkpoint against the state, store it, and cosign it
    (with `key`, as `party`) when it holds. `client` has `call(method, path, **kw)`."""
    signed, verified, previous = examine(client, state, url=url)
    state.save(verified)
    cosigned = False
    if key is not None and party:
        line = cp.cosign_checkpoint(signed, party, key, now).line().removesuffix("\n")
        client.call("POST", "/checkpoint/cosign", json={"size": verified.size, "cosignature": line})
        cosigned = True
    return Outcome(verified, previous, cosigned)


def examine(
    client: Any, state: WitnessState, *, url: str
) -> tuple[cp.SignedCheckpoint, Verified, Verified | None]:
    """The witness's checks without its writes: the server's latest checkpoint (signed
    by the pinned key, pinned now on first contact, and extending the one held), as
    verified, and the one held (None: none). Nothing is stored but evidence of a failure;
    `state.save` keeps the checkpoint once the caller is done with it."""
    info = client.call("GET", "/checkpoint.json")
    try:
        origin, key_text, note = str(info["origin"]), str(info["log_key"]), str(info["note"])
        vkey = parse_verifier_key(key_text)
        signed = cp.open_checkpoint(note, vkey.public, origin)
    except (KeyError, TypeError, NoteError) as exc:
        raise WitnessError(f"the server's checkpoint does not verify: {exc}") from None
    pinned_origin = state.servers().get(url)
    if pinned_origin is not None and pinned_origin != origin:
        raise WitnessError(
            f"{url} now names its log {origin!r}; {pinned_origin!r} was pinned for it "
            f"(checkpoint kept: {state.keep_evidence(origin, signed.checkpoint.size, note)})"
        )
    previous = state.load(origin)
    c = signed.checkpoint
    if previous is not None:
        if previous.log_key != vkey.text():
            raise WitnessError(
                f"log {origin} now signs with {vkey.text()}; {previous.log_key} was pinned"
            )
        _check_extends(client, state, previous, c, note)
    verified = Verified(origin, vkey.text(), url, c.size, c.root, signed.time, note)
    return signed, verified, previous


def _check_extends(
    client: Any, state: WitnessState, previous: Verified, c: cp.Checkpoint, note: str
) -> None:
    """Raise WitnessError (keeping the new note as evidence) unless `c` extends
    `previous`."""
    held = f"size {previous.size}, root {base64.b64encode(previous.root).decode()}"

    def refuse(why: str) -> WitnessError:
        path = state.keep_evidence(c.origin, c.size, note)
        return WitnessError(f"{why}; the checkpoint held ({held}) is kept; evidence: {path}")

    if c.size < previous.size:
        raise refuse(
            f"rollback: the server's tree has {c.size} entries, fewer than the "
            f"{previous.size} already verified"
        )
    if c.size == previous.size:
        if c.root != previous.root:
            raise refuse(f"fork: a second root for size {c.size}")
        return
    if previous.size == 0:
        return  # every tree extends the empty one
    try:
        answer = client.call(
            "GET", "/proof/consistency", params={"from": previous.size, "to": c.size}
        )
        proof = _b64s(answer.get("proof") if isinstance(answer, dict) else None)
    except (InterlockError, httpx.HTTPError, ValueError) as exc:
        detail = getattr(exc, "detail", None) or str(exc)
        raise refuse(
            f"the server gave no consistency proof from size {previous.size} to {c.size} ({detail})"
        ) from None
    try:
        merkle.verify_consistency(previous.size, c.size, previous.root, c.root, proof)
    except merkle.ProofError as exc:
        raise refuse(f"size {c.size} is not proven to extend size {previous.size}: {exc}") from None
