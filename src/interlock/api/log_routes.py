"""HTTP routes of the verifiable log: checkpoints, proofs, cosignatures (service.log)."""

from typing import Annotated, Any

from fastapi import APIRouter, Query, Request
from fastapi.responses import PlainTextResponse
from starlette.concurrency import run_in_threadpool

from ..service.log import LogService
from . import schemas
from .limits import MAX_INT

ERRORS: dict[int | str, dict[str, Any]] = {
    code: {"model": schemas.ErrorOut} for code in (401, 404, 413, 422)
}
NOTE_TYPE = "text/plain; charset=utf-8"


def log_router(log: LogService, party_dep: Any, body_of: Any) -> APIRouter:
    """Reads straight to the service; a cosignature is a small write of its own."""
    router = APIRouter(tags=["record"], responses=ERRORS)
    Party = Annotated[str, party_dep]
    Size = Query(ge=1, le=MAX_INT)

    @router.get(
        "/checkpoint",
        response_class=PlainTextResponse,
        responses={200: {"content": {NOTE_TYPE: {}}, "description": "a C2SP signed note"}},
    )
    def checkpoint(party: Party) -> PlainTextResponse:
        """The latest checkpoint the server signed (one per commit batch), as a C2SP
        signed note carrying the log's signatures and the parties' cosignatures."""
        return PlainTextResponse(log.checkpoint()["note"], media_type=NOTE_TYPE)

    @router.get("/checkpoint.json", responses={200: {"model": schemas.CheckpointOut}})
    def checkpoint_json(party: Party) -> Any:
        """The latest checkpoint with its parts spelled out and the log's verifier key."""
        return log.checkpoint()

    @router.get("/proof/inclusion", responses={200: {"model": schemas.InclusionProofOut}})
    def inclusion(
        party: Party,
        seq: Annotated[int, Size],
        size: Annotated[int, Size],
    ) -> Any:
        """Ledger entry `seq` is leaf seq-1 of the tree of `size` entries."""
        return log.inclusion(seq, size)

    @router.get("/proof/consistency", responses={200: {"model": schemas.ConsistencyProofOut}})
    def consistency(
        party: Party,
        first: Annotated[int, Query(alias="from", ge=1, le=MAX_INT)],
        to: Annotated[int, Size],
    ) -> Any:
        """The tree of `to` entries extends the tree of `from` entries."""
        return log.consistency(first, to)

    @router.post(
        "/checkpoint/cosign",
        responses={200: {"model": schemas.CosignOut}},
        openapi_extra=schemas.body_schema(schemas.CosignIn),
    )
    async def cosign(request: Request, party: Party) -> Any:
        """Add your cosignature to a checkpoint you verified: refused unless it verifies
        with one of your agreement keys over a checkpoint this log signed."""
        body = await body_of(request)
        return await run_in_threadpool(log.cosign, party, body)

    return router
