// Ed25519-signed envelopes, as interlock.ledger.envelope.sign makes them.
//
// A hotline message or receipt is a party's own statement: the server relays it but can
// not forge it, so the page signs it here with the party's private key (kept in memory
// only, never sent or stored). The signature covers the RFC 8785 form of exactly the
// fields kind, author, key_id, signed_at, nonce and body.
import * as ed from "../vendor/noble-ed25519/index.js";
import { canonicalBytes } from "./canonical.js";

// PKCS#8 for Ed25519 (RFC 8410) is this fixed 16-byte header and then the 32-byte seed.
const PKCS8_PREFIX = "302e020100300506032b657004220420";

function hex(bytes) {
  return Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");
}

function base64(bytes) {
  return btoa(String.fromCharCode(...bytes));
}

/** URL-safe base64; `pad` keeps the "=" (signatures) or drops it (public key text). */
function base64url(bytes, pad) {
  const text = base64(bytes).replaceAll("+", "-").replaceAll("/", "_");
  return pad ? text : text.replace(/=+$/, "");
}

/** The 32-byte seed of a PKCS#8 PEM Ed25519 private key (what `interlock demo` writes). */
export function seedFromPem(pem) {
  const match = /-----BEGIN PRIVATE KEY-----([\s\S]*?)-----END PRIVATE KEY-----/.exec(pem);
  if (!match) throw new Error("not a PEM private key (BEGIN PRIVATE KEY ... END PRIVATE KEY)");
  let der;
  try {
    der = Uint8Array.from(atob(match[1].replace(/\s+/g, "")), (c) => c.charCodeAt(0));
  } catch {
    throw new Error("the PEM key is not valid base64");
  }
  if (der.length !== 48 || hex(der.subarray(0, 16)) !== PKCS8_PREFIX) {
    throw new Error("not an Ed25519 private key (PKCS#8, 48 bytes)");
  }
  return der.slice(16);
}

async function sha256(bytes) {
  return new Uint8Array(await crypto.subtle.digest("SHA-256", bytes));
}

/** A signing key: {seed, publicText ("ed25519:<base64url>"), keyId}. */
export async function loadKey(pem) {
  if (!globalThis.crypto?.subtle) {
    // WebCrypto (SHA-512 for Ed25519) exists only in secure contexts: HTTPS or localhost.
    throw new Error("signing needs a secure context: open the page over HTTPS or localhost");
  }
  const seed = seedFromPem(pem);
  const publicKey = await ed.getPublicKeyAsync(seed);
  return {
    seed,
    publicText: "ed25519:" + base64url(publicKey, false),
    keyId: hex(await sha256(publicKey)).slice(0, 16),
  };
}

/** ISO 8601 UTC with "Z", as the server writes times. */
function isoNow(now) {
  return now.toISOString();
}

/** A signed envelope (a plain JSON object) for `body`. */
export async function signEnvelope(key, kind, author, body, now = new Date()) {
  const nonce = hex(crypto.getRandomValues(new Uint8Array(16)));
  const env = { kind, author, key_id: key.keyId, signed_at: isoNow(now), nonce, body };
  const signature = await ed.signAsync(canonicalBytes(env), key.seed);
  return { ...env, signature: base64url(signature, true) };
}
