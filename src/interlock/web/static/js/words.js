// The domain's words and units for what the page shows a duty officer: ranges in km and
// NM, altitude bands in ft and flight levels, times in UTC to the minute, and one sentence
// per conflict, violation or alert kind (never a raw field name). Every word comes from the
// page's catalogues (t()); in a right-to-left language a number with its unit, a time or a
// position is kept left to right by Unicode isolates (ltr()), the plain-text <bdi dir=ltr>,
// so "FL150–FL300" or "20 m" never reads backwards inside Hebrew.
import { direction, t } from "./i18n.js";
import { esc } from "./util.js";

const LRI = "\u2066"; // left-to-right isolate (Unicode UAX #9, 2.4)
const FSI = "\u2068"; // first-strong isolate: a name in whichever script it was written
const PDI = "\u2069"; // pop directional isolate

/** A value that reads left to right (a number and its unit, a time, a position), isolated
 * inside right-to-left text; unchanged in a left-to-right language. */
export function ltr(text) {
  return direction() === "rtl" && text !== "" && text !== "—" ? `${LRI}${text}${PDI}` : text;
}

/** A name (a callsign, a party, a weapon) isolated in right-to-left text, in its own direction. */
export function bidiName(text) {
  return direction() === "rtl" && text !== "" ? `${FSI}${text}${PDI}` : text;
}

/** A catalogue template (from t(key) without params) as HTML: its words escaped, each {name}
 * replaced by params[name], which is HTML already (escaped by the caller). */
export function fill(template, params) {
  return template
    .split(/\{(\w+)\}/)
    .map((part, i) => (i % 2 === 0 ? esc(part) : part in params ? String(params[part]) : `{${part}}`))
    .join("");
}

const M_PER_NM = 1852; // the international nautical mile (ICAO Annex 5, Table 3-3)
const MIN = 60;

const M_PER_FT = 0.3048; // the international foot (ICAO Annex 5, Table 3-3)
// The band of a shape filed without one (all heights and depths): model/limits.py FULL_BAND_M.
const FULL_BAND_M = [-11_000, 200_000 * M_PER_FT];

/** "4.5 NM" (under 10 NM to a tenth), "23 NM": a distance as a watch officer says it. */
export function fmtDistanceNM(metres) {
  if (metres == null || !Number.isFinite(metres)) return "—";
  const nm = Math.abs(metres) / M_PER_NM;
  const tenths = Math.round(nm * 10) / 10;
  return ltr(tenths < 10 ? `${tenths.toFixed(1)} NM` : `${Math.round(nm).toLocaleString("en")} NM`);
}

/** "35°24′N 035°57′E": a position to the minute of arc (rounded; 59.5′ makes the next degree). */
export function fmtDMS(lat, lon) {
  if (lat == null || lon == null || !Number.isFinite(lat) || !Number.isFinite(lon)) return "—";
  const part = (v, width, pos, neg) => {
    const total = Math.round(Math.abs(v) * 60); // minutes of arc
    const deg = String(Math.floor(total / 60)).padStart(width, "0");
    const min = String(total % 60).padStart(2, "0");
    return `${deg}°${min}′${v < 0 && total > 0 ? neg : pos}`;
  };
  return ltr(`${part(lat, 2, "N", "S")} ${part(lon, 3, "E", "W")}`);
}

/** "in 23 min", "12 min ago", "in 45 s", "in 1 h 05 min", "in 3 days", "now": how far `ms` is
 * from `now`.
 * Whole minutes from 60 s on, rounded to the nearest (89 s is 1 min, 90 s is 2 min). */
export function fmtRelative(ms, now = Date.now()) {
  const at = typeof ms === "string" ? Date.parse(ms) : ms;
  if (at == null || !Number.isFinite(at)) return "";
  const d = Math.round((at - now) / 1000);
  const s = Math.abs(d);
  if (s < 1) return t("time.now");
  let text;
  if (s < MIN) text = t("unit.s", { n: s });
  else {
    const m = Math.floor((s + MIN / 2) / MIN); // half a minute rounds up, either way in time
    if (m < 60) text = t("unit.min", { n: m });
    else if (m < 48 * 60) text = hoursMinutes(m);
    else text = t("unit.days", { n: Math.round(m / (24 * 60)) });
  }
  return d > 0 ? t("time.in", { time: text }) : t("time.ago", { time: text });
}

/** "1 h 05 min" (abbreviated units: no plural agreement in any language). */
function hoursMinutes(m) {
  return t("unit.h_min", { h: Math.floor(m / 60), min: String(m % 60).padStart(2, "0") });
}

