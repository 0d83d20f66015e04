"""Storage shells. One interface (`Store`), two engines behind it: SQLite (embedded, the
default) and PostgreSQL (several processes over one database), chosen by the URL."""

from __future__ import annotations

from pathlib import Path

from .base import NoticeRow, Store
from .sql import SqlStore
from .sqlite import SqliteStore, sqlite_url


def store_url(target: str | Path) -> str:
    """The URL a store target names: a PostgreSQL URL as given, anything else as SQLite."""
    target = str(target)
    if target.startswith(("postgresql://", "postgresql+psycopg://", "postgres://")):
        return target
    return sqlite_url(target)


def open_store(target: str | Path) -> SqlStore:
    """A store from a URL (``postgresql://...``, ``sqlite:///path``), a file path, or
    ``:memory:``."""
    url = store_url(target)
    if url.startswith("postgres"):
        from .postgres import PostgresStore

        return PostgresStore(url)
    return SqliteStore(url)


__all__ = ["NoticeRow", "SqlStore", "SqliteStore", "Store", "open_store", "store_url"]
