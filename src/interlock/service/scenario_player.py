"""The scenario player: a recorded scenario replayed on a simulated clock through the real
services and store, so that what interlock says at each moment can be read off.

A scenario directory (format in scenarios/latakia-2018/README.md) holds ``agreement.toml``,
``scenario.toml`` (``start``, ``end``, optional ``tick_s``) and any of ``assets.geojson``
(``party``, optional ``registered_at``), ``hazards.geojson`` (``party``, ``reported_at``),
``notices.geojson`` (``party``, ``filed_at``) and ``tracks.csv`` (one own-forces report a
row). Everything is read and checked before the first step, so a bad scenario stops with
the file and the feature index (or line) named and nothing played.

The clock visits every filing and report at its own time and a tick every ``tick_s``
from ``start`` to ``end``; at one instant hazards go first, then assets, notices, track
reports, and the tick (a tactical scan and the hotline's escalation tick, as the server's
ticker runs them). After each step the new ledger entries are read: what the player
reports is the record itself (conflicts, violations, alerts raised and cleared).
"""

from __future__ import annotations

import csv
import math
import secrets
import tomllib
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from ..codec.keys import public_text
from ..errors import InterlockError, InvalidInput, RuleViolation
from ..feeds.geojson import parse_own_forces
from ..ledger.commitments import SALT_BYTES
from ..ledger.envelope import sign
from ..ledger.statements import sealed_notice
from ..model.agreement import Agreement, load_agreement
from ..model.events import EventKind
from ..model.hazard import parse_hazard
from ..model.notice import parse_notice
from ..model.timeutil import iso, parse_utc
from ..model.track import TrackReport
from ..model.visibility import committed_fields
from ..store.base import Store
from .root import Services, build_services

AGREEMENT_FILE = "agreement.toml"
SCENARIO_FILE = "scenario.toml"
ASSETS_FILE = "assets.geojson"
HAZARDS_FILE = "hazards.geojson"
NOTICES_FILE = "notices.geojson"
TRACKS_FILE = "tracks.csv"
TRACK_COLUMNS = ("time", "party", "unit", "domain", "lon", "lat")  # required
TRACK_NUMBERS = ("alt_ft", "speed_kt", "course_deg")  # optional
DEFAULT_TICK_S = 10.0  # the server's tactical ticker interval (api.app)

# What the player reports from the record, and in which order filings play at one instant.
REPORTED = (EventKind.CONFLICT, EventKind.VIOLATION, EventKind.ALERT)
ORDER = {"hazard": 0, "asset": 1, "notice": 2, "track": 3, "tick": 4}


@dataclass(frozen=True, slots=True)
class PlayerLimits:
    """What one run may cost. 48 h at a 1 s tick is 172,800 scans (minutes of CPU at the
    tactical bench's cost); 1 M reports is about 100 MB of CSV and what a day of a
    50-aircraft theatre at 4 s reports gives. The tick lies in 1 s (finer than any feed's
    report rate) to 1 h."""

    max_span: timedelta = timedelta(hours=48)
    max_reports: int = 1_000_000
    min_tick_s: float = 1.0
    max_tick_s: float = 3600.0


DEFAULT_LIMITS = PlayerLimits()


class SimClock:
    """The simulated clock every service of the run reads."""

    def __init__(self, now: datetime) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now


@dataclass(frozen=True, slots=True)
class Filing:
    """A hazard, asset or notice to file at `time`; `where` names it in the scenario."""

    time: datetime
    kind: str
    party: str
    feature: dict[str, Any]
    where: str


@dataclass(frozen=True, slots=True)
class Reports:
    """One party's own-forces reports of one instant (one row each), as GeoJSON."""

    time: datetime
    party: str
    features: list[dict[str, Any]]
    where: str


@dataclass
class Scenario:
    directory: Path
    agreement: Agreement
    start: datetime
    end: datetime
    tick_s: float
    filings: list[Filing] = field(default_factory=list)
    reports: list[Reports] = field(default_factory=list)
    callsigns: dict[str, str] = field(default_factory=dict)  # track id -> callsign

    @property
    def first(self) -> datetime:
        """When the clock starts: the earliest of `start` and every filing and report."""
        times = [self.start] + [f.time for f in self.filings] + [r.time for r in self.reports]
        return min(times)


