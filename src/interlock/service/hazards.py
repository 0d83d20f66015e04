"""Hazard use cases: report, retire, read (issue 15: third-party weapon engagement zones).

A hazard is written like a protected asset: through the same group commit, chained on the
ledger in the same transaction (``EventKind.HAZARD`` / ``HAZARD_RETIRED``) and addressed
to every party, since any party may report one and all see it. Only the reporting party
may retire it; owner and state are checked inside the write transaction, so concurrent
retires cannot both succeed.

A hazard's view carries its envelope (what the weapon reaches, as a map outline) and its
*hot* windows: when a stored kinetic notice (``agreement.hazards``) makes it hot
(``detect.hazards.hot_hazards``).
"""

from __future__ import annotations

import builtins
import secrets
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from typing import Any, Literal

from ..detect.hazards import ActivityNotice, Hazard, HotHazard, hot_hazards
from ..errors import Forbidden, NotFound, StateConflict
from ..model.agreement import MINIMUM_TOLERANCE_M, Agreement
from ..model.events import EventKind
from ..model.hazard import HazardDraft, hazard_from_stored, parse_hazard
from ..model.limits import EARLIEST, FULL_BAND_M, LATEST
from ..model.notice import VerticalBand
from ..model.timeutil import from_ts, iso, to_ts
from ..store.base import NoticeRow, Store, WriteTx
from ..store.rows import HazardRow
from .batch import run_one
from .clock import Clock
from .record import record
from .strategic import StrategicRecorder, index_entry


@dataclass(frozen=True, slots=True)
class HazardOp:
    """One hazard write of a batch: report a new hazard, or retire one."""

    kind: Literal["create", "retire"]
    party: str
    hazard_id: str | None = None
    feature: Any = None


class HazardService:
    """Reported hazards over one store under one agreement."""

    def __init__(
        self,
        store: Store,
        agreement: Agreement,
        clock: Clock,
        strategic: StrategicRecorder | None = None,
    ) -> None:
        self.store = store
        self.agreement = agreement
        self.clock = clock
        # Shared with the notice service when wired by service.root (one volume cache).
        self.strategic = strategic or StrategicRecorder(agreement)

    # ---- writes (also run in batches by the API's group committer) ---------------------
    def create(self, party: str, feature: Any) -> dict[str, Any]:
        """Report a hazard; any party may, and every party is told."""
        return self._one(HazardOp("create", party, feature=feature))

    def retire(self, party: str, hazard_id: str) -> dict[str, Any]:
        """Retire a hazard one reported; it stays on record."""
        return self._one(HazardOp("retire", party, hazard_id))

    def _one(self, op: HazardOp) -> Any:
        return run_one(self.store, self, op)

    def prepare(self, op: HazardOp) -> HazardDraft | None:
        """Checks that need no store, done before taking the write lock."""
        self.agreement.party(op.party)
        return parse_hazard(op.feature) if op.kind == "create" else None

    def apply(self, tx: WriteTx, op: HazardOp, prepared: HazardDraft | None) -> dict[str, Any]:
        if op.kind == "create":
            assert prepared is not None
            return self._create_in(tx, op.party, prepared)
        assert op.hazard_id is not None
        return self._retire_in(tx, op.party, op.hazard_id)

    def _create_in(self, tx: WriteTx, party: str, draft: HazardDraft) -> dict[str, Any]:
        now = self.clock()
        hazard = HazardRow(
            id="h-" + secrets.token_hex(8),
            party=party,
            created_at=to_ts(now),
            retired_at=None,
            feature=draft.to_feature(),
        )
        tx.insert_hazard(hazard)
        record(tx, EventKind.HAZARD, hazard.id, now, hazard.to_json(), self.agreement.party_ids)
        return self._view_in(tx, hazard)

    def _retire_in(self, tx: WriteTx, party: str, hazard_id: str) -> dict[str, Any]:
        now = self.clock()
        hazard = tx.get_hazard(hazard_id)
        if hazard is None:
            raise NotFound(f"no hazard {hazard_id!r}")
        if hazard.party != party:
            raise Forbidden(f"hazard {hazard_id} was reported by {hazard.party}")
        if hazard.retired_at is not None:
            raise StateConflict(f"hazard {hazard_id} is already retired")
        tx.retire_hazard(hazard_id, to_ts(now))
        record(
            tx,
            EventKind.HAZARD_RETIRED,
            hazard_id,
            now,
            {"id": hazard_id, "party": party},
            self.agreement.party_ids,
        )
        return self._view_in(tx, replace(hazard, retired_at=to_ts(now)))

    def _view_in(self, tx: WriteTx, stored: HazardRow) -> dict[str, Any]:
        """The view inside the write transaction: the kinetic notices from its index (the
        envelope's boxes grown by reach_km, every time and height), never a second read."""
        hz = Hazard(stored.id, hazard_from_stored(stored.feature))
        reach_m = self.agreement.hazards.reach_km * 1000.0 + MINIMUM_TOLERANCE_M
        query = index_entry(hz.envelope, VerticalBand(*FULL_BAND_M), EARLIEST, LATEST, reach_m)
        rows = tx.candidates(query, exclude_party="")  # no party's notices left out
        found = kinetic_notices(rows, self.agreement, self.strategic)
        return hazard_view(stored, hz, hot_hazards([hz], found, self.agreement.hazards))

    # ---- reads -------------------------------------------------------------------------
    def list(self, include_retired: bool = False) -> dict[str, Any]:
        hazards = self.store.list_hazards(include_retired=include_retired)
        return {"type": "FeatureCollection", "features": self._views(hazards)}

    def get(self, hazard_id: str) -> dict[str, Any]:
        h = self.store.get_hazard(hazard_id)
        if h is None:
            raise NotFound(f"no hazard {hazard_id!r}")
        return self._views([h])[0]

    def _views(self, stored: Sequence[HazardRow]) -> builtins.list[dict[str, Any]]:
        hazards = [Hazard(h.id, hazard_from_stored(h.feature)) for h in stored]
        hot: dict[str, builtins.list[HotHazard]] = {}
        if hazards:
            for hh in hot_hazards(hazards, self._kinetic_notices(), self.agreement.hazards):
                hot.setdefault(hh.hazard.id, []).append(hh)
        return [
            hazard_view(h, hz, hot.get(hz.id, ())) for h, hz in zip(stored, hazards, strict=True)
        ]

    def _kinetic_notices(self) -> builtins.list[ActivityNotice]:
        """The stored air and sea notices, not cancelled, whose activity is kinetic."""
        return kinetic_notices(self.store.iter_notice_rows(), self.agreement, self.strategic)


