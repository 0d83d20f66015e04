// Replay: the picture at a past moment (GET /picture?at=T), played at 1×–60×, paused,
// scrubbed on the timeline's slider, stepped from event to event (GET /picture/events).
//
// Moving the time into the past enters replay; the banner then says, in its own colour,
// that what is drawn is history ("REPLAY — 14:32:10 UTC, not live") and offers the way
// back. The banner's time is the time of the picture drawn, not of the play clock: when
// the server is slower than the play rate it says "loading…" and the pictures between are
// skipped (one request in flight at most, the latest moment asked next).
import { t } from "./i18n.js";
import { fmtDuration } from "./util.js";
import { ltr } from "./words.js";

// Drawn, not font glyphs: ⏮ ⏭ ⏸ are missing from many fonts.
const svg = (path) => `<svg viewBox="0 0 16 16" width="14" height="14" aria-hidden="true"><path d="${path}" fill="currentColor"/></svg>`;
export const ICONS = {
  play: svg("M4 2 L14 8 L4 14 Z"),
  pause: svg("M3 2 H7 V14 H3 Z M9 2 H13 V14 H9 Z"),
  prev: svg("M2 2 H4 V14 H2 Z M14 2 V14 L5 8 Z"),
  next: svg("M12 2 H14 V14 H12 Z M2 2 V14 L11 8 Z"),
};

export const SPEEDS = [1, 2, 5, 10, 30, 60]; // what replay tools' users ask for: 1×–60×
const FRAME_MS = 250; // the play clock's step: at most four pictures asked a second
const LOADING_AFTER_MS = 400; // a picture slower than this: "loading…"
// A chosen moment this far behind now is history: replay. Nearer, the server serves its live
// picture anyway (service.replay.LIVE_WITHIN, 5 s), so the page is live.
const PAST_MS = 5000;
// "Previous event" looks back this far, widening until it finds one (hours).
const LOOK_BACK_H = [1, 6, 24, 7 * 24 - 1];
const EVENT_LIMIT = 1000; // events asked per request
const MARKS_EVERY_MS = 30e3; // the marks of a view that holds now are asked again this often
const MAX_SPAN_MS = 7 * 24 * 3600e3 - 1000; // one events request's span (service.replay.MAX_EVENTS_SPAN)

/** "14:32:10 UTC", with the date when not today's (UTC): a replay moment to the second. */
export function fmtSecond(ms, now = Date.now()) {
  const iso = new Date(ms).toISOString();
  const today = iso.slice(0, 10) === new Date(now).toISOString().slice(0, 10);
  return ltr(`${today ? "" : `${iso.slice(0, 10)} `}${iso.slice(11, 19)} UTC`);
}

const second = (time) => Math.floor((typeof time === "number" ? time : Date.parse(time)) / 1000);

/** The first or last second's burst of `events` (time-ordered) as one event: its last
 * event's time, its first event's text with how many more. */
function burst(events, which) {
  if (!events.length) return null;
  const s = second((which === "first" ? events[0] : events[events.length - 1]).time);
  const these = events.filter((e) => second(e.time) === s);
  const more = these.length - 1;
  return { ...these[0], time: these[these.length - 1].time, text: these[0].text, more };
}

export class Replay {
  /**
   * `api`: the Api; `timeline`: the Timeline (its slider is the scrub); `bar`: the banner
   * (#replay) holding the controls, `startButton`: the footer's ⏮ (enters replay).
   * onPicture(picture) draws a replayed picture; onLive() draws the live one again;
   * onMode(active) after entering or leaving; onInfo(text) and onError(error) tell the user.
   */
  constructor({ api, timeline, bar, startButton, onPicture, onLive, onMode, onInfo, onError }) {
    Object.assign(this, { api, timeline, bar, onPicture, onLive, onMode, onInfo, onError });
    this.active = false;
    this.playing = false;
    this.speed = 1;
    this.at = null; // the play clock (ms)
    this.drawnAt = null; // the moment of the picture drawn (ms)
    this.wanted = null; // the moment to ask next
    this.inflight = null; // {at, since} of the request under way
    this.gen = 0; // bumped on leaving: a late answer is dropped
    this.event = null; // the event last jumped to {time, text}
    this.timer = null;
    const $ = (sel) => bar.querySelector(sel);
    for (const b of [...bar.querySelectorAll("[data-replay=prev], [data-replay=next]"), startButton].filter(Boolean)) {
      b.innerHTML = ICONS[b.dataset.replay ?? "prev"];
    }
    this.el = { time: $(".replay-time"), loading: $(".replay-loading"), event: $(".replay-event"), play: $("[data-replay=play]") };
    bar.addEventListener("click", (e) => {
      const b = e.target.closest("button");
      if (!b) return;
      if (b.dataset.speed) this.setSpeed(Number(b.dataset.speed));
      else if (b.dataset.replay === "play") this.toggle();
      else if (b.dataset.replay === "prev") this.step(-1);
      else if (b.dataset.replay === "next") this.step(1);
      else if (b.dataset.replay === "live") this.live();
    });
    startButton?.addEventListener("click", () => this.step(-1));
    document.addEventListener("keydown", (e) => this.key(e));
    this.render();
  }

