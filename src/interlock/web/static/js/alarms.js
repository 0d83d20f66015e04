// Alarm hygiene: one stateful item per conflict, tactical alert, hotline message and
// escalated message, each new / seen / acknowledged / snoozed until a time. A snooze ends
// by itself and brings the item back as new if it is still live; whatever is snoozed is
// always listed ("2 snoozed" in the header) and can be unsnoozed. New flash messages,
// alerts and flash escalations ring once (a WebAudio chime, switchable) and are counted
// in the title bar, "(3) interlock".
//
// The state lives in localStorage per server and party: it is this officer's console
// state, not the record. A hotline message's acknowledgement is its signed receipt
// (hotline.js); "acknowledged" here, for conflicts and alerts, is the officer's own mark
// and tells no one. Items no longer live are pruned from it.
import { CHANGE_EVENT, t } from "./i18n.js";
import { esc } from "./util.js";
import { fmtAt } from "./words.js";

/** Snooze lengths offered, in minutes (a watch's short, medium and long look away). */
export const SNOOZE_MINUTES = [5, 15, 60];
const SOUND_KEY = "interlock.alarms.sound"; // "on" | "off": this browser's switch
// A test's minute in milliseconds (unset: a real minute), so snoozes expire in seconds.
const MINUTE_KEY = "interlock.alarms.minute-ms";
const TICK_MS = 1000;

// How each kind of item's element is marked in its list (the attribute holding its id).
const ATTR = { conflict: "data-conflict", alert: "data-alert", message: "data-id", escalation: "data-escalation" };
const KIND_WORD = () => ({ conflict: t("alarm.kind_conflict"), alert: t("alarm.kind_alert"), message: t("alarm.kind_message"), escalation: t("alarm.kind_escalation") });

/** A list item's words without its small print (times) or controls (its alarm controls,
 * "What clears it?"), as one line. */
export function headline(el) {
  const copy = el.cloneNode(true);
  copy.querySelectorAll("small, .alarm-controls, button.advise").forEach((e) => e.remove());
  return copy.textContent.replace(/\s+/g, " ").trim();
}

export class AlarmBoard {
  /**
   * `scope` names the server and party ("https://host base"); `sound` is the switch
   * (a checkbox), `snoozed` the header's <details> listing what is snoozed.
   */
  constructor({ scope, sound, snoozed, storage = localStorage, now = () => Date.now() }) {
    Object.assign(this, { sound, snoozed, storage, now });
    this.key = `interlock.alarms.state ${scope}`;
    this.state = this.load(); // "kind:id" -> {seen, ack, until}
    this.live = new Map(); // "kind:id" -> {kind, id, label, ring, acknowledged, el}
    this.ringing = new Set(); // keys counted in the title at the last update
    this.chimes = 0; // how many times the chime sounded (shown on the switch for tests)
    this.minuteMs = Number(storage.getItem(MINUTE_KEY)) || 60_000;
    this.baseTitle = document.title;
    sound.checked = storage.getItem(SOUND_KEY) !== "off";
    sound.addEventListener("change", () => {
      storage.setItem(SOUND_KEY, sound.checked ? "on" : "off");
      if (sound.checked) this.audio(); // created inside the click: allowed to play
    });
    snoozed.addEventListener("click", (e) => {
      const b = e.target.closest("button[data-unsnooze]");
      if (b) this.unsnooze(b.dataset.unsnooze);
    });
    this.timer = setInterval(() => this.tick(), TICK_MS);
    this.relabel = () => this.redrawControls();
    document.addEventListener(CHANGE_EVENT, this.relabel);
  }

  stop() {
    clearInterval(this.timer);
    document.removeEventListener(CHANGE_EVENT, this.relabel);
    document.title = this.baseTitle;
  }

  // ---- state ---------------------------------------------------------------------------
  load() {
    try {
      return JSON.parse(this.storage.getItem(this.key)) ?? {};
    } catch {
      return {}; // unreadable: start afresh, it is only this console's marks
    }
  }

  save() {
    this.storage.setItem(this.key, JSON.stringify(this.state));
  }

