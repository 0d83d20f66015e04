// RFC 9162 Merkle tree proofs, checked in the page: the same arithmetic as the server's
// interlock.ledger.merkle (verify_inclusion, verify_consistency), with WebCrypto SHA-256.
//
// A proof is a list of 32-byte hashes (Uint8Array); sizes and indexes are JavaScript
// numbers, exact up to 2**53 - 1 (far beyond any ledger). Bitwise operators in JS work
// on 32 bits, so the shifts here are divisions by two on numbers instead.

export const HASH_SIZE = 32; // SHA-256
const LEAF_PREFIX = 0x00; // RFC 9162 section 2.1.1
const NODE_PREFIX = 0x01;

export class ProofError extends Error {}

async function sha256(bytes) {
  return new Uint8Array(await crypto.subtle.digest("SHA-256", bytes));
}

/** SHA-256(0x00 || data): the hash of a leaf whose input is `data`. */
export function leafHash(data) {
  const buf = new Uint8Array(1 + data.length);
  buf[0] = LEAF_PREFIX;
  buf.set(data, 1);
  return sha256(buf);
}

/** SHA-256(0x01 || left || right). */
export function nodeHash(left, right) {
  const buf = new Uint8Array(1 + left.length + right.length);
  buf[0] = NODE_PREFIX;
  buf.set(left, 1);
  buf.set(right, 1 + left.length);
  return sha256(buf);
}

/** A ledger entry's leaf input: the 32 raw bytes of its hex `hash`. */
export function leafInput(hashHex) {
  if (!/^[0-9a-f]{64}$/.test(hashHex)) throw new ProofError("an entry hash is 64 hex digits");
  return Uint8Array.from(hashHex.match(/../g), (h) => parseInt(h, 16));
}

export function equalBytes(a, b) {
  return a.length === b.length && a.every((x, i) => x === b[i]);
}

const odd = (n) => n % 2 === 1;
const half = (n) => Math.floor(n / 2);

function checkSizes(ok, message) {
  if (!ok) throw new ProofError(message);
}

function checkHashes(...items) {
  for (const h of items) {
    if (!(h instanceof Uint8Array) || h.length !== HASH_SIZE) {
      throw new ProofError(`a hash is ${HASH_SIZE} bytes`);
    }
  }
}

const isCount = (n) => Number.isSafeInteger(n) && n >= 0;

/** The root the inclusion proof leads to from leaf hash `leaf` at `index` (RFC 9162 2.1.3.2). */
export async function rootFromInclusion(index, size, leaf, proof) {
  checkSizes(isCount(index) && isCount(size) && index < size, `no leaf ${index} in a tree of ${size}`);
  checkHashes(leaf, ...proof);
  let fn = index;
  let sn = size - 1;
  let r = leaf;
  for (const p of proof) {
    if (sn === 0) throw new ProofError("inclusion proof too long");
    if (odd(fn) || fn === sn) {
      r = await nodeHash(p, r);
      if (!odd(fn)) {
        while (fn && !odd(fn)) {
          fn = half(fn);
          sn = half(sn);
        }
      }
    } else {
      r = await nodeHash(r, p);
    }
    fn = half(fn);
    sn = half(sn);
  }
  if (sn !== 0) throw new ProofError("inclusion proof too short");
  return r;
}

/** Throws ProofError unless `proof` shows leaf hash `leaf` at `index` under `root`. */
export async function verifyInclusion(index, size, leaf, proof, root) {
  if (!equalBytes(await rootFromInclusion(index, size, leaf, proof), root)) {
    throw new ProofError(`leaf ${index} is not in the tree of size ${size} with that root`);
  }
}

function isPowerOfTwo(n) {
  let p = 1;
  while (p < n) p *= 2;
  return p === n;
}

/** Throws ProofError unless the tree (second, secondRoot) extends (first, firstRoot)
 * (RFC 9162 section 2.1.4.2). */
export async function verifyConsistency(first, second, firstRoot, secondRoot, proof) {
  checkSizes(
    isCount(first) && isCount(second) && first <= second,
    `no consistency proof from size ${first} to size ${second}`,
  );
  checkHashes(firstRoot, secondRoot, ...proof);
  if (first === second) {
    if (proof.length) throw new ProofError("a consistency proof between equal sizes is empty");
    if (!equalBytes(firstRoot, secondRoot)) throw new ProofError(`two different roots for size ${first}`);
    return;
  }
  if (first === 0) {
    if (proof.length) throw new ProofError("a consistency proof from the empty tree is empty");
    return;
  }
  if (!proof.length) throw new ProofError("empty consistency proof");
  const path = isPowerOfTwo(first) ? [firstRoot, ...proof] : [...proof];
  let fn = first - 1;
  let sn = second - 1;
  while (odd(fn)) {
    fn = half(fn);
    sn = half(sn);
  }
  let fr = path[0];
  let sr = path[0];
  for (const c of path.slice(1)) {
    if (sn === 0) throw new ProofError("consistency proof too long");
    if (odd(fn) || fn === sn) {
      fr = await nodeHash(c, fr);
      sr = await nodeHash(c, sr);
      if (!odd(fn)) {
        while (fn && !odd(fn)) {
          fn = half(fn);
          sn = half(sn);
        }
      }
    } else {
      sr = await nodeHash(sr, c);
    }
    fn = half(fn);
    sn = half(sn);
  }
  if (sn !== 0) throw new ProofError("consistency proof too short");
  if (!equalBytes(fr, firstRoot)) throw new ProofError(`the proof does not lead to the root of size ${first}`);
  if (!equalBytes(sr, secondRoot)) throw new ProofError(`the proof does not lead to the root of size ${second}`);
}
