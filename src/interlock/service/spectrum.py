"""The electromagnetic arena as a use case: stored emissions against protected receivers.

The core (`interlock.spectrum`) judges points, bands and windows; this module turns the
store's notices and assets into its inputs, merges its per-slice verdicts into conflicts a
duty officer can act on, adds the advice, and records what a new emission or receiver
causes, in the transaction that stores it.

Choices (the issue is silent on them):
- A party manages its own emissions: a receiver is judged against the other parties'
  emissions only (as a track pair of one owner is not a tactical alert).
- An emission notice over an area is judged from the area's point nearest the receiver.
- A conflict is an *episode*: consecutive time slices of one receiver over its criterion.
  It reports its worst slice (I, N, I/N, contributors) and the advice: the move list (the
  union of each slice's smallest set to reschedule or reduce, SAS-style), and for each
  emission on it the largest EIRP that clears every slice it is active in and the nearest
  frequency shift that clears the worst slice.
- Severity by the excess over the criterion: >= 10 dB critical, >= 3 dB major, else minor.
- Recorded at submission: the new emission, when it is on a move list or its removal alone
  would clear a slice (it tipped the aggregate over), is in conflict with that receiver
  (one conflict row receiver/notice, closed like any other when the notice is amended or
  cancelled); a new receiver is in conflict with every emission on its move lists from
  now on. `GET /spectrum/conflicts` always recomputes from what is stored.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from typing import Any, Protocol

from ..errors import InvalidInput, NotFound
from ..geo.shapes import Area
from ..model import wording
from ..model.agreement import Agreement
from ..model.severity import interference_severity
from ..model.spectrum_rules import SpectrumRules
from ..model.timeutil import from_ts, iso, parse_utc, to_ts
from ..spectrum.advice import frequency_offsets, max_eirp_dbm, move_list, room_mw
from ..spectrum.interference import (
    Conflict,
    DetectConfig,
    Emission,
    Emitters,
    ProtectedReceiver,
    Receivers,
    Timeline,
    detect,
    spectral_pairs,
)
from ..spectrum.propagation import PropagationConfig
from ..store.base import NoticeRow, Store, WriteTx
from ..store.rows import (
    Advice,
    AssetRow,
    ConflictRow,
    Contributor,
    Episode,
    FrequencyShift,
)
from .clock import Clock, utc_now
from .hotline import post_system_message
from .naming import party_name, side_name
from .strategic import store_conflict

DEFAULT_WINDOW = timedelta(hours=24)
MAX_WINDOW = timedelta(days=31)
FAR_FUTURE_TS = 32503680000.0  # AD 3000: "from now on" for a new receiver
FREQUENCY_STEPS = 1000  # per direction: a clearing gap narrower than reach/1000 is missed


class SpectrumReader(Protocol):
    """What an assessment reads: the store, or a write transaction (sees its own rows)."""

    def emissions_between(self, start_ts: float, end_ts: float) -> list[NoticeRow]: ...
    def receivers(self) -> list[AssetRow]: ...


def detect_config(rules: SpectrumRules) -> DetectConfig:
    """The agreement's `[spectrum]` clauses as the core's modelling settings."""
    return DetectConfig(
        propagation=PropagationConfig(
            k_factor=rules.k_factor,
            diffraction=rules.propagation == "smooth_earth",
            clutter=rules.clutter_db or None,
        )
    )


def emission_of(row: NoticeRow) -> Emission:
    """A stored emission notice as the core's emission (its area's centre and reach)."""
    f = row.feature
    p = f["properties"]
    area = Area.from_stored(f["geometry"], p)
    lon, lat = area.centre()
    return Emission(
        id=row.id,
        lon=lon,
        lat=lat,
        height_m=p["antenna_height_m"],
        freq_mhz=p["centre_freq_mhz"],
        bw_mhz=p["bandwidth_mhz"],
        eirp_dbm=p["eirp_dbm"],
        start_s=to_ts(parse_utc(p["start"], "start")),
        end_s=to_ts(parse_utc(p["end"], "end")),
        azimuth_deg=p.get("azimuth_deg"),
        beamwidth_deg=p.get("beamwidth_deg"),
        reach_m=area.radius_m if area.shape == "circle" else area.reach_m,
    )


def receiver_of(asset: AssetRow, rules: SpectrumRules) -> ProtectedReceiver:
    """A stored receiver asset as the core's receiver, at its area's centre."""
    f = asset.feature
    p = f["properties"]
    rx = p["receiver"]
    lon, lat = Area.from_stored(f["geometry"], p).centre()
    sol = bool(rx.get("safety_of_life"))
    criterion = rx.get("criterion_db")
    if criterion is None:
        criterion = rules.safety_of_life_criterion_db if sol else rules.criterion_db
    return ProtectedReceiver(
        id=asset.id,
        lon=lon,
        lat=lat,
        height_m=rx["antenna_height_m"],
        gain_dbi=rx["gain_dbi"],
        freq_mhz=rx["freq_mhz"],
        bw_mhz=rx["bandwidth_mhz"],
        noise_figure_db=rx.get("noise_figure_db"),
        noise_dbm=rx.get("noise_floor_dbm"),
        criterion_db=criterion,
        safety_of_life=sol,
        azimuth_deg=rx.get("azimuth_deg"),
        beamwidth_deg=rx.get("beamwidth_deg"),
    )


def coupled(em: Emission, receivers: Sequence[ProtectedReceiver]) -> set[str]:
    """Ids of the receivers whose band the emission's out-of-band domain reaches."""
    if not receivers:
        return set()
    ri, _ = spectral_pairs(Emitters.from_items([em]), Receivers.from_items(receivers))
    return {receivers[i].id for i in ri.tolist()}


