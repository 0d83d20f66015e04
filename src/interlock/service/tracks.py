"""Track use cases: ingest feeds into the picture, read it back.

The picture lives in memory (`model.picture.Picture`): reports arrive at tens of
thousands a second and are superseded within seconds, so they are not written one by
one to the store; what must be on record (alerts raised and cleared) is. Decoders keep
state between batches (AIS multi-sentence messages, Mode S CPR pairs), one per party and
feed, so a message split across two HTTP batches still decodes.

Every report is applied as its poster's (the party of the token): the picture keeps each
party's reports of an identity apart and fuses them for reading (`model.picture`), and
alerts say on whose reports they rest (`model.alerts`). What a party sees of another's
own forces follows the agreement's visibility (`model.visibility`).

Several API processes on PostgreSQL share one picture (`service.picture_share`): one owns
ingest and the scan, the others forward feed batches to it and serve its snapshots,
restored into this same service, so every read below is the owner's code.
"""

from __future__ import annotations

import secrets
import threading
from collections.abc import Iterable, Iterator
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

import numpy as np
import orjson
import shapely.affinity
from shapely.geometry import Polygon

from ..detect import tactical
from ..detect.detections import detections_from_scan
from ..errors import InvalidInput, PayloadTooLarge
from ..feeds.ais import AisDecoder
from ..feeds.geojson import parse_own_forces
from ..feeds.modes import ModeSDecoder, decode_lines
from ..feeds.sbs import parse_sbs
from ..geo.shapes import Area
from ..model import wording
from ..model.agreement import Agreement
from ..model.alerts import KINDS as ALERT_KINDS
from ..model.alerts import AlertBook, AlertEvent
from ..model.events import EventKind
from ..model.picture import Picture, Update
from ..model.timeutil import from_ts, iso, parse_utc, to_ts
from ..model.track import FeedStats, Skip, TrackReport
from ..model.visibility import shown_track_ids, visible_track
from ..store.base import NoticeRow, Store
from .clock import Clock, utc_now
from .history import HistoryRecorder, fused_trails, no_gc
from .hotline import post_system_message
from .record import record
from .track_hazards import HazardChecks

if TYPE_CHECKING:
    from ..store.picture_share import InboxRow
    from .picture_share import PictureShare

FEEDS = ("ais", "sbs", "modes")
MAX_LINES = 100_000  # per request: a receiver posts batches, not archives
DROP_AFTER = timedelta(hours=1)  # forget a track silent this long (memory bound)
EXPIRE_EVERY = timedelta(seconds=30)  # how often to look for such tracks (a full pass)
MAX_VOLUMES = 10_000  # active notices considered per scan


