// On-map labels without a pile-up. Every label is a permanent Leaflet tooltip (or a
// marker's name) carrying the class "map-label" and a rank; after each redraw, zoom or
// pan the labels are placed in rank order and one that would overlap a label already
// placed is hidden (visibility, so it keeps its place for the next pass). Which kinds
// are labelled at all at a zoom is the map container's zoom classes' business (map.js).

// Lower rank wins. Party tracks are always shown (they move and are what a watch officer
// follows); a notice in conflict before other notices, assets, then observed traffic.
export const RANK = { fixed: 0, track: 1, hot: 2, notice: 3, asset: 4, observed: 5 };
const PAD = 2; // px of air kept between two labels

/** The class string that makes an element a label of `kind` (a key of RANK). */
export function labelClass(kind) {
  return `map-label rank-${RANK[kind]}`;
}

function rank(el) {
  return Number(/rank-(\d)/.exec(el.className)?.[1] ?? RANK.observed);
}

function overlaps(a, b) {
  return a.left < b.right + PAD && b.left < a.right + PAD && a.top < b.bottom + PAD && b.top < a.bottom + PAD;
}

/** Hide every label of `container` that overlaps one of lower rank (or an obstacle:
 * other names drawn on the map, e.g. hazard sites'). */
export function declutter(container, obstacles = ".hazard-site .name") {
  const placed = [...container.querySelectorAll(obstacles)]
    .map((el) => el.getBoundingClientRect())
    .filter((r) => r.width > 0);
  // (a removed tooltip fades out for 200 ms at opacity 0 before it leaves the page)
  const labels = [...container.querySelectorAll(".map-label")]
    .filter((el) => el.style.opacity !== "0")
    .sort((a, b) => rank(a) - rank(b));
  const hide = [];
  for (const el of labels) {
    const r = el.getBoundingClientRect();
    if (!r.width) continue; // not labelled at this zoom (display: none)
    const always = rank(el) <= RANK.track;
    if (!always && placed.some((q) => overlaps(r, q))) hide.push(el);
    else placed.push(r);
  }
  for (const el of labels) el.classList.toggle("label-hidden", hide.includes(el));
}

/** declutter() once per frame however often it is asked for. */
export function declutterer(container) {
  let queued = false;
  return () => {
    if (queued) return;
    queued = true;
    requestAnimationFrame(() => {
      queued = false;
      declutter(container);
    });
  };
}
