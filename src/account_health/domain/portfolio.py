"""The seed's account-level metrics, across the portfolio.

coverage rate            respondents / active users, target > 30%
decision-maker coverage  champions + execs who answered / all of them, target > 80%
response rate trend      month over month: people who answered in the month / current people
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from datetime import date

from pydantic import BaseModel

from account_health.domain.config import EngineConfig
from account_health.domain.facts import as_utc, known_as_of
from account_health.domain.models import AccountData
from account_health.domain.report import Report, Trend


class MonthRate(BaseModel):
    month: str  # YYYY-MM
    respondents: int
    people: int
    rate: float | None


class PortfolioMetrics(BaseModel):
    accounts: int
    coverage_rate: float | None  # all respondents / all active users
    coverage_target: float
    accounts_meeting_coverage: int
    decision_maker_coverage: float | None  # all decision-makers who answered / all of them
    decision_maker_target: float
    accounts_meeting_decision_maker: int
    response_rates: list[MonthRate]
    response_trend: Trend  # the last full month against the one before


def _month_starts(as_of: date, months: int) -> list[date]:
    starts, year, month = [], as_of.year, as_of.month
    for _ in range(months):
        starts.append(date(year, month, 1))
        year, month = (year, month - 1) if month > 1 else (year - 1, 12)
    return list(reversed(starts))


class ResponseRateTally:
    """Counts, month by month, the distinct people who answered, one account at a time (so a
    run over 10,000 accounts never holds them all)."""

    def __init__(self, as_of: date, months: int) -> None:
        self.as_of = as_of
        self.months = [m.strftime("%Y-%m") for m in _month_starts(as_of, months)]
        self.respondents: dict[str, int] = defaultdict(int)
        self.people = 0

    def add(self, data: AccountData) -> None:
        data = known_as_of(data, self.as_of)
        self.people += sum(1 for p in data.people if p.left_at is None)
        seen: dict[str, set[str]] = defaultdict(set)
        for fb in data.feedback:
            month = as_utc(fb.submitted_at).strftime("%Y-%m")
            if month in self.months:
                seen[month].add(fb.person_id or fb.id)
        for month, who in seen.items():
            self.respondents[month] += len(who)

    def merge(self, other: ResponseRateTally) -> None:
        """Add the counts of another share of the portfolio (e.g. one batch of accounts)."""
        self.people += other.people
        for month, count in other.respondents.items():
            self.respondents[month] += count

    def rates(self) -> list[MonthRate]:
        return [MonthRate(month=m, respondents=self.respondents.get(m, 0), people=self.people,
                          rate=round(self.respondents.get(m, 0) / self.people, 4)
                          if self.people else None) for m in self.months]


def response_trend(rates: list[MonthRate], as_of: date) -> Trend:
    """The last complete month against the one before it (the current month is partial)."""
    full = rates[:-1] if rates and rates[-1].month == as_of.strftime("%Y-%m") else rates
    if len(full) < 2 or full[-1].rate is None or full[-2].rate is None:
        return "flat"
    if full[-1].rate > full[-2].rate:
        return "up"
    if full[-1].rate < full[-2].rate:
        return "down"
    return "flat"


def portfolio_metrics(
    reports: Iterable[Report], tally: ResponseRateTally, config: EngineConfig
) -> PortfolioMetrics:
    cfg = config.portfolio
    count = respondents = active = meet_cov = meet_dm = 0
    dm_shares: list[float] = []
    for r in reports:
        count += 1
        s = r.sentiment
        respondents += s.respondent_count
        active += s.active_users or 0
        if s.coverage_rate is not None and s.coverage_rate > cfg.coverage_target:
            meet_cov += 1
        if s.decision_maker_coverage is not None:
            dm_shares.append(s.decision_maker_coverage)
            if s.decision_maker_coverage > cfg.decision_maker_coverage_target:
                meet_dm += 1
    rates = tally.rates()
    return PortfolioMetrics(
        accounts=count,
        coverage_rate=round(respondents / active, 3) if active else None,
        coverage_target=cfg.coverage_target,
        accounts_meeting_coverage=meet_cov,
        decision_maker_coverage=round(sum(dm_shares) / len(dm_shares), 3) if dm_shares else None,
        decision_maker_target=cfg.decision_maker_coverage_target,
        accounts_meeting_decision_maker=meet_dm,
        response_rates=rates,
        response_trend=response_trend(rates, tally.as_of),
    )
