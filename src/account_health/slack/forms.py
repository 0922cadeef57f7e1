"""Reading a modal submission back: validation with inline errors, and the feedback record.

Pure functions over the `view` payload Slack sends; nothing here talks to Slack or storage.
"""

from __future__ import annotations

import json
from collections.abc import Collection, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Literal

from account_health.slack.blocks import ids
from account_health.slack.blocks.modals import (
    CONCERNS,
    EXPANSION,
    EXPANSION_CHOICES,
    MAX_CONCERNS_CHARS,
    RENEWAL,
    RESPONDENT,
    SATISFACTION,
    VALUE,
)

FeedbackType = Literal["pulse_check", "ebr_feedback"]
MAX_CONCERNS = 10
KIND_BY_CALLBACK: dict[str, FeedbackType] = {
    ids.PULSE_CHECK_VIEW: "pulse_check",
    ids.EBR_FEEDBACK_VIEW: "ebr_feedback",
}
SCALES_BY_KIND: dict[str, tuple[str, ...]] = {
    "pulse_check": (RENEWAL, SATISFACTION),
    "ebr_feedback": (SATISFACTION, VALUE, RENEWAL),
}
# The import format's key for each field (CONTRACT section 1; the seed's spelling).
JSON_KEYS = {
    RENEWAL: "renewalLikelihood",
    SATISFACTION: "overallSatisfaction",
    VALUE: "valuerealization",
    EXPANSION: "expansionInterest",
}


@dataclass(frozen=True)
class ModalContext:
    """What the modal is about, carried in its private_metadata."""

    account_id: str
    person_id: str | None = None
    channel_id: str | None = None  # where the modal was opened from, for the confirmation

    def dump(self) -> str:
        return json.dumps(
            {
                "account_id": self.account_id,
                "person_id": self.person_id,
                "channel_id": self.channel_id,
            },
            separators=(",", ":"),
        )

    @classmethod
    def load(cls, metadata: str) -> ModalContext | None:
        try:
            data = json.loads(metadata)
        except ValueError:
            return None
        if not isinstance(data, dict) or not isinstance(data.get("account_id"), str):
            return None
        return cls(
            data["account_id"],
            data.get("person_id") if isinstance(data.get("person_id"), str) else None,
            data.get("channel_id") if isinstance(data.get("channel_id"), str) else None,
        )


@dataclass(frozen=True)
class Answers:
    kind: FeedbackType
    respondent_id: str
    scores: dict[str, int]
    expansion: str
    concerns: list[str]


def _value(values: Mapping[str, Any], block_id: str) -> str | None:
    """The submitted value of a field, whatever its element type; None when not given."""
    field = values.get(block_id, {}).get(block_id)
    if not isinstance(field, dict):
        return None
    selected = field.get("selected_option")
    raw = selected.get("value") if isinstance(selected, dict) else field.get("value")
    return raw.strip() if isinstance(raw, str) and raw.strip() else None


def read_answers(
    kind: FeedbackType, values: Mapping[str, Any], contact_ids: Collection[str]
) -> Answers | dict[str, str]:
    """The answers, or the inline errors (block id → message) Slack should show."""
    errors: dict[str, str] = {}
    respondent = _value(values, RESPONDENT)
    if respondent is None:
        errors[RESPONDENT] = "Choose whose view this is."
    elif respondent not in contact_ids:
        errors[RESPONDENT] = "This person is no longer a contact of the account; choose another."
    scores: dict[str, int] = {}
    for block_id in SCALES_BY_KIND[kind]:
        raw = _value(values, block_id)
        if raw is None or not raw.isdigit() or not 1 <= int(raw) <= 5:
            errors[block_id] = "Choose a value from 1 to 5."
        else:
            scores[block_id] = int(raw)
    expansion = _value(values, EXPANSION)
    if expansion not in {value for value, _ in EXPANSION_CHOICES}:
        errors[EXPANSION] = "Choose yes, maybe or no."
    text = _value(values, CONCERNS) or ""
    concerns = [line.strip() for line in text.splitlines() if line.strip()]
    if len(text) > MAX_CONCERNS_CHARS:
        errors[CONCERNS] = f"Keep it under {MAX_CONCERNS_CHARS} characters."
    elif len(concerns) > MAX_CONCERNS:
        errors[CONCERNS] = f"At most {MAX_CONCERNS} concerns, one per line."
    if errors:
        return errors
    assert respondent is not None and expansion is not None
    return Answers(kind, respondent, scores, expansion, concerns)


def feedback_record(
    answers: Answers,
    *,
    view_id: str,
    account_id: str,
    respondent_role: str,
    respondent_title: str | None,
    logged_by: str,
    submitted_at: datetime,
) -> dict[str, Any]:
    """The response in the import's account-level JSON shape. Its id comes from the view id,
    so a double submit or a retried request of the same modal is saved once."""
    content: dict[str, Any] = {"type": answers.kind}
    content |= {JSON_KEYS[block_id]: value for block_id, value in answers.scores.items()}
    content[JSON_KEYS[EXPANSION]] = answers.expansion
    content["concerns"] = answers.concerns
    respondent = {"userId": answers.respondent_id, "role": respondent_role}
    if respondent_title:
        respondent["title"] = respondent_title
    return {
        "id": f"slack-{answers.kind}-{view_id}",
        "accountId": account_id,
        "respondent": respondent,
        "content": content,
        "context": {"source": "slack", "loggedBy": logged_by},
        "submittedAt": submitted_at.isoformat(),
    }
