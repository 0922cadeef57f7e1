"""Every signal of the seed's three lists, each with its evidence and a stable `key`.

Champion risk (type champion_at_risk; seed: championRiskIndicators)
    champion_left, champion_role_changed   "LinkedIn shows new role" (left, or answers as
                                            champion but holds another role now)
    responsiveness_decline                  response time up 3x from baseline
    delegation_increase                     forwarding more to deputies
    sentiment_drop                          champion NPS dropped 3+ points (>= 3)
    future_language_absent                  no longer mentions "next year" or roadmap
    frustration_rising                      increasing frustration keywords
    login_drop                              50%+ reduction in the champion's logins
    feature_exploration_stop                no new feature adopted in 60 days (by a champion
                                            who adopted features before)
Expansion (type expansion_signal; seed: Expansion Signals)
    need_more_seats, high_power_user_ratio, cross_department_interest, looking_forward,
    feature_requests
Churn (type churn_risk, severities from the seed's table)
    champion_nps_drop (> 3, critical), usage_decline (> 40%, high), support_escalations
    (high; type support_escalation so the routing table's support row applies),
    no_exec_engagement (90+ days, medium), competitor_mentions (medium),
    evaluating_alternatives (critical), it_security_negative (veto power, high),
    role_declining (from the role table, medium)
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import timedelta
from statistics import median

from account_health.domain import phrases
from account_health.domain.facts import (
    AccountView,
    Comment,
    Window,
    as_utc,
    days_between,
    end_of_day,
)
from account_health.domain.health import last_executive_engagement, login_trend
from account_health.domain.models import FeedbackKind, Role, TouchpointKind
from account_health.domain.report import Evidence, RoleRow, Signal, SignalType
from account_health.domain.roles import declining_role_signals

MAX_EVIDENCE = 5
SEVERITY_ORDER = {"critical": 0, "high": 1, "medium": 2, "low": 3}


def _signal(
    view: AccountView, type_: SignalType, key: str, name: str, evidence: Iterable[Evidence]
) -> Signal:
    return Signal(
        type=type_, name=name, severity=view.config.signals.severities[key],  # type: ignore[arg-type]
        key=f"{type_}:{key}", evidence=list(evidence)[:MAX_EVIDENCE],
    )


def _quote(view: AccountView, c: Comment) -> Evidence:
    return view.evidence(c.feedback, f'"{c.text}"')


def _windows(view: AccountView) -> tuple[Window, Window]:
    days = view.config.sentiment.window_days
    return Window.ending(view.as_of, days), Window.ending(view.as_of, days, periods_back=1)


# --- champion risk ---------------------------------------------------------------------------

def champion_departures(view: AccountView) -> list[Signal]:
    cfg = view.config.signals
    since = end_of_day(view.as_of) - timedelta(days=cfg.champion_left_days)
    out = []
    left = [p for p in view.data.people
            if p.role is Role.CHAMPION and p.left_at is not None and as_utc(p.left_at) > since]
    if left:
        out.append(_signal(view, "champion_at_risk", "champion_left", "Champion left the company",
                           [Evidence(what="left the customer", who=view.label(p.id), when=p.left_at)
                            for p in left]))
    recent_start = end_of_day(view.as_of) - timedelta(days=cfg.baseline_days)
    moved = {}
    for fb in view.data.feedback:
        person = view.people.get(fb.person_id or "")
        if (fb.role is Role.CHAMPION and person is not None and person.left_at is None
                and person.role is not Role.CHAMPION and as_utc(fb.submitted_at) > recent_start):
            moved[person.id] = Evidence(
                what=f"answered as champion, now {person.role.value}",
                who=view.label(person.id), when=fb.submitted_at)
    if moved:
        out.append(_signal(view, "champion_at_risk", "champion_role_changed",
                           "Champion changed role", moved.values()))
    return out


def responsiveness_decline(view: AccountView) -> list[Signal]:
    cfg = view.config.signals
    champions = {p.id for p in view.with_role(Role.CHAMPION)}
    recent = Window.ending(view.as_of, cfg.recent_days)
    baseline = Window(recent.start - timedelta(days=cfg.baseline_days), recent.start)
    timed = [t for t in view.data.touchpoints if t.response_hours is not None
             and (t.kind is TouchpointKind.CHAMPION_CONTACT or t.person_id in champions)]
    now = [t.response_hours or 0.0 for t in timed if t.at in recent]
    before = [t.response_hours or 0.0 for t in timed if t.at in baseline]
    if not now or not before:
        return []
    # The baseline is the typical (median) response before: a decline that started inside
    # the baseline window would inflate a mean and hide the very slowdown we look for.
    now_avg, typical = sum(now) / len(now), median(before)
    if typical <= 0 or now_avg < cfg.responsiveness_factor * typical:
        return []
    return [_signal(view, "champion_at_risk", "responsiveness_decline",
                    "Champion responsiveness declining",
                    [Evidence(what=f"average response {now_avg:.0f} h over the last "
                                   f"{cfg.recent_days} days against a typical {typical:.0f} h "
                                   f"before ({now_avg / typical:.1f}x)", when=view.as_of)])]


def delegation_increase(view: AccountView) -> list[Signal]:
    cfg = view.config.signals
    recent = Window.ending(view.as_of, cfg.recent_days)
    baseline = Window(recent.start - timedelta(days=cfg.baseline_days), recent.start)
    delegated = [t for t in view.data.touchpoints if t.kind is TouchpointKind.DELEGATED]
    now = [t for t in delegated if t.at in recent]
    before = sum(1 for t in delegated if t.at in baseline)
    before_rate = before * cfg.recent_days / cfg.baseline_days
    if len(now) < cfg.delegation_min_recent or len(now) < cfg.delegation_factor * before_rate:
        return []
    return [_signal(view, "champion_at_risk", "delegation_increase",
                    "Champion delegating more to deputies",
                    [Evidence(what=f"delegated: {t.note or 'forwarded to a deputy'}",
                              who=view.label(t.person_id) if t.person_id else None, when=t.at)
                     for t in sorted(now, key=lambda t: t.at, reverse=True)])]


def champion_nps_drops(view: AccountView) -> list[Signal]:
    """Each champion's latest NPS in the window against their answer before it.
    A drop of 3+ is a champion risk; a drop of more than 3 is also a critical churn risk."""
    cfg = view.config.signals
    window, _ = _windows(view)
    champions = {p.id for p in view.with_role(Role.CHAMPION)}
    risk, churn = [], []
    for person_id in sorted(champions):
        answers = sorted((fb for fb in view.data.feedback if fb.person_id == person_id
                          and fb.kind is FeedbackKind.NPS and fb.score is not None),
                         key=lambda fb: fb.submitted_at)
        if len(answers) < 2 or answers[-1].submitted_at not in window:
            continue
        before, latest = answers[-2], answers[-1]
        drop = (before.score or 0.0) - (latest.score or 0.0)
        evidence = [view.evidence(latest, f"NPS {latest.score:g} (was {before.score:g} on "
                                          f"{as_utc(before.submitted_at).date()})")]
        if drop >= cfg.sentiment_drop_at_least:
            risk += evidence
        if drop > cfg.champion_nps_drop_over:
            churn += evidence
    out = []
    if risk:
        out.append(_signal(view, "champion_at_risk", "sentiment_drop",
                           f"Champion NPS dropped {cfg.sentiment_drop_at_least:g}+ points", risk))
    if churn:
        out.append(_signal(view, "churn_risk", "champion_nps_drop",
                           f"Champion NPS drop > {cfg.champion_nps_drop_over:g}", churn))
    return out


def _champion_comments(view: AccountView, window: Window) -> list[Comment]:
    champions = {p.id for p in view.with_role(Role.CHAMPION)}
    return [c for c in view.comments_in(window)
            if c.person_id in champions or c.role == Role.CHAMPION.value]


def future_language_absent(view: AccountView) -> list[Signal]:
    now_w, before_w = _windows(view)
    before = [c for c in _champion_comments(view, before_w) if phrases.FUTURE_LANGUAGE in c.signals]
    now = _champion_comments(view, now_w)
    if not before or not now or any(phrases.FUTURE_LANGUAGE in c.signals for c in now):
        return []
    evidence = [_quote(view, before[-1])] + [
        Evidence(what=f'now: "{c.text}"', who=view.label(c.person_id, c.role), when=c.when)
        for c in now[-2:]]
    return [_signal(view, "champion_at_risk", "future_language_absent",
                    'Champion no longer mentions "next year" or the roadmap', evidence)]


def frustration_rising(view: AccountView) -> list[Signal]:
    now_w, before_w = _windows(view)
    now = [c for c in _champion_comments(view, now_w) if phrases.FRUSTRATION in c.signals]
    before = [c for c in _champion_comments(view, before_w) if phrases.FRUSTRATION in c.signals]
    if not now or len(now) <= len(before):
        return []
    return [_signal(view, "champion_at_risk", "frustration_rising",
                    "Rising frustration from the champion",
                    [_quote(view, c) for c in now])]


def champion_login_drop(view: AccountView) -> list[Signal]:
    cfg = view.config.signals
    evidence = []
    for p in view.with_role(Role.CHAMPION):
        trend = login_trend(view, p.id)
        if trend is None or trend[1] <= 0:
            continue
        now, before = trend
        if 1 - now / before >= cfg.login_drop_at_least:
            evidence.append(Evidence(
                what=f"{now:.1f} logins a week recently against {before:.1f} before "
                     f"({1 - now / before:.0%} fewer)", who=view.label(p.id), when=view.as_of))
    if not evidence:
        return []
    return [_signal(view, "champion_at_risk", "login_drop",
                    f"Champion logins down {cfg.login_drop_at_least:.0%}+", evidence)]


def feature_exploration_stop(view: AccountView) -> list[Signal]:
    cfg = view.config.signals
    since = view.as_of - timedelta(days=cfg.feature_exploration_days)
    evidence = []
    for p in view.with_role(Role.CHAMPION):
        rows = [u for u in view.data.usage
                if u.person_id == p.id and u.new_features_adopted is not None]
        last = max((u.week for u in rows if u.new_features_adopted), default=None)
        # A stop needs an explorer: someone who adopted features before and no longer does.
        if last is not None and last <= since:
            evidence.append(Evidence(
                what=f"no new feature adopted in {cfg.feature_exploration_days} days "
                     f"(last on the week of {last})", who=view.label(p.id), when=view.as_of))
    if not evidence:
        return []
    return [_signal(view, "champion_at_risk", "feature_exploration_stop",
                    "Champion stopped exploring features", evidence)]


# --- expansion and text signals --------------------------------------------------------------

_TEXT_SIGNALS: list[tuple[str, str, SignalType, str]] = [
    # (phrase label, signal key, type, name)
    (phrases.NEED_MORE_SEATS, "need_more_seats", "expansion_signal", '"Need more seats"'),
    (phrases.CROSS_DEPARTMENT, "cross_department_interest", "expansion_signal",
     "Cross-department interest"),
    (phrases.LOOKING_FORWARD, "looking_forward", "expansion_signal", '"Looking forward to"'),
    (phrases.EVALUATING_ALTERNATIVES, "evaluating_alternatives", "churn_risk",
     '"Evaluating alternatives"'),
]


def text_signals(view: AccountView) -> list[Signal]:
    window, _ = _windows(view)
    comments = view.comments_in(window)
    out = []
    for label, key, type_, name in _TEXT_SIGNALS:
        hits = [c for c in comments if label in c.signals]
        if hits:
            out.append(_signal(view, type_, key, name, [_quote(view, c) for c in reversed(hits)]))
    named = [c for c in comments if c.competitors]
    if named:
        names = sorted({n for c in named for n in c.competitors})
        out.append(_signal(view, "churn_risk", "competitor_mentions",
                           f"Competitor mentions: {', '.join(names)}",
                           [_quote(view, c) for c in reversed(named)]))
    return out


def feature_requests(view: AccountView) -> list[Signal]:
    window, _ = _windows(view)
    people: dict[str, Evidence] = {}
    for fb in view.data.feedback:
        if fb.kind is FeedbackKind.ENHANCEMENT_REQUEST and fb.submitted_at in window:
            people[fb.person_id or fb.id] = view.evidence(fb, f'request: "{fb.comment or ""}"')
    for c in view.comments_in(window):
        if phrases.FEATURE_REQUEST in c.signals:
            people.setdefault(c.person_id or c.feedback.id, _quote(view, c))
    if len(people) < view.config.signals.feature_requests_min_people:
        return []
    return [_signal(view, "expansion_signal", "feature_requests",
                    f"Feature requests from {len(people)} people", people.values())]


def high_power_user_ratio(view: AccountView) -> list[Signal]:
    cfg = view.config.signals
    active = view.active_count
    if active < cfg.power_user_min_active:
        return []
    power = sum(1 for p in view.with_role(Role.POWER_USER) if view.is_active(p.id))
    if power / active < cfg.power_user_ratio_at_least:
        return []
    return [_signal(view, "expansion_signal", "high_power_user_ratio", "High power-user ratio",
                    [Evidence(what=f"{power} of {active} active users are power users "
                                   f"({power / active:.0%})", when=view.as_of)])]


# --- churn -----------------------------------------------------------------------------------

def usage_decline(view: AccountView) -> list[Signal]:
    cfg = view.config
    trend = login_trend(view)
    if trend is None or trend[1] <= 0:
        return []
    now, before = trend
    decline = 1 - now / before
    if decline <= cfg.signals.usage_decline_over:
        return []
    return [_signal(view, "churn_risk", "usage_decline",
                    f"Usage decline > {cfg.signals.usage_decline_over:.0%}",
                    [Evidence(what=f"{now:.1f} logins a week over the last "
                                   f"{cfg.health.recent_weeks} complete weeks against "
                                   f"{before:.1f} before ({decline:.0%} fewer)", when=view.as_of)])]


def support_escalations(view: AccountView) -> list[Signal]:
    window = Window.ending(view.as_of, view.config.signals.escalation_days)
    hits = [t for t in view.data.touchpoints
            if t.kind is TouchpointKind.SUPPORT_ESCALATION and t.at in window]
    if not hits:
        return []
    return [_signal(view, "support_escalation", "support_escalations",
                    f"Support escalations ({len(hits)} in "
                    f"{view.config.signals.escalation_days} days)",
                    [Evidence(what=f"escalation: {t.note or 'support escalation'}",
                              who=view.label(t.person_id) if t.person_id else None, when=t.at)
                     for t in sorted(hits, key=lambda t: t.at, reverse=True)])]


def no_exec_engagement(view: AccountView) -> list[Signal]:
    limit = view.config.signals.no_exec_engagement_days
    last = last_executive_engagement(view)
    if last is not None and days_between(last[0], view.as_of) < limit:
        return []
    what = ("no executive engagement on record" if last is None
            else f"last executive engagement ({last[1]}) "
                 f"{days_between(last[0], view.as_of)} days ago")
    return [_signal(view, "churn_risk", "no_exec_engagement",
                    f"No exec engagement {limit}+ days",
                    [Evidence(what=what, when=last[0] if last else None)])]


def it_security_negative(view: AccountView) -> list[Signal]:
    """IT/Security holds a veto: any negative answer from it is a risk of its own."""
    cfg = view.config.signals
    window, _ = _windows(view)
    evidence = []
    for fb in view.data.feedback:
        if view.role_of(fb) != Role.IT_SECURITY.value or fb.submitted_at not in window:
            continue
        is_nps = fb.kind is FeedbackKind.NPS
        if is_nps and fb.score is not None and fb.score <= cfg.it_security_nps_max:
            evidence.append(view.evidence(fb, f"NPS {fb.score:g}"))
        elif not is_nps and fb.score is not None \
                and fb.score <= cfg.it_security_scale5_max:
            evidence.append(view.evidence(fb, f"{fb.kind.value} {fb.score:g}/5"))
        elif fb.overall_satisfaction is not None \
                and fb.overall_satisfaction <= cfg.it_security_scale5_max:
            evidence.append(
                view.evidence(fb, f"overall satisfaction {fb.overall_satisfaction:g}/5"))
    for c in view.comments_in(window):
        if c.role == Role.IT_SECURITY.value and c.sentiment is not None \
                and c.sentiment <= cfg.negative_comment_max:
            evidence.append(_quote(view, c))
    if not evidence:
        return []
    return [_signal(view, "churn_risk", "it_security_negative",
                    "IT/Security negative (veto power)", evidence)]


DETECTORS: list[Callable[[AccountView], list[Signal]]] = [
    champion_departures, responsiveness_decline, delegation_increase, champion_nps_drops,
    future_language_absent, frustration_rising, champion_login_drop, feature_exploration_stop,
    text_signals, feature_requests, high_power_user_ratio,
    usage_decline, support_escalations, no_exec_engagement, it_security_negative,
]


def detect_signals(view: AccountView, roles: list[RoleRow]) -> list[Signal]:
    found = [s for detect in DETECTORS for s in detect(view)]
    found += declining_role_signals(roles, view)
    return sorted(found, key=lambda s: (SEVERITY_ORDER[s.severity], s.type, s.key))
