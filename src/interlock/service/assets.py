"""Protected-asset use cases: register, retire, read.

Registering an asset is a write like filing a notice: it goes through the same group
commit, and inside its transaction it is checked against the other parties' notices
(area and volume) and, for a receiver, against their emissions, so a conflict is found
whichever of the two came first. Retiring one closes its open conflicts. Owner and state
are checked inside the write transaction, so concurrent retires cannot both succeed.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass, replace
from typing import Any, Literal

from ..errors import Forbidden, NotFound, StateConflict
from ..model.agreement import Agreement
from ..model.asset import AssetDraft, parse_asset
from ..model.events import EventKind
from ..model.timeutil import from_ts, iso, to_ts
from ..store.base import Store, WriteTx
from ..store.rows import AssetRow
from .batch import run_one
from .clock import Clock
from .record import record
from .spectrum import SpectrumService
from .strategic import FAR_FUTURE, FAR_PAST, StrategicRecorder, asset_volume, index_entry


@dataclass(frozen=True, slots=True)
class AssetOp:
    """One asset write of a batch: register a new asset, or retire one."""

    kind: Literal["create", "retire"]
    party: str
    asset_id: str | None = None
    feature: Any = None


class AssetService:
    """Protected assets over one store under one agreement."""

    def __init__(
        self,
        store: Store,
        agreement: Agreement,
        clock: Clock,
        strategic: StrategicRecorder,
        spectrum: SpectrumService,
    ) -> None:
        self.store = store
        self.agreement = agreement
        self.clock = clock
        self.strategic = strategic
        self.spectrum = spectrum

    # ---- writes (also run in batches by the API's group committer) ---------------------
    def create(self, party: str, feature: Any) -> dict[str, Any]:
        """Register an asset; its view carries the conflicts it causes."""
        return self._one(AssetOp("create", party, feature=feature))

    def retire(self, party: str, asset_id: str) -> dict[str, Any]:
        """Retire one's own asset; it stays on record and its open conflicts close."""
        return self._one(AssetOp("retire", party, asset_id))

    def _one(self, op: AssetOp) -> Any:
        return run_one(self.store, self, op)

    def prepare(self, op: AssetOp) -> AssetDraft | None:
        """Checks that need no store, done before taking the write lock."""
        self.agreement.party(op.party)
        return parse_asset(op.feature, self.agreement.rules.shape) if op.kind == "create" else None

    def apply(self, tx: WriteTx, op: AssetOp, prepared: AssetDraft | None) -> dict[str, Any]:
        now = self.clock()
        if op.kind == "create":
            assert prepared is not None
            return self._create_in(tx, op.party, prepared, now)
        assert op.asset_id is not None
        return self._retire_in(tx, op.party, op.asset_id, now)

    def _create_in(self, tx: WriteTx, party: str, draft: AssetDraft, now: Any) -> dict[str, Any]:
        asset = AssetRow(
            id="a-" + secrets.token_hex(8),
            party=party,
            kind=draft.kind,
            created_at=to_ts(now),
            retired_at=None,
            feature=draft.to_feature(),
        )
        entry = index_entry(
            draft.area, draft.band, draft.start or FAR_PAST, draft.end or FAR_FUTURE
        )
        tx.insert_asset(asset, entry)
        record(tx, EventKind.ASSET, asset.id, now, asset.to_json(), self.agreement.party_ids)
        vol = asset_volume(asset)
        found = self.strategic.record(tx, self.strategic.asset_conflicts(tx, vol), now)
        if draft.receiver is not None:
            found += self.spectrum.check_receiver(tx, asset, now)
        return asset_view(asset) | {"conflicts": [c.to_json() for c in found]}

    def _retire_in(self, tx: WriteTx, party: str, asset_id: str, now: Any) -> dict[str, Any]:
        asset = tx.get_asset(asset_id)
        if asset is None:
            raise NotFound(f"no asset {asset_id!r}")
        if asset.party != party:
            raise Forbidden(f"asset {asset_id} belongs to {asset.party}")
        if asset.retired_at is not None:
            raise StateConflict(f"asset {asset_id} is already retired")
        tx.retire_asset(asset_id, to_ts(now))
        record(
            tx,
            EventKind.ASSET_RETIRED,
            asset_id,
            now,
            {"id": asset_id, "party": party},
            self.agreement.party_ids,
        )
        self.strategic.close(tx, asset_id, now, "asset retired")
        return asset_view(replace(asset, retired_at=to_ts(now)))

    # ---- reads -------------------------------------------------------------------------
    def list(self, include_retired: bool = False) -> dict[str, Any]:
        return {
            "type": "FeatureCollection",
            "features": [
                asset_view(a) for a in self.store.list_assets(include_retired=include_retired)
            ],
        }

    def get(self, asset_id: str) -> dict[str, Any]:
        a = self.store.get_asset(asset_id)
        if a is None:
            raise NotFound(f"no asset {asset_id!r}")
        return asset_view(a)


def asset_view(a: AssetRow) -> dict[str, Any]:
    """An asset as GeoJSON, as every party sees it (assets are shared whole)."""
    f = a.feature
    props = dict(
        f["properties"],
        id=a.id,
        party=a.party,
        created_at=iso(from_ts(a.created_at)),
        retired_at=iso(from_ts(a.retired_at)) if a.retired_at else None,
    )
    return {"type": "Feature", "id": a.id, "geometry": f["geometry"], "properties": props}
