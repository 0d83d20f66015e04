"""The page's message catalogues: the same keys in every language, every key the page uses
present, and a slot label for every slot of the standard phrases (model.phrases)."""

from __future__ import annotations

import json
import re

from interlock.api.web import STATIC
from interlock.model.phrases import LANGUAGES, PHRASES

CATALOGUES = {lang: STATIC / "i18n" / f"{lang}.json" for lang in LANGUAGES}
SCRIPT = {"ru": re.compile("[а-яА-ЯёЁ]"), "he": re.compile("[א-ת]")}


def unique(pairs: list[tuple[str, str]]) -> dict[str, str]:
    """A JSON object whose keys are each given once (json keeps the last of a repeat
    silently: two helpers' `unit.s` once shadowed each other)."""
    keys = [k for k, _ in pairs]
    assert len(keys) == len(set(keys)), sorted({k for k in keys if keys.count(k) > 1})
    return dict(pairs)


def load(lang: str) -> dict[str, str]:
    data = json.loads(CATALOGUES[lang].read_text(encoding="utf-8"), object_pairs_hook=unique)
    assert isinstance(data, dict)
    return data


def test_a_key_with_placeholders_is_never_used_without_its_values() -> None:
    """(words.fill puts HTML values into a template itself)"""
    en = load("en")
    for js in (STATIC / "js").glob("*.js"):
        bare = r'(?<!fill\()(?<!withHtml\()\bt\("([\w.]+)"\)'  # t("key") with no values
        for key in re.findall(bare, js.read_text(encoding="utf-8")):
            assert "{" not in en.get(key, ""), (js.name, key, en[key])


def test_every_language_has_exactly_the_english_keys_all_translated() -> None:
    en = load("en")
    for lang in LANGUAGES:
        cat = load(lang)
        assert sorted(cat) == sorted(en), (lang, set(cat) ^ set(en))
        for key, text in cat.items():
            assert isinstance(text, str) and text.strip(), (lang, key)
            # the same {placeholders} as English, so t() fills every language alike
            assert set(re.findall(r"\{(\w+)\}", text)) == set(re.findall(r"\{(\w+)\}", en[key]))
            if lang in SCRIPT:
                assert SCRIPT[lang].search(text), (lang, key, text)


def test_every_key_the_page_uses_is_in_the_catalogue() -> None:
    en = load("en")
    html = (STATIC / "index.html").read_text(encoding="utf-8")
    used = set(re.findall(r'data-i18n(?:-[a-z-]+)?="([\w.]+)"', html))
    for js in (STATIC / "js").glob("*.js"):
        used |= set(re.findall(r'\bt\("([\w.]+)"', js.read_text(encoding="utf-8")))
    assert len(used) > 30
    assert used - set(en) == set()
    slots = {f"slot.{s.name}" for p in PHRASES.values() for s in p.slots}
    assert slots - set(en) == set()
