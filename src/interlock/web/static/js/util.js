// Small helpers shared by the page's modules.
import { t } from "./i18n.js";

const ESCAPES = { "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" };

/** Text made safe to put inside HTML: everything shown comes from other parties. */
export function esc(value) {
  return String(value ?? "").replace(/[&<>"']/g, (c) => ESCAPES[c]);
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

/** Create an element from an HTML string (one root). */
export function html(text) {
  const tpl = document.createElement("template");
  tpl.innerHTML = text.trim();
  return tpl.content.firstElementChild;
}
