// Copy the browser libraries the page needs from node_modules into the package's static
// directory, so that `interlock serve` works offline (no CDN, no tile server).
//
//   npm --prefix web ci && npm --prefix web run build
//
// The output (src/interlock/web/static/vendor/) is downloaded code: it is rebuilt, never
// committed. Each library's LICENSE is copied with it, and VERSIONS.json records what was
// copied from which pinned version.
import { cpSync, mkdirSync, readFileSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const here = dirname(fileURLToPath(import.meta.url));
const modules = join(here, "node_modules");
const out = join(here, "..", "src", "interlock", "web", "static", "vendor");

// package -> [source path inside the package, destination inside vendor/<dir>]
const COPIES = {
  leaflet: {
    dir: "leaflet",
    files: [
      ["dist/leaflet-src.esm.js", "leaflet-src.esm.js"],
      ["dist/leaflet-src.esm.js.map", "leaflet-src.esm.js.map"],
      ["dist/leaflet.css", "leaflet.css"],
      ["dist/images", "images"],
      ["LICENSE", "LICENSE"],
    ],
  },
  "world-atlas": {
    // countries-50m holds both "countries" (borders) and "land" (coastlines): enough
    // detail for a theatre-sized view at 750 kB.
    dir: "world-atlas",
    files: [
      ["countries-50m.json", "countries-50m.json"],
      ["LICENSE", "LICENSE"],
    ],
  },
  "topojson-client": {
    // The ES module sources (src/*.js import each other with .js suffixes), so the page
    // imports them directly; the dist build is UMD only.
    dir: "topojson-client",
    files: [
      ["src", "src"],
      ["LICENSE", "LICENSE"],
    ],
  },
  "swagger-ui-dist": {
    // The API docs page (/docs, api/web.py): the bundle, its stylesheet and icon.
    dir: "swagger-ui",
    files: [
      ["swagger-ui-bundle.js", "swagger-ui-bundle.js"],
      ["swagger-ui.css", "swagger-ui.css"],
      ["favicon-32x32.png", "favicon-32x32.png"],
      ["LICENSE", "LICENSE"],
      ["NOTICE", "NOTICE"],
    ],
  },
  "@noble/ed25519": {
    dir: "noble-ed25519",
    files: [
      ["index.js", "index.js"],
      ["LICENSE", "LICENSE"],
    ],
  },
};

rmSync(out, { recursive: true, force: true });
const versions = {};
for (const [pkg, { dir, files }] of Object.entries(COPIES)) {
  const root = join(modules, pkg);
  const meta = JSON.parse(readFileSync(join(root, "package.json"), "utf8"));
  mkdirSync(join(out, dir), { recursive: true });
  for (const [from, to] of files) {
    cpSync(join(root, from), join(out, dir, to), { recursive: true });
  }
  versions[pkg] = { version: meta.version, license: meta.license, dir };
}
writeFileSync(join(out, "VERSIONS.json"), JSON.stringify(versions, null, 2) + "\n");
const count = (d) =>
  readdirSync(d, { withFileTypes: true }).reduce(
    (n, e) => n + (e.isDirectory() ? count(join(d, e.name)) : 1),
    0,
  );
console.log(`vendored ${Object.keys(versions).length} packages (${count(out)} files) into ${out}`);
