// What goes on the map: notices, protected assets, conflicts, tracks and alerts, each in
// its own layer group, redrawn from the API's GeoJSON. Click anything for its details.
import { HazardLayer } from "./hazards.js";
import { declutterer, labelClass } from "./labels.js";
import { legendControl } from "./legend.js";
import { DETAIL_ZOOM, L, destination, metresPerPixel } from "./map.js";
import { POPUP, alertPopup, assetPopupElement, conflictPopup, noticePopup, trackPopup } from "./popups.js";
import { esc } from "./util.js";

const PALETTE = ["#1f6fd1", "#e07b00", "#2a9d4b", "#8e44ad", "#c2185b", "#00838f"];
const OBSERVED = "#6b6b6b"; // tracks nobody owns (from receivers)
export const CONFLICT = "#d40000";
// How a domain reads on the map without colour: air solid, sea dashed, emission dotted.
const DASH = { air: null, sea: "9 6", emission: "2 5" };
const VECTOR_S = 180; // a track's heading vector shows where it will be in 3 minutes
const DOT = { party: 5, observed: 5, observedWide: 2.5 }; // track marker radii, px
const M_PER_FT = 0.3048; // the international foot (ICAO Annex 5, Table 3-3)
const LABEL_CHARS = 28; // an asset's label: its name up to the first colon, this long at most

export function partyColours(parties) {
  return Object.fromEntries(parties.map((p, i) => [p.id, PALETTE[i % PALETTE.length]]));
}

export class Layers {
  /** `parties`: the agreement's [{id, name}], for the legend. */
  constructor(map, colours, names, parties = []) {
    this.map = map;
    this.colours = colours;
    this.names = names;
    this.now = () => Date.now(); // the moment popups speak from ("starts in 20 min"): replay's when replaying
    this.canAdvise = () => false; // whether a conflict's popup offers "What clears it?" (main.js)
    this.hazards = new HazardLayer(map, names);
    this.groups = {};
    for (const name of ["assets", "notices", "conflicts", "alerts", "tracks"]) {
      this.groups[name] = L.layerGroup().addTo(map);
    }
    this.wide = []; // corridors and orbits: [polyline, half width m], re-weighted on zoom
    this.tracks = new Map(); // track id -> {marker, vector, label}
    this.noticeLayers = new Map(); // notice id -> layer (to open from lists)
    this.declutter = declutterer(map.getContainer());
    map.on("zoomend", () => {
      this.reweigh();
      this.resizeTracks();
    });
    map.on("zoomend moveend", this.declutter);
    L.control.layers(null, {
      Hazards: this.hazards.group,
      "Protected assets": this.groups.assets,
      Notices: this.groups.notices,
      Conflicts: this.groups.conflicts,
      "Tactical alerts": this.groups.alerts,
      Tracks: this.groups.tracks,
    }).addTo(map);
    legendControl(parties, colours, { observed: OBSERVED, conflict: CONFLICT, dash: DASH }).addTo(map);
  }

  colour(party) {
    return this.colours[party] ?? OBSERVED;
  }

  // ---- notices and assets -----------------------------------------------------------
  /** Draw `features` (already filtered); `conflicted` holds ids to highlight. A notice
   * keeps its party's colour; one in conflict gets, underneath, a red edge and hatching
   * (an outline of the same area, url(#conflict-hatch) in app.css). */
  setNotices(features, conflicted) {
    // Unchanged (a redraw for something else): left as drawn, so an open popup stays open.
    const sig = JSON.stringify([features, [...conflicted]]);
    if (sig === this.noticesDrawn) return;
    this.noticesDrawn = sig;
    const open = openId(this.noticeLayers);
    this.groups.notices.clearLayers();
    this.noticeLayers.clear();
    this.wide = this.wide.filter(([line]) => !line.notice);
    for (const f of features) {
      const p = f.properties;
      const hot = conflicted.has(p.id);
      const colour = this.colour(p.party);
      const style = {
        color: colour,
        fillColor: colour,
        weight: hot ? 2.5 : 2,
        dashArray: DASH[p.domain],
        fillOpacity: p.status === "active" ? 0.25 : 0.12,
        className: `notice notice-${p.domain}${hot ? " in-conflict" : ""}`,
      };
      if (hot) this.groups.notices.addLayer(this.conflictOutline(f));
      const layer = this.area(f, style);
      layer.bindPopup(() => noticePopup(f, hot, this.names, this.now()), POPUP);
      layer.bindTooltip(`<span style="color:${colour}">${esc(p.callsign ?? p.id)}</span>`, {
        permanent: true,
        direction: "center",
        className: `${labelClass(hot ? "hot" : "notice")} notice-label${hot ? " in-conflict" : ""}`,
      });
      this.noticeLayers.set(p.id, layer);
      this.groups.notices.addLayer(layer);
      for (const el of [layer.getElement?.(), layer.getTooltip()?.getElement()]) {
        el?.setAttribute("data-notice", p.id);
        el?.setAttribute("data-party", p.party);
      }
    }
    this.reweigh();
    this.declutter();
    if (!this.fitted && features.length) this.fit();
    this.noticeLayers.get(open)?.openPopup(); // still there: its popup, redrawn
  }

