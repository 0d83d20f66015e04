"""The map page: `/` serves the page, `/static/...` its modules and vendored libraries.

The page is static (plain ES modules; the libraries are copied from the npm registry into
`web/static/vendor/` by `npm --prefix web run build`). It reaches the API as a client of
its own, with the party's token. Every page response carries a Content-Security-Policy
that lets the browser fetch from this origin only: no tile server, no CDN, no request
leaves the host the page came from (the browser test asserts it too).
"""

from __future__ import annotations

from pathlib import Path

from fastapi import FastAPI
from fastapi.responses import FileResponse, HTMLResponse, Response
from fastapi.staticfiles import StaticFiles
from starlette.types import Scope

STATIC = Path(__file__).resolve().parents[1] / "web" / "static"
CSP = (
    "default-src 'self'; img-src 'self' data: blob:; style-src 'self' 'unsafe-inline'; "
    "connect-src 'self'; object-src 'none'; base-uri 'none'; frame-ancestors 'none'"
)
HEADERS = {"Content-Security-Policy": CSP, "X-Content-Type-Options": "nosniff"}
MISSING = """<!doctype html><title>interlock</title>
<p>The map page is not built: run <code>npm --prefix web ci &amp;&amp; npm --prefix web run
build</code> (scripts/demo does it). The API is at <a href="/docs">/docs</a>.</p>"""


class _Static(StaticFiles):
    """Static files with the page's security headers."""

    async def get_response(self, path: str, scope: Scope) -> Response:
        response = await super().get_response(path, scope)
        response.headers.update(HEADERS)
        return response


def mount_web(app: FastAPI) -> None:
    """`GET /` (the page) and `/static` (its files), outside the API's schema."""

    @app.get("/", include_in_schema=False, response_model=None)
    def page() -> FileResponse | HTMLResponse:
        index = STATIC / "index.html"
        if not index.is_file():
            return HTMLResponse(MISSING, status_code=503, headers=HEADERS)
        return FileResponse(index, media_type="text/html", headers=HEADERS)

    if STATIC.is_dir():  # always in a checkout; absent only from a bare install
        app.mount("/static", _Static(directory=STATIC), name="static")
