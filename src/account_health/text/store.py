"""The database side of text analysis: the portfolio theme catalogue and the LLM cache.

`rebuild_themes` is called once per engine run: it clusters a sample of the stored comment
vectors (nothing is re-embedded unless a vector is missing), keeps labels stable against the
previous catalogue, writes each comment's topic in batches (only new comments' when the
catalogue did not change), and makes the new catalogue the one that new comments are
assigned to. The catalogue itself is kept as a JSON row of llm_cache
(task "theme_catalogue"), so no extra table is needed.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Any

import numpy as np
from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from account_health.config import Settings, get_settings
from account_health.storage.bulk import text_at
from account_health.storage.tables import CommentAnalysisRow, FeedbackRow, LlmCacheRow
from account_health.text import use_theme_catalogue
from account_health.text.embedding import EMBEDDING_DIM, MODEL_NAME, model_directory
from account_health.text.features import (
    HASHED_FEATURES,
    anchors_for,
    embedding_from_bytes,
    embedding_to_bytes,
    encode_texts,
    feature_space,
)
from account_health.text.llm import LlmOptions, LlmProvider
from account_health.text.themes import MAX_SAMPLE, ThemeCatalogue, build_catalogue

CATALOGUE_TASK = "theme_catalogue"
CATALOGUE_KEY = "portfolio"
ASSIGN_BATCH = 20_000  # comments assigned (and their topics written) at a time
ASSIGNED_THROUGH = "assigned_through"  # the last comment id the stored catalogue assigned
FINGERPRINT = "comments"  # the comments it was built from (see `_fingerprint`)


@dataclass(frozen=True, slots=True)
class ThemeRebuild:
    themes: tuple[str, ...]
    comments: int
    topics_changed: int
    seconds: float
    reused: bool = False  # no comment changed since the stored catalogue was built: kept as is


def rebuild_themes(
    session: Session, *, seed: int = 0, llm: LlmProvider | None = None,
    max_sample: int = MAX_SAMPLE, batch_size: int = ASSIGN_BATCH,
) -> ThemeRebuild:
    """Re-cluster the stored comments into the portfolio catalogue and update topics.

    Memory stays bounded at any size: a sample of at most `max_sample` comments (chosen
    deterministically from the ids) is clustered, then every comment is assigned in batches
    of `batch_size` and changed topics are written batch by batch. When the catalogue comes
    out the same as the stored one, only comments stored since the last rebuild are
    assigned (the others already have this catalogue's topics). With `llm`, clusters that no
    anchor or previous theme names are named by the LLM.
    """
    started = time.perf_counter()
    fingerprint = _fingerprint(session, seed, max_sample)
    stored = session.get(LlmCacheRow, (CATALOGUE_KEY, CATALOGUE_TASK))
    previous = load_catalogue(session)
    if previous is not None and stored is not None and previous.features == _features_here() \
            and (stored.result or {}).get(FINGERPRINT) == fingerprint:
        # No comment added or re-analysed since that rebuild: it would come out the same.
        use_theme_catalogue(previous)
        return ThemeRebuild(previous.labels, fingerprint[0], 0, time.perf_counter() - started,
                            reused=True)
    ids = list(session.scalars(select(CommentAnalysisRow.id).order_by(CommentAnalysisRow.id)))
    if not ids:
        return ThemeRebuild((), 0, 0, time.perf_counter() - started)
    sample_ids = [ids[i] for i in _sample(len(ids), max_sample, seed)]
    sample = _rows(session, sample_ids)
    texts = [text_at(row.comment, row.concerns, row.position) for row in sample]
    vectors, features = _stored_vectors(session, sample, texts)
    catalogue = build_catalogue(
        vectors, texts, [row.person_id for row in sample], features=features,
        anchors=anchors_for(features), previous=previous, seed=seed,
        max_sample=max_sample, namer=llm.label_theme if llm is not None else None,
    )
    del vectors, sample, texts
    same = previous is not None and _same_catalogue(previous, catalogue)
    assigned_through = (stored.result or {}).get(ASSIGNED_THROUGH, 0) if same and stored \
        else 0
    pending = [i for i in ids if i > assigned_through]
    changed = 0
    for start in range(0, len(pending), batch_size):
        changed += _assign_batch(session, catalogue, pending[start:start + batch_size])
    # topics and missing vectors were written, neither of which the fingerprint reads
    save_catalogue(session, catalogue, assigned_through=ids[-1], fingerprint=fingerprint)
    use_theme_catalogue(catalogue)
    return ThemeRebuild(catalogue.labels, len(ids), changed, time.perf_counter() - started)


def _fingerprint(session: Session, seed: int, max_sample: int) -> list[Any]:
    """What a rebuild depends on: the comments (how many, the newest, the latest analysis)
    and the sampling. As stored in JSON: a list."""
    t = CommentAnalysisRow
    count, newest, analysed = session.execute(
        select(func.count(t.id), func.max(t.id), func.max(t.analyzed_at))).one()
    return [count, newest, None if analysed is None else str(analysed), seed, max_sample]


def _features_here() -> str:
    """`feature_space()` without loading the model: whether it is installed."""
    return MODEL_NAME if model_directory() is not None else HASHED_FEATURES


def _rows(session: Session, ids: list[int]) -> list[Any]:
    """Comment rows with their text's parts and author, in id order."""
    found: list[Any] = []
    for start in range(0, len(ids), 1000):
        found += session.execute(
            select(
                CommentAnalysisRow.id, CommentAnalysisRow.position, CommentAnalysisRow.embedding,
                CommentAnalysisRow.topic, FeedbackRow.comment, FeedbackRow.concerns,
                FeedbackRow.person_id,
            ).join(FeedbackRow, FeedbackRow.id == CommentAnalysisRow.feedback_id)
            .where(CommentAnalysisRow.id.in_(ids[start:start + 1000]))
            .order_by(CommentAnalysisRow.id)
        ).all()
    return found


def _assign_batch(session: Session, catalogue: ThemeCatalogue, ids: list[int]) -> int:
    """Give these comments their nearest theme; returns how many topics changed."""
    rows = _rows(session, ids)
    texts = [text_at(row.comment, row.concerns, row.position) for row in rows]
    vectors, _ = _stored_vectors(session, rows, texts)
    topics = catalogue.assign(vectors)
    changed = [{"id": row.id, "topic": topic}
               for row, topic in zip(rows, topics, strict=True) if row.topic != topic]
    if changed:
        session.execute(update(CommentAnalysisRow), changed)
    return len(changed)


def _same_catalogue(old: ThemeCatalogue, new: ThemeCatalogue) -> bool:
    """The same themes at the same places (as stored: centroids rounded in JSON)."""
    stored_new = ThemeCatalogue.from_json(new.to_json())
    return (old.features == new.features and old.labels == stored_new.labels
            and old.centroids.shape == stored_new.centroids.shape
            and bool(np.allclose(old.centroids, stored_new.centroids, atol=1e-6)))


def _sample(n: int, max_sample: int, seed: int) -> list[int]:
    """Deterministic positions of the clustered sample (themes.build_catalogue's own rule)."""
    if n <= max_sample:
        return list(range(n))
    return sorted(np.random.default_rng(seed).choice(n, size=max_sample, replace=False).tolist())


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


def save_catalogue(session: Session, catalogue: ThemeCatalogue,
                   assigned_through: int | None = None,
                   fingerprint: list[Any] | None = None) -> None:
    row = session.get(LlmCacheRow, (CATALOGUE_KEY, CATALOGUE_TASK))
    if row is None:
        row = LlmCacheRow(content_hash=CATALOGUE_KEY, task=CATALOGUE_TASK)
        session.add(row)
    row.model = catalogue.features
    row.result = catalogue.to_json() | (
        {ASSIGNED_THROUGH: assigned_through} if assigned_through is not None else {}) | (
        {FINGERPRINT: fingerprint} if fingerprint is not None else {})


def configured_llm(session: Session, settings: Settings | None = None) -> LlmProvider | None:
    """The LLM provider when OPENAI_API_KEY is set (answers cached in llm_cache), else None:
    then the offline analysis runs alone."""
    options = LlmOptions.from_settings(settings or get_settings())
    return None if options is None else LlmProvider(options, cache=DatabaseLlmCache(session))


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
