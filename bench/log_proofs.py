"""The verifiable log's costs, for `bench/audit_verify.py` (also runnable alone).

- *proofs at N entries*: a SQLite store whose `merkle_nodes` table holds the tree of N
  leaves (built directly with `merkle.Frontier`, as `append_ledger` would, and checked
  against `merkle.root_of` on the first 4,096 leaves), one signed checkpoint of size N;
  then `LogService.inclusion(seq, N)` and `LogService.consistency(m, N)` for random seq
  and m, as `GET /proof/...` calls them (the store's one node query included), each
  proof verified afterwards (not timed) against the checkpoint's root.
- *checkpoint signing per commit batch*: single-notice write batches through
  `Batcher.run_batch` on a durable SQLite store with the log's sealer on, then off
  (interleaved blocks, so the disk's drift falls on both), and the sealer alone.

Run ``python bench/log_proofs.py --size 1000000``.
"""

from __future__ import annotations

import argparse
import base64
import random
import statistics
import sys
import tempfile
import time
import tomllib
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from interlock.ledger import merkle
from interlock.model.agreement import EXAMPLE_AGREEMENT, agreement_from_dict
from interlock.service.log import LogService
from interlock.service.notices import WriteOp
from interlock.service.root import build_services
from interlock.store import open_store
from interlock.store.cursor import cursor
from interlock.store.sql_log import INSERT_NODE_SQL

PROOF_TARGET_MS = 1.0  # issue 16: inclusion and consistency proofs at 1 M entries
SIGNING_TARGET = 0.05  # issue 16: write benchmarks at most 5 % slower


def _agreement() -> Any:
    return agreement_from_dict(tomllib.loads(EXAMPLE_AGREEMENT))


def build_tree(store: Any, n: int, seed: int = 16) -> bytes:
    """Fill merkle_nodes with the tree of n pseudo-random leaves; its root."""
    rng = random.Random(seed)
    frontier = merkle.Frontier.empty()
    rows: list[tuple[int, int, bytes]] = []
    first: list[bytes] = []
    with store.write() as tx:
        cur = cursor(tx.conn)
        for i in range(n):
            leaf = merkle.leaf_hash(rng.randbytes(32))
            if i < 4096:
                first.append(leaf)
            frontier, new = frontier.append(leaf)
            rows.extend(new)
            if len(rows) >= 100_000:
                cur.executemany(INSERT_NODE_SQL, rows)
                rows.clear()
        cur.executemany(INSERT_NODE_SQL, rows)
        cur.close()
    if n >= len(first):
        small = merkle.root_from_nodes(len(first), lambda lv, i: _node(store, lv, i))
        assert small == merkle.root_of(first), "the stored tree is not the definition's"
    return frontier.root()


def _node(store: Any, level: int, index: int) -> bytes:
    return store.merkle_nodes([(level, index)])[(level, index)]


def time_proofs(n: int, samples: int) -> dict[str, float]:
    with tempfile.TemporaryDirectory() as tmp:
        store = open_store(Path(tmp) / "log.db")
        key = Ed25519PrivateKey.generate()
        log = LogService(store, _agreement(), key, lambda: datetime.now(UTC))
        t = time.perf_counter()
        root = build_tree(store, n)
        built = time.perf_counter() - t
        when, note = log.signer.sign(n, root)
        with store.write() as tx:
            c = cursor(tx.conn)
            c.execute(
                "INSERT INTO checkpoints (origin, size, root, signed_at, note) "
                "VALUES (?, ?, ?, ?, ?)",
                (log.origin, n, root, when, note),
            )
            c.close()
        rng = random.Random(1)
        incl, cons, answers = [], [], []
        for _ in range(samples):
            seq, first = rng.randint(1, n), rng.randint(1, n - 1)
            t0 = time.perf_counter()
            a = log.inclusion(seq, n)
            t1 = time.perf_counter()
            b = log.consistency(first, n)
            t2 = time.perf_counter()
            incl.append(t1 - t0)
            cons.append(t2 - t1)
            answers.append((a, b))
        for a, _b in answers:  # every proof verifies against the signed root
            proof = [base64.b64decode(h) for h in a["proof"]]
            leaf = base64.b64decode(a["leaf_hash"])
            merkle.verify_inclusion(a["leaf_index"], n, leaf, proof, root)
        store.close()
    return {
        "build_s": built,
        "inclusion_p50_ms": statistics.median(incl) * 1e3,
        "inclusion_p99_ms": sorted(incl)[int(len(incl) * 0.99) - 1] * 1e3,
        "consistency_p50_ms": statistics.median(cons) * 1e3,
        "consistency_p99_ms": sorted(cons)[int(len(cons) * 0.99) - 1] * 1e3,
        "proof_len": float(len(answers[0][0]["proof"])),
    }


