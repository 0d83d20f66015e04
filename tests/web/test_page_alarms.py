"""Alarm hygiene on the map page (alarms.js): escalations grouped per message, items marked
seen / acknowledged / snoozed, the title-bar count and the chime's switch.

Escalations are made at once by ticking the server's hotline on a clock moved past the
flash deadline (the agreement's 30 s and 120 s repeat), instead of waiting for them; the
page's snoozes run on a test minute of 200 ms (its localStorage setting), so a 5-minute
snooze ends in a second."""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Any

import pytest
from tests.conftest import wait_until
from tests.web.conftest import Browser, DemoServer, screenshot, waiting_on
from tests.web.test_page import TIMEOUT_MS, sign_in

expect = pytest.importorskip("playwright.sync_api").expect
pytestmark = [pytest.mark.server, pytest.mark.slow]
TEST_MINUTE_MS = 200  # alarms.js reads it from localStorage "interlock.alarms.minute-ms"


def escalate_at(server: DemoServer, ahead_s: float) -> None:
    """The server's escalation tick, run as if `ahead_s` seconds from now: it escalates
    every message due by then (not only the test's) and reports channels silent by then
    (a "down" until the page's next heartbeat), hence the test runs after the others."""
    hotline = server.hotline
    real = hotline.clock
    hotline.clock = lambda: real() + timedelta(seconds=ahead_s)
    try:
        hotline.tick()
    finally:
        hotline.clock = real


def title_count(page: Any) -> int:
    match = re.fullmatch(r"\((\d+)\) interlock", page.title())
    if match:
        return int(match.group(1))
    assert page.title() == "interlock"
    return 0


def counted(page: Any) -> tuple[int, int]:
    """(the title's count, the ringing items shown new), read at one moment."""
    text, shown = page.evaluate(
        "[document.title, document.querySelectorAll('.alarm-rings.alarm-is-new').length]"
    )
    match = re.fullmatch(r"\((\d+)\) interlock", text)
    return (int(match.group(1)) if match else 0, shown)


def mark_all_seen(page: Any) -> bool:
    """Click every Seen button there is (hidden panels too); whether none was left."""
    n = page.locator("button.alarm-seen:not([hidden])").evaluate_all(
        "bs => bs.filter(b => !b.closest('.alarm-is-snoozed')).map(b => b.click()).length"
    )
    return n == 0 and title_count(page) == 0


