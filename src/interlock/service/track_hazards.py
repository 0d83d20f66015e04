"""The hazard checks of the tactical tick (issue 15, items 3, 5, 6 for live tracks).

Each tick, over the picture's track states (``tracks._states``):

- **exposure**: another party's aircraft inside a hazard's envelope made hot by a kinetic
  notice (``detect.hazards.hot_hazards`` over the stored hazards and the kinetic notices
  not cancelled, ``detect.exposure.tactical_exposures``);
- **masking**: a kinetic party's aircraft beside an exposed one (``detect.masking``);
- **nonconformance**: a party's own aircraft outside all its active notices
  (``detect.conformance``) for longer than the agreement's ``conformance_grace_s``. The
  core gives the instantaneous set; how long each track has been outside is kept here.
  Once an alert is raised for a track, it is detected again on every tick the track is
  outside, without a new grace (the alert book's hysteresis then clears it only after the
  track has been back inside for its clearing time).

The hot list is rebuilt only when the hazards in force or the kinetic notices change;
stored hazards and notice versions never change, so their parsed forms are cached.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from typing import Any

from ..detect.conformance import conformance
from ..detect.detections import (
    detections_from_exposures,
    detections_from_masking,
    detections_from_outside,
)
from ..detect.exposure import HotSet, prepare, tactical_exposures
from ..detect.hazards import ActivityNotice, Hazard, hot_hazards
from ..detect.masking import masking
from ..detect.strategic import Volume
from ..detect.tactical import AIR, TrackStates
from ..model.agreement import Agreement
from ..model.alerts import Detection, Key
from ..model.hazard import hazard_from_stored
from ..model.timeutil import to_ts
from ..store.base import NoticeRow, Store
from ..store.rows import HazardRow
from .strategic import stored_volume

CACHE_SIZE = 50_000  # parsed hazards and notice versions kept (each is immutable once stored)
MAX_KINETIC = 10_000  # notices read per tick for the hot list (as tracks.MAX_VOLUMES)


def activity_of(row: NoticeRow) -> str | None:
    """A stored notice's ``activity`` (None: not given)."""
    value = row.feature["properties"].get("activity")
    return value if isinstance(value, str) else None


class HazardChecks:
    """Exposure, masking and nonconformance detections for one tick; keeps the per-track
    time outside and the prepared hot list between ticks."""

    def __init__(self, agreement: Agreement, store: Store) -> None:
        self.rules = agreement.hazards
        self.everyone = agreement.party_ids
        self.store = store
        self._hazards: dict[str, Hazard] = {}
        self._notices: dict[tuple[str, int], Volume] = {}
        self._hot_key: tuple[Any, ...] | None = None
        self._hot: HotSet | None = None
        self._outside_since: dict[str, datetime] = {}

    # ---- the tick ---------------------------------------------------------------------
    def detections(
        self,
        states: TrackStates,
        sources: Sequence[tuple[str, ...]],
        now: datetime,
        rows: Sequence[NoticeRow],
        following: Callable[[Key], bool],
    ) -> list[Detection]:
        """This tick's hazard detections. ``rows``: the notices the tactical scan read
        (every one active now among them); ``following``: whether the alert book has an
        alert of a key raised (a nonconforming track stays so without a new grace)."""
        out: list[Detection] = []
        aircraft = states.domain == AIR
        hs = self.hot_set(now)
        if hs is not None and aircraft.any():
            found = tactical_exposures(states, now, hs, self.rules)
            out += detections_from_exposures(states, hs, found, sources)
            if len(found):
                pairs = masking(states, hs, found, self.rules)
                out += detections_from_masking(states, hs, pairs, sources)
        owned = aircraft & (states.owner >= 0)
        if not owned.any():
            self._outside_since.clear()
            return out
        notices = [self._activity_notice(r) for r in rows if _volume_row(r)]
        outside = conformance(states, now, notices, self.rules)
        ids = [str(states.ids[t]) for t in outside.track.tolist()]
        since = {tid: self._outside_since.get(tid, now) for tid in ids}
        self._outside_since = since
        grace = self.rules.conformance_grace_s
        secs: list[float | None] = []
        for tid in ids:
            s = (now - since[tid]).total_seconds()
            due = s > grace or following(("nonconformance", tid, ""))
            secs.append(s if due else None)
        out += detections_from_outside(states, outside, notices, secs, self.everyone, sources)
        return out

    # ---- the hot list -------------------------------------------------------------------
    def outside(self) -> dict[str, float]:
        """Since when each owned aircraft has been off its notices (epoch seconds): what a
        new owner of a shared picture carries on (service.picture_share)."""
        return {tid: t.timestamp() for tid, t in self._outside_since.items()}

    def restore_outside(self, since: dict[str, float]) -> None:
        self._outside_since = {tid: datetime.fromtimestamp(t, UTC) for tid, t in since.items()}

    def hot_set(self, now: datetime) -> HotSet | None:
        """The hazards hot at some time (prepared), or None when there are none; rebuilt
        when the hazards in force or the kinetic notices change."""
        records = self.store.list_hazards()
        if not records:
            self._hot_key, self._hot = None, None
            return None
        ts = to_ts(now)
        tail = self.rules.reaction_tail.total_seconds()
        rows = self.store.list_notices(start_ts=ts - tail, end_ts=ts, limit=MAX_KINETIC)
        kinetic = [r for r in rows if _volume_row(r) and self.rules.is_kinetic(activity_of(r))]
        key = (
            tuple(r.id for r in records),
            tuple((r.id, r.version) for r in kinetic),
        )
        if key != self._hot_key:
            hazards = [self._hazard(r) for r in records]
            notices = [self._activity_notice(r) for r in kinetic]
            hot = hot_hazards(hazards, notices, self.rules)
            self._hot_key, self._hot = key, (prepare(hot) if hot else None)
        return self._hot

    def hazard(self, hazard_id: str) -> Hazard | None:
        """A hazard of the hot list (for naming it in messages)."""
        return self._hazards.get(hazard_id)

    def _hazard(self, record: HazardRow) -> Hazard:
        h = self._hazards.get(record.id)
        if h is None:
            h = Hazard(record.id, hazard_from_stored(record.feature))
            _bounded(self._hazards)
            self._hazards[record.id] = h
        return h

    def _activity_notice(self, row: NoticeRow) -> ActivityNotice:
        key = (row.id, row.version)
        vol = self._notices.get(key)
        if vol is None:
            vol = stored_volume(row)
            _bounded(self._notices)
            self._notices[key] = vol
        return ActivityNotice(vol, activity_of(row))


def _volume_row(row: NoticeRow) -> bool:
    """A notice that declares a volume (air or sea) and is not cancelled."""
    return row.cancelled_at is None and row.domain in ("air", "sea")


def _bounded(cache: dict[Any, Any]) -> None:
    if len(cache) >= CACHE_SIZE:
        cache.clear()  # rare: a deployment's whole history parsed; the live ones come back
