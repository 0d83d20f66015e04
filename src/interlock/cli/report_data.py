"""What an after-action report is made of, fetched as one party from the server.

Everything comes through the party's own API (its token): `GET /ledger` (its view, up to
the latest signed checkpoint), `GET /checkpoint.json`, `GET /proof/inclusion`, the
notices' versions, conflicts, messages, alerts, hazards and assets. The server's
visibility rules apply to every one of them, so the report can show nothing the party
may not see; stubs (events the party may not read) are never cited.

Which entries are "about" the subject is `service.timeline`'s answer (the logic of
`interlock audit timeline`), run over the entries the API served.
"""

from __future__ import annotations

import base64
import sys
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from ..errors import InterlockError, InvalidInput, NotFound
from ..ledger import merkle
from ..model.agreement import Rules
from ..model.timeutil import parse_utc
from ..service.timeline import conflict_timeline, timeline
from .readable import resolve

PAGE = 10_000  # entries a GET /ledger page holds at most (api/app.py `limit`)
FETCH_THREADS = 4  # notices' versions asked at once (one round trip each)
# One proof in this many is compared with the server's (plus the first and the last): a
# few requests of the party's share for any report, every proof still checked offline.
SAMPLE_EVERY = 100
RATE_RETRIES = 5  # a 429 (the party's fair share spent) is waited out this many times
ALERT_LOOKBACK = timedelta(minutes=30)  # an alert's report starts this long before it rose
ALERT_AFTER = timedelta(minutes=5)  # and ends this long after it cleared (or last changed)

Call = Callable[..., Any]


def say(message: str) -> None:
    """Progress on stderr (long work: the ledger, the proofs)."""
    print(message, file=sys.stderr, flush=True)


@dataclass
class Subject:
    kind: str  # "conflict", "notice", "message", "alert" or "period"
    ref: str  # the conflict number, notice/message/alert id, or "FROM/TO"
    title: str = ""


@dataclass
class ReportData:
    """The report's facts, as the party sees them."""

    url: str
    party: str
    agreement: dict[str, Any]
    checkpoint: dict[str, Any]
    subject: Subject
    period: tuple[datetime, datetime]
    entries: list[dict[str, Any]]  # the entries cited, in sequence order (readable only)
    proofs: list[list[str]] = field(default_factory=list)
    incident: tuple[datetime, datetime] | None = None  # the conflict or alert window
    notices: dict[str, list[dict[str, Any]]] = field(default_factory=dict)  # id -> versions
    conflicts: list[dict[str, Any]] = field(default_factory=list)
    messages: list[dict[str, Any]] = field(default_factory=list)
    alerts: list[dict[str, Any]] = field(default_factory=list)
    hazards: list[dict[str, Any]] = field(default_factory=list)
    assets: list[dict[str, Any]] = field(default_factory=list)
    trails: list[dict[str, Any]] = field(default_factory=list)  # GeoJSON track histories
    ledger_size: int = 0  # entries of the party's view read (the checkpoint's size)

    @property
    def party_names(self) -> dict[str, str]:
        return {p["id"]: p.get("name") or p["id"] for p in self.agreement["parties"]}

    @property
    def rules(self) -> Rules:
        """The lead-time rule the timeline judges by (agreement clause "notice lead time")."""
        minutes = float(self.agreement["rules"]["min_lead_time_min"])
        return Rules(min_lead_time=timedelta(minutes=minutes))


def at(entry: dict[str, Any]) -> datetime:
    return parse_utc(entry["received_at"], "received_at")


def readable(entry: dict[str, Any]) -> bool:
    return entry["event"].get("redacted") is not True


def polite(call: Call) -> Call:
    """`call`, waiting out a 429 (the party's requests/s spent: `api/limits.py` answers it
    with Retry-After, whole seconds) instead of failing the report."""

    def wrapped(*args: Any, **kwargs: Any) -> Any:
        for attempt in range(RATE_RETRIES + 1):
            try:
                return call(*args, **kwargs)
            except InterlockError as exc:
                if "429" not in exc.detail or attempt == RATE_RETRIES:
                    raise
                time.sleep(1.0)
        raise AssertionError("unreachable")

    return wrapped


def read_ledger(call: Call, size: int) -> list[dict[str, Any]]:
    """The party's view of the ledger, entries 1..size, page by page."""
    out: list[dict[str, Any]] = []
    say(f"fetching {size:,} ledger entries…")
    while len(out) < size:
        got = call(
            "GET", "/ledger", params={"from_seq": len(out) + 1, "limit": min(PAGE, size - len(out))}
        )
        if not got:
            break
        out.extend(got)
        if size > PAGE:
            say(f"ledger {len(out):,}/{size:,}…")
    return out[:size]


