// Hazards on the map: third-party weapon engagement zones. Each is its site (a marker
// labelled with the weapon and operator, or the area's outline) and its envelope (where
// the weapon reaches: a dashed neutral outline). A hazard made hot by a kinetic notice
// whose window covers the page's time (now, or the time slider's) gets a red hatch fill
// and its window in the popup. Drawn in a pane below the notices, so the wide envelopes
// never take the clicks meant for what is inside them.
import { L } from "./map.js";
import { t } from "./i18n.js";
import { esc } from "./util.js";
import { bidiName, fmtAt, fmtBand, fmtDMS, fmtRange, fmtWindow, hazardName, hotAt } from "./words.js";

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

/** A hazard's popup as at the page's time `at` (ms since the epoch). */
function hazardPopup(f, hotNow, names, at) {
  const p = f.properties;
  const hotLines = hotNow
    .map((w) => `<p class="hot-window danger"><b>${esc(t("hazard.hot_window", { window: fmtWindow(w.from, w.to, at) }))}</b>, ${esc(names.hotCause(w))}</p>`)
    .join("");
  const others = (p.hot ?? []).filter((w) => !hotNow.includes(w));
  const later = others.length
    ? `<tr><th>${esc(t("hazard.row.other_hot"))}</th><td>${others
        .map((w) => `${esc(fmtWindow(w.from, w.to, at))}, ${esc(names.hotCause(w))}`)
        .join("<br>")}</td></tr>`
    : "";
  const from = p.valid_from ? t("hazard.valid_from", { time: fmtAt(p.valid_from) }) : t("hazard.now");
  const until = p.valid_to ? t("hazard.valid_until", { time: fmtAt(p.valid_to) }) : t("hazard.until_retired");
  const valid = p.valid_from || p.valid_to ? `${from} ${until}` : t("hazard.until_retired");
  const point = f.geometry.type === "Point";
  const rows = [
    [t("hazard.row.weapon"), esc(p.weapon != null ? bidiName(p.weapon) : t("hazard.not_stated"))],
    [t("hazard.row.operator"), p.operator != null ? esc(bidiName(p.operator)) : ""],
    [t("hazard.row.site"), point ? esc(fmtDMS(f.geometry.coordinates[1], f.geometry.coordinates[0])) : esc(t("hazard.an_area"))],
    [t("hazard.row.reach"), esc(point
      ? t("hazard.reach_site", { range: fmtRange(p.range_m) })
      : t("hazard.reach_area", { range: fmtRange(p.range_m) }))],
    [t("hazard.row.altitudes"), esc(fmtBand(p.alt_min_ft, p.alt_max_ft))],
    [t("hazard.row.valid"), esc(valid)],
    [t("hazard.row.reported_by"), esc(p.created_at
      ? t("hazard.reported_at", { party: bidiName(names.party(p.party)), time: fmtAt(p.created_at) })
      : bidiName(names.party(p.party)))],
    [t("hazard.row.source"), p.source != null ? esc(bidiName(p.source)) : ""],
  ];
  const quiet = hotNow.length ? "" : `<p class="muted">${esc(t("hazard.not_hot_at", { time: fmtAt(new Date(at).toISOString()) }))}</p>`;
  const title = p.name != null ? bidiName(p.name) : hazardName(p);
  return (
    `<h3>${esc(title)} <small>${esc(t("hazard.hazard"))}</small></h3>${hotLines}${quiet}` +
    `<table class="details">${rows.map(([k, v]) => `<tr><th>${esc(k)}</th><td>${v}</td></tr>`).join("")}${later}</table>`
  );
}
