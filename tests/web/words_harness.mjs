// The page's formatters (words.js) and popup builders (popups.js) for the Python tests: one
// JSON request per line on stdin, one JSON answer per line on stdout.
//   {"fn": NAME, "args": [...]}   -> {"ok": words.NAME(...args)}
//   {"popup": NAME, "args": [...], "names": {agreement, notices, assets, tracks}}
//                                   -> {"ok": popups.NAME(...args with a Names built from names)}
//   {"lang": "ru"}                -> the page's words in that language from now on (the
//                                    catalogues static/i18n/*.json read from disk; English first)
// Usage: node words_harness.mjs <static/js directory>
import { readFileSync } from "node:fs";
import { createInterface } from "node:readline";
import { pathToFileURL } from "node:url";
import { join } from "node:path";

const js = process.argv[2];
const words = await import(pathToFileURL(join(js, "words.js")).href);
const popups = await import(pathToFileURL(join(js, "popups.js")).href);
const i18n = await import(pathToFileURL(join(js, "i18n.js")).href);
const catalogue = (code) => JSON.parse(readFileSync(join(js, "..", "i18n", `${code}.json`), "utf8"));
for (const code of Object.keys(i18n.LANGUAGES)) i18n.useCatalogue(code, catalogue(code));
i18n.useCatalogue("en", catalogue("en"), { choose: true });

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
    if (r.lang) answer = { ok: (i18n.useCatalogue(r.lang, catalogue(r.lang), { choose: true }), i18n.lang()) };
    else if (r.fn) answer = { ok: words[r.fn](...r.args) };
    else answer = { ok: popups[r.popup](...r.args.map((a) => (a === "$names" ? namesFrom(r.names) : a))) };
  } catch (error) {
    answer = { error: String(error.message ?? error) };
  }
  process.stdout.write(JSON.stringify(answer ?? { ok: null }) + "\n");
}
