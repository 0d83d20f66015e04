"""Advice for a party's notice in conflict: the smallest changes that clear it of all.

The use case behind ``GET /conflicts/{id}/advice``, ``GET /notices/{id}/advice`` and
``POST /notices/{id}/advice/{k}/apply``. It reads the scene (``Store.scene()``: no write
lock) for everything the notice could meet once changed within the agreement's
``[advice]`` bounds, states each as an ``Obstacle`` (``detect.strategic.keep_clear_of``,
``detect.exposure.hot_obstacle`` / ``kinetic_obstacle``), runs ``detect.advice.advise``
and words each piece as the watch officer reads it (``model.wording``).

Applying advice is an ordinary amendment (``NoticeService``: a new version, signed where
the agreement requires, detected afresh under the write lock): advice computed outside
the lock can be overtaken, and the amendment's own detection is the word that counts.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any

from ..detect.advice import KINDS, Advice, AdviceKind, AdviceSet, Subject, Unavailable, advise
from ..detect.exposure import hot_obstacle, kinetic_obstacle
from ..detect.hazards import Hazard, hot_hazards
from ..detect.keepclear import Obstacle
from ..detect.strategic import keep_clear_of, within_budget
from ..errors import Forbidden, NotFound, StateConflict
from ..geo.distance import far_apart
from ..model import wording
from ..model.agreement import Agreement
from ..model.conflict import Ref
from ..model.hazard import hazard_from_stored
from ..model.notice import parse_notice
from ..model.timeutil import iso, to_ts
from ..model.visibility import visible_properties
from ..store.base import IndexEntry, NoticeRow, SceneReads, Store
from .clock import Clock
from .exposure import ALL_HEIGHTS_M
from .naming import asset_name, notice_label
from .notices import NoticeService, WriteOp
from .strategic import StrategicRecorder, asset_volume, index_entry


@dataclass(frozen=True)
class Advised:
    """A notice's advice as computed, with the stored version it is for."""

    row: NoticeRow
    found: AdviceSet


