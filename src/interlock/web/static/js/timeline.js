// The time slider and the timeline (a Gantt chart of notices, one row per notice,
// grouped by party). Plain positioned <div>s: a few dozen bars need nothing more.
//
// The view opens on the watch: an hour back, twelve ahead. It zooms and pans (the
// buttons; the wheel over the time axis zooms about the pointer, a drag on it pans), and
// one long notice no longer stretches it. The slider spans the view; until it is moved
// it follows now, so "only active at" means "active now".
import { CHANGE_EVENT, t } from "./i18n.js";
import { esc } from "./util.js";
import { fmtAt, fmtWindow } from "./words.js";

const MIN = 60e3;
const HOUR = 60 * MIN;
export const VIEW = { back: HOUR, ahead: 12 * HOUR }; // the default view about now
const SPAN = { min: HOUR, max: 7 * 24 * HOUR }; // how far the view zooms in and out
const ZOOM = 1.5; // one zoom step's factor
const PAN = 0.25; // one pan step: this share of the view
const TICKS = [15 * MIN, 30 * MIN, HOUR, 2 * HOUR, 3 * HOUR, 6 * HOUR, 12 * HOUR, 24 * HOUR];
const TICK_PX = 64; // room for one hour label ("09:00Z"), so they never overlap

export class Timeline {
  /**
   * `root` holds the chart; `slider` is an <input type=range>, `label` shows its time,
   * `atTime` a checkbox "only what is active at the slider time"; `controls`, if given,
   * an element holding buttons with data-view="in|out|earlier|later|now".
   * onChange() runs when the selected time (or the checkbox) changes;
   * onSelect(noticeId) when a bar is clicked; onMark(ms) when an event's mark is (replay).
   */
  constructor({ root, slider, label, atTime, controls, onChange, onSelect, onMark }) {
    Object.assign(this, { root, slider, label, atTime, onChange, onSelect });
    this.features = [];
    this.marks = []; // [{time, text}]: events marked on the axis (replay's)
    this.replaying = false; // set by replay.js: its empty chart says so
    this.colours = {};
    this.conflicted = new Set();
    this.at = null; // the chosen time (ms); null: now, moving with the clock
    this.home();
    slider.min = 0;
    slider.max = 1000;
    slider.addEventListener("input", () => {
      atTime.checked = true; // moving the slider means "show me that moment"
      const [t0, t1] = this.range;
      this.at = t0 + ((t1 - t0) * Number(slider.value)) / 1000;
      this.update();
      onChange();
    });
    atTime.addEventListener("change", () => (this.update(), onChange()));
    root.addEventListener("click", (e) => {
      if (this.dragged) return;
      const mark = e.target.closest("[data-event-time]");
      if (mark) return onMark?.(Number(mark.dataset.eventTime));
      const bar = e.target.closest("[data-notice]");
      if (bar) onSelect(bar.dataset.notice);
    });
    controls?.addEventListener("click", (e) => {
      const view = e.target.closest("[data-view]")?.dataset.view;
      if (view === "in") this.zoom(1 / ZOOM);
      else if (view === "out") this.zoom(ZOOM);
      else if (view === "earlier") this.pan(-PAN);
      else if (view === "later") this.pan(PAN);
      else if (view === "now") {
        this.home();
        this.at = null;
        this.redraw();
        onChange();
      }
    });
    this.bindAxis();
    // The hour ticks are spaced for the chart's width: drawn again when it changes.
    new ResizeObserver(() => this.redraw()).observe(root);
    document.addEventListener(CHANGE_EVENT, () => this.redraw()); // its words in the new language
  }

  /** The default view: VIEW about now. */
  home() {
    const now = Date.now();
    this.range = [now - VIEW.back, now + VIEW.ahead];
  }

  /** Zoom by `factor` (<1 in) about `about` (ms; the view's middle by default). */
  zoom(factor, about) {
    const [t0, t1] = this.range;
    const span = Math.min(SPAN.max, Math.max(SPAN.min, (t1 - t0) * factor));
    const c = about ?? (t0 + t1) / 2;
    const share = (c - t0) / (t1 - t0);
    this.range = [c - span * share, c - span * share + span];
    this.redraw();
  }

