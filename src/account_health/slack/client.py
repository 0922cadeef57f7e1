"""The one Slack Web API client the app, the scheduler and the outbox all use.

Slack's base URL comes from settings (tests point it at a local fake), and slack_sdk's
retry handlers cover refused or reset connections, 5xx answers and rate limits (429,
honouring Retry-After). Tests pass a zero interval and jitter so nothing sleeps.
"""

from __future__ import annotations

import random
import time
from collections.abc import Callable
from typing import Any

from slack_sdk import WebClient
from slack_sdk.http_retry.builtin_handlers import (
    ConnectionErrorRetryHandler,
    RateLimitErrorRetryHandler,
    ServerErrorRetryHandler,
)
from slack_sdk.http_retry.builtin_interval_calculators import BackoffRetryIntervalCalculator
from slack_sdk.http_retry.interval_calculator import RetryIntervalCalculator
from slack_sdk.http_retry.request import HttpRequest
from slack_sdk.http_retry.response import HttpResponse
from slack_sdk.http_retry.state import RetryState

from account_health.config import Settings

API_TIMEOUT_SECONDS = 10


class RetryAfterHandler(RateLimitErrorRetryHandler):
    """slack_sdk's rate-limit retry, honouring Retry-After, with the jitter it adds on top
    made a parameter (slack_sdk adds up to 1 s; tests use none)."""

    def __init__(self, max_retry_count: int = 5, jitter_seconds: float = 1.0,
                 sleep: Callable[[float], None] = time.sleep) -> None:
        super().__init__(max_retry_count=max_retry_count)
        self.jitter_seconds = jitter_seconds
        self.sleep = sleep

    def prepare_for_next_attempt(
        self, *, state: RetryState, request: HttpRequest,
        response: HttpResponse | None = None, error: Exception | None = None,
    ) -> None:  # fmt: skip
        if response is None:
            raise error  # type: ignore[misc]
        state.next_attempt_requested = True
        self.sleep(retry_after(response.headers) + random.random() * self.jitter_seconds)
        state.increment_current_attempt()


def retry_after(headers: Any) -> float:
    """Seconds from a Retry-After header (Slack sends whole seconds); 1 when absent."""
    for name, value in (headers or {}).items():
        if name.lower() == "retry-after":
            value = value[0] if isinstance(value, list | tuple) else value
            try:
                return max(0.0, float(value))
            except (TypeError, ValueError):
                return 1.0
    return 1.0


def build_client(
    settings: Settings,
    *,
    interval: RetryIntervalCalculator | None = None,
    rate_limit_jitter: float = 1.0,
    timeout: int = API_TIMEOUT_SECONDS,
) -> WebClient:
    """A WebClient on settings' Slack URL with slack_sdk's retries."""
    interval = interval or BackoffRetryIntervalCalculator(backoff_factor=0.5)
    return WebClient(
        token=settings.slack_bot_token,
        base_url=settings.slack_api_url,
        timeout=timeout,
        retry_handlers=[
            ConnectionErrorRetryHandler(max_retry_count=2, interval_calculator=interval),
            RetryAfterHandler(max_retry_count=5, jitter_seconds=rate_limit_jitter),
            ServerErrorRetryHandler(max_retry_count=2, interval_calculator=interval),
        ],
    )
