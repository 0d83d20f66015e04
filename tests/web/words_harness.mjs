// The page's formatters (words.js) and popup builders (popups.js) for the Python tests: one
// JSON request per line on stdin, one JSON answer per line on stdout.
//   {"fn": NAME, "args": [...]}   -> {"ok": words.NAME(...args)}
//   {"popup": NAME, "args": [...], "names": {agreement, notices, assets, tracks}}
//                                   -> {"ok": popups.NAME(...args with a Names built from names)}
// Usage: node words_harness.mjs <static/js directory>
import { createInterface } from "node:readline";
import { pathToFileURL } from "node:url";
import { join } from "node:path";

const js = process.argv[2];
const words = await import(pathToFileURL(join(js, "words.js")).href);
const popups = await import(pathToFileURL(join(js, "popups.js")).href);

function namesFrom(n) {
  const names = new words.Names(n.agreement);
  const byId = (fs) => new Map((fs ?? []).map((f) => [f.properties.id ?? f.id, f]));
  names.notices = byId(n.notices);
  names.assets = byId(n.assets);
  names.tracks = byId(n.tracks);
  return names;
}

for await (const line of createInterface({ input: process.stdin })) {
  let answer;
  try {
    const r = JSON.parse(line);
    if (r.fn) answer = { ok: words[r.fn](...r.args) };
    else answer = { ok: popups[r.popup](...r.args.map((a) => (a === "$names" ? namesFrom(r.names) : a))) };
  } catch (error) {
    answer = { error: String(error.message ?? error) };
  }
  process.stdout.write(JSON.stringify(answer ?? { ok: null }) + "\n");
}
