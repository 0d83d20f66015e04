// The page: sign in, then draw the picture and keep it current.
//
// Everything comes from the API as this party sees it. Collections are refetched when the
// push stream says they changed (debounced: one event burst, one request), and tracks by
// polling, as they change every second and have no stream events.
import { AdvicePanel, canAdvise } from "./advice.js";
import { AlarmBoard, headline } from "./alarms.js";
import { Api } from "./api.js";
import { Hotline } from "./hotline.js";
import { CHANGE_EVENT, initI18n, t } from "./i18n.js";
import { Layers, bandMeets, partyColours } from "./layers.js";
import { createMap } from "./map.js";
import { loadPhrases, phrasePicker } from "./phrases.js";
import { loadKey } from "./sign.js";
import { Replay, fmtSecond } from "./replay.js";
import { Timeline } from "./timeline.js";
import { debounce, esc } from "./util.js";
import { renderRecord } from "./recordview.js";
import { Witness } from "./witness.js";
import {
  Names,
  alertKind,
  alertSentence,
  alertTracks,
  exposureSentence,
  fmtRelative,
  fmtWindow,
  hotAt,
  bidiName,
  fill,
  ltr,
  severityWord,
  violationKind,
  violationSentence,
} from "./words.js";
import { adviseButton, startsOrEnds } from "./popups.js";

const TRACK_POLL_MS = 1500;
const TOKEN_KEY = "interlock.token"; // sessionStorage: this tab only
const OBSERVED = "observed"; // the party filter's entry for tracks nobody owns

// Which collections each push-stream event type changes.
const REFRESH_ON = {
  // A kinetic notice makes hazards hot: their windows come with the hazards.
  notice_version: ["notices", "conflicts", "violations", "hazards"],
  notice_cancelled: ["notices", "conflicts", "hazards"],
  hazard: ["hazards", "conflicts"],
  hazard_retired: ["hazards", "conflicts"],
  conflict: ["conflicts"],
  conflicts_closed: ["conflicts"],
  violation: ["violations"],
  message: ["messages"],
  receipt: ["messages"],
  escalation: ["messages"],
  channel: ["channels"],
  alert: ["alerts"],
  asset: ["assets", "conflicts"],
  asset_retired: ["assets", "conflicts"],
};

const $ = (sel) => document.querySelector(sel);
let alarms = null; // the signed-in page's AlarmBoard (alarms.js): the lists' seen/ack/snooze

function toast(message, kind = "error") {
  const el = document.createElement("div");
  el.className = `toast ${kind}`;
  el.textContent = message;
  $("#toasts").append(el);
  setTimeout(() => el.remove(), 8000);
}

function reportError(error) {
  console.warn(error); // shown to the user; not a page fault
  toast(error.detail || error.message);
}

// ---- sign-in --------------------------------------------------------------------------
async function readKeyText(form) {
  const file = form.keyfile.files[0];
  if (file) return file.text();
  return form.key.value.trim();
}

let i18nReady = Promise.resolve();

async function signIn(event) {
  event.preventDefault();
  await i18nReady;
  const form = event.target;
  const error = $("#signin-error");
  error.textContent = "";
  try {
    const api = new Api(form.token.value.trim());
    const me = await api.get("/me");
    const agreement = await api.get("/agreement");
    const pem = await readKeyText(form);
    let key = null;
    if (pem) {
      key = await loadKey(pem);
      const listed = agreement.parties.find((p) => p.id === me.id)?.public_keys ?? [];
      if (!listed.includes(key.publicText)) {
        throw new Error(t("signin.key_not_listed", { key: key.keyId, party: me.id }));
      }
    }
    sessionStorage.setItem(TOKEN_KEY, api.token);
    form.key.value = "";
    form.keyfile.value = "";
    await start(api, me, agreement, key);
  } catch (e) {
    error.textContent = e.status === 401 ? t("signin.refused") : e.detail || e.message;
  }
}

