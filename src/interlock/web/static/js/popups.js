// What a popup says about a notice, an asset, a conflict, a track or an alert: in the
// domain's words and units (callsigns and names, the band as filed, NM, UTC to the minute
// with how far from now, positions in degrees and minutes), never a raw field or an id.
// Every word is from the catalogues (t()); values keep their direction in Hebrew (words.js).
import { t } from "./i18n.js";
import { esc } from "./util.js";
import {
  alertKind,
  alertSentence,
  bidiName,
  exposureSentence,
  fill,
  fmtAt,
  fmtBandAsFiled,
  fmtDistanceNM,
  fmtDMS,
  fmtMinutes,
  fmtRelative,
  fmtVertical,
  fmtWhen,
  fmtWindow,
  ltr,
  severityWord,
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

// Literal keys, so the catalogue test finds every one the page uses.
const DOMAIN = {
  air: () => t("popup.domain.air"),
  sea: () => t("popup.domain.sea"),
  emission: () => t("popup.domain.emission"),
};
const SHAPE = {
  polygon: () => t("popup.shape.polygon"),
  circle: () => t("popup.shape.circle"),
  corridor: () => t("popup.shape.corridor"),
  orbit: () => t("popup.shape.orbit"),
};
const ASSET_KIND = {
  base: () => t("popup.asset.base"),
  radar: () => t("popup.asset.radar"),
  zone: () => t("popup.asset.zone"),
  port: () => t("popup.asset.port"),
  ship: () => t("popup.asset.ship"),
};
const STATUS = {
  submitted: () => t("popup.status.submitted"),
  active: () => t("popup.status.active"),
  ended: () => t("popup.status.ended"),
  cancelled: () => t("popup.status.cancelled"),
};
const word = (table, key) => table[key]?.() ?? key;

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
  return `${esc(fmtWindow(from, to, now))} · ${esc(startsOrEnds(a, b, now))}`;
}

/** "starts in 23 min", "ends in 1 h 05 min", "ended 12 min ago" (a window's `from`, `to`). */
export function startsOrEnds(from, to, now = Date.now()) {
  const a = typeof from === "number" ? from : Date.parse(from);
  const b = typeof to === "number" ? to : Date.parse(to);
  if (now < a) return t("window.starts", { rel: fmtRelative(a, now) });
  return now < b ? t("window.ends", { rel: fmtRelative(b, now) }) : t("window.ended", { rel: fmtRelative(b, now) });
}

/** A shape's size: a circle's or orbit's radius, a corridor's width. */
function sizeText(p) {
  if (p.shape === "corridor" && p.half_width_m) return esc(t("popup.wide", { width: fmtDistanceNM(2 * p.half_width_m) }));
  if ((p.shape === "circle" || p.shape === "orbit") && p.radius_m > 1) return esc(t("popup.radius", { radius: fmtDistanceNM(p.radius_m) }));
  return null;
}

/** An emitter's radio parameters. */
function emissionRows(p) {
  const num = (x, unit, digits = 1) => (x == null ? null : esc(ltr(`${Number(x).toFixed(digits).replace(/\.0+$/, "")} ${unit}`)));
  const beam =
    p.azimuth_deg != null
      ? esc(t("popup.beam_towards", { deg: ltr(`${Math.round(p.azimuth_deg)}°`) })) +
        (p.beamwidth_deg != null ? `, ${esc(t("popup.beam_wide", { deg: ltr(`${p.beamwidth_deg}°`) }))}` : "")
      : null;
  return [
    [t("popup.row.frequency"), num(p.centre_freq_mhz, "MHz", 3)],
    [t("popup.row.bandwidth"), num(p.bandwidth_mhz, "MHz", 3)],
    [t("popup.row.power"), num(p.eirp_dbm, "dBm")],
    [t("popup.row.antenna_height"), num(p.antenna_height_m, "m")],
    [t("popup.row.beam"), beam],
  ];
}