def _bad(path: Path, where: str, exc: InterlockError) -> InvalidInput:
    """The error as a bad scenario naming the file and place (the field kept)."""
    detail = exc.detail
    if exc.field and detail.startswith(f"{exc.field}: "):
        detail = detail[len(exc.field) + 2 :]
    return InvalidInput(detail, field=f"{path}{where}" + (f" {exc.field}" if exc.field else ""))


def _time(value: Any, what: str) -> datetime:
    if isinstance(value, datetime):  # a bare TOML datetime
        value = value.isoformat() if value.tzinfo else "naive " + value.isoformat()
    return parse_utc(value, what)


def _read_settings(directory: Path, limits: PlayerLimits) -> tuple[datetime, datetime, float]:
    path = directory / SCENARIO_FILE
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise InvalidInput("the scenario has no clock settings file", field=str(path)) from None
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        raise InvalidInput(f"cannot read: {exc}", field=str(path)) from None
    try:
        start, end = _time(data.get("start"), "start"), _time(data.get("end"), "end")
        tick = data.get("tick_s", DEFAULT_TICK_S)
        if isinstance(tick, bool) or not isinstance(tick, int | float) or not math.isfinite(tick):
            raise InvalidInput("must be a number of seconds", field="tick_s")
        if not limits.min_tick_s <= tick <= limits.max_tick_s:
            raise InvalidInput(
                f"must be from {limits.min_tick_s:g} to {limits.max_tick_s:g} s", field="tick_s"
            )
        if end <= start:
            raise InvalidInput("end must be after start", field="end")
    except InterlockError as exc:
        raise _bad(path, "", exc) from None
    return start, end, float(tick)


def _read_features(path: Path) -> list[Any]:
    import json

    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError, UnicodeDecodeError) as exc:
        raise InvalidInput(f"cannot read: {exc}", field=str(path)) from None
    features = data.get("features") if isinstance(data, dict) else None
    if data.get("type") != "FeatureCollection" or not isinstance(features, list):
        raise InvalidInput("a GeoJSON FeatureCollection is required", field=str(path))
    return features


def _filings(path: Path, kind: str, time_key: str, sc: Scenario, required: bool) -> None:
    """Read one GeoJSON file of filings into `sc`, each checked as the service will."""
    if not path.exists():
        return
    for i, feature in enumerate(_read_features(path)):
        where = f" features[{i}]"
        try:
            if not isinstance(feature, dict) or not isinstance(feature.get("properties"), dict):
                raise InvalidInput("a GeoJSON Feature with properties is required", field=None)
            props = dict(feature["properties"])
            party = props.pop("party", None)
            if not isinstance(party, str):
                raise InvalidInput("the filing party's id is required", field="properties.party")
            sc.agreement.party(party)
            raw = props.pop(time_key, None)
            if raw is None and not required:
                when = sc.start
            else:
                when = parse_utc(raw, f"properties.{time_key}")
            if when > sc.end:
                raise InvalidInput("after the scenario's end", field=f"properties.{time_key}")
            clean = {**feature, "properties": props}
            if kind == "notice":
                parse_notice(clean, sc.agreement.rules.shape)
            elif kind == "hazard":
                parse_hazard(clean)
        except InterlockError as exc:
            raise _bad(path, where, exc) from None
        sc.filings.append(Filing(when, kind, party, clean, f"{path.name}{where}"))


def _number(row: dict[str, str], key: str) -> float | None:
    text = (row.get(key) or "").strip()
    if not text:
        return None
    try:
        value = float(text)
    except ValueError:
        raise InvalidInput(f"not a number: {text!r}", field=key) from None
    if not math.isfinite(value):
        raise InvalidInput("must be finite", field=key)
    return value