// ---- the running page -----------------------------------------------------------------
async function start(api, me, agreement, key) {
  $("#signin").hidden = true;
  $("#app").hidden = false;
  $("#signout").hidden = false;
  setupTabs();
  const who = () =>
    ($("#who").innerHTML = `${esc(me.name)} <code>${esc(me.id)}</code> · ${esc(key ? t("who.key", { key: key.keyId }) : t("who.readonly"))}`);
  who();

  const colours = partyColours(agreement.parties);
  const map = createMap($("#map"));
  const names = new Names(agreement);
  const layers = new Layers(map, colours, names, agreement.parties);
  layers.receiverPlot = (id) => api.blobUrl(`/spectrum/receivers/${encodeURIComponent(id)}/plot.png`);
  // The live picture, kept current all along (in replay too: back to live is at once), and
  // what is drawn: the live picture, or a replayed one (GET /picture, replay.js).
  const live = { notices: [], assets: [], conflicts: [], violations: [], tracks: [], alerts: [], hazards: [] };
  let data = live;
  // "What clears it?" (advice.js): for a live conflict with a notice of ours in it.
  const advisable = (c) => data === live && canAdvise(c, me.id);
  layers.canAdvise = advisable;
  const advice = new AdvicePanel({
    root: $("#advice"),
    api,
    layers,
    names,
    me: me.id,
    onApplied: () => refresh(["notices", "conflicts", "violations"]),
  });
  // Hazards need GET /hazards; a server without it (older) shows none, quietly: asked
  // once through its OpenAPI document, so no request of the page ever fails for it.
  const hasHazards = api
    .get("/openapi.json")
    .then((doc) => Boolean(doc.paths?.["/hazards"]?.get))
    .catch(() => false);
  const filters = setupFilters(agreement, colours, () => redraw());
  const timeline = new Timeline({
    root: $("#timeline"),
    slider: $("#slider"),
    label: $("#slider-label"),
    atTime: $("#at-time"),
    controls: $("#timeline-view"),
    onChange: () => replay.follow(timeline.at) || redraw(),
    onSelect: (id) => layers.openNotice(id) || toast(t("toast.notice_hidden", { id }), "info"),
    onMark: (at) => replay.seek(at), // an event's mark on the axis (replay)
  });
  // The page witnesses the record before it signs any receipt (which carries what it verified).
  const witness = new Witness({
    api,
    me,
    key,
    onChange: (w) => renderRecord(w, $("#record-state"), $("#record-alarm")),
  });
  renderRecord(witness, $("#record-state"), $("#record-alarm"));
  document.addEventListener(CHANGE_EVENT, () => renderRecord(witness, $("#record-state"), $("#record-alarm")));
  witness.start();
  // The standard phrases (GET /phrases) before the hotline draws a message that carries one.
  await loadPhrases(api).catch(reportError);
  alarms = new AlarmBoard({ scope: `${location.origin} ${me.id}`, sound: $("#alarm-sound"), snoozed: $("#snoozed") });
  // A conflict an escalated message is about, in the conflict list's own words.
  const conflictName = (id) => $(`#conflicts [data-conflict="${CSS.escape(String(id))}"]`)?.dataset.name ?? null;
  // A referenced notice by its callsign once the notices are known (else its id).
  const refName = (id) => (names.notices.has(id) ? names.notice(id) : id);
  const hotline = new Hotline({ root: $("#hotline"), api, me, agreement, key, witness, onError: reportError, alarms, conflictName, noticeName: refName });
  phrasePicker($("#compose .phrase-picker"), $("#compose [name=subject]"));

  const conflictedNotices = () => {
    const ids = new Set();
    for (const c of data.conflicts) {
      if (c.a_kind === "notice") ids.add(c.a_id);
      if (c.b_kind === "notice") ids.add(c.b_id);
    }
    return ids;
  };
  const alertedTracks = () => new Set(data.alerts.flatMap((a) => alertTracks(a)));
  // The moment the page's words are relative to ("starts in 20 min"): the replayed one in replay.
  const speakingNow = () => (data === live ? Date.now() : (replay.drawnAt ?? Date.now()));
  layers.now = speakingNow;
  // The moment hazards are drawn for: the slider's time under the time filter, else now.
  const pageTime = () => (timeline.atTime.checked ? timeline.time() : Date.now());
  let hazardsDrawn = null; // what was drawn last (hazards and which are hot): redraw on change
  function drawHazards() {
    const t = pageTime();
    const hot = data.hazards.filter((h) => hotAt(h, t).length).map((h) => h.properties.id);
    const sig = JSON.stringify([data.hazards, hot, data.notices.length]);
    if (sig === hazardsDrawn) return; // unchanged: an open popup stays open
    hazardsDrawn = sig;
    layers.hazards.set(data.hazards, t);
  }

  function redraw() {
    const conflicted = conflictedNotices();
    // A cancelled notice declares nothing any more: off the map and the timeline.
    const matching = data.notices.filter(
      (f) =>
        f.properties.status !== "cancelled" &&
        filters.parties.has(f.properties.party) &&
        filters.domains.has(f.properties.domain) &&
        bandMeets(f.properties, ...filters.levels()),
    );
    timeline.setNotices(matching, colours, conflicted);
    layers.setNotices(matching.filter((f) => timeline.shows(f.properties)), conflicted);
    // Under the time filter, only conflicts whose window holds the chosen moment.
    const conflicts = data.conflicts.filter((c) =>
      timeline.shows({ start: c.window_start ?? c.start, end: c.window_end ?? c.end }),
    );
    layers.setConflicts(conflicts, places(data));
    drawHazards();
    drawTracks();
  }

  function drawTracks() {
    const shown = data.tracks.filter(
      (f) =>
        filters.parties.has(f.properties.owner ?? OBSERVED) &&
        filters.domains.has(f.properties.domain) &&
        within(f.properties.alt_ft, ...filters.levels()),
    );
    layers.setTracks(shown, alertedTracks());
  }

  let alertsText = null; // the last alert list drawn, as JSON
  let namesText = null; // the track names the lists were last written with
  // The lists name tracks, notices and hazards: rewrite them when a name arrives.
  const renameLists = () => {
    const alarmed = data === live; // a replayed list is the past: no alarm controls
    const now = speakingNow();
    renderAlerts(data.alerts, names, (id) => layers.openTrack(id), { alarmed, now });
    renderConflicts(data.conflicts, names, (id) => layers.openConflict(id), { alarmed, now, advise: advisable });
    renderViolations(data.violations, names);
  };

  const byId = (features, key = (f) => f.properties.id) => new Map(features.map((f) => [key(f), f]));
  // Tracks by id and by alias (an alert may name a fused track by either).
  const trackNames = (features) =>
    new Map(features.flatMap((f) => [[f.properties.track_id ?? f.id, f], [f.properties.alias, f]]).filter(([k]) => k));
  // The names the lists use: the drawn picture's, over the live one's (a live hotline
  // message may name a notice filed after the replayed moment).
  const nameFrom = (kind, make) => {
    names[kind] = data === live ? make(live[kind]) : new Map([...make(live[kind]), ...make(data[kind])]);
  };

  // Each collection drawn from `data` (the live picture or the replayed one).
  const draw = {
    notices: () => {
      nameFrom("notices", byId);
      redraw();
      renameLists();
      hotline.render(); // the notices its messages refer to, by callsign
    },
    assets: () => {
      nameFrom("assets", byId);
      layers.setAssets(data.assets);
      redraw();
      renameLists();
    },
    conflicts: () => {
      redraw();
      renderConflicts(data.conflicts, names, (id) => layers.openConflict(id), { alarmed: data === live, now: speakingNow(), advise: advisable });
      hotline.renderEscalations(); // they name the conflicts their messages are about
    },
    violations: () => renderViolations(data.violations, names),
    alerts: () => {
      layers.setAlerts(data.alerts);
      renderAlerts(data.alerts, names, (id) => layers.openTrack(id), { alarmed: data === live, now: speakingNow() });
      drawTracks(); // the tracks concerned turn red (or back)
    },
    hazards: () => {
      nameFrom("hazards", byId);
      drawHazards();
      renameLists();
    },
    tracks: () => {
      nameFrom("tracks", trackNames);
      const text = JSON.stringify([...names.tracks].map(([k, f]) => [k, f.properties.name]));
      if (text !== namesText) {
        namesText = text;
        renameLists();
      }
      drawTracks();
    },
  };
  // In replay a live change is not drawn, but the alarms still count it: the live list is
  // written off the page for the alarm board (the title's count, the chime, the snoozes).
  const offPage = {
    conflicts: () => renderConflicts(live.conflicts, names, () => {}, { root: document.createElement("ul"), alarmed: true }),
    alerts: () => renderAlerts(live.alerts, names, () => {}, { root: document.createElement("ul"), alarmed: true }),
  };

  // Each collection fetched into `live`; false: unchanged, nothing to draw.
  const fetchers = {
    notices: async () => {
      live.notices = (await api.get("/notices", { limit: 10000 })).features;
    },
    assets: async () => {
      live.assets = (await api.get("/assets")).features;
    },
    conflicts: async () => {
      live.conflicts = await api.get("/conflicts");
      alarms.prune("conflict", live.conflicts.map((c) => c.id));
    },
    violations: async () => {
      live.violations = await api.get("/violations");
    },
    alerts: async () => {
      const alerts = (await api.get("/alerts")).alerts;
      // Polled with the tracks: redraw only on a change, so an open popup stays open.
      const text = JSON.stringify(alerts);
      if (text === alertsText) return false;
      alertsText = text;
      live.alerts = alerts;
      alarms.prune("alert", alerts.map((a) => a.id));
    },
    hazards: async () => {
      if (!(await hasHazards)) return false;
      live.hazards = (await api.get("/hazards")).features;
    },
    tracks: async () => {
      live.tracks = (await api.get("/tracks")).features;
    },
  };
  const loaders = {
    ...Object.fromEntries(
      Object.entries(fetchers).map(([name, fetch]) => [
        name,
        async () => {
          if ((await fetch()) === false) return;
          if (data === live) draw[name]();
          else offPage[name]?.();
          if (name === "conflicts" || name === "alerts") countPicture(live); // the live count, always
        },
      ]),
    ),
    messages: () => hotline.refresh(),
    channels: async () => renderChannels((channels = await api.get("/hotline/status")), names),
  };

  // ---- replay: the picture at a past moment ---------------------------------------------
  const drawnText = {}; // what each collection was last drawn from, as JSON: redraw on a change
  const changed = (name, value) => {
    const text = JSON.stringify(value);
    if (drawnText[name] === text) return false;
    drawnText[name] = text;
    return true;
  };
  const replay = new Replay({
    api,
    timeline,
    bar: $("#replay"),
    startButton: $("#replay-start"),
    onPicture: (picture) => {
      data = {
        notices: picture.notices?.features ?? [],
        assets: picture.assets?.features ?? [],
        hazards: picture.hazards?.features ?? [],
        tracks: picture.tracks?.features ?? [],
        conflicts: picture.conflicts ?? [],
        // (as GET /alerts serves them: {"alerts": [...]}; a bare list read alike)
        alerts: (Array.isArray(picture.alerts) ? picture.alerts : picture.alerts?.alerts) ?? [],
        violations: [],
        messages: picture.hotline?.messages ?? [],
      };
      // Notices first (the names the others' lists use), assets before conflicts (drawn at them).
      for (const name of ["notices", "assets", "hazards", "conflicts", "alerts", "tracks"]) {
        if (changed(name, data[name])) draw[name]();
      }
      drawHazards(); // hot or not at the replayed moment
      // No positions then (none recorded, or the history kept none): said, not left blank.
      $("#replay .replay-notracks").hidden = data.tracks.length > 0;
      renderReplayNote(replay.drawnAt);
      if (changed("messages", data.messages)) renderHotlineAt(data.messages, names);
    },
    onLive: () => {
      data = live;
      Object.keys(drawnText).forEach((k) => delete drawnText[k]);
      for (const name of ["notices", "assets", "hazards", "conflicts", "violations", "alerts", "tracks"]) draw[name]();
      countPicture(live);
    },
    onMode: (active) => {
      timeline.update();
      drawStreamState();
      if (active) advice.close(); // advice is for the live picture: its ghosts go
    },
    onInfo: (text) => toast(text, "info"),
    onError: reportError,
  });
  let channels = [];
  // A language switch: what this page wrote from the catalogues is written again.
  let streamState = null;
  const drawStreamState = () => {
    // (in replay the stream still feeds the alarms, not the map: the pill says so)
    const replaying = streamState === "open" && replay.active;
    if (streamState) $("#stream-state").textContent = replaying ? t("stream.open_replay") : t(`stream.${streamState}`);
  };
  document.addEventListener(CHANGE_EVENT, () => {
    who();
    advice.relabel();
    drawStreamState();
    renderChannels(channels, names);
    renameLists();
    hotline.render();
    if (replay.active) {
      replay.render();
      renderReplayNote(replay.drawnAt);
      renderHotlineAt(data.messages, names);
    }
  });
  const pending = new Set();
  const flush = debounce(async () => {
    const names = [...pending];
    pending.clear();
    await Promise.all(names.map((n) => loaders[n]().catch(reportError)));
  }, 250);
  const refresh = (names) => {
    names.forEach((n) => pending.add(n));
    flush();
  };

  // Assets first: conflicts with a receiver are drawn at the asset.
  await loaders.assets().catch(reportError);
  await Promise.all(
    Object.entries(loaders)
      .filter(([n]) => n !== "assets")
      .map(([, load]) => load().catch(reportError)),
  );

  // Live: the push stream, tracks by polling, heartbeats, the clock.
  const stop = new AbortController();
  api.stream({
    signal: stop.signal,
    onEvent: (event) => {
      if (event.type === "escalation") hotline.noteEscalation(event.data);
      witness.recordGrew(); // every event is a new ledger entry
      refresh(REFRESH_ON[event.type] ?? Object.keys(loaders));
    },
    onState: (state, detail) => {
      const pill = $("#stream-state");
      pill.hidden = false;
      streamState = state;
      drawStreamState();
      pill.className = `pill ${state}`;
      pill.title = detail ?? "";
      if (state === "open") refresh(["notices", "conflicts", "messages", "alerts"]); // caught up
      if (state === "closed" && !stop.signal.aborted) toast(t("stream.stopped", { detail }));
    },
  });
  const poll = setInterval(() => {
    loaders.tracks().catch(reportError);
    loaders.alerts().catch(() => {});
  }, TRACK_POLL_MS);
  const beatEvery = (agreement.hotline?.heartbeat_interval_s ?? 10) * 1000;
  const beat = () => api.post("/hotline/heartbeat").catch(reportError);
  beat().then(() => refresh(["channels"])); // our own state: up from now on
  const beats = setInterval(beat, beatEvery);
  const tick = () => {
    $("#clock").textContent = new Date().toISOString().slice(11, 19) + "Z";
    timeline.update();
    replay.render(); // "… ago" grows
    if (replay.active) replay.markEvents(); // the view panned or zoomed: its events
    drawHazards(); // a window opening or closing as the minutes pass
  };
  tick();
  const clock = setInterval(tick, 1000);

  $("#signout").onclick = () => {
    stop.abort();
    replay.pause();
    witness.stop();
    [poll, beats, clock].forEach(clearInterval);
    hotline.stop();
    alarms.stop();
    sessionStorage.removeItem(TOKEN_KEY);
    location.reload();
  };
  // Refs to notices in messages and lists open the notice on the map; "What clears it?"
  // (in a conflict's popup or list item) opens its advice.
  document.body.addEventListener("click", (e) => {
    const ask = e.target.closest("button[data-advise]");
    if (ask) {
      e.preventDefault();
      advice.open(ask.dataset.advise);
      return;
    }
    const ref = e.target.closest("a[data-notice]");
    if (!ref) return;
    e.preventDefault();
    if (!layers.openNotice(ref.dataset.notice)) toast(t("toast.notice_not_shown", { id: ref.dataset.notice }), "info");
  });
}

