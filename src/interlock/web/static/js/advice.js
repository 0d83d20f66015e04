// "What clears it?": the advice for a strategic conflict (GET /conflicts/{id}/advice), for
// the party whose notice is in it. A panel at the top of the side column lists each piece
// in the server's words (its summary); the map draws each candidate notice as a ghost, a
// dash-dot outline in the party's colour, lightly filled, beside the original, labelled
// with what it changes ("delay +3 h 15 min", "FL260–FL360", "5.9 NM 265°"). Time and
// level advice keep the area: their ghosts lie on the original, their labels stacked at
// its east edge. Apply amends the notice with a piece (POST /notices/{id}/advice/{k}/apply)
// after the officer confirms it in the panel.
//
// The page signs no notice (it files none): Apply posts {}, and the server amends with the
// piece's own feature. Where the agreement requires signed notices the server says 401,
// shown as it says it; the CLI (`interlock conflicts advice N --apply K`) signs.
import { t } from "./i18n.js";
import { L } from "./map.js";
import { esc } from "./util.js";
import { bidiName, fmtAt, fmtBandAsFiled, fmtDistanceNM, fmtMinutes, ltr, severityWord } from "./words.js";

// A ghost's outline: dash-dot, unlike any domain's own (air solid, sea dashed, emission
// dotted: layers.js DASH), so an advised volume is never taken for a filed one.
export const GHOST_DASH = "10 4 2 4";
const GHOST = { weight: 2.5, opacity: 0.95, fillOpacity: 0.06, bandOpacity: 0.14 };
const GHOST_HOT = { weight: 4.5, opacity: 1, fillOpacity: 0.14, bandOpacity: 0.3 };
const GHOST_DIM = { weight: 1.5, opacity: 0.35, fillOpacity: 0.02, bandOpacity: 0.06 };
const LABEL_STEP_PX = 20; // stacked labels of ghosts sharing an anchor (time and level advice)
const M_PER_DEG = 111_320; // a degree of latitude, near enough to place a label beside a band
const LEGEND_BESIDE_PX = 900; // a map this wide keeps the legend open beside the ghosts (legend.js)
const ARC_STEPS = 12; // points on a half circle of a band's round end
// The server's summary ends so for a late piece (service/advice.py _summary); the panel
// says it as its own warning instead, in the reader's language, so not twice.
const LATE_TAIL = / — filed now, a late notice$/;
const LABEL_PANE = "adviceLabels";
const LABEL_ROOM_PX = 140; // kept either side of a framed area, for its ghosts' labels

// Literal keys, so the catalogue test finds every one the page uses.
const KIND = {
  delay: () => t("advice.kind.delay"),
  advance: () => t("advice.kind.advance"),
  level_up: () => t("advice.kind.level_up"),
  level_down: () => t("advice.kind.level_down"),
  offset: () => t("advice.kind.offset"),
  narrow: () => t("advice.kind.narrow"),
  shrink: () => t("advice.kind.shrink"),
};
const kindWord = (kind) => KIND[kind]?.() ?? String(kind ?? "").replace(/_/g, " ");

/** Whether `me` may ask what clears conflict `c`: a strategic one (interference has the
 * spectrum's own advice in its popup) with a notice of `me` on one side. */
export function canAdvise(c, me) {
  if (!c || c.kind === "interference") return false;
  return (c.a_kind === "notice" && c.a_party === me) || (c.b_kind === "notice" && c.b_party === me);
}

/** What a piece changes, as short as a map label: "delay +3 h 15 min", "FL260–FL360". */
export function ghostLabel(piece) {
  const c = piece.change ?? {};
  const p = piece.feature?.properties ?? {};
  switch (piece.kind) {
    case "delay":
      return t("advice.label.delay", { time: fmtMinutes(c.delay_s) });
    case "advance":
      return t("advice.label.advance", { time: fmtMinutes(c.advance_s) });
    case "level_up":
    case "level_down":
      return fmtBandAsFiled(p);
    case "offset":
      return ltr(`${Number(c.distance_nm).toFixed(1)} NM ${String(Math.round(c.bearing_deg) % 360).padStart(3, "0")}°`);
    case "narrow":
      return p.half_width_m != null
        ? t("advice.label.width", { width: fmtDistanceNM(2 * p.half_width_m) })
        : t("advice.label.radius", { radius: fmtDistanceNM(p.radius_m) });
    case "shrink":
      return t("advice.label.shrink", { pct: ltr(`${percent((c.kept_fraction ?? 0) * 100)} %`) });
    default:
      return kindWord(piece.kind);
  }
}

