"""With OPENAI_API_KEY set, the product's own paths use the LLM: the import's text
signals, the engine run's theme labels, and the EBR agenda's summary."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from pathlib import Path

import pytest
from sqlalchemy import select
from tests.fakes.fake_openai import FakeOpenAI, running_fake_openai

from account_health.config import get_settings
from account_health.services.reports import ebr_agenda, prepare_texts
from account_health.storage.db import Database
from account_health.storage.importer import import_directory
from account_health.storage.tables import CommentAnalysisRow, LlmCacheRow


@pytest.fixture
def llm_configured(monkeypatch: pytest.MonkeyPatch) -> Iterator[FakeOpenAI]:
    with running_fake_openai() as fake:
        monkeypatch.setenv("OPENAI_API_KEY", "sk-test")
        monkeypatch.setenv("OPENAI_BASE_URL", fake.base_url)
        monkeypatch.setenv("OPENAI_MODEL", "fake-model")
        get_settings.cache_clear()
        yield fake
    get_settings.cache_clear()


def test_import_run_and_agenda_use_the_configured_llm(
        llm_configured: FakeOpenAI, sqlite_db: Database, fixtures_dir: Path) -> None:
    import_directory(sqlite_db, fixtures_dir / "import_good", progress=False)
    with sqlite_db.session() as session:
        analyzers = set(session.scalars(select(CommentAnalysisRow.analyzer)))
        cached = set(session.scalars(select(LlmCacheRow.task)))
    assert analyzers and all(a.startswith("llm:fake-model/") for a in analyzers)
    assert "text_signals" in cached  # answers are kept: a text is never sent twice
    sent = len(llm_configured.requests)

    import_directory(sqlite_db, fixtures_dir / "import_good", progress=False)
    assert len(llm_configured.requests) == sent  # re-import: nothing new to classify

    prepare_texts(sqlite_db)  # the engine run's theme rebuild may name themes with it
    with sqlite_db.session() as session:
        agenda = ebr_agenda(session, "acme", date(2026, 4, 1))
    assert agenda.startswith("Summary (drafted by fake-model): ")
    assert "EBR Agenda" in agenda
