"""Ledger audit benchmark: `verify_chain` (hash chain + every Ed25519 signature) in entries/s.

Workload, per size N: a chain like a busy hotline's, 60 % signed party statements (40 %
messages whose body carries floats, 20 % receipts) and 40 % unsigned system events
(conflicts, violations, escalations, with floats), three parties, chained with
``chain.make_entry`` and passed through JSON as a reader would get them.

What is timed, on the same entries:

- *baseline*: the verifier as it was before this benchmark (a verbatim copy below: the
  ``rfc8785`` encoder, a key parsed per signature, one loop);
- *serial*: ``verify_chain(..., workers=1)``: the fast canonical form and key cache, one core;
- *parallel*: ``verify_chain(...)`` as ``interlock audit verify`` calls it (signatures on
  every core);
- *CLI file* / *CLI dir*: ``interlock audit verify --file EXPORT`` on an export of the
  chain and ``interlock audit verify DIRECTORY`` on a deployment whose store holds it,
  end to end (reading and parsing included), and net of the command's start-up (measured
  on a one-entry ledger);
- *CLI --url*: ``interlock audit verify --url URL`` as party blue against ``interlock
  serve`` on a deployment holding the chain: GET /ledger page by page (blue's view, about
  13 % stubs), the audit, the Merkle root against the signed checkpoint, the witness
  state; end to end and net of the start-up (against a one-entry deployment's server).

It also checks soundness: on a copy with one entry tampered, every verifier must name the
same first bad entry, and on the sound chain none may find one (exit status 2 otherwise).
With ``--strict``, exit status 1 when *parallel* is below ``--target`` entries/s.

The verifiable log (``bench/log_proofs.py``): inclusion and consistency proof time at
``--log-size`` entries (1 M; target <= 1 ms each) and the cost of signing a checkpoint
per commit batch (lone-notice write batches with and without it; target <= 5 % slower).
``--no-log`` skips it.

Run ``python bench/audit_verify.py --quick`` for a smoke test (2,000 entries, ~7 s).
"""

from __future__ import annotations

import argparse
import base64
import copy
import hashlib
import os
import random
import shutil
import subprocess
import sys
import time
from collections.abc import Callable, Iterable
from datetime import UTC, datetime, timedelta
from functools import partial
from pathlib import Path
from typing import Any

import orjson
import rfc8785
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from rich.console import Console
from rich.table import Table

from interlock.codec.keys import key_id, parse_public, public_text
from interlock.errors import InterlockError, Unauthorized
from interlock.ledger.chain import GENESIS, Problem, make_entry
from interlock.ledger.envelope import (
    check_shape,
    public_key,
    sign,
    signature_valid,
)
from interlock.ledger.keys import new_private
from interlock.model.timeutil import iso, parse_utc
from interlock.service.verify import default_workers, verify_chain

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "bench" / "out"
PARTIES = ("blue", "red", "green")
T0 = datetime(2030, 3, 1, 6, 0, tzinfo=UTC)
console = Console(width=max(120, Console().width))


# --- the workload --------------------------------------------------------------------------


def build_chain(n: int, seed: int = 7) -> tuple[list[dict[str, Any]], dict[str, list[str]]]:
    """`n` chained entries (as parsed back from JSON) and the parties' public keys."""
    rng = random.Random(seed)
    private: dict[str, Ed25519PrivateKey] = {p: new_private() for p in PARTIES}
    public = {p: [public_text(k.public_key())] for p, k in private.items()}
    entries: list[dict[str, Any]] = []
    prev = GENESIS
    messages: list[tuple[str, str, str]] = []  # (id, author, addressee)
    for seq in range(1, n + 1):
        now = T0 + timedelta(seconds=3 * seq)
        roll = rng.random()
        if roll < 0.4 or (roll < 0.6 and not messages):
            event = _message(rng, seq, now, private, messages)
        elif roll < 0.6:
            event = _receipt(rng, seq, now, private, messages)
        else:
            event = _system(rng, seq, now, messages)
        entry = make_entry(seq, prev, iso(now), event, _audience(event))
        entries.append(entry)
        prev = entry["hash"]
    return orjson.loads(orjson.dumps(entries)), public