def _db(x: float) -> float | None:
    return round(x, 3) if math.isfinite(x) else None


@dataclass
class Assessment:
    """Episodes (conflicts with advice) and each receiver's timeline."""

    episodes: list[Episode] = field(default_factory=list)
    timelines: dict[str, Timeline] = field(default_factory=dict)
    receivers: dict[str, AssetRow] = field(default_factory=dict)  # id -> asset


def assess(
    rows: Sequence[NoticeRow],
    assets: Sequence[AssetRow],
    t0: float,
    t1: float,
    rules: SpectrumRules,
) -> Assessment:
    """Judge every receiver against the other parties' emissions over [t0, t1). Pure."""
    cfg = detect_config(rules)
    out = Assessment(receivers={a.id: a for a in assets})
    owner = {r.id: r.party for r in rows}
    by_id = {r.id: emission_of(r) for r in rows}  # once: an area's reach costs a geodesic pass
    for party in sorted({a.party for a in assets}):
        ems = [by_id[r.id] for r in rows if r.party != party]
        rxs = [receiver_of(a, rules) for a in assets if a.party == party]
        emitters, receivers = Emitters.from_items(ems), Receivers.from_items(rxs)
        result = detect(emitters, receivers, t0, t1, cfg)
        out.timelines.update(result.timelines)
        rx_by_id = {r.id: r for r in rxs}
        for run in _runs(result.conflicts):
            out.episodes.append(
                _episode(run, out.receivers[run[0].receiver_id], by_id, rx_by_id, owner, cfg, rules)
            )
    out.episodes.sort(key=lambda e: (e.start, e.receiver))
    return out


def _runs(conflicts: Iterable[Conflict]) -> list[list[Conflict]]:
    """Consecutive slices of one receiver (each ends where the next starts) as one run."""
    runs: list[list[Conflict]] = []
    for c in conflicts:
        last = runs[-1][-1] if runs else None
        if last is not None and last.receiver_id == c.receiver_id and last.end_s == c.start_s:
            runs[-1].append(c)
        else:
            runs.append([c])
    return runs


def _episode(
    run: list[Conflict],
    asset: AssetRow,
    emissions: dict[str, Emission],
    receivers: dict[str, ProtectedReceiver],
    owner: dict[str, str],
    cfg: DetectConfig,
    rules: SpectrumRules,
) -> Episode:
    worst = max(run, key=lambda c: c.i_n_db)
    moves: list[str] = []
    decisive: set[str] = set()  # emissions whose removal alone clears a slice
    for c in run:
        moves += [m for m in move_list(c) if m not in moves]
        decisive.update(x.emitter_id for x in c.contributors if room_mw(c, x.emitter_id) >= 0)
    moves.sort(
        key=lambda m: -max(x.i_dbm for c in run for x in c.contributors if x.emitter_id == m)
    )
    advice = []
    for notice_id in moves[: rules.top_contributors]:
        em = emissions[notice_id]
        limits = [
            max_eirp_dbm(c, notice_id, em.eirp_dbm)
            for c in run
            if any(x.emitter_id == notice_id for x in c.contributors)
        ]
        cap = None if any(x is None for x in limits) else min(x for x in limits if x is not None)
        shift = (
            frequency_offsets(worst, em, receivers[worst.receiver_id], cfg, FREQUENCY_STEPS)
            if any(x.emitter_id == notice_id for x in worst.contributors)
            else None
        )
        advice.append(
            Advice(
                notice=notice_id,
                party=owner[notice_id],
                eirp_dbm=em.eirp_dbm,
                max_eirp_dbm=_db(cap) if cap is not None else None,
                reduce_by_db=_db(em.eirp_dbm - cap) if cap is not None else None,
                frequency_shift_mhz=(
                    FrequencyShift(shift.up_mhz, shift.down_mhz, shift.nearest_mhz)
                    if shift is not None
                    else None
                ),
            )
        )
    excess = worst.i_n_db - worst.criterion_db
    contributors = tuple(
        Contributor(x.emitter_id, owner[x.emitter_id], _db(x.i_dbm), round(x.share, 4))
        for x in worst.contributors[: rules.top_contributors]
    )
    parties = {asset.party, *(owner[m] for m in moves), *(c.party for c in contributors)}
    return Episode(
        receiver=asset.id,
        receiver_party=asset.party,
        receiver_name=asset.feature["properties"].get("name"),
        start=iso(from_ts(run[0].start_s)),
        end=iso(from_ts(run[-1].end_s)),
        worst_at=iso(from_ts(worst.start_s)),
        i_dbm=_db(worst.i_dbm),
        n_dbm=_db(worst.n_dbm),
        i_n_db=_db(worst.i_n_db),
        criterion_db=worst.criterion_db,
        excess_db=_db(excess),
        severity=interference_severity(excess),
        contributors=contributors,
        move_list=tuple(moves),
        decisive=tuple(sorted(decisive)),
        advice=tuple(advice),
        parties=tuple(sorted(parties)),
    )


