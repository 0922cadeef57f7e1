"""Each account's hidden story: its trajectory, timeline and the signals planted in its data.

The year of data runs over DAYS days: day 0 is `as_of - 364 days`, day DAYS-1 is `as_of`.
A story turns into per-day curves (`progress`, `mood`, `usage_multiplier`...) that every
generated signal samples from, so usage, feedback, touchpoints and outcomes tell one story.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import date, timedelta
from enum import StrEnum

import numpy as np

from account_health.domain.models import RenewalOutcome

from .catalog import CSM_IDS, company_name, slack_id, slugify
from .comments import THEMES, Polarity

DAYS = 365
EARLIEST_RENEWAL_DAY = 150  # past renewals need this much history before them to be judged


class Trajectory(StrEnum):
    HEALTHY = "healthy"
    DECLINING = "declining"
    CHAMPION_LEAVING = "champion_leaving"
    EXPANDING = "expanding"
    CHURNING = "churning"


TRAJECTORY_WEIGHTS: dict[Trajectory, float] = {
    Trajectory.HEALTHY: 0.46,
    Trajectory.EXPANDING: 0.14,
    Trajectory.DECLINING: 0.16,
    Trajectory.CHAMPION_LEAVING: 0.10,
    Trajectory.CHURNING: 0.14,
}

# The seed's churn patterns, as planted in the data.
CHURN_PATTERNS: tuple[str, ...] = (
    "champion_nps_drop",
    "usage_decline",
    "support_escalations",
    "no_exec_engagement",
    "competitor_mentions",
    "evaluating_alternatives",
)


@dataclass
class AccountStory:
    index: int
    account_id: str
    name: str
    segment: str
    arr: float
    users_licensed: int
    contract_value: float
    renewal_date: date
    csm: str
    channel: str
    domain: str
    trajectory: Trajectory
    baseline: float
    people_count: int
    churn_day: int | None = None
    past_renewal_day: int | None = None
    renewal_outcome: RenewalOutcome | None = None
    arr_after: float | None = None
    decline_start: int = DAYS
    decline_end: int = DAYS
    severity: float = 0.0
    planted: frozenset[str] = frozenset()
    subtle: bool = False
    dip: tuple[int, int, float] | None = None  # (start day, length, depth): a bad month
    growth_start: int | None = None
    step_down: tuple[int, float] | None = None  # (day, depth): usage drops for a benign reason
    champion_left_day: int | None = None
    power_user_decline: bool = False
    response_rate: float = 1.0
    hot_themes: list[tuple[str, Polarity]] = field(default_factory=list)
    role_themes: dict[str, list[tuple[str, Polarity]]] = field(default_factory=dict)
    role_mix: dict[str, int] | None = None
    notes: str = ""

    @property
    def last_day(self) -> int:
        """The last day with any data: the churn day for churners."""
        return self.churn_day if self.churn_day is not None else DAYS - 1

    def progress(self) -> np.ndarray:
        """0 before the decline starts, rising to 1 when it is complete."""
        days = np.arange(DAYS, dtype=float)
        span = max(1, self.decline_end - self.decline_start)
        return np.clip((days - self.decline_start) / span, 0.0, 1.0)

    def growth(self) -> np.ndarray:
        days = np.arange(DAYS, dtype=float)
        if self.growth_start is None:
            return np.zeros(DAYS)
        return np.clip((days - self.growth_start) / 90.0, 0.0, 1.0)

    def dip_curve(self) -> np.ndarray:
        curve = np.zeros(DAYS)
        if self.dip is not None:
            start, length, depth = self.dip
            curve[start : start + length] = depth
        return curve

    def mood(self) -> np.ndarray:
        """How the account's ordinary users feel (0..1)."""
        return np.clip(
            self.baseline
            - 0.12 * self.severity * self.progress()
            - 0.6 * self.dip_curve()
            + 0.05 * self.growth(),
            0.02,
            0.98,
        )

    def leader_mood(self) -> np.ndarray:
        """How the decision makers (champion, sponsor) feel (0..1)."""
        drop = 0.45 if "champion_nps_drop" in self.planted else 0.1 * self.severity
        return np.clip(
            self.baseline
            + 0.06
            - drop * self.progress()
            - 0.7 * self.dip_curve()
            + 0.06 * self.growth(),
            0.02,
            0.98,
        )

    def usage_multiplier(self, rng: random.Random) -> np.ndarray:
        if "usage_decline" in self.planted:
            drop = rng.uniform(0.5, 0.7)
        else:
            drop = rng.uniform(0.05, 0.25) * self.severity
        curve = 1.0 - drop * self.progress() - 0.6 * self.dip_curve() + 0.45 * self.growth()
        if self.step_down is not None:  # a team reorganised or a project ended: usage steps down
            start, depth = self.step_down
            curve[start:] -= depth
        return np.clip(curve * _seasonal_noise(rng), 0.05, 2.0)


