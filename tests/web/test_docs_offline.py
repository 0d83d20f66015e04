"""`/docs` works offline: Swagger UI comes from the package's vendored copy (web/build.mjs
copies swagger-ui-dist from the npm registry), so the page lists every operation of the
OpenAPI description with no request beyond 127.0.0.1 and no console error."""

from __future__ import annotations

import httpx
import pytest
from tests.web.conftest import Browser, DemoServer, screenshot

expect = pytest.importorskip("playwright.sync_api").expect
pytestmark = [pytest.mark.server, pytest.mark.slow]
TIMEOUT_MS = 15_000


def test_docs_render_every_operation_from_local_files(
    demo_server: DemoServer, browser: Browser
) -> None:
    spec = httpx.get(demo_server.url + "/openapi.json").json()
    operations = sum(
        1
        for methods in spec["paths"].values()
        for m in methods
        if m in {"get", "put", "post", "delete", "patch"}
    )
    assert operations >= 30  # the API's routes, not an empty description

    answer = httpx.get(demo_server.url + "/docs")
    assert answer.status_code == 200
    assert "default-src 'self'" in answer.headers["content-security-policy"]
    assert "/static/vendor/swagger-ui/swagger-ui-bundle.js" in answer.text
    assert "cdn" not in answer.text.lower()
    assert httpx.get(demo_server.url + "/redoc").status_code == 404  # no CDN page left

    page = browser.page
    page.set_viewport_size({"width": 1400, "height": 900})
    page.goto(demo_server.url + "/docs")
    expect(page.locator(".opblock")).to_have_count(operations, timeout=TIMEOUT_MS)
    expect(page.locator(".info .title")).to_contain_text("interlock")
    summary = page.locator(".opblock-summary-path").all_inner_texts()
    assert "/notices" in {s.strip().replace("\u200b", "") for s in summary}
    # Opening an operation shows its parameters, from the local description.
    page.locator(".opblock-get .opblock-summary").first.click()
    expect(page.locator(".opblock.is-open")).to_have_count(1, timeout=TIMEOUT_MS)
    screenshot(page, "docs-1400x900")
    page.set_viewport_size({"width": 1024, "height": 700})
    screenshot(page, "docs-1024x700")

    assert browser.foreign_requests() == []
    assert browser.console_errors == []
    assert any(
        u.endswith("/static/vendor/swagger-ui/swagger-ui-bundle.js") for u in browser.requests
    )
