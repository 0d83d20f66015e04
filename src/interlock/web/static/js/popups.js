// What a popup says about a notice, an asset, a conflict, a track or an alert: in the
// domain's words and units (callsigns and names, the band as filed, NM, UTC to the minute
// with how far from now, positions in degrees and minutes), never a raw field or an id.
import { esc } from "./util.js";
import {
  alertKind,
  alertSentence,
  exposureSentence,
  fmtAt,
  fmtBandAsFiled,
  fmtDistanceNM,
  fmtDMS,
  fmtMinutes,
  fmtRelative,
  fmtVertical,
  fmtWhen,
  fmtWindow,
} from "./words.js";

/** Leaflet popup options: long details scroll inside; opening pans the map so the whole
 * popup, title included, is inside the map with a margin (and stays so on zoom). */
export const POPUP = {
  maxHeight: 320,
  maxWidth: 400,
  autoPan: true,
  keepInView: true,
  autoPanPaddingTopLeft: [40, 60],
  autoPanPaddingBottomRight: [40, 20],
};

const DOMAIN = { air: "airspace", sea: "sea area", emission: "emission" };
const SHAPE = { polygon: "area", circle: "circle", corridor: "corridor", orbit: "orbit" };
const ASSET_KIND = { base: "base", radar: "radar", zone: "zone", port: "port", ship: "ship" };

/** Rows of a details table, those with no value left out. Keys are words, values HTML. */
function table(rows) {
  const shown = rows.filter(([, v]) => v != null && v !== "" && v !== "—");
  return `<table class="details">${shown.map(([k, v]) => `<tr><th>${esc(k)}</th><td>${v}</td></tr>`).join("")}</table>`;
}

/** "06:24–07:24 UTC · starts in 1 h 30 min" (or "ends in…", "ended 5 min ago"). */
function windowText(from, to, now = Date.now()) {
  const a = Date.parse(from);
  const b = Date.parse(to);
  if (!Number.isFinite(a) || !Number.isFinite(b)) return "—";
  const rel = now < a ? `starts ${fmtRelative(a, now)}` : now < b ? `ends ${fmtRelative(b, now)}` : `ended ${fmtRelative(b, now)}`;
  return `${esc(fmtWindow(from, to, now))} · ${esc(rel)}`;
}

/** A shape's size: a circle's or orbit's radius, a corridor's width. */
function sizeText(p) {
  if (p.shape === "corridor" && p.half_width_m) return `${esc(fmtDistanceNM(2 * p.half_width_m))} wide`;
  if ((p.shape === "circle" || p.shape === "orbit") && p.radius_m > 1) return `radius ${esc(fmtDistanceNM(p.radius_m))}`;
  return null;
}

/** An emitter's radio parameters. */
function emissionRows(p) {
  const num = (x, unit, digits = 1) => (x == null ? null : `${esc(Number(x).toFixed(digits).replace(/\.0+$/, ""))} ${unit}`);
  const beam =
    p.azimuth_deg != null
      ? `towards ${esc(Math.round(p.azimuth_deg))}°${p.beamwidth_deg != null ? `, ${esc(p.beamwidth_deg)}° wide` : ""}`
      : null;
  return [
    ["Frequency", num(p.centre_freq_mhz, "MHz", 3)],
    ["Bandwidth", num(p.bandwidth_mhz, "MHz", 3)],
    ["Power (EIRP)", num(p.eirp_dbm, "dBm")],
    ["Antenna height", num(p.antenna_height_m, "m")],
    ["Beam", beam],
  ];
}

export function noticePopup(f, hot, names, now = Date.now()) {
  const p = f.properties;
  const head = `<h3>${esc(p.callsign ?? "unnamed notice")} <small>${esc(names.party(p.party))} · ${esc(DOMAIN[p.domain] ?? p.domain)}</small></h3>`;
  const warn = hot ? `<p class="danger">In conflict: see the conflicts list.</p>` : "";
  const rows = [
    ["Activity", esc(p.purpose ?? p.activity?.replace(/_/g, " "))],
    ["When", windowText(p.start, p.end, now)],
    ["Status", esc(`${p.status}${p.version > 1 ? `, version ${p.version}` : ""}`)],
    p.domain === "emission" ? ["Shape", esc(SHAPE[p.shape] ?? p.shape)] : ["Levels", esc(fmtBandAsFiled(p))],
    ["Size", sizeText(p)],
    ...(p.domain === "emission" ? emissionRows(p) : []),
    ["Remarks", esc(p.remarks)],
    ["Filed", p.filed_at ? esc(fmtWhen(p.filed_at, now)) : null],
    ["Cancelled", p.cancelled_at ? esc(fmtWhen(p.cancelled_at, now)) : null],
  ];
  return head + warn + table(rows);
}