def window(start: str | None, end: str | None, now: datetime) -> tuple[datetime, datetime]:
    """A query window (default: the next 24 h), at most 31 days."""
    t0 = parse_utc(start, "start") if start else now
    t1 = parse_utc(end, "end") if end else t0 + DEFAULT_WINDOW
    if t1 <= t0:
        raise InvalidInput("end must be after start", field="end")
    if t1 - t0 > MAX_WINDOW:
        raise InvalidInput(f"at most {MAX_WINDOW.days} days", field="end")
    return t0, t1


class SpectrumService:
    """Spectrum conflicts on demand, and the record of those a submission causes."""

    def __init__(self, store: Store, agreement: Agreement, clock: Clock = utc_now) -> None:
        self.store = store
        self.agreement = agreement
        self.clock = clock

    @property
    def rules(self) -> SpectrumRules:
        return self.agreement.spectrum

    def _assess(self, reader: SpectrumReader, t0: float, t1: float) -> Assessment:
        return assess(reader.emissions_between(t0, t1), reader.receivers(), t0, t1, self.rules)

    # ---- reads ----------------------------------------------------------------------
    def conflicts(
        self,
        viewer: str,
        start: str | None = None,
        end: str | None = None,
        all_parties: bool = False,
    ) -> dict[str, Any]:
        """Interference conflicts over a window, recomputed from what is stored now."""
        t0, t1 = window(start, end, self.clock())
        found = self._assess(self.store, to_ts(t0), to_ts(t1))
        episodes = [e.to_json() for e in found.episodes if all_parties or viewer in e.parties]
        return {"start": iso(t0), "end": iso(t1), "conflicts": episodes}

    def timeline(
        self, receiver_id: str, start: str | None = None, end: str | None = None
    ) -> tuple[AssetRow, Timeline]:
        """One receiver's I/N over a window (for the plot), and its asset."""
        t0, t1 = window(start, end, self.clock())
        found = self._assess(self.store, to_ts(t0), to_ts(t1))
        if receiver_id not in found.timelines:
            raise NotFound(f"no protected receiver {receiver_id!r}")
        return found.receivers[receiver_id], found.timelines[receiver_id]

    # ---- inside a write ---------------------------------------------------------------
    def check_emission(self, tx: WriteTx, row: NoticeRow, now: datetime) -> list[ConflictRow]:
        """Record the conflicts a just-stored emission notice causes at the receivers its
        band reaches: where it is on the move list, or where it alone tips the aggregate
        over the criterion (without it the slice would clear)."""
        em = emission_of(row)
        t0, t1 = max(em.start_s, to_ts(now)), em.end_s
        if t1 <= t0:
            return []
        assets = [a for a in tx.receivers() if a.party != row.party]
        reached = coupled(em, [receiver_of(a, self.rules) for a in assets])
        assets = [a for a in assets if a.id in reached]
        if not assets:
            return []
        found = assess(tx.emissions_between(t0, t1), assets, t0, t1, self.rules)
        return [
            self._record(tx, e, row, now)
            for e in found.episodes
            if row.id in e.move_list or row.id in e.decisive
        ]

    def check_receiver(self, tx: WriteTx, asset: AssetRow, now: datetime) -> list[ConflictRow]:
        """Record the conflicts of a just-created receiver with the emissions to come."""
        t0 = to_ts(now)
        found = assess(
            tx.emissions_between(t0, FAR_FUTURE_TS), [asset], t0, FAR_FUTURE_TS, self.rules
        )
        out = []
        for e in found.episodes:
            for notice_id in e.move_list:
                row = tx.get_notice(notice_id)
                assert row is not None, "the assessment read it"
                out.append(self._record(tx, e, row, now))
        return out

    def _record(self, tx: WriteTx, episode: Episode, row: NoticeRow, now: datetime) -> ConflictRow:
        """One conflict row (receiver / emission notice), chained and announced. The
        episode is recorded with the pair's parties (the stored body has one `parties`)."""
        parties = tuple(sorted({episode.receiver_party, row.party}))
        found = ConflictRow(
            a_kind="asset",
            a_id=episode.receiver,
            a_version=1,
            b_kind="notice",
            b_id=row.id,
            b_version=row.version,
            a_party=episode.receiver_party,
            b_party=row.party,
            severity=episode.severity,
            parties=parties,
            episode=replace(episode, parties=parties),
        )
        return store_conflict(tx, found, now, self._announce)

    def _announce(self, tx: WriteTx, c: ConflictRow, now: datetime) -> None:
        """An interference conflict goes to both parties as a system message to acknowledge."""
        e = c.episode
        assert e is not None, "an interference conflict has its episode"
        advice = next((a for a in e.advice if a.notice == c.b_id), None)
        hint = ""
        if advice and advice.max_eirp_dbm is not None:
            hint = f"; clears at EIRP <= {advice.max_eirp_dbm:.1f} dBm"
        if advice and advice.frequency_shift_mhz and advice.frequency_shift_mhz.nearest:
            hint += f" or {advice.frequency_shift_mhz.nearest:+.3f} MHz away"
        assert e.i_n_db is not None, "over the criterion: finite"
        post_system_message(
            tx,
            self.agreement,
            now,
            to=c.parties,
            priority=self.agreement.hotline.system_priority[c.severity],
            subject=f"{c.severity} interference conflict #{c.id}: emission "
            f"{side_name(tx, self.agreement, 'notice', c.b_id, c.b_version, c.b_party)} at "
            f"receiver {e.receiver_name or c.a_id} ({party_name(self.agreement, c.a_party)})",
            text=(
                f"I/N {e.i_n_db:.1f} dB against a criterion of {e.criterion_db:.1f} dB "
                f"(worst at {wording.hhmm(e.worst_at, now)} UTC), "
                f"{wording.window(e.start, e.end, now)} UTC; move list: "
                f"{', '.join(e.move_list)}{hint}"
            ),
            refs=[("conflict", str(c.id)), ("notice", c.b_id)],
        )


