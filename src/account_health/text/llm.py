"""The optional LLM provider: theme labels, text signals and EBR summaries.

Used only when OPENAI_API_KEY is set (OPENAI_BASE_URL and OPENAI_MODEL optional, so any
OpenAI-compatible server works). Every answer is JSON validated by a pydantic model. Calls
have their own timeout (the client's default read timeout is 600 s), a few retries (the
client retries 408/409/429/5xx) and a per-run budget; answers are cached by content hash
so a text is never sent twice. Any failure returns None with a logged warning, and the
caller keeps the offline analysis: the LLM can improve a run, never fail it. Emails and
phone numbers are redacted before text leaves the machine unless told otherwise.
"""

from __future__ import annotations

import hashlib
import json
import logging
import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Literal, Protocol, TypeVar

import openai
from pydantic import BaseModel, Field, ValidationError

from account_health.config import Settings
from account_health.domain.phrases import (
    COMPETITOR_MENTION,
    CROSS_DEPARTMENT,
    EVALUATING_ALTERNATIVES,
    FRUSTRATION,
    FUTURE_LANGUAGE,
    NEED_MORE_SEATS,
)

log = logging.getLogger(__name__)

DEFAULT_MODEL = "gpt-4o-mini"
LLM_SIGNALS = (
    EVALUATING_ALTERNATIVES, COMPETITOR_MENTION, FUTURE_LANGUAGE, FRUSTRATION,
    NEED_MORE_SEATS, CROSS_DEPARTMENT,
)

_SIGNALS_PROMPT = (
    'Classify a B2B customer comment. Answer JSON {"signals": [...], "competitors": [...]} '
    f"where signals are any of {', '.join(LLM_SIGNALS)} and competitors are the vendor names "
    "it mentions as alternatives."
)
_EMAIL = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+")
_PHONE = re.compile(r"(?<![\w])\+?\d[\d\s().-]{6,}\d(?![\w])")


def redact(text: str) -> str:
    """Replace emails and phone numbers with placeholders."""
    return _PHONE.sub(_phone_or_not, _EMAIL.sub("[email]", text))


def _phone_or_not(match: re.Match[str]) -> str:
    # Phone numbers have at least 9 digits; dates (8) and amounts keep their text.
    return "[phone]" if sum(c.isdigit() for c in match.group()) >= 9 else match.group()


class ThemeLabel(BaseModel):
    label: str = Field(min_length=1, max_length=40)


class TextSignals(BaseModel):
    signals: list[Literal[
        "evaluating_alternatives", "competitor_mention", "future_language", "frustration",
        "need_more_seats", "cross_department",
    ]] = Field(default_factory=list)
    competitors: list[str] = Field(default_factory=list)


class EbrSummary(BaseModel):
    summary: str = Field(min_length=1, max_length=4000)


class LlmCache(Protocol):
    def get(self, key: str, task: str) -> Any | None: ...
    def put(self, key: str, task: str, model: str, result: Any) -> None: ...


class MemoryCache:
    """A dict as the cache (tests, one-off runs); storage uses text/store.DatabaseLlmCache."""

    def __init__(self) -> None:
        self.entries: dict[tuple[str, str], Any] = {}

    def get(self, key: str, task: str) -> Any | None:
        return self.entries.get((key, task))

    def put(self, key: str, task: str, model: str, result: Any) -> None:
        self.entries[(key, task)] = result


@dataclass(frozen=True, slots=True)
class LlmOptions:
    api_key: str
    base_url: str | None = None
    model: str = DEFAULT_MODEL
    timeout_seconds: float = 20.0
    max_retries: int = 2
    max_calls: int = 200  # per provider instance, i.e. per run
    redact_pii: bool = True

    @classmethod
    def from_settings(cls, settings: Settings) -> LlmOptions | None:
        """None when no OPENAI_API_KEY is set: the offline analysis runs alone."""
        if not settings.openai_api_key:
            return None
        return cls(
            api_key=settings.openai_api_key,
            base_url=settings.openai_base_url,
            model=settings.openai_model or DEFAULT_MODEL,
            redact_pii=bool(getattr(settings, "openai_redact_pii", True)),
        )


Answer = TypeVar("Answer", bound=BaseModel)


class LlmProvider:
    """One run's access to the LLM: budgeted, cached, and never raising."""

    def __init__(self, options: LlmOptions, cache: LlmCache | None = None) -> None:
        self.options = options
        self.cache: LlmCache = cache if cache is not None else MemoryCache()
        self.calls = 0
        self._client = openai.OpenAI(
            api_key=options.api_key, base_url=options.base_url,
            timeout=options.timeout_seconds, max_retries=options.max_retries,
        )

    def label_theme(self, examples: Sequence[str]) -> str | None:
        """A 1-3 word label for comments that belong together, or None."""
        answer = self._ask(
            "theme_label", ThemeLabel,
            "You name customer-feedback themes. Answer JSON {\"label\": str}: a short human label "
            "of 1-3 words, like Onboarding, Mobile experience, Reporting, Pricing.",
            "\n".join(f"- {text}" for text in examples[:20]),
        )
        return answer.label.strip() if answer else None

    def classify_signals(self, text: str) -> TextSignals | None:
        """The text signals in one comment, or None (keep the offline ones)."""
        return self._ask(
            "text_signals", TextSignals,
            _SIGNALS_PROMPT,
            text,
        )

    def draft_ebr_summary(self, facts: str) -> str | None:
        """A short executive-business-review summary of an account's facts, or None."""
        answer = self._ask(
            "ebr_summary", EbrSummary,
            "You draft executive business review summaries for a customer-success manager. "
            "Answer JSON {\"summary\": str}, at most 120 words, from the facts given only.",
            facts,
        )
        return answer.summary if answer else None

    def _ask(self, task: str, schema: type[Answer], system: str, text: str) -> Answer | None:
        text = redact(text) if self.options.redact_pii else text
        key = hashlib.sha256(f"{self.options.model}\n{system}\n{text}".encode()).hexdigest()
        cached = self.cache.get(key, task)
        if cached is not None:
            return _validated(schema, cached, task)
        if self.calls >= self.options.max_calls:
            log.warning(
                "LLM budget of %d calls used up; %s stays offline", self.options.max_calls, task
            )
            return None
        self.calls += 1
        try:
            response = self._client.chat.completions.create(
                model=self.options.model,
                messages=[{"role": "system", "content": system}, {"role": "user", "content": text}],
                response_format={"type": "json_object"},
                temperature=0,
            )
            payload = json.loads(response.choices[0].message.content or "")
        except (openai.OpenAIError, json.JSONDecodeError, IndexError, AttributeError) as error:
            log.warning("LLM %s failed (%s); using the offline analysis", task, _describe(error))
            return None
        answer = _validated(schema, payload, task)
        if answer is not None:
            self.cache.put(key, task, self.options.model, answer.model_dump(mode="json"))
        return answer


def _validated(schema: type[Answer], payload: Any, task: str) -> Answer | None:
    try:
        return schema.model_validate(payload)
    except ValidationError as error:
        log.warning(
            "LLM %s answer does not match its schema (%s); using the offline analysis",
            task, error.errors()[0]["msg"],
        )
        return None


def _describe(error: Exception) -> str:
    if isinstance(error, openai.APIStatusError):
        return f"HTTP {error.status_code}"
    if isinstance(error, openai.APITimeoutError):
        return "timed out"
    return type(error).__name__
