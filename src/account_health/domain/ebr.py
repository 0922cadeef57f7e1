"""The seed's EBR agenda, as text, built from a report.

1. Relationship Health Summary   overall satisfaction, top 3 feedback themes, support metrics
2. Business Outcomes             goals, ROI, usage highlights
3. Feedback-Driven Discussion    the top themes, how many raised each and which roles
4. Forward Planning              roadmap preview, expansion opportunities, success criteria
"""

from __future__ import annotations

from account_health.domain.report import Report, ScoreInput, Theme

TOP_THEMES = 3


def _input(report: Report, component: str, name: str) -> ScoreInput | None:
    for item in report.health.components[component].signals:
        if item.name == name:
            return item
    return None


def _evidence_line(item: ScoreInput | None, fallback: str) -> str:
    if item is None or item.missing or not item.evidence:
        return fallback
    return item.evidence[0].what


def _theme_prompt(theme: Theme) -> str:
    if theme.sentiment == "negative":
        return f'"What would make {theme.topic.lower()} better for your team?"'
    if theme.sentiment == "positive":
        return '"Can we share this as a case study?"'
    return f'"Where does {theme.topic.lower()} help, and where does it get in the way?"'


def _theme_line(number: int, theme: Theme) -> str:
    raisers = ", ".join(r.replace("_", " ") for r in theme.roles)
    who = f"mentioned by {theme.people} users: {raisers}"
    if theme.executive_mention:
        who += ", including decision-makers"
    return (f"   - Theme {number}: {theme.topic} "
            f"({theme.sentiment}, {theme.mentions} mentions, {who})")


def ebr_agenda(report: Report) -> str:
    s = report.sentiment
    themes = report.themes[:TOP_THEMES]
    satisfaction = (f"{s.weighted_average:.1f}/10 (weighted, {s.respondent_count} respondents)"
                    if s.weighted_average is not None else "not measured in the last window")
    lines = [
        f"EBR Agenda - {report.account.name} (as of {report.as_of})",
        "",
        "1. Relationship Health Summary",
        f"   - Overall satisfaction: {satisfaction}",
        f"   - Account health: {report.health.overall:.0f} ({report.health.tier})",
        "   - User feedback themes (top 3): "
        + (", ".join(f"{t.topic} ({t.sentiment})" for t in themes) or "none raised by 2+ people"),
        "   - Support metrics: "
        + _evidence_line(_input(report, "relationship", "support_sentiment"), "no rated tickets"),
        "",
        "2. Business Outcomes",
        "   - Goals from last EBR: "
        + _goal_status(_input(report, "outcome", "goal_achievement")),
        "   - ROI metrics you shared: "
        + _evidence_line(_input(report, "outcome", "reported_roi"), "none reported yet"),
        "   - Usage highlights: "
        + _evidence_line(_input(report, "engagement", "active_users"), "no usage data")
        + "; " + _evidence_line(_input(report, "engagement", "login_trend"), "login trend unknown"),
        "",
        "3. Feedback-Driven Discussion",
    ]
    if themes:
        for number, theme in enumerate(themes, start=1):
            lines.append(_theme_line(number, theme))
            lines.append(f"     {_theme_prompt(theme)}")
    else:
        lines.append("   - No theme raised by two or more people yet: ask what matters most.")
    expansion = [sig.name for sig in report.signals if sig.type == "expansion_signal"]
    lines += [
        "",
        "4. Forward Planning",
        "   - Feature roadmap preview",
        "   - Expansion opportunities: " + (", ".join(expansion) or "explore team growth"),
        "   - Success criteria for next quarter",
    ]
    return "\n".join(lines)


def _goal_status(item: ScoreInput | None) -> str:
    if item is None or item.missing:
        return "no goals on record"
    return f"{item.value} achieved"