def _audience(event: dict[str, Any]) -> list[str]:
    """Who may read it: a message's sender and addressees, a receipt's party and the
    sender it answers (approximated by all parties when unknown), every party else."""
    if event["type"] == "message":
        return sorted({event["from"], *event["to"]})
    return list(PARTIES)


def _point(rng: random.Random) -> list[float]:
    return [round(rng.uniform(26, 36), 6), round(rng.uniform(31, 39), 6)]


def _message(
    rng: random.Random,
    seq: int,
    now: datetime,
    private: dict[str, Ed25519PrivateKey],
    messages: list[tuple[str, str, str]],
) -> dict[str, Any]:
    author, to = rng.sample(PARTIES, 2)
    mid = f"m-{seq:07d}"
    lon, lat = _point(rng)
    body = {
        "to": [to],
        "priority": rng.choice(["routine", "priority", "flash"]),
        "subject": f"Activity in sector {rng.randint(1, 40)}",
        "body": (
            f"{rng.randint(1, 6)} aircraft will transit at FL{rng.randint(100, 390)} "
            f"between {now:%H%M}Z and {now + timedelta(minutes=30):%H%M}Z; "
            "request you keep clear of the corridor until further notice."
        ),
        "refs": [f"n-{rng.randint(1, 5000):06d}"] if rng.random() < 0.5 else [],
        "payload": {
            "lon": lon,
            "lat": lat,
            "alt_ft": rng.randint(1000, 39000),
            "speed_kt": round(rng.uniform(250, 480), 1),
            "heading_deg": round(rng.uniform(0, 360), 2),
            "radius_m": round(rng.uniform(2000, 40000), 3),
        },
    }
    messages.append((mid, author, to))
    env = sign("message", author, body, private[author], now)
    return {
        "type": "message",
        "id": mid,
        "from": author,
        "to": [to],
        "priority": body["priority"],
        "envelope": env,
    }


def _receipt(
    rng: random.Random,
    seq: int,
    now: datetime,
    private: dict[str, Ed25519PrivateKey],
    messages: list[tuple[str, str, str]],
) -> dict[str, Any]:
    mid, _author, to = rng.choice(messages[-50:])
    status = rng.choice(["delivered", "acknowledged"])
    body = {"message": mid, "status": status}
    env = sign("receipt", to, body, private[to], now)
    return {
        "type": "receipt",
        "id": f"r-{seq:07d}",
        "message": mid,
        "party": to,
        "status": status,
        "envelope": env,
    }


def _system(
    rng: random.Random, seq: int, now: datetime, messages: list[tuple[str, str, str]]
) -> dict[str, Any]:
    a, b = rng.sample(PARTIES, 2)
    kind = rng.random()
    if kind < 0.6:
        start = now + timedelta(hours=rng.randint(1, 48))
        return {
            "type": "conflict",
            "id": f"c-{seq:07d}",
            "a": {"notice": f"n-{rng.randint(1, 5000):06d}", "version": 1, "party": a},
            "b": {"notice": f"n-{rng.randint(1, 5000):06d}", "version": 2, "party": b},
            "window": [iso(start), iso(start + timedelta(minutes=rng.randint(5, 240)))],
            "horizontal_distance_m": round(rng.uniform(0, 9260), 3),
            "vertical_gap_ft": float(rng.choice([0, 500, 800])),
            "worst_point": _point(rng),
            "severity": rng.choice(["critical", "major", "minor"]),
            "audience": [a, b],
        }
    if kind < 0.85:
        return {
            "type": "violation",
            "id": f"v-{seq:07d}",
            "notice": f"n-{rng.randint(1, 5000):06d}",
            "party": a,
            "rule": "min_lead_time",
            "lead_time_min": round(rng.uniform(0, 59.9), 2),
            "required_min": 60.0,
            "audience": list(PARTIES),
        }
    mid = messages[-1][0] if messages else "m-0000000"
    return {
        "type": "escalation",
        "message": mid,
        "level": rng.randint(1, 3),
        "overdue_s": round(rng.uniform(1, 900), 3),
        "audience": [a, b],
    }


