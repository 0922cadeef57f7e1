"""Everything one account produced over the year, sampled from its story's curves."""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import date, timedelta
from functools import lru_cache
from typing import Any

import numpy as np

from account_health.domain.models import Role

from . import comments as text
from .catalog import COMPETITORS
from .comments import THEMES, Polarity
from .people import PersonPlan
from .story import DAYS, AccountStory, Trajectory

# Mean logins per week for an ordinary member of each role.
_LOGINS = {
    Role.EXECUTIVE_SPONSOR: 0.5,
    Role.CHAMPION: 3.5,
    Role.ADMIN: 4.5,
    Role.POWER_USER: 7.0,
    Role.CASUAL_USER: 0.9,
    Role.END_USER: 1.5,
    Role.DORMANT: 0.03,
    Role.IT_SECURITY: 0.35,
}
_FEATURES = {
    Role.EXECUTIVE_SPONSOR: 2.0,
    Role.CHAMPION: 6.0,
    Role.ADMIN: 8.0,
    Role.POWER_USER: 9.0,
    Role.CASUAL_USER: 2.5,
    Role.END_USER: 2.0,
    Role.DORMANT: 1.0,
    Role.IT_SECURITY: 2.0,
}
# Chance of answering one NPS survey wave.
_NPS_RESPONSE = {
    Role.EXECUTIVE_SPONSOR: 0.45,
    Role.CHAMPION: 0.7,
    Role.ADMIN: 0.5,
    Role.POWER_USER: 0.45,
    Role.CASUAL_USER: 0.22,
    Role.END_USER: 0.2,
    Role.DORMANT: 0.05,
    Role.IT_SECURITY: 0.3,
}
# Expected number of other user-level responses per person per year.
_OTHER_FEEDBACK = {
    "csat": 1.1,
    "feature_satisfaction": 0.6,
    "support_experience": 0.5,
    "bug_report": 0.4,
    "enhancement_request": 0.4,
}
_DECISION_MAKERS = (Role.EXECUTIVE_SPONSOR, Role.CHAMPION)
_CONTACT_NOTES = (
    "Check-in on adoption",
    "Follow-up on open tickets",
    "Quarterly planning call",
    "Renewal prep",
    "Training follow-up",
    "Roadmap preview",
)


Row = list[object]


@dataclass
class Context:
    """Per-account constants and curves shared by all the generators below."""

    story: AccountStory
    rng: random.Random
    window_start: date
    days: list[str]  # ISO date of each day index
    progress: list[float]
    mood: list[float]
    leader_mood: list[float]
    growth: list[float]
    usage: np.ndarray
    competitor: str
    people: list[PersonPlan]
    feedback_count: int = 0
    pending_outcomes: list[Row] = field(default_factory=list)  # outcomes raised at EBRs

    def at(self, day: int) -> str:
        """A timestamp during business hours (UTC) on a day of the window."""
        return f"{self.days[day]}T{self.rng.randint(8, 21):02d}:{self.rng.randrange(60):02d}:00Z"

    def last_day(self, person: PersonPlan) -> int:
        end = self.story.last_day
        return min(end, person.left_day) if person.left_day is not None else end

    def next_feedback_id(self) -> str:
        self.feedback_count += 1
        return f"{self.story.account_id}-fb{self.feedback_count:05d}"


def make_context(
    story: AccountStory,
    people: list[PersonPlan],
    as_of: date,
    seed: int,
) -> Context:
    rng = random.Random(f"{seed}:activity:{story.account_id}")
    window_start = as_of - timedelta(days=DAYS - 1)
    return Context(
        story=story,
        rng=rng,
        window_start=window_start,
        days=_day_strings(window_start),
        progress=story.progress().tolist(),
        mood=story.mood().tolist(),
        leader_mood=story.leader_mood().tolist(),
        growth=story.growth().tolist(),
        usage=story.usage_multiplier(rng),
        competitor=rng.choice(COMPETITORS),
        people=people,
    )


@lru_cache(maxsize=4)
def _day_strings(window_start: date) -> list[str]:
    return [(window_start + timedelta(days=d)).isoformat() for d in range(DAYS)]


# --- usage ------------------------------------------------------------------------------------