export function noticePopup(f, hot, names, now = Date.now()) {
  const p = f.properties;
  const head = `<h3>${esc(p.callsign != null ? bidiName(p.callsign) : t("name.unnamed_notice"))} <small>${esc(bidiName(names.party(p.party)))} · ${esc(word(DOMAIN, p.domain))}</small></h3>`;
  const warn = hot ? `<p class="danger">${esc(t("popup.in_conflict"))}</p>` : "";
  const version = p.version > 1 ? `, ${t("popup.version", { n: p.version })}` : "";
  const rows = [
    [t("popup.row.activity"), esc(p.purpose ?? p.activity?.replace(/_/g, " "))],
    [t("popup.row.when"), windowText(p.start, p.end, now)],
    [t("popup.row.status"), esc(`${word(STATUS, p.status)}${version}`)],
    p.domain === "emission"
      ? [t("popup.row.shape"), esc(word(SHAPE, p.shape))]
      : [t("popup.row.levels"), esc(fmtBandAsFiled(p))],
    [t("popup.row.size"), sizeText(p)],
    ...(p.domain === "emission" ? emissionRows(p) : []),
    [t("popup.row.remarks"), esc(p.remarks)],
    [t("popup.row.filed"), p.filed_at ? esc(fmtWhen(p.filed_at, now)) : null],
    [t("popup.row.cancelled"), p.cancelled_at ? esc(fmtWhen(p.cancelled_at, now)) : null],
  ];
  return head + warn + table(rows);
}

/** An asset's details as HTML (a receiver's I/N plot is added by the map). */
export function assetPopup(f, names, now = Date.now()) {
  const p = f.properties;
  const rx = p.receiver;
  const rows = [
    [t("popup.row.kind"), esc(word(ASSET_KIND, p.kind))],
    [t("popup.row.party"), esc(bidiName(names.party(p.party)))],
    [t("popup.row.levels"), esc(fmtBandAsFiled(p))],
    [t("popup.row.size"), sizeText(p)],
    [t("popup.row.valid"), p.start && p.end ? windowText(p.start, p.end, now) : esc(t("popup.standing"))],
    [t("popup.row.receiver"), rx
      ? esc(t("popup.receiver", { freq: ltr(`${rx.freq_mhz} MHz`), width: ltr(`${rx.bandwidth_mhz} MHz`) }))
      : null],
    [t("popup.row.antenna"), rx
      ? esc(t("popup.antenna", { height: ltr(`${rx.antenna_height_m} m`), gain: ltr(`${rx.gain_dbi} dBi`) }))
      : null],
    [t("popup.row.safety_of_life"), rx ? esc(rx.safety_of_life ? t("popup.yes") : t("popup.no")) : null],
    [t("popup.row.registered"), p.created_at ? esc(fmtWhen(p.created_at, now)) : null],
  ];
  const name = p.name != null ? bidiName(p.name) : t("name.unnamed_asset");
  return `<h3>${esc(name)} <small>${esc(t("popup.protected", { kind: word(ASSET_KIND, p.kind) }))}</small></h3>` + table(rows);
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
    img.alt = t("popup.in_plot_alt");
    img.width = PLOT_WIDTH;
    img.height = PLOT_HEIGHT;
    img.style.height = "auto"; // scaled with its width, at the plot's proportions
    box.append(img);
    receiverPlot(p.id)
      .then((url) => {
        img.src = url;
      })
      .catch(() => img.replaceWith(t("popup.in_plot_unavailable")));
  }
  return box;
}

/** The "What clears it?" button for conflict `id` (main.js opens its advice: advice.js). */
export function adviseButton(id) {
  return `<button type="button" class="advise" data-advise="${esc(id)}">${esc(t("advice.ask"))}</button>`;
}

/** A conflict: who against whom, when, how close against the minimum, where; `advise`:
 * with the "What clears it?" button (the viewer has a notice in it: advice.js). */
