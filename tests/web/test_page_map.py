"""The map as a watch officer reads it, in headless Chromium: party colours kept on a notice
in conflict (red edge and hatching under it, a marker), notices and assets labelled,
observed traffic unlabelled at wide zoom, the altitude filter, the legend naming every
party, the timeline on now -1 h .. +12 h with zoom and pan, and a receiver's I/N plot.

One signed-in page for the lot (each page load signs in and loads the whole picture)."""

from __future__ import annotations

import time
from datetime import UTC, datetime
from itertools import pairwise
from typing import Any

import pytest
from tests.web.conftest import Browser, DemoServer, screenshot, waiting_on
from tests.web.test_page import TIMEOUT_MS, sign_in

pytest.importorskip("playwright.sync_api")
pytestmark = [pytest.mark.server, pytest.mark.slow]

# The page's palette in the agreement's order (layers.js PALETTE): base first, command next.
PARTY_COLOUR = {"base": "#1f6fd1", "command": "#e07b00"}
CONFLICT_RED = "#d40000"
HOUR_MS = 3600_000
FT = 0.3048  # metres in the international foot
OBSERVED = "icao:4ca123"  # an airliner from the SBS feed (tests/web/conftest.py): nobody's


def style(page: Any, selector: str, prop: str) -> str:
    return str(page.eval_on_selector(selector, f"e => getComputedStyle(e).{prop}"))


def shown(page: Any, selector: str) -> bool:
    """Drawn and not hidden by the zoom rules (display) or the declutter (visibility)."""
    return bool(
        page.eval_on_selector(
            selector,
            "e => (s => s.display !== 'none' && s.visibility !== 'hidden')(getComputedStyle(e))",
        )
    )


def at_now(p: dict[str, Any]) -> bool:
    now = datetime.now(UTC)
    return datetime.fromisoformat(p["start"]) <= now < datetime.fromisoformat(p["end"])


def view(page: Any) -> tuple[int, int]:
    box = page.locator("#timeline")
    return int(str(box.get_attribute("data-from"))), int(str(box.get_attribute("data-to")))


def zoom(page: Any) -> float:
    return float(str(page.get_attribute("#map", "data-zoom")))  # map.js writes it


def zoom_in_to(page: Any, level: float) -> None:
    """Press the map's zoom-in button until it is at `level` or closer."""
    while zoom(page) < level:
        page.click(".leaflet-control-zoom-in")
        page.wait_for_timeout(400)  # Leaflet's zoom animation


