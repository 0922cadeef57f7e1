"""The seed's renewal playbooks by tier (green > 80, yellow 60-80, red < 60).

The tier itself is decided in health.tier_for: exactly 80 and exactly 60 are yellow.
"""

from __future__ import annotations

from account_health.domain.config import EngineConfig
from account_health.domain.report import Playbook, Tier


def playbook_for(tier: Tier, config: EngineConfig) -> Playbook:
    return Playbook(tier=tier, actions=list(config.playbooks[tier]))
