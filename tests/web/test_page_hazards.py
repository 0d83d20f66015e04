"""Hazards on the map page, in headless Chromium: a third-party weapon's site and envelope
drawn in the domain's words and units, hot (red hatch, window in the popup) while a
kinetic notice makes it so, and the exposure alerts it raises listed in words with the
tracks concerned in red.

The hazard is put in the demo server's store directly (as the hazard service would store
it); the page reads it through GET /hazards. Named to run after test_page.py: the kinetic
notice filed here adds conflicts and violations to the session's demo server.
"""

from __future__ import annotations

import re
import time
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from tests.conftest import wait_until
from tests.web.conftest import Browser, DemoServer, screenshot
from tests.web.test_page import TIMEOUT_MS, sign_in

from interlock.model.hazard import parse_hazard
from interlock.store.rows import HazardRow

expect = pytest.importorskip("playwright.sync_api").expect
pytestmark = [pytest.mark.server, pytest.mark.slow]

HAZARD_ID = "h-webtest1"
# Over the test aircraft near 35E 34.5N (tests/web/conftest.py AIRCRAFT): 60 km reaches
# EAGLE 1, 2 and 3 (FL150-FL210), inside the band.
HAZARD = {
    "type": "Feature",
    "geometry": {"type": "Point", "coordinates": [35.3, 34.45]},
    "properties": {
        "name": "SA-X battery (web test)",
        "operator": "Third Party Air Defence",
        "weapon": "SA-X",
        "source": "web test",
        "range_m": 60000,
        "alt_min_ft": 1000,
        "alt_max_ft": 60000,
    },
}
RAW_FIELDS = ("range_m", "alt_min_ft", "alt_max_ft", "operator", "created_at", "envelope")


def add_hazard(server: DemoServer) -> None:
    """Store the hazard once (the session's server keeps it)."""
    store = server.service.store
    if store.get_hazard(HAZARD_ID) is not None:
        return
    with store.write() as tx:
        tx.insert_hazard(
            HazardRow(HAZARD_ID, "base", time.time(), None, parse_hazard(HAZARD).to_feature())
        )


def hazard_popup(page: Any) -> str:
    page.locator(f'.hazard-site[data-hazard="{HAZARD_ID}"]').click()
    page.wait_for_selector(".leaflet-popup-content .details", timeout=TIMEOUT_MS)
    return str(page.inner_text(".leaflet-popup-content"))


def test_a_hazard_is_drawn_in_the_domains_words(demo_server: DemoServer, browser: Browser) -> None:
    add_hazard(demo_server)
    page = browser.page
    sign_in(page, demo_server, "base")
    # The site: a marker labelled with the weapon and its operator; the envelope dashed.
    site = page.locator(f'.hazard-site[data-hazard="{HAZARD_ID}"]')
    site.wait_for(timeout=TIMEOUT_MS)
    assert "SA-X · Third Party Air Defence" in site.inner_text()
    envelope = page.locator("path.hazard-envelope").first
    assert envelope.get_attribute("stroke-dasharray")
    # The legend explains it.
    assert "hazard envelope" in page.inner_text(".legend")

    text = hazard_popup(page)
    assert "60 km (32 NM)" in text  # 60,000 m / 1,852 m per NM = 32.4
    assert "1,000–60,000 ft (FL010–FL600)" in text
    assert "Airbase Latakia (Khmeimim)" in text  # the reporter by its name
    assert not any(raw in text for raw in RAW_FIELDS)
    screenshot(page, "page-hazard")
    assert browser.console_errors == []
    assert browser.foreign_requests() == []


def test_a_hot_hazard_and_its_exposure_alerts(demo_server: DemoServer, browser: Browser) -> None:
    add_hazard(demo_server)
    # Hot a few seconds from now: time enough to sign in and see it go hot.
    start = datetime.now(UTC) + timedelta(seconds=8)
    strike = {
        "type": "Feature",
        "geometry": {"type": "Point", "coordinates": [35.5, 34.6]},
        "properties": {
            "domain": "air",
            "radius_m": 5000,
            "alt_lower_ft": 0,
            "alt_upper_ft": 30000,
            "start": start.isoformat(),
            "end": (start + timedelta(hours=1)).isoformat(),
            "callsign": "WEB STRIKE",
            "activity": "strike",
        },
    }
    with demo_server.client("command") as api:
        created = api.post("/notices", json=strike)
        assert created.status_code == 201, created.text
    page = browser.page
    sign_in(page, demo_server, "base")
    # Hot from the notice's start: the envelope filled with the hatch, the site says so.
    page.wait_for_selector("path.hazard-envelope.hazard-hot", timeout=40_000)
    fill = page.eval_on_selector("path.hazard-hot", "p => getComputedStyle(p).fill")
    assert "hazard-hatch" in fill
    text = hazard_popup(page)
    # the strike's hour plus the agreement's 30 min reaction tail ([hazards])
    window = f"{start:%H:%M}–{start + timedelta(hours=1, minutes=30):%H:%M} UTC"
    assert f"hot {window}, strike by Regional air and naval command" in text

    # The exposure of base's aircraft: listed in words, the tracks in red.
    page.click("#side [data-tab=picture]")
    row = page.locator("#alerts li.alert-exposure").first
    row.wait_for(timeout=TIMEOUT_MS)
    assert re.search(r"inside SA-X \(Third Party Air Defence\) envelope \(hot\)", row.inner_text())
    # the alert names the exposed track by its alias or id; its marker turns red
    assert str(row.get_attribute("data-tracks")).split()
    wait_until(lambda: page.locator('path.track[stroke="#d40000"]').count() > 0)
    # An exposure conflict names the hazard.
    expect(page.locator("#conflicts li", has_text="SA-X")).not_to_have_count(0)
    screenshot(page, "page-hazard-hot")
    assert browser.console_errors == []
    assert browser.foreign_requests() == []
