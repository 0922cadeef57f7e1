"""Settings of the proactive side: schedules, routing, pulse checks, alerts, the digest.

Environment variables (a `.env` file is read too), all optional, extending CONTRACT
section 3 compatibly. Schedules are crontab lines in TZ_DEFAULT.

ROUTING_CS_MANAGER / ROUTING_CS_DIRECTOR / ROUTING_SALES  Slack user ids (U…/W…) or user
    groups (S…), comma-separated: who an escalation or a cc goes to
DIGEST_CHANNEL                  channel id for the weekly digest
SCHEDULE_ENGINE_RUN "0 2 * * *"   SCHEDULE_DIGEST "0 9 * * mon"   SCHEDULE_PULSE "0 * * * *"
SCHEDULE_EBR "0 8 * * *"          SCHEDULE_ESCALATION "*/15 * * * *"
DELIVERY_INTERVAL_SECONDS 60    how often the outbox is retried
SCHEDULER_MISFIRE_GRACE_SECONDS 43200   a run missed while down still happens at start
PULSE_EVERY_WEEKS 6   PULSE_ROLES "champion,executive_sponsor"   PULSE_REMINDER_DAYS 3
PULSE_HOUR_START 10   PULSE_HOUR_END 12   (local working hours, Monday to Friday)
ALERT_ESCALATE_AFTER_HOURS 48   ALERT_SNOOZE_DAYS 7   EBR_DAYS_BEFORE_RENEWAL 30
"""

from __future__ import annotations

import re
from typing import Annotated

from apscheduler.triggers.cron import CronTrigger
from pydantic import Field, field_validator, model_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

from account_health.config import load_validated
from account_health.domain.models import Role

_SLACK_TARGET = re.compile(r"^[UWS][A-Z0-9]{2,}$")
ROLES = ("csm", "cs_manager", "cs_director", "sales")
Targets = Annotated[tuple[str, ...], NoDecode]  # "U1,U2" in the environment, not JSON


class JobSettings(BaseSettings):
    model_config = SettingsConfigDict(env_file=".env", extra="ignore", populate_by_name=True)

    routing_cs_manager: Targets = Field(default=(), alias="ROUTING_CS_MANAGER")
    routing_cs_director: Targets = Field(default=(), alias="ROUTING_CS_DIRECTOR")
    routing_sales: Targets = Field(default=(), alias="ROUTING_SALES")
    digest_channel: str | None = Field(default=None, alias="DIGEST_CHANNEL")

    schedule_engine_run: str = Field(default="0 2 * * *", alias="SCHEDULE_ENGINE_RUN")
    schedule_digest: str = Field(default="0 9 * * mon", alias="SCHEDULE_DIGEST")
    schedule_pulse: str = Field(default="0 * * * *", alias="SCHEDULE_PULSE")
    schedule_ebr: str = Field(default="0 8 * * *", alias="SCHEDULE_EBR")
    schedule_escalation: str = Field(default="*/15 * * * *", alias="SCHEDULE_ESCALATION")
    delivery_interval_seconds: int = Field(default=60, ge=5, alias="DELIVERY_INTERVAL_SECONDS")
    misfire_grace_seconds: int = Field(
        default=12 * 3600, ge=1, alias="SCHEDULER_MISFIRE_GRACE_SECONDS"
    )

    pulse_every_weeks: int = Field(default=6, ge=1, alias="PULSE_EVERY_WEEKS")
    pulse_roles: Annotated[tuple[Role, ...], NoDecode] = Field(
        default=(Role.CHAMPION, Role.EXECUTIVE_SPONSOR), alias="PULSE_ROLES"
    )
    pulse_reminder_days: int = Field(default=3, ge=1, alias="PULSE_REMINDER_DAYS")
    pulse_hour_start: int = Field(default=10, ge=0, le=23, alias="PULSE_HOUR_START")
    pulse_hour_end: int = Field(default=12, ge=1, le=24, alias="PULSE_HOUR_END")

    alert_escalate_after_hours: float = Field(default=48, gt=0, alias="ALERT_ESCALATE_AFTER_HOURS")
    alert_snooze_days: int = Field(default=7, ge=1, alias="ALERT_SNOOZE_DAYS")
    ebr_days_before_renewal: int = Field(default=30, ge=1, alias="EBR_DAYS_BEFORE_RENEWAL")

    @field_validator("routing_cs_manager", "routing_cs_director", "routing_sales", "pulse_roles",
                     mode="before")
    @classmethod
    def _comma_list(cls, value: object) -> object:
        if isinstance(value, str):
            return tuple(part.strip() for part in value.split(",") if part.strip())
        return value

    @field_validator("routing_cs_manager", "routing_cs_director", "routing_sales")
    @classmethod
    def _slack_targets(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        for target in value:
            if not _SLACK_TARGET.match(target):
                raise ValueError(
                    f"{target!r} is not a Slack user id (U…) or user group id (S…)"
                )
        return value

    @field_validator("digest_channel", mode="before")
    @classmethod
    def _blank_is_unset(cls, value: object) -> object:
        return None if isinstance(value, str) and not value.strip() else value

    @field_validator("schedule_engine_run", "schedule_digest", "schedule_pulse", "schedule_ebr",
                     "schedule_escalation")
    @classmethod
    def _crontab(cls, value: str) -> str:
        try:
            CronTrigger.from_crontab(value)
        except ValueError as error:
            raise ValueError(
                f"{value!r} is not a crontab line ({error}); expected e.g. '0 9 * * mon'"
            ) from None
        return value

    @model_validator(mode="after")
    def _working_hours(self) -> JobSettings:
        if self.pulse_hour_end <= self.pulse_hour_start:
            raise ValueError("PULSE_HOUR_END must be after PULSE_HOUR_START")
        return self

    def targets(self, role: str) -> tuple[str, ...]:
        """The Slack users or groups configured for a routing role (the CSM is per account)."""
        return {
            "cs_manager": self.routing_cs_manager,
            "cs_director": self.routing_cs_director,
            "sales": self.routing_sales,
        }.get(role, ())


def load_job_settings(**overrides: object) -> JobSettings:
    """The job settings, the first problem as one clear line (like `config.load_settings`)."""
    return load_validated(JobSettings, **overrides)
