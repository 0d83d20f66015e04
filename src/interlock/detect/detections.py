"""From a tactical scan (and the hazard checks of the same tick) to the alert book's
detections (``model.alerts.Detection``).

The adapter lives beside the detector whose results it reads, so the alert book (model)
never imports detection code.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

from ..geo.units import M_PER_FT
from ..model.agreement import TacticalMinima
from ..model.alerts import Detection
from .conformance import Outside
from .exposure import HotSet, TrackExposures
from .hazards import ActivityNotice
from .masking import MaskingPairs, angle_between
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


# --- hazard alerts (issue 15): exposure, nonconformance, masking ------------------------


def _owner_of(states: TrackStates, t: int) -> str | None:
    c = int(states.owner[t])
    return None if c < 0 else states.owners[c]


def _by(sources: Sequence[tuple[str, ...]], *ts: int) -> tuple[tuple[str, ...], ...]:
    return tuple(tuple(sources[t]) for t in ts) if len(sources) else ()


def _finite(v: float) -> float | None:
    return float(v) if math.isfinite(v) else None


def detections_from_exposures(
    states: TrackStates,
    hs: HotSet,
    found: TrackExposures,
    sources: Sequence[tuple[str, ...]] = (),
) -> list[Detection]:
    """Exposure `Detection`s: one per (track, hot entry) of ``tactical_exposures``; the
    place is the track's position, the time to exit at its ground speed (None: still)."""
    out: list[Detection] = []
    for n in range(len(found)):
        t, e = int(found.track[n]), int(found.hot[n])
        hot = hs.hot[e]
        out.append(
            Detection(
                kind="exposure",
                track_ids=(str(states.ids[t]),),
                domain="air",
                owners=(_owner_of(states, t),),
                notice_id=hot.notice.id,
                notice_party=hot.party,
                lon=float(states.lon[t]),
                lat=float(states.lat[t]),
                reporters=_by(sources, t),
                hazard_id=hot.hazard.id,
                hot_from=hot.start,
                hot_to=hot.end,
                depth_m=float(found.depth_m[n]),
                exit_s=_finite(float(found.time_to_exit_s[n])),
            )
        )
    return out


def detections_from_outside(
    states: TrackStates,
    outside: Outside,
    notices: Sequence[ActivityNotice],
    outside_s: Sequence[float | None],
    everyone: tuple[str, ...],
    sources: Sequence[tuple[str, ...]] = (),
) -> list[Detection]:
    """Nonconformance `Detection`s for the rows of ``conformance``'s result the caller
    judged nonconforming (``outside_s``: per row, how long outside; None rows skipped),
    told to ``everyone``."""
    out: list[Detection] = []
    for n in range(len(outside)):
        secs = outside_s[n]
        if secs is None:
            continue
        t = int(outside.track[n])
        near, kin = int(outside.nearest[n]), int(outside.kinetic[n])
        out.append(
            Detection(
                kind="nonconformance",
                track_ids=(str(states.ids[t]),),
                domain="air",
                owners=(_owner_of(states, t),),
                notice_id=None if near < 0 else notices[near].volume.ref.id,
                lon=float(states.lon[t]),
                lat=float(states.lat[t]),
                reporters=_by(sources, t),
                outside_s=float(secs),
                distance_m=_finite(float(outside.distance_m[n])),
                vertical_gap_m=None if near < 0 else float(outside.vertical_gap_m[n]),
                kinetic_notice_id=None if kin < 0 else notices[kin].volume.ref.id,
                told=everyone,
            )
        )
    return out


def detections_from_masking(
    states: TrackStates,
    hs: HotSet,
    pairs: MaskingPairs,
    sources: Sequence[tuple[str, ...]] = (),
) -> list[Detection]:
    """Masking `Detection`s: (kinetic track, other track) per triple of ``masking``; the
    place is the other (exposed) aircraft."""
    out: list[Detection] = []
    for n in range(len(pairs)):
        k, o, e = int(pairs.kinetic[n]), int(pairs.other[n]), int(pairs.hot[n])
        hot = hs.hot[e]
        out.append(
            Detection(
                kind="masking",
                track_ids=(str(states.ids[k]), str(states.ids[o])),
                domain="air",
                owners=(_owner_of(states, k), _owner_of(states, o)),
                notice_id=hot.notice.id,
                notice_party=hot.party,
                lon=float(states.lon[o]),
                lat=float(states.lat[o]),
                reporters=_by(sources, k, o),
                hazard_id=hot.hazard.id,
                hot_from=hot.start,
                hot_to=hot.end,
                distance_m=float(pairs.distance_m[n]),
                bearing_diff_deg=float(
                    angle_between(pairs.bearing_kinetic_deg[n], pairs.bearing_other_deg[n])
                ),
            )
        )
    return out