# --- the verifier before this work (verbatim, for the baseline) -----------------------------


def _b_canonical(obj: Any) -> bytes:
    return rfc8785.dumps(obj)


def _b_digest(obj: Any) -> str:
    return hashlib.sha256(_b_canonical(obj)).hexdigest()


def _b_entry_hash(
    seq: int, prev_hash: str, received_at: str, content_hash: str, audience: Any = None
) -> str:
    head = {
        "seq": seq,
        "prev_hash": prev_hash,
        "received_at": received_at,
        "content_hash": content_hash,
    }
    if audience is not None:  # the one change since: the audience is in the head
        head["audience"] = audience
    return hashlib.sha256(_b_canonical(head)).hexdigest()


_FIELDS = ("kind", "author", "key_id", "signed_at", "nonce", "body")


def _b_verify(env: Any, keys: dict[str, list[str]]) -> None:
    check_shape(env)
    author = env["author"]
    candidates = [k for k in keys.get(author, []) if key_id(k) == env["key_id"]]
    if not candidates:
        raise Unauthorized(f"no key {env['key_id']} for party {author!r}")
    try:
        signature = base64.urlsafe_b64decode(env["signature"] + "=" * (-len(env["signature"]) % 4))
        parse_public(candidates[0]).verify(signature, _b_canonical({k: env[k] for k in _FIELDS}))
    except (InvalidSignature, ValueError):
        raise Unauthorized(f"bad signature on a {env['kind']!s} by {author}") from None
    parse_utc(env["signed_at"], "signed_at")


def baseline_verify_chain(
    entries: Iterable[dict[str, Any]], keys: dict[str, list[str]]
) -> tuple[int, Problem | None]:
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
            redacted = e["event"].get("redacted") is True
            if not redacted and _b_digest(e["event"]) != e.get("content_hash"):
                return count, Problem(position, "content changed (content hash mismatch)")
            head = (position, prev, e["received_at"], e["content_hash"], e.get("audience"))
            if _b_entry_hash(*head) != e.get("hash"):
                return count, Problem(position, "entry hash mismatch")
            envelope = None if redacted else e["event"].get("envelope")
            if envelope is not None:
                _b_verify(envelope, keys)
        except InterlockError as exc:
            return count, Problem(position, f"signature: {exc.detail}")
        except (KeyError, TypeError, AttributeError) as exc:
            return count, Problem(position, f"malformed entry ({exc})")
        prev = e["hash"]
    return count, None


# --- timing ---------------------------------------------------------------------------------


def verifies_per_second(seconds: float = 1.0) -> float:
    """One core's Ed25519 checks per second right now, as the verifier makes them (the
    host's speed drifts by tens of percent from minute to minute: read rates against it)."""
    key = new_private()
    pk = public_key(public_text(key.public_key()))
    message = b"x" * 600
    signature = key.sign(message)
    n, t = 0, time.perf_counter()
    while time.perf_counter() - t < seconds:
        for _ in range(100):
            signature_valid(pk, signature, message)
        n += 100
    return n / (time.perf_counter() - t)


def timed(
    fn: Callable[[], tuple[int, Problem | None]], repeat: int
) -> tuple[float, tuple[int, Problem | None]]:
    """Best wall time of `repeat` runs, and the (last) result."""
    best, result = float("inf"), None
    for _ in range(repeat):
        t = time.perf_counter()
        result = fn()
        best = min(best, time.perf_counter() - t)
    assert result is not None
    return best, result


