"""The seed's "Account Sentiment by Role" table, and the risk when a role's satisfaction declines.

Per role: users (current people), responded and average NPS (each person's latest answer in
this window), trend against the previous window: up / down when the average moved by at least
`role_trend_delta` and both windows hold `role_trend_min_respondents` answers (or the whole
role answered), else flat - two or three answers move by a point on noise alone. A role whose
average fell by `role_decline_min_drop` or more, with `role_decline_min_respondents` answers in
both windows, is a risk ("Power user satisfaction declining").
"""

from __future__ import annotations

from collections import defaultdict

from account_health.domain.facts import AccountView, Window
from account_health.domain.models import Role
from account_health.domain.report import Evidence, RoleRow, Signal
from account_health.domain.sentiment import Voice, voices

ROLE_ORDER = [r.value for r in Role]

ROLE_TITLES = {
    "executive_sponsor": "Executive Sponsor",
    "champion": "Champion (Buyer)",
    "admin": "Admins",
    "power_user": "Power Users",
    "casual_user": "Casual Users",
    "dormant": "Dormant Users",
    "end_user": "End Users",
    "it_security": "IT/Security",
}

ROLE_NAMES = {  # singular, for sentences
    "executive_sponsor": "Executive sponsor",
    "champion": "Champion",
    "admin": "Admin",
    "power_user": "Power user",
    "casual_user": "Casual user",
    "dormant": "Dormant user",
    "end_user": "End user",
    "it_security": "IT/Security",
}

TREND_ARROWS = {"up": "↑", "down": "↓", "flat": "→"}


def _by_role(items: list[Voice]) -> dict[str, list[float]]:
    grouped: dict[str, list[float]] = defaultdict(list)
    for v in items:
        grouped[v.role].append(v.score)
    return grouped


def role_table(view: AccountView, window: Window, previous: Window) -> list[RoleRow]:
    now = _by_role(voices(view, window))
    before = _by_role(voices(view, previous))
    users: dict[str, int] = defaultdict(int)
    for p in view.current_people:
        users[p.role.value] += 1
    roles = [r for r in ROLE_ORDER if users.get(r) or now.get(r)]
    cfg = view.config.sentiment
    rows = []
    for role in roles:
        avg = _mean(now.get(role))
        prev = _mean(before.get(role))
        enough = all(len(answers.get(role, [])) >= min(cfg.role_trend_min_respondents,
                                                        max(users.get(role, 0), 1))
                     for answers in (now, before))
        trend = "flat"
        if avg is not None and prev is not None and enough:
            if avg - prev >= cfg.role_trend_delta:
                trend = "up"
            elif prev - avg >= cfg.role_trend_delta:
                trend = "down"
        rows.append(RoleRow(
            role=role, users=users.get(role, 0), responded=len(now.get(role, [])),
            avg_nps=_round(avg), trend=trend, previous_avg_nps=_round(prev),
            previous_responded=len(before.get(role, [])),
        ))
    return rows


def declining_role_signals(rows: list[RoleRow], view: AccountView) -> list[Signal]:
    """seed: "Risk Signal: Power user satisfaction declining"."""
    cfg = view.config.sentiment
    severity = view.config.signals.severities["role_declining"]
    out = []
    for row in rows:
        if min(row.responded, row.previous_responded) < cfg.role_decline_min_respondents:
            continue
        if row.avg_nps is None or row.previous_avg_nps is None:
            continue
        if row.previous_avg_nps - row.avg_nps < cfg.role_decline_min_drop:
            continue
        title = ROLE_NAMES.get(row.role, row.role)
        out.append(Signal(
            type="churn_risk",
            name=f"{title} satisfaction declining",
            severity=severity,  # type: ignore[arg-type]
            key=f"churn_risk:role_declining:{row.role}",
            evidence=[Evidence(
                what=(f"{ROLE_TITLES.get(row.role, row.role)} average NPS {row.avg_nps} "
                      f"({row.responded} answered) against {row.previous_avg_nps} "
                      f"in the previous {cfg.window_days} days"),
                when=view.as_of,
            )],
        ))
    return out


def _mean(values: list[float] | None) -> float | None:
    return sum(values) / len(values) if values else None


def _round(value: float | None) -> float | None:
    return None if value is None else round(value, 1)
