"""The store: imported questions in one SQLite file with full-text search and named migrations."""

from archqa.store.migrations import MIGRATIONS, migrate
from archqa.store.store import SearchHit, Store, StoredQuestion, default_db_path

__all__ = ["MIGRATIONS", "SearchHit", "Store", "StoredQuestion", "default_db_path", "migrate"]
