"""build_report: one account as of a day -> the full Report (the JSON of `report --json`).

Pure: plain data in, a report out. Nothing dated after the end of `as_of` (UTC) is used,
even when the caller passes it in.
"""

from __future__ import annotations

from datetime import date
from typing import Any, Protocol

from account_health.domain.config import DEFAULT_CONFIG, EngineConfig
from account_health.domain.facts import AccountView, Window
from account_health.domain.health import (
    engagement_component,
    feedback_component,
    outcome_component,
    overall_confidence,
    overall_score,
    relationship_component,
    tier_for,
)
from account_health.domain.models import AccountData
from account_health.domain.playbooks import playbook_for
from account_health.domain.report import (
    AccountRef,
    Component,
    Evidence,
    Health,
    Report,
    RiskFactor,
    Signal,
)
from account_health.domain.roles import role_table
from account_health.domain.routing import route_signals
from account_health.domain.sentiment import calculate_account_sentiment, voices
from account_health.domain.signals import detect_signals
from account_health.domain.themes import aggregate_themes

LOW_CONFIDENCE = 0.5


class PreviousSnapshot(Protocol):
    """What build_report needs from the last stored snapshot (storage's SnapshotRecord)."""

    overall: float
    tier: str
    components: dict[str, float]


def build_report(
    data: AccountData,
    as_of: date,
    config: EngineConfig | None = None,
    previous: PreviousSnapshot | None = None,
) -> Report:
    config = config or DEFAULT_CONFIG
    view = AccountView(data, as_of, config)
    window = Window.ending(as_of, config.sentiment.window_days)
    previous_window = Window.ending(as_of, config.sentiment.window_days, periods_back=1)
    now, before = voices(view, window), voices(view, previous_window)

    sentiment = calculate_account_sentiment(view, window)
    roles = role_table(view, window, previous_window)
    components = _with_changes({
        "feedback": feedback_component(view, now, before),
        "engagement": engagement_component(view),
        "relationship": relationship_component(view),
        "outcome": outcome_component(view),
    }, previous)
    overall = overall_score(components, config)
    tier = tier_for(overall, config)
    signals = detect_signals(view, roles)
    risk_factors = _risk_factors(signals, sentiment.weighted_average, config, as_of)
    health = Health(
        overall=overall, tier=tier, components=components,  # type: ignore[arg-type]
        risk_factors=risk_factors, confidence=overall_confidence(components, config),
        change=None if previous is None else round(overall - previous.overall, 1),
        previous_tier=getattr(previous, "tier", None),
    )
    account = data.account
    return Report(
        account=AccountRef(id=account.id, name=account.name, arr=account.arr,
                           renewal_date=account.renewal_date, csm=account.csm,
                           channel=account.channel),
        as_of=as_of,
        health=health,
        sentiment=sentiment,
        roles=roles,
        themes=aggregate_themes(view, window),
        signals=signals,
        routing=route_signals(signals, account, config),
        playbook=playbook_for(tier, config),
        warnings=_warnings(data, view, sentiment.note, health.confidence),
    )


def _with_changes(
    components: dict[str, Component], previous: PreviousSnapshot | None
) -> dict[str, Component]:
    if previous is None:
        return components
    changed = {}
    for name, comp in components.items():
        before: Any = previous.components.get(name)
        change = None if before is None else round(comp.score - float(before), 1)
        changed[name] = comp.model_copy(update={"change": change})
    return changed


def _risk_factors(
    signals: list[Signal], weighted_nps: float | None, config: EngineConfig, as_of: date
) -> list[RiskFactor]:
    """seed: identifyRiskFactors - every negative signal, and a weighted NPS under 7.0."""
    factors = [RiskFactor(name=s.name, severity=s.severity, evidence=s.evidence)
               for s in signals if s.type != "expansion_signal"]
    threshold = config.sentiment.nps_threshold
    if weighted_nps is not None and weighted_nps < threshold:
        factors.append(RiskFactor(
            name=f"Weighted account NPS {weighted_nps:.1f} below {threshold:g}", severity="medium",
            evidence=[Evidence(what=f"weighted NPS over the last "
                                    f"{config.sentiment.window_days} days", when=as_of)]))
    return factors


def _warnings(
    data: AccountData, view: AccountView, sentiment_note: str | None, confidence: float
) -> list[str]:
    warnings = [sentiment_note] if sentiment_note else []
    if confidence < LOW_CONFIDENCE:
        warnings.append(f"Low confidence ({confidence:.0%}): much of the data behind this score "
                        "is missing; see each component's missing_treatment.")
    later = sum(len(getattr(data, name)) - len(getattr(view.data, name))
                for name in ("feedback", "usage", "touchpoints", "outcomes"))
    if later:
        warnings.append(f"{later} records dated after {view.as_of} were ignored (as-of view).")
    return warnings
