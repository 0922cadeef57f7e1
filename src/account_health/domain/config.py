"""Every number the engine uses, in one place: the seed article's defaults, all configurable.

`EngineConfig()` is the seed. `EngineConfig.load(path)` reads a JSON or TOML file whose keys
override these defaults (unknown keys are refused, so a typo never goes unnoticed);
`EngineConfig.save(path)` writes JSON (used by `backtest --fit --write-config`).
"""

from __future__ import annotations

import json
import tomllib
from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator


class ConfigError(ValueError):
    """The configuration file is unreadable or holds a bad value; one line for the user."""


class _Section(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class SentimentConfig(_Section):
    # seed: calculateAccountSentiment's weights; end_user is weighted as casual_user and
    # it_security like an admin (CONTRACT section 1).
    role_weights: dict[str, float] = Field(default_factory=lambda: {
        "executive_sponsor": 5.0,
        "champion": 4.0,
        "admin": 3.0,
        "power_user": 2.0,
        "casual_user": 1.0,
        "dormant": 0.5,
        "end_user": 1.0,
        "it_security": 3.0,
    })
    inactive_factor: float = 0.5  # seed: weight x (isActive ? 1 : 0.5)
    window_days: int = 90  # each person counts once, by their latest answer in this window
    nps_threshold: float = 7.0  # seed: "Weighted Account NPS: 7.2 (threshold: 7.0)"
    promoter_min: float = 9.0  # classic NPS: 9-10 promoters
    detractor_max: float = 6.0  # classic NPS: 0-6 detractors
    min_respondents: int = 3  # fewer answers than this: the figure means little
    # A role's arrow in the role table moves only on a meaningful change from enough answers.
    # Individual answers wobble by 1-2 points between surveys, so the mean of two or three
    # answers moves by about a point on noise alone: a trend needs a full NPS point of change
    # and, in both windows, `role_trend_min_respondents` answers (the same floor as
    # `min_respondents`) or every member of the role (a census is not a sample).
    role_trend_delta: float = 1.0
    role_trend_min_respondents: int = 3
    # A decline is a risk signal only from a sample (no census exception: a champion or sponsor
    # has signals of its own) of at least this many answers in both windows, falling this much.
    role_decline_min_respondents: int = 3
    role_decline_min_drop: float = 1.0


class HealthConfig(_Section):
    # seed: calculateAccountHealth's weights
    component_weights: dict[str, float] = Field(default_factory=lambda: {
        "feedback": 0.4,
        "engagement": 0.3,
        "relationship": 0.2,
        "outcome": 0.1,
    })
    # The points each component input can earn (each component sums to 100).
    feedback_points: dict[str, float] = Field(default_factory=lambda: {
        "weighted_nps": 40.0, "coverage": 20.0, "sentiment_trend": 20.0, "open_issues": 20.0,
    })
    engagement_points: dict[str, float] = Field(default_factory=lambda: {
        "active_users": 30.0, "feature_adoption": 25.0, "login_trend": 25.0, "license_usage": 20.0,
    })
    relationship_points: dict[str, float] = Field(default_factory=lambda: {
        "champion_contact": 30.0, "ebr_completion": 25.0, "support_sentiment": 20.0,
        "executive_engagement": 25.0,
    })
    outcome_points: dict[str, float] = Field(default_factory=lambda: {
        "reported_roi": 25.0, "goal_achievement": 25.0, "expansion_actions": 25.0,
        "reference_willingness": 25.0,
    })
    # Missing data earns this share of an input's points: neutral, neither perfect nor zero.
    missing_share: float = 0.5
    # Input scales
    # Weighted NPS: the seed's threshold 7.0 earns `nps_threshold_share` (above the yellow
    # line: fine, not excellent), a promoter-level account (`promoter_min`, 9) earns everything,
    # and below the threshold - where the seed sees risk - points fall twice as fast, to 0 at
    # `nps_zero_at` (4: a clear detractor account).
    nps_threshold_share: float = 0.75
    nps_zero_at: float = 4.0
    coverage_target: float = 0.30  # seed: coverage rate target > 30%
    trend_flat_share: float = 0.75  # a flat NPS trend earns 75% of its points
    trend_points_per_nps: float = 0.125  # each NPS point of change moves the share by this
    # Open issues: people who filed a bug or wrote a clearly negative comment in the window, as a
    # share of active users. Engaged users file bugs, so up to 10% in a quarter is normal (full
    # points); 40% means the account is unhappy (0 points); linear between.
    issue_rate_full_points: float = 0.10
    issue_rate_zero_points: float = 0.40
    issue_sentiment_max: float = -0.3  # a comment this negative counts as an open issue
    # Features used per active user-week for full points. Most seats are casual users who touch
    # a handful of features a week; 8 was a power user's week, out of reach for a healthy account.
    feature_depth_target: float = 5.0
    # Active users / all users, and active users / licensed seats, that earn full points: leavers,
    # holidays and occasional users keep every real account below 100%; 80% is the usual
    # "healthy utilisation" line in CS practice.
    active_users_target: float = 0.80
    license_usage_target: float = 0.80
    recent_weeks: int = 4  # "now" for usage trends: the last complete weeks
    baseline_weeks: int = 8  # compared with the average of the complete weeks before
    champion_contact_full_days: int = 14
    champion_contact_zero_days: int = 90
    ebr_interval_days: int = 180  # an EBR within this many days counts as completed
    # Per segment (Account.segment) cadence, overriding `ebr_interval_days`. None: the segment has
    # no EBR programme (tech-touch SMB), so a missing EBR is not held against it: the input is
    # not scored (0 of 0 points) unless an EBR did happen within `ebr_interval_days`.
    # Mid-market: twice a year, plus a month's grace because reviews slip.
    ebr_interval_days_by_segment: dict[str, int | None] = Field(default_factory=lambda: {
        "mid-market": 210, "smb": None,
    })
    exec_engagement_full_days: int = 30
    exec_engagement_zero_days: int = 90
    outcome_lookback_days: int = 365
    # Expansion actions: an expansion in the lookback earns everything, a contraction or churn
    # nothing; an account that renewed flat, or had no renewal and no expansion, kept its
    # footprint: a steady state earns this share (not a failure, not an expansion).
    expansion_steady_share: float = 0.5
    # Tiers: seed green > 80, yellow 60-80, red < 60; 80 itself and 60 itself are yellow.
    green_above: float = 80.0
    red_below: float = 60.0

    @model_validator(mode="after")
    def _weights_make_sense(self) -> HealthConfig:
        names = {"feedback", "engagement", "relationship", "outcome"}
        if set(self.component_weights) != names:
            raise ValueError(f"component_weights needs exactly the keys {sorted(names)}")
        if any(w < 0 for w in self.component_weights.values()):
            raise ValueError("component_weights must not be negative")
        if abs(sum(self.component_weights.values()) - 1.0) > 1e-6:
            raise ValueError("component_weights must add up to 1")
        if self.red_below > self.green_above:
            raise ValueError("red_below must not be above green_above")
        if self.issue_rate_full_points >= self.issue_rate_zero_points:
            raise ValueError("issue_rate_full_points must be below issue_rate_zero_points")
        return self


class SignalConfig(_Section):
    # Churn risk (seed table, severities as given)
    champion_nps_drop_over: float = 3.0  # "Champion NPS drop > 3": critical
    usage_decline_over: float = 0.40  # "Usage decline > 40%": high
    escalation_days: int = 30  # "Support escalations": high, when any is this recent
    no_exec_engagement_days: int = 90  # "No exec engagement 90+ days": medium
    # Champion risk (seed: championRiskIndicators)
    champion_left_days: int = 90  # a champion who left this recently
    responsiveness_factor: float = 3.0  # "Response time up 3x from baseline"
    recent_days: int = 30  # "recent" for responsiveness, delegation and role changes
    baseline_days: int = 180  # the baseline before the recent period
    delegation_min_recent: int = 2  # delegations in the recent period, at least
    delegation_factor: float = 2.0  # ... and this many times the baseline rate
    sentiment_drop_at_least: float = 3.0  # "NPS dropped 3+ points"
    login_drop_at_least: float = 0.50  # "50%+ reduction in logins"
    feature_exploration_days: int = 60  # "No new feature adoption in 60 days"
    # Expansion
    power_user_ratio_at_least: float = 0.30  # active power users / active users
    power_user_min_active: int = 5  # too few active users for a ratio to mean anything
    feature_requests_min_people: int = 2
    # IT/Security: a response this low (or comment this negative) is a risk of its own
    it_security_nps_max: float = 6.0
    it_security_scale5_max: float = 2.0
    negative_comment_max: float = -0.3
    severities: dict[str, str] = Field(default_factory=lambda: {
        # churn_risk (seed)
        "champion_nps_drop": "critical",
        "usage_decline": "high",
        "support_escalations": "high",
        "no_exec_engagement": "medium",
        "competitor_mentions": "medium",
        "evaluating_alternatives": "critical",
        "it_security_negative": "high",
        "role_declining": "medium",
        # champion_at_risk (the seed names no severities; these are ours)
        "champion_left": "critical",
        "champion_role_changed": "critical",
        "responsiveness_decline": "high",
        "delegation_increase": "medium",
        "sentiment_drop": "high",
        "future_language_absent": "medium",
        "frustration_rising": "medium",
        "login_drop": "high",
        "feature_exploration_stop": "low",
        # expansion_signal
        "need_more_seats": "high",
        "high_power_user_ratio": "medium",
        "cross_department_interest": "medium",
        "looking_forward": "low",
        "feature_requests": "low",
    })
    # Replace with your own competitors. The last five are the generated demo's fictional ones.
    competitors: list[str] = Field(default_factory=lambda: [
        "Gainsight", "ChurnZero", "Totango", "Vitally", "Planhat", "Catalyst", "ClientSuccess",
        "Gainsightly", "ChurnZero Plus", "HealthPulse", "Retainly", "ClientBeacon",
    ])


class RouteRule(_Section):
    assign_to: str
    priority: str
    action: str
    escalate_to: str | None = None
    escalate_above_arr: float | None = None  # escalate only when ARR is above this
    cc_to: str | None = None


def _seed_routing() -> dict[str, RouteRule]:
    # seed: routeAccountInsight
    return {
        "churn_risk": RouteRule(
            assign_to="csm", priority="urgent", action="schedule_call",
            escalate_to="cs_manager", escalate_above_arr=100_000,
        ),
        "expansion_signal": RouteRule(
            assign_to="csm", priority="high", action="prepare_expansion_proposal", cc_to="sales",
        ),
        "support_escalation": RouteRule(
            assign_to="csm", priority="urgent", action="coordinate_with_support",
        ),
        "champion_at_risk": RouteRule(
            assign_to="csm", priority="critical", action="executive_engagement",
            escalate_to="cs_director",
        ),
    }


def _seed_playbooks() -> dict[str, list[str]]:
    # seed: Renewal Playbooks
    return {
        "green": [
            "Standard renewal process",
            "Expansion conversation",
            "Reference/testimonial request",
        ],
        "yellow": [
            "Proactive check-in",
            "Address open feedback themes",
            "Champion reinforcement",
        ],
        "red": [
            "Executive escalation",
            "Immediate issues remediation",
            "Save strategy activation",
        ],
    }


class ThemeConfig(_Section):
    min_people: int = 2  # seed: minClusterSize 2, "at least 2 users mention it"
    max_themes: int = 8
    positive_above: float = 0.2
    negative_below: float = -0.2
    mixed_share: float = 0.3  # this share of clearly positive AND of negative items: mixed
    # Fallback grouping when text analysis gave no topic: topic -> keywords (word prefixes).
    keyword_topics: dict[str, list[str]] = Field(default_factory=lambda: {
        "Reporting": ["report", "dashboard", "analytics", "chart", "export"],
        "Mobile experience": ["mobile", "phone", "ios", "android", "tablet"],
        "Onboarding": ["onboard", "training", "new team member", "getting started", "setup"],
        "Integrations": ["integration", "integrate", "api", "salesforce", "slack", "sync",
                         "webhook"],
        "Performance": ["slow", "performance", "latency", "load time", "speed", "timeout"],
        "Reliability": ["bug", "crash", "outage", "downtime", "error", "broken"],
        "Pricing": ["price", "pricing", "cost", "expensive", "invoice", "billing"],
        "Support": ["support", "ticket", "help desk", "response time"],
        "Security & compliance": ["security", "sso", "saml", "compliance", "gdpr", "soc 2",
                                  "permission", "audit"],
        "Usability": ["ui", "ux", "confusing", "intuitive", "easy to use", "navigation",
                      "interface"],
        "Seats & licensing": ["seat", "licence", "license"],
    })
    decision_maker_roles: list[str] = Field(
        default_factory=lambda: ["executive_sponsor", "champion"]
    )


class PortfolioConfig(_Section):
    coverage_target: float = 0.30  # seed: > 30%
    decision_maker_coverage_target: float = 0.80  # seed: > 80%
    months: int = 6  # response-rate trend, month over month


class BacktestConfig(_Section):
    days_before: int = 30  # seed: healthScore30DaysPrior
    health_cutoff: float = 60.0  # predicted to renew when health >= this (not red)
    nps_cutoff: float = 7.0  # ... when the weighted NPS >= the seed threshold
    sentiment_cutoff: float = 0.0  # ... when the average comment sentiment >= 0
    fit_folds: int = 5
    fit_seed: int = 0


class EngineConfig(_Section):
    sentiment: SentimentConfig = Field(default_factory=SentimentConfig)
    health: HealthConfig = Field(default_factory=HealthConfig)
    signals: SignalConfig = Field(default_factory=SignalConfig)
    routing: dict[str, RouteRule] = Field(default_factory=_seed_routing)
    playbooks: dict[str, list[str]] = Field(default_factory=_seed_playbooks)
    themes: ThemeConfig = Field(default_factory=ThemeConfig)
    portfolio: PortfolioConfig = Field(default_factory=PortfolioConfig)
    backtest: BacktestConfig = Field(default_factory=BacktestConfig)

    @model_validator(mode="after")
    def _nps_scale_is_ordered(self) -> EngineConfig:
        if not self.health.nps_zero_at < self.sentiment.nps_threshold < self.sentiment.promoter_min:
            raise ValueError("health.nps_zero_at < sentiment.nps_threshold < "
                             "sentiment.promoter_min is required")
        return self

    @classmethod
    def load(cls, path: Path) -> EngineConfig:
        """Read a JSON or TOML file (by extension); its keys override the seed defaults."""
        try:
            text = path.read_text(encoding="utf-8")
            raw = tomllib.loads(text) if path.suffix == ".toml" else json.loads(text)
        except OSError as error:
            raise ConfigError(f"{path}: cannot read ({error.strerror})") from None
        except (json.JSONDecodeError, tomllib.TOMLDecodeError) as error:
            kind = path.suffix.lstrip(".").upper() or "JSON"
            raise ConfigError(f"{path}: not valid {kind}: {error}") from None
        try:
            return cls.model_validate(raw)
        except ValidationError as error:
            first = error.errors()[0]
            where = ".".join(str(p) for p in first["loc"]) or "config"
            raise ConfigError(f"{path}: {where}: {first['msg']}") from None

    def save(self, path: Path) -> None:
        """Write the whole configuration as JSON (TOML files are read-only here)."""
        if path.suffix == ".toml":
            raise ConfigError(f"{path}: cannot write TOML; point the configuration at a .json file")
        path.write_text(self.model_dump_json(indent=2) + "\n", encoding="utf-8")

    def with_component_weights(self, weights: dict[str, float]) -> EngineConfig:
        health = self.health.model_copy(update={"component_weights": dict(weights)})
        HealthConfig.model_validate(health.model_dump())  # same checks as a loaded file
        return self.model_copy(update={"health": health})

    def role_weight(self, role: str, active: bool) -> float:
        """seed: weights[fb.userRole] * (fb.isActive ? 1 : 0.5)."""
        base = self.sentiment.role_weights.get(role, self.sentiment.role_weights["casual_user"])
        return base * (1.0 if active else self.sentiment.inactive_factor)


DEFAULT_CONFIG = EngineConfig()
