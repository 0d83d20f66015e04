"""Every popup and list the page shows, read as a duty officer reads them: names and
callsigns, never ids; units as filed; no raw field name, no id, no time with fractions of
a second; a popup's title inside the map, not cut off at its top."""

from __future__ import annotations

import re
from typing import Any

import pytest
from tests.conftest import wait_until
from tests.web.conftest import Browser, DemoServer
from tests.web.conftest import screenshot as save
from tests.web.test_page import TIMEOUT_MS, sign_in

pytest.importorskip("playwright.sync_api")
pytestmark = [pytest.mark.server, pytest.mark.slow]

# What a person must never read: a snake_case field name, an id (notice, asset, conflict
# message, hazard: a letter, a dash, hex), an ISO time with a fraction of a second.
RAW = re.compile(
    r"\b[a-z]+_[a-z0-9_]+\b|\b[nacmh]-[0-9a-f]{6,}|\d{2}:\d{2}:\d{2}\.\d|T\d{2}:\d{2}|-0 m\b"
)
POPUP = ".leaflet-popup-content"


def raw_words(text: str) -> list[str]:
    return RAW.findall(text)


def popup_text(page: Any) -> str:
    page.wait_for_selector(f"{POPUP} h3", timeout=TIMEOUT_MS)
    return str(page.inner_text(POPUP))


def title_inside_map(page: Any) -> None:
    """The open popup's title is inside the map (after the map's pan settles)."""
    top = page.eval_on_selector("#map", "m => m.getBoundingClientRect().top")

    def inside() -> bool:
        h3 = page.eval_on_selector(f"{POPUP} h3", "h => h.getBoundingClientRect().top")
        return bool(h3 >= top)

    wait_until(lambda: (page.wait_for_timeout(50), inside())[1], timeout_s=5)


def screenshot(page: Any, name: str) -> None:
    page.wait_for_timeout(300)  # the popup fades in
    save(page, name)


def close_popup(page: Any) -> None:
    """Close the open popup and wait until it is gone (Leaflet fades it out)."""
    page.evaluate("document.querySelector('.leaflet-popup-close-button')?.click()")
    page.wait_for_selector(".leaflet-popup", state="detached", timeout=TIMEOUT_MS)


