"""Generate a whole portfolio, one account at a time, streaming rows to the import files."""

from __future__ import annotations

import random
import time
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path

from . import activity
from .people import PersonPlan, build_people
from .story import AccountStory, as_date, plan_account, seed_stories
from .writer import FILES, PortfolioWriter


@dataclass(frozen=True)
class GenerationSummary:
    out_dir: Path
    accounts: int
    seed: int
    as_of: date
    rows: dict[str, int]  # file name -> data rows written (header excluded)
    elapsed_seconds: float

    @property
    def total_rows(self) -> int:
        return sum(self.rows.values())


def generate_portfolio(
    out_dir: Path, accounts: int = 60, seed: int = 7, as_of: date | None = None
) -> GenerationSummary:
    """Write a realistic portfolio in the import format (CONTRACT section 1) to `out_dir`.

    Deterministic for (seed, as_of, accounts). The seed article's five accounts come first;
    each account's hidden story goes to `out_dir/.truth/accounts.csv`.
    """
    if accounts < 1:
        raise ValueError(f"accounts must be at least 1, got {accounts}")
    started = time.perf_counter()
    as_of = as_of or datetime.now(UTC).date()
    out_dir.mkdir(parents=True, exist_ok=True)
    with PortfolioWriter(out_dir) as writer:
        for story in _stories(accounts, seed, as_of):
            _write_account(writer, story, as_of, seed)
        counts = dict(writer.counts)
    return GenerationSummary(
        out_dir=out_dir,
        accounts=accounts,
        seed=seed,
        as_of=as_of,
        rows={name: counts[name] for name in FILES},
        elapsed_seconds=time.perf_counter() - started,
    )


def _stories(accounts: int, seed: int, as_of: date):  # -> Iterator[AccountStory]
    seeds = seed_stories(as_of, seed)[:accounts]
    taken_names = {story.name for story in seeds}
    taken_ids = {story.account_id for story in seeds}
    yield from seeds
    for index in range(len(seeds), accounts):
        story = plan_account(index, as_of, seed, taken_names)
        if story.account_id in taken_ids:
            story.account_id = f"{story.account_id}-{index}"
            story.domain = story.account_id.replace("-", "") + ".com"
        taken_ids.add(story.account_id)
        yield story


def _write_account(writer: PortfolioWriter, story: AccountStory, as_of: date, seed: int) -> None:
    people = build_people(story, random.Random(f"{seed}:people:{story.account_id}"))
    ctx = activity.make_context(story, people, as_of, seed)
    usage_lines, usage_count, last_logins = activity.usage(ctx, seed)
    touchpoint_rows, ebrs = activity.touchpoints(ctx)
    feedback = [record for person in people for record in activity.user_feedback(ctx, person)]
    feedback += activity.account_feedback(ctx, ebrs)
    feedback.sort(key=lambda record: record["submittedAt"])
    writer.rows(
        "accounts.csv",
        [
            [
                story.account_id,
                story.name,
                _money(story.arr),
                _money(story.contract_value),
                story.users_licensed,
                story.renewal_date.isoformat(),
                story.segment,
                story.csm,
                story.channel,
            ]
        ],
    )
    writer.rows("users.csv", [_user_row(ctx, person, last_logins) for person in people])
    writer.feedback(feedback)
    writer.usage_lines(usage_lines, usage_count)
    writer.rows("touchpoints.csv", touchpoint_rows)
    writer.rows("outcomes.csv", activity.outcomes(ctx))
    if story.past_renewal_day is not None and story.renewal_outcome is not None:
        writer.rows(
            "renewals.csv",
            [
                [
                    story.account_id,
                    as_date(ctx.window_start, story.past_renewal_day).isoformat(),
                    story.renewal_outcome.value,
                    _money(story.arr_after or 0.0),
                ]
            ],
        )
    writer.truth(_truth_row(ctx, story))


def _user_row(
    ctx: activity.Context, person: PersonPlan, last_logins: dict[str, str]
) -> list[object]:
    left_at = ctx.at(person.left_day) if person.left_day is not None else ""
    return [
        person.id,
        ctx.story.account_id,
        person.name,
        person.email,
        person.role.value,
        person.title,
        person.slack_user_id or "",
        "true" if person.active else "false",
        last_logins.get(person.id, ""),
        left_at,
    ]


def _truth_row(ctx: activity.Context, story: AccountStory) -> list[object]:
    renewal_day = story.past_renewal_day
    return [
        story.account_id,
        story.name,
        story.trajectory.value,
        "true" if story.churn_day is not None else "false",
        as_date(ctx.window_start, story.churn_day).isoformat()
        if story.churn_day is not None
        else "",
        story.renewal_outcome.value if story.renewal_outcome else "",
        as_date(ctx.window_start, renewal_day).isoformat() if renewal_day is not None else "",
        "true" if story.subtle else "false",
        ";".join(sorted(story.planted)),
        round(story.severity, 2),
        story.notes,
    ]


def _money(value: float) -> str:
    return f"{value:.0f}" if value == int(value) else f"{value:.2f}"
