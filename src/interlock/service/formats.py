"""The field's formats as use cases: export what a party may see, import notices.

Exports read through the same services as GET /notices, /assets, /hazards and /conflicts
(so a party's export shows exactly what its API reads show) and the live picture for
track trails (`trails`, from the track history: service.history). Imports only
convert: the features they return are filed by the caller through the same path as
POST /notices/collection (WriteOp "submit_all"), so they are validated exactly as GeoJSON;
`relabel` turns a refusal's ``features[i]`` back into the source's own name for it (the
placemark, the F3548 volume).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import orjson

from ..errors import InterlockError, InvalidInput
from ..formats import f3548, kml, notam
from ..geo.limits import ShapeLimits
from ..model.timeutil import parse_utc
from ..store.base import Box
from .history import TRAIL_MAX_FIXES, TRAIL_MAX_SPAN
from .root import Services

Parsed = list[tuple[str, dict[str, Any]]]  # (the source's name for it, notice Feature)

# Importers by format name: text and the agreement's shape limits in, notice Features out
# (KML and F3548 unvalidated: the collection path validates them; NOTAM validated as read).
PARSERS: dict[str, Callable[[str | bytes, ShapeLimits], Any]] = {
    "kml": lambda text, _: kml.placemark_features(text),
    "f3548": lambda text, _: f3548.intent_features(_json(text)),
    "notam": lambda text, limits: notam.parse_notam(_text(text), limits),
}
MEDIA_TYPES = {"kml": kml.MEDIA_TYPE, "f3548": "application/json"}
EXPORTS = tuple(MEDIA_TYPES)
DEFAULT_TRAIL_WINDOW = timedelta(hours=1)  # trails in an export that names no window


def _text(text: str | bytes) -> str:
    if isinstance(text, str):
        return text
    try:
        return text.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise InvalidInput(f"not UTF-8 text (byte {exc.start})", field="body") from None


def _json(text: str | bytes) -> Any:
    try:
        return orjson.loads(text)
    except orjson.JSONDecodeError as exc:
        raise InvalidInput(f"malformed JSON: {exc}", field="body") from None


@dataclass(frozen=True, slots=True)
class Exported:
    media_type: str
    text: str


def _format(fmt: str, allowed: tuple[str, ...]) -> str:
    if fmt not in allowed:
        raise InvalidInput(f"must be one of {', '.join(allowed)}", field="format")
    return fmt


def _overlaps(start: str | None, end: str | None, t0: datetime | None, t1: datetime | None) -> bool:
    if t0 is not None and end is not None and parse_utc(end, "end") < t0:
        return False
    return not (t1 is not None and start is not None and parse_utc(start, "start") > t1)


def _in_box(lon: float, lat: float, bbox: Box | None) -> bool:
    if bbox is None:
        return True
    w, s, e, n = bbox
    inside_lon = w <= lon <= e if w <= e else (lon >= w or lon <= e)
    return inside_lon and s <= lat <= n


class FormatService:
    """Exports and imports over one deployment's services."""

    def __init__(self, services: Services) -> None:
        self.s = services

    # ---- out --------------------------------------------------------------------------
    def export_notice(
        self, party: str, notice_id: str, fmt: str, *, base_url: str = "http://localhost"
    ) -> Exported:
        """One notice as `party` may see it (GET /notices/{id}), in `fmt`."""
        fmt = _format(fmt, EXPORTS)
        notice = self.s.notices.get(party, notice_id)
        if fmt == "f3548":
            return Exported(
                MEDIA_TYPES[fmt],
                _dumps(f3548.notice_to_intent(notice, uss_base_url=base_url)),
            )
        title = f"{notice['properties'].get('callsign') or notice_id} ({self.s.agreement.name})"
        return Exported(MEDIA_TYPES[fmt], kml.document(self._picture(title, notices=[notice])))

    def export_all(
        self,
        party: str,
        fmt: str,
        *,
        start: datetime | None = None,
        end: datetime | None = None,
        bbox: Box | None = None,
        base_url: str = "http://localhost",
    ) -> Exported:
        """Everything `party` may see, overlapping [start, end] (notices, conflicts, hazard
        and asset validity, trails) and, for notices, conflicts and trails, in `bbox`."""
        fmt = _format(fmt, EXPORTS)
        notices = self.s.notices.list(party, bbox=bbox, start=start, end=end, limit=10_000)[
            "features"
        ]
        if fmt == "f3548":
            return Exported(
                MEDIA_TYPES[fmt], _dumps(f3548.notices_to_intents(notices, uss_base_url=base_url))
            )
        # A cancelled notice announces nothing: drawn, it would read as in force.
        notices = [n for n in notices if n["properties"]["status"] != "cancelled"]
        assets = [
            a
            for a in self.s.assets.list()["features"]
            if _overlaps(a["properties"].get("start"), a["properties"].get("end"), start, end)
        ]
        hazards = [
            h
            for h in self.s.hazards.list()["features"]
            if _overlaps(
                h["properties"].get("valid_from"), h["properties"].get("valid_to"), start, end
            )
        ]
        conflicts = [
            self._named(party, c)
            for c in self.s.notices.conflicts(party)
            if "worst_lon" in c
            and _in_box(c["worst_lon"], c["worst_lat"], bbox)
            and _overlaps(c.get("window_start"), c.get("window_end"), start, end)
        ]
        pic = self._picture(
            f"{self.s.agreement.name}: as {self.s.agreement.party(party).name} sees it",
            notices=notices,
            assets=assets,
            hazards=hazards,
            conflicts=conflicts,
            trails=trails(self.s, party, bbox, start, end),
        )
        return Exported(MEDIA_TYPES[fmt], kml.document(pic))

    def _picture(self, title: str, **parts: Any) -> kml.Picture:
        parties = [(p.id, p.name) for p in self.s.agreement.parties]
        return kml.Picture(title, parties, **parts)

    def _named(self, viewer: str, c: dict[str, Any]) -> dict[str, Any]:
        """A conflict with both sides named as a person knows them: `a_label` the callsign
        or asset name, `a_name` with the party's name too (as the server's conflict
        messages name them)."""
        out = dict(c)
        for side in ("a", "b"):
            kind, ref, party = c[f"{side}_kind"], c[f"{side}_id"], c[f"{side}_party"]
            if kind == "notice":  # as GET /notices/{id}/versions/{v} shows it to the reader
                seen = self.s.notices.get(viewer, ref, c[f"{side}_version"])
                name = seen["properties"].get("callsign") or f"notice {ref}"
            else:
                asset = self.s.store.get_asset(ref)
                name = (
                    asset.feature["properties"].get("name") if asset else None
                ) or f"asset {ref}"
            out[f"{side}_label"] = name
            out[f"{side}_name"] = f"{name} ({self.s.agreement.party(party).name})"
        return out

    # ---- in ---------------------------------------------------------------------------
    def import_notices(self, party: str, fmt: str, text: str | bytes) -> Parsed:
        """The notices a document declares, as (source name, Feature), for the caller to
        file through the notice collection path (validated there, all or nothing)."""
        self.s.agreement.party(party)
        fmt = _format(fmt, tuple(PARSERS))
        parsed: list[Any] = list(PARSERS[fmt](text, self.s.agreement.rules.shape))
        # A parser may return bare Features: each is then named by its index.
        return [x if isinstance(x, tuple) else (f"features[{i}]", x) for i, x in enumerate(parsed)]


