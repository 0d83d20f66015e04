"""The page in the parties' languages, in headless Chromium: English by default, Hebrew
right to left (the header mirrored), Russian, the choice kept across a reload; a standard
hotline phrase read in each reader's language with the free text as written, and sent from
the compose form's picker; the words the page writes itself (a message card's state,
countdown and buttons, the alarm controls, the legend, the timeline) in the chosen language
and written again on a switch."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from tests.conftest import wait_until
from tests.web.conftest import Browser, DemoServer, screenshot, waiting_on
from tests.web.test_page import TIMEOUT_MS, sign_in

from interlock.ledger.envelope import sign

expect = pytest.importorskip("playwright.sync_api").expect
pytestmark = [pytest.mark.server, pytest.mark.slow]

FREE_TEXT = "Tanker AMBER 1 still on station — 15 min"


def send_phrase(server: DemoServer, until: str) -> str:
    """command asks base to hold, as command's own client would sign it."""
    body = {
        "to": ["base"],
        "priority": "urgent",
        "subject": "Hold n-77aa",
        "body": FREE_TEXT,
        "refs": [],
        "phrase": {"code": "REQUEST_HOLD", "args": {"notice": "n-77aa", "until": until}},
    }
    env = sign("message", "command", body, server.keys["command"], datetime.now(UTC))
    return str(server.hotline.send("command", env)["id"])


# A notice popup's row labels in English: none may remain once the page is in another language.
ENGLISH_ROWS = {"Activity", "When", "Status", "Levels", "Size", "Remarks", "Filed", "Cancelled"}
ISOLATES = str.maketrans("", "", "\u2066\u2067\u2068\u2069")  # invisible bidi isolates


def notice_popup(page: Any, lang: str, row: str, relative: str) -> None:
    """Open a notice from the conflicts list: its row labels and times in `lang`."""
    page.click("#side [data-tab=picture]")
    conflicts = page.locator("#conflicts")
    wait_until(lambda: re.search(relative, conflicts.inner_text()) is not None)
    link = page.locator("#conflicts a[data-notice]", has_text="PATROL 21").first

    def opened() -> bool:  # the list is rewritten as names and notices arrive: click again
        link.click()
        page.wait_for_timeout(300)
        return bool(page.locator(".leaflet-popup-content h3").count())

    wait_until(opened, timeout_s=TIMEOUT_MS / 1000)
    rows = set(page.locator(".leaflet-popup-content th").all_inner_texts())
    assert row in rows and not rows & ENGLISH_ROWS, rows
    text = page.inner_text(".leaflet-popup-content").translate(ISOLATES)
    assert re.search(relative, text) and not re.search(r"\b(starts|ends|ended|ago)\b", text), text
    # the popup has faded in and the map's pan to show it has settled
    settled = "getComputedStyle(document.querySelector('.leaflet-popup')).opacity === '1'"
    wait_until(lambda: (page.wait_for_timeout(50), page.evaluate(settled))[1], timeout_s=5)
    page.wait_for_timeout(300)
    screenshot(page, f"page-i18n-{lang}-notice")
    page.evaluate("document.querySelector('.leaflet-popup-close-button')?.click()")
    page.click("#side [data-tab=hotline]")


def box(page: Any, selector: str) -> dict[str, float]:
    b = page.locator(selector).first.bounding_box()
    assert b is not None, selector
    return dict(b)