def _track_feature(row: dict[str, str], sc: Scenario) -> tuple[datetime, str, dict[str, Any]]:
    party = row["party"]
    sc.agreement.party(party)
    when = parse_utc(row["time"], "time")
    if when > sc.end:
        raise InvalidInput("after the scenario's end", field="time")
    lon, lat = _number(row, "lon"), _number(row, "lat")
    if lon is None or lat is None:
        raise InvalidInput("a position is required", field="lon" if lon is None else "lat")
    props: dict[str, Any] = {"time": row["time"], "domain": row["domain"]}
    for key in TRACK_NUMBERS:
        value = _number(row, key)
        if value is not None:
            props[key] = value
    if row.get("callsign"):
        props["callsign"] = props["name"] = row["callsign"]
    feature = {
        "type": "Feature",
        "id": row["unit"],
        "geometry": {"type": "Point", "coordinates": [lon, lat]},
        "properties": props,
    }
    (out,) = parse_own_forces(feature, party)  # the feed's own checks, before the run
    if not isinstance(out, TrackReport):
        raise InvalidInput(out.detail or f"refused by the feed: {out.reason}")
    if row.get("callsign"):
        sc.callsigns[out.track_id] = row["callsign"]
    return when, party, feature


def _tracks(path: Path, sc: Scenario, limits: PlayerLimits) -> None:
    if not path.exists():
        return
    groups: dict[tuple[datetime, str], Reports] = {}
    try:
        with path.open(newline="", encoding="utf-8") as f:
            reader = csv.DictReader(f)
            missing = [c for c in TRACK_COLUMNS if c not in (reader.fieldnames or ())]
            if missing:
                raise InvalidInput(f"columns missing: {', '.join(missing)}", field=str(path))
            for n, row in enumerate(reader, start=1):
                if n > limits.max_reports:
                    raise InvalidInput(
                        f"more than {limits.max_reports:,} reports (the player's limit)",
                        field=str(path),
                    )
                try:
                    when, party, feature = _track_feature(row, sc)
                except InterlockError as exc:
                    raise _bad(path, f" row {n} (line {reader.line_num})", exc) from None
                group = groups.get((when, party))
                if group is None:
                    where = f"{path.name} row {n}"
                    group = groups[(when, party)] = Reports(when, party, [], where)
                group.features.append(feature)
    except (OSError, UnicodeDecodeError, csv.Error) as exc:
        raise InvalidInput(f"cannot read: {exc}", field=str(path)) from None
    sc.reports = sorted(groups.values(), key=lambda r: (r.time, r.party))


def read_scenario(directory: Path, limits: PlayerLimits = DEFAULT_LIMITS) -> Scenario:
    """Read and check a scenario directory; InvalidInput naming the file and place."""
    directory = Path(directory)
    if not directory.is_dir():
        raise InvalidInput("not a scenario directory", field=str(directory))
    agreement = load_agreement(directory / AGREEMENT_FILE)
    start, end, tick = _read_settings(directory, limits)
    sc = Scenario(directory, agreement, start, end, tick)
    _filings(directory / HAZARDS_FILE, "hazard", "reported_at", sc, required=True)
    _filings(directory / ASSETS_FILE, "asset", "registered_at", sc, required=False)
    _filings(directory / NOTICES_FILE, "notice", "filed_at", sc, required=True)
    _tracks(directory / TRACKS_FILE, sc, limits)
    if sc.end - sc.first > limits.max_span:
        hours = limits.max_span.total_seconds() / 3600
        raise InvalidInput(
            f"spans {iso(sc.first)} to {iso(sc.end)}: more than the player's {hours:g} h",
            field=str(directory / SCENARIO_FILE),
        )
    sc.filings.sort(key=lambda f: (f.time, ORDER[f.kind]))
    return sc


@dataclass(frozen=True, slots=True)
class Happening:
    """One thing the record says happened: a conflict, a violation, an alert raised or
    cleared, or a filing the services refused (by an agreement rule)."""

    time: datetime
    record: str  # conflict, violation, alert, refusal
    kind: str  # e.g. separation, exposure, late_notice, cpa, masking
    event: str  # detected, recorded, raised, cleared, refused
    parties: tuple[str, ...]
    ids: dict[str, Any]

    def to_dict(self) -> dict[str, Any]:
        return {
            "time": iso(self.time),
            "record": self.record,
            "kind": self.kind,
            "event": self.event,
            "parties": list(self.parties),
            **self.ids,
        }


