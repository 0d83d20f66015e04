"""HTTP routes of the electromagnetic arena: live interference conflicts and I/N plots."""

from typing import Annotated, Any

from fastapi import APIRouter, Query, Response
from starlette.concurrency import run_in_threadpool

from ..service.spectrum import SpectrumService
from ..spectrum.plot import plot_png
from . import schemas

ERRORS: dict[int | str, dict[str, Any]] = {
    code: {"model": schemas.ErrorOut} for code in (401, 404, 422)
}
WHEN = "ISO 8601 with a UTC offset"


def spectrum_router(spectrum: SpectrumService, party_dep: Any) -> APIRouter:
    router = APIRouter(tags=["spectrum"], responses=ERRORS)
    Party = Annotated[str, party_dep]

    @router.get("/spectrum/conflicts", response_model=schemas.SpectrumConflictsOut)
    async def spectrum_conflicts(
        party: Party,
        start: Annotated[str | None, Query(description=f"{WHEN}; default now")] = None,
        end: Annotated[str | None, Query(description=f"{WHEN}; default start + 24 h")] = None,
        all_parties: bool = False,
    ) -> Any:
        """Receivers whose aggregate I/N exceeds their criterion in the window, recomputed
        from the stored emissions: worst slice, contributors, move list and advice. Yours
        (as receiver owner or contributor) unless `all_parties`."""
        return await run_in_threadpool(spectrum.conflicts, party, start, end, all_parties)

    @router.get(
        "/spectrum/receivers/{asset_id}/plot.png",
        response_class=Response,
        responses={200: {"content": {"image/png": {}}}},
    )
    async def spectrum_plot(
        asset_id: str,
        party: Party,
        start: Annotated[str | None, Query(description=f"{WHEN}; default now")] = None,
        end: Annotated[str | None, Query(description=f"{WHEN}; default start + 24 h")] = None,
    ) -> Response:
        """A protected receiver's aggregate I/N over the window, criterion drawn (PNG)."""

        def render() -> bytes:
            asset, timeline = spectrum.timeline(asset_id, start, end)
            name = asset.feature["properties"].get("name", asset_id)
            return plot_png(timeline, f"{name} ({asset.party}): aggregate I/N")

        return Response(await run_in_threadpool(render), media_type="image/png")

    return router