class TrackService:
    """One picture shared by every party; each party's feeds decoded on their own."""

    def __init__(
        self,
        agreement: Agreement,
        clock: Clock = utc_now,
        store: Store | None = None,
        history: HistoryRecorder | None = None,
    ) -> None:
        self.agreement = agreement
        self.clock = clock
        self.store = store  # for active notices and the record of alerts (None: neither)
        self.picture = Picture()
        self.alerts = AlertBook(id_prefix=alert_id_prefix(clock()))
        self._scanned: set[str] = set()  # track ids of the last scan
        self._expired_at: datetime | None = None
        self._minima = (agreement.tactical["air"], agreement.tactical["sea"])
        self.stats: dict[str, FeedStats] = {}
        self._decoders: dict[tuple[str, str], Any] = {}
        # the picture and decoders are not thread-safe; re-entrant: a shared picture's owner
        # applies a queued batch and notes it applied under one hold (service.picture_share)
        self._lock = threading.RLock()
        self._alias_key = secrets.token_bytes(32)  # names hidden units (model.visibility)
        self.hazards = HazardChecks(agreement, store) if store is not None else None
        self.history = history  # track history: each accepted position offered to it
        # several processes on one database: the picture is one process's at a time, the
        # others forward feeds to it and serve its snapshots (service.picture_share)
        self.share: PictureShare | None = None

    def _forwarding(self) -> PictureShare | None:
        """The share when another process owns the picture (None: this one does)."""
        share = self.share
        return share if share is not None and not share.owner else None

    # ---- ingest -----------------------------------------------------------------------
    def ingest_lines(self, party: str, feed: str, lines: Iterable[str]) -> dict[str, Any]:
        """Decode a batch of one feed's lines (AIS NMEA, SBS CSV, or Mode S lines in the
        forms `feeds.modes.decode_lines` reads); lines without a time are timed now."""
        self.agreement.party(party)
        if feed not in FEEDS:
            raise InvalidInput(f"must be one of {', '.join(FEEDS)}", field="feed")
        batch = list(lines)
        if len(batch) > MAX_LINES:
            raise InvalidInput(f"at most {MAX_LINES} lines a batch", field="body")
        share = self._forwarding()
        if share is not None:
            return share.forward(party, feed, "\n".join(batch).encode())
        with self._lock:
            return self._apply(party, feed, self._decode(party, feed, batch))

    def ingest_own_forces(self, party: str, doc: Any) -> dict[str, Any]:
        """A party's own units as GeoJSON Points (owner = the party)."""
        self.agreement.party(party)
        outputs = list(parse_own_forces(doc, party))
        share = self._forwarding()
        if share is not None:
            return share.forward(party, "json", orjson.dumps(doc))
        with self._lock:
            return self._apply(party, "json", iter(outputs))

    def apply_posted(self, row: InboxRow) -> dict[str, Any]:
        """A batch another process queued for this one, the owner (service.picture_share):
        checked again as the route checks it; whatever is wrong with it is its answer."""
        from .picture_share import error_answer

        try:
            self.agreement.party(row.party)
            if row.feed == "json":
                outputs = list(parse_own_forces(orjson.loads(row.payload), row.party))
                with self._lock:
                    return self._apply(row.party, "json", iter(outputs))
            if row.feed not in FEEDS:
                raise InvalidInput(f"must be one of {', '.join(FEEDS)}", field="feed")
            batch = row.payload.decode().splitlines()
            if len(batch) > MAX_LINES:
                raise InvalidInput(f"at most {MAX_LINES} lines a batch", field="body")
            with self._lock:
                return self._apply(row.party, row.feed, self._decode(row.party, row.feed, batch))
        except Exception as exc:  # a malformed row must not stop the ones after it
            return error_answer(exc)

    def _decode(self, party: str, feed: str, lines: list[str]) -> Iterator[TrackReport | Skip]:
        if feed == "sbs":
            return parse_sbs(lines)
        key = (party, feed)
        if feed == "ais":
            decoder = self._decoders.setdefault(key, AisDecoder(self.clock))
            return (out for line in lines for out in decoder.feed(line))
        decoder = self._decoders.setdefault(key, ModeSDecoder())
        return decode_lines(decoder, lines, self.clock)

    def _apply(
        self, party: str, feed: str, outputs: Iterator[TrackReport | Skip]
    ) -> dict[str, Any]:
        """Apply `party`'s reports; reports dated past the clock (and the picture's skew)
        are skipped as "future_time"."""
        stats = self.stats.setdefault(feed, FeedStats())
        batch = FeedStats()
        updates: dict[str, int] = {}
        apply, received = self.picture.apply, self.clock()
        record = self.history.record if self.history is not None else None
        latest = self.picture.latest
        for out in outputs:
            if isinstance(out, TrackReport):
                result = apply(out, party, received)
                if result.__class__ is Skip and result.reason == "future_time":
                    # decoding is lazy and may stamp untimed lines after `received`: read
                    # the clock again before refusing (a refusal changed nothing)
                    received = self.clock()
                    result = apply(out, party, received)
            else:
                result = out
            if isinstance(result, Update):
                batch.reports += 1
                kind = result.kind
                updates[kind] = updates.get(kind, 0) + 1
                if record is not None and (kind == "moved" or kind == "new"):
                    record(latest(result.track_id, party))
            else:
                batch.skip(result)
        stats.reports += batch.reports
        for reason, n in batch.skipped.items():
            stats.skipped[reason] = stats.skipped.get(reason, 0) + n
        now = self.clock()
        if self._expired_at is None or now - self._expired_at >= EXPIRE_EVERY:
            self.picture.expire(now, DROP_AFTER)
            self._expired_at = now
        return {"reports": batch.reports, "updates": updates, "skipped": batch.skipped}

    # ---- tactical detection ---------------------------------------------------------------
    def scan(self) -> list[AlertEvent]:
        """One tactical scan of the picture: pairs closing below the minima within the
        lookahead, tracks heading into another party's active notice, and the hazard
        checks (exposure, masking, nonconformance: `track_hazards`); the alert events it
        causes are recorded, pushed to the parties concerned, and raised ones sent to
        them as system messages to acknowledge."""
        share = self.share
        if share is not None and not share.owner:
            return []  # the owner scans (service.picture_share)
        now = self.clock()
        with self._lock:
            events = self._scan(now)
            snap = share.snapshot() if share is not None else None
        self._record(events, now, snap)
        return events

    def _scan(self, now: datetime) -> list[AlertEvent]:
        """One scan under the lock: the alert events it causes."""
        states, sources = _states(self.picture, now)
        if len(states) == 0 and not self.alerts.active():
            return []
        air, sea = self._minima
        k = tactical.project(states, to_ts(now))
        found = _drop_same_owner(tactical.scan(k, air, sea), states)
        rows = self._notice_rows(now)
        volumes = self._volumes(k, rows)
        hits = tactical.entries(states, k, volumes, air, sea)
        by = sources.tolist()
        detections = detections_from_scan(states, k, found, air, sea, hits, volumes, by)
        if self.hazards is not None and len(states):
            detections += self.hazards.detections(states, by, now, rows, self.alerts.following)
        ids = set(states.ids.tolist())
        gone = self._scanned - ids  # stale or expired since: their alerts clear now
        self._scanned = ids
        return self.alerts.update(now, detections, gone_tracks=gone)

    def _notice_rows(self, now: datetime) -> list[NoticeRow]:
        """The notices in force between now and the lookahead (every one active now)."""
        if self.store is None:
            return []
        ts = to_ts(now)
        horizon = max(m.lookahead_s for m in self._minima)
        return self.store.list_notices(start_ts=ts, end_ts=ts + horizon, limit=MAX_VOLUMES)

    def _volumes(
        self, k: tactical.Kinematics, rows: list[NoticeRow]
    ) -> list[tactical.DeclaredVolume]:
        """Active air and sea notices in the scan's frame (their band and window)."""
        sx, sy = tactical.scan_frame(k.frame)
        out = []
        for row in rows:
            p = row.feature["properties"]
            if row.cancelled_at is not None or row.domain not in ("air", "sea"):
                continue
            shape = Area.from_stored(row.feature["geometry"], p).shape_in(k.frame)
            polygon = shapely.affinity.scale(shape, sx, sy, origin=(0.0, 0.0))
            assert isinstance(polygon, Polygon)  # a widened area is one polygon
            out.append(
                tactical.DeclaredVolume(
                    party=row.party,
                    polygon=polygon,
                    lower_m=p["lower_m"],
                    upper_m=p["upper_m"],
                    start=to_ts(parse_utc(p["start"], "start")),
                    end=to_ts(parse_utc(p["end"], "end")),
                    ref=row.id,
                )
            )
        return out

    def _record(
        self, events: list[AlertEvent], now: datetime, snap: tuple[bytes, int] | None
    ) -> None:
        """Chain each event concerning a party, addressed to it; a raised alert also goes
        out as a system message. Alerts between observed tracks only are listed, not sent.
        A shared picture's snapshot `snap` is published in the same transaction: the record
        and the snapshot a new owner starts from never disagree (service.picture_share)."""
        concerned = [e for e in events if e.alert.parties]
        if self.store is None or not concerned:
            if snap is not None and self.share is not None:
                self.share.publish(snap)
            return
        with self.store.write() as tx:
            if snap is not None and self.share is not None:
                self.share.publish(snap, tx)  # LeaseLost: nothing recorded
            for e in concerned:
                a = e.alert
                body = {"event": e.kind, **self._shown(a.to_dict())}
                record(tx, EventKind.ALERT, a.id, now, body, a.parties)
                if e.kind == "raised":
                    post_system_message(
                        tx,
                        self.agreement,
                        now,
                        to=a.parties,
                        priority=self._priority(a.kind, a.severity),
                        subject=f"{a.severity} {a.kind} alert {a.id}: "
                        + _alert_subject(body, now)
                        + ("" if body["corroborated"] else " (uncorroborated)"),
                        text=self._text(body, now),
                        refs=[("notice", a.detection.notice_id)] if a.detection.notice_id else [],
                    )

    def _priority(self, kind: str, severity: str) -> str:
        """The agreement's priority of a kind's system messages (hazard kinds: their own
        key, ``hotline.system_priority``), else of its severity."""
        sp = self.agreement.hotline.system_priority
        return sp.get(kind, sp[severity])

    def _text(self, a: dict[str, Any], now: datetime) -> str:
        if a["kind"] in ("exposure", "masking"):
            h = self.hazards.hazard(a["hazard_id"]) if self.hazards is not None else None
            named = f"hazard {a['hazard_id']}"
            if h is not None:
                d = h.draft
                reach = wording.nm(d.range_m)
                named += f" ({d.name}: {d.weapon or 'weapon'} of {d.operator}, {reach} NM)"
            return _hazard_text(a, named, now) + _provenance_text(a)
        if a["kind"] == "nonconformance":
            return _nonconformance_text(a, self.agreement.hazards.conformance_grace_s, now) + (
                _provenance_text(a)
            )
        return _alert_text(a, now)

    def _shown(self, alert: dict[str, Any]) -> dict[str, Any]:
        """An alert as its record names it: every party reads the record (`GET /ledger`),
        so a unit hidden from any of them is named by its alias (`model.visibility`)."""
        ids = shown_track_ids(
            alert["track_ids"],
            alert["owners"],
            self.agreement,
            self.agreement.party_ids,
            self._alias_key,
        )
        rename = dict(zip(alert["track_ids"], ids, strict=True))
        key = [rename.get(k, k) for k in alert["key"]]
        return {**alert, "track_ids": ids, "key": key}

    def alert_list(
        self, party: str, include_all: bool = False, kind: str | None = None
    ) -> dict[str, Any]:
        """Active alerts concerning `party` (or every active alert), of one `kind` if given."""
        if kind is not None and kind not in ALERT_KINDS:
            raise InvalidInput(f"must be one of {', '.join(ALERT_KINDS)}", field="kind")
        with self._lock:
            listed = self.alerts.to_dict(None if include_all else party)
        alerts = [a for a in listed["alerts"] if kind is None or a["kind"] == kind]
        return {"alerts": [self._shown(a) for a in alerts]}

    # ---- reads --------------------------------------------------------------------------
    def geojson(
        self,
        bbox: tuple[float, float, float, float] | None = None,
        include_stale: bool = True,
        viewer: str | None = None,
    ) -> dict[str, Any]:
        """The fused picture as GeoJSON, as `viewer` may see it (None: everything)."""
        with self._lock:
            fc = self.picture.to_geojson(self.clock(), bbox=bbox, include_stale=include_stale)
        if viewer is None:
            return fc
        features = []
        for f in fc["features"]:
            props = visible_track(f["properties"], self.agreement, viewer, self._alias_key)
            if props is not f["properties"]:
                f = {**f, "id": props["track_id"], "properties": props}
            features.append(f)
        return {**fc, "features": features}

    # ---- history (service.history) -----------------------------------------------------
    def _visible(self, props: dict[str, Any], viewer: str | None) -> dict[str, Any]:
        """A track's properties as `viewer` may see them, as `geojson` shows live ones."""
        return (
            props
            if viewer is None
            else visible_track(props, self.agreement, viewer, self._alias_key)
        )

    def history_at(
        self,
        at: datetime,
        bbox: tuple[float, float, float, float] | None = None,
        viewer: str | None = None,
    ) -> dict[str, Any]:
        """The fused picture as it was at `at` (interpolated between kept fixes), as GeoJSON
        Points with the live picture's properties, as `viewer` may see it. Made from plain
        rows (`HistoryRecorder.fused_at`), no states between: the same as
        `history_at_reference`."""
        if self.history is None:
            return {"type": "FeatureCollection", "features": []}
        with no_gc():  # 10,000 tracks' dicts: see service.history.no_gc
            rows = self.history.fused_at(at, bbox)
            at_iso = iso(at)
            times: dict[float, str] = {}  # a position's time: one iso each
            features: list[dict[str, Any]] = []
            append = features.append
            for tid, dom, src, owner, ts, lon, lat, alt, spd, crs, name, party, srcs in rows:
                if ts is None:
                    when = at_iso
                elif (when := times.get(ts)) is None:  # type: ignore[assignment]
                    when = times[ts] = iso(from_ts(ts))
                props: dict[str, Any] = {
                    "track_id": tid,
                    "domain": dom,
                    "name": name,
                    "owner": owner,
                    "source": src,
                    "sources": list(srcs),
                    "position_from": party or None,
                    "alt_ft": alt,
                    "speed_kt": spd,
                    "course_deg": crs,
                    "vertical_rate_fpm": None,
                    "stale": False,
                    "time": when,
                }
                if owner is not None:
                    props = self._visible(props, viewer)
                append(
                    {
                        "type": "Feature",
                        "id": props["track_id"],
                        "geometry": {"type": "Point", "coordinates": [lon, lat]},
                        "properties": props,
                    }
                )
        return {"type": "FeatureCollection", "features": features}

    def history_at_reference(
        self,
        at: datetime,
        bbox: tuple[float, float, float, float] | None = None,
        viewer: str | None = None,
    ) -> dict[str, Any]:
        """`history_at` made the plain way, through `HistoryRecorder.tracks_at`'s states:
        what the fast path is tested equal to."""
        if self.history is None:
            return {"type": "FeatureCollection", "features": []}
        with no_gc():  # 10,000 tracks' dicts: see service.history.no_gc
            states = self.history.tracks_at(at, bbox)
            times: dict[datetime, str] = {}  # most share the moment itself: one iso each
            features = []
            for t in states:
                when = times.get(t.time)
                if when is None:
                    when = times[t.time] = iso(t.time)
                props: dict[str, Any] = {
                    "track_id": t.track_id,
                    "domain": t.domain,
                    "name": t.name,
                    "owner": t.owner,
                    "source": t.source,
                    "sources": list(t.sources),
                    "position_from": t.party or None,
                    "alt_ft": t.alt_ft,
                    "speed_kt": t.speed_kt,
                    "course_deg": t.course_deg,
                    "vertical_rate_fpm": t.vertical_rate_fpm,
                    "stale": t.stale,
                    "time": when,
                }
                if t.owner is not None:
                    props = self._visible(props, viewer)
                features.append(
                    {
                        "type": "Feature",
                        "id": props["track_id"],
                        "geometry": {"type": "Point", "coordinates": [t.lon, t.lat]},
                        "properties": props,
                    }
                )
        return {"type": "FeatureCollection", "features": features}

    def history_trails(
        self,
        start: datetime,
        end: datetime,
        bbox: tuple[float, float, float, float] | None = None,
        track: str | None = None,
        viewer: str | None = None,
        max_fixes: int | None = None,
    ) -> dict[str, Any]:
        """Each track's kept fixes between `start` and `end` as a GeoJSON LineString (a
        Point for a single fix), `properties.times` the ISO UTC time of each vertex, named
        as `viewer` may see it. `track` is the id the viewer sees (a hidden unit's alias).
        More than `max_fixes` fixes: PayloadTooLarge naming `to`."""
        if self.history is None:
            return {"type": "FeatureCollection", "features": []}
        limit = None if max_fixes is None else max_fixes + 1
        rows = self.history.trails(start, end, bbox, [track] if track else None, limit)
        if track and not rows:  # perhaps an alias: read the window, match what is shown
            rows = self.history.trails(start, end, bbox, None, limit)
        if max_fixes is not None and len(rows) > max_fixes:
            raise PayloadTooLarge(
                f"more than {max_fixes:,} fixes between from and to: narrow the window, "
                "the bbox or name a track",
                field="to",
            )
        features = []
        for tid, t in fused_trails(rows).items():
            fixes = t["fixes"]
            last = fixes[-1]
            props = self._visible(
                {
                    "track_id": tid,
                    "domain": last.domain,
                    "name": next((f.name for f in reversed(fixes) if f.name), None),
                    "owner": last.owner,
                    "sources": list(t["sources"]),
                    "times": [iso(from_ts(f.time)) for f in fixes],
                    "alt_ft": [f.alt_ft for f in fixes],
                },
                viewer,
            )
            if track and props["track_id"] != track:
                continue  # a hidden unit asked for by its real id reads as nothing
            coords = [[f.lon, f.lat] for f in fixes]
            geometry = (
                {"type": "LineString", "coordinates": coords}
                if len(coords) > 1
                else {"type": "Point", "coordinates": coords[0]}
            )
            features.append(
                {
                    "type": "Feature",
                    "id": props["track_id"],
                    "geometry": geometry,
                    "properties": props,
                }
            )
        return {"type": "FeatureCollection", "features": features}

    def feed_stats(self) -> dict[str, Any]:
        with self._lock:
            return {
                "at": iso(self.clock()),
                "tracks": len(self.picture),
                "feeds": {
                    k: {"reports": s.reports, "skipped": dict(s.skipped)}
                    for k, s in self.stats.items()
                },
            }


