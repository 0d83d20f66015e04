"""The store interface the service depends on, one protocol per aggregate; engines
implement them all.

Split as the InterUSS DSS splits its repositories: each aggregate (notices, assets,
conflicts and violations, the ledger, the hotline, the spectrum arena, tokens) has its
read protocol and, inside a write transaction, its write protocol. A service names the
aggregates it uses; `Store` and `WriteTx` are their union, which the SQL engines provide.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import AbstractContextManager
from dataclasses import dataclass
from typing import Any, Protocol

from .rows import AssetRow, ConflictRow, FixPair, FixRow, HazardRow, MessageRow, ViolationRow

Box = tuple[float, float, float, float]  # min_lon, min_lat, max_lon, max_lat


@dataclass(frozen=True, slots=True)
class NoticeRow:
    """One notice at one version, as stored."""

    id: str
    party: str
    domain: str
    version: int
    filed_at: float  # epoch seconds, server receive time of this version
    created_at: float
    cancelled_at: float | None
    feature: dict[str, Any]  # the validated notice as a GeoJSON Feature (no id/status)


@dataclass(frozen=True, slots=True)
class IndexEntry:
    """What the spatial index holds for one live notice or asset version."""

    boxes: Sequence[Box]
    lower_m: float
    upper_m: float
    start_ts: float
    end_ts: float


class Sealer(Protocol):
    """Signs the log's checkpoints for the store (the key stays in the service layer)."""

    @property
    def origin(self) -> str: ...
    def sign(self, size: int, root: bytes) -> tuple[int, str]: ...  # (time, note text)


# ---- inside a write transaction, per aggregate -------------------------------------------


class LedgerWrites(Protocol):
    """The record: every change is chained in the transaction that makes it."""

    def append_ledger(
        self,
        kind: str,
        ref: str | None,
        event: dict[str, Any],
        received_at: str,
        audience: Iterable[str] = (),
        openings: dict[str, Any] | None = None,
    ) -> dict[str, Any]: ...
    def ledger_entry_at(self, seq: int) -> dict[str, Any] | None: ...
    def claim_nonce(self, nonce: str, party: str, at: float) -> None: ...
    def prefetch_nonces(self, pairs: Iterable[tuple[str, str]]) -> None:
        """Which of these (party, nonce) are taken, learnt at once for a batch's claims."""


class LogWrites(Protocol):
    """The verifiable log: cosignatures, and a checkpoint even when nothing is appended."""

    def request_seal(self) -> None: ...
    def merkle_nodes(self, ids: Sequence[tuple[int, int]]) -> dict[tuple[int, int], bytes]: ...
    def put_cosignature(self, origin: str, size: int, party: str, time: int, line: str) -> None: ...


class NoticeWrites(Protocol):
    def insert_notice(self, notice_id: str, party: str, domain: str, created_at: float) -> None: ...
    def insert_version(self, row: NoticeRow, entry: IndexEntry | None) -> None: ...
    def cancel_notice(self, notice_id: str, at: float) -> None: ...
    def get_notice(self, notice_id: str, version: int | None = None) -> NoticeRow | None: ...
    def candidates(self, query: IndexEntry, exclude_party: str) -> list[NoticeRow]: ...


class AssetWrites(Protocol):
    def insert_asset(self, row: AssetRow, entry: IndexEntry) -> None: ...
    def retire_asset(self, asset_id: str, at: float) -> None: ...
    def get_asset(self, asset_id: str) -> AssetRow | None: ...
    def asset_candidates(self, query: IndexEntry, exclude_party: str) -> list[AssetRow]: ...


class HazardWrites(Protocol):
    def insert_hazard(self, row: HazardRow) -> None: ...
    def retire_hazard(self, hazard_id: str, at: float) -> None: ...
    def get_hazard(self, hazard_id: str) -> HazardRow | None: ...
    def hazards_in_force(self) -> list[HazardRow]: ...


class ConflictWrites(Protocol):
    def insert_conflict(self, row: ConflictRow, at: float) -> int: ...
    def close_conflicts(self, ref_id: str, at: float, reason: str) -> int: ...
    def insert_violation(self, row: ViolationRow, at: float) -> int: ...


class SpectrumWrites(Protocol):
    def emissions_between(self, start_ts: float, end_ts: float) -> list[NoticeRow]: ...
    def receivers(self) -> list[AssetRow]: ...


class HotlineWrites(Protocol):
    def insert_message(self, row: MessageRow) -> None: ...
    def get_message(self, message_id: str) -> MessageRow | None: ...
    def ref_visible(self, kind: str, ref_id: str, party: str) -> bool: ...
    def mark_delivered(self, message_id: str, party: str, at: float) -> bool: ...
    def mark_acked(self, message_id: str, party: str, at: float, reply: str | None) -> bool: ...
    def due_escalations(self, now: float, limit: int = 1000) -> list[tuple[str, str, int]]: ...
    def reschedule_escalation(
        self, message_id: str, party: str, escalations: int, next_at: float
    ) -> None: ...
    def channel_states(self) -> dict[str, tuple[float, str]]: ...
    def put_channel(self, party: str, last_seen: float, state: str) -> None: ...


class WriteTx(
    LedgerWrites,
    LogWrites,
    NoticeWrites,
    AssetWrites,
    HazardWrites,
    ConflictWrites,
    SpectrumWrites,
    HotlineWrites,
    Protocol,
):
    """A write transaction: serialised with every other writer (no lost conflicts)."""

    def savepoint(self) -> AbstractContextManager[None]: ...


