"""A realistic generated portfolio in the import format, for the demo, tests and benchmarks.

Each account follows a hidden trajectory (healthy, declining, champion_leaving, expanding,
churning) that shapes its usage, feedback, touchpoints, outcomes and renewals; the truth is
written to `.truth/accounts.csv` beside the import files.
"""

from .catalog import COMPETITORS, CSM_IDS
from .portfolio import GenerationSummary, generate_portfolio
from .story import CHURN_PATTERNS, Trajectory
from .writer import FILES, TRUTH_DIR, TRUTH_FILE

__all__ = [
    "CHURN_PATTERNS",
    "COMPETITORS",
    "CSM_IDS",
    "FILES",
    "TRUTH_DIR",
    "TRUTH_FILE",
    "GenerationSummary",
    "Trajectory",
    "generate_portfolio",
]
