"""The standard hotline phrases: every phrase readable in every language, slots checked."""

from __future__ import annotations

import re
import string

import pytest

from interlock.errors import InvalidInput
from interlock.model.phrases import LANGUAGES, PHRASES, catalogue, language, parse_phrase, render


def test_every_phrase_has_every_language_with_exactly_its_slots() -> None:
    assert 8 <= len(PHRASES) <= 12
    for phrase in PHRASES.values():
        slots = {s.name for s in phrase.slots}
        assert set(phrase.text) == set(LANGUAGES), phrase.code
        for lang, template in phrase.text.items():
            used = {f for _, f, _, _ in string.Formatter().parse(template) if f}
            assert used == slots, (phrase.code, lang)
        assert re.search(r"[а-яА-Я]", phrase.text["ru"]) and re.search(r"[א-ת]", phrase.text["he"])
        assert "Doc 4444" in phrase.model or "Doc 9432" in phrase.model
    assert [p["code"] for p in catalogue()["phrases"]] == list(PHRASES)


def test_a_phrase_renders_in_the_readers_language_with_times_to_the_minute() -> None:
    hold = {"code": "REQUEST_HOLD", "args": {"notice": "n-1a2b", "until": "2026-12-07T14:30:59Z"}}
    assert parse_phrase(hold) == hold
    assert (
        render(hold, "en")
        == "Request you hold the activity of notice n-1a2b until 2026-12-07 14:30Z."
    )
    assert render(hold, "ru").startswith("Прошу приостановить деятельность по уведомлению n-1a2b")
    assert "n-1a2b" in render(hold, "he") and "הודעה מוקדמת" in render(hold, "he")
    unable = {"code": "UNABLE", "args": {"reason": "Weather: CB over ALPHA"}}
    assert render(unable, "ru") == "Выполнить не могу: Weather: CB over ALPHA"  # as written
    assert render({"code": "FROM_A_NEWER_CATALOGUE", "args": {}}, "ru").startswith("FROM_A")
    assert [language(t) for t in ("ru_RU.UTF-8", "he_IL", "iw", "en_GB", "C.UTF-8", "", None)] == [
        "ru", "he", "he", "en", "en", "en", "en"
    ]  # fmt: skip


@pytest.mark.parametrize(
    ("value", "field"),
    [
        ("ACKNOWLEDGE", "phrase"),
        ({"code": "HOLD_MY_BEER"}, "phrase.code"),
        ({"code": None}, "phrase.code"),
        ({"code": "ACKNOWLEDGE", "lang": "en"}, "phrase.lang"),
        ({"code": "UNABLE", "args": []}, "phrase.args"),
        ({"code": "UNABLE", "args": {}}, "phrase.args.reason"),
        ({"code": "UNABLE", "args": {"reason": " "}}, "phrase.args.reason"),
        ({"code": "UNABLE", "args": {"reason": 7}}, "phrase.args.reason"),
        ({"code": "UNABLE", "args": {"reason": "x", "why": "y"}}, "phrase.args.why"),
        ({"code": "UNABLE", "args": {"reason": "x" * 201}}, "phrase.args.reason"),
        ({"code": "UNABLE", "args": {"reason": "two\nlines"}}, "phrase.args.reason"),
        ({"code": "CEASE_ACTIVITY", "args": {"notice": "n 1"}}, "phrase.args.notice"),
        ({"code": "CEASE_ACTIVITY", "args": {"notice": "n" * 101}}, "phrase.args.notice"),
        ({"code": "AREA_CLEAR", "args": {"area": "K", "at": "tomorrow"}}, "phrase.args.at"),
    ],
)
def test_a_bad_phrase_is_refused_naming_the_field(value: object, field: str) -> None:
    with pytest.raises(InvalidInput) as raised:
        parse_phrase(value)
    assert raised.value.field == field


def test_slot_lengths_at_the_limit_are_accepted() -> None:
    assert parse_phrase({"code": "UNABLE", "args": {"reason": "x" * 200}})
    assert parse_phrase({"code": "CEASE_ACTIVITY", "args": {"notice": "n" * 100}})
