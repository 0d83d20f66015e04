"""The map page end to end in headless Chromium: it loads with no console error, shows
the demo's notices, conflicts and moving tracks, acknowledges a hotline message through
the API, and never makes a request beyond 127.0.0.1."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from tests.conftest import wait_until
from tests.web.conftest import Browser, DemoServer, screenshot, waiting_on

from interlock.model.server_limits import DEFAULT_SERVER_LIMITS

expect = pytest.importorskip("playwright.sync_api").expect
pytestmark = [pytest.mark.server, pytest.mark.slow]
TIMEOUT_MS = 15_000
# No page.wait_for_function: Playwright evaluates its string with eval, which the page's
# Content-Security-Policy forbids (and reports as a console error); poll locators instead.
expect.set_options(timeout=TIMEOUT_MS)


def sign_in(page: Any, server: DemoServer, party: str, *, with_key: bool = True) -> None:
    page.goto(server.url + "/")
    page.fill("#signin-form [name=token]", server.tokens[party])
    if with_key:
        page.fill("#signin-form [name=key]", server.key_pem(party))
    page.click("#signin-form button[type=submit]")
    page.wait_for_selector("#app:not([hidden])", timeout=TIMEOUT_MS)
    page.wait_for_selector("#stream-state.open", timeout=TIMEOUT_MS)


def label_position(page: Any, track_id: str) -> str:
    """Where a track's label is drawn (Leaflet positions it with a CSS transform)."""
    return str(
        page.eval_on_selector(f'.track-label[data-track="{track_id}"]', "e => e.style.transform")
    )


def test_page_shows_notices_conflicts_and_moving_tracks(
    demo_server: DemoServer, browser: Browser
) -> None:
    page = browser.page
    with demo_server.client("base") as api:
        notices = api.get("/notices").json()["features"]
        conflicts = api.get("/conflicts").json()
    assert notices and conflicts  # the scenario has both

    sign_in(page, demo_server, "base")

    # Every notice is drawn (one SVG path each) and has a bar on the timeline.
    wait_until(lambda: page.locator("path.notice").count() >= len(notices))
    assert page.locator("#timeline .bar").count() == len(notices)
    # Conflicts: listed, marked on the map, and their notices highlighted.
    expect(page.locator("#conflicts li.conflict")).to_have_count(len(conflicts))
    assert page.locator(".conflict-marker").count() >= 1
    assert page.locator("path.notice.in-conflict").count() >= 1
    # A tactical alert (two aircraft head on) is marked, listed, its tracks in red.
    page.wait_for_selector("path.alert-marker", timeout=TIMEOUT_MS)
    page.wait_for_selector('.track-label[data-track="base:eagle3"]', timeout=TIMEOUT_MS)
    screenshot(page, "page-base")
    # Details on click: a conflict from the list opens its popup.
    page.click("#side [data-tab=picture]")
    assert page.locator("#alerts li.danger").count() >= 1
    page.click("#conflicts li.conflict >> nth=0")
    page.wait_for_selector(".leaflet-popup-content h3", timeout=TIMEOUT_MS)
    assert "conflict" in page.inner_text(".leaflet-popup-content h3")
    # The basemap (Natural Earth land) is drawn.
    wait_until(lambda: page.locator(".leaflet-basemap-pane path").count() > 0)

    # Tracks: labelled, and a move on the server moves the label on the page.
    page.wait_for_selector('.track-label[data-track="base:eagle1"]', timeout=TIMEOUT_MS)
    assert "EAGLE 1" in page.inner_text('.track-label[data-track="base:eagle1"]')
    page.wait_for_selector('.track-label[data-track="icao:4ca123"]', timeout=TIMEOUT_MS)
    before = label_position(page, "base:eagle1")
    wait_until(lambda: label_position(page, "base:eagle1") != before, timeout_s=20)

    # The timeline's slider filters the map to what is active at the chosen time.
    page.fill("#slider", "1000")
    page.dispatch_event("#slider", "input")
    assert page.is_checked("#at-time")
    assert page.locator("path.notice").count() < len(notices)
    page.uncheck("#at-time")
    wait_until(lambda: page.locator("path.notice").count() >= len(notices))

    assert browser.console_errors == []
    assert browser.foreign_requests() == []
    assert all(re.match(r"http://127\.0\.0\.1:\d+/", u) for u in browser.requests)
    # The page's files come without a token (the anonymous budget): two loads fit in it,
    # so a reload just after sign-in is never refused (429) half-loaded.
    files = {u for u in browser.requests if "/static/" in u or u.endswith("/")}
    assert 2 * len(files) <= DEFAULT_SERVER_LIMITS.anon_request_burst, len(files)


