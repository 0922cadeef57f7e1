"""What the engine reads: plain, immutable records for one account.

Storage builds these from the database, the generator and the tests build them by
hand. Field names follow the import format (CONTRACT section 1); times are aware
UTC datetimes, weeks and renewal dates are dates.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from enum import StrEnum


class Role(StrEnum):
    EXECUTIVE_SPONSOR = "executive_sponsor"
    CHAMPION = "champion"
    ADMIN = "admin"
    POWER_USER = "power_user"
    CASUAL_USER = "casual_user"
    DORMANT = "dormant"
    END_USER = "end_user"  # weighted as casual_user
    IT_SECURITY = "it_security"  # veto holder, weighted like an admin


DECISION_MAKERS = frozenset({Role.EXECUTIVE_SPONSOR, Role.CHAMPION})


class FeedbackKind(StrEnum):
    NPS = "nps"
    CSAT = "csat"
    FEATURE_SATISFACTION = "feature_satisfaction"
    SUPPORT_EXPERIENCE = "support_experience"
    BUG_REPORT = "bug_report"
    ENHANCEMENT_REQUEST = "enhancement_request"
    PULSE_CHECK = "pulse_check"
    EBR_FEEDBACK = "ebr_feedback"


class TouchpointKind(StrEnum):
    CHAMPION_CONTACT = "champion_contact"
    EBR = "ebr"
    EXEC_MEETING = "exec_meeting"
    SUPPORT_TICKET = "support_ticket"
    SUPPORT_ESCALATION = "support_escalation"
    DELEGATED = "delegated"


class OutcomeKind(StrEnum):
    ROI_REPORTED = "roi_reported"
    GOAL_ACHIEVED = "goal_achieved"
    GOAL_MISSED = "goal_missed"
    EXPANSION = "expansion"
    REFERENCE_WILLING = "reference_willing"
    REFERENCE_DECLINED = "reference_declined"


class RenewalOutcome(StrEnum):
    RENEWED = "renewed"
    CHURNED = "churned"
    EXPANDED = "expanded"
    CONTRACTED = "contracted"


class ExpansionInterest(StrEnum):
    YES = "yes"
    NO = "no"
    MAYBE = "maybe"


@dataclass(frozen=True, slots=True)
class Account:
    id: str
    name: str
    arr: float
    contract_value: float | None = None
    users_licensed: int | None = None
    renewal_date: date | None = None
    segment: str | None = None
    csm: str | None = None  # Slack user id of the owning CSM
    channel: str | None = None  # Slack channel id for internal alerts


@dataclass(frozen=True, slots=True)
class Person:
    id: str
    account_id: str
    role: Role
    name: str | None = None
    email: str | None = None
    title: str | None = None
    slack_user_id: str | None = None
    active: bool = True
    last_login: datetime | None = None
    left_at: datetime | None = None  # set when the person left the customer


@dataclass(frozen=True, slots=True)
class CommentAnalysis:
    """What text analysis found in one comment, computed once when it arrives."""

    sentiment: float  # -1 (negative) .. 1 (positive)
    signals: frozenset[str] = frozenset()  # e.g. "evaluating_alternatives", "need_more_seats"
    competitors: frozenset[str] = frozenset()
    topic: str | None = None  # the stable theme label, when known


@dataclass(frozen=True, slots=True)
class Feedback:
    """One response, in either of the seed's shapes, flattened.

    `score` is the response's own scale: NPS 0-10, csat and the 1-5 kinds 1-5.
    Pulse checks and EBR feedback carry the account-level fields instead.
    """

    id: str
    account_id: str
    kind: FeedbackKind
    submitted_at: datetime
    person_id: str | None = None
    role: Role | None = None  # the respondent's role as given in the response
    score: float | None = None
    overall_satisfaction: float | None = None  # 1-5
    value_realization: float | None = None  # 1-5
    renewal_likelihood: float | None = None  # 1-5
    expansion_interest: ExpansionInterest | None = None
    comment: str | None = None
    concerns: tuple[str, ...] = ()
    analysis: tuple[CommentAnalysis, ...] = ()  # one per text: the comment, then each concern

    @property
    def texts(self) -> tuple[str, ...]:
        """Every piece of free text: the comment first, then the concerns."""
        head = (self.comment,) if self.comment else ()
        return head + tuple(c for c in self.concerns if c)


@dataclass(frozen=True, slots=True)
class UsageWeek:
    account_id: str
    person_id: str
    week: date  # the Monday
    logins: int
    features_used: int | None = None
    new_features_adopted: int | None = None


@dataclass(frozen=True, slots=True)
class Touchpoint:
    account_id: str
    kind: TouchpointKind
    at: datetime
    person_id: str | None = None
    response_hours: float | None = None
    sentiment: float | None = None  # -1..1
    note: str | None = None


@dataclass(frozen=True, slots=True)
class Outcome:
    account_id: str
    at: datetime
    kind: OutcomeKind
    value: float | None = None


@dataclass(frozen=True, slots=True)
class Renewal:
    account_id: str
    date: date
    outcome: RenewalOutcome
    arr_after: float | None = None

    @property
    def retained(self) -> bool:
        return self.outcome is not RenewalOutcome.CHURNED


@dataclass(frozen=True, slots=True)
class AccountData:
    """Everything known about one account up to some day, as the engine needs it."""

    account: Account
    people: tuple[Person, ...] = ()
    feedback: tuple[Feedback, ...] = ()
    usage: tuple[UsageWeek, ...] = ()
    touchpoints: tuple[Touchpoint, ...] = ()
    outcomes: tuple[Outcome, ...] = ()
    renewals: tuple[Renewal, ...] = ()
    # Set by a loader that already left out everything dated after the end of this day
    # (storage does): the engine then skips filtering again for that day or a later one.
    known_as_of: date | None = None