class ViewMismatch(InterlockError):
    """The entries served are not the log the server signed, or its proofs disagree."""


def inclusion_proofs(
    call: Call, every: list[dict[str, Any]], seqs: list[int], root: bytes
) -> list[list[str]]:
    """Each cited entry's RFC 9162 inclusion proof in the tree of all `every` entries.

    Computed here from the hashes of the party's view (every leaf is in it: a stub keeps
    its hash), so a report costs the party's fair share a few requests, not one per entry
    (`[server] requests_per_s`, 50 by default). The tree over the view must have the root
    the log signed (else the view is not the signed log: raised), and a sample of the
    proofs (the first, the last and every `SAMPLE_EVERY`-th) must equal the server's own
    (`GET /proof/inclusion`): an RFC 9162 proof is one list for one tree."""
    size = len(every)
    tree = merkle.History()
    for e in every:
        tree.append(merkle.leaf_hash(merkle.leaf_input(e["hash"])))
    if tree.root(size) != root:
        raise ViewMismatch(f"the {size:,} entries served are not the log the server signed "
                           "(their Merkle root differs from the checkpoint's)")  # fmt: skip
    out = [
        [base64.b64encode(h).decode() for h in merkle.inclusion_proof(s - 1, size, tree.node)]
        for s in seqs
    ]
    sample = sorted({0, len(seqs) - 1, *range(0, len(seqs), SAMPLE_EVERY)} - {-1})
    for n, k in enumerate(sample, start=1):
        served = call("GET", "/proof/inclusion", params={"seq": seqs[k], "size": size})
        if list(served["proof"]) != out[k]:
            raise ViewMismatch(f"the server's inclusion proof of entry {seqs[k]} differs from "
                               "the one its own entries make")  # fmt: skip
        if n % 20 == 0:
            say(f"proofs compared with the server's {n:,}/{len(sample):,}…")
    say(f"{len(seqs):,} inclusion proofs made, {len(sample):,} compared with the server's")
    return out


def notice_versions(call: Call, ids: set[str]) -> dict[str, list[dict[str, Any]]]:
    """GET /notices/{id}/versions for each notice (as the party may see them), a few at
    once; a notice the party may not see is left out (404, as for one that does not exist)."""

    def one(nid: str) -> list[dict[str, Any]] | None:
        try:
            return list(call("GET", f"/notices/{nid}/versions")["features"])
        except NotFound:
            return None

    order = sorted(ids)
    if order:
        say(f"fetching {len(order):,} notices' versions…")
    with ThreadPoolExecutor(FETCH_THREADS) as pool:
        got = dict(zip(order, pool.map(one, order), strict=True))
    return {k: v for k, v in got.items() if v is not None}


def _notice_ids(entries: list[dict[str, Any]]) -> set[str]:
    ids = set()
    for e in entries:
        ev = e["event"]
        kind = ev.get("type")
        if kind == "notice_version":
            ids.add(ev["id"])
        elif kind == "conflict":
            for side in ("a", "b"):
                if ev.get(f"{side}_kind") == "notice":
                    ids.add(ev[f"{side}_id"])
    return ids


def _filings(entries: list[dict[str, Any]], ids: set[str], upto: datetime) -> list[dict[str, Any]]:
    """The notice versions of `ids` filed by `upto` (what was in force), in order."""
    return [
        e
        for e in entries
        if e["event"].get("type") == "notice_version" and e["event"]["id"] in ids and at(e) <= upto
    ]


def _in_force_at_start(entries: list[dict[str, Any]], ids: set[str], start: datetime) -> list[int]:
    """For each notice of `ids`, the seq of its version in force at `start` (the last filed
    by then), if any: later versions are in the period's entries already."""
    last: dict[str, int] = {}
    for e in _filings(entries, ids, start):
        last[e["event"]["id"]] = e["seq"]
    return list(last.values())


def _in_force(entries: list[dict[str, Any]], start: datetime, end: datetime) -> set[str]:
    """Notices whose latest version filed by `end` overlaps [start, end]."""
    latest: dict[str, dict[str, Any]] = {}
    for e in entries:
        ev = e["event"]
        if ev.get("type") == "notice_version" and at(e) <= end:
            latest[ev["id"]] = ev
    out = set()
    for nid, ev in latest.items():
        props = ev["feature"]["properties"]
        if parse_utc(props["start"], "start") < end and parse_utc(props["end"], "end") > start:
            out.add(nid)
    return out


def _span(entries: list[dict[str, Any]], *more: datetime) -> tuple[datetime, datetime]:
    times = [at(e) for e in entries] + list(more)
    if not times:
        now = datetime.now(UTC)
        return now, now
    return min(times), max(times)