# ---- reads, per aggregate -----------------------------------------------------------------


class NoticeReads(Protocol):
    def get_notice(self, notice_id: str, version: int | None = None) -> NoticeRow | None: ...
    def list_versions(self, notice_id: str) -> list[NoticeRow]: ...
    def list_notices(
        self,
        *,
        party: str | None = None,
        domain: str | None = None,
        bbox: Box | None = None,
        start_ts: float | None = None,
        end_ts: float | None = None,
        limit: int = 1000,
        offset: int = 0,
    ) -> list[NoticeRow]: ...
    def count_notices(self) -> int: ...
    def iter_notice_rows(self) -> Iterator[NoticeRow]: ...


class AssetReads(Protocol):
    def list_assets(self, *, include_retired: bool = False) -> list[AssetRow]: ...
    def get_asset(self, asset_id: str) -> AssetRow | None: ...


class HazardReads(Protocol):
    def list_hazards(self, *, include_retired: bool = False) -> list[HazardRow]: ...
    def get_hazard(self, hazard_id: str) -> HazardRow | None: ...


class SceneReads(Protocol):
    """What detection and advice read of the stored scene: a write transaction has these;
    ``Store.scene()`` gives them on a reader connection, with no write lock."""

    def get_notice(self, notice_id: str, version: int | None = None) -> NoticeRow | None: ...
    def candidates(self, query: IndexEntry, exclude_party: str) -> list[NoticeRow]: ...
    def asset_candidates(self, query: IndexEntry, exclude_party: str) -> list[AssetRow]: ...
    def hazards_in_force(self) -> list[HazardRow]: ...


class ConflictReads(Protocol):
    def get_conflict(self, conflict_id: int) -> ConflictRow | None: ...
    def list_conflicts(
        self,
        *,
        party: str | None = None,
        notice_id: str | None = None,
        include_closed: bool = False,
    ) -> list[ConflictRow]: ...
    def list_violations(self, *, notice_id: str | None = None) -> list[ViolationRow]: ...


class LedgerReads(Protocol):
    def ledger_entries(
        self, from_seq: int = 1, limit: int | None = None
    ) -> Iterator[dict[str, Any]]: ...
    def ledger_entries_of(
        self, kinds: Sequence[str], after_seq: int = 0
    ) -> Iterator[dict[str, Any]]: ...
    def last_seq(self) -> int: ...


class LogReads(Protocol):
    """The Merkle tree's stored nodes and the signed checkpoints (store.sql_log)."""

    def merkle_nodes(self, ids: Sequence[tuple[int, int]]) -> dict[tuple[int, int], bytes]: ...
    def latest_checkpoint(self, origin: str) -> dict[str, Any] | None: ...
    def checkpoint_at(self, origin: str, size: int) -> dict[str, Any] | None: ...
    def cosignatures(self, origin: str, size: int) -> list[dict[str, Any]]: ...


class SpectrumReads(Protocol):
    def emissions_between(self, start_ts: float, end_ts: float) -> list[NoticeRow]: ...
    def receivers(self) -> list[AssetRow]: ...


class HotlineReads(Protocol):
    def inbox_entries(self, party: str, after_seq: int, limit: int) -> list[dict[str, Any]]: ...
    def get_message(self, message_id: str) -> MessageRow | None: ...
    def list_messages(
        self,
        party: str,
        *,
        box: str = "all",
        pending: bool = False,
        limit: int = 200,
        sent_by: float | None = None,
    ) -> list[MessageRow]: ...
    def channel_states(self) -> dict[str, tuple[float, str]]: ...
    def next_escalation_at(self) -> float | None: ...


class TokenReads(Protocol):
    def set_token_hashes(self, hashes: dict[str, str]) -> None: ...
    def party_for_token_hash(self, token_hash: str) -> str | None: ...


class HistoryStore(Protocol):
    """Track history (service.history): kept fixes, written in batches of their own short
    transaction (not the ledger: no entry, no checkpoint), read by time and place."""

    def add_fixes(self, rows: Sequence[FixRow]) -> None: ...
    def fixes_between(
        self,
        start_ts: float,
        end_ts: float,
        *,
        bbox: Box | None = None,
        track_ids: Sequence[str] | None = None,
        limit: int | None = None,
    ) -> list[FixRow]: ...
    def fix_pairs_at(
        self, at_ts: float, reach_s: float, *, domain: str | None = None
    ) -> list[FixPair]: ...
    def fix_pairs_at_reference(
        self, at_ts: float, reach_s: float, *, domain: str | None = None
    ) -> list[FixPair]: ...
    def purge_fixes_before(self, ts: float) -> int: ...


class Store(
    NoticeReads,
    AssetReads,
    HazardReads,
    ConflictReads,
    LedgerReads,
    LogReads,
    SpectrumReads,
    HotlineReads,
    TokenReads,
    HistoryStore,
    Protocol,
):
    """Every aggregate's reads, the write transaction, and commit hooks."""

    on_commit: list[Callable[[], None]]  # called after every committed write
    sealer: Sealer | None  # signs the checkpoint closing each write that appends entries

    def write(self) -> AbstractContextManager[WriteTx]: ...
    def scene(self) -> AbstractContextManager[SceneReads]: ...
    def close(self) -> None: ...
