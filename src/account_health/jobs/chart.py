"""The digest's chart: portfolio health over time, as a PNG (matplotlib, Agg backend)."""

from __future__ import annotations

import io
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

import matplotlib

matplotlib.use("Agg")  # no display: render to memory
import matplotlib.pyplot as plt  # after choosing the backend

TIER_COLOURS = {"green": "#2eb67d", "yellow": "#ecb22e", "red": "#e01e5a"}


@dataclass(frozen=True)
class HealthPoint:
    as_of: date
    average: float  # mean overall health, 0-100
    tiers: dict[str, int]  # accounts per tier


def health_chart(points: Sequence[HealthPoint]) -> bytes:
    """Average health (line) over the share of accounts in each tier (stacked areas)."""
    figure, share = plt.subplots(figsize=(8, 3.6), dpi=100)
    try:
        days = [p.as_of for p in points]
        totals = [max(1, sum(p.tiers.values())) for p in points]
        stacks = [[100 * p.tiers.get(tier, 0) / total for p, total in zip(points, totals,
                                                                          strict=True)]
                  for tier in TIER_COLOURS]
        share.stackplot(days, stacks, colors=list(TIER_COLOURS.values()), alpha=0.25,
                        labels=[f"% {tier}" for tier in TIER_COLOURS])
        share.plot(days, [p.average for p in points], color="#1d1c1d", marker="o",
                   linewidth=2, label="average health")
        share.set_ylim(0, 100)
        share.set_ylabel("health / % of accounts")
        share.set_title("Portfolio health over time")
        share.legend(loc="lower left", fontsize=8, ncols=4)
        share.grid(axis="y", alpha=0.3)
        figure.autofmt_xdate()
        figure.tight_layout()
        buffer = io.BytesIO()
        figure.savefig(buffer, format="png")
        return buffer.getvalue()
    finally:
        plt.close(figure)