/** "18:40 UTC (in 23 min)": a moment to the minute, with how far it is from now. */
export function fmtWhen(iso, now = Date.now()) {
  const at = typeof iso === "number" ? iso * 1000 : Date.parse(iso);
  if (!Number.isFinite(at)) return "—";
  return `${fmtAt(at / 1000, now)} (${fmtRelative(at, now)})`;
}

const ftText = (x) => Math.round(x).toLocaleString("en");
const flText = (fl) => `FL${Number.isInteger(fl) ? String(fl).padStart(3, "0") : String(fl)}`;
const mText = (x) => (Math.round(Math.abs(x) * 10) / 10).toLocaleString("en"); // never "-0"

/** A shape's vertical band in the unit it was filed in: "FL150–FL300", "500–3,000 ft",
 * "surface to 20 m deep", "60–250 m deep"; from the metres (lower_m, upper_m) when no
 * filed band is given: feet for air, depth in metres for sea, "all heights and depths"
 * for a shape filed without a band. */
export function fmtBandAsFiled(p) {
  if (!p) return "—";
  if (p.fl_lower != null && p.fl_upper != null) return ltr(`${flText(p.fl_lower)}–${flText(p.fl_upper)}`);
  if (p.alt_lower_ft != null && p.alt_upper_ft != null) return feetText(p.alt_lower_ft, p.alt_upper_ft);
  if (p.depth_min_m != null && p.depth_max_m != null) return depthText(p.depth_min_m, p.depth_max_m);
  if (p.lower_m == null || p.upper_m == null) return "—";
  if (p.lower_m <= FULL_BAND_M[0] && p.upper_m >= FULL_BAND_M[1] - 1) return t("band.all");
  if (p.domain === "sea" || p.upper_m <= 0) return depthText(Math.max(0, -p.upper_m), -p.lower_m);
  return feetText(Math.max(0, p.lower_m / M_PER_FT), p.upper_m / M_PER_FT);
}

function feetText(lower, upper) {
  if (lower <= 0) return t("band.surface_to", { upper: ltr(`${ftText(upper)} ft`) });
  return ltr(`${ftText(lower)}–${ftText(upper)} ft`);
}

function depthText(top, bottom) {
  if (top <= 0) return t("band.surface_to_depth", { depth: ltr(`${mText(bottom)} m`) });
  return t("band.depth", { depths: ltr(`${mText(top)}–${mText(bottom)} m`) });
}

/** A vertical distance in the domain's unit: feet for air, metres at sea. */
export function fmtVertical(metres, domain) {
  if (metres == null || !Number.isFinite(metres)) return "—";
  return ltr(domain === "sea" ? `${mText(metres)} m` : `${ftText(metres / M_PER_FT)} ft`);
}

/** "250 km (135 NM)". */
export function fmtRange(metres) {
  if (metres == null || !Number.isFinite(metres)) return "—";
  const km = metres / 1000;
  const nm = metres / M_PER_NM;
  const r = (x) => (x >= 10 ? Math.round(x).toLocaleString("en") : x.toFixed(1));
  return ltr(`${r(km)} km (${r(nm)} NM)`);
}

/** A flight level: hundreds of feet, three digits at least ("FL010", "FL1300"). */
export function fmtFL(ft) {
  return `FL${String(Math.round(ft / 100)).padStart(3, "0")}`;
}

/** "1,000–130,000 ft (FL010–FL1300)". */
export function fmtBand(minFt, maxFt) {
  if (minFt == null || maxFt == null) return "—";
  const ft = (x) => Math.round(x).toLocaleString("en");
  return ltr(`${ft(minFt)}–${ft(maxFt)} ft (${fmtFL(minFt)}–${fmtFL(maxFt)})`);
}

function hhmm(ms) {
  return new Date(ms).toISOString().slice(11, 16);
}

function day(ms) {
  return new Date(ms).toISOString().slice(0, 10);
}

/** "18:40–19:40 UTC", with the date when it is not today's (UTC), and both dates when the
 * window crosses midnight. */
export function fmtWindow(from, to, now = Date.now()) {
  const a = Date.parse(from);
  const b = Date.parse(to);
  if (!Number.isFinite(a) || !Number.isFinite(b)) return "—";
  if (day(a) !== day(b)) return ltr(`${day(a)} ${hhmm(a)} – ${day(b)} ${hhmm(b)} UTC`);
  const date = day(a) === day(now) ? "" : `${day(a)} `;
  return ltr(`${date}${hhmm(a)}–${hhmm(b)} UTC`);
}

/** "18:40 UTC" (or "2026-11-25 18:40 UTC" on another day). */
export function fmtAt(iso, now = Date.now()) {
  const at = typeof iso === "number" ? iso * 1000 : Date.parse(iso);
  if (!Number.isFinite(at)) return "—";
  return ltr(`${day(at) === day(now) ? "" : `${day(at)} `}${hhmm(at)} UTC`);
}

