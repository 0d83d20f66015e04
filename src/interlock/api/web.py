"""The map page: `/` serves the page, `/static/...` its modules and vendored libraries;
`/docs` the API's Swagger UI from the same vendored files.

The page is static (plain ES modules; the libraries are copied from the npm registry into
`web/static/vendor/` by `npm --prefix web run build`). It reaches the API as a client of
its own, with the party's token. Every page response carries a Content-Security-Policy
that lets the browser fetch from this origin only: no tile server, no CDN, no request
leaves the host the page came from (the browser test asserts it too).
"""

from __future__ import annotations

from pathlib import Path

from fastapi import FastAPI
from fastapi.openapi.docs import get_swagger_ui_html
from fastapi.responses import FileResponse, HTMLResponse, Response
from fastapi.staticfiles import StaticFiles
from starlette.types import Scope

STATIC = Path(__file__).resolve().parents[1] / "web" / "static"
CSP = (
    "default-src 'self'; img-src 'self' data: blob:; style-src 'self' 'unsafe-inline'; "
    "connect-src 'self'; object-src 'none'; base-uri 'none'; frame-ancestors 'none'"
)
HEADERS = {"Content-Security-Policy": CSP, "X-Content-Type-Options": "nosniff"}
# The API docs page: Swagger UI's inline start-up script needs 'unsafe-inline' for
# scripts; everything else, as the map page, from this origin only.
DOCS_CSP = (
    "default-src 'self'; script-src 'self' 'unsafe-inline'; img-src 'self' data:; "
    "style-src 'self' 'unsafe-inline'; connect-src 'self'; object-src 'none'; "
    "base-uri 'none'; frame-ancestors 'none'"
)
SWAGGER = "vendor/swagger-ui"  # under STATIC: web/build.mjs copies swagger-ui-dist there
DOCS_MISSING = """<!doctype html><title>interlock API</title>
<p>The API docs page is not built: run <code>scripts/build-web</code> (scripts/demo does it).
The API's OpenAPI description is at <a href="/openapi.json">/openapi.json</a>.</p>"""
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

    @app.get("/docs", include_in_schema=False)
    def docs() -> HTMLResponse:
        """Swagger UI over /openapi.json, its files served from /static (works offline)."""
        headers = {**HEADERS, "Content-Security-Policy": DOCS_CSP}
        if not (STATIC / SWAGGER / "swagger-ui-bundle.js").is_file():
            return HTMLResponse(DOCS_MISSING, status_code=503, headers=headers)
        page = get_swagger_ui_html(
            openapi_url=app.openapi_url or "/openapi.json",
            title=f"{app.title} API",
            swagger_js_url=f"/static/{SWAGGER}/swagger-ui-bundle.js",
            swagger_css_url=f"/static/{SWAGGER}/swagger-ui.css",
            swagger_favicon_url=f"/static/{SWAGGER}/favicon-32x32.png",
            oauth2_redirect_url=None,  # bearer tokens only: no OAuth flow
            swagger_ui_parameters={"validatorUrl": None},  # no call to an online validator
        )
        page.headers.update(headers)
        return page

    if STATIC.is_dir():  # always in a checkout; absent only from a bare install
        app.mount("/static", _Static(directory=STATIC), name="static")