/** An asset's details as HTML (a receiver's I/N plot is added by the map). */
export function assetPopup(f, names, now = Date.now()) {
  const p = f.properties;
  const rx = p.receiver;
  const rows = [
    ["Kind", esc(ASSET_KIND[p.kind] ?? p.kind)],
    ["Party", esc(names.party(p.party))],
    ["Levels", esc(fmtBandAsFiled(p))],
    ["Size", sizeText(p)],
    ["Valid", p.start && p.end ? windowText(p.start, p.end, now) : "standing"],
    ["Receiver", rx ? `${esc(rx.freq_mhz)} MHz, ${esc(rx.bandwidth_mhz)} MHz wide` : null],
    ["Antenna", rx ? `${esc(rx.antenna_height_m)} m high, gain ${esc(rx.gain_dbi)} dBi` : null],
    ["Safety of life", rx ? (rx.safety_of_life ? "yes" : "no") : null],
    ["Registered", p.created_at ? esc(fmtWhen(p.created_at, now)) : null],
  ];
  return `<h3>${esc(p.name ?? "unnamed asset")} <small>protected ${esc(ASSET_KIND[p.kind] ?? p.kind)}</small></h3>` + table(rows);
}

// The server's I/N plot is 900 x 360 px (spectrum/plot.py: figsize 9 x 3.6 in at 100 dpi):
// its height is reserved, so the popup is laid out (and panned into view) at its full size.
const PLOT_WIDTH = 360;
const PLOT_HEIGHT = (PLOT_WIDTH * 360) / 900;

/** An asset's popup: its details, and a protected receiver's aggregate I/N over the next
 * 24 h from `receiverPlot(id)` (a URL promise: the PNG is fetched with the token, since an
 * <img> cannot send one). */
export function assetPopupElement(f, names, receiverPlot) {
  const p = f.properties;
  const box = document.createElement("div");
  box.innerHTML = assetPopup(f, names);
  if (p.receiver && receiverPlot) {
    const img = document.createElement("img");
    img.className = "in-plot";
    img.alt = "aggregate I/N over the next 24 h, criterion dashed";
    img.width = PLOT_WIDTH;
    img.height = PLOT_HEIGHT;
    img.style.height = "auto"; // scaled with its width, at the plot's proportions
    box.append(img);
    receiverPlot(p.id)
      .then((url) => {
        img.src = url;
      })
      .catch(() => img.replaceWith("I/N plot unavailable"));
  }
  return box;
}

/** A conflict: who against whom, when, how close against the minimum, where. */
export function conflictPopup(c, names, now = Date.now()) {
  const title = `<h3 class="danger">${esc(c.severity)} conflict #${esc(c.id)}</h3>`;
  if (c.kind === "interference") return title + interference(c, names, now);
  if (c.kind === "exposure") {
    return title + `<p>${exposureSentence(c, names)}</p>` +
      table([["When", windowText(c.window_start ?? c.start, c.window_end ?? c.end, now)], ["Detected", detected(c, now)]]);
  }
  const domain = names.notices.get(c.a_id)?.properties.domain ?? names.notices.get(c.b_id)?.properties.domain;
  const side = (kind, id, party) =>
    `${ref(kind, id, names)} <small>· ${esc(names.party(party))}</small>`;
  const gap = c.time_gap_s > 0 ? `${esc(fmtMinutes(c.time_gap_s))} apart` : "overlapping";
  const rows = [
    ["When", windowText(c.window_start, c.window_end, now)],
    ["In time", gap],
    ["Closest", c.horizontal_distance_m != null
      ? `${esc(c.horizontal_distance_m > 0 ? fmtDistanceNM(c.horizontal_distance_m) : "overlapping")} (minimum ${esc(fmtDistanceNM(c.horizontal_minimum_m))})`
      : null],
    ["Vertically", c.vertical_gap_m != null
      ? `${esc(c.vertical_gap_m > 0 ? fmtVertical(c.vertical_gap_m, domain) : "overlapping")}${c.vertical_minimum_m > 0 ? ` (minimum ${esc(fmtVertical(c.vertical_minimum_m, domain))})` : ""}`
      : null],
    ["Where", c.worst_lat != null ? esc(fmtDMS(c.worst_lat, c.worst_lon)) : null],
    ["Detected", detected(c, now)],
  ];
  return title + `<p>${side(c.a_kind, c.a_id, c.a_party)}<br>× ${side(c.b_kind, c.b_id, c.b_party)}</p>` + table(rows);
}

/** A notice as a link that opens it on the map; an asset by name. */
function ref(kind, id, names) {
  if (kind === "asset") return `<b>${esc(names.asset(id))}</b>`;
  return `<a href="#" data-notice="${esc(id)}">${esc(names.notice(id))}</a>`;
}