/** "26 min", "45 s", "1 h 05 min": how long, for a person deciding. */
export function fmtMinutes(seconds) {
  if (seconds == null || !Number.isFinite(seconds)) return "—";
  const s = Math.max(0, Math.round(seconds));
  if (s < 2 * MIN) return t("unit.s", { n: s });
  const m = Math.round(s / MIN);
  if (m < 120) return t("unit.min", { n: m });
  return hoursMinutes(m);
}

/** The hot windows of a hazard (its view's `hot`) that cover the moment `t` (ms). */
export function hotAt(hazard, t) {
  return (hazard.properties.hot ?? []).filter(
    (w) => Date.parse(w.from) <= t && t < Date.parse(w.to),
  );
}

/** "S-200 (Syrian Air Defence Force)": what a hazard is called in a sentence. */
export function hazardName(p) {
  if (!p) return t("name.unknown_hazard");
  const what = p.weapon ?? p.name;
  if (what == null) return p.operator ? `${t("name.unnamed_hazard")} (${bidiName(p.operator)})` : t("name.unnamed_hazard");
  return bidiName(p.operator ? `${what} (${p.operator})` : what);
}

/**
 * The words the page needs from the picture: names of parties, notices, tracks and
 * hazards by id (any lookup may miss: the id is shown then).
 */
export class Names {
  constructor(agreement) {
    this.parties = new Map(agreement.parties.map((p) => [p.id, p.name ?? p.id]));
    this.notices = new Map();
    this.assets = new Map();
    this.tracks = new Map();
    this.hazards = new Map();
  }

  party(id) {
    return this.parties.get(id) ?? id;
  }

  /** A notice's callsign (never its id: "unnamed notice" until the notices are known). */
  notice(id) {
    const callsign = this.notices.get(id)?.properties.callsign;
    return callsign == null ? t("name.unnamed_notice") : bidiName(callsign);
  }

  /** A protected asset's name. */
  asset(id) {
    const name = this.assets.get(id)?.properties.name;
    return name == null ? t("name.unnamed_asset") : bidiName(name);
  }

  /** What a conflict's side is called: a notice's callsign or an asset's name. */
  side(kind, id) {
    return kind === "asset" ? this.asset(id) : this.notice(id);
  }

  activity(noticeId) {
    return this.notices.get(noticeId)?.properties.activity ?? null;
  }

  /** "IL-20 RF-93610": the track's reported name, else its id. */
  track(id) {
    return this.tracks.get(id)?.properties.name ?? id;
  }

  hazard(id) {
    const h = this.hazards.get(id);
    return h ? hazardName(h.properties) : t("name.unnamed_hazard");
  }

  /** "strike by Israeli Air Force" for a hot window. */
  hotCause(w) {
    // the window's own activity if the API gives it, else the notice's (if this party sees it)
    const act = w.activity ?? this.activity(w.notice);
    const what = act == null ? t("activity.kinetic") : bidiName(act.replace(/_/g, " "));
    return t("hot.cause", { activity: what, party: bidiName(this.party(w.party)) });
  }
}

/** The hazard an alert or conflict is about (the API's field, else the alert's key). */
export function hazardOf(x) {
  if (x.hazard) return x.hazard;
  if (x.hazard_id) return x.hazard_id;
  if (x.kind === "exposure" && Array.isArray(x.key)) return x.key[1];
  return null;
}

/** The tracks an alert concerns (its track_ids, else read from its key). */
export function alertTracks(a) {
  if (a.track_ids?.length) return a.track_ids;
  const key = a.key ?? [];
  if (a.kind === "exposure" || a.kind === "nonconformance") return key.slice(0, 1).filter(Boolean);
  if (a.kind === "masking") return key.filter(Boolean);
  return [];
}

// Literal keys, so the catalogue test finds every one the page uses.
const ALERT_KIND = {
  cpa: () => t("alert.kind.cpa"),
  entry: () => t("alert.kind.entry"),
  exposure: () => t("alert.kind.exposure"),
  nonconformance: () => t("alert.kind.nonconformance"),
  masking: () => t("alert.kind.masking"),
};

/** What a kind of tactical alert is called ("closest approach" for cpa). */
export function alertKind(kind) {
  return ALERT_KIND[kind]?.() ?? String(kind ?? "").replace(/_/g, " ");
}

/** A notice named in a sentence: a link that opens it on the map. */
function noticeLink(id, names) {
  return `<a href="#" data-notice="${esc(id)}">${esc(names.notice(id))}</a>`;
}

