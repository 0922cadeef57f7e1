"""The database side of text analysis: the portfolio theme catalogue and the LLM cache.

`rebuild_themes` is called once per engine run: it clusters the stored comment vectors
(nothing is re-embedded unless a vector is missing), keeps labels stable against the
previous catalogue, writes each comment's topic, and makes the new catalogue the one that
new comments are assigned to. The catalogue itself is kept as a JSON row of llm_cache
(task "theme_catalogue"), so no extra table is needed.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Any

import numpy as np
from sqlalchemy import select, update
from sqlalchemy.orm import Session

from account_health.storage.tables import CommentAnalysisRow, FeedbackRow, LlmCacheRow
from account_health.text import use_theme_catalogue
from account_health.text.embedding import EMBEDDING_DIM
from account_health.text.features import (
    HASHED_FEATURES,
    anchors_for,
    embedding_from_bytes,
    embedding_to_bytes,
    encode_texts,
    feature_space,
)
from account_health.text.llm import LlmProvider
from account_health.text.themes import ThemeCatalogue, build_catalogue

CATALOGUE_TASK = "theme_catalogue"
CATALOGUE_KEY = "portfolio"


@dataclass(frozen=True, slots=True)
class ThemeRebuild:
    themes: tuple[str, ...]
    comments: int
    topics_changed: int
    seconds: float


def rebuild_themes(
    session: Session, *, seed: int = 0, llm: LlmProvider | None = None
) -> ThemeRebuild:
    """Re-cluster every stored comment into the portfolio catalogue and update topics.

    With `llm`, clusters that no anchor or previous theme names are named by the LLM.
    """
    started = time.perf_counter()
    rows = session.execute(
        select(
            CommentAnalysisRow.id, CommentAnalysisRow.position, CommentAnalysisRow.embedding,
            CommentAnalysisRow.topic, FeedbackRow.comment, FeedbackRow.concerns,
            FeedbackRow.person_id,
        ).join(FeedbackRow, FeedbackRow.id == CommentAnalysisRow.feedback_id)
        .order_by(CommentAnalysisRow.id)
    ).all()
    if not rows:
        return ThemeRebuild((), 0, 0, time.perf_counter() - started)
    texts = [_text_at(row.comment, row.concerns, row.position) for row in rows]
    vectors, features = _stored_vectors(session, rows, texts)
    catalogue = build_catalogue(
        vectors, texts, [row.person_id for row in rows], features=features,
        anchors=anchors_for(features), previous=load_catalogue(session), seed=seed,
        namer=llm.label_theme if llm is not None else None,
    )
    topics = catalogue.assign(vectors)
    changed = [
        {"id": row.id, "topic": topic}
        for row, topic in zip(rows, topics, strict=True) if row.topic != topic
    ]
    if changed:
        session.execute(update(CommentAnalysisRow), changed)
    save_catalogue(session, catalogue)
    use_theme_catalogue(catalogue)
    return ThemeRebuild(catalogue.labels, len(rows), len(changed), time.perf_counter() - started)


def load_catalogue(session: Session) -> ThemeCatalogue | None:
    row = session.get(LlmCacheRow, (CATALOGUE_KEY, CATALOGUE_TASK))
    if row is None or not isinstance(row.result, dict):
        return None
    return ThemeCatalogue.from_json(row.result)


def activate_stored_catalogue(session: Session) -> ThemeCatalogue | None:
    """Assign new comments to the stored catalogue (call before an import analyses comments)."""
    catalogue = load_catalogue(session)
    if catalogue is not None:
        use_theme_catalogue(catalogue)
    return catalogue


def save_catalogue(session: Session, catalogue: ThemeCatalogue) -> None:
    row = session.get(LlmCacheRow, (CATALOGUE_KEY, CATALOGUE_TASK))
    if row is None:
        row = LlmCacheRow(content_hash=CATALOGUE_KEY, task=CATALOGUE_TASK)
        session.add(row)
    row.model = catalogue.features
    row.result = catalogue.to_json()


class DatabaseLlmCache:
    """llm_cache rows as the LLM provider's cache (see text/llm.py's LlmCache)."""

    def __init__(self, session: Session) -> None:
        self._session = session

    def get(self, key: str, task: str) -> Any | None:
        row = self._session.get(LlmCacheRow, (key, task))
        return None if row is None else row.result

    def put(self, key: str, task: str, model: str, result: Any) -> None:
        row = self._session.get(LlmCacheRow, (key, task))
        if row is None:
            self._session.add(LlmCacheRow(content_hash=key, task=task, model=model, result=result))
        else:
            row.model, row.result = model, result
        self._session.flush()


def _text_at(comment: str | None, concerns: list[Any] | None, position: int) -> str:
    if position == 0 and comment:
        return comment
    index = position - 1 if comment else position
    items = [str(c) for c in (concerns or []) if c]
    return items[index] if 0 <= index < len(items) else (comment or "")


def _stored_vectors(session: Session, rows: list[Any], texts: list[str]) -> tuple[np.ndarray, str]:
    """Stored vectors; missing ones (older rows) are computed now and stored."""
    features = feature_space()
    if features == HASHED_FEATURES:
        return encode_texts(texts)
    missing = [i for i, row in enumerate(rows) if not row.embedding]
    fresh, _ = encode_texts([texts[i] for i in missing]) if missing else (None, features)
    vectors = np.zeros((len(rows), EMBEDDING_DIM), dtype=np.float32)
    for i, row in enumerate(rows):
        if row.embedding:
            vectors[i] = embedding_from_bytes(row.embedding)
    if missing and fresh is not None:
        vectors[missing] = fresh
        session.execute(
            update(CommentAnalysisRow),
            [{"id": rows[i].id, "embedding": embedding_to_bytes(fresh[k])}
             for k, i in enumerate(missing)],
        )
    return vectors, features
