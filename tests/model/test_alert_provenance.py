"""On whose reports an alert rests: `reported_by`, `corroborated` (model.alerts)."""

from __future__ import annotations

import dataclasses

import pytest
from tests.model.test_alerts import at, entry, pair

from interlock.model.alerts import AlertBook, Detection


def by(d: Detection, *reporters: tuple[str, ...]) -> Detection:
    return dataclasses.replace(d, reporters=reporters)


@pytest.mark.parametrize(
    ("detection", "reported_by", "lone"),
    [
        # blue's receiver alone, a track into red's notice: uncorroborated for red
        (by(entry(), ("blue",)), ["blue"], ["blue"]),
        # red's own receiver: first-hand for the party concerned
        (by(entry(), ("red",)), ["red"], []),
        # two parties see it
        (by(entry(), ("blue", "red")), ["blue", "red"], []),
        # blue's own unit vs an observed track only blue reports: concerns blue alone
        (by(pair(owners=("blue", None)), ("blue",), ("blue",)), ["blue"], []),
        # red's own unit vs a track only blue reports: red is told on blue's word alone
        (by(pair(owners=("red", None)), ("red",), ("blue",)), ["blue", "red"], ["blue"]),
        # two own forces, each reported by its owner: first-hand on both sides
        (by(pair(owners=("blue", "red")), ("blue",), ("red",)), ["blue", "red"], []),
        # no provenance known (a local picture): nothing claimed
        (entry(), [], []),
    ],
)
def test_corroboration(detection: Detection, reported_by: list[str], lone: list[str]) -> None:
    (ev,) = AlertBook().update(at(0), [detection])
    d = ev.alert.to_dict()
    assert (d["reported_by"], d["uncorroborated_by"], d["corroborated"]) == (
        reported_by,
        lone,
        not lone,
    )


def test_a_change_of_sources_is_an_update_and_a_repeat_is_not() -> None:
    book = AlertBook()
    alone = by(entry(), ("blue",))
    assert [e.kind for e in book.update(at(0), [alone])] == ["raised"]
    assert book.update(at(1), [alone]) == []
    (ev,) = book.update(at(2), [by(entry(), ("blue", "red"))])
    assert ev.kind == "updated" and ev.alert.to_dict()["corroborated"] is True
    assert ev.alert.severity == book.severity.of(alone)  # severity does not depend on it