  /** Move the view by `share` of its width (negative: earlier). */
  pan(share) {
    const [t0, t1] = this.range;
    const d = (t1 - t0) * share;
    this.range = [t0 + d, t1 + d];
    this.redraw();
  }

  /** Wheel over the axis zooms about the pointer; a drag on the axis pans. */
  bindAxis() {
    const timeAt = (x) => {
      const lane = this.root.querySelector(".axis .lane").getBoundingClientRect();
      const [t0, t1] = this.range;
      return t0 + ((x - lane.left) / lane.width) * (t1 - t0);
    };
    this.root.addEventListener(
      "wheel",
      (e) => {
        if (!e.target.closest(".axis")) return; // elsewhere the wheel scrolls the rows
        e.preventDefault();
        this.zoom(e.deltaY > 0 ? ZOOM : 1 / ZOOM, timeAt(e.clientX));
      },
      { passive: false },
    );
    this.root.addEventListener("pointerdown", (e) => {
      if (!e.target.closest(".axis")) return;
      const lane = this.root.querySelector(".axis .lane").getBoundingClientRect();
      const start = { x: e.clientX, range: this.range };
      this.dragged = false;
      const move = (m) => {
        const dx = m.clientX - start.x;
        if (Math.abs(dx) > 3) this.dragged = true;
        const [t0, t1] = start.range;
        const d = (-dx / lane.width) * (t1 - t0);
        this.range = [t0 + d, t1 + d];
        this.redraw();
      };
      const up = () => {
        window.removeEventListener("pointermove", move);
        window.removeEventListener("pointerup", up);
        setTimeout(() => (this.dragged = false));
      };
      window.addEventListener("pointermove", move);
      window.addEventListener("pointerup", up);
    });
  }

  /** Show `at` (ms) as the chosen moment, the view panned to keep it in sight (replay's
   * clock moving it); onChange is not called: the caller draws. */
  setTime(at) {
    this.at = at;
    this.atTime.checked = true;
    const p = this.pct(at);
    if (p < 0 || p > 100) {
      const [t0, t1] = this.range;
      const span = t1 - t0;
      this.range = [at - span / 4, at + (span * 3) / 4]; // a quarter of the view behind it
      this.redraw();
    } else this.update();
  }

  /** Mark `events` ([{time, text}]) on the axis; [] clears them. */
  setMarks(events) {
    this.marks = events;
    this.redraw();
  }

  /** Back to following now, everything shown (replay left): the default view. */
  follow() {
    this.at = null;
    this.atTime.checked = false;
    this.home();
    this.redraw();
  }

  /** The time the page shows (ms since the epoch): the slider's, or now. */
  time() {
    return this.at ?? Date.now();
  }

  /** Whether a notice is shown under the time filter. */
  shows(props) {
    if (!this.atTime.checked) return true;
    const t = this.time();
    return Date.parse(props.start) <= t && t < Date.parse(props.end);
  }

  /** Redraw the bars of `features` (already filtered by party and domain). */
  setNotices(features, colours, conflicted) {
    this.features = features;
    this.colours = colours;
    this.conflicted = conflicted;
    this.draw();
    this.update();
  }

  redraw() {
    this.draw();
    this.update();
  }

  /** Where `t` falls across the view, in percent (outside 0..100 when outside it). */
  pct(t) {
    const [t0, t1] = this.range;
    return ((t - t0) / (t1 - t0)) * 100;
  }

