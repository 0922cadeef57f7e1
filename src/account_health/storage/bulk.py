"""Batched writes: upsert many rows at once, and analyse the comments that changed.

Used by the import (a million rows) and by `repository.save_feedback` (one row), so
both store exactly the same thing. Rows whose stored values are already equal are
not written at all: re-importing the same files changes nothing and costs little.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection, Table, delete, select, tuple_
from sqlalchemy.dialects import postgresql, sqlite

from account_health.domain.models import CommentAnalysis
from account_health.storage.tables import CommentAnalysisRow

Row = dict[str, Any]


@dataclass
class WriteCounts:
    inserted: int = 0
    updated: int = 0
    unchanged: int = 0

    def add(self, other: WriteCounts) -> None:
        self.inserted += other.inserted
        self.updated += other.updated
        self.unchanged += other.unchanged


class TableWriter:
    """Upserts rows of one table by its primary key, skipping rows that did not change."""

    def __init__(self, connection: Connection, table: Table) -> None:
        self.connection = connection
        self.table = table
        self.keys = [column.name for column in table.primary_key.columns]
        self._key_columns = [table.c[name] for name in self.keys]

    def write(self, rows: Sequence[Row]) -> tuple[WriteCounts, list[Row]]:
        """Write `rows` (one batch); returns the counts and the rows actually written."""
        unique = {self._key(row): row for row in rows}  # the last of duplicates wins
        existing = self._existing(list(unique))
        counts, changed = WriteCounts(), []
        for key, row in unique.items():
            stored = existing.get(key)
            if stored is None:
                counts.inserted += 1
                changed.append(row)
            elif any(stored[name] != value for name, value in row.items()):
                counts.updated += 1
                changed.append(row)
            else:
                counts.unchanged += 1
        counts.unchanged += len(rows) - len(unique)
        if changed:
            self.connection.execute(self._upsert(changed[0].keys()), changed)
        return counts, changed

    def _key(self, row: Row) -> tuple[Any, ...]:
        return tuple(row[name] for name in self.keys)

    def _existing(self, keys: list[tuple[Any, ...]]) -> dict[tuple[Any, ...], Row]:
        if len(self._key_columns) == 1:
            condition = self._key_columns[0].in_([key[0] for key in keys])
        else:
            condition = tuple_(*self._key_columns).in_(keys)
        result = self.connection.execute(select(self.table).where(condition))
        return {self._key(row): row for row in (dict(r._mapping) for r in result)}

    def _upsert(self, columns: Iterable[str]) -> Any:
        dialect = self.connection.dialect.name
        insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
        statement = insert(self.table)
        updates = {name: statement.excluded[name] for name in columns if name not in self.keys}
        return statement.on_conflict_do_update(index_elements=self.keys, set_=updates)


def content_hash(text: str) -> str:
    """The text module's cache key when it has one (whitespace-normalised), else SHA-256."""
    import account_health.text as text_analysis  # heavy (models): only when texts arrive

    own = getattr(text_analysis, "content_hash", None)
    return own(text) if own is not None else hashlib.sha256(text.encode()).hexdigest()


@dataclass(frozen=True, slots=True)
class _Analysed:
    analysis: CommentAnalysis
    embedding: bytes | None
    analyzer: str


def analyse_texts(texts: list[str]) -> list[_Analysed]:
    """`text.analyze_texts` (analysis + embedding + analyzer name), or `analyze_comments`."""
    import account_health.text as text_analysis

    full = getattr(text_analysis, "analyze_texts", None)
    if full is not None:
        return [_Analysed(r.analysis, r.embedding, r.analyzer) for r in full(texts)]
    return [_Analysed(a, None, "analyze_comments") for a in text_analysis.analyze_comments(texts)]


def feedback_texts(row: Row) -> list[str]:
    """The texts of a response in the domain's order: the comment, then each concern."""
    head = [row["comment"]] if row.get("comment") else []
    return head + [concern for concern in row.get("concerns") or [] if concern]