def _seasonal_noise(rng: random.Random) -> np.ndarray:
    """Week-to-week wobble in usage, shared by everyone at the account (smoothed noise)."""
    noise = np.empty(DAYS)
    level = 0.0
    for day in range(DAYS):
        if day % 7 == 0:
            level = 0.8 * level + rng.gauss(0.0, 0.08)
        noise[day] = level
    return np.exp(noise)


def as_date(window_start: date, day: int) -> date:
    return window_start + timedelta(days=day)


def _next_anniversary(as_of: date, month: int, day: int) -> date:
    candidate = date(as_of.year, month, day)
    return candidate if candidate > as_of else date(as_of.year + 1, month, day)


def _year_before(day: date) -> date:
    return (
        day.replace(year=day.year - 1, day=28)
        if (day.month, day.day) == (2, 29)
        else day.replace(year=day.year - 1)
    )


def _segment_for(arr: float, rng: random.Random) -> str:
    scaled = arr * rng.uniform(0.7, 1.4)
    if scaled >= 120_000:
        return "enterprise"
    return "mid-market" if scaled >= 30_000 else "smb"


_SEAT_PRICE = {"enterprise": (2000, 4000), "mid-market": (1200, 2200), "smb": (700, 1300)}


def _round_arr(value: float) -> float:
    return float(round(value / 100.0) * 100)


def _choose_trajectory(rng: random.Random) -> Trajectory:
    kinds = list(TRAJECTORY_WEIGHTS)
    return rng.choices(kinds, weights=[TRAJECTORY_WEIGHTS[k] for k in kinds])[0]


def _hot_themes(trajectory: Trajectory, rng: random.Random) -> list[tuple[str, Polarity]]:
    """The 3-5 themes this account keeps talking about, with their usual tone."""
    negative_share = {
        Trajectory.HEALTHY: 0.25,
        Trajectory.EXPANDING: 0.2,
        Trajectory.DECLINING: 0.55,
        Trajectory.CHAMPION_LEAVING: 0.45,
        Trajectory.CHURNING: 0.65,
    }[trajectory]
    themes = rng.sample(THEMES, rng.randint(3, 5))
    result = []
    for theme in themes:
        roll = rng.random()
        if roll < negative_share:
            result.append((theme, Polarity.NEGATIVE))
        elif roll < negative_share + 0.2:
            result.append((theme, Polarity.MIXED))
        else:
            result.append((theme, Polarity.POSITIVE))
    return result


def _plant_timeline(story: AccountStory, rng: random.Random) -> None:
    """Set the decline/growth timeline and the planted signals for the story's trajectory."""
    kind = story.trajectory
    if kind is Trajectory.CHURNING:
        assert story.churn_day is not None
        story.decline_start = max(5, story.churn_day - rng.randint(90, 180))
        story.decline_end = max(story.decline_start + 20, story.churn_day - rng.randint(14, 45))
        story.subtle = rng.random() < 0.35
        if story.subtle:
            story.severity = rng.uniform(0.3, 0.6)
            story.planted = frozenset(
                rng.sample(
                    ["usage_decline", "no_exec_engagement", "champion_nps_drop"], rng.randint(1, 2)
                )
            )
        else:
            story.severity = rng.uniform(0.6, 1.0)
            story.planted = frozenset(
                [*rng.sample(CHURN_PATTERNS, rng.randint(3, 5)), "frustration", "no_new_features"]
            )
    elif kind is Trajectory.DECLINING:
        story.decline_start = DAYS - 1 - rng.randint(60, 200)
        story.decline_end = min(DAYS - 1, story.decline_start + rng.randint(60, 150))
        story.severity = rng.uniform(0.4, 0.8)
        story.planted = frozenset([*rng.sample(CHURN_PATTERNS, rng.randint(1, 3)), "frustration"])
    elif kind is Trajectory.CHAMPION_LEAVING:
        story.decline_start = DAYS - 1 - rng.randint(45, 150)
        story.decline_end = min(DAYS - 1, story.decline_start + rng.randint(30, 90))
        story.severity = rng.uniform(0.4, 0.7)
        planted = ["champion_nps_drop", "champion_unresponsive", "delegation", "no_new_features"]
        if rng.random() < 0.5:
            left = story.decline_end + rng.randint(0, 30)
            if left < DAYS - 1:
                story.champion_left_day = left
                planted.append("champion_left")
        if rng.random() < 0.4:
            planted.append("no_exec_engagement")
        story.planted = frozenset(planted)
    elif kind is Trajectory.EXPANDING:
        story.growth_start = DAYS - 1 - rng.randint(60, 220)
        story.planted = frozenset(
            ["need_more_seats", "cross_department", "future_language", "looking_forward"]
        )
    else:
        story.planted = frozenset(["future_language", "looking_forward"])
        if rng.random() < 0.2:  # a healthy account can have a bad month
            story.dip = (rng.randint(30, 330), rng.randint(21, 42), rng.uniform(0.2, 0.35))
            story.notes = "healthy with a bad month"