class AdviceService:
    """Advice for the viewer's own notices (a party changes only its own)."""

    def __init__(
        self,
        store: Store,
        agreement: Agreement,
        clock: Clock,
        strategic: StrategicRecorder,
        notices: NoticeService,
    ) -> None:
        self.store = store
        self.agreement = agreement
        self.clock = clock
        self.strategic = strategic
        self.notices = notices

    # ---- views -------------------------------------------------------------------------
    def for_conflict(self, viewer: str, conflict_id: int) -> dict[str, Any]:
        """Advice for the viewer's notice in a conflict (409 where it has none)."""
        c = self.store.get_conflict(conflict_id)
        if c is None or viewer not in c.parties:
            raise NotFound(f"no conflict #{conflict_id} of yours")
        if c.kind == "interference":
            raise StateConflict(
                f"conflict #{conflict_id} is interference: the electromagnetic arena's advice "
                "(EIRP, frequency, move list) is with the spectrum conflicts"
            )
        if c.closed_at is not None:
            raise StateConflict(f"conflict #{conflict_id} is closed ({c.closed_reason})")
        mine = [
            i
            for k, i, p in ((c.a_kind, c.a_id, c.a_party), (c.b_kind, c.b_id, c.b_party))
            if k == "notice" and p == viewer
        ]
        if not mine:
            raise StateConflict(
                f"conflict #{conflict_id}: your side is a protected asset; advice changes a "
                "notice, and the notice is the other party's"
            )
        out = self.for_notice(viewer, mine[0])
        return {"conflict": conflict_id, **out}

    def for_notice(self, viewer: str, notice_id: str) -> dict[str, Any]:
        advised = self.advise(viewer, notice_id)
        return self._view(viewer, advised)

    def advise(
        self, viewer: str, notice_id: str, kinds: Sequence[AdviceKind] | None = None
    ) -> Advised:
        """Advice for the viewer's own notice in force (not cancelled, not ended)."""
        row = self.store.get_notice(notice_id)
        if row is None:
            raise NotFound(f"no notice {notice_id!r}")
        if row.party != viewer:
            raise Forbidden(f"notice {notice_id} belongs to {row.party}; advice is its party's")
        if row.cancelled_at is not None:
            raise StateConflict(f"notice {notice_id} was cancelled")
        if row.domain == "emission":
            raise StateConflict(
                f"notice {notice_id} is an emission: the electromagnetic arena's advice "
                "is with the spectrum conflicts"
            )
        if self.notices.status(row) == "ended":
            raise StateConflict(f"notice {notice_id} has ended")
        draft = parse_notice(row.feature, self.agreement.rules.shape)
        now = self.clock()
        rules = self.agreement.rules
        subject = Subject(
            draft,
            Ref("notice", row.id, row.version),
            row.party,
            earliest_start=now + rules.min_lead_time,
            latest_end=now + rules.planning_horizon,
        )
        with self.store.scene() as scene:
            obstacles, skipped = self._obstacles(scene, subject)
        gone = {u.kind for u in skipped}
        wanted = [k for k in (kinds or KINDS) if k not in gone]
        found = advise(subject, obstacles, self.agreement.advice, wanted)
        if found.met and skipped:
            order = {k: i for i, k in enumerate(KINDS)}
            every = sorted([*found.unavailable, *skipped], key=lambda u: order[u.kind])
            found = replace(found, unavailable=tuple(every))
        return Advised(row, found)

    # ---- applying ------------------------------------------------------------------------
    def apply_op(self, viewer: str, notice_id: str, k: str, body: Any) -> tuple[WriteOp, Advice]:
        """The amendment that applies advice `k` (a kind name or an index into the list):
        the advised feature itself (unsigned), or the party's signed envelope of it."""
        advised = self.advise(viewer, notice_id)
        piece = _pick(advised.found, k)
        feature = piece.draft.to_feature()
        signed = isinstance(body, dict) and "signature" in body
        op = WriteOp(
            "amend",
            viewer,
            notice_id,
            body if signed else feature,
            expect_version=advised.row.version,
            expect_draft=piece.draft,
        )
        return op, piece

    def summary(self, piece: Advice) -> str:
        return _summary(piece, self.clock())

    # ---- the scene -------------------------------------------------------------------------
    def _obstacles(
        self, scene: SceneReads, subject: Subject
    ) -> tuple[list[Obstacle], list[Unavailable]]:
        """Everything the subject could meet once changed within [advice]'s bounds, and
        the searches given up because their look-up met more than the agreement's
        per-request budget (``[rules] max_candidates``): the rest still run."""
        d = subject.draft
        assert d.band is not None
        rules, bounds = self.agreement.rules, self.agreement.advice
        big = rules.largest_minima
        buffer_s = rules.time_buffer.total_seconds()
        shift = bounds.max_time_shift
        h, v = big.horizontal_m, big.vertical_m
        level = index_entry(d.area, d.band, d.start, d.end, h, 0.0, buffer_s)
        looks: list[tuple[tuple[AdviceKind, ...], str, IndexEntry]] = [
            # what it meets where it is (narrow and shrink search only these)
            ((), "", index_entry(d.area, d.band, d.start, d.end, h, v, buffer_s)),
            # time: the area and band, the window grown by the longest shift
            (
                (AdviceKind.DELAY, AdviceKind.ADVANCE),
                f"within {bounds.max_time_shift_h:g} h",
                index_entry(d.area, d.band, d.start - shift, d.end + shift, h, v, buffer_s),
            ),
            # level: the area and window, every height
            (
                (AdviceKind.LEVEL_UP, AdviceKind.LEVEL_DOWN),
                "at any height",
                IndexEntry(level.boxes, *ALL_HEIGHTS_M, level.start_ts, level.end_ts),
            ),
            # place: the window and band, the area grown by the farthest offset
            (
                (AdviceKind.OFFSET,),
                f"within {bounds.max_offset_nm:g} NM",
                index_entry(d.area, d.band, d.start, d.end, bounds.max_offset_m + h, v, buffer_s),
            ),
        ]
        rows: dict[str, NoticeRow] = {}
        assets: dict[str, Any] = {}
        skipped: list[Unavailable] = []
        for kinds, where, q in looks:
            found = scene.candidates(q, subject.party)
            standing = scene.asset_candidates(q, subject.party)
            n = len(found) + len(standing)
            if not kinds:
                within_budget(n, rules)  # as filing it would be
            elif n > rules.max_candidates:
                why = (
                    f"{n:,} other notices and assets {where}: more than the agreement "
                    f"searches in one request ({rules.max_candidates:,}, rules.max_candidates)"
                )
                skipped += [Unavailable(k, why) for k in kinds]
                continue
            rows.update((r.id, r) for r in found)
            assets.update((a.id, a) for a in standing)
        volumes = [self.strategic.notice_volume(r) for r in rows.values() if r.domain != "emission"]
        volumes += [asset_volume(a) for a in assets.values()]
        out = [keep_clear_of(d.domain, vol, rules) for vol in volumes]
        out += self._hazard_obstacles(scene, subject)
        return out, skipped

    def _hazard_obstacles(self, scene: SceneReads, subject: Subject) -> list[Obstacle]:
        """Hazards other parties' kinetic notices make hot (an air subject may be exposed),
        and, for a kinetic subject, other parties' air notices in hazards it would make hot."""
        d = subject.draft
        hz_rules, bounds = self.agreement.hazards, self.agreement.advice
        hazards = [Hazard(r.id, hazard_from_stored(r.feature)) for r in scene.hazards_in_force()]
        if not hazards:
            return []
        reach_m = hz_rules.reach_km * 1000.0
        shift = bounds.max_time_shift
        first, last = d.start - shift, d.end + shift
        kinetic = hz_rules.is_kinetic(d.activity)
        out: list[Obstacle] = []
        for hz in hazards:
            env = hz.envelope
            if d.domain == "air" and not far_apart(d.area, env, bounds.max_offset_m + 1.0):
                out += self._hot_over(scene, subject, hz, first, last)
            if kinetic and not far_apart(d.area, env, bounds.max_offset_m + reach_m + 1.0):
                out += self._exposed_in(scene, subject, hz, first, last + hz_rules.reaction_tail)
        return out

    def _hot_over(
        self, scene: SceneReads, subject: Subject, hz: Hazard, first: datetime, last: datetime
    ) -> list[Obstacle]:
        """The hot windows other parties' kinetic notices give `hz` over [first, last)."""
        rules = self.agreement.hazards
        kinetic = self.notices.exposure.kinetic_near(
            scene, hz, subject.party, first, last, budget=False
        )
        return [hot_obstacle(h) for h in hot_hazards([hz], kinetic, rules)]

    def _exposed_in(
        self, scene: SceneReads, subject: Subject, hz: Hazard, first: datetime, last: datetime
    ) -> list[Obstacle]:
        band = hz.draft.band
        query = IndexEntry(
            boxes=hz.envelope.base_boxes,
            lower_m=band.lower_m,
            upper_m=band.upper_m,
            start_ts=to_ts(first),
            end_ts=to_ts(last),
        )
        out = []
        for r in scene.candidates(query, subject.party):
            if r.domain != "air":
                continue
            o = kinetic_obstacle(
                hz, self.strategic.notice_volume(r), subject.party, self.agreement.hazards
            )
            if o is not None:
                out.append(o)
        return out

    # ---- words -----------------------------------------------------------------------------
    def _view(self, viewer: str, advised: Advised) -> dict[str, Any]:
        row, found = advised.row, advised.found
        now = self.clock()
        open_ids = [c.id for c in self.store.list_conflicts(party=viewer, notice_id=row.id)]
        return {
            "notice": {
                "id": row.id,
                "version": row.version,
                "party": row.party,
                "name": notice_label(row.feature["properties"], row.id),
            },
            "clears": open_ids,
            "meets": [self._met(viewer, o) for o in found.met],
            "advice": [
                {
                    "k": p.kind.value,
                    "kind": p.kind.value,
                    "summary": _summary(p, now),
                    "change": p.change,
                    "late": p.late,
                    "feature": p.draft.to_feature(),
                }
                for p in found.advice
            ],
            "unavailable": [
                {"kind": u.kind.value, "why": self._why(viewer, u)} for u in found.unavailable
            ],
            "computed_at": iso(now),
        }

    def _why(self, viewer: str, u: Unavailable) -> str:
        """The reason, naming what stops it by callsign and party."""
        if u.about is None:
            return u.why
        met = self._met(viewer, u.about)
        return f"{u.why} ({met['name']}, {met['party_name']})"

    def _met(self, viewer: str, o: Obstacle) -> dict[str, Any]:
        name = o.ref.id
        if o.ref.kind == "notice":
            row = self.store.get_notice(o.ref.id, o.ref.version)
            if row is not None:
                props = visible_properties(
                    row.feature["properties"], self.agreement, viewer, row.party
                )
                name = notice_label(props, o.ref.id)
        else:
            name = asset_name(self.store, o.ref.id)
        return {
            "kind": o.kind.value,
            "id": o.ref.id,
            "party": o.party,
            "party_name": self.agreement.party(o.party).name,
            "name": name,
            "hazard": o.hazard_id,
        }


def _pick(found: AdviceSet, k: str) -> Advice:
    """Advice `k`: a kind name, or an index into the list as returned."""
    by_kind = {a.kind.value: a for a in found.advice}
    if k in by_kind:
        return by_kind[k]
    if k.isdigit() and int(k) < len(found.advice):
        return found.advice[int(k)]
    offered = ", ".join(by_kind) or "none: the notice meets nothing, or nothing clears"
    raise NotFound(f"no advice {k!r} for this notice now (offered: {offered})")


def _summary(p: Advice, now: datetime) -> str:
    """One line in the watch officer's words: what changes, and to what (the CLI's table
    shows the same two parts, ``model.wording``)."""
    kind, feature = p.kind.value, p.draft.to_feature()
    head = (
        f"{wording.advice_change(kind, p.change)}: "
        f"{wording.advice_becomes(kind, feature, p.change, now)}"
    )
    return head + (" — filed now, a late notice" if p.late else "")
