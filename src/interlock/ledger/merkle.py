"""The ledger as a Merkle tree (RFC 9162 section 2.1, the hashing of RFC 6962).

A hash chain proves an entry only to whoever holds every entry after it. The Merkle tree
over the same entries lets a party holding nothing but a signed (size, root) check, with
log2(n) hashes each, that an entry is in the log (inclusion) and that a later tree
extends an earlier one (consistency): a server that rewrites, drops or forks history
must then sign two checkpoints that no proof reconciles.

- leaf hash = SHA-256(0x00 || leaf input); the ledger's leaf input is the 32 raw bytes of
  the entry's `hash` (`leaf_input`).
- node hash = SHA-256(0x01 || left || right); MTH of n leaves splits at the largest power
  of two below n (section 2.1.1).

Proofs are generated from `node(level, index)`: the hash of the complete subtree of
2**level leaves starting at leaf index * 2**level, so a store serves them from a table.
`proof_nodes_*` name every node a proof needs, so the store can fetch them in one query.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Sequence
from dataclasses import dataclass

HASH_SIZE = 32  # SHA-256
EMPTY_ROOT = hashlib.sha256(b"").digest()  # MTH({}) (RFC 9162 section 2.1.1)
LEAF_PREFIX, NODE_PREFIX = b"\x00", b"\x01"  # RFC 9162 section 2.1.1
MAX_SIZE = 2**63 - 1  # sizes and indexes the store and the API accept (64-bit integers)

NodeId = tuple[int, int]  # (level, index)
NodeGetter = Callable[[int, int], bytes]


class ProofError(ValueError):
    """A proof that does not verify, or a request for one that cannot exist."""


def leaf_hash(data: bytes) -> bytes:
    return hashlib.sha256(LEAF_PREFIX + data).digest()


def node_hash(left: bytes, right: bytes) -> bytes:
    return hashlib.sha256(NODE_PREFIX + left + right).digest()


def leaf_input(entry_hash_hex: str) -> bytes:
    """The ledger entry's leaf input: the raw bytes of its hex `hash`."""
    raw = bytes.fromhex(entry_hash_hex)
    if len(raw) != HASH_SIZE:
        raise ValueError(f"an entry hash is {HASH_SIZE} bytes, not {len(raw)}")
    return raw


def _split(n: int) -> int:
    """The largest power of two smaller than n (n >= 2)."""
    return 1 << ((n - 1).bit_length() - 1)


def root_of(leaf_hashes: Sequence[bytes]) -> bytes:
    """MTH over leaf hashes, by the definition's recursion (the brute-force reference)."""
    n = len(leaf_hashes)
    if n == 0:
        return EMPTY_ROOT
    if n == 1:
        return leaf_hashes[0]
    k = _split(n)
    return node_hash(root_of(leaf_hashes[:k]), root_of(leaf_hashes[k:]))


# ---- ranges and the complete subtrees that cover them ------------------------------------


def range_nodes(begin: int, end: int) -> list[NodeId]:
    """The complete subtrees covering leaves [begin, end), left to right, largest first:
    MTH of the range is their right fold when `begin` is a multiple of the first block's
    size, which holds for every range the RFC's recursions produce."""
    out: list[NodeId] = []
    while begin < end:
        level = (end - begin).bit_length() - 1
        if begin:  # the block must be aligned at its own size
            level = min(level, (begin & -begin).bit_length() - 1)
        out.append((level, begin >> level))
        begin += 1 << level
    return out


def _fold(ids: Sequence[NodeId], node: NodeGetter) -> bytes:
    acc = node(*ids[-1])
    for level, index in reversed(ids[:-1]):
        acc = node_hash(node(level, index), acc)
    return acc


def _inclusion_ranges(index: int, begin: int, end: int) -> list[tuple[int, int]]:
    """PATH(m, D[begin:end]) (RFC 9162 section 2.1.3.1) as the ranges whose MTH it lists."""
    out: list[tuple[int, int]] = []
    while end - begin > 1:
        k = _split(end - begin)
        if index < begin + k:
            out.append((begin + k, end))
            end = begin + k
        else:
            out.append((begin, begin + k))
            begin += k
    out.reverse()  # the recursion lists the deepest sibling first
    return out


