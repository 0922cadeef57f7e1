"""The seed's multi-signal health score: four components, each 0-100, weighted 40/30/20/10.

Each component is the sum of its inputs' points (the point split is in HealthConfig):

feedback      weighted NPS (the seed's threshold 7.0 earns 75%, 9 earns all, 4 nothing), coverage
              (respondents / active users against the 30% target), sentiment trend (weighted NPS
              now against the previous window; flat earns 75%), open issues (people raising bugs
              or negative comments / active users: full up to 10%, none from 40%)
engagement    active user % and usage vs licence (full from 80%), feature adoption depth (features
              used per active user-week against a target of 5), login frequency trend (recent
              weeks against the weeks before)
relationship  days since champion contact (full within 14 days, none at 90), EBR completed within
              the segment's cadence (180 days; mid-market 210; smb has no EBR programme), support
              ticket sentiment, executive engagement (full within 30 days, none at 90)
outcome       reported ROI (none reported is missing, not zero), goal achievement, expansion
              actions (expanded all, steady half, contracted none), reference willingness

Missing data is explicit: an input with no data earns `missing_share` (50%) of its points -
neutral, neither perfect nor zero - is flagged `missing`, and lowers the component's
confidence (the share of its points backed by data). The component says so in words.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta

from account_health.domain.config import EngineConfig
from account_health.domain.facts import (
    AccountView,
    Window,
    as_utc,
    days_between,
    end_of_day,
    recent_vs_baseline,
)
from account_health.domain.models import (
    FeedbackKind,
    Outcome,
    OutcomeKind,
    RenewalOutcome,
    Role,
    TouchpointKind,
)
from account_health.domain.report import Component, Evidence, ScoreInput, Tier
from account_health.domain.sentiment import Voice, weighted_average

COMPONENTS = ("feedback", "engagement", "relationship", "outcome")
MAX_EVIDENCE = 5


# --- scoring helpers ------------------------------------------------------------------------

def _clamp(share: float) -> float:
    return max(0.0, min(1.0, share))


def _linear_decay(days: int, full_days: int, zero_days: int) -> float:
    """1 up to `full_days`, 0 from `zero_days`, linear between."""
    if days <= full_days:
        return 1.0
    if days >= zero_days:
        return 0.0
    return (zero_days - days) / (zero_days - full_days)


def score_input(
    name: str,
    value: float | str | None,
    share: float | None,
    max_points: float,
    config: EngineConfig,
    evidence: Sequence[Evidence] = (),
) -> ScoreInput:
    """One input: `share` (0..1) of its points, or None when there is no data (neutral)."""
    missing = share is None
    earned = config.health.missing_share if share is None else _clamp(share)
    return ScoreInput(
        name=name, value=value, points=round(earned * max_points, 2), max_points=max_points,
        evidence=list(evidence)[:MAX_EVIDENCE], missing=missing,
    )


def component(inputs: list[ScoreInput], config: EngineConfig) -> Component:
    total = sum(i.max_points for i in inputs)
    score = sum(i.points for i in inputs) / total * 100 if total else 0.0
    known = sum(i.max_points for i in inputs if not i.missing)
    missing = [i.name for i in inputs if i.missing]
    treatment = None
    if missing:
        treatment = (
            f"No data for {', '.join(missing)}: scored neutral "
            f"({config.health.missing_share:.0%} of their points), not perfect and not zero; "
            f"confidence lowered to {known / total:.0%}."
        )
    return Component(
        score=round(score, 1), confidence=round(known / total, 2) if total else 0.0,
        signals=inputs, missing_treatment=treatment,
    )


# --- feedback --------------------------------------------------------------------------------

def feedback_component(view: AccountView, now: list[Voice], before: list[Voice]) -> Component:
    cfg, pts = view.config, view.config.health.feedback_points
    window = Window.ending(view.as_of, cfg.sentiment.window_days)
    heaviest = sorted(now, key=lambda v: (-v.weight, v.feedback.submitted_at))
    nps_now, nps_before = weighted_average(now), weighted_average(before)
    inputs = [
        score_input(
            "weighted_nps", _r(nps_now), None if nps_now is None else nps_share(nps_now, cfg),
            pts["weighted_nps"], cfg,
            [view.evidence(v.feedback, f"NPS {v.score:g} (weight {v.weight:g})") for v in heaviest],
        ),
        _coverage_input(view, now),
        _trend_input(view, nps_now, nps_before),
        _open_issues_input(view, window),
    ]
    return component(inputs, cfg)


def nps_share(nps: float, config: EngineConfig) -> float:
    """The share of the weighted-NPS points: `nps_threshold_share` at the seed's threshold, all
    at promoter level, falling to 0 at `nps_zero_at` (two line segments through those points)."""
    h, s = config.health, config.sentiment
    if nps >= s.nps_threshold:
        above = (nps - s.nps_threshold) / (s.promoter_min - s.nps_threshold)
        return _clamp(h.nps_threshold_share + above * (1 - h.nps_threshold_share))
    return _clamp(h.nps_threshold_share * (nps - h.nps_zero_at) / (s.nps_threshold - h.nps_zero_at))


def _coverage_input(view: AccountView, now: list[Voice]) -> ScoreInput:
    cfg = view.config
    active = view.active_count
    coverage = len(now) / active if active else None
    return score_input(
        "coverage", _r(coverage, 3),
        None if coverage is None else coverage / cfg.health.coverage_target,
        cfg.health.feedback_points["coverage"], cfg,
        [Evidence(what=f"{len(now)} of {active} active users answered NPS in the last "
                       f"{cfg.sentiment.window_days} days "
                       f"(target {cfg.health.coverage_target:.0%})",
                  when=view.as_of)],
    )


def _trend_input(view: AccountView, nps_now: float | None, nps_before: float | None) -> ScoreInput:
    h = view.config.health
    if nps_now is None or nps_before is None:
        return score_input("sentiment_trend", None, None, h.feedback_points["sentiment_trend"],
                           view.config, [Evidence(what="no NPS in one of the two windows")])
    delta = nps_now - nps_before
    return score_input(
        "sentiment_trend", _r(delta), h.trend_flat_share + delta * h.trend_points_per_nps,
        h.feedback_points["sentiment_trend"], view.config,
        [Evidence(what=f"weighted NPS {nps_now:.1f} now against {nps_before:.1f} in the previous "
                       f"{view.config.sentiment.window_days} days", when=view.as_of)],
    )


def _open_issues_input(view: AccountView, window: Window) -> ScoreInput:
    h = view.config.health
    in_window = [fb for fb in view.data.feedback if fb.submitted_at in window]
    if not in_window:
        return score_input("open_issues", None, None, h.feedback_points["open_issues"],
                           view.config, [Evidence(what="no feedback in the window")])
    raisers: dict[str, Evidence] = {}
    for fb in in_window:
        if fb.kind is FeedbackKind.BUG_REPORT:
            raisers.setdefault(fb.person_id or fb.id, view.evidence(fb, f"bug: {fb.comment or ''}"))
    for c in view.comments_in(window):
        negative = c.sentiment is not None and c.sentiment <= h.issue_sentiment_max
        if negative or "frustration" in c.signals:
            raisers.setdefault(c.person_id or c.feedback.id, view.evidence(c.feedback, c.text))
    active = max(view.active_count, 1)
    rate = len(raisers) / active
    span = h.issue_rate_zero_points - h.issue_rate_full_points
    share = (h.issue_rate_zero_points - rate) / span
    return score_input(
        "open_issues", len(raisers), share, h.feedback_points["open_issues"], view.config,
        [Evidence(what=f"{len(raisers)} of {view.active_count} active users raised an issue "
                       f"({rate:.0%}; full points up to {h.issue_rate_full_points:.0%}, none from "
                       f"{h.issue_rate_zero_points:.0%})", when=view.as_of),
         *raisers.values()],
    )


# --- engagement ------------------------------------------------------------------------------

def engagement_component(view: AccountView) -> Component:
    cfg, pts = view.config, view.config.health.engagement_points
    people = len(view.current_people)
    active = view.active_count
    licensed = view.data.account.users_licensed
    h = cfg.health
    inputs = [
        score_input(
            "active_users", _r(active / people, 3) if people else None,
            active / people / h.active_users_target if people else None, pts["active_users"], cfg,
            [Evidence(what=f"{active} of {people} users active "
                           f"(target {h.active_users_target:.0%})", when=view.as_of)],
        ),
        _adoption_input(view),
        _login_trend_input(view),
        score_input(
            "license_usage", _r(active / licensed, 3) if licensed else None,
            active / licensed / h.license_usage_target if licensed else None,
            pts["license_usage"], cfg,
            [Evidence(what=f"{active} active users on {licensed} licensed seats "
                           f"(target {h.license_usage_target:.0%})")] if licensed
            else [Evidence(what="users_licensed not given")],
        ),
    ]
    return component(inputs, cfg)


def _adoption_input(view: AccountView) -> ScoreInput:
    h = view.config.health
    recent = set(view.weeks[-h.recent_weeks:])
    rows = [u for u in view.data.usage
            if u.week in recent and u.logins > 0 and u.features_used is not None]
    if not rows:
        return score_input("feature_adoption", None, None, h.engagement_points["feature_adoption"],
                           view.config, [Evidence(what="no features_used data in recent weeks")])
    depth = sum(u.features_used or 0 for u in rows) / len(rows)
    return score_input(
        "feature_adoption", _r(depth), depth / h.feature_depth_target,
        h.engagement_points["feature_adoption"], view.config,
        [Evidence(what=f"{depth:.1f} features used per active user-week over the last "
                       f"{len(recent)} complete weeks (target {h.feature_depth_target:g})")],
    )


def login_trend(view: AccountView, person_id: str | None = None) -> tuple[float, float] | None:
    """(recent average weekly logins, baseline average) for the account or one person."""
    h = view.config.health
    return recent_vs_baseline(view.logins_by_week(person_id), view.weeks,
                              h.recent_weeks, h.baseline_weeks)


def _login_trend_input(view: AccountView) -> ScoreInput:
    h = view.config.health
    trend = login_trend(view)
    if trend is None or trend[1] == 0:
        return score_input("login_trend", None, None, h.engagement_points["login_trend"],
                           view.config, [Evidence(what="not enough weeks of usage to compare")])
    now, before = trend
    ratio = now / before
    return score_input(
        "login_trend", _r(ratio - 1, 3), ratio, h.engagement_points["login_trend"], view.config,
        [Evidence(what=f"{now:.1f} logins a week over the last {h.recent_weeks} complete weeks "
                       f"against {before:.1f} over the {h.baseline_weeks} before")],
    )


# --- relationship ----------------------------------------------------------------------------

def last_champion_contact(view: AccountView) -> datetime | None:
    champions = {p.id for p in view.with_role(Role.CHAMPION)}
    times = [t.at for t in view.data.touchpoints
             if t.kind is TouchpointKind.CHAMPION_CONTACT
             or (t.person_id in champions and t.kind is not TouchpointKind.DELEGATED)]
    return max(times, default=None)


def last_executive_engagement(view: AccountView) -> tuple[datetime, str] | None:
    """The latest exec meeting, EBR, or answer from an executive sponsor, and what it was."""
    execs = {p.id for p in view.people.values() if p.role is Role.EXECUTIVE_SPONSOR}
    events = [(t.at, t.kind.value) for t in view.data.touchpoints
              if t.kind in (TouchpointKind.EXEC_MEETING, TouchpointKind.EBR)
              or (t.person_id in execs and t.kind is not TouchpointKind.DELEGATED)]
    events += [(fb.submitted_at, f"{fb.kind.value} from the executive sponsor")
               for fb in view.data.feedback if view.role_of(fb) == Role.EXECUTIVE_SPONSOR.value]
    return max(events, default=None, key=lambda e: e[0])


def relationship_component(view: AccountView) -> Component:
    cfg, h = view.config, view.config.health
    pts = h.relationship_points
    has_touchpoints = bool(view.data.touchpoints)
    inputs = []

    contact = last_champion_contact(view)
    if contact is not None:
        days = days_between(contact, view.as_of)
        share = _linear_decay(days, h.champion_contact_full_days, h.champion_contact_zero_days)
        inputs.append(score_input("champion_contact", days, share, pts["champion_contact"], cfg,
                                  [Evidence(what=f"last champion contact {days} days ago",
                                            when=contact)]))
    else:
        inputs.append(score_input(
            "champion_contact", None, 0.0 if has_touchpoints else None, pts["champion_contact"],
            cfg, [Evidence(what="no champion contact on record")]))

    inputs.append(_ebr_input(view, has_touchpoints))
    inputs.append(_support_input(view))

    exec_event = last_executive_engagement(view)
    if exec_event is not None:
        days = days_between(exec_event[0], view.as_of)
        share = _linear_decay(days, h.exec_engagement_full_days, h.exec_engagement_zero_days)
        inputs.append(score_input(
            "executive_engagement", days, share, pts["executive_engagement"], cfg,
            [Evidence(what=f"last executive engagement ({exec_event[1]}) {days} days ago",
                      when=exec_event[0])]))
    else:
        inputs.append(score_input(
            "executive_engagement", None, 0.0 if has_touchpoints else None,
            pts["executive_engagement"], cfg, [Evidence(what="no executive engagement on record")]))
    return component(inputs, cfg)


def _ebr_input(view: AccountView, has_touchpoints: bool) -> ScoreInput:
    h, cfg = view.config.health, view.config
    max_points = h.relationship_points["ebr_completion"]
    segment = view.data.account.segment
    expected = h.ebr_interval_days_by_segment.get(segment or "", h.ebr_interval_days)
    ebr_times = [t.at for t in view.data.touchpoints if t.kind is TouchpointKind.EBR]
    ebr_times += [fb.submitted_at for fb in view.data.feedback
                  if fb.kind is FeedbackKind.EBR_FEEDBACK]
    last_ebr = max(ebr_times, default=None)
    days = None if last_ebr is None else days_between(last_ebr, view.as_of)
    if expected is None:  # no EBR programme for this segment: only a recent EBR counts (a plus)
        if days is not None and days <= h.ebr_interval_days:
            return score_input("ebr_completion", "completed", 1.0, max_points, cfg,
                               [Evidence(what=f"last EBR {days} days ago", when=last_ebr)])
        return score_input("ebr_completion", "not expected", 0.0, 0.0, cfg, [Evidence(
            what=f"no EBR programme for the {segment} segment: not scored")])
    if days is not None:
        done = days <= expected
        return score_input(
            "ebr_completion", "completed" if done else "overdue", float(done), max_points, cfg,
            [Evidence(what=f"last EBR {days} days ago (due every {expected})", when=last_ebr)])
    return score_input(
        "ebr_completion", "none" if has_touchpoints else None, 0.0 if has_touchpoints else None,
        max_points, cfg, [Evidence(what="no EBR on record")])


def _support_input(view: AccountView) -> ScoreInput:
    h = view.config.health
    window = Window.ending(view.as_of, view.config.sentiment.window_days)
    tickets = [t for t in view.data.touchpoints
               if t.kind in (TouchpointKind.SUPPORT_TICKET, TouchpointKind.SUPPORT_ESCALATION)
               and t.at in window and t.sentiment is not None]
    if not tickets:
        return score_input("support_sentiment", None, None,
                           h.relationship_points["support_sentiment"], view.config,
                           [Evidence(what="no rated support tickets in the window")])
    mean = sum(t.sentiment or 0.0 for t in tickets) / len(tickets)
    worst = sorted(tickets, key=lambda t: t.sentiment or 0.0)
    return score_input(
        "support_sentiment", _r(mean), (mean + 1) / 2, h.relationship_points["support_sentiment"],
        view.config,
        [Evidence(what=f"{t.kind.value} sentiment {t.sentiment:+.2f}: {t.note or ''}".strip(),
                  who=view.label(t.person_id) if t.person_id else None, when=t.at)
         for t in worst],
    )


# --- outcome ---------------------------------------------------------------------------------

def outcome_component(view: AccountView) -> Component:
    cfg, h = view.config, view.config.health
    pts = h.outcome_points
    since = end_of_day(view.as_of) - timedelta(days=h.outcome_lookback_days)
    recent = [o for o in view.data.outcomes if as_utc(o.at) > since]
    known = bool(view.data.outcomes)
    ev = [Evidence(what=f"{o.kind.value}" + (f" {o.value:g}" if o.value is not None else ""),
                   when=o.at) for o in sorted(recent, key=lambda o: o.at, reverse=True)]

    def of(*kinds: OutcomeKind) -> list[Evidence]:
        names = {k.value for k in kinds}
        return [e for e in ev if e.what.split()[0] in names]

    roi = [o for o in recent if o.kind is OutcomeKind.ROI_REPORTED]
    realization = [fb for fb in view.data.feedback
                   if fb.value_realization is not None and as_utc(fb.submitted_at) > since]
    if roi:
        roi_input = score_input("reported_roi", "reported", 1.0, pts["reported_roi"], cfg,
                                of(OutcomeKind.ROI_REPORTED))
    elif realization:
        latest = max(realization, key=lambda fb: fb.submitted_at)
        value = latest.value_realization or 1.0
        roi_input = score_input(
            "reported_roi", value, (value - 1) / 4, pts["reported_roi"], cfg,
            [view.evidence(latest, f"value realization {value:g}/5")])
    else:  # not reporting an ROI says nothing about the ROI: missing, not zero
        roi_input = score_input("reported_roi", None, None, pts["reported_roi"], cfg,
                                [Evidence(what="no ROI reported in the last year")])

    achieved = sum(1 for o in recent if o.kind is OutcomeKind.GOAL_ACHIEVED)
    missed = sum(1 for o in recent if o.kind is OutcomeKind.GOAL_MISSED)
    goals = achieved + missed
    goal_input = score_input(
        "goal_achievement", f"{achieved}/{goals}" if goals else None,
        achieved / goals if goals else None, pts["goal_achievement"], cfg,
        of(OutcomeKind.GOAL_ACHIEVED, OutcomeKind.GOAL_MISSED)
        or [Evidence(what="no goals on record")])

    expansion_input = _expansion_input(view, recent, known, of(OutcomeKind.EXPANSION))

    refs = [o for o in recent
            if o.kind in (OutcomeKind.REFERENCE_WILLING, OutcomeKind.REFERENCE_DECLINED)]
    latest_ref = max(refs, key=lambda o: o.at, default=None)
    ref_input = score_input(
        "reference_willingness", latest_ref.kind.value if latest_ref else None,
        None if latest_ref is None else float(latest_ref.kind is OutcomeKind.REFERENCE_WILLING),
        pts["reference_willingness"], cfg,
        of(OutcomeKind.REFERENCE_WILLING, OutcomeKind.REFERENCE_DECLINED)[:1]
        or [Evidence(what="no reference answer on record")])
    return component([roi_input, goal_input, expansion_input, ref_input], cfg)


def _expansion_input(
    view: AccountView, recent: list[Outcome], known: bool, evidence: list[Evidence]
) -> ScoreInput:
    """Expanded: all points; contracted or churned: none; steady (renewed flat, or no renewal
    and no expansion in the year): `expansion_steady_share`; nothing on record: missing."""
    h = view.config.health
    renewals = [r for r in view.data.renewals
                if (view.as_of - r.date).days <= h.outcome_lookback_days]
    expansions = sum(1 for o in recent if o.kind is OutcomeKind.EXPANSION)
    expansions += sum(1 for r in renewals if r.outcome is RenewalOutcome.EXPANDED)
    evidence = evidence + [Evidence(what=f"renewal {r.outcome.value}", when=r.date)
                           for r in renewals]
    shrunk = any(r.outcome in (RenewalOutcome.CONTRACTED, RenewalOutcome.CHURNED)
                 for r in renewals)
    if expansions:
        share: float | None = 1.0
    elif shrunk:
        share = 0.0
    elif known or renewals:
        share = h.expansion_steady_share
        evidence = evidence or [Evidence(what="no expansion and no contraction in the last year")]
    else:
        share = None
    return score_input("expansion_actions", None if share is None else expansions, share,
                       h.outcome_points["expansion_actions"], view.config,
                       evidence or [Evidence(what="no outcomes or renewals on record")])


# --- overall ---------------------------------------------------------------------------------

def overall_score(components: dict[str, Component], config: EngineConfig) -> float:
    """seed: feedback x 0.4 + engagement x 0.3 + relationship x 0.2 + outcome x 0.1."""
    weights = config.health.component_weights
    return round(sum(components[name].score * weights[name] for name in COMPONENTS), 1)


def overall_confidence(components: dict[str, Component], config: EngineConfig) -> float:
    weights = config.health.component_weights
    return round(sum(components[name].confidence * weights[name] for name in COMPONENTS), 2)


def tier_for(score: float, config: EngineConfig) -> Tier:
    """seed: green > 80, yellow 60-80, red < 60. Exactly 80 and exactly 60 are yellow."""
    if score > config.health.green_above:
        return "green"
    if score < config.health.red_below:
        return "red"
    return "yellow"


def _r(value: float | None, digits: int = 2) -> float | None:
    return None if value is None else round(value, digits)
