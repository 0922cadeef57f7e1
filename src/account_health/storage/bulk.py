"""Batched writes: upsert many rows at once, and analyse the comments that changed.

Used by the import (a million rows) and by `repository.save_feedback` (one row), so
both store exactly the same thing. Rows whose stored values are already equal are
not written at all: re-importing the same files changes nothing and costs little.
"""

from __future__ import annotations

import hashlib
import time
from collections.abc import Collection, Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any

from sqlalchemy import Connection, String, Table, cast, column, delete, select, table, tuple_
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from account_health.domain.models import CommentAnalysis
from account_health.storage.tables import CommentAnalysisRow, FeedbackRow, utcnow

if TYPE_CHECKING:
    from account_health.storage.text_prefetch import TextPrefetcher
    from account_health.text.llm import LlmProvider

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
        existing = self._existing(list(unique), unique.values())
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
        if changed and self._can_copy(changed):
            self._copy_upsert(changed)
        elif changed:
            execute_many(self.connection, self._upsert(changed[0].keys()), changed)
        return counts, changed

    def _can_copy(self, rows: Sequence[Row]) -> bool:
        """PostgreSQL, a large batch, and no column default left for SQLAlchemy to fill."""
        if self.connection.dialect.name != "postgresql" or len(rows) < COPY_MIN_ROWS:
            return False
        names = rows[0].keys()
        return not any(column.default is not None and column.name not in names
                       for column in self.table.c)

    def _copy_upsert(self, rows: Sequence[Row]) -> None:
        """COPY the batch into a temporary staging table, then one INSERT ... SELECT ... ON
        CONFLICT: the same upsert as `_upsert`, with PostgreSQL's fastest way in. The values
        go through the same bind processors (UTC datetimes, JSON text) as executemany's."""
        names = list(rows[0].keys())
        dialect = self.connection.dialect
        processors = [self.table.c[name].type._cached_bind_processor(dialect) for name in names]
        staging = f"ah_staging_{self.table.name}_{len(names)}"
        quoted = ", ".join(f'"{name}"' for name in names)
        self.connection.exec_driver_sql(
            f'CREATE TEMP TABLE IF NOT EXISTS "{staging}" ON COMMIT DROP AS '
            f'SELECT {quoted} FROM "{self.table.name}" WITH NO DATA')
        dbapi = self.connection.connection.dbapi_connection
        assert dbapi is not None
        with dbapi.cursor() as cursor, \
                cursor.copy(f'COPY "{staging}" ({quoted}) FROM STDIN') as copy:
            for row in rows:
                copy.write_row([convert(row[name]) if convert is not None else row[name]
                                for name, convert in zip(names, processors, strict=True)])
        source = table(staging, *(column(name) for name in names))
        statement = postgresql.insert(self.table).from_select(names, select(*source.c))
        updates = {name: statement.excluded[name] for name in names if name not in self.keys}
        self.connection.execute(
            statement.on_conflict_do_update(index_elements=self.keys, set_=updates) if updates
            else statement.on_conflict_do_nothing(index_elements=self.keys))
        self.connection.exec_driver_sql(f'TRUNCATE "{staging}"')

    def _key(self, row: Row) -> tuple[Any, ...]:
        return tuple(row[name] for name in self.keys)

    def _existing(self, keys: list[tuple[Any, ...]], rows: Iterable[Row]
                  ) -> dict[tuple[Any, ...], Row]:
        """The stored rows with these keys. Rows of a table with an account column are found
        by their (few) accounts when the batch has few: one cheap IN instead of thousands of
        composite keys (exports come grouped by account)."""
        if not keys:
            return {}
        condition: Any
        accounts = ({row["account_id"] for row in rows}
                    if "account_id" in self.table.c and self.keys != ["account_id"] else None)
        if accounts is not None and None not in accounts \
                and len(accounts) <= ACCOUNTS_PER_LOOKUP:
            condition = self.table.c.account_id.in_(sorted(accounts))
        elif len(self._key_columns) == 1:
            condition = self._key_columns[0].in_([key[0] for key in keys])
        else:
            condition = tuple_(*self._key_columns).in_(keys)
        wanted = set(keys)
        result = self.connection.execute(select(self.table).where(condition))
        found = {self._key(row): row for row in (dict(r._mapping) for r in result)}
        return {key: row for key, row in found.items() if key in wanted}

    def _upsert(self, columns: Iterable[str]) -> Any:
        dialect = self.connection.dialect.name
        insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
        statement = insert(self.table)
        updates = {name: statement.excluded[name] for name in columns if name not in self.keys}
        if not updates:
            return statement.on_conflict_do_nothing(index_elements=self.keys)
        return statement.on_conflict_do_update(index_elements=self.keys, set_=updates)


