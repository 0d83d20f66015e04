"""Standard hotline phrases: a code with typed slots, read by each side in its own language.

Two duty officers who share no language still share these: a message may carry
`phrase: {code, args}` beside (or instead of) its free text, and each reader's page or CLI
renders the phrase from this catalogue in the reader's language; the free text is shown as
written. This module is the one home of the catalogue: the API serves it (`GET /phrases`)
to the page, the CLI renders from it, the message parser validates against it.

The phraseology of military deconfliction lines is not public. These phrases are modelled
on the radiotelephony style of ICAO Doc 4444 (PANS-ATM, chapter 12: "phraseologies") and
ICAO Doc 9432 (Manual of Radiotelephony): short fixed forms (ROGER, WILCO, UNABLE, SAY
AGAIN), an instruction and its limit ("hold ... until ..."), times in UTC. The Russian
follows the style of Russian ATC phraseology ("Вас понял", "Выполняю"); the Hebrew uses
neutral infinitive forms ("נא ל...") so no phrase assumes the reader's gender.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from ..errors import InvalidInput
from .timeutil import iso, parse_utc

LANGUAGES = ("en", "ru", "he")
DEFAULT_LANGUAGE = "en"
# One slot value is one line, as a message's subject is (model.message.MAX_SUBJECT).
MAX_ARG = 200
MAX_ID = 100  # an id slot: as a message's refs (model.message._refs)
SLOT_KINDS = ("text", "time", "notice")  # free text as written; UTC time; a notice id


@dataclass(frozen=True, slots=True)
class Slot:
    name: str
    kind: str  # one of SLOT_KINDS


@dataclass(frozen=True, slots=True)
class Phrase:
    code: str
    slots: tuple[Slot, ...]
    text: dict[str, str]  # language -> template with {slot} placeholders
    model: str  # the ICAO form it follows

    def to_json(self) -> dict[str, Any]:
        return {
            "code": self.code,
            "slots": [{"name": s.name, "kind": s.kind} for s in self.slots],
            "text": dict(self.text),
            "model": self.model,
        }


def _p(code: str, slots: str, model: str, en: str, ru: str, he: str) -> Phrase:
    parsed = tuple(Slot(*s.split(":")) for s in slots.split()) if slots else ()
    return Phrase(code, parsed, {"en": en, "ru": ru, "he": he}, model)


PHRASES: dict[str, Phrase] = {
    p.code: p
    for p in (
        _p(
            "ACKNOWLEDGE",
            "",
            "ROGER (Doc 4444 12.2.1)",
            "Roger: your message received and understood.",
            "Вас понял: сообщение получено.",
            "רוג'ר: ההודעה התקבלה והובנה.",
        ),
        _p(
            "WILCO",
            "",
            "WILCO (Doc 4444 12.2.1)",
            "Wilco: will comply.",
            "Выполняю.",
            "יבוצע.",
        ),
        _p(
            "SAY_AGAIN",
            "",
            "SAY AGAIN (Doc 4444 12.2.1)",
            "Say again your last message.",
            "Повторите ваше последнее сообщение.",
            "נא לחזור על ההודעה האחרונה.",
        ),
        _p(
            "REQUEST_HOLD",
            "notice:notice until:time",
            "HOLD ... UNTIL ... (Doc 4444 12.3.4)",
            "Request you hold the activity of notice {notice} until {until}.",
            "Прошу приостановить деятельность по уведомлению {notice} до {until}.",
            "נא להשהות את הפעילות של הודעה מוקדמת {notice} עד {until}.",
        ),
        _p(
            "NOTICE_OF_ACTIVITY",
            "area:text from:time to:time band:text",
            "activity in an area, from ... to ..., levels (Doc 4444 12.3.1)",
            "Activity in {area} from {from} to {to}, {band}.",
            "Деятельность в районе {area} с {from} до {to}, {band}.",
            "פעילות באזור {area} מ-{from} עד {to}, {band}.",
        ),
        _p(
            "CEASE_ACTIVITY",
            "notice:notice",
            "STOP ... IMMEDIATELY (Doc 4444 12.3.1)",
            "Cease the activity of notice {notice} immediately.",
            "Немедленно прекратите деятельность по уведомлению {notice}.",
            "נא להפסיק מיד את הפעילות של הודעה מוקדמת {notice}.",
        ),
        _p(
            "CONFIRM_CLEAR",
            "area:text",
            "CONFIRM ... / REPORT CLEAR OF (Doc 4444 12.3.1)",
            "Confirm {area} is clear of your activity.",
            "Подтвердите, что район {area} свободен от вашей деятельности.",
            "נא לאשר שאזור {area} פנוי מפעילותכם.",
        ),
        _p(
            "AREA_CLEAR",
            "area:text at:time",
            "CLEAR OF ... (Doc 4444 12.3.1)",
            "{area} is clear of our activity as of {at}.",
            "Район {area} свободен от нашей деятельности с {at}.",
            "אזור {area} פנוי מפעילותנו החל מ-{at}.",
        ),
        _p(
            "UNABLE",
            "reason:text",
            "UNABLE (Doc 4444 12.2.1), the reason as written",
            "Unable to comply: {reason}",
            "Выполнить не могу: {reason}",
            "אין באפשרותנו לבצע: {reason}",
        ),
    )
}


def catalogue() -> dict[str, Any]:
    """The catalogue as the API serves it to the page (`GET /phrases`)."""
    return {
        "languages": list(LANGUAGES),
        "max_arg": MAX_ARG,
        "phrases": [p.to_json() for p in PHRASES.values()],
    }


def _arg(slot: Slot, value: Any, field: str) -> str:
    if not isinstance(value, str) or not value.strip():
        raise InvalidInput("a non-empty string is required", field=field)
    limit = MAX_ID if slot.kind == "notice" else MAX_ARG
    if len(value) > limit:
        raise InvalidInput(f"longer than {limit} characters", field=field)
    if slot.kind == "time":
        parse_utc(value, field)
    elif slot.kind == "notice" and any(c.isspace() for c in value):
        raise InvalidInput("a notice id has no spaces", field=field)
    elif "\n" in value or "\r" in value:
        raise InvalidInput("one line: no line breaks", field=field)
    return value


def parse_phrase(value: Any) -> dict[str, Any]:
    """Validate `{code, args}`; raise naming the first bad field (`phrase.args.until`)."""
    if not isinstance(value, dict):
        raise InvalidInput("must be an object {code, args}", field="phrase")
    unknown = set(value) - {"code", "args"}
    if unknown:
        raise InvalidInput("unknown field", field=f"phrase.{sorted(unknown)[0]}")
    code = value.get("code")
    phrase = PHRASES.get(code) if isinstance(code, str) else None
    if phrase is None:
        raise InvalidInput(f"must be one of {', '.join(PHRASES)}", field="phrase.code")
    args = value.get("args", {})
    if not isinstance(args, dict):
        raise InvalidInput("must be an object of slot values", field="phrase.args")
    names = [s.name for s in phrase.slots]
    extra = sorted(set(args) - set(names))
    if extra:
        raise InvalidInput(f"{code} has no slot {extra[0]!r}", field=f"phrase.args.{extra[0]}")
    for slot in phrase.slots:
        if slot.name not in args:
            raise InvalidInput(f"{code} needs a {slot.kind}", field=f"phrase.args.{slot.name}")
        _arg(slot, args[slot.name], f"phrase.args.{slot.name}")
    return {"code": code, "args": dict(args)}


def language(tag: str | None) -> str:
    """The catalogue language for a locale tag ('ru_RU.UTF-8', 'he-IL', 'iw'); else English."""
    base = (tag or "").replace("-", "_").split("_")[0].split(".")[0].lower()
    base = "he" if base == "iw" else base  # the old code of Hebrew (ISO 639 before 1989)
    return base if base in LANGUAGES else DEFAULT_LANGUAGE


def _show(kind: str, value: str) -> str:
    if kind == "time":  # to the minute, in UTC, as the page shows it
        when: datetime = parse_utc(value, "time")
        return iso(when)[:16].replace("T", " ") + "Z"
    return value


def render(phrase: dict[str, Any], lang: str) -> str:
    """A recorded phrase in `lang` (unknown codes of a newer catalogue: shown as sent)."""
    known = PHRASES.get(phrase.get("code", ""))
    args = phrase.get("args") or {}
    if known is None:
        return f"{phrase.get('code')} {args}"
    values = {s.name: _show(s.kind, str(args.get(s.name, "?"))) for s in known.slots}
    template = known.text.get(lang) or known.text[DEFAULT_LANGUAGE]
    return template.format(**values)