def kinetic_notices(
    rows: Iterable[NoticeRow], agreement: Agreement, strategic: StrategicRecorder
) -> list[ActivityNotice]:
    """The kinetic notices among `rows` (current versions) as the hazard core takes them."""
    rules = agreement.hazards
    out = []
    for row in rows:
        activity = row.feature["properties"].get("activity")
        if row.cancelled_at is not None or not rules.is_kinetic(activity):
            continue
        if "lower_m" not in row.feature["properties"]:
            continue  # an emission has no volume to reach with
        out.append(ActivityNotice(strategic.notice_volume(row), activity))
    return out


def hazard_view(stored: HazardRow, hazard: Hazard, hot: Iterable[HotHazard]) -> dict[str, Any]:
    """A hazard as GeoJSON, as every party sees it (hazards are shared whole): the stored
    properties, the record's fields, the envelope's outline and the hot windows."""
    f = stored.feature
    props = dict(
        f["properties"],
        id=stored.id,
        party=stored.party,
        created_at=iso(from_ts(stored.created_at)),
        retired_at=iso(from_ts(stored.retired_at)) if stored.retired_at else None,
        envelope=envelope_geometry(hazard),
        hot=[
            {"from": iso(h.start), "to": iso(h.end), "notice": h.notice.id, "party": h.party}
            for h in hot
        ],
    )
    return {"type": "Feature", "id": stored.id, "geometry": f["geometry"], "properties": props}


def envelope_geometry(hazard: Hazard) -> dict[str, Any]:
    """The envelope's outline as a GeoJSON Polygon (for maps; lon may pass 180)."""
    ring = hazard.envelope.outline_lonlat().exterior.coords
    return {"type": "Polygon", "coordinates": [[[float(x), float(y)] for x, y in ring]]}
