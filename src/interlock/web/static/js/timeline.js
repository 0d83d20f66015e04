// The time slider and the timeline (a Gantt chart of notices, one row per notice,
// grouped by party). Plain positioned <div>s: a few dozen bars need nothing more.
import { esc, fmtTime } from "./util.js";

const HOUR = 3600e3;

export class Timeline {
  /**
   * `root` holds the chart; `slider` is an <input type=range>, `label` shows its time,
   * `atTime` a checkbox "only what is active at the slider time".
   * onChange() runs when the selected time (or the checkbox) changes;
   * onSelect(noticeId) when a bar is clicked.
   */
  constructor({ root, slider, label, atTime, onChange, onSelect }) {
    Object.assign(this, { root, slider, label, atTime, onChange, onSelect });
    this.features = [];
    this.range = [Date.now() - HOUR, Date.now() + 24 * HOUR];
    slider.min = 0;
    slider.max = 1000;
    slider.value = 0;
    slider.addEventListener("input", () => {
      atTime.checked = true; // moving the slider means "show me that moment"
      this.update();
      onChange();
    });
    atTime.addEventListener("change", () => (this.update(), onChange()));
    root.addEventListener("click", (e) => {
      const bar = e.target.closest("[data-notice]");
      if (bar) onSelect(bar.dataset.notice);
    });
  }

  /** The time the slider points at (ms since the epoch). */
  time() {
    const [t0, t1] = this.range;
    return t0 + ((t1 - t0) * Number(this.slider.value)) / 1000;
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
    // From an hour ago to the last end (at least 6 h ahead), whole hours.
    const now = Date.now();
    const ends = features.map((f) => Date.parse(f.properties.end)).filter(Number.isFinite);
    const t0 = Math.floor((now - HOUR) / HOUR) * HOUR;
    const t1 = Math.ceil(Math.max(now + 6 * HOUR, ...ends) / HOUR) * HOUR;
    const keep = this.time();
    this.range = [t0, t1];
    if (this.atTime.checked) this.slider.value = Math.round(((keep - t0) / (t1 - t0)) * 1000);
    this.draw();
    this.update();
  }

  pct(t) {
    const [t0, t1] = this.range;
    return Math.min(100, Math.max(0, ((t - t0) / (t1 - t0)) * 100));
  }

  draw() {
    const [t0, t1] = this.range;
    const step = t1 - t0 > 36 * HOUR ? 6 * HOUR : t1 - t0 > 12 * HOUR ? 3 * HOUR : HOUR;
    const ticks = [];
    for (let t = Math.ceil(t0 / step) * step; t <= t1; t += step) {
      const text = new Date(t).toISOString().slice(11, 16) + "Z";
      ticks.push(`<span class="tick" style="left:${this.pct(t)}%">${text}</span>`);
    }
    const sorted = [...this.features].sort(
      (a, b) =>
        a.properties.party.localeCompare(b.properties.party) ||
        Date.parse(a.properties.start) - Date.parse(b.properties.start),
    );
    const rows = sorted.map((f) => {
      const p = f.properties;
      const left = this.pct(Date.parse(p.start));
      const width = Math.max(0.4, this.pct(Date.parse(p.end)) - left);
      const hot = this.conflicted.has(p.id) ? " in-conflict" : "";
      const title = `${p.callsign ?? p.id} (${p.party}, ${p.domain}) ${fmtTime(p.start)} → ${fmtTime(p.end)}`;
      return `<div class="row"><span class="name" title="${esc(p.id)}">${esc(p.callsign ?? p.id)}</span>
        <span class="lane"><span class="bar domain-${esc(p.domain)}${hot}" data-notice="${esc(p.id)}"
          title="${esc(title)}" style="left:${left}%;width:${width}%;background:${this.colours[p.party] ?? "#777"}"></span></span></div>`;
    });
    this.root.innerHTML =
      `<div class="axis"><span class="name"></span><span class="lane">${ticks.join("")}</span></div>` +
      // Over the lanes, full height: the slider's time and the present.
      `<div class="overlay"><span class="cursor" hidden></span><span class="now"></span></div>` +
      `<div class="rows">${rows.join("") || '<p class="empty">No notices match the filters.</p>'}</div>`;
  }

  /** Move the slider label, the cursor and the "now" line. */
  update() {
    const t = this.time();
    this.label.textContent = this.atTime.checked ? fmtTime(new Date(t).toISOString()) : "all times";
    const cursor = this.root.querySelector(".cursor");
    const now = this.root.querySelector(".now");
    if (now) now.style.left = `${this.pct(Date.now())}%`;
    if (cursor) {
      cursor.hidden = !this.atTime.checked;
      cursor.style.left = `${this.pct(t)}%`;
    }
  }
}
