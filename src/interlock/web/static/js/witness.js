// The page as a witness of the server's record (C2SP tlog-witness, done in the browser),
// as interlock.witness does it for the Python client and the CLI.
//
// On sign-in, and again whenever the push stream says the record grew (at most once every
// WITNESS_INTERVAL_MS), the page fetches the latest checkpoint, checks the log's two
// signatures with the log key pinned for this server on first use (localStorage is kept
// per server origin), and checks the server's consistency proof from the last checkpoint
// it verified. Only then does it keep the new one and, with a key loaded, cosign it. A
// smaller tree, a second root for one size, another key or log name, a bad signature or a
// failed proof raises an alarm: the checkpoint held is kept, and so is what the server
// showed (evidence for the other parties). Receipts the page signs carry the checkpoint it
// verified, once the message's entry is proven in it (`bindTo`).
import { ApiError } from "./api.js";
import { ProofError, leafHash, leafInput, verifyConsistency, verifyInclusion } from "./merkle.js";
import { NoteError, TYPE_ED25519, b64decode, cosignLine, openCheckpoint, parseVerifierKey } from "./note.js";

export const WITNESS_INTERVAL_MS = 3000; // at most one round every 3 s: bursts share one
// ...and at least one a minute: entries this party is not told of also grow the record,
// and a quiet page must still notice a rollback.
export const WITNESS_IDLE_MS = 60_000;
const STATE_KEY = "interlock.witness"; // the pinned log and the last checkpoint verified
const EVIDENCE_KEY = "interlock.witness.evidence"; // what failed, kept for the other parties
const MAX_EVIDENCE = 20;

/** The log failed a check: `kind` says which, `held` is what this page had verified. */
export class WitnessAlarm extends Error {
  constructor(kind, message, { held = null, shown = null, shownNote = "", messageId = null } = {}) {
    super(message);
    Object.assign(this, { kind, held, shown, shownNote, messageId });
  }
}

/** The server could not be asked (down, overloaded): no verdict either way. */
class Unreachable extends Error {}

function transient(error) {
  // fetch throws TypeError when the network fails; 5xx and 429 are the server's trouble.
  return !(error instanceof ApiError) || error.status >= 500 || error.status === 429;
}

export class Witness {
  /** `onChange(witness)` is called whenever the status or an alarm changes. */
  constructor({ api, me, key, onChange, storage = localStorage }) {
    Object.assign(this, { api, me, key, onChange, storage });
    this.held = null; // {origin, log_key, size, root, time, note, cosigned (by which party)}
    this.checkedAt = null; // when a round last confirmed `held` (ms)
    this.alarm = null; // the latest WitnessAlarm
    this.problem = null; // why the last round could not finish (not an alarm)
    this.inflight = null;
    this.lastRound = -Infinity;
    this.timer = null;
    this.stopped = false;
  }

  /** The first round now, then one whenever the record grows and at least every minute. */
  start() {
    this.idle = setInterval(() => this.recordGrew(), WITNESS_IDLE_MS);
    return this.round();
  }

  stop() {
    this.stopped = true;
    clearTimeout(this.timer);
    clearInterval(this.idle);
  }

  // ---- the stored state ---------------------------------------------------------------
  async loadHeld() {
    if (this.held) return this.held;
    const text = this.storage.getItem(STATE_KEY);
    if (!text) return null;
    let held;
    try {
      held = JSON.parse(text);
      const key = await parseVerifierKey(held.log_key);
      const cp = await openCheckpoint(held.note, key.publicKey, held.origin); // checked again
      held = { ...held, size: cp.size, root: cp.rootText, time: cp.time };
    } catch (error) {
      throw new WitnessAlarm("state", `this page's stored record check cannot be read (${error.message})`);
    }
    this.held = held;
    return held;
  }

  /** Whether this party cosigned the checkpoint held (another party may share the browser). */
  get cosigned() {
    return Boolean(this.held) && this.held.cosigned === this.me.id;
  }

  save(held) {
    this.held = held;
    this.storage.setItem(STATE_KEY, JSON.stringify(held));
  }

  keepEvidence(alarm) {
    let list = [];
    try {
      list = JSON.parse(this.storage.getItem(EVIDENCE_KEY) ?? "[]");
    } catch {
      list = [];
    }
    list.push({
      at: new Date().toISOString(),
      kind: alarm.kind,
      what: alarm.message,
      held: alarm.held?.note ?? null,
      shown: alarm.shownNote || null,
    });
    this.storage.setItem(EVIDENCE_KEY, JSON.stringify(list.slice(-MAX_EVIDENCE)));
  }

  // ---- rounds ---------------------------------------------------------------------------
  /** Check the server's latest checkpoint now (one round at a time: callers share it). */
  round() {
    if (!this.inflight) {
      this.inflight = this.check().finally(() => {
        this.inflight = null;
        this.lastRound = Date.now();
      });
    }
    return this.inflight;
  }

  /** The record grew: check it again, at most once every WITNESS_INTERVAL_MS. */
  recordGrew() {
    if (this.timer || this.stopped) return;
    const wait = Math.max(0, this.lastRound + WITNESS_INTERVAL_MS - Date.now());
    this.timer = setTimeout(async () => {
      await this.inflight?.catch(() => {}); // a round under way may predate the growth
      this.timer = null;
      if (!this.stopped) this.round();
    }, wait);
  }