def agreement_text(keys: dict[str, list[str]]) -> str:
    lines = ['name = "audit benchmark"']
    for p, texts in keys.items():
        lines += ["[[parties]]", f'id = "{p}"', f"public_keys = {orjson.dumps(texts).decode()}"]
    return "\n".join(lines) + "\n"


def export_file(
    entries: list[dict[str, Any]], keys: dict[str, list[str]]
) -> tuple[list[str], Path]:
    """`audit verify` arguments for an export of `entries` (JSON Lines) and an agreement,
    and what to delete afterwards."""
    OUT.mkdir(parents=True, exist_ok=True)
    export = OUT / f"audit-verify-n{len(entries)}.jsonl"
    export.write_bytes(b"".join(orjson.dumps(e) + b"\n" for e in entries))
    agreement = OUT / f"audit-verify-n{len(entries)}.toml"
    agreement.write_text(agreement_text(keys))
    return ["--file", str(export), "--agreement", str(agreement)], export


def deployment(entries: list[dict[str, Any]], keys: dict[str, list[str]]) -> tuple[list[str], Path]:
    """`audit verify` arguments for a deployment directory whose store holds `entries`,
    written through the store's own ledger API, 2,000 a transaction (and the directory)."""
    args, directory, _ = deployment_with_tokens(entries, keys)
    return args, directory


def deployment_with_tokens(
    entries: list[dict[str, Any]], keys: dict[str, list[str]]
) -> tuple[list[str], Path, dict[str, str]]:
    """`deployment`, and the parties' API tokens."""
    from interlock.service.bootstrap import DB_FILE, init_directory
    from interlock.store import open_store

    directory = OUT / f"audit-verify-dir-n{len(entries)}"
    if directory.exists():
        shutil.rmtree(directory)
    _, tokens = init_directory(directory, agreement_text(keys))
    store = open_store(directory / DB_FILE)
    try:
        for i in range(0, len(entries), 2000):
            with store.write() as tx:
                for e in entries[i : i + 2000]:
                    event = e["event"]
                    tx.append_ledger(
                        event["type"], event.get("id"), event, e["received_at"], e["audience"]
                    )
    finally:
        store.close()
    return [str(directory)], directory, tokens


def cli_seconds(args: list[str], n: int) -> float:
    """Wall time of `interlock audit verify ARGS`, end to end (it must verify `n` entries)."""
    exe = Path(sys.executable).with_name("interlock")
    t = time.perf_counter()
    out = subprocess.run(
        [str(exe), "audit", "verify", *args],
        capture_output=True,
        text=True,
        env={**os.environ, "COLUMNS": "200"},
    )
    dt = time.perf_counter() - t
    if out.returncode != 0 or f"OK {n} entries" not in out.stdout:
        raise SystemExit(f"the CLI did not verify {n} entries: {out.stdout}{out.stderr}")
    return dt


def cli_rates(
    make: Callable[[list[dict[str, Any]], dict[str, list[str]]], tuple[list[str], Path]],
    entries: list[dict[str, Any]],
    keys: dict[str, list[str]],
    repeat: int,
) -> tuple[str, str]:
    """(end-to-end, net of start-up) entries/s of the CLI; the start-up is measured on a
    one-entry ledger of the same kind and taken off."""
    made = []
    try:
        one, made_one = make(entries[:1], keys)
        made.append(made_one)
        start = min(cli_seconds(one, 1) for _ in range(min(repeat, 2)))
        full, made_full = make(entries, keys)
        made.append(made_full)
        total = min(cli_seconds(full, len(entries)) for _ in range(repeat))
    finally:
        for path in made:
            if path.is_dir():
                shutil.rmtree(path)
            else:
                path.unlink(missing_ok=True)
                path.with_suffix(".toml").unlink(missing_ok=True)
    n = len(entries)
    return f"{n / total:,.0f}", f"{n / max(total - start, 1e-9):,.0f}"