def usage(ctx: Context, seed: int) -> tuple[list[str], int, dict[str, str]]:
    """Weekly usage lines (only weeks with logins) and each person's last login timestamp."""
    story, people = ctx.story, ctx.people
    first_monday = ctx.window_start + timedelta(days=(7 - ctx.window_start.weekday()) % 7)
    week_days = np.arange((first_monday - ctx.window_start).days, DAYS, 7)
    mid = np.minimum(week_days + 3, DAYS - 1)
    gen = np.random.default_rng([seed, story.index, 17])
    progress = np.asarray(ctx.progress)[mid]
    base = np.array([_LOGINS[p.role] * p.propensity for p in people])
    rate = base[:, None] * ctx.usage[mid][None, :]
    rate *= _role_trend(people, story, progress)
    present = _presence(ctx, week_days)
    logins = gen.poisson(rate * present)
    features = np.clip(
        gen.poisson(
            np.array([_FEATURES[p.role] for p in people])[:, None]
            * np.clip(ctx.usage[mid], 0.3, 1.5)[None, :]
        ),
        1,
        30,
    )
    adopt_rate = np.full(len(mid), 0.08) + 0.2 * np.asarray(ctx.growth)[mid]
    if "no_new_features" in story.planted:
        adopt_rate[progress > 0.25] = 0.0
    adopted = gen.poisson(np.broadcast_to(adopt_rate, logins.shape))
    rows, cols = np.nonzero(logins)
    weeks = [ctx.days[int(d)] for d in week_days]
    prefix = [f"{story.account_id},{p.id}," for p in people]
    lines = [
        f"{prefix[r]}{weeks[c]},{lg},{ft},{ad}\n"
        for r, c, lg, ft, ad in zip(
            rows.tolist(),
            cols.tolist(),
            logins[rows, cols].tolist(),
            np.minimum(features[rows, cols], 1 + logins[rows, cols] * 4).tolist(),
            adopted[rows, cols].tolist(),
            strict=True,
        )
    ]
    return lines, len(lines), _last_logins(ctx, logins, week_days)


def _role_trend(people: list[PersonPlan], story: AccountStory, progress: np.ndarray) -> np.ndarray:
    """Role-specific usage trends: an unresponsive champion, Acme's fading power users."""
    trend = np.ones((len(people), len(progress)))
    for row, person in enumerate(people):
        if person.role is Role.CHAMPION and "champion_unresponsive" in story.planted:
            trend[row] = 1.0 - 0.6 * progress
        elif person.role is Role.POWER_USER and story.power_user_decline:
            trend[row] = 1.0 - 0.45 * progress
    return trend


def _presence(ctx: Context, week_days: np.ndarray) -> np.ndarray:
    starts = np.array([p.join_day for p in ctx.people])[:, None]
    ends = np.array([ctx.last_day(p) for p in ctx.people])[:, None]
    return ((week_days[None, :] + 6 >= starts) & (week_days[None, :] <= ends)).astype(float)


def _last_logins(ctx: Context, logins: np.ndarray, week_days: np.ndarray) -> dict[str, str]:
    result: dict[str, str] = {}
    for row, person in enumerate(ctx.people):
        used = np.nonzero(logins[row])[0]
        if used.size == 0:
            continue
        day = min(int(week_days[used[-1]]) + ctx.rng.randrange(5), ctx.last_day(person))
        result[person.id] = ctx.at(day)
    return result


# --- feedback --------------------------------------------------------------------------------


def person_mood(ctx: Context, person: PersonPlan, day: int) -> float:
    story = ctx.story
    if person.role in _DECISION_MAKERS:
        mood = ctx.leader_mood[day]
    elif person.role is Role.POWER_USER and story.power_user_decline:
        mood = ctx.mood[day] - 0.45 * ctx.progress[day]
    else:
        mood = ctx.mood[day]
    return min(0.98, max(0.02, mood + person.temper))


def _nps(ctx: Context, mood: float) -> int:
    return int(min(10, max(0, round(ctx.rng.gauss(10 * mood + 0.3, 1.3)))))


def _five(ctx: Context, mood: float) -> int:
    return int(min(5, max(1, round(ctx.rng.gauss(1 + 4 * mood, 0.9)))))


