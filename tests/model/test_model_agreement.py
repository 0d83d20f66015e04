"""The agreement: TOML parsing, defaults, bad values, minima."""

from __future__ import annotations

import tomllib
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest

from interlock.errors import InvalidInput
from interlock.model.agreement import (
    EXAMPLE_AGREEMENT,
    Agreement,
    Rules,
    Separation,
    agreement_from_dict,
    load_agreement,
)

NM = 1852.0
FT = 0.3048


def doc(**sections: Any) -> dict[str, Any]:
    """A minimal valid agreement document with sections replaced."""
    base: dict[str, Any] = {
        "agreement": {"name": "test"},
        "parties": [{"id": "blue", "name": "Blue"}, {"id": "red", "name": "Red"}],
    }
    base.update(sections)
    return base


def invalid(data: dict[str, Any]) -> InvalidInput:
    with pytest.raises(InvalidInput) as info:
        agreement_from_dict(data)
    return info.value


# ---- the example ---------------------------------------------------------------------------
def test_example_agreement_parses_to_its_stated_rules() -> None:
    agreement = agreement_from_dict(tomllib.loads(EXAMPLE_AGREEMENT))
    assert agreement.name == "Example deconfliction agreement"
    assert agreement.party_ids == ("blue", "red")
    assert agreement.party("red").name == "Red airbase"
    assert agreement.party("blue").public_keys == ()
    r = agreement.rules
    assert r.min_lead_time == timedelta(hours=1)
    assert r.late_notice == "record"
    assert r.time_buffer == timedelta(minutes=15)
    assert r.max_area_km2 == 250_000.0
    assert r.max_duration == timedelta(days=7)
    assert r.separation["air"].horizontal_m == pytest.approx(5 * NM)
    assert r.separation["air"].vertical_m == pytest.approx(1000 * FT)
    assert r.separation["sea"].horizontal_m == pytest.approx(2 * NM)
    assert r.separation["sea"].vertical_m == 0.0
    assert agreement.others_see == ("callsign",)


def test_example_agreement_states_the_defaults() -> None:
    example = agreement_from_dict(tomllib.loads(EXAMPLE_AGREEMENT))
    defaults = agreement_from_dict(
        {
            "agreement": {"name": example.name},
            "parties": tomllib.loads(EXAMPLE_AGREEMENT)["parties"],
        }
    )
    assert defaults == example


def test_load_agreement_from_a_file(tmp_path: Path) -> None:
    path = tmp_path / "agreement.toml"
    path.write_text(EXAMPLE_AGREEMENT, encoding="utf-8")
    assert load_agreement(path) == agreement_from_dict(tomllib.loads(EXAMPLE_AGREEMENT))


def test_load_agreement_refuses_bad_toml_naming_the_file(tmp_path: Path) -> None:
    path = tmp_path / "broken.toml"
    path.write_text("[agreement\nname = 'x'\n", encoding="utf-8")
    with pytest.raises(InvalidInput) as info:
        load_agreement(path)
    assert info.value.field == str(path)
    assert "TOML" in info.value.detail


def test_load_agreement_refuses_a_missing_file(tmp_path: Path) -> None:
    with pytest.raises(InvalidInput) as info:
        load_agreement(tmp_path / "absent.toml")
    assert "cannot read" in info.value.detail


def test_to_dict_parses_back_to_the_same_agreement() -> None:
    original = agreement_from_dict(
        doc(
            rules={
                "min_lead_time_min": 90,
                "late_notice": "refuse",
                "time_buffer_min": 5,
                "max_area_km2": 1000,
                "max_duration_h": 12,
                "separation": {"air": {"horizontal_nm": 3, "vertical_ft": 2000}},
            },
            visibility={"others_see": ["purpose", "unit"]},
        )
    )
    d = original.to_dict()
    again = agreement_from_dict(
        {
            "agreement": {"name": d["name"]},
            "parties": d["parties"],
            "rules": d["rules"],
            "visibility": d["visibility"],
        }
    )
    assert again == original


# ---- rules in their units ------------------------------------------------------------------
def test_separation_in_metres_or_nautical_miles_and_feet() -> None:
    a = agreement_from_dict(
        doc(
            rules={
                "separation": {
                    "air": {"horizontal_m": 10_000, "vertical_m": 600},
                    "sea": {"horizontal_nm": 3.5, "vertical_ft": 100},
                }
            }
        )
    )
    assert a.rules.separation["air"] == Separation(10_000.0, 600.0)
    assert a.rules.separation["sea"].horizontal_m == pytest.approx(3.5 * NM)
    assert a.rules.separation["sea"].vertical_m == pytest.approx(100 * FT)


