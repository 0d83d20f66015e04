"""The report's two drawings as inline SVG text: the map and the timeline.

Self-contained by design (the report is evidence passed between parties, opened offline):
no script, no external file, system fonts. The map is a local equirectangular projection
about the area's centre (x scaled by cos(latitude)), good to a fraction of a percent over
a theatre a few hundred NM across, with a scale bar in NM and a north arrow.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from html import escape

from ..geo.earth import MEAN_RADIUS_M
from ..geo.units import M_PER_NM

EARTH_M = MEAN_RADIUS_M  # the local projection's scale (geo.earth: IUGG mean radius)
SYSTEM_COLOUR = "#555"
HAZARD_COLOUR = "#c62828"
MIN_SPAN_M = 10 * M_PER_NM  # the least area a map shows (one point: 10 NM around it)
NICE_NM = (1, 2, 5, 10, 20, 25, 50, 100, 200, 250, 500, 1000)
FONT = "font-family:system-ui,-apple-system,'Segoe UI',Roboto,'DejaVu Sans',sans-serif"

LonLat = tuple[float, float]


@dataclass
class Volume:
    outline: list[LonLat]
    colour: str
    label: str
    dashed: bool = False  # protected assets
    conflict: bool = False  # in the report's conflict: hatched edge


@dataclass
class Hazard:
    site: LonLat
    envelope: list[LonLat]
    label: str


@dataclass
class Trail:
    points: list[LonLat]
    colour: str
    label: str
    marks: list[tuple[LonLat, str]] = field(default_factory=list)  # key moments


@dataclass
class MapPicture:
    volumes: list[Volume] = field(default_factory=list)
    hazards: list[Hazard] = field(default_factory=list)
    trails: list[Trail] = field(default_factory=list)
    points: list[tuple[LonLat, str]] = field(default_factory=list)  # conflict worst points


class _Projection:
    def __init__(self, pts: Sequence[LonLat], width: float, height: float, pad: float) -> None:
        lons = [p[0] for p in pts] or [0.0]
        lats = [p[1] for p in pts] or [0.0]
        self.lon0 = (min(lons) + max(lons)) / 2
        self.lat0 = (min(lats) + max(lats)) / 2
        self.k = math.cos(math.radians(self.lat0))
        xs = [self._x(lon) for lon in lons]
        ys = [self._y(lat) for lat in lats]
        span_x = max(max(xs) - min(xs), MIN_SPAN_M)
        span_y = max(max(ys) - min(ys), MIN_SPAN_M)
        self.scale = min((width - 2 * pad) / span_x, (height - 2 * pad) / span_y)  # px per m
        self.cx, self.cy = width / 2, height / 2
        self.mx, self.my = (max(xs) + min(xs)) / 2, (max(ys) + min(ys)) / 2

    def _x(self, lon: float) -> float:
        return math.radians(lon - self.lon0) * self.k * EARTH_M

    def _y(self, lat: float) -> float:
        return math.radians(lat - self.lat0) * EARTH_M

    def __call__(self, p: LonLat) -> tuple[float, float]:
        return (
            self.cx + (self._x(p[0]) - self.mx) * self.scale,
            self.cy - (self._y(p[1]) - self.my) * self.scale,
        )

    def lon_at(self, px: float) -> float:
        return self.lon0 + math.degrees(
            ((px - self.cx) / self.scale + self.mx) / (self.k * EARTH_M)
        )

    def lat_at(self, py: float) -> float:
        return self.lat0 + math.degrees(((self.cy - py) / self.scale + self.my) / EARTH_M)


def _path(points: Sequence[tuple[float, float]], close: bool = True) -> str:
    d = " ".join(f"{'M' if i == 0 else 'L'}{x:.1f},{y:.1f}" for i, (x, y) in enumerate(points))
    return d + (" Z" if close else "")


# A white halo keeps a label readable over fills and lines, but Chromium prints each
# haloed text slowly (measured: 800 labels, +2.8 s of a 8 s print): the map gives its
# labels one only while it has few of them.
HALO_UP_TO = 60
HALO = ' paint-order="stroke" stroke="#fff" stroke-width="3"'


def _text(
    x: float,
    y: float,
    s: str,
    size: int = 11,
    anchor: str = "middle",
    halo: bool = False,
    **attrs: str,
) -> str:
    extra = "".join(f' {k.replace("_", "-")}="{v}"' for k, v in attrs.items())
    return (
        f'<text x="{x:.1f}" y="{y:.1f}" font-size="{size}" text-anchor="{anchor}"'
        f"{HALO if halo else ''}{extra}>{escape(s)}</text>"
    )


def _nice_step(span: float, target: int = 5) -> float:
    raw = span / target
    mag = 10 ** math.floor(math.log10(raw)) if raw > 0 else 1.0
    return next((m * mag for m in (1, 2, 2.5, 5, 10) if m * mag >= raw), 10 * mag)


def map_svg(pic: MapPicture, width: int = 960, height: int = 620) -> str:
    """The area: volumes in party colours with names, hazards, trails, scale and north."""
    pts: list[LonLat] = [p for v in pic.volumes for p in v.outline]
    pts += [p for h in pic.hazards for p in h.envelope] + [h.site for h in pic.hazards]
    pts += [p for t in pic.trails for p in t.points] + [p for p, _ in pic.points]
    if not pts:
        return (
            f'<svg class="map" viewBox="0 0 {width} 80" width="100%" role="img" '
            f'aria-label="map of the area" style="{FONT}"><rect width="{width}" height="80" '
            f'fill="#f4f8fb" stroke="#999"/>'
            + _text(width / 2, 45, "nothing with a position in this report", 14, fill="#555")
            + "</svg>"
        )
    proj = _Projection(pts, width, height, pad=40)
    halo = len(pic.volumes) + len(pic.hazards) + len(pic.trails) + len(pic.points) <= HALO_UP_TO
    out = [
        f'<svg class="map" viewBox="0 0 {width} {height}" '
        f'width="100%" role="img" aria-label="map of the area" style="{FONT}">',
        '<defs><pattern id="hatch" width="6" height="6" patternUnits="userSpaceOnUse" '
        'patternTransform="rotate(45)"><line x1="0" y1="0" x2="0" y2="6" '
        f'stroke="{HAZARD_COLOUR}" stroke-width="1.5"/></pattern>'
        '<marker id="arrowhead" markerWidth="8" markerHeight="8" refX="7" refY="4" '
        'orient="auto"><path d="M0,0 L8,4 L0,8 Z" fill="#333"/></marker></defs>',
        f'<rect width="{width}" height="{height}" fill="#f4f8fb" stroke="#999"/>',
    ]
    out += _graticule(proj, width, height)
    for h in pic.hazards:
        env = [proj(p) for p in h.envelope]
        out.append(
            f'<path d="{_path(env)}" fill="url(#hatch)" fill-opacity="0.35" '
            f'stroke="{HAZARD_COLOUR}" stroke-dasharray="6 4" stroke-width="1.5"/>'
        )
        x, y = proj(h.site)
        out.append(
            f'<path d="M{x - 5:.1f},{y - 5:.1f} L{x + 5:.1f},{y + 5:.1f} M{x - 5:.1f},'
            f'{y + 5:.1f} L{x + 5:.1f},{y - 5:.1f}" stroke="{HAZARD_COLOUR}" '
            'stroke-width="2.5"/>'
        )
        out.append(_text(x, y - 9, f"hazard: {h.label}", 13, halo=halo, fill=HAZARD_COLOUR))
    labels: list[str] = []
    placed: list[tuple[float, float, float]] = []  # labels drawn: (x centre, y, half width)
    for v in pic.volumes:
        ring = [proj(p) for p in v.outline]
        dash = ' stroke-dasharray="5 3"' if v.dashed else ""
        edge = HAZARD_COLOUR if v.conflict else v.colour
        width_px = 3 if v.conflict else 1.6
        out.append(
            f'<path d="{_path(ring)}" fill="{v.colour}" fill-opacity="0.18" '
            f'stroke="{edge}" stroke-width="{width_px}"{dash}/>'
        )
        lx = (min(x for x, _ in ring) + max(x for x, _ in ring)) / 2
        name = _short(v.label)
        ly = _free_row(placed, lx, max(min(y for _, y in ring) + 16, 18.0), len(name) * 8.0)
        if ly is not None:
            labels.append(_text(lx, ly, name, 15, halo=halo, fill=v.colour, font_weight="600"))
    for t in pic.trails:
        line = [proj(p) for p in t.points]
        if len(line) > 1:
            out.append(
                f'<path d="{_path(line, close=False)}" fill="none" stroke="{t.colour}" '
                'stroke-width="2" stroke-dasharray="1 3" stroke-linecap="round"/>'
            )
        for p, what in t.marks:
            x, y = proj(p)
            out.append(f'<circle cx="{x:.1f}" cy="{y:.1f}" r="4" fill="{t.colour}" stroke="#fff"/>')
            lx, anchor = _inside(x, width)
            out.append(_text(lx, y + 4, what, 10, anchor, halo=halo))
        if line:
            x, y = line[-1]
            lx, anchor = _inside(x, width)
            out.append(_text(lx, y - 6, t.label, 11, anchor, halo=halo, fill=t.colour))
    for p, what in pic.points:
        x, y = proj(p)
        out.append(f'<circle cx="{x:.1f}" cy="{y:.1f}" r="9" fill="{HAZARD_COLOUR}"/>')
        out.append(
            f'<text x="{x:.1f}" y="{y + 5:.1f}" font-size="14" font-weight="700" '
            'text-anchor="middle" fill="#fff">!</text>'
        )
        w = len(what) * 7.0
        row = _free_row(placed, x + 12 + w / 2, y + 4, w)
        if row is not None:
            labels.append(
                _text(x + 12, row, what, 13, anchor="start", halo=halo, fill=HAZARD_COLOUR)
            )
    out += labels
    out += _scale_bar(proj, width, height) + _north(width)
    out.append("</svg>")
    return "\n".join(out)


LABEL_ROW = 18.0  # px between two labels that would overlap


LABEL_TRIES = (0, 1, -1, 2, -2)  # rows tried about a label's place before it is left out
MAP_LABEL_CHARS = 32  # a longer name is cut with … on the map (the table gives it whole)


def _free_row(
    placed: list[tuple[float, float, float]], x: float, y: float, width: float
) -> float | None:
    """The row nearest `y` (a few tried) where a label `width` wide centred on `x`
    overlaps none already placed; None: the label is left out (the table names it)."""
    half = width / 2
    for k in LABEL_TRIES:
        row = y + k * LABEL_ROW
        if all(abs(row - py) >= LABEL_ROW or abs(x - px) >= half + ph for px, py, ph in placed):
            placed.append((x, row, half))
            return row
    return None


def _inside(x: float, width: float) -> tuple[float, str]:
    """A label beside the point at x: to its right, or to its left in the map's right
    fifth, so it stays on the map: its x and text-anchor."""
    return (x - 6, "end") if x > width * 0.8 else (x + 6, "start")


def _short(label: str) -> str:
    return label if len(label) <= MAP_LABEL_CHARS else label[: MAP_LABEL_CHARS - 1] + "…"


def _graticule(proj: _Projection, width: int, height: int) -> list[str]:
    lon_a, lon_b = proj.lon_at(0), proj.lon_at(width)
    lat_a, lat_b = proj.lat_at(height), proj.lat_at(0)
    step = _nice_step(max(lon_b - lon_a, lat_b - lat_a), 6)
    out = []
    lon = math.ceil(lon_a / step) * step
    while lon < lon_b:
        x, _ = proj((lon, proj.lat0))
        out.append(f'<line x1="{x:.1f}" y1="0" x2="{x:.1f}" y2="{height}" stroke="#dde3ea"/>')
        out.append(_text(x + 3, height - 6, f"{lon:.6g}°E", 11, anchor="start", fill="#789"))
        lon += step
    lat = math.ceil(lat_a / step) * step
    while lat < lat_b:
        _, y = proj((proj.lon0, lat))
        out.append(f'<line x1="0" y1="{y:.1f}" x2="{width}" y2="{y:.1f}" stroke="#dde3ea"/>')
        out.append(_text(4, y - 3, f"{lat:.6g}°N", 11, anchor="start", fill="#789"))
        lat += step
    return out


def _scale_bar(proj: _Projection, width: int, height: int) -> list[str]:
    px_per_nm = proj.scale * M_PER_NM
    want = width / 5 / px_per_nm
    nm = max((n for n in NICE_NM if n <= want), default=NICE_NM[0])
    length = nm * px_per_nm
    x0, y0 = 20.0, height - 28.0
    return [
        f'<rect x="{x0 - 8}" y="{y0 - 18}" width="{length + 16:.1f}" height="30" fill="#fff" '
        'fill-opacity="0.85"/>',
        f'<path d="M{x0},{y0 - 5} L{x0},{y0} L{x0 + length:.1f},{y0} L{x0 + length:.1f},'
        f'{y0 - 5}" fill="none" stroke="#222" stroke-width="2"/>',
        f'<rect x="{x0}" y="{y0 - 3}" width="{length / 2:.1f}" height="3" fill="#222"/>',
        _text(x0 + length / 2, y0 - 7, f"{nm:g} NM", 13, halo=True),
    ]


def _north(width: int) -> list[str]:
    x, y = width - 34, 22
    return [
        f'<path d="M{x},{y} L{x + 9},{y + 26} L{x},{y + 20} L{x - 9},{y + 26} Z" fill="#222"/>',
        _text(x, y + 40, "N", 13, font_weight="700"),
    ]


# ---- timeline -----------------------------------------------------------------------------


@dataclass
class Filing:
    lane: str
    at: datetime
    label: str
    start: datetime  # the activity's start: the lead time runs from `at` to here
    lead_ok: bool
    rule_min: float


@dataclass
class Delivery:
    lane: str
    delivered: datetime | None
    acknowledged: datetime | None
    on_time: bool | None
    deadline: datetime


@dataclass
class Arrow:
    sender: str
    at: datetime
    label: str
    to: list[Delivery]
    priority: str = "routine"


@dataclass
class Mark:
    lane: str
    at: datetime
    label: str
    shape: str = "diamond"  # "diamond": a conflict; "up"/"down": an alert raised/cleared
    colour: str = HAZARD_COLOUR


@dataclass
class TimelinePicture:
    lanes: list[tuple[str, str, str]]  # (id, name, colour)
    start: datetime
    end: datetime
    filings: list[Filing] = field(default_factory=list)
    arrows: list[Arrow] = field(default_factory=list)
    marks: list[Mark] = field(default_factory=list)
    incident: tuple[datetime, datetime] | None = None


MIN_SPAN = timedelta(minutes=10)


def _tick_step(span_s: float) -> float:
    for s in (
        1,
        2,
        5,
        10,
        15,
        30,
        60,
        120,
        300,
        600,
        900,
        1800,
        3600,
        7200,
        10800,
        21600,
        43200,
        86400,
    ):
        if span_s / s <= 8:
            return float(s)
    return 86400.0 * math.ceil(span_s / 86400 / 8)


def timeline_svg(pic: TimelinePicture, width: int = 780) -> str:
    """One lane per party; filings with their lead time against the rule; messages as
    arrows sender → each recipient with delivered (○) and acknowledged (✓ on time, ✗ late)
    marks and the deadline (|); conflicts (◆) and alerts raised (▲) / cleared (▼)."""
    left, right, top, lane_h = 190, 30, 34, 78
    height = top + lane_h * len(pic.lanes) + 36
    t0, t1 = pic.start, max(pic.end, pic.start + MIN_SPAN)
    pad = (t1 - t0) * 0.04
    t0, t1 = t0 - pad, t1 + pad
    span = (t1 - t0).total_seconds()

    def x(t: datetime) -> float:
        return left + (t - t0).total_seconds() / span * (width - left - right)

    def clip(t: datetime) -> float:
        return min(max(x(t), left), width - right)

    ys = {lane: top + lane_h * i + lane_h / 2 for i, (lane, _, _) in enumerate(pic.lanes)}
    taken: list[tuple[float, float, float, float]] = []  # labels' boxes: x0, x1, y0, y1
    labels: list[str] = []  # drawn last, over the marks

    def label(x0: float, y0: float, text: str, colour: str, away: float = -1.0) -> None:
        """A label at (x0, y0), else moved a row further `away` from its lane (two tries),
        else none: events at one instant keep their marks and lose only the labels that
        would overprint (the table below names every one)."""
        w = len(text) * 5.6  # ~ the width of a 10 px system-font character
        for step in (0, 1, 2):
            y = y0 + away * 11.0 * step
            box = (x0, x0 + w, y - 9.0, y + 2.0)
            if all(box[1] < a or box[0] > b or box[3] < c or box[2] > d for a, b, c, d in taken):
                taken.append(box)
                labels.append(_text(x0, y, text, 10, anchor="start", fill=colour))
                return

    out = [
        f'<svg class="timeline" viewBox="0 0 {width} '
        f'{height}" width="100%" role="img" aria-label="timeline" style="{FONT}">',
        '<defs><marker id="tip" markerWidth="8" markerHeight="8" refX="7" refY="4" '
        'orient="auto" markerUnits="userSpaceOnUse"><path d="M0,0 L8,4 L0,8 Z" fill="#333"/>'
        "</marker></defs>",
        f'<rect width="{width}" height="{height}" fill="#fff"/>',
    ]
    if pic.incident is not None:
        w0, w1 = pic.incident
        if w1 >= t0 and w0 <= t1:
            out.append(
                f'<rect x="{clip(w0):.1f}" y="{top - 6}" width="{max(clip(w1) - clip(w0), 2):.1f}" '
                f'height="{lane_h * len(pic.lanes) + 6}" fill="{HAZARD_COLOUR}" '
                'fill-opacity="0.08"/>'
            )
            out.append(
                _text(
                    clip(w0) + 3,
                    top - 10,
                    "incident window",
                    10,
                    anchor="start",
                    fill=HAZARD_COLOUR,
                )
            )
        else:
            side = "→" if w0 > t1 else "←"
            out.append(
                _text(
                    width - right if w0 > t1 else left,
                    top - 10,
                    f"incident window {w0:%d %b %H:%M}–{w1:%H:%M} UTC {side}",
                    10,
                    anchor="end" if w0 > t1 else "start",
                    fill=HAZARD_COLOUR,
                )
            )
    step = _tick_step(span)
    first = math.ceil(t0.timestamp() / step) * step
    tick = first
    while tick <= t1.timestamp():
        t = datetime.fromtimestamp(tick, t0.tzinfo)
        xx = x(t)
        out.append(
            f'<line x1="{xx:.1f}" y1="{top - 4}" x2="{xx:.1f}" y2="{height - 26}" stroke="#eee"/>'
        )
        fmt = "%H:%M:%S" if step < 60 else "%H:%M"
        out.append(_text(xx, height - 12, f"{t:{fmt}}", 10, fill="#555"))
        tick += step
    out.append(_text(width - right, height - 1, "UTC", 10, anchor="end", fill="#555"))
    for lane, name, colour in pic.lanes:
        y = ys[lane]
        out.append(
            f'<line x1="{left}" y1="{y:.1f}" x2="{width - right}" y2="{y:.1f}" '
            f'stroke="{colour}" stroke-opacity="0.5" stroke-width="2"/>'
        )
        short = name if len(name) <= 26 else name[:25] + "…"
        out.append(_text(left - 8, y + 4, short, 11, anchor="end", fill=colour, font_weight="600"))
    for f in pic.filings:
        y, xa = ys[f.lane] - 14, clip(f.at)
        colour = "#2a7d2a" if f.lead_ok else HAZARD_COLOUR
        xb = clip(f.start)
        arrow = ' marker-end="url(#tip)"' if x(f.start) > width - right else ""
        out.append(
            f'<line x1="{xa:.1f}" y1="{y:.1f}" x2="{xb:.1f}" y2="{y:.1f}" stroke="{colour}" '
            f'stroke-width="3" stroke-opacity="0.7"{arrow}/>'
        )
        rule = f.start - timedelta(minutes=f.rule_min)
        if t0 <= rule <= t1:
            xr = x(rule)
            out.append(
                f'<line x1="{xr:.1f}" y1="{y - 6:.1f}" x2="{xr:.1f}" y2="{y + 6:.1f}" '
                'stroke="#222" stroke-dasharray="2 2"/>'
            )
        out.append(
            f'<rect x="{xa - 5:.1f}" y="{ys[f.lane] - 5:.1f}" width="10" height="10" '
            f'fill="{colour}"/>'
        )
        label(xa + 7, y - 5, f.label, colour)
    for a in pic.arrows:
        ya, xa = ys[a.sender], clip(a.at)
        out.append(f'<circle cx="{xa:.1f}" cy="{ya:.1f}" r="4" fill="#333"/>')
        for d in a.to:
            if d.lane not in ys:
                continue
            yb = ys[d.lane]
            xd = clip(d.delivered) if d.delivered else xa
            yd = yb + (-6 if yb > ya else 6)  # the arrow's tip short of the lane's mark
            out.append(
                f'<line x1="{xa:.1f}" y1="{ya:.1f}" x2="{xd:.1f}" y2="{yd:.1f}" '
                'stroke="#333" stroke-width="1.3" marker-end="url(#tip)"/>'
            )
            if d.delivered:
                out.append(
                    f'<circle cx="{xd:.1f}" cy="{yb:.1f}" r="4" fill="#fff" stroke="#333" '
                    'stroke-width="1.5"><title>delivered</title></circle>'
                )
            xdl = clip(d.deadline)
            out.append(
                f'<line x1="{xdl:.1f}" y1="{yb - 8:.1f}" x2="{xdl:.1f}" y2="{yb + 8:.1f}" '
                f'stroke="{HAZARD_COLOUR}" stroke-width="1.5"><title>ack deadline</title>'
                "</line>"
            )
            if d.acknowledged:
                xk = clip(d.acknowledged)
                ok = bool(d.on_time)
                out.append(
                    _text(
                        xk,
                        yb + 18,
                        "✓" if ok else "✗",
                        14,
                        fill="#2a7d2a" if ok else HAZARD_COLOUR,
                        font_weight="700",
                    )
                )
        label(xa + 4, ya + 16, a.label[:40], "#333", away=1.0)
    for m in pic.marks:
        y, xm = ys.get(m.lane, top), clip(m.at)
        shape = {
            "diamond": f"M{xm},{y - 7} L{xm + 7},{y} L{xm},{y + 7} L{xm - 7},{y} Z",
            "up": f"M{xm},{y - 7} L{xm + 7},{y + 6} L{xm - 7},{y + 6} Z",
            "down": f"M{xm},{y + 7} L{xm + 7},{y - 6} L{xm - 7},{y - 6} Z",
        }[m.shape]
        out.append(f'<path d="{shape}" fill="{m.colour}"/>')
        label(xm + 9, y - 8, m.label[:40], m.colour)
    out += labels
    out.append("</svg>")
    return "\n".join(out)
