"""Advice on the map page, in headless Chromium: "What clears it?" on a conflict of the
signed-in party's notice opens the server's advice (GET /conflicts/{id}/advice) in a panel
beside the map, each candidate drawn as a ghost in the party's colour, highlighted on
hover; Apply amends the notice (POST /notices/{id}/advice/{k}/apply) and the API then has
it at a new version with no open conflict. A conflict the party has no notice in offers
no button, and one asked about anyway is refused in the server's words.

The conflict is made here (two polygons of two parties, west of the demo's notices and
hours after now) and both notices are cancelled at the end, so the session's demo server
is left with the picture it had.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from tests.web.conftest import Browser, DemoServer, screenshot, waiting_on
from tests.web.test_page import TIMEOUT_MS, sign_in

expect = pytest.importorskip("playwright.sync_api").expect
pytestmark = [pytest.mark.server, pytest.mark.slow]

GHOST_DASH = "10 4 2 4"  # advice.js GHOST_DASH: unlike air (solid), sea (dashed), emission (dotted)
BASE_COLOUR = "rgb(31, 111, 209)"  # layers.js PALETTE[0], the agreement's first party (base)


def square(lon: float, lat: float, half: float) -> dict[str, Any]:
    ring = [
        [lon - half, lat - half],
        [lon + half, lat - half],
        [lon + half, lat + half],
        [lon - half, lat + half],
        [lon - half, lat - half],
    ]
    return {"type": "Polygon", "coordinates": [ring]}


def notice(geometry: dict[str, Any], callsign: str, start: datetime) -> dict[str, Any]:
    return {
        "type": "Feature",
        "geometry": geometry,
        "properties": {
            "domain": "air",
            "fl_lower": 200,
            "fl_upper": 300,
            "start": start.isoformat(),
            "end": (start + timedelta(hours=2)).isoformat(),
            "callsign": callsign,
        },
    }


@pytest.fixture
def conflict(demo_server: DemoServer) -> Iterator[dict[str, Any]]:
    """base's ADVICE 1 and command's ADVICE 2, 0.1 degree squares overlapping over the sea
    west of the demo's notices, from 30 min from now (inside the agreement's 60 min lead
    time: late notices, recorded): one critical conflict. Cancelled after."""
    start = (datetime.now(UTC) + timedelta(minutes=30)).replace(microsecond=0)
    with demo_server.client("base") as base, demo_server.client("command") as command:
        mine = base.post("/notices", json=notice(square(34.30, 34.20, 0.1), "ADVICE 1", start))
        assert mine.status_code == 201, mine.text
        theirs = command.post("/notices", json=notice(square(34.38, 34.26, 0.1), "ADVICE 2", start))
        assert theirs.status_code == 201, theirs.text
        ids = tuple(r.json()["notice"]["properties"]["id"] for r in (mine, theirs))
        found = theirs.json()["conflicts"]
        assert len(found) == 1 and {found[0]["a_id"], found[0]["b_id"]} == set(ids)
        yield {"id": found[0]["id"], "mine": ids[0], "theirs": ids[1]}
        base.post(f"/notices/{ids[0]}/cancel")
        command.post(f"/notices/{ids[1]}/cancel")


def ghost_ks(page: Any) -> set[str]:
    """The pieces with a ghost drawn (a corridor's is two paths: its band and its edge)."""
    return set(page.eval_on_selector_all("path.advice-ghost", "ps => ps.map(p => p.dataset.k)"))


def box(page: Any, selector: str) -> dict[str, float]:
    found: dict[str, float] = page.locator(selector).first.bounding_box()
    return found


def inside(inner: dict[str, float], outer: dict[str, float]) -> bool:
    return (
        inner["x"] >= outer["x"]
        and inner["y"] >= outer["y"]
        and inner["x"] + inner["width"] <= outer["x"] + outer["width"]
        and inner["y"] + inner["height"] <= outer["y"] + outer["height"]
    )


def test_advice_ghosts_and_apply(
    demo_server: DemoServer, browser: Browser, conflict: dict[str, Any]
) -> None:
    cid = conflict["id"]
    with demo_server.client("base") as api:
        advice = api.get(f"/conflicts/{cid}/advice")
        assert advice.status_code == 200, advice.text
        served = advice.json()
        conflicts = api.get("/conflicts").json()
    pieces = served["advice"]
    kinds = [p["kind"] for p in pieces]
    # A square of air among nothing else: every kind but narrowing (corridors and orbits).
    assert {"delay", "level_up", "level_down", "offset", "shrink"} <= set(kinds), kinds
    assert "narrow" in {u["kind"] for u in served["unavailable"]}
    # Filed 30 min ahead: a change that keeps the start is late too; a delay past the lead
    # time is not.
    assert pieces[kinds.index("level_up")]["late"] and not pieces[kinds.index("delay")]["late"]
    not_ours = next(c for c in conflicts if c.get("kind") == "interference")  # base's receiver

    page = browser.page
    page.set_viewport_size({"width": 1400, "height": 900})
    sign_in(page, demo_server, "base")
    page.click("#side [data-tab=picture]")
    item = page.locator(f'#conflicts [data-conflict="{cid}"]')
    expect(item.locator("button.advise")).to_have_text("What clears it?")
    # No button where base has no notice in the conflict (its receiver against an emitter).
    expect(page.locator(f'#conflicts [data-conflict="{not_ours["id"]}"]')).to_have_count(1)
    assert page.locator(f'#conflicts [data-conflict="{not_ours["id"]}"] button.advise').count() == 0
    # The item's name (the alarm board's, the escalations') leaves the button out.
    assert "What clears" not in (item.get_attribute("data-name") or "")

    # The conflict's popup offers it too; asked there, the popup closes for the ghosts.
    item.click()
    page.wait_for_selector(".leaflet-popup-content button.advise", timeout=TIMEOUT_MS)
    page.click(".leaflet-popup-content button.advise")
    panel = page.locator("#advice")
    expect(panel.locator(".advice-piece")).to_have_count(len(pieces))
    expect(page.locator(".leaflet-popup")).to_have_count(0)
    text = panel.inner_text()
    assert f"What clears conflict #{cid}" in text
    assert "For your notice ADVICE 1 (version 1)" in text
    assert f"Clears conflicts #{cid}." in text
    assert "ADVICE 2" in text and "Regional air and naval command" in text  # what it keeps clear of
    for i, piece in enumerate(pieces):  # each in the server's words, labelled as on the map
        li = panel.locator(f'.advice-piece[data-k="{i}"]')
        # (a late piece's "— filed now, a late notice" is said once, as its warning)
        shown = li.locator(".advice-summary").inner_text()
        assert shown == piece["summary"].removesuffix(" — filed now, a late notice")
        assert li.locator(".advice-late").count() == int(piece["late"])
    assert panel.locator(".advice-late").first.inner_text() == "⚠ filed now: a late notice"
    for gone in served["unavailable"]:
        assert gone["why"] in panel.locator(".advice-unavailable").inner_text()
    labels = page.locator(".advice-label")
    assert labels.count() == len(pieces)
    level = kinds.index("level_up")
    up = pieces[level]["feature"]["properties"]
    label_text = f"FL{round(up['fl_lower']):03d}–FL{round(up['fl_upper']):03d}"
    assert labels.nth(level).inner_text() == label_text
    offset = kinds.index("offset")
    change = pieces[offset]["change"]
    assert labels.nth(offset).inner_text() == (
        f"{change['distance_nm']:.1f} NM {round(change['bearing_deg']) % 360:03d}°"
    )

    # Every piece drawn as a ghost: dash-dot, base's colour, beside the solid original.
    assert ghost_ks(page) == {str(i) for i in range(len(pieces))}
    ghost = page.locator(f'path.advice-ghost[data-k="{offset}"]')
    assert ghost.get_attribute("stroke-dasharray") == GHOST_DASH
    assert ghost.evaluate("p => getComputedStyle(p).stroke") == BASE_COLOUR
    mine = f'path.notice[data-notice="{conflict["mine"]}"]'
    original = page.locator(mine)
    assert original.get_attribute("stroke-dasharray") is None
    opacity = [float(p.get_attribute("fill-opacity") or 0) for p in (original, ghost)]
    assert opacity[0] > opacity[1]
    # The offset moved the area: its ghost is elsewhere; a delay's lies on the original.
    delay = kinds.index("delay")
    assert box(page, f'path.advice-ghost[data-k="{offset}"]') != box(page, mine)
    assert box(page, f'path.advice-ghost[data-k="{delay}"]') == box(page, mine)
    # The conflict, its notices and the ghosts are in view, the panel beside the map.
    map_box = box(page, "#map")
    assert inside(box(page, mine), map_box)
    assert inside(box(page, f'path.advice-ghost[data-k="{offset}"]'), map_box)
    assert box(page, "#advice")["x"] >= map_box["x"] + map_box["width"] - 1
    screenshot(page, "page-advice-1400")

    # Hovering a piece highlights its ghost and label, the others fade; leaving, all alike.
    panel.locator(f'.advice-piece[data-k="{offset}"]').hover()
    waiting_on(page, lambda: "ghost-hot" in (ghost.get_attribute("class") or ""))
    assert float(ghost.get_attribute("stroke-width")) > 4
    assert "ghost-hot" in (labels.nth(offset).get_attribute("class") or "")
    assert "ghost-dim" in (labels.nth(delay).get_attribute("class") or "")
    assert page.locator("path.advice-ghost.ghost-hot").count() == 1
    screenshot(page, "page-advice-hover")
    page.mouse.move(5, 5)
    waiting_on(page, lambda: page.locator("path.advice-ghost.ghost-hot").count() == 0)

    # On a small screen: the piece selected is framed, the legend folded out of its way.
    page.set_viewport_size({"width": 1024, "height": 700})
    chosen = panel.locator(f'.advice-piece[data-k="{offset}"]')
    chosen.locator(".advice-summary").click()
    waiting_on(page, lambda: "selected" in (chosen.get_attribute("class") or ""))
    assert inside(box(page, f'path.advice-ghost[data-k="{offset}"]'), box(page, "#map"))
    assert not page.locator("details.legend").evaluate("d => d.open")
    screenshot(page, "page-advice-1024")

    # Apply the delay: asked first in the panel, then amended; the ghosts go.
    piece = panel.locator(f'.advice-piece[data-k="{delay}"]')
    piece.locator("button.advice-apply").click()
    head = pieces[delay]["summary"].split(": ")[0]
    expect(piece.locator(".advice-confirm")).to_contain_text(f"Amend ADVICE 1: {head}?")
    piece.locator("button.advice-amend").click()
    expect(panel.locator(".advice-applied")).to_contain_text("ADVICE 1 amended: version 2")
    expect(panel.locator(".advice-applied")).to_contain_text("No conflicts.")
    assert ghost_ks(page) == set()
    with demo_server.client("base") as api:
        now = api.get(f"/notices/{conflict['mine']}").json()["properties"]
        assert now["version"] == 2
        assert now["start"] == pieces[delay]["feature"]["properties"]["start"]
        still = [
            c
            for c in api.get("/conflicts").json()
            if conflict["mine"] in (c.get("a_id"), c.get("b_id"))
        ]
        assert still == []
    # The list drops the conflict (the stream's refresh); the panel closes on ×.
    expect(page.locator(f'#conflicts [data-conflict="{cid}"]')).to_have_count(0)
    panel.locator("button.advice-close").click()
    expect(panel).to_be_hidden()

    # Asked about a conflict base has no notice in (a hand-made button): the server's 409,
    # said in its words, and nothing drawn.
    page.locator("#conflicts").evaluate(
        "(ul, id) => ul.insertAdjacentHTML('beforeend',"
        " `<li><button class=advise data-advise=${id}>?</button></li>`)",
        not_ours["id"],
    )
    page.locator(f'#conflicts button[data-advise="{not_ours["id"]}"]').click()
    expect(panel.locator(".advice-refused")).to_have_text("No advice for you on this conflict:")
    assert panel.locator(".advice-why").inner_text().strip()
    assert ghost_ks(page) == set()
    # (the browser logs the refused request itself: the only console error allowed)
    refused = f"/conflicts/{not_ours['id']}/advice"
    assert [e for e in browser.console_errors if "409" not in e or refused not in e] == []
    assert browser.foreign_requests() == []
