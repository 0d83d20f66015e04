// The map: Leaflet over an offline basemap (Natural Earth land and borders from the
// world-atlas package, served by this server), so the page needs no tile server.
import * as L from "../vendor/leaflet/leaflet-src.esm.js";
import { feature, mesh } from "../vendor/topojson-client/src/index.js";

const BASEMAP = "/static/vendor/world-atlas/countries-50m.json";
const START = { center: [34.9, 35.3], zoom: 8 }; // the eastern Mediterranean demo theatre

export { L };

// Zoomed out over a theatre, dozens of airliners' labels and heading lines would bury the
// notices: below DETAIL_ZOOM (250 m a pixel at 35°N) observed traffic is
// small dots only; below LABEL_ZOOM notices and assets lose their names too.
export const DETAIL_ZOOM = 9;
export const LABEL_ZOOM = 7;

/** A Leaflet map in `element` with the basemap loading underneath (returns at once). */
export function createMap(element) {
  // Half zoom steps: fitting a theatre to a small screen need not halve it (no tiles to blur).
  const map = L.map(element, { ...START, preferCanvas: false, worldCopyJump: true, zoomSnap: 0.5 });
  map.attributionControl.setPrefix("Leaflet");
  map.attributionControl.addAttribution("Natural Earth (world-atlas)");
  L.control.scale({ imperial: false }).addTo(map);
  // The basemap sits in its own pane below every overlay and never takes clicks.
  map.createPane("basemap").style.zIndex = 200;
  map.getPane("basemap").style.pointerEvents = "none";
  // What is drawn in detail at a zoom: the container's classes (app.css hides the rest).
  const zoomClasses = () => {
    element.dataset.zoom = String(map.getZoom());
    element.classList.toggle("zoom-wide", map.getZoom() < DETAIL_ZOOM);
    element.classList.toggle("zoom-far", map.getZoom() < LABEL_ZOOM);
  };
  map.on("zoomend", zoomClasses);
  zoomClasses();
  loadBasemap(map).catch((error) => console.warn("basemap not loaded:", error.message));
  return map;
}

async function loadBasemap(map) {
  const response = await fetch(BASEMAP);
  if (!response.ok) throw new Error(`${BASEMAP}: ${response.status}`);
  const world = await response.json();
  const pane = "basemap";
  L.geoJSON(feature(world, world.objects.land), {
    pane,
    interactive: false,
    style: { stroke: true, color: "#8a8f7a", weight: 1, fillColor: "#e9e5d6", fillOpacity: 1 },
  }).addTo(map);
  // Borders between countries only (a !== b): coastlines are the land's outline above.
  L.geoJSON(mesh(world, world.objects.countries, (a, b) => a !== b), {
    pane,
    interactive: false,
    style: { color: "#a79f8a", weight: 1, dashArray: "4 3", fill: false },
  }).addTo(map);
}

const EARTH_M = 40075016.686;

/** Metres per screen pixel at `lat` on the map's current zoom (Web Mercator). */
export function metresPerPixel(map, lat) {
  return (EARTH_M * Math.cos((lat * Math.PI) / 180)) / 2 ** (map.getZoom() + 8);
}

/** The point `distanceM` metres from [lat, lon] along `bearingDeg` (great circle). */
export function destination([lat, lon], bearingDeg, distanceM) {
  const R = 6371008.8;
  const d = distanceM / R;
  const b = (bearingDeg * Math.PI) / 180;
  const p1 = (lat * Math.PI) / 180;
  const l1 = (lon * Math.PI) / 180;
  const p2 = Math.asin(Math.sin(p1) * Math.cos(d) + Math.cos(p1) * Math.sin(d) * Math.cos(b));
  const l2 =
    l1 + Math.atan2(Math.sin(b) * Math.sin(d) * Math.cos(p1), Math.cos(d) - Math.sin(p1) * Math.sin(p2));
  return [(p2 * 180) / Math.PI, (((l2 * 180) / Math.PI + 540) % 360) - 180];
}