/** The side panel's two tabs: the hotline, and the conflicts, violations and alerts. */
function setupTabs() {
  const tabs = [...document.querySelectorAll("#side [role=tab]")];
  for (const tab of tabs) {
    tab.addEventListener("click", () => {
      for (const t of tabs) {
        const on = t === tab;
        t.setAttribute("aria-selected", String(on));
        document.getElementById(t.dataset.tab).hidden = !on;
      }
    });
  }
}

/** In replay, the conflicts tab says which moment its lists are of. */
function renderReplayNote(at) {
  $("#replay-note").textContent = at == null ? "" : t("replay.note", { time: fmtSecond(at) });
}

/** The hotline as it stood at the replayed moment: read-only, one line per message. */
function renderHotlineAt(messages, names) {
  const words = { pending: t("msgstate.pending"), delivered: t("msgstate.delivered"), acknowledged: t("msgstate.acknowledged"), overdue: t("msgstate.overdue") };
  const prio = { routine: t("priority.routine"), urgent: t("priority.urgent"), flash: t("priority.flash") };
  const word = (table, v) => table[v] ?? String(v ?? "");
  const state = (m) => (m.recipients ?? []).map((r) => `${bidiName(names.party(r.party))}: ${word(words, r.state)}`).join(", ") || word(words, m.state);
  $("#hotline-at").innerHTML =
    [...(messages ?? [])]
      .sort((a, b) => Date.parse(b.sent_at) - Date.parse(a.sent_at))
      .map(
        (m) => `<li class="msg-at prio-${esc(m.priority)}" data-id="${esc(m.id)}"><b class="prio">${esc(word(prio, m.priority))}</b>
          ${esc(fmtSecond(Date.parse(m.sent_at)))} ${esc(m.from === "interlock" ? t("hotline.system_party") : bidiName(names.party(m.from)))} → ${esc((m.to ?? []).map((p) => bidiName(names.party(p))).join(", "))}:
          <span class="subject">${esc(m.subject)}</span> <small>${esc(state(m))}</small></li>`,
      )
      .join("") || `<li class="empty">${esc(t("replay.no_messages"))}</li>`;
}

