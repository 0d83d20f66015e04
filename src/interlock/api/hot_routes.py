"""The hot writes (POST /notices, POST /messages, POST /messages/{id}/receipts) served by
a lean ASGI path inside the request limits, ahead of FastAPI's routing.

FastAPI's dependency solving, its exception and exit-stack middleware, the router's match
over every route, and the Request and Response wrappers were a quarter of one API
process's GIL time at 640 signed notices/s (py-spy, bench/scale.py --profile). `HotPath`
takes these three requests after BodyLimit and FairShare have passed them and answers
them itself. The FastAPI routes of the same paths stay, for the OpenAPI document, and
call the same `HotWrites` handlers, so both answer alike: same auth (`PartyOf`), same
body parsing, same refusals (`errors.interlock_error`); anything unexpected still
reaches the app's outer 500 handler.
"""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable, Collection
from typing import Any

import orjson
from starlette.requests import ClientDisconnect, Request

from ..errors import InterlockError, InvalidInput, Unauthorized
from ..service.auth import TokenCache
from ..service.hotline import HotlineOp
from ..service.notices import WriteOp
from .errors import interlock_error
from .responses import JSONBytes
from .writer import INLINE_PREPARE_BYTES

Run = Callable[..., Awaitable[Any]]  # GroupCommitter.run(op, inline=...)
Scope = dict[str, Any]
# Starlette's {message_id} (its "str" convertor: one or more characters but "/").
_RECEIPTS = re.compile(r"/messages/([^/]+)/receipts")


def parse_json(raw: bytes) -> Any:
    """A request body's JSON; 422 naming `body` when it is empty or malformed."""
    if not raw:
        raise InvalidInput("a JSON body is required", field="body")
    try:
        return orjson.loads(raw)
    except orjson.JSONDecodeError as exc:
        raise InvalidInput(f"malformed JSON: {exc}", field="body") from None


async def json_body(request: Request) -> Any:
    """The request's JSON body (FastAPI routes)."""
    return parse_json(await request.body())


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
    """The three hot write handlers, given the party (however it was authenticated) and
    the raw body. A body up to INLINE_PREPARE_BYTES is prepared on the event loop."""

    def __init__(self, party_of: PartyOf, run: Run) -> None:
        self.party_of = party_of
        self.run = run

    async def _write(self, raw: bytes, make: Callable[[Any], Any]) -> Any:
        return await self.run(make(parse_json(raw)), inline=len(raw) <= INLINE_PREPARE_BYTES)

    async def submit_notice(self, party: str, raw: bytes) -> JSONBytes:
        result = await self._write(raw, lambda body: WriteOp("submit", party, feature=body))
        return JSONBytes(result.to_dict(), status_code=201)

    async def send_message(self, party: str, raw: bytes) -> JSONBytes:
        result = await self._write(raw, lambda body: HotlineOp("message", party, body))
        return JSONBytes(result, status_code=201)

    async def post_receipt(self, party: str, message_id: str, raw: bytes) -> JSONBytes:
        result = await self._write(raw, lambda body: HotlineOp("receipt", party, body, message_id))
        return JSONBytes(result, status_code=201)

    async def answer(self, scope: Scope, receive: Any) -> JSONBytes | None:
        """The answer to a hot write, or None for any other request."""
        if scope["method"] != "POST" or scope.get("root_path"):
            return None
        path = scope["path"]
        receipt = None
        if path not in ("/notices", "/messages"):
            receipt = _RECEIPTS.fullmatch(path)
            if receipt is None:
                return None
        try:
            party = self.party_of(bearer_token(_header(scope, b"authorization")))
            raw = await _body(receive)
            if path == "/notices":
                return await self.submit_notice(party, raw)
            if path == "/messages":
                return await self.send_message(party, raw)
            assert receipt is not None
            return await self.post_receipt(party, receipt.group(1), raw)
        except InterlockError as exc:
            return interlock_error(exc)


class HotPath:
    """ASGI middleware, the innermost of the app's own: `HotWrites.answer` for the hot
    writes, the app (FastAPI's routing) for everything else."""

    def __init__(self, app: Any, hot: HotWrites) -> None:
        self.app = app
        self.hot = hot

    async def __call__(self, scope: Scope, receive: Any, send: Any) -> None:
        if scope["type"] == "http":
            response = await self.hot.answer(scope, receive)
            if response is not None:
                await response(scope, receive, send)
                return
        await self.app(scope, receive, send)


def _header(scope: Scope, name: bytes) -> str | None:
    for key, value in scope.get("headers", ()):
        if key == name:
            return str(value.decode("latin-1"))
    return None


async def _body(receive: Any) -> bytes:
    """The whole request body, as Starlette's Request.body() reads it."""
    chunks: list[bytes] = []
    while True:
        message = await receive()
        if message["type"] == "http.disconnect":
            raise ClientDisconnect()
        chunks.append(message.get("body", b""))
        if not message.get("more_body", False):
            return b"".join(chunks)
