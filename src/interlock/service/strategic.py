"""Strategic detection inside a write transaction, for notices and assets alike.

Whichever comes second — a notice over an asset's area, or an asset registered under a
notice — the same pair is checked the same way (``detect.strategic.check_pair`` with the
notice first) and recorded the same way: a conflict row, a ledger entry to both parties
and a system message each must acknowledge. The order of events changes nothing.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Callable
from dataclasses import replace
from datetime import datetime

from ..detect.strategic import Volume, check_pair, within_budget
from ..geo.boxes import grow_boxes
from ..geo.shapes import Area
from ..model import wording
from ..model.agreement import Agreement
from ..model.conflict import Conflict, Ref
from ..model.events import EventKind
from ..model.limits import EARLIEST, LATEST
from ..model.message import REF_KINDS
from ..model.notice import VerticalBand
from ..model.timeutil import iso, parse_utc, to_ts
from ..store.base import IndexEntry, NoticeRow, WriteTx
from ..store.rows import AssetRow, ConflictRow, Measures
from .hotline import post_system_message
from .naming import side
from .record import record

# Standing assets (no start or end) are in force over the whole window of accepted times
# (model.limits): they meet every notice any party can file.
FAR_PAST, FAR_FUTURE = EARLIEST, LATEST
CACHE_SIZE = 50_000  # parsed volumes of stored notice versions (immutable once stored)


def index_entry(
    area: Area,
    band: VerticalBand,
    start: datetime,
    end: datetime,
    margin_m: float = 0.0,
    margin_v: float = 0.0,
    margin_t: float = 0.0,
) -> IndexEntry:
    """The 4D boxes of a volume, grown by margins for a candidate look-up."""
    return IndexEntry(
        boxes=grow_boxes(area.base_boxes, margin_m),
        lower_m=band.lower_m - margin_v,
        upper_m=band.upper_m + margin_v,
        start_ts=to_ts(start) - margin_t,
        end_ts=to_ts(end) + margin_t,
    )


def asset_volume(asset: AssetRow) -> Volume:
    """The volume a stored protected asset keeps clear (standing: always in force)."""
    f = asset.feature
    p = f["properties"]
    return Volume(
        ref=Ref("asset", asset.id, 1),
        party=asset.party,
        domain="asset",
        area=Area.from_stored(f["geometry"], p),
        band=VerticalBand(p["lower_m"], p["upper_m"]),
        start=parse_utc(p["start"], "start") if p.get("start") else FAR_PAST,
        end=parse_utc(p["end"], "end") if p.get("end") else FAR_FUTURE,
    )


def stored_volume(row: NoticeRow) -> Volume:
    """The volume of a stored air or sea notice version (no re-validation)."""
    p = row.feature["properties"]
    return Volume(
        ref=Ref("notice", row.id, row.version),
        party=row.party,
        domain=row.domain,
        area=Area.from_stored(row.feature["geometry"], p),
        band=VerticalBand(p["lower_m"], p["upper_m"]),
        start=parse_utc(p["start"], "start"),
        end=parse_utc(p["end"], "end"),
    )


class StrategicRecorder:
    """Finds and records the strategic conflicts of a new notice version or asset."""

    def __init__(self, agreement: Agreement) -> None:
        self.agreement = agreement
        self._volumes: OrderedDict[tuple[str, int], Volume] = OrderedDict()

    def notice_volume(self, row: NoticeRow) -> Volume:
        """The volume of a stored notice version (cached: versions never change)."""
        key = (row.id, row.version)
        vol = self._volumes.get(key)
        if vol is None:
            vol = stored_volume(row)
            self._volumes[key] = vol
            if len(self._volumes) > CACHE_SIZE:
                self._volumes.popitem(last=False)
        return vol

    def _query(self, vol: Volume) -> IndexEntry:
        rules = self.agreement.rules
        big = rules.largest_minima
        return index_entry(
            vol.area,
            vol.band,
            vol.start,
            vol.end,
            big.horizontal_m,
            big.vertical_m,
            rules.time_buffer.total_seconds(),
        )

    def notice_conflicts(self, tx: WriteTx, vol: Volume) -> list[Conflict]:
        """A new notice version against the other parties' notices and assets."""
        rules = self.agreement.rules
        query = self._query(vol)
        rows = tx.candidates(query, vol.party)
        assets = tx.asset_candidates(query, vol.party)
        within_budget(len(rows) + len(assets), rules)
        found = []
        for row in rows:
            c = check_pair(vol, self.notice_volume(row), rules)
            if c is not None:
                found.append(c)
        for asset in assets:
            c = check_pair(vol, asset_volume(asset), rules)
            if c is not None:
                found.append(c)
        return found

    def asset_conflicts(self, tx: WriteTx, vol: Volume) -> list[Conflict]:
        """A new asset against the other parties' notices, each checked notice first,
        exactly as if the notice had been filed after the asset."""
        rules = self.agreement.rules
        rows = tx.candidates(self._query(vol), vol.party)
        within_budget(len(rows), rules)
        found = []
        for row in rows:
            c = check_pair(self.notice_volume(row), vol, rules)
            if c is not None:
                found.append(c)
        return found

    def record(self, tx: WriteTx, conflicts: list[Conflict], now: datetime) -> list[ConflictRow]:
        """Store, chain and announce each conflict; their records as returned."""
        return [store_conflict(tx, conflict_record(c), now, self._announce) for c in conflicts]

    def close(self, tx: WriteTx, ref_id: str, now: datetime, reason: str) -> None:
        """Close the open conflicts of a notice or asset (cancelled, superseded, retired)."""
        if tx.close_conflicts(ref_id, to_ts(now), reason):
            kind = "asset" if ref_id.startswith("a-") else "notice"
            record(
                tx,
                EventKind.CONFLICTS_CLOSED,
                ref_id,
                now,
                {kind: ref_id, "reason": reason},
                self.agreement.party_ids,
            )

    def _announce(self, tx: WriteTx, c: ConflictRow, now: datetime) -> None:
        """A detected conflict goes to both parties as a system message to acknowledge,
        in the watch officer's words (model.wording): callsigns and names, NM, the band's
        unit, UTC to the minute, the worst point in degrees and minutes; the ids are in
        its refs."""
        m = c.measures
        assert m is not None, "a strategic conflict has measures"
        a, a_domain = side(tx, self.agreement, c.a_kind, c.a_id, c.a_version, c.a_party)
        b, b_domain = side(tx, self.agreement, c.b_kind, c.b_id, c.b_version, c.b_party)
        # feet when either side is in the air, else metres (sea notices, assets)
        air = "air" in (a_domain, b_domain)
        vertical, unit = (wording.feet, "ft") if air else (wording.metres, "m")
        post_system_message(
            tx,
            self.agreement,
            now,
            to=c.parties,
            priority=self.agreement.hotline.system_priority[c.severity],
            subject=f"{c.severity} conflict #{c.id}: {a} / {b}",
            text=(
                f"{wording.nm(m.horizontal_distance_m)} NM apart (minimum "
                f"{wording.nm(m.horizontal_minimum_m)} NM), vertical gap "
                f"{vertical(max(m.vertical_gap_m, 0.0))} {unit} (minimum "
                f"{vertical(m.vertical_minimum_m)} {unit}), "
                f"{wording.window(m.window_start, m.window_end, now)} UTC, worst near "
                f"{wording.position(m.worst_lat, m.worst_lon)}"
            ),
            refs=[("conflict", str(c.id))]
            + [(k, i) for k, i in ((c.a_kind, c.a_id), (c.b_kind, c.b_id)) if k in REF_KINDS],
        )