def url_seconds(url: str, token: str, state: Path, n: int) -> float:
    """Wall time of `interlock audit verify --url URL` as blue, end to end (it must verify
    `n` entries of blue's view against the server's checkpoint)."""
    exe = Path(sys.executable).with_name("interlock")
    args = ["audit", "verify", "--url", url, "--token", token, "--state", str(state)]
    t = time.perf_counter()
    out = subprocess.run(
        [str(exe), *args], capture_output=True, text=True, env={**os.environ, "COLUMNS": "200"}
    )
    dt = time.perf_counter() - t
    if out.returncode != 0 or f"OK {n} entries of blue's view" not in out.stdout:
        raise SystemExit(f"verify --url did not verify {n} entries: {out.stdout}{out.stderr}")
    return dt


def url_rates(
    entries: list[dict[str, Any]], keys: dict[str, list[str]], repeat: int
) -> tuple[str, str]:
    """(end-to-end, net of start-up) entries/s of `audit verify --url` against a live
    `interlock serve` holding the chain (and, for the start-up, one holding its first
    entry); the server and the verifier share the machine's cores."""
    import httpx

    rates = []
    for part in (entries[:1], entries):
        _, directory, tokens = deployment_with_tokens(part, keys)
        port = _free_port()
        exe = Path(sys.executable).with_name("interlock")
        log = (OUT / "url-server.log").open("wb")
        server = subprocess.Popen(
            [str(exe), "serve", str(directory), "--port", str(port)], stdout=log, stderr=log
        )
        url = f"http://127.0.0.1:{port}"
        try:
            deadline = time.monotonic() + 60
            while True:
                try:
                    if httpx.get(url + "/health", timeout=1).status_code == 200:
                        break
                except httpx.TransportError:
                    pass
                if time.monotonic() > deadline or server.poll() is not None:
                    raise SystemExit(f"the server did not start: see {log.name}")
                time.sleep(0.1)
            state = directory / "state"
            runs = 1 if len(part) == 1 else repeat
            rates.append(min(url_seconds(url, tokens["blue"], state, len(part))
                             for _ in range(max(runs, 1))))  # fmt: skip
        finally:
            server.terminate()
            server.wait(timeout=30)
            log.close()
            shutil.rmtree(directory)
    start, total = rates
    n = len(entries)
    return f"{n / total:,.0f}", f"{n / max(total - start, 1e-9):,.0f}"


