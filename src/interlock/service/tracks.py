"""Track use cases: ingest feeds into the picture, read it back.

The picture lives in memory (`model.picture.Picture`): reports arrive at tens of
thousands a second and are superseded within seconds, so they are not written one by
one to the store; what must be on record (alerts raised and cleared) is. Decoders keep
state between batches (AIS multi-sentence messages, Mode S CPR pairs), one per party and
feed, so a message split across two HTTP batches still decodes.
"""

from __future__ import annotations

import threading
from collections.abc import Iterable, Iterator
from datetime import datetime, timedelta
from typing import Any

from ..errors import InvalidInput
from ..feeds.ais import AisDecoder
from ..feeds.geojson import parse_own_forces
from ..feeds.modes import ModeSDecoder
from ..feeds.sbs import parse_sbs
from ..model.agreement import Agreement
from ..model.picture import Picture, Update
from ..model.timeutil import from_ts, iso, parse_utc
from ..model.track import FeedStats, Skip, TrackReport
from .clock import Clock, utc_now

FEEDS = ("ais", "sbs", "modes")
MAX_LINES = 100_000  # per request: a receiver posts batches, not archives
DROP_AFTER = timedelta(hours=1)  # forget a track silent this long (memory bound)


class TrackService:
    """One picture shared by every party; each party's feeds decoded on their own."""

    def __init__(self, agreement: Agreement, clock: Clock = utc_now) -> None:
        self.agreement = agreement
        self.clock = clock
        self.picture = Picture()
        self.stats: dict[str, FeedStats] = {}
        self._decoders: dict[tuple[str, str], Any] = {}
        self._lock = threading.Lock()  # the picture and decoders are not thread-safe

    # ---- ingest -----------------------------------------------------------------------
    def ingest_lines(self, party: str, feed: str, lines: Iterable[str]) -> dict[str, Any]:
        """Decode a batch of one feed's lines (AIS NMEA, SBS CSV, or Mode S "TIME HEX")."""
        self.agreement.party(party)
        if feed not in FEEDS:
            raise InvalidInput(f"must be one of {', '.join(FEEDS)}", field="feed")
        batch = list(lines)
        if len(batch) > MAX_LINES:
            raise InvalidInput(f"at most {MAX_LINES} lines a batch", field="body")
        with self._lock:
            return self._apply(feed, self._decode(party, feed, batch))

    def ingest_own_forces(self, party: str, doc: Any) -> dict[str, Any]:
        """A party's own units as GeoJSON Points (owner = the party)."""
        self.agreement.party(party)
        outputs = list(parse_own_forces(doc, party))
        with self._lock:
            return self._apply("json", iter(outputs))

    def _decode(self, party: str, feed: str, lines: list[str]) -> Iterator[TrackReport | Skip]:
        if feed == "sbs":
            return parse_sbs(lines)
        key = (party, feed)
        if feed == "ais":
            decoder = self._decoders.setdefault(key, AisDecoder(self.clock))
            return (out for line in lines for out in decoder.feed(line))
        decoder = self._decoders.setdefault(key, ModeSDecoder())
        return self._modes(decoder, lines)

    @staticmethod
    def _modes(decoder: ModeSDecoder, lines: list[str]) -> Iterator[TrackReport | Skip]:
        for n, line in enumerate(lines, start=1):
            parts = line.split()
            if not parts:
                continue
            if len(parts) != 2:
                yield Skip("malformed", f"line {n}", "expected 'TIME HEX'")
                continue
            try:
                at = _frame_time(parts[0])
            except InvalidInput as exc:
                yield Skip("bad_time", f"line {n}", exc.detail)
                continue
            yield from decoder.feed(parts[1].strip("*;"), at, f"line {n}")

    def _apply(self, feed: str, outputs: Iterator[TrackReport | Skip]) -> dict[str, Any]:
        stats = self.stats.setdefault(feed, FeedStats())
        batch = FeedStats()
        updates: dict[str, int] = {}
        for out in outputs:
            result = self.picture.apply(out) if isinstance(out, TrackReport) else out
            if isinstance(result, Update):
                batch.reports += 1
                updates[result.kind] = updates.get(result.kind, 0) + 1
            else:
                batch.skip(result)
        stats.reports += batch.reports
        for reason, n in batch.skipped.items():
            stats.skipped[reason] = stats.skipped.get(reason, 0) + n
        self.picture.expire(self.clock(), DROP_AFTER)
        return {"reports": batch.reports, "updates": updates, "skipped": batch.skipped}

    # ---- reads --------------------------------------------------------------------------
    def geojson(
        self, bbox: tuple[float, float, float, float] | None = None, include_stale: bool = True
    ) -> dict[str, Any]:
        with self._lock:
            return self.picture.to_geojson(self.clock(), bbox=bbox, include_stale=include_stale)

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


def _frame_time(text: str) -> datetime:
    """A Mode S line's time: ISO 8601 with offset, or epoch seconds."""
    try:
        seconds = float(text)
    except ValueError:
        return parse_utc(text, "time")
    if not 0 < seconds < 1e10:
        raise InvalidInput("epoch seconds out of range", field="time")
    return from_ts(seconds)