  /** "new" | "seen" | "acknowledged" | "snoozed" for a live item's key. */
  status(key) {
    const item = this.live.get(key);
    const s = this.state[key] ?? {};
    if (item?.acknowledged || s.ack) return "acknowledged";
    if (s.until > this.now()) return "snoozed";
    return s.seen ? "seen" : "new";
  }

  mark(key, change) {
    this.state[key] = { ...this.state[key], ...change };
    this.save();
    this.update();
  }

  seen(key) {
    this.mark(key, { seen: true, until: 0 });
  }

  acknowledge(key) {
    this.mark(key, { seen: true, ack: true, until: 0 });
  }

  snooze(key, minutes) {
    this.mark(key, { until: this.now() + minutes * this.minuteMs });
  }

  unsnooze(key) {
    this.mark(key, { until: 0 });
  }

  // ---- the lists -----------------------------------------------------------------------
  /**
   * The live items of one kind, just drawn in `root`: each element gets its state and
   * controls. `items`: [{id, ring, acknowledged, ack, label}] — ring: counts in the title
   * and chimes while new; acknowledged: settled elsewhere (a message's signed receipt);
   * ack: offer the local acknowledgement; label: for the snoozed list (else the text).
   */
  attach(kind, root, items) {
    const ids = new Set(items.map((i) => `${kind}:${i.id}`));
    for (const [key, item] of this.live) if (item.kind === kind && !ids.has(key)) this.live.delete(key);
    for (const i of items) {
      const key = `${kind}:${i.id}`;
      const el = root.querySelector(`[${ATTR[kind]}="${CSS.escape(String(i.id))}"]`);
      const label = (i.label ?? (el ? headline(el) : `${KIND_WORD()[kind]} ${i.id}`)).slice(0, 90);
      const localAck = i.ack !== false && kind !== "message";
      this.live.set(key, { kind, id: String(i.id), label, ring: Boolean(i.ring), acknowledged: Boolean(i.acknowledged), el, localAck });
      // (appended to the item, or to its .alarm-slot where it has one)
      if (el && !i.acknowledged) (el.querySelector(".alarm-slot") ?? el).append(this.controls(key, localAck));
    }
    this.update();
  }

  /** Forget the marks of items of `kind` no longer live, `ids` being all the live ones
   * just fetched (not a list drawn before its data came, which would forget them all). */
  prune(kind, ids) {
    const live = new Set([...ids].map((id) => `${kind}:${id}`));
    const gone = Object.keys(this.state).filter((k) => k.startsWith(`${kind}:`) && !live.has(k));
    gone.forEach((k) => delete this.state[k]);
    if (gone.length) this.save();
  }

  /** A language switch: every item's controls drawn again in the new words. */
  redrawControls() {
    for (const [key, item] of this.live) {
      const old = item.el?.querySelector(`.alarm-controls[data-alarm="${CSS.escape(key)}"]`);
      old?.replaceWith(this.controls(key, item.localAck));
    }
    this.snoozed.querySelector("ul").dataset.rows = ""; // the snoozed list's words too
    this.update();
  }

  controls(key, localAck) {
    const span = document.createElement("span");
    span.className = "alarm-controls";
    span.dataset.alarm = key;
    const options = SNOOZE_MINUTES.map((m) => `<option value="${m}">${esc(t("unit.min", { n: m }))}</option>`).join("");
    span.innerHTML = `<span class="alarm-state"></span>
      <button type="button" class="alarm-seen" title="${esc(t("alarm.seen_title"))}">${esc(t("alarm.seen_button"))}</button>
      ${localAck ? `<button type="button" class="alarm-ack" title="${esc(t("alarm.ack_title"))}">${esc(t("alarm.ack_button"))}</button>` : ""}
      <select class="alarm-snooze" aria-label="${esc(t("alarm.snooze_label"))}" title="${esc(t("alarm.snooze_title"))}">
        <option value="">${esc(t("alarm.snooze"))}</option>${options}</select>`;
    // The lists open the item on a click: the controls' clicks are theirs alone.
    span.addEventListener("click", (e) => {
      e.stopPropagation();
      if (e.target.matches("button.alarm-seen")) this.seen(key);
      if (e.target.matches("button.alarm-ack")) this.acknowledge(key);
    });
    span.querySelector(".alarm-snooze").addEventListener("change", (e) => {
      if (e.target.value) this.snooze(key, Number(e.target.value));
    });
    return span;
  }