function detected(c, now) {
  return c.detected_at != null ? esc(fmtWhen(c.detected_at, now)) : null;
}

function interference(c, names, now) {
  const receiver = c.receiver_name ?? names.asset(c.a_id);
  const db = (x) => (x == null ? "—" : `${Number(x).toFixed(1)} dB`);
  const contributors = (c.contributors ?? [])
    .map((k) => `${ref("notice", k.notice, names)} (${esc(names.party(k.party))}), ${esc(Math.round(k.share * 100))}%`)
    .join("<br>");
  const rows = [
    ["When", windowText(c.start, c.end, now)],
    ["Worst", c.worst_at ? esc(fmtAt(c.worst_at, now)) : null],
    ["I/N", `${esc(db(c.i_n_db))} (criterion ${esc(db(c.criterion_db))}, ${esc(db(c.excess_db))} over)`],
    ["From", contributors],
    ["Detected", detected(c, now)],
  ];
  return `<p>Interference at <b>${esc(receiver)}</b></p>` + adviceList(c.advice, names) + table(rows);
}

/** An interference conflict's advice: what each emitter would have to change. */
export function adviceList(advice, names) {
  if (!advice?.length) return "";
  const items = advice.map((a) => {
    const shift = a.frequency_shift_mhz?.nearest;
    const move = shift != null ? ` or move ${shift > 0 ? "+" : ""}${shift.toFixed(3)} MHz` : "";
    return `<li>${esc(names.party(a.party))} ${ref("notice", a.notice, names)}: reduce EIRP by ${a.reduce_by_db.toFixed(1)} dB
      (to ${a.max_eirp_dbm.toFixed(1)} dBm)${move}</li>`;
  });
  return `<p>Advice:</p><ul class="advice">${items.join("")}</ul>`;
}

/** A track: who reports it, where, how high and fast, how fresh. */
export function trackPopup(f, names, now = Date.now()) {
  const p = f.properties;
  const [lon, lat] = f.geometry.coordinates;
  const level = p.alt_ft != null ? `FL${String(Math.round(p.alt_ft / 100)).padStart(3, "0")} (${Math.round(p.alt_ft).toLocaleString("en")} ft)` : null;
  const climb = p.vertical_rate_fpm ? `, ${p.vertical_rate_fpm > 0 ? "climbing" : "descending"} ${Math.abs(Math.round(p.vertical_rate_fpm)).toLocaleString("en")} ft/min` : "";
  const owner = p.owner ? `own forces of ${names.party(p.owner)}` : "observed (no party's)";
  const sources = (p.sources ?? []).map((s) => names.party(s)).join(", ");
  const rows = [
    ["Track", esc(owner)],
    ["Position", esc(fmtDMS(lat, lon))],
    ["Level", level ? esc(level + climb) : null],
    ["Depth", p.depth_m != null ? `${esc(Math.round(p.depth_m))} m` : null],
    ["Speed", p.speed_kt != null ? `${esc(Math.round(p.speed_kt))} kt` : null],
    ["Course", p.course_deg != null ? `${esc(String(Math.round(p.course_deg) % 360).padStart(3, "0"))}°` : null],
    ["Reported by", sources ? esc(sources) : null],
    ["Last report", p.time ? esc(fmtWhen(p.time, now)) + (p.stale ? ' <b class="danger">stale</b>' : "") : null],
  ];
  return `<h3>${esc(p.name ?? p.track_id ?? "unnamed track")} <small>${esc(p.domain ?? "")}</small></h3>` + table(rows);
}

/** A tactical alert: its sentence, then when and where. */
export function alertPopup(a, names, now = Date.now()) {
  const rows = [
    ["Raised", a.raised_at ? esc(fmtWhen(a.raised_at, now)) : null],
    ["Closest approach", a.cpa_at ? esc(fmtWhen(a.cpa_at, now)) : null],
    ["Loss of separation", a.los_at ? esc(fmtWhen(a.los_at, now)) : null],
    ["Vertical at closest", a.vertical_separation_ft != null ? `${esc(Math.round(a.vertical_separation_ft).toLocaleString("en"))} ft` : null],
    ["Entry", a.entry_at ? esc(fmtWhen(a.entry_at, now)) : null],
    ["Must be out", a.exit_at ? esc(fmtWhen(a.exit_at, now)) : null],
    ["Where", a.lat != null ? esc(fmtDMS(a.lat, a.lon)) : null],
    ["Reported by", a.reported_by?.length ? esc(a.reported_by.map((p) => names.party(p)).join(", ")) : null],
    ["Corroborated", a.corroborated === false ? "not by every party" : a.corroborated ? "yes" : null],
  ];
  return `<h3 class="danger">${esc(a.severity)} ${esc(alertKind(a.kind))} alert</h3><p>${alertSentence(a, names)}</p>` +
    table(rows);
}