/** One line of HTML for a tactical alert, in words. */
export function alertSentence(a, names) {
  const tracks = alertTracks(a);
  const track = (i) => `<b>${esc(bidiName(names.track(tracks[i] ?? "?")))}</b>`;
  const exit = a.time_to_exit_s ?? a.exit_s;
  const hazard = hazardOf(a);
  switch (a.kind) {
    case "exposure": {
      const leave = exit != null ? `: ${fill(t("alert.to_leave"), { time: esc(fmtMinutes(exit)) })}` : "";
      return fill(t("alert.exposure"), { track: track(0), hazard: esc(names.hazard(hazard)) }) + leave;
    }
    case "nonconformance": {
      const where = a.notice_id ?? a.nearest_notice;
      const far = a.distance_m != null && Number.isFinite(a.distance_m)
        ? ` — ${fill(t("alert.distance_from"), { distance: esc(fmtRange(a.distance_m)), notice: esc(names.notice(where)) })}`
        : where ? ` (${fill(t("alert.nearest"), { notice: esc(names.notice(where)) })})` : "";
      const what = a.kinetic ? t("alert.kinetic_outside") : t("alert.outside_all");
      const since = a.outside_since ?? a.since;
      const from = since ? ` ${fill(t("alert.since"), { time: esc(fmtAt(since)) })}` : "";
      return `${track(0)} ${esc(what)}${far}${from}`;
    }
    case "masking": {
      const gap = a.distance_m ?? a.separation_m;
      const sep = gap != null ? ` ${fill(t("alert.apart"), { distance: esc(fmtRange(gap)) })}` : "";
      const deg = a.bearing_diff_deg ?? a.bearing_delta_deg;
      const bearing = deg != null
        ? `, ${fill(t("alert.off_bearing"), { deg: esc(ltr(`${Number(deg).toFixed(1)}°`)) })}`
        : ` ${esc(t("alert.same_bearing"))}`;
      const from = hazard ? ` ${fill(t("alert.from_hazard"), { hazard: esc(names.hazard(hazard)) })}` : "";
      return `${fill(t("alert.masking"), { track: track(0), other: track(1) })}:${sep}${bearing}${from}`;
    }
    case "cpa": {
      const when = a.cpa_at ? ` ${fill(t("alert.at"), { time: esc(fmtWhen(a.cpa_at)) })}` : "";
      const d = a.cpa_distance_m != null ? ` ${esc(fmtDistanceNM(a.cpa_distance_m))}` : "";
      return `${fill(t("alert.cpa"), { track: track(0), other: track(1) })}: ${esc(t("alert.closest"))}${d}${when}`;
    }
    case "entry": {
      const when = a.entry_at ? ` ${fill(t("alert.at"), { time: esc(fmtAt(a.entry_at)) })}` : "";
      return fill(t("alert.entry"), { track: track(0), notice: noticeLink(a.notice_id, names) }) + when;
    }
    default:
      return `${esc(a.kind)}: ${esc(tracks.map((id) => bidiName(names.track(id))).join(" / "))}`;
  }
}

/** An exposure conflict in words: which notice is inside which hot hazard, and why. */
export function exposureSentence(c, names) {
  const hazard = hazardOf(c);
  const exit = c.time_to_exit_s != null ? `; ${fill(t("alert.to_leave"), { time: esc(fmtMinutes(c.time_to_exit_s)) })}` : "";
  const need = c.required_warning_s != null
    ? `, ${fill(t("exposure.warning_needed"), { time: esc(fmtMinutes(c.required_warning_s)) })}`
    : "";
  const sentence = fill(t("exposure.sentence"), {
    notice: noticeLink(c.a_id, names),
    hazard: esc(names.hazard(hazard)),
    by: noticeLink(c.b_id, names),
  });
  return `${sentence}${exit}${need}`;
}

/** A violation's detail in words, where the kind has numbers to say. */
export function violationSentence(v, names) {
  if (v.kind === "insufficient_warning") {
    const hazard = v.hazard ? ` (${esc(names.hazard(v.hazard))})` : "";
    return fill(t("violation.warning"), { given: esc(fmtMinutes(v.lead_time_s)), needed: esc(fmtMinutes(v.required_s)) }) + hazard;
  }
  return esc(v.detail);
}

const VIOLATION_KIND = {
  late_notice: () => t("violation.kind.late_notice"),
  insufficient_warning: () => t("violation.kind.insufficient_warning"),
};

/** What a kind of violation is called ("late notice"). */
export function violationKind(kind) {
  return VIOLATION_KIND[kind]?.() ?? String(kind ?? "").replace(/_/g, " ");
}

const SEVERITY = {
  minor: () => t("severity.minor"),
  major: () => t("severity.major"),
  critical: () => t("severity.critical"),
  warning: () => t("severity.warning"),
};

/** A severity as a word of the reader's language ("critical"). */
export function severityWord(severity) {
  return SEVERITY[severity]?.() ?? String(severity ?? "");
}
