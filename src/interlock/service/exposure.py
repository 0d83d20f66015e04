"""Strategic exposure inside a notice's write transaction (issue 15, items 2-4).

Whichever is filed second — a kinetic notice near a reported hazard, or another party's
air notice inside an envelope kinetic notices already make hot — the same exposure is
found (``detect.exposure.strategic_exposures``) and recorded the same way as a strategic
conflict: a conflict row of kind ``exposure`` (a = the exposed notice, b = the kinetic
one), a ledger entry to both parties and a flash system message to both naming the
hazard, the notices and the window. Amending or cancelling either notice closes it like
any conflict (``StrategicRecorder.close``: by notice id).
"""

from __future__ import annotations

from datetime import datetime

from ..detect.exposure import Exposure, strategic_exposures
from ..detect.hazards import ActivityNotice, Hazard, hot_hazards
from ..detect.strategic import Volume, within_budget
from ..geo.boxes import grow_boxes
from ..geo.distance import far_apart, separation
from ..model import wording
from ..model.agreement import Agreement
from ..model.hazard import hazard_from_stored
from ..model.timeutil import iso, to_ts
from ..store.base import IndexEntry, SceneReads, WriteTx
from ..store.rows import ConflictRow, ExposureMeasures, Measures
from .hotline import post_system_message
from .naming import side_name
from .strategic import StrategicRecorder, store_conflict

# Kinetic notices make hazards hot whatever their band (reach is horizontal only,
# detect.hazards): the look-up for them spans every height a notice may declare.
ALL_HEIGHTS_M = (-1.0e6, 1.0e6)
_TOUCH_M = 1e-3  # far_apart(limit) is ">= limit": 1 mm keeps touching pairs for the exact test


def stored_hazards(tx: WriteTx) -> list[Hazard]:
    """The hazards in force, as detection takes them."""
    return [Hazard(r.id, hazard_from_stored(r.feature)) for r in tx.hazards_in_force()]


