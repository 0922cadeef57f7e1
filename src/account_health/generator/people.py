"""The people at one account: the seed's stakeholder mix, with names, titles and tenure."""

from __future__ import annotations

import random
from dataclasses import dataclass

from account_health.domain.models import Role

from .catalog import FIRST_NAMES, LAST_NAMES, SMB_EXEC_TITLES, TITLES, slack_id
from .story import DAYS, AccountStory, Trajectory

# How often each role has a Slack user id known to the CS team.
_SLACK_SHARE = {
    Role.EXECUTIVE_SPONSOR: 0.85,
    Role.CHAMPION: 0.92,
    Role.ADMIN: 0.8,
    Role.IT_SECURITY: 0.7,
    Role.POWER_USER: 0.45,
    Role.CASUAL_USER: 0.25,
    Role.END_USER: 0.2,
    Role.DORMANT: 0.1,
}


@dataclass
class PersonPlan:
    id: str
    role: Role
    name: str
    email: str
    title: str
    slack_user_id: str | None
    propensity: float  # how much this person uses the product, relative to their role
    temper: float  # a personal offset to satisfaction (some people are harder to please)
    join_day: int = 0
    left_day: int | None = None  # the day the person left the customer
    active: bool = True


def role_mix(story: AccountStory, rng: random.Random) -> list[Role]:
    """One role per person, in the seed's mix (or the story's fixed mix)."""
    if story.role_mix is not None:
        return [Role(role) for role, count in story.role_mix.items() for _ in range(count)]
    n = story.people_count
    roles = [Role.EXECUTIVE_SPONSOR, Role.CHAMPION]
    if n >= 20 and rng.random() < 0.5:
        roles.append(Role.CHAMPION)
    roles += [Role.ADMIN] * max(1, round(n * 0.05))
    security_odds = {"enterprise": 0.6, "mid-market": 0.3, "smb": 0.08}[story.segment]
    if rng.random() < security_odds:
        roles.append(Role.IT_SECURITY)
    power_share = 0.3 if story.trajectory is Trajectory.EXPANDING else rng.uniform(0.12, 0.25)
    dormant_share = (
        rng.uniform(0.15, 0.3)
        if story.trajectory in (Trajectory.DECLINING, Trajectory.CHURNING)
        else rng.uniform(0.06, 0.2)
    )
    roles += [Role.POWER_USER] * round(n * power_share)
    roles += [Role.DORMANT] * round(n * dormant_share)
    rest = max(0, n - len(roles))
    end_user_share = rng.uniform(0.3, 0.7) if rng.random() < 0.3 else 0.0
    end_users = round(rest * end_user_share)
    return roles + [Role.END_USER] * end_users + [Role.CASUAL_USER] * (rest - end_users)


def _title(role: Role, segment: str, rng: random.Random) -> str:
    if role is Role.EXECUTIVE_SPONSOR and segment == "smb" and rng.random() < 0.6:
        return rng.choice(SMB_EXEC_TITLES)
    return rng.choice(TITLES[role])


def build_people(story: AccountStory, rng: random.Random) -> list[PersonPlan]:
    roles = role_mix(story, rng)
    people: list[PersonPlan] = []
    emails: set[str] = set()
    for number, role in enumerate(roles, start=1):
        people.append(_person(story, f"{story.account_id}-u{number:03d}", role, rng, emails))
    _set_tenure(story, people, rng)
    if story.champion_left_day is not None:
        _champion_leaves(story, people, rng, emails)
    if story.churn_day is not None:
        for person in people:
            person.active = False
    return people


def _person(
    story: AccountStory, person_id: str, role: Role, rng: random.Random, emails: set[str]
) -> PersonPlan:
    first, last = rng.choice(FIRST_NAMES), rng.choice(LAST_NAMES)
    email = f"{first}.{last}@{story.domain}".lower()
    suffix = 2
    while email in emails:
        email = f"{first}.{last}{suffix}@{story.domain}".lower()
        suffix += 1
    emails.add(email)
    has_slack = rng.random() < _SLACK_SHARE[role]
    return PersonPlan(
        id=person_id,
        role=role,
        name=f"{first} {last}",
        email=email,
        title=_title(role, story.segment, rng),
        slack_user_id=slack_id("U", rng) if has_slack else None,
        propensity=rng.gammavariate(2.0, 0.5),
        temper=rng.gauss(0.0, 0.07),
        active=not (role is Role.DORMANT and rng.random() < 0.6),
    )


def _set_tenure(story: AccountStory, people: list[PersonPlan], rng: random.Random) -> None:
    """Some people joined during the year (more in growing accounts), some left."""
    growth = story.growth_start
    for person in people:
        if person.role in (Role.EXECUTIVE_SPONSOR, Role.CHAMPION):
            continue
        if (
            growth is not None
            and person.role in (Role.POWER_USER, Role.CASUAL_USER)
            and rng.random() < 0.3
        ):
            person.join_day = rng.randint(growth, DAYS - 1)
        elif rng.random() < 0.05:
            person.join_day = rng.randint(1, DAYS - 1)
        if rng.random() < 0.06:
            left = rng.randint(person.join_day + 14, DAYS + 200)
            if left < DAYS - 1 and (story.churn_day is None or left < story.churn_day):
                person.left_day, person.active = left, False


def _champion_leaves(
    story: AccountStory, people: list[PersonPlan], rng: random.Random, emails: set[str]
) -> None:
    """The (first) champion leaves; sometimes a successor is named a few weeks later."""
    assert story.champion_left_day is not None
    champion = next(p for p in people if p.role is Role.CHAMPION)
    champion.left_day, champion.active = story.champion_left_day, False
    successor_day = story.champion_left_day + rng.randint(7, 35)
    if rng.random() < 0.5 and successor_day < DAYS - 1:
        successor = _person(
            story, f"{story.account_id}-u{len(people) + 1:03d}", Role.CHAMPION, rng, emails
        )
        successor.join_day = successor_day
        people.append(successor)
