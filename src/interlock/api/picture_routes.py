"""HTTP routes of replay: the picture at any moment, and the events between two."""

from collections.abc import Callable
from typing import Annotated, Any

from fastapi import APIRouter, Query

from ..model.timeutil import parse_utc
from ..service.history import no_gc
from ..service.replay import DEFAULT_EVENTS, MAX_EVENTS, ReplayService
from . import schemas
from .responses import JSONBytes

ERRORS: dict[int | str, dict[str, Any]] = {
    code: {"model": schemas.ErrorOut} for code in (401, 403, 404, 409, 413, 422)
}


def picture_router(
    replay: ReplayService,
    party_dep: Any,
    parse_bbox: Callable[[str | None], tuple[float, float, float, float] | None],
) -> APIRouter:
    router = APIRouter(tags=["replay"], responses=ERRORS)
    Party = Annotated[str, party_dep]

    @router.get("/picture", responses={200: {"model": schemas.PictureOut}})
    def picture(
        party: Party,
        at: Annotated[str, Query(description="the moment (ISO 8601 with a UTC offset)")],
        bbox: Annotated[str | None, Query(description="min_lon,min_lat,max_lon,max_lat")] = None,
    ) -> JSONBytes:
        """Everything your party saw at `at`, each part shaped as its live endpoint serves
        it: the notices in force (the version then current, its status then), assets,
        hazards, open conflicts and alerts, the hotline (messages with each addressee's
        receipts by then, channel states), the tracks. `live` is true when `at` is within
        a few seconds of the server's clock: the live picture is served."""
        moment = parse_utc(at, "at")
        # Built and encoded with the cycle collector held off, and the 10,000 tracks'
        # dicts freed (by their counts) before it is back: else the next collection finds
        # them alive, promotes them, and full collections of the heap follow (100-200 ms
        # pauses in the p99, bench/picture.py).
        with no_gc():
            return JSONBytes(replay.picture_at(party, moment, parse_bbox(bbox)))

    @router.get("/picture/events", responses={200: {"model": list[schemas.PictureEventOut]}})
    def events(
        party: Party,
        start: Annotated[str, Query(alias="from", description="from (ISO 8601), included")],
        end: Annotated[str, Query(alias="to", description="to (ISO 8601), included")],
        limit: Annotated[
            int, Query(description=f"at most this many, 1 to {MAX_EVENTS}")
        ] = DEFAULT_EVENTS,
    ) -> JSONBytes:
        """What your party saw happen from `from` to `to` (at most 7 days apart,
        `service.replay.MAX_EVENTS_SPAN`), oldest first: notices filed, amended,
        cancelled; conflicts detected and closed; messages sent, delivered, acknowledged,
        escalated; alerts raised and cleared; hazards and assets reported and retired;
        hotline channels up and down. Each is a readable sentence with names, and the id
        it refers to (`ref`)."""
        t0, t1 = parse_utc(start, "from"), parse_utc(end, "to")
        return JSONBytes(replay.events(party, t0, t1, limit))

    return router
