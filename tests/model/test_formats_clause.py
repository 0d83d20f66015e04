"""The agreement's `[formats]`: who issues the theatre's NOTAMs and warnings; bad values
are refused naming the key; the demo names Nicosia FIR and NAVAREA III."""

from __future__ import annotations

from typing import Any

import pytest

from interlock.errors import InvalidInput
from interlock.model.agreement import Formats, agreement_from_dict, load_agreement
from interlock.service.scenario import DEFAULT_SCENARIO

PARTIES = [{"id": "blue"}, {"id": "red"}]


def with_formats(table: Any) -> dict[str, Any]:
    return {"agreement": {"name": "t"}, "parties": PARTIES, "formats": table}


def test_defaults_and_the_demo() -> None:
    plain = agreement_from_dict({"agreement": {"name": "t"}, "parties": PARTIES})
    assert plain.formats == Formats("XXXX", "A", "")
    assert plain.to_dict()["formats"] == {"fir": "XXXX", "notam_series": "A", "navarea": ""}
    demo = load_agreement(DEFAULT_SCENARIO / "agreement.toml")
    assert demo.formats == Formats("LCCC", "A", "III")


@pytest.mark.parametrize(
    ("table", "field"),
    [
        ({"fir": "lccc"}, "formats.fir"),
        ({"fir": "LCC"}, "formats.fir"),
        ({"fir": 1234}, "formats.fir"),
        ({"notam_series": "AB"}, "formats.notam_series"),
        ({"notam_series": "a"}, "formats.notam_series"),
        ({"navarea": "XXII"}, "formats.navarea"),
        ({"navarea": 3}, "formats.navarea"),
        ({"nav_area": "III"}, "formats"),
        ("LCCC", "formats"),
    ],
)
def test_bad_values_are_refused_naming_the_key(table: Any, field: str) -> None:
    with pytest.raises(InvalidInput) as exc:
        agreement_from_dict(with_formats(table))
    assert exc.value.field == field


def test_every_navarea_is_accepted() -> None:
    for navarea in ("I", "III", "XXI", ""):
        assert agreement_from_dict(with_formats({"navarea": navarea})).formats.navarea == navarea
