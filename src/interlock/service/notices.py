"""Notice use cases: submit, amend, cancel, read.

Each write is one serialised transaction: validate -> store the version -> find
candidates in the index -> exact detection -> store conflicts and violations -> commit.
A 2xx therefore means the notice and everything detected about it are on disk together.
Exposures to third-party hazards (``service.exposure``) are conflicts too; a kinetic
notice giving an exposed aircraft less warning than it needs to leave is a violation
``insufficient_warning``, refused like a late notice where the agreement refuses those.
"""

from __future__ import annotations

import builtins
import secrets
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import Any

from ..detect.exposure import Exposure
from ..detect.rules import insufficient_warning, late_notice
from ..detect.strategic import Volume, notice_volume
from ..errors import (
    Forbidden,
    InterlockError,
    InvalidInput,
    NotFound,
    RuleViolation,
    StateConflict,
    Unauthorized,
)
from ..ledger.commitments import SALT_BYTES, commitments_of, opened, opening_problem, seal
from ..ledger.envelope import verify as verify_envelope
from ..ledger.statements import NEW, notice_target
from ..model.agreement import Agreement
from ..model.conflict import Ref, Violation
from ..model.events import EventKind
from ..model.limits import MAX_COLLECTION_FEATURES
from ..model.notice import (
    NoticeDraft,
    check_horizon,
    check_limits,
    check_not_ended,
    parse_notice,
)
from ..model.timeutil import from_ts, iso, parse_utc, to_ts
from ..model.visibility import committed_fields, visible_properties
from ..store.base import Box, NoticeRow, Store, WriteTx
from ..store.rows import ConflictRow, ViolationRow
from .batch import Batcher, run_one
from .clock import Clock
from .exposure import ExposureRecorder
from .hotline import post_system_message
from .naming import notice_name, party_name
from .record import record
from .spectrum import SpectrumService
from .strategic import StrategicRecorder, index_entry

__all__ = ["NoticeService", "SubmitAllResult", "SubmitResult", "WriteOp"]


@dataclass(frozen=True, slots=True)
class WriteOp:
    """One write of a batch: submit a notice, amend one, or cancel one."""

    kind: str  # "submit" | "amend" | "cancel" | "submit_all" (feature: a list of bodies)
    party: str
    notice_id: str | None = None
    feature: Any = None
    # An amendment applying advice (service.advice): the version the advice was for, and
    # the notice it advised, which the body (bare or signed) must declare exactly.
    expect_version: int | None = None
    expect_draft: NoticeDraft | None = None


@dataclass(frozen=True, slots=True)
class Prepared:
    """A write's validated notice, and the signed envelope it came in (if any); for a
    signed amendment, the version its author signed. `recorded` is the feature as the
    ledger holds it (hidden fields committed; a signed notice's is the signed one) and
    `openings` the committed fields' values and salts, kept beside it."""

    draft: NoticeDraft
    envelope: dict[str, Any] | None = None
    recorded: dict[str, Any] | None = None
    openings: dict[str, Any] = field(default_factory=dict)
    signed_version: int | None = None
    expect_version: int | None = None  # applying advice: the version it was for


@dataclass(frozen=True, slots=True)
class Signed:
    """A signed notice as received: the feature with its openings in place, the envelope,
    the signed feature (what the ledger records), the openings, and the version a signed
    amendment makes (None: a new notice)."""

    feature: Any
    envelope: dict[str, Any]
    recorded: dict[str, Any]
    openings: dict[str, Any]
    version: int | None


@dataclass
class SubmitResult:
    notice: dict[str, Any]
    conflicts: list[ConflictRow] = field(default_factory=list)
    violations: list[ViolationRow] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        return {
            "notice": self.notice,
            "conflicts": [c.to_json() for c in self.conflicts],
            "violations": [v.to_json() for v in self.violations],
        }


@dataclass
class SubmitAllResult:
    """A collection filed at once: each notice's result, in the order sent."""

    results: list[SubmitResult]

    def to_dict(self) -> dict[str, Any]:
        return {"results": [r.to_dict() for r in self.results]}