  /**
   * The timeline's time changed (the slider, the "now" button): a past moment is replayed,
   * now or later is live. True when replay took it (it draws when the picture comes).
   */
  follow(at) {
    if (at != null && at < Date.now() - PAST_MS) {
      this.seek(at);
      return true;
    }
    if (!this.active) return false;
    this.live({ keep: at != null }); // a later moment: the live picture, filtered to it
    return true;
  }

  /** Show the picture at `at` (entering replay if live); the play state is kept. */
  seek(at, event = null) {
    const now = Date.now();
    if (at >= now - PAST_MS) return this.live({ caughtUp: this.playing });
    if (!this.active) this.enter();
    this.at = at;
    this.event = event;
    this.timeline.setTime(at);
    this.ask(at);
    this.markEvents();
    this.render();
  }

  /** The events of the timeline's view marked on its axis (asked again when the view moves). */
  async markEvents() {
    const [t0, t1] = this.timeline.range;
    const now = Date.now();
    const to = Math.min(t1, now);
    const key = `${t0} ${t1 > now ? Math.floor(now / MARKS_EVERY_MS) : t1}`; // a view holding now: every 30 s
    if (this.marked === key || this.marking) return;
    this.marking = true;
    try {
      const from = Math.max(t0, to - MAX_SPAN_MS);
      const events = from < to ? await this.events(from, to) : [];
      if (this.active) this.timeline.setMarks(events);
      this.marked = key;
    } catch (error) {
      this.onError(error);
    } finally {
      this.marking = false;
    }
  }

  enter() {
    this.active = true;
    this.drawnAt = null;
    document.body.classList.add("replaying", "replay-pending");
    this.timeline.atTime.disabled = true; // the picture is at one moment: the filter is on
    this.timeline.replaying = true;
    this.bar.hidden = false;
    this.onMode?.(true);
  }

  /** Back to the live picture at once (the live data was kept current all along). */
  live({ keep = false, caughtUp = false } = {}) {
    if (!this.active) return;
    this.pause();
    this.active = false;
    this.gen += 1;
    this.at = this.drawnAt = this.wanted = this.asked = null;
    this.event = null;
    document.body.classList.remove("replaying", "replay-pending");
    this.timeline.atTime.disabled = false;
    this.timeline.replaying = false;
    this.marked = null;
    this.timeline.setMarks([]);
    if (!keep) this.timeline.follow(); // the slider follows now again
    this.bar.hidden = true;
    this.onLive();
    this.onMode?.(false);
    if (caughtUp) this.onInfo?.(t("replay.caught_up"));
  }

  // ---- playing ---------------------------------------------------------------------------
  toggle() {
    if (this.playing) this.pause();
    else this.play();
  }

  play() {
    if (!this.active || this.playing) return;
    this.playing = true;
    let last = performance.now();
    this.timer = setInterval(() => {
      const tick = performance.now();
      const at = this.at + (tick - last) * this.speed;
      last = tick;
      this.seek(at, this.event); // the event jumped to stays said until the next jump
    }, FRAME_MS);
    this.render();
  }

  pause() {
    this.playing = false;
    clearInterval(this.timer);
    this.timer = null;
    this.render();
  }

  setSpeed(speed) {
    if (SPEEDS.includes(speed)) this.speed = speed;
    this.render();
  }

  // ---- the pictures: one request at a time, the latest moment next -----------------------
  ask(at) {
    this.wanted = at;
    if (!this.inflight) this.fetchLoop();
  }