HASHES_PER_LOOKUP = 500  # content hashes per IN (well under SQLite's parameter limit)
ACCOUNTS_PER_LOOKUP = 20  # above this many accounts in a batch, look rows up by their keys
COPY_MIN_ROWS = 500  # PostgreSQL: batches at least this large are written through COPY


def execute_many(connection: Connection, statement: Any, rows: Sequence[Row],
                 serialized: Collection[str] = ()) -> None:
    """`connection.execute(statement, rows)` without SQLAlchemy's per-row parameter work.

    The statement is compiled once with named parameters; each column's bind processor (the
    same one SQLAlchemy would apply: dates, UTC datetimes, JSON) is applied in one pass and
    the rows go to the driver's executemany. Same SQL, same stored values, several times
    less Python per row (the import writes millions). Columns named in `serialized` hold
    JSON text already (e.g. pydantic's `model_dump_json`): passed on as they are.
    """
    if not rows:
        return
    names = list(rows[0].keys())
    dialect = connection.dialect
    compiled = statement.compile(dialect=_named_dialect(dialect), column_keys=names)
    if any(bind.key not in rows[0] for bind in compiled.binds.values()):
        connection.execute(statement, list(rows))  # a column default to compute: the usual way
        return
    processors = [(name, bind.key, None if bind.key in serialized
                   else bind.type._cached_bind_processor(dialect))
                  for name, bind in compiled.binds.items()]
    params = [{name: convert(row[key]) if convert is not None else row[key]
               for name, key, convert in processors} for row in rows]
    connection.exec_driver_sql(str(compiled), params)  # type: ignore[arg-type]


_NAMED: dict[str, Any] = {}


def _named_dialect(dialect: Any) -> Any:
    """The dialect with a named paramstyle (sqlite3 and psycopg both accept mappings)."""
    if dialect.paramstyle in ("named", "pyformat"):
        return dialect
    named = _NAMED.get(dialect.name)
    if named is None:
        named = _NAMED[dialect.name] = type(dialect)(paramstyle="named")
    return named


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


def analyse_texts(texts: list[str], llm: LlmProvider | None = None) -> list[_Analysed]:
    """`text.analyze_texts`: the analysis, the embedding and the analyzer's name."""
    from account_health.text import analyze_texts

    return [_Analysed(r.analysis, r.embedding, r.analyzer) for r in analyze_texts(texts, llm=llm)]


def feedback_texts(row: Row) -> list[str]:
    """The texts of a response in the domain's order: the comment, then each concern."""
    head = [row["comment"]] if row.get("comment") else []
    return head + [concern for concern in row.get("concerns") or [] if concern]


def text_at(comment: str | None, concerns: Sequence[str] | None, position: int) -> str:
    """The text a comment_analysis row at `position` was computed from."""
    texts = feedback_texts({"comment": comment, "concerns": concerns})
    return texts[position] if 0 <= position < len(texts) else (comment or "")


