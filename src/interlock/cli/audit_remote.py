"""`interlock audit verify --url URL`: a party verifies its own view of a live server.

What it trusts, and why:
- the log key it pinned for this server on first contact (the witness state, as
  `audit checkpoint` pins it; `--state DIR`) — after that, every checkpoint must carry
  that key's signature and extend the checkpoint held;
- the agreement the server serves (`GET /agreement`) for the parties' public keys only
  because its SHA-256 (RFC 8785 form) begins with the 16 hex digits the log's origin
  names, and the origin is what the pinned key signs into every checkpoint; the full
  hash is printed to compare with one's own copy (or `--agreement FILE` uses one's own).

It reads the checkpoint first, then `GET /ledger` page by page up to that checkpoint's
size (the party's view: stubs for what it may not read), runs the audit of `--file
--party` over it (`service.verify.audit`, viewer = the party), recomputes the Merkle root
over the entry hashes read and compares it with the signed root. Only when all of that
holds is the checkpoint kept in the state (the witness advances); a failure keeps the
checkpoint held.
"""

from __future__ import annotations

import base64
import os
from collections.abc import Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from pathlib import Path
from typing import TYPE_CHECKING, Any, NoReturn

import httpx
import orjson
import typer
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn

from ..codec.keys import parse_public
from ..errors import InterlockError
from ..ledger import checkpoint as cp
from ..ledger import merkle
from ..ledger.chain import Verdict
from ..ledger.export import agreement_hash, agreement_keys
from ..ledger.note import NoteError, parse_verifier_key, raw_public
from ..service.verify import audit
from .common import ExitCode, err_console, fail

if TYPE_CHECKING:
    from ..witness import Verified

EXIT_FAILED = ExitCode.FOUND  # an entry or the checkpoint fails: named
EXIT_UNCHECKED = ExitCode.UNDECIDED  # as `--file`: nothing failed, but a signer's key is unknown
# Entries asked for in one GET /ledger: the most it serves at once (its `limit`'s bound,
# api/app.py). Measured: 5,000 and 10,000 give the same rate; fewer round trips here.
PAGE = 10_000


class _Server:
    """The party's HTTP client: a refusal or an unreadable answer is exit 2, named."""

    def __init__(self, url: str, token: str | None) -> None:
        if not token:
            fail("no token: pass --token or set INTERLOCK_TOKEN")
        self.url = url
        self.http = httpx.Client(
            base_url=url, timeout=60.0, headers={"Authorization": f"Bearer {token}"}
        )

    def call(self, method: str, path: str, **kwargs: Any) -> Any:
        response = self.http.request(method, path, **kwargs)
        if response.status_code >= 400:
            detail = response.text[:300]
            try:
                body = response.json()
                detail = f"{body.get('error')}: {body.get('detail')}"
            except ValueError:
                pass
            # Raised, not exited: the witness names what it failed to get.
            raise InterlockError(
                f"{self.url}{path}: server refused ({response.status_code}) {detail}"
            )
        try:
            return orjson.loads(response.content)
        except orjson.JSONDecodeError:
            raise InterlockError(
                f"{self.url}{path}: not JSON (is this an interlock server?)"
            ) from None

    def close(self) -> None:
        self.http.close()


def _failed(where: str, reason: str, context: str = "") -> NoReturn:
    """Exit 1 naming what failed (and, in `context`, what verified before it)."""
    err_console.file.flush()
    print(f"FAILED {where}: {reason}" + (f" ({context})" if context else ""), flush=True)
    raise typer.Exit(EXIT_FAILED)


def _pages(server: _Server, size: int, page: int) -> Iterator[list[Any]]:
    """The pages of GET /ledger up to entry `size`, the next one fetched while the
    caller verifies this one."""
    if size == 0:
        return

    def get(start: int) -> Any:
        return server.call(
            "GET", "/ledger", params={"from_seq": start, "limit": min(page, size - start + 1)}
        )

    with ThreadPoolExecutor(1) as pool:
        start = 1
        nxt: Future[Any] = pool.submit(get, start)
        while True:
            got = nxt.result()
            if not isinstance(got, list):
                raise InterlockError(f"{server.url}/ledger: not a list of entries")
            start += len(got)
            if got and start <= size:
                nxt = pool.submit(get, start)
            yield got
            if not got or start > size:
                return