def test_every_popup_and_list_reads_in_the_domains_words(
    demo_server: DemoServer, browser: Browser
) -> None:
    page = browser.page
    page.set_viewport_size({"width": 1400, "height": 900})
    with demo_server.client("base") as api:
        notices = {
            f["properties"]["id"]: f["properties"] for f in api.get("/notices").json()["features"]
        }
        assets = {
            f["properties"]["id"]: f["properties"] for f in api.get("/assets").json()["features"]
        }
        conflicts = api.get("/conflicts").json()
    sign_in(page, demo_server, "base")
    page.click("#side [data-tab=picture]")
    rows = page.locator("#conflicts li.conflict")
    wait_until(lambda: rows.count() == len(conflicts))
    # wait for the names to arrive (the lists are rewritten when they do)
    wait_until(lambda: "unnamed" not in page.inner_text("#conflicts"))

    # ---- the lists --------------------------------------------------------------------
    listed = page.inner_text("#conflicts")
    assert not raw_words(listed), raw_words(listed)
    for c in conflicts:
        for kind, side in (("a_kind", "a_id"), ("b_kind", "b_id")):
            name = assets[c[side]]["name"] if c[kind] == "asset" else notices[c[side]]["callsign"]
            assert name in listed  # "asset a-53deb…" no more: the asset's name
    assert re.search(r"\d{2}:\d{2}–\d{2}:\d{2} UTC · (starts|ends) in ", listed)
    violations = page.inner_text("#violations")
    assert "FALCON 3" in violations and not raw_words(violations), violations
    channels = page.inner_text("#channels")
    assert "Airbase Latakia (Khmeimim)" in channels and not raw_words(channels), channels
    alerts = page.locator("#alerts li.alert-row").first
    alerts.wait_for(timeout=TIMEOUT_MS)  # the head-on pair of the test feed
    text = page.inner_text("#alerts")
    assert "EAGLE 3" in text and "THY7TZ" in text and "closest approach" in text.lower()
    assert not raw_words(text), raw_words(text)

    # ---- conflict popups, every one (strategic with a notice or an asset, interference)
    for i, c in enumerate(conflicts):
        rows.nth(i).locator("b").first.click()
        text = popup_text(page)
        assert f"conflict #{c['id']}" in text
        assert not raw_words(text), (c["id"], raw_words(text))
        if c.get("kind") == "interference":
            assert "Interference at Coastal surveillance radar" in text
            assert "WX 1" in text and "49.3 dB (criterion -10.0 dB" in text
        else:
            assert re.search(r"(\d NM|overlapping) \(minimum \d+\.\d NM\)", text) and re.search(
                r"\d{2}°\d{2}′[NS] \d{3}°\d{2}′[EW]", text
            )
            assert re.search(r"\d{2}:\d{2} UTC \((in .+|.+ ago)\)", text)  # detected, relative
        title_inside_map(page)
        close_popup(page)
    # a conflict with an asset names the asset
    with_asset = next(c for c in conflicts if c["b_kind"] == "asset" and not c.get("kind"))
    rows.nth(conflicts.index(with_asset)).locator("b").first.click()
    assert assets[with_asset["b_id"]]["name"] in popup_text(page)
    screenshot(page, "details-conflict-1400")
    close_popup(page)

    # ---- notice popups, from the names in the conflicts list --------------------------
    for callsign, band in (("PATROL 21", "FL180–FL220"), ("TG 1", "surface to 20 m deep")):
        page.locator(
            "#conflicts a[data-notice]", has_text=re.compile(f"^{callsign}$")
        ).first.click()
        text = popup_text(page)
        assert callsign in text and band in text, text
        assert "Airbase Latakia (Khmeimim)" in text  # the party by its name
        assert re.search(r"(starts|ends) in ", text)
        assert not raw_words(text), raw_words(text)
        title_inside_map(page)
        close_popup(page)
    page.locator("#conflicts a[data-notice]", has_text=re.compile("^PATROL 21$")).first.click()
    popup_text(page)
    screenshot(page, "details-notice-1400")
    close_popup(page)

    # ---- the track and the alert ------------------------------------------------------
    page.locator("#alerts li.alert-row").first.click()  # opens the first track concerned
    text = popup_text(page)
    assert re.search(r"EAGLE 3|THY7TZ", text) and "FL200" in text
    assert re.search(r"\d{2}°\d{2}′N \d{3}°\d{2}′E", text) and " kt" in text
    assert not raw_words(text), raw_words(text)
    close_popup(page)
    page.locator("path.alert-marker").first.click(force=True)
    text = popup_text(page)
    assert "closest approach alert" in text.lower() and "EAGLE 3" in text
    assert not raw_words(text), raw_words(text)
    title_inside_map(page)
    close_popup(page)

    # ---- the hazard, the assets (the radar is a receiver) -----------------------------
    page.locator(".hazard-site").first.dispatch_event("click")
    text = popup_text(page)
    assert "Inland SAM battery" in text and "35°06′N 036°18′E" in text  # at 36.3 E 35.1 N
    assert not raw_words(text), raw_words(text)
    close_popup(page)
    for kind, words in (
        ("radar", "Safety of life"),
        ("zone", "FL150–FL350"),
        ("base", "surface to 10,000 ft"),
    ):
        shape = page.locator(f"path.asset-{kind}").first

        def opened(shape: Any = shape) -> str | None:
            # the asset layer is redrawn when the stream brings news, closing its popup
            if page.locator(f"{POPUP} h3").count() == 0:
                shape.dispatch_event("click")
                return None
            return str(page.inner_text(POPUP))

        text = wait_until(opened, timeout_s=15.0, every_s=0.5)
        assert words in text and not raw_words(text), (kind, raw_words(text), text)
        # opened at the corner of the page (a click without a position): panned into view
        title_inside_map(page)
        if kind == "radar":
            screenshot(page, "details-receiver-1400")
        close_popup(page)

    # ---- the smaller screen ------------------------------------------------------------
    # A timeline bar zooms the map to its notice and opens it: these notices' titles were
    # cut off at the top of the map at this size (the popup opened while the map zoomed).
    page.set_viewport_size({"width": 1024, "height": 700})
    by_callsign = {p["callsign"]: i for i, p in notices.items()}
    for callsign in ("PATROL 21", "TG 1", "TRANSIT N", "ROTOR 4"):
        page.locator(f'#timeline .bar[data-notice="{by_callsign[callsign]}"]').click()
        assert callsign in popup_text(page)
        title_inside_map(page)
        if callsign == "PATROL 21":
            screenshot(page, "details-notice-1024")
        close_popup(page)
    rows.nth(conflicts.index(with_asset)).locator("b").first.click()
    popup_text(page)
    title_inside_map(page)
    screenshot(page, "details-conflict-1024")

    assert browser.console_errors == []
    assert browser.foreign_requests() == []