def _response_odds(ctx: Context, person: PersonPlan, day: int) -> float:
    odds = ctx.story.response_rate
    if person.role is Role.CHAMPION and "champion_unresponsive" in ctx.story.planted:
        odds *= 1.0 - 0.75 * ctx.progress[day]
    return odds


def user_feedback(ctx: Context, person: PersonPlan) -> list[dict[str, Any]]:
    """One person's user-level responses over the year (NPS waves plus ad-hoc feedback)."""
    rng, records = ctx.rng, []
    first, last = person.join_day, ctx.last_day(person)
    if last < first:
        return records
    wave = rng.randrange(91)
    while wave <= last:
        day = wave + min(20, int(rng.expovariate(1 / 3)))
        if first <= day <= last and rng.random() < _NPS_RESPONSE[person.role] * _response_odds(
            ctx, person, day
        ):
            records.append(_user_record(ctx, person, day, "nps"))
        wave += 91
    span = (last - first + 1) / DAYS
    scale = 0.15 if person.role is Role.DORMANT else 1.0
    for kind, per_year in _OTHER_FEEDBACK.items():
        for _ in range(_poisson(rng, per_year * span * scale * ctx.story.response_rate)):
            records.append(_user_record(ctx, person, rng.randint(first, last), kind))
    return records


def _poisson(rng: random.Random, mean: float) -> int:
    count, total = 0, rng.expovariate(1.0)
    while total < mean:
        count += 1
        total += rng.expovariate(1.0)
    return count


def _user_record(ctx: Context, person: PersonPlan, day: int, kind: str) -> dict[str, Any]:
    rng = ctx.rng
    mood = person_mood(ctx, person, day)
    content: dict[str, Any] = {"type": kind}
    if kind == "nps":
        content["score"] = score = _nps(ctx, mood)
        polarity, comment_odds = text.polarity_for_nps(score), 0.55
    elif kind in ("bug_report", "enhancement_request"):
        polarity, comment_odds = Polarity.NEGATIVE, 1.0
    else:
        content["score"] = score = _five(ctx, mood)
        polarity, comment_odds = text.polarity_for_five(score), 0.35
    if rng.random() < comment_odds:
        theme, polarity = _pick_theme(ctx, person.role, polarity)
        if kind == "bug_report":
            comment = text.bug_report(theme, rng)
        elif kind == "enhancement_request":
            comment = text.enhancement_request(theme, rng)
        else:
            comment = text.compose(theme, polarity, rng)
        content["comment"] = _with_signals(ctx, person.role, day, polarity, comment)
    return {
        "id": ctx.next_feedback_id(),
        "userId": person.id,
        "accountId": ctx.story.account_id,
        "role": person.role.value,
        "content": content,
        "context": {"tenure": _tenure(person, day), "usageLevel": person.role.value},
        "submittedAt": ctx.at(day),
    }


def _tenure(person: PersonPlan, day: int) -> str:
    if person.join_day:
        return f"{max(1, (day - person.join_day) // 30)}_months"
    return f"{12 + round(person.propensity * 10) % 36}_months"


def _pick_theme(ctx: Context, role: Role, polarity: Polarity) -> tuple[str, Polarity]:
    """A theme this person would talk about, and the tone to use for it."""
    rng, story = ctx.rng, ctx.story
    planned = story.role_themes.get(role.value)
    if planned and rng.random() < 0.85:
        return rng.choice(planned)
    matching = [theme for theme, tone in story.hot_themes if tone is polarity]
    if matching and rng.random() < 0.75:
        return rng.choice(matching), polarity
    return rng.choice(THEMES), polarity