  /** Snoozes ending: the item comes back new (a pruned one is simply gone). */
  tick() {
    const now = this.now();
    let changed = false;
    for (const [key, s] of Object.entries(this.state)) {
      if (s.until && s.until <= now) {
        this.state[key] = { ...s, until: 0, seen: false };
        changed = true;
      }
    }
    if (changed) this.save();
    this.update();
  }

  /** Each element's state, the snoozed list, the title count and the chime. */
  update() {
    const snoozed = [];
    const ringing = new Set();
    for (const [key, item] of this.live) {
      const status = this.status(key);
      if (status === "snoozed") snoozed.push([key, item]);
      if (status === "new" && item.ring) ringing.add(key);
      const el = item.el;
      if (!el?.isConnected) continue;
      for (const s of ["new", "seen", "acknowledged", "snoozed"]) el.classList.toggle(`alarm-is-${s}`, s === status);
      el.classList.toggle("alarm-rings", item.ring); // counted in the title while new
      const mine = el.querySelector(`.alarm-controls[data-alarm="${CSS.escape(key)}"]`);
      const label = mine?.querySelector(".alarm-state");
      const words = { new: t("alarm.new"), seen: t("alarm.seen"), acknowledged: t("alarm.acknowledged_here") };
      if (label) label.textContent = words[status] ?? "";
      const seenButton = mine?.querySelector(".alarm-seen");
      if (seenButton) seenButton.hidden = status !== "new";
    }
    this.showSnoozed(snoozed);
    const n = ringing.size;
    document.title = n ? `(${n}) ${this.baseTitle}` : this.baseTitle;
    if ([...ringing].some((k) => !this.ringing.has(k))) this.chime();
    this.ringing = ringing;
  }

  showSnoozed(snoozed) {
    const box = this.snoozed;
    box.hidden = snoozed.length === 0;
    if (box.hidden) box.open = false; // the next snooze starts with the list folded
    const text = t("alarm.snoozed_count", { n: snoozed.length });
    const summary = box.querySelector("summary");
    if (summary.textContent !== text) summary.textContent = text;
    const rows = snoozed
      .sort(([a], [b]) => this.state[a].until - this.state[b].until)
      .map(
        ([key, item]) => `<li><span class="what">${esc(KIND_WORD()[item.kind])}: ${esc(item.label)}</span>
          <span class="until">${esc(t("alarm.until", { time: fmtAt(this.state[key].until / 1000) }))}</span>
          <button type="button" data-unsnooze="${esc(key)}">${esc(t("alarm.unsnooze"))}</button></li>`,
      )
      .join("");
    const list = box.querySelector("ul");
    if (list.dataset.rows !== rows) {
      list.innerHTML = rows;
      list.dataset.rows = rows; // redrawn only on a change: its buttons stay clickable
    }
  }

  // ---- sound ---------------------------------------------------------------------------
  audio() {
    const Context = window.AudioContext ?? window.webkitAudioContext;
    if (!this.context && Context) this.context = new Context();
    if (this.context?.state === "suspended") this.context.resume().catch(() => {});
    return this.context ?? null;
  }

  /** Two short tones, high then low, made in the page (no audio file to fetch). */
  chime() {
    if (!this.sound.checked) return;
    this.chimes += 1;
    this.sound.dataset.chimes = String(this.chimes);
    const ctx = this.audio();
    if (!ctx) return;
    const t0 = ctx.currentTime;
    [[880, 0], [660, 0.18]].forEach(([hz, at]) => {
      const osc = ctx.createOscillator();
      const gain = ctx.createGain();
      osc.type = "sine";
      osc.frequency.value = hz;
      gain.gain.setValueAtTime(0.0001, t0 + at);
      gain.gain.exponentialRampToValueAtTime(0.3, t0 + at + 0.02);
      gain.gain.exponentialRampToValueAtTime(0.0001, t0 + at + 0.16);
      osc.connect(gain).connect(ctx.destination);
      osc.start(t0 + at);
      osc.stop(t0 + at + 0.17);
    });
  }
}
