"""What the engine produces: the report of one account as of a day.

These models are the JSON of `account-health report --json` (CONTRACT section 2):
every key the contract names exists here under that name; the extra keys explain
the figures. Slack rendering, snapshots and alerts all read this one shape.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

Tier = Literal["green", "yellow", "red"]
Severity = Literal["critical", "high", "medium", "low"]
Trend = Literal["up", "down", "flat"]
SignalType = Literal["churn_risk", "champion_at_risk", "expansion_signal", "support_escalation"]
ComponentName = Literal["feedback", "engagement", "relationship", "outcome"]


class _Model(BaseModel):
    model_config = ConfigDict(frozen=True)


class Evidence(_Model):
    """Who said or did what, and when: the proof behind a figure or a signal."""

    what: str
    who: str | None = None  # a person's name and role, e.g. "Jane Doe (champion)"
    when: date | datetime | None = None


class AccountRef(_Model):
    id: str
    name: str
    arr: float
    renewal_date: date | None = None
    csm: str | None = None
    channel: str | None = None


class ScoreInput(_Model):
    """One input of a component: its value and the points it earned out of its share."""

    name: str
    value: float | str | None
    points: float
    max_points: float
    evidence: list[Evidence] = Field(default_factory=list)
    missing: bool = False  # no data: the points are a neutral default, confidence drops


class Component(_Model):
    score: float  # 0-100
    confidence: float  # 0-1, the share of the component's inputs that had data
    signals: list[ScoreInput] = Field(default_factory=list)
    missing_treatment: str | None = None  # how missing inputs were scored, in words
    change: float | None = None  # against the previous snapshot


class RiskFactor(_Model):
    name: str
    severity: Severity
    evidence: list[Evidence] = Field(default_factory=list)


class Health(_Model):
    overall: float  # 0-100
    tier: Tier
    components: dict[ComponentName, Component]
    risk_factors: list[RiskFactor] = Field(default_factory=list)
    confidence: float = 1.0
    change: float | None = None  # against the previous snapshot
    previous_tier: Tier | None = None


class SentimentSummary(_Model):
    raw_average: float | None  # the seed's 0-10 average, unweighted
    weighted_average: float | None  # the seed's calculateAccountSentiment
    respondent_count: int
    coverage_rate: float | None  # respondents / active users
    decision_maker_coverage: float | None  # execs and champions who answered / all of them
    active_users: int | None = None  # the denominator of coverage_rate
    nps: float | None = None  # classic NPS: % promoters - % detractors, -100..100
    comment_sentiment: float | None = None  # mean analysed comment sentiment, -1..1
    comments: int = 0  # comments in the window
    enough_responses: bool = True
    note: str | None = None  # says why a figure means little, when it does


class RoleRow(_Model):
    role: str
    users: int
    responded: int
    avg_nps: float | None
    trend: Trend
    previous_avg_nps: float | None = None
    previous_responded: int = 0


class Theme(_Model):
    topic: str
    mentions: int
    roles: list[str]
    sentiment: Literal["positive", "negative", "mixed", "neutral"]
    executive_mention: bool
    priority: bool
    sentiment_score: float | None = None  # -1..1
    people: int = 0
    examples: list[Evidence] = Field(default_factory=list)


class Signal(_Model):
    type: SignalType
    name: str
    severity: Severity
    evidence: list[Evidence] = Field(default_factory=list)
    key: str = ""  # stable identity for deduplicating alerts, e.g. "churn_risk:usage_decline"


class Route(_Model):
    type: SignalType
    assign_to: str
    priority: Literal["critical", "urgent", "high", "medium", "low"]
    action: str
    escalate_to: str | None = None
    cc_to: str | None = None
    signal: str | None = None  # the signal name it routes


class Playbook(_Model):
    tier: Tier
    actions: list[str]


class Report(_Model):
    account: AccountRef
    as_of: date
    health: Health
    sentiment: SentimentSummary
    roles: list[RoleRow]
    themes: list[Theme]
    signals: list[Signal]
    routing: list[Route]
    playbook: Playbook
    warnings: list[str] = Field(default_factory=list)
