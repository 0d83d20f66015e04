"""HTTP routes of advice: what would clear a conflict, and applying it.

``GET /conflicts/{id}/advice`` and ``GET /notices/{id}/advice`` compute (no write lock,
a few hundred ms at most: in the thread pool); ``POST /notices/{id}/advice/{k}/apply``
amends the notice with advice k through the writer like any amendment.
"""

from collections.abc import Awaitable, Callable
from typing import Annotated, Any

from fastapi import APIRouter, Path, Request
from starlette.concurrency import run_in_threadpool

from ..errors import InvalidInput
from ..service.notices import SubmitResult
from ..service.root import Services
from . import schemas
from .limits import MAX_INT
from .responses import JSONBytes

ERRORS: dict[int | str, dict[str, Any]] = {
    code: {"model": schemas.ErrorOut} for code in (401, 403, 404, 409, 413, 422)
}


async def _optional_json(request: Request) -> Any:
    """The body as JSON, or None when empty (apply's unsigned form)."""
    raw = await request.body()
    if not raw.strip():
        return None
    import orjson

    try:
        return orjson.loads(raw)
    except orjson.JSONDecodeError:
        raise InvalidInput("the body is not valid JSON", field="body") from None


def advice_router(
    services: Services, party_dep: Any, commit: Callable[[Any], Awaitable[Any]]
) -> APIRouter:
    router = APIRouter(tags=["advice"], responses=ERRORS)
    advice = services.advice
    Party = Annotated[str, party_dep]

    @router.get("/conflicts/{conflict_id}/advice", responses={200: {"model": schemas.AdviceOut}})
    async def conflict_advice(
        conflict_id: Annotated[int, Path(ge=1, le=MAX_INT)], party: Party
    ) -> Any:
        """The smallest changes of your notice in this conflict that clear it of every
        other party's notice, asset and hot hazard: time, level, place, shrink."""
        return await run_in_threadpool(advice.for_conflict, party, conflict_id)

    @router.get("/notices/{notice_id}/advice", responses={200: {"model": schemas.AdviceOut}})
    async def notice_advice(notice_id: str, party: Party) -> Any:
        """Advice for your own notice: clears all its conflicts at once."""
        return await run_in_threadpool(advice.for_notice, party, notice_id)

    @router.post(
        "/notices/{notice_id}/advice/{k}/apply",
        response_model=None,
        responses={200: {"model": schemas.AppliedOut}},
    )
    async def apply_advice(notice_id: str, k: str, request: Request, party: Party) -> JSONBytes:
        """Amend your notice with advice k (a kind, e.g. `delay`, or its index): an empty
        body files the advised notice as it is; a signed amendment envelope of exactly
        the advised feature files it signed (required where the agreement says so)."""
        body = await _optional_json(request)
        if body is not None and not isinstance(body, dict):
            raise InvalidInput("an object (a signed envelope) or nothing", field="body")
        if isinstance(body, dict) and not body:
            body = None
        op, piece = await run_in_threadpool(advice.apply_op, party, notice_id, k, body)
        result: SubmitResult = await commit(op)
        out = result.to_dict()
        out["applied"] = {"kind": piece.kind.value, "summary": advice.summary(piece)}
        return JSONBytes(out)

    return router
