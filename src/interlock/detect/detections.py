"""From a tactical scan to the alert book's detections (``model.alerts.Detection``).

The adapter lives beside the detector whose results it reads, so the alert book (model)
never imports detection code.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

from ..geo.units import M_PER_FT
from ..model.agreement import TacticalMinima
from ..model.alerts import Detection
from .tactical import AIR, DeclaredVolume, Encounters, Kinematics, TrackStates, scan_frame


def detections_from_scan(
    states: TrackStates,
    k: Kinematics,
    encounters: Encounters,
    air: TacticalMinima,
    sea: TacticalMinima,
    entry_hits: Sequence[tuple[int, int, float]] = (),
    volumes: Sequence[DeclaredVolume] = (),
    sources: Sequence[tuple[str, ...]] = (),
) -> list[Detection]:
    """`Detection`s from one tactical scan: ``scan(k)`` pairs and ``entries(...)`` hits.

    The scan time is ``k.t0``; pass the same time as ``now`` to `AlertBook.update`. A
    volume's ``ref`` is its notice id. ``air`` / ``sea``: the minima the scan applied
    (the agreement's), reported with each detection for its severity. The place of a CPA
    is the midpoint of the two tracks at TCPA; of an entry, the track's position at the
    entry time. ``sources``: per track (as ``states``), the parties whose reports it
    rests on (``Picture.arrays``); empty: not known.
    """
    sx, sy = scan_frame(k.frame)

    def place(x: float, y: float) -> tuple[float, float]:
        lon, lat = k.frame.inverse(x / sx, y / sy)
        return float(lon), float(lat)

    def owner(t: int) -> str | None:
        c = int(states.owner[t])
        return None if c < 0 else states.owners[c]

    def by(*ts: int) -> tuple[tuple[str, ...], ...]:
        return tuple(tuple(sources[t]) for t in ts) if len(sources) else ()

    def fin(v: float) -> float | None:
        return float(v) if math.isfinite(v) else None

    out: list[Detection] = []
    for n in range(len(encounters)):
        i, j = int(encounters.i[n]), int(encounters.j[n])
        t = float(encounters.tcpa_s[n])
        is_air = int(k.domain[i]) == AIR
        m = air if is_air else sea
        lon, lat = place(
            (k.x[i] + k.x[j] + (k.vx[i] + k.vx[j]) * t) / 2,
            (k.y[i] + k.y[j] + (k.vy[i] + k.vy[j]) * t) / 2,
        )
        dz = fin(float(encounters.dz_cpa_m[n]))
        out.append(
            Detection(
                kind="cpa",
                track_ids=(str(states.ids[i]), str(states.ids[j])),
                domain="air" if is_air else "sea",
                owners=(owner(i), owner(j)),
                tcpa_s=t,
                cpa_m=float(encounters.dcpa_m[n]),
                dz_cpa_ft=None if dz is None else dz / M_PER_FT,
                los_s=float(encounters.t_in_s[n]),
                lon=lon,
                lat=lat,
                h_min_m=m.horizontal_m,
                v_min_ft=fin(m.vertical_m / M_PER_FT),
                reporters=by(i, j),
            )
        )
    for t_idx, v_idx, e in entry_hits:
        vol = volumes[v_idx]
        is_air = int(k.domain[t_idx]) == AIR
        lon, lat = place(k.x[t_idx] + k.vx[t_idx] * e, k.y[t_idx] + k.vy[t_idx] * e)
        out.append(
            Detection(
                kind="entry",
                track_ids=(str(states.ids[t_idx]),),
                domain="air" if is_air else "sea",
                owners=(owner(t_idx),),
                notice_id=vol.ref,
                notice_party=vol.party,
                entry_s=float(e),
                lon=lon,
                lat=lat,
                reporters=by(t_idx),
            )
        )
    return out
