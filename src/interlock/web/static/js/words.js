// The domain's words and units for what the page shows a duty officer: ranges in km and
// NM, altitude bands in ft and flight levels, times in UTC to the minute, and one sentence
// per conflict, violation or alert kind (never a raw field name).
import { esc } from "./util.js";

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
  return tenths < 10 ? `${tenths.toFixed(1)} NM` : `${Math.round(nm).toLocaleString("en")} NM`;
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
  return `${part(lat, 2, "N", "S")} ${part(lon, 3, "E", "W")}`;
}

/** "in 23 min", "12 min ago", "in 45 s", "in 1 h 05 min", "in 3 days", "now": how far `ms` is
 * from `now`.
 * Whole minutes from 60 s on, rounded to the nearest (89 s is 1 min, 90 s is 2 min). */
export function fmtRelative(ms, now = Date.now()) {
  const t = typeof ms === "string" ? Date.parse(ms) : ms;
  if (t == null || !Number.isFinite(t)) return "";
  const d = Math.round((t - now) / 1000);
  const s = Math.abs(d);
  if (s < 1) return "now";
  let text;
  if (s < MIN) text = `${s} s`;
  else {
    const m = Math.floor((s + MIN / 2) / MIN); // half a minute rounds up, either way in time
    if (m < 60) text = `${m} min`;
    else if (m < 48 * 60) text = `${Math.floor(m / 60)} h ${String(m % 60).padStart(2, "0")} min`;
    else text = `${Math.round(m / (24 * 60))} days`;
  }
  return d > 0 ? `in ${text}` : `${text} ago`;
}

/** "18:40 UTC (in 23 min)": a moment to the minute, with how far it is from now. */
export function fmtWhen(iso, now = Date.now()) {
  const t = typeof iso === "number" ? iso * 1000 : Date.parse(iso);
  if (!Number.isFinite(t)) return "—";
  return `${fmtAt(t / 1000, now)} (${fmtRelative(t, now)})`;
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
  if (p.fl_lower != null && p.fl_upper != null) return `${flText(p.fl_lower)}–${flText(p.fl_upper)}`;
  if (p.alt_lower_ft != null && p.alt_upper_ft != null) {
    return p.alt_lower_ft === 0
      ? `surface to ${ftText(p.alt_upper_ft)} ft`
      : `${ftText(p.alt_lower_ft)}–${ftText(p.alt_upper_ft)} ft`;
  }
  if (p.depth_min_m != null && p.depth_max_m != null) return depthText(p.depth_min_m, p.depth_max_m);
  if (p.lower_m == null || p.upper_m == null) return "—";
  if (p.lower_m <= FULL_BAND_M[0] && p.upper_m >= FULL_BAND_M[1] - 1) return "all heights and depths";
  if (p.domain === "sea" || p.upper_m <= 0) return depthText(Math.max(0, -p.upper_m), -p.lower_m);
  const lo = p.lower_m / M_PER_FT;
  return lo <= 0 ? `surface to ${ftText(p.upper_m / M_PER_FT)} ft` : `${ftText(lo)}–${ftText(p.upper_m / M_PER_FT)} ft`;
}

function depthText(top, bottom) {
  return top <= 0 ? `surface to ${mText(bottom)} m deep` : `${mText(top)}–${mText(bottom)} m deep`;
}

/** A vertical distance in the domain's unit: feet for air, metres at sea. */
export function fmtVertical(metres, domain) {
  if (metres == null || !Number.isFinite(metres)) return "—";
  return domain === "sea" ? `${mText(metres)} m` : `${ftText(metres / M_PER_FT)} ft`;
}

/** "250 km (135 NM)". */
export function fmtRange(metres) {
  if (metres == null || !Number.isFinite(metres)) return "—";
  const km = metres / 1000;
  const nm = metres / M_PER_NM;
  const r = (x) => (x >= 10 ? Math.round(x).toLocaleString("en") : x.toFixed(1));
  return `${r(km)} km (${r(nm)} NM)`;
}

/** A flight level: hundreds of feet, three digits at least ("FL010", "FL1300"). */
export function fmtFL(ft) {
  return `FL${String(Math.round(ft / 100)).padStart(3, "0")}`;
}

/** "1,000–130,000 ft (FL010–FL1300)". */
export function fmtBand(minFt, maxFt) {
  if (minFt == null || maxFt == null) return "—";
  const ft = (x) => Math.round(x).toLocaleString("en");
  return `${ft(minFt)}–${ft(maxFt)} ft (${fmtFL(minFt)}–${fmtFL(maxFt)})`;
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
  if (day(a) !== day(b)) return `${day(a)} ${hhmm(a)} – ${day(b)} ${hhmm(b)} UTC`;
  const date = day(a) === day(now) ? "" : `${day(a)} `;
  return `${date}${hhmm(a)}–${hhmm(b)} UTC`;
}

/** "18:40 UTC" (or "2026-11-25 18:40 UTC" on another day). */
export function fmtAt(iso, now = Date.now()) {
  const t = typeof iso === "number" ? iso * 1000 : Date.parse(iso);
  if (!Number.isFinite(t)) return "—";
  return `${day(t) === day(now) ? "" : `${day(t)} `}${hhmm(t)} UTC`;
}

