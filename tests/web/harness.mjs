// A line protocol over the page's own modules, for the Python tests: one JSON request per
// line on stdin, one JSON answer per line on stdout.
//   {"op": "canon", "value": V}                         -> {"ok": canonical text}
//   {"op": "sign", "pem", "kind", "author", "body"}     -> {"ok": signed envelope}
//   {"op": "sse", "chunks": [text, ...]}                -> {"ok": [event, ...]}
//   {"op": "inclusion", "index", "size", "leaf", "proof", "root"}    -> {"ok": true}
//   {"op": "consistency", "first", "second", "first_root", "second_root", "proof"} -> {"ok": true}
//   {"op": "open", "note", "log_key", "origin"}         -> {"ok": {origin, size, root, time}}
//   {"op": "cosign", "pem", "party", "body", "time"}    -> {"ok": cosignature line}
// (hashes in base64; a proof that fails is {"error": ..., "proof_error": true})
// A refusal is {"error": message}. Usage: node harness.mjs <static/js directory>
import { createInterface } from "node:readline";
import { pathToFileURL } from "node:url";
import { join } from "node:path";

const js = process.argv[2];
const { canonicalize } = await import(pathToFileURL(join(js, "canonical.js")).href);
const { loadKey, signEnvelope } = await import(pathToFileURL(join(js, "sign.js")).href);
const { sseEvents } = await import(pathToFileURL(join(js, "api.js")).href);
const merkle = await import(pathToFileURL(join(js, "merkle.js")).href);
const note = await import(pathToFileURL(join(js, "note.js")).href);
const raw = (h) => Uint8Array.from(atob(h), (c) => c.charCodeAt(0));

/** The events sseEvents reads from a body arriving in these chunks. */
async function parse(chunks) {
  const body = new ReadableStream({
    start(controller) {
      for (const chunk of chunks) controller.enqueue(new TextEncoder().encode(chunk));
      controller.close();
    },
  });
  const events = [];
  for await (const event of sseEvents(body)) events.push(event);
  return events;
}

for await (const line of createInterface({ input: process.stdin })) {
  let answer;
  try {
    const request = JSON.parse(line);
    if (request.op === "canon") {
      answer = { ok: canonicalize(request.value) };
    } else if (request.op === "sign") {
      const key = await loadKey(request.pem);
      const envelope = await signEnvelope(key, request.kind, request.author, request.body);
      answer = { ok: envelope, key: { publicText: key.publicText, keyId: key.keyId } };
    } else if (request.op === "sse") {
      answer = { ok: await parse(request.chunks) };
    } else if (request.op === "inclusion") {
      const { index, size, leaf, proof, root } = request;
      await merkle.verifyInclusion(index, size, raw(leaf), proof.map(raw), raw(root));
      answer = { ok: true };
    } else if (request.op === "consistency") {
      const { first, second, first_root: a, second_root: b, proof } = request;
      await merkle.verifyConsistency(first, second, raw(a), raw(b), proof.map(raw));
      answer = { ok: true };
    } else if (request.op === "open") {
      const key = await note.parseVerifierKey(request.log_key);
      const cp = await note.openCheckpoint(request.note, key.publicKey, request.origin);
      answer = { ok: { origin: cp.origin, size: cp.size, root: cp.rootText, time: cp.time } };
    } else if (request.op === "cosign") {
      const key = await loadKey(request.pem);
      answer = { ok: await note.cosignLine(request.body, request.party, key.seed, request.time) };
    } else {
      answer = { error: `unknown op ${request.op}` };
    }
  } catch (error) {
    answer = { error: String(error.message ?? error) };
    if (error instanceof merkle.ProofError) answer.proof_error = true;
    if (error instanceof note.NoteError) answer.note_error = true;
  }
  process.stdout.write(JSON.stringify(answer) + "\n");
}