class CommentAnalyser:
    """Stores `text.analyze_comments` results for new or changed texts of written feedback.

    A text whose hash is already stored at its position is not analysed again; the same
    text seen twice in one import is analysed once (a bounded in-memory cache).
    """

    CACHE_LIMIT = 50_000

    def __init__(self, connection: Connection) -> None:
        self.connection = connection
        self.table = CommentAnalysisRow.__table__
        self.analysed = 0
        self._cache: dict[str, _Analysed] = {}

    def update(self, feedback_rows: Sequence[Row]) -> dict[str, list[CommentAnalysis]]:
        """Analyse and store the texts of these feedback rows; returns the analysis per id."""
        if not feedback_rows:
            return {}
        ids = [row["id"] for row in feedback_rows]
        stored = self._stored(ids)
        wanted: dict[tuple[str, int], tuple[str, str]] = {}
        for row in feedback_rows:
            for position, text in enumerate(feedback_texts(row)):
                wanted[(row["id"], position)] = (text, content_hash(text))
        self._delete_stale(stored, wanted)
        fresh = {key: value for key, value in wanted.items() if key not in stored
                 or stored[key][0] != value[1]}
        results = self._analyse({digest: text for text, digest in fresh.values()})
        if fresh:
            self.connection.execute(
                self._upsert(),
                [self._row(fid, position, digest, results[digest])
                 for (fid, position), (_text, digest) in fresh.items()],
            )
        by_feedback: dict[str, list[CommentAnalysis]] = {fid: [] for fid in ids}
        for (fid, position), (_text, digest) in sorted(wanted.items()):
            fresh_result = results.get(digest)
            by_feedback[fid].append(fresh_result.analysis if fresh_result is not None
                                    else stored[(fid, position)][1])
        return by_feedback

    def _stored(self, ids: list[str]) -> dict[tuple[str, int], tuple[str, CommentAnalysis]]:
        t = self.table.c
        result = self.connection.execute(
            select(t.feedback_id, t.position, t.content_hash, t.sentiment, t.signals,
                   t.competitors, t.topic).where(t.feedback_id.in_(ids))
        )
        return {(r.feedback_id, r.position): (r.content_hash, analysis_from_row(r)) for r in result}

    def _delete_stale(self, stored: dict[tuple[str, int], Any],
                      wanted: dict[tuple[str, int], Any]) -> None:
        """Forget analyses of texts that a response no longer has (fewer concerns now)."""
        stale = [key for key in stored if key not in wanted]
        if stale:
            t = self.table.c
            self.connection.execute(
                delete(self.table).where(tuple_(t.feedback_id, t.position).in_(stale))
            )

    def _analyse(self, texts_by_hash: dict[str, str]) -> dict[str, _Analysed]:
        results = {digest: self._cache[digest] for digest in texts_by_hash if digest in self._cache}
        missing = [digest for digest in texts_by_hash if digest not in results]
        if missing:
            analyses = analyse_texts([texts_by_hash[d] for d in missing])
            self.analysed += len(missing)
            if len(self._cache) > self.CACHE_LIMIT:
                self._cache.clear()
            for digest, analysis in zip(missing, analyses, strict=True):
                results[digest] = self._cache[digest] = analysis
        return results

    def _row(self, feedback_id: str, position: int, digest: str, result: _Analysed) -> Row:
        analysis = result.analysis
        return {
            "feedback_id": feedback_id,
            "position": position,
            "content_hash": digest,
            "sentiment": float(analysis.sentiment),
            "signals": sorted(analysis.signals),
            "competitors": sorted(analysis.competitors),
            "topic": analysis.topic,
            "embedding": result.embedding,
            "analyzer": result.analyzer,
        }

    def _upsert(self) -> Any:
        dialect = self.connection.dialect.name
        insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
        statement = insert(self.table)
        columns = ("content_hash", "sentiment", "signals", "competitors", "topic", "embedding",
                   "analyzer")
        return statement.on_conflict_do_update(
            index_elements=["feedback_id", "position"],
            set_={name: statement.excluded[name] for name in columns},
        )


def analysis_from_row(row: Any) -> CommentAnalysis:
    return CommentAnalysis(
        sentiment=row.sentiment,
        signals=frozenset(row.signals or ()),
        competitors=frozenset(row.competitors or ()),
        topic=row.topic,
    )
