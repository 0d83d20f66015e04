"""Write tracks.csv: the reconstructed tracks, one report every 10 s per aircraft.

Waypoints below (time, lon, lat, altitude) are this reconstruction's, from the public
accounts in README.md; between waypoints each aircraft flies the WGS84 geodesic at the
constant ground speed that joins them, and reports its course and speed. The masking
waypoint of the lead strike aircraft is placed from the S-200 site itself: 1 degree off
the reconnaissance aircraft's bearing and 6 km beyond it, as the Russian account describes
("the Israeli pilots used the Il-20 as cover"). Deterministic: run it again, same file.

    python scenarios/latakia-2018/make_tracks.py
"""

from __future__ import annotations

import csv
from datetime import UTC, datetime, timedelta
from itertools import pairwise
from pathlib import Path

from pyproj import Geod

GEOD = Geod(ellps="WGS84")
DAY = datetime(2018, 9, 17, tzinfo=UTC)
SITE = (36.342, 35.065)  # the S-200 battery in hazards.geojson
STEP = timedelta(seconds=10)
M_PER_NM, KT = 1852.0, 1852.0 / 3600.0


def at(hhmm: str) -> datetime:
    h, m = hhmm.split(":")
    return DAY + timedelta(hours=int(h), minutes=int(m))


Waypoint = tuple[datetime, float, float, float]  # time, lon, lat, alt_ft

# The reconnaissance aircraft: a north-south racetrack 30-60 km off Latakia at FL230,
# then the descent towards Hmeimim; hit at about 19:03Z (22:03 Moscow time), about 35 km
# off the coast at about 5 km (16,400 ft).
IL20: list[Waypoint] = [
    (at("18:00"), 35.30, 35.95, 23000),
    (at("18:07"), 35.30, 35.45, 23000),
    (at("18:14"), 35.30, 35.95, 23000),
    (at("18:21"), 35.30, 35.45, 23000),
    (at("18:28"), 35.30, 35.95, 23000),
    (at("18:35"), 35.30, 35.45, 23000),
    (at("18:42"), 35.30, 35.95, 23000),
    (at("18:49"), 35.30, 35.45, 23000),
    (at("18:56"), 35.30, 35.90, 23000),
    (at("19:03"), 35.54, 35.33, 16400),
]


def il20_position(when: datetime) -> tuple[float, float]:
    return interpolate(IL20, when)[:2]


def masking_waypoint(when: datetime) -> Waypoint:
    lon, lat = il20_position(when)
    az, _, dist = GEOD.inv(*SITE, lon, lat)
    f_lon, f_lat, _ = GEOD.fwd(*SITE, az + 1.0, dist + 6000.0)
    return (when, float(f_lon), float(f_lat), 17000)


def strike_lead() -> list[Waypoint]:
    """The lead strike aircraft: release west of Latakia at 18:40Z (21:40 Moscow time),
    a hold offshore south of the Il-20's racetrack, the close pass by the Il-20 about
    18:59Z, egress west."""
    return [
        (at("18:40"), 35.55, 35.55, 5000),
        (at("18:47"), 35.60, 35.25, 12000),
        (at("18:55"), 35.20, 35.25, 15000),
        masking_waypoint(at("18:59")),
        (at("19:01"), 35.35, 35.45, 17000),
        (at("19:08"), 34.80, 35.35, 20000),
    ]


def wingman(n: int) -> list[Waypoint]:
    dlat = 0.03 * n
    return [
        (at("18:40"), 35.55, 35.55 + dlat, 5000),
        (at("18:43"), 35.45, 35.35 + dlat, 12000),
        (at("18:50"), 34.60, 35.15 + dlat, 20000),
    ]


def interpolate(points: list[Waypoint], when: datetime) -> tuple[float, float, float, float, float]:
    """(lon, lat, alt_ft, speed_kt, course_deg) at `when` on the geodesic legs."""
    for (t0, lon0, lat0, alt0), (t1, lon1, lat1, alt1) in pairwise(points):
        if t0 <= when <= t1:
            az, _, dist = GEOD.inv(lon0, lat0, lon1, lat1)
            span = (t1 - t0).total_seconds()
            frac = (when - t0).total_seconds() / span
            lon, lat, back = GEOD.fwd(lon0, lat0, az, dist * frac)
            course = (back + 180.0) % 360.0
            return lon, lat, alt0 + (alt1 - alt0) * frac, dist / span / KT, course
    raise ValueError(f"{when} outside the track")


AIRCRAFT = {
    ("hmeimim", "il20", "IL-20 RF-93610"): IL20,
    ("iaf", "f16-1", "F-16I lead"): strike_lead(),
    ("iaf", "f16-2", "F-16I 2"): wingman(1),
    ("iaf", "f16-3", "F-16I 3"): wingman(2),
    ("iaf", "f16-4", "F-16I 4"): wingman(3),
}


def main() -> None:
    rows = []
    for (party, unit, callsign), points in AIRCRAFT.items():
        when = points[0][0]
        while when <= points[-1][0]:
            lon, lat, alt, speed, course = interpolate(points, when)
            rows.append(
                (
                    when.strftime("%Y-%m-%dT%H:%M:%SZ"),
                    party,
                    unit,
                    callsign,
                    "air",
                    f"{lon:.5f}",
                    f"{lat:.5f}",
                    f"{alt:.0f}",
                    f"{speed:.0f}",
                    f"{course:.1f}",
                )
            )
            when += STEP
    rows.sort()
    out = Path(__file__).with_name("tracks.csv")
    with out.open("w", newline="") as f:
        w = csv.writer(f)
        w.writerow(
            (
                "time",
                "party",
                "unit",
                "callsign",
                "domain",
                "lon",
                "lat",
                "alt_ft",
                "speed_kt",
                "course_deg",
            )
        )
        w.writerows(rows)
    print(f"{out}: {len(rows)} reports")


if __name__ == "__main__":
    main()
