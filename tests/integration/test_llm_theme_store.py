"""The portfolio theme catalogue and the LLM cache in the database (text/store.py)."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import select

from account_health.storage.db import Database
from account_health.storage.tables import AccountRow, CommentAnalysisRow, FeedbackRow
from account_health.text import analyze_comments, analyze_texts, use_theme_catalogue
from account_health.text.store import load_catalogue, rebuild_themes

COMMENTS = [
    ("ann", "The mobile app crashes when I open a dashboard."),
    ("bob", "The iPhone app logs me out every few minutes."),
    ("cat", "Field reps need an offline mode on their phones."),
    ("ann", "The price increase at renewal caught us off guard."),
    ("dan", "It is hard to justify the cost to our CFO."),
    ("eve", "Our licence fees went up again this year."),
    ("eve", "Security questionnaire; SOC 2 report please."),
]


def store_comments(db: Database, comments: list[tuple[str, str]], start: int = 0) -> None:
    results = analyze_texts([text for _, text in comments])
    with db.session() as session:
        if session.get(AccountRow, "acme") is None:
            session.add(AccountRow(id="acme", name="Acme Corp", arr=100_000))
        pairs = zip(comments, results, strict=True)
        for i, ((person, text), result) in enumerate(pairs, start=start):
            session.add(FeedbackRow(
                id=f"f{i}", account_id="acme", person_id=person, kind="nps", shape="user",
                submitted_at=datetime(2025, 1, 1, tzinfo=UTC), comment=text, concerns=[], raw={},
            ))
            session.flush()
            session.add(CommentAnalysisRow(
                feedback_id=f"f{i}", position=0, content_hash=result.content_hash,
                sentiment=result.analysis.sentiment, signals=[], competitors=[],
                topic=None, embedding=result.embedding if i % 2 else None,  # some rows lack one
                analyzer=result.analyzer,
            ))


def topics(db: Database) -> list[str | None]:
    with db.session() as session:
        query = select(CommentAnalysisRow.topic).order_by(CommentAnalysisRow.id)
        return list(session.scalars(query))


def test_rebuild_clusters_stored_comments_and_keeps_labels(sqlite_db: Database) -> None:
    store_comments(sqlite_db, COMMENTS)
    try:
        with sqlite_db.session() as session:
            first = rebuild_themes(session)
        assert set(first.themes) == {"Mobile experience", "Pricing"}
        assert first.comments == 7 and first.topics_changed == 6
        assigned = topics(sqlite_db)
        assert assigned[:3] == ["Mobile experience"] * 3
        assert assigned[3:6] == ["Pricing"] * 3
        with sqlite_db.session() as session:
            assert session.scalars(
                select(CommentAnalysisRow.embedding).where(CommentAnalysisRow.embedding.is_(None))
            ).all() == []  # missing vectors were computed once and stored
            assert load_catalogue(session).labels == first.themes  # type: ignore[union-attr]
        # the new catalogue is the one new comments join
        assert analyze_comments(["Android app freezes on startup"])[0].topic == "Mobile experience"

        store_comments(sqlite_db, [("fay", "The tablet view wastes space on the phone app.")], 7)
        with sqlite_db.session() as session:
            second = rebuild_themes(session)
        assert set(second.themes) == set(first.themes)
        assert topics(sqlite_db)[:6] == assigned[:6]  # same names week over week
    finally:
        use_theme_catalogue(None)


def test_rebuild_on_an_empty_database(sqlite_db: Database) -> None:
    with sqlite_db.session() as session:
        result = rebuild_themes(session)
    assert result.comments == 0 and result.themes == ()
