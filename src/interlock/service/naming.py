"""What the server's system messages call a notice, an asset or a party: the callsign or
name a person knows it by (the id stays in the message's refs), in one home for every
announcement (conflicts, exposures, interference, violations)."""

from __future__ import annotations

from ..model.agreement import Agreement
from ..store.base import WriteTx


def notice_name(tx: WriteTx, notice_id: str, version: int | None = None) -> str:
    """A notice's callsign, else "notice <id>" (a notice filed without one)."""
    row = tx.get_notice(notice_id, version)
    callsign = row.feature["properties"].get("callsign") if row is not None else None
    return str(callsign) if callsign else f"notice {notice_id}"


def asset_name(tx: WriteTx, asset_id: str) -> str:
    """A protected asset's name, else "asset <id>"."""
    row = tx.get_asset(asset_id)
    name = row.feature["properties"].get("name") if row is not None else None
    return str(name) if name else f"asset {asset_id}"


def party_name(agreement: Agreement, party: str) -> str:
    return agreement.party(party).name


def side_name(
    tx: WriteTx, agreement: Agreement, kind: str, ref_id: str, version: int, party: str
) -> str:
    """One side of a conflict: "PATROL 21 (Blue air force command)"."""
    name = notice_name(tx, ref_id, version) if kind == "notice" else asset_name(tx, ref_id)
    return f"{name} ({party_name(agreement, party)})"