def _consistency_ranges(m: int, n: int) -> list[tuple[int, int]]:
    """SUBPROOF(m, D[0:n], true) (RFC 9162 section 2.1.4.1) as ranges, 0 < m < n."""
    out: list[tuple[int, int]] = []
    begin, end, complete = 0, n, True
    while True:
        if m == end - begin:
            if not complete:
                out.append((begin, end))
            break
        k = _split(end - begin)
        if m <= k:
            out.append((begin + k, end))
            end = begin + k
        else:
            out.append((begin, begin + k))
            m -= k
            begin += k
            complete = False
    out.reverse()
    return out


def _check_inclusion_args(index: int, size: int) -> None:
    if not 0 <= index < size <= MAX_SIZE:
        raise ProofError(f"no leaf {index} in a tree of {size}")


def _check_consistency_args(first: int, second: int) -> None:
    if not 0 <= first <= second <= MAX_SIZE:
        raise ProofError(f"no consistency proof from size {first} to size {second}")


def proof_nodes_inclusion(index: int, size: int) -> list[NodeId]:
    """Every stored node the inclusion proof of leaf `index` in a tree of `size` reads."""
    _check_inclusion_args(index, size)
    return [i for r in _inclusion_ranges(index, 0, size) for i in range_nodes(*r)]


def proof_nodes_consistency(first: int, second: int) -> list[NodeId]:
    _check_consistency_args(first, second)
    if first in (0, second):
        return []
    return [i for r in _consistency_ranges(first, second) for i in range_nodes(*r)]


def root_nodes(size: int) -> list[NodeId]:
    """The stored nodes whose fold is the root of a tree of `size` leaves."""
    return range_nodes(0, size)


def root_from_nodes(size: int, node: NodeGetter) -> bytes:
    return EMPTY_ROOT if size == 0 else _fold(range_nodes(0, size), node)


def inclusion_proof(index: int, size: int, node: NodeGetter) -> list[bytes]:
    _check_inclusion_args(index, size)
    return [_fold(range_nodes(*r), node) for r in _inclusion_ranges(index, 0, size)]


def consistency_proof(first: int, second: int, node: NodeGetter) -> list[bytes]:
    _check_consistency_args(first, second)
    if first in (0, second):
        return []
    return [_fold(range_nodes(*r), node) for r in _consistency_ranges(first, second)]


# ---- verification (RFC 9162 sections 2.1.3.2 and 2.1.4.2) -----------------------------


def _hashes(*items: bytes) -> None:
    for h in items:
        if len(h) != HASH_SIZE:
            raise ProofError(f"a hash is {HASH_SIZE} bytes, not {len(h)}")


def root_from_inclusion(index: int, size: int, leaf: bytes, proof: Sequence[bytes]) -> bytes:
    """The root the proof leads to from `leaf` (a leaf hash), or ProofError."""
    _check_inclusion_args(index, size)
    _hashes(leaf, *proof)
    fn, sn, r = index, size - 1, leaf
    for p in proof:
        if sn == 0:
            raise ProofError("inclusion proof too long")
        if fn & 1 or fn == sn:
            r = node_hash(p, r)
            if not fn & 1:
                while fn and not fn & 1:
                    fn >>= 1
                    sn >>= 1
        else:
            r = node_hash(r, p)
        fn >>= 1
        sn >>= 1
    if sn != 0:
        raise ProofError("inclusion proof too short")
    return r


def verify_inclusion(
    index: int, size: int, leaf: bytes, proof: Sequence[bytes], root: bytes
) -> None:
    """Raise ProofError unless `proof` shows leaf hash `leaf` at `index` under `root`."""
    if root_from_inclusion(index, size, leaf, proof) != root:
        raise ProofError(f"leaf {index} is not in the tree of size {size} with that root")


