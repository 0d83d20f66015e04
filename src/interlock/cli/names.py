"""What the reading commands show beside ids: the parties' names from the agreement and
the names or callsigns of the notices and assets a party may see, fetched once a command."""

from __future__ import annotations

from typing import Any

from .common import Api
from .readable import clip, short_ids

NAME_FIELDS = ("callsign", "unit", "purpose")  # a notice's name: the first one it shows
NOTICE_LIMIT = 10_000  # GET /notices' largest page (api/app.py)


class Names:
    """Names of the parties, notices and assets a party may see, and their short ids."""

    def __init__(self, api: Api) -> None:
        agreement = api.call("GET", "/agreement")
        self.parties: dict[str, str] = {p["id"]: p["name"] for p in agreement["parties"]}
        fc = api.call("GET", "/notices", params={"limit": NOTICE_LIMIT})
        self.notices: dict[str, dict[str, Any]] = {f["properties"]["id"]: f for f in fc["features"]}
        assets = api.call("GET", "/assets", params={"include_retired": True})
        self.assets: dict[str, dict[str, Any]] = {
            f["properties"]["id"]: f for f in assets["features"]
        }
        self.short = short_ids([*self.notices, *self.assets])

    def notice_name(self, notice_id: str) -> str | None:
        feature = self.notices.get(notice_id)
        return notice_name(feature["properties"]) if feature else None

    def label(self, kind: str, ident: str) -> str:
        """'KHM CIRCUIT' for a notice with a callsign, an asset's name, else its short id."""
        if kind == "asset" and ident in self.assets:
            return str(self.assets[ident]["properties"]["name"])
        return self.notice_name(ident) or self.short.get(ident, ident)

    def legend(self, shown: set[str]) -> str:
        """'parties: base = Airbase Latakia; command = Regional command' for those shown."""
        named = [f"{p} = {n}" for p, n in self.parties.items() if p in shown and n != p]
        return "parties: " + "; ".join(named) if named else ""


def notice_name(props: dict[str, Any], width: int = 40) -> str | None:
    for key in NAME_FIELDS:
        if props.get(key):
            return clip(str(props[key]), width)
    return None
