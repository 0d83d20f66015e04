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

import sys
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from ..errors import InvalidInput
from ..model.agreement import Rules
from ..model.timeutil import parse_utc
from ..service.timeline import conflict_timeline, timeline
from .readable import resolve

PAGE = 10_000  # entries a GET /ledger page holds at most (api/app.py `limit`)
PROOF_THREADS = 4  # inclusion proofs asked at once (one round trip each)
ALERT_LOOKBACK = timedelta(minutes=30)  # an alert's report starts this long before it rose

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


def inclusion_proofs(call: Call, seqs: list[int], size: int) -> list[list[str]]:
    """GET /proof/inclusion for each entry against the tree of `size`, a few at once."""

    def one(seq: int) -> list[str]:
        got = call("GET", "/proof/inclusion", params={"seq": seq, "size": size})
        return list(got["proof"])

    out: list[list[str]] = []
    step = max(1, -(-len(seqs) // 5))  # five progress lines at most
    with ThreadPoolExecutor(PROOF_THREADS) as pool:
        for n, proof in enumerate(pool.map(one, seqs), start=1):
            out.append(proof)
            if n % step == 0 or n == len(seqs):
                say(f"proofs {n:,}/{len(seqs):,}…")
    return out


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
    if subject.kind == "alert" and alert is not None and alert.get("notice_id"):
        seqs |= {
            r["seq"]
            for r in timeline(seen, alert["notice_id"], rules)
            if start <= parse_utc(r["received_at"], "received_at") <= end
        }
    seqs |= set(_in_force_at_start(seen, _in_force(seen, start, end), start))
    incident = None
    if alert is not None:
        raised = parse_utc(alert["raised_at"], "raised_at")
        incident = (raised, parse_utc(alert.get("updated_at") or alert["raised_at"], "updated_at"))
    return sorted(seqs), period, incident, subject.title or subject.ref


def involved_notices(entries: list[dict[str, Any]]) -> set[str]:
    return _notice_ids(entries)