def _decide_renewal(story: AccountStory, rng: random.Random) -> None:
    """The past renewal decision (if one fell in the year) and the ARR it left."""
    day = story.past_renewal_day
    if day is None:
        return
    kind = story.trajectory
    if kind is Trajectory.CHURNING:
        story.renewal_outcome, story.arr_after = RenewalOutcome.CHURNED, 0.0
        return
    roll = rng.random()
    if kind is Trajectory.EXPANDING and story.growth_start is not None and day > story.growth_start:
        outcome = RenewalOutcome.EXPANDED if roll < 0.8 else RenewalOutcome.RENEWED
    elif kind is Trajectory.DECLINING and day > story.decline_start:
        outcome = RenewalOutcome.CONTRACTED if roll < 0.5 else RenewalOutcome.RENEWED
    elif kind is Trajectory.HEALTHY:
        outcome = (
            RenewalOutcome.EXPANDED
            if roll < 0.15
            else RenewalOutcome.CONTRACTED
            if roll < 0.2
            else RenewalOutcome.RENEWED
        )
    else:
        outcome = RenewalOutcome.CONTRACTED if roll < 0.12 else RenewalOutcome.RENEWED
    story.renewal_outcome, story.arr_after = outcome, story.arr


def plan_account(index: int, as_of: date, seed: int, taken_names: set[str]) -> AccountStory:
    """A generated (non-seed) account's story, deterministic for (seed, index, as_of)."""
    rng = random.Random(f"{seed}:plan:{index}")
    window_start = as_of - timedelta(days=DAYS - 1)
    name = company_name(rng, taken_names)
    account_id = slugify(name)
    arr = _round_arr(min(1_500_000.0, max(6_000.0, rng.lognormvariate(10.25, 0.9))))
    trajectory = _choose_trajectory(rng)
    story = _base_story(index, account_id, name, arr, trajectory, rng, as_of)
    if trajectory is not Trajectory.CHURNING and rng.random() < 0.15:
        story.step_down = (rng.randrange(DAYS), rng.uniform(0.25, 0.45))
    if trajectory is Trajectory.CHURNING:
        story.churn_day = rng.randint(EARLIEST_RENEWAL_DAY, DAYS - 8)
        story.renewal_date = as_date(window_start, story.churn_day)
        story.past_renewal_day = story.churn_day
    _plant_timeline(story, rng)
    _decide_renewal(story, rng)
    return story


def _base_story(
    index: int,
    account_id: str,
    name: str,
    arr: float,
    trajectory: Trajectory,
    rng: random.Random,
    as_of: date,
    renewal_date: date | None = None,
    segment: str | None = None,
) -> AccountStory:
    window_start = as_of - timedelta(days=DAYS - 1)
    segment = segment or _segment_for(arr, rng)
    low, high = _SEAT_PRICE[segment]
    users_licensed = max(3, round(arr / rng.uniform(low, high)))
    term = rng.choices((1, 2, 3), weights=(0.8, 0.13, 0.07))[0] if segment != "smb" else 1
    renewal_date = renewal_date or as_of + timedelta(days=rng.randint(1, 365))
    past = (_year_before(renewal_date) - window_start).days
    # How well the product fits this customer: independent of the trajectory on purpose, so
    # ordinary users' satisfaction alone is a weak predictor of the renewal.
    baseline = rng.uniform(0.6, 0.9)
    people = min(400, max(4, round(users_licensed * rng.uniform(0.75, 1.05))))
    return AccountStory(
        index=index,
        account_id=account_id,
        name=name,
        segment=segment,
        arr=arr,
        users_licensed=users_licensed,
        contract_value=arr * term,
        renewal_date=renewal_date,
        csm=CSM_IDS[rng.randrange(len(CSM_IDS))],
        channel=slack_id("C", rng),
        domain=account_id.replace("-", "") + ".com",
        trajectory=trajectory,
        baseline=baseline,
        people_count=people,
        past_renewal_day=past if past >= EARLIEST_RENEWAL_DAY else None,
        hot_themes=_hot_themes(trajectory, rng),
    )


# --- the seed article's five accounts -------------------------------------------------------

P, M, N = Polarity.POSITIVE, Polarity.MIXED, Polarity.NEGATIVE


