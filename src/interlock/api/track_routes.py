"""HTTP routes of the live picture: feed batches in, tracks out (GeoJSON)."""

from collections.abc import Awaitable, Callable
from typing import Annotated, Any

from fastapi import APIRouter, Query, Request
from starlette.concurrency import run_in_threadpool

from ..errors import InvalidInput
from ..model.alerts import KINDS as ALERT_KINDS
from ..service.tracks import FEEDS, TrackService
from . import schemas
from .responses import JSONBytes

ERRORS: dict[int | str, dict[str, Any]] = {
    code: {"model": schemas.ErrorOut} for code in (401, 403, 404, 409, 413, 422)
}
TEXT_BODY = {
    "requestBody": {
        "required": True,
        "content": {
            "text/plain": {
                "schema": {"type": "string"},
                "example": "!AIVDM,1,1,,A,15NG6V0P01G?cFhE`R2IU?wn28R>,0*05",
            }
        },
    }
}


# 202 (a batch queued for the picture's owner, several processes) is not in the document:
# it cannot happen on the one process the document's tests run (see `_status`).
QUEUED: dict[int | str, dict[str, Any]] = {
    503: {
        "model": schemas.ErrorOut,
        "description": "Too many batches wait for the live picture's owner (several "
        "processes): nothing was queued, retry after Retry-After",
    },
}


def _status(result: dict[str, Any]) -> int:
    """202 for a batch queued for the picture's owner, not applied yet: with several
    processes on PostgreSQL another owns the live picture (service.picture_share) and
    did not answer within its wait; the body says `queued` (its inbox place) and
    `detail`. It will be applied: do not send it again."""
    return 202 if "queued" in result else 200


def track_router(
    tracks: TrackService,
    party_dep: Any,
    body_of: Callable[[Request], Awaitable[Any]],
    parse_bbox: Callable[[str | None], tuple[float, float, float, float] | None],
) -> APIRouter:
    router = APIRouter(tags=["tracks"], responses=ERRORS)
    Party = Annotated[str, party_dep]

    @router.post(
        "/feeds/{feed}",
        openapi_extra=TEXT_BODY,
        responses={200: {"model": schemas.IngestOut}, **QUEUED},
    )
    async def ingest_feed(feed: str, request: Request, party: Party) -> JSONBytes:
        """A batch of one feed's lines from your receiver: `ais` (NMEA 0183 AIVDM/AIVDO,
        tag blocks allowed), `sbs` (BaseStation port 30003 CSV), `modes` (one frame a line:
        "TIME HEX" with TIME ISO 8601 or epoch seconds, bare "HEX", AVR "*HEX;", or JSON
        with "timestamp" and "frame"/"rawmsg"/"raw"; see `feeds.modes`). A line without a
        time is timed by its arrival. Bad lines are counted by reason, never fatal; the
        answer says what the batch produced (202 `queued`: several processes, the batch
        waits for the one owning the picture and will be applied; do not resend)."""
        if feed not in FEEDS:
            raise InvalidInput(f"must be one of {', '.join(FEEDS)}", field="feed")
        raw = await request.body()
        try:
            text = raw.decode("ascii")
        except UnicodeDecodeError:
            text = raw.decode("latin-1")  # receivers' junk bytes become skipped lines
        result = await run_in_threadpool(tracks.ingest_lines, party, feed, text.splitlines())
        return JSONBytes(result, status_code=_status(result))

    @router.post(
        "/tracks",
        openapi_extra=schemas.body_schema(schemas.OwnForcesIn),
        responses={200: {"model": schemas.IngestOut}, **QUEUED},
    )
    async def post_own_forces(request: Request, party: Party) -> JSONBytes:
        """Your own forces' states as GeoJSON Points (track id = your party : feature id)."""
        body = await body_of(request)
        result = await run_in_threadpool(tracks.ingest_own_forces, party, body)
        return JSONBytes(result, status_code=_status(result))

    @router.get("/tracks", responses={200: {"model": schemas.TrackCollectionOut}})
    def get_tracks(
        party: Party,
        bbox: Annotated[str | None, Query(description="min_lon,min_lat,max_lon,max_lat")] = None,
        include_stale: bool = True,
    ) -> Any:
        """The live picture as GeoJSON: one fused track per identity, its latest state
        (stale ones flagged), `sources` the parties reporting it and `position_from` the
        one whose fix is shown. Another party's units are named as the agreement's
        `others_see` allows (`unit`, `callsign`)."""
        return tracks.geojson(parse_bbox(bbox), include_stale, viewer=party)

    @router.get("/tracks/stats", responses={200: {"model": schemas.FeedStatsOut}})
    def feed_stats(party: Party) -> Any:
        """Reports accepted and lines skipped (by reason) per feed since the server started."""
        return tracks.feed_stats()

    @router.get("/alerts", responses={200: {"model": schemas.AlertsOut}})
    def get_alerts(
        party: Party,
        all_parties: bool = False,
        kind: Annotated[
            str | None, Query(description="only this kind: " + ", ".join(ALERT_KINDS))
        ] = None,
    ) -> Any:
        """Active tactical alerts concerning your party (predicted losses of separation,
        predicted entries into declared notices, aircraft exposed in hot hazards, aircraft
        off their notices, masking); `all_parties` lists every active one, including those
        between observed tracks only; `kind` only those of one kind."""
        return tracks.alert_list(party, include_all=all_parties, kind=kind)

    return router