/** The count on the conflicts tab: open conflicts and active alerts concerning us. */
function countPicture(data) {
  const n = data.conflicts.length + data.alerts.length;
  $("#tab-picture").textContent = n ? String(n) : "";
}

/** Where each notice and asset is (roughly its middle), for conflict markers. */
function places(data) {
  const out = new Map();
  for (const f of [...data.notices, ...data.assets]) {
    const g = f.geometry;
    const pts = g.type === "Point" ? [g.coordinates] : g.type === "LineString" ? g.coordinates : g.coordinates[0];
    const lon = pts.reduce((s, p) => s + p[0], 0) / pts.length;
    const lat = pts.reduce((s, p) => s + p[1], 0) / pts.length;
    out.set(f.properties.id ?? f.id, [lat, lon]);
  }
  return out;
}

function setupFilters(agreement, colours, onChange) {
  const parties = new Set([...agreement.parties.map((p) => p.id), OBSERVED]);
  const domains = new Set(["air", "sea", "emission"]);
  $("#filter-parties").innerHTML = [...parties]
    .map(
      (id) =>
        `<label><input type="checkbox" value="${esc(id)}" checked> ${id === OBSERVED ? `<span data-i18n="filters.observed">${esc(t("filters.observed"))}</span>` : esc(id)}
         <span class="swatch" style="background:${colours[id] ?? "#6b6b6b"}"></span></label>`,
    )
    .join("");
  const bind = (root, set) =>
    root.addEventListener("change", (e) => {
      if (e.target.checked) set.add(e.target.value);
      else set.delete(e.target.value);
      onChange();
    });
  bind($("#filter-parties"), parties);
  bind($("#filter-domains"), domains);
  // Flight levels: an empty box is no limit; tracks without an altitude (ships) stay.
  const fl = (id, none) => ($(id).value === "" ? none : Number($(id).value) * 100);
  $("#filter-levels").addEventListener("input", () => onChange());
  const levels = () => [fl("#fl-min", -Infinity), fl("#fl-max", Infinity)];
  return { parties, domains, levels };
}

