"""HTTP routes of the field's text formats: a notice as ICAO NOTAM or NAVAREA warning
text, and conflicts or alerts as CSV. Registered before `/notices/{notice_id}`, which
would otherwise take "n-1.notam" for an id."""

from typing import Annotated, Any

from fastapi import APIRouter, Query
from fastapi.responses import PlainTextResponse, Response
from starlette.concurrency import run_in_threadpool

from ..service.text_formats import CSV_WHAT, TextFormats
from . import schemas

TEXT = "text/plain; charset=utf-8"
CSV = "text/csv; charset=utf-8"


def notam_router(formats: TextFormats, party_dep: Any) -> APIRouter:
    router = APIRouter(tags=["formats"], responses=schemas.TEXT_FORMAT_ERRORS)
    Party = Annotated[str, party_dep]

    @router.get(
        "/notices/{notice_id}.notam",
        response_class=PlainTextResponse,
        responses=schemas.text_response("text/plain", schemas.NOTAM_EXAMPLE),
    )
    async def notice_notam(notice_id: str, party: Party) -> Response:
        """An air notice as ICAO NOTAM text (Q-line and items A-G; a draft number). A sea
        or emission notice is 422 naming `properties.domain`."""
        text = await run_in_threadpool(formats.notam, party, notice_id)
        return PlainTextResponse(text, media_type=TEXT)

    @router.get(
        "/notices/{notice_id}.navarea",
        response_class=PlainTextResponse,
        responses=schemas.text_response("text/plain", schemas.NAVAREA_EXAMPLE),
    )
    async def notice_navarea(notice_id: str, party: Party) -> Response:
        """A sea notice as a NAVAREA navigational warning (positions clockwise). An air
        notice is 422 naming `properties.domain` (ask for .notam)."""
        text = await run_in_threadpool(formats.navarea, party, notice_id)
        return PlainTextResponse(text, media_type=TEXT)

    @router.get(
        "/export.csv",
        response_class=Response,
        responses=schemas.text_response("text/csv", schemas.CSV_EXAMPLE),
    )
    async def export_csv(
        party: Party,
        what: Annotated[str, Query(description="one of: " + ", ".join(CSV_WHAT))],
    ) -> Response:
        """Your conflicts (open and closed) or your active alerts as CSV, one row each;
        cells a spreadsheet would run as a formula are quoted as text."""
        text = await run_in_threadpool(formats.csv, party, what)
        return Response(
            text,
            media_type=CSV,
            headers={"Content-Disposition": f'attachment; filename="{what}.csv"'},
        )

    return router
