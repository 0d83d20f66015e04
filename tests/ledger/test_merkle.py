"""The Merkle tree against the RFC 6962 reference vectors (as published in the tests of
transparency-dev/merkle, proof/verify_test.go) and against the definition's brute force."""

from __future__ import annotations

import hashlib

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from interlock.ledger import merkle as m

LEAVES = [bytes.fromhex(h) for h in (
    "", "00", "10", "2021", "3031", "40414243", "5051525354555657",
    "606162636465666768696a6b6c6d6e6f",
)]  # fmt: skip
ROOTS = [
    bytes.fromhex(h)
    for h in (
        "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
        "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
        "fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125",
        "aeb6bcfe274b70a14fb067a5e5578264db0fa9b51af5e0ba159158f329e06e77",
        "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
        "4e3bbb1f7b478dcfe71fb631631519a3bca12c9aefca1612bfce4c13a86264d4",
        "76e67dadbcdf1e10e1b74ddc608abd2f98dfb16fbce75277b5232a127f2087ef",
        "ddb89be403809e325750d3d263cd78929c2942b7942a34b77e122c9594a74c8c",
        "5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328",
    )
]  # fmt: skip  (ROOTS[n] is the root of the first n leaves)


def H(*hexes: str) -> list[bytes]:
    return [bytes.fromhex(h) for h in hexes]


# (leaf index 0-based, size, proof); the source lists the leaf 1-based.
INCLUSION = [
    (0, 8, H(
        "96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7",
        "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
        "6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4")),
    (5, 8, H(
        "bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b",
        "ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0",
        "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7")),
    (2, 3, H("fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125")),
    (1, 5, H(
        "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
        "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
        "bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b")),
    (0, 1, []),
]  # fmt: skip
CONSISTENCY = [
    (1, 1, []),
    (1, 8, H(
        "96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7",
        "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
        "6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4")),
    (6, 8, H(
        "0ebc5d3437fbe2db158b9f126a1d118e308181031d0a949f8dededebc558ef6a",
        "ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0",
        "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7")),
    (2, 5, H(
        "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
        "bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b")),
    (6, 7, H(
        "0ebc5d3437fbe2db158b9f126a1d118e308181031d0a949f8dededebc558ef6a",
        "b08693ec2e721597130641e8211e7eedccb4c26413963eee6c1e2ed16ffb1a5f",
        "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7")),
]  # fmt: skip
LEAF_HASHES = [m.leaf_hash(x) for x in LEAVES]
SOME_HASH = bytes.fromhex("abacaba000000000000000000000000000000000000000000060061e00123456")