export function conflictPopup(c, names, now = Date.now(), advise = false) {
  const title = `<h3 class="danger">${esc(t("popup.conflict_title", { severity: severityWord(c.severity), id: ltr(`#${c.id}`) }))}</h3>`;
  if (c.kind === "interference") return title + interference(c, names, now);
  const ask = advise ? `<p class="advise-row">${adviseButton(c.id)}</p>` : "";
  if (c.kind === "exposure") {
    return title + `<p>${exposureSentence(c, names)}</p>` +
      table([
        [t("popup.row.when"), windowText(c.window_start ?? c.start, c.window_end ?? c.end, now)],
        [t("popup.row.detected"), detected(c, now)],
      ]) + ask;
  }
  const domain = names.notices.get(c.a_id)?.properties.domain ?? names.notices.get(c.b_id)?.properties.domain;
  const side = (kind, id, party) =>
    `${ref(kind, id, names)} <small>· ${esc(bidiName(names.party(party)))}</small>`;
  const overlapping = t("popup.overlapping");
  const minimum = (x) => ` (${esc(t("popup.minimum", { value: x }))})`;
  const gap = c.time_gap_s > 0 ? esc(t("popup.apart", { time: fmtMinutes(c.time_gap_s) })) : esc(overlapping);
  const rows = [
    [t("popup.row.when"), windowText(c.window_start, c.window_end, now)],
    [t("popup.row.in_time"), gap],
    [t("popup.row.closest"), c.horizontal_distance_m != null
      ? `${esc(c.horizontal_distance_m > 0 ? fmtDistanceNM(c.horizontal_distance_m) : overlapping)}${minimum(fmtDistanceNM(c.horizontal_minimum_m))}`
      : null],
    [t("popup.row.vertically"), c.vertical_gap_m != null
      ? `${esc(c.vertical_gap_m > 0 ? fmtVertical(c.vertical_gap_m, domain) : overlapping)}${c.vertical_minimum_m > 0 ? minimum(fmtVertical(c.vertical_minimum_m, domain)) : ""}`
      : null],
    [t("popup.row.where"), c.worst_lat != null ? esc(fmtDMS(c.worst_lat, c.worst_lon)) : null],
    [t("popup.row.detected"), detected(c, now)],
  ];
  return title + `<p>${side(c.a_kind, c.a_id, c.a_party)}<br>× ${side(c.b_kind, c.b_id, c.b_party)}</p>` + table(rows) + ask;
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
  const db = (x) => (x == null ? "—" : ltr(`${Number(x).toFixed(1)} dB`));
  const contributors = (c.contributors ?? [])
    .map((k) => `${ref("notice", k.notice, names)} (${esc(bidiName(names.party(k.party)))}), ${esc(ltr(`${Math.round(k.share * 100)}%`))}`)
    .join("<br>");
  const rows = [
    [t("popup.row.when"), windowText(c.start, c.end, now)],
    [t("popup.row.worst"), c.worst_at ? esc(fmtAt(c.worst_at, now)) : null],
    ["I/N", `${esc(db(c.i_n_db))} (${esc(t("popup.criterion_over", { criterion: db(c.criterion_db), excess: db(c.excess_db) }))})`],
    [t("popup.row.from"), contributors],
    [t("popup.row.detected"), detected(c, now)],
  ];
  const at = fill(t("popup.interference_at"), { receiver: `<b>${esc(bidiName(receiver))}</b>` });
  return `<p>${at}</p>` + adviceList(c.advice, names) + table(rows);
}

/** An interference conflict's advice: what each emitter would have to change. */
export function adviceList(advice, names) {
  if (!advice?.length) return "";
  const items = advice.map((a) => {
    const shift = a.frequency_shift_mhz?.nearest;
    const move = shift != null
      ? ` ${esc(t("popup.advice_move", { shift: ltr(`${shift > 0 ? "+" : ""}${shift.toFixed(3)} MHz`) }))}`
      : "";
    const reduce = t("popup.advice_reduce", { by: ltr(`${a.reduce_by_db.toFixed(1)} dB`), to: ltr(`${a.max_eirp_dbm.toFixed(1)} dBm`) });
    return `<li>${esc(bidiName(names.party(a.party)))} ${ref("notice", a.notice, names)}: ${esc(reduce)}${move}</li>`;
  });
  return `<p>${esc(t("popup.advice"))}</p><ul class="advice">${items.join("")}</ul>`;
}

