"""Storage shells. One interface (`Store`), engines behind it (SQLite now)."""

from .base import NoticeRow, Store
from .sqlite import SqliteStore, open_store

__all__ = ["NoticeRow", "SqliteStore", "Store", "open_store"]
