// Signed notes and checkpoints (C2SP signed-note, tlog-checkpoint, tlog-cosignature/v1),
// read and made in the page exactly as the server's interlock.ledger.note and
// interlock.ledger.checkpoint read and make them.
//
// A note is text ending in a newline, a blank line, then signature lines
// "— <name> <base64(4-byte key hash || signature)>". The log signs each checkpoint twice
// with one key: type 0x01 (Ed25519 over the text) and type 0x04 (a cosignature/v1, which
// carries the time it was signed). A party's witness adds its own 0x04 line.
import * as ed from "../vendor/noble-ed25519/index.js";
import { HASH_SIZE } from "./merkle.js";

export const TYPE_ED25519 = 0x01;
export const TYPE_COSIGNATURE_V1 = 0x04;
export const WITNESS_PREFIX = "interlock-party/"; // ledger/checkpoint.py WITNESS_PREFIX
const MAX_SIGNATURES = 100; // what golang.org/x/mod/sumdb/note reads at most
const DASH = "\u2014";
const SIGNATURE_SIZE = 64;
const MAX_SIZE = Number.MAX_SAFE_INTEGER; // sizes past 2**53 - 1 are not exact in JS

export class NoteError extends Error {}

const utf8 = (text) => new TextEncoder().encode(text);

export function b64encode(bytes) {
  let text = "";
  for (const b of bytes) text += String.fromCharCode(b);
  return btoa(text);
}

/** Standard base64, read one way only (canonical, padded), as the server reads it. */
export function b64decode(text, what) {
  let raw;
  try {
    raw = Uint8Array.from(atob(text), (c) => c.charCodeAt(0));
  } catch {
    throw new NoteError(`${what}: not standard base64`);
  }
  if (typeof text !== "string" || b64encode(raw) !== text) throw new NoteError(`${what}: not canonical base64`);
  return raw;
}

