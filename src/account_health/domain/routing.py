"""The seed's routing table (routeAccountInsight): who handles each signal, how urgently.

churn_risk          csm, urgent, schedule_call, escalate to cs_manager when ARR > 100,000
expansion_signal    csm, high, prepare_expansion_proposal, cc sales
support_escalation  csm, urgent, coordinate_with_support
champion_at_risk    csm, critical, executive_engagement, escalate to cs_director
"""

from __future__ import annotations

from account_health.domain.config import EngineConfig
from account_health.domain.models import Account
from account_health.domain.report import Route, Signal


def route(signal: Signal, account: Account, config: EngineConfig) -> Route:
    rule = config.routing[signal.type]
    escalate = rule.escalate_to
    if escalate is not None and rule.escalate_above_arr is not None \
            and not account.arr > rule.escalate_above_arr:
        escalate = None
    return Route(
        type=signal.type, assign_to=rule.assign_to, priority=rule.priority,  # type: ignore[arg-type]
        action=rule.action, escalate_to=escalate, cc_to=rule.cc_to, signal=signal.name,
    )


def route_signals(signals: list[Signal], account: Account, config: EngineConfig) -> list[Route]:
    """One route per signal, in the signals' order (most severe first)."""
    return [route(s, account, config) for s in signals]
