"""Action ids, callback ids and button values shared by the blocks and the listeners.

`open_pulse_check` is public: any message (the scheduler's DMs too) may carry a button
with this action id and a value from `encode_target`.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass

OPEN_PULSE_CHECK = "open_pulse_check"
OPEN_EBR_FEEDBACK = "open_ebr_feedback"
SHOW_EBR_AGENDA = "show_ebr_agenda"
EXPLAIN_SCORE = "explain_score"
CHOOSE_ACCOUNT = "choose_account"
# Several "choose" buttons share one actions block, where Slack wants distinct action ids.
CHOOSE_ACCOUNT_PATTERN = re.compile(r"^choose_account(:\d+)?$")

PULSE_CHECK_VIEW = "pulse_check_submit"
EBR_FEEDBACK_VIEW = "ebr_feedback_submit"


@dataclass(frozen=True)
class Target:
    """Whom a button or a modal is about: an account, and maybe one of its people."""

    account_id: str
    person_id: str | None = None


def choose_action(index: int) -> str:
    return f"{CHOOSE_ACCOUNT}:{index}"


def encode_target(account_id: str, person_id: str | None = None) -> str:
    """A button value: the bare account id, or JSON when a person is named too."""
    if person_id is None:
        return account_id
    return json.dumps({"account_id": account_id, "person_id": person_id}, separators=(",", ":"))


def decode_target(value: str) -> Target:
    """The inverse of `encode_target`; anything that isn't our JSON is an account id."""
    if value.startswith("{"):
        try:
            data = json.loads(value)
        except ValueError:
            return Target(value)
        if isinstance(data, dict) and isinstance(data.get("account_id"), str):
            person = data.get("person_id")
            return Target(data["account_id"], person if isinstance(person, str) else None)
    return Target(value)
