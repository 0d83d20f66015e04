// The page's languages: labels from message catalogues (static/i18n/{en,ru,he}.json), chosen
// per user (kept in this browser's localStorage; first from the browser's language).
//
//   import { t } from "./i18n.js";
//   t("hotline.inbox")                      -> "Inbox" / "Входящие" / "דואר נכנס"
//   t("signin.key_not_listed", { key, party })  ({name} placeholders)
//
// A key missing from the chosen language falls back to English with a console warning (a
// key missing from English too shows as the key). Static labels in index.html carry
// data-i18n="key" (text), data-i18n-placeholder / -title / -aria-label (attributes); a
// label with code in it gives its code pieces as data-i18n-code='{"name": "text"}'.
// Hebrew sets dir="rtl" on <html>: the layout mirrors through CSS logical properties;
// words.js keeps numbers with units left to right inside it (ltr(): Unicode isolates).
// useCatalogue(code, object) installs a catalogue without a fetch (a preload; the Node
// tests install static/i18n/*.json read from disk). Keys are written as literal strings
// so tests/web/test_i18n_catalogues.py finds every key the page uses.

export const LANGUAGES = { en: "English", ru: "Русский", he: "עברית" };
const RTL = new Set(["he"]);
const FALLBACK = "en";
const STORAGE_KEY = "interlock.lang"; // localStorage: this browser's choice, across sessions
export const CHANGE_EVENT = "i18n:change"; // on document, after a switch has been applied

const catalogues = new Map(); // language -> {key: text}
const loading = new Map(); // language -> its one fetch
const warned = new Set();
let current = FALLBACK;

/** The language in use ("en", "ru", "he"). */
export function lang() {
  return current;
}

/** The catalogue language for a browser tag ("ru-RU", "he", "iw"); else English. */
export function languageOf(tag) {
  const base = String(tag ?? "").toLowerCase().split(/[-_]/)[0];
  const code = base === "iw" ? "he" : base; // the old code of Hebrew
  return code in LANGUAGES ? code : FALLBACK;
}

function load(code) {
  if (!loading.has(code)) {
    const fetched = fetch(`/static/i18n/${code}.json`).then(async (r) => {
      if (!r.ok) throw new Error(`the ${code} catalogue could not be loaded (${r.status})`);
      catalogues.set(code, await r.json());
    });
    loading.set(code, fetched.catch((e) => (loading.delete(code), Promise.reject(e))));
  }
  return loading.get(code);
}

/** Install a catalogue without fetching it (a preload, or Node tests reading the JSON from
 * disk); `choose` makes it the language in use without touching any page. */
export function useCatalogue(code, catalogue, { choose = false } = {}) {
  catalogues.set(code, catalogue);
  loading.set(code, Promise.resolve());
  if (choose) current = code;
}

/** "rtl" for a right-to-left language in use, else "ltr". */
export function direction() {
  return RTL.has(current) ? "rtl" : "ltr";
}

/** The text of `key` in the chosen language, {name} placeholders filled from `params`. */
export function t(key, params = {}) {
  let text = catalogues.get(current)?.[key];
  if (text === undefined) {
    text = catalogues.get(FALLBACK)?.[key];
    if (!warned.has(`${current}:${key}`)) {
      warned.add(`${current}:${key}`);
      console.warn(`i18n: no "${key}" in ${text === undefined ? "any catalogue" : current}`);
    }
    if (text === undefined) return key;
  }
  return text.replace(/\{(\w+)\}/g, (whole, name) => (name in params ? String(params[name]) : whole));
}

/** Apply the catalogue to the static labels under `root`. */
export function applyTo(root = document) {
  for (const el of root.querySelectorAll("[data-i18n]")) {
    const code = el.dataset.i18nCode ? JSON.parse(el.dataset.i18nCode) : null;
    if (!code) {
      el.textContent = t(el.dataset.i18n);
      continue;
    }
    // The text around {name}, with each named piece as <code> (no HTML from a catalogue).
    const parts = t(el.dataset.i18n).split(/\{(\w+)\}/);
    el.replaceChildren(
      ...parts.map((part, i) => {
        if (i % 2 === 0) return document.createTextNode(part);
        const c = document.createElement("code");
        c.textContent = code[part] ?? part;
        return c;
      }),
    );
  }
  for (const attr of ["placeholder", "title", "aria-label"]) {
    const data = `data-i18n-${attr}`;
    for (const el of root.querySelectorAll(`[${data}]`)) el.setAttribute(attr, t(el.getAttribute(data)));
  }
  const html = document.documentElement;
  html.lang = current;
  html.dir = direction();
  for (const select of document.querySelectorAll("select.lang-switch")) select.value = current;
}

/** Switch to `code`, keep the choice, relabel the page and tell whoever renders text. */
export async function setLanguage(code, { keep = true } = {}) {
  const chosen = code in LANGUAGES ? code : FALLBACK;
  await Promise.all([load(FALLBACK), load(chosen)]);
  current = chosen;
  if (keep) localStorage.setItem(STORAGE_KEY, chosen);
  applyTo();
  document.dispatchEvent(new CustomEvent(CHANGE_EVENT, { detail: { lang: chosen } }));
}

/** On load: the kept choice, else the browser's language; the switches wired. */
export async function initI18n() {
  for (const select of document.querySelectorAll("select.lang-switch")) {
    select.replaceChildren(
      ...Object.entries(LANGUAGES).map(([code, name]) => {
        const option = document.createElement("option");
        option.value = code;
        option.textContent = name;
        option.lang = code;
        return option;
      }),
    );
    select.addEventListener("change", () => setLanguage(select.value).catch((e) => console.warn(e)));
  }
  const kept = localStorage.getItem(STORAGE_KEY);
  await setLanguage(kept ?? languageOf(navigator.language), { keep: false });
}
