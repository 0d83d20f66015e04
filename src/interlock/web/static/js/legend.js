// The map's key: each party's colour by name, how a domain's outline reads without colour,
// and what red means (conflict hatching and marker, hot hazard, alerted track). Collapsible;
// open when the map has room for it.
import { CHANGE_EVENT, t } from "./i18n.js";
import { L } from "./map.js";
import { esc } from "./util.js";
import { fill as withHtml } from "./words.js";

const OPEN_ABOVE_PX = 900; // a narrower map starts with the key folded

const swatch = (inner) => `<svg width="28" height="14" aria-hidden="true">${inner}</svg>`;
const box = (attrs) => swatch(`<rect x="1" y="1" width="26" height="12" ${attrs}/>`);
const dot = (colour, r = 4) =>
  swatch(`<circle cx="14" cy="7" r="${r}" fill="${colour}" fill-opacity="0.8" stroke="${colour}" stroke-width="2"/>`);

/**
 * `parties`: [{id, name}] in the agreement's order; `colours`: party id -> colour;
 * `style`: {observed, conflict, dash: {air, sea, emission}} as layers.js draws them.
 */
export function legendControl(parties, colours, style) {
  const control = L.control({ position: "bottomleft" });
  control.onAdd = (map) => {
    const div = L.DomUtil.create("details", "legend");
    div.open = map.getSize().x > OPEN_ABOVE_PX;
    const row = (icon, text, cls = "") => `<div class="${cls}">${icon}<span>${text}</span></div>`;
    const partyRows = parties.map((p) =>
      row(box(`fill="${colours[p.id]}" fill-opacity="0.3" stroke="${colours[p.id]}" stroke-width="2"`), esc(p.name ?? p.id), "party"),
    );
    const line = (domain) =>
      `<span class="item">${swatch(
        `<line x1="1" y1="7" x2="27" y2="7" stroke="#333" stroke-width="2"${style.dash[domain] ? ` stroke-dasharray="${style.dash[domain]}"` : ""}/>`,
      )}${esc({ air: t("domain.air"), sea: t("domain.sea"), emission: t("domain.emission") }[domain])}</span>`;
    const item = (icon, text) => `<span class="item">${icon}${text}</span>`;
    // Written in the reader's language, and again on a switch (the <details> stays as it is).
    const fill = () => (div.innerHTML = `<summary>${esc(t("legend.title"))}</summary>
      <div class="legend-body">
      ${partyRows.join("")}
      ${row(dot(style.observed, 2.5), esc(t("legend.observed")), "observed")}
      <div class="domains">${["air", "sea", "emission"].map(line).join("")}</div>
      <div>${item(box(`fill="#555" fill-opacity="0.08" stroke="#555" stroke-width="1.5" stroke-dasharray="1 4"`), esc(t("legend.asset")))}
        ${item(`<span class="glyph receiver-glyph">◉</span>`, esc(t("legend.receiver")))}</div>
      <div class="conflict">${item(box(`fill="url(#conflict-hatch)" stroke="${style.conflict}" stroke-width="3"`), esc(t("legend.conflict")))}
        ${item(`<span class="glyph conflict-glyph">!</span>`, esc(t("legend.worst")))}
        ${item(dot(style.conflict), esc(t("legend.alerted")))}</div>
      <div>${item(box(`fill="none" stroke="#4a4a4a" stroke-width="1.5" stroke-dasharray="5 3"`), withHtml(t("legend.hazard"), { glyph: '<span class="glyph hazard-glyph">▲</span>' }))}</div>
      <div>${item(box(`fill="url(#hazard-hatch)" stroke="${style.conflict}" stroke-width="2" stroke-dasharray="5 3"`), esc(t("legend.hot")))}</div>
      </div>`);
    fill();
    control.relabel = fill;
    document.addEventListener(CHANGE_EVENT, fill);
    L.DomEvent.disableClickPropagation(div);
    L.DomEvent.disableScrollPropagation(div);
    return div;
  };
  control.onRemove = () => document.removeEventListener(CHANGE_EVENT, control.relabel);
  return control;
}
