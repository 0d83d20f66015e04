"""The hot writes (POST /notices, POST /messages, POST /messages/{id}/receipts) served by
plain Starlette routes ahead of FastAPI's.

FastAPI's per-request dependency solving, its exit stack and its route wrapper were about
10 % of one API process's GIL time at 640 signed notices/s (py-spy, bench/scale.py
--profile); these routes read the bearer token and the body by hand instead. The FastAPI
routes of the same paths stay, for the OpenAPI document, and call the same handlers, so
both answer alike: same auth (`party_for_token`), same body parsing (`json_body`), same
errors (an InterlockError raised here goes through the app's exception handlers).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Collection
from typing import Any

import orjson
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from ..errors import InvalidInput, Unauthorized
from ..service.auth import TokenCache
from ..service.hotline import HotlineOp
from ..service.notices import WriteOp
from .responses import JSONBytes
from .writer import INLINE_PREPARE_BYTES

Run = Callable[..., Awaitable[Any]]  # GroupCommitter.run(op, inline=...)


async def read_body(request: Request) -> bytes:
    raw = await request.body()
    if not raw:
        raise InvalidInput("a JSON body is required", field="body")
    return raw


def parse_json(raw: bytes) -> Any:
    try:
        return orjson.loads(raw)
    except orjson.JSONDecodeError as exc:
        raise InvalidInput(f"malformed JSON: {exc}", field="body") from None


async def json_body(request: Request) -> Any:
    """The request's JSON body; 422 naming `body` when it is empty or malformed."""
    return parse_json(await read_body(request))


def bearer_token(authorization: str | None) -> str | None:
    """The token of an `Authorization: Bearer <token>` header, as FastAPI's HTTPBearer
    reads it (scheme case-insensitive, token stripped); None for anything else."""
    if not authorization:
        return None
    scheme, _, token = authorization.partition(" ")
    token = token.strip()
    if not (scheme and token) or scheme.lower() != "bearer":
        return None
    return token


class PartyOf:
    """The party a request's bearer token speaks for, or 401."""

    def __init__(self, tokens: TokenCache, party_ids: Callable[[], Collection[str]]) -> None:
        self.tokens = tokens
        self.party_ids = party_ids

    def __call__(self, token: str | None) -> str:
        if token is None:
            raise Unauthorized("missing bearer token (Authorization: Bearer <token>)")
        party = self.tokens.party(token)
        if party not in self.party_ids():
            raise Unauthorized("token of a party no longer in the agreement")
        return party


class HotWrites:
    """The three hot write handlers, given the party (however it was authenticated)."""

    def __init__(self, party_of: PartyOf, run: Run) -> None:
        self.party_of = party_of
        self.run = run

    async def _write(self, request: Request, make: Callable[[Any], Any]) -> Any:
        raw = await read_body(request)
        return await self.run(make(parse_json(raw)), inline=len(raw) <= INLINE_PREPARE_BYTES)

    async def submit_notice(self, request: Request, party: str) -> JSONBytes:
        result = await self._write(request, lambda body: WriteOp("submit", party, feature=body))
        return JSONBytes(result.to_dict(), status_code=201)

    async def send_message(self, request: Request, party: str) -> JSONBytes:
        result = await self._write(request, lambda body: HotlineOp("message", party, body))
        return JSONBytes(result, status_code=201)

    async def post_receipt(self, request: Request, party: str, message_id: str) -> JSONBytes:
        result = await self._write(
            request, lambda body: HotlineOp("receipt", party, body, message_id)
        )
        return JSONBytes(result, status_code=201)

    # ---- the lean routes ---------------------------------------------------------------
    def _party(self, request: Request) -> str:
        return self.party_of(bearer_token(request.headers.get("authorization")))

    async def _lean_notice(self, request: Request) -> Response:
        return await self.submit_notice(request, self._party(request))

    async def _lean_message(self, request: Request) -> Response:
        return await self.send_message(request, self._party(request))

    async def _lean_receipt(self, request: Request) -> Response:
        party = self._party(request)
        return await self.post_receipt(request, party, request.path_params["message_id"])

    def routes(self) -> list[Route]:
        """Routes to put ahead of the app's own (POST only: other methods of these paths
        fall through to FastAPI's routes)."""
        return [
            Route("/notices", self._lean_notice, methods=["POST"], include_in_schema=False),
            Route("/messages", self._lean_message, methods=["POST"], include_in_schema=False),
            Route(
                "/messages/{message_id}/receipts",
                self._lean_receipt,
                methods=["POST"],
                include_in_schema=False,
            ),
        ]