def table(leaf_hashes: list[bytes]) -> dict[tuple[int, int], bytes]:
    """Every complete subtree's hash, by the definition (the store's table, built apart)."""
    out: dict[tuple[int, int], bytes] = {}
    level = 0
    while (1 << level) <= len(leaf_hashes):
        size = 1 << level
        for i in range(len(leaf_hashes) // size):
            out[(level, i)] = m.root_of(leaf_hashes[i * size : (i + 1) * size])
        level += 1
    return out


def getter(leaf_hashes: list[bytes]):  # type: ignore[no-untyped-def]
    t = table(leaf_hashes)
    return lambda level, index: t[(level, index)]


def test_roots_match_rfc6962() -> None:
    for n in range(9):
        assert m.root_of(LEAF_HASHES[:n]) == ROOTS[n]
        assert m.root_from_nodes(n, getter(LEAF_HASHES[:n])) == ROOTS[n]
    assert hashlib.sha256(b"").digest() == m.EMPTY_ROOT


@pytest.mark.parametrize(("index", "size", "proof"), INCLUSION)
def test_inclusion_vectors(index: int, size: int, proof: list[bytes]) -> None:
    assert m.inclusion_proof(index, size, getter(LEAF_HASHES[:size])) == proof
    m.verify_inclusion(index, size, LEAF_HASHES[index], proof, ROOTS[size])


@pytest.mark.parametrize(("first", "second", "proof"), CONSISTENCY)
def test_consistency_vectors(first: int, second: int, proof: list[bytes]) -> None:
    assert m.consistency_proof(first, second, getter(LEAF_HASHES[:second])) == proof
    m.verify_consistency(first, second, ROOTS[first], ROOTS[second], proof)


def corrupted_inclusion(index: int, size: int, proof: list[bytes]):  # type: ignore[no-untyped-def]
    """The probes of transparency-dev's corruptInclusionProof, each of which must fail."""
    root = ROOTS[size]
    some = SOME_HASH
    yield index - 1, size, LEAF_HASHES[index], proof, root
    yield index + 1, size, LEAF_HASHES[index], proof, root
    yield index ^ 2, size, LEAF_HASHES[index], proof, root
    yield index, size * 2, LEAF_HASHES[index], proof, root
    yield index, size // 2, LEAF_HASHES[index], proof, root
    yield index, size, m.leaf_hash(b"WrongLeaf"), proof, root
    yield index, size, LEAF_HASHES[index], proof, ROOTS[0]
    yield index, size, LEAF_HASHES[index], proof, some
    yield index, size, LEAF_HASHES[index], [*proof, root], root
    yield index, size, LEAF_HASHES[index], [root, *proof], root
    yield index, size, LEAF_HASHES[index], [*proof, b""], root
    for i in range(len(proof)):
        bad = list(proof)
        bad[i] = bytes([bad[i][0] ^ 8]) + bad[i][1:]
        yield index, size, LEAF_HASHES[index], bad, root
    if proof:
        yield index, size, LEAF_HASHES[index], proof[:-1], root
    if len(proof) > 1:
        yield index, size, LEAF_HASHES[index], [proof[0], SOME_HASH, *proof[1:]], root


@pytest.mark.parametrize(("index", "size", "proof"), INCLUSION)
def test_corrupted_inclusion_fails(index: int, size: int, proof: list[bytes]) -> None:
    for probe in corrupted_inclusion(index, size, proof):
        with pytest.raises(m.ProofError):
            m.verify_inclusion(*probe)


@pytest.mark.parametrize(("first", "second", "proof"), CONSISTENCY[1:])
def test_corrupted_consistency_fails(first: int, second: int, proof: list[bytes]) -> None:
    r1, r2 = ROOTS[first], ROOTS[second]
    probes = [
        (first - 1, second, r1, r2, proof),
        (first + 1, second, r1, r2, proof),
        (first ^ 2, second, r1, r2, proof),
        (first, second * 2, r1, r2, proof),
        (first, second // 2, r1, r2, proof),
        (first, second, ROOTS[0], r2, proof),
        (first, second, r1, ROOTS[0], proof),
        (first, second, r2, r1, proof),
        (first, second, r1, r2, []),
        (first, second, r1, r2, [*proof, r1]),
        (first, second, r1, r2, [*proof, r2]),
        (first, second, r1, r2, [r1, *proof]),
        (first, second, r1, r2, [r2, *proof]),
        (first, second, r1, r2, [proof[0], *proof]),
        (first, second, r1, r2, proof[:-1]),
    ]
    for i in range(len(proof)):
        bad = list(proof)
        bad[i] = bytes([bad[i][0] ^ 16]) + bad[i][1:]
        probes.append((first, second, r1, r2, bad))
    for probe in probes:
        with pytest.raises(m.ProofError):
            m.verify_consistency(*probe)


def test_trivial_consistency() -> None:
    m.verify_consistency(0, 0, ROOTS[0], ROOTS[0], [])
    m.verify_consistency(0, 5, ROOTS[0], ROOTS[5], [])
    m.verify_consistency(3, 3, ROOTS[3], ROOTS[3], [])
    with pytest.raises(m.ProofError, match="two different roots"):
        m.verify_consistency(3, 3, ROOTS[3], ROOTS[4], [])
    with pytest.raises(m.ProofError):
        m.verify_consistency(0, 1, ROOTS[0], ROOTS[1], [ROOTS[0]])
    with pytest.raises(m.ProofError):
        m.verify_consistency(2, 1, ROOTS[2], ROOTS[1], [])  # back in time


def test_bad_requests_refused() -> None:
    with pytest.raises(m.ProofError):
        m.proof_nodes_inclusion(0, 0)
    with pytest.raises(m.ProofError):
        m.proof_nodes_inclusion(5, 5)
    with pytest.raises(m.ProofError):
        m.proof_nodes_consistency(6, 5)
    with pytest.raises(m.ProofError):
        m.proof_nodes_inclusion(0, m.MAX_SIZE + 1)
    assert m.proof_nodes_inclusion(m.MAX_SIZE - 1, m.MAX_SIZE)  # the largest is fine
    with pytest.raises(ValueError):
        m.leaf_input("ab" * 31)


def _leaves(n: int) -> list[bytes]:
    return [m.leaf_hash(i.to_bytes(4, "big")) for i in range(n)]


EDGE_SIZES = sorted({0, 1, 2, 3, *(2**k + d for k in range(1, 7) for d in (-1, 0, 1))})


@pytest.mark.parametrize("n", EDGE_SIZES)
def test_frontier_matches_brute_force(n: int) -> None:
    leaves = _leaves(n)
    f = m.Frontier.empty()
    stored: dict[tuple[int, int], bytes] = {}
    for k, leaf in enumerate(leaves, start=1):
        f, new = f.append(leaf)
        for level, index, h in new:
            assert (level, index) not in stored
            stored[(level, index)] = h
        assert f.root() == m.root_of(leaves[:k])
    assert stored == table(leaves)  # exactly the complete subtrees, each once
    assert [stored[i] for i in m.Frontier.ids(n)] == list(f.nodes)


@settings(max_examples=150, deadline=None)
@given(st.integers(1, 300), st.data())
def test_proofs_match_brute_force(n: int, data: st.DataObject) -> None:
    leaves = _leaves(n)
    node = getter(leaves)
    index = data.draw(st.integers(0, n - 1))
    first = data.draw(st.integers(0, n))
    proof = m.inclusion_proof(index, n, node)
    m.verify_inclusion(index, n, leaves[index], proof, m.root_of(leaves))
    assert set(m.proof_nodes_inclusion(index, n)) <= set(table(leaves))
    c = m.consistency_proof(first, n, node)
    m.verify_consistency(first, n, m.root_of(leaves[:first]), m.root_of(leaves), c)
    if 0 < first < n:  # a different first tree is refused
        other = [*leaves[: first - 1], m.leaf_hash(b"forged")]
        with pytest.raises(m.ProofError):
            m.verify_consistency(first, n, m.root_of(other), m.root_of(leaves), c)


@pytest.mark.parametrize("n", EDGE_SIZES[1:])
def test_every_proof_of_edge_sizes(n: int) -> None:
    leaves = _leaves(n)
    node = getter(leaves)
    root = m.root_of(leaves)
    for i in range(n):
        m.verify_inclusion(i, n, leaves[i], m.inclusion_proof(i, n, node), root)
    for first in range(n + 1):
        proof = m.consistency_proof(first, n, node)
        m.verify_consistency(first, n, m.root_of(leaves[:first]), root, proof)


def test_history_gives_the_root_at_every_size_so_far() -> None:
    h = m.History()
    assert h.size == 0 and h.root(0) == m.EMPTY_ROOT
    leaves = _leaves(70)
    for k, leaf in enumerate(leaves, start=1):
        h.append(leaf)
        assert h.size == k
    for size in range(71):  # every past size, asked after the tree grew past it
        assert h.root(size) == m.root_of(leaves[:size])
    vectors = m.History()
    for data in LEAVES:
        vectors.append(m.leaf_hash(data))
    assert [vectors.root(n) for n in range(len(LEAVES) + 1)] == ROOTS
    with pytest.raises(m.ProofError):
        h.root(71)
    with pytest.raises(m.ProofError):
        h.root(-1)
