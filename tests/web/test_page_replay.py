"""The map page's replay in headless Chromium: moving the time into the past draws the
picture of that moment (GET /picture) under an unmistakable banner; live news does not
overwrite it but still counts; play at 60x moves the clock about a minute a second, pause
stops it; the previous/next event buttons and keys land on the times GET /picture/events
gives; "Back to live" draws the live picture at once.

One signed-in page for the lot (each page load signs in and loads the whole picture)."""

from __future__ import annotations

import re
import time
from datetime import UTC, datetime
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
from tests.web.conftest import Browser, DemoServer, screenshot, waiting_on
from tests.web.test_page import TIMEOUT_MS, sign_in

expect = pytest.importorskip("playwright.sync_api").expect
pytestmark = [pytest.mark.server, pytest.mark.slow]
expect.set_options(timeout=TIMEOUT_MS)

BACK_S = 20 * 60  # the first replayed moment: far enough back to play a few seconds at 60x


def iso(ms: int) -> str:
    return datetime.fromtimestamp(ms / 1000, UTC).isoformat()


def ms(text: str) -> int:
    """An ISO time in whole milliseconds, as the page's Date.parse reads it (truncated)."""
    at = datetime.fromisoformat(text)
    return int(at.timestamp()) * 1000 + at.microsecond // 1000


def shown_at(page: Any) -> int:
    """The moment of the picture the page draws (the banner's)."""
    return int(str(page.get_attribute("#replay", "data-at")))


def drawn_ids(page: Any, selector: str, attr: str) -> set[str]:
    script = f"els => els.map(e => e.getAttribute('{attr}'))"
    return set(page.eval_on_selector_all(selector, script))


def settled(page: Any) -> int:
    """Wait until the picture asked for is drawn (no request under way); its moment."""
    waiting_on(
        page,
        lambda: (
            page.locator("body.replay-pending").count() == 0
            and page.locator("#replay .replay-loading").is_hidden()
        ),
    )
    page.wait_for_timeout(300)  # the last answer drawn
    return shown_at(page)


def matches_picture(page: Any, api: Any, at_ms: int) -> dict[str, Any]:
    """The notices, tracks and conflicts drawn are those of GET /picture at that moment."""
    picture = api.get("/picture", params={"at": iso(at_ms)}).json()
    active = {
        f["properties"]["id"]
        for f in picture["notices"]["features"]
        if f["properties"]["status"] != "cancelled"
        and ms(f["properties"]["start"]) <= at_ms < ms(f["properties"]["end"])
    }
    assert drawn_ids(page, "path.notice", "data-notice") == active
    tracks = {f["properties"].get("track_id") or f["id"] for f in picture["tracks"]["features"]}
    assert drawn_ids(page, ".track-label", "data-track") == tracks
    # (none at that moment is said in the banner, not left for a quiet sky)
    assert page.locator("#replay .replay-notracks").is_visible() == (not tracks)
    assert page.locator("#conflicts li.conflict").count() == len(picture["conflicts"])
    return picture