  async fetchLoop() {
    while (this.wanted != null && this.wanted !== this.asked) {
      const gen = this.gen;
      const at = this.wanted;
      this.asked = at;
      this.inflight = { at, since: Date.now() };
      setTimeout(() => this.render(), LOADING_AFTER_MS + 10); // "loading…" if still waiting
      try {
        const picture = await this.api.get("/picture", { at: new Date(at).toISOString() });
        if (this.gen !== gen) continue; // live meanwhile: dropped (a new replay's moment is next)
        this.drawnAt = at;
        document.body.classList.remove("replay-pending");
        this.onPicture(picture);
      } catch (error) {
        // A clock ahead of the server's: the moment played into is its future, refused.
        if (this.gen === gen && error.status === 422 && at > Date.now() - 60e3) this.live({ caughtUp: true });
        else if (this.gen === gen) this.onError(error);
        break;
      } finally {
        this.inflight = null;
      }
    }
    this.asked = null;
    this.render();
  }

  /** Whether the picture drawn lags what was asked (the server slower than the play). */
  behind() {
    if (this.drawnAt == null) return true;
    return Boolean(this.inflight && Date.now() - this.inflight.since > LOADING_AFTER_MS);
  }

  // ---- events -----------------------------------------------------------------------------
  /** Jump to the previous (dir -1) or next (+1) event from the moment shown (or now). */
  async step(dir) {
    const from = this.at ?? Date.now();
    try {
      const event = dir < 0 ? await this.previousEvent(from) : await this.nextEvent(from);
      if (!event) return this.onInfo?.(t(dir < 0 ? "replay.no_earlier" : "replay.no_later"));
      this.seek(Date.parse(event.time), event);
    } catch (error) {
      this.onError(error);
    }
  }

  async events(fromMs, toMs) {
    const iso = (ms) => new Date(ms).toISOString();
    const answer = await this.api.get("/picture/events", { from: iso(fromMs), to: iso(toMs), limit: EVENT_LIMIT });
    return (Array.isArray(answer) ? answer : answer.events) ?? []; // (a list; {"events": [...]} read alike)
  }

  // Events are stepped through by the second (a scenario loaded, a burst of alerts: many in
  // one second), landing on the second's last event, so its whole burst is in the picture.
  async nextEvent(from) {
    const events = await this.events(from, Math.min(Date.now(), from + MAX_SPAN_MS));
    return burst(events.filter((e) => second(e.time) > second(from)), "first");
  }

  async previousEvent(from) {
    for (const hours of LOOK_BACK_H) {
      const events = await this.events(from - hours * 3600e3, from);
      // (a page cut at the limit: its latest, near enough)
      const found = burst(events.filter((e) => second(e.time) < second(from)), "last");
      if (found) return found;
    }
    return null;
  }

  // ---- keys: space plays or pauses, ← / → step between events ------------------------------
  key(e) {
    if (!this.active || e.ctrlKey || e.metaKey || e.altKey) return;
    const target = e.target;
    const typing = target.closest?.("input:not([type=range]):not([type=checkbox]), textarea, select, [contenteditable], .leaflet-container");
    if (typing) return;
    if (e.key === " ") this.toggle();
    else if (e.key === "ArrowLeft") this.step(-1);
    else if (e.key === "ArrowRight") this.step(1);
    else return;
    e.preventDefault(); // not the focused button's click, nor the slider's own step
  }

  // ---- the banner ---------------------------------------------------------------------------
  render() {
    const { time, loading, event, play } = this.el;
    play.innerHTML = this.playing ? ICONS.pause : ICONS.play;
    play.title = this.playing ? t("replay.pause") : t("replay.play");
    play.setAttribute("aria-label", play.title);
    play.setAttribute("aria-pressed", String(this.playing));
    for (const b of this.bar.querySelectorAll("[data-speed]")) {
      b.setAttribute("aria-pressed", String(Number(b.dataset.speed) === this.speed));
    }
    this.bar.dataset.playing = String(this.playing);
    this.bar.dataset.speed = String(this.speed);
    if (!this.active) return;
    const shown = this.drawnAt ?? this.at;
    this.bar.dataset.at = String(Math.round(shown));
    time.textContent = t("replay.at", { time: fmtSecond(shown), ago: ltr(fmtDuration(Date.now() - shown)) });
    loading.hidden = !this.behind();
    event.hidden = !this.event;
    const more = this.event?.more ? ` ${t("replay.more", { n: this.event.more })}` : "";
    event.textContent = this.event ? `${fmtSecond(Date.parse(this.event.time))} — ${this.event.text}${more}` : "";
    event.title = event.textContent; // whole, where the banner cuts it short
  }
}
