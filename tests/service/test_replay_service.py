"""The picture at a moment from the service: a notice's status then, and the edges of
being in force (filed, cancelled, ended: each just before, at and just after)."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest
from tests.conftest import T0, Clock, circle

from interlock.errors import InvalidInput
from interlock.service.replay import LIVE_WITHIN
from interlock.service.root import Services

TICK = timedelta(microseconds=1)


def shown(services: Services, at: datetime) -> dict[str, str]:
    picture = services.replay.picture_at("red", at)
    return {f["id"]: f["properties"]["status"] for f in picture["notices"]["features"]}


def test_a_notice_is_in_force_from_filing_to_its_end_or_cancellation(
    services: Services, clock: Clock
) -> None:
    filed_at = T0 + timedelta(minutes=1)
    clock.now = filed_at
    a = services.notices.submit("blue", circle(35.0, 35.0)).notice["id"]  # T0+2h - T0+4h
    b = services.notices.submit("blue", circle(30.0, 30.0)).notice["id"]
    cancelled_at = T0 + timedelta(hours=3)
    clock.now = cancelled_at
    services.notices.cancel("blue", b)
    clock.now = T0 + timedelta(hours=5)
    end = T0 + timedelta(hours=4)
    assert shown(services, filed_at - TICK) == {}
    assert shown(services, filed_at) == {a: "submitted", b: "submitted"}
    assert shown(services, T0 + timedelta(hours=2)) == {a: "active", b: "active"}
    assert shown(services, cancelled_at - TICK) == {a: "active", b: "active"}
    assert shown(services, cancelled_at) == {a: "active"}
    assert shown(services, end - TICK) == {a: "active"}
    assert shown(services, end) == {}  # ended at its end
    # the version shown carries no cancellation it had not had yet
    props = services.replay.picture_at("blue", cancelled_at - TICK)["notices"]["features"]
    assert all(f["properties"]["cancelled_at"] is None for f in props)


def test_the_future_is_refused_and_now_is_live(services: Services, clock: Clock) -> None:
    assert services.replay.picture_at("red", clock.now + LIVE_WITHIN)["live"] is True
    assert services.replay.picture_at("red", clock.now - LIVE_WITHIN - TICK)["live"] is False
    with pytest.raises(InvalidInput) as err:
        services.replay.picture_at("red", clock.now + LIVE_WITHIN + TICK)
    assert err.value.field == "at"
    with pytest.raises(InvalidInput) as err:
        services.replay.picture_at("nobody", clock.now)
    assert err.value.field == "party"
