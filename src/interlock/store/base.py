"""The store interface the service depends on; engines implement it."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import AbstractContextManager
from dataclasses import dataclass
from typing import Any, Protocol

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


class WriteTx(Protocol):
    """A write transaction: serialised with every other writer (no lost conflicts)."""

    def savepoint(self) -> AbstractContextManager[None]: ...
    def append_ledger(
        self, kind: str, ref: str | None, event: dict[str, Any], received_at: str
    ) -> dict[str, Any]: ...

    def insert_notice(self, notice_id: str, party: str, domain: str, created_at: float) -> None: ...
    def insert_version(self, row: NoticeRow, entry: IndexEntry | None) -> None: ...
    def cancel_notice(self, notice_id: str, at: float) -> None: ...
    def get_notice(self, notice_id: str, version: int | None = None) -> NoticeRow | None: ...
    def candidates(self, query: IndexEntry, exclude_party: str) -> list[NoticeRow]: ...
    def asset_candidates(self, query: IndexEntry, exclude_party: str) -> list[dict[str, Any]]: ...
    def insert_conflict(self, record: dict[str, Any], at: float) -> int: ...
    def close_conflicts(self, notice_id: str, at: float, reason: str) -> int: ...
    def insert_violation(self, record: dict[str, Any], at: float) -> int: ...
    def insert_asset(self, record: dict[str, Any], entry: IndexEntry) -> None: ...
    def retire_asset(self, asset_id: str, at: float) -> None: ...


class Store(Protocol):
    def write(self) -> AbstractContextManager[WriteTx]: ...
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
    def list_conflicts(
        self,
        *,
        party: str | None = None,
        notice_id: str | None = None,
        include_closed: bool = False,
    ) -> list[dict[str, Any]]: ...
    def list_violations(self, *, notice_id: str | None = None) -> list[dict[str, Any]]: ...
    def list_assets(self, *, include_retired: bool = False) -> list[dict[str, Any]]: ...
    def get_asset(self, asset_id: str) -> dict[str, Any] | None: ...
    def set_token_hashes(self, hashes: dict[str, str]) -> None: ...
    def party_for_token_hash(self, token_hash: str) -> str | None: ...
    def count_notices(self) -> int: ...
    def ledger_entries(
        self, from_seq: int = 1, limit: int | None = None
    ) -> Iterator[dict[str, Any]]: ...
    def close(self) -> None: ...
    def iter_notice_rows(self) -> Iterator[NoticeRow]: ...