/** "62", "4.5", "0.3": a share of an area, to a tenth under 10 (a sliver is not "0 %"). */
function percent(x) {
  return x >= 10 ? String(Math.round(x)) : x.toFixed(1);
}

/** A piece's summary as the panel shows it (a late one's tail said apart, as a warning). */
function said(piece) {
  const text = String(piece.summary ?? "");
  return piece.late ? text.replace(LATE_TAIL, "") : text;
}

/** "delay 3 h 15 min" of "delay 3 h 15 min: 13:15-15:15 UTC": the change, for a question. */
function headOf(summary) {
  const text = String(summary ?? "");
  const cut = text.indexOf(": ");
  return cut > 0 ? text.slice(0, cut) : text;
}

export class AdvicePanel {
  /**
   * `root`: the panel's element; `layers`: the map's Layers (area() draws a notice's
   * shape, colour() a party's colour); `me`: the signed-in party's id; `onApplied(result)`
   * after an amendment (the stream brings the new picture anyway).
   */
  constructor({ root, api, layers, names, me, onApplied = () => {} }) {
    Object.assign(this, { root, api, layers, names, me, onApplied });
    this.map = layers.map;
    this.group = L.layerGroup().addTo(this.map);
    // The ghosts' labels above the map's other labels (tooltips, 650), below popups (700).
    this.map.createPane(LABEL_PANE).style.zIndex = 660;
    this.ghosts = []; // [{layers: [Leaflet layer], label: marker}], by index into advice
    this.state = null; // {conflict, advice | error, applied, confirming, selected}
    root.addEventListener("click", (e) => this.onClick(e));
    root.addEventListener("mouseover", (e) => this.hover(e.target.closest("[data-k]")?.dataset.k ?? null));
    root.addEventListener("mouseleave", () => this.hover(null));
    root.addEventListener("focusin", (e) => this.hover(e.target.closest("[data-k]")?.dataset.k ?? null));
  }

  /** Ask the server what clears conflict `id` and show it. */
  async open(id) {
    const conflict = String(id);
    const asked = { conflict, loading: true };
    this.clearGhosts();
    this.state = asked;
    this.render();
    this.show();
    try {
      const advice = await this.api.get(`/conflicts/${encodeURIComponent(conflict)}/advice`);
      if (this.state !== asked) return; // asked again (or closed) meanwhile: that answer counts
      this.state = { conflict, advice, selected: null, confirming: null };
      this.render();
      this.drawGhosts();
      this.frame();
    } catch (error) {
      if (this.state !== asked) return;
      // 409: not this party's to change (an asset owner), closed, or interference.
      this.state = { conflict, error: error.detail || error.message, status: error.status };
      this.render();
    }
  }

  close() {
    this.clearGhosts();
    this.state = null;
    this.root.hidden = true;
    this.root.innerHTML = "";
  }

  /** The panel in view at the top of the side column. */
  show() {
    this.root.hidden = false;
    this.root.closest("#side")?.scrollTo?.({ top: 0 });
    this.map.closePopup(); // the popup would cover the ghosts
  }

  /** Written again in the reader's language (a language switch). */
  relabel() {
    if (!this.state) return;
    this.render();
    if (this.state.advice && !this.state.applied) {
      this.clearGhosts();
      this.drawGhosts();
    }
  }

  // ---- the panel ----------------------------------------------------------------------
  render() {
    const s = this.state;
    if (!s) return;
    const title = t("advice.title", { id: ltr(`#${s.conflict}`) });
    const head = `<div class="advice-head"><h3>${esc(title)}</h3>
      <button type="button" class="advice-close" data-action="close" title="${esc(t("advice.close"))}" aria-label="${esc(t("advice.close"))}">×</button></div>`;
    let body;
    if (s.loading) body = `<p class="muted">${esc(t("advice.loading"))}</p>`;
    else if (s.error != null) body = `<p class="advice-refused">${esc(t(s.status === 409 ? "advice.refused" : "advice.failed"))}</p><p class="muted advice-why">${esc(s.error)}</p>`;
    else body = this.adviceHtml(s);
    const scrolled = this.root.querySelector(".advice-list")?.scrollTop ?? 0; // kept across a redraw
    this.root.innerHTML = head + body;
    const list = this.root.querySelector(".advice-list");
    if (list) list.scrollTop = scrolled;
  }