def alert_id_prefix(started: datetime) -> str:
    """Alert ids are `A{start}-{n}`: the service's start time in base-36 milliseconds keeps ids
    unique across restarts (the ledger records alerts by id), and short enough to read out."""
    n, digits = int(started.timestamp() * 1000), ""
    while n:
        n, r = divmod(n, 36)
        digits = "0123456789abcdefghijklmnopqrstuvwxyz"[r] + digits
    return f"A{digits or '0'}-"


def _states(picture: Picture, now: datetime) -> tuple[tactical.TrackStates, np.ndarray]:
    """The picture's fresh tracks with velocity, both domains, as tactical's arrays, and
    per track the parties whose reports it rests on."""
    cols = [picture.arrays(now, d) for d in ("air", "sea")]
    sources = np.concatenate([c.sources for c in cols])
    owner_list = np.concatenate([c.owner for c in cols]) if cols else np.empty(0, object)
    owners = tuple(sorted({o for o in owner_list.tolist() if o is not None}))
    code = {o: n for n, o in enumerate(owners)}
    states = tactical.TrackStates(
        ids=np.concatenate([c.track_id for c in cols]),
        lon=np.concatenate([c.lon for c in cols]),
        lat=np.concatenate([c.lat for c in cols]),
        alt_ft=np.concatenate([c.alt_ft for c in cols]),
        speed_kt=np.concatenate([c.speed_kt for c in cols]),
        course_deg=np.concatenate([c.course_deg for c in cols]),
        vrate_fpm=np.nan_to_num(np.concatenate([c.vertical_rate_fpm for c in cols])),
        time=np.concatenate([c.time for c in cols]),
        domain=np.concatenate(
            [
                np.full(len(c), tactical.DOMAIN_CODE[d], np.int8)
                for c, d in zip(cols, ("air", "sea"), strict=True)
            ]
        ),
        owner=np.array([-1 if o is None else code[o] for o in owner_list.tolist()], np.int32),
        owners=owners,
    )
    return states, sources