def _some(**ids: Any) -> dict[str, Any]:
    return {k: v for k, v in ids.items() if v is not None}


def happening(entry: dict[str, Any]) -> Happening | None:
    """What a ledger entry reports, if it is one of REPORTED (alert updates are not)."""
    body = entry["event"]
    kind, when = body.get("type"), parse_utc(entry["received_at"], "received_at")
    if kind == EventKind.CONFLICT:
        return Happening(
            when,
            "conflict",
            str(body.get("kind", "separation")),
            "detected",
            tuple(body["parties"]),
            _some(
                id=body.get("id"),
                severity=body.get("severity"),
                a=body.get("a_id"),
                b=body.get("b_id"),
                hazard=body.get("hazard"),
                window_start=body.get("window_start"),
                window_end=body.get("window_end"),
            ),
        )
    if kind == EventKind.VIOLATION:
        return Happening(
            when,
            "violation",
            str(body["kind"]),
            "recorded",
            tuple(sorted({body["party"], *body.get("parties", ())})),
            _some(
                id=body.get("id"),
                notice=body["notice"]["id"],
                hazard=body.get("hazard"),
                required_s=body.get("required_s"),
                lead_time_s=body.get("lead_time_s"),
            ),
        )
    if kind == EventKind.ALERT and body.get("event") in ("raised", "cleared"):
        key = body.get("key") or []
        hazard = body.get("hazard") or (key[-1] if body["kind"] == "exposure" and key else None)
        return Happening(
            when,
            "alert",
            str(body["kind"]),
            str(body["event"]),
            tuple(body["parties"]),
            _some(
                id=body["id"],
                severity=body.get("severity"),
                tracks=list(body.get("track_ids", [])),
                notice=body.get("notice_id"),
                hazard=hazard,
            ),
        )
    return None


def signing_keys(agreement: Agreement) -> tuple[Agreement, dict[str, Ed25519PrivateKey]]:
    """Fresh keys for every party and the agreement copy that lists them (for a scenario
    whose agreement requires signed notices); no keys when it does not."""
    if not agreement.rules.require_signatures:
        return agreement, {}
    keys = {p.id: Ed25519PrivateKey.generate() for p in agreement.parties}
    parties = tuple(
        replace(p, public_keys=(public_text(keys[p.id].public_key()),)) for p in agreement.parties
    )
    return replace(agreement, parties=parties), keys