def test_replay_plays_steps_and_returns_to_live(demo_server: DemoServer, browser: Browser) -> None:
    page = browser.page
    page.set_viewport_size({"width": 1400, "height": 900})
    sign_in(page, demo_server, "base")
    with demo_server.client("base") as api:
        live = [
            f
            for f in api.get("/notices").json()["features"]
            if f["properties"]["status"] != "cancelled"
        ]
    waiting_on(page, lambda: page.locator("path.notice").count() >= len(live))
    assert page.locator("#replay").is_hidden()

    # ---- into the past by the timeline's slider: REPLAY, the picture of that moment ----
    t0, t1 = (int(str(page.get_attribute("#timeline", f"data-{k}"))) for k in ("from", "to"))
    target = time.time() * 1000 - BACK_S * 1000
    page.fill("#slider", str(round((target - t0) / (t1 - t0) * 1000)))
    page.dispatch_event("#slider", "input")
    expect(page.locator("#replay")).to_be_visible()
    assert page.locator("body.replaying").count() == 1
    at = settled(page)
    assert abs(at - target) < 60_000  # a slider step is ~47 s at the default view
    banner = page.inner_text("#replay")
    clock = datetime.fromtimestamp(at / 1000, UTC).strftime("%H:%M:%S")
    assert re.search(rf"REPLAY\s+{clock} UTC — not live, \d\d min \d\d s ago", banner), banner
    assert "Back to live" in banner
    assert page.is_disabled("#at-time") and page.is_checked("#at-time")
    expect(page.locator("#stream-state")).to_have_text("live: alarms only")
    with demo_server.client("base") as api:
        matches_picture(page, api, at)
    shown_conflicts = page.locator("#conflicts li.conflict").count()

    # ---- live news in replay: counted, not drawn ----
    helo = next(f for f in live if f["properties"].get("callsign") == "KHM HELO")
    p = helo["properties"]
    twin = {  # base's helicopter area filed again by the other party: a conflict with it
        "type": "Feature",
        "geometry": helo["geometry"],
        "properties": {
            "domain": "air",
            "start": p["start"],
            "end": p["end"],
            "alt_lower_ft": p.get("alt_lower_ft", 0),
            "alt_upper_ft": p.get("alt_upper_ft", 2500),
            "callsign": "WEB REPLAY TWIN",
        },
    }
    tab_count = page.inner_text("#tab-picture")
    title = page.title()
    with demo_server.client("command") as cmd:
        created = cmd.post("/notices", json=twin)
        assert created.status_code == 201, created.text
        twin_id = created.json()["notice"]["id"]
    demo_server.send("command", ["base"], "Web test: a flash during replay", "flash")
    # the alarm counters follow the live record: the conflicts tab and the title
    waiting_on(page, lambda: page.inner_text("#tab-picture") != tab_count and page.title() != title)
    page.wait_for_timeout(1000)  # the live notices fetched with them
    assert page.locator(f'path.notice[data-notice="{twin_id}"]').count() == 0
    assert page.locator(f'#timeline .bar[data-notice="{twin_id}"]').count() == 0
    assert page.locator("#conflicts li.conflict").count() == shown_conflicts
    assert shown_at(page) == at  # still the replayed moment

    # ---- play at 60x: about a minute a second; pause stops it ----
    page.click("#replay [data-speed='60']")
    assert page.get_attribute("#replay [data-speed='60']", "aria-pressed") == "true"
    page.click("#replay [data-replay=play]")
    assert page.get_attribute("#replay", "data-playing") == "true"
    start, wall = shown_at(page), time.monotonic()
    page.wait_for_timeout(3000)
    moved, took = shown_at(page) - start, time.monotonic() - wall
    assert 0.5 * 60 * took * 1000 <= moved <= 1.5 * 60 * took * 1000 + 15_000, (moved, took)
    # A server slower than the play: one request at a time, "loading…", the latest asked next.
    held: list[Any] = []
    holding = [True]

    def hold(route: Any) -> None:  # answered only when the test lets it through
        if holding[0]:
            held.append(route)
        else:
            route.continue_()

    page.route("**/picture?*", hold)

    def asked(route: Any) -> int:
        return ms(parse_qs(urlsplit(route.request.url).query)["at"][0])

    waiting_on(page, lambda: len(held) == 1)
    page.wait_for_timeout(1500)  # six play steps
    assert len(held) == 1
    expect(page.locator("#replay .replay-loading")).to_be_visible()
    answered = held.pop()
    answered.continue_()
    waiting_on(page, lambda: len(held) == 1)
    # the moment asked next is the play clock's, ~90 s on: the frames between were skipped
    assert asked(held[0]) - asked(answered) >= 45_000, (asked(answered), asked(held[0]))
    page.click("#replay [data-replay=play]")  # pause
    assert page.get_attribute("#replay", "data-playing") == "false"
    holding[0] = False  # from now on straight through, and the one held let go
    while held:
        held.pop().continue_()
    paused = settled(page)
    page.wait_for_timeout(1000)
    assert shown_at(page) == paused
    # space plays and pauses (the play button keeps the focus: one toggle each, not two)
    page.keyboard.press("Space")
    assert page.get_attribute("#replay", "data-playing") == "true"
    page.keyboard.press("Space")
    assert page.get_attribute("#replay", "data-playing") == "false"
    here = settled(page)

    # ---- previous / next event: the times GET /picture/events gives ----
    with demo_server.client("base") as api:
        body = api.get(
            "/picture/events", params={"from": iso(here), "to": iso(int(time.time() * 1000))}
        ).json()
        events = body if isinstance(body, list) else body["events"]
        # stepped by the second: the first event's words, landing on the second's last event
        seconds = sorted(
            {ms(e["time"]) // 1000 for e in events if ms(e["time"]) // 1000 > here // 1000}
        )
        assert len(seconds) >= 2  # the scenario filed, sent, delivered and more

        def burst(s: int) -> tuple[dict[str, Any], int]:
            these = [e for e in events if ms(e["time"]) // 1000 == s]
            return these[0], ms(these[-1]["time"])

        (first, first_at), (_, second_at) = burst(seconds[0]), burst(seconds[1])
        page.click("#replay [data-replay=next]")
        waiting_on(page, lambda: shown_at(page) == first_at)
        settled(page)
        sentence = page.inner_text("#replay .replay-event")
        assert first["text"] in sentence and first["time"][11:19] in sentence
        page.keyboard.press("ArrowRight")
        waiting_on(page, lambda: shown_at(page) == second_at)
        page.keyboard.press("ArrowLeft")
        waiting_on(page, lambda: shown_at(page) == first_at)
        picture = matches_picture(page, api, settled(page))
        # on to a moment with something on the map (under load the demo's first filings
        # may fall seconds after its first events), each moment drawn as GET /picture has it
        for later in seconds[1:]:
            if picture["notices"]["features"]:
                break
            page.keyboard.press("ArrowRight")
            waiting_on(page, lambda s=later: shown_at(page) == burst(s)[1])
            picture = matches_picture(page, api, settled(page))
    assert picture["notices"]["features"]

    # the view's events are marked on the time axis; a click on one goes to it
    mark = page.locator("#timeline .event-mark").first
    mark.wait_for(timeout=TIMEOUT_MS)
    mark_at = int(str(mark.get_attribute("data-event-time")))
    with demo_server.client("base") as api:
        view_from = int(str(page.get_attribute("#timeline", "data-from")))
        body = api.get(
            "/picture/events", params={"from": iso(view_from), "to": iso(mark_at + 1000)}
        ).json()
    assert mark_at in {ms(e["time"]) for e in (body if isinstance(body, list) else body["events"])}
    mark.click()
    waiting_on(page, lambda: shown_at(page) == mark_at)

    # ---- how it reads: replay in English and Hebrew, wide and narrow ----
    page.click("#side [data-tab=picture]")
    expect(page.locator("#replay-note")).to_contain_text("as they stood at")
    expect(page.locator("#hotline-at")).to_be_visible()
    screenshot(page, "page-replay-1400-en")
    page.set_viewport_size({"width": 1024, "height": 700})
    page.wait_for_timeout(300)  # the map redrawn for its new size
    screenshot(page, "page-replay-1024-en")
    page.select_option("#lang-header", "he")
    expect(page.locator("html[dir=rtl]")).to_have_count(1)
    expect(page.locator("#replay .replay-live")).to_have_text("חזרה לזמן אמת")
    screenshot(page, "page-replay-1024-he")
    page.set_viewport_size({"width": 1400, "height": 900})
    page.click("#side [data-tab=hotline]")
    page.wait_for_timeout(300)
    screenshot(page, "page-replay-1400-he")
    page.select_option("#lang-header", "en")
    expect(page.locator("html[dir=ltr]")).to_have_count(1)

    # ---- back to live: the live picture at once, the twin in it ----
    page.click("#replay .replay-live")
    expect(page.locator("#replay")).to_be_hidden()
    assert page.locator("body.replaying").count() == 0
    assert not page.is_disabled("#at-time") and not page.is_checked("#at-time")
    expect(page.locator("#stream-state")).to_have_text("live")
    expect(page.locator(f'path.notice[data-notice="{twin_id}"]')).to_have_count(1, timeout=2000)
    with demo_server.client("base") as api:
        now_live = {
            f["properties"]["id"]
            for f in api.get("/notices").json()["features"]
            if f["properties"]["status"] != "cancelled"
        }
    waiting_on(page, lambda: drawn_ids(page, "path.notice", "data-notice") == now_live, 2.0)
    with demo_server.client("command") as cmd:
        assert cmd.post(f"/notices/{twin_id}/cancel").status_code == 200
    assert browser.console_errors == []
    assert browser.foreign_requests() == []
