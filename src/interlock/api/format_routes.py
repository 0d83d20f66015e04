"""HTTP routes of the field's formats: KML and ASTM F3548 out, notices in.

Registered before `/notices/{notice_id}` (api.app), which would otherwise take
"n-1.kml" for a notice id. An import converts only; the notices are filed through the
notice collection's write (WriteOp "submit_all"): validated as GeoJSON, all or nothing,
a refusal naming the placemark or volume rather than `features[i]`.
"""

from collections.abc import Awaitable, Callable
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Query, Request, Response
from starlette.concurrency import run_in_threadpool

from ..errors import InterlockError, InvalidInput
from ..model.timeutil import parse_utc
from ..service.formats import FormatService, relabel
from ..service.notices import WriteOp
from ..service.root import Services
from . import schemas
from .responses import JSONBytes

ERRORS: dict[int | str, dict[str, Any]] = {
    code: {"model": schemas.ErrorOut} for code in (401, 403, 404, 409, 413, 422)
}
KML: dict[int | str, dict[str, Any]] = {
    200: {"content": {"application/vnd.google-earth.kml+xml": {}}}
}


def _base(request: Request) -> str:
    return str(request.base_url).rstrip("/")


def format_router(
    services: Services,
    party_dep: Any,
    commit: Callable[[Any], Awaitable[Any]],
    parse_bbox: Callable[[str | None], Any],
) -> APIRouter:
    router = APIRouter(tags=["formats"], responses=ERRORS)
    formats = FormatService(services)
    Party = Annotated[str, party_dep]

    @router.get("/notices/{notice_id}.kml", response_class=Response, responses=KML)
    async def notice_kml(notice_id: str, party: Party) -> Response:
        """One notice as KML for Google Earth (as you may see it): its area extruded in
        the air, a TimeSpan for the time slider."""
        out = await run_in_threadpool(formats.export_notice, party, notice_id, "kml")
        return Response(out.text, media_type=out.media_type)

    @router.get("/notices/{notice_id}.f3548", responses={200: {"model": schemas.F3548IntentOut}})
    async def notice_f3548(notice_id: str, request: Request, party: Party) -> Response:
        """One air notice as an ASTM F3548-21 OperationalIntent (heights: WGS84 ellipsoid
        metres, mean sea level taken as the ellipsoid; flight levels in the ISA)."""
        out = await run_in_threadpool(
            lambda: formats.export_notice(party, notice_id, "f3548", base_url=_base(request))
        )
        return Response(out.text, media_type=out.media_type)

    async def export(
        fmt: str, request: Request, party: str, start: str | None, end: str | None, bbox: str | None
    ) -> Response:
        t0 = parse_utc(start, "from") if start is not None else None
        t1 = parse_utc(end, "to") if end is not None else None
        if t0 and t1 and t1 < t0:
            raise InvalidInput("to must not be before from", field="to")
        box = parse_bbox(bbox)
        out = await run_in_threadpool(
            lambda: formats.export_all(
                party, fmt, start=t0, end=t1, bbox=box, base_url=_base(request)
            )
        )
        return Response(out.text, media_type=out.media_type)

    From = Annotated[str | None, Query(alias="from", description="overlapping from (ISO 8601)")]
    To = Annotated[str | None, Query(alias="to", description="overlapping until (ISO 8601)")]
    Bbox = Annotated[str | None, Query(description="min_lon,min_lat,max_lon,max_lat")]

    @router.get("/export.kml", response_class=Response, responses=KML)
    async def export_kml(
        request: Request, party: Party, start: From = None, end: To = None, bbox: Bbox = None
    ) -> Response:
        """Everything you may see as one KML document: notices, protected assets, hazards
        (envelopes), conflicts (at the worst point) and track trails, with time spans."""
        return await export("kml", request, party, start, end, bbox)

    @router.get("/export.f3548", responses={200: {"model": schemas.F3548IntentsOut}})
    async def export_f3548(
        request: Request, party: Party, start: From = None, end: To = None, bbox: Bbox = None
    ) -> Response:
        """Every air notice you may see, submitted or active, as F3548 operational intents."""
        return await export("f3548", request, party, start, end, bbox)

    @router.post(
        "/notices/import",
        status_code=201,
        response_model=None,
        responses={201: {"model": schemas.SubmitAllOut}},
        openapi_extra={
            "requestBody": {
                "required": True,
                "content": {
                    "application/vnd.google-earth.kml+xml": {"schema": {"type": "string"}},
                    "application/json": {"schema": {"type": "object"}},
                    "text/plain": {"schema": {"type": "string"}},
                },
            }
        },
    )
    async def import_notices(
        request: Request,
        party: Party,
        fmt: Annotated[Literal["kml", "f3548", "notam"], Query(alias="format")],
    ) -> JSONBytes:
        """File the notices a KML document (Polygons, LineStrings with half_width_m; the
        band and window from ExtendedData or a TimeSpan), ASTM F3548 operational intents
        or ICAO NOTAM text (the Q-line and items A-G) declare: all or nothing, exactly as
        POST /notices/collection. A refusal names the placemark, volume or NOTAM item, and
        what it lacks."""
        raw = await request.body()
        if not raw:
            raise InvalidInput("a body is required", field="body")
        parsed = await run_in_threadpool(formats.import_notices, party, fmt, raw)
        labels = [label for label, _ in parsed]
        try:
            result = await commit(WriteOp("submit_all", party, feature=[f for _, f in parsed]))
        except InterlockError as exc:
            raise relabel(exc, labels) from None
        return JSONBytes(result.to_dict(), status_code=201)

    return router
