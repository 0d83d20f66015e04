"""Every error leaves as ``{"error": code, "detail": text}`` with a 4xx status."""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.routing import Match

from ..errors import InterlockError
from .responses import JSONBytes

HTTP_CODES = {
    400: "bad_request",
    401: "unauthorized",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    409: "state_conflict",
    413: "payload_too_large",
    415: "unsupported_media_type",
    422: "invalid_input",
}


def error_response(
    status: int, code: str, detail: str, headers: dict[str, str] | None = None
) -> JSONBytes:
    return JSONBytes({"error": code, "detail": detail}, status_code=status, headers=headers)


def _location(err: dict[str, Any]) -> str:
    return ".".join(str(p) for p in err.get("loc", ()) if p != "body")


def _allowed(request: Request) -> list[str]:
    """The methods of every route whose path matches the request's (Starlette reports only
    the first route's, and GET and POST of one path are two routes)."""
    methods: set[str] = set()
    for route in request.app.router.routes:
        match, _ = route.matches(request.scope)
        if match is not Match.NONE:
            methods |= set(getattr(route, "methods", None) or ())
    return sorted(methods)


def interlock_error(exc: InterlockError) -> JSONBytes:
    """The answer to a refusal: its status and code, with the header its status asks for."""
    headers = {"WWW-Authenticate": "Bearer"} if exc.http_status == 401 else None
    if exc.http_status == 503:
        headers = {"Retry-After": "1"}
    return error_response(exc.http_status, exc.code, exc.detail, headers)


def install_error_handlers(app: FastAPI) -> None:
    @app.exception_handler(InterlockError)
    async def _interlock(_: Request, exc: InterlockError) -> JSONBytes:
        return interlock_error(exc)

    @app.exception_handler(RequestValidationError)
    async def _validation(_: Request, exc: RequestValidationError) -> JSONBytes:
        errs = exc.errors()
        detail = "; ".join(f"{_location(e)}: {e.get('msg', 'invalid')}" for e in errs[:5])
        return error_response(422, "invalid_input", detail or "invalid request")

    @app.exception_handler(StarletteHTTPException)
    async def _http(request: Request, exc: StarletteHTTPException) -> JSONBytes:
        code = HTTP_CODES.get(exc.status_code, "error")
        headers = dict(exc.headers or {})
        if exc.status_code == 405:  # name every method the path allows (RFC 9110 §15.5.6)
            headers["Allow"] = ", ".join(_allowed(request))
        return error_response(exc.status_code, code, str(exc.detail), headers or None)