def test_acknowledge_in_the_page_reaches_the_api(demo_server: DemoServer, browser: Browser) -> None:
    page = browser.page
    message_id = demo_server.send("command", ["base"], "Web test: acknowledge me", "flash")
    sign_in(page, demo_server, "base")

    card = page.locator(f'.msg[data-id="{message_id}"]').first
    card.wait_for(timeout=TIMEOUT_MS)
    assert "pending" in card.locator(".state").inner_text() or "overdue" in card.inner_text()
    # The page reports the message delivered by itself (a signed receipt).
    with demo_server.client("base") as api:

        def mine() -> dict[str, Any]:
            view = api.get(f"/messages/{message_id}").json()
            return next(r for r in view["recipients"] if r["party"] == "base")

        # (its receipt first checks the message is in the record it verified: the page's
        # requests go through only while the test is inside a Playwright call)
        waiting_on(page, lambda: mine()["delivered_at"] is not None)
        assert card.locator(".countdown").count() == 1

        card.locator(".reply").fill("Copied, web test")
        card.locator("button.ack").click()
        # (the page first checks the message is in the record it verified: its requests
        # pass the browser fixture's route only while the test is in a Playwright call)
        row = waiting_on(page, lambda: (r := mine())["acknowledged_at"] is not None and r)
        assert row["state"] == "acknowledged"
        assert row["reply"] == "Copied, web test"

    page.wait_for_selector(f'.msg[data-id="{message_id}"].state-acknowledged', timeout=TIMEOUT_MS)
    assert page.locator(f'.msg[data-id="{message_id}"] button.ack').count() == 0
    # (the list is redrawn as receipts arrive: find the card afresh rather than hold it)
    page.evaluate(f"document.querySelector('.msg[data-id=\"{message_id}\"]').scrollIntoView()")
    screenshot(page, "page-acknowledged")

    assert browser.console_errors == []
    assert browser.foreign_requests() == []


def test_without_a_key_the_hotline_is_read_only(demo_server: DemoServer, browser: Browser) -> None:
    page = browser.page
    message_id = demo_server.send("command", ["base"], "Web test: read-only view", "routine")
    sign_in(page, demo_server, "base", with_key=False)
    card = page.locator(f'.msg[data-id="{message_id}"]').first
    card.wait_for(timeout=TIMEOUT_MS)
    assert page.is_visible("#readonly-note")
    assert card.locator("button.ack").count() == 0
    assert page.is_disabled("#compose button[type=submit]")
    assert browser.console_errors == []
    assert browser.foreign_requests() == []


def test_a_refused_token_is_said_so(demo_server: DemoServer, browser: Browser) -> None:
    page = browser.page
    page.goto(demo_server.url + "/")
    page.fill("#signin-form [name=token]", "not-a-token")
    page.click("#signin-form button[type=submit]")
    expect(page.locator("#signin-error")).to_contain_text("refused")
    assert page.is_hidden("#app")
    # The refused request is the page's 401, logged by Chromium as a failed resource.
    assert all("401" in e for e in browser.console_errors)


@pytest.mark.after_demo_deadlines
def test_escalations_show_in_red(demo_server: DemoServer, browser: Browser) -> None:
    # The scenario's flash system messages (deadline 30 s) go unacknowledged by `command`
    # (no page signs in as it), so the server escalates them 30 s after loading.
    with demo_server.client("command") as api:
        wait_until(
            lambda: any(
                r["escalations"] for m in api.get("/messages").json() for r in m["recipients"]
            ),
            timeout_s=60,
        )
    page = browser.page
    sign_in(page, demo_server, "command")
    page.wait_for_selector("#escalations li.danger", timeout=TIMEOUT_MS)
    page.wait_for_selector(".msg.escalated .danger", timeout=TIMEOUT_MS)
    colour = page.eval_on_selector(".msg.escalated", "e => getComputedStyle(e).borderTopColor")
    assert colour == "rgb(212, 0, 0)"
    assert "overdue" in page.inner_text(".msg.escalated .countdown")
    screenshot(page, "page-escalations")
    assert browser.console_errors == []
    assert browser.foreign_requests() == []


