"""The field's text formats of what a party may see: a notice as ICAO NOTAM or NAVAREA
text, conflicts and alerts as CSV, and notices read from NOTAM text.

Reads go through the notice and track services, so each answer shows exactly what the
reader's GET /notices, /conflicts and /alerts show (hidden fields stay hidden, another
party's units keep their aliases)."""

from __future__ import annotations

from typing import Any

from ..errors import InvalidInput
from ..formats.navarea import navarea_text
from ..formats.notam import notam_text, parse_notam
from ..formats.tables import alerts_csv, conflicts_csv
from .root import Services

CSV_WHAT = ("conflicts", "alerts")

__all__ = ["CSV_WHAT", "TextFormats", "parse_notam"]


class TextFormats:
    """Text views over one deployment's services."""

    def __init__(self, services: Services) -> None:
        self.services = services
        self.agreement = services.agreement

    def _party(self, party: str) -> str:
        try:
            return self.agreement.party(party).name
        except InvalidInput:
            return party  # a party since removed from the agreement: its id

    def notam(self, viewer: str, notice_id: str) -> str:
        feature = self.services.notices.get(viewer, notice_id)
        owner = feature["properties"]["party"]
        return notam_text(feature, self.agreement.formats, party_name=self._party(owner))

    def navarea(self, viewer: str, notice_id: str) -> str:
        return navarea_text(self.services.notices.get(viewer, notice_id), self.agreement.formats)

    def _side(self, viewer: str, kind: str, ref_id: str, version: int | None) -> str:
        """A conflict's side as the viewer may see it: a notice by its callsign (when
        visible to the viewer), an asset by its name."""
        store = self.services.store
        if kind == "notice":
            row = store.get_notice(ref_id, version)
            if row is None:
                return f"notice {ref_id}"
            props = self.services.notices.feature(row, viewer)["properties"]
            return str(props.get("callsign") or f"notice {ref_id}")
        asset = store.get_asset(ref_id)
        name = asset.feature["properties"].get("name") if asset is not None else None
        return str(name or f"asset {ref_id}")

    def csv(self, viewer: str, what: str) -> str:
        if what not in CSV_WHAT:
            raise InvalidInput(f"must be one of {', '.join(CSV_WHAT)}", field="what")
        if what == "conflicts":
            rows = self.services.notices.conflicts(viewer, include_closed=True)
            return conflicts_csv(
                rows,
                self._party,
                lambda kind, ref, version: self._side(viewer, kind, ref, version),
            )
        alerts: list[dict[str, Any]] = self.services.tracks.alert_list(viewer)["alerts"]
        return alerts_csv(alerts, self._party, lambda nid: self._side(viewer, "notice", nid, None))
