"""Validation of import records (CONTRACT section 1), shared by the import and Slack modals.

Each `validate_*` function takes one record as read (a CSV row with empty cells
already dropped, or a parsed JSON object) and returns the row for its table, or
raises `InvalidRecord` whose message is `field: reason` (several joined by "; ").
Checks that need other records (does the account exist?) live in the importer.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterable, Mapping
from datetime import UTC, date, datetime
from enum import StrEnum
from typing import Annotated, Any

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, ValidationError

from account_health.domain.models import (
    ExpansionInterest,
    FeedbackKind,
    OutcomeKind,
    RenewalOutcome,
    Role,
    TouchpointKind,
)

FieldProblem = tuple[str, str]


class InvalidRecord(ValueError):
    """A record that cannot be stored; `problems` lists (field, reason) pairs."""

    def __init__(self, problems: Iterable[FieldProblem]) -> None:
        self.problems = list(problems)
        super().__init__("; ".join(f"{field}: {reason}" for field, reason in self.problems))


# --- value parsers (each raises ValueError with the reason a user should read) ---------


def parse_datetime(value: Any) -> datetime:
    """ISO 8601 to aware UTC: a date alone is midnight UTC, a time without offset is UTC."""
    if isinstance(value, datetime):
        moment = value
    elif isinstance(value, date):
        moment = datetime(value.year, value.month, value.day)
    elif isinstance(value, str):
        text = value.strip()
        try:
            moment = datetime.fromisoformat(text)
        except ValueError:
            raise ValueError(
                f"{value!r} is not a date or time; expected ISO 8601 like 2026-04-15 "
                "or 2026-04-15T09:30:00Z"
            ) from None
    else:
        raise ValueError(f"expected an ISO 8601 date or time, got {value!r}")
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


def parse_date(value: Any) -> date:
    """An ISO date; a full timestamp is accepted and taken as its UTC day."""
    if isinstance(value, datetime):
        return parse_datetime(value).date()
    if isinstance(value, date):
        return value
    if isinstance(value, str) and len(value.strip()) == 10:
        try:
            return date.fromisoformat(value.strip())
        except ValueError:
            raise ValueError(f"{value!r} is not a date; expected YYYY-MM-DD") from None
    try:
        return parse_datetime(value).date()
    except ValueError:
        raise ValueError(f"{value!r} is not a date; expected YYYY-MM-DD") from None


def _text(value: Any) -> Any:
    if isinstance(value, bool) or not isinstance(value, str | int | float):
        raise ValueError(f"expected text, got {value!r}")
    text = str(value).strip()
    if not text:
        raise ValueError("must not be empty")
    return text


def _number(low: float | None = None, high: float | None = None, *, whole: bool = False,
            scale: str = "") -> Callable[[Any], float]:
    def check(value: Any) -> float:
        if isinstance(value, bool):
            raise ValueError(f"expected a number, got {value!r}")
        try:
            number = float(value.strip() if isinstance(value, str) else value)
        except (TypeError, ValueError):
            raise ValueError(f"expected a number, got {value!r}") from None
        if number != number or number in (float("inf"), float("-inf")):
            raise ValueError(f"expected a number, got {value!r}")
        if whole and not number.is_integer():
            raise ValueError(f"expected a whole number, got {value!r}")
        if (low is not None and number < low) or (high is not None and number > high):
            if high is None:
                bounds = f"at least {low:g}"
            else:
                bounds = f"{low:g}-{high:g}" if low >= 0 else f"between {low:g} and {high:g}"
            raise ValueError(f"{scale or 'must be'} {bounds}, got {number:g}".strip())
        return number

    return check


def _whole(low: float = 0) -> Callable[[Any], int]:
    check = _number(low, whole=True)
    return lambda value: int(check(value))


def _boolean(value: Any) -> bool:
    if isinstance(value, bool):
        return value
    text = str(value).strip().lower()
    if text in {"true", "1", "yes"}:
        return True
    if text in {"false", "0", "no"}:
        return False
    raise ValueError(f"expected true or false, got {value!r}")


def _choice(options: type[StrEnum], what: str) -> Callable[[Any], str]:
    valid = [member.value for member in options]

    def check(value: Any) -> str:
        text = str(value).strip().lower() if isinstance(value, str) else value
        if text not in valid:
            raise ValueError(f"unknown {what} {value!r}; expected one of {', '.join(valid)}")
        return text

    return check


_expansion_choice = _choice(ExpansionInterest, "expansion interest")


def _expansion(value: Any) -> str:
    if isinstance(value, bool):
        return "yes" if value else "no"
    return _expansion_choice(value)


def _concerns(value: Any) -> list[str]:
    items = [value] if isinstance(value, str) else value
    if not isinstance(items, list) or not all(isinstance(item, str) for item in items):
        raise ValueError("expected a list of texts")
    return [item.strip() for item in items if item.strip()]


def _monday(value: Any) -> date:
    week = parse_date(value)
    if week.weekday() != 0:
        raise ValueError(f"{week.isoformat()} is a {week:%A}; expected the Monday of the week")
    return week


Text = Annotated[str, BeforeValidator(_text)]
When = Annotated[datetime, BeforeValidator(parse_datetime)]
Day = Annotated[date, BeforeValidator(parse_date)]
Money = Annotated[float, BeforeValidator(_number(0))]
Count = Annotated[int, BeforeValidator(_whole())]
Flag = Annotated[bool, BeforeValidator(_boolean)]
RoleName = Annotated[str, BeforeValidator(_choice(Role, "role"))]
OneToFive = Annotated[float, BeforeValidator(_number(1, 5))]
AnyNumber = Annotated[float, BeforeValidator(_number())]


class _Record(BaseModel):
    model_config = ConfigDict(extra="ignore", str_strip_whitespace=True, populate_by_name=True)


# --- CSV files ------------------------------------------------------------------------


class AccountIn(_Record):
    account_id: Text
    name: Text
    arr: Money
    contract_value: Money | None = None
    users_licensed: Count | None = None
    renewal_date: Day | None = None
    segment: Text | None = None
    csm: Text | None = None
    channel: Text | None = None


class UserIn(_Record):
    user_id: Text
    account_id: Text
    role: RoleName
    name: Text | None = None
    email: Text | None = None
    title: Text | None = None
    slack_user_id: Text | None = None
    active: Flag = True
    last_login: When | None = None
    left_at: When | None = None


class UsageIn(_Record):
    account_id: Text
    user_id: Text
    week: Annotated[date, BeforeValidator(_monday)]
    logins: Count
    features_used: Count | None = None
    new_features_adopted: Count | None = None


class TouchpointIn(_Record):
    account_id: Text
    kind: Annotated[str, BeforeValidator(_choice(TouchpointKind, "touchpoint kind"))]
    at: When
    user_id: Text | None = None
    response_hours: Money | None = None
    sentiment: Annotated[float, BeforeValidator(_number(-1, 1))] | None = None
    note: Text | None = None


class OutcomeIn(_Record):
    account_id: Text
    at: When
    kind: Annotated[str, BeforeValidator(_choice(OutcomeKind, "outcome kind"))]
    value: AnyNumber | None = None


class RenewalIn(_Record):
    account_id: Text
    date: Day
    outcome: Annotated[str, BeforeValidator(_choice(RenewalOutcome, "renewal outcome"))]
    arr_after: Money | None = None


# --- feedback.jsonl: the seed's two shapes ---------------------------------------------


class ContentIn(_Record):
    type: Annotated[str, BeforeValidator(_choice(FeedbackKind, "feedback type"))]
    score: AnyNumber | None = None
    comment: Annotated[str, BeforeValidator(_text)] | None = None
    overallSatisfaction: OneToFive | None = None
    valuerealization: OneToFive | None = None
    valueRealization: OneToFive | None = None
    renewalLikelihood: OneToFive | None = None
    expansionInterest: Annotated[str, BeforeValidator(_expansion)] | None = None
    concerns: Annotated[list[str], BeforeValidator(_concerns)] = Field(default_factory=list)


class RespondentIn(_Record):
    userId: Text | None = None
    role: RoleName | None = None
    title: Text | None = None


class UserFeedbackIn(_Record):
    id: Text | None = None
    accountId: Text
    userId: Text | None = None
    role: RoleName | None = None
    content: ContentIn
    context: dict[str, Any] | None = None
    submittedAt: When


class AccountFeedbackIn(_Record):
    id: Text | None = None
    accountId: Text
    respondent: RespondentIn = Field(default_factory=RespondentIn)
    content: ContentIn
    context: dict[str, Any] | None = None
    submittedAt: When


FEEDBACK_KEYS = frozenset(
    {"id", "accountId", "userId", "role", "respondent", "content", "context", "submittedAt"}
)
CONTENT_KEYS = frozenset(
    {"type", "score", "comment", "overallSatisfaction", "valuerealization", "valueRealization",
     "renewalLikelihood", "expansionInterest", "concerns"}
)
RESPONDENT_KEYS = frozenset({"userId", "role", "title"})

_SCORE_SCALES: dict[str, tuple[float, float, str]] = {
    FeedbackKind.NPS: (0, 10, "NPS"),
    FeedbackKind.CSAT: (1, 5, "CSAT"),
    FeedbackKind.FEATURE_SATISFACTION: (1, 5, "feature satisfaction"),
    FeedbackKind.SUPPORT_EXPERIENCE: (1, 5, "support experience"),
}
_TEXT_ONLY = {FeedbackKind.BUG_REPORT, FeedbackKind.ENHANCEMENT_REQUEST}


def unknown_feedback_keys(obj: Mapping[str, Any]) -> list[str]:
    """Keys the format does not define (their values are ignored); `context` is free-form."""
    unknown = [key for key in obj if key not in FEEDBACK_KEYS]
    for part, known in (("content", CONTENT_KEYS), ("respondent", RESPONDENT_KEYS)):
        inner = obj.get(part)
        if isinstance(inner, Mapping):
            unknown += [f"{part}.{key}" for key in inner if key not in known]
    return unknown


def validate_feedback(obj: Any) -> dict[str, Any]:
    """One response in either shape, flattened into a `feedback` table row (raw JSON kept)."""
    if not isinstance(obj, Mapping):
        raise InvalidRecord([("record", f"expected a JSON object, got {type(obj).__name__}")])
    account_level = "respondent" in obj
    model = AccountFeedbackIn if account_level else UserFeedbackIn
    try:
        parsed = model.model_validate(obj)
    except ValidationError as error:
        raise InvalidRecord(pydantic_problems(error)) from None
    content = parsed.content
    _check_scales(content)
    if account_level:
        assert isinstance(parsed, AccountFeedbackIn)
        person_id, role, title = (
            parsed.respondent.userId, parsed.respondent.role, parsed.respondent.title
        )
    else:
        assert isinstance(parsed, UserFeedbackIn)
        person_id, role, title = parsed.userId, parsed.role, None
    return {
        "id": parsed.id or derived_feedback_id(
            parsed.accountId, person_id, content.type, parsed.submittedAt
        ),
        "account_id": parsed.accountId,
        "person_id": person_id,
        "role": role,
        "title": title,
        "kind": content.type,
        "shape": "account" if account_level else "user",
        "submitted_at": parsed.submittedAt,
        "score": content.score,
        "overall_satisfaction": content.overallSatisfaction,
        "value_realization": content.valuerealization or content.valueRealization,
        "renewal_likelihood": content.renewalLikelihood,
        "expansion_interest": content.expansionInterest,
        "comment": content.comment,
        "concerns": content.concerns,
        "context": parsed.context,
        "raw": dict(obj),
    }


def _check_scales(content: ContentIn) -> None:
    if content.type in _SCORE_SCALES:
        low, high, label = _SCORE_SCALES[content.type]
        if content.score is None:
            raise InvalidRecord(
                [("content.score", f"required for {content.type} ({low:g}-{high:g})")]
            )
        if not low <= content.score <= high:
            raise InvalidRecord(
                [("content.score", f"{label} must be {low:g}-{high:g}, got {content.score:g}")]
            )
    if content.type in _TEXT_ONLY and not (content.comment or content.concerns):
        raise InvalidRecord([("content.comment", f"required for {content.type}")])


def derived_feedback_id(account_id: str, person_id: str | None, kind: str, at: datetime) -> str:
    """A stable id from the natural key, so re-importing a response without `id` updates it."""
    return "fb_" + stable_hash(account_id, person_id, kind, at.isoformat())[:24]


def stable_hash(*parts: object) -> str:
    joined = "\x1f".join("" if part is None else str(part) for part in parts)
    return hashlib.sha256(joined.encode()).hexdigest()


def pydantic_problems(error: ValidationError) -> list[FieldProblem]:
    """pydantic's errors as (dotted field, reason a person understands)."""
    problems = []
    for item in error.errors(include_url=False):
        field = ".".join(str(part) for part in item["loc"]) or "record"
        kind = item["type"]
        if kind == "missing":
            reason = "required"
        elif kind in {"dict_type", "model_type", "model_attributes_type"}:
            reason = f"expected an object, got {item.get('input')!r}"
        else:
            reason = item["msg"].removeprefix("Value error, ")
        problems.append((field, reason))
    return problems


