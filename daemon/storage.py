"""What the daemon keeps: user feedback in SQLite, recent scores in a bounded LRU cache.

Feedback is the user's correction of a verdict, kept durably for retraining: SQLite in
WAL mode with synchronous=FULL, so a crash or power cut after the 201 loses nothing.
Scored texts are remembered only in memory (the cache), never written to disk unless
the user sends feedback about them: nothing the user reads is logged.
"""

from __future__ import annotations

import sqlite3
import threading
from collections import OrderedDict
from contextlib import closing
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

SCHEMA = """
CREATE TABLE IF NOT EXISTS feedback (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    created_at  TEXT NOT NULL,
    score_id    TEXT NOT NULL,          -- sha256 of the model input
    label       TEXT NOT NULL CHECK (label IN ('fake', 'real')),
    verdict     TEXT,                   -- what the daemon said, when it still knew
    p_fake      REAL,
    model       TEXT,
    url         TEXT,
    comment     TEXT,
    title       TEXT NOT NULL,
    text        TEXT NOT NULL           -- the body, so the row can be trained on
);
CREATE INDEX IF NOT EXISTS feedback_score_id ON feedback (score_id);
"""


@dataclass
class Feedback:
    score_id: str
    label: str
    title: str
    text: str
    verdict: str | None = None
    p_fake: float | None = None
    model: str | None = None
    url: str | None = None
    comment: str | None = None


class FeedbackStore:
    """Feedback rows in `<home>/feedback.sqlite3`; one short connection per operation."""

    def __init__(self, home: Path) -> None:
        home.mkdir(parents=True, exist_ok=True)
        self.path = home / "feedback.sqlite3"
        with closing(self._connect()) as db, db:
            db.execute("PRAGMA journal_mode=WAL")
            db.executescript(SCHEMA)

    def _connect(self) -> sqlite3.Connection:
        db = sqlite3.connect(self.path, timeout=10)
        db.execute("PRAGMA synchronous=FULL")
        db.row_factory = sqlite3.Row
        return db

    def add(self, feedback: Feedback) -> int:
        """Store one feedback row durably; returns its id."""
        row = {**feedback.__dict__, "created_at": datetime.now(UTC).isoformat(timespec="seconds")}
        columns = ", ".join(row)
        with closing(self._connect()) as db, db:
            cursor = db.execute(f"INSERT INTO feedback ({columns}) VALUES "
                                f"({', '.join(':' + c for c in row)})", row)
            return int(cursor.lastrowid)

    def all(self) -> list[dict[str, Any]]:
        """Every feedback row, oldest first (for export and retraining)."""
        with closing(self._connect()) as db:
            return [dict(row) for row in db.execute("SELECT * FROM feedback ORDER BY id")]


class LRUCache:
    """A thread-safe, bounded mapping that forgets the least recently used entry."""

    def __init__(self, capacity: int) -> None:
        self.capacity = capacity
        self._items: OrderedDict[str, Any] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key: str) -> Any | None:
        with self._lock:
            if key not in self._items:
                return None
            self._items.move_to_end(key)
            return self._items[key]

    def put(self, key: str, value: Any) -> None:
        with self._lock:
            self._items[key] = value
            self._items.move_to_end(key)
            while len(self._items) > self.capacity:
                self._items.popitem(last=False)

    def __len__(self) -> int:
        return len(self._items)
