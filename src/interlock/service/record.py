"""Putting an event on the record: the ledger entry and who is told of it, in one step.

Every change the service makes is chained onto the ledger inside the same transaction
as the change itself, and addressed to the parties whose push streams must carry it; so
"who was told what, and when" is the ledger itself, never a second bookkeeping.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Any

from ..model.events import EventKind
from ..model.timeutil import iso
from ..store.base import WriteTx


def record(
    tx: WriteTx,
    kind: EventKind,
    ref: str | None,
    now: datetime,
    body: dict[str, Any],
    audience: Iterable[str],
    openings: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """Chain `body` as a `kind` event and address it to `audience` (who may read it);
    `openings` of its committed fields are kept beside it. The ledger entry."""
    text = str(kind.value)  # plain text on the record
    return tx.append_ledger(text, ref, {"type": text, **body}, iso(now), audience, openings)