def verify_url(
    url: str,
    token: str | None,
    party: str | None,
    state: Path | None,
    agreement_file: Path | None,
    workers: int,
    page: int = PAGE,
) -> None:
    """Verify `party`'s view of the server at `url`; print one line; exit 0/1/2/3."""
    from ..witness import WitnessError, WitnessState, examine

    server = _Server(url, token)
    try:
        me = server.call("GET", "/me")["id"]
        party = party or os.environ.get("INTERLOCK_PARTY") or None
        if party and party != me:
            fail(f"--party is {party!r} but the token is {me}'s")
        terms = server.call("GET", "/agreement")
        if not isinstance(terms, dict) or not isinstance(terms.get("parties"), list):
            raise InterlockError(f"{url}/agreement: not an agreement")
        served_hash = agreement_hash(terms)
        keys = agreement_keys(terms)
        if agreement_file is not None:
            from .audit import _agreement

            keys, own_hash = _agreement(agreement_file)
            if own_hash != served_hash:
                _failed("in the agreement", f"the server serves agreement {served_hash}, "
                        f"{agreement_file} is {own_hash}")  # fmt: skip
        witness_state = WitnessState(state)
        try:
            signed, held, previous = examine(server, witness_state, url=url)
        except WitnessError as exc:
            _failed("at the checkpoint", exc.detail)
        if held.origin != cp.origin_for(served_hash):
            _failed("at the checkpoint", f"log {held.origin} is not the log of the agreement "
                    f"served ({served_hash}): the parties' keys cannot be trusted")  # fmt: skip
        size = held.size
        hashes: list[Any] = []

        with Progress(
            TextColumn("verifying {task.description}"),
            BarColumn(),
            MofNCompleteColumn(),
            console=err_console,
            transient=True,
        ) as progress:
            task = progress.add_task(f"{me}'s view of {url}", total=size)

            def entries() -> Iterator[dict[str, Any]]:
                for got in _pages(server, size, page):
                    for e in got:
                        hashes.append(e.get("hash") if isinstance(e, dict) else None)
                        yield e
                    progress.update(task, completed=len(hashes))

            verdict = audit(entries(), keys, workers=workers, viewer=me)
    finally:
        server.close()
    _judge(verdict, hashes, held)
    witness_state.save(held)
    since = (
        "its key now pinned" if previous is None else f"consistent with size {previous.size} held"
    )
    cosigners = _cosigners(signed, keys)
    print(
        f"OK {verdict.count} entries of {me}'s view verify: every link, hash, stub, opening "
        f"and signature; size {size} root {_b64(held.root)[:12]}… signed by log {held.origin} "
        f"(key {key_id_of(held.log_key)}; {since})"
        + (f", cosigned by {', '.join(cosigners)}" if cosigners else "")
        + f"; agreement sha256 {served_hash}",
        flush=True,
    )


def _judge(verdict: Verdict, hashes: list[Any], held: Verified) -> None:
    """Exit 1 naming the first entry or the checkpoint that fails, 3 if only signatures
    went unchecked; return when the view is the signed log."""
    if verdict.problem is not None:
        p = verdict.problem
        _failed(f"at entry {p.seq}", p.reason, f"{p.seq - 1} entries before it verified")
    size = held.size
    at = f"at the checkpoint (size {size}, root {_b64(held.root)})"
    if verdict.count < size:
        _failed(at, f"GET /ledger served {verdict.count} of its {size} entries "
                "(the tail withheld)", f"the {verdict.count} served verify")  # fmt: skip
    if verdict.count > size:  # the pages asked for no more: a server that sent more lies
        _failed(f"at entry {size + 1}", f"beyond the checkpoint's {size} entries")
    tree = merkle.History()
    for h in hashes:  # every `hash` was checked against its entry's head: 64 hex digits
        tree.append(merkle.leaf_hash(merkle.leaf_input(h)))
    if tree.root(size) != held.root:
        served = _b64(tree.root(size))
        _failed(
            at,
            f"the entries served are not the log the server signed: their root is {served}",
            f"each of the {size} entries verifies alone",
        )
    if verdict.unchecked:
        first = verdict.unchecked[0]
        parties = sorted({u.reason.split(" (")[0] for u in verdict.unchecked})
        print(
            f"CANNOT CHECK {len(verdict.unchecked)} of the signatures (first at entry "
            f"{first.seq}) — cannot check: {'; '.join(parties)}. Nothing failed: every "
            f"link, hash and other signature of the {verdict.count} entries verifies, and "
            "the checkpoint's root",
            flush=True,
        )
        raise typer.Exit(EXIT_UNCHECKED)


def _cosigners(signed: cp.SignedCheckpoint, keys: dict[str, list[str]]) -> list[str]:
    """The parties whose cosignature on the checkpoint verifies with an agreement key."""
    found = []
    for s in signed.note.signatures:
        party = s.name.removeprefix(cp.WITNESS_PREFIX)
        if s.name == party or party not in keys:
            continue
        try:
            publics = [raw_public(parse_public(k)) for k in keys[party]]
            cp.verify_witness(signed, s, party, cp.witness_public(party, publics, s))
        except (NoteError, InterlockError):
            continue
        found.append(party)
    return sorted(set(found))


def key_id_of(text: str) -> str:
    """The log key's key hash (8 hex digits), as its signed notes name it."""
    return parse_verifier_key(text).hash.hex()


def _b64(raw: bytes) -> str:
    return base64.b64encode(raw).decode()
