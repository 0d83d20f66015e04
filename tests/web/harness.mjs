// A line protocol over the page's own modules, for the Python tests: one JSON request per
// line on stdin, one JSON answer per line on stdout.
//   {"op": "canon", "value": V}                         -> {"ok": canonical text}
//   {"op": "sign", "pem", "kind", "author", "body"}     -> {"ok": signed envelope}
//   {"op": "sse", "chunks": [text, ...]}                -> {"ok": [event, ...]}
// A refusal is {"error": message}. Usage: node harness.mjs <static/js directory>
import { createInterface } from "node:readline";
import { pathToFileURL } from "node:url";
import { join } from "node:path";

const js = process.argv[2];
const { canonicalize } = await import(pathToFileURL(join(js, "canonical.js")).href);
const { loadKey, signEnvelope } = await import(pathToFileURL(join(js, "sign.js")).href);
const { sseEvents } = await import(pathToFileURL(join(js, "api.js")).href);

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
    } else {
      answer = { error: `unknown op ${request.op}` };
    }
  } catch (error) {
    answer = { error: String(error.message ?? error) };
  }
  process.stdout.write(JSON.stringify(answer) + "\n");
}
