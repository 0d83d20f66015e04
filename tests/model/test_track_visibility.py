"""Own-forces tracks follow the agreement's visibility (model.visibility)."""

from __future__ import annotations

import dataclasses
import hashlib
import hmac

from tests.conftest import make_agreement

from interlock.model.visibility import shown_track_ids, unit_alias, visible_track

KEY = b"k" * 32
UNIT = {"track_id": "blue:raven-1", "owner": "blue", "name": "RAVEN 1", "lon": 35.0}


def test_alias_is_a_keyed_hash_stable_per_key() -> None:
    want = hmac.new(KEY, b"blue:raven-1", hashlib.sha256).hexdigest()[:12]  # RFC 2104
    assert unit_alias("blue:raven-1", "blue", KEY) == f"blue:unit-{want}"
    assert unit_alias("blue:raven-1", "blue", b"other") != unit_alias("blue:raven-1", "blue", KEY)
    assert unit_alias("blue:raven-2", "blue", KEY) != unit_alias("blue:raven-1", "blue", KEY)


def test_default_agreement_hides_the_unit_and_its_name_from_others() -> None:
    a = make_agreement()  # others_see = ["callsign"]
    seen = visible_track(UNIT, a, "red", KEY)
    assert seen == {**UNIT, "track_id": unit_alias("blue:raven-1", "blue", KEY), "name": None}
    own = visible_track(UNIT, a, "blue", KEY)
    assert own == {**UNIT, "alias": seen["track_id"]}
    observed = {"track_id": "icao:4ca1fa", "owner": None, "name": "THY1"}
    assert visible_track(observed, a, "red", KEY) is observed


def test_others_see_unit_shows_it_and_callsign_governs_the_name() -> None:
    both = dataclasses.replace(make_agreement(), others_see=("callsign", "unit"))
    assert visible_track(UNIT, both, "red", KEY) == UNIT
    assert visible_track(UNIT, both, "blue", KEY) == UNIT  # nothing hidden: no alias
    unit_only = dataclasses.replace(make_agreement(), others_see=("unit",))
    assert visible_track(UNIT, unit_only, "red", KEY) == {**UNIT, "name": None}


def test_a_record_every_party_reads_names_hidden_units_by_alias() -> None:
    a = make_agreement()
    ids = shown_track_ids(["blue:raven-1", "icao:4ca1fa"], ["blue", None], a, a.party_ids, KEY)
    assert ids == [unit_alias("blue:raven-1", "blue", KEY), "icao:4ca1fa"]
    shown = dataclasses.replace(a, others_see=("unit",))
    assert shown_track_ids(["blue:raven-1"], ["blue"], shown, a.party_ids, KEY) == ["blue:raven-1"]