function concat(...parts) {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

function hex(bytes) {
  return Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");
}

export function checkName(name) {
  if (typeof name !== "string" || !/^[^\s+]+$/u.test(name)) {
    throw new NoteError(`key name ${JSON.stringify(name)}: non-empty, without spaces or '+'`);
  }
  return name;
}

/** The 4-byte key hash: SHA-256(name || "\n" || type || public key)[:4]. */
export async function keyHash(name, type, publicKey) {
  const data = concat(utf8(checkName(name) + "\n"), Uint8Array.of(type), publicKey);
  return new Uint8Array(await crypto.subtle.digest("SHA-256", data)).slice(0, 4);
}

/** A verifier key's text form "name+<8 hex>+base64(type || key)", its hash checked. */
export async function parseVerifierKey(text) {
  const m = /^([^+]*)\+([0-9a-f]{8})\+(.*)$/s.exec(String(text));
  if (!m) throw new NoteError("a verifier key is name+<8 hex digits>+<base64 key>");
  const raw = b64decode(m[3], "verifier key");
  if (raw.length !== 33 || (raw[0] !== TYPE_ED25519 && raw[0] !== TYPE_COSIGNATURE_V1)) {
    throw new NoteError("a verifier key holds a type byte (0x01 or 0x04) and 32 key bytes");
  }
  const key = { name: checkName(m[1]), type: raw[0], publicKey: raw.slice(1) };
  if (hex(await keyHash(key.name, key.type, key.publicKey)) !== m[2]) {
    throw new NoteError(`verifier key ${key.name}: key hash ${m[2]} does not match its key`);
  }
  return key;
}

function checkText(text) {
  if (typeof text !== "string" || !text.endsWith("\n")) throw new NoteError("note text must end with a newline");
  // eslint-disable-next-line no-control-regex
  const bad = /[\u0000-\u0009\u000b-\u001f\u007f]/.exec(text);
  if (bad) throw new NoteError(`note text holds control character at ${bad.index}`);
  return text;
}

function parseSignatureLine(line) {
  const head = DASH + " ";
  if (!line.startsWith(head)) throw new NoteError(`signature line must start with '${head}'`);
  const parts = line.slice(head.length).split(" ");
  if (parts.length !== 2) throw new NoteError(`signature line is '${head}<name> <base64>'`);
  const [name, b64] = parts;
  const raw = b64decode(b64, `signature of ${checkName(name)}`);
  if (raw.length < 5) throw new NoteError(`signature of ${name}: too short`);
  return { name, hash: raw.slice(0, 4), data: raw.slice(4) };
}

/** A signed note, strictly: {text, signatures: [{name, hash, data}]}. */
export function parseNote(message) {
  if (typeof message !== "string") throw new NoteError("a note is text");
  const split = message.lastIndexOf("\n\n");
  if (split < 0) throw new NoteError("no blank line between the note text and its signatures");
  const text = checkText(message.slice(0, split + 1));
  const sigs = message.slice(split + 2);
  if (!sigs.endsWith("\n")) throw new NoteError("the last signature line must end with a newline");
  const lines = sigs.slice(0, -1).split("\n");
  if (lines.length > MAX_SIGNATURES) throw new NoteError(`more than ${MAX_SIGNATURES} signatures`);
  return { text, signatures: lines.map(parseSignatureLine) };
}

/** A checkpoint body: {origin, size, root (bytes), rootText}. */
export function parseCheckpoint(body) {
  checkText(body);
  const lines = body.slice(0, -1).split("\n");
  if (lines.length < 3) throw new NoteError("a checkpoint has an origin, a size and a root line");
  const [origin, size, rootText, ...ext] = lines;
  checkName(origin);
  if (!/^(0|[1-9][0-9]{0,15})$/.test(size) || Number(size) > MAX_SIZE) {
    throw new NoteError(`checkpoint size line ${JSON.stringify(size.slice(0, 30))}: a decimal number`);
  }
  const root = b64decode(rootText, "checkpoint root line");
  if (root.length !== HASH_SIZE) throw new NoteError(`checkpoint root line: not the base64 of ${HASH_SIZE} bytes`);
  if (ext.some((line) => !line)) throw new NoteError("checkpoint extension lines must not be empty");
  return { origin, size: Number(size), root, rootText };
}

async function findSignature(note, name, type, publicKey) {
  const hash = await keyHash(name, type, publicKey);
  const s = note.signatures.find((x) => x.name === name && hex(x.hash) === hex(hash));
  if (!s) throw new NoteError(`no signature by ${name} (${hex(hash)})`);
  return s;
}

async function verifyEd25519(signature, message, publicKey, who) {
  let ok = false;
  try {
    ok = await ed.verifyAsync(signature, message, publicKey, { zip215: false }); // RFC 8032, as the server
  } catch {
    ok = false;
  }
  if (!ok) throw new NoteError(`the signature by ${who} does not verify`);
}

/** What a cosignature/v1 signs: a header with the time, then the checkpoint body. */
export function cosignatureMessage(body, timestamp) {
  return utf8(`cosignature/v1\ntime ${timestamp}\n` + checkText(body));
}

function timeOf(data) {
  const view = new DataView(data.buffer, data.byteOffset, 8);
  const t = view.getBigUint64(0);
  if (t > BigInt(Number.MAX_SAFE_INTEGER)) throw new NoteError("a cosignature's time is out of range");
  return Number(t);
}

/**
 * Parse a signed checkpoint and check both of the log's signatures with its public key
 * (and its origin): {origin, size, root, rootText, time, body, note}; NoteError says
 * what is wrong.
 */
export async function openCheckpoint(noteText, logPublic, origin) {
  const note = parseNote(noteText);
  const cp = parseCheckpoint(note.text);
  if (origin !== undefined && cp.origin !== origin) {
    throw new NoteError(`checkpoint of log ${JSON.stringify(cp.origin)}, not ${JSON.stringify(origin)}`);
  }
  const plain = await findSignature(note, cp.origin, TYPE_ED25519, logPublic);
  if (plain.data.length !== SIGNATURE_SIZE) throw new NoteError(`the signature by ${cp.origin} is not 64 bytes`);
  await verifyEd25519(plain.data, utf8(note.text), logPublic, cp.origin);
  const stamped = await findSignature(note, cp.origin, TYPE_COSIGNATURE_V1, logPublic);
  if (stamped.data.length !== 8 + SIGNATURE_SIZE) throw new NoteError(`the cosignature by ${cp.origin} is not 8 + 64 bytes`);
  const time = timeOf(stamped.data);
  await verifyEd25519(stamped.data.slice(8), cosignatureMessage(note.text, time), logPublic, cp.origin);
  return { ...cp, time, body: note.text, note: noteText };
}

/** A party's cosignature/v1 line (no newline) over a checkpoint body, signed with its
 * Ed25519 seed at `timestamp` (Unix seconds): what interlock.witness posts. */
export async function cosignLine(body, party, seed, timestamp) {
  if (!Number.isSafeInteger(timestamp) || timestamp < 0) throw new NoteError("a cosignature's time is a non-negative integer");
  const name = checkName(WITNESS_PREFIX + party);
  const publicKey = await ed.getPublicKeyAsync(seed);
  const signature = await ed.signAsync(cosignatureMessage(body, timestamp), seed);
  const stamp = new Uint8Array(8);
  new DataView(stamp.buffer).setBigUint64(0, BigInt(timestamp));
  const hash = await keyHash(name, TYPE_COSIGNATURE_V1, publicKey);
  return `${DASH} ${name} ${b64encode(concat(hash, stamp, signature))}`;
}