def alert_events(entries: list[dict[str, Any]], alert_id: str) -> list[dict[str, Any]]:
    """The record's entries of one alert (raised, updated, cleared), as the party reads them."""
    return [
        e
        for e in entries
        if e["event"].get("type") == "alert" and e["event"].get("id") == alert_id and readable(e)
    ]


def alert_of(
    entries: list[dict[str, Any]], active: list[dict[str, Any]], alert_id: str
) -> dict[str, Any]:
    """An alert as last recorded in the party's view, else as listed active (GET /alerts)."""
    recorded = alert_events(entries, alert_id)
    if recorded:
        return recorded[-1]["event"]
    for a in active:
        if a["id"] == alert_id:
            return a
    raise InvalidInput(
        f"no alert {alert_id!r} in your view (the record's alerts concerning you, GET /alerts)",
        field="--alert",
    )


def _alert_messages(seen: list[dict[str, Any]], alert_id: str, rules: Rules) -> set[int]:
    """The system messages announcing the alert (their subject names it) with their
    receipts and escalations (`service.timeline.message_timeline`)."""
    out: set[int] = set()
    mark = f" alert {alert_id}:"
    for e in seen:
        ev = e["event"]
        if ev.get("type") == "message" and mark in str(ev.get("subject", "")):
            out |= {r["seq"] for r in timeline(seen, ev["id"], rules)}
    return out


def select(
    subject: Subject,
    entries: list[dict[str, Any]],
    rules: Rules,
    period: tuple[datetime, datetime] | None,
    alert: dict[str, Any] | None = None,
) -> tuple[list[int], tuple[datetime, datetime], tuple[datetime, datetime] | None, str]:
    """The seqs about the subject, the report's period, the incident window, a title."""
    seen = [e for e in entries if readable(e)]
    ids = {
        e["event"]["id"] for e in seen if e["event"].get("type") in ("notice_version", "message")
    }
    if subject.kind == "conflict":
        number = int(subject.ref)
        rows = conflict_timeline(seen, number, rules)
        if not rows:
            raise InvalidInput(
                f"your view of the ledger holds no conflict {number}", field="--conflict"
            )
        found = next(e["event"] for e in seen if e["seq"] == rows[0]["seq"])
        seqs = {r["seq"] for r in rows}
        sides = {found[f"{s}_id"] for s in "ab" if found.get(f"{s}_kind") == "notice"}
        detected = parse_utc(rows[0]["received_at"], "received_at")
        seqs |= {e["seq"] for e in _filings(seen, sides, detected)}
        w = (
            (
                parse_utc(found["window_start"], "window_start"),
                parse_utc(found["window_end"], "window_end"),
            )
            if "window_start" in found
            else None
        )
        chosen = [e for e in seen if e["seq"] in seqs]
        return sorted(seqs), _span(chosen), w, f"conflict #{number}"
    if subject.kind in ("notice", "message"):
        ref = resolve(subject.ref, ids, f"--{subject.kind}", subject.kind)
        subject.ref = ref
        rows = timeline(seen, ref, rules)
        if not rows:
            raise InvalidInput(
                f"your view of the ledger holds nothing about {ref}", field=f"--{subject.kind}"
            )
        seqs = {r["seq"] for r in rows}
        chosen = [e for e in seen if e["seq"] in seqs]
        window = None
        versions = [
            e["event"]
            for e in chosen
            if e["event"].get("type") == "notice_version" and e["event"]["id"] == ref
        ]
        if versions:
            p = versions[-1]["feature"]["properties"]
            window = (parse_utc(p["start"], "start"), parse_utc(p["end"], "end"))
        return sorted(seqs), _span(chosen), window, f"{subject.kind} {ref}"
    assert period is not None
    start, end = period
    seqs = {e["seq"] for e in seen if start <= at(e) <= end}
    if subject.kind == "alert" and alert is not None:
        seqs |= {e["seq"] for e in alert_events(seen, alert["id"])}
        seqs |= _alert_messages(seen, alert["id"], rules)
        if alert.get("notice_id"):
            seqs |= {
                r["seq"]
                for r in timeline(seen, alert["notice_id"], rules)
                if start <= parse_utc(r["received_at"], "received_at") <= end
            }
    seqs |= set(_in_force_at_start(seen, _in_force(seen, start, end), start))
    incident = None
    if alert is not None:
        raised = parse_utc(alert["raised_at"], "raised_at")
        last = parse_utc(alert.get("cleared_at") or alert["updated_at"], "cleared_at")
        incident = (raised, max(raised, last))
    return sorted(seqs), period, incident, subject.title or subject.ref


def involved_notices(entries: list[dict[str, Any]]) -> set[str]:
    return _notice_ids(entries)
