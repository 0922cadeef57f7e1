"""The pulse-check and EBR-feedback modals.

Block ids name the fields; `slack/forms.py` reads a submission back by the same ids.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from slack_sdk.models.blocks import (
    Block,
    InputBlock,
    PlainTextInputElement,
    StaticSelectElement,
)
from slack_sdk.models.views import View

from account_health.slack.blocks import ids
from account_health.slack.blocks.kit import context, escape, option, plain, section
from account_health.slack.blocks.limits import (
    MAX_MODAL_TITLE,
    MAX_OPTIONS,
    MAX_PRIVATE_METADATA,
    fit_view,
)

RESPONDENT = "respondent"
RENEWAL = "renewal_likelihood"
SATISFACTION = "overall_satisfaction"
VALUE = "value_realization"
EXPANSION = "expansion_interest"
CONCERNS = "concerns"
MAX_CONCERNS_CHARS = 2000

SCALE = {
    RENEWAL: ("Very unlikely", "Unlikely", "Unsure", "Likely", "Certain"),
    SATISFACTION: ("Very dissatisfied", "Dissatisfied", "Neutral", "Satisfied", "Very satisfied"),
    VALUE: ("None yet", "A little", "Some", "Clear", "Outstanding"),
}
EXPANSION_CHOICES = (("yes", "Yes"), ("maybe", "Maybe"), ("no", "No"))


@dataclass(frozen=True)
class Contact:
    """A person of the account the modal can be about."""

    id: str
    label: str  # e.g. "Jane Doe (champion)"


def _select(
    block_id: str, label_text: str, options: list, initial: str | None = None
) -> InputBlock:
    chosen = next((o for o in options if o.value == initial), None)
    return InputBlock(
        block_id=block_id,
        label=plain(label_text, 2000),
        element=StaticSelectElement(
            action_id=block_id,
            placeholder=plain("Choose…", 150),
            options=options,
            initial_option=chosen,
        ),
    )


def _scale(block_id: str, label_text: str) -> InputBlock:
    names = SCALE[block_id]
    return _select(
        block_id, label_text, [option(f"{i} — {n}", str(i)) for i, n in enumerate(names, 1)]
    )


def _respondent(contacts: Sequence[Contact], chosen: str | None) -> InputBlock:
    options = [option(c.label, c.id) for c in contacts[:MAX_OPTIONS]]
    return _select(RESPONDENT, "Whose view is this?", options, chosen)


def _concerns(label_text: str) -> InputBlock:
    return InputBlock(
        block_id=CONCERNS,
        label=plain(label_text, 2000),
        optional=True,
        hint=plain("One concern per line.", 2000),
        element=PlainTextInputElement(
            action_id=CONCERNS, multiline=True, max_length=MAX_CONCERNS_CHARS
        ),
    )


def _modal(callback_id: str, title: str, blocks: list[Block], metadata: str) -> View:
    if len(metadata) > MAX_PRIVATE_METADATA:
        raise ValueError("private_metadata is too long")
    return View(
        type="modal",
        callback_id=callback_id,
        title=plain(title, MAX_MODAL_TITLE),
        submit=plain("Save", MAX_MODAL_TITLE),
        close=plain("Cancel", MAX_MODAL_TITLE),
        private_metadata=metadata,
        blocks=fit_view(blocks),
    )


def _intro(account_name: str, contacts: Sequence[Contact]) -> list[Block]:
    blocks: list[Block] = [section(f"*{escape(account_name)}*")]
    if len(contacts) > MAX_OPTIONS:
        blocks.append(context(f"Showing the {MAX_OPTIONS} key contacts of {len(contacts)}."))
    return blocks


def pulse_check_modal(
    account_name: str, contacts: Sequence[Contact], chosen: str | None, metadata: str
) -> View:
    blocks = [
        *_intro(account_name, contacts),
        _respondent(contacts, chosen),
        _scale(RENEWAL, "How likely are they to renew?"),
        _scale(SATISFACTION, "How satisfied are they overall?"),
        _select(EXPANSION, "Appetite to expand?", [option(t, v) for v, t in EXPANSION_CHOICES]),
        _concerns("Concerns"),
    ]
    return _modal(ids.PULSE_CHECK_VIEW, "Pulse check", blocks, metadata)


def ebr_feedback_modal(
    account_name: str, contacts: Sequence[Contact], chosen: str | None, metadata: str
) -> View:
    blocks = [
        *_intro(account_name, contacts),
        _respondent(contacts, chosen),
        _scale(SATISFACTION, "Overall satisfaction"),
        _scale(VALUE, "Value realised so far"),
        _scale(RENEWAL, "Renewal likelihood"),
        _select(EXPANSION, "Interest in expanding?", [option(t, v) for v, t in EXPANSION_CHOICES]),
        _concerns("Concerns raised in the EBR"),
    ]
    return _modal(ids.EBR_FEEDBACK_VIEW, "EBR feedback", blocks, metadata)


def notice_modal(title: str, text: str) -> View:
    """A modal that only says something (a refusal, a problem)."""
    return View(
        type="modal",
        title=plain(title, MAX_MODAL_TITLE),
        close=plain("Close", MAX_MODAL_TITLE),
        blocks=[section(text)],
    )