function within(altFt, lo, hi) {
  return altFt == null || (altFt >= lo && altFt <= hi);
}

/** The conflicts listed in `root` (the page's list, or one off the page that only the alarm
 * board reads); `alarmed`: live items, with their alarm controls (not a replayed past);
 * `advise(c)`: whether an item offers "What clears it?". */
function renderConflicts(conflicts, names, open, { root = $("#conflicts"), alarmed = true, now = Date.now(), advise = () => false } = {}) {
  if (root.isConnected) $("#conflict-count").textContent = conflicts.length || "";
  // A notice is a link that opens it on the map; an asset is named.
  const side = (kind, id) =>
    kind === "asset"
      ? `<span class="asset-name">${esc(names.asset(id))}</span>`
      : `<a href="#" data-notice="${esc(id)}">${esc(names.notice(id))}</a>`;
  const db = (x) => `${Number(x).toFixed(1)} dB`;
  root.innerHTML =
    conflicts
      .map((c) => {
        const what =
          c.kind === "interference"
            ? fill(t("list.interference"), {
                notice: side("notice", c.b_id),
                receiver: `<span class="asset-name">${esc(c.receiver_name != null ? bidiName(c.receiver_name) : names.asset(c.a_id))}</span>`,
                level: esc(ltr(`I/N ${db(c.i_n_db)}`)), // "I/N 49.3 dB" one left-to-right value
                criterion: esc(ltr(db(c.criterion_db))),
              })
            : c.kind === "exposure"
              ? exposureSentence(c, names)
              : `${side(c.a_kind, c.a_id)} × ${side(c.b_kind, c.b_id)}`;
        const from = c.window_start ?? c.start;
        const to = c.window_end ?? c.end;
        return `<li class="conflict severity-${esc(c.severity)}" data-conflict="${esc(c.id)}">
          <b>${esc(severityWord(c.severity))}</b> ${esc(ltr(`#${c.id}`))} ${what}<br><small>${esc(fmtWindow(from, to, now))} · ${esc(startsOrEnds(from, to, now))}</small>${advise(c) ? ` ${adviseButton(c.id)}` : ""}</li>`;
      })
      .join("") || `<li class="empty">${esc(t("list.no_conflicts"))}</li>`;
  for (const li of root.querySelectorAll("[data-conflict]")) li.dataset.name = headline(li);
  if (alarmed) alarms?.attach("conflict", root, conflicts.map((c) => ({ id: c.id })));
  root.onclick = (e) => {
    if (e.target.closest("a[data-notice], button[data-advise]")) return; // opened on the map / its advice
    const li = e.target.closest("[data-conflict]");
    if (li) open(li.dataset.conflict);
  };
}

