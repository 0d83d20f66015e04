"""Make `src/interlock/scenarios/eastern-med/traffic.sbs.gz`: a recorded real ADS-B feed,
moved into the demo theatre.

Source: the `traffic` wheel's `samples/collections/switzerland.json.gz` (OpenSky Network
state vectors, 1 Aug 2018, MIT licence: `pip download traffic==2.13 --no-deps`). This takes
the 20 busiest minutes, keeps every aircraft seen at least 10 times in them, moves each
position by the same local east/north offset from the Swiss centre (46.8 N, 8.2 E) to the
demo's (34.6 N, 35.2 E), so distances, tracks and speeds are kept, and writes BaseStation
(SBS, port 30003) lines: MSG,3 (position and altitude) and MSG,4 (ground speed, track,
vertical rate) with the recorded UTC times. The demo replays them looped with their times
moved to now. Usage: python make_eastern_med_traffic.py WHEEL_OR_DIR OUT.sbs.gz
"""

from __future__ import annotations

import gzip
import json
import math
import sys
import zipfile
from collections import Counter
from datetime import UTC, datetime
from pathlib import Path

SOURCE = "traffic/data/samples/collections/switzerland.json.gz"
FROM, TO = (46.8, 8.2), (34.6, 35.2)  # (lat, lon) centres
WINDOW_S, MIN_SAMPLES = 20 * 60, 10


def records(path: Path) -> list[dict]:
    if path.suffix == ".whl":
        with zipfile.ZipFile(path) as z:
            return json.loads(gzip.decompress(z.read(SOURCE)))
    return json.loads(gzip.decompress((path / SOURCE).read_bytes()))


def moved(lat: float, lon: float) -> tuple[float, float]:
    """The same east/north offset (metres, locally) from the new centre."""
    north = math.radians(lat - FROM[0])
    east = math.radians(lon - FROM[1]) * math.cos(math.radians(FROM[0]))
    return (
        TO[0] + math.degrees(north),
        TO[1] + math.degrees(east / math.cos(math.radians(TO[0]))),
    )


def sbs(kind: int, icao: str, t: datetime, **f: object) -> str:
    day, clock = t.strftime("%Y/%m/%d"), t.strftime("%H:%M:%S.%f")[:-3]
    cols = ["MSG", str(kind), "1", "1", icao.upper(), "1", day, clock, day, clock]
    cols += [str(f.get(k, "")) for k in ("cs", "alt", "gs", "trk", "lat", "lon", "vr")]
    return ",".join([*cols, "", "0", "0", "0", "0"])


def main(src: str, out: str) -> None:
    rows = [r for r in records(Path(src)) if r.get("latitude") is not None]
    minutes = Counter(r["timestamp"] // 60_000 for r in rows)
    start = max(minutes, key=lambda m: sum(minutes[m + k] for k in range(20))) * 60_000
    window = [r for r in rows if start <= r["timestamp"] < start + WINDOW_S * 1000]
    seen = Counter(r["icao24"] for r in window)
    keep = sorted(
        (r for r in window if seen[r["icao24"]] >= MIN_SAMPLES),
        key=lambda r: (r["timestamp"], r["icao24"]),
    )
    lines = []
    for r in keep:
        t = datetime.fromtimestamp(r["timestamp"] / 1000, UTC)
        lat, lon = moved(r["latitude"], r["longitude"])
        alt = "" if r.get("altitude") is None else round(r["altitude"])
        lines.append(
            sbs(
                3,
                r["icao24"],
                t,
                cs=r.get("callsign") or "",
                alt=alt,
                lat=f"{lat:.5f}",
                lon=f"{lon:.5f}",
            )
        )
        if r.get("groundspeed") is not None and r.get("track") is not None:
            vr = "" if r.get("vertical_rate") is None else round(r["vertical_rate"])
            lines.append(
                sbs(
                    4,
                    r["icao24"],
                    t,
                    gs=round(r["groundspeed"], 1),
                    trk=round(r["track"], 1),
                    vr=vr,
                )
            )
    with gzip.open(out, "wt", encoding="ascii") as f:
        f.write("\n".join(lines) + "\n")
    print(
        f"{len(keep)} states of {len(set(r['icao24'] for r in keep))} aircraft, "
        f"{len(lines)} lines -> {out}"
    )


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])
