"""An account's report as Slack blocks: the summary, "Why this score?" and the EBR agenda."""

from __future__ import annotations

from slack_sdk.models.blocks import Block

from account_health.domain.report import Component, Report
from account_health.formatting import day, money
from account_health.slack.blocks import ids
from account_health.slack.blocks.format import (
    SEVERITY_EMOJI,
    TIER_EMOJI,
    TREND_ARROW,
    change,
    evidence_line,
    label,
    score,
)
from account_health.slack.blocks.kit import (
    actions,
    button,
    context,
    divider,
    escape,
    fields,
    header,
    line_sections,
    section,
)
from account_health.slack.blocks.limits import MAX_SECTION_TEXT, fit_message, limit_items

TOP_THEMES = 5
TOP_SIGNALS = 6
TOP_ACTIONS = 5
TOP_RISKS = 3
COMPONENT_ORDER = ("feedback", "engagement", "relationship", "outcome")


def command_hint(report: Report) -> str:
    return f"run `/account-health {escape(report.account.name)}`"


def _more(left_out: int, where: str) -> str:
    return f"\n_…and {left_out} more: {where}_" if left_out else ""


def _bullets(lines: list[str], left_out: int, where: str) -> str:
    return "\n".join(f"• {line}" for line in lines) + _more(left_out, where)


def _summary(report: Report) -> list[Block]:
    health, account = report.health, report.account
    tier = TIER_EMOJI[health.tier]
    text = (
        f"{tier} *{score(health.overall)}/100*{change(health.change)} · {health.tier}"
        f" · confidence {health.confidence:.0%}\n"
        f"ARR {money(account.arr)} · renews {day(account.renewal_date)}"
        f" · as of {day(report.as_of)}"
    )
    components = [
        f"*{label(name)}*\n{score(health.components[name].score)}/100"
        f"{change(health.components[name].change)}"
        for name in COMPONENT_ORDER
        if name in health.components
    ]
    blocks: list[Block] = [header(f"{account.name} — health {score(health.overall)}/100")]
    blocks.append(section(text))
    if components:
        blocks.append(fields(components))
    risks, left = limit_items(health.risk_factors, TOP_RISKS)
    if risks:
        lines = [f"{SEVERITY_EMOJI[r.severity]} {escape(r.name)}" for r in risks]
        blocks.append(section("*Risk factors*\n" + _bullets(lines, left, "tap *Why this score?*")))
    return blocks


def _roles(report: Report) -> list[Block]:
    if not report.roles:
        return []
    rows = [f"{'role':<18} {'users':>5} {'answered':>8} {'avg NPS':>7}  trend"]
    for row in report.roles:
        nps = "—" if row.avg_nps is None else f"{row.avg_nps:.1f}"
        rows.append(
            f"{label(row.role)[:18]:<18} {row.users:>5} {row.responded:>8} {nps:>7}"
            f"  {TREND_ARROW[row.trend]}"
        )
    table = escape("\n".join(rows))
    sentiment = report.sentiment
    note = (
        f"Weighted sentiment {score(sentiment.weighted_average)}/10 from "
        f"{sentiment.respondent_count} respondents"
    )
    if sentiment.note:
        note += f" · {escape(sentiment.note)}"
    return [section(f"*Roles*\n```{table}```"), context(note)]


def _themes(report: Report) -> list[Block]:
    themes, left = limit_items(report.themes, TOP_THEMES)
    if not themes:
        return []
    lines = []
    for theme in themes:
        flags = " · ⭐ executive" if theme.executive_mention else ""
        flags += " · priority" if theme.priority else ""
        lines.append(
            f"*{escape(theme.topic)}* — {theme.mentions} mentions, {theme.sentiment}"
            f" ({', '.join(label(r) for r in theme.roles[:4])}){flags}"
        )
    return [section("*Top themes*\n" + _bullets(lines, left, command_hint(report)))]


