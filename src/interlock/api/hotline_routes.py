"""HTTP routes of the hotline: messages, receipts, heartbeat, channel status, push stream."""

from typing import Annotated, Any

from fastapi import APIRouter, Header, Query, Request
from fastapi.responses import Response, StreamingResponse
from starlette.concurrency import run_in_threadpool

from ..errors import InvalidInput
from ..service.hotline import HotlineService
from . import schemas
from .errors import error_response
from .hot_routes import HotWrites
from .limits import MAX_INT
from .responses import JSONBytes
from .stream import Broadcaster, GatedStream, StreamGate, party_stream

# A refused stream is asked to wait this long (RFC 9110 §10.2.3 Retry-After): about the
# time a client takes to notice one of its other streams has gone.
STREAM_RETRY_AFTER_S = 5

ERRORS: dict[int | str, dict[str, Any]] = {
    code: {"model": schemas.ErrorOut} for code in (401, 403, 404, 409, 413, 422)
}


def hotline_router(
    hotline: HotlineService,
    party_dep: Any,
    hot: HotWrites,
    broadcaster: Broadcaster,
    keepalive_s: float,
    gate: StreamGate,
) -> APIRouter:
    router = APIRouter(tags=["hotline"], responses=ERRORS)
    Party = Annotated[str, party_dep]

    @router.post(
        "/messages",
        status_code=201,
        response_model=None,
        responses={201: {"model": schemas.MessageOut}},
        openapi_extra=schemas.body_schema(schemas.SignedEnvelope),
    )
    async def send_message(request: Request, party: Party) -> JSONBytes:
        """Send a message: an Ed25519-signed envelope of kind "message" whose body is
        {to, priority, subject, body, refs, payload, phrase}; a `phrase` {code, args} is a
        standard phrase of GET /phrases. The deadline follows its priority."""
        return await hot.send_message(party, await request.body())

    @router.get("/messages", responses={200: {"model": list[schemas.MessageOut]}})
    def list_messages(
        party: Party,
        box: Annotated[str, Query(description="in, out or all")] = "all",
        pending: Annotated[bool, Query(description="only those awaiting acknowledgement")] = False,
        limit: Annotated[int, Query(ge=1, le=1000)] = 200,
    ) -> Any:
        """Your inbox and outbox, newest first, with each addressee's receipts."""
        return hotline.messages(party, box=box, pending=pending, limit=limit)

    @router.get("/messages/{message_id}", responses={200: {"model": schemas.MessageOut}})
    def get_message(message_id: str, party: Party) -> Any:
        return hotline.get(party, message_id)

    @router.post(
        "/messages/{message_id}/receipts",
        status_code=201,
        response_model=None,
        responses={201: {"model": schemas.ReceiptOut}},
        openapi_extra=schemas.body_schema(schemas.SignedEnvelope),
    )
    async def post_receipt(message_id: str, request: Request, party: Party) -> JSONBytes:
        """A signed receipt (kind "receipt", body {message, status, reply?}): "delivered"
        (sent by your client on receipt) or "acknowledged" (a person's act). Only an
        addressee may give one, once of each."""
        return await hot.post_receipt(party, message_id, await request.body())

    @router.post("/hotline/heartbeat", responses={200: {"model": schemas.HeartbeatOut}})
    def heartbeat(party: Party) -> Any:
        """Your client is alive. Silent past the agreed interval, the others are told."""
        return hotline.heartbeat(party)

    @router.get("/hotline/status", responses={200: {"model": list[schemas.ChannelOut]}})
    def status(party: Party) -> Any:
        """Every party's hotline state: up, down, or unknown (never heard)."""
        return hotline.status()

    @router.get(
        "/stream",
        response_class=StreamingResponse,
        responses={
            200: {"content": {"text/event-stream": {}}},
            429: {"model": schemas.ErrorOut, "description": "too many open streams"},
        },
    )
    async def stream(
        party: Party,
        after: Annotated[
            int | None, Query(ge=0, le=MAX_INT, description="last sequence seen")
        ] = None,
        last_event_id: Annotated[str | None, Header()] = None,
    ) -> Response:
        """Server-Sent Events: every ledger entry addressed to you (messages, receipts,
        conflicts, violations, escalations, channel health, notices), id = ledger seq.
        Resume with Last-Event-ID or ?after=; nothing is lost across reconnects.
        A party may hold the deployment's `streams_per_party` open at once: the next is
        429 with Retry-After (and its connection closed)."""
        start = after
        if start is None and last_event_id is not None:
            try:
                start = int(last_event_id)
            except ValueError:
                start = -1
            if not 0 <= start <= MAX_INT:
                raise InvalidInput("must be a sequence number", field="Last-Event-ID")
        await run_in_threadpool(hotline.agreement.party, party)

        def read(after_seq: int, limit: int) -> list[dict[str, Any]]:
            return hotline.stream_entries(party, after_seq, limit)

        # One read before the 200 goes out: a store that is down answers 503 with a reason
        # (as every other route does), not a stream that breaks off at once.
        await run_in_threadpool(read, start or 0, 1)

        if not gate.try_open(party):
            return error_response(
                429,
                "too_many_streams",
                f"party {party} already has {gate.per_party} push streams open "
                "(server.streams_per_party)",
                {"Retry-After": str(STREAM_RETRY_AFTER_S), "Connection": "close"},
            )
        return GatedStream(
            gate,
            party,
            party_stream(read, start or 0, broadcaster, keepalive_s, gate.read_slot(party)),
            media_type="text/event-stream",
            headers={"Cache-Control": "no-cache", "X-Accel-Buffering": "no"},
        )

    return router