  /** Once, when the first notices arrive: the view that holds them all. */
  fit() {
    this.fitted = true;
    const bounds = L.featureGroup([...this.noticeLayers.values()]).getBounds();
    if (bounds.isValid()) this.map.fitBounds(bounds, { padding: [20, 20], maxZoom: 10, animate: false });
  }

  /** The red edge and hatching drawn under a notice in conflict (it takes no clicks). A
   * corridor or orbit, drawn as a wide line, gets a red dashed centre line on top instead. */
  conflictOutline(f) {
    const style = {
      color: CONFLICT,
      weight: 7,
      opacity: 0.85,
      fill: true,
      fillOpacity: 1,
      interactive: false,
      className: "conflict-outline",
    };
    if (f.geometry.type === "LineString") {
      const line = L.polyline(
        f.geometry.coordinates.map(([lon, lat]) => [lat, lon]),
        { ...style, weight: 3, dashArray: "2 7", fill: false },
      );
      line.notice = true;
      return line;
    }
    return this.area(f, style);
  }

  setAssets(features) {
    this.groups.assets.clearLayers();
    this.wide = this.wide.filter(([line]) => line.notice || line.ghost); // (advice.js's ghosts stay)
    for (const f of features) {
      const p = f.properties;
      const layer = this.area(f, {
        color: this.colour(p.party),
        weight: 1.5,
        fillOpacity: 0.06,
        dashArray: "1 4",
        className: `asset asset-${p.kind}`,
      });
      layer.bindPopup(() => this.assetPopup(f), POPUP);
      this.groups.assets.addLayer(layer);
      layer.getElement?.()?.setAttribute("data-asset", p.id);
      // A receiver's site: a marker above the notices (which may cover its area), whose
      // click opens the popup with its I/N plot; the asset's name labels it.
      const site = p.receiver ? siteOf(f.geometry) : null;
      const named = site
        ? L.marker(site, {
            icon: L.divIcon({ className: "receiver-site", html: "◉", iconSize: [18, 18] }),
            title: `${p.name ?? p.id}: click for its I/N plot`,
            keyboard: true,
          })
            .bindPopup(() => this.assetPopup(f), POPUP)
            .addTo(this.groups.assets)
        : layer;
      named.getElement?.()?.setAttribute("data-asset", p.id);
      named.bindTooltip(esc(shortName(p.name ?? p.id)), {
        permanent: true,
        direction: site ? "right" : "center",
        offset: site ? [10, 0] : [0, 0],
        className: `${labelClass("asset")} asset-label`,
      });
      named.getTooltip()?.getElement()?.setAttribute("data-asset", p.id);
    }
    this.declutter();
  }

  /** An asset's details; a protected receiver's also show its I/N plot (popups.js). */
  assetPopup(f) {
    return assetPopupElement(f, this.names, this.receiverPlot);
  }

  /** A notice's or asset's area: polygon, circle, corridor or orbit (racetrack). */
  area(f, style) {
    const g = f.geometry;
    const p = f.properties;
    const latlng = ([lon, lat]) => [lat, lon];
    if (g.type === "Polygon") return L.polygon(g.coordinates.map((r) => r.map(latlng)), style);
    if (g.type === "Point") {
      const at = latlng(g.coordinates);
      if (p.radius_m) return L.circle(at, { ...style, radius: p.radius_m });
      return L.circleMarker(at, { ...style, radius: 7 }); // an emitter's site
    }
    if (g.type === "LineString") {
      // A corridor (half_width_m) or an orbit (racetrack, radius_m) is its centre line
      // buffered by that distance: drawn as a line that wide with round ends, which is
      // exactly that shape; its pixel width follows the zoom (see reweigh).
      const half = p.half_width_m ?? p.radius_m ?? 0;
      const line = L.polyline(g.coordinates.map(latlng), {
        ...style,
        lineCap: "round",
        lineJoin: "round",
        opacity: style.bandOpacity ?? 0.35, // (an advised volume's ghost is fainter: advice.js)
      });
      line.notice = style.className.startsWith("notice");
      line.ghost = style.className.includes("advice-ghost");
      if (half > 0) this.wide.push([line, half]);
      return line;
    }
    return L.geoJSON(f, { style }); // anything else: Leaflet's own reading of it
  }