def test_the_map_reads_at_a_glance(demo_server: DemoServer, browser: Browser) -> None:
    page = browser.page
    page.set_viewport_size({"width": 1400, "height": 900})
    with demo_server.client("base") as api:
        notices = api.get("/notices").json()["features"]
        agreement = api.get("/agreement").json()
    # (a cancelled notice declares nothing: off the map; other tests in the session cancel)
    notices = [n for n in notices if n["properties"]["status"] != "cancelled"]
    sign_in(page, demo_server, "base")
    waiting_on(page, lambda: page.locator("path.notice").count() >= len(notices))

    # A notice in conflict keeps its party's colour, with a red hatched edge under it.
    hot = page.locator("path.notice.in-conflict")
    assert hot.count() >= 1
    fills = []
    for i in range(hot.count()):
        party = str(hot.nth(i).get_attribute("data-party"))
        assert hot.nth(i).get_attribute("stroke") == PARTY_COLOUR[party]
        fill = hot.nth(i).get_attribute("fill")  # "none" for a corridor (a wide line)
        assert fill in (PARTY_COLOUR[party], "none")
        fills.append(fill)
    assert set(fills) - {"none"}  # an area in conflict filled in its party's colour
    outline = page.locator("path.conflict-outline").first
    assert outline.get_attribute("stroke") == CONFLICT_RED
    assert "conflict-hatch" in style(page, "path.conflict-outline", "fill")
    assert page.locator(".conflict-marker").count() >= 1

    # Every notice is labelled with its callsign; the labels that would overlap are hidden,
    # the others shown.
    labels = page.locator(".notice-label").all_text_contents()
    callsigns = {n["properties"]["callsign"] for n in notices}
    assert callsigns <= {t.strip().rstrip(" !") for t in labels}
    visible = page.locator(".notice-label:not(.label-hidden)").count()
    assert 1 <= visible <= len(notices)
    assert page.locator(".asset-label").count() >= 1

    # The legend names every party (by its name) with its colour, and says what red means.
    legend = page.locator(".legend")
    assert legend.get_attribute("open") is not None  # room enough at 1400 px
    rows = page.locator(".legend .party").all_inner_texts()
    assert [r.strip() for r in rows] == [p["name"] for p in agreement["parties"]]
    text = legend.inner_text()
    for words in ("observed traffic", "air", "sea", "emission", "in conflict", "hazard envelope"):
        assert words in text

    # At the opening (wide) zoom, observed airliners are dots: no label, no heading line;
    # the parties' own tracks are labelled with their callsigns.
    assert zoom(page) < 9  # map.js DETAIL_ZOOM
    page.wait_for_selector(f'.track-label[data-track="{OBSERVED}"]', state="attached")
    page.wait_for_selector('.track-label[data-track="base:eagle1"]', timeout=TIMEOUT_MS)
    assert not shown(page, f'.track-label[data-track="{OBSERVED}"]')
    assert not shown(page, f'path.track-vector[data-track="{OBSERVED}"]')
    assert "EAGLE 1" in page.inner_text('.track-label[data-track="base:eagle1"]')
    assert shown(page, 'path.track-vector[data-track="base:eagle1"]')
    screenshot(page, "map-1400-wide")

    # The timeline: now -1 h .. +12 h; "only active at" is now.
    now = time.time() * 1000
    t0, t1 = view(page)
    assert abs(t0 - (now - HOUR_MS)) < 120_000 and abs(t1 - (now + 12 * HOUR_MS)) < 120_000
    page.check("#at-time")
    assert page.inner_text("#slider-label").startswith("now, ")
    active = [n for n in notices if at_now(n["properties"])]
    waiting_on(page, lambda: page.locator("path.notice").count() == len(active))
    page.uncheck("#at-time")
    page.click("#timeline-view [data-view=in]")
    z0, z1 = view(page)
    assert abs((z1 - z0) - (t1 - t0) / 1.5) < 1000  # one step: the span over 1.5
    page.click("#timeline-view [data-view=later]")
    p0, p1 = view(page)
    assert p0 > z0 and abs((p1 - p0) - (z1 - z0)) < 1000
    # Zoomed out to its limit (a week), the hour marks still do not overlap.
    for _ in range(8):
        page.click("#timeline-view [data-view=out]")
    w0, w1 = view(page)
    assert w1 - w0 == 7 * 24 * HOUR_MS
    ticks = page.eval_on_selector_all(
        "#timeline .tick",
        "ts => ts.map(t => [t.getBoundingClientRect().left, t.getBoundingClientRect().right])",
    )
    assert len(ticks) >= 3 and all(a[1] <= b[0] for a, b in pairwise(ticks))
    page.click("#timeline-view [data-view=now]")
    h0, h1 = view(page)
    assert abs(h0 - (time.time() * 1000 - HOUR_MS)) < 120_000
    # A drag on the hours pans: leftwards, later.
    axis = page.locator("#timeline .axis .lane").bounding_box()
    y = axis["y"] + axis["height"] / 2
    page.mouse.move(axis["x"] + 400, y)
    page.mouse.down()
    page.mouse.move(axis["x"] + 200, y, steps=4)
    page.mouse.up()
    d0, d1 = view(page)
    assert d0 > h0 and d1 - d0 == h1 - h0
    page.click("#timeline-view [data-view=now]")

    # The altitude filter: tracks outside the levels go (EAGLE 1 flies at FL210, the
    # airliner 4CA123 at FL360), and air notices whose band is outside them.
    page.fill("#fl-min", "250")
    waiting_on(page, lambda: page.locator('path.track[data-track="base:eagle1"]').count() == 0)
    assert page.locator(f'path.track[data-track="{OBSERVED}"]').count() == 1
    # (an air notice shows if its band reaches FL250: its top at or above 25,000 ft)
    reaching = [
        n
        for n in notices
        if n["properties"]["domain"] != "air" or n["properties"]["upper_m"] / FT >= 25_000
    ]
    assert 0 < len(reaching) < len(notices)
    waiting_on(page, lambda: page.locator("path.notice").count() == len(reaching))
    page.fill("#fl-max", "300")
    waiting_on(page, lambda: page.locator(f'path.track[data-track="{OBSERVED}"]').count() == 0)
    page.fill("#fl-min", "")
    page.fill("#fl-max", "")
    waiting_on(page, lambda: page.locator('path.track[data-track="base:eagle1"]').count() == 1)
    waiting_on(page, lambda: page.locator("path.notice").count() >= len(notices))

    # A receiver (the coastal radar): its marker opens its aggregate I/N plot.
    page.locator(".receiver-site[data-asset]").first.click()
    page.wait_for_selector(".leaflet-popup-content img.in-plot", timeout=TIMEOUT_MS)
    width = waiting_on(
        page,
        lambda: page.eval_on_selector(".leaflet-popup-content img.in-plot", "i => i.naturalWidth"),
        timeout_s=30,
    )
    assert width > 0
    screenshot(page, "map-1400-receiver")
    page.keyboard.press("Escape")

    # Closer in, the observed airliner gets its label and heading line.
    zoom_in_to(page, 9.5)
    waiting_on(page, lambda: shown(page, f'path.track-vector[data-track="{OBSERVED}"]'))
    assert "zoom-wide" not in str(page.get_attribute("#map", "class"))
    assert page.locator(f'.track-label[data-track="{OBSERVED}"]').inner_text().startswith("RYR42K")
    assert style(page, f'.track-label[data-track="{OBSERVED}"]', "display") != "none"
    screenshot(page, "map-1400-close")

    # The small screen: the legend starts folded, the picture still reads.
    page.set_viewport_size({"width": 1024, "height": 700})
    page.reload()
    # (a cancelled notice declares nothing: off the map; other tests in the session cancel)
    notices = [n for n in notices if n["properties"]["status"] != "cancelled"]
    sign_in(page, demo_server, "base")
    waiting_on(page, lambda: page.locator("path.notice").count() >= len(notices))
    assert page.locator(".legend").get_attribute("open") is None
    page.wait_for_timeout(300)
    assert page.locator(".notice-label:not(.label-hidden)").count() >= 1
    screenshot(page, "map-1024")

    assert browser.console_errors == []
    assert browser.foreign_requests() == []
