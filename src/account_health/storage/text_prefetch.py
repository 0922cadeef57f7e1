"""Text analysis in a background process while an import goes on loading rows.

An import spends most of its time in two CPU-bound phases: loading rows (one core) and
embedding every new comment (the MiniLM encoder). On a machine with a second core the
encoder need not wait for the load to finish: each batch of responses, once written, has its
new texts sent to one worker process, and the import's text-analysis phase collects the
results instead of computing them. Nothing is written by the worker; what is stored, and
when (inside the import's transaction), is unchanged. If the worker cannot start or dies,
its texts are analysed in the import's own process, as without it.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Mapping
from concurrent.futures import Future, ProcessPoolExecutor
from typing import TYPE_CHECKING, Any

from account_health.processes import spawn_pool

if TYPE_CHECKING:
    from account_health.storage.bulk import _Analysed

log = logging.getLogger(__name__)


class TextPrefetcher:
    """Sends texts, a chunk at a time, to one worker process; hands back their analyses."""

    def __init__(self, catalogue: Any) -> None:
        self._catalogue = catalogue  # the theme catalogue new comments are assigned to
        self._pool: ProcessPoolExecutor | None = None
        self._chunk_of: dict[str, int] = {}  # digest -> its chunk
        self._chunks: dict[int, _Chunk] = {}
        self._submitted = 0

    def submit(self, texts_by_hash: Mapping[str, str]) -> None:
        """Start analysing these texts (keyed by content hash) in the worker."""
        fresh = {digest: text for digest, text in texts_by_hash.items()
                 if digest not in self._chunk_of}
        if not fresh:
            return
        try:
            future = self._worker().submit(_analyse_chunk, list(fresh.values()))
        except Exception as error:  # no worker here: the texts are analysed in process later
            log.warning("text analysis stays in the import's process: %s", error)
            return
        self._submitted += 1
        key = self._submitted
        self._chunks[key] = _Chunk(future, list(fresh))
        self._chunk_of.update(dict.fromkeys(fresh, key))

    def stop_waiting(self) -> None:
        """Drop the chunks the worker has not started: the caller analyses those itself
        (with every core, now that the load is over) rather than queue behind them."""
        for key, chunk in list(self._chunks.items()):
            if chunk.future.cancel():
                for digest in chunk.digests:
                    self._chunk_of.pop(digest, None)
                del self._chunks[key]

    def take(self, digests: Iterable[str]) -> dict[str, _Analysed]:
        """The worker's analyses of those of `digests` it was given (waiting for them)."""
        found: dict[str, _Analysed] = {}
        for digest in digests:
            key = self._chunk_of.pop(digest, None)
            if key is None:
                continue
            chunk = self._chunks[key]
            results = chunk.results()
            if results is not None:
                found[digest] = results[digest]
            chunk.left -= 1
            if chunk.left == 0:
                del self._chunks[key]  # every result handed over: free its memory
        return found

    def close(self) -> None:
        if self._pool is not None:
            self._pool.shutdown(wait=True, cancel_futures=True)
            self._pool = None
        self._chunk_of.clear()
        self._chunks.clear()

    def _worker(self) -> ProcessPoolExecutor:
        if self._pool is None:
            self._pool = spawn_pool(1, _start_worker, (self._catalogue,))
        return self._pool


class _Chunk:
    """One submission: its texts' digests, and their results once the worker is done."""

    def __init__(self, future: Future[list[_Analysed]], digests: list[str]) -> None:
        self.future = future
        self.digests = digests
        self.left = len(digests)  # results not handed over yet
        self._results: dict[str, _Analysed] | None = None
        self._failed = False

    def results(self) -> dict[str, _Analysed] | None:
        """The results by digest (waiting for the worker), None if it failed."""
        if self._results is None and not self._failed:
            try:
                self._results = dict(zip(self.digests, self.future.result(), strict=True))
            except Exception as error:  # the worker died: analysed in process instead
                log.warning("background text analysis failed, redone in process: %s", error)
                self._failed = True
        return self._results


def _start_worker(catalogue: Any) -> None:
    from threadpoolctl import threadpool_limits

    from account_health.text import use_theme_catalogue

    use_theme_catalogue(catalogue)
    threadpool_limits(1)  # one core here; the import's load keeps the other busy


def _analyse_chunk(texts: list[str]) -> list[_Analysed]:
    from account_health.storage.bulk import analyse_texts

    return analyse_texts(texts)