def test_languages_direction_and_phrases(demo_server: DemoServer, browser: Browser) -> None:
    page = browser.page
    until = (datetime.now(UTC) + timedelta(hours=2)).replace(second=0, microsecond=0)
    mid = send_phrase(demo_server, until.isoformat().replace("+00:00", "Z"))
    shown_until = until.strftime("%Y-%m-%d %H:%MZ")
    page.set_viewport_size({"width": 1400, "height": 900})
    page.goto(demo_server.url + "/")

    # English by default (the browser's language), left to right; the brand at the left.
    expect(page.locator("html")).to_have_attribute("dir", "ltr")  # the catalogue applied
    expect(page.locator("#signin h1")).to_have_text("Sign in")
    brand_ltr, clock_ltr = box(page, "header strong"), box(page, "header #lang-header")
    assert brand_ltr["x"] < 100 < 1400 - 300 < clock_ltr["x"]

    # Hebrew from the sign-in screen: right to left, the header mirrored.
    page.select_option("#lang-signin", "he")
    expect(page.locator("#signin h1")).to_have_text("כניסה")
    assert page.get_attribute("html", "dir") == "rtl" and page.get_attribute("html", "lang") == "he"
    brand_rtl, switch_rtl = box(page, "header strong"), box(page, "header #lang-header")
    assert brand_rtl["x"] > 1400 - 200 and switch_rtl["x"] < 300
    assert "keys/PARTY.key" in page.inner_text("#signin-form")  # code kept inside the label
    screenshot(page, "page-i18n-he-signin")

    # Kept across the reload sign_in does: the app in Hebrew, the side panel on the left.
    sign_in(page, demo_server, "base")
    assert page.get_attribute("html", "dir") == "rtl"
    expect(page.locator("[data-tab=hotline] [data-i18n]")).to_have_text("קו חם")
    expect(page.locator("#stream-state")).to_have_text("חי")
    assert box(page, "#side")["x"] < box(page, "#map")["x"]
    card = page.locator(f'.msg[data-id="{mid}"]')
    card.wait_for(timeout=TIMEOUT_MS)
    expect(card.locator(".phrase")).to_contain_text("נא להשהות את הפעילות של הודעה מוקדמת n-77aa")
    expect(card.locator(".text")).to_have_text(FREE_TEXT)
    # The words the page writes itself: the card's state, countdown, buttons, alarm controls.
    expect(card.locator(".state")).to_have_text("ממתין")
    expect(card.locator(".prio")).to_have_text("דחוף")
    expect(card.locator("button.ack")).to_have_text("אישור קבלה")
    expect(card.locator(".reply")).to_have_attribute("placeholder", "תשובה (רשות)")
    expect(card.locator(".countdown")).to_contain_text("מועד אחרון בעוד")
    expect(card.locator(".alarm-snooze option").first).to_have_text("השהיה…")
    expect(card.locator(".alarm-seen")).to_have_text("נצפה")
    expect(page.locator(".alarm-sound span")).to_have_text("צליל")
    expect(page.locator(".legend summary")).to_have_text("מקרא")
    expect(page.locator("#timeline-view [data-view=now]")).to_have_text("עכשיו")
    expect(page.locator("#record-state")).to_contain_text("הרשומה אומתה עד רשומה")
    card.scroll_into_view_if_needed()
    screenshot(page, "page-i18n-he-1400")
    notice_popup(page, "he", "מתי", r"(בעוד|לפני) \d+ (שנ׳|דק׳|שע׳)")
    card.scroll_into_view_if_needed()
    page.set_viewport_size({"width": 1024, "height": 700})
    screenshot(page, "page-i18n-he-1024")
    assert page.evaluate("document.documentElement.scrollWidth") <= 1024  # nothing pushed off

    # Russian from the header: left to right again, labels and the phrase in Russian.
    page.select_option("#lang-header", "ru")
    expect(page.locator("[data-tab=hotline] [data-i18n]")).to_have_text("Горячая линия")
    assert page.get_attribute("html", "dir") == "ltr" and page.get_attribute("html", "lang") == "ru"
    expect(card.locator(".phrase")).to_have_text(
        f"Прошу приостановить деятельность по уведомлению n-77aa до {shown_until}."
    )
    expect(card.locator(".text")).to_have_text(FREE_TEXT)
    expect(page.locator("#hotline h3 [data-i18n=hotline\\.inbox]")).to_have_text("Входящие")
    # What was drawn once is written again in the new language.
    expect(card.locator(".state")).to_have_text("ожидает")
    expect(card.locator("button.ack")).to_have_text("Подтвердить")
    expect(card.locator(".alarm-seen")).to_have_text("Просмотрено")
    expect(page.locator(".legend summary")).to_have_text("Условные обозначения")
    expect(page.locator("#slider-label")).to_have_text("всё время")
    expect(page.locator("#record-state")).to_contain_text("Журнал проверен до записи")
    flash = page.locator("#compose select[name=priority] option[value=flash]")
    expect(flash).to_contain_text("молния")
    screenshot(page, "page-i18n-ru-1024")
    notice_popup(page, "ru", "Когда", r"(через \d+ (с|мин|ч)|\d+ (с|мин|ч)( \d+ мин)? назад)")

    # The picker: a standard phrase sent from the page, in the catalogue's form.
    page.set_viewport_size({"width": 1400, "height": 900})
    page.click("#hotline details summary")
    page.check("#compose input[name=to][value=command]")
    page.select_option("#compose select[name=phrase]", "UNABLE")
    expect(page.locator("#compose [name=subject]")).to_have_value("UNABLE")
    page.fill("#compose [name='phrase.reason']", "погода / weather")
    page.fill("#compose [name=body]", "Free text as typed")
    screenshot(page, "page-i18n-ru-compose")
    page.click("#compose button[type=submit]")
    expect(page.locator("#compose .status")).to_contain_text("m-")
    with demo_server.client("command") as api:
        got = waiting_on(
            page,
            lambda: [m for m in api.get("/messages", params={"box": "in"}).json() if m["phrase"]],
        )
    assert got[0]["phrase"] == {"code": "UNABLE", "args": {"reason": "погода / weather"}}
    assert got[0]["body"] == "Free text as typed"

    # English: the same message in English, the free text unchanged.
    page.select_option("#lang-header", "en")
    expect(card.locator(".phrase")).to_have_text(
        f"Request you hold the activity of notice n-77aa until {shown_until}."
    )
    expect(card.locator(".text")).to_have_text(FREE_TEXT)
    # The last choice is kept: Russian again, then a reload opens in Russian.
    page.select_option("#lang-header", "ru")
    page.reload()
    expect(page.locator("#signin h1")).to_have_text("Вход")
    assert page.get_attribute("html", "lang") == "ru"

    assert browser.console_errors == []
    assert browser.foreign_requests() == []