/** "26 min", "45 s", "1 h 05 min": how long, for a person deciding. */
export function fmtMinutes(seconds) {
  if (seconds == null || !Number.isFinite(seconds)) return "—";
  const s = Math.max(0, Math.round(seconds));
  if (s < 2 * MIN) return `${s} s`;
  const m = Math.round(s / MIN);
  if (m < 120) return `${m} min`;
  return `${Math.floor(m / 60)} h ${String(m % 60).padStart(2, "0")} min`;
}

/** The hot windows of a hazard (its view's `hot`) that cover the moment `t` (ms). */
export function hotAt(hazard, t) {
  return (hazard.properties.hot ?? []).filter(
    (w) => Date.parse(w.from) <= t && t < Date.parse(w.to),
  );
}

/** "S-200 (Syrian Air Defence Force)": what a hazard is called in a sentence. */
export function hazardName(p) {
  if (!p) return "unknown hazard";
  const what = p.weapon ?? p.name ?? "unnamed hazard";
  return p.operator ? `${what} (${p.operator})` : what;
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
    return this.notices.get(id)?.properties.callsign ?? "unnamed notice";
  }

  /** A protected asset's name. */
  asset(id) {
    return this.assets.get(id)?.properties.name ?? "unnamed asset";
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
    return h ? hazardName(h.properties) : "unnamed hazard";
  }

  /** "strike by Israeli Air Force" for a hot window. */
  hotCause(w) {
    // the window's own activity if the API gives it, else the notice's (if this party sees it)
    const act = w.activity ?? this.activity(w.notice) ?? "kinetic activity";
    return `${act.replace(/_/g, " ")} by ${this.party(w.party)}`;
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

const ALERT_KIND = {
  cpa: "closest approach",
  entry: "notice entry",
  exposure: "hazard exposure",
  nonconformance: "non-conformance",
  masking: "masking",
};

/** What a kind of tactical alert is called ("closest approach" for cpa). */
export function alertKind(kind) {
  return ALERT_KIND[kind] ?? String(kind ?? "").replace(/_/g, " ");
}

/** One line of HTML for a tactical alert, in words. */
export function alertSentence(a, names) {
  const tracks = alertTracks(a);
  const t = (i) => `<b>${esc(names.track(tracks[i] ?? "?"))}</b>`;
  const exit = a.time_to_exit_s ?? a.exit_s;
  const hazard = hazardOf(a);
  switch (a.kind) {
    case "exposure": {
      const leave = exit != null ? `: ${esc(fmtMinutes(exit))} to leave` : "";
      return `${t(0)} inside ${esc(names.hazard(hazard))} envelope (hot)${leave}`;
    }
    case "nonconformance": {
      const where = a.notice_id ?? a.nearest_notice;
      const far = a.distance_m != null && Number.isFinite(a.distance_m)
        ? ` — ${esc(fmtRange(a.distance_m))} from ${esc(names.notice(where))}`
        : where ? ` (nearest: ${esc(names.notice(where))})` : "";
      const what = a.kinetic ? "kinetic activity outside its notice" : "outside all its notices";
      const since = a.outside_since ?? a.since;
      return `${t(0)} ${what}${far}${since ? ` since ${esc(fmtAt(since))}` : ""}`;
    }
    case "masking": {
      const gap = a.distance_m ?? a.separation_m;
      const sep = gap != null ? ` ${esc(fmtRange(gap))} apart` : "";
      const deg = a.bearing_diff_deg ?? a.bearing_delta_deg;
      const bearing = deg != null ? `, ${Number(deg).toFixed(1)}° off the same bearing` : " on the same bearing";
      const from = hazard ? ` from ${esc(names.hazard(hazard))}` : "";
      return `${t(0)} masking behind ${t(1)}:${sep}${bearing}${from}`;
    }
    case "cpa": {
      const when = a.cpa_at ? ` at ${esc(fmtWhen(a.cpa_at))}` : "";
      const d = a.cpa_distance_m != null ? ` ${esc(fmtDistanceNM(a.cpa_distance_m))}` : "";
      return `${t(0)} and ${t(1)} lose separation: closest${d}${when}`;
    }
    case "entry": {
      const when = a.entry_at ? ` at ${esc(fmtAt(a.entry_at))}` : "";
      return `${t(0)} enters <a href="#" data-notice="${esc(a.notice_id)}">${esc(names.notice(a.notice_id))}</a>${when}`;
    }
    default:
      return `${esc(a.kind)}: ${esc(tracks.map((id) => names.track(id)).join(" / "))}`;
  }
}

/** An exposure conflict in words: which notice is inside which hot hazard, and why. */
export function exposureSentence(c, names) {
  const hazard = hazardOf(c);
  const exit = c.time_to_exit_s != null ? `; ${esc(fmtMinutes(c.time_to_exit_s))} to leave` : "";
  const need =
    c.required_warning_s != null ? `, warning needed ${esc(fmtMinutes(c.required_warning_s))}` : "";
  return `exposure: <a href="#" data-notice="${esc(c.a_id)}">${esc(names.notice(c.a_id))}</a>
    inside ${esc(names.hazard(hazard))} envelope, hot for
    <a href="#" data-notice="${esc(c.b_id)}">${esc(names.notice(c.b_id))}</a>${exit}${need}`;
}

/** A violation's detail in words, where the kind has numbers to say. */
export function violationSentence(v, names) {
  if (v.kind === "insufficient_warning") {
    const hazard = v.hazard ? ` (${esc(names.hazard(v.hazard))})` : "";
    return `warning ${esc(fmtMinutes(v.lead_time_s))}, needed ${esc(fmtMinutes(v.required_s))}${hazard}`;
  }
  return esc(v.detail);
}
