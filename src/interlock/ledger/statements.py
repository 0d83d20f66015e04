"""Does the server's account of a statement match what its author signed?

A ledger event that carries a party's signed envelope also has fields the server wrote
around it (who sent it, to whom, which message a receipt is for). A valid signature
proves the envelope; this check proves the server's fields say the same, so a server
cannot relabel a signed statement (e.g. show red's acknowledgement of one message as
the acknowledgement of another) without the audit naming the entry.

A signed notice's body says what it is — a new notice, or the amendment of notice N
that makes its version v — and the feature (hidden fields committed, see
`ledger.commitments`)::

    {"notice": {"id": null | "n-...", "version": v}, "feature": {...}}

The recorded event's id, version and feature must be those (a new notice: version 1).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from ..codec.canonical import canonical
from ..model.message import SYSTEM
from .commitments import seal

NEW = None  # a signed notice body's "id" when it files a new notice
SIGNED_KIND = {"notice_version": "notice", "message": "message", "receipt": "receipt"}


def _to(value: Any) -> set[str]:
    if isinstance(value, str):
        return {value}
    return {v for v in value if isinstance(v, str)} if isinstance(value, list) else set()


def notice_body(
    feature: dict[str, Any], notice_id: str | None = NEW, version: int = 1
) -> dict[str, Any]:
    """What a party signs to file `feature`: as a new notice (`notice_id` None, version 1)
    or as version `version` of its notice `notice_id`."""
    return {"notice": {"id": notice_id, "version": version}, "feature": feature}


def sealed_notice(
    feature: dict[str, Any],
    hidden: Iterable[str],
    salts: Mapping[str, bytes],
    notice_id: str | None = NEW,
    version: int = 1,
) -> tuple[dict[str, Any], dict[str, Any]]:
    """The body a party signs for `feature`, its `hidden` fields committed under `salts`
    (one per field), and the openings to send beside the envelope (``"openings"``)."""
    committed, openings = seal(feature, hidden, salts)
    return notice_body(committed, notice_id, version), openings


def notice_target(body: Any) -> tuple[str | None, int] | str:
    """A signed notice body's (id or None, version), or why it does not say."""
    if not isinstance(body, dict) or not isinstance(body.get("feature"), dict):
        return "body.feature: a signed notice carries its feature under 'feature'"
    target = body.get("notice")
    if not isinstance(target, dict):
        return "body.notice: a signed notice says whether it is new or which notice it amends"
    nid, version = target.get("id"), target.get("version")
    if nid is not NEW and not (isinstance(nid, str) and nid):
        return "body.notice.id: null (a new notice) or the id of the notice amended"
    if type(version) is not int or version < 1 or (nid is NEW and version != 1):
        return "body.notice.version: the version this statement makes (1 for a new notice)"
    return nid, version


def _notice_problem(event: dict[str, Any], body: dict[str, Any]) -> str | None:
    target = notice_target(body)
    if isinstance(target, str):
        return f"recorded notice differs from the signed one ({target})"
    nid, version = target
    if nid is not NEW and event.get("id") != nid:
        return "recorded notice differs from the signed one (id)"
    if event.get("version") != version:
        return "recorded notice differs from the signed one (version)"
    # RFC 8785 forms, not ==: Python's == takes true for 1 and 1 for 1.0
    if canonical(event.get("feature")) != canonical(body["feature"]):
        return "recorded notice differs from the signed one (feature)"
    return None


def statement_problem(event: dict[str, Any]) -> str | None:
    """Why the event's own fields disagree with its signed envelope (None: they agree)."""
    kind = event.get("type")
    env = event.get("envelope")
    if env is None:
        if kind == "receipt" or (kind == "message" and event.get("from") != SYSTEM):
            return f"a party's {kind} without its signed envelope"
        return None
    if not isinstance(env, dict) or SIGNED_KIND.get(str(kind)) != env.get("kind"):
        signed = env.get("kind") if isinstance(env, dict) else None
        return f"a {kind} event carries a {signed} envelope"
    body = env.get("body")
    author = env.get("author")
    if not isinstance(body, dict):
        return "the signed body is not an object"
    if kind == "notice_version":
        if event.get("party") != author:
            return "filer differs from the signer"
        return _notice_problem(event, body)
    if kind == "message":
        if event.get("from") != author:
            return "sender differs from the signer"
        if _to(event.get("to")) != _to(body.get("to")):
            return "addressees differ from the signed ones"
        if event.get("priority") != body.get("priority", "routine"):
            return "priority differs from the signed one"
        return None
    if event.get("party") != author:
        return "receipt's party differs from the signer"
    if event.get("message") != body.get("message") or event.get("status") != body.get("status"):
        return "receipt's message or status differs from the signed one"
    return None