def store_conflict(
    tx: WriteTx,
    found: ConflictRow,
    now: datetime,
    announce: Callable[[WriteTx, ConflictRow, datetime], None],
) -> ConflictRow:
    """Store one conflict (strategic, exposure or interference), chain it to its two
    parties and announce it; the record with its id, as returned."""
    found = replace(found, id=tx.insert_conflict(found, to_ts(now)))
    record(tx, EventKind.CONFLICT, str(found.id), now, found.to_json(), found.parties)
    announce(tx, found, now)
    return found


def conflict_record(c: Conflict) -> ConflictRow:
    """The stored and returned form of a strategic conflict."""
    return ConflictRow(
        a_kind=c.a.kind,
        a_id=c.a.id,
        a_version=c.a.version,
        b_kind=c.b.kind,
        b_id=c.b.id,
        b_version=c.b.version,
        a_party=c.a_party,
        b_party=c.b_party,
        severity=c.severity,
        parties=c.parties,
        measures=Measures(
            window_start=iso(c.window_start),
            window_end=iso(c.window_end),
            time_gap_s=c.time_gap_s,
            horizontal_distance_m=c.horizontal_distance_m,
            horizontal_minimum_m=c.horizontal_minimum_m,
            vertical_gap_m=c.vertical_gap_m,
            vertical_minimum_m=c.vertical_minimum_m,
            worst_lon=c.worst_lon,
            worst_lat=c.worst_lat,
        ),
    )