  adviceHtml(s) {
    const a = s.advice;
    const n = a.notice ?? {};
    const name = bidiName(n.name ?? n.id ?? "");
    const colour = this.layers.colour(n.party);
    const clears = (a.clears ?? []).map((id) => ltr(`#${id}`)).join(", ");
    const meets = (a.meets ?? []).map((m) => this.obstacle(m)).join("; ");
    const intro = `<p class="advice-for">${esc(t("advice.for", { notice: name, version: n.version }))}
      ${clears ? `<br>${esc(t("advice.clears", { ids: clears }))}` : ""}
      ${meets ? `<br><small>${esc(t("advice.keeps_clear_of"))} ${meets}</small>` : ""}</p>`;
    const own = n.party === this.me;
    const pieces = (a.advice ?? []).map((piece, i) => this.pieceHtml(piece, i, s, own, colour, name));
    const list = pieces.length
      ? `<ol class="advice-list">${pieces.join("")}</ol>`
      : `<p class="warn">${esc(t("advice.none"))}</p>`;
    const unavailable = (a.unavailable ?? []).length
      ? `<p class="muted advice-unavailable-head">${esc(t("advice.unavailable"))}</p><ul class="advice-unavailable muted">${a.unavailable
          .map((u) => `<li data-kind="${esc(u.kind)}"><b>${esc(kindWord(u.kind))}</b>: ${esc(u.why)}</li>`)
          .join("")}</ul>`
      : "";
    const applied = s.applied ? this.appliedHtml(s.applied) : "";
    const when = a.computed_at ? `<p class="muted advice-when"><small>${esc(t("advice.computed", { time: fmtAt(a.computed_at) }))}</small></p>` : "";
    return applied + (s.applied ? "" : intro + list + unavailable + when);
  }

  obstacle(m) {
    const party = m.party ? ` <small>(${esc(bidiName(m.party_name ?? this.names.party(m.party)))})</small>` : "";
    const name = m.name ?? (m.kind === "asset" ? this.names.asset(m.id) : m.kind === "notice" ? this.names.notice(m.id) : m.id);
    return `<span class="advice-meets" data-kind="${esc(m.kind)}">${esc(bidiName(String(name ?? "")))}${party}</span>`;
  }

  pieceHtml(piece, i, s, own, colour, name) {
    const swatch = `<svg class="advice-swatch" width="28" height="14" aria-hidden="true"><rect x="1.5" y="1.5" width="25" height="11"
      fill="${colour}" fill-opacity="0.12" stroke="${colour}" stroke-width="2" stroke-dasharray="${GHOST_DASH}"/></svg>`;
    const late = piece.late ? `<div class="warn advice-late">⚠ ${esc(t("advice.late"))}</div>` : "";
    let action = "";
    if (own && s.confirming === i) {
      action = `<div class="advice-confirm" role="group"><span>${esc(t("advice.confirm", { notice: name, change: headOf(said(piece)) }))}</span>
        <button type="button" data-action="amend" class="advice-amend">${esc(t("advice.amend"))}</button>
        <button type="button" data-action="cancel">${esc(t("advice.cancel"))}</button>
        ${s.busy ? `<span class="muted">${esc(t("advice.applying"))}</span>` : ""}</div>`;
    } else if (own) {
      action = `<button type="button" data-action="apply" class="advice-apply">${esc(t("advice.apply"))}</button>`;
    }
    const failed = s.failed?.k === i ? `<div class="danger advice-failed">${esc(s.failed.detail)}</div>` : "";
    const selected = s.selected === i ? " selected" : "";
    return `<li class="advice-piece${selected}" data-k="${i}" data-kind="${esc(piece.kind)}" tabindex="0">
      <div class="advice-line">${swatch}<span class="advice-label-text">${esc(ghostLabel(piece))}</span></div>
      <div class="advice-summary">${esc(said(piece))}</div>${late}${action}${failed}</li>`;
  }

