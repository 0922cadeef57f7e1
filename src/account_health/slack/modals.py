"""Opening the feedback modals and turning a submission into a saved response."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal

from slack_sdk.models.views import View

from account_health.slack.blocks.ids import Target
from account_health.slack.blocks.kit import escape
from account_health.slack.blocks.modals import RESPONDENT, ebr_feedback_modal, pulse_check_modal
from account_health.slack.forms import (
    KIND_BY_CALLBACK,
    Answers,
    ModalContext,
    feedback_record,
    read_answers,
)
from account_health.slack.portfolio import AccountPeople, Portfolio, contact_label, contacts_of

KIND_NAMES = {"pulse_check": "pulse check", "ebr_feedback": "EBR feedback"}
STALE_FORM = "This form is out of date: close it and open it again."
UNKNOWN_ACCOUNT = "I couldn't find that account any more. Try `/account-health top`."


def feedback_modal(
    portfolio: Portfolio,
    kind: Literal["pulse_check", "ebr_feedback"],
    target: Target,
    slack_user_id: str,
    channel_id: str | None,
) -> tuple[View | None, str]:
    """The modal for `target`'s account, with the person preselected when known (the
    button's person, else the viewer themself if they are a contact); or why not."""
    found = portfolio.people(target.account_id)
    if found is None:
        return None, UNKNOWN_ACCOUNT
    contacts = contacts_of(found.people)
    if not contacts:
        return None, f"*{escape(found.account.name)}* has no contacts yet to log feedback for."
    person = found.person(target.person_id) or found.person_for_slack_user(slack_user_id)
    chosen = person.id if person is not None and person.left_at is None else None
    # the preselected person first, so that they are among the options Slack shows
    contacts.sort(key=lambda c: c.id != chosen)
    metadata = ModalContext(found.account.id, chosen, channel_id).dump()
    build = ebr_feedback_modal if kind == "ebr_feedback" else pulse_check_modal
    return build(found.account.name, contacts, chosen, metadata), ""


@dataclass(frozen=True)
class Submission:
    """A valid submission, ready to save."""

    record: dict[str, Any]
    account_name: str
    kind: str
    respondent: str


def read_submission(
    portfolio: Portfolio, view: dict[str, Any], slack_user_id: str
) -> Submission | dict[str, str]:
    """The submission, or the inline errors to show (block id → message)."""
    kind = KIND_BY_CALLBACK.get(view.get("callback_id", ""), "pulse_check")
    context = ModalContext.load(view.get("private_metadata") or "")
    if context is None:
        return {RESPONDENT: STALE_FORM}
    found = portfolio.people(context.account_id)
    if found is None:
        return {RESPONDENT: UNKNOWN_ACCOUNT}
    current = {p.id for p in found.people if p.left_at is None}
    values = (view.get("state") or {}).get("values") or {}
    answers = read_answers(kind, values, current)
    if isinstance(answers, dict):
        return answers
    return _submission(answers, found, view["id"], slack_user_id, portfolio)


def _submission(
    answers: Answers, found: AccountPeople, view_id: str, slack_user_id: str, portfolio: Portfolio
) -> Submission:
    person = found.person(answers.respondent_id)
    assert person is not None  # read_answers checked it is a current contact
    record = feedback_record(
        answers,
        view_id=view_id,
        account_id=found.account.id,
        respondent_role=person.role.value,
        respondent_title=person.title,
        logged_by=slack_user_id,
        submitted_at=portfolio.now(),
    )
    return Submission(record, found.account.name, KIND_NAMES[answers.kind], contact_label(person))


def confirmation(submission: Submission) -> str:
    return (
        f"✅ Saved the {submission.kind} for *{escape(submission.account_name)}* from "
        f"{escape(submission.respondent)}. It counts in the account's next report."
    )

