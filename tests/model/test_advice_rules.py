"""The agreement's `[advice]`: defaults, bounds just inside and outside, malformed values
refused naming the field (model.advice_rules, read through model.rule_tables)."""

from __future__ import annotations

from typing import Any

import pytest

from interlock.errors import InvalidInput
from interlock.model.advice_rules import AdviceRules, advice_rules


def test_absent_is_the_defaults() -> None:
    assert advice_rules({}) == AdviceRules()
    assert advice_rules({"advice": {}}).offset_step_m == pytest.approx(185.2)


@pytest.mark.parametrize(
    ("key", "lo", "hi"),
    [("max_time_shift_h", 0.0, 9600.0), ("max_offset_nm", 0.0, 1000.0), ("bearings", 4, 360)],
)
def test_each_bound_is_held(key: str, lo: float, hi: float) -> None:
    assert getattr(advice_rules({"advice": {key: lo}}), key) == lo
    assert getattr(advice_rules({"advice": {key: hi}}), key) == hi
    for bad in (lo - 1, hi + 1):
        with pytest.raises(InvalidInput, match=f"advice.{key}"):
            advice_rules({"advice": {key: bad}})


@pytest.mark.parametrize(
    ("table", "field"),
    [
        ({"bearings": 72.5}, "advice.bearings"),
        ({"bearings": True}, "advice.bearings"),
        ({"offset_step_nm": "0.1"}, "advice.offset_step_nm"),
        ({"time_step_s": float("nan")}, "advice.time_step_s"),
        ({"max_offset": 5}, "advice"),
    ],
)
def test_malformed_values_name_the_field(table: dict[str, Any], field: str) -> None:
    with pytest.raises(InvalidInput) as caught:
        advice_rules({"advice": table})
    assert caught.value.field == field


def test_not_a_table() -> None:
    with pytest.raises(InvalidInput) as caught:
        advice_rules({"advice": [1]})
    assert caught.value.field == "advice"