  appliedHtml(result) {
    const props = result.notice?.properties ?? {};
    const name = bidiName(props.callsign ?? props.id ?? "");
    const conflicts = result.conflicts ?? [];
    const outcome = conflicts.length
      ? `<p class="danger">${esc(t("advice.still", { list: conflicts.map((c) => `${ltr(`#${c.id}`)} (${severityWord(c.severity)})`).join(", ") }))}</p>`
      : `<p class="advice-clear">${esc(t("advice.no_conflicts"))}</p>`;
    const violations = (result.violations ?? []).map((v) => `<li class="warn">${esc(v.detail ?? v.kind)}</li>`).join("");
    return `<div class="advice-applied" role="status"><p><b>${esc(t("advice.applied", { notice: name, version: props.version, change: result.applied?.summary ?? "" }))}</b></p>
      ${outcome}${violations ? `<ul>${violations}</ul>` : ""}</div>`;
  }

  onClick(e) {
    const button = e.target.closest("button[data-action]");
    const li = e.target.closest("[data-k]");
    const k = li ? Number(li.dataset.k) : null;
    const s = this.state;
    if (button) {
      const action = button.dataset.action;
      if (action === "close") return this.close();
      if (!s?.advice) return;
      if (action === "apply") {
        s.confirming = k;
        s.failed = null;
        this.select(k);
      } else if (action === "cancel") {
        s.confirming = null;
        this.render();
      } else if (action === "amend") this.apply(k);
      return;
    }
    if (li && s?.advice) this.select(k, { frame: true });
  }

  async apply(k) {
    const s = this.state;
    const piece = s.advice.advice[k];
    const id = s.advice.notice.id;
    s.busy = true;
    this.render();
    try {
      const path = `/notices/${encodeURIComponent(id)}/advice/${encodeURIComponent(piece.k ?? k)}/apply`;
      const result = await this.api.post(path, {});
      if (this.state !== s) return;
      s.applied = result;
      s.busy = false;
      this.clearGhosts(); // the notice is now what the ghost was: drawn by the stream
      this.render();
      this.onApplied(result);
    } catch (error) {
      if (this.state !== s) return;
      s.busy = false;
      s.confirming = null;
      // 401: the agreement wants signed notices; 409: the notice changed since (ask again).
      s.failed = { k, detail: error.detail || error.message };
      this.render();
    }
  }

  // ---- the ghosts ---------------------------------------------------------------------
  drawGhosts() {
    const a = this.state?.advice;
    if (!a) return;
    const colour = this.layers.colour(a.notice?.party);
    const anchors = new Map(); // label anchor -> how many labels there already
    (a.advice ?? []).forEach((piece, i) => {
      if (!piece.feature?.geometry) return;
      const drawn = this.ghostLayers(piece.feature, colour, i);
      drawn.forEach((layer) => {
        layer.addTo(this.group);
        const el = layer.getElement?.();
        el?.setAttribute("data-k", String(i));
        el?.setAttribute("data-kind", piece.kind);
        layer.on("mouseover", () => this.hover(String(i)));
        layer.on("mouseout", () => this.hover(null));
        layer.on("click", () => this.select(i, { scroll: true }));
      });
      const { at, west, middle } = this.anchor(piece, drawn);
      const key = `${at.lat.toFixed(4)},${at.lng.toFixed(4)}`;
      const n = anchors.get(key) ?? 0;
      anchors.set(key, n + 1);
      const side = middle ? " advice-label-middle" : west ? " advice-label-west" : "";
      const label = L.marker(at, {
        icon: L.divIcon({
          className: `advice-label${side}`,
          html: `<span style="border-color:${colour}" data-k="${i}">${esc(ghostLabel(piece))}</span>`,
          iconSize: [0, 0],
          iconAnchor: [middle ? 0 : west ? 8 : -8, 10 - n * LABEL_STEP_PX],
        }),
        keyboard: false,
        pane: LABEL_PANE,
      }).addTo(this.group);
      label.on("mouseover", () => this.hover(String(i)));
      label.on("mouseout", () => this.hover(null));
      label.on("click", () => this.select(i, { scroll: true }));
      this.ghosts[i] = { layers: drawn, label };
    });
    this.restyle();
  }

  /** A candidate notice as the map draws notices (layers.area: polygon, circle, corridor,
   * orbit), in the ghost's style; a corridor or orbit, drawn as a wide band, gets the
   * band's edge dash-dotted on top (its outline: the centre line buffered by the width). */
  ghostLayers(feature, colour, i) {
    const className = `advice-ghost ghost-${i}`;
    const style = { color: colour, fillColor: colour, dashArray: GHOST_DASH, className, ...GHOST };
    const g = feature.geometry;
    const p = feature.properties ?? {};
    const half = p.half_width_m ?? p.radius_m ?? 0;
    if (g.type === "LineString" && half > 0) {
      const band = this.layers.area(feature, { ...style, dashArray: null, className: `${className} advice-band` });
      const edge = L.polygon(bandOutline(g.coordinates, half), { ...style, fill: false, className: `${className} advice-edge` });
      return [band, edge];
    }
    return [this.layers.area(feature, style)];
  }

