// What goes on the map: notices, protected assets, conflicts, tracks and alerts, each in
// its own layer group, redrawn from the API's GeoJSON. Click anything for its details.
import { HazardLayer } from "./hazards.js";
import { L, destination, metresPerPixel } from "./map.js";
import { POPUP, alertPopup, assetPopupElement, conflictPopup, noticePopup, trackPopup } from "./popups.js";
import { esc } from "./util.js";

const PALETTE = ["#1f6fd1", "#e07b00", "#2a9d4b", "#8e44ad", "#c2185b", "#00838f"];
const OBSERVED = "#6b6b6b"; // tracks nobody owns (from receivers)
export const CONFLICT = "#d40000";
// How a domain reads on the map without colour: air solid, sea dashed, emission dotted.
const DASH = { air: null, sea: "9 6", emission: "2 5" };
const VECTOR_S = 180; // a track's heading vector shows where it will be in 3 minutes

export function partyColours(parties) {
  return Object.fromEntries(parties.map((p, i) => [p.id, PALETTE[i % PALETTE.length]]));
}

export class Layers {
  constructor(map, colours, names) {
    this.map = map;
    this.colours = colours;
    this.names = names;
    this.hazards = new HazardLayer(map, names);
    this.groups = {};
    for (const name of ["assets", "notices", "conflicts", "alerts", "tracks"]) {
      this.groups[name] = L.layerGroup().addTo(map);
    }
    this.wide = []; // corridors and orbits: [polyline, half width m], re-weighted on zoom
    this.tracks = new Map(); // track id -> {marker, vector, label}
    this.noticeLayers = new Map(); // notice id -> layer (to open from lists)
    map.on("zoomend", () => this.reweigh());
    L.control.layers(null, {
      Hazards: this.hazards.group,
      "Protected assets": this.groups.assets,
      Notices: this.groups.notices,
      Conflicts: this.groups.conflicts,
      "Tactical alerts": this.groups.alerts,
      Tracks: this.groups.tracks,
    }).addTo(map);
    legend().addTo(map);
  }

  colour(party) {
    return this.colours[party] ?? OBSERVED;
  }

  // ---- notices and assets -----------------------------------------------------------
  /** Draw `features` (already filtered); `conflicted` holds ids to highlight. */
  setNotices(features, conflicted) {
    this.groups.notices.clearLayers();
    this.noticeLayers.clear();
    this.wide = this.wide.filter(([line]) => !line.notice);
    for (const f of features) {
      const p = f.properties;
      const hot = conflicted.has(p.id);
      const style = {
        color: hot ? CONFLICT : this.colour(p.party),
        weight: hot ? 3 : 2,
        dashArray: DASH[p.domain],
        fillOpacity: p.status === "active" ? 0.25 : 0.12,
        className: `notice notice-${p.domain}${hot ? " in-conflict" : ""}`,
      };
      const layer = this.area(f, style);
      layer.bindPopup(() => noticePopup(f, hot, this.names), POPUP);
      layer.bindTooltip(esc(p.callsign ?? p.id), { sticky: true });
      this.noticeLayers.set(p.id, layer);
      this.groups.notices.addLayer(layer);
    }
    this.reweigh();
  }

  setAssets(features) {
    this.groups.assets.clearLayers();
    this.wide = this.wide.filter(([line]) => line.notice);
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
    }
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
        opacity: 0.35,
      });
      line.notice = style.className.startsWith("notice");
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
        }),
        title: `conflict #${c.id}`,
      }).bindPopup(() => conflictPopup(c, this.names), POPUP);
      marker.addTo(this.groups.conflicts);
      this.conflictMarkers.set(String(c.id), marker);
    }
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
      const ahead =
        p.course_deg != null && p.speed_kt
          ? destination(at, p.course_deg, (p.speed_kt * 1852 * VECTOR_S) / 3600)
          : at;
      let t = this.tracks.get(id);
      if (!t) {
        t = {
          marker: L.circleMarker(at, { radius: 5, weight: 2, className: "track" }),
          vector: L.polyline([at, ahead], { weight: 2, interactive: false }),
        };
        t.marker.bindTooltip("", {
          permanent: true,
          direction: "right",
          offset: [8, 0],
          className: "track-label",
        });
        t.marker.bindPopup(() => trackPopup(t.feature, this.names), POPUP); // its latest state when opened
        t.marker.addTo(this.groups.tracks);
        t.vector.addTo(this.groups.tracks);
        t.marker.getTooltip().getElement()?.setAttribute("data-track", id);
        t.marker.getElement()?.setAttribute("data-track", id);
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
        .bindPopup(() => alertPopup(a, this.names), POPUP)
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

/** The map's key to what is not a party's colour: hazards, hot hazards, conflicts. */
function legend() {
  const control = L.control({ position: "bottomleft" });
  control.onAdd = () => {
    const div = L.DomUtil.create("div", "legend");
    div.innerHTML = `
      <div><svg width="28" height="14"><rect x="1" y="1" width="26" height="12" fill="none" stroke="#4a4a4a" stroke-width="1.5" stroke-dasharray="5 3"/></svg>hazard envelope (weapon reach) <span class="glyph">▲</span> site</div>
      <div><svg width="28" height="14"><rect x="1" y="1" width="26" height="12" fill="url(#hazard-hatch)" stroke="#d40000" stroke-width="2" stroke-dasharray="5 3"/></svg>hot hazard (kinetic notice active)</div>
      <div><svg width="28" height="14"><rect x="1" y="1" width="26" height="12" fill="#d40000" fill-opacity="0.2" stroke="#d40000" stroke-width="3"/></svg>notice in conflict · red track: alerted</div>`;
    L.DomEvent.disableClickPropagation(div);
    return div;
  };
  return control;
}