  /** One round; never throws: the outcome is in held / alarm / problem. */
  async check() {
    try {
      await this.verifyLatest();
      this.problem = null;
    } catch (error) {
      if (error instanceof WitnessAlarm) this.raise(error);
      else this.problem = error.message;
    }
    this.onChange?.(this);
  }

  raise(alarm) {
    this.alarm = alarm;
    this.keepEvidence(alarm);
    console.warn(`record check failed: ${alarm.message}`);
  }

  async verifyLatest() {
    let info;
    try {
      info = await this.api.get("/checkpoint.json");
    } catch (error) {
      throw new Unreachable(`the latest checkpoint could not be fetched (${error.message})`);
    }
    const held = await this.loadHeld();
    const shownNote = String(info?.note ?? "");
    let shown;
    try {
      const key = await parseVerifierKey(info.log_key);
      if (key.type !== TYPE_ED25519) throw new NoteError("the log key is not an Ed25519 note key");
      shown = await openCheckpoint(shownNote, key.publicKey, String(info.origin));
    } catch (error) {
      throw new WitnessAlarm("signature", `the checkpoint does not verify: ${error.message}`, { held, shownNote });
    }
    const ctx = { held, shown, shownNote };
    if (held) {
      if (held.origin !== shown.origin) {
        throw new WitnessAlarm("renamed", `the log is now named ${shown.origin}, not ${held.origin}`, ctx);
      }
      if (held.log_key !== info.log_key) {
        throw new WitnessAlarm("key", `the log now signs with ${info.log_key}; ${held.log_key} was pinned`, ctx);
      }
      if (shown.size < held.size) {
        throw new WitnessAlarm("rollback", `rollback: ${shown.size} entries, fewer than the ${held.size} verified`, ctx);
      }
      if (shown.size === held.size && shown.rootText !== held.root) {
        throw new WitnessAlarm("fork", `fork: a second root for size ${shown.size}`, ctx);
      }
      if (shown.size > held.size && held.size > 0) await this.checkExtends(held, shown, ctx);
    }
    const same = held && held.size === shown.size;
    const next = {
      origin: shown.origin,
      log_key: info.log_key,
      size: shown.size,
      root: shown.rootText,
      time: shown.time,
      note: shownNote,
      cosigned: same ? held.cosigned : null,
    };
    this.save(next);
    this.checkedAt = Date.now();
    if (this.key && next.cosigned !== this.me.id) await this.cosign(next, shown.body);
  }

  async checkExtends(held, shown, ctx) {
    let proof;
    try {
      const answer = await this.api.get("/proof/consistency", { from: held.size, to: shown.size });
      proof = answer.proof.map((h) => b64decode(h, "proof hash"));
    } catch (error) {
      if (transient(error)) throw new Unreachable(`no consistency proof could be fetched (${error.message})`);
      throw new WitnessAlarm("proof", `no consistency proof from ${held.size} to ${shown.size}: ${error.message}`, ctx);
    }
    try {
      await verifyConsistency(held.size, shown.size, b64decode(held.root, "root"), shown.root, proof);
    } catch (error) {
      if (!(error instanceof ProofError)) throw error;
      throw new WitnessAlarm("proof", `size ${shown.size} is not proven to extend size ${held.size}: ${error.message}`, ctx);
    }
  }

  async cosign(held, body) {
    try {
      const line = await cosignLine(body, this.me.id, this.key.seed, Math.floor(Date.now() / 1000));
      await this.api.post("/checkpoint/cosign", { size: held.size, cosignature: line });
      this.save({ ...held, cosigned: this.me.id });
      this.cosignProblem = null;
    } catch (error) {
      this.cosignProblem = error.detail || error.message; // shown; tried again next round
    }
  }

  // ---- receipts bound to the log --------------------------------------------------------
  /**
   * The checkpoint {size, root} to sign into a receipt for `message` ({id, seq}): one this
   * page verified that holds the message's ledger entry (after a round if the one held is
   * too small), with the entry's inclusion proof checked against it. Throws when it
   * cannot (the receipt then goes out without one: still valid, as an older client's).
   */
  async bindTo(message) {
    const seq = message.seq;
    if (!Number.isSafeInteger(seq) || seq < 1) throw new Error(`message ${message.id} has no ledger entry number`);
    if (!this.held || this.held.size < seq) await this.round();
    if (!this.held || this.held.size < seq) await this.round(); // the one shared was older
    const held = this.held;
    if (!held || held.size < seq) throw new Error(`no verified checkpoint holds entry ${seq} yet`);
    const [entry] = await this.api.get("/ledger", { from_seq: seq, limit: 1 });
    if (entry?.seq !== seq || entry?.event?.id !== message.id) {
      throw new Error(`the server's ledger has no entry ${seq} recording ${message.id}`);
    }
    let proof;
    try {
      const answer = await this.api.get("/proof/inclusion", { seq, size: held.size });
      proof = answer.proof.map((h) => b64decode(h, "proof hash"));
      const leaf = await leafHash(leafInput(entry.hash));
      await verifyInclusion(seq - 1, held.size, leaf, proof, b64decode(held.root, "root"));
    } catch (error) {
      if (error instanceof ApiError && transient(error)) throw error;
      if (!(error instanceof ApiError || error instanceof ProofError || error instanceof NoteError)) throw error;
      const alarm = new WitnessAlarm(
        "inclusion",
        `message ${message.id} (entry ${seq}) is not proven in the checkpoint of size ${held.size}: ${error.message}`,
        { held, messageId: message.id },
      );
      this.raise(alarm);
      this.onChange?.(this);
      throw alarm;
    }
    return { size: held.size, root: held.root };
  }
}