class Player:
    """Plays one scenario over one (fresh) store; `run` yields what the record says."""

    def __init__(self, scenario: Scenario, store: Store) -> None:
        if store.last_seq():
            raise InvalidInput("the store already holds a record: give an empty one", field="db")
        self.scenario = scenario
        self.clock = SimClock(scenario.first)
        agreement, self.keys = signing_keys(scenario.agreement)
        self.services: Services = build_services(store, agreement, self.clock)
        self.hazards = getattr(self.services, "hazards", None)  # issue 15 part A's service
        if self.hazards is None and any(f.kind == "hazard" for f in scenario.filings):
            raise InvalidInput(
                "this build has no hazard service to report hazards to",
                field=str(scenario.directory / HAZARDS_FILE),
            )
        self.names: dict[str, str] = dict(scenario.callsigns)  # id -> what people call it
        self.stats = {"filings": 0, "reports": 0, "skipped": 0, "ticks": 0}
        self._seq = 0

    def run(self) -> Iterator[Happening]:
        """Every step in time order; after each, what it put on the record."""
        sc = self.scenario
        steps: list[tuple[datetime, int, Filing | Reports]] = [
            (f.time, ORDER[f.kind], f) for f in sc.filings
        ] + [(r.time, ORDER["track"], r) for r in sc.reports]
        steps.sort(key=lambda s: (s[0], s[1]))
        ticks = self._ticks()
        tick = next(ticks, None)
        for when, _, step in steps:
            while tick is not None and tick < when:
                yield from self._tick(tick)
                tick = next(ticks, None)
            self.clock.now = when
            if isinstance(step, Filing):
                yield from self._file(step)
            else:
                self._post(step)
            yield from self._drain()
        while tick is not None:
            yield from self._tick(tick)
            tick = next(ticks, None)
        if self.services.tracks.history is not None:
            self.services.tracks.history.stop()  # the run's track history, all on the store

    def _ticks(self) -> Iterator[datetime]:
        sc = self.scenario
        step, k = timedelta(seconds=sc.tick_s), 0
        while sc.start + k * step <= sc.end:
            yield sc.start + k * step
            k += 1

    def _tick(self, when: datetime) -> Iterator[Happening]:
        self.clock.now = when
        self.services.tracks.scan()
        if self.services.tracks.history is not None:
            self.services.tracks.history.tick()  # written as the server's flusher would
        self.services.hotline.tick()
        self.stats["ticks"] += 1
        yield from self._drain()

    def _file(self, f: Filing) -> Iterator[Happening]:
        try:
            if f.kind == "hazard":
                assert self.hazards is not None
                view = self.hazards.create(f.party, f.feature)
            elif f.kind == "asset":
                view = self.services.assets.create(f.party, f.feature)
            else:
                body: Any = f.feature
                if f.party in self.keys:  # signed as a party's client signs it
                    hidden = committed_fields(self.services.agreement)
                    salts = {h: secrets.token_bytes(SALT_BYTES) for h in hidden}
                    signed, openings = sealed_notice(body, hidden, salts)
                    body = sign("notice", f.party, signed, self.keys[f.party], self.clock())
                    body["openings"] = openings
                view = self.services.notices.submit(f.party, body).notice
        except RuleViolation as exc:  # the agreement refuses it: part of the story
            refused = {"file": f.where, "detail": exc.detail}
            yield Happening(self.clock(), "refusal", f.kind, "refused", (f.party,), refused)
            return
        except InterlockError as exc:
            raise InvalidInput(exc.detail, field=f.where) from None
        self.stats["filings"] += 1
        props = f.feature["properties"]
        label = props.get("callsign") or props.get("name") or props.get("purpose")
        self.names[str(view["id"])] = str(label or f.where)

    def _post(self, r: Reports) -> None:
        doc = {"type": "FeatureCollection", "features": r.features}
        result = self.services.tracks.ingest_own_forces(r.party, doc)
        self.stats["reports"] += result["reports"]
        self.stats["skipped"] += sum(result["skipped"].values())

    def _drain(self) -> Iterator[Happening]:
        for entry in self.services.store.ledger_entries(self._seq + 1):
            self._seq = entry["seq"]
            found = happening(entry)
            if found is not None:
                if any(t not in self.names for t in found.ids.get("tracks", ())):
                    self._learn_aliases()
                yield found

    def _learn_aliases(self) -> None:
        """The record names a unit hidden from any party by its alias; its owner's view of
        the picture says which alias is which unit (`model.visibility`)."""
        for party in self.scenario.agreement.party_ids:
            for f in self.services.tracks.geojson(viewer=party)["features"]:
                p = f["properties"]
                if p.get("alias") and p.get("track_id") in self.names:
                    self.names[p["alias"]] = self.names[p["track_id"]]

    def label(self, ident: Any) -> str:
        """What people call an id (callsign, hazard or notice name), else the id."""
        return self.names.get(str(ident), str(ident))


def play(
    directory: Path,
    store: Store,
    on_happening: Callable[[Happening], None] | None = None,
    limits: PlayerLimits = DEFAULT_LIMITS,
) -> tuple[Player, list[Happening]]:
    """Read and play a scenario over `store`; the player (its names, stats, services) and
    every happening in time order."""
    player = Player(read_scenario(directory, limits), store)
    out = []
    for h in player.run():
        out.append(h)
        if on_happening is not None:
            on_happening(h)
    return player, out


__all__ = ["Happening", "Player", "PlayerLimits", "Scenario", "play", "read_scenario"]