  /** Where a ghost's label goes, and whether it reads leftwards: a moved area's (offset)
   * on its far side from the original, the others' (the same area: time, level; narrowed
   * or shrunk in place) just east of the original, stacked. */
  anchor(piece, drawn) {
    const original = this.names.notices.get(this.state.advice.notice?.id);
    if (piece.kind === "offset") {
      const west = Math.sin(((piece.change?.bearing_deg ?? 90) * Math.PI) / 180) < 0;
      return { at: besideOf(drawn, piece.feature, west), west };
    }
    if (!original) return { at: bounds(drawn).getCenter(), west: false, middle: true };
    const ob = this.layers.noticeLayers.get(original.properties.id);
    return { at: besideOf(ob ? [ob] : drawn, original, false), west: false };
  }

  clearGhosts() {
    const drawn = new Set(this.ghosts.flatMap((g) => g?.layers ?? []));
    this.layers.wide = this.layers.wide.filter(([line]) => !drawn.has(line));
    this.group.clearLayers();
    this.ghosts = [];
  }

  /** The original and its ghosts in view. */
  frame(k = null) {
    const id = this.state?.advice?.notice?.id;
    const original = this.layers.noticeLayers.get(id);
    const pick = k == null ? this.ghosts : [this.ghosts[k]];
    const b = bounds([original, ...pick.flatMap((g) => g?.layers ?? [])].filter(Boolean));
    if (!b.isValid()) return;
    // The legend (bottom left) folds on a narrow map, else the view keeps clear of it.
    const legend = this.map.getContainer().querySelector("details.legend");
    const wide = this.map.getSize().x > LEGEND_BESIDE_PX;
    if (legend?.open && !wide) legend.open = false;
    const left = legend?.open ? legend.getBoundingClientRect().width + 20 : LABEL_ROOM_PX;
    this.map.fitBounds(b, { paddingTopLeft: [left, 60], paddingBottomRight: [LABEL_ROOM_PX, 40], maxZoom: 10, animate: false });
    this.layers.reweigh();
  }

  // ---- highlight ----------------------------------------------------------------------
  hover(k) {
    const hovered = k == null || k === "" ? null : Number(k);
    if (hovered === this.hovered) return;
    this.hovered = hovered;
    this.restyle();
  }

  select(k, { frame = false, scroll = false } = {}) {
    if (!this.state?.advice) return;
    this.state.selected = k;
    this.render();
    this.restyle();
    if (frame) this.frame(k);
    if (scroll) this.root.querySelector(`[data-k="${k}"]`)?.scrollIntoView({ block: "nearest" });
  }

  /** The hovered piece (else the selected one) bold, the others faint; none: all alike. */
  restyle() {
    const hot = this.hovered ?? this.state?.selected ?? null;
    this.ghosts.forEach((g, i) => {
      if (!g) return;
      const look = hot == null ? GHOST : i === hot ? GHOST_HOT : GHOST_DIM;
      for (const layer of g.layers) {
        const band = layer.options.className?.includes("advice-band");
        layer.setStyle(band ? { opacity: look.bandOpacity } : { weight: look.weight, opacity: look.opacity, fillOpacity: look.fillOpacity });
        layer.getElement?.()?.classList.toggle("ghost-hot", i === hot);
        if (i === hot) layer.bringToFront?.();
      }
      const label = g.label.getElement();
      label?.classList.toggle("ghost-hot", i === hot);
      label?.classList.toggle("ghost-dim", hot != null && i !== hot);
    });
    this.layers.reweigh(); // a band's width is set there (its weight follows the zoom)
    for (const li of this.root.querySelectorAll("[data-k]")) li.classList.toggle("hot", Number(li.dataset.k) === hot);
  }
}

/** The bounds of Leaflet layers (a circle's too: it is on the map). */
function bounds(layers) {
  const b = L.latLngBounds([]);
  for (const layer of layers) b.extend(layer.getBounds?.() ?? L.latLngBounds([layer.getLatLng()]));
  return b;
}

