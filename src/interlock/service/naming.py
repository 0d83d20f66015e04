"""What the server's system messages call a notice, an asset or a party: the callsign or
name a person knows it by (the id stays in the message's refs), in one home for every
announcement (conflicts, exposures, interference, violations)."""

from __future__ import annotations

from typing import Any

from ..model.agreement import Agreement
from ..store.base import AssetReads, NoticeRow, WriteTx


def notice_name(tx: WriteTx, notice_id: str, version: int | None = None) -> str:
    """A notice's callsign, else "notice <id>" (a notice filed without one)."""
    return _notice_label(tx.get_notice(notice_id, version), notice_id)


def _notice_label(row: NoticeRow | None, notice_id: str) -> str:
    return notice_label(row.feature["properties"] if row is not None else {}, notice_id)


def notice_label(props: dict[str, Any], notice_id: str) -> str:
    """A notice's callsign from its properties (as its viewer may see them), else
    "notice <id>"."""
    callsign = props.get("callsign")
    return str(callsign) if callsign else f"notice {notice_id}"


def asset_name(tx: WriteTx | AssetReads, asset_id: str) -> str:
    """A protected asset's name, else "asset <id>"."""
    row = tx.get_asset(asset_id)
    name = row.feature["properties"].get("name") if row is not None else None
    return str(name) if name else f"asset {asset_id}"


def party_name(agreement: Agreement, party: str) -> str:
    return agreement.party(party).name


def side(
    tx: WriteTx, agreement: Agreement, kind: str, ref_id: str, version: int, party: str
) -> tuple[str, str | None]:
    """One side of a conflict, "PATROL 21 (Blue air force command)", and its domain (a
    notice's; None for an asset): one read of the side for both."""
    if kind == "notice":
        row = tx.get_notice(ref_id, version)
        name, domain = _notice_label(row, ref_id), (row.domain if row is not None else None)
    else:
        name, domain = asset_name(tx, ref_id), None
    return f"{name} ({party_name(agreement, party)})", domain


def side_name(
    tx: WriteTx, agreement: Agreement, kind: str, ref_id: str, version: int, party: str
) -> str:
    """One side of a conflict: "PATROL 21 (Blue air force command)"."""
    return side(tx, agreement, kind, ref_id, version, party)[0]