  reweigh() {
    for (const [line, half] of this.wide) {
      const lat = line.getBounds().getCenter().lat;
      line.setStyle({ weight: Math.max(2, (2 * half) / metresPerPixel(this.map, lat)) });
    }
  }

  openNotice(id) {
    const layer = this.noticeLayers.get(id);
    if (!layer) return false;
    this.map.fitBounds(layer.getBounds?.() ?? L.latLngBounds([layer.getLatLng()]), {
      maxZoom: 10,
      padding: [40, 40],
    });
    layer.openPopup();
    return true;
  }

  // ---- conflicts ----------------------------------------------------------------------
  /** Mark each open conflict where it is worst (strategic) or from emitter to receiver
   * (interference). `places` maps notice and asset ids to a [lat, lon]. */
  setConflicts(conflicts, places) {
    const sig = JSON.stringify([conflicts, [...places]]);
    if (sig === this.conflictsDrawn) return; // unchanged: an open popup stays open
    this.conflictsDrawn = sig;
    const open = openId(this.conflictMarkers ?? new Map());
    this.groups.conflicts.clearLayers();
    this.conflictMarkers = new Map();
    for (const c of conflicts) {
      let at = null;
      if (c.kind === "interference") {
        const rx = places.get(c.a_id);
        const tx = places.get(c.b_id);
        if (rx && tx) {
          L.polyline([tx, rx], { color: CONFLICT, weight: 2, dashArray: "6 4", interactive: false })
            .addTo(this.groups.conflicts);
        }
        at = rx ?? tx;
      } else if (c.worst_lat !== undefined && c.worst_lat !== null) {
        at = [c.worst_lat, c.worst_lon];
      }
      if (!at) continue;
      const marker = L.marker(at, {
        icon: L.divIcon({
          className: `conflict-marker severity-${esc(c.severity)}`,
          html: "!",
          iconSize: [22, 22],
          // at a receiver: up and left of its site, whose marker stays clickable
          iconAnchor: c.kind === "interference" && places.get(c.a_id) ? [30, 30] : [11, 11],
        }),
        title: `conflict #${c.id}`,
      }).bindPopup(() => conflictPopup(c, this.names, this.now(), this.canAdvise(c)), POPUP);
      marker.addTo(this.groups.conflicts);
      this.conflictMarkers.set(String(c.id), marker);
    }
    this.conflictMarkers.get(open)?.openPopup();
  }

  openConflict(id) {
    const marker = this.conflictMarkers?.get(String(id));
    if (!marker) return;
    this.map.setView(marker.getLatLng(), Math.max(this.map.getZoom(), 9), { animate: false });
    marker.openPopup();
  }