def verify_consistency(
    first: int, second: int, first_root: bytes, second_root: bytes, proof: Sequence[bytes]
) -> None:
    """Raise ProofError unless the tree (second, second_root) extends (first, first_root)."""
    _check_consistency_args(first, second)
    _hashes(first_root, second_root, *proof)
    if first == second:
        if proof:
            raise ProofError("a consistency proof between equal sizes is empty")
        if first_root != second_root:
            raise ProofError(f"two different roots for size {first}")
        return
    if first == 0:  # every tree extends the empty one
        if proof:
            raise ProofError("a consistency proof from the empty tree is empty")
        return
    if not proof:
        raise ProofError("empty consistency proof")
    path = list(proof)
    if first & (first - 1) == 0:  # a power of two: the first tree is a node of the second
        path.insert(0, first_root)
    fn, sn = first - 1, second - 1
    while fn & 1:
        fn >>= 1
        sn >>= 1
    fr = sr = path[0]
    for c in path[1:]:
        if sn == 0:
            raise ProofError("consistency proof too long")
        if fn & 1 or fn == sn:
            fr = node_hash(c, fr)
            sr = node_hash(c, sr)
            if not fn & 1:
                while fn and not fn & 1:
                    fn >>= 1
                    sn >>= 1
        else:
            sr = node_hash(sr, c)
        fn >>= 1
        sn >>= 1
    if sn != 0:
        raise ProofError("consistency proof too short")
    if fr != first_root:
        raise ProofError(f"the proof does not lead to the root of size {first}")
    if sr != second_root:
        raise ProofError(f"the proof does not lead to the root of size {second}")


# ---- appending: the frontier --------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Frontier:
    """The roots of the perfect subtrees covering the first `size` leaves, largest first
    (one per set bit of `size`): all an appender needs, O(log n)."""

    size: int
    nodes: tuple[bytes, ...]

    @staticmethod
    def ids(size: int) -> list[NodeId]:
        """The (level, index) of each frontier node of a tree of `size` leaves."""
        return range_nodes(0, size)

    @classmethod
    def empty(cls) -> Frontier:
        return cls(0, ())

    def root(self) -> bytes:
        if not self.nodes:
            return EMPTY_ROOT
        acc = self.nodes[-1]
        for h in reversed(self.nodes[:-1]):
            acc = node_hash(h, acc)
        return acc

    def append(self, leaf: bytes) -> tuple[Frontier, list[tuple[int, int, bytes]]]:
        """Add one leaf hash: the new frontier and the complete subtrees it completes,
        as (level, index, hash) to store (the leaf itself first)."""
        index = self.size
        new = [(0, index, leaf)]
        stack = list(self.nodes)
        acc, level = leaf, 0
        while (index >> level) & 1:  # a left sibling of this size is waiting: merge
            acc = node_hash(stack.pop(), acc)
            level += 1
            new.append((level, index >> level, acc))
        stack.append(acc)
        return Frontier(self.size + 1, tuple(stack)), new


class History:
    """Every complete subtree of a growing tree, so the root at any size reached so far
    is a fold of log2(n) stored hashes (`root`). An auditor reading a log in order keeps
    one to check a statement about an earlier size (a receipt's checkpoint); 64 bytes a
    leaf, in one bytearray per level."""

    __slots__ = ("_levels",)

    def __init__(self) -> None:
        self._levels: list[bytearray] = [bytearray()]

    @property
    def size(self) -> int:
        return len(self._levels[0]) // HASH_SIZE

    def append(self, leaf: bytes) -> None:
        """Add one leaf hash and the complete subtrees it completes."""
        levels = self._levels
        index = self.size
        levels[0] += leaf
        level = 0
        while index & 1:  # a left sibling of this size is waiting: merge
            row = levels[level]
            parent = node_hash(bytes(row[-2 * HASH_SIZE : -HASH_SIZE]), bytes(row[-HASH_SIZE:]))
            level += 1
            if len(levels) == level:
                levels.append(bytearray())
            levels[level] += parent
            index >>= 1

    def node(self, level: int, index: int) -> bytes:
        at = index * HASH_SIZE
        return bytes(self._levels[level][at : at + HASH_SIZE])

    def root(self, size: int) -> bytes:
        """MTH of the first `size` leaves (0 <= size <= self.size)."""
        if not 0 <= size <= self.size:
            raise ProofError(f"no tree of size {size}: {self.size} leaves so far")
        return root_from_nodes(size, self.node)
