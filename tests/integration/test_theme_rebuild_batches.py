"""rebuild_themes with bounded memory: a sampled clustering, assignment in batches, and
only new comments assigned when the catalogue did not change."""

from __future__ import annotations

from tests.integration.test_llm_theme_store import COMMENTS, store_comments, topics

from account_health.storage.db import Database
from account_health.text import use_theme_catalogue
from account_health.text.store import load_catalogue, rebuild_themes


def test_batched_assignment_equals_assigning_everything_at_once(sqlite_db: Database) -> None:
    store_comments(sqlite_db, COMMENTS * 3)
    try:
        with sqlite_db.session() as session:
            whole = rebuild_themes(session, batch_size=10_000)
            catalogue = load_catalogue(session)
        expected = topics(sqlite_db)
        assert whole.comments == 21 and whole.topics_changed > 0
        with sqlite_db.session() as session:  # nothing changed: nothing to assign again
            again = rebuild_themes(session, batch_size=2)
        assert again.topics_changed == 0 and topics(sqlite_db) == expected
        assert again.reused and again.themes == whole.themes  # not even re-clustered
        with sqlite_db.session() as session:  # another sample: clustered again
            resampled = rebuild_themes(session, batch_size=2, max_sample=20)
        assert not resampled.reused

        store_comments(sqlite_db, [("gus", "The Android app keeps crashing on login.")], 21)
        with sqlite_db.session() as session:
            batched = rebuild_themes(session, batch_size=2)
            assert load_catalogue(session).labels == catalogue.labels  # type: ignore[union-attr]
        assert topics(sqlite_db)[:21] == expected
        assert topics(sqlite_db)[21] == "Mobile experience"
        assert batched.comments == 22 and not batched.reused  # a new comment: rebuilt
    finally:
        use_theme_catalogue(None)


def test_a_sample_bounds_the_clustering(sqlite_db: Database) -> None:
    store_comments(sqlite_db, COMMENTS * 3)
    try:
        with sqlite_db.session() as session:
            sampled = rebuild_themes(session, max_sample=10, batch_size=5)
        assert sampled.comments == 21
        assert all(topic is not None for topic in topics(sqlite_db)[:6])
    finally:
        use_theme_catalogue(None)
