"""account-health: account-level customer health for B2B customer-success teams."""

__version__ = "0.1.0"
