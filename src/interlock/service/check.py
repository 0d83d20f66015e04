"""Offline check: a plan against a set of notices, with no server and no store.

For a planner at a desk, or a party checking another's published notices. Uses the same
parsers and detection as the server; candidates are pre-filtered by their index boxes.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from ..detect.advice import KINDS, Advice, AdviceKind, AdviceSet, Subject, advise
from ..detect.rules import late_notice
from ..detect.strategic import (
    Volume,
    check_pair,
    keep_clear_of,
    notice_volume,
    within_budget,
)
from ..errors import InterlockError, InvalidInput, RuleViolation
from ..model.advice_rules import AdviceRules
from ..model.agreement import Rules
from ..model.conflict import Conflict, Ref
from ..model.notice import (
    NoticeDraft,
    check_horizon,
    check_limits,
    check_not_ended,
    parse_notice,
)
from ..model.timeutil import iso
from .advice import _summary as advice_summary  # the API's words for each piece

PLAN_PARTY = "plan"
OTHER_PARTY = "others"


@dataclass(frozen=True)
class Labelled:
    label: str
    volume: Volume
    boxes: list[tuple[float, float, float, float]]
    draft: NoticeDraft


def features_of(doc: Any, name: str) -> list[dict[str, Any]]:
    """The Features of a Feature or FeatureCollection document."""
    if isinstance(doc, dict) and doc.get("type") == "FeatureCollection":
        feats = doc.get("features")
        if not isinstance(feats, list):
            raise InvalidInput("features must be an array", field=f"{name}.features")
        return feats
    if isinstance(doc, dict) and doc.get("type") == "Feature":
        return [doc]
    raise InvalidInput("expected a GeoJSON Feature or FeatureCollection", field=name)


def check_filable(feats: list[dict[str, Any]], rules: Rules, now: datetime) -> None:
    """Every feature of a collection checked as the server checks a notice it is sent
    (its form, the agreement's limits, ended, horizon, a late notice where the agreement
    refuses them), all before any is filed: the first bad one raises, its field named
    `features[i].<field>`, so a collection is filed all or nothing. `now` is the server's
    clock (`GET /health`)."""
    for i, feat in enumerate(feats):
        try:
            draft = parse_notice(feat, rules.shape)
            check_limits(draft, rules)
            check_not_ended(draft, now)
            check_horizon(draft, rules, now)
            late = late_notice(Ref("notice", "new", 1), "", now, draft.start, rules)
            if late is not None and rules.late_notice == "refuse":
                raise RuleViolation(
                late.detail + "; the agreement refuses late notices", field="properties.start"
                )
        except InterlockError as exc:
            reason = exc.detail.removeprefix(f"{exc.field}: ") if exc.field else exc.detail
            where = f"features[{i}]" + (f".{exc.field}" if exc.field else "")
            raise type(exc)(reason, field=where) from None


def _labelled(
    feats: list[dict[str, Any]], name: str, default_party: str, margin_m: float, rules: Rules
) -> list[Labelled]:
    out = []
    for i, feat in enumerate(feats):
        try:
            draft: NoticeDraft = parse_notice(feat, rules.shape)
        except InterlockError as exc:
            raise type(exc)(exc.detail, field=f"{name}[{i}]") from None
        if draft.band is None:
            continue  # emissions are checked by the spectrum arena, not as volumes
        props = feat["properties"]
        party = str(props.get("party") or default_party)
        label = str(
            props.get("id") or props.get("callsign") or props.get("purpose") or f"{name}[{i}]"
        )
        vol = notice_volume(draft, Ref("notice", label, int(props.get("version", 1))), party)
        out.append(Labelled(label, vol, draft.area.boxes(margin_m), draft))
    return out


def _boxes_meet(
    a: list[tuple[float, float, float, float]], b: list[tuple[float, float, float, float]]
) -> bool:
    return any(
        p[0] <= q[2] and q[0] <= p[2] and p[1] <= q[3] and q[1] <= p[3] for p in a for q in b
    )


def check_plan(
    plan: Any, against: Any, rules: Rules, plan_party: str = PLAN_PARTY
) -> list[Conflict]:
    """Every conflict between the plan's notices and the others'."""
    margin = rules.largest_minima.horizontal_m
    mine = _labelled(features_of(plan, "plan"), "plan", plan_party, margin, rules)
    theirs = _labelled(features_of(against, "against"), "against", OTHER_PARTY, 0.0, rules)
    out = []
    for p in mine:
        met = [
            q for q in theirs if p.volume.party != q.volume.party and _boxes_meet(p.boxes, q.boxes)
        ]
        within_budget(len(met), rules)  # the server's budget, per plan notice
        for q in met:
            conflict = check_pair(p.volume, q.volume, rules)
            if conflict is not None:
                out.append(conflict)
    return out


# ---- advice (`check --advise`) -------------------------------------------------------------


def advice_entry(a: Advice, now: datetime) -> dict[str, Any]:
    """One piece of advice as the API gives it (`GET /conflicts/{id}/advice`): its kind,
    its summary and change in numbers, whether filed now it is late, and the candidate
    notice as filed."""
    return {
        "k": a.kind.value,
        "kind": a.kind.value,
        "summary": advice_summary(a, now),
        "change": a.change,
        "late": a.late,
        "feature": a.draft.to_feature(),
    }


def advice_doc(
    subject: Subject, found: AdviceSet, clears: list[str], now: datetime
) -> dict[str, Any]:
    """The advice for one notice in the API's form, so one view prints both."""
    return {
        "notice": {
            "id": subject.ref.id,
            "version": subject.ref.version,
            "party": subject.party,
            "name": subject.ref.id,
        },
        "clears": clears,
        "meets": [
            {"kind": o.kind.value, "id": o.ref.id, "party": o.party, "name": o.ref.id}
            for o in found.met
        ],
        "advice": [advice_entry(a, now) for a in found.advice],
        "unavailable": [{"kind": u.kind.value, "why": u.why} for u in found.unavailable],
        "computed_at": iso(now),
    }


def advise_plan(
    plan: Any,
    against: Any,
    rules: Rules,
    advice_rules: AdviceRules,
    now: datetime,
    plan_party: str = PLAN_PARTY,
    kinds: Sequence[AdviceKind] = KINDS,
) -> tuple[list[Conflict], list[dict[str, Any]]]:
    """The plan's conflicts and, for each plan notice in conflict, the advice that clears
    it of *all* the other notices at once (advice that clears one conflict and makes
    another is none). The bounds of a new version: a start no sooner than the lead time
    from `now`, an end within the planning horizon."""
    found = check_plan(plan, against, rules, plan_party)
    margin = rules.largest_minima.horizontal_m
    mine = _labelled(features_of(plan, "plan"), "plan", plan_party, margin, rules)
    theirs = _labelled(features_of(against, "against"), "against", OTHER_PARTY, 0.0, rules)
    out = []
    for p in mine:
        clears = [c.b.id for c in found if c.a == p.volume.ref]
        if not clears:
            continue
        obstacles = [
            keep_clear_of(p.volume.domain, q.volume, rules)
            for q in theirs
            if q.volume.party != p.volume.party
        ]
        subject = Subject(
            draft=p.draft,
            ref=p.volume.ref,
            party=p.volume.party,
            earliest_start=now + rules.min_lead_time,
            latest_end=now + rules.planning_horizon,
        )
        found_advice = advise(subject, obstacles, advice_rules, kinds)
        out.append(advice_doc(subject, found_advice, clears, now))
    return found, out