class CommentAnalyser:
    """Stores `text.analyze_texts` results for new or changed texts of written feedback.

    A text whose hash is already stored at its position is not analysed again; each distinct
    text is analysed once: the same text seen again in this import comes from a bounded
    in-memory cache, and a text already analysed for another response is copied from the
    stored analysis of that hash.
    """

    CACHE_LIMIT = 100_000
    PREFETCH_CHUNK = 2_000  # new texts per submission to the background worker

    def __init__(self, connection: Connection) -> None:
        from account_health.text.store import configured_llm

        self.connection = connection
        # With OPENAI_API_KEY set the LLM classifies text signals too (budgeted, cached in
        # llm_cache inside this transaction); any failure keeps the offline analysis.
        self.llm = configured_llm(Session(bind=connection))
        self.table = CommentAnalysisRow.__table__
        self.analysed = 0  # distinct texts analysed now
        self.reused = 0  # distinct texts whose stored analysis was copied
        self.in_background = 0  # of `analysed`: by the background worker during the load
        self.background_since: float | None = None  # perf_counter() of the first submission
        self.texts = 0  # texts (comments and concerns) stored
        self._cache: dict[str, _Analysed] = {}
        self._prefetcher: TextPrefetcher | None = None
        self._queued: dict[str, str] = {}  # texts waiting to go to the prefetcher

    def start_prefetching(self) -> None:
        """Analyse the texts given to `prefetch` in a background process from now on (an
        import, when a second core is free for it), using the active theme catalogue. Not
        with an LLM: its answers are cached inside the caller's transaction."""
        from account_health.processes import available_cores
        from account_health.storage.text_prefetch import TextPrefetcher
        from account_health.text import active_theme_catalogue

        if self.llm is None and available_cores() > 1:
            self._prefetcher = TextPrefetcher(active_theme_catalogue())

    def prefetch(self, feedback_rows: Iterable[Row]) -> None:
        """Queue these responses' texts for the background worker, a chunk at a time."""
        if self._prefetcher is None:
            return
        for row in feedback_rows:
            for text in feedback_texts(row):
                digest = content_hash(text)
                if digest not in self._cache:
                    self._queued[digest] = text
        if len(self._queued) >= self.PREFETCH_CHUNK:
            queued, self._queued = self._queued, {}
            stored = self._stored_hashes(list(queued))
            self._prefetcher.submit({d: text for d, text in queued.items() if d not in stored})
            if self.background_since is None:
                self.background_since = time.perf_counter()

    def stop_prefetching(self) -> None:
        """The load is over: texts still queued, or in chunks the worker has not started,
        are analysed in this process when `update` meets them."""
        self._queued = {}
        if self._prefetcher is not None:
            self._prefetcher.stop_waiting()

    def close(self) -> None:
        if self._prefetcher is not None:
            self._prefetcher.close()
            self._prefetcher = None

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
            now = utcnow()
            execute_many(self.connection, self._upsert(),
                         [self._row(fid, position, digest, results[digest], now)
                          for (fid, position), (_text, digest) in fresh.items()])
            self.texts += len(fresh)
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
        known = self._stored_by_hash(missing)
        self.reused += len(known)
        new = [digest for digest in missing if digest not in known]
        if new and self._prefetcher is not None:
            ready = self._prefetcher.take(new)
            known.update(ready)
            self.analysed += len(ready)
            self.in_background += len(ready)
            new = [digest for digest in new if digest not in ready]
        if new:
            analysed = analyse_texts([texts_by_hash[d] for d in new], self.llm)
            known.update(zip(new, analysed, strict=True))
            self.analysed += len(new)
        if len(self._cache) + len(known) > self.CACHE_LIMIT:
            self._cache.clear()
        self._cache.update(known)
        results.update(known)
        return results

    def _stored_hashes(self, digests: list[str]) -> set[str]:
        """Which of these texts have an analysis stored already."""
        query = select(self.table.c.content_hash).distinct()
        return {row.content_hash for row in self._by_hash(query, digests)}

    def _stored_by_hash(self, digests: list[str]) -> dict[str, _Analysed]:
        """Analyses already stored for these texts (for other responses): copied, not redone."""
        t = self.table.c
        found: dict[str, _Analysed] = {}
        query = select(t.content_hash, t.sentiment, t.signals, t.competitors, t.topic,
                       t.embedding, t.analyzer)
        for row in self._by_hash(query, digests):
            found.setdefault(row.content_hash,
                             _Analysed(analysis_from_row(row), row.embedding, row.analyzer))
        return found

    def _by_hash(self, query: Any, digests: list[str]) -> Iterator[Any]:
        """`query`'s rows for these texts, a few hundred hashes at a time."""
        for start in range(0, len(digests), HASHES_PER_LOOKUP):
            yield from self.connection.execute(query.where(
                self.table.c.content_hash.in_(digests[start:start + HASHES_PER_LOOKUP])))

    def _row(self, feedback_id: str, position: int, digest: str, result: _Analysed,
             now: datetime) -> Row:
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
            "analyzed_at": now,
        }

    def _upsert(self) -> Any:
        dialect = self.connection.dialect.name
        insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
        statement = insert(self.table)
        columns = ("content_hash", "sentiment", "signals", "competitors", "topic", "embedding",
                   "analyzer", "analyzed_at")
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


ANALYSIS_BATCH = 2000  # responses whose texts are analysed together


def analyse_feedback(connection: Connection, feedback_ids: Sequence[str],
                     analyser: CommentAnalyser | None = None) -> CommentAnalyser:
    """Analyse (and store) the texts of these stored responses, a batch at a time."""
    analyser = analyser or CommentAnalyser(connection)
    f = FeedbackRow.__table__.c
    for start in range(0, len(feedback_ids), ANALYSIS_BATCH):
        chunk = feedback_ids[start:start + ANALYSIS_BATCH]
        rows = [dict(row._mapping) for row in connection.execute(
            select(f.id, f.comment, f.concerns).where(f.id.in_(chunk)))]
        analyser.update(rows)
    return analyser


def pending_feedback_ids(connection: Connection) -> list[str]:
    """Responses with a comment or concerns but no stored analysis of their first text."""
    f = FeedbackRow.__table__.c
    a = CommentAnalysisRow.__table__.c
    has_text = (f.comment.is_not(None) & (f.comment != "")) | (
        f.concerns.is_not(None) & cast(f.concerns, String).not_in(["[]", "null"]))
    query = (select(f.id).outerjoin(CommentAnalysisRow.__table__,
                                    (a.feedback_id == f.id) & (a.position == 0))
             .where(a.id.is_(None), has_text).order_by(f.id))
    return list(connection.scalars(query))