/** A track: who reports it, where, how high and fast, how fresh. */
export function trackPopup(f, names, now = Date.now()) {
  const p = f.properties;
  const [lon, lat] = f.geometry.coordinates;
  const level = p.alt_ft != null ? ltr(`FL${String(Math.round(p.alt_ft / 100)).padStart(3, "0")} (${Math.round(p.alt_ft).toLocaleString("en")} ft)`) : null;
  const rate = ltr(`${Math.abs(Math.round(p.vertical_rate_fpm ?? 0)).toLocaleString("en")} ft/min`);
  const climb = p.vertical_rate_fpm
    ? `, ${p.vertical_rate_fpm > 0 ? t("popup.climbing", { rate }) : t("popup.descending", { rate })}`
    : "";
  const owner = p.owner ? t("popup.own_forces", { party: bidiName(names.party(p.owner)) }) : t("popup.observed");
  const sources = (p.sources ?? []).map((s) => bidiName(names.party(s))).join(", ");
  const rows = [
    [t("popup.row.track"), esc(owner)],
    [t("popup.row.position"), esc(fmtDMS(lat, lon))],
    [t("popup.row.level"), level ? esc(level + climb) : null],
    [t("popup.row.depth"), p.depth_m != null ? esc(ltr(`${Math.round(p.depth_m)} m`)) : null],
    [t("popup.row.speed"), p.speed_kt != null ? esc(ltr(`${Math.round(p.speed_kt)} kt`)) : null],
    [t("popup.row.course"), p.course_deg != null ? esc(ltr(`${String(Math.round(p.course_deg) % 360).padStart(3, "0")}°`)) : null],
    [t("popup.row.reported_by"), sources ? esc(sources) : null],
    [t("popup.row.last_report"), p.time
      ? esc(fmtWhen(p.time, now)) + (p.stale ? ` <b class="danger">${esc(t("popup.stale"))}</b>` : "")
      : null],
  ];
  const domain = p.domain === "air" ? t("domain.air") : p.domain === "sea" ? t("domain.sea") : (p.domain ?? "");
  const name = p.name ?? p.track_id;
  return `<h3>${esc(name != null ? bidiName(name) : t("name.unnamed_track"))} <small>${esc(domain)}</small></h3>` + table(rows);
}

/** A tactical alert: its sentence, then when and where. */
export function alertPopup(a, names, now = Date.now()) {
  const rows = [
    [t("popup.row.raised"), a.raised_at ? esc(fmtWhen(a.raised_at, now)) : null],
    [t("popup.row.closest_approach"), a.cpa_at ? esc(fmtWhen(a.cpa_at, now)) : null],
    [t("popup.row.loss_of_separation"), a.los_at ? esc(fmtWhen(a.los_at, now)) : null],
    [t("popup.row.vertical_at_closest"), a.vertical_separation_ft != null
      ? esc(ltr(`${Math.round(a.vertical_separation_ft).toLocaleString("en")} ft`))
      : null],
    [t("popup.row.entry"), a.entry_at ? esc(fmtWhen(a.entry_at, now)) : null],
    [t("popup.row.must_be_out"), a.exit_at ? esc(fmtWhen(a.exit_at, now)) : null],
    [t("popup.row.where"), a.lat != null ? esc(fmtDMS(a.lat, a.lon)) : null],
    [t("popup.row.reported_by"), a.reported_by?.length ? esc(a.reported_by.map((p) => bidiName(names.party(p))).join(", ")) : null],
    [t("popup.row.corroborated"), a.corroborated === false
      ? esc(t("popup.not_every_party"))
      : a.corroborated ? esc(t("popup.yes")) : null],
  ];
  const title = t("popup.alert_title", { severity: severityWord(a.severity), kind: alertKind(a.kind) });
  return `<h3 class="danger">${esc(title)}</h3><p>${alertSentence(a, names)}</p>` + table(rows);
}