def test_a_partial_domain_table_keeps_the_other_default() -> None:
    a = agreement_from_dict(doc(rules={"separation": {"air": {"horizontal_nm": 3}}}))
    assert a.rules.separation["air"].horizontal_m == pytest.approx(3 * NM)
    assert a.rules.separation["air"].vertical_m == pytest.approx(1000 * FT)
    assert a.rules.separation["sea"] == Rules().separation["sea"]


def test_defaults_when_rules_are_left_out() -> None:
    a = agreement_from_dict(doc())
    assert a.rules == Rules()
    assert a.others_see == ("callsign",)
    assert a.name == "test"
    assert agreement_from_dict({"parties": doc()["parties"]}).name == "agreement"


def test_minima_of_a_mixed_pair_take_the_larger_of_each() -> None:
    rules = agreement_from_dict(
        doc(
            rules={
                "separation": {
                    "air": {"horizontal_nm": 5, "vertical_ft": 1000},
                    "sea": {"horizontal_nm": 8, "vertical_m": 0},
                }
            }
        )
    ).rules
    mixed = rules.minima("air", "sea")
    assert mixed == rules.minima("sea", "air")
    assert mixed.horizontal_m == pytest.approx(8 * NM)
    assert mixed.vertical_m == pytest.approx(1000 * FT)
    assert rules.minima("sea", "sea") == rules.separation["sea"]
    assert rules.largest_minima == mixed


def test_party_lookup() -> None:
    a = agreement_from_dict(doc())
    assert a.party("blue").name == "Blue"
    with pytest.raises(InvalidInput) as info:
        a.party("green")
    assert info.value.field == "party"


def test_party_name_defaults_to_id_and_keys_are_kept() -> None:
    from interlock.codec.keys import public_text
    from interlock.ledger.keys import new_private

    k1, k2 = (public_text(new_private().public_key()) for _ in range(2))
    a = agreement_from_dict(doc(parties=[{"id": "a1"}, {"id": "b_2-x", "public_keys": [k1, k2]}]))
    assert a.party("a1").name == "a1"
    assert a.party("b_2-x").public_keys == (k1, k2)


# ---- bad values, each named ----------------------------------------------------------------
@pytest.mark.parametrize(
    ("parties", "field"),
    [
        (None, "parties"),
        ([], "parties"),
        ([{"id": "blue"}], "parties"),
        ("blue,red", "parties"),
        ([{"id": "blue"}, {"id": "Red"}], "parties[1].id"),
        ([{"id": "blue"}, {"id": "9red"}], "parties[1].id"),
        ([{"id": "blue"}, {"id": "r" * 33}], "parties[1].id"),
        ([{"id": "blue"}, {"id": ""}], "parties[1].id"),
        ([{"id": "blue"}, {"name": "no id"}], "parties[1].id"),
        ([{"id": "blue"}, "red"], "parties[1].id"),
        ([{"id": "blue"}, {"id": 7}], "parties[1].id"),
        ([{"id": "blue"}, {"id": "blue"}], "parties"),
        ([{"id": "blue", "public_keys": "k"}, {"id": "red"}], "parties[0].public_keys"),
        ([{"id": "blue", "public_keys": [1]}, {"id": "red"}], "parties[0].public_keys"),
    ],
)
def test_bad_parties(parties: Any, field: str) -> None:
    data = doc(parties=parties)
    if parties is None:
        del data["parties"]
    assert invalid(data).field == field


def test_longest_party_id_is_accepted() -> None:
    a = agreement_from_dict(doc(parties=[{"id": "b" * 32}, {"id": "red"}]))
    assert a.party_ids == ("b" * 32, "red")


