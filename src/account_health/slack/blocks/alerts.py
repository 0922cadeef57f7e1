"""An alert as the account's internal channel sees it: what happened, the evidence, who
owns it and who it was escalated to, and the buttons Acknowledge, Snooze and Assign to me.

Pure: an `AlertView` in, Block Kit out. The same function renders the first post and
every update (worsened, acknowledged, snoozed, assigned, escalated, resolved).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date

from slack_sdk.models.blocks import Block

from account_health.domain.report import Evidence
from account_health.formatting import day
from account_health.slack.blocks.format import SEVERITY_EMOJI, evidence_line, label
from account_health.slack.blocks.kit import actions, button, context, escape, header, section
from account_health.slack.blocks.limits import MAX_FALLBACK_TEXT, clip, fit_message

ACKNOWLEDGE = "alert_acknowledge"
SNOOZE = "alert_snooze"
ASSIGN_TO_ME = "alert_assign"
ALERT_ACTIONS = (ACKNOWLEDGE, SNOOZE, ASSIGN_TO_ME)
MAX_EVIDENCE = 8
ROLE_NAMES = {"csm": "CSM", "cs_manager": "CS manager", "cs_director": "CS director",
              "sales": "Sales"}


def mention(target: str) -> str:
    """A Slack user (U…/W…) or user group (S…) id as a mention that notifies them."""
    return f"<!subteam^{target}>" if target.startswith("S") else f"<@{target}>"


def mentions(targets: Sequence[str], role: str) -> str:
    names = " ".join(mention(t) for t in targets)
    return names or f"{ROLE_NAMES.get(role, label(role))} (not configured)"


@dataclass(frozen=True)
class AlertView:
    alert_id: int
    account_name: str
    title: str
    type: str
    severity: str
    status: str  # open, acknowledged, snoozed, resolved
    as_of: str
    evidence: Sequence[Evidence] = ()
    action: str | None = None
    owner: str | None = None  # the account's CSM
    escalated_role: str | None = None  # the role it was escalated to, if any
    escalated_to: Sequence[str] = ()
    cc_role: str | None = None
    cc: Sequence[str] = ()
    assigned_to: str | None = None
    acknowledged_by: str | None = None
    snoozed_until: date | None = None
    notes: Sequence[str] = field(default_factory=tuple)  # e.g. why it went to a DM


def alert_text(view: AlertView) -> str:
    """The notification's fallback text (plain, escaped)."""
    emoji = SEVERITY_EMOJI.get(view.severity, "")
    text = f"{emoji} {view.severity.capitalize()} · {view.account_name}: {view.title}"
    return clip(escape(text), MAX_FALLBACK_TEXT)


def alert_blocks(view: AlertView) -> list[Block]:
    emoji = SEVERITY_EMOJI.get(view.severity, "")
    blocks: list[Block] = [
        header(f"{emoji} {view.account_name}: {view.title}"),
        context(f"{label(view.type)} · severity *{view.severity}* · as of {escape(view.as_of)}"
                f" · {_status_line(view)}"),
    ]
    if view.evidence:
        lines = [f"• {evidence_line(item)}" for item in view.evidence[:MAX_EVIDENCE]]
        left = len(view.evidence) - MAX_EVIDENCE
        if left > 0:
            lines.append(f"…and {left} more")
        blocks.append(section("*Evidence*\n" + "\n".join(lines)))
    blocks.append(section(_people(view)))
    if view.notes:
        blocks.append(context(*(escape(note) for note in view.notes)))
    blocks = fit_message(blocks, reserve=1)
    if view.status != "resolved":
        value = str(view.alert_id)
        blocks.append(actions(
            button("Acknowledge", ACKNOWLEDGE, value, style="primary"),
            button("Snooze 7 days", SNOOZE, value),
            button("Assign to me", ASSIGN_TO_ME, value),
            block_id=f"alert-{view.alert_id}",
        ))
    return blocks


def escalation_text(view: AlertView, hours: float) -> str:
    """The thread reply that tells the next level up."""
    who = mentions(view.escalated_to, view.escalated_role or "cs_manager")
    role = ROLE_NAMES.get(view.escalated_role or "", "the next level")
    return (f"⏫ Nobody acknowledged this in {hours:g} h: escalated to {role} {who}. "
            f"{escape(view.account_name)}: {escape(view.title)}")


def _status_line(view: AlertView) -> str:
    if view.status == "acknowledged" and view.acknowledged_by:
        return f"✅ acknowledged by {mention(view.acknowledged_by)}"
    if view.status == "snoozed":
        return f"💤 snoozed until {day(view.snoozed_until)}"
    if view.status == "resolved":
        return "✔️ resolved: the signal is gone"
    return "needs an owner's attention"


def _people(view: AlertView) -> str:
    lines = []
    if view.action:
        lines.append(f"*Next step:* {escape(label(view.action))}")
    lines.append(f"*Owner:* {mention(view.owner) if view.owner else 'no CSM on the account'}")
    if view.assigned_to:
        lines.append(f"*Assigned to:* {mention(view.assigned_to)}")
    if view.escalated_role:
        role = ROLE_NAMES.get(view.escalated_role, label(view.escalated_role))
        lines.append(f"*Escalated to {role}:* {mentions(view.escalated_to, view.escalated_role)}")
    if view.cc_role:
        role = ROLE_NAMES.get(view.cc_role, label(view.cc_role))
        lines.append(f"*cc {role}:* {mentions(view.cc, view.cc_role)}")
    return "\n".join(lines)