function renderViolations(violations, names) {
  $("#violation-count").textContent = violations.length || "";
  $("#violations").innerHTML =
    violations
      .map(
        (v) => `<li class="violation-${esc(v.kind)}">${fill(t("list.violation_by"), { kind: `<b>${esc(violationKind(v.kind))}</b>`, party: esc(bidiName(names.party(v.party))) })}:
          <a href="#" data-notice="${esc(v.notice?.id)}">${esc(names.notice(v.notice?.id))}</a> — ${violationSentence(v, names)}</li>`,
      )
      .join("") || `<li class="empty">${esc(t("list.none"))}</li>`;
}

/** The tactical alerts, one sentence each; a click shows the tracks concerned. */
function renderAlerts(alerts, names, openTrack, { root = $("#alerts"), alarmed = true, now = Date.now() } = {}) {
  if (root.isConnected) $("#alert-count").textContent = alerts.length || "";
  root.innerHTML =
    alerts
      .map(
        (a) => `<li class="danger alert-row alert-${esc(a.kind)}" data-alert="${esc(a.id)}"
          data-tracks="${esc(alertTracks(a).join(" "))}"><span class="kind">${esc(severityWord(a.severity))} ${esc(alertKind(a.kind))}</span>
          ${alertSentence(a, names)}${a.raised_at ? ` <small>${esc(t("list.raised", { rel: fmtRelative(Date.parse(a.raised_at), now) }))}</small>` : ""}</li>`,
      )
      .join("") || `<li class="empty">${esc(t("list.none"))}</li>`;
  if (alarmed) alarms?.attach("alert", root, alerts.map((a) => ({ id: a.id, ring: true })));
  root.onclick = (e) => {
    if (e.target.closest("a[data-notice]")) return;
    const li = e.target.closest("[data-tracks]");
    const first = li?.dataset.tracks.split(" ").filter(Boolean)[0];
    if (first) openTrack(first);
  };
}

/** Each party's hotline: its name, its state in words, when it was last heard from. */
function renderChannels(status, names) {
  $("#channels").innerHTML = status
    .map((s) => {
      const seen = s.last_seen ? t("channel.last_seen", { time: fmtRelative(Date.parse(s.last_seen)) }) : t("channel.never");
      return `<span class="pill ${esc(s.state)}" data-party="${esc(s.party)}" title="${esc(seen)}">${esc(names.party(s.party))}: ${esc(t(`channel.${s.state}`))}</span>`;
    })
    .join(" ");
}

// Prefill the token kept for this tab; the key is never kept, so it is asked again.
$("#signin-form").addEventListener("submit", signIn);
$("#signin-form button[type=submit]").disabled = false; // (sent only through signIn)
$("#signin-form").token.value = sessionStorage.getItem(TOKEN_KEY) ?? "";
// The labels in the chosen language (the page stays in English if they cannot load);
// sign-in waits for them, so nothing is first drawn without its words.
i18nReady = initI18n().catch((e) => console.warn(e));