def _with_signals(ctx: Context, role: Role, day: int, polarity: Polarity, comment: str) -> str:
    """Append the seed's text signals that the story implies at this point in time."""
    rng, planted, progress = ctx.rng, ctx.story.planted, ctx.progress[day]
    leader = role in _DECISION_MAKERS
    extra: list[str] = []
    if (
        "evaluating_alternatives" in planted
        and progress > 0.4
        and rng.random()
        < (0.5 if leader else 0.15 if role in (Role.ADMIN, Role.POWER_USER) else 0.05)
    ):
        extra.append(text.signal_phrase("evaluating_alternatives", rng))
    if "competitor_mentions" in planted and progress > 0.3 and rng.random() < 0.3:
        extra.append(text.signal_phrase("competitor_mention", rng, ctx.competitor))
    if polarity is Polarity.NEGATIVE and rng.random() < (
        0.35 if "frustration" in planted and progress > 0.2 else 0.06
    ):
        extra.append(text.signal_phrase("frustration", rng))
    fading = (
        ctx.story.trajectory in (Trajectory.CHURNING, Trajectory.CHAMPION_LEAVING)
        and progress > 0.3
    )
    if polarity is Polarity.POSITIVE and not fading:
        if "future_language" in planted and rng.random() < (0.35 if leader else 0.08):
            extra.append(text.signal_phrase("future_language", rng))
        if "looking_forward" in planted and rng.random() < 0.12:
            extra.append(text.signal_phrase("looking_forward", rng))
    if ctx.growth[day] > 0.2:
        if "need_more_seats" in planted and rng.random() < (
            0.5 if leader or role is Role.ADMIN else 0.12
        ):
            extra.append(text.signal_phrase("need_more_seats", rng))
        if "cross_department" in planted and rng.random() < 0.25:
            extra.append(text.signal_phrase("cross_department", rng))
    if (
        ctx.story.trajectory is Trajectory.HEALTHY
        and polarity is Polarity.POSITIVE
        and rng.random() < 0.02
    ):
        extra.append(text.signal_phrase("competitor_noise", rng, rng.choice(COMPETITORS)))
    return " ".join([comment, *extra])


def account_feedback(ctx: Context, ebr_days: list[tuple[int, PersonPlan]]) -> list[dict[str, Any]]:
    """Champions' monthly pulse checks and the EBR feedback after each business review."""
    rng, records = ctx.rng, []
    for person in ctx.people:
        if person.role is not Role.CHAMPION:
            continue
        for month_start in range(0, DAYS, 30):
            day = month_start + rng.randrange(28)
            if (
                person.join_day <= day <= ctx.last_day(person)
                and day < DAYS
                and rng.random() < 0.7 * _response_odds(ctx, person, day)
            ):
                records.append(_account_record(ctx, person, day, "pulse_check"))
    for day, person in ebr_days:
        answer_day = min(day + rng.randint(0, 5), ctx.last_day(person))
        if rng.random() < 0.8:
            records.append(_account_record(ctx, person, answer_day, "ebr_feedback"))
    return records


def _account_record(ctx: Context, person: PersonPlan, day: int, kind: str) -> dict[str, Any]:
    rng, story = ctx.rng, ctx.story
    mood = person_mood(ctx, person, day)
    content: dict[str, Any] = {
        "type": kind,
        "overallSatisfaction": _five(ctx, mood),
        "renewalLikelihood": _five(ctx, mood - 0.05 * ctx.progress[day]),
        "expansionInterest": _expansion_interest(ctx, mood, day),
    }
    if kind == "ebr_feedback":
        content["valuerealization"] = _five(ctx, mood)
    # People raise concerns about what their role deals with (Acme's champions: onboarding, not
    # the end users' mobile app); without a role plan, about the account's negative themes.
    own = story.role_themes.get(person.role.value) or story.hot_themes
    concerns = [
        text.concern(theme, rng)
        for theme, tone in own
        if tone is Polarity.NEGATIVE and rng.random() < 1.1 - mood
    ]
    if (
        "evaluating_alternatives" in story.planted
        and ctx.progress[day] > 0.5
        and rng.random() < 0.5
    ):
        concerns.append(text.signal_phrase("evaluating_alternatives", rng))
    content["concerns"] = concerns
    if rng.random() < 0.6:
        polarity = text.polarity_for_five(content["overallSatisfaction"])
        theme, polarity = _pick_theme(ctx, person.role, polarity)
        content["comment"] = _with_signals(
            ctx, person.role, day, polarity, text.compose(theme, polarity, rng)
        )
    active = sum(
        1 for p in ctx.people if p.role is not Role.DORMANT and p.join_day <= day <= ctx.last_day(p)
    )
    return {
        "id": ctx.next_feedback_id(),
        "accountId": story.account_id,
        "respondent": {"userId": person.id, "role": person.role.value, "title": person.title},
        "content": content,
        "context": {
            "contractValue": story.contract_value,
            "usersLicensed": story.users_licensed,
            "usersActive": max(1, round(active * min(1.0, ctx.usage[day]))),
            "renewalDate": story.renewal_date.isoformat(),
        },
        "submittedAt": ctx.at(day),
    }