  draw() {
    const [t0, t1] = this.range;
    this.root.dataset.from = String(Math.round(t0));
    this.root.dataset.to = String(Math.round(t1));
    const fit = Math.max(2, Math.floor((this.root.clientWidth - 90) / TICK_PX)); // 90: the names
    const step = TICKS.find((s) => (t1 - t0) / s <= fit) ?? 24 * HOUR;
    const ticks = [];
    for (let at = Math.ceil(t0 / step) * step; at <= t1; at += step) {
      if (this.pct(at) < 3 || this.pct(at) > 97) continue; // half cut off at the edge
      const iso = new Date(at).toISOString();
      // midnight says the date ("08 Dec"), every other tick the hour
      const text = iso.slice(11, 16) === "00:00" ? new Date(at).toUTCString().slice(5, 11) : `${iso.slice(11, 16)}Z`;
      ticks.push(`<span class="tick" style="left:${this.pct(at)}%">${text}</span>`);
    }
    // Events (replay): one mark per three pixels at most, its sentences in the title; a
    // click lands on the last event of its first second (the whole burst in the picture).
    const columns = new Map();
    const lanePx = Math.max(1, this.root.clientWidth - 90);
    for (const e of this.marks) {
      const at = Date.parse(e.time);
      const p = this.pct(at);
      if (p < 0 || p > 100) continue;
      const col = Math.round((p / 100) * lanePx / 3);
      const seen = columns.get(col);
      if (!seen) columns.set(col, { at, p, land: at, texts: [e.text] });
      else {
        seen.texts.push(e.text);
        if (Math.floor(at / 1000) === Math.floor(seen.at / 1000)) seen.land = at;
      }
    }
    const marks = [...columns.values()].map(({ at, p, land, texts }) => {
      const title = `${new Date(at).toISOString().slice(11, 19)} UTC — ${texts.slice(0, 5).join(" · ")}${texts.length > 5 ? " …" : ""}`;
      return `<span class="event-mark" data-event-time="${land}" style="left:${p}%" title="${esc(title)}"></span>`;
    });
    const sorted = [...this.features].sort(
      (a, b) =>
        a.properties.party.localeCompare(b.properties.party) ||
        Date.parse(a.properties.start) - Date.parse(b.properties.start),
    );
    const rows = sorted.map((f) => {
      const p = f.properties;
      const from = Math.max(-1, this.pct(Date.parse(p.start)));
      const to = Math.min(101, this.pct(Date.parse(p.end)));
      const width = Math.max(0.4, to - from);
      const hot = this.conflicted.has(p.id) ? " in-conflict" : "";
      const title = `${p.callsign ?? p.id} · ${fmtWindow(p.start, p.end)}`;
      const bar =
        to < 0 || from > 100
          ? `<span class="off ${from > 100 ? "later" : "earlier"}" data-notice="${esc(p.id)}" title="${esc(title)}">${from > 100 ? "▸" : "◂"}</span>`
          : "";
      return `<div class="row"><span class="name" title="${esc(p.id)}">${esc(p.callsign ?? p.id)}</span>
        <span class="lane">${bar}<span class="bar domain-${esc(p.domain)}${hot}" data-notice="${esc(p.id)}"
          title="${esc(title)}" style="left:${from}%;width:${width}%;background:${this.colours[p.party] ?? "#777"}"
          ${bar ? "hidden" : ""}></span></span></div>`;
    });
    this.root.innerHTML =
      `<div class="axis" title="${esc(t("time.axis_title"))}"><span class="name"></span><span class="lane">${ticks.join("")}${marks.join("")}</span></div>` +
      // Over the lanes, full height: the slider's time and the present.
      `<div class="overlay"><span class="cursor" hidden></span><span class="now"></span></div>` +
      `<div class="rows">${rows.join("") || `<p class="empty">${esc(this.replaying ? t("replay.no_notices") : t("time.no_match"))}</p>`}</div>`;
  }

  /** Move the slider, its label, the cursor and the "now" line (each second: now moves). */
  update() {
    const shown = this.time();
    const [t0, t1] = this.range;
    this.slider.value = String(Math.round(((shown - t0) / (t1 - t0)) * 1000)); // clamped by the input
    const when = fmtAt(shown / 1000);
    this.label.textContent = this.atTime.checked ? (this.at == null ? t("time.now_at", { time: when }) : when) : t("time.all");
    const cursor = this.root.querySelector(".cursor");
    const now = this.root.querySelector(".now");
    const inView = (x) => x >= 0 && x <= 100;
    if (now) {
      now.style.left = `${this.pct(Date.now())}%`;
      now.hidden = !inView(this.pct(Date.now()));
    }
    if (cursor) {
      cursor.hidden = !this.atTime.checked || !inView(this.pct(shown));
      cursor.style.left = `${this.pct(shown)}%`;
    }
  }
}
