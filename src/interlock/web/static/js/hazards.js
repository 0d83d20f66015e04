// Hazards on the map: third-party weapon engagement zones. Each is its site (a marker
// labelled with the weapon and operator, or the area's outline) and its envelope (where
// the weapon reaches: a dashed neutral outline). A hazard made hot by a kinetic notice
// whose window covers the page's time (now, or the time slider's) gets a red hatch fill
// and its window in the popup. Drawn in a pane below the notices, so the wide envelopes
// never take the clicks meant for what is inside them.
import { L } from "./map.js";
import { esc } from "./util.js";
import { fmtAt, fmtBand, fmtDMS, fmtRange, fmtWindow, hazardName, hotAt } from "./words.js";

const PANE = "hazards";
const OUTLINE = "#4a4a4a"; // neutral: a hazard is nobody's in the agreement
const HOT = "#d40000";
const POPUP = { maxHeight: 320, maxWidth: 400 };

export class HazardLayer {
  constructor(map, names) {
    this.map = map;
    this.names = names;
    map.createPane(PANE).style.zIndex = 350; // under the overlay pane (400): notices on top
    this.group = L.layerGroup().addTo(map);
    this.byId = new Map(); // hazard id -> {envelope, site}
  }

  /** Draw `features` (GET /hazards), hot as at time `t` (ms since the epoch). */
  set(features, t) {
    this.group.clearLayers();
    this.byId.clear();
    for (const f of features) {
      if (f.properties.retired_at) continue;
      const hot = hotAt(f, t);
      const drawn = this.draw(f, hot, t);
      this.byId.set(f.properties.id, drawn);
    }
  }

  draw(f, hot, t) {
    const p = f.properties;
    const popup = () => hazardPopup(f, hot, this.names, t);
    const isHot = hot.length > 0;
    const tip = `${hazardName(p)}${isHot ? " — HOT" : ""}`;
    const out = {};
    if (p.envelope?.type === "Polygon") {
      out.envelope = L.polygon(
        p.envelope.coordinates.map((ring) => ring.map(([lon, lat]) => [lat, lon])),
        {
          pane: PANE,
          color: isHot ? HOT : OUTLINE,
          weight: isHot ? 2.5 : 1.5,
          dashArray: "10 6",
          fill: isHot,
          fillColor: HOT,
          fillOpacity: 0.18,
          className: `hazard-envelope${isHot ? " hazard-hot" : ""}`,
        },
      )
        .bindPopup(popup, POPUP)
        .bindTooltip(esc(tip), { sticky: true })
        .addTo(this.group);
    }
    const g = f.geometry;
    if (g.type === "Polygon") {
      L.polygon(g.coordinates.map((r) => r.map(([lon, lat]) => [lat, lon])), {
        pane: PANE,
        color: isHot ? HOT : OUTLINE,
        weight: 1.5,
        fillOpacity: 0.05,
        className: "hazard-area",
      })
        .bindPopup(popup, POPUP)
        .addTo(this.group);
    }
    const at = siteOf(g);
    if (at) {
      out.site = L.marker(at, {
        icon: L.divIcon({
          className: `hazard-site${isHot ? " hot" : ""}`,
          html: `<span class="glyph">▲</span><span class="name">${esc(siteLabel(p))}${isHot ? " <b>HOT</b>" : ""}</span>`,
          iconSize: [16, 16],
          iconAnchor: [8, 8],
        }),
        title: tip,
        keyboard: false,
      })
        .bindPopup(popup, POPUP)
        .addTo(this.group);
      out.site.getElement()?.setAttribute("data-hazard", p.id);
    }
    return out;
  }

  open(id) {
    const h = this.byId.get(id);
    const layer = h?.site ?? h?.envelope;
    if (!layer) return false;
    if (h.envelope) this.map.fitBounds(h.envelope.getBounds(), { padding: [20, 20] });
    layer.openPopup();
    return true;
  }
}

/** The site's position: the Point, or the middle of the area. */
function siteOf(g) {
  if (g.type === "Point") return [g.coordinates[1], g.coordinates[0]];
  if (g.type === "Polygon") {
    const ring = g.coordinates[0].slice(0, -1);
    const lon = ring.reduce((s, q) => s + q[0], 0) / ring.length;
    const lat = ring.reduce((s, q) => s + q[1], 0) / ring.length;
    return [lat, lon];
  }
  return null;
}

/** "S-200 · Syria": the weapon and its operator, as the marker says it. */
function siteLabel(p) {
  return [p.weapon ?? p.name, p.operator].filter(Boolean).join(" · ");
}

function hazardPopup(f, hotNow, names, t) {
  const p = f.properties;
  const hotLines = hotNow
    .map((w) => `<p class="hot-window danger"><b>hot ${esc(fmtWindow(w.from, w.to, t))}</b>, ${esc(names.hotCause(w))}</p>`)
    .join("");
  const others = (p.hot ?? []).filter((w) => !hotNow.includes(w));
  const later = others.length
    ? `<tr><th>Other hot windows</th><td>${others
        .map((w) => `${esc(fmtWindow(w.from, w.to, t))}, ${esc(names.hotCause(w))}`)
        .join("<br>")}</td></tr>`
    : "";
  const valid =
    p.valid_from || p.valid_to
      ? `${p.valid_from ? `from ${esc(fmtAt(p.valid_from))}` : "now"} ${p.valid_to ? `until ${esc(fmtAt(p.valid_to))}` : "until retired"}`
      : "until retired";
  const rows = [
    ["Weapon", esc(p.weapon ?? "not stated")],
    ["Operator", esc(p.operator)],
    ["Site", f.geometry.type === "Point" ? esc(fmtDMS(f.geometry.coordinates[1], f.geometry.coordinates[0])) : "an area"],
    ["Reach", `${esc(fmtRange(p.range_m))} from the ${f.geometry.type === "Point" ? "site" : "area"}`],
    ["Altitudes", esc(fmtBand(p.alt_min_ft, p.alt_max_ft))],
    ["Valid", valid],
    ["Reported by", `${esc(names.party(p.party))}${p.created_at ? ` at ${esc(fmtAt(p.created_at))}` : ""}`],
    ["Source", esc(p.source)],
  ];
  const quiet = hotNow.length ? "" : `<p class="muted">Not hot at ${esc(fmtAt(new Date(t).toISOString()))}.</p>`;
  return (
    `<h3>${esc(p.name ?? hazardName(p))} <small>hazard</small></h3>${hotLines}${quiet}` +
    `<table class="details">${rows.map(([k, v]) => `<tr><th>${k}</th><td>${v}</td></tr>`).join("")}${later}</table>`
  );
}