def _expansion_interest(ctx: Context, mood: float, day: int) -> str:
    if ctx.growth[day] > 0.3 or (mood > 0.85 and ctx.rng.random() < 0.5):
        return "yes"
    return "no" if mood < 0.5 else "maybe"


# --- touchpoints and outcomes -----------------------------------------------------------------


def touchpoints(ctx: Context) -> tuple[list[Row], list[tuple[int, PersonPlan]]]:
    """Relationship events; also returns the EBRs (day, attendee) for EBR feedback."""
    rows: list[Row] = []
    _champion_contacts(ctx, rows)
    ebrs = _meetings(ctx, rows)
    _support(ctx, rows)
    rows.sort(key=lambda row: str(row[3]))
    return rows, ebrs


def _by_role(ctx: Context, *roles: Role) -> list[PersonPlan]:
    return [p for p in ctx.people if p.role in roles]


def _champion_contacts(ctx: Context, rows: list[Row]) -> None:
    rng, story = ctx.rng, ctx.story
    aid = story.account_id
    unresponsive = "champion_unresponsive" in story.planted
    deputies = _by_role(ctx, Role.ADMIN, Role.POWER_USER) or ctx.people
    baseline_hours = rng.uniform(3.0, 10.0)
    for champion in _by_role(ctx, Role.CHAMPION):
        day, last = champion.join_day + rng.randint(0, 14), ctx.last_day(champion)
        while day <= last:
            # the seed's "response time up 3x from baseline", with room for noise: 4.5x
            slowdown = 1.0 + 3.5 * ctx.progress[day] if unresponsive else 1.0
            hours = round(baseline_hours * slowdown * rng.lognormvariate(0.0, 0.35), 1)
            sentiment = _clip(rng.gauss(2 * ctx.leader_mood[day] - 1, 0.2))
            rows.append(
                [
                    aid,
                    champion.id,
                    "champion_contact",
                    ctx.at(day),
                    hours,
                    sentiment,
                    rng.choice(_CONTACT_NOTES),
                ]
            )
            if "delegation" in story.planted and rng.random() < 0.7 * ctx.progress[day]:
                deputy = rng.choice(deputies)
                rows.append(
                    [
                        aid,
                        champion.id,
                        "delegated",
                        ctx.at(min(day + 1, last)),
                        "",
                        "",
                        f"Forwarded to {deputy.name} ({deputy.title})",
                    ]
                )
            day += rng.randint(14, 28)


def _meetings(ctx: Context, rows: list[Row]) -> list[tuple[int, PersonPlan]]:
    """EBRs and executive meetings; both stop once executives disengage."""
    rng, story = ctx.rng, ctx.story
    aid, ebrs = story.account_id, []
    sponsors = _by_role(ctx, Role.EXECUTIVE_SPONSOR)
    attendees = sponsors + _by_role(ctx, Role.CHAMPION)
    disengaged_from = story.decline_start if "no_exec_engagement" in story.planted else DAYS
    ebr_gap, ebr_odds = {"enterprise": (91, 0.9), "mid-market": (182, 0.7), "smb": (365, 0.3)}[
        story.segment
    ]
    day = rng.randrange(ebr_gap)
    while day <= min(story.last_day, disengaged_from):
        attendee = rng.choice(attendees)
        if rng.random() < ebr_odds and attendee.join_day <= day <= ctx.last_day(attendee):
            rows.append(
                [
                    aid,
                    attendee.id,
                    "ebr",
                    ctx.at(day),
                    "",
                    _clip(rng.gauss(2 * ctx.leader_mood[day] - 1, 0.2)),
                    "Executive business review",
                ]
            )
            ebrs.append((day, attendee))
            _ebr_outcomes(ctx, day)
        day += ebr_gap + rng.randint(-10, 10)
    low, high = {"enterprise": (40, 70), "mid-market": (70, 120), "smb": (120, 250)}[story.segment]
    day = rng.randint(0, low)
    while sponsors and day <= min(story.last_day, disengaged_from):
        rows.append(
            [
                aid,
                sponsors[0].id,
                "exec_meeting",
                ctx.at(day),
                "",
                _clip(rng.gauss(2 * ctx.leader_mood[day] - 1, 0.25)),
                rng.choice(("Exec alignment", "Strategy sync", "Sponsor check-in")),
            ]
        )
        day += rng.randint(low, high)
    return ebrs