def _drop_same_owner(
    found: tactical.Encounters, states: tactical.TrackStates
) -> tactical.Encounters:
    """A party deconflicts its own forces: pairs of two tracks of one owner are not ours."""
    oi, oj = states.owner[found.i], states.owner[found.j]
    keep = ~((oi == oj) & (oi >= 0))
    return tactical.Encounters(*(getattr(found, f)[keep] for f in tactical.Encounters._fields()))


def _at(value: str, now: datetime) -> str:
    """A moment as the system messages give it: UTC to the second today (alerts are
    about the next minutes), the date on another day."""
    return f"{wording.hhmm(value, now, seconds=True)} UTC"


def _window(start: str, end: str, now: datetime) -> str:
    return f"{wording.window(start, end, now)} UTC"


def _alert_subject(a: dict[str, Any], now: datetime) -> str:
    """What a raised alert's system message says in its subject: the tracks, and what
    the hazard kinds name (the hazard, the kinetic notice and the window)."""
    tracks = " / ".join(a["track_ids"])
    if a["kind"] in ("exposure", "masking"):
        return (
            f"{tracks} in hazard {a['hazard_id']}, hot by notice {a['notice_id']} "
            f"{_window(a['hot_from'], a['hot_to'], now)}"
        )
    if a["kind"] == "nonconformance":
        off = f" (kinetic notice {a['kinetic_notice_id']} active)" if a["kinetic_notice_id"] else ""
        return f"{tracks} of {a['owners'][0]} outside all its active notices{off}"
    return tracks + (f" into {a['notice_id']}" if a["notice_id"] else "")