# --- CSV row validators: record in, table row out --------------------------------------


def _validate(model: type[_Record], record: Mapping[str, Any]) -> _Record:
    try:
        return model.model_validate(record)
    except ValidationError as error:
        raise InvalidRecord(pydantic_problems(error)) from None


def validate_account(record: Mapping[str, Any]) -> dict[str, Any]:
    row = _validate(AccountIn, record).model_dump()
    row["id"] = row.pop("account_id")
    return row


def validate_user(record: Mapping[str, Any]) -> dict[str, Any]:
    row = _validate(UserIn, record).model_dump()
    row["id"] = row.pop("user_id")
    return row


def validate_usage(record: Mapping[str, Any]) -> dict[str, Any]:
    row = _validate(UsageIn, record).model_dump()
    row["person_id"] = row.pop("user_id")
    return row


def validate_touchpoint(record: Mapping[str, Any]) -> dict[str, Any]:
    row = _validate(TouchpointIn, record).model_dump()
    row["person_id"] = row.pop("user_id")
    row["id"] = "tp_" + stable_hash(
        row["account_id"], row["kind"], row["at"].isoformat(), row["person_id"]
    )[:24]
    return row


def validate_outcome(record: Mapping[str, Any]) -> dict[str, Any]:
    row = _validate(OutcomeIn, record).model_dump()
    row["id"] = "oc_" + stable_hash(row["account_id"], row["kind"], row["at"].isoformat())[:24]
    return row


def validate_renewal(record: Mapping[str, Any]) -> dict[str, Any]:
    return _validate(RenewalIn, record).model_dump()