/** Just east (or west) of a notice's area at the middle of its height: a band's half
 * width beyond its centre line's middle point, an area's east (west) edge. */
function besideOf(layers, feature, west) {
  const g = feature.geometry;
  const p = feature.properties ?? {};
  if (g.type === "LineString") {
    const [lon, lat] = g.coordinates[Math.floor((g.coordinates.length - 1) / 2)];
    const [lon2, lat2] = g.coordinates[Math.ceil((g.coordinates.length - 1) / 2)];
    const mid = [(lat + lat2) / 2, (lon + lon2) / 2];
    const half = p.half_width_m ?? p.radius_m ?? 0;
    const dlon = half / (M_PER_DEG * Math.cos((mid[0] * Math.PI) / 180));
    return L.latLng(mid[0], mid[1] + (west ? -dlon : dlon));
  }
  const b = bounds(layers);
  return L.latLng(b.getCenter().lat, west ? b.getWest() : b.getEast());
}

/**
 * The outline of a band: the centre line `coords` ([lon, lat]) buffered by `half` metres,
 * round at the ends and on the outside of each turn, mitred inside (as layers.js draws
 * it: a line that wide with round caps and joins). Worked in a local flat frame (metres
 * east and north of the first point), which is close enough for a label's and an
 * outline's few pixels over a theatre. Returns [lat, lon] points.
 */
export function bandOutline(coords, half) {
  const [lon0, lat0] = coords[0];
  const kx = M_PER_DEG * Math.cos((lat0 * Math.PI) / 180);
  const pts = coords.map(([lon, lat]) => [(lon - lon0) * kx, (lat - lat0) * M_PER_DEG]);
  const back = (x, y) => [lat0 + y / M_PER_DEG, lon0 + x / kx];
  const normal = (a, b) => {
    const dx = b[0] - a[0];
    const dy = b[1] - a[1];
    const len = Math.hypot(dx, dy) || 1;
    return [-dy / len, dx / len]; // left of a -> b
  };
  const arc = (c, from, to, out) => {
    // from angle `from` to `to` turning clockwise (the outside of a left-hand side walk)
    let sweep = to - from;
    while (sweep > 0) sweep -= 2 * Math.PI;
    const n = Math.max(1, Math.ceil((Math.abs(sweep) / Math.PI) * ARC_STEPS));
    for (let i = 0; i <= n; i++) {
      const a = from + (sweep * i) / n;
      out.push([c[0] + half * Math.cos(a), c[1] + half * Math.sin(a)]);
    }
  };
  // Walk along the left side, round the far end, back along the right side, round the start.
  const side = (line) => {
    const out = [];
    for (let i = 0; i < line.length - 1; i++) {
      const n1 = normal(line[i], line[i + 1]);
      if (i === 0) out.push([line[0][0] + half * n1[0], line[0][1] + half * n1[1]]);
      if (i + 1 < line.length - 1) {
        const n2 = normal(line[i + 1], line[i + 2]);
        const v = line[i + 1];
        const cross = n1[0] * n2[1] - n1[1] * n2[0];
        if (cross > 0) {
          // turning left: this side is inside, mitred (at most 4 widths out)
          const m = [n1[0] + n2[0], n1[1] + n2[1]];
          const len = Math.hypot(...m) || 1;
          const cos = Math.max(0.25, (n1[0] * n2[0] + n1[1] * n2[1] + 1) / 2) ** 0.5;
          out.push([v[0] + (half * m[0]) / len / cos, v[1] + (half * m[1]) / len / cos]);
        } else {
          arc(v, Math.atan2(n1[1], n1[0]), Math.atan2(n2[1], n2[0]), out);
        }
      } else {
        out.push([line[i + 1][0] + half * n1[0], line[i + 1][1] + half * n1[1]]);
      }
    }
    return out;
  };
  const ring = [];
  const left = side(pts);
  const rev = [...pts].reverse();
  const right = side(rev);
  const endCap = (a, b, out) => {
    const n = normal(a, b);
    const from = Math.atan2(n[1], n[0]);
    arc(b, from, from - Math.PI, out); // from the left side, clockwise round the end
  };
  ring.push(...left);
  endCap(pts[pts.length - 2], pts[pts.length - 1], ring);
  ring.push(...right);
  endCap(rev[rev.length - 2], rev[rev.length - 1], ring);
  return ring.map(([x, y]) => back(x, y));
}
