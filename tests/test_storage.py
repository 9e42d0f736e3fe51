"""Feedback in SQLite (WAL, durable) and the bounded LRU cache."""

from __future__ import annotations

import sqlite3
from contextlib import closing

import pytest

from fakeradar.daemon.storage import Feedback, FeedbackStore, LRUCache


def test_feedback_is_durable_across_store_instances(tmp_path):
    store = FeedbackStore(tmp_path)
    first = store.add(Feedback(score_id="a" * 64, label="fake", title="T", text="Body",
                               verdict="credible", p_fake=0.1, comment="satire site"))
    second = FeedbackStore(tmp_path).add(Feedback(score_id="b" * 64, label="real", title="",
                                                  text="Other"))
    rows = FeedbackStore(tmp_path).all()
    assert [r["id"] for r in rows] == [first, second]
    assert rows[0]["label"] == "fake" and rows[0]["comment"] == "satire site"
    assert rows[0]["created_at"]


def test_database_is_in_wal_mode_and_rejects_unknown_labels(tmp_path):
    store = FeedbackStore(tmp_path)
    with closing(sqlite3.connect(store.path)) as db:
        assert db.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    with pytest.raises(sqlite3.IntegrityError):
        store.add(Feedback(score_id="c" * 64, label="maybe", title="", text="x"))


def test_lru_cache_forgets_the_least_recently_used():
    cache = LRUCache(2)
    cache.put("a", 1)
    cache.put("b", 2)
    assert cache.get("a") == 1          # "a" is now the most recent
    cache.put("c", 3)
    assert cache.get("b") is None and cache.get("a") == 1 and cache.get("c") == 3
    assert len(cache) == 2