@pytest.mark.parametrize(
    ("rules", "field"),
    [
        ({"late_notice": "ignore"}, "rules.late_notice"),
        ({"late_notice": True}, "rules.late_notice"),
        ({"min_lead_time_min": -1}, "rules.min_lead_time_min"),
        ({"min_lead_time_min": "60"}, "rules.min_lead_time_min"),
        ({"min_lead_time_min": True}, "rules.min_lead_time_min"),
        ({"time_buffer_min": float("nan")}, "rules.time_buffer_min"),
        ({"max_area_km2": 0}, "rules.max_area_km2"),
        ({"max_area_km2": float("inf")}, "rules.max_area_km2"),
        ({"max_duration_h": 0}, "rules.max_duration_h"),
        ({"max_duration_h": -3}, "rules.max_duration_h"),
        ({"separation": {"space": {"horizontal_nm": 5}}}, "rules.separation"),
        ({"separation": {"emission": {"horizontal_nm": 5}}}, "rules.separation"),
        ({"separation": {"air": 5}}, "rules.separation"),
        ({"separation": {"air": {"horizontal_nm": -5}}}, "rules.separation.air.horizontal_nm"),
        ({"separation": {"air": {"horizontal_m": "far"}}}, "rules.separation.air.horizontal_m"),
        (
            {"separation": {"sea": {"vertical_ft": float("nan")}}},
            "rules.separation.sea.vertical_ft",
        ),
        ({"separation": {"sea": {"vertical_m": -1}}}, "rules.separation.sea.vertical_m"),
    ],
)
def test_bad_rules(rules: dict[str, Any], field: str) -> None:
    assert invalid(doc(rules=rules)).field == field


def test_nan_and_inf_from_toml_are_refused() -> None:
    # TOML has nan and inf literals.
    text = EXAMPLE_AGREEMENT.replace("max_area_km2 = 250000", "max_area_km2 = nan")
    assert invalid(tomllib.loads(text)).field == "rules.max_area_km2"
    text = EXAMPLE_AGREEMENT.replace("horizontal_nm = 5", "horizontal_nm = inf")
    assert invalid(tomllib.loads(text)).field == "rules.separation.air.horizontal_nm"


@pytest.mark.parametrize(
    ("visibility", "field"),
    [
        ({"others_see": ["callsign", "secret"]}, "visibility.others_see"),
        ({"others_see": "callsign"}, "visibility.others_see"),
        ({"others_see": [1]}, "visibility.others_see"),
    ],
)
def test_bad_visibility(visibility: dict[str, Any], field: str) -> None:
    assert invalid(doc(visibility=visibility)).field == field


def test_empty_visibility_list_is_allowed() -> None:
    assert agreement_from_dict(doc(visibility={"others_see": []})).others_see == ()


@pytest.mark.parametrize(
    ("section", "value", "field"),
    [
        ("agreement", "my agreement", "agreement"),
        ("rules", 5, "rules"),
        ("rules", {"separation": 5}, "rules.separation"),
        ("rules", {"separation": ["air"]}, "rules.separation"),
        ("visibility", ["callsign"], "visibility"),
    ],
)
def test_a_section_that_is_not_a_table_is_refused(section: str, value: Any, field: str) -> None:
    # e.g. `rules = 5` is valid TOML: it must be refused as bad input, not crash.
    assert invalid(doc(**{section: value})).field == field


@pytest.mark.parametrize("key", ["min_lead_time_min", "time_buffer_min", "max_duration_h"])
def test_absurdly_large_times_are_refused(key: str) -> None:
    # timedelta overflows past ~1e12 minutes: a typo must be an InvalidInput, not a crash.
    assert invalid(doc(rules={key: 1e20})).field == f"rules.{key}"


def test_agreement_type_is_frozen() -> None:
    a = agreement_from_dict(doc())
    assert isinstance(a, Agreement)
    with pytest.raises(AttributeError):
        a.name = "other"  # type: ignore[misc]


def test_spectrum_clauses_are_configuration() -> None:
    text = EXAMPLE_AGREEMENT.replace("criterion_db = -6 ", "criterion_db = -8 ").replace(
        'propagation = "smooth_earth"', 'propagation = "free_space"'
    )
    s = agreement_from_dict(tomllib.loads(text)).spectrum
    assert (s.criterion_db, s.propagation, s.safety_of_life_criterion_db) == (-8, "free_space", -10)


@pytest.mark.parametrize(
    ("clause", "field"),
    [
        ({"criterion_db": "low"}, "spectrum.criterion_db"),
        ({"criterion_db": float("nan")}, "spectrum.criterion_db"),
        ({"criterion_db": 50}, "spectrum.criterion_db"),
        ({"propagation": "okumura"}, "spectrum.propagation"),
        ({"k_factor": 0}, "spectrum.k_factor"),
        ({"clutter_db": -3}, "spectrum.clutter_db"),
        ({"top_contributors": 0}, "spectrum.top_contributors"),
        ({"top_contributors": 2.5}, "spectrum.top_contributors"),
        ({"criterion": -6}, "spectrum"),
    ],
)
def test_bad_spectrum_clauses(clause: dict[str, Any], field: str) -> None:
    raw = {"parties": [{"id": "a"}, {"id": "b"}], "spectrum": clause}
    with pytest.raises(InvalidInput) as err:
        agreement_from_dict(raw)
    assert err.value.field == field