def _hazard_text(a: dict[str, Any], named: str, now: datetime) -> str:
    window = f"hot {_window(a['hot_from'], a['hot_to'], now)} by notice {a['notice_id']}"
    if a["kind"] == "exposure":
        exit_s = a["exit_s"]
        leave = (
            f"time to exit at its speed {exit_s:,.0f} s (by {_at(a['exit_at'], now)})"
            if exit_s is not None
            else "not moving: it does not leave"
        )
        return (
            f"aircraft {a['track_ids'][0]} of {a['owners'][0]} is inside the envelope of "
            f"{named}, {window}; {wording.nm(a['depth_m'])} NM inside, {leave}; "
            f"near {wording.position(a['lat'], a['lon'])}"
        )
    kin, other = a["track_ids"]
    return (
        f"aircraft {kin} of {a['owners'][0]} is {wording.nm(a['distance_m'])} NM from {other} of "
        f"{a['owners'][1]}, their bearings from the site of {named} "
        f"{a['bearing_diff_deg']:.1f} deg apart, {window}: the weapon's radar may take "
        f"{other} for the kinetic party's aircraft"
    )


def _nonconformance_text(a: dict[str, Any], grace_s: float, now: datetime) -> str:
    party = a["owners"][0]
    text = (
        f"aircraft {a['track_ids'][0]} of {party} has been outside all of {party}'s active "
        f"notices for {a['outside_s']:,.0f} s (grace {grace_s:g} s), at "
        f"{wording.position(a['lat'], a['lon'])}; "
    )
    if a["notice_id"] is None:
        text += f"{party} has no active notice"
    else:
        text += f"nearest active notice {a['notice_id']}, {wording.nm(a['distance_m'])} NM away"
        if a["vertical_gap_m"]:
            text += f" and {wording.feet(a['vertical_gap_m'])} ft off its band"
    if a["kinetic_notice_id"]:
        text += (
            f"; {party}'s kinetic notice {a['kinetic_notice_id']} is active: kinetic "
            "activity off its notice"
        )
    return text


def _alert_text(a: dict[str, Any], now: datetime) -> str:
    if a["kind"] == "entry":
        text = (
            f"track {a['track_ids'][0]} predicted to enter notice {a['notice_id']} at "
            f"{_at(a['entry_at'], now)}, near {wording.position(a['lat'], a['lon'])}"
        )
    else:
        dz = a["vertical_separation_ft"]
        text = (
            f"closest approach {wording.nm(a['cpa_distance_m'])} NM at {_at(a['cpa_at'], now)}"
            + (f", {dz:,.0f} ft apart vertically" if dz is not None else "")
            + f", near {wording.position(a['lat'], a['lon'])}"
        )
    return text + _provenance_text(a)


def _provenance_text(a: dict[str, Any]) -> str:
    """On whose reports an alert rests (see `model.alerts`: `corroborated`)."""
    by = a["reported_by"]
    if not by:
        return ""
    if not a["corroborated"]:
        lone = " and ".join(f"{p}'s" for p in a["uncorroborated_by"])
        return f"; uncorroborated: a track rests on {lone} reports alone"
    return f"; reported by {', '.join(by)}"
