// Small helpers shared by the page's modules.
import { t } from "./i18n.js";

const ESCAPES = { "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" };

/** Text made safe to put inside HTML: everything shown comes from other parties. */
export function esc(value) {
  return String(value ?? "").replace(/[&<>"']/g, (c) => ESCAPES[c]);
}

/** "2026-11-25 19:21Z": times are UTC everywhere in interlock. */
export function fmtTime(iso) {
  if (!iso) return "—";
  const d = typeof iso === "number" ? new Date(iso * 1000) : new Date(iso);
  return d.toISOString().slice(0, 16).replace("T", " ") + "Z";
}

/** "1 h 05 min", "42 s": a duration for countdowns (the units abbreviated in the reader's
 * language, so no plural agreement is needed). */
export function fmtDuration(ms) {
  const s = Math.round(Math.abs(ms) / 1000);
  const pad = (x) => String(x).padStart(2, "0");
  if (s < 120) return t("unit.s", { n: s });
  const m = Math.floor(s / 60);
  if (m < 120) return `${t("unit.min", { n: m })} ${t("unit.s", { n: pad(s % 60) })}`;
  return `${Math.floor(m / 60)} ${t("unit.h")} ${t("unit.min", { n: pad(m % 60) })}`;
}

/** Call `fn` once, `ms` after the last of a burst of calls. */
export function debounce(fn, ms) {
  let timer = null;
  return (...args) => {
    clearTimeout(timer);
    timer = setTimeout(() => fn(...args), ms);
  };
}

/** An HTML table of an object's simple fields (for details popups). */
export function detailsTable(obj, skip = []) {
  const rows = Object.entries(obj)
    .filter(([k, v]) => !skip.includes(k) && v !== null && v !== undefined && v !== "")
    .map(([k, v]) => {
      let text = typeof v === "object" ? JSON.stringify(v) : v;
      if (typeof v === "number" && k.endsWith("_at")) text = fmtTime(v); // epoch seconds
      else if (typeof v === "number" && !Number.isInteger(v)) text = String(+v.toFixed(3));
      return `<tr><th>${esc(k)}</th><td>${esc(text)}</td></tr>`;
    });
  return `<table class="details">${rows.join("")}</table>`;
}

/** Create an element from an HTML string (one root). */
export function html(text) {
  const tpl = document.createElement("template");
  tpl.innerHTML = text.trim();
  return tpl.content.firstElementChild;
}