def test_compose_signs_and_sends_from_a_key_file(demo_server: DemoServer, browser: Browser) -> None:
    page = browser.page
    page.goto(demo_server.url + "/")
    page.fill("#signin-form [name=token]", demo_server.tokens["base"])
    page.set_input_files("#signin-form [name=keyfile]", str(demo_server.key_files["base"]))
    page.click("#signin-form button[type=submit]")
    page.wait_for_selector("#app:not([hidden])", timeout=TIMEOUT_MS)
    assert "key " in page.inner_text("#who")

    # A timeline bar opens its notice on the map.
    page.click("#timeline .bar >> nth=0")
    page.wait_for_selector(".leaflet-popup-content h3", timeout=TIMEOUT_MS)

    page.click("details:has(#compose) > summary")
    page.check("#compose input[name=to][value=command]")
    page.select_option("#compose select[name=priority]", "urgent")
    page.fill("#compose input[name=subject]", "Web test: composed in the page")
    page.fill("#compose textarea[name=body]", "Signed in the browser ✈")
    page.click("#compose button[type=submit]")
    expect(page.locator("#compose .status")).to_have_text(re.compile("^Sent "))
    with demo_server.client("command") as api:
        inbox = api.get("/messages", params={"box": "in"}).json()
    sent = next(m for m in inbox if m["subject"] == "Web test: composed in the page")
    assert (sent["from"], sent["priority"], sent["signed"]) == ("base", "urgent", True)
    assert sent["body"] == "Signed in the browser ✈"
    page.wait_for_selector(f'#outbox .msg[data-id="{sent["id"]}"]', timeout=TIMEOUT_MS)
    assert browser.console_errors == []
    assert browser.foreign_requests() == []


def test_live_updates_from_the_push_stream(demo_server: DemoServer, browser: Browser) -> None:
    page = browser.page
    sign_in(page, demo_server, "base")
    start = datetime.now(UTC) + timedelta(hours=2)
    notice = {
        "type": "Feature",
        # South of Cyprus, clear of the scenario's activity: no conflict to disturb others.
        "geometry": {"type": "Point", "coordinates": [33.0, 33.6]},
        "properties": {
            "domain": "air",
            "radius_m": 5000,
            "alt_lower_ft": 0,
            "alt_upper_ft": 5000,
            "start": start.isoformat(),
            "end": (start + timedelta(hours=1)).isoformat(),
            "callsign": "WEB LIVE",
        },
    }
    bar = page.locator("#timeline .bar[title^='WEB LIVE']")
    expect(bar).to_have_count(0)
    with demo_server.client("command") as api:
        created = api.post("/notices", json=notice)
        assert created.status_code == 201, created.text
        notice_id = created.json()["notice"]["id"]
        expect(bar).to_have_count(1)  # filed by the other party, pushed to us
        assert bar.get_attribute("data-notice") == notice_id
        assert api.post(f"/notices/{notice_id}/cancel").status_code == 200
    expect(bar).to_have_count(0)
    assert browser.console_errors == []
    assert browser.foreign_requests() == []


def test_a_receivers_popup_shows_its_interference_plot(
    demo_server: DemoServer, browser: Browser
) -> None:
    """The demo's coastal radar is a protected receiver: its popup carries the server's I/N
    plot (fetched with the token, shown from a blob: URL the page's CSP allows)."""
    page = browser.page
    sign_in(page, demo_server, "base")
    radar = page.locator("path.asset-radar").first
    radar.wait_for(state="attached", timeout=TIMEOUT_MS)

    def plot_shown() -> Any:
        # the asset layer is redrawn when the stream brings news, closing its popup: reopen
        if page.locator("img.in-plot").count() == 0:
            radar.dispatch_event("click")
            return None
        return page.eval_on_selector(
            "img.in-plot", "i => i.complete && i.naturalWidth > 0 && [i.src, i.naturalWidth]"
        )

    src, width = wait_until(plot_shown, timeout_s=15.0, every_s=0.5)  # time to open
    assert src.startswith("blob:") and width >= 600
    screenshot(page, "page-receiver-plot")
    assert browser.console_errors == []
    assert browser.foreign_requests() == []