def _feature(k: int) -> dict[str, Any]:
    start = datetime.now(UTC) + timedelta(days=2)
    lon, lat = -170 + (k % 300) * 1.1, -60 + (k // 300) % 100 * 1.1
    return {
        "type": "Feature",
        "geometry": {"type": "Point", "coordinates": [lon, lat]},
        "properties": {
            "domain": "air",
            "radius_m": 2000.0,
            "alt_lower_ft": 0.0,
            "alt_upper_ft": 5000.0,
            "start": start.isoformat(),
            "end": (start + timedelta(hours=1)).isoformat(),
        },
    }


def time_signing(batches: int, block: int = 50) -> dict[str, float]:
    """Per-batch time of lone-notice write batches with and without the checkpoint."""
    with tempfile.TemporaryDirectory() as tmp:
        store = open_store(Path(tmp) / "w.db")
        services = build_services(store, _agreement())
        sealer = store.sealer
        on: list[float] = []
        off: list[float] = []
        k = 0
        parties = services.agreement.party_ids
        for b in range(0, batches, block):
            for signing, out in ((True, on), (False, off)):
                store.sealer = sealer if signing else None
                for _ in range(min(block, batches - b)):
                    op = WriteOp("submit", parties[k % len(parties)], feature=_feature(k))
                    k += 1
                    t = time.perf_counter()
                    (r,) = services.notices.run_batch([op])
                    out.append(time.perf_counter() - t)
                    assert not isinstance(r, Exception), r
        store.sealer = sealer
        assert sealer is not None
        t = time.perf_counter()
        for i in range(200):
            sealer.sign(i + 1, merkle.EMPTY_ROOT)
        sign_only = (time.perf_counter() - t) / 200
        store.close()
    p50_on, p50_off = statistics.median(on), statistics.median(off)
    return {
        "batch_p50_on_ms": p50_on * 1e3,
        "batch_p50_off_ms": p50_off * 1e3,
        "mean_on_ms": statistics.fmean(on) * 1e3,
        "mean_off_ms": statistics.fmean(off) * 1e3,
        "slower": p50_on / p50_off - 1,
        "sign_only_ms": sign_only * 1e3,
    }


def report(size: int, samples: int, batches: int, print_: Any = print) -> bool:
    """Run both parts and print them; True when both targets are met."""
    p = time_proofs(size, samples)
    print_(
        f"proofs at {size:,} entries (tree built in {p['build_s']:.1f} s; {samples} random "
        f"proofs, {p['proof_len']:.0f} hashes each): inclusion p50 "
        f"{p['inclusion_p50_ms']:.3f} ms / p99 {p['inclusion_p99_ms']:.3f} ms, consistency p50 "
        f"{p['consistency_p50_ms']:.3f} ms / p99 {p['consistency_p99_ms']:.3f} ms "
        f"(target <= {PROOF_TARGET_MS} ms)"
    )
    s = time_signing(batches)
    print_(
        f"checkpoint signing per commit batch ({batches} lone-notice batches each way, durable "
        f"SQLite): p50 {s['batch_p50_on_ms']:.3f} ms with / {s['batch_p50_off_ms']:.3f} ms "
        f"without ({s['slower']:+.1%}; means {s['mean_on_ms']:.3f} / {s['mean_off_ms']:.3f} "
        f"ms); the sealer's signatures alone {s['sign_only_ms']:.3f} ms "
        f"(target <= {SIGNING_TARGET:.0%} slower)"
    )
    return (
        max(p["inclusion_p50_ms"], p["consistency_p50_ms"]) <= PROOF_TARGET_MS
        and s["slower"] <= SIGNING_TARGET
    )


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--size", type=int, default=1_000_000)
    ap.add_argument("--samples", type=int, default=1000)
    ap.add_argument("--batches", type=int, default=1000)
    args = ap.parse_args()
    report(args.size, args.samples, args.batches)
    return 0


if __name__ == "__main__":
    sys.exit(main())