class ExposureRecorder:
    """Finds and records the exposures a new notice version makes or walks into."""

    def __init__(self, agreement: Agreement, strategic: StrategicRecorder) -> None:
        self.agreement = agreement
        self.strategic = strategic  # its cache of stored notice volumes

    def find(self, tx: WriteTx, vol: Volume, activity: str | None) -> list[Exposure]:
        """Every exposure of a new air or sea notice version: as the kinetic notice (other
        parties' air notices in the envelopes it makes hot) and as the exposed one (its
        air volume inside envelopes other parties' kinetic notices make hot)."""
        hazards = stored_hazards(tx)
        if not hazards:
            return []
        found = self._as_kinetic(tx, vol, activity, hazards)
        if vol.domain == "air":
            found += self._as_exposed(tx, vol, hazards)
        return found

    def _as_kinetic(
        self, tx: WriteTx, vol: Volume, activity: str | None, hazards: list[Hazard]
    ) -> list[Exposure]:
        rules = self.agreement.hazards
        hot = hot_hazards(hazards, [ActivityNotice(vol, activity)], rules)
        if not hot:
            return []
        rows = {}
        for h in hot:
            band = h.hazard.draft.band
            query = IndexEntry(
                boxes=h.hazard.envelope.base_boxes,
                lower_m=band.lower_m,
                upper_m=band.upper_m,
                start_ts=to_ts(h.start),
                end_ts=to_ts(h.end),
            )
            rows.update({r.id: r for r in tx.candidates(query, vol.party)})
        within_budget(len(rows), self.agreement.rules)
        volumes = [self.strategic.notice_volume(r) for r in rows.values() if r.domain == "air"]
        return strategic_exposures(hot, volumes, rules)

    def _as_exposed(self, tx: WriteTx, vol: Volume, hazards: list[Hazard]) -> list[Exposure]:
        rules = self.agreement.hazards
        found: list[Exposure] = []
        for hz in hazards:
            env = hz.envelope
            if vol.band.gap_m(hz.draft.band) > 0.0 or far_apart(vol.area, env, _TOUCH_M):
                continue
            if separation(vol.area, env).distance_m > 0.0:
                continue
            kinetic = self.kinetic_near(tx, hz, vol.party, vol.start, vol.end)
            found += strategic_exposures(hot_hazards([hz], kinetic, rules), [vol], rules)
        return found

    def kinetic_near(
        self,
        scene: SceneReads,
        hz: Hazard,
        party: str,
        start: datetime,
        end: datetime,
        budget: bool = True,
    ) -> list[ActivityNotice]:
        """Other parties' kinetic notices that could make `hz` hot over [start, end): within
        reach of its envelope, at any height, from start less the reaction tail. Held to
        the agreement's per-request budget unless `budget` is False (advice, which gives
        up a search over it instead)."""
        rules = self.agreement.hazards
        query = IndexEntry(
            boxes=grow_boxes(hz.envelope.base_boxes, rules.reach_km * 1000.0),
            lower_m=ALL_HEIGHTS_M[0],
            upper_m=ALL_HEIGHTS_M[1],
            start_ts=to_ts(start - rules.reaction_tail),
            end_ts=to_ts(end),
        )
        rows = scene.candidates(query, party)
        if budget:
            within_budget(len(rows), self.agreement.rules)
        return [
            ActivityNotice(self.strategic.notice_volume(r), a)
            for r in rows
            if rules.is_kinetic(a := r.feature["properties"].get("activity"))
        ]

    def record(self, tx: WriteTx, exposures: list[Exposure], now: datetime) -> list[ConflictRow]:
        """Store, chain and announce each exposure; their conflict records as returned."""
        return [store_conflict(tx, exposure_record(e), now, self._announce) for e in exposures]

    def _announce(self, tx: WriteTx, c: ConflictRow, now: datetime) -> None:
        """A flash system message to both parties naming the hazard, notices and window."""
        m, e = c.measures, c.exposure
        assert m is not None and e is not None, "an exposure has measures"
        stored = tx.get_hazard(e.hazard)
        name = str(stored.feature["properties"].get("name", "")) if stored else ""
        hazard = f"hazard {name!r} ({e.hazard})" if name else f"hazard {e.hazard}"
        exposed = side_name(tx, self.agreement, "notice", c.a_id, c.a_version, c.a_party)
        kinetic = side_name(tx, self.agreement, "notice", c.b_id, c.b_version, c.b_party)
        post_system_message(
            tx,
            self.agreement,
            now,
            to=c.parties,
            priority=self.agreement.hotline.system_priority["exposure"],
            subject=f"EXPOSURE conflict #{c.id}: {exposed} inside {hazard}, hot by {kinetic}",
            text=(
                f"the declared volume of {exposed} lies inside the envelope of "
                f"{hazard}, which {kinetic} makes hot, "
                f"{wording.window(m.window_start, m.window_end, now)} UTC; deepest point "
                f"{wording.position(m.worst_lat, m.worst_lon)}, "
                f"{wording.nm(e.depth_m)} NM inside: "
                f"{e.time_to_exit_s / 60:.1f} min to leave, warning required "
                f"{e.required_warning_s / 60:.1f} min"
            ),
            refs=[
                ("conflict", str(c.id)),
                ("notice", c.a_id),
                ("notice", c.b_id),
            ],
        )


def exposure_record(e: Exposure) -> ConflictRow:
    """The stored and returned form: a strategic conflict's fields (the volumes meet: no
    distance, no gap, no minima) plus ``kind``, ``hazard`` and the warning it needs."""
    return ConflictRow(
        a_kind=e.exposed.kind,
        a_id=e.exposed.id,
        a_version=e.exposed.version,
        b_kind=e.kinetic.kind,
        b_id=e.kinetic.id,
        b_version=e.kinetic.version,
        a_party=e.exposed_party,
        b_party=e.kinetic_party,
        severity=e.severity,
        parties=tuple(sorted({e.exposed_party, e.kinetic_party})),
        measures=Measures(
            window_start=iso(e.window_start),
            window_end=iso(e.window_end),
            time_gap_s=0.0,
            horizontal_distance_m=0.0,
            horizontal_minimum_m=0.0,
            vertical_gap_m=0.0,
            vertical_minimum_m=0.0,
            worst_lon=e.worst_lon,
            worst_lat=e.worst_lat,
        ),
        exposure=ExposureMeasures(
            hazard=e.hazard_id,
            depth_m=e.depth_m,
            time_to_exit_s=e.time_to_exit_s,
            required_warning_s=e.required_warning_s,
        ),
    )
