"""HTTP route of track history: each track's trail over a window (GeoJSON LineStrings)."""

from datetime import timedelta
from typing import Annotated, Any

from fastapi import APIRouter, Query
from starlette.concurrency import run_in_threadpool

from ..errors import InvalidInput
from ..model.timeutil import parse_utc
from ..service.tracks import TrackService
from . import schemas

# One request's bounds: a day of trails (an after-action window), and the fixes one answer
# may carry (200 k fixes is ~20 MB of GeoJSON: an hour of 1,000 tracks thinned to 5 s).
MAX_SPAN = timedelta(hours=24)
MAX_FIXES = 200_000

ERRORS: dict[int | str, dict[str, Any]] = {
    code: {"model": schemas.ErrorOut} for code in (401, 413, 422)
}


def history_router(tracks: TrackService, party_dep: Any, parse_bbox: Any) -> APIRouter:
    router = APIRouter(tags=["tracks"], responses=ERRORS)
    Party = Annotated[str, party_dep]

    @router.get("/tracks/history", responses={200: {"model": schemas.TrailCollectionOut}})
    async def track_history(
        party: Party,
        start: Annotated[str, Query(alias="from", description="ISO 8601 with a UTC offset")],
        end: Annotated[str, Query(alias="to", description="ISO 8601; at most 24 h after from")],
        bbox: Annotated[str | None, Query(description="min_lon,min_lat,max_lon,max_lat")] = None,
        track: Annotated[str | None, Query(description="one track, by the id you see")] = None,
    ) -> Any:
        """Each track's kept positions between `from` and `to` as a GeoJSON LineString (a
        Point for one fix), `properties.times` the UTC time of each vertex; one trail per
        identity, from every party's reports of it. Names and unit ids as on `GET /tracks`.
        At most 24 h and 200,000 fixes an answer (413 naming `to`: narrow it)."""
        t0, t1 = parse_utc(start, "from"), parse_utc(end, "to")
        if t1 < t0:
            raise InvalidInput("must not be before from", field="to")
        if t1 - t0 > MAX_SPAN:
            raise InvalidInput("at most 24 h after from", field="to")
        if track is not None and not 0 < len(track) <= 200:
            raise InvalidInput("1 to 200 characters", field="track")
        box = parse_bbox(bbox)
        return await run_in_threadpool(tracks.history_trails, t0, t1, box, track, party, MAX_FIXES)

    return router