  // ---- tracks and alerts ------------------------------------------------------------------
  /** Update tracks in place (markers move rather than blink), drop vanished ones. */
  setTracks(features, alerted) {
    const seen = new Set();
    for (const f of features) {
      const p = f.properties;
      const id = p.track_id ?? f.id;
      seen.add(id);
      const at = [f.geometry.coordinates[1], f.geometry.coordinates[0]];
      const colour = alerted.has(id) || alerted.has(p.alias) ? CONFLICT : this.colour(p.owner);
      const kind = p.owner ? "party" : "observed";
      const ahead =
        p.course_deg != null && p.speed_kt
          ? destination(at, p.course_deg, (p.speed_kt * 1852 * VECTOR_S) / 3600)
          : at;
      let t = this.tracks.get(id);
      if (!t) {
        // Observed traffic (nobody's): small dots, no vector nor label below DETAIL_ZOOM.
        t = {
          kind,
          marker: L.circleMarker(at, { radius: this.dotRadius(kind), weight: 2, className: `track track-${kind}` }),
          vector: L.polyline([at, ahead], { weight: 2, interactive: false, className: `track-vector track-${kind}` }),
        };
        t.marker.bindTooltip("", {
          permanent: true,
          direction: "right",
          offset: [8, 0],
          className: `${labelClass(kind === "party" ? "track" : "observed")} track-label track-${kind}`,
        });
        t.marker.bindPopup(() => trackPopup(t.feature, this.names, this.now()), POPUP); // its latest state when opened
        t.marker.addTo(this.groups.tracks);
        t.vector.addTo(this.groups.tracks);
        t.marker.getTooltip().getElement()?.setAttribute("data-track", id);
        t.marker.getElement()?.setAttribute("data-track", id);
        t.vector.getElement()?.setAttribute("data-track", id);
        this.tracks.set(id, t);
      }
      t.feature = f;
      t.marker.setLatLng(at);
      t.vector.setLatLngs([at, ahead]);
      const style = { color: colour, fillColor: colour, fillOpacity: p.stale ? 0 : 0.8 };
      t.marker.setStyle({ ...style, dashArray: p.stale ? "2 3" : null });
      t.vector.setStyle({ color: colour });
      t.marker.setTooltipContent(trackLabel(p));
      t.marker.getTooltip().getElement()?.setAttribute("data-track", id);
    }
    for (const [id, t] of this.tracks) {
      if (seen.has(id)) continue;
      this.groups.tracks.removeLayer(t.marker);
      this.groups.tracks.removeLayer(t.vector);
      this.tracks.delete(id);
    }
    this.declutter();
  }

  dotRadius(kind) {
    if (kind === "party") return DOT.party;
    return this.map.getZoom() < DETAIL_ZOOM ? DOT.observedWide : DOT.observed;
  }

  resizeTracks() {
    for (const t of this.tracks.values()) t.marker.setRadius(this.dotRadius(t.kind));
  }

  /** Centre the map on a track and open its popup (from the alerts list). */
  openTrack(id) {
    const t = this.tracks.get(id) ?? [...this.tracks.values()].find((x) => x.feature.properties.alias === id);
    if (!t) return false;
    this.map.setView(t.marker.getLatLng(), Math.max(this.map.getZoom(), 8), { animate: false });
    t.marker.openPopup();
    return true;
  }

  setAlerts(alerts) {
    this.groups.alerts.clearLayers();
    for (const a of alerts) {
      if (a.lat == null || a.lon == null) continue;
      L.circleMarker([a.lat, a.lon], {
        radius: 14,
        color: CONFLICT,
        weight: 3,
        fillOpacity: 0.15,
        className: `alert-marker severity-${a.severity}`,
      })
        .bindPopup(() => alertPopup(a, this.names, this.now()), POPUP)
        .addTo(this.groups.alerts);
    }
  }
}

function trackLabel(p) {
  const name = p.name ?? p.track_id;
  const level = p.alt_ft != null ? ` FL${String(Math.round(p.alt_ft / 100)).padStart(3, "0")}` : "";
  const speed = p.speed_kt != null ? ` ${Math.round(p.speed_kt)} kt` : "";
  return `${esc(name)}<span class="sub">${level}${speed}${p.stale ? " stale" : ""}</span>`;
}

/** The key of the layer in `layers` (a Map) whose popup is open, if any. */
function openId(layers) {
  for (const [id, layer] of layers) if (layer.isPopupOpen?.()) return id;
  return undefined;
}

/** Where a receiver's marker goes: its Point, or the middle of its area. */
function siteOf(g) {
  if (g.type === "Point") return [g.coordinates[1], g.coordinates[0]];
  const ring = g.type === "Polygon" ? g.coordinates[0].slice(0, -1) : g.type === "LineString" ? g.coordinates : null;
  if (!ring?.length) return null;
  return [ring.reduce((a, q) => a + q[1], 0) / ring.length, ring.reduce((a, q) => a + q[0], 0) / ring.length];
}

/** "Coastal surveillance radar near…": an asset's name to its first colon, cut short. */
function shortName(name) {
  const head = String(name).split(":")[0].trim();
  return head.length > LABEL_CHARS ? `${head.slice(0, LABEL_CHARS - 1).trimEnd()}…` : head;
}

/** Whether an air notice's band meets [loFt, hiFt] (other domains always do). */
export function bandMeets(p, loFt, hiFt) {
  if (p.domain !== "air" || p.lower_m == null || p.upper_m == null) return true;
  return p.lower_m / M_PER_FT <= hiFt && p.upper_m / M_PER_FT >= loFt;
}
