"""Track trails for the report's map: `GET /tracks/history` over the period and the area,
as the party may see them, with where each track was at the key moments (a conflict
detected, an alert raised or cleared, the incident window's edges).

A server without track history (404) or a window holding more fixes than one answer may
carry (413) leaves the map without trails and says so; the report is still whole.
"""

from __future__ import annotations

import bisect
from datetime import datetime, timedelta
from typing import Any

from ..errors import InterlockError, NotFound, PayloadTooLarge
from ..model.timeutil import iso, parse_utc
from . import report_svg as svg
from .report_data import Call, say

MAX_SPAN = timedelta(hours=24)  # what one GET /tracks/history answers (its route's bound)
MAX_TRAILS = 40  # drawn on the map: own forces and the alert's tracks first, then the longest
AREA_MARGIN_DEG = 0.5  # trails are asked for the area drawn, widened by this much


def fetch(
    call: Call, start: datetime, end: datetime, box: tuple[float, float, float, float] | None
) -> list[dict[str, Any]]:
    """The trails over [start, end] (at most the route's day, the end kept) in `box`."""
    start = max(start, end - MAX_SPAN)
    params: dict[str, Any] = {"from": iso(start), "to": iso(end)}
    if box is not None:
        m = AREA_MARGIN_DEG
        params["bbox"] = f"{box[0] - m},{box[1] - m},{box[2] + m},{box[3] + m}"
    try:
        got = call("GET", "/tracks/history", params=params)
    except NotFound:
        say("no track history on this server (GET /tracks/history): the map has no trails")
        return []
    except PayloadTooLarge as exc:
        say(f"track trails skipped: {exc.detail}")
        return []
    except InterlockError as exc:
        say(f"track trails skipped: {exc.detail}")
        return []
    features = got.get("features", []) if isinstance(got, dict) else []
    say(f"{len(features):,} track trails")
    return list(features)


def _times(props: dict[str, Any]) -> list[float]:
    return [parse_utc(t, "times").timestamp() for t in props.get("times", [])]


def _at(points: list[tuple[float, float]], times: list[float], t: float) -> tuple[float, float]:
    """The position at time `t` (within the trail's span), straight between its fixes."""
    i = bisect.bisect_right(times, t)
    if i == 0:
        return points[0]
    if i >= len(times):
        return points[-1]
    t0, t1 = times[i - 1], times[i]
    f = 0.0 if t1 == t0 else (t - t0) / (t1 - t0)
    (x0, y0), (x1, y1) = points[i - 1], points[i]
    return x0 + (x1 - x0) * f, y0 + (y1 - y0) * f


def picture(
    trails: list[dict[str, Any]],
    moments: list[tuple[datetime, str]],
    colours: dict[str, str],
    party_names: dict[str, str],
    first: set[str],
) -> list[svg.Trail]:
    """The trails to draw (at most MAX_TRAILS), each with its positions at the moments
    it spans. `first`: track ids drawn whatever their length (the alert's)."""

    def rank(f: dict[str, Any]) -> tuple[int, int]:
        p = f.get("properties") or {}
        mine = bool(p.get("owner")) or p.get("track_id") in first
        return (0 if mine else 1, -len(p.get("times", [])))

    out = []
    for f in sorted(trails, key=rank)[:MAX_TRAILS]:
        p = f.get("properties") or {}
        geometry = f.get("geometry") or {}
        coords = geometry.get("coordinates") or []
        points = (
            [(float(c[0]), float(c[1])) for c in coords]
            if geometry.get("type") == "LineString"
            else [(float(coords[0]), float(coords[1]))]
        )
        times = _times(p)
        if not points or len(times) != len(points):
            continue
        owner = p.get("owner")
        name = str(p.get("name") or p.get("track_id") or "track")
        label = f"{name} ({party_names.get(owner, owner)})" if owner else name
        marks = [
            (_at(points, times, t.timestamp()), what)
            for t, what in moments
            if times[0] <= t.timestamp() <= times[-1]
        ]
        out.append(svg.Trail(points, colours.get(str(owner), "#777"), label, marks))
    return out