def _support(ctx: Context, rows: list[Row]) -> None:
    rng, story = ctx.rng, ctx.story
    aid = story.account_id
    reporters = [p for p in ctx.people if p.role not in (Role.EXECUTIVE_SPONSOR, Role.DORMANT)]
    escalators = _by_role(ctx, Role.CHAMPION, Role.ADMIN) or reporters
    weekly = 0.03 * len(ctx.people) ** 0.5
    escalating = "support_escalations" in story.planted
    for day in range(0, story.last_day + 1, 7):
        mood = ctx.mood[day]
        for _ in range(_poisson(rng, weekly * (1.0 + 2.0 * (1.0 - mood)))):
            person = rng.choice(reporters)
            theme = rng.choice(THEMES)
            rows.append(
                [
                    aid,
                    person.id,
                    "support_ticket",
                    ctx.at(min(day + rng.randrange(7), story.last_day)),
                    "",
                    _clip(rng.gauss(1.6 * mood - 0.9, 0.3)),
                    text.concern(theme, rng),
                ]
            )
        odds = 0.005
        if escalating and ctx.progress[day] > 0.3:
            odds = 0.45
        elif story.dip and story.dip[0] <= day < story.dip[0] + story.dip[1]:
            odds = 0.25
        if rng.random() < odds:
            person = rng.choice(escalators)
            rows.append(
                [
                    aid,
                    person.id,
                    "support_escalation",
                    ctx.at(day),
                    "",
                    _clip(rng.gauss(-0.6, 0.2)),
                    f"Escalated: {text.concern(rng.choice(THEMES), rng)}",
                ]
            )


def _ebr_outcomes(ctx: Context, day: int) -> None:
    rng, mood = ctx.rng, ctx.leader_mood[day]
    outcomes = ctx.pending_outcomes
    if rng.random() < 0.5:
        outcomes.append(
            [
                ctx.story.account_id,
                ctx.at(day),
                "roi_reported",
                round(max(-20.0, rng.gauss(300 * mood - 40, 40)), 1),
            ]
        )
    if rng.random() < 0.7:
        kind = "goal_achieved" if rng.random() < mood else "goal_missed"
        outcomes.append([ctx.story.account_id, ctx.at(day), kind, ""])


def outcomes(ctx: Context) -> list[Row]:
    """Business outcomes: those raised at EBRs, expansions and reference asks."""
    rng, story = ctx.rng, ctx.story
    rows = ctx.pending_outcomes
    aid = story.account_id
    if story.growth_start is not None:
        for _ in range(rng.randint(1, 2)):
            day = min(DAYS - 1, story.growth_start + rng.randint(20, 150))
            rows.append(
                [aid, ctx.at(day), "expansion", _round_money(story.arr * rng.uniform(0.1, 0.3))]
            )
    elif story.trajectory is Trajectory.HEALTHY and rng.random() < 0.08:
        rows.append(
            [
                aid,
                ctx.at(rng.randrange(DAYS)),
                "expansion",
                _round_money(story.arr * rng.uniform(0.05, 0.15)),
            ]
        )
    if rng.random() < 0.5:
        day = rng.randint(0, story.last_day)
        willing = ctx.leader_mood[day] > 0.72 and rng.random() < 0.85
        rows.append(
            [aid, ctx.at(day), "reference_willing" if willing else "reference_declined", ""]
        )
    rows.sort(key=lambda row: str(row[1]))
    return rows


def _clip(value: float) -> float:
    return round(min(1.0, max(-1.0, value)), 2)


def _round_money(value: float) -> float:
    return float(round(value / 100.0) * 100)