def seed_stories(as_of: date, seed: int) -> list[AccountStory]:
    """Acme, Beta, Gamma, Delta and Epsilon, with the stories the seed article tells."""
    rng = random.Random(f"{seed}:seed-accounts")

    def make(
        index: int,
        name: str,
        arr: float,
        trajectory: Trajectory,
        month: int,
        day: int,
    ) -> AccountStory:
        story = _base_story(
            index,
            slugify(name),
            name,
            arr,
            trajectory,
            rng,
            as_of,
            renewal_date=_next_anniversary(as_of, month, day),
            segment="enterprise",
        )
        _plant_timeline(story, rng)
        return story

    acme = make(0, "Acme Corp", 240_000, Trajectory.DECLINING, 4, 15)
    acme.users_licensed, acme.people_count, acme.baseline = 50, 44, 0.8
    acme.role_mix = {
        "executive_sponsor": 1,
        "champion": 2,
        "admin": 3,
        "power_user": 12,
        "casual_user": 16,
        "end_user": 6,
        "dormant": 4,
    }
    acme.decline_start, acme.decline_end = DAYS - 150, DAYS - 10
    acme.severity, acme.power_user_decline = 0.3, True
    acme.response_rate = 1.4  # the seed's table: 8 of 12 power users and 2 of 3 admins answered
    acme.planted = frozenset({"power_user_decline", "future_language"})
    acme.role_themes = {
        "power_user": [("integrations", M), ("reporting", P), ("performance", N)],
        "admin": [("onboarding", N), ("reporting", P)],
        "champion": [("onboarding", N), ("reporting", P)],
        "executive_sponsor": [("reporting", P)],
        "end_user": [("mobile", N)],
        "casual_user": [("reporting", P), ("mobile", N)],
    }
    acme.hot_themes = [("reporting", P), ("onboarding", N), ("mobile", N), ("integrations", M)]
    acme.notes = "power users' satisfaction declining while champions are happy"

    beta = make(1, "Beta Inc", 180_000, Trajectory.EXPANDING, 3, 1)
    beta.baseline, beta.growth_start = 0.88, DAYS - 150
    beta.role_mix = {
        "executive_sponsor": 1,
        "champion": 2,
        "admin": 2,
        "power_user": 18,
        "casual_user": 20,
        "dormant": 2,
    }
    beta.people_count = 45
    beta.hot_themes = [("reporting", P), ("integrations", P), ("permissions", M)]
    beta.notes = "expanding: need more seats, cross-department interest"

    gamma = make(2, "Gamma LLC", 165_000, Trajectory.CHAMPION_LEAVING, 2, 28)
    gamma.decline_start, gamma.decline_end, gamma.champion_left_day = DAYS - 65, DAYS - 30, None
    gamma.planted = frozenset(  # the seed's Gamma: engagement 52, so its usage falls too
        {
            "usage_decline",
            "champion_nps_drop",
            "champion_unresponsive",
            "delegation",
            "no_new_features",
            "no_exec_engagement",
        }
    )
    gamma.severity, gamma.response_rate = 0.7, 0.35
    gamma.role_mix = {
        "executive_sponsor": 1,
        "champion": 1,
        "admin": 2,
        "power_user": 8,
        "casual_user": 20,
        "dormant": 10,
        "it_security": 1,
    }
    gamma.people_count = 43
    gamma.hot_themes = [("support", N), ("performance", N), ("reporting", M)]
    gamma.notes = "champion unresponsive: response time up 3x, champion NPS drop, low feedback"

    delta = make(3, "Delta Co", 150_000, Trajectory.HEALTHY, 5, 30)
    delta.baseline, delta.dip = 0.86, None
    delta.hot_themes = [("support", P), ("reporting", P), ("integrations", P), ("pricing", M)]
    delta.notes = "healthy"

    epsilon = make(4, "Epsilon Ltd", 140_000, Trajectory.DECLINING, 4, 1)
    epsilon.baseline, epsilon.severity = 0.66, 0.35
    epsilon.decline_start, epsilon.decline_end = DAYS - 200, DAYS - 60
    epsilon.planted = frozenset({"frustration"})
    epsilon.role_mix = {
        "executive_sponsor": 1,
        "champion": 1,
        "admin": 2,
        "power_user": 5,
        "casual_user": 18,
        "dormant": 14,
    }
    epsilon.people_count = 41
    epsilon.hot_themes = [("pricing", M), ("onboarding", N), ("reporting", P), ("support", M)]
    epsilon.notes = "middling: lukewarm sentiment, many dormant seats"

    stories = [acme, beta, gamma, delta, epsilon]
    for story in stories:
        _decide_renewal(story, rng)
    return stories