def offline_check(
    doc: Any, rules: SpectrumRules, start: str | None = None, end: str | None = None
) -> tuple[Assessment, datetime, datetime]:
    """Judge a FeatureCollection of emission notices and receiver assets with no server
    (`interlock spectrum check`). Each feature names its `party` (default "others" for
    emissions, "own" for receivers) and may give an `id`. The window defaults to the
    emissions' span. Bad features raise InvalidInput naming `features[i]`."""
    from ..model.asset import parse_asset
    from ..model.notice import parse_notice
    from .check import features_of

    rows: list[NoticeRow] = []
    assets: list[AssetRow] = []
    for i, feat in enumerate(features_of(doc, "file")):
        props = feat.get("properties") if isinstance(feat, dict) else None
        where = f"features[{i}]"
        try:
            if isinstance(props, dict) and "receiver" in props:
                asset = parse_asset(feat)
                party = str(props.get("party") or "own")
                aid = str(props.get("id") or asset.name)
                assets.append(AssetRow(aid, party, asset.kind, 0.0, None, asset.to_feature()))
                continue
            draft = parse_notice(feat)
        except InvalidInput as exc:
            raise InvalidInput(exc.detail, field=where) from None
        if draft.emission is None:
            raise InvalidInput("neither an emission notice nor a receiver", field=where)
        assert isinstance(props, dict)  # parse_notice raised if it is not
        nid = str(props.get("id") or props.get("callsign") or where)
        party = str(props.get("party") or "others")
        rows.append(NoticeRow(nid, party, "emission", 1, 0.0, 0.0, None, draft.to_feature()))
    if len({a.id for a in assets}) != len(assets):
        raise InvalidInput("receiver ids (or names) must be unique", field="file")
    if len({r.id for r in rows}) != len(rows):
        raise InvalidInput("emission ids (or callsigns) must be unique", field="file")
    spans = [emission_of(r) for r in rows]
    now = from_ts(min((e.start_s for e in spans), default=0.0))
    t0, t1 = window(start, end, now)
    if not start and not end and spans:
        t1 = max(t0 + timedelta(seconds=1), from_ts(max(e.end_s for e in spans)))
        if t1 - t0 > MAX_WINDOW:
            raise InvalidInput(f"the emissions span more than {MAX_WINDOW.days} days", field="end")
    return assess(rows, assets, to_ts(t0), to_ts(t1), rules), t0, t1
