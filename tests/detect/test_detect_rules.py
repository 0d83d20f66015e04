"""The late-notice rule (agreement clause "notice lead time")."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest

from interlock.detect.rules import late_notice
from interlock.model.agreement import Rules
from interlock.model.conflict import Ref

START = datetime(2026, 12, 1, 10, tzinfo=UTC)
REF = Ref("notice", "n1", 2)


def test_notice_filed_exactly_the_lead_time_ahead_is_on_time() -> None:
    assert late_notice(REF, "blue", START - timedelta(hours=1), START, Rules()) is None
    assert late_notice(REF, "blue", START - timedelta(days=3), START, Rules()) is None


def test_notice_filed_a_second_late_is_a_violation() -> None:
    v = late_notice(REF, "blue", START - timedelta(minutes=59, seconds=59), START, Rules())
    assert v is not None
    assert v.kind == "late_notice"
    assert (v.notice, v.party) == (REF, "blue")
    assert v.lead_time_s == 3599.0
    assert v.required_s == 3600.0
    assert "60 min" in v.detail


def test_about_a_minute_of_warning() -> None:
    v = late_notice(REF, "red", START - timedelta(minutes=1), START, Rules())
    assert v is not None
    assert v.lead_time_s == 60.0
    assert "1.0 min" in v.detail


def test_notice_filed_after_its_start_has_negative_lead() -> None:
    v = late_notice(REF, "red", START + timedelta(minutes=30), START, Rules())
    assert v is not None and v.lead_time_s == -1800.0


@pytest.mark.parametrize("minutes", [0, 15, 240])
def test_lead_time_follows_the_agreement(minutes: int) -> None:
    rules = Rules(min_lead_time=timedelta(minutes=minutes))
    on_time = START - timedelta(minutes=minutes)
    assert late_notice(REF, "blue", on_time, START, rules) is None
    late = late_notice(REF, "blue", on_time + timedelta(seconds=1), START, rules)
    assert late is not None and late.required_s == minutes * 60


def test_times_in_other_offsets_compare_as_instants() -> None:
    plus_two = START.astimezone(timezone(timedelta(hours=2)))
    assert late_notice(REF, "blue", START - timedelta(hours=1), plus_two, Rules()) is None


def test_violation_to_dict() -> None:
    v = late_notice(REF, "blue", START, START, Rules())
    assert v is not None
    d = v.to_dict()
    assert d["notice"] == {"kind": "notice", "id": "n1", "version": 2}
    assert d["lead_time_s"] == 0.0 and d["required_s"] == 3600.0