def relabel(exc: InterlockError, labels: list[str]) -> InterlockError:
    """A collection refusal naming ``features[i]`` renamed for the source: the i-th
    placemark or volume (`placemark[3] "Tanker".properties.start`)."""
    field = exc.field or ""
    if not field.startswith("features["):
        return exc
    index_text, _, rest = field[len("features[") :].partition("]")
    try:
        label = labels[int(index_text)]
    except (ValueError, IndexError):
        return exc
    reason = exc.detail[len(field) + 2 :]
    return type(exc)(reason, field=label + rest)


def trails(
    services: Services,
    viewer: str,
    bbox: Box | None,
    start: datetime | None,
    end: datetime | None,
) -> list[kml.Trail]:
    """Track trails as `viewer` may see them, from the track history: the window asked
    (by default the hour before now; at most its last day, `TRAIL_MAX_SPAN`), tracks with
    two kept fixes or more in it."""
    until = end or services.tracks.clock()
    since = max(start or until - DEFAULT_TRAIL_WINDOW, until - TRAIL_MAX_SPAN)
    if since > until:
        return []
    found = services.tracks.history_trails(since, until, bbox, None, viewer, TRAIL_MAX_FIXES)
    out = []
    for f in found["features"]:
        p = f["properties"]
        if f["geometry"]["type"] != "LineString":
            continue
        fixes = tuple(
            (t, lon, lat, alt)
            for t, (lon, lat), alt in zip(
                p["times"], f["geometry"]["coordinates"], p["alt_ft"], strict=True
            )
        )
        out.append(kml.Trail(p["track_id"], p.get("name"), p.get("owner"), p["domain"], fixes))
    return out


def _dumps(obj: Any) -> str:
    return orjson.dumps(obj, option=orjson.OPT_INDENT_2).decode() + "\n"
