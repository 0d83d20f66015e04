"""What would clear a conflict: pure functions over one conflict (one receiver, one slice).

- ``max_eirp_dbm``: the largest EIRP of one emitter that keeps the aggregate at or below the
  receiver's threshold, the others unchanged (interference is linear in EIRP).
- ``frequency_offsets``: the nearest centre-frequency shift of one emitter, up and down, that
  clears, with its path loss and FDR recomputed at each trial frequency.
- ``move_list``: the fewest emitters to reschedule or reduce, the WInnForum way (the SAS DPA
  move list of WINNF-TS-0112 and the WInnForum SAS reference models: sort by interference,
  keep the largest quiet prefix, move the rest).

Levels in dBm, offsets in MHz. Aggregates are the conflict's contributors summed in linear
power (the detector's non-negligible set: within 1e-8 of the threshold of the uncut sum).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, replace
from dataclasses import replace as dc_replace

import numpy as np

from interlock.spectrum.interference import (
    OOB_REACH_BN,
    Conflict,
    DetectConfig,
    Emission,
    Emitters,
    ProtectedReceiver,
    Receivers,
    pair_levels_dbm,
)
from interlock.spectrum.reference import pair_level_dbm

BISECT_REL = 1e-7


def _lin(dbm: float) -> float:
    return 10.0 ** (dbm / 10.0)


def _own_and_others(conflict: Conflict, emitter_id: str) -> tuple[float, float]:
    """(this emitter's linear level, the others' linear sum) in the conflict's slice."""
    own = [c.i_dbm for c in conflict.contributors if c.emitter_id == emitter_id]
    if not own:
        raise KeyError(f"{emitter_id} does not contribute to this conflict")
    others = math.fsum(_lin(c.i_dbm) for c in conflict.contributors if c.emitter_id != emitter_id)
    return math.fsum(_lin(x) for x in own), others


def room_mw(conflict: Conflict, emitter_id: str) -> float:
    """How much power (mW, linear) `emitter_id` may put into the receiver, the others
    unchanged: threshold - others (<= 0: the others alone exceed it)."""
    _, others = _own_and_others(conflict, emitter_id)
    return _lin(conflict.threshold_dbm) - others


def max_eirp_dbm(conflict: Conflict, emitter_id: str, eirp_dbm: float) -> float | None:
    """The largest EIRP (dBm) of `emitter_id`, now at `eirp_dbm`, that brings the aggregate
    I/N to the criterion (I scales with EIRP: agreement's linear model). None: no EIRP
    clears, the others alone exceed the criterion."""
    own, _ = _own_and_others(conflict, emitter_id)
    room = room_mw(conflict, emitter_id)
    if room <= 0.0:
        return None
    return eirp_dbm + 10.0 * math.log10(room / own)


@dataclass(frozen=True, slots=True)
class FrequencyAdvice:
    """Nearest clearing shifts of the emitter's centre frequency (MHz; None: none clears)."""

    up_mhz: float | None
    down_mhz: float | None  # a negative shift

    @property
    def nearest_mhz(self) -> float | None:
        """The smaller of the two shifts in magnitude (signed)."""
        cands = [x for x in (self.up_mhz, self.down_mhz) if x is not None]
        return min(cands, key=abs) if cands else None


def frequency_offsets(
    conflict: Conflict,
    emitter: Emission,
    receiver: ProtectedReceiver,
    config: DetectConfig | None = None,
    steps: int = 4000,
) -> FrequencyAdvice:
    """The nearest shift up and down of `emitter`'s centre frequency that clears the
    conflict, the others unchanged. Each direction is scanned in `steps` steps out to full
    decoupling (receiver band beyond the emission's out-of-band domain, where it clears if
    anything does), then the first clearing step is refined by bisection; the level is
    recomputed at each trial frequency (path loss and FDR), so the answer is verified.
    A clearing window narrower than one step could be missed (the mask makes the level
    non-increasing with offset except through the path loss's slow frequency dependence)."""
    cfg = config or DetectConfig()
    room = room_mw(conflict, emitter.id)
    if room <= 0.0:
        return FrequencyAdvice(None, None)

    def clears(shift: float) -> bool:
        f = emitter.freq_mhz + shift
        if f - emitter.bw_mhz / 2.0 <= 0.0:
            return False
        lvl, _ = pair_level_dbm(replace(emitter, freq_mhz=f), receiver, cfg)
        return lvl == -math.inf or _lin(lvl) <= room

    if clears(0.0):
        return FrequencyAdvice(0.0, 0.0)
    reach = abs(emitter.freq_mhz - receiver.freq_mhz) + receiver.bw_mhz / 2.0
    reach += OOB_REACH_BN * emitter.bw_mhz
    reach *= 1.0 + 1e-9

    # The scan: every trial shift of both directions in one vectorised evaluation.
    xs = reach * np.arange(1, steps + 1) / steps
    freqs = emitter.freq_mhz + np.concatenate([xs, -xs])
    valid = freqs - emitter.bw_mhz / 2.0 > 0.0
    n = len(freqs)
    copies = Emitters.from_items([emitter]).take(np.zeros(n, dtype=np.intp))
    copies = dc_replace(copies, freq_mhz=np.where(valid, freqs, emitter.freq_mhz))
    levels, _ = pair_levels_dbm(
        copies, Receivers.from_items([receiver]), np.arange(n), np.zeros(n, np.intp), cfg
    )
    quiet = valid & (10.0 ** (levels / 10.0) <= room)  # -inf (no coupling) -> 0 mW

    def search(sign: float) -> float | None:
        part = quiet[:steps] if sign > 0 else quiet[steps:]
        hits = np.flatnonzero(part)
        if len(hits) == 0:
            return None
        k = int(hits[0])
        lo, hi = (float(xs[k - 1]) if k else 0.0), float(xs[k])
        if not clears(sign * hi):  # the scalar check disagrees at the edge: step on
            return None if k + 1 >= steps else sign * float(xs[k + 1])
        while hi - lo > BISECT_REL * hi:  # to 1e-7 of the shift: finer than any band edge
            mid = 0.5 * (lo + hi)
            if mid in (lo, hi):
                break
            lo, hi = (lo, mid) if clears(sign * mid) else (mid, hi)
        return sign * hi

    return FrequencyAdvice(search(1.0), search(-1.0))


def move_list(conflict: Conflict) -> tuple[str, ...]:
    """The fewest contributors whose removal brings the aggregate to the threshold, largest
    first (WInnForum DPA move list: sort ascending, keep the longest prefix whose cumulative
    interference stays within the threshold, move the rest). Removing the k largest is the
    smallest clearing set: any k others leave at least as much."""
    thr = _lin(conflict.threshold_dbm)
    asc = sorted(conflict.contributors, key=lambda c: (c.i_dbm, c.emitter_id))
    kept: list[float] = []
    for c in asc:
        if math.fsum([*kept, _lin(c.i_dbm)]) > thr:
            break
        kept.append(_lin(c.i_dbm))
    return tuple(c.emitter_id for c in reversed(asc[len(kept) :]))
