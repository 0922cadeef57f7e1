"""Settings from the environment (and a `.env` file), validated once at start.

The names are fixed by CONTRACT section 3. A bad value becomes one clear line
(`SettingsError`), never a traceback.
"""

from __future__ import annotations

import re
from functools import lru_cache
from typing import TypeVar
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import Field, ValidationError, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError

_BOT_TOKEN = re.compile(r"^xoxb-[A-Za-z0-9-]+$")
_APP_TOKEN = re.compile(r"^xapp-[A-Za-z0-9-]+$")


S = TypeVar("S", bound=BaseSettings)


class SettingsError(ValueError):
    """A setting is missing or malformed; the message is one line for the user."""


MAX_ENGINE_WORKERS = 64


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_file=".env", extra="ignore", populate_by_name=True)

    database_url: str = Field(default="sqlite:///account_health.db", alias="DATABASE_URL")
    slack_bot_token: str | None = Field(default=None, alias="SLACK_BOT_TOKEN")
    slack_signing_secret: str | None = Field(default=None, alias="SLACK_SIGNING_SECRET")
    slack_app_token: str | None = Field(default=None, alias="SLACK_APP_TOKEN")
    slack_api_url: str = Field(default="https://slack.com/api/", alias="SLACK_API_URL")
    openai_api_key: str | None = Field(default=None, alias="OPENAI_API_KEY")
    openai_base_url: str | None = Field(default=None, alias="OPENAI_BASE_URL")
    openai_model: str | None = Field(default=None, alias="OPENAI_MODEL")
    openai_redact_pii: bool = Field(default=True, alias="OPENAI_REDACT_PII")
    tz_default: str = Field(default="UTC", alias="TZ_DEFAULT")
    # processes that compute an engine run's reports; 0: one per CPU core
    engine_workers: int = Field(default=0, alias="ENGINE_WORKERS")

    @field_validator(
        "slack_bot_token", "slack_signing_secret", "slack_app_token", "openai_api_key",
        "openai_base_url", "openai_model", mode="before",
    )
    @classmethod
    def _blank_is_unset(cls, value: object) -> object:
        return None if isinstance(value, str) and not value.strip() else value

    @field_validator("database_url")
    @classmethod
    def _valid_database_url(cls, value: str) -> str:
        try:
            url = make_url(value)
        except ArgumentError:
            raise ValueError(
                f"{value!r} is not a database URL; expected e.g. sqlite:///account_health.db "
                "or postgresql+psycopg://user:pass@host/db"
            ) from None
        if url.get_backend_name() not in {"sqlite", "postgresql"}:
            backend = url.get_backend_name()
            raise ValueError(f"unsupported database {backend!r}; use sqlite or postgresql")
        return value

    @field_validator("slack_bot_token")
    @classmethod
    def _valid_bot_token(cls, value: str | None) -> str | None:
        if value is not None and not _BOT_TOKEN.match(value):
            raise ValueError("expected a bot token that starts with xoxb-")
        return value

    @field_validator("slack_app_token")
    @classmethod
    def _valid_app_token(cls, value: str | None) -> str | None:
        if value is not None and not _APP_TOKEN.match(value):
            raise ValueError("expected an app-level token that starts with xapp-")
        return value

    @field_validator("slack_api_url")
    @classmethod
    def _valid_api_url(cls, value: str) -> str:
        if not value.startswith(("http://", "https://")):
            raise ValueError("expected an http(s) URL such as https://slack.com/api/")
        return value if value.endswith("/") else value + "/"

    @field_validator("engine_workers", mode="before")
    @classmethod
    def _valid_workers(cls, value: object) -> object:
        text = str(value).strip()
        if not text.isdigit() or int(text) > MAX_ENGINE_WORKERS:
            raise ValueError(f"{value!r} is not a number of processes; expected 0 (one per "
                             f"CPU core) to {MAX_ENGINE_WORKERS}")
        return int(text)

    @field_validator("tz_default")
    @classmethod
    def _valid_time_zone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError):
            raise ValueError(
                f"unknown time zone {value!r}; expected an IANA name like Europe/Paris"
            ) from None
        return value


def load_settings(**overrides: object) -> Settings:
    """Read and validate the settings, turning the first problem into one clear line."""
    return load_validated(Settings, **overrides)


def load_validated(cls: type[S], **overrides: object) -> S:
    """Build any settings class; its first problem becomes `setting NAME: reason`."""
    try:
        return cls(**overrides)
    except ValidationError as error:
        first = error.errors()[0]
        field = str(first["loc"][0]) if first["loc"] else "settings"
        info = cls.model_fields.get(field)
        name = info.alias if info is not None and info.alias else field
        message = first["msg"].removeprefix("Value error, ")
        raise SettingsError(f"setting {name}: {message}") from None


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    return load_settings()
