"""Does the server's account of a statement match what its author signed?

A ledger event that carries a party's signed envelope also has fields the server wrote
around it (who sent it, to whom, which message a receipt is for). A valid signature
proves the envelope; this check proves the server's fields say the same, so a server
cannot relabel a signed statement (e.g. show red's acknowledgement of one message as
the acknowledgement of another) without the audit naming the entry.
"""

from __future__ import annotations

from typing import Any

from ..model.message import SYSTEM

SIGNED_KIND = {"notice_version": "notice", "message": "message", "receipt": "receipt"}


def _to(value: Any) -> set[str]:
    if isinstance(value, str):
        return {value}
    return {v for v in value if isinstance(v, str)} if isinstance(value, list) else set()


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
        return None if event.get("party") == author else "filer differs from the signer"
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