def _at(exc: InterlockError, where: str) -> InterlockError:
    """The same refusal, its field prefixed with where in the collection it happened
    (`features[2].properties.end`; a field-less one names `features[2]`)."""
    if exc.field is None:
        return type(exc)(exc.detail, field=where)
    return type(exc)(exc.detail[len(exc.field) + 2 :], field=f"{where}.{exc.field}")


class NoticeService:
    """The notice and asset use cases over one store under one agreement."""

    def __init__(
        self,
        store: Store,
        agreement: Agreement,
        clock: Clock,
        strategic: StrategicRecorder,
        spectrum: SpectrumService,
        exposure: ExposureRecorder | None = None,
    ) -> None:
        self.store = store
        self.agreement = agreement
        self.clock = clock
        self.strategic = strategic
        self.spectrum = spectrum
        self.exposure = exposure or ExposureRecorder(agreement, strategic)

    # ---- views -----------------------------------------------------------------------
    def status(self, row: NoticeRow, at: datetime | None = None) -> str:
        """The notice's status now, or at the moment `at` (the picture at a past moment)."""
        if row.cancelled_at is not None:
            return "cancelled"
        now = self.clock() if at is None else at
        props = row.feature["properties"]
        if now < parse_utc(props["start"], "start"):
            return "submitted"
        return "active" if now < parse_utc(props["end"], "end") else "ended"

    def feature(
        self, row: NoticeRow, viewer: str | None, at: datetime | None = None
    ) -> dict[str, Any]:
        """The notice as GeoJSON, with only what the agreement lets `viewer` see (its
        status at `at` when given)."""
        props = visible_properties(row.feature["properties"], self.agreement, viewer, row.party)
        props.update(
            id=row.id,
            party=row.party,
            version=row.version,
            status=self.status(row, at),
            filed_at=iso(from_ts(row.filed_at)),
            created_at=iso(from_ts(row.created_at)),
            cancelled_at=iso(from_ts(row.cancelled_at)) if row.cancelled_at else None,
        )
        return {
            "type": "Feature",
            "id": row.id,
            "geometry": row.feature["geometry"],
            "properties": props,
        }

    def _store_version(
        self,
        tx: WriteTx,
        notice_id: str,
        party: str,
        version: int,
        prepared: Prepared,
        now: datetime,
        created_at: float,
        exposures: Sequence[Exposure] = (),
    ) -> SubmitResult:
        draft, envelope = prepared.draft, prepared.envelope
        row = NoticeRow(
            id=notice_id,
            party=party,
            domain=draft.domain,
            version=version,
            filed_at=to_ts(now),
            created_at=created_at,
            cancelled_at=None,
            feature=draft.to_feature(),
        )
        entry = None
        if draft.band is not None:
            entry = index_entry(draft.area, draft.band, draft.start, draft.end)
        tx.insert_version(row, entry)
        recorded, openings = prepared.recorded, prepared.openings
        if recorded is None:  # unsigned: the server commits the hidden fields itself
            fields = committed_fields(self.agreement)
            salts = {f: secrets.token_bytes(SALT_BYTES) for f in fields}
            recorded, openings = seal(row.feature, fields, salts)
        body = {"id": notice_id, "party": party, "version": version, "feature": recorded}
        record(
            tx,
            EventKind.NOTICE_VERSION,
            notice_id,
            now,
            body | ({"envelope": envelope} if envelope is not None else {}),
            self.agreement.party_ids,
            openings,
        )
        result = SubmitResult(notice=self.feature(row, party))
        if draft.band is not None:
            # Not cached: the transaction may still roll back and the key be reused.
            vol = notice_volume(draft, Ref("notice", notice_id, version), party)
            found = self.strategic.notice_conflicts(tx, vol)
            result.conflicts += self.strategic.record(tx, found, now)
            result.conflicts += self.exposure.record(tx, list(exposures), now)
        else:  # an emission: the electromagnetic arena judges it against the receivers
            result.conflicts += self.spectrum.check_emission(tx, row, now)
        return result

    def _record(
        self,
        tx: WriteTx,
        kind: EventKind,
        ref: str,
        now: datetime,
        body: dict[str, Any],
        audience: Sequence[str] | None = None,
    ) -> None:
        """Chain an event onto the ledger in the same transaction as the change itself,
        addressed to `audience` (default: every party)."""
        record(tx, kind, ref, now, body, self.agreement.party_ids if audience is None else audience)

    def _close_conflicts(self, tx: WriteTx, notice_id: str, now: datetime, reason: str) -> None:
        self.strategic.close(tx, notice_id, now, reason)

    def _late(
        self, ref: Ref, party: str, now: datetime, draft: NoticeDraft, previous: NoticeDraft | None
    ) -> Violation | None:
        if previous is not None and previous.contains(draft):
            return None  # shrinking an activity at short notice is always welcome
        violation = late_notice(ref, party, now, draft.start, self.agreement.rules)
        if violation and self.agreement.rules.late_notice == "refuse":
            raise RuleViolation(
                violation.detail + "; the agreement refuses late notices", field="properties.start"
            )
        return violation

    def _exposures(
        self,
        tx: WriteTx,
        ref: Ref,
        party: str,
        now: datetime,
        draft: NoticeDraft,
        previous: NoticeDraft | None,
    ) -> tuple[list[Exposure], list[Violation]]:
        """The exposures of a new version, and the insufficient warnings it gives (none
        when an already kinetic notice only shrinks). Refused, before anything is stored,
        where the agreement refuses late notices."""
        if draft.band is None:
            return [], []
        vol: Volume = notice_volume(draft, ref, party)
        exposures = self.exposure.find(tx, vol, draft.activity)
        shrinking = (
            previous is not None
            and self.agreement.hazards.is_kinetic(previous.activity)
            and previous.contains(draft)
        )
        warnings = [
            v
            for e in exposures
            if e.kinetic == ref and not shrinking
            if (v := insufficient_warning(ref, party, now, draft.start, e)) is not None
        ]
        if warnings and self.agreement.rules.late_notice == "refuse":
            raise RuleViolation(
                warnings[0].detail + "; the agreement refuses late notices",
                field="properties.start",
            )
        return exposures, warnings

    def _record_violation(
        self, tx: WriteTx, result: SubmitResult, v: Violation | None, now: datetime
    ) -> None:
        """Store and chain a violation (every party sees it) and announce it: a late
        notice to the other parties, an insufficient warning to the exposed party."""
        if v is None:
            return
        stored = ViolationRow(v)
        found = replace(stored, id=tx.insert_violation(stored, to_ts(now)))
        self._record(tx, EventKind.VIOLATION, str(found.id), now, found.to_json())
        refs = [("violation", str(found.id)), ("notice", v.notice.id)]
        if v.kind == "insufficient_warning":
            assert v.exposed is not None and v.exposed_party is not None
            to = [v.exposed_party]
            refs.append(("notice", v.exposed.id))
            subject = (
                f"INSUFFICIENT WARNING: {party_name(self.agreement, v.party)}'s kinetic "
                f"notice {notice_name(tx, v.notice.id)} exposes your "
                f"{notice_name(tx, v.exposed.id)} in hazard {v.hazard}"
            )
        else:
            to = [p for p in self.agreement.party_ids if p != v.party]
            subject = (
                f"late notice {notice_name(tx, v.notice.id)} by "
                f"{party_name(self.agreement, v.party)}"
            )
        post_system_message(
            tx,
            self.agreement,
            now,
            to=to,
            priority=self.agreement.hotline.system_priority[v.kind],
            subject=subject,
            text=v.detail,
            refs=refs,
        )
        result.violations.append(found)

    # ---- use cases --------------------------------------------------------------------
    @staticmethod
    def _check_filer(party: str, feature: Any) -> None:
        """A notice naming a party names the filer: nobody files for someone else."""
        props = feature.get("properties") if isinstance(feature, dict) else None
        named = props.get("party") if isinstance(props, dict) else None
        if named is not None and named != party:
            raise Forbidden(f"your token is {party}'s; you cannot file for {named!r}")

    def submit(self, party: str, feature: Any) -> SubmitResult:
        """File a new notice (one durable commit)."""
        return self._one(WriteOp("submit", party, feature=feature))

    def amend(self, party: str, notice_id: str, feature: Any) -> SubmitResult:
        """A new version of one's own notice, detected afresh."""
        return self._one(WriteOp("amend", party, notice_id, feature))

    def submit_all(self, party: str, features: Any) -> SubmitAllResult:
        """File every notice of a collection, all or nothing (one transaction)."""
        return self._one(WriteOp("submit_all", party, feature=features))

    def cancel(self, party: str, notice_id: str) -> dict[str, Any]:
        """Cancel one's own notice; it stays on record and its open conflicts close."""
        return self._one(WriteOp("cancel", party, notice_id))

    def _one(self, op: WriteOp) -> Any:
        return run_one(self.store, self, op)

    def run_batch(self, ops: Sequence[WriteOp]) -> list[Any]:
        """Apply writes in order in ONE transaction and one durable commit (group commit);
        see service.batch. A refused op's InterlockError becomes its result."""
        return Batcher(self.store, {WriteOp: self}).run_batch(ops)

    def prepare(self, op: WriteOp) -> Prepared | list[Prepared] | None:
        """Validation that needs no store, done before taking the write lock."""
        if op.kind == "cancel":
            return None
        if op.kind == "submit_all":
            return self._prepare_all(op)
        self.agreement.party(op.party)
        signed = self._unwrap(op, op.feature)
        feature = op.feature if signed is None else signed.feature
        self._check_filer(op.party, feature)
        rules = self.agreement.rules
        draft = parse_notice(feature, rules.shape)
        check_limits(draft, rules)
        now = self.clock()
        check_not_ended(draft, now)
        check_horizon(draft, rules, now)
        if draft.band is not None:
            # Its index boxes (Area.base_boxes, cached on the area) are worked out here,
            # off the write lock: the index entry and the candidate search reuse them
            # (py-spy: 6 % of the API process's time, all of it in the serial writer).
            _ = draft.area.base_boxes
        if op.expect_draft is not None and draft != op.expect_draft:
            raise StateConflict(
                "the notice sent is not the advice it was posted as: sign the advice's "
                "feature exactly as GET /notices/{id}/advice returns it"
            )
        if signed is None:
            return Prepared(draft, expect_version=op.expect_version)
        return Prepared(
            draft,
            signed.envelope,
            signed.recorded,
            signed.openings,
            signed.version,
            op.expect_version,
        )

    def _prepare_all(self, op: WriteOp) -> list[Prepared]:
        """Each feature of a collection prepared as a new notice; a refusal names it."""
        bodies = op.feature
        if not isinstance(bodies, list):
            raise InvalidInput("must be a list of Features", field="features")
        if not bodies:
            raise InvalidInput("an empty collection files nothing", field="features")
        if len(bodies) > MAX_COLLECTION_FEATURES:
            raise InvalidInput(
                f"{len(bodies)} notices; at most {MAX_COLLECTION_FEATURES} are filed at once",
                field="features",
            )
        prepared: list[Prepared] = []
        for i, body in enumerate(bodies):
            try:
                one = self.prepare(WriteOp("submit", op.party, feature=body))
            except InterlockError as exc:
                raise _at(exc, f"features[{i}]") from None
            assert isinstance(one, Prepared)
            prepared.append(one)
        return prepared

    def _unwrap(self, op: WriteOp, body: Any) -> Signed | None:
        """A signed notice as sent (None: a bare Feature): the envelope, checked, with the
        openings of its committed fields beside it (``{"openings": {field: {salt,
        value}}}`` next to the envelope's own fields). The envelope must say the write it
        was posted as (a new notice, or the amendment of this notice), and commit every
        field the agreement lets its filer hide."""
        if not (isinstance(body, dict) and "signature" in body):
            if self.agreement.rules.require_signatures:
                raise Unauthorized("the agreement requires notices as signed envelopes")
            return None
        openings = body.get("openings", {})
        envelope = {k: v for k, v in body.items() if k != "openings"}
        keys = {p.id: list(p.public_keys) for p in self.agreement.parties}
        verified = verify_envelope(envelope, keys, self.clock())
        if verified.author != op.party:
            raise Forbidden(f"envelope signed by {verified.author}; your token is {op.party}'s")
        if verified.kind != "notice":
            raise InvalidInput(f"a {verified.kind!r} envelope is not a notice", field="kind")
        target = notice_target(verified.body)
        if isinstance(target, str):
            where, why = target.split(": ", 1)
            raise InvalidInput(why, field=where)
        nid, version = target
        if op.kind == "submit" and nid is not NEW:
            raise InvalidInput(
                f"the envelope amends notice {nid}, yet it was posted as a new notice",
                field="body.notice.id",
            )
        if op.kind == "amend" and nid is NEW:
            raise InvalidInput(
                f"the envelope files a new notice, yet it was posted as an amendment of "
                f"{op.notice_id}",
                field="body.notice.id",
            )
        if op.kind == "amend" and nid != op.notice_id:
            raise InvalidInput(
                f"the envelope amends notice {nid}, yet it was posted to {op.notice_id}",
                field="body.notice.id",
            )
        signed = verified.body["feature"]
        props = signed.get("properties")
        committed = commitments_of({"feature": signed})
        for name in sorted(committed_fields(self.agreement)):
            if isinstance(props, dict) and name in props and name not in committed:
                raise InvalidInput(
                    "the agreement lets you hide it from other parties: sign its salted "
                    "commitment and send its opening beside the envelope",
                    field=f"properties.{name}",
                )
        problem = opening_problem(committed, openings)
        if problem is not None:
            raise InvalidInput(problem, field="openings")
        missing = sorted(set(committed) - set(openings))
        if missing:
            raise InvalidInput(
                "committed, but its opening was not sent", field=f"openings.{missing[0]}"
            )
        return Signed(
            opened(signed, openings), envelope, signed, openings, None if nid is NEW else version
        )

    def apply(self, tx: WriteTx, op: WriteOp, prepared: Any) -> Any:
        if op.kind == "submit_all":  # service.batch undoes every write of a refused op
            results = []
            for i, one in enumerate(prepared):
                try:
                    results.append(self.apply(tx, replace(op, kind="submit"), one))
                except InterlockError as exc:
                    raise _at(exc, f"features[{i}]") from None
            return SubmitAllResult(results)
        now = self.clock()
        if isinstance(prepared, Prepared) and prepared.envelope is not None:
            tx.claim_nonce(prepared.envelope["nonce"], op.party, to_ts(now))
        if op.kind == "submit":
            return self._submit_in(tx, op.party, prepared, now)
        assert op.notice_id is not None
        if op.kind == "amend":
            return self._amend_in(tx, op.party, op.notice_id, prepared, now)
        return self._cancel_in(tx, op.party, op.notice_id, now)

    def _submit_in(
        self, tx: WriteTx, party: str, prepared: Prepared, now: datetime
    ) -> SubmitResult:
        draft = prepared.draft
        notice_id = "n-" + secrets.token_hex(8)
        ref = Ref("notice", notice_id, 1)
        violation = self._late(ref, party, now, draft, None)
        exposures, warnings = self._exposures(tx, ref, party, now, draft, None)
        tx.insert_notice(notice_id, party, draft.domain, to_ts(now))
        result = self._store_version(tx, notice_id, party, 1, prepared, now, to_ts(now), exposures)
        for v in [violation, *warnings]:
            self._record_violation(tx, result, v, now)
        return result

    def _owned(self, tx: WriteTx, party: str, notice_id: str) -> NoticeRow:
        row = tx.get_notice(notice_id)
        if row is None:
            raise NotFound(f"no notice {notice_id!r}")
        if row.party != party:
            raise Forbidden(f"notice {notice_id} belongs to {row.party}; only it may change it")
        if row.cancelled_at is not None:
            raise StateConflict(f"notice {notice_id} was cancelled")
        return row

    def _amend_in(
        self, tx: WriteTx, party: str, notice_id: str, prepared: Prepared, now: datetime
    ) -> SubmitResult:
        draft = prepared.draft
        row = self._owned(tx, party, notice_id)
        if self.status(row) == "ended":
            raise StateConflict(f"notice {notice_id} has ended; file a new notice")
        if draft.domain != row.domain:
            raise InvalidInput(
                f"cannot change domain {row.domain} to {draft.domain}", field="properties.domain"
            )
        if prepared.expect_version is not None and prepared.expect_version != row.version:
            raise StateConflict(
                f"notice {notice_id} is at version {row.version}; the advice was for version "
                f"{prepared.expect_version}: ask for advice again"
            )
        previous = parse_notice(row.feature, self.agreement.rules.shape)
        version = row.version + 1
        if prepared.signed_version is not None and prepared.signed_version != version:
            raise StateConflict(
                f"body.notice.version: the envelope makes version {prepared.signed_version} "
                f"of notice {notice_id}, which is at version {row.version} (amending makes "
                f"version {version})"
            )
        ref = Ref("notice", notice_id, version)
        violation = self._late(ref, party, now, draft, previous)
        exposures, warnings = self._exposures(tx, ref, party, now, draft, previous)
        self._close_conflicts(tx, notice_id, now, f"superseded by version {version}")
        result = self._store_version(
            tx,
            notice_id,
            party,
            version,
            prepared,
            now,
            row.created_at,
            exposures,
        )
        for v in [violation, *warnings]:
            self._record_violation(tx, result, v, now)
        return result

    def _cancel_in(self, tx: WriteTx, party: str, notice_id: str, now: datetime) -> dict[str, Any]:
        self._owned(tx, party, notice_id)
        tx.cancel_notice(notice_id, to_ts(now))
        body = {"id": notice_id, "party": party}
        self._record(tx, EventKind.NOTICE_CANCELLED, notice_id, now, body)
        self._close_conflicts(tx, notice_id, now, "cancelled")
        row = tx.get_notice(notice_id)
        assert row is not None
        return self.feature(row, party)

    def get(self, viewer: str, notice_id: str, version: int | None = None) -> dict[str, Any]:
        row = self.store.get_notice(notice_id, version)
        if row is None:
            raise NotFound(f"no notice {notice_id!r}" + (f" version {version}" if version else ""))
        return self.feature(row, viewer)

    def versions(self, viewer: str, notice_id: str) -> dict[str, Any]:
        rows = self.store.list_versions(notice_id)
        if not rows:
            raise NotFound(f"no notice {notice_id!r}")
        return {"type": "FeatureCollection", "features": [self.feature(r, viewer) for r in rows]}

    def list(
        self,
        viewer: str,
        *,
        party: str | None = None,
        domain: str | None = None,
        bbox: Box | None = None,
        start: datetime | None = None,
        end: datetime | None = None,
        status: str | None = None,
        limit: int = 1000,
        offset: int = 0,
    ) -> dict[str, Any]:
        rows = self.store.list_notices(
            party=party,
            domain=domain,
            bbox=bbox,
            start_ts=to_ts(start) if start else None,
            end_ts=to_ts(end) if end else None,
            limit=limit,
            offset=offset,
        )
        feats = [self.feature(r, viewer) for r in rows]
        if status:
            feats = [f for f in feats if f["properties"]["status"] == status]
        return {"type": "FeatureCollection", "features": feats}

    def conflicts(
        self, viewer: str, *, notice_id: str | None = None, include_closed: bool = False
    ) -> builtins.list[dict[str, Any]]:  # `list` is a method of this class
        """Conflicts `viewer` is a party to."""
        found = self.store.list_conflicts(
            party=viewer, notice_id=notice_id, include_closed=include_closed
        )
        return [c.to_json() for c in found]

    def violations(self, notice_id: str | None = None) -> builtins.list[dict[str, Any]]:
        """Rule violations: every party sees them all (a late notice concerns everyone)."""
        return [v.to_json() for v in self.store.list_violations(notice_id=notice_id)]