def _free_port() -> int:
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def tampered(entries: list[dict[str, Any]], rng: random.Random) -> list[dict[str, Any]]:
    """A copy with one signed entry's body changed and every hash recomputed after it (a
    forger who controls the server): only its signature can give it away."""
    signed = [i for i, e in enumerate(entries) if "envelope" in e["event"]]
    at = signed[len(signed) * 2 // 3 + rng.randrange(max(1, len(signed) // 10))]
    out = entries[:at]
    prev = out[-1]["hash"] if out else GENESIS
    for i in range(at, len(entries)):
        event = copy.deepcopy(entries[i]["event"])
        if i == at:
            event["envelope"]["body"]["priority"] = "routine!"
        e = make_entry(i + 1, prev, entries[i]["received_at"], event, entries[i]["audience"])
        out.append(orjson.loads(orjson.dumps(e)))
        prev = e["hash"]
    return out


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--sizes", type=int, nargs="+", default=[20_000, 100_000])
    ap.add_argument("--quick", action="store_true", help="one small chain (smoke test)")
    ap.add_argument("--repeat", type=int, default=3, help="runs per timing (best is kept)")
    ap.add_argument("--target", type=float, default=20_000, help="entries/s (the issue's)")
    ap.add_argument("--strict", action="store_true", help="exit 1 below the target")
    ap.add_argument("--no-cli", action="store_true", help="skip the end-to-end CLI run")
    ap.add_argument("--log-size", type=int, default=1_000_000, help="entries for the proofs")
    ap.add_argument("--log-batches", type=int, default=1_000, help="write batches each way")
    ap.add_argument("--no-log", action="store_true", help="skip the verifiable log's part")
    args = ap.parse_args()
    sizes = [2_000] if args.quick else args.sizes
    repeat = 1 if args.quick else args.repeat

    table = Table(title="interlock audit verify: hash chain + every Ed25519 signature")
    table.caption = (
        "entries/s. baseline: the verifier before; serial: verify_chain(workers=1); "
        "parallel: verify_chain(workers=cores), as the CLI runs it; speed-up: parallel / "
        "baseline; CLI file / dir: `interlock audit verify --file EXPORT` / `DIRECTORY` "
        "(the store), end to end and net of the command's start-up; CLI --url: `audit "
        "verify --url` as blue against a live `interlock serve` of the chain (pages of "
        "GET /ledger, blue's view, Merkle root against the signed checkpoint; server and "
        "verifier on the same cores), end to end and net of its start-up (a one-entry "
        "server's)"
    )
    for col in (
        "entries",
        "signed",
        "baseline",
        "serial",
        "parallel",
        "speed-up",
        "CLI file",
        "file net",
        "CLI dir",
        "dir net",
        "CLI --url",
        "url net",
    ):
        table.add_column(col, justify="right")
    unsound, missed = [], []
    cores = default_workers()
    speed_before = verifies_per_second()
    for n in sizes:
        with console.status(f"building a chain of {n:,} entries"):
            entries, keys = build_chain(n)
        signed = sum("envelope" in e["event"] for e in entries)
        with console.status(f"timing {n:,}"):
            t_base, r_base = timed(partial(baseline_verify_chain, entries, keys), 1)
            t_ser, r_ser = timed(partial(verify_chain, entries, keys, workers=1), repeat)
            t_par, r_par = timed(partial(verify_chain, entries, keys, workers=cores), repeat)
            if args.no_cli:
                cli = ("-",) * 6
            else:
                cli = (
                    *cli_rates(export_file, entries, keys, repeat),
                    *cli_rates(deployment, entries, keys, repeat),
                    *url_rates(entries, keys, repeat),
                )
        if not r_base == r_ser == r_par == (n, None):
            unsound.append(f"{n}: sound chain {r_base} / {r_ser} / {r_par}")
        bad = tampered(entries, random.Random(n))
        verdicts = {
            "baseline": baseline_verify_chain(bad, keys),
            "serial": verify_chain(bad, keys, workers=1),
            "parallel": verify_chain(bad, keys, workers=cores),
        }
        if len(set(verdicts.values())) != 1 or verdicts["baseline"][1] is None:
            unsound.append(f"{n}: tampered chain {verdicts}")
        rate = n / t_par
        if rate < args.target:
            missed.append(n)
        table.add_row(
            f"{n:,}",
            f"{signed / n:.0%}",
            f"{n / t_base:,.0f}",
            f"{n / t_ser:,.0f}",
            f"[{'green' if rate >= args.target else 'red'}]{rate:,.0f}[/]",
            f"{t_base / t_par:.1f}x",
            *cli,
        )
    console.print(table)
    sodium = "libsodium (PyNaCl), OpenSSL re-checking any refusal"
    console.print(
        f"{cores} cores; signatures by {sodium}: {speed_before:,.0f} / "
        f"{verifies_per_second():,.0f} checks/s on one core before / after; target "
        f"{args.target:,.0f} entries/s; best of {repeat} runs (baseline: 1). "
        f"{'' if missed else 'Target met at every size.'}"
    )
    if not args.no_log:
        import log_proofs  # bench/log_proofs.py, beside this script

        size, batches = (20_000, 100) if args.quick else (args.log_size, args.log_batches)
        if not log_proofs.report(size, 1_000, batches, console.print):
            missed.append(f"log at {size}")
    for line in unsound:
        console.print(f"[bold red]UNSOUND[/] {line}")
    console.print(f"{len(unsound)} unsound verdicts")
    if unsound:
        return 2
    return 1 if args.strict and missed else 0


if __name__ == "__main__":
    sys.exit(main())