# Run last (the session's late tests): its early escalations must not meet a test that
# reads escalations against the real clock (test_page.test_escalations_show_in_red).
@pytest.mark.after_demo_deadlines
def test_alarms_group_escalations_and_snooze(demo_server: DemoServer, browser: Browser) -> None:
    page = browser.page
    page.goto(demo_server.url + "/")
    page.evaluate(f"localStorage.setItem('interlock.alarms.minute-ms', '{TEST_MINUTE_MS}')")
    flash = demo_server.send("command", ["base"], "Alarm test: hold fire east of 35E", "flash")
    sign_in(page, demo_server, "base")

    # A new flash message rings: new, counted in the title with every other ringing item.
    card = page.locator(f'.msg[data-id="{flash}"]')
    expect(card).to_have_class(re.compile(r"\balarm-is-new\b"))
    expect(card).to_have_class(re.compile(r"\balarm-rings\b"))
    wait_until(lambda: (c := counted(page))[0] == c[1] and c[0] >= 1)
    assert page.get_attribute("#alarm-sound", "data-chimes") is not None  # sound on: it chimed
    # Seen: no longer new, one fewer in the title.
    card.locator("button.alarm-seen").click()
    expect(card).to_have_class(re.compile(r"\balarm-is-seen\b"))
    wait_until(lambda: (c := counted(page))[0] == c[1])

    # Escalations: the message escalates twice (at its deadline and one repeat later).
    escalate_at(demo_server, 31)
    escalate_at(demo_server, 31 + 121)
    line = page.locator(f'#escalations li[data-escalation="{flash}"]')
    expect(line).to_have_count(1)  # one line for the message, however often it escalated
    expect(line.locator(".esc-count")).to_have_text("×2")
    expect(line).to_contain_text("Alarm test: hold fire east of 35E")
    expect(line).to_contain_text("not acknowledged by base")
    expect(line).to_have_class(re.compile(r"\bdanger\b"))
    # Every line is a different message (no flood of repeats), and a conflict's
    # announcement names the conflict as the conflict list does.
    ids = page.locator("#escalations li").evaluate_all("ls => ls.map(l => l.dataset.escalation)")
    assert len(ids) == len(set(ids)) and len(ids) >= 2
    page.click("#side [data-tab=picture]")
    about = page.locator("#escalations .about").first
    expect(about).to_have_count(1)
    names = page.locator("#conflicts li[data-conflict]").evaluate_all(
        "ls => ls.map(l => l.dataset.name)"
    )
    assert about.inner_text() in names and "×" in about.inner_text()
    page.click("#side [data-tab=hotline]")
    page.set_viewport_size({"width": 1400, "height": 900})
    # (the line is redrawn as events come: scrolled to by selector, not held)
    page.evaluate(
        "id => document.querySelector(`[data-escalation='${id}']`)"
        "?.scrollIntoView({block: 'nearest'})",
        flash,
    )
    screenshot(page, "alarms-escalations-1400")

    # Acknowledging the message (the signed receipt) clears it and its escalation line.
    card.locator("button.ack").click()
    expect(card).to_have_class(re.compile(r"\balarm-is-acknowledged\b"))
    expect(line).to_have_count(0)
    wait_until(lambda: (c := counted(page))[0] == c[1])

    # Conflicts and alerts: a local acknowledgement, seen, and the title's count goes.
    page.click("#side [data-tab=picture]")
    alert = page.locator("#alerts li[data-alert]").first
    alert.wait_for(timeout=TIMEOUT_MS)
    alert.locator("button.alarm-ack").click()
    expect(alert).to_have_class(re.compile(r"\balarm-is-acknowledged\b"))
    waiting_on(page, lambda: mark_all_seen(page))
    assert page.title() == "interlock"

    # Snooze: hidden, listed in the header, back as new when it ends (5 test minutes = 1 s).
    conflict = page.locator("#conflicts li[data-conflict]").first
    conflict_id = conflict.get_attribute("data-conflict")
    one = page.locator(f'#conflicts li[data-conflict="{conflict_id}"]')
    expect(one).to_have_class(re.compile(r"\balarm-is-seen\b"))
    one.locator("select.alarm-snooze").select_option("5")
    expect(one).to_be_hidden()
    expect(page.locator("#snoozed summary")).to_have_text("1 snoozed")
    page.click("#snoozed summary")
    expect(page.locator("#snoozed li")).to_contain_text("conflict")
    screenshot(page, "alarms-snoozed-1400")
    expect(one).to_be_visible()
    expect(one).to_have_class(re.compile(r"\balarm-is-new\b"))
    expect(page.locator("#snoozed")).to_be_hidden()
    # ... and unsnoozed by hand from the header's list before a 60-minute snooze ends.
    one.locator("select.alarm-snooze").select_option("60")
    expect(one).to_be_hidden()
    page.click("#snoozed summary")
    page.click(f'#snoozed button[data-unsnooze="conflict:{conflict_id}"]')
    expect(one).to_be_visible()

    # The smaller screen: the header's controls still fit.
    page.set_viewport_size({"width": 1024, "height": 700})
    assert page.locator("#alarm-sound").is_visible()
    screenshot(page, "alarms-1024")
    assert browser.console_errors == []
    assert browser.foreign_requests() == []


def test_sound_switch_and_marks_persist(demo_server: DemoServer, browser: Browser) -> None:
    page = browser.page
    sign_in(page, demo_server, "base")
    sound = page.locator("#alarm-sound")
    expect(sound).to_be_checked()  # on unless switched off
    sound.uncheck()
    waiting_on(page, lambda: mark_all_seen(page))
    seen = page.locator(".msg.alarm-is-seen").first.get_attribute("data-id")

    page.reload()
    sign_in(page, demo_server, "base")
    expect(page.locator("#alarm-sound")).not_to_be_checked()  # the switch persisted
    expect(page.locator(f'.msg[data-id="{seen}"]')).to_have_class(re.compile(r"alarm-is-seen"))
    # What was seen stays seen (this console's state): the title counts only what is new,
    # which may be an alert or escalation raised since (the demo's tracks keep flying).
    waiting_on(page, lambda: (c := counted(page))[0] == c[1])
    # A new flash: the title counts it, silently with the sound off; seen, the count goes.
    flash = demo_server.send("command", ["base"], "Alarm test: quiet flash", "flash")
    card = page.locator(f'.msg[data-id="{flash}"]')
    expect(card).to_have_class(re.compile(r"alarm-is-new"))
    expect(page).to_have_title(re.compile(r"^\(\d+\) interlock$"))
    assert page.get_attribute("#alarm-sound", "data-chimes") is None
    waiting_on(page, lambda: mark_all_seen(page))
    expect(page).to_have_title("interlock")
    assert browser.console_errors == []
    assert browser.foreign_requests() == []