def _signals(report: Report) -> list[Block]:
    signals, left = limit_items(report.signals, TOP_SIGNALS)
    if not signals:
        return [section("*Signals*\nNo churn, champion, expansion or escalation signals.")]
    lines = []
    for signal in signals:
        proof = f" — {evidence_line(signal.evidence[0])}" if signal.evidence else ""
        lines.append(f"{SEVERITY_EMOJI[signal.severity]} *{escape(signal.name)}*{proof}")
    return [section("*Signals*\n" + _bullets(lines, left, "tap *Why this score?*"))]


def _playbook(report: Report) -> list[Block]:
    steps, left = limit_items(report.playbook.actions, TOP_ACTIONS)
    routed = list(dict.fromkeys(
        f"*{label(r.action)}* → {escape(r.assign_to)} ({r.priority})" for r in report.routing
    ))[:3]  # fmt: skip
    lines = routed + [escape(step) for step in steps]
    if not lines:
        return []
    return [
        section(
            f"*Playbook ({report.playbook.tier})*\n" + _bullets(lines, left, "see the EBR agenda")
        )
    ]


def report_buttons(account_id: str) -> Block:
    value = ids.encode_target(account_id)
    return actions(
        button("Log pulse check", ids.OPEN_PULSE_CHECK, value, style="primary"),
        button("EBR agenda", ids.SHOW_EBR_AGENDA, value),
        button("Why this score?", ids.EXPLAIN_SCORE, value),
    )


def report_blocks(report: Report) -> list[Block]:
    """The answer to `/account-health ACCOUNT`."""
    body = [*_summary(report), divider(), *_roles(report), *_themes(report), *_signals(report)]
    body += _playbook(report)
    if report.warnings:
        body.append(context(*(f"⚠️ {escape(w)}" for w in report.warnings[:3])))
    # The buttons must survive truncation, so they are added after the guard.
    return [*fit_message(body, command_hint(report), reserve=1), report_buttons(report.account.id)]


def _component_text(name: str, component: Component) -> str:
    lines = [
        f"*{label(name)}: {score(component.score)}/100*{change(component.change)}"
        f" · confidence {component.confidence:.0%}"
    ]
    for item in component.signals:
        value = "no data" if item.missing else escape(str(item.value))
        lines.append(
            f"• {escape(item.name)}: {value} → {item.points:.1f}/{item.max_points:.1f} pts"
        )
        lines.extend(f"    ◦ {evidence_line(e)}" for e in item.evidence[:2])
    if component.missing_treatment:
        lines.append(f"_{escape(component.missing_treatment)}_")
    text = "\n".join(lines)
    return (
        text if len(text) <= MAX_SECTION_TEXT else text[: MAX_SECTION_TEXT - 40] + "\n_…cut short_"
    )


def why_blocks(report: Report) -> list[Block]:
    """'Why this score?': each component's inputs, points and evidence."""
    health = report.health
    blocks: list[Block] = [
        header(f"Why {report.account.name} scores {score(health.overall)}"),
        context(
            "Each input earns points out of its share of the component; missing data scores "
            "a neutral default and lowers the confidence."
        ),
    ]
    for name in COMPONENT_ORDER:
        if name in health.components:
            blocks.append(section(_component_text(name, health.components[name])))
    for risk in health.risk_factors:
        proof = "; ".join(evidence_line(e) for e in risk.evidence[:3])
        blocks.append(section(f"{SEVERITY_EMOJI[risk.severity]} *{escape(risk.name)}* {proof}"))
    return fit_message(blocks, command_hint(report))


def agenda_blocks(account_id: str, account_name: str, agenda: str) -> list[Block]:
    """The EBR agenda text, split into sections on line boundaries."""
    body = [header(f"EBR agenda — {account_name}"), *line_sections(escape(agenda).splitlines())]
    more = f"run `account-health report {escape(account_name)}` for the full report"
    buttons = actions(
        button("Log EBR feedback", ids.OPEN_EBR_FEEDBACK, ids.encode_target(account_id))
    )
    return [*fit_message(body, more, reserve=1), buttons]
