"""HTTP routes of hazards: third-party weapon engagement zones any party reports, all see."""

from collections.abc import Awaitable, Callable
from typing import Annotated, Any

from fastapi import APIRouter, Request

from ..service.hazards import HazardOp, HazardService
from . import schemas
from .responses import JSONBytes

ERRORS: dict[int | str, dict[str, Any]] = {
    code: {"model": schemas.ErrorOut} for code in (401, 403, 404, 409, 413, 422)
}


def hazard_router(
    hazards: HazardService,
    party_dep: Any,
    body_of: Callable[[Request], Awaitable[Any]],
    commit: Callable[[Any], Awaitable[Any]],
) -> APIRouter:
    """Writes go through the group committer (`commit`), reads straight to the service."""
    router = APIRouter(tags=["hazards"], responses=ERRORS)
    Party = Annotated[str, party_dep]

    @router.post(
        "/hazards",
        status_code=201,
        responses={201: {"model": schemas.HazardOut}},
        openapi_extra=schemas.body_schema(schemas.HazardFeature),
    )
    async def report_hazard(request: Request, party: Party) -> JSONBytes:
        """Report a third party's weapon engagement zone: a site (Point) or an area
        (Polygon), the weapon's range and altitude band, and how you know (`source`).
        Every party sees it; only you may retire it."""
        body = await body_of(request)
        return JSONBytes(await commit(HazardOp("create", party, feature=body)), status_code=201)

    @router.get("/hazards", responses={200: {"model": schemas.HazardCollectionOut}})
    def list_hazards(party: Party, include_retired: bool = False) -> Any:
        """Every hazard in force (and the retired ones with include_retired), each with
        its envelope and the windows a kinetic notice makes it hot."""
        return hazards.list(include_retired)

    @router.get("/hazards/{hazard_id}", responses={200: {"model": schemas.HazardOut}})
    def get_hazard(hazard_id: str, party: Party) -> Any:
        return hazards.get(hazard_id)

    @router.post("/hazards/{hazard_id}/retire", responses={200: {"model": schemas.HazardOut}})
    async def retire_hazard(hazard_id: str, party: Party) -> Any:
        """Retire a hazard you reported (kept on record); another party's is 403."""
        return await commit(HazardOp("retire", party, hazard_id))

    return router
